#!/usr/bin/env bash
# Fuzzes Parallax's parsers of untrusted input with cargo-fuzz (libFuzzer,
# nightly): the feed parser and cleaner, the OPML and rating importers, the
# article extractor, the sentence splitter and the clusterer's tokenizer.
# Each target runs SECONDS seconds from a seed corpus made of the project's
# own test fixtures (copied into a temporary folder, so nothing is added to
# the repository). A crash leaves its input in fuzz/artifacts/TARGET/; make
# it a named regression test in the crate it broke, then fix it.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   scripts/fuzz.sh 600 feed_parse  # one target, ten minutes
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(feed_parse feed_clean opml_import ratings_import extract sentences tokenizer)

rustup toolchain list | grep -q nightly || { echo "fuzz: the nightly toolchain is needed (rustup toolchain install nightly)" >&2; exit 1; }
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked

# The fixtures each target starts from.
seeds() {
    case "$1" in
        feed_parse | feed_clean) echo crates/parallax-feed/testdata crates/parallax/testdata/feeds demo/feeds ;;
        opml_import) echo outlets demo/feeds.opml crates/parallax-outlets/testdata ;;
        ratings_import) echo crates/parallax-outlets/testdata demo/ratings.csv ;;
        extract) echo crates/parallax-extract/testdata ;;
        sentences | tokenizer) echo demo/feeds crates/parallax-summary/testdata crates/parallax-cluster/testdata ;;
    esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for target in "${TARGETS[@]}"; do
    corpus="$work/$target"
    mkdir -p "$corpus"
    for seed in $(seeds "$target"); do
        [ -e "$seed" ] || continue
        # Golden files and large pages are not useful seeds; 64 KiB is plenty.
        find "$seed" -type f ! -name '*.golden.*' -size -64k -exec cp -t "$corpus" {} + 2>/dev/null || true
    done
    echo "== $target: $(find "$corpus" -type f | wc -l) seeds, ${SECONDS_PER_TARGET} s"
    if ! cargo +nightly fuzz run --fuzz-dir fuzz "$target" "$corpus" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1; then
        echo "== $target: a finding; its input is in fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit $status
