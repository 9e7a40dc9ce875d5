#!/usr/bin/env python3
"""feedparser's reading of the first entry of each case of its own test suite,
as JSON Lines for `parallax eval feeds --judge FILE`, so Parallax and
feedparser are judged by one harness.

    python3 -m venv /tmp/fp && /tmp/fp/bin/pip install feedparser==6.0.14
    /tmp/fp/bin/pip download --no-deps --no-binary :all: feedparser==6.0.14 -d /tmp/fp
    tar xzf /tmp/fp/feedparser-6.0.14.tar.gz -C /tmp/fp
    /tmp/fp/bin/python scripts/feedparser_first_entries.py /tmp/fp/feedparser-6.0.14/tests > /tmp/fp/first.jsonl
    parallax eval feeds --suite /tmp/fp/feedparser-6.0.14/tests --judge /tmp/fp/first.jsonl

Each case is parsed as feedparser's own test runner serves it: from
http://127.0.0.1:8097/tests/PATH, with the HTTP headers its `Header:` lines
give (Content-Location, Content-Type, ...).
"""

import json
import os
import re
import sys

import feedparser

HEADER = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
DATE_KEYS = ("published_parsed", "updated_parsed", "created_parsed", "expired_parsed")


def first_entry(path, rel):
    with open(path, "rb") as f:
        data = f.read()
    headers = {k.decode().strip().lower(): v.decode().strip() for k, v in HEADER.findall(data)}
    headers.setdefault("content-type", "application/xml")
    headers.setdefault("content-location", "http://127.0.0.1:8097/tests/" + rel)
    parsed = feedparser.parse(data, response_headers=headers)
    if not parsed.entries:
        return {"case": rel}
    entry = parsed.entries[0]
    content = entry.get("content") or [{}]
    dates = {key: list(entry[key][:6]) for key in DATE_KEYS if entry.get(key)}
    return {
        "case": rel,
        "title": entry.get("title"),
        "link": entry.get("link"),
        "summary": entry.get("summary"),
        "content": content[0].get("value"),
        "id": entry.get("id"),
        "dates": dates,
    }


def main(tests):
    for directory, _, files in os.walk(tests):
        for name in sorted(files):
            if not name.endswith(".xml"):
                continue
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, tests).replace(os.sep, "/")
            print(json.dumps(first_entry(path, rel), ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
