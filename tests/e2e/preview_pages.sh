#!/usr/bin/env bash
# `tsuchi preview` read back as a person (and the contractor's scanner) would: pdffonts, pdftotext, zbarimg.
exec python3 "$(dirname "$0")/preview_pages.py" "$@"
