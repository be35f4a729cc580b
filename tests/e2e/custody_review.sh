#!/usr/bin/env bash
# Review sheet, approval and custody to a closed batch, with the certificate form scanned and
# matched by its QR code, then `audit verify` after tampering (custody_review.py).
exec python3 "$(dirname "$0")/custody_review.py" "$@"
