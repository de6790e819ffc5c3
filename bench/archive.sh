#!/usr/bin/env bash
# Filing-package benchmark (issue 15): the E-ARK SIP of one delivered message
# with 20 MB of attachments (12 MB + 8 MB of incompressible bytes), built and
# written RUNS times in one process (crates/core/examples/archive_bench.rs):
# the ZIP's size, the median wall time, the peak memory. The package of the
# last run is validated with the E-ARK validator (../shared/e-ark/eark-validate).
#
#   bench/archive.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-15}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cargo build --release --quiet -p kuvert-core --example archive_bench
KUVERT_BENCH_KEEP="$work/arkiv.zip" "$CARGO_TARGET_DIR/release/examples/archive_bench" "$RUNS"
if [ -x ../shared/e-ark/eark-validate ]; then
  # Exit 1 on its one known defect, SIP14 (README, "Filing packages"): show the verdict only.
  ../shared/e-ark/eark-validate "$work/arkiv.zip" | tail -3 || true
fi
