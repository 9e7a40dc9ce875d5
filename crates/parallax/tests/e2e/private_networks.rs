//! The address policy seen from the binary: without `--allow-private-networks`
//! only the networks listed in `fetch.allowed_private_networks` are
//! reachable, and a redirect out of them is refused.

use std::net::{IpAddr, Ipv4Addr};

use parallax_testkit::{FixtureServer, Route};

use crate::harness::{DataDir, FeedEventKind, rss_document, rss_route, run};

/// Linux routes all of 127.0.0.0/8 to the loopback interface, so a second
/// fixture server on 127.0.0.2 is a different host to the policy.
const ALLOWED_HOST: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

const CONFIG: &str = "\
[fetch]
allowed_private_networks = [\"127.0.0.2/32\"]
";

fn feed(domain: &str) -> Route {
    let items = [
        (format!("https://{domain}/a"), "First story".to_string()),
        (format!("https://{domain}/b"), "Second story".to_string()),
    ];
    rss_route(rss_document(domain, items).into_bytes(), domain)
}

#[test]
fn a_redirect_from_an_allowed_network_to_loopback_is_refused() {
    let loopback = FixtureServer::start(vec![("/feed.xml".to_string(), feed("loopback.example"))])
        .expect("start the server on 127.0.0.1");
    let allowed = FixtureServer::start_on(
        ALLOWED_HOST,
        vec![
            ("/feed.xml".to_string(), feed("intranet.example")),
            ("/moved".to_string(), Route::Redirect { status: 301, location: loopback.url("/feed.xml") }),
        ],
    )
    .expect("start the server on 127.0.0.2");
    let dir = DataDir::new(CONFIG);
    let (intranet, moved, direct) = (allowed.url("/feed.xml"), allowed.url("/moved"), loopback.url("/feed.xml"));
    dir.register(&[
        (intranet.clone(), "intranet.example".to_string()),
        (moved.clone(), "moved.example.com".to_string()),
        (direct.clone(), "loopback.example".to_string()),
    ]);

    let ingest = dir.ingest(&[]);

    let refused = "fetch: address 127.0.0.1 is loopback (pass --allow-private-networks to allow)";
    assert_eq!(ingest.event(&intranet).kind, FeedEventKind::Stored { new: 2, duplicate: 0 }, "{}", ingest.stdout);
    assert_eq!(ingest.failed.get(&moved).map(String::as_str), Some(refused), "{}", ingest.stdout);
    assert_eq!(ingest.failed.get(&direct).map(String::as_str), Some(refused), "{}", ingest.stdout);
    assert_eq!((ingest.fetched, ingest.failed.len(), ingest.articles_new), (1, 2, 2), "{}", ingest.stdout);
    assert_eq!(allowed.hits("/feed.xml"), 1);
    assert_eq!(allowed.hits("/moved"), 1, "the allowed server is asked");
    assert_eq!(loopback.hits("/feed.xml"), 0, "nothing reaches the loopback server");
    let articles = dir.export();
    assert_eq!(articles.len(), 2);
    assert!(articles.iter().all(|article| article.feed == intranet));
}

#[test]
fn an_invalid_allowed_network_stops_ingest_with_its_name() {
    let server = FixtureServer::start(vec![("/feed.xml".to_string(), feed("never.example.com"))])
        .expect("start the fixture server");
    let dir = DataDir::new("[fetch]\nallowed_private_networks = [\"10.0.0.0/8\", \"intranet.local\"]\n");
    dir.register(&[(server.url("/feed.xml"), "never.example.com".to_string())]);

    let output = run(dir.command(&["ingest", "--quiet"]));

    assert!(!output.status.success(), "{}", output.describe());
    assert!(
        output.stderr.contains(
            "fetch: fetch.allowed_private_networks entry \"intranet.local\" is not a network in CIDR notation"
        ),
        "{}",
        output.describe()
    );
    assert_eq!(server.hits("/feed.xml"), 0);
}
