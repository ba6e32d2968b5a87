#!/usr/bin/env bash
# A full profile download through PC/SC (private pcscd, our driver, `euicc-sim serve`) next to
# the same download in-process (`lpa download --card`), both against `euicc-sim smdp serve`
# over HTTPS. The card-side time is what the LPA waited for the card (es10Us: transport
# included); the SM-DP+'s time (es9Us) is printed apart. The breakdown of the card's own time
# into crypto, parsing/installation and persistence, with the crypto floor, is
# bench_download (in-process). The SM-DP+ presents the NIST TLS certificate for both curves
# (smdp serve's default). Prints numbers; fails only if it cannot run.
set -u
sim=$1 flow=$2 example=$3 reference=$4 n=${5:-10}
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for a private pcscd"; exit 77; }
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/profiles"
if [ -f "$reference/profiles/TS48v1_A.der" ]; then
  cp "$reference/profiles/TS48v1_A.der" "$work/profiles/p.der"; what="TS.48 v1 A"
else
  cp "$example" "$work/profiles/p.json"; what="the builder's example"
fi
"$sim" pki init "$work/pki" --curve both --seed 1 >/dev/null || exit 1
"$sim" pcscd --slots 1 --dir "$work/p" --json >"$work/p.json" 2>/dev/null &
pids+=($!)
for _ in $(seq 400); do grep -q socket "$work/p.json" 2>/dev/null && break; sleep 0.05; done
export PCSCLITE_CSOCK_NAME=$(sed -n 's/.*"socket":"\([^"]*\)".*/\1/p' "$work/p.json")
[ -n "$PCSCLITE_CSOCK_NAME" ] || { echo "no private pcscd"; exit 1; }

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print 0 }'; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }

for curve in nist brainpool; do
  "$sim" smdp serve --pki "$work/pki" --curve "$curve" --profiles "$work/profiles" \
    --listen 127.0.0.1:0 --json >"$work/smdp-$curve.log" 2>&1 &
  smdp_pid=$!
  pids+=($smdp_pid)
  for _ in $(seq 200); do grep -q listening "$work/smdp-$curve.log" 2>/dev/null && break; sleep 0.05; done
  smdp="localhost:$(field port <"$work/smdp-$curve.log" | head -1)"
  for mode in pcsc in-process; do
    st="$work/st-$curve-$mode"
    "$sim" --state "$st" card new --pki "$work/pki" --curve "$curve" --no-profile --json >"$work/card.json"
    eid=$(sed -n 's/.*"eid": "\([0-9]*\)".*/\1/p' "$work/card.json" | head -1)
    if [ "$mode" = pcsc ]; then
      "$sim" --state "$st" serve --driver "unix:$work/p/slots" --cards 1 >/dev/null 2>&1 &
      serve_pid=$!
      pids+=($serve_pid)
      "$flow" wait-card "euicc-sim 00 00" present 10000 >/dev/null || exit 1
      target=(--reader "euicc-sim 00 00")
    else
      target=(--card "$eid")
    fi
    : >"$work/es10" ; : >"$work/es9"
    for i in $(seq "$n"); do
      "$sim" --state "$st" lpa download "${target[@]}" --smdp "$smdp" --matching-id p \
        --ca "$work/pki/nist/ci.pem" --no-notify --json >"$work/dl.json" 2>&1
      grep -q '"installed":true' "$work/dl.json" || { echo "download failed:"; cat "$work/dl.json"; exit 1; }
      tail -1 "$work/dl.json" | field es10Us >>"$work/es10"
      tail -1 "$work/dl.json" | field es9Us >>"$work/es9"
      iccid=$(tail -1 "$work/dl.json" | sed -n 's/.*"iccid":"\([0-9]*\)".*/\1/p')
      if [ "$mode" = pcsc ]; then
        "$sim" es10 --reader "euicc-sim 00 00" delete "$iccid" >/dev/null
      else
        "$sim" --state "$st" es10 --card "$eid" delete "$iccid" >/dev/null
      fi
    done
    printf '%-10s %-11s %s: card-side %7.1f ms (median of %d)   SM-DP+ %6.1f ms\n' "$curve" "$mode" \
      "$what" "$(median <"$work/es10" | awk '{ print $1 / 1000 }')" "$n" \
      "$(median <"$work/es9" | awk '{ print $1 / 1000 }')"
    if [ "$mode" = pcsc ]; then kill "$serve_pid"; wait "$serve_pid" 2>/dev/null; "$flow" wait-card "euicc-sim 00 00" absent 5000 >/dev/null; fi
  done
  kill "$smdp_pid"; wait "$smdp_pid" 2>/dev/null
done
echo "(in-process = lpa --card: the card image is loaded, and saved with fsync after every change)"
