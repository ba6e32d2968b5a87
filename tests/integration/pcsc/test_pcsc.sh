#!/usr/bin/env bash
# The whole PC/SC path for real: a private pcscd (Debian's) with our driver, `euicc-sim serve`
# with two cards, and PC/SC clients (our pcsc_flow, Debian's opensc-tool); then the same core
# flow through Debian's vsmartcard-vpcd. Needs root (a mount namespace); skips (77) otherwise.
set -u
sim=${1:?usage: test_pcsc.sh EUICC_SIM PCSC_FLOW}
flow=${2:?}
. "$(dirname "$0")/lib.sh"

priv="$work/pcscd"
st="$work/state"
start_pcscd "$priv"
"$flow" readers >"$work/readers"
grep -qx "euicc-sim 00 00" "$work/readers" && grep -qx "euicc-sim 00 01" "$work/readers" \
  && pass "both slots are readers: euicc-sim 00 00, euicc-sim 00 01" \
  || { fail "reader names"; cat "$work/readers"; }
step "$flow" wait-card "euicc-sim 00 00" absent 2000

start_serve "$st" --driver "unix:$priv/slots" --cards 2
step "$flow" wait-card "euicc-sim 00 00" present 10000
step "$flow" wait-card "euicc-sim 00 01" present 10000
grep -q "^card 89[0-9]* -> slot 0" "$work/serve.log" && pass "serve logs one line per card" || fail "serve log"
step "$flow" core "euicc-sim 00 00"
step "$flow" core "euicc-sim 00 01"
eid0=$("$flow" eid "euicc-sim 00 00")
eid1=$("$flow" eid "euicc-sim 00 01")
[ -n "$eid0" ] && [ "$eid0" != "$eid1" ] && pass "two cards, two EIDs ($eid0, $eid1)" || fail "EIDs differ"
"$sim" --state "$st" card list >"$work/list"
grep -q "^$eid0 .*slot 0 ('euicc-sim 00 00')" "$work/list" && pass "card list shows the EID in slot 0" \
  || { fail "card list slot"; cat "$work/list"; }

# Debian's own client sees it.
if command -v opensc-tool >/dev/null; then
  opensc-tool -l >"$work/opensc" 2>&1
  grep -q "euicc-sim 00 00" "$work/opensc" && pass "opensc-tool -l lists the reader" || { fail "opensc-tool -l"; cat "$work/opensc"; }
  opensc-tool -r 0 -a >"$work/opensc" 2>&1
  grep -qi "3b:9b:96:80:1f:c7:80:59:65:75:69:63:63:2d:73:69:6d:af\|3B 9B 96 80 1F C7" "$work/opensc" \
    && pass "opensc-tool -a prints the ATR" || { fail "opensc-tool -a"; cat "$work/opensc"; }
  opensc-tool -r 0 -s 00A4040010A0000005591010FFFFFFFF8900000100 >"$work/opensc" 2>&1
  grep -q "SW1=0x90, SW2=0x00" "$work/opensc" && pass "opensc-tool -s SELECT ISD-R succeeds" \
    || { fail "opensc-tool -s"; cat "$work/opensc"; }
else
  fail "opensc-tool is not installed (tools/setup.sh test installs opensc)"
fi

# A card that stops is removed; started again, inserted.
kill -TERM "$serve_pid"; wait "$serve_pid"; rc=$?
[ $rc -eq 0 ] && pass "serve ends cleanly on SIGTERM" || fail "serve exit status $rc"
grep -q "^stopped; 2 card image(s) are saved" "$work/serve.log" && pass "serve says the images are saved" || fail "serve stop line"
step "$flow" wait-card "euicc-sim 00 00" absent 5000
"$sim" --state "$st" card list >"$work/list"
grep -q "slot" "$work/list" && fail "card list still shows slots after serve stopped" || pass "card list drops slots when serve stops"
start_serve "$st" --driver "unix:$priv/slots"
step "$flow" wait-card "euicc-sim 00 00" present 10000
[ "$("$flow" eid "euicc-sim 00 00")" = "$eid0" ] && pass "the same card is back in slot 0" || fail "EID after restart"

# pcscd restarts while serve runs: the cards come back by themselves.
kill -TERM "$pcscd_pid"; wait "$pcscd_pid" 2>/dev/null
start_pcscd "$priv"
step "$flow" wait-card "euicc-sim 00 00" present 15000
step "$flow" wait-card "euicc-sim 00 01" present 15000
step "$flow" core "euicc-sim 00 00"
grep -q "slot 0: card .* removed" "$work/serve.log" && pass "serve logged the removal" || fail "serve removal line"
kill -TERM "$serve_pid"; wait "$serve_pid"
kill -TERM "$pcscd_pid"; wait "$pcscd_pid" 2>/dev/null

# The same core flow through Debian's vsmartcard-vpcd.
if [ -e /usr/lib/pcsc/drivers/serial/libifdvpcd.so ]; then
  start_pcscd "$work/vpcd" --vpcd
  # An address, not "localhost": a minimal system may have no /etc/hosts.
  start_serve "$work/state-vpcd" --vpcd 127.0.0.1:35963
  vreader=$("$flow" readers | grep '^Virtual PCD' | head -n 1)
  [ -n "$vreader" ] && pass "vpcd reader listed ($vreader)" || fail "no vpcd reader"
  step "$flow" wait-card "$vreader" present 10000
  step "$flow" core "$vreader"
else
  fail "Debian's vsmartcard-vpcd is not installed (tools/setup.sh test installs it)"
fi

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
