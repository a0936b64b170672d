#!/usr/bin/env bash
# Benchmarks `bisk-docs build` (and Hugo, when installed) on generated ops docs trees.
# Usage: benches/build.sh [N...]   (default: 2000 10000 pages). See benches/README.md.
set -euo pipefail

RUNS=${RUNS:-5}
SEED=${SEED:-1}
GEN_RUNS=${GEN_RUNS:-3}
TOOLS=${TOOLS:-bisk hugo}
TMP_PARENT=${TMP_PARENT:-/tmp}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(2000 10000)
for n in "${sizes[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "build.sh: page count must be a positive integer, got '$n'" >&2; exit 2; }
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "build.sh: RUNS must be a positive integer" >&2; exit 2; }

die() { echo "build.sh: $*" >&2; exit 1; }

[[ -x /usr/bin/time ]] && /usr/bin/time -f %M true 2>/dev/null \
    || die "GNU time is needed for peak memory: apt-get install -y time"

work=$(mktemp -d "$TMP_PARENT/bisk-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HUGO_CACHEDIR=$work/hugo-cache

want() { [[ " $TOOLS " == *" $1 "* ]]; }

# Build what we measure, in release mode. A custom BISK_BUILD_CMD needs no bisk-docs binary.
targets=(--example gen_tree)
if want bisk && [[ -z ${BISK_BUILD_CMD:-} ]]; then targets+=(--bin bisk-docs); fi
(cd "$repo" && cargo build --release --quiet "${targets[@]}")
gen=$repo/target/release/examples/gen_tree
bisk=${BISK_DOCS:-$repo/target/release/bisk-docs}
bisk_cmd=${BISK_BUILD_CMD:-"$bisk build --root {root} --out {out}"}
hugo_cmd="hugo --quiet --source {root} --destination {out}"

if want hugo && ! command -v hugo >/dev/null; then
    echo "note: hugo not installed (apt-get install -y hugo); skipping it"
    TOOLS=${TOOLS//hugo/}
fi
use_hyperfine=0
if command -v hyperfine >/dev/null && [[ ${NO_HYPERFINE:-0} != 1 ]]; then use_hyperfine=1; fi

median() { sort -g | awk '{v[NR]=$1} END{if(NR==0)exit 1; print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.4f\n", ns / 1e9 }'; }

# Runs command template $1 (with {root}/{out}) on root $2 into $3, RUNS times after one
# checked warm-up run; prints "median_seconds peak_rss_kib" (medians over all runs).
measure() {
    local template=$1 root=$2 out=$3 log=$work/run.log rss=$work/rss.txt
    local cmd=${template//\{root\}/$root}
    cmd=${cmd//\{out\}/$out}
    local -a argv
    read -r -a argv <<<"$cmd"
    rm -rf "$out"
    : >"$rss"
    if ! /usr/bin/time -f %M -a -o "$rss" "${argv[@]}" >"$log" 2>&1; then
        echo "build.sh: command failed: $cmd" >&2
        tail -n 20 "$log" >&2
        return 1
    fi
    local wall
    if [[ $use_hyperfine == 1 ]]; then
        local json=$work/hyperfine.json
        hyperfine --runs "$RUNS" --style none -N --prepare "rm -rf '$out'" \
            --export-json "$json" "/usr/bin/time -f %M -a -o $rss $cmd" >/dev/null
        wall=$(grep -o '"median": *[0-9.e+-]*' "$json" | head -n 1 | awk '{print $2}')
    else
        local i t0 t1 times=$work/times.txt
        : >"$times"
        for ((i = 0; i < RUNS; i++)); do
            rm -rf "$out"
            t0=$(now_ns)
            /usr/bin/time -f %M -a -o "$rss" "${argv[@]}" >"$log" 2>&1 || { tail -n 20 "$log" >&2; return 1; }
            t1=$(now_ns)
            secs $((t1 - t0)) >>"$times"
        done
        wall=$(median <"$times")
    fi
    echo "$wall $(grep -E '^[0-9]+$' "$rss" | median)"
}

# Prints "pages avg_page_bytes avg_content_bytes" for a built site: pages are the .html
# files but 404.html; content is what sits inside <article> (else <main>) of each page.
site_stats() {
    find "$1" -name '*.html' ! -name 404.html -print0 | xargs -0 -r perl -0777 -ne '
        $n++; $total += length;
        if (/<article\b.*<\/article>/s || /<main\b.*<\/main>/s) { $content += length $& }
        END { printf "%d %.0f %.0f\n", $n, $n ? $total/$n : 0, $n ? $content/$n : 0 }'
}

# Prints a one-line shape summary of a generated docs tree.
tree_shape() {
    local docs=$1/docs
    local folders
    folders=$(find "$docs" -mindepth 1 -type d | wc -l)
    find "$docs" -name '*.md' -print0 | xargs -0 cat | awk -v folders="$folders" -v files="$(find "$docs" -name '*.md' | wc -l)" '
        { bytes += length($0) + 1 }
        /^```/ { fence = !fence; if (fence) blocks++; next }
        fence { code++ }
        !fence { links += gsub(/\]\([^):#][^):]*\.md(#[^)]*)?\)/, "&") }
        END { printf "%d pages in %d folders, %.1f MB of Markdown; per page: %.1f KB, %.1f code blocks, %.1f code lines, %.1f links to other pages\n",
              files, folders, bytes/1e6, bytes/files/1e3, blocks/files, code/files, links/files }'
}

printf 'machine: %s cores, %s; runs: %s (median)%s\n' "$(nproc)" "$(uname -sr)" "$RUNS" \
    "$([[ $use_hyperfine == 1 ]] && echo ", hyperfine $(hyperfine --version | awk '{print $2}')")"
want hugo && echo "hugo: $(hugo version | awk '{print $2}')"

for n in "${sizes[@]}"; do
    tree=$work/tree-$n hugo_site=$work/hugo-$n
    : >"$work/gen.txt"
    for ((i = 0; i < GEN_RUNS; i++)); do
        t0=$(now_ns)
        "$gen" --pages "$n" --seed "$SEED" --out "$tree" --force >/dev/null
        t1=$(now_ns)
        secs $((t1 - t0)) >>"$work/gen.txt"
    done
    want hugo && "$gen" --pages "$n" --seed "$SEED" --out "$work/hugo-src-$n" --hugo "$hugo_site" >/dev/null
    rm -rf "$work/hugo-src-$n"
    md_avg=$(find "$tree/docs" -name '*.md' -printf '%s\n' | awk '{s+=$1} END{printf "%.0f", s/NR}')

    echo
    echo "== $n pages, seed $SEED: $(tree_shape "$tree")"
    printf 'gen_tree: median %.2f s over %d runs (docs tree only)\n' "$(median <"$work/gen.txt")" "$GEN_RUNS"
    printf '%-10s %9s %9s %10s %7s %9s %11s %13s %14s\n' tool "wall(s)" "RSS(MB)" "output(MB)" pages "page(KB)" "content(KB)" "page/content" "page/markdown"
    for tool in $TOOLS; do
        case $tool in
            bisk) template=$bisk_cmd root=$tree name=bisk-docs ;;
            hugo) template=$hugo_cmd root=$hugo_site name=hugo ;;
            *) die "unknown tool '$tool' in TOOLS (bisk, hugo)" ;;
        esac
        out=$work/out-$tool-$n
        read -r wall rss < <(measure "$template" "$root" "$out") || die "$name failed on $n pages"
        read -r pages page content < <(site_stats "$out")
        bytes=$(du -sb "$out" | cut -f1)
        awk -v t="$name" -v w="$wall" -v r="$rss" -v b="$bytes" -v p="$pages" -v pg="$page" -v c="$content" -v md="$md_avg" \
            'BEGIN{printf "%-10s %9.2f %9.0f %10.1f %7d %9.1f %11.1f %13s %14.2f\n", t, w, r/1024, b/1e6, p, pg/1e3, c/1e3, (c>0 ? sprintf("%.2f", pg/c) : "-"), pg/md}'
        rm -rf "$out"
    done
    rm -rf "$tree" "$hugo_site"
done
