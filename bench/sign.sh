#!/usr/bin/env bash
# Build+sign benchmark: Kuvert signing a delivery with 20 MB of attachments,
# against `xmlsec1 --sign` on the same unsigned document and against bare
# md5+sha256+base64 of the same bytes. Whole-process wall time (hyperfine)
# and peak memory (maximum resident set, /usr/bin/time), medians of RUNS runs.
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

# Wall time: hyperfine, medians of RUNS runs after a warm-up (a run takes a
# tenth of a second, below what /usr/bin/time resolves). Peak memory (maximum
# resident set): /usr/bin/time, median of RUNS runs.
kuvert=("$bin/sign_delivery" "$work/key.pem" "$work/cert.pem" "$work/out.xml" "${files[@]}")
xmlsec=(xmlsec1 --sign --privkey-pem "$work/key.pem,$work/cert.pem" --output "$work/xmlsec.xml" "$work/template.xml")
raw=("$bin/raw_digest" "${files[@]}")
hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-csv "$work/times.csv" \
  -n kuvert "${kuvert[*]}" -n xmlsec1 "${xmlsec[*]}" -n raw "${raw[*]}" >/dev/null
peak() { # command…: median peak resident set in KiB
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%M" -o "$work/t" "$@" >/dev/null 2>&1
    cat "$work/t"
  done | sort -n | awk '{m[NR]=$1} END {print m[int((NR+1)/2)]}'
}
attachment_bytes=$(cat "${files[@]}" | wc -c)
# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
awk -F, -v pk="$(peak "${kuvert[@]}")" -v px="$(peak "${xmlsec[@]}")" -v pr="$(peak "${raw[@]}")" \
    -v bytes="$attachment_bytes" '
  NR>1 { t[$1]=$4 }
  END {
    p["kuvert"]=pk; p["xmlsec1"]=px; p["raw"]=pr
    split("kuvert xmlsec1 raw", names, " ")
    for (i = 1; i <= 3; i++) { name = names[i]; printf "%-8s median %.3f s   peak %.1f MiB (%.2fx the attachment bytes)\n", name, t[name], p[name]/1024, p[name]*1024/bytes }
    printf "kuvert/xmlsec1 time ratio %.2f   kuvert/raw time ratio %.2f\n", t["kuvert"]/t["xmlsec1"], t["kuvert"]/t["raw"]
  }' "$work/times.csv"
xmlsec1 --verify --trusted-pem "$work/cert.pem" "$work/out.xml" >/dev/null 2>&1 && echo "xmlsec1 verifies Kuvert's output: OK"
