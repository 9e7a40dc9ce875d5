//! Recognising excerpts.

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
}
