//! The repository's default outlet list, `outlets/default.opml`.

use parallax_outlets::{Format, import};
use std::collections::HashSet;
use std::path::PathBuf;

#[test]
fn default_outlet_list_is_broad_and_clean() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../outlets/default.opml");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(parallax_outlets::detect_format("default.opml", &bytes), Ok(Format::Opml));
    let list = import("default.opml", &bytes).unwrap();
    assert_eq!(list.diagnostics, [], "the shipped list must read without complaint");
    assert!(list.ratings.is_empty(), "rating licences forbid shipping ratings");
    let outlets: HashSet<&str> = list.feeds.iter().map(|f| f.outlet.as_str()).collect();
    assert!(outlets.len() >= 100, "{} outlets", outlets.len());
    let languages: HashSet<&str> = list.feeds.iter().filter_map(|f| f.language.as_deref()).collect();
    assert!(languages.len() >= 5, "{languages:?}");
    for feed in &list.feeds {
        let url = url::Url::parse(&feed.url).unwrap_or_else(|e| panic!("{}: {e}", feed.url));
        assert!(matches!(url.scheme(), "http" | "https") && url.host_str().is_some(), "{}", feed.url);
        assert!(feed.language.is_some(), "{} has no language", feed.url);
        assert_eq!(feed.categories.len(), 1, "{} is filed under one region", feed.url);
    }
    for outlet in ["nytimes.com", "foxnews.com", "abcnews.go.com", "bbc.com", "spiegel.de", "lemonde.fr"] {
        assert!(outlets.contains(outlet), "{outlet} missing");
    }
}
