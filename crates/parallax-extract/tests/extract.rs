//! The extraction boundary: page bytes in, article text (or a clear error) out.
//!
//! Fixtures are small pages in `testdata/<case>.html`; each one's full
//! output is kept in `testdata/<case>.txt` and refreshed with
//! `UPDATE_GOLDEN=1 cargo test -p parallax-extract`.

use std::path::PathBuf;

use parallax_extract::{AGREEMENT, ExtractConfig, ExtractError, Extracted, ExtractorChoice, decode_html, extract};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

/// Extracts `testdata/<case>.html` with the default configuration, checks
/// that every `expected` substring is in the text and no `forbidden` one is,
/// and compares the whole text with the golden file.
fn check(case: &str, expected: &[&str], forbidden: &[&str]) -> Extracted {
    let bytes = std::fs::read(testdata(&format!("{case}.html"))).expect("fixture");
    let html = decode_html(&bytes, None);
    let extracted = extract(&html, Some("https://example.org/story"), &ExtractConfig::default())
        .unwrap_or_else(|error| panic!("{case}: {error}"));
    for needle in expected {
        assert!(extracted.text.contains(needle), "{case}: missing {needle:?} in\n{}", extracted.text);
    }
    for needle in forbidden {
        assert!(!extracted.text.contains(needle), "{case}: kept {needle:?} in\n{}", extracted.text);
    }
    assert!(!extracted.text.contains("\n\n\n"), "{case}: paragraphs must be one blank line apart");
    for paragraph in extracted.text.split("\n\n") {
        assert_eq!(paragraph, paragraph.split_whitespace().collect::<Vec<_>>().join(" "), "{case}");
    }
    let golden = testdata(&format!("{case}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &extracted.text).expect("write golden");
    } else {
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{case}: no golden file; run with UPDATE_GOLDEN=1 to create it"));
        assert_eq!(extracted.text, want, "{case}: differs from {}", golden.display());
    }
    extracted
}

#[test]
fn news_article_keeps_the_story_and_drops_the_page_around_it() {
    let extracted = check(
        "news_article",
        &[
            "The council of Port Elspeth voted on Tuesday evening",
            "\"Every winter we move the furniture upstairs and wait,\"",
            "said Callum Reid of the fishermen's association.",
        ],
        &[
            "News section",
            "Subscribe today",
            "cookies",
            "Lighthouse keeper",
            "Commenter Bob",
            "Commenter Ann",
            "Copyright 2024",
            "Privacy policy",
            "TRACKING-SCRIPT-TEXT",
            "INLINE-SCRIPT-IN-BODY",
            "font-family",
        ],
    );
    assert_eq!(extracted.title.as_deref(), Some("Harbour town votes to rebuild its sea wall"));
    assert_eq!(extracted.extractor, AGREEMENT);
    let paragraphs: Vec<&str> = extracted.text.split("\n\n").collect();
    assert!(paragraphs.len() >= 6, "one paragraph per <p>: {paragraphs:?}");
}

#[test]
fn blog_post_without_article_markup() {
    check(
        "blog_post",
        &[
            "Five years ago we grew three commercial apple varieties",
            "customers at the farm shop ask for them by name.",
            "The right variety for your soil is probably already growing",
        ],
        &[
            "2023 archive",
            "monthly newsletter",
            "Leave a Reply",
            "Write your comment here",
            "Powered by a small farm",
            "BLOG-TRACKER",
            "Farm shop",
        ],
    );
}

#[test]
fn latin1_page_is_decoded_before_extraction() {
    check(
        "latin1_page",
        &["Le café du port a rouvert ses portes mardi après huit mois", "coûte toujours un euro vingt"],
        &["Archives du journal", "Mentions légales", "\u{fffd}"],
    );
}

#[test]
fn each_extractor_alone_also_finds_the_story() {
    let html = std::fs::read_to_string(testdata("news_article.html")).expect("fixture");
    for extractor in [ExtractorChoice::DomSmoothie, ExtractorChoice::Trafilatura] {
        let config = ExtractConfig { extractor, ..ExtractConfig::default() };
        let extracted = extract(&html, None, &config).expect("extracts");
        assert!(extracted.text.contains("Port Elspeth"), "{extractor:?}");
        assert!(!extracted.text.contains("TRACKING-SCRIPT-TEXT"), "{extractor:?}");
    }
}

#[test]
fn bidi_and_invisible_controls_are_removed_from_the_text() {
    let html = std::fs::read_to_string(testdata("news_article.html")).expect("fixture");
    let html = html.replacen("<p>The council", "<p>\u{202e}The\u{200b} council\u{2066}", 1);
    for extractor in [ExtractorChoice::DomSmoothie, ExtractorChoice::Trafilatura] {
        let config = ExtractConfig { extractor, ..ExtractConfig::default() };
        let extracted = extract(&html, None, &config).expect("extracts");
        assert!(extracted.text.contains("The council of Port Elspeth"), "{extractor:?}: {}", extracted.text);
        assert!(!extracted.text.contains(['\u{202e}', '\u{200b}', '\u{2066}']), "{extractor:?}");
    }
}

#[test]
fn a_page_without_an_article_is_an_error() {
    let html = std::fs::read_to_string(testdata("cookie_wall.html")).expect("fixture");
    let error = extract(&html, None, &ExtractConfig::default()).expect_err("no article");
    assert!(matches!(error, ExtractError::TooShort { .. } | ExtractError::NoArticleBody { .. }), "{error}");
    assert!(error.to_string().starts_with("extract: "), "{error}");
}

#[test]
fn empty_pages_are_an_error() {
    for html in ["", "   \n\t  "] {
        assert_eq!(extract(html, None, &ExtractConfig::default()), Err(ExtractError::EmptyPage));
    }
    let error = extract("<html><head></head><body></body></html>", None, &ExtractConfig::default())
        .expect_err("nothing to extract");
    assert!(matches!(error, ExtractError::NoArticleBody { .. } | ExtractError::TooShort { .. }));
}

#[test]
fn a_20_mb_page_is_refused_before_parsing() {
    let paragraph = "<p>Filler text that goes on and on for a very long time indeed.</p>\n";
    let html = paragraph.repeat(20 * 1024 * 1024 / paragraph.len());
    let error = extract(&html, None, &ExtractConfig::default()).expect_err("too large");
    assert_eq!(error, ExtractError::PageTooLarge { bytes: html.len(), limit: 5 * 1024 * 1024 });
    assert!(error.to_string().starts_with("extract: page is"), "{error}");
}

/// Runs `extract` on a thread with a 2 MiB stack, the size of a tokio worker's.
fn extract_on_small_stack(html: String, config: ExtractConfig) -> Result<Extracted, ExtractError> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || extract(&html, None, &config))
        .expect("spawn")
        .join()
        .expect("extract must not overflow the stack or panic")
}

fn article_paragraphs() -> String {
    let html = std::fs::read_to_string(testdata("news_article.html")).expect("fixture");
    let start = html.find("<p>The council").expect("first paragraph");
    let end = html.find("</div>\n</article>").expect("end of story");
    html[start..end].to_string()
}

fn nested_divs(depth: usize) -> String {
    format!("<html><body>{}{}{}</body></html>", "<div>".repeat(depth), article_paragraphs(), "</div>".repeat(depth))
}

#[test]
fn a_page_of_100k_nested_divs_is_refused_by_its_element_count() {
    let error =
        extract_on_small_stack(nested_divs(100_000), ExtractConfig::default()).expect_err("over the element limit");
    assert_eq!(error, ExtractError::TooManyElements { limit: 100_000 });
}

#[test]
fn deeply_nested_divs_are_flattened_not_fatal() {
    let config = ExtractConfig { max_elements: 1_000_000, ..ExtractConfig::default() };
    let extracted = extract_on_small_stack(nested_divs(100_000), config).expect("text survives");
    assert!(extracted.text.contains("The council of Port Elspeth voted"), "{}", extracted.text);
    assert!(
        extracted.diagnostics.iter().any(|note| note.contains("nested deeper than 512")),
        "{:?}",
        extracted.diagnostics
    );
}

#[test]
fn deeply_nested_unclosed_inline_tags_are_flattened_too() {
    let html = format!("<html><body>{}{}</body></html>", "<span><b>".repeat(25_000), article_paragraphs());
    let extracted = extract_on_small_stack(html, ExtractConfig::default()).expect("text survives");
    assert!(extracted.text.contains("Port Elspeth"));
}

#[test]
fn invalid_utf8_is_replaced_and_the_rest_extracted() {
    let mut bytes = b"<html><head><meta charset=\"utf-8\"></head><body><article>".to_vec();
    bytes.extend_from_slice(article_paragraphs().as_bytes());
    bytes.extend_from_slice(b"<p>Broken bytes \xff\xfe\xc3 here but the story goes on for a little while longer.</p>");
    bytes.extend_from_slice(b"</article></body></html>");
    let html = decode_html(&bytes, Some("text/html"));
    let extracted = extract(&html, None, &ExtractConfig::default()).expect("extracts");
    assert!(extracted.text.contains("Port Elspeth"));
}

#[test]
fn random_bytes_do_not_crash() {
    // A fixed linear-congruential sequence: varied, reproducible bytes with
    // plenty of '<', '>' and quotes.
    const ALPHABET: &[u8] = b"<>/\"'=ap div span!-x \n\xff\xc3";
    let mut state: u32 = 12345;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ALPHABET[(state >> 16) as usize % ALPHABET.len()]
        })
        .collect();
    let html = decode_html(&bytes, None);
    let outcome = extract_on_small_stack(html, ExtractConfig::default());
    if let Err(error) = outcome {
        assert!(error.to_string().starts_with("extract: "), "{error}");
    }
}

#[test]
fn an_invalid_url_is_ignored_with_a_note() {
    let html = std::fs::read_to_string(testdata("news_article.html")).expect("fixture");
    let extracted = extract(&html, Some("not a url"), &ExtractConfig::default()).expect("extracts");
    assert!(extracted.diagnostics.iter().any(|note| note.contains("not a url")));
}
