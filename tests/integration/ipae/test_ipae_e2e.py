#!/usr/bin/env python3
"""integration/ipae-e2e: a card with an IPAe, run by `euicc-sim serve`, managed end to end by
`euicc-sim eim serve`, with `euicc-sim smdp serve` for downloads; no pcscd (the IPA is in the
card). Every step is queued with `eim queue`, carried out by a poll that `ipae poll` asks the
running serve for, and checked in `eim status --json` (the eIM's own record: each item's state
and sends, each result's verdict against the card's certificate) and in `card show` (the
card's image).

Part 1, the lifecycle: AddInitialEim at the factory (`card new --eim-config`), IpaeActivation,
IpaEuiccData, a direct download (ES9+ from the card to the SM-DP+), update-eim (the eIM now
relays downloads), an indirect download, PSMOs (enable with rollback, listProfileInfo, getRAT,
disable, delete), eCOs (add eim-2, a package signed by eim-2, delete eim-2, listEim), and a
TS.48 profile when ../shared/reference is there. Notifications delivered and acknowledged,
every result verified, counters agreeing.

Part 2, crashes: for each k, a fresh card whose serve SIGKILLs itself right after its k-th
ESipa exchange (`serve --fault-kill-after-exchanges k`: the answer arrived, the card has not
acted on it), then serve again until the queue is empty; and the same with `eim serve`
SIGKILLed after its k-th request. Afterwards every package has run exactly once (a package
handed out again meets the card's replay check or the card's kept result), and the card and
the eIM agree.

usage: test_ipae_e2e.py EUICC_SIM SOURCE_ROOT REFERENCE_DIR
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sim, source_root, reference = sys.argv[1], sys.argv[2], sys.argv[3]
work = tempfile.mkdtemp(prefix="ipae-e2e-")
pki = os.path.join(work, "pki")
pki2 = os.path.join(work, "pki2")
db = os.path.join(work, "eim.db")
failures = 0
procs = []


def check(cond, label, detail=""):
    global failures
    if cond:
        print("ok   - " + label, flush=True)
    else:
        failures += 1
        print("FAIL - " + label, flush=True)
        if detail:
            print("    " + str(detail).replace("\n", "\n    ")[:3000], flush=True)


def sh(*args, state=None, may_fail=False):
    cmd = [sim] + (["--state", state] if state else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0 and not may_fail:
        raise SystemExit("FAIL - %s: exit %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout,
                                                       p.stderr))
    return p


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def luhn(digits):
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


class Proc:
    """A server of ours with its JSON log lines (--json) in a file."""

    def __init__(self, name, args):
        self.name, self.args, self.proc, self.starts = name, args, None, 0

    def start(self, extra=(), wait_for='"listening"'):
        self.starts += 1
        self.log = os.path.join(work, "%s-%d.log" % (self.name, self.starts))
        self.proc = subprocess.Popen([sim] + self.args + list(extra), stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        procs.append(self)
        if wait_for:
            self.wait_for(wait_for)

    def text(self):
        return open(self.log).read()

    def events(self):
        out = []
        for line in open(self.log):
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
        return out

    def wait_for(self, needle, count=1, seconds=120):
        for _ in range(seconds * 40):
            if self.text().count(needle) >= count:
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.025)
        if self.proc.poll() is not None and self.text().count(needle) >= count:
            return True
        raise SystemExit("FAIL - %s: no %s (%d):\n%s" % (self.name, needle, count,
                                                         self.text()[-4000:]))

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def eim_status(eid):
    p = sh("eim", "status", "--db", db, "--eid", eid, "--json", may_fail=True)
    return json.loads(p.stdout)


def queue(eid, *args):
    p = sh("eim", "queue", "--db", db, "--eid", eid, "--json", *args)
    return json.loads(p.stdout)["id"]


def item(status, ident):
    return next(i for i in status["queue"] if i["id"] == ident)


def card_show(state, eid):
    return json.loads(sh("card", "show", eid, state=state).stdout)


def poll(state, eid):
    """One cycle through the running serve's control socket: its report."""
    p = sh("ipae", "poll", "--card", eid, "--json", state=state, may_fail=True)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"ok": False, "error": p.stdout + p.stderr}


try:
    sh("pki", "init", pki, "--curve", "nist", "--seed", "7")
    sh("pki", "init", pki2, "--curve", "nist", "--seed", "8")  # eim-2's identity
    ci_pem = os.path.join(pki, "nist", "ci.pem")
    eim_port = free_port()
    fqdn = "localhost:%d" % eim_port

    def eim_config(name, *args, pki_dir=pki):
        path = os.path.join(work, name)
        sh("eim", "config", "--pki", pki_dir, "--fqdn", fqdn, "--protocol", "retrieve-https",
           "-o", path, *args)
        return path

    eim1 = eim_config("eim-1.der", "--eim-id", "eim-1", "--counter", "0", "--want-token")
    # update-eim: the same eIM, now relaying downloads (no counter, no token: an update
    # carries neither).
    eim1_indirect = eim_config("eim-1-indirect.der", "--eim-id", "eim-1", "--indirect-download")
    eim2 = eim_config("eim-2.der", "--eim-id", "eim-2", "--counter", "0", "--want-token",
                      pki_dir=pki2)

    # ---- the servers ----
    profiles = os.path.join(work, "profiles")
    os.mkdir(profiles)
    spec = json.load(open(os.path.join(source_root, "docs", "examples", "test-profile.json")))
    iccid_a = spec["iccid"]
    shutil.copy(os.path.join(source_root, "docs", "examples", "test-profile.json"),
                os.path.join(profiles, "builder-a.json"))
    iccid_b = iccid_a[:-3] + "02"
    iccid_b += luhn(iccid_b)
    spec["iccid"] = iccid_b
    json.dump(spec, open(os.path.join(profiles, "builder-b.json"), "w"))
    ts48 = os.path.join(reference, "profiles", "TS48v1_A.der")
    have_ts48 = os.path.exists(ts48)
    if have_ts48:
        shutil.copy(ts48, profiles)
    smdp = Proc("smdp", ["smdp", "serve", "--pki", pki, "--curve", "nist", "--profiles", profiles,
                         "--listen", "127.0.0.1:0", "--json"])
    smdp.start()
    smdp_address = next(e for e in smdp.events() if e.get("event") == "listening")["address"]
    eim = Proc("eim", ["eim", "serve", "--pki", pki, "--curve", "nist", "--eim-id", "eim-1",
                       "--eim", "eim-2=" + os.path.join(pki2, "nist", "eim.key.pem"), "--db", db,
                       "--listen", "127.0.0.1:%d" % eim_port, "--smdp-ca", ci_pem, "--ci-cert",
                       ci_pem, "--json"])
    eim.start()
    check(True, "smdp serve at %s and eim serve at %s" % (smdp_address, fqdn))

    # ================= part 1: the lifecycle =================
    st = os.path.join(work, "card")
    made = json.loads(sh("card", "new", "--personality", "iot", "--ipae", "--eim-config", eim1,
                         "--ipae-ca", ci_pem, "--ipae-poll-interval", "3600", "--pki", pki,
                         "--curve", "nist", "--no-profile", "--json", state=st).stdout)
    eid = made["eid"]
    check(made["ipae"]["supported"] and not made["ipae"]["active"]
          and made["eims"][0]["eim_id"] == "eim-1" and made["eims"][0].get("association_token") == 1,
          "card new --ipae --eim-config: AddInitialEim at the factory (token 1), IPAe not active",
          json.dumps({"ipae": made["ipae"], "eims": made["eims"]}))
    act = sh("es10", "--card", eid, "ipae-activation", "on", state=st).stdout
    check(act.startswith("BF4203800100"), "IpaeActivation: ok(0)", act)
    info2 = sh("es10", "--card", eid, "info2", state=st).stdout
    check("900101" in info2.splitlines()[0], "EUICCInfo2 reports ipaMode ipae(1)", info2[:300])

    first = queue(eid, "--euicc-data", "all")
    serve = Proc("serve", ["--state", st, "serve", "--no-reader", "--json"])
    serve.start(wait_for='"ipae-cycle"')  # the start-up poll
    cycle = next(e for e in serve.events() if e.get("event") == "ipae-cycle")
    check(cycle["ok"] and cycle["packages"] == 1, "serve: the start-up poll ran the IpaEuiccData "
          "request", cycle)
    s = eim_status(eid)
    check(item(s, first)["state"] == "done"
          and s["card"]["certificate"] == "ipaEuiccData (chain verified)"
          and s["associations"][0]["associationToken"] == 1
          and s["card"]["ipaCapabilities"] and s["card"]["deviceInfo"] and s["card"]["euiccInfo2"],
          "IpaEuiccData: the eIM learnt the certificate (chained to the CI), token 1, "
          "EUICCInfo2, ipaCapabilities, deviceInfo", json.dumps(s["card"]))

    def step(label, *queued, expect_packages=None):
        ids = [queue(eid, *q) for q in queued]
        r = poll(st, eid)
        check(r.get("ok") and (expect_packages is None or r["packages"] == expect_packages),
              label + ": the poll cycle", r)
        s = eim_status(eid)
        for i in ids:
            it = item(s, i)
            check(it["state"] == "done" and it["sends"] == 1,
                  "%s: item %d done, handed out once: %s" % (label, i, it["outcome"]), it)
        return s, [item(s, i) for i in ids]

    s, (direct,) = step("direct download of builder-a (ES9+ from the card)",
                        ["--download", "1$%s$builder-a" % smdp_address])
    res = [r for r in s["results"] if r["kind"] == "profileDownloadTriggerResult"]
    check(len(res) == 1 and res[0]["verdict"] == "verified" and iccid_a in res[0]["summary"],
          "its ProfileDownloadTriggerResult: installed, verified", res)
    check('"function":"handleNotification"' in smdp.text().replace(" ", "")
          or "handleNotification" in smdp.text(),
          "the install notification went to the SM-DP+ itself")

    s, (upd,) = step("update-eim: eim-1 relays downloads from now on",
                     ["--eco", "update-eim " + eim1_indirect])
    check("updateEimResult ok(0)" in upd["outcome"], "updateEimResult ok(0)", upd)

    s, (indirect,) = step("indirect download of builder-b (relayed by the eIM)",
                          ["--download", "1$%s$builder-b" % smdp_address, "--indirect"])
    dl = s["downloads"]
    check(len(dl) == 1 and dl[0]["state"] == "installed", "the relayed download is installed", dl)
    inst = [n for n in s["notifications"] if n["event"] == "install" and n["iccid"] == iccid_b]
    check(len(inst) == 1 and inst[0]["verdict"] == "verified" and inst[0]["forwarded"] == "yes",
          "its install notification: verified by the eIM, forwarded to the SM-DP+", inst)

    # Neither download enabled its profile (no immediate enable configured). The enable with
    # rollback displaces builder-a, so the card keeps a rollback context for it until a plain
    # enable replaces it (docs/sgp32.md); then builder-b can go.
    s, items = step("PSMOs", ["--psmo", "enable " + iccid_a],
                    ["--psmo", "enable %s rollback" % iccid_b],
                    ["--psmo", "list-profile-info", "--psmo", "get-rat"],
                    ["--psmo", "enable " + iccid_a], ["--psmo", "disable " + iccid_a],
                    ["--psmo", "delete " + iccid_b], expect_packages=6)
    for want, it in zip(["enableResult ok(0)", "enableResult ok(0)", "listProfileInfoResult",
                         "enableResult ok(0)", "disableResult ok(0)", "deleteResult ok(0)"],
                        items):
        check(want in it["outcome"] and "[verified]" in it["outcome"], "PSMO result: " + want,
              it["outcome"])
    check("getRATResult" in items[2]["outcome"], "getRATResult", items[2]["outcome"])
    shown = card_show(st, eid)
    check([p["iccid"] for p in shown["profiles"]] == [iccid_a]
          and shown["profiles"][0]["state"] == "disabled",
          "the card: builder-b deleted, builder-a disabled", shown["profiles"])

    s, (add,) = step("add-eim eim-2", ["--eco", "add-eim " + eim2])
    a2 = [a for a in s["associations"] if a["eimId"] == "eim-2"]
    check("addEimResult" in add["outcome"] and a2 and a2[0]["associationToken"] is not None,
          "the eIM learnt eim-2's association token from addEimResult", s["associations"])
    ids = [queue(eid, "--eim-id", "eim-2", "--psmo", "enable " + iccid_a)]
    r = poll(st, eid)
    check(r.get("ok") and r["eims"] == 2, "the IPAe polls both eIMs now", r)
    s = eim_status(eid)
    it = item(s, ids[0])
    check(it["state"] == "done" and "enableResult ok(0)" in it["outcome"]
          and "[verified]" in it["outcome"], "a package signed by eim-2: run, verified", it)
    s, (dele,) = step("delete-eim eim-2, list-eim", ["--eco", "delete-eim eim-2", "--eco",
                                                     "list-eim"])
    check("deleteEimResult ok(0)" in dele["outcome"] and "eim-2" not in
          dele["outcome"].split("listEimResult")[-1], "eim-2 deleted; listEim names eim-1 only",
          dele["outcome"])
    shown = card_show(st, eid)
    check([e["eim_id"] for e in shown["eims"]] == ["eim-1"], "the card keeps eim-1 only",
          shown["eims"])

    if have_ts48:
        s, (ts,) = step("indirect download of TS48v1_A",
                        ["--download", "1$%s$TS48v1_A" % smdp_address, "--indirect"])
        check(s["downloads"][-1]["state"] == "installed", "TS.48 profile installed",
              s["downloads"][-1])
    else:
        print("ok   - # SKIP TS.48 download: %s is absent" % ts48)

    # ---- where part 1 ended ----
    s = eim_status(eid)
    check(all(i["state"] == "done" and i["sends"] == 1 for i in s["queue"]),
          "every queued item done, each handed out once",
          [(i["id"], i["state"], i["sends"], i["outcome"]) for i in s["queue"]])
    bad = [r for r in s["results"] if r["kind"] in ("euiccPackageResult",
                                                    "profileDownloadTriggerResult")
           and r["verdict"] != "verified"]
    check(not bad, "every result verified with the card's certificate", bad)
    check(all(r["deliveries"] == 1 for r in s["results"]), "each result delivered once")
    check(s["notifications"] and all(n["verdict"] == "verified" for n in s["notifications"]),
          "%d notifications, each verified" % len(s["notifications"]),
          [(n["event"], n["verdict"]) for n in s["notifications"]])
    shown = card_show(st, eid)
    check(shown["notifications"] == [] and shown["package_results"] == [],
          "the card holds no notification and no result (all acknowledged and removed)",
          {"n": shown["notifications"], "r": shown["package_results"]})
    check("in_flight" not in shown["ipae"], "nothing in flight", shown["ipae"])
    assoc = next(a for a in s["associations"] if a["eimId"] == "eim-1")
    check(shown["eims"][0]["counter_value"] == assoc["counter"],
          "the card's counter for eim-1 and the eIM's agree (%d)" % assoc["counter"],
          (shown["eims"][0], assoc))
    ex_lines = [e for e in serve.events() if e.get("event") == "ipae" and " -> " in e["line"]]
    cycles = [e for e in serve.events() if e.get("event") == "ipae-cycle"]
    check(len(ex_lines) == sum(c["exchanges"] for c in cycles),
          "serve logged one line per exchange (%d)" % len(ex_lines))
    serve.stop()

    # ================= part 2: crashes =================
    # A fresh card per run (its own state directory and EID) with the profile `card new`
    # preloads; the same eIM and database.
    demo = "89999000000000000007"

    def fresh(tag):
        state = os.path.join(work, "kill-" + tag)
        c = json.loads(sh("card", "new", "--personality", "iot", "--ipae", "--ipae-active",
                          "--eim-config", eim1, "--ipae-ca", ci_pem, "--ipae-backoff-min", "1",
                          "--ipae-backoff-max", "2", "--pki", pki, "--curve", "nist", "--json",
                          state=state).stdout)
        e = c["eid"]
        queue(e, "--euicc-data", "all")
        queue(e, "--psmo", "disable " + demo)
        queue(e, "--psmo", "enable " + demo, "--psmo", "get-rat")
        queue(e, "--eco", "list-eim")
        return state, e

    def settle(state, e, label):
        """serve until the card's queue is empty; then the verdict on exactly-once."""
        srv = Proc("serve-" + label, ["--state", state, "serve", "--no-reader", "--json"])
        srv.start(wait_for='"ipae-cycle"')
        for _ in range(6):
            if all(i["state"] == "done" for i in eim_status(e)["queue"]):
                break
            poll(state, e)
        srv.stop()
        s = eim_status(e)
        shown = card_show(state, e)
        items = s["queue"]
        pk = [i for i in items if i["kind"] == "euiccPackage"]
        res = [r for r in s["results"] if r["kind"] == "euiccPackageResult"]
        assoc = next(a for a in s["associations"] if a["eimId"] == "eim-1")
        problems = []
        if not all(i["state"] == "done" for i in items):
            problems.append("items: %s" % [(i["id"], i["state"], i["outcome"]) for i in items])
        if len(res) != 3 or not all(r["verdict"] == "verified" for r in res):
            problems.append("results: %s" % [(r["summary"], r["verdict"]) for r in res])
        if [i["counter"] for i in pk] != [1, 2, 3]:
            problems.append("counters: %s" % [i["counter"] for i in pk])
        if shown["eims"][0]["counter_value"] != 3 or assoc["counter"] != 3:
            problems.append("card counter %d, eIM %d" % (shown["eims"][0]["counter_value"],
                                                        assoc["counter"]))
        if shown["notifications"] or shown["package_results"] or "in_flight" in shown["ipae"]:
            problems.append("left on the card: %s %s %s" % (shown["notifications"],
                                                            shown["package_results"],
                                                            shown["ipae"].get("in_flight")))
        if shown["profiles"][0]["state"] != "enabled":
            problems.append("profile %s" % shown["profiles"][0]["state"])
        check(not problems, label + ": every package ran once, results verified once, the card "
              "and the eIM agree (counter 3, nothing left)", "; ".join(problems))

    # 1 + 1 (IpaEuiccData), 3 x 2 (packages and results), 1 (the last poll): 9 exchanges.
    for k in range(1, 10):
        state, e = fresh("serve-%d" % k)
        srv = Proc("serve-k%d" % k, ["--state", state, "serve", "--no-reader", "--json",
                                     "--fault-kill-after-exchanges", str(k)])
        srv.start(wait_for=None)
        srv.proc.wait(timeout=120)
        check(srv.proc.returncode == -signal.SIGKILL and '"fault"' in srv.text(),
              "serve SIGKILLed itself after exchange %d" % k, srv.text()[-600:])
        settle(state, e, "serve killed after exchange %d" % k)

    # eim serve SIGKILLed right after its k-th request of the card's (its log line is written
    # once the answer is committed); the IPAe meets a dead eIM, backs off, and retries once it
    # is back.
    for k in range(1, 10):
        state, e = fresh("eim-%d" % k)
        srv = Proc("serve-e%d" % k, ["--state", state, "serve", "--no-reader", "--json"])
        srv.start(wait_for=None)
        for _ in range(4000):
            if sum(1 for x in eim.events() if x.get("eid") == e) >= k or srv.proc.poll() is not None:
                break
            time.sleep(0.005)
        eim.kill()
        srv.wait_for('"ipae-cycle"')
        srv.stop()
        eim.start()
        settle(state, e, "eim serve killed after request %d" % k)
finally:
    for p in procs:
        try:
            p.stop()
        except Exception:
            pass
    if failures:
        print("# logs and state kept in " + work)
    else:
        shutil.rmtree(work, ignore_errors=True)

print("# %d failure(s)" % failures)
sys.exit(1 if failures else 0)
