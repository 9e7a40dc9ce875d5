//! Teaser-only simulation for the evaluations: what clustering and summaries
//! would see if a feed gave only its first words (or only a headline) and
//! no full text was fetched. Issue 7 compares the two on the labelled data.

/// The first `words` words of `text`, marked cut with "…" when anything was
/// dropped; `0` leaves nothing (a headline-only feed).
pub fn cut(text: &str, words: usize) -> String {
    let mut kept = text.split_whitespace();
    let head: Vec<&str> = kept.by_ref().take(words).collect();
    let mut teaser = head.join(" ");
    if kept.next().is_some() && !teaser.is_empty() {
        teaser.push('…');
    }
    teaser
}

#[cfg(test)]
mod tests {
    use super::cut;

    fn check(text: &str, words: usize, expected: &str) {
        assert_eq!(cut(text, words), expected, "cut({text:?}, {words})");
    }

    #[test]
    fn keeps_the_first_words_and_marks_the_cut() {
        check("President Trump on Monday slammed Kerry.", 3, "President Trump on…");
        check("Short lead.", 5, "Short lead.");
        check("Any lead at all.", 0, "");
        check("", 4, "");
    }
}
