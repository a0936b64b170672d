#!/usr/bin/env bash
# Retakes the README's pictures of the manual: assets/manual-front.png (the front page, its
# live PING probe passing) and assets/manual-reference.png (the checks reference), with
# headless Chromium against `bisk-docs serve --root manual`. The probes check a private
# redis-server this script starts on a free port and stops again (never the Redis on 6379).
#
#   contrib/manual-screenshots.sh            # uses target/release/bisk-docs, building it if needed
#   BISK_DOCS=target/debug/bisk-docs contrib/manual-screenshots.sh
#
# Needs redis-server and chromium (Debian: apt-get install redis-server chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BISK_DOCS:-target/release/bisk-docs}
if [[ ! -x $bin ]]; then
    cargo build --release --quiet
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[[ -n $browser ]] || { echo "chromium not found: apt-get install chromium" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
redis_port=$(free_port)
serve_port=$(free_port)
redis_pid=""
serve_pid=""
cleanup() {
    [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null || true
    [[ -n $redis_pid ]] && kill "$redis_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!

BISK_REDIS_URL="redis://127.0.0.1:$redis_port/0" "$bin" serve --root manual \
    --bind "127.0.0.1:$serve_port" --state-dir "$work/state" >"$work/serve.log" 2>&1 &
serve_pid=$!

# Ready once /healthz answers and the probes have run once (the interval is 5 s).
for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$serve_port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$serve_port/api/probes/front-redis-ping" >/dev/null

shot() { # URL FILE
    # --timeout, not --virtual-time-budget: the page's open event stream would hold virtual
    # time still forever. The outer timeout ends a browser that hangs anyway.
    timeout 90 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --force-prefers-reduced-motion --window-size=1280,900 \
        --timeout=5000 --screenshot="$2" "$1" >/dev/null 2>&1
    echo "wrote $2"
}
shot "http://127.0.0.1:$serve_port/" assets/manual-front.png
shot "http://127.0.0.1:$serve_port/reference/checks.html" assets/manual-reference.png
