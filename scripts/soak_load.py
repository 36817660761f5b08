#!/usr/bin/env python3
"""Load generator of scripts/soak.sh (spec/security.md §Soak). Standard library only.

Runs three kinds of work together against a running issuer (another process) for a bounded time:
  issue   POST /v1/vaccinations as a facility: a new person's first dose (its answer carries
          the person's retrieval code), then that person's second dose;
  holder  POST /v1/holder/certificates with a known person's national id, birth date and code;
  verify  every VERIFY_EVERY seconds: fetch the published trust list, revocation list and anchor,
          then run `vaxcert-verify --json -` on the latest issued passes (one process per batch);
          the verifier's own verdict must be VALID.
Every REPORT_EVERY seconds it prints one line per interval (throughput, p50/p99 per kind,
errors, the server's VmRSS from /proc/PID/status) and at the end a summary; everything is
also written as JSON to --out.
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

KINDS = ("issue", "holder", "verify")


def percentile(values, p):
    """Nearest-rank percentile, rounded to 0.1 ms."""
    if not values:
        return None
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return round(s[k], 1)


class Stats:
    """Counters per kind, per interval and in total. Latencies in milliseconds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.interval = {k: {"ok": 0, "err": 0, "lat": []} for k in KINDS}
        self.total = {k: {"ok": 0, "err": 0, "lat": []} for k in KINDS}
        self.errors = {}

    def record(self, kind, ok, ms, n=1, what=None):
        with self.lock:
            for bucket in (self.interval[kind], self.total[kind]):
                bucket["ok" if ok else "err"] += n
                bucket["lat"].append(ms)
            if not ok:
                key = f"{kind}: {what}"
                self.errors[key] = self.errors.get(key, 0) + n

    def take_interval(self):
        with self.lock:
            out = self.interval
            self.interval = {k: {"ok": 0, "err": 0, "lat": []} for k in KINDS}
            return out


class Client:
    """One keep-alive HTTP/1.1 connection (reconnects after an error)."""

    def __init__(self, host, port):
        self.host, self.port, self.conn = host, port, None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


class People:
    """Persons issued so far: (national id, birth date, retrieval code); shared by the workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.passes = []  # latest HC1 texts (bounded)

    def add(self, person, hc1):
        with self.lock:
            if person is not None:
                self.items.append(person)
            if hc1:
                self.passes.append(hc1)
                if len(self.passes) > 2000:
                    del self.passes[:1000]

    def pick(self):
        with self.lock:
            return random.choice(self.items) if self.items else None

    def latest_passes(self, n):
        with self.lock:
            return list(self.passes[-n:])


def dose(facility, record, nid, dn, date, dob):
    return {
        "facility_id": facility, "facility_record_id": record,
        "person": {"national_id": nid, "family_name": "Nguyen", "given_name": "Soak",
                   "date_of_birth": dob},
        "vaccine_type": "J07BX03", "product": "EU/1/20/1528", "manufacturer": "ORG-100030215",
        "dose_number": dn, "series_total": 2, "date": date,
    }


def issue_worker(a, wid, stats, people, stop):
    c = Client(a.host, a.port)
    headers = {"Authorization": f"Bearer {a.facility_token}", "Content-Type": "application/json"}
    n = 0
    while not stop.is_set():
        n += 1
        nid = f"{a.run_id}{wid:02d}{n:07d}"
        dob = f"19{60 + n % 40:02d}-0{1 + n % 9}-1{n % 10}"
        code = None
        for dn, date in ((1, "2021-06-01"), (2, "2021-07-01")):
            if stop.is_set():
                break
            body = json.dumps(dose(a.facility, f"soak-{nid}-{dn}", nid, dn, date, dob))
            t0 = time.perf_counter()
            try:
                status, data = c.request("POST", "/v1/vaccinations", body, headers)
            except Exception as e:  # noqa: BLE001 - counted, the run goes on
                stats.record("issue", False, (time.perf_counter() - t0) * 1000, what=type(e).__name__)
                continue
            ms = (time.perf_counter() - t0) * 1000
            if status == 200:
                stats.record("issue", True, ms)
                out = json.loads(data)
                code = out.get("retrieval_code") or code
                hc1 = out.get("certificate", {}).get("hc1")
                people.add((nid, dob, code) if dn == 1 and code else None, hc1)
            else:
                stats.record("issue", False, ms, what=f"HTTP {status} {data[:80]!r}")


def holder_worker(a, stats, people, stop):
    c = Client(a.host, a.port)
    headers = {"Content-Type": "application/json"}
    while not stop.is_set():
        p = people.pick()
        if p is None:
            time.sleep(0.05)
            continue
        nid, dob, code = p
        body = json.dumps({"national_id": nid, "date_of_birth": dob, "retrieval_code": code})
        t0 = time.perf_counter()
        try:
            status, data = c.request("POST", "/v1/holder/certificates", body, headers)
        except Exception as e:  # noqa: BLE001
            stats.record("holder", False, (time.perf_counter() - t0) * 1000, what=type(e).__name__)
            continue
        ms = (time.perf_counter() - t0) * 1000
        ok = status == 200 and bool(json.loads(data).get("certificates"))
        stats.record("holder", ok, ms, what=None if ok else f"HTTP {status} {data[:80]!r}")


def verify_worker(a, stats, people, stop, workdir):
    c = Client(a.host, a.port)
    files = {}
    for name, path in (("trust-list.cose", "/v1/trust-list"), ("revocations.cose", "/v1/revocations"),
                       ("anchor.pem", "/v1/anchor.pem")):
        files[name] = (os.path.join(workdir, name), path)
    while not stop.wait(a.verify_every):
        passes = people.latest_passes(a.verify_batch)
        if not passes:
            continue
        try:
            for local, path in files.values():
                status, data = c.request("GET", path)
                if status != 200:
                    raise RuntimeError(f"GET {path} answered {status}")
                with open(local, "wb") as f:
                    f.write(data)
        except Exception as e:  # noqa: BLE001
            stats.record("verify", False, 0.0, n=len(passes), what=f"list fetch: {e}")
            continue
        t0 = time.perf_counter()
        r = subprocess.run(
            [a.verify_bin, "--trust-list", files["trust-list.cose"][0], "--anchor",
             files["anchor.pem"][0], "--revocations", files["revocations.cose"][0],
             "--policy", "none", "--json", "-"],
            input="\n".join(passes) + "\n", capture_output=True, text=True, timeout=300)
        ms = (time.perf_counter() - t0) * 1000
        lines = [l for l in r.stdout.splitlines() if l.strip()]
        valid = sum(1 for l in lines if json.loads(l).get("verdict") == "VALID")
        # Latency recorded per pass (the batch time shared), so p99 is comparable per kind.
        per = ms / max(1, len(passes))
        stats.record("verify", True, per, n=valid)
        if valid != len(passes):
            sample = next((l for l in lines if json.loads(l).get("verdict") != "VALID"),
                          r.stderr[:200])
            stats.record("verify", False, per, n=len(passes) - valid, what=sample[:200])


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--facility", required=True)
    ap.add_argument("--facility-token", required=True)
    ap.add_argument("--verify-bin", required=True)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--issue-workers", type=int, default=4)
    ap.add_argument("--holder-workers", type=int, default=2)
    ap.add_argument("--verify-every", type=float, default=5.0)
    ap.add_argument("--verify-batch", type=int, default=200)
    ap.add_argument("--report-every", type=int, default=60)
    ap.add_argument("--rss-every", type=float, default=5.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    u = urllib.parse.urlsplit(a.base)
    a.host, a.port = u.hostname, u.port
    a.run_id = f"{int(time.time()) % 100000:05d}"

    stats, people, stop = Stats(), People(), threading.Event()
    workdir = tempfile.mkdtemp(prefix="vaxcert-soak-verify.")
    threads = [threading.Thread(target=issue_worker, args=(a, i, stats, people, stop), daemon=True)
               for i in range(a.issue_workers)]
    threads += [threading.Thread(target=holder_worker, args=(a, stats, people, stop), daemon=True)
                for _ in range(a.holder_workers)]
    threads.append(threading.Thread(target=verify_worker, args=(a, stats, people, stop, workdir),
                                    daemon=True))
    start = time.time()
    for t in threads:
        t.start()

    rss = []  # (seconds since start, KiB)
    intervals = []
    next_report = start + a.report_every
    print(f"soak: {a.seconds}s against {a.base} (server pid {a.server_pid}), "
          f"{a.issue_workers} issue + {a.holder_workers} holder workers, verify every "
          f"{a.verify_every}s on up to {a.verify_batch} passes", flush=True)
    print("   t(s) | issue/s  p50   p99 err | holder/s  p50   p99 err | verify/s  p99 err | RSS MiB",
          flush=True)
    server_alive = True
    while True:
        now = time.time()
        if now - start >= a.seconds:
            break
        k = rss_kib(a.server_pid)
        if k is None:
            server_alive = False
            print("soak: the server process is gone", flush=True)
            break
        rss.append((round(now - start, 1), k))
        if now >= next_report:
            span = now - (next_report - a.report_every)
            iv = stats.take_interval()
            row = {"t": round(now - start)}
            for kind in KINDS:
                b = iv[kind]
                row[kind] = {"per_s": round(b["ok"] / span, 1), "err": b["err"],
                             "p50_ms": percentile(b["lat"], 50), "p99_ms": percentile(b["lat"], 99)}
            row["rss_mib"] = round(k / 1024, 1)
            intervals.append(row)
            f = lambda v: "   -" if v is None else f"{v:5.0f}" if v >= 10 else f"{v:5.1f}"  # noqa: E731
            print(f"{row['t']:7d} | {row['issue']['per_s']:7.1f} {f(row['issue']['p50_ms'])} "
                  f"{f(row['issue']['p99_ms'])} {row['issue']['err']:3d} | "
                  f"{row['holder']['per_s']:8.1f} {f(row['holder']['p50_ms'])} "
                  f"{f(row['holder']['p99_ms'])} {row['holder']['err']:3d} | "
                  f"{row['verify']['per_s']:8.1f} {f(row['verify']['p99_ms'])} "
                  f"{row['verify']['err']:3d} | {row['rss_mib']:7.1f}", flush=True)
            next_report += a.report_every
        time.sleep(a.rss_every)

    stop.set()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.time() - start
    total = {}
    for kind in KINDS:
        b = stats.total[kind]
        total[kind] = {"ok": b["ok"], "err": b["err"], "per_s": round(b["ok"] / elapsed, 1),
                       "p50_ms": percentile(b["lat"], 50), "p99_ms": percentile(b["lat"], 99),
                       "max_ms": round(max(b["lat"]), 1) if b["lat"] else None}
    rss_values = [k for _, k in rss]
    summary = {
        "seconds": round(elapsed), "base": a.base, "server_alive": server_alive,
        "issue_workers": a.issue_workers, "holder_workers": a.holder_workers,
        "persons": len(people.items), "total": total, "errors": stats.errors,
        "rss_mib": {"first": round(rss_values[0] / 1024, 1) if rss_values else None,
                    "max": round(max(rss_values) / 1024, 1) if rss_values else None,
                    "last": round(rss_values[-1] / 1024, 1) if rss_values else None},
        "intervals": intervals, "rss_samples_kib": rss,
    }
    with open(a.out, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"soak: done after {summary['seconds']}s; {len(people.items)} persons", flush=True)
    for kind in KINDS:
        t = total[kind]
        print(f"  {kind:6s}: {t['ok']} ok ({t['per_s']}/s), {t['err']} errors, p50 {t['p50_ms']} ms, "
              f"p99 {t['p99_ms']} ms, max {t['max_ms']} ms", flush=True)
    print(f"  server RSS MiB: first {summary['rss_mib']['first']}, max {summary['rss_mib']['max']}, "
          f"last {summary['rss_mib']['last']}", flush=True)
    for what, n in sorted(stats.errors.items(), key=lambda x: -x[1])[:20]:
        print(f"  error x{n}: {what}", flush=True)
    failed = not server_alive or any(total[k]["err"] for k in KINDS)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
