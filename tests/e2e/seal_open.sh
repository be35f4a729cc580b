#!/usr/bin/env bash
# The contractor's side of a sealed batch (SPEC §7, output_spec/batch.md), on the demo run's real
# batches: `tsuchi open` with B.key and with the secret key, and the tool-free route the spec
# promises (OpenSSL for the signature, 7-Zip for the archive, coreutils for the bag), then one
# flipped byte in each file, which open must refuse without extracting anything.
# usage: seal_open.sh /path/to/tsuchi /path/to/source
set -u
tsuchi=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d /tmp/tsuchi-seal-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export TSUCHI_LEDGER=$tmp/ledger.sqlite

"$tsuchi" keygen --out city 2>/dev/null || fail "keygen city"
"$tsuchi" keygen --out contractor --kind contractor 2>/dev/null || fail "keygen contractor"
"$tsuchi" run --demo --out run --as tanaka --signing-key city.secret --contractor-key contractor.pub 2>run.log ||
  { cat run.log >&2; echo "FAIL: tsuchi run --demo" >&2; exit 1; }

json_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# Flips one bit of byte $2 (default: the middle) of file $1.
flip() {
  python3 - "$1" "${2:-}" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = int(sys.argv[2]) if sys.argv[2] else len(b) // 2
b[i] ^= 1
open(p, "wb").write(bytes(b))
PY
}

check_batch() {
  local B=$1 id
  id=$(basename "$B")
  for f in "$B.zip" "$B.key" "$B.key.sealed" "$B.manifest.json" "$B.manifest.json.sig"; do
    [ -f "$f" ] || fail "$id: missing $(basename "$f")"
  done
  [ "$(stat -c %a "$B.key")" = 600 ] || fail "$id: B.key is not mode 0600"
  [ "$(json_field "$B.manifest.json" batch_id)" = "$id" ] || fail "$id: manifest batch_id"

  # Tool-free route 1: the signature, with OpenSSL and the city's PEM public key.
  openssl pkeyutl -verify -pubin -inkey city.pub -rawin -in "$B.manifest.json" -sigfile "$B.manifest.json.sig" \
    >/dev/null 2>&1 || fail "$id: openssl does not verify the manifest signature"
  [ "$(sha256sum "$B.zip" | cut -d' ' -f1)" = "$(json_field "$B.manifest.json" archive_sha256)" ] ||
    fail "$id: sha256sum of the archive differs from the manifest"

  # Route 2: 7-Zip lists every entry as AES-256 and extracts with the passphrase.
  local listing entries aes
  listing=$(7z l -slt -p"$(cat "$B.key")" "$B.zip")
  entries=$(grep -c '^Path = '"$id"'/' <<<"$listing")
  aes=$(grep -c '^Method = AES-256' <<<"$listing")
  [ "$entries" -ge 7 ] && [ "$entries" = "$aes" ] || fail "$id: $aes of $entries entries are AES-256"
  mkdir -p "x7/$id" && (cd x7 && 7z x -y -p"$(cat "../$B.key")" "../$B.zip" >/dev/null) || fail "$id: 7z x"
  # Route 3: the bag with coreutils (manifest lines are "<digest>  <path>", as sha*sum -c reads).
  (cd "x7/$id" && sha256sum -c --quiet manifest-sha256.txt && sha512sum -c --quiet manifest-sha512.txt &&
    sha256sum -c --quiet tagmanifest-sha256.txt && sha512sum -c --quiet tagmanifest-sha512.txt) ||
    fail "$id: bag digests do not check with coreutils"
  [ "$(sha256sum "x7/$id/tagmanifest-sha256.txt" | cut -d' ' -f1)" = "$(json_field "$B.manifest.json" tagmanifest_sha256)" ] ||
    fail "$id: tagmanifest_sha256"
  [ -f "x7/$id/data/insertion.csv" ] || fail "$id: no data/insertion.csv"
  head -1 "x7/$id/data/insertion.csv" | grep -q '^envelope_id,pages,sheets,postal_code,codes' ||
    fail "$id: insertion.csv header"

  # tsuchi open, both ways, gives exactly what 7-Zip gave.
  local got
  got=$("$tsuchi" open --archive "$B.zip" --key "$B.key" --public-key city.pub --out "o1" --json 2>/dev/null) ||
    fail "$id: open --key"
  [ "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["batch_id"])' "$got")" = "$id" ] ||
    fail "$id: open --json batch_id"
  diff -r "o1/$id" "x7/$id" >/dev/null || fail "$id: open --key differs from 7z"
  "$tsuchi" open --archive "$B.zip" --secret-key contractor.secret --out "o2" 2>/dev/null || fail "$id: open --secret-key"
  diff -r "o2/$id" "x7/$id" >/dev/null || fail "$id: open --secret-key differs from 7z"
}

shopt -s nullglob
manifests=(run/*.manifest.json)
[ ${#manifests[@]} -ge 1 ] || fail "the demo run sealed no batch"
for m in "${manifests[@]}"; do check_batch "${m%.manifest.json}"; done

# Nothing in plain text beside the archives: no PDF, no insertion list.
[ -z "$(find run -name '*.pdf' -o -name '*.csv')" ] || fail "plaintext print files in the run folder"
! grep -l -a '%PDF-1\.' run/* >/dev/null 2>&1 || fail "a file of the run folder holds PDF content"

# One flipped byte in any file, a wrong passphrase, or another contractor's key: refused, nothing extracted.
B=${manifests[0]%.manifest.json}
id=$(basename "$B")
"$tsuchi" keygen --out other --kind contractor 2>/dev/null
for what in zip manifest.json manifest.json.sig key.sealed key wrong-contractor; do
  rm -rf t d && mkdir t && cp "$B".* city.pub t/
  args=(--key "t/$id.key")
  case $what in
    key) python3 -c 'import sys; p=sys.argv[1]; s=open(p).read(); open(p,"w").write(("b" if s[0]=="a" else "a")+s[1:])' "t/$id.key" ;;
    key.sealed) flip "t/$id.key.sealed"; args=(--secret-key contractor.secret) ;;
    wrong-contractor) args=(--secret-key other.secret) ;;
    *) flip "t/$id.$what" ;;
  esac
  "$tsuchi" open --archive "t/$id.zip" "${args[@]}" --public-key city.pub --out d 2>err.txt
  rc=$?
  [ "$rc" = 1 ] || fail "damaged $what: exit $rc, want 1"
  grep -q 'nothing was extracted' err.txt || fail "damaged $what: no refusal message"
  [ -z "$(ls -A d 2>/dev/null)" ] || fail "damaged $what: something was extracted"
done

# Usage errors exit 2.
"$tsuchi" open --archive "$B.zip" --out d 2>/dev/null
[ $? = 2 ] || fail "open without --key/--secret-key must exit 2"
"$tsuchi" open --archive "$B.zip" --key "$B.key" --secret-key contractor.secret --out d 2>/dev/null
[ $? = 2 ] || fail "open with both --key and --secret-key must exit 2"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "seal_open: OK (${#manifests[@]} batches)"
