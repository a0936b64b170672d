#!/usr/bin/env python3
"""Benchmarks of `bisk-docs serve` (release build). See benches/README-serve.md.

  python3 benches/serve_bench.py [--pages 2000] [--runs 5] [--edits 21] [--clients 200]
                                 [--window 30] [--skip wrk,sse,...]

Measures, quoting medians:
  start   serve start → first page answered (2,000-page generated tree)
  reload  save a page → reload event on /api/events (2,000 pages, and the bundled docs)
  sse     N event-stream clients on the Redis guide → probe executions per interval,
          counted by Redis itself (INFO commandstats) on a private redis-server
  wrk     64 connections on static pages: req/s, p99, errors

Needs: target/release/bisk-docs and target/release/examples/gen_tree
(`cargo build --release --bin bisk-docs --example gen_tree`), redis-server, wrk.
Never touches the Redis on 6379: a private one is started on a free port.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(REPO, "target/release/bisk-docs")
GEN = os.path.join(REPO, "target/release/examples/gen_tree")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=30.0):
    until = time.time() + timeout
    while time.time() < until:
        if proc.poll() is not None:
            raise SystemExit(f"process exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.005)
    raise SystemExit(f"nothing listening on {port}")


def http_get(port, path, timeout=30):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.status, r.read()


class Serve:
    def __init__(self, root, port=None, env=None):
        self.port = port or free_port()
        e = dict(os.environ)
        e.pop("BISK_REDIS_URL", None)
        e.update(env or {})
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(
            [BIN, "serve", "--root", root, "--bind", f"127.0.0.1:{self.port}", "--quiet"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=e)

    def first_page(self, path="/"):
        """Seconds from spawning to the first 200 for `path`."""
        while True:
            try:
                status, _ = http_get(self.port, path)
                if status == 200:
                    return time.perf_counter() - self.t0
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit("serve exited")
                time.sleep(0.002)

    def highlighted(self, timeout=600):
        """Seconds from spawning until background highlighting is done (/healthz)."""
        import json
        until = time.time() + timeout
        while time.time() < until:
            _, body = http_get(self.port, "/healthz")
            if json.loads(body).get("unhighlighted_pages", 0) == 0:
                return time.perf_counter() - self.t0
            time.sleep(0.05)
        raise SystemExit("highlighting did not finish")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Sse:
    """A raw event-stream connection; events are read as they come."""

    def __init__(self, port, page):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(
            f"GET /api/events?page={page} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode())
        self.buf = b""

    def wait_event(self, name, timeout=10.0):
        until = time.perf_counter() + timeout
        needle = f"event: {name}\n".encode()
        while True:
            i = self.buf.find(needle)
            if i >= 0:
                self.buf = self.buf[i + len(needle):]
                return time.perf_counter()
            left = until - time.perf_counter()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not data:
                return None
            self.buf += data

    def drain(self):
        self.sock.setblocking(False)
        try:
            while self.sock.recv(65536):
                pass
        except OSError:
            pass
        self.sock.setblocking(True)
        self.buf = b""

    def close(self):
        self.sock.close()


def generate(pages, out):
    subprocess.run([GEN, "--pages", str(pages), "--out", out, "--force"], check=True,
                   stdout=subprocess.DEVNULL)


def pick_page(root):
    """A generated page deep in the tree (not an index), as (docs-relative md, html)."""
    docs = os.path.join(root, "docs")
    for dirpath, _, files in sorted(os.walk(docs)):
        for f in sorted(files):
            if f.endswith(".md") and f not in ("README.md", "index.md") and dirpath != docs:
                rel = os.path.relpath(os.path.join(dirpath, f), docs)
                return rel, rel[:-3] + ".html"
    raise SystemExit("no page found")


def save_atomically(path, text):
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".bench")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(q * len(v) + 0.5)) - 1))]


def bench_start(root, runs):
    times, full = [], []
    for i in range(runs):
        s = Serve(root)
        try:
            times.append(s.first_page("/"))
            if i == 0:
                full.append(s.highlighted())
        finally:
            s.stop()
    return times, full


def bench_reload(root, md_rel, html_rel, edits):
    s = Serve(root)
    try:
        s.first_page("/")
        s.highlighted()  # steady state: measure edits, not the background first pass
        sse = Sse(s.port, html_rel)
        assert sse.wait_event("hello") is not None, "no hello event"
        path = os.path.join(root, "docs", md_rel)
        original = open(path).read()
        lat = []
        for i in range(edits):
            time.sleep(0.3)
            sse.drain()
            text = original + f"\n\nEdit number {i} for the reload benchmark.\n"
            t0 = time.perf_counter()
            save_atomically(path, text)
            t1 = sse.wait_event("reload", 10)
            if t1 is None:
                raise SystemExit(f"no reload event for edit {i}")
            lat.append((t1 - t0) * 1000)
        save_atomically(path, original)
        sse.close()
        return lat
    finally:
        s.stop()


def redis_cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], check=True,
                          capture_output=True, text=True).stdout


def bench_sse(clients, window):
    rport = free_port()
    rdir = tempfile.mkdtemp(prefix="bisk-bench-redis-")
    redis = subprocess.Popen(["redis-server", "--port", str(rport), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", rdir],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    site = tempfile.mkdtemp(prefix="bisk-bench-site-")
    try:
        wait_port(rport, redis)
        shutil.copytree(os.path.join(REPO, "docs"), os.path.join(site, "docs"))
        cfg = open(os.path.join(REPO, "bisk-docs.toml")).read()
        cfg = cfg.replace("redis://127.0.0.1:6379/1", f"redis://127.0.0.1:{rport}/1")
        open(os.path.join(site, "bisk-docs.toml"), "w").write(cfg + '\n[serve]\nprobe_interval = "5s"\n')
        s = Serve(site)
        try:
            s.first_page("/")
            _, body = http_get(s.port, "/api/probes")
            import json
            probes = [p for p in json.loads(body)["probes"] if p["page_url"] == "ops/REDIS_CACHE.html"]
            conns = [Sse(s.port, "ops/REDIS_CACHE.html") for _ in range(clients)]
            time.sleep(6)  # every client connected, first round done
            # /healthz runs nothing (unlike /metrics, which refreshes stale probes).
            m0 = health(s.port)["probe_executions"]
            redis_cli(rport, "CONFIG", "RESETSTAT")
            time.sleep(window)
            stats = redis_cli(rport, "INFO", "commandstats")
            h1 = health(s.port)
            m1 = h1["probe_executions"]
            ping = int(re.search(r"cmdstat_ping:calls=(\d+)", stats).group(1)) if "cmdstat_ping" in stats else 0
            clients_seen = h1["event_clients"]
            for c in conns:
                c.close()
            return {"clients": int(clients_seen), "probes_on_page": len(probes),
                    "window_s": window, "interval_s": 5, "executions": int(m1 - m0),
                    "redis_ping_calls": ping}
        finally:
            s.stop()
    finally:
        redis.terminate()
        redis.wait()
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(rdir, ignore_errors=True)


def health(port):
    import json
    _, body = http_get(port, "/healthz")
    return json.loads(body)


def metric(port, name):
    _, body = http_get(port, "/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise SystemExit(f"no metric {name}")


def bench_wrk(root, path, seconds):
    s = Serve(root)
    try:
        s.first_page("/")
        out = subprocess.run(["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency",
                              f"http://127.0.0.1:{s.port}{path}"],
                             capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
        errors = re.search(r"Socket errors: (.*)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {"req_per_s": rps, "p99": p99, "socket_errors": errors.group(1) if errors else "none",
                "non_2xx": int(non2xx.group(1)) if non2xx else 0}
    finally:
        s.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=21)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--window", type=int, default=30)
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    skip = set(a.skip.split(","))
    for b in (BIN, GEN):
        if not os.path.exists(b):
            raise SystemExit(f"missing {b}: cargo build --release --bin bisk-docs --example gen_tree")
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M:%S')}")
    work = tempfile.mkdtemp(prefix="bisk-serve-bench-")
    try:
        tree = os.path.join(work, f"tree{a.pages}")
        if not skip & {"start", "reload"} == {"start", "reload"}:
            generate(a.pages, tree)
        if "start" not in skip:
            t, full = bench_start(tree, a.runs)
            print(f"start → first page, {a.pages} pages: median {statistics.median(t):.3f} s "
                  f"(min {min(t):.3f}, max {max(t):.3f}, {len(t)} runs); "
                  f"every page highlighted after {full[0]:.1f} s (background)")
        if "reload" not in skip:
            md, html = pick_page(tree)
            lat = bench_reload(tree, md, html, a.edits)
            print(f"save → reload event, {a.pages} pages ({md}): p50 {statistics.median(lat):.1f} ms, "
                  f"p90 {pct(lat, 0.9):.1f} ms, max {max(lat):.1f} ms ({len(lat)} edits)")
            bundled = os.path.join(work, "bundled")
            shutil.copytree(os.path.join(REPO, "docs"), os.path.join(bundled, "docs"))
            shutil.copy(os.path.join(REPO, "bisk-docs.toml"), bundled)
            lat = bench_reload(bundled, "ops/REDIS_CACHE.md", "ops/REDIS_CACHE.html", a.edits)
            print(f"save → reload event, bundled docs (ops/REDIS_CACHE.md): p50 {statistics.median(lat):.1f} ms, "
                  f"p90 {pct(lat, 0.9):.1f} ms, max {max(lat):.1f} ms ({len(lat)} edits)")
        if "sse" not in skip:
            r = bench_sse(a.clients, a.window)
            per = r["executions"] / max(1, r["probes_on_page"]) / (r["window_s"] / r["interval_s"])
            print(f"{r['clients']} SSE clients on the Redis guide, {r['window_s']} s, interval {r['interval_s']} s: "
                  f"{r['executions']} executions of {r['probes_on_page']} probes "
                  f"= {per:.2f} per probe per interval; Redis saw {r['redis_ping_calls']} PING "
                  f"(the redis-ping probe; {r['window_s'] // r['interval_s']} intervals)")
        if "wrk" not in skip:
            bundled = os.path.join(work, "wrk-site")
            shutil.copytree(os.path.join(REPO, "docs"), os.path.join(bundled, "docs"))
            shutil.copy(os.path.join(REPO, "bisk-docs.toml"), bundled)
            for path in ("/ops/REDIS_CACHE.html", "/_static/style.css"):
                r = bench_wrk(bundled, path, 10)
                print(f"wrk -t2 -c64 -d10s {path}: {r['req_per_s']:.0f} req/s, p99 {r['p99']}, "
                      f"socket errors: {r['socket_errors']}, non-2xx: {r['non_2xx']}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
