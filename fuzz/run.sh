#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for SECONDS from its corpus.
# Exits non-zero on any finding; the input that triggered it is kept in BUILD/findings/<target>/.
# New inputs the fuzzer finds interesting go to BUILD/corpus/<target>/ (the repo's seeds stay as they are).
# usage: fuzz/run.sh SECONDS [TARGET...]      (targets: fuzz/corpus/* and fuzz/seeds.txt; default all)
#        SECONDS 0 replays the corpora once (regression check) without fuzzing.
# env:   TSUCHI_FUZZ_BUILD (default build-fuzz beside the sources), TSUCHI_FUZZ_JOBS (build jobs)
set -uo pipefail
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
src=$(cd "$(dirname "$0")/.." && pwd)
build=${TSUCHI_FUZZ_BUILD:-$src/build-fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <({ for d in "$src"/fuzz/corpus/*/; do basename "$d"; done
                          grep -E '^[a-z]' "$src/fuzz/seeds.txt" | cut -d' ' -f1; } | sort -u)
fi

mkdir -p "$build"
CC=clang CXX=clang++ cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSUCHI_FUZZ=ON \
  >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; echo "fuzz: configure failed" >&2; exit 2; }
cmake --build "$build" --parallel "${TSUCHI_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" ||
  { echo "fuzz: build failed" >&2; exit 2; }

# Reports from the sanitizers end the run; leaks count as findings.
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/findings/$t"
  # The seeds shared with the tests (fuzz/seeds.txt), gathered into one folder libFuzzer can read.
  rm -rf "$build/seeds/$t" && mkdir -p "$build/seeds/$t"
  while read -r target path; do
    [ "$target" != "$t" ] && continue
    if [ -d "$src/$path" ]; then cp "$src/$path"/* "$build/seeds/$t/"; else cp "$src/$path" "$build/seeds/$t/"; fi
  done < <(grep -E '^[a-z]' "$src/fuzz/seeds.txt")
  seeds=("$build/seeds/$t")
  [ -d "$src/fuzz/corpus/$t" ] && seeds+=("$src/fuzz/corpus/$t")
  log="$build/findings/$t.log"
  if [ "$seconds" = 0 ]; then
    echo "fuzz: $t: replaying its corpus"
    how=(-runs=0)  # libFuzzer's -max_total_time=0 would mean "no limit"
  else
    echo "fuzz: $t for ${seconds}s"
    how=(-max_total_time="$seconds")
  fi
  "$build/fuzz/fuzz_$t" "$build/corpus/$t" "${seeds[@]}" "${how[@]}" -rss_limit_mb=2048 \
    -timeout=10 -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/findings/$t/" >"$log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -2 | sed "s/^/  $t: /"
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz: $t FOUND SOMETHING (exit $rc): $log; inputs in $build/findings/$t/" >&2
    grep -E 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -5 >&2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in: ${failed[*]}" >&2
  exit 1
fi
if [ "$seconds" = 0 ]; then echo "fuzz: ${#targets[@]} corpora replayed: no findings"
else echo "fuzz: ${#targets[@]} target(s), ${seconds}s each: no findings"; fi
