//! Judging a parser's first entry against the suite's checks, the same way
//! for Parallax and for any other parser whose output is given as JSON.
//!
//! Text is compared as a reader sees it: markup removed, entities decoded
//! once, whitespace collapsed, on both sides. feedparser's expected values
//! are sanitised HTML, or the text itself where the feed said `text/plain`
//! (a check does not say which, so either reading may match); Parallax's
//! titles and snippets are plain text and its content is sanitised HTML.
//! A check whose expected value has no visible text (the sanitiser's
//! `<img>` and `<details></details>` cases) says nothing about text and is
//! not judged. Links are compared after Parallax's canonicalisation
//! (tracking parameters and fragment dropped), ids exactly, dates to the
//! second in UTC.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::suite::{Check, Expected, Field};

/// The origin feedparser's suite was written for; links that resolve
/// against the document's own address expect it.
pub const SUITE_ORIGIN: &str = "http://127.0.0.1:8097";

/// A parser's first entry, as judged. Text fields are as the parser gave
/// them; `text` is applied when judging.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct FirstEntry {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    /// feedparser's date keys (`updated_parsed`) to year..second in UTC;
    /// the key `*` answers for every key (Parallax has one date).
    #[serde(default)]
    pub dates: BTreeMap<String, [i64; 6]>,
    /// Whether `title` and `summary` are plain text already (Parallax's
    /// are) rather than HTML (feedparser's): plain text is compared as it
    /// is, since reading it as HTML would take a literal `<b>` for a tag.
    #[serde(default)]
    pub plain: bool,
}

/// Whether the check has visible text (or is not about text at all).
pub fn is_judged(check: &Check) -> bool {
    match &check.expected {
        Expected::Text(text) => !visible_text(text).is_empty(),
        Expected::Date(_) => true,
    }
}

/// Whether `entry` passes `check`.
pub fn passes(check: &Check, entry: &FirstEntry) -> bool {
    match (&check.expected, check.field) {
        (Expected::Date(expected), _) => {
            entry.dates.get(&check.key).or_else(|| entry.dates.get("*")).is_some_and(|got| got == expected)
        }
        (Expected::Text(expected), Field::Link) => {
            let canonical = |link: &str| parallax_feed::clean::canonical_url(link, None);
            entry.link.as_deref().and_then(canonical).is_some_and(|got| Some(got) == canonical(expected))
        }
        (Expected::Text(expected), Field::Id) => entry.id.as_deref().is_some_and(|got| got.trim() == expected.trim()),
        (Expected::Text(expected), field) => {
            let (got, plain) = match field {
                Field::Title => (entry.title.as_deref(), entry.plain),
                Field::Summary => (entry.summary.as_deref(), entry.plain),
                _ => (entry.content.as_deref(), false),
            };
            let seen = |got: &str| if plain { collapse_whitespace(got) } else { visible_text(got) };
            // The suite's values are HTML unless the feed said text/plain,
            // which a check does not say; either reading may match.
            got.map(seen).is_some_and(|got| got == visible_text(expected) || got == collapse_whitespace(expected))
        }
    }
}

/// What a reader sees of an HTML fragment: tags removed (with the content
/// of `script` and `style`), entities decoded once, whitespace collapsed.
/// `&lt;b&gt;` stays the text `<b>`.
pub fn visible_text(html: &str) -> String {
    let spaced = space_between_blocks(html);
    let without_tags = ammonia::Builder::empty()
        .clean_content_tags(["script", "style"].into_iter().collect())
        .clean(&spaced)
        .to_string();
    collapse_whitespace(&html_escape::decode_html_entities(&without_tags))
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Elements a browser lays out within a line; every other tag (`<br>`,
/// `<p>`, `<div>`) separates the words around it.
const INLINE_ELEMENTS: [&str; 20] = [
    "a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "kbd", "q", "s", "samp", "small", "span", "strike",
    "strong", "sub", "sup", "u",
];

/// A space before every tag that is not inline, so removing tags keeps
/// `one<br>two` as two words, as a browser shows it.
fn space_between_blocks(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        let name: String =
            tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect::<String>();
        if !name.is_empty() && !INLINE_ELEMENTS.contains(&name.to_ascii_lowercase().as_str()) {
            out.push(' ');
        }
        out.push('<');
        rest = tag;
    }
    out.push_str(rest);
    out
}

/// One judged check's outcome, for the report.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub field: Field,
    pub folder: String,
    pub passed: bool,
}

/// Passed and judged counts per field and per folder, printed in a table.
pub fn report(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    let passed = outcomes.iter().filter(|o| o.passed).count();
    out.push_str(&format!("checks passed: {passed} of {} ({})\n", outcomes.len(), percent(passed, outcomes.len())));
    out.push_str("by field:\n");
    for field in Field::ALL {
        let of: Vec<_> = outcomes.iter().filter(|o| o.field == field).collect();
        if !of.is_empty() {
            let passed = of.iter().filter(|o| o.passed).count();
            out.push_str(&format!(
                "  {:<24} {passed:>4} of {:>4}  {}\n",
                field.name(),
                of.len(),
                percent(passed, of.len())
            ));
        }
    }
    out.push_str("by folder:\n");
    let mut folders: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for outcome in outcomes {
        let counts = folders.entry(&outcome.folder).or_default();
        counts.0 += usize::from(outcome.passed);
        counts.1 += 1;
    }
    for (folder, (passed, judged)) in folders {
        out.push_str(&format!("  {folder:<24} {passed:>4} of {judged:>4}  {}\n", percent(passed, judged)));
    }
    out
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 { "-".to_string() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(field: Field, expected: &str) -> Check {
        Check { field, key: "x".into(), expected: Expected::Text(expected.into()) }
    }

    #[test]
    fn compares_what_a_reader_sees() {
        assert_eq!(visible_text("History of the &lt;blink&gt; tag"), "History of the <blink> tag");
        assert_eq!(visible_text("<p>a <b>b</b></p>\n<script>x()</script> c&amp;d"), "a b c&d");
        assert_eq!(visible_text("one<br />two un<b>usual</b>"), "one two unusual");
        assert!(!is_judged(&check(Field::Summary, "<img src=\"x\" />")));
        let entry = FirstEntry {
            title: Some("Example & co".into()),
            content: Some("<div>Example &amp; <b>co</b></div>".into()),
            link: Some("http://example.com/a?utm_source=x#top".into()),
            ..FirstEntry::default()
        };
        assert!(passes(&check(Field::Title, "Example &amp; co"), &entry));
        assert!(passes(&check(Field::Content, "Example &amp; co"), &entry));
        assert!(passes(&check(Field::Link, "http://example.com/a"), &entry));
        assert!(!passes(&check(Field::Summary, "Example"), &entry));
    }
}
