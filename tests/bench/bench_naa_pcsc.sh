#!/usr/bin/env bash
# USIM AUTHENTICATE through pcscd and our driver (slot 0: a card whose enabled profile runs the
# TS 34.108 test algorithm, each AUTHENTICATE with a fresh SQN and its card image written before
# the answer), next to a SELECT MF on the same card and the echo card's floor on the same path
# (slot 1). Prints numbers; fails only if it cannot run.
set -u
sim=$1 flow=$2 echo_card=$3 n=${4:-2000}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for a private pcscd"; exit 77; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait; rm -rf "$work"' EXIT
k=000102030405060708090A0B0C0D0E0F
cat >"$work/spec.json" <<JSON
{ "iccid": "89001990000000000012", "imsi": "001010123456789", "algorithm": "usim-test-algorithm",
  "k": "$k" }
JSON
"$sim" profile build "$work/spec.json" -o "$work/p.der" >/dev/null || exit 1
"$sim" --state "$work/s" card new --preload "$work/p.der" --enable 89001990000000000012 >/dev/null || exit 1
"$sim" pcscd --slots 2 --dir "$work/p" --json >"$work/p.json" 2>/dev/null &
pids+=($!)
for _ in $(seq 400); do grep -q socket "$work/p.json" 2>/dev/null && break; sleep 0.05; done
export PCSCLITE_CSOCK_NAME=$(sed -n 's/.*"socket":"\([^"]*\)".*/\1/p' "$work/p.json")
"$sim" --state "$work/s" serve --driver "unix:$work/p/slots" --cards 1 >/dev/null 2>&1 &
pids+=($!)
"$echo_card" "$work/p/slots/slot-1.sock" &
pids+=($!)
"$flow" wait-card "euicc-sim 00 00" present 10000 >/dev/null || exit 1
"$flow" wait-card "euicc-sim 00 01" present 10000 >/dev/null || exit 1
read -r echo_rate echo_p50 echo_p99 < <("$flow" bench "euicc-sim 00 01" "$n")
read -r aka_rate aka_p50 aka_p99 < <("$flow" bench-aka "euicc-sim 00 00" "$n" "$k")
printf '%-44s %8s /s  p50 %8s us  p99 %8s us\n' "echo card (SELECT, same path)" "$echo_rate" "$echo_p50" "$echo_p99"
printf '%-44s %8s /s  p50 %8s us  p99 %8s us\n' "euicc-sim USIM AUTHENTICATE + GET RESPONSE" "$aka_rate" "$aka_p50" "$aka_p99"
