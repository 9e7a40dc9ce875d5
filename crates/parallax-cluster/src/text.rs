//! Text analysis: tokens, language, stems, names, numbers and the shingle
//! sketch used to spot wire copies.
//!
//! Everything an article contributes to clustering is computed here in one
//! pass over its title and lead, into buffers reused from article to article,
//! so the hot path allocates only the vectors it hands back.

use crate::latin::{name_key, number_key};
use rust_stemmers::{Algorithm, Stemmer};
use rustc_hash::FxHashMap;
use std::hash::{BuildHasher, Hasher};

/// Snowball languages, each with its NLTK stop-word list. The order matters
/// only to break ties when guessing a language: English first because it is
/// the most common language of the feeds Parallax reads.
const LANGUAGES: [(&str, Algorithm); 18] = [
    ("en", Algorithm::English),
    ("ar", Algorithm::Arabic),
    ("da", Algorithm::Danish),
    ("nl", Algorithm::Dutch),
    ("fi", Algorithm::Finnish),
    ("fr", Algorithm::French),
    ("de", Algorithm::German),
    ("el", Algorithm::Greek),
    ("hu", Algorithm::Hungarian),
    ("it", Algorithm::Italian),
    ("no", Algorithm::Norwegian),
    ("pt", Algorithm::Portuguese),
    ("ro", Algorithm::Romanian),
    ("ru", Algorithm::Russian),
    ("es", Algorithm::Spanish),
    ("sv", Algorithm::Swedish),
    ("ta", Algorithm::Tamil),
    ("tr", Algorithm::Turkish),
];

/// Index of a language in [`LANGUAGES`], or [`OTHER_LANGUAGE`].
pub(crate) type LangId = u8;

/// Words of a language without a stemmer: kept whole, no stop words removed
/// (document frequency still damps the common ones).
pub(crate) const OTHER_LANGUAGE: LangId = LANGUAGES.len() as LangId;

/// Key prefixes keeping the term kinds apart in one vocabulary. Words carry
/// their language (`b'a' + LangId`) so that words of two languages never
/// match; names and numbers are shared by all languages, which is what lets
/// articles in different languages meet at all.
const STOP_WORD_PREFIX: u8 = 0;
const ENTITY_PREFIX: u8 = 1;
const NUMBER_PREFIX: u8 = 2;

/// Marks a cached surface form that yields no term (a single letter).
const NO_TERM: u32 = u32::MAX;

/// Marks a cached stop word whose stem was not looked up: stop words count
/// as words only when written as acronyms ("US", "IT").
const UNSTEMMED: u32 = u32::MAX - 1;

/// How a term entered the article's vector; decides its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermKind {
    Word,
    Entity,
    Number,
}

/// Tokens of at most this many characters starting a title are enough to
/// tell Title Case from sentence case.
const TITLE_CASE_MIN_WORD_CHARS: usize = 4;

/// A title is in Title Case (its capitals say nothing about names) when at
/// least this share of its longer words are capitalised. Sentence-case
/// headlines with many names stay below it ("Trump slams John Kerry for
/// 'shadow diplomacy' on Iran deal": 3 of 6).
const TITLE_CASE_SHARE: f32 = 0.7;

/// Stop words counted to guess an undeclared language: enough to decide on a
/// headline plus lead without reading whole articles.
const LANGUAGE_GUESS_TOKENS: usize = 120;

/// A guessed language needs at least this many stop-word hits.
const LANGUAGE_GUESS_MIN_HITS: u32 = 2;

/// One token of the title or lead, pointing into the lower-cased buffer.
#[derive(Debug, Clone, Copy)]
struct Token {
    start: u32,
    end: u32,
    flags: u8,
}

const CAPITALISED: u8 = 1;
const ALL_CAPS: u8 = 2;
const SENTENCE_START: u8 = 4;
const NUMBER: u8 = 8;
const IN_TITLE: u8 = 16;
const IDEOGRAPH: u8 = 32;

/// The part of an article that clustering reads, before weighting.
#[derive(Debug, Default)]
pub(crate) struct Analysis {
    pub language: LangId,
    /// `(term, raw count, kind)` with title occurrences counted
    /// `title_weight` times; sorted by term, one entry per term.
    pub terms: Vec<(u32, f32, TermKind)>,
    /// Bottom-k sketch of the word 3-shingles, sorted ascending.
    pub sketch: Vec<u64>,
    /// Days of the week the title and lead name, one bit per day (Monday
    /// bit 0); 0 when none is named.
    pub weekdays: u8,
}

/// What a lower-cased word in one language stands for.
#[derive(Debug, Clone, Copy)]
struct Surface {
    /// Word term id, [`NO_TERM`] or [`UNSTEMMED`].
    word: u32,
    stop: bool,
    /// The day-of-week bit the word names (see [`weekday`]), or 0.
    weekday: u8,
    /// Entity term id of the word capitalised, [`NO_TERM`] until needed.
    entity: u32,
}

/// Surface forms already read, by key: a hash map behind a small
/// direct-mapped table that holds the most recent form in each of its
/// places. Most tokens are a few thousand common words, which the table
/// answers from the cache where the map, holding every form of the window,
/// would miss it.
struct SurfaceCache {
    map: FxHashMap<u64, Surface>,
    front: Vec<(u64, Surface)>,
}

/// Places in [`SurfaceCache`]'s table: 4,096 of 24 bytes.
const SURFACE_FRONT: usize = 1 << 12;

impl SurfaceCache {
    fn new() -> Self {
        // Place `i` starts with key `!i`, which no key stored there can
        // equal (a key's place is its low bits, and `!i`'s differ from `i`).
        let empty = Surface { word: NO_TERM, stop: false, weekday: 0, entity: NO_TERM };
        let front = (0..SURFACE_FRONT).map(|place| (!(place as u64), empty)).collect();
        SurfaceCache { map: FxHashMap::default(), front }
    }

    fn get(&mut self, key: u64) -> Option<Surface> {
        let place = key as usize & (SURFACE_FRONT - 1);
        if self.front[place].0 == key {
            return Some(self.front[place].1);
        }
        let surface = *self.map.get(&key)?;
        self.front[place] = (key, surface);
        Some(surface)
    }

    fn insert(&mut self, key: u64, surface: Surface) {
        self.map.insert(key, surface);
        self.front[key as usize & (SURFACE_FRONT - 1)] = (key, surface);
    }
}

/// Term ids by key. A key is the 64-bit hash of the term's kind prefix and
/// text, which stands for the text itself: no string is kept, and two
/// terms merge only on a hash collision (odds around 1 in 10^7 for a
/// million-term vocabulary: harmless for clustering). Ids of forgotten
/// terms are reused.
#[derive(Default)]
struct Vocabulary {
    ids: FxHashMap<u64, u32>,
    /// Id -> key, or [`FORGOTTEN`].
    keys: Vec<u64>,
    free: Vec<u32>,
}

/// Key of a recycled id awaiting reuse; an id is live only while `ids`
/// maps its key back to it, so a real key of 0 is no confusion.
const FORGOTTEN: u64 = 0;

impl Vocabulary {
    fn intern(&mut self, key: u64) -> u32 {
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                self.keys[id as usize] = key;
                id
            }
            None => {
                self.keys.push(key);
                (self.keys.len() - 1) as u32
            }
        };
        self.ids.insert(key, id);
        id
    }

    fn forget(&mut self, id: u32) {
        let Some(&key) = self.keys.get(id as usize) else { return };
        if self.ids.get(&key) == Some(&id) {
            self.ids.remove(&key);
            self.keys[id as usize] = FORGOTTEN;
            self.free.push(id);
        }
    }
}

/// Turns text into terms. Owns the term vocabulary, so a term id means the
/// same term for as long as the term is remembered.
pub(crate) struct Analyzer {
    stemmers: Vec<Stemmer>,
    /// Key of a lower-cased stop word -> bit set of the languages listing it.
    stop_words: FxHashMap<u64, u32>,
    vocabulary: Vocabulary,
    /// Key of a lower-cased surface form in a language -> what it stands
    /// for, so each distinct word is stemmed once.
    surface_cache: SurfaceCache,
    lower: String,
    tokens: Vec<Token>,
    /// Every term occurrence as `(term, weight, kind)`, summed per term
    /// once the text is read (a sort beats a hash map at this size).
    counts: Vec<(u32, f32, TermKind)>,
    confirmed_entities: Vec<u32>,
    deferred_entities: Vec<(u32, f32)>,
    /// Days of the week named by the text being analysed.
    weekdays: u8,
    shingles: Vec<u64>,
    /// A name's or number's key in Latin letters (see `latin`).
    latin: String,
}

impl Analyzer {
    pub fn new() -> Self {
        let mut stop_words: FxHashMap<u64, u32> = FxHashMap::default();
        for (index, (code, _)) in LANGUAGES.iter().enumerate() {
            for word in stop_words::lookup(code).unwrap_or(&[]) {
                *stop_words.entry(key_hash(STOP_WORD_PREFIX, word)).or_default() |= 1 << index;
            }
        }
        Analyzer {
            stemmers: LANGUAGES.iter().map(|(_, algorithm)| Stemmer::create(*algorithm)).collect(),
            stop_words,
            vocabulary: Vocabulary::default(),
            surface_cache: SurfaceCache::new(),
            lower: String::new(),
            tokens: Vec::new(),
            counts: Vec::new(),
            confirmed_entities: Vec::new(),
            deferred_entities: Vec::new(),
            weekdays: 0,
            shingles: Vec::new(),
            latin: String::new(),
        }
    }

    /// Number of terms remembered.
    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.ids.len()
    }

    /// Forgets terms: their ids will be handed to new terms.
    pub fn forget_terms(&mut self, terms: &[u32]) {
        for &term in terms {
            self.vocabulary.forget(term);
        }
        // Cached surface forms may point at forgotten ids; the cache refills.
        self.surface_cache = SurfaceCache::new();
    }

    /// Reads `title` and `text` into `out`. `language` is the caller's
    /// ISO 639-1 code (region suffixes ignored); when absent it is guessed
    /// from stop words.
    pub fn analyze(
        &mut self,
        title: &str,
        text: &str,
        language: Option<&str>,
        title_weight: f32,
        sketch_size: usize,
        out: &mut Analysis,
    ) {
        self.lower.clear();
        self.tokens.clear();
        tokenize(title, IN_TITLE, &mut self.lower, &mut self.tokens);
        let title_tokens = self.tokens.len();
        tokenize(text, 0, &mut self.lower, &mut self.tokens);

        let lang = match language {
            Some(code) => language_id(code),
            None => self.guess_language(),
        };
        out.language = lang;
        let title_is_title_case = self.title_is_title_case(title_tokens);
        self.collect_terms(lang, title_is_title_case, title_weight);
        out.weekdays = self.weekdays;

        out.terms.clear();
        self.counts.sort_unstable_by_key(|&(term, _, _)| term);
        for &(term, weight, kind) in &self.counts {
            match out.terms.last_mut() {
                Some(last) if last.0 == term => last.1 += weight,
                _ => out.terms.push((term, weight, kind)),
            }
        }
        self.sketch(sketch_size, &mut out.sketch);
    }

    fn guess_language(&self) -> LangId {
        let mut hits = [0u32; LANGUAGES.len()];
        for token in self.tokens.iter().take(LANGUAGE_GUESS_TOKENS) {
            if let Some(&languages) = self.stop_words.get(&key_hash(STOP_WORD_PREFIX, self.token_text(token))) {
                for (index, hit) in hits.iter_mut().enumerate() {
                    *hit += (languages >> index) & 1;
                }
            }
        }
        let mut best = OTHER_LANGUAGE;
        let mut best_hits = LANGUAGE_GUESS_MIN_HITS - 1;
        for (index, &count) in hits.iter().enumerate() {
            if count > best_hits {
                best = index as LangId;
                best_hits = count;
            }
        }
        best
    }

    fn title_is_title_case(&self, title_tokens: usize) -> bool {
        let mut long_words = 0usize;
        let mut capitalised = 0usize;
        for token in &self.tokens[..title_tokens] {
            if token.flags & (NUMBER | IDEOGRAPH) != 0
                || self.token_text(token).chars().count() < TITLE_CASE_MIN_WORD_CHARS
            {
                continue;
            }
            long_words += 1;
            if token.flags & (CAPITALISED | ALL_CAPS) != 0 {
                capitalised += 1;
            }
        }
        long_words > 0 && capitalised as f32 >= TITLE_CASE_SHARE * long_words as f32
    }

    fn token_text(&self, token: &Token) -> &str {
        &self.lower[token.start as usize..token.end as usize]
    }

    fn collect_terms(&mut self, lang: LangId, title_is_title_case: bool, title_weight: f32) {
        self.counts.clear();
        self.weekdays = 0;
        self.confirmed_entities.clear();
        self.deferred_entities.clear();
        let stop_bit = if lang == OTHER_LANGUAGE { 0 } else { 1u32 << lang };
        let mut previous_ideograph: Option<usize> = None;
        for index in 0..self.tokens.len() {
            let token = self.tokens[index];
            let weight = if token.flags & IN_TITLE != 0 { title_weight } else { 1.0 };
            if token.flags & IDEOGRAPH != 0 {
                // Scripts without spaces: each pair of neighbouring characters
                // is a word, the usual cheap stand-in for segmentation.
                if let Some(previous) = previous_ideograph {
                    let start = self.tokens[previous].start as usize;
                    let end = token.end as usize;
                    let term = self.vocabulary.intern(key_hash(word_prefix(lang), &self.lower[start..end]));
                    add_count(&mut self.counts, term, weight, TermKind::Word);
                }
                previous_ideograph = Some(index);
                continue;
            }
            previous_ideograph = None;
            let start = token.start as usize;
            let end = token.end as usize;
            if token.flags & NUMBER != 0 {
                // A lone digit is as common as a stop word and names nothing.
                if end - start < 2 {
                    continue;
                }
                let key = number_key(&self.lower[start..end], &mut self.latin);
                let term = self.vocabulary.intern(key_hash(NUMBER_PREFIX, key));
                add_count(&mut self.counts, term, weight, TermKind::Number);
                continue;
            }
            let acronym = token.flags & ALL_CAPS != 0;
            let (word, is_stop, surface_key) = self.word_term(lang, stop_bit, start, end, acronym);
            if let Some(term) = word {
                add_count(&mut self.counts, term, weight, TermKind::Word);
            }
            if is_stop && !acronym {
                continue;
            }
            let capitals_mean_nothing = token.flags & IN_TITLE != 0 && title_is_title_case;
            if acronym && !capitals_mean_nothing {
                let term = self.entity_term(surface_key, start, end);
                self.confirmed_entities.push(term);
                add_count(&mut self.counts, term, weight, TermKind::Entity);
            } else if token.flags & (CAPITALISED | ALL_CAPS) != 0 {
                let term = self.entity_term(surface_key, start, end);
                if token.flags & SENTENCE_START == 0 && !capitals_mean_nothing {
                    self.confirmed_entities.push(term);
                    add_count(&mut self.counts, term, weight, TermKind::Entity);
                } else {
                    self.deferred_entities.push((term, weight));
                }
            }
        }
        // A capitalised word at a sentence start or in a Title Case headline
        // is a name only if the article also capitalises it mid-sentence.
        for &(term, weight) in &self.deferred_entities {
            if self.confirmed_entities.contains(&term) {
                add_count(&mut self.counts, term, weight, TermKind::Entity);
            }
        }
    }

    /// The word term of `lower[start..end]` (none for a stop word unless
    /// written as an acronym) and whether it is a stop word of `lang`.
    fn word_term(
        &mut self,
        lang: LangId,
        stop_bit: u32,
        start: usize,
        end: usize,
        acronym: bool,
    ) -> (Option<u32>, bool, u64) {
        let key = key_hash(word_prefix(lang), &self.lower[start..end]);
        let cached = match self.surface_cache.get(key) {
            Some(cached) => cached,
            None => {
                let surface = &self.lower[start..end];
                let stop = self
                    .stop_words
                    .get(&key_hash(STOP_WORD_PREFIX, surface))
                    .is_some_and(|&languages| languages & stop_bit != 0);
                let weekday = weekday(surface).map_or(0, |day| 1 << day);
                let word = if stop { UNSTEMMED } else { self.stem_term(lang, start, end) };
                let entry = Surface { word, stop, weekday, entity: NO_TERM };
                self.surface_cache.insert(key, entry);
                entry
            }
        };
        let word = match cached.word {
            UNSTEMMED if acronym => {
                let word = self.stem_term(lang, start, end);
                self.surface_cache.insert(key, Surface { word, ..cached });
                word
            }
            word => word,
        };
        self.weekdays |= cached.weekday;
        let counts = !cached.stop || acronym;
        ((counts && word < UNSTEMMED).then_some(word), cached.stop, key)
    }

    fn stem_term(&mut self, lang: LangId, start: usize, end: usize) -> u32 {
        let surface = &self.lower[start..end];
        if surface.chars().nth(1).is_none() {
            return NO_TERM;
        }
        let key = match self.stemmers.get(lang as usize) {
            Some(stemmer) => key_hash(word_prefix(lang), &stemmer.stem(surface)),
            None => key_hash(word_prefix(lang), surface),
        };
        self.vocabulary.intern(key)
    }

    /// The entity term of `lower[start..end]`, whose surface form is cached
    /// under `surface_key` (remembered there: names recur).
    fn entity_term(&mut self, surface_key: u64, start: usize, end: usize) -> u32 {
        if let Some(surface) = self.surface_cache.get(surface_key)
            && surface.entity != NO_TERM
        {
            return surface.entity;
        }
        let key = name_key(&self.lower[start..end], &mut self.latin);
        let term = self.vocabulary.intern(key_hash(ENTITY_PREFIX, key));
        if let Some(surface) = self.surface_cache.get(surface_key) {
            self.surface_cache.insert(surface_key, Surface { entity: term, ..surface });
        }
        term
    }

    /// Bottom-k sketch of the article's word 3-shingles (every token,
    /// stop words included: copies share their function words too).
    fn sketch(&mut self, sketch_size: usize, out: &mut Vec<u64>) {
        let hasher = rustc_hash::FxBuildHasher;
        self.shingles.clear();
        let mut window = [0u64; 3];
        for (index, token) in self.tokens.iter().enumerate() {
            window.rotate_left(1);
            window[2] = hasher.hash_one(self.token_text(token));
            if index >= 2 {
                let mut shingle = rustc_hash::FxHasher::default();
                shingle.write_u64(window[0]);
                shingle.write_u64(window[1]);
                shingle.write_u64(window[2]);
                self.shingles.push(mix64(shingle.finish()));
            }
        }
        self.shingles.sort_unstable();
        self.shingles.dedup();
        out.clear();
        out.extend(self.shingles.iter().take(sketch_size));
    }
}

/// Estimated Jaccard similarity of the shingle sets behind two bottom-k
/// sketches: the share of the k smallest hashes of the union found in both.
pub(crate) fn sketch_similarity(a: &[u64], b: &[u64], sketch_size: usize) -> f32 {
    let (mut i, mut j, mut union, mut both) = (0, 0, 0usize, 0usize);
    while union < sketch_size && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, _) => j += 1,
        }
        union += 1;
    }
    if union == 0 { 0.0 } else { both as f32 / union as f32 }
}

/// Final mixing step of SplitMix64: spreads Fx's weak low bits so the
/// bottom-k sketch is a fair sample.
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The day of the week (Monday 0) a lower-cased word names, in the
/// languages whose day names are unambiguous as single words. News names
/// the day of an event within the past week ("on Thursday"), so two reports
/// naming different days are rarely of one event (see
/// `ClusterConfig::weekday_conflict`). Left out: Portuguese (`segunda`
/// alone is "second"), abbreviations (`sun`, `sat`) and plurals, which
/// name habits ("on Mondays"), not days.
fn weekday(word: &str) -> Option<u8> {
    let day = match word {
        "monday"
        | "montag"
        | "lundi"
        | "lunes"
        | "lunedì"
        | "lunedi"
        | "maandag"
        | "måndag"
        | "mandag"
        | "понедельник" => 0,
        "tuesday" | "dienstag" | "mardi" | "martes" | "martedì" | "martedi" | "dinsdag" | "tisdag" | "tirsdag"
        | "вторник" => 1,
        "wednesday" | "mittwoch" | "mercredi" | "miércoles" | "miercoles" | "mercoledì" | "mercoledi" | "woensdag"
        | "onsdag" | "среду" => 2,
        "thursday" | "donnerstag" | "jeudi" | "jueves" | "giovedì" | "giovedi" | "donderdag" | "torsdag"
        | "четверг" => 3,
        "friday" | "freitag" | "vendredi" | "viernes" | "venerdì" | "venerdi" | "vrijdag" | "fredag" | "пятницу"
        | "пятница" => 4,
        "saturday" | "samstag" | "sonnabend" | "samedi" | "sábado" | "sabato" | "zaterdag" | "lördag" | "lørdag"
        | "субботу" | "суббота" => 5,
        "sunday" | "sonntag" | "dimanche" | "domingo" | "domenica" | "zondag" | "söndag" | "søndag" | "воскресенье" => {
            6
        }
        _ => return None,
    };
    Some(day)
}

fn word_prefix(lang: LangId) -> u8 {
    b'a' + lang
}

/// The key of a term: its kind prefix and text, hashed.
fn key_hash(prefix: u8, text: &str) -> u64 {
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write_u8(prefix);
    hasher.write(text.as_bytes());
    mix64(hasher.finish())
}

fn add_count(counts: &mut Vec<(u32, f32, TermKind)>, term: u32, weight: f32, kind: TermKind) {
    counts.push((term, weight, kind));
}

/// Maps a caller's language tag (`en`, `en-GB`, `pt_BR`, `NB`) to a
/// language id; anything without a stemmer is [`OTHER_LANGUAGE`].
pub(crate) fn language_id(tag: &str) -> LangId {
    let primary = tag.split(['-', '_']).next().unwrap_or("").trim().to_ascii_lowercase();
    let primary = match primary.as_str() {
        "nb" | "nn" => "no",
        other => other,
    };
    LANGUAGES.iter().position(|(code, _)| *code == primary).map_or(OTHER_LANGUAGE, |i| i as LangId)
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0x20000..=0x2FA1F) // CJK extensions B..
}

/// What the characters of one token say about it, counted as it is read.
/// Written after a figure, these stand for a word ("60bn", "34m").
const AMOUNT_SUFFIXES: [&str; 5] = ["k", "m", "mn", "bn", "tn"];

/// The length of the figure of an amount written in one word with its
/// scale ("60bn", "2.5m"), or `None` for any other word.
fn amount_digits(word: &str) -> Option<usize> {
    let digits = word.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let figure = &word[..digits];
    (figure.starts_with(|c: char| c.is_ascii_digit())
        && !figure.ends_with('.')
        && AMOUNT_SUFFIXES.contains(&&word[digits..]))
    .then_some(digits)
}

struct WordShape {
    letters: usize,
    uppercase: usize,
    digits_only: bool,
    /// Its first character is an upper-case letter.
    capitalised: bool,
    first: bool,
}

impl WordShape {
    fn new() -> Self {
        WordShape { letters: 0, uppercase: 0, digits_only: true, capitalised: false, first: true }
    }

    fn note(&mut self, alphabetic: bool, upper: bool, numeric: bool) {
        if alphabetic {
            self.letters += 1;
            self.digits_only = false;
            if upper {
                self.uppercase += 1;
                self.capitalised |= self.first;
            }
        } else if !numeric {
            self.digits_only = false;
        }
        self.first = false;
    }
}

/// Splits `s` into tokens appended to `tokens`, their lower-cased text
/// appended to `lower`.
///
/// A token is a run of letters and digits. Digits joined by `.` or `,` stay
/// one number, with `,` read as `.` so `1,000` and `1.000` meet. Dotted
/// acronyms (`U.S.`) become one all-caps token. Sentence starts are tracked
/// so capitals there are not taken for names.
fn tokenize(s: &str, extra_flags: u8, lower: &mut String, tokens: &mut Vec<Token>) {
    // `i` is a byte offset; ASCII (most text) is read without decoding.
    let bytes = s.as_bytes();
    let char_at = |i: usize| match bytes.get(i) {
        Some(&byte) if byte.is_ascii() => Some(byte as char),
        Some(_) => s.get(i..).and_then(|rest| rest.chars().next()),
        None => None,
    };
    let mut sentence_start = true;
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        // ASCII spaces and punctuation, most of what lies between words,
        // without decoding.
        if byte.is_ascii() && !byte.is_ascii_alphanumeric() {
            if matches!(byte, b'.' | b'!' | b'?' | b':' | b'\n') {
                sentence_start = true;
            }
            i += 1;
            continue;
        }
        let Some(c) = char_at(i) else { break };
        if is_ideograph(c) {
            let start = lower.len() as u32;
            lower.push(c);
            tokens.push(Token { start, end: lower.len() as u32, flags: extra_flags | IDEOGRAPH });
            i += c.len_utf8();
            continue;
        }
        if !c.is_alphanumeric() {
            if matches!(c, '.' | '!' | '?' | ':' | '\n' | '。' | '！' | '？') {
                sentence_start = true;
            }
            i += c.len_utf8();
            continue;
        }
        let start = lower.len() as u32;
        let mut flags = extra_flags;
        if sentence_start {
            flags |= SENTENCE_START;
        }
        let mut shape = WordShape::new();
        let mut dotted = false;
        while let Some(&byte) = bytes.get(i) {
            // ASCII letters and digits, most of any text, without decoding.
            if byte.is_ascii_alphanumeric() {
                shape.note(byte.is_ascii_alphabetic(), byte.is_ascii_uppercase(), true);
                lower.push(byte.to_ascii_lowercase() as char);
                i += 1;
                continue;
            }
            // Only a full stop or a comma may join what follows.
            if byte.is_ascii() && !matches!(byte, b'.' | b',') {
                break;
            }
            let Some(c) = char_at(i) else { break };
            if !byte.is_ascii() && c.is_alphanumeric() && !is_ideograph(c) {
                shape.note(c.is_alphabetic(), c.is_uppercase(), c.is_numeric());
                lower.extend(c.to_lowercase());
                i += c.len_utf8();
                continue;
            }
            let after_c = i + c.len_utf8();
            let next = char_at(after_c);
            let joins_number = matches!(c, '.' | ',') && shape.digits_only && next.is_some_and(|n| n.is_ascii_digit());
            let joins_acronym = c == '.'
                && shape.letters == shape.uppercase
                && shape.letters > 0
                && next.is_some_and(|n| n.is_uppercase())
                && next.and_then(|n| char_at(after_c + n.len_utf8())).is_none_or(|after| !after.is_alphanumeric());
            if joins_number {
                lower.push('.');
                i += 1;
            } else if joins_acronym {
                dotted = true;
                i += 1;
            } else {
                break;
            }
        }
        let mut end = lower.len() as u32;
        if shape.capitalised {
            flags |= CAPITALISED;
        }
        if let Some(digits) = amount_digits(&lower[start as usize..]).filter(|_| !shape.digits_only) {
            // "$60bn" is the figure of "$60 billion".
            end = start + digits as u32;
            flags |= NUMBER;
        } else if shape.digits_only {
            flags |= NUMBER;
        } else if shape.letters >= 2 && shape.uppercase == shape.letters {
            flags |= ALL_CAPS;
        }
        // "J. Smith", "U.S. President": the full stop after an initial or
        // a dotted acronym rarely ends a sentence.
        let initial = shape.letters == 1 && shape.uppercase == 1;
        tokens.push(Token { start, end, flags });
        sentence_start = false;
        if (initial || dotted) && char_at(i) == Some('.') {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_texts(s: &str) -> Vec<(String, u8)> {
        let (mut lower, mut tokens) = (String::new(), Vec::new());
        tokenize(s, 0, &mut lower, &mut tokens);
        tokens.iter().map(|t| (lower[t.start as usize..t.end as usize].to_string(), t.flags)).collect()
    }

    #[test]
    fn numbers_acronyms_and_sentence_starts() {
        let tokens = token_texts("The U.S. paid $1,000.5 to NBC. Then J. Smith left");
        let texts: Vec<&str> = tokens.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["the", "us", "paid", "1.000.5", "to", "nbc", "then", "j", "smith", "left"]);
        assert!(tokens[0].1 & SENTENCE_START != 0);
        assert!(tokens[1].1 & ALL_CAPS != 0);
        assert!(tokens[3].1 & NUMBER != 0);
        assert!(tokens[6].1 & SENTENCE_START != 0, "a full stop after NBC ends the sentence");
        assert!(tokens[8].1 & SENTENCE_START == 0, "an initial does not end a sentence");
    }

    #[test]
    fn amounts_in_one_word_give_their_figure() {
        let tokens = token_texts("China taxes $60bn of goods, 2.5m tonnes, 5th round, 60 billion");
        let numbers: Vec<&str> = tokens.iter().filter(|(_, f)| f & NUMBER != 0).map(|(t, _)| t.as_str()).collect();
        assert_eq!(numbers, ["60", "2.5", "60"]);
    }

    #[test]
    fn forgotten_term_ids_go_to_new_terms() {
        let mut vocabulary = Vocabulary::default();
        let first = vocabulary.intern(key_hash(NUMBER_PREFIX, "1234"));
        let second = vocabulary.intern(key_hash(NUMBER_PREFIX, "5678"));
        assert_eq!(vocabulary.intern(key_hash(NUMBER_PREFIX, "1234")), first);
        vocabulary.forget(first);
        vocabulary.forget(first);
        assert_eq!(vocabulary.ids.len(), 1);
        let third = vocabulary.intern(key_hash(ENTITY_PREFIX, "kerry"));
        assert_eq!(third, first, "the forgotten id is reused");
        assert_eq!(vocabulary.intern(key_hash(NUMBER_PREFIX, "5678")), second);
        assert_ne!(vocabulary.intern(key_hash(NUMBER_PREFIX, "1234")), first, "a forgotten term comes back as new");
    }

    #[test]
    fn language_tags_are_normalised() {
        assert_eq!(language_id("en-GB"), 0);
        assert_eq!(language_id("NB"), language_id("no"));
        assert_eq!(language_id("ja"), OTHER_LANGUAGE);
    }

    fn weekdays_of(title: &str, text: &str) -> u8 {
        let mut out = Analysis::default();
        Analyzer::new().analyze(title, text, None, 2.0, 64, &mut out);
        out.weekdays
    }

    #[test]
    fn days_of_the_week_are_read_in_several_languages() {
        assert_eq!(weekdays_of("Senate votes on Thursday", "The vote follows Monday's debate."), 0b1001);
        assert_eq!(weekdays_of("Le Sénat vote jeudi", "Après le débat de lundi."), 0b1001);
        assert_eq!(weekdays_of("Bundestag stimmt am Donnerstag ab", ""), 0b1000);
        assert_eq!(weekdays_of("Shops close on Sundays", "Sun and sat are not days here."), 0);
    }

    #[test]
    fn undeclared_language_is_guessed_from_stop_words() {
        let mut analyzer = Analyzer::new();
        let mut out = Analysis::default();
        analyzer.analyze(
            "Le président est arrivé",
            "Il a dit que la réforme des retraites est une priorité pour le gouvernement.",
            None,
            2.0,
            64,
            &mut out,
        );
        assert_eq!(out.language, language_id("fr"));
    }

    #[test]
    fn sketches_of_identical_text_match_fully() {
        let mut analyzer = Analyzer::new();
        let (mut a, mut b) = (Analysis::default(), Analysis::default());
        let lead = "WASHINGTON (AP) — The Federal Reserve raised its benchmark interest rate by a quarter point on \
                    Wednesday to a range of 5.25% to 5.5%, its highest level in 22 years, in its latest effort to \
                    cool inflation. Chair Jerome Powell said further increases would depend on incoming data.";
        analyzer.analyze("Fed raises key rate to highest level in 22 years", lead, Some("en"), 2.0, 64, &mut a);
        analyzer.analyze("Rates go up again: what it means for your mortgage", lead, Some("en"), 2.0, 64, &mut b);
        assert_eq!(sketch_similarity(&a.sketch, &a.sketch, 64), 1.0);
        let similar = sketch_similarity(&a.sketch, &b.sketch, 64);
        assert!(similar > 0.7 && similar < 1.0, "an agency lead under a new headline: {similar}");
    }
}
