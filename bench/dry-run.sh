#!/usr/bin/env bash
# CLI overhead benchmark (QUALITY: `send --dry-run` of a small message within
# 1.5x the library's signing time): `kuvert send --dry-run` of a message with
# a 10 KB PDF against the library alone building and signing the same message
# with the same key (kuvert-protocol's sign_delivery example: read the key and
# the file, build, sign, write, exit). Both are whole processes, timed by
# hyperfine in turn; the ratio is of the medians.
#
#   bench/dry-run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps
RUNS="${1:-40}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT

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
# No argument may contain a space: hyperfine -N splits the command line on them.
cli=("$bin/kuvert" --profile "$work/profile.toml" --data-dir "$work/data" send --dry-run --out "$work/cli.xml"
     --to 19850101-2382 --subject Beslut --body-file "$work/body.txt" --class 2 --case KS-2026/0123
     --attach "$work/beslut.pdf")
"${library[@]}"; "${cli[@]}" >/dev/null
for signed in library cli; do
  xmlsec1 --verify --trusted-pem "$work/cert.pem" "$work/$signed.xml" >/dev/null 2>&1 \
    || { echo "xmlsec1 does not verify the $signed's output" >&2; exit 1; }
done
echo "xmlsec1 verifies both signed deliveries: OK ($(wc -c < "$work/cli.xml") bytes from the CLI)"

hyperfine -N --style basic --warmup 5 --runs "$RUNS" --export-csv "$work/times.csv" \
  -n library "${library[*]}" -n "kuvert send --dry-run" "${cli[*]}"
# CSV columns: command,mean,stddev,median,user,system,min,max (seconds).
awk -F, 'NR==2{lib=$4} NR==3{cli=$4} END{
  printf "medians: library %.2f ms, kuvert send --dry-run %.2f ms; ratio %.2f (target <= 1.5)\n", lib*1000, cli*1000, cli/lib }' \
  "$work/times.csv"
