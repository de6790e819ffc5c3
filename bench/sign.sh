#!/usr/bin/env bash
# Build+sign benchmark: Kuvert signing a delivery with 20 MB of attachments,
# against `xmlsec1 --sign` on the same unsigned document and against bare
# md5+sha256+base64 of the same bytes. Whole-process wall time and peak
# memory (maximum resident set), run in turn for RUNS rounds after a warm-up
# (bench/interleaved.sh); medians, and the medians of the per-round ratios;
# peak memory from five runs of each of its own.
#
#   bench/sign.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-15}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

cargo build --release --quiet -p kuvert-protocol --examples
bin="$CARGO_TARGET_DIR/release/examples"

# Test key and certificate generated for this run only.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/C=SE/O=Kommun B/CN=Kommun B/serialNumber=162021003898" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
# 20 MB of attachments: two PDFs-sized files of incompressible bytes.
head -c 12000000 /dev/urandom > "$work/beslut.pdf"
head -c  8000000 /dev/urandom > "$work/bilaga.pdf"
files=("$work/beslut.pdf" "$work/bilaga.pdf")

"$bin/sign_delivery" "$work/key.pem" "$work/cert.pem" "$work/kuvert.xml" --template "$work/template.xml" "${files[@]}"

kuvert=("$bin/sign_delivery" "$work/key.pem" "$work/cert.pem" "$work/out.xml" "${files[@]}")
xmlsec=(xmlsec1 --sign --privkey-pem "$work/key.pem,$work/cert.pem" --output "$work/xmlsec.xml" "$work/template.xml")
raw=("$bin/raw_digest" "${files[@]}")
source bench/interleaved.sh
interleaved "$RUNS" "$work/runs" kuvert xmlsec raw
peaks 5 "$work/peaks" kuvert xmlsec raw
attachment_bytes=$(cat "${files[@]}" | wc -c)
for name in kuvert xmlsec raw; do
  awk -v n="$name" -v t="$(wall_of "$work/runs" "$name")" -v p="$(peak_of "$work/peaks" "$name")" -v bytes="$attachment_bytes" \
    'BEGIN { printf "%-8s median %.3f s   peak %.1f MiB (%.2fx the attachment bytes)\n", n, t, p / 1024, p * 1024 / bytes }'
done
printf 'kuvert/xmlsec1 time ratio %.2f   kuvert/raw time ratio %.2f   (medians of the ratios of %s rounds)\n' \
  "$(ratio_of "$work/runs" kuvert xmlsec)" "$(ratio_of "$work/runs" kuvert raw)" "$RUNS"
xmlsec1 --verify --trusted-pem "$work/cert.pem" "$work/out.xml" >/dev/null 2>&1 && echo "xmlsec1 verifies Kuvert's output: OK"
