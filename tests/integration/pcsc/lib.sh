# Shared by the PC/SC integration tests: a private pcscd with our driver, `euicc-sim serve`,
# and TAP-like "ok"/"FAIL" lines. Source it after setting $sim.
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for a private pcscd"; exit 77; }
for t in pcscd unshare; do command -v $t >/dev/null || [ -x /usr/sbin/$t ] || { echo "skip: no $t"; exit 77; }; done
unshare --mount --propagation private true 2>/dev/null \
  || { echo "skip: no private mount namespace here (a chroot whose root is not a mount point?)"; exit 77; }

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
step() { if "$@" >"$work/step.out" 2>&1; then pass "$*"; else fail "$*"; sed 's/^/    /' "$work/step.out"; fi; }

# start_pcscd DIR [--vpcd]: a private pcscd; sets PCSCLITE_CSOCK_NAME.
start_pcscd() {
  local dir=$1; shift
  "$sim" pcscd --slots 2 --dir "$dir" --json "$@" >"$dir.json" 2>"$dir.err" &
  pcscd_pid=$!
  pids+=("$pcscd_pid")
  for _ in $(seq 400); do
    grep -q '"socket"' "$dir.json" 2>/dev/null && break
    kill -0 "$pcscd_pid" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q '"socket"' "$dir.json" 2>/dev/null; then
    echo "FAIL - private pcscd did not start"; cat "$dir.err" "$dir/pcscd.log" 2>/dev/null; exit 1
  fi
  export PCSCLITE_CSOCK_NAME=$(sed -n 's/.*"socket":"\([^"]*\)".*/\1/p' "$dir.json")
  pass "private pcscd ready ($PCSCLITE_CSOCK_NAME)"
}

start_serve() {  # start_serve STATE ARGS...
  local st=$1; shift
  "$sim" --state "$st" serve --seed 1 "$@" >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  pids+=("$serve_pid")
}

