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
cleanup() { kill "$(cat "$work/redis.pid")" 2>/dev/null || true; rm -rf "$work"; }
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
# Seed: a round-trip writes ping; breadcrumbs: write fresh ones through redis-cli is not
# possible (pickles), so the bench accepts their verdict (timing is what is measured).
"$bin" check --root "$work/site" --format json > "$work/first.json" || true
python3 - "$work/first.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("probes:", d["summary"])
PY
hyperfine --warmup 5 --runs 50 -N -i "$bin check --root $work/site --quiet"
