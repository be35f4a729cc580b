#!/usr/bin/env bash
# Custody end to end: run → approve → handover → receipt → work log → returns → reconcile →
# certificates → closed, then `audit verify` before and after tampering (custody_flow.py).
exec python3 "$(dirname "$0")/custody_flow.py" "$@"
