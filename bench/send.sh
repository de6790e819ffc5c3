#!/usr/bin/env bash
# Sending benchmark (issue "One door"): 50 sends one after another to the
# built-in test environment in one process, and the TLS handshakes they take,
# counted by a TCP relay between Kuvert and the service (neither side counts
# its own). See crates/core/examples/send_bench.rs. Each round is a fresh
# test environment and fresh stores.
#
#   bench/send.sh [SENDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
SENDS="${1:-50}"
ROUNDS="${2:-3}"
cargo build --release --quiet -p kuvert-core --example send_bench
for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  "$CARGO_TARGET_DIR/release/examples/send_bench" "$SENDS"
done
