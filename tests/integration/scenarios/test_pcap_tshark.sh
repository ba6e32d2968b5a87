#!/usr/bin/env bash
# Wireshark's own dissector reads the pcap sink (CONFORMANCE.md §3): `tshark -Y gsm_sim`
# decodes every APDU datagram of a run as GSM SIM, and the instructions it names are the
# ones sent. Skipped (77) where tshark is absent.
set -u
bin=${1:?usage: test_pcap_tshark.sh PATH/TO/euicc-sim SOURCE_ROOT}
root=${2:?usage: test_pcap_tshark.sh PATH/TO/euicc-sim SOURCE_ROOT}
command -v tshark >/dev/null || { echo "tshark not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg"
cd "$root" || exit 1
"$bin" --trace "pcap:$work/run.pcapng" run docs/examples/scenarios/recording.yaml --seed 1 \
  >"$work/out" || { cat "$work/out"; exit 1; }
"$bin" --trace "pcap:$work/apdu.pcapng,apdu-only" run docs/examples/scenarios/recording.yaml \
  --seed 1 >"$work/out" || { cat "$work/out"; exit 1; }
python3 - "$work/run.pcapng" "$work/apdu.pcapng" <<'PY'
import subprocess, sys
def fields(path, *f):
    args = ["tshark", "-r", path, "-Y", "gsm_sim", "-T", "fields"]
    for x in f:
        args += ["-e", x]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return [l.split("\t") for l in out.splitlines()]
def frames(path):
    out = subprocess.run(["tshark", "-r", path], capture_output=True, text=True, check=True).stdout
    return len(out.splitlines())
run, apdu = sys.argv[1], sys.argv[2]
# recording.yaml makes 37 datagrams: one ATR (the reset) and 36 APDUs, by `trace show`.
# Wireshark hands the ATR datagram to the same dissector (hence the APDU-only mode).
assert frames(run) == 37, frames(run)
sim = fields(apdu, "gsm_sim.apdu.ins")
ins = [r[0].lower() for r in sim]
# MANAGE CHANNEL, SELECT, GET RESPONSE and STORE DATA (0x70, 0xa4, 0xc0, 0xe2) as decoded.
for want in ("0x70", "0xa4", "0xc0", "0xe2"):
    assert any(i in (want, str(int(want, 16))) for i in ins), (want, sorted(set(ins)))
# APDU-only: the ATR datagram is left out, every APDU stays.
assert frames(apdu) == 36, frames(apdu)
assert len(sim) == 36, len(sim)
print("tshark decoded %d GSM SIM APDUs" % len(sim))
PY
