#!/usr/bin/env bash
# libifd-euiccsim in Debian's real pcscd: a private pcscd (own mount namespace, so the system's
# /run/pcscd is never touched) loads the built driver; fake_card.py plays the cards; pcsc_client
# is the PC/SC application. Needs root; exits 77 (skip) without it or without pcscd/unshare.
#
#   test_driver.sh PCSC_CLIENT DRIVER_SO FAKE_CARD_PY
set -u
client=${1:?usage: test_driver.sh PCSC_CLIENT DRIVER_SO FAKE_CARD_PY}
driver=${2:?}
fake_card=${3:?}

skip() { echo "skip: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace for a private pcscd)"
PATH=$PATH:/usr/sbin:/sbin
for tool in pcscd unshare mount python3; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done
unshare -m true 2>/dev/null || skip "unshare -m is not permitted here"

work=$(mktemp -d)
priv=$work/pcscd  # bind-mounted on /run/pcscd inside the namespace
slots=$work/slots
pcscd_pid=
card_pids=()
cleanup() {
  for p in "${card_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ -n "$pcscd_pid" ]; then
    kill "$pcscd_pid" 2>/dev/null
    wait "$pcscd_pid" 2>/dev/null
  fi
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
show() { sed 's/^/    /' "$@"; }
# check DESCRIPTION -- command...: the command must succeed; its output goes to $work/out.
check() {
  local what=$1; shift 2
  if "$@" >"$work/out" 2>&1; then pass "$what"; else fail "$what"; show "$work/out"; fi
}
# has FILE TEXT DESCRIPTION
has() { if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3 (no '$2')"; show "$1"; fi; }
value() { sed -n "s/^$1=//p" "$2" | head -n 1; }  # value KEY FILE
# until_in FILE TEXT: waits (at most 5 s) for TEXT to appear in FILE.
until_in() {
  for _ in $(seq 250); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.02; done
  return 1
}

# start_card NAME SLOT [ATR]: runs fake_card.py in the background, events in $work/NAME.log.
start_card() {
  python3 "$fake_card" "$2" --atr "${3:-3B80800101}" >"$work/$1.log" 2>&1 &
  eval "card_$1=$!"
  card_pids+=($!)
}
stop_card() {  # stop_card NAME [SIGNAL]
  local pid
  eval "pid=\$card_$1"
  kill "-${2:-TERM}" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

R0="euicc-sim 00 00"
R1="euicc-sim 00 01"
RT="euicc-sim-tcp 01 00"
tcp_port=$(python3 -c \
  'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# One file, so the entries load in this order: the unix reader gets pcscd's reader number 0.
# The quotes are required: pcscd 1.9.9 refuses an unquoted comma in reader.conf.
mkdir -p "$priv"
cat >"$work/reader.conf" <<EOF
FRIENDLYNAME "euicc-sim"
DEVICENAME   "unix:$slots,slots=2"
LIBPATH      $driver
CHANNELID    0

FRIENDLYNAME "euicc-sim-tcp"
DEVICENAME   "tcp:$tcp_port,slots=1"
LIBPATH      $driver
CHANNELID    0

FRIENDLYNAME "euicc-sim-bad"
DEVICENAME   "floppy:/dev/fd0"
LIBPATH      $driver
CHANNELID    0
EOF

# A short answer timeout keeps the "card never answers" case quick.
mkdir -p /run/pcscd
EUICCSIM_DRIVER_TIMEOUT_MS=3000 unshare -m sh -c \
  'mount --make-rprivate / && mount --bind "$1" /run/pcscd && exec pcscd -f -d -c "$2"' \
  sh "$priv" "$work/reader.conf" >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!
export PCSCLITE_CSOCK_NAME=$priv/pcscd.comm

if "$client" readers 3 15000 >"$work/readers"; then
  pass "private pcscd is up with 3 readers"
else
  fail "readers did not appear within 15 s"; show "$work/readers"; tail -n 40 "$work/pcscd.log"
  exit 1
fi
grep -qx "$R0" "$work/readers" && grep -qx "$R1" "$work/readers" \
  && pass "slots are readers '$R0' and '$R1'" || { fail "reader names"; show "$work/readers"; }
grep -qx "$RT" "$work/readers" && pass "a second reader.conf entry (tcp) is '$RT'" \
  || { fail "tcp reader name"; show "$work/readers"; }
has "$work/pcscd.log" 'euicc-sim: DEVICENAME "floppy:/dev/fd0": unknown kind of socket' \
  "a bad DEVICENAME fails with a clear log line"
[ "$(stat -c %a "$slots/slot-0.sock" 2>/dev/null)" = 660 ] && pass "slot sockets are mode 0660" \
  || { fail "slot socket mode"; ls -l "$slots"; }

check "no card in '$R0' before a card connects" -- "$client" wait "$R0" absent 0
check "no card in '$R1' before a card connects" -- "$client" wait "$R1" absent 0

# Insertion, ATR, APDUs, reset, protocol extension.
start_card a "$slots/slot-0.sock"
check "card connecting is an insertion" -- "$client" wait "$R0" present 5000
check "session on '$R0' (T=0)" -- "$client" session "$R0" t0 00A4040005A000000001 00B0000000
cp "$work/out" "$work/session"
[ "$(grep -c '^atr=3B80800101$' "$work/session")" -eq 2 ] \
  && pass "SCardStatus gives the card's ATR (before and after reset)" || fail "ATR"
[ "$(grep -c '^resp=A0000000019000$' "$work/session")" -eq 2 ] \
  && pass "an APDU round-trips (data echoed, 90 00)" || fail "APDU echo"
has "$work/session" "resp=9000" "a 5-byte APDU gets 90 00"
has "$work/session" "reconnect=ok" "SCardReconnect with SCARD_RESET_CARD works"
has "$work/session" "disconnect=ok" "SCardDisconnect works"
tr '\n' ' ' <"$work/a.log" >"$work/a.flat"
has "$work/a.flat" "ctl 01 ctl 04 ctl 10 apdu 00A4040005A000000001" \
  "power on, get ATR, then the T=0 extension (0x10) before the first APDU"
has "$work/a.flat" "ctl 02 ctl 04 ctl 10" "reset, get ATR, T=0 again on SCardReconnect"

# Removal and re-insertion.
stop_card a
check "card disconnecting is a removal (SCardGetStatusChange)" -- "$client" wait "$R0" absent 2000
start_card a "$slots/slot-0.sock"
check "the card reconnecting is an insertion" -- "$client" wait "$R0" present 5000
# T=1 on a fresh card (pcscd keeps the negotiated protocol until the card is reset or unpowered).
check "and it works, with T=1" -- "$client" session "$R0" t1 00A4040005A000000001
has "$work/out" "protocol=T1" "T=1 negotiated"
has "$work/a.log" "ctl 11" "T=1 is announced with 0x11"

# One card per slot.
python3 "$fake_card" "$slots/slot-0.sock" --atr 3B80800102 >"$work/b.log" 2>&1
rc=$?
[ $rc -eq 3 ] && pass "a second card in an occupied slot is accepted and closed at once" \
  || { fail "second card (exit $rc, wanted 3)"; show "$work/b.log"; }
has "$work/pcscd.log" "refused a second card" "the refusal is logged"
check "the first card keeps working" -- "$client" session "$R0" t0 00A4040005A000000001
has "$work/out" "atr=3B80800101" "and the ATR is still the first card's"

# Slots are independent.
start_card c "$slots/slot-1.sock" 3B80800103
check "a card in slot 1" -- "$client" wait "$R1" present 5000
check "slot 1 works" -- "$client" session "$R1" t0 00A4040002CAFE
has "$work/out" "atr=3B80800103" "slot 1 has its own card"
check "slot 0 is unaffected" -- "$client" transmit "$R0" 00A40400035EC2E7
has "$work/out" "resp=5EC2E79000" "slot 0 answers"

# TCP slot.
start_card t "tcp:$tcp_port" 3B80800104
check "a card on the TCP slot" -- "$client" wait "$RT" present 5000
check "TCP slot works" -- "$client" session "$RT" t1 00A4040002ABCD
has "$work/out" "resp=ABCD9000" "TCP slot answers"

# A card killed in the middle of an APDU: an error at once, not at the timeout.
"$client" transmit "$R0" 80EE000000 >"$work/hang" 2>&1 &
tx_pid=$!
if until_in "$work/a.log" "hang"; then
  stop_card a KILL
  wait "$tx_pid"
  rc=$?
  ms=$(value elapsed_ms "$work/hang")
  [ $rc -eq 2 ] && [ -n "$ms" ] && [ "$ms" -lt 1500 ] \
    && pass "card killed during an APDU: error after $ms ms" \
    || { fail "card killed during an APDU (exit $rc)"; show "$work/hang"; }
else
  fail "the card never got the APDU"; kill "$tx_pid"
fi
check "the killed card is removed" -- "$client" wait "$R0" absent 2000

# A card that never answers: IFD_RESPONSE_TIMEOUT after EUICCSIM_DRIVER_TIMEOUT_MS, then dropped.
start_card a "$slots/slot-0.sock"
check "card back" -- "$client" wait "$R0" present 5000
"$client" transmit "$R0" 80EE000000 >"$work/mute" 2>&1
rc=$?
ms=$(value elapsed_ms "$work/mute")
[ $rc -eq 2 ] && [ -n "$ms" ] && [ "$ms" -ge 2900 ] && [ "$ms" -lt 6000 ] \
  && pass "a silent card gives an error after the 3 s timeout ($ms ms)" \
  || { fail "silent card (exit $rc)"; show "$work/mute"; }
has "$work/pcscd.log" "card removed (no answer to a command within 3000 ms)" \
  "the timeout is logged and the card dropped"
until_in "$work/a.log" "eof" && pass "the silent card's connection is closed" \
  || fail "silent card still connected"
check "the dropped card is removed" -- "$client" wait "$R0" absent 2000

# Misbehaving answers are errors, the slot stays usable.
start_card a "$slots/slot-0.sock"
check "card back" -- "$client" wait "$R0" present 5000
"$client" transmit "$R0" 80ED000000 >"$work/short" 2>&1
[ $? -eq 2 ] && pass "an answer without a status word is an error" \
  || { fail "short answer"; show "$work/short"; }
check "and the card is dropped" -- "$client" wait "$R0" absent 2000
start_card a "$slots/slot-0.sock"
check "card back" -- "$client" wait "$R0" present 5000
"$client" transmit "$R0" 80EF012C00 258 >"$work/big" 2>&1
[ $? -eq 2 ] && has "$work/big" "Insufficient buffer" \
  "an answer longer than the application's buffer is SCARD_E_INSUFFICIENT_BUFFER" \
  || { fail "long answer"; show "$work/big"; }
check "a 4 KiB answer passes" -- "$client" transmit "$R0" 80EF100000 8192

# Throughput, informative only.
"$client" bench "$R1" 3000 >"$work/bench_unix" && sed 's/^/bench unix slot: /' "$work/bench_unix"
"$client" bench "$RT" 3000 >"$work/bench_tcp" && sed 's/^/bench tcp slot:  /' "$work/bench_tcp"

# Idle, pcscd must sleep: its event threads block in the driver's wait function. (pcscd calls
# the driver's stop function on every SCardDisconnect; a stop that stuck would make them spin.)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pcscd_pid/stat"; }
before=$(cpu_ticks)
sleep 1
used=$(( $(cpu_ticks) - before ))
[ "$used" -le 10 ] && pass "idle pcscd uses little CPU ($used ticks in 1 s)" \
  || fail "idle pcscd used $used ticks (of $(getconf CLK_TCK)) in 1 s"

# The daemon survived all this, and shuts down cleanly.
kill -0 "$pcscd_pid" 2>/dev/null && pass "pcscd is still running" || fail "pcscd died"
grep -q "^[0-9]* euicc-sim: reader 0 slot 1: card inserted" "$work/pcscd.log" \
  && pass "insertions are logged with the slot number" || fail "insert log line"
grep -q "^[0-9]* euicc-sim: reader 0 slot 0: card removed" "$work/pcscd.log" \
  && pass "removals are logged with the slot number" || fail "remove log line"
grep -q "5EC2E7" "$work/pcscd.log" && fail "APDU contents appear in the log" \
  || pass "APDU contents are not logged"
kill -TERM "$pcscd_pid"
wait "$pcscd_pid"
rc=$?
pcscd_pid=
[ $rc -eq 0 ] && pass "pcscd exits cleanly on SIGTERM" || fail "pcscd exit status $rc"
[ ! -e "$slots/slot-0.sock" ] && pass "socket files are removed when pcscd exits" \
  || { fail "socket files left behind"; ls -l "$slots"; }

if [ "$failures" -ne 0 ]; then
  echo "--- pcscd log (errors and driver lines) ---"
  grep -E "euicc-sim:|rror|upport" "$work/pcscd.log" | tail -n 60
fi
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
