//! The open JSON API, `/api/v1/`: stories (the same objects as `parallax
//! export stories`), outlets, search, and its OpenAPI description.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use parallax_core::LeanCounts;
use parallax_store::export::{StoryObject, story_json};
use parallax_store::{OutletRecord, StoryFilter, StoryHead};

use crate::app::AppState;
use crate::error::{ApiError, AppError};
use crate::params::{self, Params};
use crate::responses::{
    FeedObject, OutletDetail, OutletList, OutletSummaryObject, RatingObject, SearchHit, SearchResults, StoryHeadObject,
    StoryList,
};

/// Hand-written: it documents the contract; `tests/openapi.rs` validates
/// every endpoint's real answers against its schemas.
pub const OPENAPI: &str = include_str!("../static/openapi.json");

pub(crate) fn query_params(query: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Params, AppError> {
    match query {
        Ok(Query(pairs)) => Ok(Params::new(pairs)),
        Err(rejection) => Err(AppError::bad("query", format!("cannot be read: {rejection}"))),
    }
}

/// `GET /api/v1/stories`: newest first, filtered, a page at a time.
pub async fn stories(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<StoryList>, ApiError> {
    let params = query_params(query)?;
    params.reject_unknown(&["limit", "cursor", "blindspot", "outlet", "language", "since"])?;
    let limit = params::limit(params.get("limit")?, state.config.api_default_limit, state.config.api_max_limit)?;
    let after = params.get("cursor")?.map(params::cursor).transpose()?;
    let filter = StoryFilter {
        blindspot: params.get("blindspot")?.map(|raw| params::side("blindspot", raw)).transpose()?,
        outlet: params.get("outlet")?.map(|raw| params::domain("outlet", raw)).transpose()?,
        language: params.get("language")?.map(params::language).transpose()?,
        since: params.get("since")?.map(params::since).transpose()?,
    };
    let (stories, next) = state
        .pool
        .read(move |store| {
            let mut heads = store.story_heads(&filter, after, limit + 1)?;
            let next = if heads.len() > limit {
                heads.truncate(limit);
                heads.last().map(StoryHead::cursor)
            } else {
                None
            };
            let mut stories = Vec::with_capacity(heads.len());
            for head in &heads {
                if let Some(story) = store.story(head.id)? {
                    stories.push(StoryObject::new(&story));
                }
            }
            Ok((stories, next))
        })
        .await?;
    Ok(Json(StoryList { stories, next_cursor: next.map(params::encode_cursor) }))
}

/// `GET /api/v1/stories/{id}`: the same object as one line of
/// `parallax export stories`.
pub async fn story(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = params::story_id(&id)?;
    let generation = state.snapshot().generation;
    let body = match state.story_objects.get(&id, generation) {
        Some(body) => body,
        None => {
            let story = state.pool.read(move |store| store.story(id)).await?;
            let story = story.ok_or_else(|| AppError::NotFound(format!("no story {id}")))?;
            let body = Bytes::from(story_json(&story).to_string());
            state.story_objects.put(id, generation, body.clone());
            body
        }
    };
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
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
pub async fn outlet(
    State(state): State<Arc<AppState>>,
    Path(domain): Path<String>,
) -> Result<Json<OutletDetail>, ApiError> {
    let data = outlet_data(&state, &domain).await?;
    let record = &data.record;
    Ok(Json(OutletDetail {
        domain: record.outlet.domain.clone(),
        name: record.outlet.name.clone(),
        ratings: record.ratings.iter().map(RatingObject::new).collect(),
        feeds: record.feeds.iter().map(FeedObject::new).collect(),
        articles: record.articles,
        recent_stories: data.recent.iter().map(StoryHeadObject::new).collect(),
        coverage_split: data.split,
        blindspot_stories: data.blindspots,
    }))
}

/// `GET /api/v1/outlets`: every known outlet in domain order, filtered by
/// side, factuality, country and text, a page at a time.
pub async fn outlets(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<OutletList>, ApiError> {
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
    Ok(Json(OutletList { outlets: page, total, next_cursor }))
}

/// Runs a search and returns the live stories it found, best first: at
/// most `limit` of them after the first `offset`.
pub(crate) async fn search_stories(
    state: &AppState,
    text: String,
    offset: usize,
    limit: usize,
) -> Result<Vec<(f32, StoryHead)>, AppError> {
    let search = state.search.clone();
    let depth = offset.saturating_add(limit);
    let hits = tokio::task::spawn_blocking(move || search.search(&text, depth))
        .await
        .map_err(|e| crate::pool::PoolError::Crashed(e.to_string()))??;
    let hits: Vec<_> = hits.into_iter().skip(offset).collect();
    let ids: Vec<i64> = hits.iter().map(|hit| hit.story).collect();
    let heads = state.pool.read(move |store| store.story_heads_by_id(&ids)).await?;
    // Heads come back in the hits' order, minus stories gone since indexing.
    let mut heads = heads.into_iter().peekable();
    let mut found = Vec::new();
    for hit in hits {
        if let Some(head) = heads.next_if(|head| head.id == hit.story) {
            found.push((hit.score, head));
        }
    }
    Ok(found)
}

/// `GET /api/v1/search?q=`: stories whose titles, summaries or articles
/// match, best first, `limit` at a time; `cursor` continues.
pub async fn search(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let params = query_params(query)?;
    params.reject_unknown(&["q", "limit", "cursor"])?;
    let text = params::query_text(params.get("q")?, state.config.max_query_chars)?;
    let limit = params::limit(params.get("limit")?, state.config.search_results, state.config.api_max_limit)?;
    let offset = params.get("cursor")?.map(params::offset).transpose()?.unwrap_or(0);
    // Results end at search_max_depth: deeper pages are empty, not errors.
    let max_depth = state.config.search_max_depth;
    let limit_here = limit.min(max_depth.saturating_sub(offset));
    let found =
        if limit_here == 0 { Vec::new() } else { search_stories(&state, text.clone(), offset, limit_here + 1).await? };
    let more = found.len() > limit_here && offset + limit_here < max_depth;
    let results: Vec<SearchHit> = found
        .iter()
        .take(limit_here)
        .map(|(score, head)| SearchHit { story: StoryHeadObject::new(head), score: *score })
        .collect();
    let next_cursor = more.then(|| (offset + limit_here).to_string());
    Ok(Json(SearchResults { query: text, results, next_cursor }))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], OPENAPI).into_response()
}
