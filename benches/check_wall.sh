#!/usr/bin/env bash
# Wall time of `bisk-docs check` on a page with 20 probes against a private local Redis.
#
#   cargo build --release && benches/check_wall.sh
#
# Needs redis-server and hyperfine (apt-get install redis-server hyperfine). Starts its own
# redis-server on a free port (never 6379), seeds healthy breadcrumbs with the Django bytes
# bisk-docs itself writes, and prints hyperfine's statistics (read the median).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${BISK_DOCS_BIN:-$here/target/release/bisk-docs}"
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
cleanup() {
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  sleep 0.2
  rm -rf "$work" || true
}
trap cleanup EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

mkdir -p "$work/site/docs/ops"
cat > "$work/site/bisk-docs.toml" <<TOML
[redis]
url = "redis://127.0.0.1:$port/1"
TOML
page="$work/site/docs/ops/BENCH.md"
echo "# Bench" > "$page"
for i in $(seq 5); do
  cat >> "$page" <<'MD'

```probe
check = "redis.ping"
```

```probe
check = "cache.roundtrip"
```

```probe
check = "cache.key"
key = "ping"
equals = "pong"
```

```probe
check = "enforcer.breadcrumbs"
check_pid = false
```
MD
done
# Seed fresh breadcrumbs as Django writes them: pickle protocol 5 of an aware UTC datetime
# (what timezone.now() pickles to), None, and the PID as an ASCII int.
seed() { redis-cli -p "$port" -n 1 -x SET "bisk:1:enforcer:$1" >/dev/null; }
python3 -c 'import pickle,sys,datetime as d; sys.stdout.buffer.write(pickle.dumps(d.datetime.now(d.timezone.utc),5))' | seed last_run
python3 -c 'import pickle,sys,datetime as d; sys.stdout.buffer.write(pickle.dumps(d.datetime.now(d.timezone.utc),5))' | seed last_ok
python3 -c 'import pickle,sys; sys.stdout.buffer.write(pickle.dumps(None,5))' | seed last_error
printf '%s' "$$" | seed running_pid
"$bin" check --root "$work/site" --format json > "$work/first.json" || true
python3 - "$work/first.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("probes:", d["summary"], "in-process wall_ms:", d["wall_ms"])
PY
hyperfine --warmup 5 --runs "${RUNS:-50}" -N --export-json "$work/hf.json" "$bin check --root $work/site --quiet"
python3 - "$work/hf.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("median wall: %.1f ms (user %.1f ms, system %.1f ms mean)" % (r["median"]*1e3, r["user"]*1e3, r["system"]*1e3))
PY
