//! A feed that crashes its round's fetch stage: the other feeds are stored,
//! the server answers, and the status page names the failure.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{get, send};
use parallax_ingest::supply::{SupplyFuture, Validators};
use parallax_ingest::{Config, FeedSupply, MemorySupply};
use parallax_server::demo;
use parallax_server::router;
use parallax_server::scheduler::Scheduler;

/// The demo's sample feeds, except that asking for one panics.
struct OneFeedPanics {
    inner: MemorySupply,
    panics_on: String,
}

impl FeedSupply for OneFeedPanics {
    fn fetch<'a>(&'a self, url: &'a str, validators: &'a Validators) -> SupplyFuture<'a> {
        assert!(url != self.panics_on, "crafted feed broke the fetcher");
        self.inner.fetch(url, validators)
    }
}

#[tokio::test]
async fn a_feed_that_panics_leaves_the_others_stored_and_the_server_answering() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (writer, urls, state) = common::demo_state(dir.path());
    let mut config = Config::default();
    config.fulltext.enabled = false;
    let inner = demo::supply(chrono::Utc::now(), &config.clean).expect("sample feeds");
    let crafted = urls[0].clone();
    let supply = Arc::new(OneFeedPanics { inner, panics_on: crafted.clone() });
    let mut scheduler = Scheduler::new(Box::new(writer), config, Some(urls), supply, state.clone(), None);
    scheduler.round().await;
    let round = state.scheduler_status().last_round.expect("a round ran");
    assert_eq!(round.error, None, "the round went on");
    assert_eq!((round.fetched, round.failed), (8, 1));
    assert!(round.articles_new > 0 && round.articles_new == round.articles_clustered);

    let app = router(state.clone());
    let stories = get(&app, "/api/v1/stories").await;
    assert_eq!(stories.status, StatusCode::OK, "the server answers");
    // The operator (on this machine) reads why; anyone else sees totals.
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 40_000));
    let request = Request::get("/status").extension(ConnectInfo(loopback)).body(Body::empty()).expect("request");
    let status = send(&app, request).await;
    assert_eq!(status.status, StatusCode::OK);
    assert!(status.body.contains("fetch: crashed: crafted feed broke the fetcher"), "{}", status.body);
    let public = get(&app, "/status").await;
    assert!(!public.body.contains("crafted feed broke the fetcher"), "{}", public.body);
    let metrics = get(&app, "/metrics").await;
    assert!(metrics.body.contains("parallax_round_items_failed_total 1"), "{}", metrics.body);

    // The next round runs as usual: the connection came back.
    scheduler.round().await;
    assert_eq!(state.scheduler_status().last_round.expect("a second round").error, None);
}
