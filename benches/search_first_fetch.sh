#!/usr/bin/env bash
# The first search at 10,000 pages: bytes fetched and time to results, in headless
# Chromium (tests/testsuite/search_first_fetch.rs, opt-in because indexing 10,000
# generated pages is slow in a debug build). Also prints the size of the index files of a
# real 10,000-page build (gen_tree), largest parts first.
# Usage: benches/search_first_fetch.sh   (PAGES=N for another size)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
PAGES=${PAGES:-10000}
BISK_FIRST_FETCH_PAGES=$PAGES cargo test --release --test testsuite search_first_fetch \
    -- --ignored --nocapture 2>&1 | grep -E 'pages: index|first search|test result|panicked|assert'

work=$(mktemp -d /tmp/bisk-search.XXXXXX)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --example gen_tree --bin bisk-docs
target/release/examples/gen_tree --pages "$PAGES" --out "$work/tree" >/dev/null
target/release/bisk-docs build --root "$work/tree" --out "$work/site" >/dev/null
s=$work/site/_static
echo "gen_tree $PAGES pages: manifest $(stat -c %s "$s/search-index.js") bytes;" \
    "$(ls "$s"/search-t*.js | wc -l) term shards, $(ls "$s"/search-d*.js | wc -l) page chunks," \
    "$(cat "$s"/search-*.js | wc -c) bytes in all; largest parts:"
ls -S -l "$s"/search-*.js | head -5 | awk '{print "  " $5, $9}'
