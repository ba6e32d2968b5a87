#!/usr/bin/env bash
# Trustworthy card state through a real pcscd (issue 19): one writer per card (serve against
# in-process commands, a second serve, card rm), an ATR that does not lock T=0 clients out, a
# damaged card that does not stop the others, and saves that fail loudly. Needs root (a mount
# namespace); skips (77) otherwise.
set -u
sim=${1:?usage: test_state.sh EUICC_SIM PCSC_FLOW}
flow=${2:?}
. "$(dirname "$0")/lib.sh"

priv="$work/pcscd"
st="$work/state"
start_pcscd "$priv"
r0="euicc-sim 00 00"
r1="euicc-sim 00 01"
demo_iccid=89999000000000000007

new_card() {  # new_card SEED [ARGS...]: prints the EID
  local seed=$1; shift
  "$sim" --state "$st" card new --seed "$seed" "$@" --json | sed -n 's/^  "eid": "\([0-9]*\)".*/\1/p'
}
stop_serve() {
  kill -TERM "$serve_pid" 2>/dev/null; wait "$serve_pid" 2>/dev/null
}
image() { echo "$st/$1.card"; }

a=$(new_card 1)
b=$(new_card 2 --protocols t0,t1)
[ -n "$a" ] && [ -n "$b" ] && pass "two cards ($a, $b with T=1 in its ATR)" || fail "card new"

start_serve "$st" --driver "unix:$priv/slots"
serve_a=$serve_pid
step "$flow" wait-card "$r0" present 10000
step "$flow" wait-card "$r1" present 10000
# Slots follow EID order: card list names each card's reader (no PC/SC client has touched
# the cards yet, so the first protocol choice below is the test's).
reader_of() { "$sim" --state "$st" card list | sed -n "s/^$1 .*slot [0-9]* ('\(.*\)').*/\1/p"; }
ra=$(reader_of "$a")
rb=$(reader_of "$b")
[ -n "$ra" ] && [ -n "$rb" ] && [ "$ra" != "$rb" ] && pass "card list names the readers ($ra, $rb)"   || fail "card list readers ($ra, $rb)"

# --- The ATR: a client allowing T=0 and T=1 comes first, then a T=0-only one (lpac, pySim). ---
"$flow" connect "$ra" t0t1 >"$work/c1" 2>&1
grep -q "^T=0 3B9B96801FC78059657569636" "$work/c1" \
  && pass "a T=0|T=1 client gets T=0 from the default ATR ($(cat "$work/c1"))" \
  || { fail "T=0|T=1 client on the default ATR"; cat "$work/c1"; }
"$flow" connect "$ra" t0 >"$work/c2" 2>&1 \
  && pass "then a T=0-only client connects too" || { fail "T=0-only client after a T=0|T=1 one"; cat "$work/c2"; }
"$flow" connect "$ra" t0t1 >/dev/null 2>&1 && "$flow" connect "$ra" t0 >/dev/null 2>&1 \
  && pass "and again, in the same order" || fail "T=0-only client, second round"
# The personality option: T=1 offered, and taken by a client that allows it.
"$flow" connect "$rb" t0t1 >"$work/c3" 2>&1
grep -q "^T=1 3B9B9680B1FE451FC780" "$work/c3" \
  && pass "a card made with --protocols t0,t1 offers T=1 ($(cat "$work/c3"))" \
  || { fail "--protocols t0,t1"; cat "$work/c3"; }

# --- One writer per card: an in-process command against a served card. ---
# Either it is refused, or what it did must survive the next change serve saves.
if "$sim" --state "$st" es10 --card "$a" nickname "$demo_iccid" in-process >"$work/o" 2>"$work/e"; then
  applied=1
else
  applied=0
  grep -q "is in use by process $serve_a (euicc-sim .*serve" "$work/e" \
    && grep -q -- "--reader '$ra'" "$work/e" \
    && [ "$(grep -cv '^==[0-9]*==' "$work/e")" -eq 1 ] \
    && pass "es10 --card on a served card is refused in one line naming serve and '$ra'" \
    || { fail "refusal line"; cat "$work/e"; }
fi
step "$sim" --state "$st" es10 --reader "$ra" set-default-dp smdp.example.com
"$sim" --state "$st" apdu --card "$a" 00A4040010A0000005591010FFFFFFFF8900000100 >"$work/o" 2>"$work/e" \
  && fail "apdu --card on a served card ran" || pass "apdu --card on a served card is refused"
"$sim" --state "$st" card show "$a" >"$work/show" 2>&1 && pass "card show reads a served card" \
  || fail "card show of a served card"

# --- A second serve on the same state directory. ---
mkdir -p "$work/other-slots"
if timeout 20 "$sim" --state "$st" serve --driver "unix:$work/other-slots" >"$work/o2" 2>"$work/e2"; then
  fail "a second serve on the state directory ran"
else
  grep -q "another serve already runs the cards of $st: process $serve_a" "$work/e2" \
    && pass "a second serve is refused, naming the first" || { fail "second serve message"; cat "$work/o2" "$work/e2"; }
fi
[ "$("$flow" eid "$ra")" = "$a" ] && pass "the first serve still answers" || fail "first serve after the second"

# --- card rm of a served card. ---
"$sim" --state "$st" card rm "$a" >"$work/o" 2>"$work/e" \
  && fail "card rm of a served card succeeded" \
  || { grep -q "process $serve_a" "$work/e" && pass "card rm of a served card is refused" \
         || { fail "card rm message"; cat "$work/e"; }; }
[ -f "$(image "$a")" ] && [ "$("$flow" eid "$ra")" = "$a" ] \
  && pass "the card stays, and answers" || fail "card after rm"
stop_serve
"$sim" --state "$st" card show "$a" >"$work/show"
grep -q '"default_dp_address": "smdp.example.com"' "$work/show" \
  && pass "the change made through the reader was saved" || { fail "PC/SC change lost"; cat "$work/show"; }
if [ "$applied" = 1 ]; then
  grep -q '"nickname": "in-process"' "$work/show" \
    && pass "the in-process change was kept" || fail "the in-process change was lost (lost update)"
fi

# --- A save that fails is logged, once per failed save, with its cause. ---
before=$(sha256sum "$(image "$a")" | cut -d' ' -f1)
: >"$work/serve.log"
unshare --mount --propagation private sh -c \
  'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' sh "$st" \
  "$sim" --state "$st" serve --driver "unix:$priv/slots" >>"$work/serve.log" 2>&1 &
serve_pid=$!
pids+=("$serve_pid")
step "$flow" wait-card "$ra" present 10000
for n in 1 2; do
  "$sim" es10 --reader "$ra" nickname "$demo_iccid" "ro-$n" >"$work/o" 2>&1
  grep -q "6581" "$work/o" && pass "change $n on a read-only state directory answers 6581" \
    || { fail "6581 on a read-only directory"; cat "$work/o"; }
done
[ "$(grep -c "^card $a: cannot save its image (.*Read-only file system.*); the change is rolled back" "$work/serve.log")" -eq 2 ] \
  && pass "serve logged each failed save in one line with its cause" \
  || { fail "failed-save log lines"; cat "$work/serve.log"; }
stop_serve
[ "$(sha256sum "$(image "$a")" | cut -d' ' -f1)" = "$before" ] && pass "the image is untouched" \
  || fail "image changed on a read-only directory"

# --- One damaged card of three: the two others are served; the damaged one never written. ---
c=$(new_card 3)
for damage in truncate flip; do
  victim=$a
  [ "$damage" = flip ] && victim=$c
  cp "$(image "$victim")" "$work/good"
  if [ "$damage" = truncate ]; then
    head -c 300 "$work/good" >"$(image "$victim")"
  else
    cp "$work/good" "$(image "$victim")"
    printf '\xff' | dd of="$(image "$victim")" bs=1 seek=100 conv=notrunc status=none
  fi
  damaged=$(sha256sum "$(image "$victim")" | cut -d' ' -f1)
  : >"$work/serve.log"
  start_serve "$st" --driver "unix:$priv/slots"
  step "$flow" wait-card "$r0" present 10000
  step "$flow" wait-card "$r1" present 10000
  healthy=$(for e in "$a" "$b" "$c"; do [ "$e" != "$victim" ] && echo "$e"; done | sort)
  got="$("$flow" eid "$r0") $("$flow" eid "$r1")"
  [ "$got" = "$(echo $healthy)" ] && pass "$damage: the two healthy cards answer in slots 0 and 1" \
    || fail "$damage: healthy cards ($got, wanted $(echo $healthy))"
  [ "$(grep -c "^card $victim not served: unreadable: .*$victim.card: \(truncated\|corrupt\) card image" "$work/serve.log")" -eq 1 ] \
    && pass "$damage: the damaged card is reported in one line" || { fail "$damage: report"; cat "$work/serve.log"; }
  step "$sim" es10 --reader "$r0" set-default-dp "after.$damage.example.com"
  stop_serve
  [ "$(sha256sum "$(image "$victim")" | cut -d' ' -f1)" = "$damaged" ] \
    && pass "$damage: the damaged image is never written" || fail "$damage: damaged image changed"
  "$sim" --state "$st" card list >"$work/list"
  grep -q "^$victim  unreadable" "$work/list" && pass "$damage: card list names it unreadable too" \
    || { fail "$damage: card list"; cat "$work/list"; }
  cp "$work/good" "$(image "$victim")"
done

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
