//! `/methodology`: how every number on a story page is made, with the
//! thresholds this instance runs with, so a reader can check a claim
//! against its rule.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use parallax_ingest::Config;

use crate::app::{AppState, PageKey};
use crate::pages::{Layout, cached_page, respond};

/// The configured values the page quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Methodology {
    pub window_days: f64,
    pub copy_similarity: f32,
    pub min_bullets: usize,
    pub max_bullets: usize,
    pub max_words: usize,
    pub max_redundancy: f32,
    pub min_rated_outlets: u32,
    pub max_missing_percent: f64,
    pub min_opposite_percent: f64,
    pub dispute_steps: i32,
    pub home_half_life_hours: f64,
}

impl Methodology {
    pub fn new(config: &Config, home_half_life_hours: f64) -> Methodology {
        Methodology {
            window_days: config.cluster.window_secs as f64 / 86_400.0,
            copy_similarity: config.cluster.copy_similarity,
            min_bullets: config.summary.min_bullets,
            max_bullets: config.summary.max_bullets,
            max_words: config.summary.max_words,
            max_redundancy: config.summary.max_redundancy,
            min_rated_outlets: config.blindspot.min_rated_outlets,
            max_missing_percent: config.blindspot.max_missing_share * 100.0,
            min_opposite_percent: config.blindspot.min_opposite_share * 100.0,
            dispute_steps: parallax_coverage::DISPUTE_STEPS_FROM_CENTER,
            home_half_life_hours,
        }
    }
}

#[derive(Template)]
#[template(path = "methodology.html")]
struct MethodologyPage<'a> {
    layout: Layout,
    m: &'a Methodology,
}

pub async fn page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let page = cached_page(&state, PageKey::Methodology, async {
        let page =
            MethodologyPage { layout: Layout::new(&state, "How Parallax works", "methodology"), m: &state.methodology };
        Ok(page.render()?)
    });
    respond(&state, &headers, page.await)
}
