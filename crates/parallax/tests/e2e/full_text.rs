//! Full text end to end: a feed of cut teasers whose article pages are served
//! beside it; robots.txt keeps one page off limits.

use parallax_testkit::Route;

use crate::harness::{DataDir, Fixtures, rss_route};

fn html_page(title: &str, paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>\
         <article><h1>{title}</h1>{body}</article><footer>Copyright Fixture News</footer></body></html>"
    )
    .into_bytes()
}

fn html_route(body: Vec<u8>) -> Route {
    Route::Body { status: 200, headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())], body }
}

#[test]
fn cut_teasers_get_their_full_text_unless_robots_txt_forbids() {
    let paragraph = "The city council voted on Monday to approve the new transit plan, which adds three bus lines \
                     and extends the tram to the airport by 2028, after a debate that lasted more than six hours.";
    let routes = vec![
        ("/robots.txt".to_string(), html_route(b"User-agent: *\nDisallow: /private/\n".to_vec())),
        ("/news/transit".to_string(), html_route(html_page("Council approves transit plan", &[paragraph; 4]))),
        ("/private/memo".to_string(), html_route(html_page("Private memo", &[paragraph; 4]))),
    ];
    let fixtures = Fixtures::start(routes);
    let items = [("/news/transit", "Council approves transit plan"), ("/private/memo", "A memo nobody may crawl")];
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Teasers</title><link>https://t.example/</link>\
         <description>Cut</description>",
    );
    for (path, title) in items {
        xml.push_str(&format!(
            "<item><title>{title}</title><link>{}</link><guid>{path}</guid>\
             <pubDate>Mon, 03 Jun 2024 10:00:00 +0000</pubDate>\
             <description>The city council voted on Monday to approve the new […]</description></item>",
            fixtures.url(path)
        ));
    }
    xml.push_str("</channel></rss>");
    let feed_fixtures = Fixtures::start(vec![("/feed.xml".to_string(), rss_route(xml.into_bytes(), "teasers"))]);
    let dir = DataDir::new("");
    dir.register(&[(feed_fixtures.url("/feed.xml"), "teasers.example".to_string())]);

    let run = dir.ingest(&["--allow-private-networks"]);
    assert_eq!(run.articles_new, 2, "{}", run.stdout);
    let line = run.stdout.lines().find(|l| l.starts_with("full text: ")).expect("a full text line");
    assert_eq!(
        line,
        "full text: 2 pages tried, 1 extracted, 1 failed (1 refused by robots.txt, 0 with robots.txt unreachable, \
         tried again next round); teasers kept where it failed",
        "{}",
        run.stdout
    );
    let articles = dir.export();
    assert!(articles.iter().all(|a| a.truncated), "the stored teaser is kept as it was");

    let again = dir.ingest(&["--allow-private-networks"]);
    let line = again.stdout.lines().find(|l| l.starts_with("full text: ")).expect("a full text line");
    assert!(line.starts_with("full text: 0 pages tried"), "each article is tried once: {line}");
}
