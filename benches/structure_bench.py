#!/usr/bin/env python3
"""The five figures of issue 20 ("one document per page"), before and after, in one command.

  cargo build --release --bin bisk-docs --example gen_tree
  python3 benches/structure_bench.py [--repeat 3] [--pages 2000] [--skip build,start,reload,check,runs]

  build   `bisk-docs build` of the generated 2,000-page tree: wall, CPU (user + system) and
          peak RSS of the child, from wait4(2); median of --build-runs after one warm-up
  start   `serve` spawn → first `GET /` answered 200 (benches/serve_bench.py's bench_start)
  reload  save a deep page → `event: reload` on /api/events, p50 (serve_bench's bench_reload)
  check   `bisk-docs check` on a copy of the bundled docs (docs/ + bisk-docs.toml) with
          BISK_REDIS_URL pointing at a private redis-server on a free port (never 6379),
          seeded with fresh enforcer breadcrumbs; median wall of --check-runs after one warm-up
  runs    `GET /runs/` on the 2,000-page tree plus the bundled docs under docs/bundled/ (so the
          list holds walkable guides, e.g. bundled/ops/DEPLOY_CHECKLIST.md): median and p90 of
          --requests sequential keep-alive requests after 3 warm-up ones
          (before issue 20 each request walked the docs folder: seconds, so 30 by default)

The whole set is repeated --repeat times; each figure printed is the median of the
per-repetition medians, with the per-repetition values beside it, and the load average
(/proc/loadavg) before each repetition. The machine is shared: quote the load with the figures.
"""

import argparse
import http.client
import os
import pickle
import datetime
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_bench as sb  # noqa: E402  (one serve harness: its Serve, generate, bench_* helpers)

REPO = sb.REPO
BIN = sb.BIN


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_measured(argv, env=None):
    """(wall s, cpu s, peak RSS MiB, exit code) of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, p.returncode


def bench_build(tree, work, runs):
    out = os.path.join(work, "build-out")
    walls, cpus, rss = [], [], []
    for i in range(runs + 1):
        shutil.rmtree(out, ignore_errors=True)
        w, c, m, code = run_measured([BIN, "build", "--root", tree, "--out", out])
        if code != 0:
            raise SystemExit(f"build failed with exit code {code}")
        if i > 0:  # the first run warms the page cache
            walls.append(w)
            cpus.append(c)
            rss.append(m)
    return statistics.median(walls), statistics.median(cpus), statistics.median(rss)


class PrivateRedis:
    def __init__(self, work):
        self.port = sb.free_port()
        self.dir = os.path.join(work, f"redis-{self.port}")
        os.makedirs(self.dir)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sb.wait_port(self.port, self.proc)

    def set(self, key, value: bytes):
        subprocess.run(["redis-cli", "-p", str(self.port), "-n", "1", "-x", "SET", key],
                       input=value, check=True, stdout=subprocess.DEVNULL)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def bundled_copy(dest):
    shutil.copytree(os.path.join(REPO, "docs"), os.path.join(dest, "docs"))
    shutil.copy(os.path.join(REPO, "bisk-docs.toml"), dest)


def bench_check(work, runs):
    redis = PrivateRedis(work)
    try:
        # Fresh breadcrumbs as Django writes them (pickle 5 of an aware UTC datetime, None,
        # the PID as ASCII), so the enforcer probes do their whole work rather than stop early.
        now = pickle.dumps(datetime.datetime.now(datetime.timezone.utc), 5)
        redis.set("bisk:1:enforcer:last_run", now)
        redis.set("bisk:1:enforcer:last_ok", now)
        redis.set("bisk:1:enforcer:last_error", pickle.dumps(None, 5))
        redis.set("bisk:1:enforcer:running_pid", str(os.getpid()).encode())
        site = os.path.join(work, "check-site")
        bundled_copy(site)
        env = dict(os.environ)
        env["BISK_REDIS_URL"] = f"redis://127.0.0.1:{redis.port}/1"
        walls, codes = [], set()
        for i in range(runs + 1):
            w, _, _, code = run_measured([BIN, "check", "--root", site, "--quiet"], env)
            codes.add(code)
            if i > 0:
                walls.append(w)
        return statistics.median(walls), sorted(codes)
    finally:
        redis.stop()


def bench_runs(tree, work, requests):
    """GET /runs/ on the generated tree plus the bundled docs: (median ms, p90 ms, bytes)."""
    redis = PrivateRedis(work)
    s = None
    try:
        site = os.path.join(work, "runs-site")
        shutil.copytree(os.path.join(tree, "docs"), os.path.join(site, "docs"))
        shutil.copytree(os.path.join(REPO, "docs"), os.path.join(site, "docs", "bundled"))
        cfg = open(os.path.join(REPO, "bisk-docs.toml")).read()
        cfg = cfg.replace("redis://127.0.0.1:6379/1", f"redis://127.0.0.1:{redis.port}/1")
        cfg = cfg.replace('sections = ["ops", "backend"]\n', "")
        state = os.path.join(work, "runs-state")
        cfg += f'\n[serve]\nstate_dir = "{state}"\n'
        open(os.path.join(site, "bisk-docs.toml"), "w").write(cfg)
        s = sb.Serve(site)
        s.first_page("/runs/")
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)

        def get():
            conn.request("GET", "/runs/")
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise SystemExit(f"GET /runs/ answered {r.status}")
            return body

        body = get()
        if b"DEPLOY_CHECKLIST" not in body:
            raise SystemExit("GET /runs/ does not list bundled/ops/DEPLOY_CHECKLIST.md")
        for _ in range(3):
            get()
        lat = []
        for _ in range(requests):
            t0 = time.perf_counter()
            get()
            lat.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return statistics.median(lat), sb.pct(lat, 0.9), len(body)
    finally:
        if s is not None:
            s.stop()
        redis.stop()


def fmt(values, unit, digits):
    med = statistics.median(values)
    each = ", ".join(f"{v:.{digits}f}" for v in values)
    return f"{med:.{digits}f} {unit} (each repetition: {each})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build-runs", type=int, default=5)
    ap.add_argument("--start-runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=21)
    ap.add_argument("--check-runs", type=int, default=11)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    skip = set(filter(None, a.skip.split(",")))
    for b in (BIN, sb.GEN):
        if not os.path.exists(b):
            raise SystemExit(f"missing {b}: cargo build --release --bin bisk-docs --example gen_tree")
    rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; "
          f"commit {rev}; binary {BIN}", flush=True)
    work = tempfile.mkdtemp(prefix="bisk-structure-bench-")
    res = {k: [] for k in ("wall", "cpu", "rss", "start", "reload", "check", "runs50", "runs90")}
    loads, codes = [], set()
    try:
        tree = os.path.join(work, f"tree{a.pages}")
        sb.generate(a.pages, tree)
        for r in range(a.repeat):
            loads.append(loadavg())
            print(f"repetition {r + 1}/{a.repeat}: load average {loads[-1]}", flush=True)
            if "build" not in skip:
                w, c, m = bench_build(tree, work, a.build_runs)
                res["wall"].append(w)
                res["cpu"].append(c)
                res["rss"].append(m)
                print(f"  build {a.pages}: wall {w:.3f} s, cpu {c:.3f} s, peak RSS {m:.1f} MiB", flush=True)
            if "start" not in skip:
                t, _ = sb.bench_start(tree, a.start_runs)
                res["start"].append(statistics.median(t))
                print(f"  serve start → first page: {res['start'][-1]:.3f} s", flush=True)
            if "reload" not in skip:
                md, html = sb.pick_page(tree)
                lat = sb.bench_reload(tree, md, html, a.edits)
                res["reload"].append(statistics.median(lat))
                print(f"  reload p50 ({md}): {res['reload'][-1]:.1f} ms", flush=True)
            if "check" not in skip:
                w, cs = bench_check(work, a.check_runs)
                codes.update(cs)
                res["check"].append(w)
                print(f"  check, bundled docs: {w * 1000:.0f} ms (exit codes {cs})", flush=True)
                shutil.rmtree(os.path.join(work, "check-site"), ignore_errors=True)
            if "runs" not in skip:
                p50, p90, size = bench_runs(tree, work, a.requests)
                res["runs50"].append(p50)
                res["runs90"].append(p90)
                print(f"  GET /runs/: median {p50:.2f} ms, p90 {p90:.2f} ms ({size} bytes)", flush=True)
                shutil.rmtree(os.path.join(work, "runs-site"), ignore_errors=True)
                shutil.rmtree(os.path.join(work, "runs-state"), ignore_errors=True)
        loads.append(loadavg())
        print(f"\nSummary (median of {a.repeat} repetitions; load averages: {' | '.join(loads)})")
        if res["wall"]:
            print(f"- build, {a.pages} pages: wall {fmt(res['wall'], 's', 3)}")
            print(f"  CPU {fmt(res['cpu'], 's', 3)}; peak RSS {fmt(res['rss'], 'MiB', 1)}")
        if res["start"]:
            print(f"- serve start → first page, {a.pages} pages: {fmt(res['start'], 's', 3)}")
        if res["reload"]:
            print(f"- save → reload event p50, {a.pages} pages: {fmt(res['reload'], 'ms', 1)}")
        if res["check"]:
            ms = [w * 1000 for w in res["check"]]
            print(f"- check, bundled docs, private Redis: {fmt(ms, 'ms', 0)}; exit codes {sorted(codes)}")
        if res["runs50"]:
            print(f"- GET /runs/, {a.pages} pages + bundled docs: median {fmt(res['runs50'], 'ms', 2)}")
            print(f"  p90 {fmt(res['runs90'], 'ms', 2)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
