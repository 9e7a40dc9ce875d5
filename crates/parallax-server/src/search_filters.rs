//! Story search with filters: a topic, an edition (the countries of the
//! covering outlets), a side of the spectrum among the covering outlets,
//! and a date range of the story's last update. The filters narrow the
//! best `search_results` matches of the words; they do not widen the search.

use chrono::{DateTime, Duration, Utc};
use parallax_core::{LeanBucket, Topic};
use parallax_store::StoryHead;

use crate::api::{SearchResults, search_stories};
use crate::app::AppState;
use crate::editions::{Edition, topic};
use crate::error::AppError;
use crate::params::{self, Params};

/// The parameters the search page and `/api/v1/search` read.
pub const SEARCH_PARAMETERS: &[&str] = &["q", "topic", "edition", "lean", "from", "to"];

/// What a search is narrowed to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchFilters {
    pub topic: Option<Topic>,
    pub edition: Option<Edition>,
    /// Stories with at least one covering outlet on this side.
    pub lean: Option<LeanBucket>,
    /// Stories last updated at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Stories last updated before the end of this day.
    pub to: Option<DateTime<Utc>>,
}

impl SearchFilters {
    /// Reads the filters; empty values (an untouched form field) are none.
    pub fn from_params(params: &Params, state: &AppState) -> Result<SearchFilters, AppError> {
        let given = |name: &'static str| -> Result<Option<&str>, AppError> {
            Ok(params.get(name)?.map(str::trim).filter(|v| !v.is_empty()))
        };
        Ok(SearchFilters {
            topic: given("topic")?.map(topic).transpose()?,
            edition: given("edition")?.map(|raw| state.config.editions.edition(raw).cloned()).transpose()?,
            lean: given("lean")?.map(|raw| params::side("lean", raw)).transpose()?,
            from: given("from")?.map(|raw| date("from", raw)).transpose()?,
            to: given("to")?.map(|raw| date("to", raw).map(|day| day + Duration::days(1))).transpose()?,
        })
    }

    pub fn admits(&self, head: &StoryHead) -> bool {
        let view = head.view.as_ref();
        let topic_ok = self.topic.is_none_or(|t| view.is_some_and(|v| v.topics.contains(&t)));
        let edition_ok = self.edition.as_ref().is_none_or(|edition| {
            let codes: Vec<String> =
                edition.countries.iter().filter_map(|c| parallax_core::country::country_code(c)).collect();
            codes.is_empty() || view.is_some_and(|v| v.countries.iter().any(|c| codes.contains(c)))
        });
        let lean_ok = self.lean.is_none_or(|side| view.is_some_and(|v| v.coverage.lean.get(side) > 0));
        let from_ok = self.from.is_none_or(|from| head.last_updated >= from);
        let to_ok = self.to.is_none_or(|to| head.last_updated < to);
        topic_ok && edition_ok && lean_ok && from_ok && to_ok
    }

    /// The filters as query parameters (`&topic=science&lean=left`).
    pub fn query(&self) -> String {
        let mut query = String::new();
        let mut add = |name: &str, value: &str| query.push_str(&format!("&{name}={}", encode(value)));
        if let Some(t) = self.topic {
            add("topic", t.as_str());
        }
        if let Some(edition) = &self.edition {
            add("edition", &edition.id);
        }
        if let Some(side) = self.lean {
            add("lean", side.as_str());
        }
        if let Some(from) = self.from {
            add("from", &from.format("%Y-%m-%d").to_string());
        }
        if let Some(to) = self.to {
            add("to", &(to - Duration::days(1)).format("%Y-%m-%d").to_string());
        }
        query
    }
}

/// A `YYYY-MM-DD` date (midnight UTC) or an RFC 3339 time.
fn date(parameter: &'static str, raw: &str) -> Result<DateTime<Utc>, AppError> {
    params::since(raw).map_err(|_| AppError::bad(parameter, format!("must be a YYYY-MM-DD date, not {raw:?}")))
}

/// A search's words and the stories that match and pass the filters.
pub struct Found {
    pub text: String,
    pub filters: SearchFilters,
    pub heads: Vec<StoryHead>,
    /// The search stopped at its time limit (see `api::search_stories`).
    pub timed_out: bool,
}

/// Keeps the results the filters admit.
pub(crate) fn filtered(mut results: SearchResults, filters: &SearchFilters) -> SearchResults {
    results.stories.retain(|(_, head)| filters.admits(head));
    results
}

/// Runs the search `q` and keeps the stories the filters admit.
pub async fn filtered_search(state: &AppState, params: &Params) -> Result<Found, AppError> {
    let text = params::query_text(params.get("q")?, state.config.max_query_chars)?;
    let filters = SearchFilters::from_params(params, state)?;
    let results = filtered(search_stories(state, text.clone(), 0, state.config.search_results).await?, &filters);
    let heads = results.stories.into_iter().map(|(_, head)| head).collect();
    Ok(Found { text, filters, heads, timed_out: results.timed_out })
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// A choice in a filter's drop-down.
pub struct FormOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The search page's filter fields, with the current choices.
pub struct FilterForm {
    pub topics: Vec<FormOption>,
    pub editions: Vec<FormOption>,
    pub leans: Vec<FormOption>,
    pub from: String,
    pub to: String,
}

impl FilterForm {
    pub fn new(state: &AppState, filters: &SearchFilters) -> FilterForm {
        let option = |value: &str, label: &str, selected: bool| FormOption {
            value: value.to_string(),
            label: label.to_string(),
            selected,
        };
        FilterForm {
            topics: Topic::ALL.iter().map(|t| option(t.as_str(), t.label(), filters.topic == Some(*t))).collect(),
            editions: state
                .config
                .editions
                .list
                .iter()
                .map(|e| option(&e.id, &e.name, filters.edition.as_ref().is_some_and(|f| f.id == e.id)))
                .collect(),
            leans: [(LeanBucket::Left, "Left"), (LeanBucket::Center, "Center"), (LeanBucket::Right, "Right")]
                .into_iter()
                .map(|(side, label)| option(side.as_str(), label, filters.lean == Some(side)))
                .collect(),
            from: filters.from.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            to: filters.to.map(|t| (t - Duration::days(1)).format("%Y-%m-%d").to_string()).unwrap_or_default(),
        }
    }
}

/// The feeds of a search, with its filters, for the page's head.
pub fn feed_links(found: &Found) -> Vec<crate::pages::FeedLink> {
    let query = format!("?q={}{}", encode(&found.text), found.filters.query());
    vec![
        crate::pages::FeedLink {
            kind: "application/atom+xml",
            title: format!("Search: {} (Atom)", found.text),
            href: format!("/search/feed.atom{query}"),
        },
        crate::pages::FeedLink {
            kind: "application/feed+json",
            title: format!("Search: {} (JSON Feed)", found.text),
            href: format!("/search/feed.json{query}"),
        },
    ]
}
