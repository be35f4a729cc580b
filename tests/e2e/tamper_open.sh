#!/usr/bin/env bash
# Tampered, truncated, swapped and replayed batches: `tsuchi open` refuses each (tamper_open.py).
exec python3 "$(dirname "$0")/tamper_open.py" "$@"
