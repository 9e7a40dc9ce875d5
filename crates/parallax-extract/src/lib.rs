//! Article-body extraction: the main text of an article page, for feeds that
//! only carry a teaser.
//!
//! This crate owns turning a page's bytes into text ([`decode_html`]) and a
//! page's HTML into its article body as plain text ([`extract`]), plus the
//! benchmark scoring used to choose how ([`eval`]). It must never do I/O: no
//! network, no files, no clocks except for timing in [`eval`]. Pages are
//! untrusted: size, element count and nesting depth are checked before any
//! parser runs, and a panic inside a third-party extractor becomes an error.
//!
//! # Why two extractors
//!
//! Measured on the 91 person-annotated pages of scrapinghub's
//! article-extraction-benchmark (shared/data/extraction, [`eval`] scoring,
//! release build on 2 shared cores, so times are rough):
//!
//! | extractor                                                  | P     | R     | F1    | ms/page |
//! |------------------------------------------------------------|-------|-------|-------|---------|
//! | dom_smoothie 0.19 (Readability port)                       | 0.921 | 0.989 | 0.954 | 2-4     |
//! | trafilatura 0.6 without its fallbacks                      | 0.928 | 0.981 | 0.954 | 6-10    |
//! | trafilatura 0.6 with its fallbacks                         | 0.941 | 0.986 | 0.963 | 9-19    |
//! | trafilatura (fallbacks) where dom_smoothie agrees          | 0.966 | 0.986 | 0.976 | 18-22   |
//! | trafilatura (no fallbacks) where dom_smoothie agrees       | 0.949 | 0.981 | 0.965 | 8-10    |
//! | **dom_smoothie where trafilatura (no fallbacks) agrees**   | 0.964 | 0.989 | 0.977 | 7-15    |
//!
//! Both extractors recall nearly all of the article but lose precision on
//! different boilerplate (see [`ExtractorChoice::Agreement`]), so keeping
//! what both produced raises precision without costing recall. The default
//! (last row) scores best and costs less than keeping trafilatura's
//! fallbacks.
//! trafilatura runs without its own fallbacks there: they include a
//! Readability port, which would make it a less independent witness for
//! dom_smoothie. The two agreement thresholds are 0.5, a majority, and were
//! not searched: with either anywhere in 0.0-0.7 F1 stays within
//! 0.971-0.977, so the default is not fitted to this data.

mod agreement;
mod decode;
pub mod eval;
mod prescan;

use std::panic::{AssertUnwindSafe, catch_unwind};

use thiserror::Error;

pub use decode::{decode_html, sniff_encoding};

/// Which extractor (or combination) [`extract`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExtractorChoice {
    /// dom_smoothie's text, keeping the paragraphs that trafilatura also
    /// extracted; one extractor alone when the other finds nothing or when
    /// they chose different parts of the page.
    #[default]
    Agreement,
    /// dom_smoothie alone (Mozilla Readability's algorithm).
    DomSmoothie,
    /// trafilatura alone, with its Readability and jusText fallbacks.
    Trafilatura,
}

/// Limits and knobs of [`extract`]: the `[extract]` section of the
/// configuration file, every key optional.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtractConfig {
    /// Largest page accepted, bytes of HTML. 5 MiB: the benchmark's article
    /// pages are at most 0.5 MiB, heavy modern ones (inline JSON state) a
    /// few MiB, and extraction time and memory grow with the page.
    pub max_html_bytes: usize,
    /// Most elements (start tags) in a page. Extraction time grows with
    /// them: a 5 MiB page of 870,000 small table cells takes over 15 s.
    /// 100,000 is fifty times the most any of the benchmark's article pages
    /// has (under 2,000) and keeps the worst case to a few seconds.
    pub max_elements: usize,
    /// Deepest element nesting kept; tags that would nest deeper are
    /// dropped before parsing, their text kept. 512 is Blink's parser limit:
    /// parsing is quadratic in depth and dom_smoothie recurses over it, so
    /// an unbounded page can take minutes or overflow a thread stack.
    pub max_nesting_depth: usize,
    /// Shortest text accepted as an article body, characters. 140 is
    /// Readability's "probably readable" minimum; anything shorter is a
    /// teaser, a paywall notice or an error page, not an article.
    pub min_article_chars: usize,
    /// Which extractor runs.
    pub extractor: ExtractorChoice,
    /// In [`ExtractorChoice::Agreement`]: share of a paragraph's 4-word
    /// shingles the second extractor must also have produced for the
    /// paragraph to be kept. 0.5: a majority.
    pub min_paragraph_support: f64,
    /// In [`ExtractorChoice::Agreement`]: share of the first extractor's
    /// words that must survive the filter; below it the extractors chose
    /// different parts of the page and the first one's text is kept whole.
    /// 0.5: a majority.
    pub min_agreement: f64,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            max_html_bytes: 5 * 1024 * 1024,
            max_elements: 100_000,
            max_nesting_depth: 512,
            min_article_chars: 140,
            extractor: ExtractorChoice::Agreement,
            min_paragraph_support: 0.5,
            min_agreement: 0.5,
        }
    }
}

/// Name of dom_smoothie in [`Extracted::extractor`].
pub const DOM_SMOOTHIE: &str = "dom_smoothie";
/// Name of trafilatura in [`Extracted::extractor`].
pub const TRAFILATURA: &str = "trafilatura";
/// Name of the agreement of both in [`Extracted::extractor`].
pub const AGREEMENT: &str = "dom_smoothie+trafilatura";

/// An article body.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// Plain text: paragraphs separated by one blank line, whitespace
    /// collapsed within them, no markup, scripts or styles.
    pub text: String,
    /// The page's title as the extractor found it (og:title, JSON-LD or
    /// `<title>`), if any.
    pub title: Option<String>,
    /// Which extractor produced `text`: [`DOM_SMOOTHIE`], [`TRAFILATURA`] or
    /// [`AGREEMENT`].
    pub extractor: &'static str,
    /// What was repaired or fell back on the way, for the caller's log.
    pub diagnostics: Vec<String>,
}

/// Why no article body came out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExtractError {
    #[error("extract: page is {bytes} bytes, over the {limit}-byte limit")]
    PageTooLarge { bytes: usize, limit: usize },
    #[error("extract: page has over {limit} elements")]
    TooManyElements { limit: usize },
    #[error("extract: page is empty")]
    EmptyPage,
    #[error("extract: no article body found ({reason})")]
    NoArticleBody { reason: String },
    #[error("extract: article body has {chars} characters, under the {min} minimum")]
    TooShort { chars: usize, min: usize },
}

/// Extracts the article body from `html`. `url` is the page's address, used
/// only to resolve relative links; an invalid one is ignored.
///
/// CPU-bound (under 15 ms for a typical page, seconds for a pathological
/// one within the limits): async callers should run it on a blocking pool.
pub fn extract(html: &str, url: Option<&str>, config: &ExtractConfig) -> Result<Extracted, ExtractError> {
    if html.len() > config.max_html_bytes {
        return Err(ExtractError::PageTooLarge { bytes: html.len(), limit: config.max_html_bytes });
    }
    if html.trim().is_empty() {
        return Err(ExtractError::EmptyPage);
    }
    let mut diagnostics = Vec::new();
    let url = url.and_then(|text| match url::Url::parse(text) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Some(parsed),
        _ => {
            diagnostics.push(format!("extract: ignored page URL {text:?}: not an absolute http(s) URL"));
            None
        }
    });
    let prescanned = prescan::prescan(html, config.max_nesting_depth);
    if prescanned.elements > config.max_elements {
        return Err(ExtractError::TooManyElements { limit: config.max_elements });
    }
    if prescanned.dropped_tags > 0 {
        diagnostics.push(format!(
            "extract: dropped {} tags nested deeper than {}",
            prescanned.dropped_tags, config.max_nesting_depth
        ));
    }
    let html = prescanned.html.as_ref();
    let url = url.as_ref();

    let mut extracted = match config.extractor {
        ExtractorChoice::DomSmoothie => run_dom_smoothie(html, url),
        ExtractorChoice::Trafilatura => run_trafilatura(html, url, true),
        ExtractorChoice::Agreement => run_agreement(html, url, config, &mut diagnostics),
    }?;
    let chars = extracted.text.chars().count();
    if chars < config.min_article_chars {
        return Err(ExtractError::TooShort { chars, min: config.min_article_chars });
    }
    diagnostics.append(&mut extracted.diagnostics);
    extracted.diagnostics = diagnostics;
    Ok(extracted)
}

fn run_agreement(
    html: &str,
    url: Option<&url::Url>,
    config: &ExtractConfig,
    diagnostics: &mut Vec<String>,
) -> Result<Extracted, ExtractError> {
    let base = run_dom_smoothie(html, url);
    let witness = run_trafilatura(html, url, false);
    let (mut base, witness) = match (base, witness) {
        (Ok(base), Ok(witness)) => (base, witness),
        (Ok(only), Err(error)) | (Err(error), Ok(only)) => {
            diagnostics.push(format!("{error}; kept {} alone", only.extractor));
            return Ok(only);
        }
        (Err(base_error), Err(witness_error)) => {
            return Err(ExtractError::NoArticleBody { reason: format!("{base_error}; {witness_error}") });
        }
    };
    match agreement::keep_agreed_paragraphs(
        &base.text,
        &witness.text,
        config.min_paragraph_support,
        config.min_agreement,
    ) {
        Some(text) => {
            base.text = text;
            base.extractor = AGREEMENT;
        }
        None => diagnostics.push(format!(
            "extract: {DOM_SMOOTHIE} and {TRAFILATURA} chose different parts of the page; kept {DOM_SMOOTHIE}"
        )),
    }
    base.title = base.title.or(witness.title);
    Ok(base)
}

fn run_dom_smoothie(html: &str, url: Option<&url::Url>) -> Result<Extracted, ExtractError> {
    let no_body = |reason: String| ExtractError::NoArticleBody { reason: format!("{DOM_SMOOTHIE}: {reason}") };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let config =
            dom_smoothie::Config { text_mode: dom_smoothie::TextMode::Formatted, ..dom_smoothie::Config::default() };
        let mut readability = dom_smoothie::Readability::new(html, url.map(url::Url::as_str), Some(config))?;
        readability.parse()
    }));
    let article = outcome.map_err(|_| no_body("panicked".to_string()))?.map_err(|error| no_body(error.to_string()))?;
    Ok(Extracted {
        text: plain_text(&article.text_content),
        title: non_empty(&article.title),
        extractor: DOM_SMOOTHIE,
        diagnostics: Vec::new(),
    })
}

fn run_trafilatura(html: &str, url: Option<&url::Url>, with_fallbacks: bool) -> Result<Extracted, ExtractError> {
    let no_body = |reason: String| ExtractError::NoArticleBody { reason: format!("{TRAFILATURA}: {reason}") };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut options = trafilatura::Options::default();
        options.enable_fallback = with_fallbacks;
        options.exclude_comments = true;
        options.original_url = url.cloned();
        let result = trafilatura::extract(html, &options)?;
        // content_text runs paragraphs together; the HTML keeps them apart.
        let text = dom_query::Document::from(result.content_html.as_str()).formatted_text();
        Ok::<_, trafilatura::TrafilaturaError>((plain_text(&text), result.metadata.title))
    }));
    let (text, title) =
        outcome.map_err(|_| no_body("panicked".to_string()))?.map_err(|error| no_body(error.to_string()))?;
    Ok(Extracted { text, title: non_empty(&title), extractor: TRAFILATURA, diagnostics: Vec::new() })
}

/// One paragraph per non-blank line, whitespace collapsed, paragraphs
/// separated by a blank line; bidi and invisible controls removed, as from
/// every plain-text field (a U+202E in a page reordered the text after it).
fn plain_text(formatted: &str) -> String {
    parallax_core::text::strip_invisible_controls(formatted)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|paragraph| !paragraph.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn non_empty(text: &str) -> Option<String> {
    let text = parallax_core::text::strip_invisible_controls(text);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}
