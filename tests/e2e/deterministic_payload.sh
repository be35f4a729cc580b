#!/usr/bin/env bash
# Identical inputs give byte-identical bag payloads (issue 6): the demo run sealed twice with the
# same --run-id, once on every core and once on one thread (so the work lands on different threads
# in a different order), each batch opened with `tsuchi open`, and every file under data/ (the
# print PDF and insertion.csv) compared byte for byte. The archives themselves differ (fresh keys).
# usage: deterministic_payload.sh /path/to/tsuchi /path/to/source
set -u
tsuchi=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

tmp=$(mktemp -d /tmp/tsuchi-determinism-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
"$tsuchi" keygen --out city 2>/dev/null || { echo "FAIL: keygen" >&2; exit 1; }

# Each run has its own ledger: one ledger refuses the same run id twice.
run() {  # run <name> [extra args]
  local name=$1
  shift
  TSUCHI_LEDGER=$tmp/$name.sqlite "$tsuchi" run --demo --out "$name" --as tanaka --run-id R20250901 \
    --signing-key city.secret "$@" 2>"$name.log" || { cat "$name.log" >&2; echo "FAIL: run $name" >&2; exit 1; }
  local n=0
  for zip in "$name"/*.zip; do
    local b=${zip%.zip}
    "$tsuchi" open --archive "$zip" --key "$b.key" --public-key city.pub --out "$name-open" 2>>"$name.log" ||
      fail "$name: tsuchi open $(basename "$zip")"
    n=$((n + 1))
  done
  [ "$n" -ge 2 ] || fail "$name: expected several batches, got $n"
}
run a
run b --threads 1

# The same bags, file for file, and the same bytes in each payload file.
(cd a-open && find . -path '*/data/*' -type f | sort) >a.files
(cd b-open && find . -path '*/data/*' -type f | sort) >b.files
[ -s a.files ] || fail "no payload files extracted"
grep -q '\.pdf$' a.files || fail "no PDF among the payload files"
grep -q 'insertion\.csv$' a.files || fail "no insertion.csv among the payload files"
cmp -s a.files b.files || fail "the two runs hold different payload files: $(diff a.files b.files | head -5)"
while read -r f; do
  cmp -s "a-open/$f" "b-open/$f" || fail "payload differs between identical runs: $f"
done <a.files

# The archives are encrypted with fresh keys, so they must differ; the payloads must not.
first=$(ls a/*.zip | head -1)
cmp -s "$first" "b/$(basename "$first")" && fail "two runs produced the same archive bytes (keys reused?)"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "deterministic payload: $(wc -l <a.files) payload files identical across two runs"
