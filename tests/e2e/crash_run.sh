#!/usr/bin/env bash
# Crash safety: SIGKILL `tsuchi run` and `tsuchi import worklog` at random moments (crash_run.py).
exec python3 "$(dirname "$0")/crash_run.py" "$@"
