//! Plain-text helpers every stage shares: cutting a headline for a page,
//! a lead for a model prompt, a snippet from a feed, the same way.

use std::borrow::Cow;

/// `text` cut to at most `max_chars` characters, at a word boundary when
/// one is near, ending with `…`. Text that fits comes back unchanged.
/// Scripts without spaces (Chinese, Japanese) are cut mid-text.
pub fn cap_at_word(text: &str, max_chars: usize) -> Cow<'_, str> {
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return Cow::Borrowed(text);
    };
    if max_chars == 0 {
        return Cow::Borrowed("");
    }
    let Some((room, _)) = text.char_indices().nth(max_chars - 1) else {
        return Cow::Borrowed(text);
    };
    debug_assert!(room < cut);
    let mut kept = &text[..room];
    let ends_at_word = text[room..].starts_with(char::is_whitespace);
    if !ends_at_word
        && let Some(space) = kept.rfind(char::is_whitespace)
        && space >= room / 2
    {
        kept = &kept[..space];
    }
    let kept = kept
        .trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '-' | '–' | '—' | '(' | '['));
    Cow::Owned(format!("{kept}…"))
}

/// Characters that must not reach a page from a feed, a rating file or an
/// outlet list: the bidirectional embedding, override and isolate controls
/// (U+202A–U+202E, U+2066–U+2069), which reorder text beyond their own
/// field (a feed title with U+202E reversed the outlet name printed beside
/// it), and the invisible ones that take no room and carry nothing a
/// reader or a word splitter needs (zero-width space, word joiner and the
/// invisible operators, byte-order mark, soft hyphen). Zero-width
/// (non-)joiners and the left-to-right and right-to-left marks stay:
/// Persian, Indic scripts and emoji need the first, right-to-left text's
/// punctuation the second, and neither reorders anything outside its text.
pub fn is_invisible_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}')
}

/// `text` without any [`is_invisible_control`] character; text without one
/// comes back borrowed.
pub fn strip_invisible_controls(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_invisible_control) {
        Cow::Owned(text.chars().filter(|&c| !is_invisible_control(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_invisible_controls_are_removed() {
        let check = |text: &str, expected: &str| assert_eq!(strip_invisible_controls(text), expected, "{text:?}");
        check("Daily \u{202e}sweN", "Daily sweN");
        check("\u{2066}isolated\u{2069} \u{202a}embedded\u{202c}", "isolated embedded");
        check("zero\u{200b}width\u{feff} soft\u{ad}hyphen\u{2060}", "zerowidth softhyphen");
        check("می\u{200c}خواهم", "می\u{200c}خواهم");
        check("שלום\u{200f}!", "שלום\u{200f}!");
        check("👩\u{200d}💻", "👩\u{200d}💻");
        assert!(matches!(strip_invisible_controls("plain"), Cow::Borrowed("plain")));
    }

    fn check_cap(text: &str, max: usize, expected: &str) {
        let capped = cap_at_word(text, max);
        assert_eq!(capped, expected, "text: {text:?}");
        assert!(capped.chars().count() <= max);
    }

    #[test]
    fn caps_at_a_word_boundary() {
        check_cap("short", 10, "short");
        check_cap("exactly ten", 11, "exactly ten");
        check_cap("the quick brown fox jumps", 12, "the quick…");
        check_cap("one, two, three", 10, "one, two…");
        check_cap("無料のニュースアプリです", 5, "無料のニ…");
        check_cap("abc", 0, "");
    }

    #[test]
    fn cuts_at_a_space_within_the_limit() {
        check_cap("one two three four", 10, "one two…");
        check_cap("unbroken-words", 5, "unbr…");
        check_cap("été à Zürich", 7, "été à…");
    }
}
