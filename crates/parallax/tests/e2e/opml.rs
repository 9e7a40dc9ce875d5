//! Registering fixture feeds the way a user would: `parallax ingest --opml`.

use crate::harness::{DataDir, FeedEventKind, Fixtures, rss_document, rss_route};

/// An OPML file with one outline per `(feed URL, outlet)`, each naming its
/// outlet with `parallax:outlet`.
fn opml(feeds: &[(String, String)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <opml version=\"2.0\" xmlns:parallax=\"https://parallax.invalid/opml\">\n\
         <head><title>Fixture feeds</title></head>\n<body>\n",
    );
    for (url, outlet) in feeds {
        xml.push_str(&format!(
            "  <outline type=\"rss\" text=\"{outlet}\" xmlUrl=\"{url}\" htmlUrl=\"https://{outlet}/\" \
             parallax:outlet=\"{outlet}\"/>\n"
        ));
    }
    xml.push_str("</body>\n</opml>\n");
    xml
}

#[test]
fn opml_registers_feeds_on_loopback_addresses() {
    let body = rss_document("Listed", [("https://listed.example/1".to_string(), "Listed story".to_string())]);
    let fixtures = Fixtures::start(vec![("/feed.xml".to_string(), rss_route(body.into_bytes(), "listed"))]);
    let dir = DataDir::new("");
    let url = fixtures.url("/feed.xml");
    let opml_path = dir.path().join("feeds.opml");
    std::fs::write(&opml_path, opml(&[(url.clone(), "listed.example".to_string())])).expect("write the OPML");

    let opml_arg = opml_path.to_str().expect("UTF-8 temporary path");
    let ingest = dir.ingest(&["--opml", opml_arg, "--allow-private-networks"]);

    assert_eq!(ingest.event(&url).kind, FeedEventKind::Stored { new: 1, duplicate: 0 }, "{}", ingest.stderr);
    let articles = dir.export();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].outlet, "listed.example");
}
