//! Any bytes as an article page: decoded and extracted, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let html = parallax_extract::decode_html(bytes, Some("text/html"));
    let _ = parallax_extract::extract(&html, Some("https://fuzz.example/article"), &Default::default());
});
