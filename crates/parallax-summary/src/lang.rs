//! Per-language data: Snowball stemmer, NLTK stop words, and the
//! abbreviations sentence splitting must not end a sentence on.
//!
//! Built once per process (stop-word sets are a few hundred words each) and
//! shared read-only by every call.

use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashSet;
use std::sync::OnceLock;

/// Snowball languages that have an NLTK stop-word list. English first: it
/// wins ties when guessing, being the most common language of the feeds.
const LANGUAGES: [(&str, Algorithm); 18] = [
    ("en", Algorithm::English),
    ("de", Algorithm::German),
    ("fr", Algorithm::French),
    ("es", Algorithm::Spanish),
    ("it", Algorithm::Italian),
    ("pt", Algorithm::Portuguese),
    ("nl", Algorithm::Dutch),
    ("ar", Algorithm::Arabic),
    ("da", Algorithm::Danish),
    ("fi", Algorithm::Finnish),
    ("el", Algorithm::Greek),
    ("hu", Algorithm::Hungarian),
    ("no", Algorithm::Norwegian),
    ("ro", Algorithm::Romanian),
    ("ru", Algorithm::Russian),
    ("sv", Algorithm::Swedish),
    ("ta", Algorithm::Tamil),
    ("tr", Algorithm::Turkish),
];

/// Abbreviations (lower-case, without the final dot) after which a period
/// never ends a sentence: titles before names, month and unit abbreviations
/// before numbers. Single letters (initials) are handled by rule, not listed.
const NEVER_FINAL_EN: &[&str] = &[
    "mr", "mrs", "ms", "messrs", "dr", "prof", "sen", "sens", "rep", "reps", "gov", "gen", "lt", "col", "maj", "capt",
    "cmdr", "sgt", "adm", "rev", "hon", "pres", "supt", "atty", "st", "mt", "ft", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "approx", "dept", "est", "fig", "vol", "ave", "blvd",
    "e.g", "i.e", "cf", "ca",
];
const NEVER_FINAL_DE: &[&str] = &[
    "hr", "fr", "dr", "prof", "nr", "bzw", "ca", "vgl", "z.b", "u.a", "d.h", "z.t", "o.ä", "sog", "inkl", "evtl",
    "ggf", "abs", "art", "bd", "geb", "gest", "st", "str", "jh", "mio", "mrd", "jan", "feb", "mär", "apr", "jun",
    "jul", "aug", "sep", "sept", "okt", "nov", "dez", "dipl", "min", "max", "tel",
];
const NEVER_FINAL_FR: &[&str] = &[
    "mme", "mmes", "mlle", "mlles", "mm", "dr", "pr", "me", "st", "ste", "av", "bd", "cf", "env", "janv", "févr",
    "avr", "juil", "sept", "oct", "nov", "déc", "mds", "md", "p", "art", "vol", "n°",
];
const NEVER_FINAL_ES: &[&str] = &[
    "sr", "sra", "srta", "sres", "dr", "dra", "lic", "ing", "arq", "prof", "ud", "uds", "vd", "vds", "av", "avda",
    "gral", "dpto", "núm", "pág", "ene", "feb", "abr", "ago", "sept", "oct", "nov", "dic", "aprox", "art", "gob",
];

/// Abbreviations that often end a sentence too ("... a unit of Alphabet
/// Inc."): a period after them ends a sentence only when a capitalised stop
/// word or a quote follows. Dotted acronyms ("U.S.", "a.m.") get the same
/// treatment by rule.
const MAYBE_FINAL_EN: &[&str] = &["inc", "corp", "co", "ltd", "llc", "plc", "jr", "sr", "etc", "bros", "no"];
const MAYBE_FINAL_DE: &[&str] = &["usw", "etc", "gmbh", "jr"];
const MAYBE_FINAL_FR: &[&str] = &["etc", "cie", "jr"];
const MAYBE_FINAL_ES: &[&str] = &["etc", "cía", "jr"];

/// Index of a language in [`LANGUAGES`], or [`OTHER`].
pub(crate) type LangId = usize;

/// Text in a language without stemmer and stop words: words are kept whole.
pub(crate) const OTHER: LangId = LANGUAGES.len();

/// English, first in [`LANGUAGES`]: the language of the rules that only
/// English has (attribution, headline rewriting).
pub(crate) const ENGLISH: LangId = 0;

/// Stop words counted when guessing an undeclared language.
const GUESS_TOKENS: usize = 120;
/// A guess needs at least this many stop-word hits; below it the text is
/// too short to say and is treated as English, the common case.
const GUESS_MIN_HITS: u32 = 2;

pub(crate) struct Language {
    pub code: &'static str,
    pub stemmer: Stemmer,
    pub stop_words: FxHashSet<&'static str>,
    pub never_final: &'static [&'static str],
    pub maybe_final: &'static [&'static str],
}

pub(crate) struct Languages {
    pub list: Vec<Language>,
}

pub(crate) fn languages() -> &'static Languages {
    static LANGUAGE_DATA: OnceLock<Languages> = OnceLock::new();
    LANGUAGE_DATA.get_or_init(|| {
        let mut list: Vec<Language> = LANGUAGES
            .iter()
            .map(|(code, algorithm)| {
                let (never_final, maybe_final): (&[&str], &[&str]) = match *code {
                    "en" => (NEVER_FINAL_EN, MAYBE_FINAL_EN),
                    "de" => (NEVER_FINAL_DE, MAYBE_FINAL_DE),
                    "fr" => (NEVER_FINAL_FR, MAYBE_FINAL_FR),
                    "es" => (NEVER_FINAL_ES, MAYBE_FINAL_ES),
                    _ => (&[], &[]),
                };
                Language {
                    code,
                    stemmer: Stemmer::create(*algorithm),
                    stop_words: stop_words::lookup(code).unwrap_or(&[]).iter().copied().collect(),
                    never_final,
                    maybe_final,
                }
            })
            .collect();
        // Unknown languages still split sentences by the generic rules and
        // keep every word, unstemmed.
        list.push(Language {
            code: "",
            stemmer: Stemmer::create(Algorithm::English),
            stop_words: FxHashSet::default(),
            never_final: &[],
            maybe_final: &[],
        });
        Languages { list }
    })
}

impl Languages {
    /// The language an article declares (ISO 639-1, case and region
    /// ignored: "en-GB" is "en"), or the one its text looks like.
    pub fn resolve(&self, declared: Option<&str>, sample: &str) -> LangId {
        match declared {
            Some(code) => {
                let primary = code.split(['-', '_']).next().unwrap_or(code).trim();
                self.list[..OTHER].iter().position(|l| l.code.eq_ignore_ascii_case(primary)).unwrap_or(OTHER)
            }
            None => self.guess(sample),
        }
    }

    fn guess(&self, sample: &str) -> LangId {
        let mut hits = [0u32; OTHER];
        let mut lower = String::new();
        for word in
            sample.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()).take(GUESS_TOKENS)
        {
            lower.clear();
            lower.extend(word.chars().flat_map(char::to_lowercase));
            for (index, language) in self.list[..OTHER].iter().enumerate() {
                if language.stop_words.contains(lower.as_str()) {
                    hits[index] += 1;
                }
            }
        }
        let (best, count) =
            hits.iter().enumerate().fold((0, 0), |best, (i, &h)| if h > best.1 { (i, h) } else { best });
        if count >= GUESS_MIN_HITS { best } else { 0 }
    }

    pub fn get(&self, id: LangId) -> &Language {
        &self.list[id.min(OTHER)]
    }
}
