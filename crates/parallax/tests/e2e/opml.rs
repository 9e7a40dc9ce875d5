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

#[test]
fn read_only_commands_refuse_a_data_directory_that_does_not_exist() {
    // Regression: `parallax feeds --data-dir TYPO` created an empty
    // database there and printed nothing.
    let dir = DataDir::new("");
    let missing = dir.path().join("typo");
    for args in [&["feeds"][..], &["export", "articles"], &["export", "stories"], &["outlets", "list"]] {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_parallax"));
        command.arg("--data-dir").arg(&missing).args(args).env_remove("PARALLAX_DATA_DIR");
        let output = crate::harness::run(command);
        assert!(!output.status.success(), "{args:?} must fail");
        assert!(output.stderr.contains("no Parallax data in"), "{args:?}: {}", output.stderr);
        assert_eq!(output.stderr.matches("no Parallax data").count(), 1, "the cause once: {}", output.stderr);
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
}
