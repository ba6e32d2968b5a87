#!/usr/bin/env bash
# A long libFuzzer campaign on one target, with a corpus that persists between campaigns.
#
#   tools/fuzz.sh TARGET SECONDS     fuzz TARGET for SECONDS (build-fuzz/ is built if needed)
#   tools/fuzz.sh --list             the targets
#
# The corpus lives outside the repository, in $EUICCSIM_FUZZ_DIR/TARGET/corpus
# (default ~/.cache/euicc-sim/fuzz), and grows from campaign to campaign; the committed seeds
# (tests/fuzz/corpus/TARGET) are read, never written. Crashes, leaks and timeouts go to
# $EUICCSIM_FUZZ_DIR/TARGET/artifacts/. FUZZ_ARGS adds libFuzzer options (e.g. "-jobs=2
# -workers=2", or "-only_ascii=1"); EUICCSIM_FUZZ_BUILD names another build directory (e.g. one
# configured with -Dfuzz_instrument_libraries=false, to compare). Ends with the figures:
#   fuzz: TARGET: N inputs in S s (R/s), cov C ft F, corpus K inputs, N finding(s)
# docs/fuzzing.md explains the targets and records past campaigns.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf 'fuzz.sh: %s\n' "$*" >&2; exit 2; }
# The targets and their -max_len, from tests/meson.build's fuzz_targets (one place).
targets() { sed -n "s/^ *'\([a-z0-9_]*\)': \['[0-9]*', '[0-9]*', '[0-9]*'\],*$/\1/p" tests/meson.build; }
max_len() { sed -n "s/^ *'$1': \['[0-9]*', '[0-9]*', '\([0-9]*\)'\],*$/\1/p" tests/meson.build; }

if [ "${1:-}" = "--list" ]; then targets; exit 0; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; exit 0; fi
[ $# -eq 2 ] || die "usage: tools/fuzz.sh TARGET SECONDS (targets: $(targets | tr '\n' ' '))"
target=$1 seconds=$2
targets | grep -qx "$target" || die "no fuzz target '$target' (targets: $(targets | tr '\n' ' '))"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive number, not '$seconds'"

build=${EUICCSIM_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined \
    -Db_lundef=false >/dev/null
fi
ninja -C "$build" "tests/fuzz_$target" >/dev/null

work=${EUICCSIM_FUZZ_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/euicc-sim/fuzz}/$target
mkdir -p "$work/corpus" "$work/artifacts"
seeds=("tests/fuzz/corpus/$target")
[ "$target" = image ] && seeds+=(tests/data/images)
log="$work/last-campaign.log"
before=$(find "$work/artifacts" -type f | wc -l)
echo "fuzz.sh: $target for $seconds s, corpus $work/corpus, log $log" >&2
set +e
# shellcheck disable=SC2086
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
  "$build/tests/fuzz_$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" \
  -timeout=25 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  ${FUZZ_ARGS:-} "$work/corpus" "${seeds[@]}" >"$log" 2>&1
status=$?
set -e
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
units=$(find "$work/corpus" -type f | wc -l)
elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
findings=$(($(find "$work/artifacts" -type f | wc -l) - before))
[ "$status" -ne 0 ] && grep -v '^#[0-9]' "$log" | tail -n 60 >&2
echo "fuzz: $target: $(stat number_of_executed_units) inputs in ${elapsed:-$seconds} s ($(stat average_exec_per_sec)/s), cov ${cov:-?} ft ${ft:-?}, corpus $units inputs, $findings finding(s)"
exit "$status"
