#!/usr/bin/env bash
# Whether two builds store the same round: each runs `parallax bench ingest
# --in-order` (one feed at a time, so article ids and the stories formed
# among same-minute articles are the same from run to run) and keeps its
# database; then both export their articles and stories, and the exports
# are compared with the fetch times and the loopback port left out, the
# only parts that differ between two runs of one build. Prints a checksum
# per export and exits 1 when they differ.
#
#   scripts/compare-round.sh /tmp/parallax-before target/release/parallax
#   FEEDS=500 scripts/compare-round.sh OLD NEW     # a smaller corpus
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 OLD_BINARY NEW_BINARY" >&2
    exit 2
fi
FEEDS=${FEEDS:-2900}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One export as canonical JSON lines without `fetched` and with feed URLs
# stripped of their port.
normalised() {
    jq -c --sort-keys 'del(.fetched) | if has("feed") then .feed |= sub(":[0-9]+/"; "/") else . end'
}

status=0
for side in old new; do
    binary=$1
    [ "$side" = new ] && binary=$2
    mkdir "$work/$side"
    "$binary" bench ingest --feeds "$FEEDS" --seconds 0 --in-order --keep "$work/$side/parallax.sqlite" \
        | grep '^  round:' | sed "s/^/$side:/"
    for kind in articles stories; do
        "$binary" export "$kind" --data-dir "$work/$side" | normalised > "$work/$side.$kind.jsonl"
    done
done
for kind in articles stories; do
    old=$(sha256sum < "$work/old.$kind.jsonl" | cut -c1-16)
    new=$(sha256sum < "$work/new.$kind.jsonl" | cut -c1-16)
    lines=$(wc -l < "$work/new.$kind.jsonl")
    if [ "$old" = "$new" ]; then
        echo "$kind: identical ($lines lines, $new)"
    else
        echo "$kind: DIFFER (old $old, new $new)"
        diff <(cut -c1-200 "$work/old.$kind.jsonl") <(cut -c1-200 "$work/new.$kind.jsonl") | head -5
        status=1
    fi
done
exit $status
