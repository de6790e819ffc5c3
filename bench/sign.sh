#!/usr/bin/env bash
# Build+sign benchmark: Kuvert signing a delivery with 20 MB of attachments,
# against `xmlsec1 --sign` on the same unsigned document and against bare
# md5+sha256+base64 of the same bytes. Whole-process wall time and peak
# memory (maximum resident set) from /usr/bin/time, median of RUNS runs.
#
#   bench/sign.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-5}"
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

measure() { # name, command…
  local name="$1"; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1
    cat "$work/t"
  done | sort -n | awk -v n="$name" '{t[NR]=$1; m[NR]=$2} END {mid=int((NR+1)/2); printf "%-8s median %.3f s   peak %.1f MB\n", n, t[mid], m[mid]/1024}'
}
measure kuvert "$bin/sign_delivery" "$work/key.pem" "$work/cert.pem" "$work/out.xml" "${files[@]}" | tee "$work/kuvert"
measure xmlsec1 xmlsec1 --sign --privkey-pem "$work/key.pem,$work/cert.pem" --output "$work/xmlsec.xml" "$work/template.xml" | tee "$work/xmlsec"
measure raw "$bin/raw_digest" "${files[@]}" | tee "$work/raw"
xmlsec1 --verify --trusted-pem "$work/cert.pem" "$work/out.xml" >/dev/null 2>&1 && echo "xmlsec1 verifies Kuvert's output: OK"
awk 'FNR==1{t[FILENAME]=$3} END{
  printf "kuvert/xmlsec1 time ratio %.2f   kuvert/raw time ratio %.2f\n", t[ARGV[1]]/t[ARGV[2]], t[ARGV[1]]/t[ARGV[3]] }' \
  "$work/kuvert" "$work/xmlsec" "$work/raw"
