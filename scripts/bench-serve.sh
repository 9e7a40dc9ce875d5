#!/usr/bin/env bash
# Load test of `parallax serve` (a benchmark: it prints figures, asserts
# nothing). Generates a synthetic corpus straight through the Store trait
# (ARTICLES articles in stories of 1-15, with precomputed views), starts the
# server on loopback without feed refresh, and runs wrk from a second
# process against the story page, the story API object and the home page.
#
#   scripts/bench-serve.sh                   # 100,000 articles, 500 connections, 20 s each
#   ARTICLES=20000 DURATION=5s scripts/bench-serve.sh
#
# Needs wrk (apt-get install -y wrk) and curl. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-100000}
CONNECTIONS=${CONNECTIONS:-500}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-5s}
PORT=${PORT:-18181}
# Rendered story pages kept in memory (server.page_cache_entries); the
# default 4096 holds a third of the 100,000-article corpus's stories, 0 turns
# the cache off.
PAGE_CACHE_ENTRIES=${PAGE_CACHE_ENTRIES:-4096}

for tool in wrk curl; do
    command -v "$tool" >/dev/null || { echo "bench-serve: $tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done

cargo build --release -q -p parallax
cargo build --release -q -p parallax-server --example bench_corpus
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== corpus: $ARTICLES articles"
start=$(date +%s%N)
"$target_dir/release/examples/bench_corpus" "$work/data" "$ARTICLES" > "$work/ids.txt"
echo "generated in $(( ($(date +%s%N) - start) / 1000000 )) ms; $(wc -l < "$work/ids.txt") stories"

printf '[server]\npage_cache_entries = %s\n' "$PAGE_CACHE_ENTRIES" > "$work/data/parallax.toml"
"$target_dir/release/parallax" --data-dir "$work/data" serve --no-refresh --listen "127.0.0.1:$PORT" 2> "$work/server.log" &
server=$!
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/status" > /dev/null && break
    sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/status" > /dev/null || { cat "$work/server.log"; echo "bench-serve: server did not start" >&2; exit 1; }

# wrk picks a random story per request from the generated ids.
cat > "$work/stories.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
local prefix = os.getenv("PREFIX")
math.randomseed(42)
request = function()
  return wrk.format("GET", prefix .. ids[math.random(#ids)])
end
LUA

run() {
    local label=$1 prefix=$2
    echo
    echo "== $label: random stories, $CONNECTIONS connections, $THREADS threads, $DURATION, page cache $PAGE_CACHE_ENTRIES"
    # Unreported warm-up: the page cache fills, as it would on a live site.
    IDS="$work/ids.txt" PREFIX="$prefix" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" \
        -s "$work/stories.lua" "http://127.0.0.1:$PORT" > /dev/null
    IDS="$work/ids.txt" PREFIX="$prefix" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -s "$work/stories.lua" "http://127.0.0.1:$PORT" | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors"
}

run "story page /stories/{id}" "/stories/"
run "story API /api/v1/stories/{id}" "/api/v1/stories/"
echo
echo "== home page /: $CONNECTIONS connections, $THREADS threads, $DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$PORT/" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/" \
    | grep -E "Latency|50%|90%|99%|Requests/sec|Non-2xx|Socket errors"
