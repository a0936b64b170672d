#!/usr/bin/env bash
# Times `bisk-docs build` on pathological single pages: tens of thousands of links, tens of
# thousands of identical headings, one huge page. Build time must grow linearly with the
# page. Usage: benches/pathological.sh   (see benches/README.md, "Pathological pages").
set -euo pipefail

RUNS=${RUNS:-3}
LINKS=${LINKS:-10000 20000 40000}
HEADINGS=${HEADINGS:-4000 8000 16000}
BIG_MB=${BIG_MB:-50}
TIMEOUT=${TIMEOUT:-300}
TMP_PARENT=${TMP_PARENT:-/tmp}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "pathological.sh: $*" >&2; exit 1; }
command -v perl >/dev/null || die "perl is needed to generate the pages"

if [[ -z ${BISK_DOCS:-} ]]; then
    (cd "$repo" && cargo build --release --quiet --bin bisk-docs)
fi
bisk=${BISK_DOCS:-$repo/target/release/bisk-docs}
[[ -x $bisk ]] || die "no binary at $bisk"

work=$(mktemp -d "$TMP_PARENT/bisk-patho.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A root with bisk-docs.toml, docs/README.md and docs/b.md (the target of cross-page
# links); the page under test is written by the caller to docs/page.md.
new_root() {
    local root=$1
    mkdir -p "$root/docs"
    printf 'title = "Pathological"\n' >"$root/bisk-docs.toml"
    printf '# Home\n\nSee [the page](page.md).\n' >"$root/docs/README.md"
    printf '# B\n\n## Part\n\nText.\n' >"$root/docs/b.md"
}

gen_links() { # N links: half to another page's anchor, half to this page's heading
    perl -e 'my $n = shift; print "# Links\n\n## Target\n\n";
             for my $i (1 .. $n / 2) { print "- [to b $i](b.md#part) and [here $i](#target)\n" }' "$1"
}

gen_headings() { # N identical headings
    perl -e 'my $n = shift; print "# Headings\n\n";
             for (1 .. $n) { print "## Setup\n\nText under the heading.\n\n" }' "$1"
}

gen_big() { # about MB megabytes of ordinary runbook Markdown
    perl -e 'my $limit = shift() * 1_000_000; my $size = 0; my $i = 0;
        print "# A very long runbook\n\n";
        while ($size < $limit) {
            $i++;
            my $block = "## Step $i: flush the cache\n\n"
              . "Run `redis-cli -n 1 DEL bisk:1:key$i` on **host$i**, then check the "
              . "[status](#step-$i-flush-the-cache) and the [guide](b.md#part). Some *more* "
              . "prose about timeouts, retries and the enforcer loop, so the search index "
              . "has words to analyse in section $i.\n\n"
              . "- item one of $i\n- item two with `code`\n- item three\n\n";
            $block .= "```bash\nsystemctl restart worker$i\nredis-cli -n 1 TTL bisk:1:key$i\n```\n\n" if $i % 3 == 0;
            $block .= "| key | value |\n|---|---|\n| a$i | b$i |\n\n" if $i % 5 == 0;
            $block .= "> [!WARNING]\n> Do not run step $i twice.\n\n" if $i % 7 == 0;
            print $block; $size += length $block;
        }' "$1"
}

printf 'machine: %s cores, %s; runs: %s (median, hyperfine %s); binary: %s\n' \
    "$(nproc)" "$(uname -sr)" "$RUNS" "$(hyperfine --version 2>/dev/null | awk '{print $2}')" "$bisk"
command -v hyperfine >/dev/null || die "hyperfine is needed: apt-get install -y hyperfine"

# Prints the median wall time of `build` on $1 (or "> TIMEOUT" when the checked first run
# does not finish in time, in which case no timed runs are made).
measure() {
    local root=$1 out=$work/out
    rm -rf "$out"
    local rc=0
    timeout "$TIMEOUT" "$bisk" build --quiet --root "$root" --out "$out" >"$work/log" 2>&1 || rc=$?
    if [[ $rc == 124 ]]; then
        echo "> $TIMEOUT"
        return
    fi
    [[ $rc == 0 ]] || { cat "$work/log" >&2; die "build failed on $root"; }
    hyperfine --runs "$RUNS" --style none -N --prepare "rm -rf $out" \
        --export-json "$work/h.json" "$bisk build --quiet --root $root --out $out" >/dev/null
    grep -o '"median": *[0-9.e+-]*' "$work/h.json" | head -n 1 | awk '{printf "%.3f\n", $2}'
}

printf '\n%-34s %10s %12s\n' case "MB" "build(s)"
for n in $LINKS; do
    root=$work/links-$n
    new_root "$root"
    gen_links "$n" >"$root/docs/page.md"
    printf '%-34s %10.1f %12s\n' "$n links on one page" "$(($(stat -c %s "$root/docs/page.md")))e-6" "$(measure "$root")"
    rm -rf "$root"
done
for n in $HEADINGS; do
    root=$work/headings-$n
    new_root "$root"
    gen_headings "$n" >"$root/docs/page.md"
    printf '%-34s %10.1f %12s\n' "$n identical headings" "$(($(stat -c %s "$root/docs/page.md")))e-6" "$(measure "$root")"
    rm -rf "$root"
done
if [[ $BIG_MB != 0 ]]; then
    root=$work/big
    new_root "$root"
    gen_big "$BIG_MB" >"$root/docs/page.md"
    mb=$(($(stat -c %s "$root/docs/page.md")))e-6
    printf '%-34s %10.1f %12s\n' "one ${BIG_MB} MB page" "$mb" "$(measure "$root")"
    # What reading the same page costs: `check` parses it for probe fences.
    hyperfine --runs "$RUNS" --style none -N --export-json "$work/c.json" \
        "$bisk check --quiet --root $root" >/dev/null 2>&1 || true
    printf '%-34s %10.1f %12s\n' "  (check on the same page)" "$mb" \
        "$(grep -o '"median": *[0-9.e+-]*' "$work/c.json" 2>/dev/null | head -n 1 | awk '{printf "%.3f\n", $2}')"
fi
