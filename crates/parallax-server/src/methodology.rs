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
    pub topics: TopicRules,
}

/// The topic rule's thresholds (`parallax_core::topic`), as quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRules {
    pub max_topics: usize,
    pub filed_percent: f64,
    pub word_hits: usize,
    pub lead_words: usize,
    pub balance_days: i64,
    /// "world, politics, …".
    pub names: String,
}

impl Default for TopicRules {
    fn default() -> Self {
        use parallax_core::topic;
        TopicRules {
            max_topics: topic::MAX_TOPICS,
            filed_percent: (topic::MIN_FILED_SHARE * 100.0).round(),
            word_hits: topic::MIN_WORD_HITS,
            lead_words: topic::LEAD_WORDS,
            balance_days: crate::lists::BALANCE_DAYS,
            names: parallax_core::Topic::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "),
        }
    }
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
            topics: TopicRules::default(),
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
        let layout = Layout::new(&state, "How Parallax works", "methodology").described(
            "How Parallax works: how stories are grouped and ranked, and how lean, factuality, ownership and \
             blindspots are counted, with the thresholds in force.",
        );
        Ok(MethodologyPage { layout, m: &state.methodology }.render()?)
    });
    respond(&state, &headers, page.await)
}
