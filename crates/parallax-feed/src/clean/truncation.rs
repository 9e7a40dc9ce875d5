//! Recognising excerpts, and cutting text to a length without ending
//! mid-word.

use std::borrow::Cow;

/// Endings that mean the publisher cut the text: an ellipsis, alone or in
/// brackets (WordPress writes `[…]`, Blogger `...`, others `(more…)`).
const ELLIPSES: [&str; 2] = ["…", "..."];

/// A "read more" link rendered as text. Checked at the very end, after
/// arrows and closing brackets (`Read more »`, `[Continue reading →]`).
const READ_MORE_PHRASES: &[&str] = &[
    "read more",
    "read the rest",
    "read full story",
    "read the full story",
    "read full article",
    "read the full article",
    "keep reading",
    "continue reading",
    "(more)",
    "[more]",
    "weiterlesen",
    "mehr lesen",
    "lire la suite",
    "leer más",
    "seguir leyendo",
    "leggi tutto",
    "continua a leggere",
    "leia mais",
    "continuar lendo",
    "lees meer",
    "verder lezen",
    "czytaj dalej",
    "читать далее",
    "devamını oku",
];

/// WordPress writes `Continue reading "Title" →` with the title after the
/// phrase, so this phrase counts anywhere in the last characters.
const TRAILING_WINDOW_CHARS: usize = 200;
const CONTINUE_READING: &str = "continue reading";

/// Whether the text ends the way feeds end an excerpt: `…`, `...`, `[…]`,
/// `[...]`, `(more…)`, "Read more", "Continue reading", or their usual
/// translations.
pub fn is_truncated(snippet: &str) -> bool {
    let trimmed =
        snippet.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '»' | '›' | '→' | '>' | ':'));
    if ELLIPSES.iter().any(|ellipsis| trimmed.ends_with(ellipsis)) {
        return true;
    }
    let tail_start = trimmed.char_indices().rev().nth(TRAILING_WINDOW_CHARS).map_or(0, |(at, _)| at);
    let tail = trimmed[tail_start..].to_lowercase();
    let tail_with_brackets = snippet[tail_start..].trim_end().to_lowercase();
    tail.contains(CONTINUE_READING)
        || READ_MORE_PHRASES
            .iter()
            .any(|phrase| tail.trim_end_matches('.').ends_with(phrase) || tail_with_brackets.ends_with(phrase))
}

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

    fn check_truncated(snippet: &str, expected: bool) {
        assert_eq!(is_truncated(snippet), expected, "snippet: {snippet:?}");
    }

    #[test]
    fn recognises_excerpt_endings() {
        for snippet in [
            "The minister said…",
            "The minister said...",
            "The minister said […]",
            "The minister said [...]",
            "The minister said (more…)",
            "The minister said. Read more",
            "The minister said. Read More »",
            "The minister said. [Continue reading →]",
            "The minister said. Continue reading \"Budget talks collapse\" →",
            "Der Minister sagte. Weiterlesen",
            "Le ministre a dit. Lire la suite.",
        ] {
            check_truncated(snippet, true);
        }
    }

    #[test]
    fn leaves_complete_text_alone() {
        for snippet in ["The minister resigned.", "Why read more news?", "", "Is this more"] {
            check_truncated(snippet, false);
        }
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
}
