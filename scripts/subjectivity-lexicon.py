#!/usr/bin/env python3
"""Regenerates crates/parallax-summary/data/evaluative-en.txt: the English
evaluative adjectives that neutral story titles keep out.

Source: the subjectivity lexicon of Pattern (De Smedt & Daelemans, CLiPS),
as maintained and shipped by TextBlob (`textblob/en/en-sentiment.xml`,
licence PDDL, public domain). Each adjective sense there has a polarity
(-1..1) and a subjectivity (0..1), tagged by hand or inferred from WordNet.

Selection: the mean over a word's senses has subjectivity >= 0.9 (opinion,
not description) and |polarity| >= 0.5 (praise or blame, not size or
degree), which keeps "shocking", "scathing", "disastrous" and leaves
"massive", "key", "likely" and "former" alone.

usage: scripts/subjectivity-lexicon.py > crates/parallax-summary/data/evaluative-en.txt
(needs pip and network access to PyPI)."""
import collections, glob, subprocess, sys, tempfile, zipfile
import xml.etree.ElementTree as ET

VERSION = "0.20.1"

def main():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"textblob=={VERSION}", "-d", tmp],
                       check=True)
        wheel = glob.glob(f"{tmp}/textblob-*.whl")[0]
        with zipfile.ZipFile(wheel) as archive:
            root = ET.fromstring(archive.read("textblob/en/en-sentiment.xml"))
    senses = collections.defaultdict(list)
    for word in root.iter("word"):
        if word.get("pos") == "JJ":
            senses[word.get("form").lower()].append((float(word.get("polarity")), float(word.get("subjectivity"))))
    print(f"# Evaluative English adjectives: Pattern's subjectivity lexicon as TextBlob {VERSION} ships it")
    print("# (textblob/en/en-sentiment.xml, PDDL). Mean subjectivity >= 0.9 and |mean polarity| >= 0.5.")
    print("# Regenerate with scripts/subjectivity-lexicon.py; do not edit by hand.")
    for form in sorted(senses):
        values = senses[form]
        polarity = sum(p for p, _ in values) / len(values)
        subjectivity = sum(s for _, s in values) / len(values)
        if subjectivity >= 0.9 and abs(polarity) >= 0.5 and form.isascii() and " " not in form:
            print(form)

if __name__ == "__main__":
    main()
