#!/usr/bin/env bash
# Runs a libFuzzer target for a bounded campaign: at most RUNS inputs and at most SECONDS
# seconds, whichever comes first, starting from the committed corpus (read-only: new inputs go
# to a scratch directory) and any further seed directories. Fails on any crash, leak, timeout
# or sanitizer report. Ends with one line of figures, so a slowdown shows before it turns CI
# red:
#   fuzz: NAME: N inputs in S s (R/s), cov C ft F, corpus K inputs, max_len M
#   run_fuzzer.sh TARGET CORPUS RUNS SECONDS MAX_LEN [SEED_DIR...]
set -u
target=$1 corpus=$2 runs=$3 seconds=$4 max_len=$5
shift 5
name=$(basename "$target")
# libFuzzer cuts every seed to -max_len: a seed longer than that would never be fuzzed whole.
long=$(find "$corpus" "$@" -type f -size +"$max_len"c 2>/dev/null)
if [ -n "$long" ]; then
  echo "fuzz: $name: seeds longer than -max_len=$max_len (libFuzzer would truncate them):"
  ls -l $long
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
mkdir new
"$target" -runs="$runs" -max_total_time="$seconds" -seed=1 -max_len="$max_len" \
  -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 new "$corpus" "$@" >log 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  grep -v '^#[0-9]' log | tail -n 80
  echo "fuzz: $name: FAILED (exit $status)"
  exit "$status"
fi
stat() { sed -n "s/^stat::$1: *//p" log | tail -n 1; }
inputs=$(stat number_of_executed_units)
rate=$(stat average_exec_per_sec)
line=$(grep -E '^#[0-9]+.*cov: ' log | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
units=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$line")
elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' log | tail -n 1)
echo "fuzz: $name: ${inputs:-?} inputs in ${elapsed:-$seconds} s (${rate:-?}/s), cov ${cov:-?} ft ${ft:-?}, corpus ${units:-?} inputs, max_len $max_len"
