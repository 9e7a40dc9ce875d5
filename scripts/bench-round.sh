#!/usr/bin/env bash
# A round costs what is new, not what is stored (a benchmark: it prints
# figures, asserts nothing). The same feeds, real articles dated over the
# last day, are ingested by `parallax ingest` (one whole round) into an empty
# data directory and into one holding ARTICLES stored articles (the corpus
# crates/parallax-server/examples/bench_corpus.rs writes, dated from
# 2026-01-01 on, so it surrounds today and runs past it). Each run gets a
# fresh copy of its directory; runs alternate empty/archive. Prints wall time
# and peak memory (from /usr/bin/time) per run with the medians and ratios,
# then whether the new articles form the same stories in both.
#
#   scripts/bench-round.sh                         # 1,000,000 stored articles, 145 feeds, 3 runs each
#   ARTICLES=100000 RUNS=1 scripts/bench-round.sh
#   ARCHIVE_START=2025-08-01T00:00:00Z scripts/bench-round.sh   # an archive that ends before the window
#
# Stored articles inside the window around the new ones (the default
# archive surrounds today) are replayed and take part in clustering, as
# they should; what lies outside the window changes nothing.
#
# Needs python3 (it serves the feeds on 127.0.0.1 and compares the stories)
# and GNU time at /usr/bin/time. Articles come from ../shared/data/neus-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-1000000}
FEEDS=${FEEDS:-145}
ITEMS=${ITEMS:-1479}
RUNS=${RUNS:-3}
PORT=${PORT:-18282}
SOURCE=${SOURCE:-../shared/data/neus-dev/cluster-in.jsonl}

[ -x /usr/bin/time ] || { echo "bench-round: GNU time is needed (apt-get install -y time)" >&2; exit 1; }
[ -f "$SOURCE" ] || { echo "bench-round: $SOURCE not found" >&2; exit 1; }

# One invocation, so both share one feature set and nothing is built twice.
cargo build --release -q -p parallax -p parallax-server --bins --example bench_corpus
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
parallax="$target_dir/release/parallax"

work=$(mktemp -d)
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== feeds: $ITEMS real articles from $SOURCE in $FEEDS feeds, dated over the last day"
mkdir -p "$work/feeds"
python3 - "$SOURCE" "$work/feeds" "$FEEDS" "$ITEMS" "$PORT" <<'PY'
import json, sys, datetime, email.utils, html
source, out, feeds, items, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
now = datetime.datetime.now(datetime.timezone.utc)
articles = []
with open(source, encoding="utf-8") as f:
    for line in f:
        articles.append(json.loads(line))
        if len(articles) == items:
            break
per_feed = [[] for _ in range(feeds)]
for i, article in enumerate(articles):
    # Consecutive articles tell the same event; spreading them over feeds
    # gives each event several outlets, as in a real round.
    published = now - datetime.timedelta(seconds=86400 * (len(articles) - i) // len(articles))
    per_feed[i % feeds].append((i, article, published))
outlines = []
for n, entries in enumerate(per_feed):
    xml = ['<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
           f'<title>Bench {n}</title><link>https://bench{n}.example/</link><description>bench</description>']
    for i, article, published in entries:
        link = f"https://bench{n}.example/{i}"
        xml.append(f"<item><title>{html.escape(article['title'])}</title><link>{link}</link><guid>{link}</guid>"
                   f"<pubDate>{email.utils.format_datetime(published)}</pubDate>"
                   f"<description>{html.escape(article.get('text', ''))}</description></item>")
    xml.append("</channel></rss>")
    with open(f"{out}/feed{n}.xml", "w", encoding="utf-8") as f:
        f.write("".join(xml))
    outlines.append(f'<outline type="rss" text="Bench {n}" xmlUrl="http://127.0.0.1:{port}/feed{n}.xml" htmlUrl="https://bench{n}.example/"/>')
with open(f"{out}/../feeds.opml", "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head><body>' + "".join(outlines) + "</body></opml>")
PY
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$work/feeds" >/dev/null 2>&1 &
server=$!
sleep 1

echo "== archive: $ARTICLES stored articles"
start=$(date +%s)
"$target_dir/release/examples/bench_corpus" "$work/archive" "$ARTICLES" ${ARCHIVE_START:+"$ARCHIVE_START"} > /dev/null
mkdir -p "$work/empty"
echo "written in $(( $(date +%s) - start )) s; $(du -sh "$work/archive" | cut -f1)"

# One round into a fresh copy of DIR; prints "seconds peak_kib".
round() {
    local dir=$1 run=$2
    rm -rf "$work/run"
    cp -r "$work/$dir" "$work/run"
    /usr/bin/time -f "%e %M" -o "$work/time" "$parallax" --data-dir "$work/run" ingest --quiet --per-host 32 \
        --opml "$work/feeds.opml" --allow-private-networks > "$work/$dir-$run.out"
    "$parallax" --data-dir "$work/run" export stories > "$work/$dir-$run.stories"
    cat "$work/time"
}

for run in $(seq 1 "$RUNS"); do
    for dir in empty archive; do
        read -r seconds kib < <(round "$dir" "$run")
        echo "$dir run $run: $seconds s, $(( kib / 1024 )) MiB peak"
        echo "$dir $seconds $kib" >> "$work/figures"
    done
done
echo "-- last round's report on the archive:"
cat "$work/archive-$RUNS.out"

python3 - "$work" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
figures = {"empty": [], "archive": []}
for line in open(f"{work}/figures"):
    name, seconds, kib = line.split()
    figures[name].append((float(seconds), int(kib)))
med = {k: (statistics.median(s for s, _ in v), statistics.median(m for _, m in v)) for k, v in figures.items()}
print(f"median: empty {med['empty'][0]:.2f} s {med['empty'][1] // 1024} MiB, "
      f"archive {med['archive'][0]:.2f} s {med['archive'][1] // 1024} MiB; "
      f"archive/empty: time {med['archive'][0] / med['empty'][0]:.2f}x, memory {med['archive'][1] / med['empty'][1]:.2f}x")

def new_articles(path):
    """The new articles' stories, as sets of their URLs (the archive's
    outlets are outletNNN.example, the bench feeds' benchN.example)."""
    groups = set()
    for line in open(path, encoding="utf-8"):
        story = json.loads(line)
        urls = frozenset(a["url"] for a in story["articles"] if a["url"].startswith("https://bench"))
        if urls:
            groups.add(urls)
    return groups

empty = new_articles(f"{work}/empty-{runs}.stories")
archive = new_articles(f"{work}/archive-{runs}.stories")
articles = sum(len(g) for g in empty)
same = empty == archive
print(f"stories of the {articles} new articles: {len(empty)} on the empty directory, {len(archive)} on the archive; "
      f"same stories: {'yes' if same else 'no'}")
if not same:
    print(f"  stories only on the empty directory: {len(empty - archive)}, only on the archive: {len(archive - empty)}")
PY
