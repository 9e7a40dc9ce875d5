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

#[cfg(test)]
mod tests {
    use super::*;

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
