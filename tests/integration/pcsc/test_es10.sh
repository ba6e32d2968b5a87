#!/usr/bin/env bash
# ES10a/b/c through the whole PC/SC path, as lpac (`chip info`, `profile ...`, `notification
# ...`) and pySim-shell's eUICC commands drive a card: a private pcscd with our driver,
# `euicc-sim serve`, and `euicc-sim es10 --reader` as the LPA (logical channel, STORE DATA
# blocks of 120 or 255 bytes, GET RESPONSE with CLA 80 or 00). Then a sweep that kills serve
# with SIGKILL right after every kind of state-changing response and checks that the restarted
# card is in exactly the state that response reported. Needs root; skips (77) otherwise.
set -u
sim=${1:?usage: test_es10.sh EUICC_SIM PCSC_FLOW EXAMPLE_SPEC}
flow=${2:?}
example=${3:?}
. "$(dirname "$0")/lib.sh"

reader="euicc-sim 00 00"
eid=89049032123451234512345678901235
p1=89001990000000000012  # operational, notifications to smdp.example.com
p2=89001990000000000020  # operational, notifications to smdp.example.com
p3=89001990000000000038  # operational, PPR2 (deletion not allowed)

# Three profile packages from the builder's example, differing in ICCID and IMSI.
for n in 1 2 3; do
  iccid_var="p$n"
  sed -e "s/\"iccid\": \"[0-9]*\"/\"iccid\": \"${!iccid_var}\"/" \
      -e "s/\"imsi\": \"[0-9]*\"/\"imsi\": \"00101012345678$n\"/" "$example" >"$work/p$n.json"
  "$sim" profile build "$work/p$n.json" -o "$work/p$n.der" >/dev/null || { echo "FAIL - build p$n"; exit 1; }
done

st="$work/state"
"$sim" --state "$st" card new --eid "$eid" \
  --preload "$work/p1.der" --class operational --notify smdp.example.com --ppr none --profile-name "Lab one" \
  --preload "$work/p2.der" --class operational --notify smdp.example.com --ppr none --profile-name "Lab two" \
  --preload "$work/p3.der" --class operational --notify none --ppr ppr2 --profile-name "Locked" \
  --enable "$p1" >"$work/new.out" 2>&1 \
  && pass "card new with three preloaded profiles, $p1 enabled" || { fail "card new"; cat "$work/new.out"; }

priv="$work/pcscd"
start_pcscd "$priv"
start_serve "$st" --driver "unix:$priv/slots"
step "$flow" wait-card "$reader" present 10000

# es10 ARGS...: one ES10 function through PC/SC; the output (hex, then XER) in $work/out.
es10() { "$sim" es10 --reader "$reader" "$@" >"$work/out" 2>&1; }
# expect DESCRIPTION PATTERN ES10-ARGS...: the call succeeds and its output matches PATTERN.
expect() {
  local what=$1 pattern=$2; shift 2
  if es10 "$@" && grep -q -- "$pattern" "$work/out"; then pass "$what"; else
    fail "$what (es10 $*: expected /$pattern/)"; sed 's/^/    /' "$work/out"; fi
}
# refused DESCRIPTION PATTERN ES10-ARGS...: the card says no (exit status 1, README) and the
# output matches PATTERN.
refused() {
  local what=$1 pattern=$2; shift 2
  es10 "$@"
  local rc=$?
  if [ "$rc" -eq 1 ] && grep -q -- "$pattern" "$work/out"; then pass "$what"; else
    fail "$what (es10 $*: exit $rc, expected 1 and /$pattern/)"; sed 's/^/    /' "$work/out"; fi
}
# count PATTERN: occurrences in the last output.
count() { grep -o -- "$1" "$work/out" | wc -l; }

# --- lpac `chip info`: GetEID, EUICCInfo1, EUICCInfo2, configured addresses.
expect "GetEID (blocks of 120, GET RESPONSE CLA 80)" "^BF3E125A10$eid\$" eid
expect "GetEUICCInfo1 (blocks of 255, GET RESPONSE CLA 00)" "<svn>02 05 00</svn>" \
  --block-size 255 --get-response-cla 00 info1
grep -q "<euiccCiPKIdListForVerification>" "$work/out" && pass "EUICCInfo1 lists CI PKIDs" || fail "EUICCInfo1 PKIDs"
expect "GetEUICCInfo2 (CLA 80)" "<ppVersion>00 00 00</ppVersion>" info2
expect "GetEUICCInfo2 (CLA 00, blocks of 255)" "<profileVersion>02 03 01</profileVersion>" \
  --block-size 255 --get-response-cla 00 info2
expect "GetEuiccConfiguredAddresses" "<rootDsAddress>lpa.ds.gsma.com</rootDsAddress>" addresses
expect "SetDefaultDpAddress" "<setDefaultDpAddressResult>0</setDefaultDpAddressResult>" \
  set-default-dp smdp.example.org
expect "the default SM-DP+ address reads back" "<defaultDpAddress>smdp.example.org</defaultDpAddress>" addresses
expect "GetEUICCChallenge: 16 bytes" "^BF2E128010" challenge
expect "GetRAT" "^BF43" rat

# --- lpac `profile list` / pySim `get_profiles_info`.
expect "GetProfilesInfo lists the three profiles" "<profileName>Locked</profileName>" profiles
[ "$(count '<ProfileInfo>')" -eq 3 ] && pass "three ProfileInfo" || fail "ProfileInfo count $(count '<ProfileInfo>')"
[ "$(count '<profileState>1</profileState>')" -eq 1 ] && pass "exactly one enabled" || fail "enabled count"
expect "GetProfilesInfo by ICCID with tagList 9F70 (two-byte tag)" "<profileState>0</profileState>" \
  profiles "iccid=$p2" tags=9F70
[ "$(count '<ProfileInfo>')" -eq 1 ] && ! grep -q "<iccid>" "$work/out" \
  && pass "only the tag asked for, of the one profile asked for" || { fail "tagList filter"; cat "$work/out"; }
expect "GetProfilesInfo by class (operational)" "<ProfileInfo>" profiles class=2

# --- enable / disable / delete of preloaded profiles, with and without refresh.
expect "EnableProfile $p2 without refresh: ok" "<enableResult>0</enableResult>" enable "$p2"
expect "$p2 is now the enabled one" "<profileState>1</profileState>" profiles "iccid=$p2" tags=9F70
refused "EnableProfile $p2 again: profileNotInDisabledState" "<enableResult>2</enableResult>" enable "$p2"
refused "DisableProfile $p1 (disabled): profileNotInEnabledState" "<disableResult>2</disableResult>" disable "$p1"
expect "EnableProfile by ISD-P AID with refresh: ok" "<enableResult>0</enableResult>" \
  --block-size 255 --get-response-cla 00 enable A0000005591010FFFFFFFF8900001200 refresh
expect "DisableProfile $p3 with refresh: ok" "<disableResult>0</disableResult>" disable "$p3" refresh
refused "DeleteProfile $p3 (PPR2): disallowedByPolicy" "<deleteResult>3</deleteResult>" delete "$p3"
refused "EnableProfile of an unknown ICCID: iccidOrAidNotFound" "<enableResult>1</enableResult>" \
  enable 89001990000000000046
expect "SetNickname" "<setNicknameResult>0</setNicknameResult>" nickname "$p1" "lab phone"
expect "the nickname reads back" "<profileNickname>lab phone</profileNickname>" profiles "iccid=$p1"
refused "SetNickname of an unknown ICCID: iccidNotFound" "<setNicknameResult>1</setNicknameResult>" \
  nickname 89001990000000000046 x

# --- lpac `notification list/process/remove`.
expect "ListNotification" "<NotificationMetadata>" notifications
seqs=$(grep -o "<seqNumber>[0-9]*</seqNumber>" "$work/out" | grep -o "[0-9][0-9]*")
n_before=$(echo "$seqs" | wc -l)
# Enabling p2 disabled p1 and enabled p2; enabling p3 disabled p2 (p3 itself asks for none).
[ "$n_before" -eq 3 ] && pass "three notifications: disable p1, enable p2, disable p2" \
  || { fail "notification count $n_before"; cat "$work/out"; }
first=$(echo "$seqs" | head -n 1)
expect "RetrieveNotificationsList, all (CLA 00)" "<otherSignedNotification>" \
  --get-response-cla 00 retrieve
expect "RetrieveNotificationsList by seqNumber $first" "<seqNumber>$first</seqNumber>" retrieve "$first"
expect "RemoveNotificationFromList $first: ok" "<deleteNotificationStatus>0</deleteNotificationStatus>" remove "$first"
refused "RemoveNotificationFromList $first again: nothingToDelete" \
  "<deleteNotificationStatus>1</deleteNotificationStatus>" remove "$first"

# --- delete and memory reset.
expect "DeleteProfile $p1 (disabled): ok" "<deleteResult>0</deleteResult>" delete "$p1"
refused "DeleteProfile $p1 again: iccidOrAidNotFound" "<deleteResult>1</deleteResult>" delete "$p1"
expect "eUICCMemoryReset (operational profiles, default address): ok" "<resetResult>0</resetResult>" \
  reset operational default-dp
expect "no profile left" "<profileInfoListOk" profiles
grep -q "<ProfileInfo>" "$work/out" && fail "profiles left after memory reset" || pass "memory reset removed them"
expect "the default SM-DP+ address is gone" "<rootDsAddress>" addresses
grep -q "<defaultDpAddress>" "$work/out" && fail "default address after reset" || pass "default address reset"
refused "eUICCMemoryReset again: nothingToDelete" "<resetResult>1</resetResult>" reset operational
kill -TERM "$serve_pid"; wait "$serve_pid"

# --- SIGKILL sweep: after each state-changing response the card is killed at once; restarted,
# it must be exactly as that response said.
st2="$work/state2"
"$sim" --state "$st2" card new --eid "$eid" \
  --preload "$work/p1.der" --notify smdp.example.com --preload "$work/p2.der" --notify smdp.example.com \
  --enable "$p1" >/dev/null
killed_run() {  # killed_run DESCRIPTION PATTERN ES10-ARGS...: one command, then SIGKILL, restart
  local what=$1 pattern=$2; shift 2
  start_serve "$st2" --driver "unix:$priv/slots"
  if ! "$flow" wait-card "$reader" present 10000 >/dev/null; then fail "$what: card not inserted"; return; fi
  if es10 "$@" && grep -q -- "$pattern" "$work/out"; then :; else fail "$what: response"; cat "$work/out"; fi
  kill -KILL "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
  start_serve "$st2" --driver "unix:$priv/slots"
  "$flow" wait-card "$reader" present 10000 >/dev/null || { fail "$what: restart"; return; }
}
after() {  # after DESCRIPTION PATTERN ES10-ARGS...: checked on the restarted card, then stop it
  expect "$@"
  kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
}
killed_run "kill after SetDefaultDpAddress" "<setDefaultDpAddressResult>0" set-default-dp dp.kill.example
after "  restarted: the address is kept" "<defaultDpAddress>dp.kill.example<" addresses
killed_run "kill after EnableProfile" "<enableResult>0" enable "$p2"
after "  restarted: $p2 enabled" "<profileState>1</profileState>" profiles "iccid=$p2" tags=9F70
killed_run "kill after DisableProfile" "<disableResult>0" disable "$p2"
after "  restarted: $p2 disabled" "<profileState>0</profileState>" profiles "iccid=$p2" tags=9F70
killed_run "kill after SetNickname" "<setNicknameResult>0" nickname "$p2" killed
after "  restarted: the nickname is kept" "<profileNickname>killed<" profiles "iccid=$p2"
killed_run "kill after RemoveNotificationFromList" "<deleteNotificationStatus>0" remove 1
after "  restarted: notification 1 is gone" "<notificationMetadataList" notifications
grep -q "<seqNumber>1</seqNumber>" "$work/out" && fail "notification 1 came back" || pass "  and stays gone"
killed_run "kill after DeleteProfile" "<deleteResult>0" delete "$p2"
refused "  restarted: $p2 is gone" "<deleteResult>1</deleteResult>" delete "$p2"
kill -TERM "$serve_pid"; wait "$serve_pid" 2>/dev/null
"$flow" wait-card "$reader" absent 5000 >/dev/null
killed_run "kill after eUICCMemoryReset" "<resetResult>0" reset operational default-dp
after "  restarted: no profiles" "<profileInfoListOk" profiles
grep -q "<ProfileInfo>" "$work/out" && fail "profiles came back after reset" || pass "  and none came back"

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
