#!/usr/bin/env bash
# The enabled profile as a UICC through the whole PC/SC path (a private pcscd, our driver,
# `euicc-sim serve`), with every TS.48 reference profile enabled in turn (when
# ../shared/reference is there) and builder profiles that need nothing outside the repository:
# the docs/examples spec (MILENAGE) and a TUAK one. For each: SELECT MF, EF.ICCID equal to the
# profile's ICCID, ADF.USIM by the AID EF.DIR gives, EF.IMSI equal to the profile's IMSI, READ
# RECORD of a linear fixed file, UPDATE BINARY after the ADM key (and still there after a
# SIGKILL of serve), a wrong PIN2 counting down, AUTHENTICATE with a RAND/AUTN from the test's
# own side of the algorithm (the TS 34.108 test algorithm, pcsc_flow xor-aka) or from published
# vectors (TS 35.208 / TS 35.233 set 1, tests/data/crypto), and a replayed AUTN getting AUTS.
# Then disable, enable another profile, reset: the file system is the other profile's.
# Needs root; skips (77) otherwise.
set -u
sim=${1:?usage: test_naa.sh EUICC_SIM PCSC_FLOW EXAMPLE_SPEC TEST_DATA [REFERENCE]}
flow=${2:?}
example=${3:?}
data=${4:?}
reference=${5:-}
. "$(dirname "$0")/lib.sh"

reader="euicc-sim 00 00"
priv="$work/pcscd"
start_pcscd "$priv"

card_up() { start_serve "$1" --driver "unix:$priv/slots"; "$flow" wait-card "$reader" present 10000 >/dev/null; }
card_down() {  # card_down [SIGNAL]
  kill "-${1:-TERM}" "$serve_pid"; wait "$serve_pid" 2>/dev/null
  "$flow" wait-card "$reader" absent 5000 >/dev/null
}
# apdus APDU|reset...: the answers, one per line (data then status word), in $work/ans.
apdus() { "$flow" apdus "$reader" "$@" >"$work/ans" 2>&1; }
answer() { sed -n "${1}p" "$work/ans"; }
# expect DESCRIPTION ACTUAL PATTERN (an extended regular expression over the whole answer).
expect() {
  if [[ "$2" =~ ^$3$ ]]; then pass "$1"; else fail "$1: got '$2', expected /$3/"; fi
}
# vec FILE SECTION INDEX KEY: a value of tests/data/crypto/FILE, upper case.
vec() {
  awk -v sec="[$2]" -v idx="$3" -v key="$4" '
    /^\[/ { cur = $0; n = -1; inside = 0; next }
    /^#/ { next }
    /^[[:space:]]*$/ { inside = 0; next }
    { if (!inside) { inside = 1; n++ }
      if (cur == sec && n == idx) {
        k = substr($0, 1, index($0, "=") - 1); gsub(/ /, "", k)
        if (k == key) { v = substr($0, index($0, "=") + 1); gsub(/ /, "", v); print toupper(v); exit } } }
  ' "$data/crypto/$1"
}
swap() { local s=$1 o="" i; for ((i = 0; i < ${#s}; i += 2)); do o+=${s:i+1:1}${s:i:1}; done; echo "$o"; }
# EF.IMSI (TS 31.102 §4.2.2) to digits: length byte, then BCD low nibble first, the first
# nibble being the parity.
imsi_of() {
  local h=$1 len=$((16#${1:0:2})) d="" i b
  for ((i = 1; i <= len; i++)); do
    b=${h:2*i:2}
    if ((i == 1)); then d+=${b:0:1}; else d+=${b:1:1}${b:0:1}; fi
  done
  echo "${d%%F*}"
}
# inspect FILE KEY: a value of `profile inspect --show-secrets --json FILE`.
inspect_json() { "$sim" profile inspect --show-secrets --json "$1" >"$work/inspect.json" 2>&1; }
pin_value() {  # pin_value KEYREF SCOPE-PATTERN
  awk -v k="\"keyReference\": $1," -v s="$2" '
    index($0, k) { hit = 1; next }
    hit && /"scope"/ { if ($0 !~ s) hit = 0; next }
    hit && /"value"/ { v = $0; sub(/.*"value": "/, "", v); sub(/".*/, "", v); print v; exit }
    /}/ { hit = 0 }' "$work/inspect.json"
}

RAND=00112233445566778899AABBCCDDEEFF

# check_card LABEL PACKAGE AKA: the whole round on the card now in the reader, whose enabled
# profile is PACKAGE; AKA is xor (TS 34.108, K from the package), milenage or tuak (set 1).
check_card() {
  local label=$1 package=$2 aka=$3
  inspect_json "$package" || { fail "$label: profile inspect"; return; }
  local iccid imsi adm pin2 k
  iccid=$(sed -n 's/.*"iccid": "\([0-9]*\)".*/\1/p' "$work/inspect.json" | head -1)
  imsi=$(sed -n 's/.*"imsi": "\([0-9]*\)".*/\1/p' "$work/inspect.json" | head -1)
  adm=$(pin_value 10 MF)
  pin2=$(pin_value 129 .)
  k=$(sed -n 's/.*"k": "\([0-9A-F]*\)".*/\1/p' "$work/inspect.json" | head -1)

  # SELECT MF (P2 04, as pySim), EF.ICCID, EF.DIR's records.
  apdus 00A40004023F0000 00A4000C022FE2 00B000000A 00A4000C022F00 00B2010400 00B2020400 00B2030400
  expect "$label: SELECT MF answers an FCP" "$(answer 1)" '62.*8302 ?3F00.*9000'
  expect "$label: EF.ICCID holds the ICCID $iccid" "$(answer 3)" "$(swap "$iccid")9000"
  local usim="" r rec
  for r in 5 6 7; do
    rec=$(answer $r)
    [[ "$rec" =~ ^61..4F([0-9A-F]{2}) ]] || continue
    local aid=${rec:8:$((2 * 16#${BASH_REMATCH[1]}))}
    [[ "$aid" == A0000000871002* ]] && usim=$aid
  done
  expect "$label: READ RECORD of EF.DIR (linear fixed) names a USIM" "$usim" 'A0000000871002[0-9A-F]*'
  [ -n "$usim" ] || return
  local len
  printf -v len '%02X' $((${#usim} / 2))
  apdus "00A40404${len}${usim}00" 00A4000C026F07 00B0000009 00B0870009
  expect "$label: ADF.USIM by its AID" "$(answer 1)" "62.*84${len}${usim}.*9000"
  local ef_imsi
  ef_imsi=$(answer 3)
  ef_imsi=${ef_imsi%9000}
  expect "$label: EF.IMSI holds the IMSI $imsi" "$(imsi_of "$ef_imsi")" "$imsi"
  expect "$label: EF.IMSI by its SFI" "$(answer 4)" "${ef_imsi}9000"

  # UPDATE BINARY of EF.IMSI: ADM first; then a SIGKILL of serve; the new IMSI stays.
  local changed=${ef_imsi:0:16}$([ "${ef_imsi:16:2}" = 10 ] && echo 20 || echo 10)
  apdus "00A4040C${len}${usim}" 00A4000C026F07 "00D6000009${changed}" "0020000A08${adm}" "00D6000009${changed}" 00B0000009
  expect "$label: UPDATE BINARY of EF.IMSI without ADM: 6982" "$(answer 3)" 6982
  expect "$label: VERIFY ADM1" "$(answer 4)" 9000
  expect "$label: UPDATE BINARY of EF.IMSI with ADM" "$(answer 5)" 9000
  expect "$label: EF.IMSI reads back" "$(answer 6)" "${changed}9000"
  card_down KILL
  card_up "$st" || { fail "$label: restart after SIGKILL"; return; }
  apdus "00A4040C${len}${usim}" 00A4000C026F07 00B0000009 "0020000A08${adm}" "00D6000009${ef_imsi}"
  expect "$label: after SIGKILL of serve the update is there" "$(answer 3)" "${changed}9000"
  expect "$label: and is undone" "$(answer 5)" 9000

  # A wrong PIN2 counts down; the right one resets the counter.
  apdus "00A4040C${len}${usim}" 00200081 0020008108FFFFFFFFFFFFFFFF 0020008108FFFFFFFFFFFFFFFF "0020008108${pin2}" 00200081
  expect "$label: PIN2 tries left" "$(answer 2)" 63C3
  expect "$label: a wrong PIN2: 63C2" "$(answer 3)" 63C2
  expect "$label: again: 63C1" "$(answer 4)" 63C1
  expect "$label: the right PIN2" "$(answer 5)" 9000
  expect "$label: PIN2 verified" "$(answer 6)" 9000

  # AUTHENTICATE in the 3G context, then the same AUTN again.
  local autn expected
  case $aka in
    xor)
      local res ck ik ak
      read -r autn res ck ik ak < <("$flow" xor-aka "$k" "$RAND" 000000000020 8000 16)
      expected="DB10${res}10${ck}10${ik}(08[0-9A-F]{16})?9000"
      rand=$RAND
      ;;
    milenage)
      rand=$(vec milenage.vec autn 0 RAND); autn=$(vec milenage.vec autn 0 AUTN)
      expected="DB08$(vec milenage.vec milenage 0 f2)10$(vec milenage.vec milenage 0 f3)10$(vec milenage.vec milenage 0 f4)08$(vec milenage.vec gsm 0 Kc)9000"
      ;;
    tuak)
      rand=$(vec tuak.vec tuak 0 RAND)
      local sqn f5 x i
      sqn=$(vec tuak.vec tuak 0 SQN); f5=$(vec tuak.vec tuak 0 f5); x=""
      for ((i = 0; i < 12; i += 2)); do printf -v b '%02X' $((16#${sqn:i:2} ^ 16#${f5:i:2})); x+=$b; done
      autn=${x}$(vec tuak.vec tuak 0 AMF)$(vec tuak.vec tuak 0 f1)
      expected="DB04$(vec tuak.vec tuak 0 f2)10$(vec tuak.vec tuak 0 f3)10$(vec tuak.vec tuak 0 f4)(08[0-9A-F]{16})?9000"
      ;;
  esac
  apdus "00A4040C${len}${usim}" "008800812210${rand}10${autn}" "008800812210${rand}10${autn}"
  expect "$label: AUTHENTICATE ($aka) answers the expected RES, CK, IK" "$(answer 2)" "$expected"
  expect "$label: the replayed AUTN gets AUTS" "$(answer 3)" 'DC0E[0-9A-F]{28}9000'
  # The same through the command line tools.
  "$sim" fs --reader "$reader" cat ADF.USIM/6F07 >"$work/out" 2>&1 && grep -q "^${ef_imsi}\$" "$work/out" \
    && pass "$label: euicc-sim fs --reader cat ADF.USIM/6F07" || { fail "$label: fs cat"; cat "$work/out"; }
  "$sim" aka --reader "$reader" --rand "$rand" --autn "$autn" --json >"$work/out" 2>&1
  grep -q '"result":"sync-failure"' "$work/out" && pass "$label: euicc-sim aka --reader reports the sync failure" \
    || { fail "$label: aka --reader"; cat "$work/out"; }
}

# --- builder profiles: the example spec (MILENAGE, TS 35.208 set 1 K/OPc) with the widest SQN
# window (so set 1's SQN is fresh), and the same with TUAK (TS 35.233 set 1: 128-bit K, TOPc,
# algorithmOptions 00 = RES 32, MAC 64, CK/IK 128 bits).
sed 's/"algorithm": "milenage",/"algorithm": "milenage", "sqnDelta": "07FFFFFFFFFF",/' "$example" >"$work/milenage.json"
"$sim" profile build "$work/milenage.json" -o "$work/milenage.der" >/dev/null || fail "build the MILENAGE profile"
sed -e 's/"algorithm": "milenage",/"algorithm": "tuak", "sqnDelta": "07FFFFFFFFFF",/' \
    -e "s/\"k\": \"[0-9A-F]*\"/\"k\": \"$(vec tuak.vec tuak 0 K)\"/" \
    -e "s/\"opc\": \"[0-9A-F]*\"/\"opc\": \"$(vec tuak.vec tuak 0 TOPc)\"/" \
    -e 's/"iccid": "[0-9]*"/"iccid": "89001990000000000020"/' "$example" >"$work/tuak.json"
"$sim" profile build "$work/tuak.json" -o "$work/tuak.der" >/dev/null || fail "build the TUAK profile"

for p in milenage tuak; do
  st="$work/st-$p"
  iccid=$(sed -n 's/.*"iccid": "\([0-9]*\)".*/\1/p' "$work/$p.json")
  "$sim" --state "$st" card new --preload "$work/$p.der" --enable "$iccid" >/dev/null || { fail "card new $p"; continue; }
  card_up "$st" || { fail "$p: card not inserted"; continue; }
  check_card "builder $p" "$work/$p.der" "$p"
  card_down
done

# --- every TS.48 reference profile, enabled in turn (the TS 34.108 test algorithm).
if [ -d "$reference/profiles" ]; then
  for der in "$reference"/profiles/TS48*.der; do
    name=$(basename "$der" .der)
    st="$work/st-$name"
    "$sim" --state "$st" card new --preload "$der" --enable 89000123456789012341 >/dev/null \
      || { fail "card new $name"; continue; }
    card_up "$st" || { fail "$name: card not inserted"; continue; }
    check_card "$name" "$der" xor
    card_down
  done
else
  echo "skip - the TS.48 reference profiles (no $reference/profiles)"
fi

# --- disable, enable another profile, reset: the file system follows.
st="$work/st-switch"
"$sim" --state "$st" card new --preload "$work/milenage.der" --preload "$work/tuak.der" \
  --enable 89001990000000000012 >/dev/null || fail "card new with two profiles"
card_up "$st"
iccid_now() { apdus 00A4000C023F00 00A4000C022FE2 00B000000A; answer 3; }
expect "switch: the first profile's EF.ICCID" "$(iccid_now)" "$(swap 89001990000000000012)9000"
"$sim" es10 --reader "$reader" enable 89001990000000000020 >"$work/out" 2>&1 && grep -q "<enableResult>0<" "$work/out" \
  || { fail "switch: EnableProfile"; cat "$work/out"; }
expect "switch: enabled without refresh, still the first profile's files" "$(iccid_now)" "$(swap 89001990000000000012)9000"
apdus reset 00A4000C023F00 00A4000C022FE2 00B000000A
expect "switch: after a reset, the second profile's EF.ICCID" "$(answer 4)" "$(swap 89001990000000000020)9000"
"$sim" es10 --reader "$reader" disable 89001990000000000020 >"$work/out" 2>&1 && grep -q "<disableResult>0<" "$work/out" \
  || { fail "switch: DisableProfile"; cat "$work/out"; }
apdus reset 00A4000C023F00 00A4000C022FE2
expect "switch: no profile enabled: the MF alone" "$(answer 2)" 9000
expect "switch: and no EF.ICCID" "$(answer 3)" 6A82
"$sim" es10 --reader "$reader" enable 89001990000000000012 refresh >"$work/out" 2>&1 && grep -q "<enableResult>0<" "$work/out" \
  || { fail "switch: EnableProfile with refresh"; cat "$work/out"; }
expect "switch: enabled with refresh, at once the first profile's files" "$(iccid_now)" "$(swap 89001990000000000012)9000"
card_down

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
