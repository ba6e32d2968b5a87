#!/usr/bin/env bash
# APDU round trips through pcscd and our driver: euicc-sim's full path (slot 0) next to a
# trivial echo card on the same path (slot 1). Prints numbers; fails only if it cannot run.
set -u
sim=$1 flow=$2 echo_card=$3 n=${4:-20000}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for a private pcscd"; exit 77; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait; rm -rf "$work"' EXIT
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
read -r card_rate card_p50 card_p99 < <("$flow" bench "euicc-sim 00 00" "$n")
read -r echo_rate echo_p50 echo_p99 < <("$flow" bench "euicc-sim 00 01" "$n")
printf '%-34s %8s APDU/s  p50 %7s us  p99 %7s us\n' "euicc-sim card (SELECT ISD-R)" "$card_rate" "$card_p50" "$card_p99"
printf '%-34s %8s APDU/s  p50 %7s us  p99 %7s us\n' "echo card (same APDU, same path)" "$echo_rate" "$echo_p50" "$echo_p99"
awk -v a="$card_p50" -v b="$echo_p50" -v c="$echo_rate" -v d="$card_rate" \
  'BEGIN { printf "ratio card/echo: p50 latency %.2fx, throughput %.2fx (goal: within 1.25x)\n", a / b, c / d }'
