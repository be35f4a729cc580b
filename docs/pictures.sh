#!/bin/sh
# Regenerates docs/notice.png and docs/slip.png from the demo month, as the program prints it today.
# Usage: docs/pictures.sh [BUILD_DIR]   (run from the repository root; needs pdftoppm)
set -eu
BIN=${1:-build}/tsuchi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export TSUCHI_LEDGER=$W/ledger.sqlite
for u in takahashi tanaka; do "$BIN" keygen --kind user --no-passphrase --out "$W/$u" 2>/dev/null; done
"$BIN" ledger init --city-key examples/keys/city.secret --municipality examples/municipality.toml \
  --supervisor takahashi --supervisor-key "$W/takahashi.pub" 2>/dev/null
"$BIN" user add tanaka --role staff --public-key "$W/tanaka.pub" --key "$W/takahashi.secret" \
  --city-key examples/keys/city.secret 2>/dev/null
"$BIN" preview --demo --out "$W/preview" --key "$W/tanaka.secret" 2>/dev/null
# The first envelope's first page is its first notice; its first slip sheet follows its notices.
row=$(sed -n 2p "$W/preview/insertion.csv")
file=$(echo "$row" | cut -d, -f6)
first=$(echo "$row" | cut -d, -f7)
# insertion.csv writes codes as ="…" literals joined by & (output_spec/csv.md): back to the codes.
codes=$(echo "$row" | cut -d, -f5 | sed 's/""&""//g; s/^"=""//; s/"""$//')
# A slip sheet lists its GS1 payload before its QR code, so the QR codes before the first payload
# count the pages before the first slip sheet.
before=$(echo "$codes" | tr ';' '\n' | sed -n '/^[0-9]\{44\}$/q;p' | grep -c '/[0-9]*-[0-9]*$' || true)
slip=$((first + before))
pdftoppm -r 60 -png -f "$first" -l "$first" -singlefile "$W/preview/$file" docs/notice
pdftoppm -r 60 -png -f "$slip" -l "$slip" -singlefile "$W/preview/$file" docs/slip
echo "docs/notice.png: page $first, docs/slip.png: page $slip of $file" >&2
