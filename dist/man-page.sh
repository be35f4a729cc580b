#!/usr/bin/env bash
# Usage: man-page.sh HELP2MAN TSUCHI OUT.1
# The man page, from the built binary alone: help2man reads `tsuchi --help` and `tsuchi --version`; the
# COMMANDS section is `tsuchi help CMD [SUB]` of every command and subcommand TSUCHI lists, found the way
# bash completion finds them (dist/tsuchi.bash), so no list is kept; dist/tsuchi.h2m adds the rest.
set -euo pipefail
help2man=$1 bin=$2 out=$3
dist=$(dirname "$0")
. "$dist/tsuchi.bash"

# roff-safe: backslashes escaped, hyphens kept as typed, a leading dot or quote made literal.
roff() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

names() { _tsuchi_entries "$bin" Subcommands "$@" | cut -f1; }

section() {  # section CMD [SUB]: one subsection with that command's help, verbatim
  local text
  text=$("$bin" help "$@")
  printf '.SS "tsuchi %s"\n.nf\n' "$*"
  printf '%s\n' "$text" | roff
  printf '.fi\n'
}

commands=$out.commands.h2m
{
  echo "[COMMANDS]"
  echo "Each command's own help, as \\fBtsuchi help\\fR \\fICOMMAND\\fR [\\fISUBCOMMAND\\fR] prints it."
  for cmd in $(names); do
    section "$cmd"
    for sub in $(names "$cmd"); do
      section "$cmd" "$sub"
    done
  done
} >"$commands"
# No command found would mean the help format changed under the parser: fail the build, not the page.
grep -q '^\.SS "tsuchi validate"' "$commands" || { echo "man-page.sh: found no commands in $bin help" >&2; exit 1; }

# "tsuchi 0.1.0 (commit abc…)": the page's footer names the version; the commit would overprint its date.
version=$("$bin" --version | awk 'NR == 1 { print $2 }')
"$help2man" --no-info --no-discard-stderr --locale=C.UTF-8 --section=1 --version-string="$version" \
  --name="child-care fee notices, payment slips and sealed print batches" \
  --include="$commands" --include="$dist/tsuchi.h2m" --output="$out" "$bin"
rm -f "$commands"
