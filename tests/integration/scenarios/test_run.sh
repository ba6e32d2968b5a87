#!/usr/bin/env bash
# `euicc-sim run` as a user and a CI job run it: the worked examples of docs/scenarios.md
# exactly as written there (from the repository root), exit statuses, a deliberately broken
# expectation, the JUnit and JSON-lines reports, seeded traces byte for byte, and the
# reserved IPAe step.
set -u
bin=${1:?usage: test_run.sh PATH/TO/euicc-sim SOURCE_ROOT}
root=${2:?usage: test_run.sh PATH/TO/euicc-sim SOURCE_ROOT}
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
ex=docs/examples/scenarios
cd "$root" || exit 1

# The three worked examples, as docs/scenarios.md runs them.
expect 0 "example 1: a lab lifecycle on three cards" -- "$bin" run $ex/lab-lifecycle.yaml -v
contains "$work/out" "PASS  lab-lifecycle" "example 1 passes"
contains "$work/out" "1 passed, 0 failed, 0 inconclusive, 0 skipped" "example 1 summary"
expect 0 "example 2: result codes, a corrupted signature, a lost answer" -- \
  "$bin" run $ex/conformance-error-codes.yaml --junit "$work/report.xml"
python3 - "$work/report.xml" <<'PY' && pass "example 2 writes a JUnit report with one passed case" || fail "example 2's JUnit report"
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
assert t.tag == "testsuites" and t.get("tests") == "1" and t.get("failures") == "0", t.attrib
case = t.find("testsuite/testcase")
assert case.get("name") == "TC_example.EnableProfile_ErrorCodes", case.attrib
assert case.find("failure") is None and case.find("error") is None
PY
expect 0 "example 3: a replay of a pcap with masks" -- "$bin" run $ex/replay-pcap.yaml -v
contains "$work/out" "37 exchanges, 36 compared, 36 matched" "example 3 compares every answer"
# Without the masks the capture differs at the EID, which the summary names.
expect 1 "a capture replayed with no masks" -- "$bin" run $ex/recorded.pcapng
contains "$work/out" "first difference at frame 6: BF3E/5A is" "the first difference is the EID"
# The capture is what recording.yaml makes, byte for byte (the pcap sink is deterministic).
expect 0 "recording.yaml remakes the capture" -- \
  "$bin" --trace "pcap:$work/again.pcapng" run $ex/recording.yaml --seed 1
if cmp -s "$work/again.pcapng" $ex/recorded.pcapng; then pass "the same capture, byte for byte"
else fail "recording.yaml no longer makes recorded.pcapng"; fi

# A deliberately broken expectation: exit 1, the step, the expectation and the answer named.
sed 's/expect: {result: profileNotInDisabledState}/expect: {result: ok}/' \
  $ex/conformance-error-codes.yaml >"$work/broken.yaml"
expect 1 "a broken expectation fails" -- "$bin" run "$work/broken.yaml" --junit "$work/broken.xml"
contains "$work/out" "FAIL  TC_example.EnableProfile_ErrorCodes" "the failing case is named"
contains "$work/out" "step 2 (line 27, es10 enable 89999000000000000007)" "the failing step is named"
contains "$work/out" "expected result ok, got profileNotInDisabledState (answer BF3103800102)" \
  "the expectation and the answer are named"
python3 - "$work/broken.xml" <<'PY' && pass "the JUnit report holds the failure" || fail "the JUnit failure"
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1]).getroot()
f = t.find("testsuite/testcase/failure")
assert t.get("failures") == "1" and f is not None, ET.tostring(t)
assert "profileNotInDisabledState" in (f.get("message", "") + (f.text or ""))
PY
# JSON lines: one object per case on stdout, the summary on stderr.
expect 1 "--jsonl" -- "$bin" run "$work/broken.yaml" $ex/lab-lifecycle.yaml --jsonl
python3 - "$work/out" <<'PY' && pass "--jsonl gives one verdict per case" || fail "--jsonl"
import json, sys
cases = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert [c["verdict"] for c in cases] == ["Fail", "Pass"], cases
PY

# Usage errors: exit 2, one line.
expect 2 "run with no file" -- "$bin" run
expect 2 "run with a missing file" -- "$bin" run "$work/none.yaml"
contains "$work/err" "none.yaml: no such file" "the missing file is named"
# A file that does not load is Inconclusive in its place, naming its line; the others run.
printf 'format: 1\nid: x\nsteps:\n  - {bogus: 1}\n' >"$work/bad.yaml"
expect 1 "a malformed scenario" -- "$bin" run "$work/bad.yaml" $ex/lab-lifecycle.yaml
contains "$work/out" "bad.yaml:4: a step needs one action" "the malformed step's line is named"
contains "$work/out" "1 passed, 0 failed, 1 inconclusive" "the other file still runs"
# ipae_wait on a card made without an IPAe cannot run: Inconclusive, and it says why.
printf 'format: 1\nid: w\ncards: [{name: A, personality: iot}]\nsteps:\n  - ipae_wait: {event: package}\n' >"$work/wait.yaml"
expect 1 "ipae_wait without an IPAe is Inconclusive" -- "$bin" run "$work/wait.yaml"
contains "$work/out" "card A has no IPAe" "ipae_wait says why"

# Seeds: the same seed gives the same bytes; another seed other bytes, the same verdicts.
for n in a b; do
  expect 0 "seeded run $n" -- "$bin" --trace "pcap:$work/$n.pcapng" run $ex/conformance-error-codes.yaml --seed 5
done
expect 0 "the same seed, the same trace" -- "$bin" trace diff "$work/a.pcapng" "$work/b.pcapng"
expect 0 "another seed, the same verdict" -- \
  "$bin" --trace "pcap:$work/c.pcapng" run $ex/conformance-error-codes.yaml --seed 6
expect 1 "another seed, another trace" -- "$bin" trace diff "$work/a.pcapng" "$work/c.pcapng"
contains "$work/out" "datagram" "trace diff names the first difference"
for n in a c; do "$bin" --trace "$work/$n.jsonl" --trace-format jsonl run \
  $ex/conformance-error-codes.yaml --seed "$([ $n = a ] && echo 5 || echo 6)" >/dev/null; done
python3 - "$work/a.jsonl" "$work/c.jsonl" <<'PY' && pass "another seed gives another eUICC challenge" || fail "challenges by seed"
import json, sys
def challenges(path):
    out = []
    for line in open(path):
        e = json.loads(line)
        r = e.get("r", "")
        if isinstance(r, str) and r.upper().startswith("BF2E128010"):
            out.append(r[10:42])
    return out
a, c = challenges(sys.argv[1]), challenges(sys.argv[2])
assert a and c and a != c, (a, c)
PY

echo "$failures failure(s)"
[ "$failures" -eq 0 ]
