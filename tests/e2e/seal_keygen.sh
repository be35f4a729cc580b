#!/usr/bin/env bash
# `tsuchi keygen`: PEM key pairs OpenSSL reads, secret files 0600, never overwritten, exit codes.
# usage: seal_keygen.sh /path/to/tsuchi /path/to/source
set -u
tsuchi=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d /tmp/tsuchi-keygen-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
umask 000  # the secret must be 0600 whatever the umask allows

# kind | flags | OpenSSL's name for the algorithm
while IFS='|' read -r prefix flags algo; do
  [ -z "$prefix" ] && continue
  got=$("$tsuchi" keygen --out "$prefix" $flags --json 2>/dev/null) || fail "$prefix: keygen failed"
  [ "$(stat -c %a "$prefix.secret")" = 600 ] || fail "$prefix: secret mode $(stat -c %a "$prefix.secret"), want 600"
  openssl pkey -pubin -in "$prefix.pub" -noout -text 2>/dev/null | grep -q "$algo" || fail "$prefix: openssl does not read $prefix.pub as $algo"
  [ "$(openssl pkey -in "$prefix.secret" -pubout 2>/dev/null)" = "$(sed -n '/BEGIN/,/END/p' "$prefix.pub")" ] ||
    fail "$prefix: the public key derived from the secret differs from $prefix.pub"
  # The printed fingerprint is the SHA-256 of the raw 32-byte public key.
  raw=$(openssl pkey -pubin -in "$prefix.pub" -outform DER 2>/dev/null | tail -c 32 | sha256sum | cut -d' ' -f1)
  fp=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["fingerprint_sha256"])' "$got")
  [ "$fp" = "$raw" ] || fail "$prefix: fingerprint $fp, want $raw"
  # Never overwritten: a second keygen fails with exit 1 and leaves both files as they were.
  before=$(cat "$prefix.pub" "$prefix.secret" | sha256sum)
  "$tsuchi" keygen --out "$prefix" $flags 2>/dev/null
  rc=$?
  [ "$rc" = 1 ] || fail "$prefix: second keygen exit $rc, want 1"
  [ "$(cat "$prefix.pub" "$prefix.secret" | sha256sum)" = "$before" ] || fail "$prefix: key files changed"
done <<'CASES'
city||ED25519
city2|--kind signing|ED25519
contractor|--kind contractor|X25519
CASES

# A signature made by OpenSSL with the city's secret checks with the public key (same Ed25519).
echo "manifest bytes" >m.txt
openssl pkeyutl -sign -inkey city.secret -rawin -in m.txt -out m.sig 2>/dev/null &&
  openssl pkeyutl -verify -pubin -inkey city.pub -rawin -in m.txt -sigfile m.sig >/dev/null 2>&1 ||
  fail "openssl sign/verify with the keygen pair"

"$tsuchi" keygen --out x --kind rsa 2>/dev/null
[ $? = 2 ] || fail "unknown --kind must exit 2"
"$tsuchi" keygen 2>/dev/null
[ $? = 2 ] || fail "missing --out must exit 2"
"$tsuchi" keygen --out no/such/folder/k 2>err.txt
[ $? = 1 ] || fail "unwritable prefix must exit 1"
grep -q 'cannot create' err.txt || fail "unwritable prefix: message"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "seal_keygen: OK"
