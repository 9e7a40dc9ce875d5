//! Ratings as a new user meets them: feeds registered from an OPML whose
//! homepages are server aliases (`www1.`, `www.`) and subdomains, ratings
//! imported afterwards from a file naming other aliases of the same hosts,
//! one outlet rated lean-left by one provider and lean-right by another.
//! Every stored story is recounted on import, without another ingest; each
//! one's lean counts match its outlets' ratings exactly, the disputed
//! outlet counted as disputed; ownership imported later reaches the stored
//! stories too.

use serde_json::{Value, json};

use crate::harness::{DataDir, Fixtures, rss_route, run};

/// `(homepage in the OPML, outlet it belongs to, headline, lead)`: five
/// outlets telling one event.
const OUTLETS: &[(&str, &str, &str, &str)] = &[
    (
        "https://www1.left-post.example/",
        "left-post.example",
        "Putin and Trump discuss Ukraine ceasefire in hour-long phone call",
        "Russian President Vladimir Putin and U.S. President Donald Trump spoke by phone on Thursday about a ceasefire in Ukraine, the Kremlin said.",
    ),
    (
        "https://right-herald.example/",
        "right-herald.example",
        "Trump, Putin hold sixth call of the year as Ukraine ceasefire talks stall",
        "President Donald Trump and Vladimir Putin held a phone call on Thursday, their sixth this year, as talks on a Ukraine ceasefire stalled.",
    ),
    (
        "https://files.center-office.example/",
        "center-office.example",
        "Kremlin: Putin tells Trump Russia will pursue its goals in Ukraine",
        "Vladimir Putin told Donald Trump in a phone call on Thursday that Russia would not back down from its goals in Ukraine, the Kremlin said of the ceasefire talks.",
    ),
    (
        "https://www.disputed-daily.example/",
        "disputed-daily.example",
        "Trump says no progress after call with Putin on Ukraine war",
        "Donald Trump said his phone call with Vladimir Putin on Thursday brought no progress toward a ceasefire in Ukraine.",
    ),
    (
        "https://unrated-times.example/",
        "unrated-times.example",
        "Putin and Trump speak by phone about the war in Ukraine",
        "Vladimir Putin and Donald Trump spoke by phone on Thursday about a ceasefire in the war in Ukraine, both sides said.",
    ),
];

/// The ratings file: hosts spelled as a provider might, none of them the
/// OPML's spelling of the same outlet.
const RATINGS: &str = "domain,name,lean,factuality,rated_by\n\
     www.left-post.example,Left Post,left,high,mbfc\n\
     www1.right-herald.example,Right Herald,right,mixed,mbfc\n\
     files.center-office.example,Center Office,center,very-high,mbfc\n\
     disputed-daily.example,Disputed Daily,lean-left,high,allsides\n\
     www2.disputed-daily.example,Disputed Daily,lean-right,high,mbfc\n";

/// Ownership arriving later, from another provider.
const OWNERS: &str = "domain,owner,ownership,rated_by\n\
     www1.left-post.example,Post Holdings,corporate,owners\n\
     right-herald.example,Herald Trust,nonprofit,owners\n";

fn feed(outlet: &str, minute: usize, title: &str, lead: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{outlet}</title>\
         <link>https://{outlet}/</link><description>Fixture</description>\n\
         <item><title>{title}</title><link>https://{outlet}/ceasefire-call</link><guid>{outlet}-1</guid>\
         <pubDate>Thu, 03 Jul 2025 18:{minute:02}:00 +0000</pubDate><description>{lead}</description></item>\n\
         </channel></rss>\n"
    )
}

fn opml(fixtures: &Fixtures) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>Mine</title></head>\n<body>\n",
    );
    for (homepage, outlet, ..) in OUTLETS {
        let url = fixtures.url(&format!("/{outlet}.xml"));
        xml.push_str(&format!("  <outline type=\"rss\" text=\"{outlet}\" xmlUrl=\"{url}\" htmlUrl=\"{homepage}\"/>\n"));
    }
    xml.push_str("</body>\n</opml>\n");
    xml
}

fn import(dir: &DataDir, name: &str, contents: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, contents).expect("write the file to import");
    let imported = run(dir.command(&["outlets", "import", path.to_str().expect("UTF-8 path")]));
    assert!(imported.status.success(), "{}", imported.describe());
    imported.stderr
}

fn stories(dir: &DataDir) -> Vec<Value> {
    let export = run(dir.command(&["export", "stories"]));
    assert!(export.status.success(), "{}", export.describe());
    export.stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON story line")).collect()
}

#[test]
fn aliases_are_one_outlet_and_imports_recount_stored_stories() {
    let routes = OUTLETS
        .iter()
        .enumerate()
        .map(|(minute, (_, outlet, title, lead))| {
            (format!("/{outlet}.xml"), rss_route(feed(outlet, minute, title, lead).into_bytes(), outlet))
        })
        .collect();
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new("[fulltext]\nenabled = false\n");
    let opml_path = dir.path().join("mine.opml");
    std::fs::write(&opml_path, opml(&fixtures)).expect("write the OPML");
    let ingest = dir.ingest(&["--opml", opml_path.to_str().expect("UTF-8 path"), "--allow-private-networks"]);
    assert_eq!(ingest.articles_new, 5, "{}", ingest.stdout);

    let before = stories(&dir);
    assert!(before.iter().all(|story| story["coverage"]["lean"]["unrated"] == story["coverage"]["outlets"]));

    let said = import(&dir, "ratings.csv", RATINGS);
    let rated_stories =
        before.iter().filter(|story| outlets_of(story).iter().any(|outlet| outlet != "unrated-times.example")).count();
    let recounted = format!("recounted {rated_stories} stor");
    assert!(said.contains(&recounted) && said.contains("covered by 4 outlets"), "{said}");
    let outlets = run(dir.command(&["outlets", "list"]));
    let listed: Vec<&str> = outlets.stdout.lines().filter_map(|line| line.split_whitespace().next()).collect();
    assert_eq!(
        listed,
        [
            "center-office.example",
            "disputed-daily.example",
            "left-post.example",
            "right-herald.example",
            "unrated-times.example"
        ],
        "one outlet per host, however it was spelled"
    );

    let after = stories(&dir);
    let mut covered = 0;
    for story in &after {
        let mut expected = json!({"left": 0, "center": 0, "right": 0, "disputed": 0, "unrated": 0});
        for outlet in outlets_of(story) {
            let bucket = match outlet.as_str() {
                "left-post.example" => "left",
                "right-herald.example" => "right",
                "center-office.example" => "center",
                "disputed-daily.example" => "disputed",
                _ => "unrated",
            };
            expected[bucket] = json!(expected[bucket].as_u64().unwrap_or(0) + 1);
            covered += 1;
        }
        assert_eq!(story["coverage"]["lean"], expected, "{story}");
        assert_eq!(story["coverage"]["blindspot"], Value::Null);
    }
    assert_eq!(covered, OUTLETS.len(), "every outlet counted once");

    let said = import(&dir, "owners.csv", OWNERS);
    assert!(said.contains("recounted"), "{said}");
    let mut owners = std::collections::BTreeMap::new();
    for story in stories(&dir) {
        for (kind, count) in story["coverage"]["ownership"].as_object().expect("ownership") {
            *owners.entry(kind.clone()).or_insert(0) += count.as_u64().unwrap_or(0);
        }
    }
    let expected: std::collections::BTreeMap<String, u64> =
        [("corporate".to_string(), 1), ("nonprofit".to_string(), 1), ("unknown".to_string(), 3)].into();
    assert_eq!(owners, expected, "ownership reaches stored stories without another ingest");
}

/// The distinct outlets of an exported story.
fn outlets_of(story: &Value) -> Vec<String> {
    let mut outlets: Vec<String> = story["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .filter_map(|article| article["outlet"].as_str().map(str::to_string))
        .collect();
    outlets.sort();
    outlets.dedup();
    outlets
}

/// The case on real data: three outlets Kagi's media data lists
/// (`../shared/data/kite/media_data.json`, read at run time) publish on
/// loopback; after `outlets import` of that file, the stored stories name
/// their ownership without another ingest. Skipped when the data is absent.
#[test]
fn kite_media_data_reaches_stored_stories() {
    let shared = std::env::var_os("PARALLAX_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let media = shared.join("kite/media_data.json");
    let Ok(text) = std::fs::read_to_string(&media) else {
        eprintln!("kite_media_data_reaches_stored_stories: skipped, {} not found", media.display());
        return;
    };
    let listed: Vec<Value> = serde_json::from_str(&text).expect("media_data.json is a JSON array");
    let picked: Vec<(String, String)> = listed
        .iter()
        .filter_map(|entry| Some((entry["domains"][0].as_str()?.to_string(), entry["typology"].as_str()?.to_string())))
        .filter(|(domain, _)| domain.split('.').count() == 2)
        .take(3)
        .collect();
    assert_eq!(picked.len(), 3);
    let routes = picked
        .iter()
        .enumerate()
        .map(|(minute, (domain, _))| {
            let (_, _, title, lead) = OUTLETS[minute];
            (format!("/{domain}.xml"), rss_route(feed(domain, minute, title, lead).into_bytes(), domain))
        })
        .collect();
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new("[fulltext]\nenabled = false\n");
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n");
    for (domain, _) in &picked {
        let url = fixtures.url(&format!("/{domain}.xml"));
        xml.push_str(&format!(
            "<outline type=\"rss\" text=\"{domain}\" xmlUrl=\"{url}\" htmlUrl=\"https://www.{domain}/\"/>\n"
        ));
    }
    xml.push_str("</body></opml>\n");
    let opml_path = dir.path().join("kite.opml");
    std::fs::write(&opml_path, xml).expect("write the OPML");
    dir.ingest(&["--opml", opml_path.to_str().expect("UTF-8 path"), "--allow-private-networks"]);
    assert!(
        stories(&dir).iter().all(|s| s["coverage"]["ownership"].as_object().is_some_and(|o| o.keys().eq(["unknown"])))
    );

    let imported = run(dir.command(&["outlets", "import", media.to_str().expect("UTF-8 path")]));
    assert!(imported.status.success(), "{}", imported.describe());
    let mut kinds = std::collections::BTreeSet::new();
    for story in stories(&dir) {
        let ownership = story["coverage"]["ownership"].as_object().expect("ownership").clone();
        assert!(!ownership.contains_key("unknown"), "every outlet's ownership is known now: {ownership:?}");
        kinds.extend(ownership.keys().cloned());
    }
    let expected: std::collections::BTreeSet<String> = picked.iter().map(|(_, typology)| typology.clone()).collect();
    assert_eq!(kinds, expected);
}
