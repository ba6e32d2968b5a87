#!/usr/bin/env bash
# Profile download through the whole PC/SC path: `euicc-sim lpa download --reader` (the LPA
# role) drives a card served by `euicc-sim serve` behind a private pcscd, against `euicc-sim
# smdp serve` over HTTPS. Every profile of the directory (the TS.48 reference profiles where
# ../shared/reference exists, else the builder's example) downloads, installs, is enabled,
# disabled and deleted, each notification delivered; with a NIST PKI, a brainpool PKI, and a
# card issued by SGP.26's test EUM served with SGP.26's DPauth/DPpb (where the reference
# exists). Then a sweep kills the card with SIGKILL after each piece of a Bound Profile
# Package: restarted, it holds no partial profile and a new download works. Needs root.
set -u
sim=${1:?usage: test_download.sh EUICC_SIM PCSC_FLOW EXAMPLE_SPEC REFERENCE_DIR}
flow=${2:?}
example=${3:?}
reference=${4:?}
. "$(dirname "$0")/lib.sh"

reader="euicc-sim 00 00"
profiles="$work/profiles"
mkdir -p "$profiles"
if [ -d "$reference/profiles" ] && ls "$reference"/profiles/*.der >/dev/null 2>&1; then
  cp "$reference"/profiles/*.der "$profiles/"
  echo "# profiles: the TS.48 reference profiles"
else
  cp "$example" "$profiles/example.json"
  echo "# profiles: the builder's example (no $reference/profiles)"
fi
ids=$(cd "$profiles" && ls | sed 's/\.[a-z]*$//')

"$sim" pki init "$work/pki" --curve both --seed 7 >/dev/null || { echo "FAIL - pki init"; exit 1; }
priv="$work/pcscd"
start_pcscd "$priv"

# start_smdp LOG ARGS...: an SM-DP+ on a free port; sets smdp_pid and smdp (localhost:PORT).
start_smdp() {
  local log=$1; shift
  "$sim" smdp serve --profiles "$profiles" --listen 127.0.0.1:0 --json "$@" >"$log" 2>&1 &
  smdp_pid=$!
  pids+=("$smdp_pid")
  for _ in $(seq 200); do grep -q '"listening"' "$log" 2>/dev/null && break; sleep 0.05; done
  local port
  port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$log")
  [ -n "$port" ] || { fail "smdp serve did not start"; cat "$log"; return 1; }
  smdp="localhost:$port"
}
stop_smdp() { kill -TERM "$smdp_pid"; wait "$smdp_pid" 2>/dev/null; }
card_up() { start_serve "$1" --driver "unix:$priv/slots"; "$flow" wait-card "$reader" present 10000 >/dev/null; }
card_down() {  # card_down [SIGNAL]
  kill "-${1:-TERM}" "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
}
es10() { "$sim" es10 --reader "$reader" "$@" >"$work/out" 2>&1; }
field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\([^\",}]*\).*/\1/p" "$2" | tail -1; }

# lifecycle LABEL CA-ARGS...: every profile through download, enable, disable, delete, with
# each notification delivered and accepted by the SM-DP+ (its log says so).
lifecycle() {
  local label=$1; shift
  local id iccid
  for id in $ids; do
    if "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" "$@" --json \
        >"$work/dl.json" 2>"$work/dl.err" && grep -q '"installed":true' "$work/dl.json"; then
      pass "$label: $id downloaded and installed ($(field pieces "$work/dl.json") pieces)"
    else
      fail "$label: $id download"; sed 's/^/    /' "$work/dl.json" "$work/dl.err"; continue
    fi
    grep -q '"event":"install","address":"'"$smdp"'","delivered":true' "$work/dl.json" \
      && pass "$label: $id install notification delivered" || fail "$label: $id install notification"
    iccid=$(field iccid "$work/dl.json")
    es10 profiles "iccid=$iccid" tags=9F70 && grep -q "<profileState>0</profileState>" "$work/out" \
      && pass "$label: $id listed, disabled" || { fail "$label: $id listed"; cat "$work/out"; }
    es10 enable "$iccid" && grep -q "<enableResult>0<" "$work/out" \
      && pass "$label: $id enabled" || { fail "$label: $id enable"; cat "$work/out"; }
    es10 disable "$iccid" && grep -q "<disableResult>0<" "$work/out" \
      && pass "$label: $id disabled" || { fail "$label: $id disable"; cat "$work/out"; }
    es10 delete "$iccid" && grep -q "<deleteResult>0<" "$work/out" \
      && pass "$label: $id deleted" || { fail "$label: $id delete"; cat "$work/out"; }
    if "$sim" lpa notifications process --reader "$reader" "$@" --json >"$work/n.json" 2>&1 \
        && [ "$(grep -o '"delivered":true' "$work/n.json" | wc -l)" -eq 3 ]; then
      pass "$label: $id enable, disable, delete notifications delivered"
    else
      fail "$label: $id notifications"; cat "$work/n.json"
    fi
  done
  local accepted
  accepted=$(grep -c '"function":"handleNotification".*"http":204\|"http":204.*"function":"handleNotification"' "$smdp_log")
  [ "$accepted" -eq $(( 4 * $(echo $ids | wc -w) )) ] \
    && pass "$label: the SM-DP+ logged $accepted notifications" \
    || { fail "$label: the SM-DP+ logged $accepted notifications"; grep handleNotification "$smdp_log"; }
}

for curve in nist brainpool; do
  st="$work/st-$curve"
  "$sim" --state "$st" card new --pki "$work/pki" --curve "$curve" >/dev/null \
    || { fail "card new --curve $curve"; continue; }
  smdp_log="$work/smdp-$curve.log"
  # The TLS certificate on the PKI's curve too (the LPA offers brainpool groups).
  start_smdp "$smdp_log" --pki "$work/pki" --curve "$curve" \
    --tls-cert "$work/pki/$curve/dp-tls.chain.pem" --tls-key "$work/pki/$curve/dp-tls.key.pem" || continue
  card_up "$st" || { fail "$curve card not inserted"; continue; }
  lifecycle "$curve" --ca "$work/pki/$curve/ci.pem"
  stop_smdp
  if [ "$curve" = nist ]; then
    # A confirmation code, and a profile protection key, over the same path.
    id=$(echo $ids | cut -d' ' -f1)
    smdp_log="$work/smdp-cc.log"
    start_smdp "$smdp_log" --pki "$work/pki" --curve nist --confirmation-code "$id=4711" --ppk "$id"
    "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
      >"$work/out" 2>&1
    [ $? -eq 1 ] && grep -q "confirmation code" "$work/out" && pass "without its confirmation code, $id is refused" \
      || { fail "download without the confirmation code"; cat "$work/out"; }
    "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
      --confirmation-code 0000 >"$work/out" 2>&1
    [ $? -eq 1 ] && grep -q "8.2.7" "$work/out" && pass "with a wrong confirmation code, 8.2.7" \
      || { fail "download with a wrong confirmation code"; cat "$work/out"; }
    "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
      --confirmation-code 4711 --json >"$work/out" 2>&1 && grep -q '"installed":true' "$work/out" \
      && pass "with its confirmation code, bound with a PPK, $id installs" \
      || { fail "download with the confirmation code and a PPK"; cat "$work/out"; }
    stop_smdp
  fi
  card_down
done

# SGP.26: the card from the GSMA test EUM, the server with the GSMA DPauth/DPpb (TLS from our
# PKI, which the LPA trusts through --ca).
sgp=$reference/sgp26
if [ -f "$sgp/CERT_EUM_ECDSA_NIST.der" ]; then
  st="$work/st-sgp26"
  if "$sim" --state "$st" card new --eum-cert "$sgp/CERT_EUM_ECDSA_NIST.der" \
      --eum-key "$sgp/SK_EUM_ECDSA_NIST.pem" --ci-cert "$sgp/CERT_CI_ECDSA_NIST.der" --json >"$work/out" 2>&1 \
      && grep -q '"eid": "89049032' "$work/out"; then
    pass "card new from SGP.26's EUM (EID 89049032...)"
    smdp_log="$work/smdp-sgp26.log"
    if start_smdp "$smdp_log" --dp-auth-cert "$sgp/CERT_S_SM_DPauth_ECDSA_NIST.der" \
        --dp-auth-key "$sgp/SK_S_SM_DPauth_ECDSA_NIST.pem" --dp-pb-cert "$sgp/CERT_S_SM_DPpb_ECDSA_NIST.der" \
        --dp-pb-key "$sgp/SK_S_SM_DPpb_ECDSA_NIST.pem" --ci-cert "$sgp/CERT_CI_ECDSA_NIST.der" \
        --tls-cert "$work/pki/nist/dp-tls.chain.pem" --tls-key "$work/pki/nist/dp-tls.key.pem"; then
      card_up "$st" && lifecycle "sgp26" --ca "$work/pki/nist/ci.pem"
      card_down
      stop_smdp
    fi
  else
    fail "card new from SGP.26's EUM"; cat "$work/out"
  fi
else
  echo "skip - SGP.26 download (no $sgp)"
fi

# SIGKILL after each piece of a Bound Profile Package: the restarted card holds no partial
# profile (nor a notification of it), and the next download installs.
st="$work/st-kill"
"$sim" --state "$st" card new --pki "$work/pki" --curve nist >/dev/null || fail "card new for the sweep"
smdp_log="$work/smdp-kill.log"
start_smdp "$smdp_log" --pki "$work/pki" --curve nist
id=$(echo $ids | cut -d' ' -f1)
card_up "$st" || fail "sweep: card not inserted"
"$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
  --no-notify --stop-after-pieces 1 --json >"$work/dl.json" 2>&1
total=$(sed -n 's/.*"event":"piece","sent":1,"total":\([0-9]*\).*/\1/p' "$work/dl.json")
card_down KILL
[ -n "$total" ] && pass "sweep: the package of $id has $total pieces" || { fail "sweep: no piece count"; cat "$work/dl.json"; total=0; }
card_up "$st"; es10 profiles tags=5A; cp "$work/out" "$work/profiles.before"; card_down
swept=0 bad=0
for k in $(seq 1 $((total - 1))); do
  card_up "$st" || { fail "sweep $k: card not inserted"; bad=$((bad + 1)); continue; }
  "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
    --no-notify --stop-after-pieces "$k" >"$work/dl.out" 2>&1
  rc=$?
  card_down KILL
  card_up "$st" || { fail "sweep $k: restart"; bad=$((bad + 1)); continue; }
  if [ "$rc" -ne 1 ] || ! grep -q "stopped after $k piece" "$work/dl.out"; then fail "sweep $k: the LPA did not stop after $k pieces (exit $rc)"; cat "$work/dl.out"; bad=$((bad + 1)); fi
  es10 profiles tags=5A
  if ! cmp -s "$work/out" "$work/profiles.before"; then fail "sweep $k: the profiles changed after a kill after piece $k"; cat "$work/out"; bad=$((bad + 1)); fi
  es10 notifications
  if grep -q "<seqNumber>" "$work/out"; then fail "sweep $k: a notification survived"; cat "$work/out"; bad=$((bad + 1)); fi
  card_down
  swept=$((swept + 1))
done
[ "$bad" -eq 0 ] && pass "sweep: killed after each of pieces 1..$((total - 1)): no partial profile, no notification ($swept restarts)"
# Killed right after the last piece: the result was given, so the profile is there.
card_up "$st"
if "$sim" lpa download --reader "$reader" --smdp "$smdp" --matching-id "$id" --ca "$work/pki/nist/ci.pem" \
    --no-notify --json >"$work/dl.json" 2>&1 && grep -q '"installed":true' "$work/dl.json"; then
  pass "sweep: after the kills a download installs"
else
  fail "sweep: download after the kills"; cat "$work/dl.json"
fi
card_down KILL
# This run of serve reports its card's times when it stops (serve --stats).
start_serve "$st" --driver "unix:$priv/slots" --stats --json
"$flow" wait-card "$reader" present 10000 >/dev/null
es10 profiles tags=5A && ! cmp -s "$work/out" "$work/profiles.before" && pass "sweep: killed after the result, the profile stays" \
  || { fail "sweep: profile lost after the kill"; cat "$work/out"; }
es10 notifications && grep -q "<seqNumber>" "$work/out" && pass "sweep: and so does its install notification" \
  || { fail "sweep: install notification lost"; cat "$work/out"; }
if "$sim" lpa notifications process --reader "$reader" --ca "$work/pki/nist/ci.pem" >"$work/out" 2>&1; then
  pass "sweep: the notification is delivered after the restart"
else
  fail "sweep: notification after restart"; cat "$work/out"
fi
card_down
stats=$(grep '"event":"stats"' "$work/serve.log" | tail -1)
if echo "$stats" | python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
ok = s["apdus"] > 0 and s["persistUs"] > 0 and s["busyUs"] >= s["cryptoUs"] + s["persistUs"]
sys.exit(0 if ok else 1)' 2>/dev/null; then
  pass "serve --stats: APDUs counted, the notification's removal saved, busy >= crypto + persistence"
else
  fail "serve --stats"; echo "    $stats"
fi
stop_smdp

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
