#!/usr/bin/env bash
# Department mode's benchmarks (issue 13), in a release build, each against
# a private PostgreSQL server, the built-in test environment and real mutual
# TLS, as the tests run them (crates/server/tests/server/bench.rs):
#
# - registrar search at MESSAGES messages (default 1,000,000): the p50 and
#   p95 of each query through the HTTPS API, as the registrar, row-level
#   security on, with the plans PostgreSQL chose;
# - submissions per second from OFFICERS officer clients (default 20)
#   through two kuvert-server processes, PER_OFFICER messages each, until
#   every message is in the test environment's mailboxes.
#
#   bench/department.sh [MESSAGES] [RUNS] [OFFICERS] [PER_OFFICER]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
export KUVERT_BENCH_MESSAGES="${1:-1000000}" KUVERT_BENCH_RUNS="${2:-40}"
export KUVERT_BENCH_OFFICERS="${3:-20}" KUVERT_BENCH_PER_OFFICER="${4:-10}"
export KUVERT_LOG=warn
cargo test --release --quiet -p kuvert-server --test server bench:: -- \
  --ignored --nocapture --test-threads 1 2>&1 \
  | grep -vE 'r2d2|lost the (Outbox|status) notifications|^$|^running|^test |^test result'
