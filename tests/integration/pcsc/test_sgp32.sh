#!/usr/bin/env bash
# An SGP.32 v1.2 lifecycle through the whole PC/SC path, scripted with euicc-sim's own eIM and
# IPAd tools: `euicc-sim ipa` (the IPAd role) talks to an iot card served by `euicc-sim serve`
# behind a private pcscd; `euicc-sim eim` signs the packages and checks the card's results
# with the card's certificate. The profile downloaded is a TS.48 reference profile where
# ../shared/reference exists, else the builder's example. pySim's detection sequence
# classifies the card. After every
# package the card is killed with SIGKILL and restarted: it holds the state the result
# reported; a package cut short before its last STORE DATA block changes nothing. Needs root.
set -u
sim=${1:?usage: test_sgp32.sh EUICC_SIM PCSC_FLOW EXAMPLE_SPEC REFERENCE_DIR}
flow=${2:?}
example=${3:?}
reference=${4:?}
. "$(dirname "$0")/lib.sh"

reader="euicc-sim 00 00"
priv="$work/pcscd"
"$sim" pki init "$work/pki" --curve both --seed 7 >/dev/null || { echo "FAIL - pki init"; exit 1; }
start_pcscd "$priv"
card_up() { start_serve "$1" --driver "unix:$priv/slots"; "$flow" wait-card "$reader" present 10000 >/dev/null; }
card_down() {  # card_down [SIGNAL]
  kill "-${1:-TERM}" "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
}

# pySim's detection (pySim/euicc.py): SELECT ISD-R, then GetCerts BF56 for SGP.32, GetEID for
# SGP.22, with a reset between.
for personality in iot sgp22; do
  st="$work/st-detect-$personality"
  "$sim" --state "$st" card new --personality "$personality" --pki "$work/pki" >/dev/null \
    || { fail "card new --personality $personality"; continue; }
  card_up "$st" || { fail "$personality card not inserted"; continue; }
  want=$([ "$personality" = iot ] && echo sgp32 || echo sgp22)
  got=$("$flow" card-type "$reader")
  [ "$got" = "$want" ] && pass "pySim's detection sequence classifies the $personality card as $want" \
    || fail "pySim's detection: the $personality card is '$got', not $want"
  card_down
done

# ---- The lifecycle: eIM association, a download, PSMOs, rollback, eCOs, results ----
st="$work/st-iot"
"$sim" --state "$st" card new --personality iot --pki "$work/pki" --curve nist >/dev/null \
  || { fail "card new --personality iot"; echo "# $failures failure(s)"; exit 1; }
eid=$("$sim" --state "$st" card list | awk 'NR==1 {print $1}')
demo=89999000000000000007
profiles="$work/profiles"
mkdir -p "$profiles"
first_reference=$(ls "$reference"/profiles/*.der 2>/dev/null | head -1)
if [ -n "$first_reference" ]; then
  cp "$first_reference" "$profiles/reference.der"
  echo "# profile: $(basename "$first_reference") (TS.48 reference)"
  matching_id=reference
else
  cp "$example" "$profiles/example.json"
  echo "# profile: the builder's example (no $reference/profiles)"
  matching_id=example
fi
"$sim" smdp serve --profiles "$profiles" --listen 127.0.0.1:0 --json --pki "$work/pki" --curve nist \
  >"$work/smdp.log" 2>&1 &
smdp_pid=$!
pids+=("$smdp_pid")
for _ in $(seq 200); do grep -q '"listening"' "$work/smdp.log" 2>/dev/null && break; sleep 0.05; done
smdp="localhost:$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$work/smdp.log")"
card_up "$st" || fail "iot card not inserted"

ipa() { "$sim" ipa "$1" --reader "$reader" "${@:2}"; }
hex_of() { od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F; }
state_of() {  # state_of ICCID: 1 enabled, 0 disabled, empty when absent
  "$sim" es10 --reader "$reader" profiles "iccid=$1" tags=9F70 2>/dev/null \
    | sed -n 's/.*<profileState>\([01]\)<.*/\1/p' | head -1
}
counter_of() {  # counter_of EIM_ID
  ipa eim-config "$1" --json | sed -n 's/.*"counterValue":\([0-9]*\).*/\1/p'
}
restart_killed() { card_down KILL; card_up "$st" || fail "card not back after SIGKILL"; }

# package LABEL EIM TOKEN CURVE COUNTER WANT OPS...: signs a package, loads it through PC/SC,
# checks the result's first line against WANT (grep pattern), verifies its signature with the
# card's certificate, then kills the card with SIGKILL and restarts it: the eIM's counter and
# the stored result must be what the result reported.
package() {
  local label=$1 eim=$2 token=$3 curve=$4 counter=$5 want=$6; shift 6
  local pkg="$work/$label.der" res="$work/$label.result.der"
  "$sim" eim package --pki "$work/pki" --curve "$curve" --eim-id "$eim" --counter "$counter" \
    --eid "$eid" --association-token "$token" --transaction-id "$(printf '%04X' "$counter")" \
    -o "$pkg" "$@" >/dev/null || { fail "$label: eim package"; return 1; }
  if ipa load-package "$pkg" -o "$res" >"$work/load.out" 2>&1 && grep -q "$want" "$work/load.out"; then
    pass "$label: $(grep -m1 "$want" "$work/load.out" | sed 's/^ *//')"
  else
    fail "$label: load-package"; sed 's/^/    /' "$work/load.out"; return 1
  fi
  "$sim" eim verify-result "$res" --card-cert "$work/certs/euicc.der" --association-token "$token" \
    >"$work/verify.out" 2>&1 && grep -q "signature: verified" "$work/verify.out" \
    && pass "$label: the result verifies with the card's certificate" \
    || { fail "$label: eim verify-result"; cat "$work/verify.out"; }
  restart_killed
  [ "$(counter_of "$eim")" = "$counter" ] && pass "$label: after SIGKILL, $eim's counter is $counter" \
    || fail "$label: after SIGKILL, $eim's counter is '$(counter_of "$eim")', not $counter"
  ipa notifications --package-results --json | grep -q "$(hex_of "$res")" \
    && pass "$label: after SIGKILL, the card still holds the result it sent" \
    || fail "$label: the result is not stored after SIGKILL"
}

out=$(ipa add-initial-eim <("$sim" eim config --pki "$work/pki" --eim-id eim-1 --counter 0 --want-token --hex) 2>&1)
echo "$out" | grep -q "eim-1: associationToken 1" && pass "AddInitialEim: eim-1 gets association token 1" \
  || fail "AddInitialEim: $out"
ipa eim-config --json | grep -q '"eimId":"eim-1","counterValue":0,"associationToken":1,"eimPublicKeyData":"certificate"' \
  && pass "GetEimConfigurationData lists eim-1 with its certificate" || fail "GetEimConfigurationData"
ipa certs -o "$work/certs" >/dev/null && [ -s "$work/certs/euicc.der" ] && pass "GetCerts: the card's certificates" \
  || fail "GetCerts"

if "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$matching_id" --ca "$work/pki/nist/ci.pem" \
    --json >"$work/dl.json" 2>"$work/dl.err" && grep -q '"installed":true' "$work/dl.json"; then
  iccid=$(sed -n 's/.*"iccid":"\([0-9]*\)".*/\1/p' "$work/dl.json" | tail -1)
  pass "a profile downloads to the iot card ($iccid)"
else
  fail "download to the iot card"; cat "$work/dl.json" "$work/dl.err"; iccid=0
fi

package p1 eim-1 1 nist 1 "enableResult ok(0)" --psmo "enable $iccid"
[ "$(state_of "$iccid")" = 1 ] && [ "$(state_of $demo)" = 0 ] \
  && pass "p1: $iccid is enabled, the demo profile disabled" || fail "p1: profile states"
if ipa load-package "$work/p1.der" >"$work/out" 2>&1; then fail "p1 replayed was accepted"
else grep -q "replayError(4)" "$work/out" && pass "p1 sent again: replayError(4)" || fail "replay: $(cat "$work/out")"; fi

package p2 eim-1 1 nist 2 "disableResult ok(0)" --psmo "disable $iccid"
[ "$(state_of "$iccid")" = 0 ] && pass "p2: $iccid is disabled" || fail "p2: profile state"
package p3 eim-1 1 nist 3 "enableResult ok(0)" --psmo "enable $demo"
package p4 eim-1 1 nist 4 "enableResult ok(0)" --psmo "enable $iccid rollback"
[ "$(state_of "$iccid")" = 1 ] && pass "p4: $iccid is enabled, with rollback allowed" || fail "p4: profile state"
if ipa rollback -o "$work/rollback.der" >"$work/out" 2>&1 && grep -q "rollbackResult ok(0)" "$work/out"; then
  pass "ProfileRollback: ok, with a signed rollbackResult"
else
  fail "ProfileRollback"; cat "$work/out"
fi
"$sim" eim verify-result "$work/rollback.der" --card-cert "$work/certs/euicc.der" --association-token 1 \
  >/dev/null 2>&1 && pass "the rollback result verifies" || fail "the rollback result does not verify"
restart_killed
[ "$(state_of $demo)" = 1 ] && [ "$(state_of "$iccid")" = 0 ] \
  && pass "after rollback and SIGKILL: the demo profile is enabled again" || fail "rollback: profile states"
package p5 eim-1 1 nist 5 "deleteResult ok(0)" --psmo "delete $iccid"
[ -z "$(state_of "$iccid")" ] && pass "p5: $iccid is deleted" || fail "p5: $iccid still there"

# An eCO adding a second eIM (brainpool), first cut short before its last STORE DATA block.
"$sim" eim config --pki "$work/pki" --curve brainpool --eim-id eim-2 --counter 0 --want-token \
  -o "$work/eim-2.der" >/dev/null
"$sim" eim package --pki "$work/pki" --eim-id eim-1 --counter 6 --eid "$eid" --association-token 1 \
  -o "$work/p6.der" --eco "add-eim $work/eim-2.der" --eco list-eim >/dev/null
"$flow" store-data "$reader" "$work/p6.der" 2 >/dev/null || fail "store-data cut short"
restart_killed
[ "$(counter_of eim-1)" = 5 ] && ! ipa eim-config eim-2 --json | grep -q '"eimId":"eim-2"' \
  && pass "p6 cut short by SIGKILL before its last block: nothing changed" \
  || fail "p6 cut short changed the card"
package p6 eim-1 1 nist 6 "addEimResult associationToken 2" --eco "add-eim $work/eim-2.der" --eco list-eim
package p7 eim-2 2 brainpool 1 "listProfileInfoResult" --psmo list-profile-info --psmo get-rat
package p8 eim-2 2 brainpool 2 "deleteEimResult ok(0)" --eco "delete-eim eim-1"
"$sim" eim package --pki "$work/pki" --eim-id eim-1 --counter 7 --eid "$eid" --association-token 1 \
  -o "$work/p9.der" --psmo get-rat >/dev/null
if ipa load-package "$work/p9.der" --json >"$work/out" 2>&1; then fail "a package of the deleted eim-1 was accepted"
else grep -q '"form":"euiccPackageErrorUnsigned"' "$work/out" \
  && pass "a package from the deleted eim-1: the unsigned error" || fail "deleted eIM: $(cat "$work/out")"; fi

# Every result retrieved, then removed.
ipa notifications --package-results --json >"$work/results.json"
seqs=$(grep -o '"seqNumber":[0-9]*' "$work/results.json" | cut -d: -f2 | tr '\n' ' ')
[ "$(echo $seqs | wc -w)" -eq 9 ] && pass "9 package results retrievable (seq $seqs)" \
  || { fail "package results: $seqs"; cat "$work/results.json"; }
ipa notifications --remove $seqs >/dev/null 2>&1 && pass "all removed" || fail "remove $seqs"
ipa notifications --package-results --json | grep -q '"seqNumber"' && fail "results left after removal" \
  || pass "no package result left"
card_down

echo "# $failures failure(s)"
[ "$failures" -eq 0 ]
