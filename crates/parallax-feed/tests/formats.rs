//! The feed formats and habits feedparser's test suite taught us to read,
//! one named regression test each, on small inline feeds.

use chrono::{DateTime, TimeZone, Utc};
use parallax_core::NewArticle;
use parallax_core::config::CleanConfig;
use parallax_feed::{FeedContext, ParsedFeed, parse_feed};

const FEED_URL: &str = "https://feeds.example.net/news/feed.xml";

fn fetched() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn parse_with(xml: &str, content_type: Option<&str>, content_location: Option<&str>) -> ParsedFeed {
    let ctx =
        FeedContext { feed_url: FEED_URL, outlet: "example.net", fetched: fetched(), content_type, content_location };
    parse_feed(xml.as_bytes(), &ctx, &CleanConfig::default()).unwrap_or_else(|error| panic!("{error}: {xml}"))
}

fn parse(xml: &str) -> ParsedFeed {
    parse_with(xml, None, None)
}

/// The one article of a feed.
fn only(xml: &str) -> NewArticle {
    let feed = parse(xml);
    let [article] = feed.articles.as_slice() else { panic!("{:#?}", feed) };
    article.clone()
}

#[test]
fn atom_0_3_is_read() {
    let article = only(
        r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Old Atom</title>
        <entry><title>Example Atom</title><link rel="alternate" type="text/html" href="http://example.org/a"/>
        <id>tag:example.org,2003:3</id><issued>2003-12-13T08:29:29-04:00</issued><modified>2003-12-13T18:30:02Z</modified>
        <content type="text/html" mode="escaped">&lt;p&gt;Some &lt;b&gt;bold&lt;/b&gt; text&lt;/p&gt;</content></entry></feed>"#,
    );
    assert_eq!(article.title, "Example Atom");
    assert_eq!(article.url, "http://example.org/a");
    assert_eq!(article.guid, "tag:example.org,2003:3");
    assert_eq!(article.published, Utc.with_ymd_and_hms(2003, 12, 13, 12, 29, 29).unwrap());
    assert_eq!(article.content_html, "<p>Some <b>bold</b> text</p>");
    assert_eq!(article.snippet, "Some bold text");
}

#[test]
fn prefixed_rss_and_rss_0_90_are_read() {
    let prefixed = only(
        r#"<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel><r:title>T</r:title>
        <r:item><r:title>Prefixed item</r:title><r:link>http://example.org/p</r:link></r:item></r:channel></r:rss>"#,
    );
    assert_eq!((prefixed.title.as_str(), prefixed.url.as_str()), ("Prefixed item", "http://example.org/p"));
    let old = parse(
        r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
        <channel><title>Netscape</title></channel><item><title>Item title</title><link>http://example.org/i</link></item></rdf:RDF>"#,
    );
    assert_eq!(old.title.as_deref(), Some("Netscape"));
    assert_eq!(old.articles[0].title, "Item title");
}

#[test]
fn cdf_items_are_read() {
    let article = only(
        r#"<CHANNEL HREF="http://example.org/"><TITLE>CDF</TITLE>
        <ITEM HREF="http://example.org/item" LASTMOD="2004-01-01T12:00"><TITLE>CDF item</TITLE><ABSTRACT>About it</ABSTRACT></ITEM></CHANNEL>"#,
    );
    assert_eq!((article.title.as_str(), article.url.as_str()), ("CDF item", "http://example.org/item"));
    assert_eq!(article.snippet, "About it");
    assert_eq!(article.published, Utc.with_ymd_and_hms(2004, 1, 1, 12, 0, 0).unwrap());
}

/// Regression: one entry with an odd content type made feed-rs fail the
/// whole feed ("unsupported content type").
#[test]
fn odd_content_types_never_fail_the_feed() {
    let mut xml = String::from(r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>Types</title>"#);
    for (n, ty) in ["text/plain", "TEXT", "", "application/xhtml+xml", "application/octet-stream"].iter().enumerate() {
        let body = if *ty == "application/octet-stream" { "SGVsbG8gd29ybGQ=" } else { "Hello world" };
        xml.push_str(&format!(
            r#"<entry><title type="{ty}">Entry {n}</title><link href="http://example.org/{n}"/><content type="{ty}">{body}</content></entry>"#
        ));
    }
    xml.push_str(r#"<entry><title>Base64</title><link href="http://example.org/b"/><summary mode="base64" type="text/html">PGI+Ym9sZDwvYj4gdGV4dA==</summary></entry></feed>"#);
    let feed = parse(&xml);
    assert_eq!(feed.articles.len(), 6, "{:#?}", feed.diagnostics);
    for article in &feed.articles[..5] {
        assert_eq!(article.snippet, "Hello world", "{}", article.title);
    }
    assert_eq!(feed.articles[5].snippet, "bold text");
    assert_eq!(feed.articles[5].content_html, "<b>bold</b> text");
}

#[test]
fn extension_elements_stand_in_for_missing_ones() {
    let feed = parse(
        r#"<rss version="2.0" xmlns:xhtml="http://www.w3.org/1999/xhtml" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
        xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"><channel><title>X</title>
        <item><title>Body</title><link>http://example.org/1</link><xhtml:body><xhtml:p>From the <xhtml:b>body</xhtml:b></xhtml:p></xhtml:body></item>
        <item><title>Plain body</title><link>http://example.org/2</link><body>Unprefixed body</body></item>
        <item><title>Fullitem</title><link>http://example.org/3</link><fullitem>&lt;p&gt;Full item&lt;/p&gt;</fullitem></item>
        <item><title>iTunes</title><link>http://example.org/4</link><itunes:summary>Podcast summary</itunes:summary><dcterms:issued>2004-01-01T19:48:21Z</dcterms:issued></item>
        <item><dc:title>DC title</dc:title><link>http://example.org/5</link><dc:description>DC description</dc:description><dcterms:modified>2004-01-02T00:00:00Z</dcterms:modified></item>
        </channel></rss>"#,
    );
    let snippets: Vec<&str> = feed.articles.iter().map(|a| a.snippet.as_str()).collect();
    assert_eq!(snippets, ["From the body", "Unprefixed body", "Full item", "Podcast summary", "DC description"]);
    assert_eq!(feed.articles[0].content_html, "<p>From the <b>body</b></p>");
    assert_eq!(feed.articles[3].published, Utc.with_ymd_and_hms(2004, 1, 1, 19, 48, 21).unwrap());
    assert_eq!(feed.articles[4].title, "DC title");
    assert_eq!(feed.articles[4].published, Utc.with_ymd_and_hms(2004, 1, 2, 0, 0, 0).unwrap());
}

/// Regression: XHTML content was re-read as HTML, so escaped text became a
/// tag and vanished; a `type="text"` title was read as HTML.
#[test]
fn text_stays_text_in_xhtml_and_plain_titles() {
    let article = only(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="text">Why &lt;b&gt; is bold</title>
        <link href="http://example.org/x"/><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">History of the &lt;blink&gt; tag</div></content></entry></feed>"#,
    );
    assert_eq!(article.title, "Why <b> is bold");
    assert_eq!(article.snippet, "History of the <blink> tag");
    assert_eq!(article.content_html, "History of the &lt;blink&gt; tag");
}

/// Regression: U+0092 (a windows-1252 `’` that reached the text as a
/// control character) became a space in titles but stayed in the HTML.
#[test]
fn c1_controls_are_repaired_alike_in_title_and_content() {
    let article = only(
        "<rss version=\"2.0\"><channel><item><title>It&#x92;s here</title><link>http://example.org/q</link>\
         <description>&lt;p&gt;It\u{92}s \u{93}quoted\u{94}&lt;/p&gt;</description></item></channel></rss>",
    );
    assert_eq!(article.title, "It’s here");
    assert_eq!(article.snippet, "It’s “quoted”");
    assert_eq!(article.content_html, "<p>It’s “quoted”</p>");
}

/// Regression: a reference to a DOCTYPE entity in a GUID was deleted, and
/// the dedup key silently changed.
#[test]
fn doctype_entities_in_a_guid_keep_the_dedup_key() {
    let article = only(
        r#"<!DOCTYPE rss [<!ENTITY id "tag:example.com,">]><rss version="2.0"><channel><item><title>T</title>
        <link>http://example.org/g</link><guid isPermaLink='false'>&id;2006-05-04:/blog/</guid></item></channel></rss>"#,
    );
    assert_eq!(article.guid, "tag:example.com,2006-05-04:/blog/");
}

#[test]
fn relative_links_resolve_against_xml_base_then_content_location_then_feed_url() {
    let xml = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://base.example.org/root/">
        <entry><title>Base</title><link href="a"/></entry>
        <entry xml:base="/sub/"><title>Nested base</title><link href="b"/></entry></feed>"#;
    let urls: Vec<String> = parse(xml).articles.into_iter().map(|a| a.url).collect();
    assert_eq!(urls, ["http://base.example.org/root/a", "http://base.example.org/sub/b"]);
    let rss =
        r#"<rss version="2.0"><channel><item><title>Relative</title><link>/relative/uri</link></item></channel></rss>"#;
    assert_eq!(parse_with(rss, None, Some("http://example.com/")).articles[0].url, "http://example.com/relative/uri");
    assert_eq!(parse(rss).articles[0].url, "https://feeds.example.net/relative/uri");
}

/// Regression: entries without a link were dropped ("no http(s) link").
#[test]
fn entries_without_a_link_are_kept_by_their_permalink_or_id() {
    let feed = parse(
        r#"<rss version="2.0"><channel><title>Links</title>
        <item><title>Permalink guid</title><guid>http://example.org/permalink</guid></item>
        <item><title>Atom-style id only</title><guid isPermaLink="false">urn:uuid:1225c695</guid></item>
        <item><title>Nothing at all</title></item>
        <item><title>Relative link, permalink guid</title><link>/rel</link><guid>http://example.org/g</guid></item>
        <item><title>Not a permalink</title><link>/rel2</link><guid isPermaLink="false">http://example.org/n</guid></item>
        </channel></rss>"#,
    );
    let kept: Vec<(&str, &str)> = feed.articles.iter().map(|a| (a.guid.as_str(), a.url.as_str())).collect();
    assert_eq!(
        kept,
        [
            ("http://example.org/permalink", "http://example.org/permalink"),
            ("urn:uuid:1225c695", "https://feeds.example.net/news/feed.xml#entry=urn%3Auuid%3A1225c695"),
            ("http://example.org/g", "http://example.org/g"),
            ("http://example.org/n", "https://feeds.example.net/rel2"),
        ]
    );
    let messages: Vec<String> = feed.diagnostics.iter().map(|d| d.message.clone()).collect();
    assert!(messages.iter().any(|m| m.contains("entry 2") && m.contains("kept under its id")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("entry 3") && m.contains("no http(s) link and no id")), "{messages:?}");
}

/// Regression: Atom 0.3 and namespaced RSS parsed as `ok` with 0 entries
/// and nothing said.
#[test]
fn a_feed_whose_entries_cannot_be_read_says_so() {
    let feed = parse(
        r#"<rss version="2.0" xmlns:x="http://unknown.example/ns"><channel><title>Odd</title>
        <x:item><x:title>Unreadable</x:title></x:item></channel></rss>"#,
    );
    assert!(feed.articles.is_empty());
    assert!(feed.diagnostics.iter().any(|d| d.message.contains("1 <item>/<entry> elements but no entry")));
    let skipped = parse(r#"<rss version="2.0"><channel><title>T</title><item><description/></item></channel></rss>"#);
    assert!(skipped.diagnostics.iter().any(|d| d.message.contains("none of the feed's 1 entries could be kept")));
}

#[test]
fn broken_documents_keep_what_came_before_the_break() {
    let feed = parse("<rss><channel><title>testing &#160; entity</title></channel></rss");
    assert_eq!(feed.title.as_deref(), Some("testing entity"));
    let xhtml_doctype = parse(
        r#"<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "x"><rss><channel><title>found</title></channel></rss>"#,
    );
    assert_eq!(xhtml_doctype.title.as_deref(), Some("found"));
}

#[test]
fn categories_are_read_from_rss_text_and_atom_attributes() {
    let rss = only(
        r#"<rss version="2.0"><channel><item><title>T</title><link>http://example.org/c</link>
        <category>Opinion</category><category domain="x">World &amp; Politics</category></item></channel></rss>"#,
    );
    assert_eq!(rss.categories, ["Opinion", "World & Politics"]);
    let atom = only(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>T</title><link href="http://example.org/a"/>
        <category term="op-ed" label="Opinion"/><category term="world"/></entry></feed>"#,
    );
    assert_eq!(atom.categories, ["Opinion", "world"]);
}
