//! Topics and editions end to end, on real outlets' articles: the ECB+
//! articles that name their outlet and URL (`../shared/data/ecbplus`,
//! read at run time, never copied here) are served on loopback as one RSS
//! feed per outlet. Each feed is filed under the categories Kagi News'
//! real feed list (`../shared/data/kite/kite_feeds.json`) files that
//! outlet's feeds under, and the outlets' countries come from Kagi's real
//! media data. After `ingest`, every story with an article from a feed
//! whose categories name a topic must have a topic; `parallax serve` then
//! shows topic and edition pages whose stories are exactly those of their
//! Atom feeds (read by feed-rs) and carry that topic or country.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use parallax_core::{FeedSource, Outlet, Topic};
use parallax_store::{SqliteStore, Store};
use serde_json::Value;

use crate::harness::{DataDir, Fixtures, rss_route, run};

const CONFIG: &str = "[fulltext]\nenabled = false\n";

fn shared_data() -> PathBuf {
    std::env::var_os("PARALLAX_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

struct RealArticle {
    title: String,
    text: String,
    url: String,
    published: Option<String>,
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The real articles that name their outlet, by outlet domain.
fn ecbplus_by_outlet(dir: &std::path::Path) -> Option<BTreeMap<String, Vec<RealArticle>>> {
    let text = std::fs::read_to_string(dir.join("ecbplus/articles.jsonl")).ok()?;
    let mut outlets: BTreeMap<String, Vec<RealArticle>> = BTreeMap::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).expect("an ECB+ line");
        let (Some(url), Some(outlet)) = (value["url"].as_str(), value["outlet"].as_str()) else { continue };
        if !url.starts_with("http") {
            continue;
        }
        outlets.entry(parallax_core::outlet_domain(outlet)).or_default().push(RealArticle {
            title: value["title"].as_str().unwrap_or_default().to_string(),
            text: value["text"].as_str().unwrap_or_default().chars().take(600).collect(),
            url: url.to_string(),
            published: value["published"].as_str().map(str::to_string),
        });
    }
    Some(outlets)
}

/// Kagi's categories per outlet domain, from its real feed list.
fn kite_categories(dir: &std::path::Path) -> HashMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join("kite/kite_feeds.json")).expect("kite_feeds.json");
    let value: Value = serde_json::from_str(&text).expect("kite_feeds.json parses");
    let mut by_domain: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (category, body) in value.as_object().expect("an object of categories") {
        for feed in body["feeds"].as_array().into_iter().flatten() {
            let Some(url) = feed.as_str() else { continue };
            let host = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default();
            let domain = parallax_core::outlet_domain(host);
            by_domain.entry(domain).or_default().insert(category.clone());
        }
    }
    by_domain
}

fn rfc2822(published: Option<&str>) -> String {
    published
        .and_then(|p| {
            chrono::DateTime::parse_from_rfc3339(p).ok().or_else(|| {
                chrono::NaiveDate::parse_from_str(p.get(..10)?, "%Y-%m-%d")
                    .ok()?
                    .and_hms_opt(12, 0, 0)
                    .map(|t| t.and_utc().fixed_offset())
            })
        })
        .unwrap_or_else(|| chrono::DateTime::from_timestamp(1_364_000_000, 0).expect("a date").fixed_offset())
        .to_rfc2822()
}

fn rss(outlet: &str, articles: &[RealArticle]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{outlet}</title>\
         <link>https://{outlet}/</link><description>Real articles</description>\n"
    );
    for a in articles {
        xml.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid>{}</guid><pubDate>{}</pubDate><description>{}</description></item>\n",
            xml_escape(&a.title),
            xml_escape(&a.url),
            xml_escape(&a.url),
            rfc2822(a.published.as_deref()),
            xml_escape(&a.text),
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

/// `GET path` from a server on `addr`, the body as text.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to parallax serve");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let body =
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(body) } else { body.into() };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].strip_prefix("\r\n").unwrap_or(&rest[size..]);
    }
    out
}

fn page_stories(body: &str) -> BTreeSet<i64> {
    body.match_indices("data-story=\"")
        .filter_map(|(at, found)| {
            let rest = &body[at + found.len()..];
            rest[..rest.find('"')?].parse().ok()
        })
        .collect()
}

fn atom_stories(body: &str) -> BTreeSet<i64> {
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("Atom does not parse ({e}):\n{body}"));
    feed.entries
        .iter()
        .map(|e| {
            let link = &e.links.first().expect("an entry link").href;
            link.rsplit('/').next().and_then(|id| id.parse().ok()).expect("a story link")
        })
        .collect()
}

/// `parallax serve --no-refresh` on a free loopback port, until dropped.
struct Served(std::process::Child, String);

impl Served {
    fn start(data: &DataDir) -> Served {
        let port = TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let addr = format!("127.0.0.1:{port}");
        let child = data
            .command(&["serve", "--no-refresh", "--listen", &addr])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start parallax serve");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "parallax serve did not listen on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Served(child, addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn real_categorised_feeds_give_every_story_a_topic_and_pages_match_their_feeds() {
    let dir = shared_data();
    let Some(outlets) = ecbplus_by_outlet(&dir) else {
        eprintln!("topics: skipped, {} has no ecbplus (set PARALLAX_SHARED_DATA)", dir.display());
        return;
    };
    let kite = kite_categories(&dir);
    let routes: Vec<(String, parallax_testkit::Route)> = outlets
        .iter()
        .enumerate()
        .map(|(n, (outlet, articles))| (format!("/feeds/{n}.xml"), rss_route(rss(outlet, articles).into_bytes(), "1")))
        .collect();
    let fixtures = Fixtures::start(routes);
    let data = DataDir::new(CONFIG);
    let media = dir.join("kite/media_data.json");
    let imported = run(data.command(&["outlets", "import", media.to_str().expect("UTF-8 path")]));
    assert!(imported.status.success(), "{}", imported.describe());

    // Each outlet's feed, filed under the categories Kagi files its real feeds under.
    let mut feed_topics: HashMap<String, Vec<Topic>> = HashMap::new();
    let sources: Vec<FeedSource> = outlets
        .keys()
        .enumerate()
        .map(|(n, outlet)| {
            let categories: Vec<String> = kite.get(outlet).into_iter().flatten().cloned().collect();
            let topics: Vec<Topic> = categories.iter().flat_map(|c| parallax_core::topic::label_topics(c)).collect();
            feed_topics.insert(outlet.clone(), topics);
            FeedSource {
                url: fixtures.url(&format!("/feeds/{n}.xml")),
                outlet: outlet.clone(),
                title: None,
                language: None,
                categories,
            }
        })
        .collect();
    {
        let mut store = SqliteStore::open(&data.path().join("parallax.sqlite")).expect("open the store");
        let known: Vec<Outlet> = outlets.keys().map(|d| Outlet { domain: d.clone(), name: None }).collect();
        store.import(&known, &[], &sources).expect("register the feeds");
    }
    let round = data.ingest(&["--allow-private-networks"]);
    assert!(round.failed.is_empty(), "feeds failed: {:?}", round.failed);
    assert!(round.stories_new > 0, "no story was made");

    let export = run(data.command(&["export", "stories"]));
    assert!(export.status.success(), "{}", export.describe());
    let stories: Vec<Value> = export.stdout.lines().map(|l| serde_json::from_str(l).expect("a story line")).collect();
    let topics_of = |story: &Value| -> Vec<String> {
        story["topics"].as_array().into_iter().flatten().filter_map(|t| t.as_str().map(str::to_string)).collect()
    };
    let mut categorised = 0;
    let mut with_topic = 0;
    for story in &stories {
        let outlets_of: Vec<&str> =
            story["articles"].as_array().expect("articles").iter().filter_map(|a| a["outlet"].as_str()).collect();
        let topics = topics_of(story);
        with_topic += usize::from(!topics.is_empty());
        if outlets_of.iter().any(|o| feed_topics.get(*o).is_some_and(|t| !t.is_empty())) {
            categorised += 1;
            assert!(!topics.is_empty(), "a story from a categorised feed has no topic: {story}");
        }
    }
    eprintln!(
        "topics: {} stories from {} real outlets ({} feeds filed by Kagi under a topic); {categorised} from those \
         feeds, all with a topic; {with_topic} of {} with a topic overall",
        stories.len(),
        outlets.len(),
        feed_topics.values().filter(|t| !t.is_empty()).count(),
        stories.len()
    );
    assert!(categorised >= 10, "too few categorised stories to show anything: {categorised}");

    let by_id: HashMap<i64, &Value> = stories.iter().map(|s| (s["id"].as_i64().expect("id"), s)).collect();
    let served = Served::start(&data);
    let mut topics_checked = 0;
    for topic in Topic::ALL {
        let expected = stories.iter().filter(|s| topics_of(s).iter().any(|t| t == topic.as_str())).count();
        let (status, page) = http_get(&served.1, &format!("/topics/{topic}"));
        assert_eq!(status, 200, "/topics/{topic}: {page}");
        let listed = page_stories(&page);
        let (status, atom) = http_get(&served.1, &format!("/topics/{topic}/feed.atom"));
        assert_eq!(status, 200);
        assert_eq!(atom_stories(&atom), listed, "/topics/{topic}/feed.atom names the page's stories");
        assert_eq!(listed.len(), expected.min(30), "/topics/{topic} lists its stories, at most a page");
        for id in &listed {
            assert!(topics_of(by_id[id]).iter().any(|t| t == topic.as_str()), "story {id} is not {topic}");
        }
        topics_checked += usize::from(expected > 0);
    }
    assert!(topics_checked >= 3, "stories in only {topics_checked} topics");

    let countries_of = |story: &Value| -> Vec<String> {
        story["countries"].as_array().into_iter().flatten().filter_map(|c| c.as_str().map(str::to_string)).collect()
    };
    for (edition, countries) in [("us", &["us"][..]), ("gb", &["gb", "ie"][..])] {
        let expected =
            stories.iter().filter(|s| countries_of(s).iter().any(|c| countries.contains(&c.as_str()))).count();
        let (status, page) = http_get(&served.1, &format!("/editions/{edition}"));
        assert_eq!(status, 200);
        let listed = page_stories(&page);
        let (_, atom) = http_get(&served.1, &format!("/editions/{edition}/feed.atom"));
        assert_eq!(atom_stories(&atom), listed, "/editions/{edition}/feed.atom names the page's stories");
        assert_eq!(listed.len(), expected.min(30), "/editions/{edition}");
        assert!(expected > 0, "no story covered from {edition}");
        for id in &listed {
            assert!(countries_of(by_id[id]).iter().any(|c| countries.contains(&c.as_str())), "story {id} in {edition}");
        }
    }
}
