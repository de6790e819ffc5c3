#!/usr/bin/env bash
# Desktop app benchmark (QUALITY: window usable within 1 s of launch, idle
# memory under 150 MB): the release app against WebKitGTK's MiniBrowser
# showing the same UI, under a virtual display. See bench/app.mjs.
#   bench/app.sh            (ROUNDS=N for more rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps
command -v tauri-driver >/dev/null || cargo install tauri-driver --version '^2' --locked --quiet
(cd ui && npm run --silent build)
cargo build --release --locked --quiet -p kuvert-desktop
MINIBROWSER="${MINIBROWSER:-/usr/lib/$(gcc -dumpmachine)/webkit2gtk-4.1/MiniBrowser}"
export MINIBROWSER KUVERT_APP="$CARGO_TARGET_DIR/release/kuvert-desktop"
exec xvfb-run -a -s '-screen 0 1280x800x24' node bench/app.mjs
