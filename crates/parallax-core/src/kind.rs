//! What kind of piece an article is: straight news, opinion, or analysis.
//!
//! Readers weigh an op-ed differently from a report, and a story's title and
//! bullets must state the event, not argue about it, so every article is
//! classified by one documented rule ([`ArticleKind::classify`]) from what
//! the outlet itself says about the piece: where it files it (the URL path
//! and the feed's categories) and how it labels it (a title prefix).

use serde::{Deserialize, Serialize};

/// The kind of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArticleKind {
    /// A report of what happened. The default: most feed items are news.
    #[default]
    News,
    /// The outlet's or a writer's view: op-eds, editorials, columns,
    /// commentary, letters.
    Opinion,
    /// Explanation and interpretation labelled as such ("Analysis:").
    Analysis,
}

/// Labels an outlet puts on opinion, as a title prefix, a feed category or
/// a URL path segment, in the languages the project reads. Compared
/// lower-case, with `-`, `_` and spaces ignored, so "Op-Ed", "op_ed" and
/// "OpEd" are one label.
const OPINION_LABELS: &[&str] = &[
    "opinion",
    "opinions",
    "oped",
    "opeds",
    "editorial",
    "editorials",
    "commentary",
    "commentaries",
    "comment",
    "column",
    "columns",
    "columnist",
    "columnists",
    "letters",
    "letterstotheeditor",
    "perspective",
    "perspectives",
    "viewpoint",
    "viewpoints",
    "pointofview",
    "ideas",
    "commentisfree",
    // German, French, Spanish, Italian, Portuguese, Dutch.
    "meinung",
    "kommentar",
    "kommentare",
    "gastbeitrag",
    "tribune",
    "tribunes",
    "editorialistes",
    "opinión",
    "opinion",
    "tribuna",
    "columna",
    "opinione",
    "opinioni",
    "commento",
    "commenti",
    "editoriale",
    "opiniao",
    "opinião",
    "opinie",
    "commentaar",
];

/// Labels for analysis, matched the same way.
const ANALYSIS_LABELS: &[&str] = &["analysis", "newsanalysis", "analyse", "análisis", "analisis", "analisi"];

/// A URL path segment starting with this is opinion: `/column` covers
/// `/columns/`, `/columnists/` and `/column-jane-doe/`.
const OPINION_PATH_PREFIX: &str = "column";

impl ArticleKind {
    /// Classifies an article. The rule, in order:
    ///
    /// 1. A title prefix that labels the piece ("Opinion:", "OPINION |",
    ///    "Analysis —", "Kommentar:") decides.
    /// 2. Otherwise a feed category that is an opinion or analysis label
    ///    ("Opinion", "Op-Ed", "Editorials", "Analysis") decides.
    /// 3. Otherwise a folder of the URL's path does: `/opinion/`,
    ///    `/op-ed/`, `/editorial/`, `/commentary/`, `/column...`,
    ///    `/analysis/` and their translations. The last segment is the
    ///    article's own slug and is not read: `/politics/opinion-poll-shows`
    ///    is news.
    /// 4. Otherwise the article is news.
    ///
    /// Where one step finds both an opinion and an analysis label, opinion
    /// wins: it is the kind that must never supply a story's title.
    pub fn classify(url: &str, title: &str, categories: &[String]) -> ArticleKind {
        if let Some(kind) = title_prefix_kind(title) {
            return kind;
        }
        if let Some(kind) = strongest(categories.iter().map(|c| label_kind(c))) {
            return kind;
        }
        strongest(path_segments(url).map(path_segment_kind)).unwrap_or(ArticleKind::News)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleKind::News => "news",
            ArticleKind::Opinion => "opinion",
            ArticleKind::Analysis => "analysis",
        }
    }

    pub fn parse(label: &str) -> Option<ArticleKind> {
        match label {
            "news" => Some(ArticleKind::News),
            "opinion" => Some(ArticleKind::Opinion),
            "analysis" => Some(ArticleKind::Analysis),
            _ => None,
        }
    }
}

impl std::fmt::Display for ArticleKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Opinion over analysis over nothing.
fn strongest(kinds: impl Iterator<Item = Option<ArticleKind>>) -> Option<ArticleKind> {
    kinds.flatten().max_by_key(|kind| match kind {
        ArticleKind::Opinion => 2,
        ArticleKind::Analysis => 1,
        ArticleKind::News => 0,
    })
}

/// A label's kind, ignoring case, spaces, `-` and `_`.
fn label_kind(label: &str) -> Option<ArticleKind> {
    let folded: String =
        label.chars().filter(|c| !matches!(c, '-' | '_' | ' ' | '.')).flat_map(char::to_lowercase).collect();
    if folded.is_empty() {
        None
    } else if OPINION_LABELS.contains(&folded.as_str()) {
        Some(ArticleKind::Opinion)
    } else if ANALYSIS_LABELS.contains(&folded.as_str()) {
        Some(ArticleKind::Analysis)
    } else {
        None
    }
}

/// "Opinion: ...", "OPINION | ...", "Analysis — ...", "News analysis - ...":
/// a label of at most three words before a separator at the start.
fn title_prefix_kind(title: &str) -> Option<ArticleKind> {
    let title = title.trim_start();
    let (head, _) = title.split_once([':', '|', '—', '–']).or_else(|| title.split_once(" - "))?;
    if head.split_whitespace().count() > 3 {
        return None;
    }
    label_kind(head.trim())
}

/// The folders of a URL's path: every segment but the host and the last
/// (the article's slug or file name).
fn path_segments(url: &str) -> impl Iterator<Item = &str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').skip(1).filter(|segment| !segment.is_empty()).collect();
    let folders = segments.len().saturating_sub(1);
    segments.into_iter().take(folders)
}

fn path_segment_kind(segment: &str) -> Option<ArticleKind> {
    let lower = segment.to_lowercase();
    if lower.starts_with(OPINION_PATH_PREFIX) {
        return Some(ArticleKind::Opinion);
    }
    label_kind(&lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, title: &str, categories: &[&str], expected: ArticleKind) {
        let categories: Vec<String> = categories.iter().map(|c| c.to_string()).collect();
        assert_eq!(ArticleKind::classify(url, title, &categories), expected, "{url} {title:?} {categories:?}");
    }

    #[test]
    fn url_paths() {
        check("https://www.nytimes.com/2021/09/01/opinion/texas-abortion.html", "A law", &[], ArticleKind::Opinion);
        check("https://example.com/op-ed/why-we-must", "Why we must", &[], ArticleKind::Opinion);
        check("https://example.com/news/editorial/the-board", "The board", &[], ArticleKind::Opinion);
        check("https://example.com/commentary/2024/x", "X", &[], ArticleKind::Opinion);
        check("https://example.com/columnists/jane/x", "X", &[], ArticleKind::Opinion);
        check("https://example.com/analysis/what-it-means", "What it means", &[], ArticleKind::Analysis);
        check("https://www.spiegel.de/meinung/x", "X", &[], ArticleKind::Opinion);
        check("https://example.com/politics/senate-passes-bill", "Senate passes bill", &[], ArticleKind::News);
        check("https://example.com/politics/opinion-poll-shows-a-lead", "Poll", &[], ArticleKind::News);
        check("https://www.theguardian.com/commentisfree/2021/sep/01/x", "X", &[], ArticleKind::Opinion);
    }

    #[test]
    fn title_prefixes() {
        check("https://example.com/a", "Opinion: The law is wrong", &[], ArticleKind::Opinion);
        check("https://example.com/a", "OPINION | The law is wrong", &[], ArticleKind::Opinion);
        check("https://example.com/a", "Analysis: What the ruling means", &[], ArticleKind::Analysis);
        check("https://example.com/a", "News analysis - What the ruling means", &[], ArticleKind::Analysis);
        check("https://example.com/a", "Kommentar: Ein Fehler", &[], ArticleKind::Opinion);
        check("https://example.com/a", "Biden: We will act", &[], ArticleKind::News);
        check("https://example.com/a", "Public opinion shifts on the war", &[], ArticleKind::News);
    }

    #[test]
    fn feed_categories() {
        check("https://example.com/a", "The law", &["Politics", "Op-Ed"], ArticleKind::Opinion);
        check("https://example.com/a", "The law", &["Analysis"], ArticleKind::Analysis);
        check("https://example.com/a", "The law", &["World News"], ArticleKind::News);
    }

    #[test]
    fn opinion_wins_over_analysis() {
        check("https://example.com/analysis/x", "X", &["Opinion"], ArticleKind::Opinion);
    }

    #[test]
    fn odd_text_is_news() {
        check("", "", &[""], ArticleKind::News);
        check("not a url", "\u{a0}:\u{202e}", &[], ArticleKind::News);
        check("https://例え.jp/意見/x", "意見：", &["\u{200b}"], ArticleKind::News);
    }
}
