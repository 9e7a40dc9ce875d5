//! Stories end to end: rated outlets' feeds about two events go in through
//! `ingest`; `export stories` must group each event into one story whose
//! coverage counts match the outlets' ratings exactly.

use serde_json::Value;

use crate::harness::{DataDir, Fixtures, rss_route, run};

/// A headline and its lead.
pub(crate) type Item = (&'static str, &'static str);

/// `(outlet, lean, factuality, the ceasefire item, the storm item)`.
pub(crate) const OUTLETS: &[(&str, &str, &str, Item, Item)] = &[
    (
        "left-a.example",
        "left",
        "high",
        (
            "Putin and Trump discuss Ukraine ceasefire in hour-long phone call",
            "Russian President Vladimir Putin and U.S. President Donald Trump spoke by phone on Thursday about a ceasefire in Ukraine, the Kremlin said.",
        ),
        (
            "Hurricane Melissa makes landfall in Jamaica as Category 5 storm",
            "Hurricane Melissa struck Jamaica's southern coast on Tuesday with winds of 185 mph, flooding Kingston and cutting power across the island.",
        ),
    ),
    (
        "left-b.example",
        "lean-left",
        "mostly-factual",
        (
            "Trump says no progress after call with Putin on Ukraine war",
            "Donald Trump said his phone call with Vladimir Putin on Thursday brought no progress toward a ceasefire in Ukraine.",
        ),
        (
            "Jamaica braces as Hurricane Melissa slams into the island",
            "Hurricane Melissa slammed into Jamaica on Tuesday as a Category 5 storm, with flooding reported in Kingston and power cut across the island.",
        ),
    ),
    (
        "center.example",
        "center",
        "very-high",
        (
            "Kremlin: Putin tells Trump Russia will pursue its goals in Ukraine",
            "Vladimir Putin told Donald Trump in a phone call on Thursday that Russia would not back down from its goals in Ukraine, the Kremlin said of the ceasefire talks.",
        ),
        (
            "Category 5 Hurricane Melissa hits Jamaica, knocking out power",
            "Hurricane Melissa hit Jamaica on Tuesday with 185 mph winds, knocking out power to most of the island and flooding parts of Kingston.",
        ),
    ),
    (
        "right-a.example",
        "right",
        "mixed",
        (
            "Trump, Putin hold sixth call of the year as Ukraine ceasefire talks stall",
            "President Donald Trump and Vladimir Putin held a phone call on Thursday, their sixth this year, as talks on a Ukraine ceasefire stalled.",
        ),
        (
            "Hurricane Melissa batters Jamaica with 185 mph winds",
            "Hurricane Melissa battered Jamaica on Tuesday, making landfall as a Category 5 storm with 185 mph winds and flooding in Kingston.",
        ),
    ),
];

/// An outlet's feed with both items; outlet number `minute` publishes that
/// many minutes after the first, so publication order (which the clusterer
/// follows) does not depend on which feed's fetch finished first.
pub(crate) fn feed(outlet: &str, minute: usize, events: [Item; 2]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{outlet}</title>\
         <link>https://{outlet}/</link><description>Fixture</description>\n"
    );
    for (index, (title, lead)) in events.iter().enumerate() {
        let day = if index == 0 {
            format!("Thu, 03 Jul 2025 18:{minute:02}:00 +0000")
        } else {
            format!("Tue, 28 Oct 2025 16:{minute:02}:00 +0000")
        };
        xml.push_str(&format!(
            "<item><title>{title}</title><link>https://{outlet}/story-{index}</link><guid>{outlet}-{index}</guid>\
             <pubDate>{day}</pubDate><description>{lead}</description></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

#[test]
fn each_event_becomes_one_story_with_exact_lean_counts() {
    let routes = OUTLETS
        .iter()
        .enumerate()
        .map(|(minute, (outlet, _, _, ceasefire, storm))| {
            (format!("/{outlet}.xml"), rss_route(feed(outlet, minute, [*ceasefire, *storm]).into_bytes(), outlet))
        })
        .collect();
    let fixtures = Fixtures::start(routes);
    let dir = DataDir::new("");
    let owners: Vec<String> = OUTLETS.iter().map(|(outlet, ..)| format!("Owner of {outlet}")).collect();
    dir.import_ratings(
        &OUTLETS
            .iter()
            .zip(&owners)
            .map(|(&(outlet, lean, factuality, _, _), owner)| (outlet, lean, factuality, owner.as_str(), "corporate"))
            .collect::<Vec<_>>(),
    );
    dir.register(
        &OUTLETS
            .iter()
            .map(|(outlet, ..)| (fixtures.url(&format!("/{outlet}.xml")), outlet.to_string()))
            .collect::<Vec<_>>(),
    );

    let ingest = dir.ingest(&["--allow-private-networks"]);
    assert_eq!((ingest.articles_new, ingest.stories_placed), (8, 8), "{}", ingest.stdout);

    let export = run(dir.command(&["export", "stories"]));
    assert!(export.status.success(), "{}", export.describe());
    let stories: Vec<Value> =
        export.stdout.lines().map(|line| serde_json::from_str(line).expect("a JSON story line")).collect();
    assert_eq!(stories.len(), 2, "two events, two stories:\n{}", export.stdout);
    for story in &stories {
        let articles = story["articles"].as_array().expect("articles");
        assert_eq!(articles.len(), 4, "every outlet covers each event once: {story}");
        let urls: Vec<&str> = articles.iter().filter_map(|a| a["url"].as_str()).collect();
        let event = if urls[0].ends_with("story-0") { "story-0" } else { "story-1" };
        assert!(urls.iter().all(|u| u.ends_with(event)), "one event per story: {urls:?}");
        let coverage = &story["coverage"];
        assert_eq!(coverage["articles"], 4);
        assert_eq!(coverage["outlets"], 4);
        assert_eq!(
            coverage["lean"],
            serde_json::json!({"left": 2, "center": 1, "right": 1, "disputed": 0, "unrated": 0})
        );
        assert_eq!(coverage["factuality"]["very-high"], 1);
        assert_eq!(coverage["ownership"]["corporate"], 4);
        assert_eq!(coverage["blindspot"], Value::Null);
        assert!(coverage["first_reported"]["outlet"].is_string());
        assert!(!story["title"].as_str().unwrap_or_default().is_empty());
        let bullets = story["bullets"].as_array().expect("bullets");
        assert!(!bullets.is_empty() && bullets.len() <= 5, "{bullets:?}");
    }

    let again = dir.ingest(&["--allow-private-networks"]);
    assert_eq!((again.articles_new, again.stories_placed), (0, 0), "a second run adds nothing");
}
