//! Any text through the feed cleaner: plain text, sanitised HTML,
//! canonical URLs, truncation and language detection, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_feed::clean;

fuzz_target!(|text: &str| {
    let _ = clean::plain_text(text);
    let base = url::Url::parse("https://fuzz.example/a/b").ok();
    let _ = clean::sanitize_html(text, base.as_ref());
    let _ = clean::canonical_url(text, base.as_ref());
    let _ = clean::is_truncated(text);
    let _ = clean::detect_language(text);
});
