#!/usr/bin/env bash
# Known-answer cases that read ../shared/reference are skipped honestly where it is absent:
# each unit's own run neither makes nor counts them (no "skipped" warning inside a pass), and
# its `--reference SUBDIR` run exits 77, which meson and tools/setup.sh count as skipped.
#   test_reference_skips.sh EXE SUBDIR [EXE SUBDIR]...
set -u
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
export EUICCSIM_REFERENCE=/nonexistent/euicc-sim-reference
while [ $# -ge 2 ]; do
  exe=$1 sub=$2; shift 2
  name=$(basename "$exe")
  "$exe" >"$out" 2>&1
  status=$?
  if [ "$status" -eq 0 ] && ! grep -qi 'skipped' "$out"; then
    pass "$name without the reference passes with no skipped section inside"
  else
    fail "$name without the reference (exit $status)"; sed 's/^/    /' "$out"
  fi
  "$exe" --reference "$sub" >"$out" 2>&1
  status=$?
  if [ "$status" -eq 77 ] && grep -q "no reference directory $EUICCSIM_REFERENCE/$sub" "$out"; then
    pass "$name --reference $sub without the reference exits 77 (skipped)"
  else
    fail "$name --reference $sub without the reference (exit $status, wanted 77)"
    sed 's/^/    /' "$out"
  fi
done
[ "$failures" -eq 0 ]
