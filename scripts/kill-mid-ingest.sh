#!/usr/bin/env bash
# kill -9 in the middle of a large ingest (group commit) loses nothing that
# was reported stored: FEEDS generated feeds of 10 items are served on
# 127.0.0.1, `parallax ingest` runs with per-feed info logs, and once
# KILL_AFTER feeds were reported stored the process gets SIGKILL. Then every
# feed the log reported must have all its articles in the database, and no
# feed may be stored in part. Prints the counts; exits 1 on a loss.
#
#   scripts/kill-mid-ingest.sh                    # 2,900 feeds, kill after 1,200 reported
#   FEEDS=500 KILL_AFTER=200 scripts/kill-mid-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."

FEEDS=${FEEDS:-2900}
KILL_AFTER=${KILL_AFTER:-1200}
PORT=${PORT:-18484}

cargo build --release -q -p parallax
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
parallax="$target_dir/release/parallax"

work=$(mktemp -d)
server=""
ingest=""
cleanup() {
    for pid in $ingest $server; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/feeds"
python3 - "$work" "$FEEDS" "$PORT" <<'PY'
import datetime, email.utils, sys
work, feeds, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
now = datetime.datetime.now(datetime.timezone.utc)
outlines = []
for n in range(feeds):
    items = []
    for i in range(10):
        link = f"https://k{n}.example/{i}"
        date = email.utils.format_datetime(now - datetime.timedelta(minutes=i + n % 60))
        items.append(f"<item><title>Outlet {n} reports item {i} about the harbor council vote</title><link>{link}</link>"
                     f"<guid>{link}</guid><pubDate>{date}</pubDate>"
                     f"<description>Outlet {n} item {i}: the council voted on the harbor plan today.</description></item>")
    with open(f"{work}/feeds/f{n}.xml", "w") as f:
        f.write(f'<?xml version="1.0"?><rss version="2.0"><channel><title>K{n}</title><link>https://k{n}.example/</link>'
                f'<description>x</description>{"".join(items)}</channel></rss>')
    outlines.append(f'<outline type="rss" text="K{n}" xmlUrl="http://127.0.0.1:{port}/f{n}.xml" htmlUrl="https://k{n}.example/"/>')
with open(f"{work}/feeds.opml", "w") as f:
    f.write('<?xml version="1.0"?><opml version="2.0"><body>' + "".join(outlines) + "</body></opml>")
PY
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$work/feeds" >/dev/null 2>&1 &
server=$!
sleep 1

PARALLAX_LOG=info NO_COLOR=1 "$parallax" --data-dir "$work/data" ingest --quiet --opml "$work/feeds.opml" \
    --allow-private-networks --per-host 64 --concurrency 64 >/dev/null 2>"$work/log.txt" &
ingest=$!
for _ in $(seq 1 1200); do
    reported=$(grep -c ' stored ' "$work/log.txt" || true)
    [ "${reported:-0}" -ge "$KILL_AFTER" ] && break
    kill -0 "$ingest" 2>/dev/null || { echo "kill-mid-ingest: ingest ended before $KILL_AFTER feeds were stored" >&2; exit 1; }
    sleep 0.1
done
kill -9 "$ingest"
wait "$ingest" 2>/dev/null || true
ingest=""
"$parallax" --data-dir "$work/data" export articles > "$work/articles.jsonl"

python3 - "$work" <<'PY'
import collections, json, re, sys
work = sys.argv[1]
stored = {}
for line in open(f"{work}/log.txt"):
    m = re.search(r' stored feed="?([^" ]+)"? new=(\d+)', line)
    if m:
        stored[m.group(1)] = int(m.group(2))
exported = collections.Counter(json.loads(line)["feed"] for line in open(f"{work}/articles.jsonl"))
lost = [f for f, n in stored.items() if exported.get(f, 0) != n]
partial = [f for f, n in exported.items() if n != 10]
print(f"reported stored before kill -9: {len(stored)} feeds, {sum(stored.values())} articles")
print(f"in the database after it:       {len(exported)} feeds, {sum(exported.values())} articles")
print(f"reported but not stored: {len(lost)}; stored in part: {len(partial)}")
sys.exit(1 if lost or partial else 0)
PY
