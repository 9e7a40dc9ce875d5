//! Cleaning rules against real third-party text from `shared/data` (read
//! in place, never copied). Skipped with a note when the folder is absent.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Utc;
use parallax_core::config::CleanConfig;
use parallax_feed::clean::{detect_language, plain_text, sanitize_html};
use parallax_feed::{FeedContext, FeedError, parse_feed};

fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(relative);
    if path.exists() {
        Some(path)
    } else {
        println!("skipped: {} not found", path.display());
        None
    }
}

fn real_pages() -> Option<Vec<(String, String)>> {
    let dir = shared_data("extraction/html")?;
    let mut pages = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let mut html = String::new();
        let file = std::fs::File::open(&path).unwrap();
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file).read_to_end(&mut bytes).unwrap();
        html.push_str(&String::from_utf8_lossy(&bytes));
        pages.push((path.file_name().unwrap().to_string_lossy().into_owned(), html));
    }
    Some(pages)
}

#[test]
fn real_article_pages_are_refused_as_html() {
    let Some(pages) = real_pages() else { return };
    for (name, html) in &pages {
        let ctx = FeedContext {
            feed_url: "https://example.com/feed",
            outlet: "example.com",
            fetched: Utc::now(),
            content_type: None,
            content_location: None,
        };
        let result = parse_feed(html.as_bytes(), &ctx, &CleanConfig::default());
        assert_eq!(result.as_ref().err(), Some(&FeedError::HtmlPage), "{name}");
    }
}

#[test]
fn real_article_pages_reduce_to_clean_text_and_safe_html() {
    let Some(pages) = real_pages() else { return };
    for (name, html) in &pages {
        let text = plain_text(html);
        for scar in ["<script", "</p>", "<div", "&nbsp;", "&amp;", "  ", "]]>"] {
            assert!(!text.contains(scar), "{scar:?} in plain text of {name}");
        }
        let safe = sanitize_html(html, None).to_ascii_lowercase();
        for forbidden in ["<script", "<iframe", "<style", "javascript:", " onclick=", " onload="] {
            assert!(!safe.contains(forbidden), "{forbidden:?} in sanitised {name}");
        }
    }
}

#[test]
fn real_english_news_is_detected_as_english() {
    let Some(path) = shared_data("neus-dev/cluster-in.jsonl") else { return };
    let lines = std::fs::read_to_string(path).unwrap();
    let (mut english, mut unsure, mut other) = (0, 0, 0);
    for line in lines.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = format!("{} {}", record["title"].as_str().unwrap_or(""), record["text"].as_str().unwrap_or(""));
        match detect_language(&plain_text(&text)) {
            Some((code, _)) if code == "en" => english += 1,
            Some(_) => other += 1,
            None => unsure += 1,
        }
    }
    let total = english + unsure + other;
    println!("neus-dev: {english} en, {unsure} unsure, {other} other of {total}");
    assert!(other * 100 <= total, "{other} of {total} detected as another language");
    assert!(english * 100 >= total * 90, "only {english} of {total} detected as English");
}
