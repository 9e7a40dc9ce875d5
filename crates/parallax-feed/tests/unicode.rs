//! No text makes the feed crate panic: arbitrary Unicode, weighted towards
//! what breaks byte-slicing code (multi-byte letters of other scripts,
//! combining marks, wide spaces, C1 controls, bidi controls, emoji with
//! joiners, markup and entity fragments), thrown at every public function
//! that reads text, and at whole feeds with such text in every element a
//! feed has (dates included: a Cyrillic weekday once panicked there).

use chrono::{TimeZone, Utc};
use parallax_core::config::CleanConfig;
use parallax_feed::clean::{FeedLanguages, canonical_url, detect_language, is_truncated, plain_text, sanitize_html};
use parallax_feed::{FeedContext, parse_feed};
use proptest::prelude::*;

/// Pieces that break code assuming one byte per character, or that feeds
/// and dates are made of.
const PIECES: &[&str] = &[
    "\u{a0}",
    "\u{2009}",
    "\u{3000}",
    "\u{200b}",
    "\u{200d}",
    "\u{301}",
    "\u{308}",
    "\u{202e}",
    "\u{feff}",
    "\u{85}",
    "\u{92}",
    "\u{9f}",
    "👩\u{200d}🔬",
    "é",
    "ß",
    "İ",
    "Вт",
    "мая",
    "Τρι",
    "Μαΐου",
    "Ιούν",
    "الثلاثاء،",
    "مايو",
    "٠٧",
    "日",
    "中文",
    "हिं",
    "&",
    "&amp;",
    "&lt;",
    "&#146;",
    "&#x92;",
    "&nbsp",
    "<",
    ">",
    "</",
    "<b>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "\"",
    "'",
    ":",
    "/",
    "?",
    "#",
    "%",
    ".",
    ",",
    " ",
    "\n",
    "\t",
    "1",
    "07",
    "2024",
    "12:00:00",
    "+0300",
    "GMT",
    "May",
    "Tue,",
    "http://",
    "https://é.example/",
    "…",
    "Read more",
];

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat()),
        prop::collection::vec(
            prop_oneof![any::<char>().prop_map(String::from), prop::sample::select(PIECES).prop_map(String::from)],
            0..60
        )
        .prop_map(|pieces| pieces.concat()),
    ]
}

fn context(content_type: Option<&str>) -> FeedContext<'_> {
    FeedContext {
        feed_url: "https://feeds.example.net/feed.xml",
        outlet: "example.net",
        fetched: Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap(),
        content_type,
        content_location: None,
    }
}

/// Text as XML character data: the reader must see it, not stumble on it.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn cleaning_functions_take_any_text(text in hostile_text(), base in prop::option::of(hostile_text())) {
        let plain = plain_text(&text);
        prop_assert_eq!(plain.trim(), plain.as_str());
        sanitize_html(&text, None);
        let base = base.and_then(|base| url::Url::parse(&format!("https://example.net/{base}")).ok());
        sanitize_html(&text, base.as_ref());
        canonical_url(&text, base.as_ref());
        is_truncated(&text);
        detect_language(&text);
        FeedLanguages::new().detect(&text);
    }

    #[test]
    fn feeds_with_any_text_in_any_element_parse(
        title in hostile_text(),
        link in hostile_text(),
        date in hostile_text(),
        body in hostile_text(),
        guid in hostile_text(),
    ) {
        let (title, link, date, body, guid) = (escaped(&title), escaped(&link), escaped(&date), escaped(&body), escaped(&guid));
        let rss = format!(
            "<rss version=\"2.0\"><channel><title>{title}</title><language>{title}</language><ttl>{date}</ttl>\
             <item><title>{title}</title><link>{link}</link><guid>{guid}</guid><pubDate>{date}</pubDate>\
             <description>{body}</description></item></channel></rss>"
        );
        let atom = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"{link}\" xml:lang=\"{title}\"><entry>\
             <title type=\"{title}\">{title}</title><link href=\"{link}\"/><id>{guid}</id><updated>{date}</updated>\
             <content type=\"xhtml\"><div>{body}</div></content><summary mode=\"base64\">{body}</summary></entry></feed>"
        );
        for xml in [rss, atom] {
            let _ = parse_feed(xml.as_bytes(), &context(None), &CleanConfig::default());
        }
    }

    #[test]
    fn any_bytes_parse_or_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..400), content_type in prop::option::of(hostile_text())) {
        let _ = parse_feed(&bytes, &context(content_type.as_deref()), &CleanConfig::default());
        let mut feed = b"<rss version=\"2.0\"><channel><item><title>".to_vec();
        feed.extend_from_slice(&bytes);
        let _ = parse_feed(&feed, &context(None), &CleanConfig::default());
    }
}
