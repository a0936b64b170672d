#!/usr/bin/env python3
"""Soak benchmark of `bisk-docs serve` as a service (issue 13): memory and the probe
history store over a long run. See benches/README-serve.md ("Soak").

  python3 benches/soak.py [--minutes 30] [--clients 200] [--pages 2000] [--sample 30]
                          [--max-results 600] [--json FILE]

Set-up: the 2,000-page generated tree plus a copy of the bundled docs (for pages with
probes) under docs/bundled/, a private redis-server on a free port (never the one on 6379),
`serve` (release build) with `probe_interval = "1s"` and the history store bounded to
`--max-results` results per probe, and `--clients` event streams on the Redis guide (its 10
probes), each read continuously as a browser would.

Every `--sample` seconds: resident memory of serve (VmRSS), the store's files (database and
write-ahead log), the most rows any probe holds in the store (read through SQLite, read-only),
open event streams and probe executions (/healthz). At the end: RSS at 5 minutes vs at the
end, the store against its bound, and how long serve takes to exit on SIGTERM with every
stream open.

Needs target/release/bisk-docs and target/release/examples/gen_tree
(`cargo build --release --bin bisk-docs --example gen_tree`) and redis-server.
"""

import argparse
import json
import os
import selectors
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# BISK_SOAK_PROFILE=debug tries the script itself on a debug build (figures are release-only).
PROFILE = os.environ.get("BISK_SOAK_PROFILE", "release")
BIN = os.path.join(REPO, "target", PROFILE, "bisk-docs")
GEN = os.path.join(REPO, "target", PROFILE, "examples/gen_tree")
PAGE = "bundled/ops/REDIS_CACHE.html"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(port, proc, path="/healthz", timeout=120.0):
    until = time.time() + timeout
    while time.time() < until:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited: {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"serve did not answer {path}")


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return json.loads(r.read())


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Streams:
    """`n` event streams on `page`, drained by one thread (a browser reads every event)."""

    def __init__(self, port, page, n):
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.bytes = 0
        self.closed = 0
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"GET /api/events?page={page} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      "Accept: text/event-stream\r\n\r\n".encode())
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
            self.socks.append(s)
        self.stop = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.5):
                try:
                    data = key.fileobj.recv(65536)
                except OSError:
                    data = b""
                if data:
                    self.bytes += len(data)
                else:
                    self.sel.unregister(key.fileobj)
                    self.closed += 1

    def all_closed_within(self, seconds):
        until = time.time() + seconds
        while time.time() < until and self.closed < len(self.socks):
            time.sleep(0.01)
        return self.closed == len(self.socks)

    def close(self):
        self.stop = True
        self.thread.join()
        for s in self.socks:
            s.close()


def store_figures(state):
    db = os.path.join(state, "history.sqlite3")
    size = {ext: os.path.getsize(db + ext) if os.path.exists(db + ext) else 0
            for ext in ("", "-wal")}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        rows = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        most = con.execute(
            "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM results GROUP BY probe)"
        ).fetchone()[0]
        probes = con.execute("SELECT COUNT(DISTINCT probe) FROM results").fetchone()[0]
        con.close()
    except sqlite3.Error as e:
        print(f"  (store not readable now: {e})", file=sys.stderr)
        rows = most = probes = -1
    return {"db_bytes": size[""], "wal_bytes": size["-wal"], "rows": rows,
            "most_per_probe": most, "probes": probes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--sample", type=float, default=30)
    ap.add_argument("--max-results", type=int, default=600)
    ap.add_argument("--json")
    a = ap.parse_args()
    for b in (BIN, GEN):
        if not os.path.exists(b):
            raise SystemExit(f"missing {b}: cargo build --release --bin bisk-docs --example gen_tree")

    work = tempfile.mkdtemp(prefix="bisk-soak-")
    rport = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", work],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        site = os.path.join(work, "site")
        subprocess.run([GEN, "--pages", str(a.pages), "--out", site, "--force"], check=True,
                       stdout=subprocess.DEVNULL)
        shutil.copytree(os.path.join(REPO, "docs"), os.path.join(site, "docs", "bundled"))
        cfg = open(os.path.join(REPO, "bisk-docs.toml")).read()
        cfg = cfg.replace("redis://127.0.0.1:6379/1", f"redis://127.0.0.1:{rport}/1")
        cfg = cfg.replace('sections = ["ops", "backend"]\n', "")
        state = os.path.join(work, "state")
        cfg += (f'\n[serve]\nprobe_interval = "1s"\nstate_dir = "{state}"\n'
                f"history_max_results = {a.max_results}\n")
        open(os.path.join(site, "bisk-docs.toml"), "w").write(cfg)

        port = free_port()
        env = dict(os.environ)
        env.pop("BISK_REDIS_URL", None)
        serve = subprocess.Popen([BIN, "serve", "--root", site, "--bind", f"127.0.0.1:{port}",
                                  "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 env=env)
        wait_http(port, serve)
        wait_http(port, serve, "/" + PAGE)
        probes = [p for p in get_json(port, "/api/probes")["probes"] if p["page_url"] == PAGE]
        streams = Streams(port, PAGE, a.clients)
        t0 = time.time()
        samples = []
        print(f"soak: {a.pages} pages + bundled docs, {len(probes)} probes on {PAGE} every 1 s, "
              f"{a.clients} event streams, {a.minutes} min, store bound {a.max_results}/probe",
              flush=True)
        print("  min    RSS MiB   db KiB  wal KiB   rows  most/probe  clients  executions",
              flush=True)
        while True:
            elapsed = time.time() - t0
            h = get_json(port, "/healthz")
            st = store_figures(state)
            s = {"t_s": round(elapsed), "rss_kib": rss_kib(serve.pid), "store": st,
                 "clients": h["event_clients"], "executions": h["probe_executions"]}
            samples.append(s)
            print(f"  {elapsed / 60:5.1f}  {s['rss_kib'] / 1024:8.1f}  {st['db_bytes'] / 1024:7.0f}  "
                  f"{st['wal_bytes'] / 1024:7.0f}  "
                  f"{st['rows']:5d}  {st['most_per_probe']:10d}  {s['clients']:7d}  "
                  f"{s['executions']:10d}", flush=True)
            if elapsed >= a.minutes * 60:
                break
            time.sleep(max(0.0, a.sample - (time.time() - t0 - elapsed)))

        at5 = min(samples, key=lambda x: abs(x["t_s"] - 300))
        end = samples[-1]
        t = time.perf_counter()
        serve.send_signal(signal.SIGTERM)
        code = serve.wait(10)
        exit_ms = (time.perf_counter() - t) * 1000
        drained = streams.all_closed_within(2)
        streams.close()
        err = serve.stderr.read().decode(errors="replace")
        serve = None
        summary = {
            "minutes": a.minutes, "clients": a.clients, "pages": a.pages,
            "probes_on_page": len(probes), "bound_per_probe": a.max_results,
            "rss_mib_at_5min": round(at5["rss_kib"] / 1024, 1), "rss_at_5min_t_s": at5["t_s"],
            "rss_mib_at_end": round(end["rss_kib"] / 1024, 1),
            "rss_growth_pct": round((end["rss_kib"] / at5["rss_kib"] - 1) * 100, 1),
            "store_most_per_probe": end["store"]["most_per_probe"],
            "store_max_most_per_probe": max(x["store"]["most_per_probe"] for x in samples),
            "store_db_bytes_at_end": end["store"]["db_bytes"],
            "store_wal_bytes_at_end": end["store"]["wal_bytes"],
            "store_rows_at_end": end["store"]["rows"],
            "executions": end["executions"],
            "sigterm_exit_ms": round(exit_ms, 1), "exit_code": code,
            "streams_closed": drained,
            "stderr": err.strip().splitlines()[-5:],
            "samples": samples,
        }
        print(json.dumps({k: v for k, v in summary.items() if k != "samples"}, indent=2))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(summary, f, indent=2)
    finally:
        if serve is not None:
            serve.kill()
            serve.wait()
        redis.terminate()
        redis.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
