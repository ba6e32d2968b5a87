#!/usr/bin/env bash
# The libraries of the fuzz configuration carry libFuzzer's coverage instrumentation
# (-fsanitize=fuzzer-no-link, meson.build): every object of every library that defines a
# function calls __sanitizer_cov_*, so a fuzz target gets feedback from the code under test and
# not only from its own file. (asn1c's descriptor-only objects define data, no code.)
#   check_instrumented.sh LIBRARY.a...
set -u
failures=0
objects_with() { nm -A "$1" 2>/dev/null | grep -E "$2" | sed -n 's/^[^:]*:\([^:]*\):.*/\1/p' | sort -u; }
for lib in "$@"; do
  code=$(objects_with "$lib" ' [TW] ')
  covered=$(objects_with "$lib" '__sanitizer_cov')
  missing=$(comm -23 <(echo "$code") <(echo "$covered") | grep -c .)
  total=$(echo "$code" | grep -c .)
  if [ "$total" -gt 0 ] && [ "$missing" -eq 0 ]; then
    echo "ok   - $(basename "$lib"): all $total objects with code instrumented"
  else
    echo "FAIL - $(basename "$lib"): $missing of $total objects with code not instrumented"
    comm -23 <(echo "$code") <(echo "$covered") | head -n 5 | sed 's/^/    /'
    failures=$((failures + 1))
  fi
done
[ "$failures" -eq 0 ]
