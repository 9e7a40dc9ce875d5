"""Regenerates the expected values in this folder from the reference
implementation: Google's rouge-score 0.1.2 with NLTK's Porter stemmer
(checked with nltk 3.10.4). `pip install rouge-score`, then run from this
folder: `python3 make_expected.py`. The Rust tests never run Python."""
import itertools
import json

from nltk.stem import porter
from rouge_score import rouge_scorer

roots = ["nation", "general", "hope", "run", "happy", "sky", "die", "relate", "predict", "commune",
         "sense", "digit", "form", "agree", "feed", "motor", "hop", "fall", "fail", "file", "trouble",
         "size", "conflate", "electric", "condition", "analog", "quick", "fly", "try", "spy", "enjoy",
         "toy", "care", "pony", "tie", "plaster", "bleed", "sing", "tan", "hiss", "fizz", "radical",
         "vile", "operate", "feud", "decide", "call", "sensitive", "triple", "good", "revive",
         "allow", "airline", "adjust", "defend", "irritate", "replace", "depend", "adopt", "homolog",
         "activate", "angular", "effect", "bowdler", "probate", "rate", "cease", "control", "roll",
         "syzygy", "yell", "play", "obey", "oat", "tree", "ivy", "orrery", "mean", "ground", "news"]
suffixes = ["", "s", "es", "ed", "ied", "ies", "ing", "ly", "li", "y", "ness", "ation", "ational",
            "tional", "al", "ally", "alli", "ize", "ization", "izer", "ful", "fully", "fulli",
            "fulness", "ous", "ously", "ousli", "ousness", "ive", "iveness", "iviti", "ible", "able",
            "abli", "bli", "biliti", "ment", "ement", "ent", "entli", "ence", "enci", "ance", "anci",
            "ism", "alism", "ic", "ical", "icate", "iciti", "ative", "alize", "aliti", "ator", "logi",
            "ion", "ou", "ate", "iti", "eed", "ll", "e"]
stemmer = porter.PorterStemmer()
words = sorted({root + suffix for root, suffix in itertools.product(roots, suffixes)}
               | {"dying", "lying", "tying", "skies", "innings", "outings", "cannings", "howe",
                  "proceed", "exceed", "succeed", "yyyyyy", "2019", "covid19", "abc123s"})
with open("porter-nltk.tsv", "w") as out:
    out.write("# word<TAB>stem by nltk PorterStemmer() (NLTK_EXTENSIONS); from make_expected.py\n")
    for word in words:
        out.write(f"{word}\t{stemmer.stem(word)}\n")

scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
with open("cases.json") as f:
    cases = json.load(f)
for case in cases:
    scores = scorer.score(case["target"], case["prediction"])
    case["expected"] = {name: [s.precision, s.recall, s.fmeasure] for name, s in scores.items()}
    case["tokens"] = scorer._tokenizer.tokenize(case["prediction"])
with open("cases.json", "w") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
