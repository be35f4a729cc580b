#!/usr/bin/env bash
# `tsuchi validate` on good files (UTF-8, BOM, CP932) and on one broken input of each kind.
exec python3 "$(dirname "$0")/validate_inputs.py" "$@"
