//! The API's response bodies as Rust types: what `/api/v1/` answers is
//! what these serialize to, and `static/openapi.json` describes them (a
//! test validates every endpoint's real answers against its schemas).
//!
//! A story is `parallax_store::export::StoryObject`, the same type as a
//! line of `parallax export stories`.

use parallax_core::{LeanBucket, LeanCounts, Rating};
use parallax_store::export::{StoryObject, rfc3339};
use parallax_store::{FeedRecord, StoryHead};
use serde::Serialize;

use crate::error::ErrorCode;
use crate::outlets::OutletInfo;
use crate::present::stance_style;

/// Every error: `{"status", "code", "message", "parameter"?}`.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
    /// The parameter a 400 is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// `GET /api/v1/stories`.
#[derive(Debug, Clone, Serialize)]
pub struct StoryList {
    pub stories: Vec<StoryObject>,
    pub next_cursor: Option<String>,
}

/// A story in a listing (outlet pages, search results).
#[derive(Debug, Clone, Serialize)]
pub struct StoryHeadObject {
    pub id: i64,
    pub title: String,
    pub articles: u32,
    pub outlets: u32,
    pub first_published: String,
    pub last_updated: String,
    pub lean: Option<LeanCounts>,
    pub blindspot: Option<LeanBucket>,
    /// The story's topics; empty until its view is computed.
    pub topics: Vec<parallax_core::Topic>,
    pub href: String,
}

impl StoryHeadObject {
    pub fn new(head: &StoryHead) -> StoryHeadObject {
        let coverage = head.view.as_ref().map(|v| &v.coverage);
        StoryHeadObject {
            id: head.id,
            title: head.title.clone(),
            articles: head.articles,
            outlets: head.outlets,
            first_published: rfc3339(head.first_published),
            last_updated: rfc3339(head.last_updated),
            lean: coverage.map(|c| c.lean),
            blindspot: coverage.and_then(|c| c.blindspot),
            topics: head.view.as_ref().map_or_else(Vec::new, |v| v.topics.clone()),
            href: format!("/api/v1/stories/{}", head.id),
        }
    }
}

/// `GET /api/v1/search`.
#[derive(Debug, Clone, Serialize)]
pub struct SearchAnswer {
    pub query: String,
    pub results: Vec<SearchHit>,
    pub next_cursor: Option<String>,
    /// The search ran out of its time budget: the results are partial.
    pub timed_out: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    #[serde(flatten)]
    pub story: StoryHeadObject,
    pub score: f32,
}

/// One provider's rating, with where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct RatingObject {
    pub provider: String,
    pub version: String,
    pub source_file: String,
    pub name: Option<String>,
    pub lean: Option<parallax_core::Lean>,
    pub lean_bucket: Option<LeanBucket>,
    pub factuality: Option<parallax_core::Factuality>,
    pub owner: Option<String>,
    pub ownership: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
}

impl RatingObject {
    pub fn new(rating: &Rating) -> RatingObject {
        RatingObject {
            provider: rating.provider.clone(),
            version: rating.version.clone(),
            source_file: rating.source_file.clone(),
            name: rating.outlet_name.clone(),
            lean: rating.lean,
            lean_bucket: rating.lean_bucket(),
            factuality: rating.factuality,
            owner: rating.owner.clone(),
            ownership: rating.ownership.clone(),
            country: rating.country.clone(),
            language: rating.language.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedObject {
    pub url: String,
    pub title: Option<String>,
    pub language: Option<String>,
    pub status: &'static str,
    pub last_fetched: Option<String>,
    pub next_fetch: Option<String>,
    pub error_count: u32,
    pub last_error: Option<String>,
}

impl FeedObject {
    pub fn new(feed: &FeedRecord) -> FeedObject {
        FeedObject {
            url: feed.source.url.clone(),
            title: feed.source.title.clone(),
            language: feed.source.language.clone(),
            status: feed.status.as_str(),
            last_fetched: feed.last_fetched.map(rfc3339),
            next_fetch: feed.next_fetch.map(rfc3339),
            error_count: feed.error_count,
            last_error: feed.last_error.clone(),
        }
    }
}

/// `GET /api/v1/outlets/{domain}`.
#[derive(Debug, Clone, Serialize)]
pub struct OutletDetail {
    pub domain: String,
    pub name: Option<String>,
    pub ratings: Vec<RatingObject>,
    pub feeds: Vec<FeedObject>,
    pub articles: u64,
    pub recent_stories: Vec<StoryHeadObject>,
    pub coverage_split: LeanCounts,
    pub blindspot_stories: u32,
}

/// `GET /api/v1/outlets`.
#[derive(Debug, Clone, Serialize)]
pub struct OutletList {
    pub outlets: Vec<OutletSummaryObject>,
    /// Outlets matching the filters, over all pages.
    pub total: usize,
    pub next_cursor: Option<String>,
}

/// An outlet in the list: the providers' ratings combined as story pages
/// count them.
#[derive(Debug, Clone, Serialize)]
pub struct OutletSummaryObject {
    pub domain: String,
    pub name: Option<String>,
    /// `left`, `center`, `right`, `disputed` or `unrated`.
    pub side: &'static str,
    pub lean: Option<parallax_core::Lean>,
    pub factuality: Option<parallax_core::Factuality>,
    pub owner: Option<String>,
    pub country: Option<String>,
    /// The providers that rate its lean.
    pub rated_by: Vec<String>,
    pub feeds: u64,
    pub articles: u64,
    pub href: String,
}

impl OutletSummaryObject {
    pub fn new(info: &OutletInfo) -> OutletSummaryObject {
        OutletSummaryObject {
            domain: info.domain.clone(),
            name: info.name.clone(),
            side: stance_style(info.profile.stance()).class,
            lean: info.profile.lean,
            factuality: info.profile.factuality,
            owner: info.profile.owner.clone(),
            country: info.country.clone(),
            rated_by: info.lean_by.clone(),
            feeds: info.feeds,
            articles: info.articles,
            href: format!("/api/v1/outlets/{}", info.domain),
        }
    }
}
