#!/usr/bin/env bash
# A full profile download through PC/SC (private pcscd, our driver, `euicc-sim serve --stats`)
# next to the same download in-process (`lpa download --card`), both driven by `lpa download`
# against `euicc-sim smdp serve` over HTTPS. Printed per curve, medians per download in ms:
#   card-side  what the LPA waited for the card (es10Us: pcscd, the driver, serve, the card)
#   busy       the card's own time (serve --stats: inside Card::transmit), split into crypto,
#              persistence (the image save, fsync included) and parsing/installation (the rest)
#   transport  card-side minus busy
#   floor      the same EC and symmetric work timed alone (bench_download's floor)
# The breakdown uses N builder profiles with distinct ICCIDs downloaded one after the other
# (serve's counters are per run); the TS.48 reference profile, where present, gets the
# card-side figures only (its ICCID is fixed, so each run deletes it, outside the timing).
# Prints numbers; fails only if it cannot run.
set -u
sim=$1 flow=$2 example=$3 reference=$4 bench=$5 n=${6:-10}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for a private pcscd"; exit 77; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/profiles"
for i in $(seq "$n"); do
  payload=$(printf '89001990000%08d' "$i")
  luhn=$(python3 -c "
d=[int(c) for c in '$payload'][::-1]
s=sum((x*2-9 if x*2>9 else x*2) if i%2==0 else x for i,x in enumerate(d))
print((10-s%10)%10)")
  sed -e "s/\"iccid\": \"[0-9]*\"/\"iccid\": \"$payload$luhn\"/" "$example" >"$work/profiles/b$i.json"
done
have_ref=0
if [ -f "$reference/profiles/TS48v1_A.der" ]; then cp "$reference/profiles/TS48v1_A.der" "$work/profiles/ts48.der"; have_ref=1; fi
"$sim" pki init "$work/pki" --curve both --seed 1 >/dev/null || exit 1
"$sim" pcscd --slots 1 --dir "$work/p" --json >"$work/p.json" 2>/dev/null &
pids+=($!)
for _ in $(seq 400); do grep -q socket "$work/p.json" 2>/dev/null && break; sleep 0.05; done
export PCSCLITE_CSOCK_NAME=$(sed -n 's/.*"socket":"\([^"]*\)".*/\1/p' "$work/p.json")
[ -n "$PCSCLITE_CSOCK_NAME" ] || { echo "no private pcscd"; exit 1; }
reader="euicc-sim 00 00"
"$bench" -n 5 --json --reference "$work/none" >"$work/floor.json" 2>/dev/null
floor_of() {  # floor_of CURVE-LABEL: the builder profile's floor in ms
  python3 -c "
import json,sys
rows=json.load(open('$work/floor.json'))['rows']
print(next((r['floor_ms'] for r in rows if r['curve']=='$1' and 'floor_ms' in r), 0))"
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] / 1000; else print 0 }'; }
us_of() { tail -1 "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }

download() {  # download OUT ARGS...: one download, its es10Us appended to $work/es10
  "$sim" --state "$st" lpa download "$@" --smdp "$smdp" --ca "$work/pki/nist/ci.pem" --no-notify \
    --json >"$work/dl.json" 2>&1
  grep -q '"installed":true' "$work/dl.json" || { echo "download failed:"; cat "$work/dl.json"; exit 1; }
  us_of "$work/dl.json" es10Us >>"$work/es10"
}

for curve in nist brainpool; do
  label=$([ $curve = nist ] && echo "NIST P-256" || echo brainpoolP256r1)
  "$sim" smdp serve --pki "$work/pki" --curve "$curve" --profiles "$work/profiles" \
    --listen 127.0.0.1:0 --json >"$work/smdp.log" 2>&1 &
  smdp_pid=$!
  pids+=($smdp_pid)
  for _ in $(seq 200); do grep -q listening "$work/smdp.log" 2>/dev/null && break; sleep 0.05; done
  smdp="localhost:$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/smdp.log" | head -1)"
  floor=$(floor_of "$label")

  # PC/SC, builder profiles, with the card's own breakdown.
  st="$work/st-$curve-pcsc"
  "$sim" --state "$st" card new --pki "$work/pki" --curve "$curve" --no-profile >/dev/null
  "$sim" --state "$st" serve --driver "unix:$work/p/slots" --cards 1 --stats --json >"$work/serve.log" 2>&1 &
  serve_pid=$!
  "$flow" wait-card "$reader" present 10000 >/dev/null || exit 1
  : >"$work/es10"
  for i in $(seq "$n"); do download --reader "$reader" --matching-id "b$i"; done
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
  card_side=$(median <"$work/es10")
  read -r busy crypto persist < <(python3 -c "
import json
for l in open('$work/serve.log'):
    try: e=json.loads(l)
    except ValueError: continue
    if e.get('event')=='stats': print(e['busyUs']/1000/$n, e['cryptoUs']/1000/$n, e['persistUs']/1000/$n)")
  awk -v l="$label" -v cs="$card_side" -v b="$busy" -v c="$crypto" -v p="$persist" -v f="$floor" 'BEGIN {
    printf "%-16s PC/SC, builder profile: card-side %.2f ms = card %.2f (crypto %.2f, parse+inst %.2f, persist %.2f) + transport %.2f; floor %.2f; card/floor %.2fx, without persist %.2fx\n",
      l, cs, b, c, b - c - p, p, cs - b, f, (f > 0 ? b / f : 0), (f > 0 ? (b - p) / f : 0) }'

  # In-process (lpa --card), the same profiles: the card-side time without PC/SC.
  st="$work/st-$curve-card"
  "$sim" --state "$st" card new --pki "$work/pki" --curve "$curve" --no-profile >/dev/null
  eid=$("$sim" --state "$st" card list --json | sed -n 's/.*"eid": *"\([0-9]*\)".*/\1/p' | head -1)
  : >"$work/es10"
  for i in $(seq "$n"); do download --card "$eid" --matching-id "b$i"; done
  printf '%-16s in-process (lpa --card), builder profile: card-side %.2f ms\n' "$label" "$(median <"$work/es10")"

  if [ "$have_ref" = 1 ]; then
    for mode in pcsc card; do
      st="$work/st-$curve-ref-$mode"
      "$sim" --state "$st" card new --pki "$work/pki" --curve "$curve" --no-profile >/dev/null
      if [ $mode = pcsc ]; then
        "$sim" --state "$st" serve --driver "unix:$work/p/slots" --cards 1 >/dev/null 2>&1 &
        serve_pid=$!
        "$flow" wait-card "$reader" present 10000 >/dev/null || exit 1
        target=(--reader "$reader")
      else
        target=(--card "$("$sim" --state "$st" card list --json | sed -n 's/.*"eid": *"\([0-9]*\)".*/\1/p' | head -1)")
      fi
      : >"$work/es10"
      for i in $(seq "$n"); do
        download "${target[@]}" --matching-id ts48
        "$sim" --state "$st" es10 "${target[@]}" delete 89000123456789012341 >/dev/null
      done
      printf '%-16s %s, TS.48 v1 A: card-side %.2f ms\n' "$label" \
        "$([ $mode = pcsc ] && echo PC/SC || echo 'in-process (lpa --card)')" "$(median <"$work/es10")"
      if [ $mode = pcsc ]; then kill "$serve_pid"; wait "$serve_pid" 2>/dev/null; "$flow" wait-card "$reader" absent 5000 >/dev/null; fi
    done
  fi
  kill "$smdp_pid"; wait "$smdp_pid" 2>/dev/null
done
echo "(medians of $n downloads; the card image is saved with fsync after every change; the"
echo " in-process breakdown per profile and curve: meson test --benchmark download-in-process)"
