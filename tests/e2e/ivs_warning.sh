#!/usr/bin/env bash
# A variation sequence no font has: an error by default; with allow_plain_ivs a warning that
# `run` accepts and the review sheet lists (SPEC §4).
set -euo pipefail
TSUCHI=$1 SRC=$2
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export TSUCHI_LEDGER=$T/ledger.sqlite
python3 - "$SRC" "$T" <<'PY'
import os, re, sys
src, t = os.path.abspath(sys.argv[1]), sys.argv[2]
ex = os.path.join(src, "examples")
m = open(os.path.join(ex, "municipality.toml"), encoding="utf-8").read()
m = re.sub(r'(?m)^(\s*\w+\s*=\s*")((?:seal|keys)[^"]*)"', lambda g: '%s%s"' % (g.group(1), os.path.join(ex, g.group(2))), m)
open(os.path.join(t, "strict.toml"), "w", encoding="utf-8").write(m)
open(os.path.join(t, "lenient.toml"), "w", encoding="utf-8").write(m.replace("allow_plain_ivs = false", "allow_plain_ivs = true"))
rows = open(os.path.join(ex, "cases.csv"), encoding="utf-8").read().splitlines()
header, first = rows[0].split(","), rows[1].split(",")
first[header.index("child_name")] = "辻\U000E0105　次郎"
open(os.path.join(t, "cases.csv"), "w", encoding="utf-8").write("\n".join([rows[0], ",".join(first)] + rows[2:]) + "\n")
PY
IN=(--cases "$T/cases.csv" --fees "$SRC/examples/fees.toml")
fail() { echo "FAIL $*"; exit 1; }

set +e
"$TSUCHI" validate "${IN[@]}" --municipality "$T/strict.toml" 2>"$T/strict.err"; rc=$?
set -e
[ $rc -eq 1 ] || fail "strict validate exit $rc"
grep -q 'child_name "U+8FBB U+E0105"' "$T/strict.err" || fail "strict message: $(cat "$T/strict.err")"
echo "ok   missing IVS is an error by default"

"$TSUCHI" validate "${IN[@]}" --municipality "$T/lenient.toml" 2>"$T/lenient.err" || fail "lenient validate"
grep -q 'warning: child_name "U+8FBB U+E0105"' "$T/lenient.err" || fail "lenient message: $(cat "$T/lenient.err")"
echo "ok   allow_plain_ivs turns it into a warning"

"$TSUCHI" run "${IN[@]}" --municipality "$T/lenient.toml" --out "$T/run" --as tanaka 2>"$T/run.err" || fail "run: $(cat "$T/run.err")"
"$TSUCHI" review "$T/run" --as sato >"$T/review.txt" 2>"$T/review.err" || fail "review: $(cat "$T/review.err")"
grep -q 'Input warnings (1)' "$T/review.txt" || fail "review sheet lacks the warning"
grep -q 'U+E0105' "$T/review.txt" || fail "review sheet lacks the code point"
if grep -q '次郎' "$T/review.txt" "$T/run/run.json"; then fail "a name leaked into the review sheet or run.json"; fi
echo "ok   the review sheet lists the warning without the name"
echo "3 passed, 0 failed"
