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
# (bench_scale_*). Needs python3, wrk and curl; traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-2000}
ITEMS=${ITEMS:-5}
ARTICLES=${ARTICLES:-100000}
CONNECTIONS=${CONNECTIONS:-500}
DURATION=${DURATION:-15s}
PORT=${PORT:-18383}
SERVER=${PARALLAX_BENCH_POSTGRES_URL:?set PARALLAX_BENCH_POSTGRES_URL to a PostgreSQL server the script may create databases on}

for tool in python3 wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench-scale-out: $tool is needed" >&2; exit 1; }
done
cargo build --release -q -p parallax -p parallax-server --bins --example bench_corpus
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
python3 - "$work/feeds" "$FEEDS" "$ITEMS" "$PORT" <<'PY'
import sys, datetime, email.utils
out, feeds, items, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
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
    opml.append(f'<outline type="rss" text="o{f}" xmlUrl="http://127.0.0.1:{port}/f{f}.xml" htmlUrl="https://o{f}.example/"/>')
opml.append("</body></opml>")
with open(f"{out}/../feeds.opml", "w") as fh:
    fh.write("\n".join(opml))
PY
(cd "$work/feeds" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
pids+=($!)
sleep 1
printf '[fetch]\nallow_private_networks = true\n[server]\nrefresh_tick_secs = 1\n' > "$work/parallax.toml"

millis() { date +%s%3N; }

echo
echo "== ingest: SQLite, one process (parallax ingest)"
mkdir -p "$work/sqlite"
cp "$work/parallax.toml" "$work/sqlite/"
start=$(millis)
"$parallax" --data-dir "$work/sqlite" ingest --quiet --opml "$work/feeds.opml" > "$work/sqlite.out" 2>&1
echo "SQLite 1 process: $(( $(millis) - start )) ms  ($(grep -m1 '^feeds:' "$work/sqlite.out" || true))"

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
    while "$parallax" --data-dir "$work/pg$n" --database "$url" feeds 2>/dev/null | grep -q "last never"; do sleep 0.2; done
    echo "PostgreSQL $n ingest process(es): $(( $(millis) - start )) ms"
    for pid in "${workers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
done

echo
echo "== serve: corpus of $ARTICLES articles"
"$target_dir/release/examples/bench_corpus" "$work/corpus" "$ARTICLES" > "$work/ids.txt"
db="bench_scale_serve"
create_db "$db"
url=$(fresh_db "$db")
"$parallax" --data-dir "$work/corpus" migrate --to "$url" > /dev/null

cat > "$work/stories.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("PREFIX")
math.randomseed(42)
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
LUA

# Starts `parallax serve ARGS` on port $1 and waits for it.
start_server() {
    local port=$1; shift
    "$parallax" "$@" --listen "127.0.0.1:$port" 2>>"$work/serve.log" &
    pids+=($!)
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/status" > /dev/null && return; sleep 0.5; done
    echo "bench-scale-out: server on $port did not start" >&2; exit 1
}

# wrk against each port at once, CONNECTIONS split between them.
load() {
    local label=$1 prefix=$2; shift 2
    local per=$(( CONNECTIONS / $# )) outs=()
    for port in "$@"; do
        IDS="$work/ids.txt" PREFIX="$prefix" wrk -t1 -c"$per" -d3s -s "$work/stories.lua" "http://127.0.0.1:$port" > /dev/null
    done
    for port in "$@"; do
        IDS="$work/ids.txt" PREFIX="$prefix" wrk -t1 -c"$per" -d"$DURATION" --latency -s "$work/stories.lua" \
            "http://127.0.0.1:$port" > "$work/wrk.$port" &
        outs+=($!)
    done
    wait "${outs[@]}"
    for port in "$@"; do
        echo "$label :$port  $(grep -E '^\s+50%' "$work/wrk.$port" | xargs) $(grep -E '^\s+99%' "$work/wrk.$port" | xargs)  $(grep 'Requests/sec' "$work/wrk.$port" | xargs)"
    done
}

base=$((PORT + 1))
start_server "$base" --data-dir "$work/corpus" serve --no-refresh
load "SQLite, 1 process, story page" /stories/ "$base"
load "SQLite, 1 process, story API " /api/v1/stories/ "$base"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

for n in 1 2; do
    ports=()
    for i in $(seq 1 "$n"); do
        port=$((base + 10 + i))
        mkdir -p "$work/web$n-$i"
        start_server "$port" --data-dir "$work/web$n-$i" --database "$url" serve --role web
        ports+=("$port")
    done
    load "PostgreSQL, $n web, story page" /stories/ "${ports[@]}"
    load "PostgreSQL, $n web, story API " /api/v1/stories/ "${ports[@]}"
    for _ in "${ports[@]}"; do kill "${pids[-1]}" 2>/dev/null || true; unset 'pids[-1]'; done
    wait 2>/dev/null || true
done
