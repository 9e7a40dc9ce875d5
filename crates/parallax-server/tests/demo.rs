//! The demo through the real pipeline: the sample feeds are parsed, stored,
//! clustered into stories with views, indexed, and every page says it is
//! sample data.

mod common;

use std::sync::Arc;

use axum::http::StatusCode;
use common::get;
use parallax_ingest::Config;
use parallax_server::demo;
use parallax_server::router;
use parallax_server::scheduler::Scheduler;

#[tokio::test]
async fn the_demo_replays_into_multi_outlet_stories_and_blindspots() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (writer, urls, state) = common::demo_state(dir.path());
    assert_eq!(urls.len(), 9, "one sample feed per invented outlet");
    let mut config = Config::default();
    config.fulltext.enabled = false;
    let supply = Arc::new(demo::supply(chrono::Utc::now(), &config.clean).expect("sample feeds parse"));
    let mut scheduler = Scheduler::new(Box::new(writer), config, Some(urls), supply, state.clone(), None);
    scheduler.round().await;
    let round = state.scheduler_status().last_round.expect("a round ran");
    assert_eq!(round.error, None);
    assert_eq!((round.fetched, round.failed), (9, 0));
    assert_eq!(round.articles_new, round.articles_clustered);

    let app = router(state.clone());
    let listing = get(&app, "/api/v1/stories?limit=100").await.json();
    let stories = listing["stories"].as_array().expect("stories");
    let wide = stories.iter().filter(|s| s["coverage"]["outlets"].as_u64().unwrap_or(0) >= 4).count();
    assert!(wide >= 4, "the sample events become multi-outlet stories: {listing}");
    for side in ["left", "right"] {
        let blind = get(&app, &format!("/api/v1/stories?blindspot={side}")).await.json();
        assert_eq!(blind["stories"].as_array().map(Vec::len), Some(1), "one sample story is the {side}'s blindspot");
    }
    let found = get(&app, "/api/v1/search?q=Okafor").await.json();
    assert_eq!(found["results"][0]["blindspot"], "left", "the audit story is searchable");

    let top = stories[0]["id"].as_i64().expect("an id");
    for uri in ["/".to_string(), format!("/stories/{top}"), "/blindspots".into(), "/status".into(), "/nowhere".into()] {
        let page = get(&app, &uri).await;
        assert!(page.body.contains("id=\"demo-banner\""), "{uri} says it shows sample data");
        assert!(page.status == StatusCode::OK || uri == "/nowhere");
    }
}
