#!/usr/bin/env bash
# The sanitizer suite: every test of the ASan+UBSan build (setup.sh makes it in build-asan), run
# as one test of the main build so that one `ctest` covers both. Any report fails its test.
# usage: run.sh /path/to/build-asan      (exit 77 = skipped: that build does not exist)
set -u
dir=${1:?usage: run.sh BUILD_ASAN_DIR}
if [ ! -f "$dir/CTestTestfile.cmake" ]; then
  echo "sanitizer_suite: no sanitizer build in $dir (./setup.sh makes it); skipped"
  exit 77
fi
# Bring it up to date with the sources first, so it never passes on stale code (no-op in CI).
if ! cmake --build "$dir" --parallel "$(nproc)" >"$dir/sanitizer_suite-build.log" 2>&1; then
  tail -30 "$dir/sanitizer_suite-build.log"
  echo "sanitizer_suite: build of $dir failed"
  exit 1
fi
# halt_on_error: the first report ends the process with a failure; leaks count (LeakSanitizer).
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:exitcode=86:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
exec ctest --test-dir "$dir" --output-on-failure
