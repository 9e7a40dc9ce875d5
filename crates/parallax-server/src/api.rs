//! The open JSON API, `/api/v1/`: stories (the same objects as `parallax
//! export stories`), outlets, search, and its OpenAPI description.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use parallax_core::LeanCounts;
use parallax_store::export::story_json;
use parallax_store::{OutletRecord, StoryFilter, StoryHead, StoryRecord};
use serde_json::json;

use crate::app::{AppState, Made, PageCaches, PageKey};
use crate::cache::{self, Encoding, Representation, Scope, Ticket};
use crate::error::{ApiError, AppError};
use crate::params::{self, Params};
use crate::responses::{
    FeedObject, OutletDetail, OutletList, OutletSummaryObject, RatingObject, SearchAnswer, SearchHit, StoryHeadObject,
};
use crate::search::SearchError;

/// Hand-written: it documents the contract; `tests/openapi.rs` validates
/// every endpoint's real answers against its schemas.
pub const OPENAPI: &str = include_str!("../static/openapi.json");

pub(crate) fn query_params(query: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Params, AppError> {
    match query {
        Ok(Query(pairs)) => Ok(Params::new(pairs)),
        Err(rejection) => Err(AppError::bad("query", format!("cannot be read: {rejection}"))),
    }
}

/// Answers with a kept representation, or the error as JSON.
pub(crate) fn respond(headers: &HeaderMap, answer: Result<Arc<Representation>, AppError>) -> Response {
    match answer {
        Ok(representation) => representation.respond(headers),
        Err(error) => ApiError(error).into_response(),
    }
}

/// `GET /api/v1/stories`: newest first, filtered, a page at a time. Each
/// story is the kept API object of `/api/v1/stories/{id}` spliced in, so a
/// page of 50 costs a listing query and 50 cache lookups, not 50 reads and
/// 50 serialisations (8-9 ms a page before).
pub async fn stories(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let answer = async {
        let params = query_params(query)?;
        params.reject_unknown(&[
            "limit",
            "cursor",
            "blindspot",
            "outlet",
            "language",
            "since",
            "topic",
            "edition",
            "country",
        ])?;
        let limit = params::limit(params.get("limit")?, state.config.api_default_limit, state.config.api_max_limit)?;
        let after = params.get("cursor")?.map(params::cursor).transpose()?;
        let mut filter = StoryFilter {
            blindspot: params.get("blindspot")?.map(|raw| params::side("blindspot", raw)).transpose()?,
            outlet: params.get("outlet")?.map(|raw| params::domain("outlet", raw)).transpose()?,
            language: params.get("language")?.map(params::language).transpose()?,
            since: params.get("since")?.map(params::since).transpose()?,
            ..StoryFilter::default()
        };
        crate::editions::narrow_api_filter(&params, &state.config.editions, &mut filter)?;
        let key = PageKey::Stories(format!("{limit} {after:?} {filter:?}"));
        state
            .cached(key, cache::JSON, async {
                let mut cursors = state.pool.read(move |store| store.story_cursors(&filter, after, limit + 1)).await?;
                let next = if cursors.len() > limit {
                    cursors.truncate(limit);
                    cursors.last().copied()
                } else {
                    None
                };
                let ids: Vec<i64> = cursors.iter().map(|c| c.id).collect();
                let objects = story_objects(&state, &ids).await?;
                let mut body = Vec::with_capacity(objects.iter().map(Bytes::len).sum::<usize>() + 64);
                body.extend_from_slice(b"{\"stories\":[");
                for (index, object) in objects.iter().enumerate() {
                    if index > 0 {
                        body.push(b',');
                    }
                    body.extend_from_slice(object);
                }
                body.extend_from_slice(b"],\"next_cursor\":");
                body.extend_from_slice(json!(next.map(params::encode_cursor)).to_string().as_bytes());
                body.push(b'}');
                Ok(Made::listing(&state, Bytes::from(body)))
            })
            .await
    };
    respond(&headers, answer.await)
}

/// The API objects of `ids` (in order, minus stories gone), from the cache
/// or, for those not kept, from one read.
async fn story_objects(state: &AppState, ids: &[i64]) -> Result<Vec<Bytes>, AppError> {
    let generation = state.snapshot().generation;
    let ticket = state.cache.ticket(&PageKey::StoryObject(0), generation);
    let mut objects: Vec<Option<Bytes>> =
        ids.iter().map(|&id| state.cache.get(&PageKey::StoryObject(id), generation).map(|r| r.identity())).collect();
    let missing: Vec<i64> = ids.iter().zip(&objects).filter(|(_, o)| o.is_none()).map(|(&id, _)| id).collect();
    if !missing.is_empty() {
        let stories = state
            .pool
            .read(move |store| {
                let mut found = Vec::with_capacity(missing.len());
                for id in missing {
                    if let Some(story) = store.story(id)? {
                        found.push(story);
                    }
                }
                Ok(found)
            })
            .await?;
        let mut made: HashMap<i64, Bytes> = stories
            .iter()
            .map(|story| (story.id, keep_story_object(state, story, ticket, Encoding::Gzip).identity()))
            .collect();
        for (object, id) in objects.iter_mut().zip(ids) {
            if object.is_none() {
                *object = made.remove(id);
            }
        }
    }
    Ok(objects.into_iter().flatten().collect())
}

/// A story's API object, kept until the story changes.
fn keep_story_object(state: &AppState, story: &StoryRecord, ticket: Ticket, first: Encoding) -> Arc<Representation> {
    let body = Bytes::from(story_json(story).to_string());
    let key = PageKey::StoryObject(story.id);
    let representation = Arc::new(PageCaches::represent(&key, cache::JSON, body, first));
    let ttl = state.story_ttl(story.last_updated);
    state.cache.put(key, representation.clone(), Scope::Story(story.id), ttl, ticket);
    representation
}

/// `GET /api/v1/stories/{id}`: the same object as one line of
/// `parallax export stories`.
pub async fn story(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let answer = async {
        let id = params::story_id(&id)?;
        let generation = state.snapshot().generation;
        if let Some(kept) = state.cache.get(&PageKey::StoryObject(id), generation) {
            return Ok(kept);
        }
        let ticket = state.cache.ticket(&PageKey::StoryObject(id), generation);
        let story = state.pool.read(move |store| store.story(id)).await?;
        let story = story.ok_or_else(|| AppError::NotFound(format!("no story {id}")))?;
        Ok(keep_story_object(&state, &story, ticket, Encoding::negotiate(&headers)))
    };
    respond(&headers, answer.await)
}

/// An outlet with its recent stories and how the outlets covering those
/// stories split, summed over the stories.
pub(crate) struct OutletData {
    pub record: OutletRecord,
    pub recent: Vec<StoryHead>,
    pub split: LeanCounts,
    pub blindspots: u32,
}

/// Finds an outlet by domain, or by a host on it (`edition.cnn.com`).
pub(crate) async fn outlet_data(state: &AppState, raw: &str) -> Result<OutletData, AppError> {
    let domain = params::domain("domain", raw)?;
    let limit = state.config.list_stories;
    let found = state
        .pool
        .read(move |store| {
            let record = match store.outlet(&domain)? {
                Some(record) => Some(record),
                None => {
                    let mapped = parallax_core::outlet_domain(&domain);
                    if mapped == domain { None } else { store.outlet(&mapped)? }
                }
            };
            let Some(record) = record else { return Ok(None) };
            let filter = StoryFilter { outlet: Some(record.outlet.domain.clone()), ..StoryFilter::default() };
            let recent = store.story_heads(&filter, None, limit)?;
            Ok(Some((record, recent)))
        })
        .await?;
    let Some((record, recent)) = found else {
        return Err(AppError::NotFound(format!("no outlet {raw} is known")));
    };
    let mut split = LeanCounts::default();
    let mut blindspots = 0;
    for view in recent.iter().filter_map(|head| head.view.as_ref()) {
        split.merge(&view.coverage.lean);
        blindspots += u32::from(view.coverage.blindspot.is_some());
    }
    Ok(OutletData { record, recent, split, blindspots })
}

/// `GET /api/v1/outlets/{domain}`: every provider's rating with its
/// provenance, feeds, and recent stories.
pub async fn outlet(State(state): State<Arc<AppState>>, headers: HeaderMap, Path(domain): Path<String>) -> Response {
    let key = PageKey::Outlet { api: true, domain: domain.to_ascii_lowercase() };
    let answer = state.cached(key, cache::JSON, async {
        let data = outlet_data(&state, &domain).await?;
        let record = &data.record;
        let body = OutletDetail {
            domain: record.outlet.domain.clone(),
            name: record.outlet.name.clone(),
            ratings: record.ratings.iter().map(RatingObject::new).collect(),
            feeds: record.feeds.iter().map(FeedObject::new).collect(),
            articles: record.articles,
            recent_stories: data.recent.iter().map(StoryHeadObject::new).collect(),
            coverage_split: data.split,
            blindspot_stories: data.blindspots,
        };
        let body = serde_json::to_string(&body).map_err(|e| AppError::Encode(e.to_string()))?;
        Ok(Made::listing(&state, Bytes::from(body)))
    });
    respond(&headers, answer.await)
}

/// `GET /api/v1/outlets`: every known outlet in domain order, filtered by
/// side, factuality, country and text, a page at a time.
pub async fn outlets(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<axum::Json<OutletList>, ApiError> {
    let params = query_params(query)?;
    params.reject_unknown(&["limit", "cursor", "lean", "factuality", "country", "q"])?;
    let limit = params::limit(params.get("limit")?, state.config.api_default_limit, state.config.api_max_limit)?;
    let after = params.get("cursor")?.map(|raw| params::domain("cursor", raw)).transpose()?;
    let filter = params::OutletFilter {
        lean: params.get("lean")?.map(params::stance).transpose()?,
        factuality: params.get("factuality")?.map(params::factuality).transpose()?,
        country: params.get("country")?.map(params::country).transpose()?,
        text: params.get("q")?.map(|raw| params::query_text(Some(raw), state.config.max_query_chars)).transpose()?,
    };
    let snapshot = state.snapshot();
    let total = snapshot.outlets.after(None).filter(|info| filter.matches(info)).count();
    let mut page: Vec<OutletSummaryObject> = snapshot
        .outlets
        .after(after.as_deref())
        .filter(|info| filter.matches(info))
        .take(limit + 1)
        .map(OutletSummaryObject::new)
        .collect();
    let next_cursor = if page.len() > limit {
        page.truncate(limit);
        page.last().map(|outlet| outlet.domain.clone())
    } else {
        None
    };
    Ok(axum::Json(OutletList { outlets: page, total, next_cursor }))
}

/// What a search found: live stories, best first, and whether the search
/// ran out of time.
pub(crate) struct SearchResults {
    pub stories: Vec<(f32, StoryHead)>,
    pub timed_out: bool,
}

/// Runs a search when a slot is free (waiting `search_queue_ms` at most)
/// and returns the live stories it found, best first.
pub(crate) async fn search_stories(
    state: &AppState,
    text: String,
    offset: usize,
    limit: usize,
) -> Result<SearchResults, AppError> {
    use std::sync::atomic::Ordering::Relaxed;
    let busy = || {
        state.metrics.searches_busy.fetch_add(1, Relaxed);
        AppError::Busy { what: "too many searches are running", retry_after: 1 }
    };
    let slot = match state.search_slots.clone().try_acquire_owned() {
        Ok(slot) => slot,
        Err(_) => {
            let wait = Duration::from_millis(state.config.search_queue_ms);
            match tokio::time::timeout(wait, state.search_slots.clone().acquire_owned()).await {
                Ok(Ok(slot)) => slot,
                _ => return Err(busy()),
            }
        }
    };
    let search = state.search.clone();
    let depth = offset.saturating_add(limit);
    let limits = state.search_limits;
    let searched = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        search.search(&text, depth, &limits)
    })
    .await
    .map_err(|e| crate::pool::PoolError::Crashed(e.to_string()))?;
    let found = match searched {
        Ok(found) => found,
        Err(SearchError::Refused(refusal)) => {
            state.metrics.searches_refused.fetch_add(1, Relaxed);
            return Err(AppError::bad("q", refusal.0));
        }
        Err(error) => return Err(error.into()),
    };
    if found.timed_out {
        state.metrics.searches_timed_out.fetch_add(1, Relaxed);
    }
    let hits: Vec<_> = found.hits.into_iter().skip(offset).collect();
    let ids: Vec<i64> = hits.iter().map(|hit| hit.story).collect();
    let heads = state.pool.read(move |store| store.story_heads_by_id(&ids)).await?;
    // Heads come back in the hits' order, minus stories gone since indexing.
    let mut heads = heads.into_iter().peekable();
    let mut stories = Vec::new();
    for hit in hits {
        if let Some(head) = heads.next_if(|head| head.id == hit.story) {
            stories.push((hit.score, head));
        }
    }
    Ok(SearchResults { stories, timed_out: found.timed_out })
}

/// `GET /api/v1/search?q=`: stories whose titles, summaries or articles
/// match, best first; `timed_out` says the search was stopped at its time
/// limit and the results are what it had found by then.
pub async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let answer = async {
        let params = query_params(query)?;
        params.reject_unknown(&["q", "limit", "cursor", "topic", "edition", "lean", "from", "to"])?;
        let text = params::query_text(params.get("q")?, state.config.max_query_chars)?;
        let filters = crate::search_filters::SearchFilters::from_params(&params, &state)?;
        let limit = params::limit(params.get("limit")?, state.config.search_results, state.config.api_max_limit)?;
        let offset = params.get("cursor")?.map(params::offset).transpose()?.unwrap_or(0);
        let key = PageKey::Search { api: true, query: format!("{limit} {offset} {text}{}", filters.query()) };
        state
            .cached(key, cache::JSON, async {
                // Results end at search_max_depth: deeper pages are empty, not errors.
                let max_depth = state.config.search_max_depth;
                let limit_here = limit.min(max_depth.saturating_sub(offset));
                let (found, timed_out) = if limit_here == 0 {
                    (Vec::new(), false)
                } else {
                    let found = search_stories(&state, text.clone(), offset, limit_here + 1).await?;
                    (found.stories, found.timed_out)
                };
                let more = found.len() > limit_here && offset + limit_here < max_depth;
                // The filters narrow each page of matches; the cursor walks the matches.
                let results: Vec<SearchHit> = found
                    .iter()
                    .take(limit_here)
                    .filter(|(_, head)| filters.admits(head))
                    .map(|(score, head)| SearchHit { story: StoryHeadObject::new(head), score: *score })
                    .collect();
                let next_cursor = more.then(|| (offset + limit_here).to_string());
                let body = SearchAnswer { query: text.clone(), results, next_cursor, timed_out };
                let body = serde_json::to_string(&body).map_err(|e| AppError::Encode(e.to_string()))?;
                Ok(Made::listing(&state, Bytes::from(body)))
            })
            .await
    };
    respond(&headers, answer.await)
}

pub async fn openapi(headers: HeaderMap) -> Response {
    static SPEC: std::sync::LazyLock<Representation> =
        std::sync::LazyLock::new(|| Representation::new(cache::JSON, Bytes::from_static(OPENAPI.as_bytes())));
    SPEC.respond(&headers)
}
