//! Every fixture in `testdata/` through `parse_feed`, compared with its
//! golden output in `testdata/golden/`. Run with `UPDATE_GOLDEN=1` to
//! rewrite the golden files after an intended change, then review the diff.

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};
use parallax_core::config::CleanConfig;
use parallax_core::{DateFlag, NewArticle};
use parallax_feed::{FeedContext, FeedError, ParsedFeed, parse_feed};
use serde_json::json;

const FEED_URL: &str = "https://news.example.com/feed/";

fn fetched() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

fn parse_bytes(bytes: &[u8], content_type: Option<&str>, config: &CleanConfig) -> Result<ParsedFeed, FeedError> {
    let ctx = FeedContext {
        feed_url: FEED_URL,
        outlet: "example.com",
        fetched: fetched(),
        content_type,
        content_location: None,
    };
    parse_feed(bytes, &ctx, config)
}

/// Parses `testdata/<fixture>` with default limits, compares the result
/// with `testdata/golden/<fixture>.json`, and returns it for the checks
/// specific to the fixture.
fn check(fixture: &str, content_type: Option<&str>) -> Result<ParsedFeed, FeedError> {
    let bytes = std::fs::read(testdata(fixture)).unwrap();
    let result = parse_bytes(&bytes, content_type, &CleanConfig::default());
    let actual = match &result {
        Ok(feed) => json!({
            "title": feed.title,
            "ttl_secs": feed.ttl.map(|ttl| ttl.as_secs()),
            "articles": feed.articles,
            "diagnostics": feed.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
        }),
        Err(error) => json!({ "error": error.to_string() }),
    };
    let actual = serde_json::to_string_pretty(&actual).unwrap() + "\n";
    let golden = testdata("golden").join(format!("{fixture}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    } else {
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} missing; run with UPDATE_GOLDEN=1", golden.display()));
        assert_eq!(actual, expected, "{fixture} differs from its golden file; rerun with UPDATE_GOLDEN=1 if intended");
    }
    result
}

fn articles(fixture: &str, content_type: Option<&str>) -> Vec<NewArticle> {
    check(fixture, content_type).unwrap().articles
}

fn messages(feed: &ParsedFeed) -> Vec<&str> {
    feed.diagnostics.iter().map(|d| d.message.as_str()).collect()
}

/// Text a reader would see as a leftover of markup or escaping.
fn assert_no_scars(text: &str) {
    for scar in ["<", ">", "CDATA", "]]", "&lt", "&gt", "&amp", "&nbsp", "&#", "\u{a0}", "  "] {
        assert!(!text.contains(scar), "{scar:?} left in {text:?}");
    }
    assert_eq!(text, text.trim(), "untrimmed {text:?}");
}

#[test]
fn rss2_basic() {
    let feed = check("rss2-basic.xml", None).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Example News – World"));
    assert_eq!(feed.ttl, Some(std::time::Duration::from_secs(15 * 60)));
    let [budget, storm, rates] = feed.articles.as_slice() else { panic!("{:#?}", feed.articles) };
    assert_eq!(budget.url, "https://news.example.com/2024/05/31/budget-passes/?id=42");
    assert_eq!(budget.guid, "https://news.example.com/?p=1001");
    assert!(
        budget
            .content_html
            .contains(r#"<a href="https://news.example.com/2024/05/30/budget-talks/" rel="noopener noreferrer">"#)
    );
    assert!(budget.content_html.contains(r#"src="https://news.example.com/wp-content/uploads/vote.jpg""#));
    assert!(!budget.truncated);
    assert_eq!(budget.language.as_deref(), Some("en"));
    assert_eq!(storm.url, "https://news.example.com/2024/05/31/storm-warning/");
    assert_eq!(storm.guid, storm.url);
    assert!(storm.truncated && rates.truncated);
    assert_eq!(rates.url, "https://news.example.com/2024/05/30/rates/");
    assert_eq!(rates.published, Utc.with_ymd_and_hms(2024, 5, 30, 7, 30, 0).unwrap());
}

#[test]
fn rss_0_9x_and_1_0() {
    let old = articles("rss091.xml", None);
    assert_eq!(old.len(), 1);
    assert_eq!(old[0].date_flag, Some(DateFlag::Missing));
    assert_eq!(old[0].published, fetched());
    let radio = articles("rss092.xml", None);
    assert!(radio[0].snippet.contains("on Tuesday after"), "{}", radio[0].snippet);
    let rdf = articles("rss1-rdf.xml", None);
    assert_eq!(rdf[0].url, "https://rdf.example.de/artikel/1");
    assert_eq!(rdf[0].language.as_deref(), Some("de"));
    assert_eq!(rdf[0].published, Utc.with_ymd_and_hms(2024, 5, 30, 8, 0, 0).unwrap());
}

#[test]
fn atom() {
    let feed = check("atom-basic.xml", None).unwrap();
    let [ocean, turnout] = feed.articles.as_slice() else { panic!("{:#?}", feed.articles) };
    assert_eq!(ocean.title, "Scientists map the ocean floor");
    assert_eq!(ocean.url, "https://atom.example.com/ocean");
    assert!(ocean.snippet.starts_with("A new survey"));
    assert!(!ocean.content_html.contains("onclick"));
    assert!(ocean.content_html.contains(r#"href="https://atom.example.com/data/map.html""#), "{}", ocean.content_html);
    assert_eq!(ocean.published, Utc.with_ymd_and_hms(2024, 5, 31, 12, 0, 0).unwrap());
    assert_eq!(turnout.published, Utc.with_ymd_and_hms(2024, 5, 30, 20, 0, 0).unwrap());
    assert_eq!(turnout.date_flag, None);
}

#[test]
fn json_feed() {
    let daily = articles("jsonfeed-basic.json", Some("application/feed+json"));
    let [transit, heat] = daily.as_slice() else { panic!("{daily:#?}") };
    assert_eq!(transit.url, "https://json.example.com/posts/transit");
    assert_eq!(transit.guid, "2024-0001");
    assert!(!transit.content_html.contains("script"));
    assert!(heat.content_html.contains("35 degrees &lt;3 in the south.</p><p>"), "{}", heat.content_html);
    assert_eq!(heat.published, Utc.with_ymd_and_hms(2024, 5, 28, 7, 0, 0).unwrap());
    let v1 = articles("jsonfeed-v1.json", None);
    assert!(v1[0].title.starts_with("Only text, no title"));
}

#[test]
fn encodings_are_transcoded_to_utf8() {
    let latin = articles("latin1.xml", Some("text/xml; charset=utf-8"));
    assert_eq!(latin[0].title, "François Hollande répond “non” à la réforme");
    assert!(latin[0].snippet.starts_with("L’ancien président"));
    let german = articles("windows1252-http.xml", Some("application/rss+xml; charset=ISO-8859-1"));
    assert_eq!(german[0].title, "Müller gewinnt „Goldene Feder“");
    for fixture in ["utf16le-bom.xml", "utf16be-bom.xml"] {
        let japanese = articles(fixture, None);
        assert_eq!(japanese[0].title, "東京で新しい美術館が開館", "{fixture}");
        assert_eq!(japanese[0].language.as_deref(), Some("ja"), "{fixture}");
    }
    let broken = check("invalid-utf8.xml", None).unwrap();
    assert_eq!(broken.articles[0].title, "Café owners protest \u{fffd}\u{fffd} new rules");
    assert!(messages(&broken).iter().any(|m| m.contains("replaced with U+FFFD")));
}

#[test]
fn entity_declarations_are_never_expanded() {
    let laughs = check("billion-laughs.xml", None).unwrap();
    assert_eq!(laughs.title.as_deref(), Some("Laughs"));
    assert_eq!(laughs.articles[0].title, "Harmless headline");
    assert!(!laughs.articles[0].snippet.contains("lol"));
    assert!(messages(&laughs)[0].contains("DOCTYPE declares entities"));
    let xxe = check("xxe.xml", None).unwrap();
    assert_eq!(xxe.articles[0].title, "Read this");
    assert!(xxe.articles[0].snippet.starts_with("Some ordinary text"));
    assert!(!format!("{xxe:?}").contains("root:"));
}

#[test]
fn whole_feed_failures() {
    assert_eq!(check("html-page.html", Some("text/html")).unwrap_err(), FeedError::HtmlPage);
    assert_eq!(check("empty.xml", None).unwrap_err(), FeedError::EmptyBody);
    let not_a_feed = check("opml-not-a-feed.xml", None).unwrap_err();
    assert_eq!(not_a_feed.to_string(), "feed: not RSS, Atom or JSON Feed: root element is <opml>");
    let config = CleanConfig::default();
    assert_eq!(parse_bytes(b"", None, &config).unwrap_err(), FeedError::EmptyBody);
    assert_eq!(parse_bytes(b"<p>hello</p><body>", None, &config).unwrap_err(), FeedError::HtmlPage);
    assert!(matches!(parse_bytes(b"{\"version\": 3}", None, &config), Err(FeedError::NotAFeed(_))));
    assert!(matches!(parse_bytes(b"just text", None, &config), Err(FeedError::NotAFeed(_))));
}

#[test]
fn titles_and_snippets_carry_no_scars() {
    let feed = check("cdata-scars.xml", None).unwrap();
    assert_eq!(feed.title.as_deref(), Some("Scarred & Co"));
    let titles: Vec<&str> = feed.articles.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Foo", "Baz leftovers", "Markup in a title and bold text", "Doubly escaped section …"]);
    let snippets: Vec<&str> = feed.articles.iter().map(|a| a.snippet.as_str()).collect();
    assert_eq!(
        snippets,
        [
            "Bar and the rest of the story follows here.",
            "Double escaped space, plain space and a curly quote: it’s here.",
            "escaped tags inside a section, nested and & twice",
            "Line one Line two",
        ]
    );
    for article in &feed.articles {
        assert_no_scars(&article.title);
        assert_no_scars(&article.snippet);
    }
}

#[test]
fn scripts_and_javascript_links_are_removed() {
    let article = &articles("script-content.xml", None)[0];
    assert_eq!(article.title, "Mayor unveils new plan");
    assert_eq!(article.snippet, "The mayor presented a ten-year plan for the city centre.");
    let html = article.content_html.to_ascii_lowercase();
    for forbidden in
        ["<script", "javascript:", "data:text", "onerror", "onmouseover", "<iframe", "<style", "<form", "display: none"]
    {
        assert!(!html.contains(forbidden), "{forbidden} in {html}");
    }
    assert!(html.contains(r#"<a href="https://scripts.example.com/details" rel="noopener noreferrer">"#));
    assert!(html.contains(r#"<img src="https://scripts.example.com/x.png">"#));
}

#[test]
fn duplicate_guids_and_unlinkable_entries() {
    let feed = check("dup-guids.xml", None).unwrap();
    let guids: Vec<&str> = feed.articles.iter().map(|a| a.guid.as_str()).collect();
    assert_eq!(guids, ["story-1", "story-2", "https://dups.example.com/c", "story-3", "https://dups.example.com/d"]);
    assert_eq!(feed.articles[0].title, "First version of the story");
    // An entry with an id but no link is kept under its id, at the feed's
    // address; one with neither is skipped.
    assert_eq!(feed.articles[3].url, "https://news.example.com/feed/#entry=story-3");
    assert!(!feed.articles[3].truncated);
    let messages = messages(&feed);
    assert_eq!(messages.iter().filter(|m| m.contains("duplicate guid")).count(), 2);
    assert_eq!(messages.iter().filter(|m| m.contains("kept under its id")).count(), 1);
    assert_eq!(messages.iter().filter(|m| m.contains("skipped: no http(s) link and no id")).count(), 1);
}

#[test]
fn dates_are_flagged() {
    let articles = articles("dates.xml", None);
    let flags: Vec<(&str, Option<DateFlag>)> =
        articles.iter().map(|a| (a.url.rsplit('/').next().unwrap(), a.date_flag)).collect();
    assert_eq!(
        flags,
        [
            ("good", None),
            ("weekday", None),
            ("iso", None),
            ("dc", None),
            ("garbage", Some(DateFlag::Unparsable)),
            ("empty", Some(DateFlag::Missing)),
            ("none", Some(DateFlag::Missing)),
            ("future", Some(DateFlag::Future)),
            ("soon", None),
            ("epoch", Some(DateFlag::Unparsable)),
            ("year-one", Some(DateFlag::Unparsable)),
        ]
    );
    for article in articles.iter().filter(|a| a.date_flag.is_some()) {
        assert_eq!(article.published, fetched());
    }
    assert_eq!(articles[1].published, Utc.with_ymd_and_hms(2024, 5, 31, 8, 0, 0).unwrap());
}

/// Regression: a Cyrillic or Greek weekday panicked in the date parser and
/// the whole feed was lost. Every entry is kept; dates in Greek, Russian,
/// Ukrainian and Arabic are read, and a date that names no day is flagged.
#[test]
fn dates_in_greek_cyrillic_and_arabic_keep_every_entry() {
    let articles = articles("multilingual-dates.xml", None);
    assert_eq!(articles.len(), 7);
    let at = |day, hour, minute| Utc.with_ymd_and_hms(2024, 5, day, hour, minute, 0).unwrap();
    let dates: Vec<_> = articles.iter().map(|a| (a.published, a.date_flag)).collect();
    assert_eq!(
        dates,
        [
            (at(7, 12, 0), None),
            (at(28, 12, 0), None),
            (at(7, 9, 0), None),
            (at(6, 7, 0), None),
            (at(7, 9, 0), None),
            (at(6, 6, 30), None),
            (fetched(), Some(DateFlag::Unparsable)),
        ]
    );
}

#[test]
fn broken_xml_is_repaired() {
    let raw = check("raw-html-description.xml", None).unwrap();
    assert_eq!(raw.articles[0].title, "Harbour reopens to ships");
    assert_eq!(raw.articles[0].snippet, "The harbour reopened on Monday. Ships queued for hours to enter. More at 11.");
    let amp = check("malformed-ampersand.xml", None).unwrap();
    assert_eq!(amp.articles[0].title, "AT&T and Procter & Gamble report earnings");
    assert_eq!(amp.articles[0].url, "https://amp.example.com/earnings?a=1&b=2");
    assert!(amp.articles[0].snippet.contains("fell — analysts"));
    let cut = check("truncated.xml", None).unwrap();
    assert_eq!(cut.articles.len(), 1);
    assert!(messages(&cut)[0].contains("ends inside an entry"), "{:?}", messages(&cut));
    let versionless = check("rss-no-version.xml", None).unwrap();
    assert_eq!(versionless.articles.len(), 1);
}

fn generated_rss(items: usize) -> String {
    let mut xml = String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title>");
    for i in 0..items {
        xml.push_str(&format!(
            "<item><title>Story number {i}</title><link>https://big.example.com/{i}</link>\
             <description>&lt;p&gt;Paragraph for story {i}.&lt;/p&gt;</description>\
             <pubDate>Fri, 31 May 2024 10:00:00 GMT</pubDate></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

#[test]
fn ten_thousand_items_and_the_entry_limit() {
    let config = CleanConfig::default();
    let feed = parse_bytes(generated_rss(10_001).as_bytes(), None, &config).unwrap();
    assert_eq!(feed.articles.len(), config.max_entries_per_feed);
    assert_eq!(feed.articles[9_999].title, "Story number 9999");
    assert_eq!(messages(&feed), ["feed has 10001 entries; only the first 10000 were read (max_entries_per_feed)"]);
}

#[test]
fn text_limits_cut_without_marking_truncated() {
    let config =
        CleanConfig { max_title_chars: 20, max_snippet_chars: 30, max_content_bytes: 60, ..CleanConfig::default() };
    let bytes = std::fs::read(testdata("rss2-basic.xml")).unwrap();
    let feed = parse_bytes(&bytes, None, &config).unwrap();
    let budget = &feed.articles[0];
    assert_eq!(budget.title, "Parliament passes…");
    assert_eq!(budget.snippet, "Lawmakers approved the…");
    assert!(!budget.truncated);
    assert!(budget.content_html.len() <= 60, "{}", budget.content_html);
    assert!(messages(&feed).iter().any(|m| m.contains("content of")));
}
