#!/usr/bin/env bash
# PDF compression benchmark (issue 17): a scanned PDF of about 6 MB (A4
# pages, greyscale pictures at 300 dpi, JPEG as scanners write them, the
# words as text) made for the run, compressed RUNS times by Kuvert
# (kuvert_core::compress: pictures to 150 dpi, streams recompressed, text
# kept). Prints the median time, the sizes, and whether pdftotext still reads
# every page's words from the compressed file.
#
#   bench/compress.sh [RUNS] [PAGES] [QUALITY]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-9}"; PAGES="${2:-2}"; QUALITY="${3:-87}"
work="${KUVERT_BENCH_WORK:-$(mktemp -d)}"; [ -n "${KUVERT_BENCH_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

cargo build --release --quiet -p kuvert-core --example compress_bench
out="$("$CARGO_TARGET_DIR/release/examples/compress_bench" "$work" "$PAGES" "$QUALITY" "$RUNS")"
echo "$out" | grep -v '^text='
pdfinfo "$work/compressed.pdf" | grep -E '^(Pages|PDF version)'
pdfimages -list "$work/compressed.pdf" | sed -n '1,2p;3,$p' | head -n $((PAGES + 2))
status=0
while IFS= read -r line; do
  words="${line#text=}"
  for file in scan compressed; do
    if pdftotext "$work/$file.pdf" - | grep -qF "$words"; then
      echo "pdftotext $file.pdf: \"$words\" found"
    else
      echo "pdftotext $file.pdf: \"$words\" MISSING"; status=1
    fi
  done
done < <(echo "$out" | grep '^text=')
exit $status
