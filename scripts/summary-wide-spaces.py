#!/usr/bin/env python3
"""Real stories with no-break and other wide spaces, summarised by the real
binary: it must finish every story, and no bullet may end mid-sentence.

Reads neus-dev from ../shared/data (never copied here), puts a no-break,
narrow no-break, thin or ideographic space in place of 30% of the spaces of
every article's text, and runs `parallax summarize` on the result.

usage: scripts/summary-wide-spaces.py [path/to/parallax] (default target/release/parallax)"""
import json, random, subprocess, sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "neus-dev"
SPACES = ["\u00a0", "\u202f", "\u2009", "\u3000"]

def stories(rng):
    articles = {}
    for line in open(DATA / "cluster-in.jsonl", encoding="utf-8"):
        article = json.loads(line)
        articles[article["id"]] = article
    for line in open(DATA / "stories.jsonl", encoding="utf-8"):
        story = json.loads(line)
        inline = []
        for ident in story["articles"]:
            article = dict(articles[ident], language="en")
            words = article["text"].split(" ")
            article["text"] = "".join(w + (rng.choice(SPACES) if rng.random() < 0.3 else " ") for w in words).strip()
            inline.append(article)
        yield json.dumps({"story": story["story"], "articles": inline})

def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "target/release/parallax"
    lines = list(stories(random.Random(7)))
    run = subprocess.run([binary, "summarize"], input="\n".join(lines) + "\n", capture_output=True, text=True)
    out = [json.loads(line) for line in run.stdout.splitlines()]
    bullets = [b for s in out for b in s["bullets"] + sum(s["sides"].values(), [])]
    cut = [b for b in bullets if (e := b.rstrip("\"'”’)] ")).endswith(("...", "…")) or not e.endswith((".", "!", "?"))]
    print(f"exit status {run.returncode}; {len(out)} of {len(lines)} stories summarised; "
          f"{len(bullets)} bullets, {len(cut)} ending mid-sentence")
    panic = next((l for l in run.stderr.splitlines() if "panicked" in l), None)
    if panic:
        print(panic)
    return 0 if run.returncode == 0 and len(out) == len(lines) and not cut else 1

if __name__ == "__main__":
    sys.exit(main())
