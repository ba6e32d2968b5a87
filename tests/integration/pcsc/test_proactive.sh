#!/usr/bin/env bash
# integration/proactive-pcsc: the proactive UICC through the whole PC/SC path (docs/proactive.md).
#  1. REFRESH: a terminal scripted byte by byte (`euicc-sim apdu --reader --script`) sends
#     TERMINAL PROFILE, enables a profile with refreshFlag on its own logical channel, sees 91 0B,
#     FETCHes REFRESH eUICC Profile State Change, answers it; the card is then as after its ATR
#     and serve reports the new profile active. Then UICC Reset for a terminal without that mode.
#  2. BIP: an IoT card served with `--bearer bip` polls `eim serve` over HTTPS only through
#     `euicc-sim terminal --reader` (real loopback sockets): IpaEuiccData, an enable PSMO and an
#     indirect download relayed to `smdp serve` all complete; nothing reaches the eIM before
#     the terminal is there.
# Needs root (a private pcscd).
set -u
sim=${1:?usage: test_proactive.sh EUICC_SIM PCSC_FLOW EXAMPLE_SPEC}
flow=${2:?}
example=${3:?}
. "$(dirname "$0")/lib.sh"

reader="euicc-sim 00 00"
p1=89001990000000000012
p2=89001990000000000020
for n in 1 2; do
  iccid_var="p$n"
  sed -e "s/\"iccid\": \"[0-9]*\"/\"iccid\": \"${!iccid_var}\"/" \
      -e "s/\"imsi\": \"[0-9]*\"/\"imsi\": \"00101012345678$n\"/" "$example" >"$work/p$n.json"
  "$sim" profile build "$work/p$n.json" -o "$work/p$n.der" >/dev/null || { echo "FAIL - build p$n"; exit 1; }
done
"$sim" pki init "$work/pki" --curve nist --seed 7 --tls-name 127.0.0.1 >/dev/null \
  || { echo "FAIL - pki init"; exit 1; }
priv="$work/pcscd"
start_pcscd "$priv"
card_up() { start_serve "$@" --driver "unix:$priv/slots"; "$flow" wait-card "$reader" present 10000 >/dev/null; }
card_down() {
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
}

# ---- 1. REFRESH ----
st="$work/st-refresh"
"$sim" --state "$st" card new --pki "$work/pki" --preload "$work/p1.der" --preload "$work/p2.der" \
  --enable "$p1" >/dev/null || { fail "card new with two profiles"; exit 1; }
card_up "$st" || fail "the card is inserted"
# 89001990000000000020 as ES10 carries it (nibbles swapped).
p2_bcd=98009109000000000002
cat >"$work/refresh.apdu" <<EOF
# TERMINAL PROFILE: REFRESH (byte 3 b8), eUICC Profile State Change (byte 34 b6), BIP.
80 10 00 00 22 01 00 80 00 01 0C 00 00 00 00 00 1F E2 00 00 00 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 20 -> 9000
# The LPA's channel and the ISD-R on it.
0070000001 -> 01 9000
01A4040010A0000005591010FFFFFFFF8900000100 -> 61 ..
# EnableProfile { A0 { 5A iccid }, 81 refreshFlag TRUE }: the answer, then 91 0B.
81E2910014BF3111A00C5A0A${p2_bcd}8101FF -> 61 06
81C0000006 -> BF31 03 80 01 00 91 0B
# Any answer says a command waits; FETCH: REFRESH #1, eUICC Profile State Change (09).
80F2000C00 -> 91 0B
801200000B -> D0 09 81 03 01 01 09 82 02 81 82 90 00
# Fetched, not answered: no 91xx; an envelope meets a busy toolkit.
80F2000C00 -> 90 00
80C2000010D60E99010982028281B8028100B70110 -> 93 00
# TERMINAL RESPONSE: performed. The card is as after its ATR: channel 1 is gone.
801400000C810301010982028281830100 -> 90 00
81E2910006BF3E035C015A -> 68 81
80F2000C00 -> 90 00
# The new profile's file system answers: EF.ICCID under the MF holds $p2.
00A4000C022FE2 -> 90 00
00B000000A -> ${p2_bcd} 90 00
EOF
if "$sim" apdu --reader "$reader" --script "$work/refresh.apdu" >"$work/refresh.out" 2>&1; then
  pass "REFRESH through PC/SC: 91 0B, FETCH, TERMINAL RESPONSE, channels reset, the new EF.ICCID"
else
  fail "REFRESH through PC/SC"; sed 's/^/    /' "$work/refresh.out"
fi
grep -q "refreshed, the terminal sees profile $p2" "$work/serve.log" \
  && pass "serve: after the TERMINAL RESPONSE the terminal sees $p2" \
  || { fail "serve reports the switch to $p2"; sed 's/^/    /' "$work/serve.log"; }
"$sim" es10 --reader "$reader" --json profiles >"$work/profiles.out" 2>&1
# ProfileInfo of $p2 (iccid 5A, nibbles swapped; isdpAid 4F) with profileState 9F70 enabled (01).
grep -Eq "5A0A${p2_bcd}4F10[0-9A-F]{32}9F700101" "$work/profiles.out" \
  && pass "es10 still works for a plain LPA: $p2 is enabled" \
  || { fail "es10 profiles after the refresh"; sed "s/^/    /" "$work/profiles.out"; }

# A terminal without the eUICC Profile State Change mode: REFRESH UICC Reset, then the reset.
cat >"$work/reset.apdu" <<EOF
reset
8010000003 010080 -> 9000
00A4040010A0000005591010FFFFFFFF8900000100 -> 61 ..
# Back to the first profile (89001990000000000012).
80E2910014BF3111A00C5A0A980091090000000000218101FF -> 61 06
80C0000006 -> BF31 03 80 01 00 91 0B
801200000B -> D0 09 81 03 01 01 04 82 02 81 82 90 00
reset
80F2000C00 -> 90 00
EOF
if "$sim" apdu --reader "$reader" --script "$work/reset.apdu" >"$work/reset.out" 2>&1; then
  pass "REFRESH UICC Reset for a terminal without mode 09; the reset answers it"
else
  fail "REFRESH UICC Reset"; sed 's/^/    /' "$work/reset.out"
fi
grep -q "refreshed, the terminal sees profile $p1" "$work/serve.log" && fail "no switch before the reset" \
  || pass "no switch is reported for UICC Reset: the reset itself brings the profile"
card_down

# ---- 2. BIP: the IPAe's HTTPS through `euicc-sim terminal` ----
db="$work/eim.db"
mkdir -p "$work/offers"
cp "$work/p2.der" "$work/offers/lab.der"
"$sim" smdp serve --profiles "$work/offers" --listen 127.0.0.1:0 --json --pki "$work/pki" --curve nist \
  >"$work/smdp.log" 2>&1 &
pids+=($!)
for _ in $(seq 400); do grep -q '"listening"' "$work/smdp.log" 2>/dev/null && break; sleep 0.05; done
smdp_port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$work/smdp.log" | head -1)
[ -n "$smdp_port" ] && pass "smdp serve on localhost:$smdp_port" || { fail "smdp serve"; cat "$work/smdp.log"; }
# The PKI's TLS certificate names 127.0.0.1 (an IP address entry): the eIM reaches the SM-DP+
# "localhost:PORT" at that address.
"$sim" eim serve --pki "$work/pki" --eim-id eim-1 --db "$db" --listen 127.0.0.1:0 --json \
  --smdp "localhost:$smdp_port=127.0.0.1:$smdp_port" --smdp-ca "$work/pki/nist/ci.pem" \
  >"$work/eim.log" 2>&1 &
pids+=($!)
for _ in $(seq 400); do grep -q '"listening"' "$work/eim.log" 2>/dev/null && break; sleep 0.05; done
eim_port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$work/eim.log" | head -1)
[ -n "$eim_port" ] && pass "eim serve on 127.0.0.1:$eim_port" || { fail "eim serve"; cat "$work/eim.log"; exit 1; }

"$sim" eim config --pki "$work/pki" --eim-id eim-1 --fqdn "127.0.0.1:$eim_port" --counter 0 \
  --want-token --protocol retrieve-https --indirect-download -o "$work/eim-1.der" >/dev/null
st="$work/st-bip"
"$sim" --state "$st" card new --personality iot --ipae --ipae-active --eim-config "$work/eim-1.der" \
  --ipae-ca "$work/pki/nist/ci.pem" --ipae-poll-interval 3600 --ipae-backoff-min 1 --ipae-backoff-max 2 \
  --ipae-jitter 0 --pki "$work/pki" --curve nist --preload "$work/p1.der" --enable "$p1" --json \
  >"$work/bip-card.json" || { fail "card new --ipae"; exit 1; }
eid=$(sed -n 's/^  "eid": "\([0-9]*\)".*/\1/p' "$work/bip-card.json")
"$sim" eim queue --db "$db" --eid "$eid" --euicc-data all >/dev/null && pass "queued: IpaEuiccData" \
  || fail "eim queue --euicc-data"
card_up "$st" --bearer bip --ipae-ca "$work/pki/nist/ci.pem" || fail "the BIP card is inserted"
for _ in $(seq 200); do grep -q "no terminal has sent a TERMINAL PROFILE" "$work/serve.log" && break; sleep 0.05; done
grep -q "no terminal has sent a TERMINAL PROFILE" "$work/serve.log" \
  && pass "without a terminal the IPAe's cycle fails at once (BIP needs one)" \
  || fail "the IPAe waits for a terminal"
"$sim" terminal --reader "$reader" --poll-interval 20 >"$work/terminal.log" 2>&1 &
term_pid=$!
pids+=("$term_pid")

wait_done() {  # wait_done KIND COUNT: until COUNT items of KIND are done (60 s at most)
  local until=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$until" ]; do
    n=$("$sim" eim status --db "$db" --eid "$eid" --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(sum(1 for i in s.get("queue", []) if i.get("kind") == sys.argv[1] and i.get("state") == "done"))' "$1")
    [ "${n:-0}" -ge "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
wait_done ipaEuiccData 1 && pass "IpaEuiccData done over BIP" \
  || { fail "IpaEuiccData over BIP"; "$sim" eim status --db "$db" --eid "$eid"; tail -40 "$work/serve.log"; }
"$sim" eim queue --db "$db" --eid "$eid" --psmo "disable $p1" >/dev/null
"$sim" eim queue --db "$db" --eid "$eid" --download "1\$localhost:$smdp_port\$lab" --indirect >/dev/null \
  && pass "queued: a PSMO and an indirect download" || fail "eim queue"
"$sim" --state "$st" ipae poll --card "$eid" --json >"$work/poll.json" 2>&1
wait_done euiccPackage 1 && pass "an eUICC package (PSMO) done over BIP" \
  || { fail "eUICC package over BIP"; "$sim" eim status --db "$db" --eid "$eid"; }
wait_done profileDownload 1 && pass "an indirect download relayed by the eIM done over BIP" \
  || { fail "indirect download over BIP"; "$sim" eim status --db "$db" --eid "$eid"; tail -30 "$work/serve.log"; }
grep -q "OPEN CHANNEL #.* TCP 127.0.0.1:$eim_port" "$work/terminal.log" \
  && pass "the terminal opened the channels to the eIM" || fail "terminal log: OPEN CHANNEL"
grep -q "RECEIVE DATA" "$work/terminal.log" && grep -q "data available" "$work/terminal.log" \
  && pass "the terminal delivered data available events and the card read them" \
  || fail "terminal log: data available / RECEIVE DATA"
kill "$term_pid"; wait "$term_pid" 2>/dev/null
grep -q "stopped:" "$work/terminal.log" && pass "the terminal stops on SIGTERM with its figures" \
  || fail "terminal stop line"
card_down
"$sim" --state "$st" card show "$eid" | grep -q "$p2" && pass "the downloaded profile is on the card" \
  || fail "the downloaded profile is on the card"

echo "# $failures failure(s)"
[ "$failures" -eq 0 ]
