//! Sentence splitting that knows abbreviations, initials, decimals and
//! quotes, for English, German, French and Spanish (other languages get the
//! same rules without an abbreviation list).
//!
//! A sentence ends at `.`, `!`, `?` or an ellipsis, after any closing quotes
//! or brackets, when whitespace follows and the next word does not start in
//! lower case. A period after a known abbreviation ("Mr.", "Dr.", "z.B.",
//! "Sra.") or an initial never ends one; after an abbreviation that often
//! closes a sentence too ("Inc.", "etc.", "U.S.", "a.m.") it does only when
//! a capitalised stop word ("The", "Die", "Le") or a quote follows. A dash
//! after the punctuation carries the sentence on (a dateline such as
//! "TUSCALOOSA, Ala. — The..."). A blank line always ends a sentence.

use crate::lang::{LangId, Language, languages};
use std::ops::Range;

/// Splits `text` into sentences, trimmed. `language` is an ISO 639-1 code;
/// without one the language is guessed from the text.
pub fn split_sentences<'t>(text: &'t str, language: Option<&str>) -> Vec<&'t str> {
    let languages = languages();
    let id = languages.resolve(language, text);
    let mut ranges = Vec::new();
    split_into(text, id, &mut ranges);
    ranges.into_iter().map(|range| &text[range]).collect()
}

/// Appends the byte ranges of the sentences of `text` to `out`.
pub(crate) fn split_into(text: &str, language: LangId, out: &mut Vec<Range<usize>>) {
    let language = languages().get(language);
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else { break };
        if c == '\n' {
            let after = skip_blanks(text, i + 1);
            if text[after..].starts_with('\n') {
                push_trimmed(text, start..i, out);
                start = after;
                i = after;
                continue;
            }
        }
        if !is_terminal(c) {
            i += c.len_utf8();
            continue;
        }
        let mut end = i;
        let mut run = 0;
        while let Some(t) = text[end..].chars().next().filter(|t| is_terminal(*t)) {
            end += t.len_utf8();
            run += 1;
        }
        end = skip_closers(text, end);
        let next = skip_whitespace(text, end);
        if end < text.len() && next == end {
            // "3.5", "U.S.-led", "example.com": no space, no boundary.
            i = end;
            continue;
        }
        let single_period = c == '.' && run == 1;
        if next >= bytes.len() || ends_sentence(text, start, i, single_period, next, language) {
            push_trimmed(text, start..end, out);
            start = next;
        }
        i = next.max(end);
    }
    push_trimmed(text, start..text.len(), out);
}

fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？')
}

fn is_dash(c: char) -> bool {
    matches!(c, '—' | '–' | '-' | '‒' | '―')
}

fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']')
}

fn is_opener(c: char) -> bool {
    matches!(c, '"' | '\'' | '“' | '‘' | '«' | '‹' | '(' | '[' | '¿' | '¡' | '„' | '‚')
}

/// Skips closing quotes and brackets, including French `»` after a
/// (non-breaking) space.
fn skip_closers(text: &str, mut at: usize) -> usize {
    loop {
        let spaced = skip_blanks(text, at);
        match text[spaced..].chars().next() {
            Some(c) if is_closer(c) && (spaced == at || c == '»') => at = spaced + c.len_utf8(),
            _ => return at,
        }
    }
}

fn skip_blanks(text: &str, mut at: usize) -> usize {
    while let Some(c) = text[at..].chars().next().filter(|c| *c != '\n' && c.is_whitespace()) {
        at += c.len_utf8();
    }
    at
}

fn skip_whitespace(text: &str, mut at: usize) -> usize {
    while let Some(c) = text[at..].chars().next().filter(|c| c.is_whitespace()) {
        at += c.len_utf8();
    }
    at
}

/// Decides a candidate boundary: `punct` is where the terminal punctuation
/// starts, `next` where the following text starts.
fn ends_sentence(
    text: &str,
    start: usize,
    punct: usize,
    single_period: bool,
    next: usize,
    language: &Language,
) -> bool {
    let following = &text[next..];
    let Some(first) = following.chars().next() else { return true };
    // A dash goes on with the sentence: a dateline ("KISSIMMEE, Fla. — The
    // NBA's restart...") or an aside closing on an abbreviation ("Rep. Mike
    // Thompson (D-Calif.) — looks to..."); read alone, the text after it is
    // no sentence.
    if first.is_lowercase() || is_dash(first) {
        return false;
    }
    if !single_period {
        return true;
    }
    let before = &text[start..punct];
    // The byte after the last whitespace character: a no-break or wide space
    // is more than one byte, so `rfind(..) + 1` would land inside it.
    let word_start = before.char_indices().rfind(|(_, c)| c.is_whitespace()).map_or(0, |(at, c)| at + c.len_utf8());
    let word = before[word_start..].trim_start_matches(is_opener);
    if word.is_empty() {
        return true;
    }
    let lower = word.to_lowercase();
    if language.never_final.contains(&lower.as_str()) {
        return false;
    }
    let mut letters = word.chars();
    if let (Some(only), None) = (letters.next(), letters.next())
        && only.is_alphabetic()
        && only.is_uppercase()
    {
        return false;
    }
    let german_ordinal = language.code == "de" && word.len() <= 4 && word.bytes().all(|b| b.is_ascii_digit());
    if german_ordinal || is_dotted_acronym(word) || language.maybe_final.contains(&lower.as_str()) {
        return next_opens_sentence(following, language);
    }
    true
}

/// "U.S", "a.m", "EE.UU", "z.B": letter groups of one or two joined by dots.
fn is_dotted_acronym(word: &str) -> bool {
    word.contains('.')
        && word.split('.').all(|part| {
            let count = part.chars().count();
            (1..=2).contains(&count) && part.chars().all(char::is_alphabetic)
        })
}

/// After an ambiguous abbreviation: a quote, or a capitalised stop word
/// ("The", "Er", "Il"), starts a new sentence; a name or a number does not.
fn next_opens_sentence(following: &str, language: &Language) -> bool {
    let Some(first) = following.chars().next() else { return true };
    if is_opener(first) && first != '(' && first != '[' {
        return true;
    }
    if !first.is_uppercase() {
        return false;
    }
    let word: String =
        following.chars().take_while(|c| c.is_alphabetic() || *c == '\'').flat_map(char::to_lowercase).collect();
    language.stop_words.contains(word.as_str())
}

/// Keeps a sentence only if it has a letter or digit in it.
fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let slice = &text[range.clone()];
    let trimmed = slice.trim();
    if trimmed.chars().any(char::is_alphanumeric) {
        let offset = range.start + (slice.len() - slice.trim_start().len());
        out.push(offset..offset + trimmed.len());
    }
}
