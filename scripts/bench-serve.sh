#!/usr/bin/env bash
# Load and abuse test of `parallax serve` (a benchmark: it prints figures,
# asserts nothing). Generates a synthetic corpus straight through the Store
# trait (ARTICLES articles, two per story on average, English-like text,
# with precomputed views), starts the server on loopback without feed
# refresh, and runs wrk from a second process, on the same machine, against:
#
#   - /stories/{id} over random ids, as a browser asks (gzip, br) and plainly
#   - /api/v1/stories/{id} over random ids
#   - /api/v1/stories?limit=50
#   - /api/v1/search over 15 common queries
#   - / (the home page)
#
# then sends each pathological query of scripts/pathological-queries.txt
# once, printing its status, time, whether it timed out, and the server's
# CPU while it ran and in the second after; and reports the server's memory
# and the search index's size; then holds IDLE (20,000) idle connections
# open and asks for one story page. With CACHE_OFF=1 the page cache is off
# (server.page_cache_entries = 0): every request pays for its read, render
# and compression, which is what a request costs the first time.
#
#   scripts/bench-serve.sh                          # 100,000 articles, 500 connections, 20 s each
#   ARTICLES=1000000 scripts/bench-serve.sh         # a million (about 2 GB of disk while it runs)
#   BASELINE=/path/to/old/parallax scripts/bench-serve.sh   # the same runs against another build, after
#   ARTICLES=20000 DURATION=5s WARMUP=2s scripts/bench-serve.sh
#   WALK_SECS=60 ...                                # cap the warm-up walk over every story (it ends
#                                                   # when each was answered once; cap default stories/800 s)
#   ARTICLES=1000000 CACHE_BYTES=536870912 scripts/bench-serve.sh
#                                                   # a page cache of 512 MiB instead of the default
#                                                   # (an eighth of memory, at least 256 MiB)
#
# Needs wrk (apt-get install -y wrk), curl and python3. Traffic goes to
# 127.0.0.1 only. Everything it writes is deleted at exit.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-100000}
CONNECTIONS=${CONNECTIONS:-500}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
WARMUP=${WARMUP:-5s}
PORT=${PORT:-18181}
CACHE_OFF=${CACHE_OFF:-0}
# A page cache of this size instead of the default (an eighth of memory).
CACHE_BYTES=${CACHE_BYTES:-}
CACHE_ENTRIES=${CACHE_ENTRIES:-2000000}
BASELINE=${BASELINE:-}
# Seconds a pathological query may take before curl gives up on it; the
# baseline's were not run by default (one held 5.4 GB and both cores for
# minutes): BASELINE_PATHOLOGICAL=1 runs them.
PATHOLOGICAL_TIMEOUT=${PATHOLOGICAL_TIMEOUT:-60}
BASELINE_PATHOLOGICAL=${BASELINE_PATHOLOGICAL:-0}

for tool in wrk curl python3; do
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

# The corpus is an archive: its newest story begins a day before now, its
# stories five minutes apart before that (two articles a story on average).
# Dated from a fixed day instead, half of a million articles' stories would
# lie in the future, where every page lives only `page_cache_secs`.
first_story=$(date -u -d "-$(( ARTICLES / 2 * 5 + 24 * 60 )) minutes" +%Y-%m-%dT%H:%M:%SZ)
echo "== corpus: $ARTICLES articles, stories from $first_story on"
start=$(date +%s%N)
"$target_dir/release/examples/bench_corpus" "$work/corpus" "$ARTICLES" "$first_story" > "$work/ids.txt"
echo "generated in $(( ($(date +%s%N) - start) / 1000000 )) ms; $(wc -l < "$work/ids.txt") stories; database $(du -sh "$work/corpus" | cut -f1)"

# Each of a list of paths in turn (the common searches).
cat > "$work/paths.lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
LUA
printf '/api/v1/search?q=%s\n' election budget storm court bridge hospital police market energy housing \
    wildfire vaccine summit protest inflation > "$work/searches.txt"

load() {
    local label=$1 script=$2 target=$3
    shift 3
    echo
    echo "-- $label: $CONNECTIONS connections, $THREADS threads, $DURATION"
    # Unreported warm-up: caches fill, as they would on a live site.
    if [ "$script" = scripts/wrk/random-story.lua ]; then
        local stories walk route before walker
        stories=$(wc -l < "$work/ids.txt")
        walk=${WALK_SECS:-$(( stories / 800 + 2 ))}
        route="${PREFIX}{id}"
        before=$(answered "$route")
        local walk_start
        walk_start=$(date +%s%N)
        # One thread: each wrk thread walks from the first story, so two
        # would ask for the first half twice and never reach the rest. The
        # walk ends once every story was answered (wrk itself would wait
        # out -d), or after WALK_SECS.
        wrk -t1 -c50 -d"${walk}s" "$@" -s scripts/wrk/walk-stories.lua "$target" > /dev/null &
        walker=$!
        while kill -0 "$walker" 2>/dev/null; do
            sleep 1
            if [ $(( $(answered "$route") - before )) -ge "$stories" ]; then kill "$walker" 2>/dev/null || true; fi
        done
        wait "$walker" 2>/dev/null || true
        echo "warm-up walk: $(( $(answered "$route") - before )) of $stories stories answered" \
            "in $(( ($(date +%s%N) - walk_start) / 1000000 )) ms;" \
            "$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^parallax_page_cache_(entries|bytes) ' | tr '\n' ' ')"
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$@" ${script:+-s "$script"} "$target" > /dev/null
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@" ${script:+-s "$script"} "$target" \
        | grep -E "Latency|50%|90%|99%|Requests/sec|Transfer/sec|Non-2xx|Socket errors"
}

# Requests the server has answered on a route (its /metrics histogram).
answered() {
    curl -s "http://127.0.0.1:$PORT/metrics" \
        | awk -v route="route=\"$1\"" 'index($0, "parallax_http_request_seconds_count{") == 1 && index($0, route) { n += $NF } END { print n + 0 }'
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

pathological() {
    echo
    echo "-- pathological queries, one at a time (status, time, timed out, hits, server CPU during and in the next second)"
    while IFS= read -r query; do
        case "$query" in ''|'#'*) continue ;; esac
        local encoded before after later reply code
        encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")
        before=$(cpu_ticks "$server")
        reply=$(curl -s -m "$PATHOLOGICAL_TIMEOUT" -w '\n%{http_code} %{time_total}' "http://127.0.0.1:$PORT/api/v1/search?q=$encoded")
        after=$(cpu_ticks "$server")
        sleep 1
        later=$(cpu_ticks "$server")
        code=$(tail -n 1 <<< "$reply")
        printf '%3s %9ss timed_out=%-5s hits=%-2s cpu=%6d ms next_1s=%5d ms  %s\n' "${code% *}" "${code#* }" \
            "$(head -n -1 <<< "$reply" | grep -o '"timed_out":[a-z]*' | cut -d: -f2 || echo -)" \
            "$(head -n -1 <<< "$reply" | grep -o '"id":' | wc -l)" \
            $(( (after - before) * 1000 / $(getconf CLK_TCK) )) $(( (later - after) * 1000 / $(getconf CLK_TCK) )) "$query"
    done < scripts/pathological-queries.txt
}

# IDLE connections opened and left silent (two client processes, each
# under its own file-descriptor limit), then one reader asks for a story
# page while they are held: before issue 19 she got no answer.
IDLE=${IDLE:-20000}
idle_flood() {
    echo
    echo "-- $IDLE idle connections held open, then one normal request"
    cat > "$work/idle.py" <<'PY'
import resource, socket, sys, time
count, port, ready = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
held, refused = [], 0
for _ in range(count):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        held.append(s)
    except OSError:
        refused += 1
        if refused >= 20:  # the server no longer accepts: each try would wait its 5 s
            break
open(ready, "w").write(f"{len(held)} {refused}\n")
time.sleep(float(sys.argv[4]))
PY
    local half=$(( IDLE / 2 )) id
    id=$(head -n 1 "$work/ids.txt")
    # Opening them takes a while on a busy machine; each is held 60 s after.
    python3 "$work/idle.py" "$half" "$PORT" "$work/idle-a" 60 & local a=$!
    python3 "$work/idle.py" "$(( IDLE - half ))" "$PORT" "$work/idle-b" 60 & local b=$!
    for _ in $(seq 1 600); do [ -s "$work/idle-a" ] && [ -s "$work/idle-b" ] && break; sleep 0.2; done
    echo "opened (held refused): $(cat "$work/idle-a") + $(cat "$work/idle-b")"
    curl -s -o /dev/null -m 20 -w "GET /stories/$id while they are held: %{http_code} in %{time_total} s\n" \
        "http://127.0.0.1:$PORT/stories/$id" || echo "GET /stories/$id while they are held: no answer in 20 s"
    curl -s -m 20 "http://127.0.0.1:$PORT/metrics" | grep -E '^parallax_connections_(open|shed_total) ' | tr '\n' ' '
    echo
    kill "$a" "$b" 2>/dev/null || true
    wait "$a" "$b" 2>/dev/null || true
    rm -f "$work/idle-a" "$work/idle-b"
}

bench() {
    local label=$1 binary=$2
    local data="$work/data-$label"
    cp -r "$work/corpus" "$data"
    if [ "$CACHE_OFF" = 1 ]; then
        printf '[server]\npage_cache_entries = 0\n' > "$data/parallax.toml"
    elif [ -n "$CACHE_BYTES" ]; then
        printf '[server]\npage_cache_bytes = %s\npage_cache_entries = %s\n' "$CACHE_BYTES" "$CACHE_ENTRIES" > "$data/parallax.toml"
    fi
    echo
    echo "== $label: $binary${CACHE_OFF:+ (CACHE_OFF=$CACHE_OFF)}"
    start=$(date +%s%N)
    "$binary" --data-dir "$data" serve --no-refresh --listen "127.0.0.1:$PORT" 2> "$work/server-$label.log" &
    server=$!
    for _ in $(seq 1 3600); do
        curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/stories?limit=1" && break
        sleep 0.5
    done
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/v1/stories?limit=1" \
        || { cat "$work/server-$label.log"; echo "bench-serve: server did not start" >&2; exit 1; }
    echo "serving after $(( ($(date +%s%N) - start) / 1000000 )) ms (the search index built); index $(du -sh "$data/search" | cut -f1)"

    IDS="$work/ids.txt" PREFIX="/stories/" load "story page /stories/{id}, random ids, as a browser (gzip, br)" \
        scripts/wrk/random-story.lua "http://127.0.0.1:$PORT" -H "Accept-Encoding: gzip, deflate, br"
    IDS="$work/ids.txt" PREFIX="/stories/" load "story page /stories/{id}, random ids, uncompressed" \
        scripts/wrk/random-story.lua "http://127.0.0.1:$PORT"
    IDS="$work/ids.txt" PREFIX="/api/v1/stories/" load "story object /api/v1/stories/{id}, random ids, gzip" \
        scripts/wrk/random-story.lua "http://127.0.0.1:$PORT" -H "Accept-Encoding: gzip"
    load "story listing /api/v1/stories?limit=50, gzip" "" "http://127.0.0.1:$PORT/api/v1/stories?limit=50" \
        -H "Accept-Encoding: gzip"
    PATHS="$work/searches.txt" load "search /api/v1/search, 15 common queries in turn, gzip" "$work/paths.lua" \
        "http://127.0.0.1:$PORT" -H "Accept-Encoding: gzip"
    load "home page /, gzip" "" "http://127.0.0.1:$PORT/" -H "Accept-Encoding: gzip"
    if [ "$label" != baseline ] || [ "$BASELINE_PATHOLOGICAL" = 1 ]; then pathological; fi
    idle_flood
    echo
    echo "server memory: $(grep -E 'VmRSS|VmHWM' "/proc/$server/status" | tr -s ' \t' ' ' | tr '\n' ' ')"
    echo "search index: $(du -sh "$data/search" | cut -f1)"
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    rm -rf "$data"
}

bench "this build" "$target_dir/release/parallax"
if [ -n "$BASELINE" ]; then bench "baseline" "$BASELINE"; fi
