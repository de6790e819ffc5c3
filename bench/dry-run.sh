#!/usr/bin/env bash
# CLI overhead benchmark (QUALITY: `send --dry-run` of a small message within
# 1.5x the library's signing time): `kuvert send --dry-run` of a message with
# a 10 KB PDF against the library alone building and signing the same message
# with the same key (kuvert-protocol's sign_delivery example: read the key and
# the file, build, sign, write, exit). Both are whole processes, timed by
# run in turn (bench/interleaved.sh); the ratio is the median of the rounds'.
#
#   bench/dry-run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-40}"
work="${KUVERT_BENCH_WORK:-$(mktemp -d)}"; [ -n "${KUVERT_BENCH_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

cargo build --release --quiet -p kuvert-cli -p kuvert-protocol --bins --examples
bin="$CARGO_TARGET_DIR/release"

# Test key and certificate generated for this run only; they are also the
# profile's "CA bundle", which a dry run never reads.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/C=SE/O=Kommun B/CN=Kommun B/serialNumber=162021003898" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
{ printf '%%PDF-1.4\n'; head -c 9991 /dev/urandom; } > "$work/beslut.pdf"   # 10,000 bytes
cat > "$work/profile.toml" <<'EOF'
[profile]
environment = "test"
[sender]
organisation_number = "202100-3898"
names = ["Kommun B"]
[service]
recipient_url = "https://127.0.0.1:9/Recipient/v3"
message_url = "https://127.0.0.1:9/Message/v3"
ca_bundle = "cert.pem"
proxy = "none"
[certificate]
cert_pem = "cert.pem"
key_pem = "key.pem"
EOF

library=("$bin/examples/sign_delivery" "$work/key.pem" "$work/cert.pem" "$work/library.xml" "$work/beslut.pdf")
printf 'Se bifogat beslut.' > "$work/body.txt"
cli=("$bin/kuvert" --profile "$work/profile.toml" --data-dir "$work/data" send --dry-run --out "$work/cli.xml"
     --to 19850101-2382 --subject Beslut --body-file "$work/body.txt" --class 2 --case KS-2026/0123
     --attach "$work/beslut.pdf")
"${library[@]}"; "${cli[@]}" >/dev/null
for signed in library cli; do
  xmlsec1 --verify --trusted-pem "$work/cert.pem" "$work/$signed.xml" >/dev/null 2>&1 \
    || { echo "xmlsec1 does not verify the $signed's output" >&2; exit 1; }
done
echo "xmlsec1 verifies both signed deliveries: OK ($(wc -c < "$work/cli.xml") bytes from the CLI)"

source bench/interleaved.sh
interleaved "$RUNS" "$work/runs" library cli
awk -v lib="$(wall_of "$work/runs" library)" -v cli="$(wall_of "$work/runs" cli)" -v ratio="$(ratio_of "$work/runs" cli library)" -v runs="$RUNS" \
  'BEGIN { printf "medians of %d rounds: library %.2f ms, kuvert send --dry-run %.2f ms; ratio %.2f (median of the rounds; target <= 1.5)\n", runs, lib * 1000, cli * 1000, ratio }'
