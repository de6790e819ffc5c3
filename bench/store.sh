#!/usr/bin/env bash
# Sent-log benchmark (issue 4): builds (or reuses) a database of 1,000,000
# messages in /tmp/kuvert-bench, then prints search p50/p95 for text + date
# queries and CSV export time against `sqlite3 -csv` on the same file.
# Extra arguments go to the benchmark: --rows N --queries Q --dir DIR --rebuild
set -eu
cd "$(dirname "$0")/.."
source scripts/deps   # CARGO_TARGET_DIR outside the clone
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 CLI: apt-get install -y sqlite3" >&2; exit 1; }
cargo build --release -p kuvert-store --example sent_log_bench
exec "$CARGO_TARGET_DIR/release/examples/sent_log_bench" "$@"
