#!/usr/bin/env bash
# euicc-sim set-up: installs the Debian 12 packages that are missing, builds, and runs.
#
#   tools/setup.sh run  [-- ARGS]   the main job: build, then euicc-sim ARGS (default card demo)
#   tools/setup.sh test             build a plain (g++ -Werror) and a sanitized (clang,
#                                   ASan+UBSan, libFuzzer) configuration and run every
#                                   test in both; ends with the line
#                                   "N passed, N failed, N skipped"
#   tools/setup.sh deps             only install what is missing
#   tools/setup.sh build            install and build, run nothing
#
# Idempotent: with everything installed and built, a second run spends seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the build and the tests need, by Debian 12 package name.
BUILD_PACKAGES=(meson ninja-build pkg-config g++ asn1c python3 libbotan-2-dev libcli11-dev catch2 libpcsclite-dev pcscd libcpp-httplib-dev libssl-dev libsqlite3-dev nlohmann-json3-dev)
# The test run: the libFuzzer configuration (clang, its fuzzer and sanitizer runtimes), and
# the PC/SC clients and the second driver the integration tests use (opensc-tool, Debian's
# vsmartcard-vpcd).
TEST_PACKAGES=(clang libclang-rt-14-dev opensc vsmartcard-vpcd)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run as root (apt-get install) or install them"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# configure DIR [meson options...]: sets up DIR once; anew when the options changed (meson
# 1.0 does not apply a changed cpp_args on --reconfigure).
configure() {
  local dir=$1; shift
  local stamp="$dir/.setup-options" want="$*"
  if [ -f "$dir/build.ninja" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  rm -rf "$dir"
  meson setup "$dir" "$@" >/dev/null
  printf '%s' "$want" >"$stamp"
}

# compile DIR: builds quietly, shows the compiler's words when it fails.
compile() {
  say "building ($1/)"
  if ! ninja -C "$1" >"$1/build-output.txt" 2>&1; then
    grep -v '^\[' "$1/build-output.txt" | tail -n 60 >&2
    die "build failed in $1/ (full log: $1/build-output.txt)"
  fi
}

build_main() {
  configure build -Dwerror=true
  compile build
}

# Prints the counts of a meson test log ("passed failed skipped"); the output of every
# failed test goes to stderr, so a red run says why.
count_log() {
  python3 - "$1" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t.get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else:
        f += 1
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        tail = "\n".join(out.splitlines()[-80:])
        sys.stderr.write(f"\n----- {t.get('name')}: {r} -----\n{tail}\n")
print(p, f, s)
PY
}

# The figures of the bounded libFuzzer runs (inputs/s, coverage; tests/fuzz/run_fuzzer.sh), so
# a slowdown shows in the CI log before it turns a run red.
fuzz_figures() {
  [ -s "$1/meson-logs/testlog.json" ] || return 0
  python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    for l in (json.loads(line).get("stdout") or "").splitlines():
        if l.startswith("fuzz: "): print("  " + l)
PY
}

run_tests() {
  local dir=$1 label=$2
  say "testing: $label ($dir/)"
  (cd "$dir" && meson test --num-processes 2) >"$dir/test-output.txt" 2>&1 || true
  grep -E '^ *[0-9]+/[0-9]+ ' "$dir/test-output.txt" || true
  if [ ! -s "$dir/meson-logs/testlog.json" ]; then
    tail -n 40 "$dir/test-output.txt" >&2
    FAILED=$((FAILED + 1))
    return
  fi
  local p f s
  read -r p f s < <(count_log "$dir/meson-logs/testlog.json")
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); SKIPPED=$((SKIPPED + s))
}

mode=${1:-run}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

case "$mode" in
  deps)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    ;;
  build)
    install_missing "${BUILD_PACKAGES[@]}"
    build_main
    ;;
  run)
    install_missing "${BUILD_PACKAGES[@]}"
    build_main
    say "running build/tools/euicc-sim $*"
    exec build/tools/euicc-sim "$@"
    ;;
  test)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    PASSED=0 FAILED=0 SKIPPED=0
    build_main
    run_tests build "g++, -Werror"
    # One sanitized configuration runs every test: clang with ASan+UBSan, which also builds
    # the libFuzzer targets. (A second, GCC-sanitized build found nothing this one did not
    # and cost CI twenty minutes.)
    CC=clang CXX=clang++ configure build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
    compile build-fuzz
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      run_tests build-fuzz "clang, ASan+UBSan, libFuzzer"
    fuzz_figures build-fuzz
    echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
    [ "$FAILED" -eq 0 ]
    ;;
  -h|--help|help)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    die "unknown mode '$mode' (run, test, deps, build; see tools/setup.sh --help)"
    ;;
esac
