#!/usr/bin/env bash
# Audit rows edited, deleted, inserted or reordered in SQLite: `tsuchi audit verify` names each (tamper_audit.py).
exec python3 "$(dirname "$0")/tamper_audit.py" "$@"
