//! One ingest run over every kind of hostile feed next to good ones: each
//! hostile feed fails alone with a one-line reason or is stored defused,
//! the good feeds are stored in full, and a second run adds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::Utc;
use parallax_testkit::Route;

use crate::harness::{
    DataDir, ExportedArticle, FeedEventKind, Fixtures, IngestRun, MIB, assert_clean, fixture_routes, rss_document,
    rss_route,
};

/// A short total timeout so the dripping server is cut off quickly; every
/// fixture feed on loopback may be in flight at once.
const CONFIG: &str = "\
[fetch]
total_timeout_secs = 3

[ingest]
concurrency = 64
per_host_concurrency = 64
";

/// What the Retry-After of the 429 fixture asks for, seconds: longer than
/// the first failure back-off (15 min), so its effect is visible.
const RETRY_AFTER_SECS: i64 = 7200;

/// What one fixture feed must come to.
enum Expect {
    /// Stored with exactly `articles` articles, which `check` then inspects.
    Stored { articles: usize, check: fn(&[&ExportedArticle]) },
    /// Failed with exactly this reason.
    Failed { reason: &'static str },
}

struct Case {
    path: &'static str,
    route: Route,
    expect: Expect,
}

fn stored(path: &'static str, route: Route, articles: usize, check: fn(&[&ExportedArticle])) -> Case {
    Case { path, route, expect: Expect::Stored { articles, check } }
}

fn failed(path: &'static str, route: Route, reason: &'static str) -> Case {
    Case { path, route, expect: Expect::Failed { reason } }
}

/// A data directory after one `parallax ingest` over fixture feeds.
struct Ingested {
    dir: DataDir,
    fixtures: Fixtures,
    first: IngestRun,
    export_text: String,
}

/// Serves `cases` (plus `extra_routes` no feed points at directly), registers
/// each case as a feed of its own outlet, runs `parallax ingest` once and
/// checks the summary, the log and the export against every case's
/// expectation, and every article against [`assert_clean`].
fn check(cases: &[Case], extra_routes: Vec<(String, Route)>) -> Ingested {
    let mut routes: Vec<(String, Route)> =
        cases.iter().map(|case| (case.path.to_string(), case.route.clone())).collect();
    routes.extend(extra_routes);
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new(CONFIG);
    let feeds: Vec<(String, String)> =
        cases.iter().map(|case| (fixtures.url(case.path), outlet_for(case.path))).collect();
    dir.register(&feeds);

    let first = dir.ingest(&["--allow-private-networks"]);
    let articles = dir.export();
    let mut stored_articles = 0;
    for case in cases {
        let url = fixtures.url(case.path);
        let event = &first.event(&url).kind;
        let of_feed: Vec<&ExportedArticle> = articles.iter().filter(|article| article.feed == url).collect();
        match &case.expect {
            Expect::Stored { articles: expected, check } => {
                assert_eq!(first.failed.get(&url), None, "{} failed", case.path);
                assert_eq!(
                    event,
                    &FeedEventKind::Stored { new: *expected, duplicate: 0 },
                    "{}: {}",
                    case.path,
                    first.stdout
                );
                assert_eq!(of_feed.len(), *expected, "articles of {}", case.path);
                assert!(of_feed.iter().all(|article| article.outlet == outlet_for(case.path)), "{}", case.path);
                check(&of_feed);
                stored_articles += expected;
            }
            Expect::Failed { reason } => {
                assert_eq!(first.failed.get(&url).map(String::as_str), Some(*reason), "{}", case.path);
                assert_eq!(event, &FeedEventKind::Failed { reason: reason.to_string() }, "{}", case.path);
                assert!(of_feed.is_empty(), "{} failed but stored {} articles", case.path, of_feed.len());
            }
        }
    }
    let failures = cases.iter().filter(|case| matches!(case.expect, Expect::Failed { .. })).count();
    assert_eq!(first.failed.len(), failures, "{}", first.stdout);
    assert_eq!(first.fetched, cases.len() - failures, "{}", first.stdout);
    assert_eq!((first.not_modified, first.backing_off), (0, 0), "{}", first.stdout);
    assert_eq!(first.articles_new, stored_articles, "{}", first.stdout);
    assert_eq!(articles.len(), stored_articles);
    articles.iter().for_each(assert_clean);
    let export_text = dir.export_text();
    Ingested { dir, fixtures, first, export_text }
}

fn outlet_for(path: &str) -> String {
    let name: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("{}-fixture.example", name.trim_matches('-'))
}

/// A file whose content an external entity asks for; it must never be stored.
struct Secret {
    file: tempfile::NamedTempFile,
    marker: String,
}

impl Secret {
    fn new() -> Secret {
        let marker =
            format!("PARALLAX-SECRET-{}-{}", std::process::id(), Utc::now().timestamp_nanos_opt().unwrap_or(0));
        let file = tempfile::NamedTempFile::new().expect("create the secret file");
        std::fs::write(file.path(), format!("{marker}\n")).expect("write the secret file");
        Secret { file, marker }
    }

    fn url(&self) -> String {
        format!("file://{}", self.file.path().display())
    }
}

fn with_body(route: Route, edit: impl FnOnce(Vec<u8>) -> Vec<u8>) -> Route {
    match route {
        Route::Body { status, headers, body } => Route::Body { status, headers, body: edit(body) },
        other => panic!("expected a fixture body, got {other:?}"),
    }
}

fn status(status: u16, headers: &[(&str, &str)]) -> Route {
    let headers = headers.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
    Route::Status { status, headers }
}

fn redirect(location: &str) -> Route {
    Route::Redirect { status: 302, location: location.to_string() }
}

fn ten_thousand_items() -> Vec<u8> {
    let items = (1..=10_000)
        .map(|n| (format!("https://ten-thousand.example.com/story/{n}"), format!("Story number {n} of ten thousand")));
    rss_document("Ten Thousand Stories", items).into_bytes()
}

#[test]
fn hostile_feeds_fail_alone_and_good_feeds_are_fully_ingested() {
    let secret = Secret::new();
    let mut files = fixture_routes();
    let mut file = |name: &str| files.remove(&format!("/{name}")).unwrap_or_else(|| panic!("no fixture {name}"));
    let xxe = with_body(file("xxe-local-file.xml"), |body| {
        String::from_utf8(body).expect("UTF-8 fixture").replace("SECRET_FILE_URL", &secret.url()).into_bytes()
    });
    let dripped = rss_document("Slow News", [("https://slow.example.com/1".to_string(), "Slow".to_string())]);
    let cases = [
        stored("/good-rss.xml", file("good-rss.xml"), 3, good_rss),
        stored("/good-atom.atom", file("good-atom.atom"), 2, good_atom),
        stored("/billion-laughs.xml", file("billion-laughs.xml"), 1, billion_laughs),
        stored("/xxe-local-file.xml", xxe, 1, xxe_local_file),
        failed("/huge-100mib", Route::Huge { len: 100 * MIB }, "fetch: body exceeds 15 MiB"),
        failed("/huge-100mib-chunked", Route::HugeChunked { len: 100 * MIB }, "fetch: body exceeds 15 MiB"),
        failed("/gzip-bomb", Route::GzipBomb { decoded_len: 1024 * MIB }, "fetch: body exceeds 15 MiB"),
        failed(
            "/drip",
            Route::Drip { body: dripped.into_bytes(), interval: Duration::from_secs(1) },
            "fetch: timed out after 3 s",
        ),
        failed("/redirect-loop", redirect("/redirect-loop-back"), "fetch: too many redirects (more than 5)"),
        failed(
            "/redirect-to-file",
            redirect("file:///etc/passwd"),
            "fetch: only http and https URLs are fetched, not \"file\"",
        ),
        failed("/html-page.html", file("html-page.html"), "feed: got an HTML page, not a feed"),
        failed("/empty.xml", file("empty.xml"), "feed: empty body"),
        failed("/status-404", status(404, &[]), "fetch: HTTP 404 Not Found"),
        failed("/status-500", status(500, &[]), "fetch: HTTP 500 Internal Server Error"),
        failed(
            "/status-429",
            status(429, &[("Retry-After", &RETRY_AFTER_SECS.to_string())]),
            "fetch: HTTP 429 Too Many Requests (retry after 7200 s)",
        ),
        stored("/ten-thousand-items.xml", rss_route(ten_thousand_items(), "ten-thousand"), 10_000, ten_thousand),
        stored("/duplicate-guids.xml", file("duplicate-guids.xml"), 2, duplicate_guids),
        stored("/dates-garbage-future.xml", file("dates-garbage-future.xml"), 4, garbage_and_future_dates),
        stored("/latin1.xml", file("latin1.xml"), 2, latin1),
        stored("/utf16le.xml", file("utf16le.xml"), 2, utf16),
        stored("/utf16be.xml", file("utf16be.xml"), 2, utf16),
        stored("/invalid-utf8.xml", file("invalid-utf8.xml"), 2, invalid_utf8),
        stored("/script-xss.xml", file("script-xss.xml"), 2, script_and_javascript_links),
        stored("/cdata-scars.xml", file("cdata-scars.xml"), 5, cdata_scars),
    ];
    let loop_back = ("/redirect-loop-back".to_string(), redirect("/redirect-loop"));
    let before = Utc::now();
    let Ingested { dir, fixtures, first, export_text } = check(&cases, vec![loop_back]);

    for text in [&export_text, &first.stdout, &first.stderr] {
        assert!(!text.contains(&secret.marker), "the external entity's file leaked");
        assert!(!text.contains("root:x:0:0"), "/etc/passwd leaked");
        assert!(!text.contains("lollol"), "an entity was expanded");
    }
    assert_eq!(fixtures.server.hits("/redirect-loop"), 3, "the loop is followed max_redirects + 1 times");

    let second = dir.ingest(&["--allow-private-networks"]);
    assert_eq!(second.articles_new, 0, "the second run added articles:\n{}", second.stdout);
    assert!(second.failed.is_empty(), "{}", second.stdout);
    for case in &cases {
        let url = fixtures.url(case.path);
        match (&case.expect, &second.event(&url).kind) {
            (Expect::Stored { .. }, FeedEventKind::NotModified | FeedEventKind::Stored { new: 0, .. }) => {}
            (Expect::Failed { .. }, FeedEventKind::BackingOff { .. }) => {}
            (_, event) => panic!("second run, {}: {event:?}", case.path),
        }
    }
    // The store keeps whole seconds.
    let retry_after = chrono::Duration::seconds(RETRY_AFTER_SECS - 1);
    let backoff_of = |path: &str| match second.event(&fixtures.url(path)).kind {
        FeedEventKind::BackingOff { until } => until,
        ref other => panic!("{path} is not backing off: {other:?}"),
    };
    assert!(backoff_of("/status-429") >= before + retry_after, "Retry-After was not honoured");
    assert!(backoff_of("/status-404") < before + retry_after, "a 404 backs off less than the 429 asked for");

    let feeds = dir.feeds();
    assert_eq!(feeds.len(), cases.len());
    for case in &cases {
        let feed = &feeds[&fixtures.url(case.path)];
        match case.expect {
            Expect::Stored { .. } => assert_eq!((feed.errors, feed.last_error.as_deref()), (0, None), "{}", case.path),
            Expect::Failed { reason } => {
                assert_eq!(
                    (feed.status.as_str(), feed.errors, feed.last_error.as_deref()),
                    ("failed", 1, Some(reason)),
                    "{}",
                    case.path
                );
            }
        }
    }
}

fn titles(articles: &[&ExportedArticle]) -> BTreeSet<String> {
    articles.iter().map(|article| article.title.clone()).collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|item| item.to_string()).collect()
}

fn by_url<'a>(articles: &[&'a ExportedArticle]) -> BTreeMap<&'a str, &'a ExportedArticle> {
    articles.iter().map(|article| (article.url.as_str(), *article)).collect()
}

fn good_rss(articles: &[&ExportedArticle]) {
    assert_eq!(
        titles(articles),
        set(&[
            "Ferry timetable changes from Monday",
            "Fish market reopens after renovation",
            "Lighthouse keeper retires after forty years",
        ])
    );
    let ferry = by_url(articles)["https://harbour-gazette.example.com/news/ferry-timetable"];
    assert_eq!(ferry.guid, "hg-1001");
    assert_eq!((ferry.published.as_str(), ferry.date_flag.as_deref()), ("2024-06-03T07:30:00Z", None));
    assert_eq!(
        ferry.snippet,
        "The harbour ferry will run every twenty minutes on weekdays, the port authority said on Friday."
    );
}

fn good_atom(articles: &[&ExportedArticle]) {
    assert_eq!(titles(articles), set(&["Council approves new cycle lanes", "Library extends its opening hours"]));
    let lanes = by_url(articles)["https://valley-observer.example.org/2024/06/cycle-lanes"];
    assert_eq!((lanes.published.as_str(), lanes.date_flag.as_deref()), ("2024-06-03T08:00:00Z", None));
}

fn billion_laughs(articles: &[&ExportedArticle]) {
    let article = articles[0];
    assert_eq!(article.title, "Comedy festival announces its line-up");
    assert_eq!(
        article.snippet,
        "The comedy festival returns to the old theatre in August with twelve nights of stand-up."
    );
}

fn xxe_local_file(articles: &[&ExportedArticle]) {
    let article = articles[0];
    assert_eq!(article.title, "Planning documents published");
    assert_eq!(
        article.snippet,
        "The planning department put all documents for the new bridge online for public comment."
    );
}

fn ten_thousand(articles: &[&ExportedArticle]) {
    let urls: BTreeSet<&str> = articles.iter().map(|article| article.url.as_str()).collect();
    assert_eq!(urls.len(), 10_000);
    for n in [1, 5_000, 10_000] {
        assert!(urls.contains(format!("https://ten-thousand.example.com/story/{n}").as_str()), "story {n}");
    }
}

fn duplicate_guids(articles: &[&ExportedArticle]) {
    let guids: BTreeMap<&str, &str> =
        articles.iter().map(|article| (article.guid.as_str(), article.title.as_str())).collect();
    let expected =
        BTreeMap::from([("story-7", "Stadium vote set for September"), ("story-8", "Tram line extension delayed")]);
    assert_eq!(guids, expected, "the first entry with a GUID wins");
}

fn garbage_and_future_dates(articles: &[&ExportedArticle]) {
    let articles = by_url(articles);
    let ordinary = articles["https://odd-times.example.com/ordinary"];
    assert_eq!((ordinary.published.as_str(), ordinary.date_flag.as_deref()), ("2024-05-31T10:00:00Z", None));
    for (url, flag) in [
        ("https://odd-times.example.com/garbage", "unparsable"),
        ("https://odd-times.example.com/nonsense", "unparsable"),
        ("https://odd-times.example.com/future", "future"),
    ] {
        let article = articles[url];
        assert_eq!(article.date_flag.as_deref(), Some(flag), "{url}");
        assert_eq!(article.published, article.fetched, "{url}: a flagged date is the fetch time");
    }
}

fn latin1(articles: &[&ExportedArticle]) {
    assert_eq!(titles(articles), set(&["Café crème à la façade rénovée", "Große Überraschung in der Straße"]));
    let bakery = by_url(articles)["https://journal-du-cafe.example.fr/grosse-ueberraschung"];
    assert_eq!(
        bakery.snippet,
        "Für die Anwohner der Hauptstraße gab es am Wochenende eine große Überraschung: ein neuer Bäcker."
    );
}

fn utf16(articles: &[&ExportedArticle]) {
    assert_eq!(
        titles(articles),
        set(&["Straßenfest überrascht mit Rekordbesuch", "Café am Großmarkt eröffnet – élégant und günstig"])
    );
    assert!(articles.iter().any(|article| article.snippet.contains("Gäste kamen zum Straßenfest")));
}

fn invalid_utf8(articles: &[&ExportedArticle]) {
    let articles = by_url(articles);
    assert_eq!(articles["https://broken-bytes.example.com/night-buses"].title, "Night buses return on Friday");
    let cafe = &articles["https://broken-bytes.example.com/cafe-owners"].title;
    assert_eq!(cafe, "Caf\u{fffd} owners meet the mayor", "invalid bytes become U+FFFD");
}

fn script_and_javascript_links(articles: &[&ExportedArticle]) {
    let articles = by_url(articles);
    let budget = articles["https://trojan-tribune.example.com/budget"];
    assert!(budget.title.starts_with("Budget") && budget.title.ends_with("passes first reading"), "{}", budget.title);
    assert!(
        budget.content_html.contains("href=\"https://trojan-tribune.example.com/budget/details\""),
        "the harmless link is kept: {}",
        budget.content_html
    );
    assert!(budget.content_html.contains("The city budget passed its first reading"), "{}", budget.content_html);
    for article in articles.values() {
        assert!(!article.content_html.contains("evil.example"), "{}: {}", article.url, article.content_html);
    }
    let second = articles["https://trojan-tribune.example.com/second-reading"];
    assert!(second.snippet.ends_with("The second reading is scheduled for next Thursday."), "{}", second.snippet);
}

fn cdata_scars(articles: &[&ExportedArticle]) {
    let articles = by_url(articles);
    let cases = [
        ("https://scar-tissue.example.com/1", "Harbour bridge reopens"),
        ("https://scar-tissue.example.com/2", "Election results are in"),
        ("https://scar-tissue.example.com/3", "Tags in a headline and italic words"),
    ];
    for (url, title) in cases {
        assert_eq!(articles[url].title, title, "{url}");
    }
    assert_eq!(
        articles["https://scar-tissue.example.com/1"].snippet,
        "The harbour bridge reopened to traffic on Monday morning after repairs."
    );
    assert_eq!(
        articles["https://scar-tissue.example.com/2"].snippet,
        "Turnout was high in every district, officials said & thanked volunteers."
    );
}
