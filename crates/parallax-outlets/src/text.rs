//! Small text helpers shared by every reader: decoding, line numbers, file
//! names and field cleaning.

use std::borrow::Cow;

pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub had_invalid_utf8: bool,
}

/// Decodes as UTF-8 without a byte-order mark. Every format read here is
/// UTF-8 by contract, so invalid bytes are replaced rather than guessed at.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let had_invalid_utf8 = matches!(text, Cow::Owned(_));
    Decoded { text, had_invalid_utf8 }
}

/// Turns byte offsets into 1-based line numbers.
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        LineIndex { line_starts }
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// The line where `part`, a slice borrowed from `whole`, starts.
    pub fn line_of_slice(&self, whole: &str, part: &str) -> Option<usize> {
        let offset = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        (offset <= whole.len()).then(|| self.line_of(offset))
    }
}

/// The last path component: ratings record where they came from without
/// leaking the importing machine's directory layout.
pub fn base_name(file_name: &str) -> &str {
    file_name.rsplit(['/', '\\']).next().filter(|name| !name.is_empty()).unwrap_or(file_name)
}

/// The version of ratings whose file carries none: no date in its name, no
/// version column or field.
pub const UNVERSIONED: &str = "unversioned";

/// The first `YYYY-MM-DD` date in a file name, the usual way dated dumps
/// are named (`ratings-2024-05-01.csv`).
pub fn date_in_file_name(file_name: &str) -> Option<String> {
    let name = base_name(file_name).as_bytes();
    name.windows(10).find_map(|window| {
        let text = std::str::from_utf8(window).ok()?;
        is_iso_date(text).then(|| text.to_string())
    })
}

pub fn is_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = &text[range];
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    matches!((digits(0..4), digits(5..7), digits(8..10)), (Some(_), Some(1..=12), Some(1..=31)))
}

/// A trimmed field without bidi or invisible controls (a name with U+202E
/// would reorder what a page prints beside it), or `None` when it is empty.
pub fn field(value: &str) -> Option<String> {
    let value = parallax_core::text::strip_invisible_controls(value);
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_numbers_are_one_based() {
        let text = "a\nbb\n\nc";
        let index = LineIndex::new(text);
        assert_eq!(index.line_of(0), 1);
        assert_eq!(index.line_of(2), 2);
        assert_eq!(index.line_of(5), 3);
        assert_eq!(index.line_of(6), 4);
        assert_eq!(index.line_of_slice(text, &text[3..]), Some(2));
    }

    #[test]
    fn dates_come_from_the_base_name_only() {
        assert_eq!(date_in_file_name("/data/2023-01-01/ratings-2024-05-01.csv").as_deref(), Some("2024-05-01"));
        assert_eq!(date_in_file_name("ratings-2024-13-01.csv"), None);
        assert_eq!(date_in_file_name("ratings.csv"), None);
    }

    #[test]
    fn fields_lose_bidi_and_invisible_controls() {
        assert_eq!(field(" \u{202e}Daily News\u{200b} ").as_deref(), Some("Daily News"));
        assert_eq!(field("\u{2066}\u{feff}"), None);
    }

    #[test]
    fn base_name_strips_directories() {
        assert_eq!(base_name("a/b/c.csv"), "c.csv");
        assert_eq!(base_name("c:\\x\\c.csv"), "c.csv");
        assert_eq!(base_name("c.csv"), "c.csv");
    }
}
