#!/usr/bin/env python3
"""integration/eim-serve: `euicc-sim eim serve` over real HTTPS, driven by a small IPA written
here (ESipa requests built byte by byte below, the ES10 side through `euicc-sim es10 raw` on an
iot card of a state directory), with the eIM killed by SIGKILL between the ESipa exchanges.

What it checks, end to end: the IpaEuiccData exchange teaches the eIM the card's certificates
and association token; queued PSMOs and eCOs (from `eim queue` and from the admin API) run on
the card in order; every result reaches the eIM once, is verified with the card's
certificate and acknowledged, and the card forgets it; after a SIGKILL at each point of an
exchange nothing is lost and nothing runs twice: a package handed out before the kill goes
again with the same bytes, and when the card had already run it, its replay check refuses it
and the result the card kept closes the item. At the end the eIM's counter, the card's
counter and the number of packages agree.

usage: test_eim_serve.py EUICC_SIM
"""
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sim = sys.argv[1]
work = tempfile.mkdtemp(prefix="eim-serve-")
state = os.path.join(work, "st")
pki = os.path.join(work, "pki")
db = os.path.join(work, "eim.db")
failures = 0


def ok(label):
    print("ok   - " + label, flush=True)


def check(cond, label, detail=""):
    global failures
    if cond:
        ok(label)
    else:
        failures += 1
        print("FAIL - " + label, flush=True)
        if detail:
            print("    " + str(detail).replace("\n", "\n    "), flush=True)


def run(*args, may_fail=False):
    p = subprocess.run([sim, "--state", state] + list(args), capture_output=True, text=True)
    if p.returncode != 0 and not may_fail:
        raise SystemExit("FAIL - euicc-sim %s: %s%s" % (" ".join(args), p.stdout, p.stderr))
    return p.stdout


# ---- DER, written here ----

def tlv(tag, value):
    t = tag.to_bytes((tag.bit_length() + 7) // 8, "big")
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return t + length + value


def parse(data):
    """The TLVs of `data`, as (tag, value, whole) triples."""
    out, i = [], 0
    while i < len(data):
        start = i
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = (tag << 8) | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        n = data[i]
        i += 1
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i:i + k], "big")
            i += k
        out.append((tag, data[i:i + n], data[start:i + n]))
        i += n
    return out


def child(data, tag):
    for t, v, w in parse(data):
        if t == tag:
            return v, w
    return None, None


# ---- the card (ES10 through `euicc-sim es10 raw`) ----

def es10(hex_request):
    out = run("es10", "--card", eid, "--json", "raw", hex_request, may_fail=True)
    return bytes.fromhex(json.loads(out)["response"])


def card_counter():
    cfg = es10("BF5509A007800565696D2D31")  # GetEimConfigurationData { A0 { 80 "eim-1" } }
    entry = parse(parse(parse(cfg)[0][1])[0][1])[0][1]
    return int.from_bytes(child(entry, 0x83)[0], "big")


def notification_list():
    return parse(parse(es10("BF2B00"))[0][1])[0][2]  # BF2B { A0 { ... } } -> A0 { ... }


def kept_results():
    # BF2B { A2 { BF51 ... } }
    return [w for t, v, w in parse(parse(parse(es10("BF2B04A0028200"))[0][1])[0][1])]


def remove(seq):
    es10(tlv(0xBF30, tlv(0x80, seq)).hex())


# ---- the eIM ----

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Eim:
    def __init__(self):
        self.port = free_port()
        self.admin_port = free_port()
        self.proc = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.log = os.path.join(work, "serve-%d.log" % self.starts)
        self.proc = subprocess.Popen(
            [sim, "eim", "serve", "--pki", pki, "--eim-id", "eim-1", "--db", db,
             "--listen", "127.0.0.1:%d" % self.port, "--admin", "127.0.0.1:%d" % self.admin_port,
             "--json"], stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        for _ in range(400):
            if '"listening"' in open(self.log).read():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.025)
        raise SystemExit("FAIL - eim serve did not start:\n" + open(self.log).read())

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def lines(self):
        return [json.loads(l) for l in open(self.log) if l.startswith("{")]

    def esipa(self, body, headers=None):
        ctx = ssl.create_default_context(cafile=os.path.join(pki, "nist", "ci.pem"))
        c = http.client.HTTPSConnection("localhost", self.port, context=ctx, timeout=30)
        h = {"Content-Type": "application/x-gsma-rsp-asn1", "X-Admin-Protocol": "gsma/rsp/v2.1.0"}
        h.update(headers or {})
        c.request("POST", "/gsma/rsp2/asn1", body, h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def admin(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=30)
        c.request(method, path, json.dumps(body) if body is not None else None,
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        data = json.loads(r.read() or b"{}")
        c.close()
        return r.status, data


def status():
    return json.loads(subprocess.run([sim, "eim", "status", "--db", db, "--eid", eid, "--json"],
                                     capture_output=True, text=True).stdout)


# ---- the IPA ----

def poll(eim):
    code, body = eim.esipa(tlv(0xBF4F, tlv(0x5A, bytes.fromhex(eid))))
    assert code == 200, (code, body)
    inner = parse(parse(body)[0][1])[0]
    return None if inner[0] == 0x02 else inner[2]


def provide(eim, result, notifications=None):
    """ProvideEimPackageResult; the acknowledged sequence numbers, or None if the eIM is down."""
    payload = result if notifications is None else tlv(0x30, result + notifications)
    try:
        code, body = eim.esipa(tlv(0xBF50, tlv(0x5A, bytes.fromhex(eid)) + payload))
    except OSError:
        return None
    assert code == 200, (code, body)
    answer = parse(parse(body)[0][1])[0]
    if answer[0] == 0x30:
        return []
    assert answer[0] == 0xBF53, (body.hex(), payload.hex())
    return [v for t, v, w in parse(answer[1])]


def acknowledge(seqs):
    for s in seqs:
        remove(s)


try:
    subprocess.run([sim, "pki", "init", pki, "--curve", "both", "--seed", "7"], check=True,
                   capture_output=True)
    run("card", "new", "--personality", "iot", "--pki", pki, "--curve", "nist")
    eid = run("card", "list").split()[0]
    cfg = os.path.join(work, "eim-1.der")
    subprocess.run([sim, "eim", "config", "--pki", pki, "--eim-id", "eim-1", "--counter", "0",
                    "--want-token", "--fqdn", "localhost", "-o", cfg], check=True,
                   capture_output=True)
    run("ipa", "add-initial-eim", cfg, "--card", eid)
    demo = "89999000000000000007"

    eim = Eim()
    eim.start()
    ok("eim serve listens on 127.0.0.1:%d (admin %d)" % (eim.port, eim.admin_port))

    # ---- IpaEuiccData: certificates, EUICCInfo, association token ----
    out = subprocess.run([sim, "eim", "queue", "--db", db, "--eid", eid, "--euicc-data", "all",
                          "--json"], capture_output=True, text=True)
    check(out.returncode == 0, "eim queue --euicc-data all", out.stderr)
    request = poll(eim)
    check(request is not None and request[:2] == b"\xBF\x52", "GetEimPackage: IpaEuiccDataRequest")
    tx = child(parse(request)[0][1], 0x83)[0]
    certs = parse(parse(es10("BF5600"))[0][1])[0][1]  # A0 { A5, A6 } -> A5, A6
    token = child(parse(parse(parse(es10("BF5509A007800565696D2D31"))[0][1])[0][1])[0][1], 0x84)[1]
    data = (notification_list() + parse(parse(es10("BF2B04A0028200"))[0][1])[0][2] + es10("BF2000") +
            es10("BF2200") + token + certs + tlv(0x87, tx))
    acks = provide(eim, tlv(0xBF52, tlv(0xA0, data)))
    check(acks == [], "ProvideEimPackageResult(IpaEuiccData): nothing to acknowledge")
    s = status()
    check(s["card"]["certificate"] == "ipaEuiccData" and s["associations"][0]["associationToken"] == 1,
          "the eIM learnt the card's certificate and association token 1", json.dumps(s["card"]))

    # ---- packages, with the eIM killed at a different point of each exchange ----
    ops = [("psmo", "disable " + demo), ("psmo", "enable " + demo), ("psmo", "get-rat"),
           ("psmo", "disable " + demo), ("psmo", "list-profile-info"), ("eco", "list-eim"),
           ("psmo", "enable " + demo)]
    modes = ["clean", "kill-after-poll", "kill-after-provide", "ipa-lost-result",
             "kill-before-poll", "clean", "admin"]
    expected_counter = 0
    for (kind, op), mode in zip(ops, modes):
        label = "%s '%s'" % (mode, op)
        if mode == "admin":
            code, item = eim.admin("POST", "/eim/v1/queue", {"eid": eid, kind: [op]})
            check(code == 201 and item["state"] == "queued", label + ": queued through the admin API",
                  item)
        else:
            q = subprocess.run([sim, "eim", "queue", "--db", db, "--eid", eid, "--" + kind, op],
                               capture_output=True, text=True)
            check(q.returncode == 0, label + ": eim queue", q.stderr)
        if mode == "kill-before-poll":
            eim.kill()
            eim.start()
        package = poll(eim)
        expected_counter += 1
        if mode in ("kill-after-poll", "ipa-lost-result"):
            eim.kill()
        result = es10(package.hex())
        if mode == "ipa-lost-result":
            # The IPA dies too and forgets the result; after both restart the eIM hands out the
            # same bytes, the card refuses them, and the result it kept is delivered.
            eim.start()
            again = poll(eim)
            check(again == package, label + ": the same package bytes again after the restart")
            refused = es10(again.hex())
            check(parse(refused)[0][1][0] == 0xA1, label + ": the card refuses it (signed error)")
            check(provide(eim, refused) == [], label + ": replayError delivered, nothing to acknowledge")
            st = [i for i in status()["queue"] if i["kind"] == "euiccPackage"][-1]
            check(st["state"] == "replayed", label + ": the item is replayed", st)
            for kept in kept_results():
                acknowledge(provide(eim, kept))
            continue
        notifications = notification_list()
        acks = provide(eim, result, notifications)
        if mode == "kill-after-poll":
            check(acks is None, label + ": the result cannot be delivered while the eIM is down")
            eim.start()
            acks = provide(eim, result, notifications)
        if mode == "kill-after-provide":
            eim.kill()
            eim.start()
            # The IPA did not see the acknowledgement: it delivers the result again.
            again = provide(eim, result, notifications)
            check(again == acks, label + ": the same acknowledgement for the re-delivered result")
        check(acks is not None and len(acks) >= 1, label + ": acknowledged", acks)
        acknowledge(acks)

    # ---- where everything ended ----
    eim.kill()
    eim.start()
    s = status()
    items = s["queue"]
    packages = [i for i in items if i["kind"] == "euiccPackage"]
    check(len(packages) == len(ops) and all(i["state"] == "done" for i in items),
          "every queued item is done", json.dumps([(i["id"], i["state"], i["outcome"]) for i in items]))
    check([i["counter"] for i in packages] == list(range(1, len(ops) + 1)),
          "counters 1..%d, one per package, in queue order" % len(ops))
    check(card_counter() == len(ops) and s["associations"][0]["counter"] == len(ops),
          "the card's counter and the eIM's are both %d" % len(ops))
    results = [r for r in s["results"] if r["kind"] == "euiccPackageResult"]
    check(all(r["verdict"] == "verified" for r in results), "every result verified",
          json.dumps([(r["summary"], r["verdict"]) for r in results]))
    signed = [r for r in results if r["form"] == "euiccPackageResultSigned"]
    check(len(signed) == len(ops), "one signed result per package, each recorded once",
          json.dumps([r["summary"] for r in results]))
    check(sum(1 for r in results if r["deliveries"] == 2) == 1,
          "the re-delivered result is one record with two deliveries")
    check(kept_results() == [], "the card holds no package result any more (all acknowledged)")
    profiles = run("es10", "--card", eid, "profiles", "iccid=" + demo, "tags=9F70")
    check("<profileState>1</profileState>" in profiles,
          "the profile the packages disabled and enabled twice is enabled", profiles[:400])
    check(all(l.get("http") == 200 for e in range(1, eim.starts + 1)
              for l in [json.loads(x) for x in open(os.path.join(work, "serve-%d.log" % e))
                        if x.startswith('{"time"') and '"admin"' not in x]),
          "every ESipa request answered 200, one log line each")
    eim.stop()
finally:
    try:
        eim.stop()
    except NameError:
        pass
    shutil.rmtree(work, ignore_errors=True)

print("# %d failure(s)" % failures)
sys.exit(1 if failures else 0)
