#!/usr/bin/env bash
# Runs the euicc-sim binary as a user would: first run, card management, APDUs and scripts,
# damaged images, exit statuses.
set -u
bin=${1:?usage: test_cli.sh PATH/TO/euicc-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg"
failures=0
pass() { echo "ok   - $1"; }
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
# expect STATUS DESCRIPTION -- command...
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" -eq "$want" ]; then pass "$what"; else
    fail "$what (exit $got, wanted $want)"; sed 's/^/    /' "$work/out" "$work/err"; fi
}
contains() {  # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3 (no '$2')"; sed 's/^/    /' "$1"; fi
}
# Lines a sanitizer runtime adds ("==PID==WARNING: ...") are not the program's words.
one_line() {
  if [ "$(grep -cv '^==[0-9]*==' "$work/err")" -eq 1 ]; then pass "$1 is one line"; else
    fail "$1 is one line"; sed 's/^/    /' "$work/err"; fi
}

# First run: a default card appears in the XDG data directory and works. (With no
# subcommand, as root, euicc-sim serves until Ctrl-C: tests/integration/pcsc covers that.)
expect 0 "first run creates and shows a default card" -- "$bin" demo
contains "$work/out" "created now: first run" "first run says it created the card"
contains "$work/out" "GetEID" "first run shows GetEID"
eid=$(ls "$XDG_DATA_HOME/euicc-sim" | sed -n 's/^\([0-9]\{32\}\)\.card$/\1/p')
[ -n "$eid" ] && pass "default card image named by EID" || fail "default card image named by EID"
expect 0 "second run reuses the card" -- "$bin" demo --json
contains "$work/out" "\"created\": false" "second run --json reports no new card"
contains "$work/out" "\"eid\": \"$eid\"" "second run uses the same EID"

# card new / list / show / rm with an explicit state directory.
st="$work/state"
expect 0 "card new with a seed" -- "$bin" --state "$st" card new --seed 4 --eid-prefix 89049032 --json
contains "$work/out" "\"eid\": \"89049032" "seeded card has the prefix"
seeded=$(sed -n 's/.*"eid": "\([0-9]*\)".*/\1/p' "$work/out")
rm -rf "$work/state2"
"$bin" --state "$work/state2" card new --seed 4 --eid-prefix 89049032 --json >"$work/out2"
contains "$work/out2" "\"eid\": \"$seeded\"" "the same seed gives the same EID"
expect 0 "card new with a given EID" -- "$bin" --state "$st" card new --eid 89049032123451234512345678901235
expect 1 "the same EID twice is refused" -- "$bin" --state "$st" card new --eid 89049032123451234512345678901235
contains "$work/err" "already exists" "refusal names the reason"
expect 2 "a bad EID is a usage error" -- "$bin" --state "$st" card new --eid 89049032123451234512345678901234
contains "$work/err" "check digits" "usage error names the check digits"
one_line "usage error"
expect 0 "card list" -- "$bin" --state "$st" card list
contains "$work/out" "89049032123451234512345678901235" "list shows the card"
expect 0 "card list --json" -- "$bin" --state "$st" card list --json
contains "$work/out" "\"personality\": \"sgp22\"" "list --json shows the personality"
expect 0 "card show" -- "$bin" --state "$st" card show 89049032123451234512345678901235
contains "$work/out" "\"isd_r_aid\": \"A0000005591010FFFFFFFF8900000100\"" "show prints the image as JSON"
expect 2 "apdu without --card among several cards" -- "$bin" --state "$st" apdu 00A4040000

# APDUs and scripts.
card=89049032123451234512345678901235
expect 0 "apdu sends and prints" -- "$bin" --state "$st" apdu --card $card --protocol t1 \
  00A4040C10A0000005591010FFFFFFFF8900000100 80E2910006BF3E035C015A00
contains "$work/out" "BF3E125A1089049032123451234512345678901235 9000" "GetEID over apdu"
cat >"$work/ok.apdu" <<'SCRIPT'
# select the ISD-R, ask for the EID as lpac does (T=0: 61xx, then GET RESPONSE with CLA 80)
0070000001 -> 01 9000
01A4040010A0000005591010FFFFFFFF8900000100 -> 61..
81E2910006BF3E035C015A -> 6115
81C0000015 -> BF3E 12 5A 10 89049032 * 9000
reset
01A4040C10A0000005591010FFFFFFFF8900000100 -> 6881
SCRIPT
expect 0 "a matching script passes" -- "$bin" --state "$st" apdu --card $card --script "$work/ok.apdu"
contains "$work/out" "[4] > 81C0000015" "script steps are printed"
printf '00A4040C10A0000005591010FFFFFFFF8900000100 -> 9000\n80CA005A00 -> 9000\n00A4040000 -> 9000\n' >"$work/bad.apdu"
expect 1 "a mismatching script fails" -- "$bin" --state "$st" apdu --card $card --script "$work/bad.apdu"
contains "$work/out" "MISMATCH" "the mismatch is shown"
contains "$work/out" "line 2" "the mismatch names its line"
if grep -qF "[3]" "$work/out"; then fail "script stops at the first mismatch"; else pass "script stops at the first mismatch"; fi
printf '00A4 -> 9000\n' >"$work/syntax.apdu"
expect 2 "a script with a syntax error is a usage error" -- "$bin" --state "$st" apdu --card $card --script "$work/syntax.apdu"
contains "$work/err" "line 1" "the syntax error names its line"
expect 0 "apdu --json" -- "$bin" --state "$st" apdu --card $card --json 00A4040C10A0000005591010FFFFFFFF8900000100
contains "$work/out" "\"sw\": \"9000\"" "apdu --json gives the status word"
expect 0 "trace as JSON lines" -- "$bin" --state "$st" --trace "$work/trace.jsonl" --trace-format jsonl \
  apdu --card $card 00A4040C10A0000005591010FFFFFFFF8900000100
contains "$work/trace.jsonl" "\"c\":\"00A4040C10A0000005591010FFFFFFFF8900000100\",\"r\":\"9000\"" "trace records the APDU"
expect 2 "hex that is not hex" -- "$bin" --state "$st" apdu --card $card 00A4GG00

# lpac's stdio backend, played from lpac's side through the real binary.
printf '%s\n' \
  '{"type":"apdu","payload":{"func":"connect","param":null}}' \
  '{"type":"apdu","payload":{"func":"logic_channel_open","param":"A0000005591010FFFFFFFF8900000100"}}' \
  '{"type":"lpa","payload":{"code":0}}' \
  '{"type":"apdu","payload":{"func":"transmit","param":"81E2910006BF3E035C015A"}}' \
  '{"type":"apdu","payload":{"func":"transmit","param":"81C0000015"}}' \
  'not json' \
  '{"type":"apdu","payload":{"func":"logic_channel_close","param":"01"}}' \
  '{"type":"apdu","payload":{"func":"disconnect","param":null}}' >"$work/stdio.in"
expect 0 "stdio backend session" -- "$bin" --state "$st" stdio --card $card <"$work/stdio.in"
[ "$(wc -l <"$work/out")" -eq 7 ] && pass "stdio answers every request line" || fail "stdio answers every request line"
contains "$work/out" '{"type":"apdu","payload":{"ecode":1}}' "stdio opens channel 1"
contains "$work/out" '"data":"6115"' "stdio transmit answers 6115"
contains "$work/out" '"data":"BF3E125A1089049032123451234512345678901235' "stdio GET RESPONSE carries the EID"
contains "$work/out" '{"type":"apdu","payload":{"ecode":-1}}' "stdio answers a bad line with ecode -1"
contains "$work/err" '"type":"lpa"' "stdio passes lpac's own lines to stderr"

# Damaged images are refused with one line, and listed as unreadable.
img="$st/$card.card"
cp "$img" "$work/good.card"
head -c 20 "$work/good.card" >"$img"
expect 1 "a truncated image is refused" -- "$bin" --state "$st" card show $card
contains "$work/err" "truncated" "the refusal says truncated"
one_line "the refusal"
expect 0 "card list still works with a damaged image" -- "$bin" --state "$st" card list
contains "$work/out" "unreadable" "the damaged image is listed as unreadable"
cp "$work/good.card" "$img"
printf '\x07' | dd of="$img" bs=1 seek=9 conv=notrunc status=none
expect 1 "a newer image version is refused" -- "$bin" --state "$st" card show $card
contains "$work/err" "newer than this euicc-sim" "the refusal says newer"
cp "$work/good.card" "$img"
expect 0 "card rm" -- "$bin" --state "$st" card rm $card
expect 1 "card show of a removed card" -- "$bin" --state "$st" card show $card

# serve refuses a bad address before creating or starting anything.
expect 2 "serve with a bad --driver is a usage error" -- "$bin" --state "$work/nostate" serve --driver bogus
[ ! -e "$work/nostate" ] && pass "nothing was created for it" || fail "nothing was created for it"
expect 2 "serve with a bad --vpcd is a usage error" -- "$bin" --state "$work/nostate" serve --vpcd nohostport

# Profile packages: build one from the documented example, validate, inspect, install.
spec="$(dirname "$0")/../../docs/examples/test-profile.json"
expect 0 "profile build from the documented example" -- "$bin" profile build "$spec" -o "$work/p.der"
contains "$work/out" "ICCID 89001990000000000012" "profile build reports the ICCID"
expect 0 "profile validate accepts it" -- "$bin" profile validate "$work/p.der"
expect 0 "profile inspect --json --tree" -- "$bin" profile inspect "$work/p.der" --json --tree
contains "$work/out" "\"imsi\": \"001010123456789\"" "inspect reads the IMSI from EF.IMSI"
contains "$work/out" "\"fid\": \"6F07\"" "inspect --tree lists EF.IMSI"
if grep -q "465B5CE8B199B49FAA5F0A2EE238A6BC" "$work/out"; then fail "inspect hides K"; else pass "inspect hides K"; fi
expect 0 "profile inspect --show-secrets" -- "$bin" profile inspect "$work/p.der" --show-secrets
contains "$work/out" "465B5CE8B199B49FAA5F0A2EE238A6BC" "--show-secrets prints K"
head -c 5000 "$work/p.der" >"$work/cut.der"
expect 1 "profile validate refuses a truncated package" -- "$bin" profile validate "$work/cut.der"
contains "$work/err" "ends inside a PE" "the refusal says why"
expect 1 "profile validate --json on a bad package" -- "$bin" profile validate "$work/cut.der" --json
contains "$work/out" "\"valid\":false" "--json says invalid"
printf '{"iccid": "89001990000000000012", "imsi": "0010", "k": "465B5CE8B199B49FAA5F0A2EE238A6BC", "opc": "CD63CB71954A9F4E48A5994E37A02BAF"}' >"$work/bad.json"
expect 2 "profile build names the bad field" -- "$bin" profile build "$work/bad.json" -o "$work/x.der"
contains "$work/err" "imsi" "the error names imsi"
expect 0 "card new --profile installs the package" -- "$bin" --state "$work/pst" card new --profile "$work/p.der" --json
contains "$work/out" "\"iccid\": \"89001990000000000012\"" "the card lists the profile"
pe_eid=$(sed -n 's/.*"eid": "\([0-9]*\)".*/\1/p' "$work/out")
expect 0 "the profile survives a reload of the image" -- "$bin" --state "$work/pst" card show "$pe_eid"
contains "$work/out" "\"imsi\": \"001010123456789\"" "the reloaded profile has its IMSI"
expect 2 "card new refuses a duplicate ICCID" -- "$bin" --state "$work/pst" card new --profile "$work/p.der" --profile "$work/p.der"
contains "$work/err" "already installed" "the refusal names the duplicate"

# Factory preload with metadata and personality, then ES10 in-process with `es10 --card`.
sed 's/"iccid": "89001990000000000012"/"iccid": "89001990000000000020"/; s/"imsi": "001010123456789"/"imsi": "001010123456780"/' \
  "$spec" >"$work/p2.json"
"$bin" profile build "$work/p2.json" -o "$work/p2.der" >/dev/null
es="$work/es10st"
expect 0 "card new --preload with metadata, personality and --enable" -- "$bin" --state "$es" card new \
  --eid 89049032123451234512345678901235 --svn 2.4.0 --firmware-version 1.2.3 --sas SAS-1 --quirk cat-busy \
  --preload "$work/p.der" --profile-name "Lab" --spn "Lab SP" --class test --notify smdp.example.com --ppr ppr2 \
  --preload "$work/p2.der" --profile-name "Other" --spn "Other SP" --class operational --notify none --ppr none \
  --enable 89001990000000000020 --json
contains "$work/out" "\"profile_name\": \"Lab\"" "the metadata is in the image"
contains "$work/out" "\"quirks\": [
    \"cat-busy\"" "the quirk is in the image"
ec() { "$bin" --state "$es" es10 --card 89049032123451234512345678901235 "$@"; }
expect 0 "es10 profiles (in-process)" -- ec profiles
contains "$work/out" "<profileName>Lab</profileName>" "profileName from --profile-name"
contains "$work/out" "<serviceProviderName>Other SP</serviceProviderName>" "serviceProviderName from --spn"
contains "$work/out" "<profilePolicyRules>" "PPRs from --ppr"
expect 0 "es10 info2 reports the personality" -- ec info2
contains "$work/out" "<svn>02 04 00</svn>" "svn from --svn"
contains "$work/out" "<euiccFirmwareVer>01 02 03</euiccFirmwareVer>" "firmware version"
contains "$work/out" "<sasAcreditationNumber>SAS-1</sasAcreditationNumber>" "SAS number"
expect 1 "es10 enable with the cat-busy quirk: the card said no" -- ec enable 89001990000000000012
contains "$work/out" "<enableResult>5</enableResult>" "catBusy"
contains "$work/err" "enableResult catBusy(5)" "the refusal by name and number"
one_line "the refusal"
expect 0 "es10 --json" -- ec --json eid
contains "$work/out" "\"response\":\"BF3E125A1089049032123451234512345678901235\"" "es10 --json has the response"
contains "$work/out" "\"answer\":{\"eidValue\":\"89049032123451234512345678901235\"}" "es10 --json decodes the answer"
contains "$work/out" "\"ok\":true" "es10 --json says ok"
# README: `es10 ... delete ICCID && echo deleted` prints only when the card deleted it. The
# enabled profile is refused with profileNotInDisabledState(2) (SGP.22 §5.7.19).
expect 1 "es10 delete of the enabled profile exits 1" -- ec delete 89001990000000000020
contains "$work/err" "deleteResult profileNotInDisabledState(2)" "the refusal names the result"
expect 1 "es10 --json delete of the enabled profile" -- ec --json delete 89001990000000000020
contains "$work/out" '"answer":{"deleteResult":"profileNotInDisabledState"}' "--json answer by name"
contains "$work/out" '"result":{"field":"deleteResult","name":"profileNotInDisabledState","value":2}' "--json result by name and value"
contains "$work/out" '"ok":false' "--json says not ok"
[ -s "$work/err" ] && fail "--json refusal writes nothing to stderr" || pass "--json refusal writes nothing to stderr"
expect 0 "es10 --json profiles by name" -- ec --json profiles iccid=89001990000000000020
contains "$work/out" '"profileState":"enabled"' "profileState by name"
contains "$work/out" '"profileClass":"operational"' "profileClass by name"
contains "$work/out" '"iccid":"98009109000000000002"' "the ICCID as its octets"
expect 0 "es10 retrieve of an unknown sequence number: an empty list is no refusal" -- ec --json retrieve 9999
contains "$work/out" '"answer":{"notificationList":[]}' "the empty list"
expect 1 "es10 delete under PPR2: disallowedByPolicy" -- ec delete 89001990000000000012
contains "$work/err" "deleteResult disallowedByPolicy(3)" "the refusal names the result"
expect 0 "es10 nickname: ok(0) exits 0" -- ec --json nickname 89001990000000000020 lab
contains "$work/out" '"result":{"field":"setNicknameResult","name":"ok","value":0}' "ok by name and value"
expect 2 "es10 names a bad argument" -- ec enable 1234
expect 2 "es10 refuses an unknown function" -- ec frobnicate
expect 2 "--enable must name a preloaded ICCID" -- "$bin" --state "$work/es2" card new --preload "$work/p.der" --enable 89001990000000000020
contains "$work/err" "no preloaded profile has ICCID" "the refusal names the ICCID"
expect 2 "per-profile options come once per --preload" -- "$bin" --state "$work/es2" card new \
  --preload "$work/p.der" --preload "$work/p2.der" --class test
contains "$work/err" "once per --preload" "the refusal explains the rule"
expect 2 "a bad --svn" -- "$bin" --state "$work/es2" card new --svn 2.x
expect 2 "an unknown quirk" -- "$bin" --state "$work/es2" card new --quirk nope
expect 0 "card new --personality iot" -- "$bin" --state "$work/iot" card new --personality iot \
  --no-profile --eid 89049032123451234512345678901235 --json
contains "$work/out" "\"personality\": \"iot\"" "the iot personality is in the image"
contains "$work/out" "\"eims\"" "an iot card shows its eIM configuration"
expect 0 "es10 info2 on an iot card" -- "$bin" --state "$work/iot" es10 --card 89049032123451234512345678901235 info2
contains "$work/out" "<svn>02 05 00</svn>" "an SGP.22 reader understands the IoT EUICCInfo2"
expect 0 "es10 eim-config on an iot card with no eIM" -- "$bin" --state "$work/iot" es10 \
  --card 89049032123451234512345678901235 eim-config
contains "$work/out" "BF5502A000" "an empty eIM list (A0 with no entry)"
expect 0 "es10 certs on an iot card" -- "$bin" --state "$work/iot" es10 \
  --card 89049032123451234512345678901235 certs
contains "$work/out" "<eumCertificate>" "GetCerts gives the EUM certificate"
contains "$work/out" "<euiccCertificate>" "and the eUICC certificate"
expect 2 "es10 certs with a PKID that is not hex" -- "$bin" --state "$work/iot" es10 \
  --card 89049032123451234512345678901235 certs xyz
expect 2 "an unknown personality" -- "$bin" --state "$work/es2" card new --personality nope

# Test PKIs: `pki init` (docs/pki.md), and cards issued from any EUM.
hex_of() { od -An -tx1 -v "$1" | tr -d ' \n' | tr a-f A-F; }
pk="$work/pki"
expect 0 "pki init, both curves" -- "$bin" pki init "$pk" --curve both --seed 3
missing="" badmode=""
for c in nist brainpool; do
  for f in ci.der ci.pem ci.key.pem eum.der eum.key.pem dp-auth.der dp-auth.key.pem dp-pb.der \
           dp-pb.key.pem dp-tls.der dp-tls.key.pem dp-tls.chain.pem eim.der eim.key.pem; do
    [ -s "$pk/$c/$f" ] || missing="$missing $c/$f"
  done
  for k in "$pk/$c"/*.key.pem; do [ "$(stat -c %a "$k")" = 600 ] || badmode="$badmode $k"; done
done
[ -z "$missing" ] && pass "pki init writes every file of both curves" || fail "pki init is missing:$missing"
[ -z "$badmode" ] && pass "pki init keys are mode 0600" || fail "keys not 0600:$badmode"
[ "$(wc -l <"$work/out")" -eq 28 ] && pass "pki init prints one line per file" || fail "pki init prints one line per file"
if grep -q "PRIVATE KEY" "$work/out"; then fail "pki init prints no key"; else pass "pki init prints no key"; fi
if ls -a "$pk"/* | grep -q '\.tmp'; then fail "pki init leaves no temporary file"; else pass "pki init leaves no temporary file"; fi
expect 1 "pki init refuses a non-empty directory" -- "$bin" pki init "$pk"
contains "$work/err" "not empty" "the refusal says not empty"
one_line "the refusal"
expect 0 "pki init --force --json over it" -- "$bin" pki init "$pk" --force --curve nist --seed 3 --json
contains "$work/out" "\"role\": \"eim-certificate\"" "--json lists the eIM certificate"
contains "$work/out" "\"mode\": \"0600\"" "--json gives key modes"
"$bin" pki init "$work/pki-nist" --curve nist --seed 3 >/dev/null
cmp -s "$pk/nist/dp-pb.der" "$work/pki-nist/nist/dp-pb.der" && pass "a seed repeats a curve's PKI" || fail "a seed repeats a curve's PKI"
expect 2 "pki init with a bad --eum-prefix" -- "$bin" pki init "$work/pki-bad" --eum-prefix 12
expect 2 "pki init with a bad --smdp-oid" -- "$bin" pki init "$work/pki-bad" --smdp-oid 2.x
if command -v openssl >/dev/null; then
  x509() { openssl x509 -inform der -in "$1" -noout -ext "$2" 2>/dev/null; }
  x509 "$pk/nist/dp-auth.der" certificatePolicies | grep -q "2.23.146.1.2.1.4" && pass "openssl: DPauth has id-rspRole-dp-auth" || fail "openssl: DPauth has id-rspRole-dp-auth"
  x509 "$pk/brainpool/dp-pb.der" certificatePolicies | grep -q "2.23.146.1.2.1.5" && pass "openssl: DPpb has id-rspRole-dp-pb" || fail "openssl: DPpb has id-rspRole-dp-pb"
  x509 "$pk/nist/eum.der" nameConstraints | grep -q "serialNumber *= *89" && pass "openssl: the EUM has nameConstraints" || fail "openssl: the EUM has nameConstraints"
  x509 "$pk/nist/eim.der" subjectAltName | grep -q "Registered ID:2.999.20" && pass "openssl: the eIM certificate has its registeredID" || fail "openssl: the eIM certificate has its registeredID"
  x509 "$pk/nist/eim.der" keyUsage | grep -q "Digital Signature" && pass "openssl: the eIM certificate signs" || fail "openssl: the eIM certificate signs"
  openssl verify -CAfile "$pk/nist/ci.pem" "$pk/nist/dp-tls.chain.pem" >/dev/null 2>&1 && pass "openssl: the TLS chain verifies" || fail "openssl: the TLS chain verifies"
else
  echo "skip - openssl checks of the PKI (no openssl)"
fi

expect 0 "card new --pki, brainpool" -- "$bin" --state "$work/ist" card new --pki "$pk" --curve brainpool --json
contains "$work/out" "$(hex_of "$pk/brainpool/ci.der")" "the card trusts the PKI's brainpool CI"
contains "$work/out" "$(hex_of "$pk/brainpool/eum.der")" "the card carries the PKI's brainpool EUM"
"$bin" pki init "$work/pki-p" --curve nist --eum-prefix 89049032 >/dev/null
expect 0 "card new --pki with an EUM prefix" -- "$bin" --state "$work/ist" card new --pki "$work/pki-p" --json
contains "$work/out" "\"eid\": \"89049032" "the EID is derived from the EUM's prefix"
expect 2 "card new --eid outside the EUM's prefix" -- "$bin" --state "$work/ist" card new --pki "$work/pki-p" \
  --eid 89001012012341234012345678901224
contains "$work/err" "outside the EUM's permitted prefix 89049032" "the refusal names the prefix"
one_line "the refusal"
expect 1 "card new with an EUM and the wrong CI" -- "$bin" --state "$work/ist" card new \
  --eum-cert "$pk/nist/eum.der" --eum-key "$pk/nist/eum.key.pem" --ci-cert "$pk/brainpool/ci.der"
contains "$work/err" "which none of the given CI certificates has" "the refusal says the CI is missing"
one_line "the refusal"
expect 2 "card new --eum-cert without --ci-cert" -- "$bin" --state "$work/ist" card new \
  --eum-cert "$pk/nist/eum.der" --eum-key "$pk/nist/eum.key.pem"
expect 0 "card new with a user's EUM, a PEM CI and a second CI" -- "$bin" --state "$work/ist" card new \
  --eum-cert "$pk/nist/eum.der" --eum-key "$pk/nist/eum.key.pem" \
  --ci-cert "$pk/brainpool/ci.der" --ci-cert "$pk/nist/ci.pem"
contains "$work/out" "and 1 more" "the card trusts both CIs"
[ ! -e "$work/ist/pki" ] && pass "no state PKI is made for cards with their own issuer" || fail "no state PKI is made for cards with their own issuer"
expect 0 "card new in a fresh state directory" -- "$bin" --state "$work/fresh" card new
[ -s "$work/fresh/pki/nist/dp-auth.der" ] && [ -s "$work/fresh/pki/brainpool/eim.der" ] \
  && pass "a fresh state directory gets pki init's layout" || fail "a fresh state directory gets pki init's layout"
ref=${EUICCSIM_REFERENCE:-$(cd "$(dirname "$0")/../../.." && pwd)/shared/reference}
if [ -d "$ref/sgp26" ]; then
  s26="$ref/sgp26"
  expect 0 "card new from SGP.26's test EUM" -- "$bin" --state "$work/ist" card new --json \
    --eum-cert "$s26/CERT_EUM_ECDSA_NIST.der" --eum-key "$s26/SK_EUM_ECDSA_NIST.pem" \
    --ci-cert "$s26/CERT_CI_ECDSA_NIST.der"
  contains "$work/out" "\"eid\": \"89049032" "the SGP.26 card's EID starts 89049032"
  expect 1 "SGP.26's EUM with only the brainpool CI" -- "$bin" --state "$work/ist" card new \
    --eum-cert "$s26/CERT_EUM_ECDSA_NIST.der" --eum-key "$s26/SK_EUM_ECDSA_NIST.pem" \
    --ci-cert "$s26/CERT_CI_ECDSA_BRP.der"
  contains "$work/err" "F54172BDF98A95D65CBEB88A38A1C11D800A85C3" "the refusal names the EUM's CI key"
else
  echo "skip - SGP.26 EUM tests (no $ref/sgp26)"
fi

# SGP.32 eIM and IPAd tooling (docs/sgp32.md, "eIM and IPAd tooling").
ep="$work/eim-pki"
"$bin" pki init "$ep" --curve nist --seed 5 --json >"$work/pki.json"
ci_pkid=$(sed -n 's/.*"ci_pkid": "\([0-9A-F]*\)".*/\1/p' "$work/pki.json")
ieid=89049032123451234512345678901235
iccid=89999000000000000007
iccid_bcd=98990900000000000070
expect 0 "eim config from a test PKI (certificate, token wanted)" -- "$bin" eim config --pki "$ep" \
  --eim-id eim-1 --counter 0 --want-token --ci-pkid "$ci_pkid" -o "$work/eim-1.der"
contains "$work/out" "EimConfigurationData for eIM 'eim-1' with its certificate" "eim config says what it wrote"
hex_of "$work/eim-1.der" | grep -q '^3082....800565696D2D318301008401FFA582....A182' \
  && pass "the certificate form is A5 { A1 ... }, token -1 is 84 01 FF" || fail "the certificate form is A5 { A1 ... }"
expect 0 "eim config --key-only --hex" -- "$bin" eim config --cert "$ep/nist/eim.der" --eim-id eim-2 \
  --counter 5 --key-only --hex
contains "$work/out" "3067800565696D2D32830105A55BA059301306072A8648CE3D0201" "the key form is A5 { A0 SPKI }"
"$bin" eim config --pki "$ep" --eim-id eim-2 --counter 5 --key-only -o "$work/eim-2.der" >/dev/null
expect 2 "eim config needs --pki or --cert" -- "$bin" eim config --eim-id x -o "$work/x.der"
one_line "the refusal"
pkg() { "$bin" eim package --pki "$ep" --eim-id eim-1 --eid $ieid "$@"; }
expect 0 "eim package with every PSMO" -- pkg --counter 1 --association-token 1 -o "$work/psmo.der" \
  --psmo "enable $iccid rollback" --psmo "disable $iccid" --psmo "delete $iccid" \
  --psmo list-profile-info --psmo "list-profile-info iccid=$iccid tags=5A9F70" --psmo get-rat \
  --psmo "configure-immediate-enable flag smdp-oid=2.999.10 smdp-address=smdp.example.com" \
  --psmo "set-fallback-attribute $iccid" --psmo unset-fallback-attribute \
  --psmo "set-default-dp-address dp.example.com"
contains "$work/out" "10 PSMO(s)" "eim package counts the PSMOs"
psmo_hex=$(hex_of "$work/psmo.der")
case "$psmo_hex" in
  BF51*5A10${ieid}810101A0*A30E5A0A${iccid_bcd}0500A40C5A0A${iccid_bcd}A50C5A0A${iccid_bcd}BF2D00BF2D*A600A7*A80C5A0A${iccid_bcd}A900BF65*5F3740*)
    pass "the PSMOs are on the wire in the order given" ;;
  *) fail "the PSMOs are on the wire in the order given"; echo "    $psmo_hex" ;;
esac
expect 0 "eim package with every eCO (--hex)" -- pkg --counter 2 --hex --eco "add-eim $work/eim-2.der" \
  --eco "delete-eim eim-3" --eco "update-eim $work/eim-2.der" --eco list-eim
contains "$work/out" "A907800565696D2D33AA67800565696D2D32830105A55BA059" "the eCOs are A8, A9 { 80 id }, AA, AB"
expect 2 "a package of PSMOs and eCOs is refused" -- pkg --counter 3 --hex --psmo get-rat --eco list-eim
contains "$work/err" "never both" "the refusal says why"
one_line "the refusal"
expect 2 "a bad ICCID is refused" -- pkg --counter 3 --hex --psmo "enable 8999900000000000000"
contains "$work/err" "'8999900000000000000'" "the refusal names the ICCID"
one_line "the refusal"
expect 2 "an unknown PSMO is refused" -- pkg --counter 3 --hex --psmo "reboot"
contains "$work/err" "unknown PSMO 'reboot'" "the refusal names it"
expect 2 "a bad EID is refused" -- "$bin" eim package --pki "$ep" --eim-id eim-1 --counter 1 \
  --eid 89049032123451234512345678901234 --hex --psmo get-rat

ipa() { "$bin" --state "$work/ipa" ipa "$@"; }
expect 0 "card new --personality iot from the eIM's PKI" -- "$bin" --state "$work/ipa" card new \
  --personality iot --no-profile --eid $ieid --pki "$ep" --curve nist
expect 0 "ipa add-initial-eim (in-process)" -- ipa add-initial-eim --card $ieid "$work/eim-1.der" "$work/eim-2.der"
contains "$work/out" "eim-1: associationToken 1" "eim-1 gets a token"
contains "$work/out" "eim-2: addOk" "eim-2 is added without one"
expect 1 "ipa add-initial-eim a second time" -- ipa add-initial-eim --card $ieid --json "$work/eim-1.der"
contains "$work/out" '"error":"associatedEimAlreadyExists(2)"' "the error by name and number"
expect 0 "ipa eim-config" -- ipa eim-config --card $ieid
contains "$work/out" "eIM 'eim-1', counterValue 0, associationToken 1, key as certificate, euiccCiPKId $ci_pkid" "eim-1 as stored"
contains "$work/out" "eIM 'eim-2', counterValue 5, key as publicKey" "eim-2 as stored"
expect 0 "ipa eim-config EIM_ID --json" -- ipa eim-config --card $ieid --json eim-2
contains "$work/out" '"eims":[{"eimId":"eim-2"' "only the eIM named"
expect 0 "ipa certs -o DIR" -- ipa certs --card $ieid -o "$work/certs"
contains "$work/out" "serialNumber=$ieid" "the eUICC certificate names the EID"
[ -s "$work/certs/eum.der" ] && [ -s "$work/certs/euicc.der" ] && pass "ipa certs writes eum.der and euicc.der" \
  || fail "ipa certs writes eum.der and euicc.der"
cmp -s "$work/certs/eum.der" "$ep/nist/eum.der" && pass "eum.der is the PKI's EUM certificate" \
  || fail "eum.der is the PKI's EUM certificate"
expect 0 "ipa certs --ci-pkid of the card's CI" -- ipa certs --card $ieid --ci-pkid "$ci_pkid" --json
contains "$work/out" '"ok":true' "--json says ok"
expect 1 "ipa certs with an unknown CI" -- ipa certs --card $ieid --ci-pkid 0102
contains "$work/out" "getCertsError invalidCiPKId(1)" "the error by name and number"
expect 0 "ipa notifications with none" -- ipa notifications --card $ieid --json
contains "$work/out" '"notifications":[]' "--json lists none"
expect 1 "ipa notifications --remove of an unknown number" -- ipa notifications --card $ieid --remove 99
contains "$work/out" "remove 99: nothingToDelete(1)" "the result by name and number"
expect 1 "ipa load-package refuses what is not BF51" -- ipa load-package --card $ieid "$work/eim-1.der"
one_line "the refusal"
# The card (no profile) lists its eIMs for eim-1 and answers with a signed result.
pkg --counter 1 --association-token 1 -o "$work/list.der" --eco list-eim >/dev/null
expect 0 "ipa load-package (in-process)" -- ipa load-package --card $ieid "$work/list.der" -o "$work/list.result"
contains "$work/out" "listEimResult [eim-1, eim-2]" "the result lists both eIMs"
expect 0 "eim verify-result with the card's certificate" -- "$bin" eim verify-result "$work/list.result" \
  --card-cert "$work/certs/euicc.der" --association-token 1
contains "$work/out" "signature: verified" "the card's signature verifies"
expect 1 "eim verify-result with the wrong token" -- "$bin" eim verify-result "$work/list.result" \
  --card-cert "$work/certs/euicc.der" --association-token 2
expect 2 "eim verify-result with a --card-cert that is no certificate" -- "$bin" eim verify-result \
  "$work/list.result" --card-cert "$work/list.result" --association-token 1
contains "$work/err" "--card-cert: $work/list.result: not a DER or PEM X.509 certificate" \
  "the refusal names the option and the file"
one_line "the refusal"
expect 2 "eim verify-result with a --card-cert that cannot be read" -- "$bin" eim verify-result \
  "$work/list.result" --card-cert "$work/nowhere.der"
expect 1 "the same package again" -- ipa load-package --card $ieid --json "$work/list.der"
contains "$work/out" '"error":"replayError(4)"' "a replay, by name and number"
expect 0 "ipa notifications --package-results" -- ipa notifications --card $ieid --package-results --json
contains "$work/out" "$(hex_of "$work/list.result")" "the stored result is the one the card sent"
expect 0 "card show --json lists the stored package result" -- "$bin" --state "$work/ipa" card show --json
contains "$work/out" "$(hex_of "$work/list.result")" "card show has the result's DER"
contains "$work/out" '"ipa_mode": "ipad"' "card show has the IPA mode"
# The other SGP.32 ES10b functions by name (es10), answers checked byte for byte.
es10i() { "$bin" --state "$work/ipa" es10 --card $ieid "$@"; }
expect 1 "es10 rollback (refused)" -- es10i rollback
contains "$work/out" "BF5803020101" "rollbackNotAllowed(1) without a rollback context"
expect 1 "es10 configure-immediate-enable (refused)" -- es10i configure-immediate-enable flag smdp-oid=2.999.1
contains "$work/out" "BF5903800102" "associatedEimAlreadyExists(2) while an eIM is associated"
expect 1 "es10 emergency-enable (refused)" -- es10i emergency-enable refresh
contains "$work/out" "BF5B03800108" "ecallNotAvailable(8) without an Emergency Profile"
expect 1 "es10 fallback (refused)" -- es10i fallback
contains "$work/out" "BF5D03800106" "fallbackNotAvailable(6) without a Fallback Profile"
expect 1 "es10 connectivity (an error alternative)" -- es10i connectivity
contains "$work/out" "BF5F03810101" "parametersNotAvailable(1)"
expect 1 "es10 --json connectivity" -- es10i --json connectivity
contains "$work/out" '"result":{"field":"connectivityParametersError","name":"parametersNotAvailable","value":1}' "an error alternative by name and value"
expect 1 "es10 ipae-activation on: refused on a card without an IPAe" -- es10i ipae-activation on
contains "$work/out" "BF4203800101" "IpaeActivation notSupported(1): this card has no IPAe"
expect 0 "es10 info2 after it" -- es10i info2
contains "$work/out" "900100B4" "EUICCInfo2 still reports ipaMode ipad(0)"
expect 2 "es10 iot-reset with an unknown option" -- es10i iot-reset everything
one_line "the refusal"
expect 1 "ipa rollback without a rollback context" -- ipa rollback --card $ieid
contains "$work/out" "cmdResult rollbackNotAllowed(1)" "the result by name and number"

# eim verify-result on results built as a card builds them, signed with a key of the PKI
# standing in for the eUICC's (its certificate is the --card-cert).
if command -v openssl >/dev/null; then
  tlv() {  # tlv TAG HEX
    local n=$(( ${#2} / 2 ))
    if [ $n -lt 128 ]; then printf '%s%02X%s' "$1" $n "$2"
    elif [ $n -lt 256 ]; then printf '%s81%02X%s' "$1" $n "$2"
    else printf '%s82%04X%s' "$1" $n "$2"; fi
  }
  unhex() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
  raw_sign() {  # raw_sign HEX KEY -> r||s hex
    unhex "$1" >"$work/tbs.bin"
    openssl dgst -sha256 -sign "$2" -out "$work/sig.der" "$work/tbs.bin"
    openssl asn1parse -inform der -in "$work/sig.der" | sed -n 's/.*INTEGER *:\([0-9A-F]*\).*/\1/p' |
      while read -r x; do x=$(printf '%s' "$x" | sed 's/^0*//'); printf '%64s' "$x" | tr ' ' 0; done
  }
  eim1=$(printf 'eim-1' | od -An -tx1 -v | tr -d ' \n' | tr a-f A-F)
  results="$(tlv 83 00)$(tlv A8 "$(tlv 84 02)")$(tlv 02 03)"
  data=$(tlv 30 "$(tlv 80 "$eim1")$(tlv 81 01)$(tlv 83 04)$(tlv 30 "$results")")
  sig=$(raw_sign "${data}840101" "$ep/nist/dp-auth.key.pem")
  [ ${#sig} -eq 128 ] && pass "openssl gives a raw r||s of 64 bytes" || fail "openssl gives a raw r||s of 64 bytes"
  tlv BF51 "$(tlv A0 "$data$(tlv 5F37 "$sig")")" >"$work/result.hex"
  unhex "$(cat "$work/result.hex")" >"$work/result.der"
  cc="$ep/nist/dp-auth.der"
  expect 0 "eim verify-result of a signed result" -- "$bin" eim verify-result "$work/result.der" \
    --card-cert "$cc" --association-token 1
  contains "$work/out" "euiccPackageResultSigned from eIM 'eim-1', counterValue 1, seqNumber 4" "the header"
  contains "$work/out" "enableResult ok(0)" "enableResult by name and number"
  contains "$work/out" "addEimResult associationToken 2" "addEimResult's token"
  contains "$work/out" "processingTerminated interruption(3)" "processingTerminated by name"
  contains "$work/out" "signature: verified" "the signature verifies"
  expect 0 "eim verify-result of hex text, --json" -- "$bin" eim verify-result "$work/result.hex" \
    --card-cert "$cc" --association-token 1 --json
  contains "$work/out" '"verified":true' "--json says verified"
  expect 1 "eim verify-result without the token" -- "$bin" eim verify-result "$work/result.der" --card-cert "$cc"
  contains "$work/out" "signature: NOT verified" "not verified without the token"
  one_line "the failure"
  expect 1 "eim verify-result with another certificate" -- "$bin" eim verify-result "$work/result.der" \
    --card-cert "$ep/nist/eum.der" --association-token 1
  data2=$(tlv 30 "$(tlv 80 "$eim1")$(tlv 81 02)$(tlv 83 04)$(tlv 30 "$results")")
  tlv BF51 "$(tlv A0 "$data2$(tlv 5F37 "$sig")")" >"$work/tampered.hex"
  expect 1 "eim verify-result of an altered result" -- "$bin" eim verify-result "$work/tampered.hex" \
    --card-cert "$cc" --association-token 1
  edata=$(tlv 30 "$(tlv 80 "$eim1")$(tlv 81 01)$(tlv 02 04)")
  esig=$(raw_sign "${edata}840100" "$ep/nist/dp-auth.key.pem")
  tlv BF51 "$(tlv A1 "$edata$(tlv 5F37 "$esig")")" >"$work/error.hex"
  expect 0 "eim verify-result of a signed error (no token: 84 01 00)" -- "$bin" eim verify-result \
    "$work/error.hex" --card-cert "$cc"
  contains "$work/out" "error replayError(4)" "the error by name and number"
  tlv BF51 "$(tlv A2 "$(tlv 80 "$eim1")$(tlv 84 01)")" >"$work/unsigned.hex"
  expect 1 "eim verify-result of an unsigned error" -- "$bin" eim verify-result "$work/unsigned.hex" \
    --card-cert "$cc" --association-token 1
  contains "$work/out" "euiccPackageErrorUnsigned from eIM 'eim-1'" "the unsigned error is printed"
  contains "$work/out" "signature: unsigned" "and reported as unsigned"
  contains "$work/err" "carries no signature" "the reason"
  one_line "the reason"
else
  echo "skip - eim verify-result on constructed results (no openssl)"
fi

# Help and usage.
for sub in "" "card" "card new" "card list" "card show" "card rm" "apdu" "serve" "pcscd" "stdio" "demo" \
           "profile" "profile inspect" "profile validate" "profile build" "es10" "pki" "pki init" \
           "smdp" "smdp serve" "lpa" "lpa download" "lpa notifications" "lpa notifications process" \
           "eim" "eim config" "eim package" "eim verify-result" "ipa" "ipa add-initial-eim" \
           "ipa load-package" "ipa eim-config" "ipa certs" "ipa notifications" "ipa rollback"; do
  # shellcheck disable=SC2086
  expect 0 "--help for '$sub'" -- "$bin" $sub --help
  contains "$work/out" "Usage" "--help for '$sub' explains usage"
done
# Each group and leaf command shows examples of its own, never the top-level ones (CLI11
# hands a parent's footer to a subcommand that sets none).
for sub in "card" "card new" "apdu" "es10" "profile" "profile inspect" "profile validate" "profile build" \
           "pki" "smdp" "smdp serve" "lpa" "lpa download" "lpa notifications" "lpa notifications process" \
           "eim" "eim serve" "eim queue" "eim status" "ipa" "ipa rollback"; do
  # shellcheck disable=SC2086
  "$bin" $sub --help >"$work/out" 2>&1
  if grep -q "the same card, shown working in-process" "$work/out"; then
    fail "$sub --help shows the top-level examples"
  else
    pass "$sub --help has no top-level examples"
  fi
  contains "$work/out" "euicc-sim $sub " "$sub --help has an example of '$sub'"
done
"$bin" es10 --help >"$work/out" 2>&1
contains "$work/out" "preloaded-test provisioning eims immediate-enable" "the es10 table keeps the iot-reset line whole"
contains "$work/out" "ipae-activation on|off" "the es10 table lists the functions after iot-reset"
"$bin" --help >"$work/out" 2>&1
contains "$work/out" "--trace FILE" "--trace shows FILE"
for sub in "apdu" "es10" "pki init" "smdp serve" "lpa download" "eim config" "eim package" \
           "eim verify-result" "ipa" "ipa add-initial-eim" "ipa load-package" "ipa certs" "ipa rollback"; do
  # shellcheck disable=SC2086
  "$bin" $sub --help >"$work/out" 2>&1
  contains "$work/out" "Example" "$sub --help has an example"
done
# The SM-DP+ and the LPA role refuse bad options in one line (docs/download.md; the downloads
# themselves run in tests/integration/pcsc/test_download.sh).
mkdir -p "$work/no-profiles"
expect 2 "smdp serve without a PKI" -- "$bin" smdp serve --pki "$work/nowhere" --profiles "$work/no-profiles"
contains "$work/err" "nowhere" "the refusal names the PKI"
one_line "the refusal"
expect 2 "smdp serve with no profile" -- "$bin" smdp serve --pki "$pk" --curve nist --profiles "$work/no-profiles"
contains "$work/err" "holds no .der or .json profile package" "the refusal says what is missing"
expect 2 "smdp serve with a bad --listen" -- "$bin" smdp serve --pki "$pk" --profiles "$work" --listen 127.0.0.1:x
expect 2 "smdp serve with a confirmation code for no profile" -- "$bin" smdp serve --pki "$pk" \
  --profiles "$work/pki-nist" --confirmation-code nope=1234
# A TLS key of another certificate, or a file that is no certificate, is a bad option (2),
# refused before anything listens (timeout: a server that started would fail with 124).
expect 2 "smdp serve with a TLS key of another certificate" -- timeout 20 "$bin" smdp serve \
  --pki "$pk" --profiles "$work/pki-nist" --listen 127.0.0.1:0 --tls-cert "$pk/nist/dp-tls.der" \
  --tls-key "$pk/nist/eim.key.pem"
contains "$work/err" "--tls-cert/--tls-key: $pk/nist/eim.key.pem is not the key of" "the refusal names both"
one_line "the refusal"
expect 2 "smdp serve with a --tls-cert that is no certificate" -- timeout 20 "$bin" smdp serve \
  --pki "$pk" --profiles "$work/pki-nist" --listen 127.0.0.1:0 --tls-cert "$pk/nist/dp-tls.key.pem"
expect 2 "eim serve with a TLS key of another certificate" -- timeout 20 "$bin" eim serve \
  --pki "$pk" --eim-id eim-tls --db "$work/tls.db" --listen 127.0.0.1:0 \
  --tls-cert "$pk/nist/dp-tls.der" --tls-key "$pk/nist/eim.key.pem"
contains "$work/err" "is not the key of" "the eIM's refusal says why"
expect 2 "eim serve with a --ci-cert that is no certificate" -- timeout 20 "$bin" eim serve \
  --pki "$pk" --eim-id eim-tls --db "$work/tls.db" --listen 127.0.0.1:0 \
  --ci-cert "$pk/nist/ci.key.pem"
"$bin" --state "$work/lpa" card new --pki "$pk" --curve nist >/dev/null
expect 1 "lpa download from an SM-DP+ that is not there" -- "$bin" --state "$work/lpa" lpa download \
  --smdp localhost:1 --matching-id X --insecure-tls
contains "$work/err" "cannot connect" "the failure says why"
expect 2 "lpa download with a bad activation code" -- "$bin" --state "$work/lpa" lpa download \
  --activation-code 'LPA:1$only'
expect 2 "lpa download with --ca and --insecure-tls" -- "$bin" --state "$work/lpa" lpa download \
  --smdp localhost:1 --matching-id X --insecure-tls --ca "$pk/nist/ci.pem"
expect 0 "lpa notifications process with none pending" -- "$bin" --state "$work/lpa" lpa notifications \
  process --json
contains "$work/out" '"notifications":[]' "--json lists none"
# The IPAe (docs/ipae.md): a card made with one, its factory eIM, status, a poll with no eIM
# listening (exit 1, one line per exchange), and serve --no-reader answering `ipae poll`
# through its control socket. The eIM end to end lives with `eim serve`'s tests.
ip="$work/ipae"
"$bin" eim config --pki "$pk" --eim-id eim-1 --fqdn localhost:1 --counter 0 --want-token \
  --protocol retrieve-https -o "$work/eim-1.der" >/dev/null
expect 2 "--ipae needs the iot personality" -- "$bin" --state "$ip" card new --ipae --pki "$pk"
contains "$work/err" "an IPAe needs --personality iot" "the refusal says why"
expect 2 "--ipae-* options need --ipae" -- "$bin" --state "$ip" card new --personality iot \
  --ipae-poll-interval 5 --pki "$pk"
expect 2 "a bad TAC" -- "$bin" --state "$ip" card new --personality iot --ipae --ipae-tac 12 \
  --pki "$pk"
expect 0 "card new --ipae --ipae-active --eim-config" -- "$bin" --state "$ip" card new \
  --personality iot --ipae --ipae-active --eim-config "$work/eim-1.der" --ipae-ca "$pk/nist/ci.pem" \
  --ipae-poll-interval 600 --pki "$pk" --no-profile --json
contains "$work/out" '"active": true' "the image says the IPAe is active"
contains "$work/out" '"eim_id": "eim-1"' "the factory associated the eIM"
ipae_card=$(sed -n 's/^  "eid": "\([0-9]*\)".*/\1/p' "$work/out")
expect 1 "the same eIM configuration twice is refused, no card left" -- "$bin" --state "$ip" card \
  new --personality iot --ipae --eim-config "$work/eim-1.der" --eim-config "$work/eim-1.der" \
  --pki "$pk" --no-profile
contains "$work/err" "addInitialEimError commandError(7)" "the refusal names the code"
[ "$(ls "$ip" | grep -c '\.card$')" -eq 1 ] && pass "the refused card was removed" \
  || fail "the refused card was removed"
expect 0 "ipae status" -- "$bin" --state "$ip" ipae status --card "$ipae_card"
contains "$work/out" "IPAe active" "status says active"
contains "$work/out" "eIM eim-1 at localhost:1" "status names the eIM"
expect 1 "ipae poll with no eIM listening" -- "$bin" --state "$ip" ipae poll --card "$ipae_card"
contains "$work/out" "GetEimPackage https://localhost:1/gsma/rsp2/asn1 -> cannot connect" \
  "one line for the exchange"
contains "$work/out" "poll cycle failed" "the cycle's outcome"
expect 0 "ipae status --json after it" -- "$bin" --state "$ip" ipae status --card "$ipae_card" --json
contains "$work/out" '"failed_cycles": 1' "the failed cycle is in the image"
"$bin" --state "$ip" serve --no-reader --ipae-ca "$pk/nist/ci.pem" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 50); do [ -S "$ip/.serve-control" ] && break; sleep 0.1; done
expect 1 "ipae poll through serve's control socket" -- "$bin" --state "$ip" ipae poll \
  --card "$ipae_card" --json
contains "$work/out" '"error":"eim-1: GetEimPackage: cannot connect' "serve's cycle report"
kill "$serve_pid"; wait "$serve_pid" 2>/dev/null
contains "$work/serve.log" "card $ipae_card: GetEimPackage https://localhost:1" "serve logs the exchange"
[ ! -e "$ip/.serve-control" ] && pass "serve removes its control socket" \
  || fail "serve removes its control socket"

expect 2 "an unknown option" -- "$bin" --bogus
expect 2 "an unknown card subcommand" -- "$bin" card frobnicate

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
