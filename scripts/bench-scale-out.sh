#!/usr/bin/env bash
# Scale-out figures (a benchmark: it prints figures, asserts nothing):
#
# 1. ingest: FEEDS loopback feeds of ITEMS items each, fetched once by
#    `parallax ingest` on SQLite (one process), then by 1, 2 and 4
#    `serve --role ingest` processes on PostgreSQL (a fresh database each);
#    wall time until every feed is fetched.
# 2. serve: the ARTICLES-article corpus of bench_corpus, served on SQLite by
#    one process, then migrated to PostgreSQL and served by 1 and 2
#    `serve --role web` processes; wrk at CONNECTIONS connections in all
#    (split evenly between the web processes) on the story page and the
#    story API; p50/p99 and requests/s.
#
#   PARALLAX_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres scripts/bench-scale-out.sh
#   FEEDS=500 ARTICLES=20000 DURATION=5s ... scripts/bench-scale-out.sh
#
# The URL names a server where the script may create and drop databases
# (bench_scale_*). Needs python3, psql, wrk and curl; traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-2000}
ITEMS=${ITEMS:-5}
ARTICLES=${ARTICLES:-100000}
CONNECTIONS=${CONNECTIONS:-500}
DURATION=${DURATION:-15s}
PORT=${PORT:-18383}
SERVER=${PARALLAX_BENCH_POSTGRES_URL:?set PARALLAX_BENCH_POSTGRES_URL to a PostgreSQL server the script may create databases on}

for tool in python3 psql wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench-scale-out: $tool is needed" >&2; exit 1; }
done
cargo build --release -q -p parallax -p parallax-server --bins --example bench_corpus
cargo build --release -q -p parallax-testkit --example serve_dir
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
parallax="$target_dir/release/parallax"

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A database named $1 on the server, empty; prints its URL.
fresh_db() {
    python3 - "$SERVER" "$1" <<'PY'
import sys, urllib.parse
server, name = sys.argv[1], sys.argv[2]
parts = urllib.parse.urlsplit(server)
print(urllib.parse.urlunsplit(parts._replace(path="/" + name)))
PY
}
# Empties database $1 on the server (with psql).
create_db() {
    python3 - "$SERVER" "$1" <<'PY' || { echo "bench-scale-out: cannot create database $1 (needs psql)" >&2; exit 1; }
import subprocess, sys, urllib.parse
server, name = sys.argv[1], sys.argv[2]
subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {name}"], check=True)
PY
}

echo "== feeds: $FEEDS loopback feeds of $ITEMS items"
mkdir -p "$work/feeds"
python3 - "$work/feeds" "$FEEDS" "$ITEMS" <<'PY'
import sys, datetime, email.utils
out, feeds, items = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)
opml = ['<?xml version="1.0"?><opml version="2.0"><body>']
for f in range(feeds):
    entries = []
    for i in range(items):
        when = email.utils.format_datetime(now - datetime.timedelta(minutes=f % 600 + i))
        entries.append(f"<item><title>Outlet {f} reports event {(f * 7 + i) % 997} in city {i}</title>"
                       f"<link>https://o{f}.example/{i}</link><guid>o{f}-{i}</guid><pubDate>{when}</pubDate>"
                       f"<description>Officials in city {i} said on Monday that event {(f * 7 + i) % 997} "
                       f"affected thousands of residents.</description></item>")
    with open(f"{out}/f{f}.xml", "w") as fh:
        fh.write(f"<?xml version='1.0'?><rss version='2.0'><channel><title>o{f}</title>{''.join(entries)}</channel></rss>")
    opml.append(f'<outline type="rss" text="o{f}" xmlUrl="FEED_SERVER/f{f}.xml" htmlUrl="https://o{f}.example/"/>')
opml.append("</body></opml>")
with open(f"{out}/../feeds.opml", "w") as fh:
    fh.write("\n".join(opml))
PY
"$target_dir/release/examples/serve_dir" "$work/feeds" > "$work/feed-server" &
pids+=($!)
until [ -s "$work/feed-server" ]; do sleep 0.1; done
sed -i "s|FEED_SERVER|$(head -1 "$work/feed-server")|" "$work/feeds.opml"
# Every feed sits on one loopback host, so the per-host limit (2, polite to
# a real outlet) is lifted to the global one for the benchmark.
printf '[fetch]\nallow_private_networks = true\n[ingest]\nper_host_concurrency = 32\n[server]\nrefresh_tick_secs = 1\n' > "$work/parallax.toml"

millis() { date +%s%3N; }

echo
echo "== ingest: SQLite, one process (parallax ingest: one whole round)"
mkdir -p "$work/sqlite"
cp "$work/parallax.toml" "$work/sqlite/"
start=$(millis)
"$parallax" --data-dir "$work/sqlite" ingest --quiet --opml "$work/feeds.opml" > "$work/sqlite.out" 2>&1
echo "SQLite 1 process: all placed in $(( $(millis) - start )) ms ($(grep -m1 '^round:' "$work/sqlite.out" || true))"

# Counts one number from the database at $1.
count() { psql "$1" -Atc "$2"; }

for n in 1 2 4; do
    db="bench_scale_ingest_$n"
    create_db "$db"
    url=$(fresh_db "$db")
    mkdir -p "$work/pg$n"
    cp "$work/parallax.toml" "$work/pg$n/"
    # Register the feeds (and migrate) before the clock starts.
    "$parallax" --data-dir "$work/pg$n" --database "$url" outlets import "$work/feeds.opml" > /dev/null
    start=$(millis)
    workers=()
    for _ in $(seq 1 "$n"); do
        "$parallax" --data-dir "$work/pg$n" --database "$url" serve --role ingest 2>>"$work/pg$n.log" &
        workers+=($!); pids+=($!)
    done
    "$parallax" --data-dir "$work/pg$n" --database "$url" serve --role cluster 2>>"$work/pg$n.log" &
    workers+=($!); pids+=($!)
    fetched=""
    while true; do
        if [ -z "$fetched" ] && [ "$(count "$url" "SELECT count(*) FROM feeds WHERE last_fetched IS NULL")" = 0 ]; then
            fetched=$(( $(millis) - start ))
        fi
        if [ -n "$fetched" ] && [ "$(count "$url" "SELECT count(*) FROM articles WHERE story_id IS NULL")" = 0 ]; then
            break
        fi
        sleep 0.1
    done
    placed=$(( $(millis) - start ))
    articles=$(count "$url" "SELECT count(*) FROM articles")
    echo "PostgreSQL $n ingest + 1 cluster process(es): every feed stored in $fetched ms, all $articles articles placed in $placed ms"
    for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
done

echo
echo "== serve: corpus of $ARTICLES articles"
"$target_dir/release/examples/bench_corpus" "$work/corpus" "$ARTICLES" > "$work/ids.txt"
db="bench_scale_serve"
create_db "$db"
url=$(fresh_db "$db")
"$parallax" --data-dir "$work/corpus" migrate --to "$url" > /dev/null


# Starts `parallax serve ARGS` on port $1 and waits for it.
start_server() {
    local port=$1; shift
    "$parallax" "$@" --listen "127.0.0.1:$port" 2>>"$work/serve.log" &
    pids+=($!)
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/status" > /dev/null && return; sleep 0.5; done
    echo "bench-scale-out: server on $port did not start" >&2; exit 1
}

# CPU seconds (user + system) used so far by the processes whose command
# line matches $1, or by the whole machine without an argument.
cpu() {
    if [ $# -eq 0 ]; then
        awk '/^cpu /{ print ($2 + $3 + $4 + $7 + $8) / 100; exit }' /proc/stat
        return
    fi
    local total=0 pid ticks
    for pid in $(pgrep -f "$1"); do
        ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
        total=$(( total + ticks ))
    done
    echo "$total" | awk '{ print $1 / 100 }'
}

# wrk against each port at once, CONNECTIONS split between them; prints
# p50/p99 and requests/s per port, the total, and where the CPU went.
load() {
    local label=$1 script=$2 prefix=$3; shift 3
    local per=$(( CONNECTIONS / $# )) outs=()
    local machine0 parallax0 postgres0
    machine0=$(cpu); parallax0=$(cpu "release/parallax"); postgres0=$(cpu "^postgres")
    for port in "$@"; do
        IDS="$work/ids.txt" PREFIX="$prefix" wrk -t1 -c"$per" -d"$DURATION" --latency -s "scripts/wrk/$script" \
            "http://127.0.0.1:$port" > "$work/wrk.$port" &
        outs+=($!)
    done
    wait "${outs[@]}"
    local machine parallax_cpu postgres_cpu
    machine=$(echo "$(cpu) $machine0" | awk '{ print $1 - $2 }')
    parallax_cpu=$(echo "$(cpu "release/parallax") $parallax0" | awk '{ print $1 - $2 }')
    postgres_cpu=$(echo "$(cpu "^postgres") $postgres0" | awk '{ print $1 - $2 }')
    local total=0
    for port in "$@"; do
        local rps
        rps=$(awk '/Requests\/sec/{ print $2 }' "$work/wrk.$port")
        total=$(echo "$total $rps" | awk '{ print $1 + $2 }')
        echo "$label :$port  $(grep -E '^\s+50%' "$work/wrk.$port" | xargs) $(grep -E '^\s+99%' "$work/wrk.$port" | xargs)  $rps req/s"
    done
    echo "$label total $total req/s; CPU seconds over $DURATION: parallax $parallax_cpu, postgres $postgres_cpu, whole machine $machine (wrk and the rest: the difference)"
}

# Cold: pages rendered from the database on first request; then every
# story walked once, and warm: pages from each process's cache.
measure() {
    local label=$1; shift
    load "$label, story page, cold" random-story.lua /stories/ "$@"
    load "$label, story API,  cold" random-story.lua /api/v1/stories/ "$@"
    # Long enough to walk every story at the cold rates measured at 100,000
    # articles (about 2,000 pages/s and 10,000 API objects/s per process).
    local stories walkers=()
    stories=$(wc -l < "$work/ids.txt")
    for port in "$@"; do
        (
            IDS="$work/ids.txt" PREFIX=/stories/ wrk -t1 -c50 -d"$(( stories / 1500 + 2 ))s" -s scripts/wrk/walk-stories.lua \
                "http://127.0.0.1:$port" > /dev/null
            IDS="$work/ids.txt" PREFIX=/api/v1/stories/ wrk -t1 -c50 -d"$(( stories / 5000 + 2 ))s" -s scripts/wrk/walk-stories.lua \
                "http://127.0.0.1:$port" > /dev/null
        ) &
        walkers+=($!)
    done
    wait "${walkers[@]}"
    load "$label, story page, warm" random-story.lua /stories/ "$@"
    load "$label, story API,  warm" random-story.lua /api/v1/stories/ "$@"
}

base=$((PORT + 1))
start_server "$base" --data-dir "$work/corpus" serve --no-refresh
measure "SQLite, 1 process" "$base"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
unset 'pids[-1]'

for n in 1 2; do
    ports=()
    for i in $(seq 1 "$n"); do
        port=$((base + 10 + i))
        mkdir -p "$work/web$n-$i"
        start_server "$port" --data-dir "$work/web$n-$i" --database "$url" serve --role web
        ports+=("$port")
    done
    measure "PostgreSQL, $n web" "${ports[@]}"
    # Only the web processes: a bare `wait` would wait for the feed server too.
    for _ in "${ports[@]}"; do
        kill "${pids[-1]}" 2>/dev/null || true
        wait "${pids[-1]}" 2>/dev/null || true
        unset 'pids[-1]'
    done
done
