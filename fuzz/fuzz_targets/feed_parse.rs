//! Any bytes as a fetched feed: parsed and cleaned, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_core::config::CleanConfig;
use parallax_feed::FeedContext;

fuzz_target!(|bytes: &[u8]| {
    let fetched = chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_000);
    let context = FeedContext {
        feed_url: "https://fuzz.example/feed",
        outlet: "fuzz.example",
        fetched,
        content_type: Some("application/rss+xml; charset=utf-8"),
        content_location: None,
    };
    let _ = parallax_feed::parse_feed(bytes, &context, &CleanConfig::default());
});
