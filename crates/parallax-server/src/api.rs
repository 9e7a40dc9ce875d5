//! The open JSON API, `/api/v1/`: stories (the same objects as `parallax
//! export stories`), outlets, search, and its OpenAPI description.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use parallax_core::{LeanCounts, Rating};
use parallax_store::export::{rfc3339, story_json};
use parallax_store::{FeedRecord, OutletRecord, StoryFilter, StoryHead};
use serde_json::{Value, json};

use crate::app::AppState;
use crate::error::{ApiError, AppError};
use crate::params::{self, Params};

/// Hand-written: it documents the contract, and a test checks that every
/// route is in it.
pub const OPENAPI: &str = include_str!("../static/openapi.json");

pub(crate) fn query_params(query: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Params, AppError> {
    match query {
        Ok(Query(pairs)) => Ok(Params::new(pairs)),
        Err(rejection) => Err(AppError::bad("query", format!("cannot be read: {rejection}"))),
    }
}

/// A story in a listing (outlet pages, search results).
pub fn head_json(head: &StoryHead) -> Value {
    let coverage = head.view.as_ref().map(|v| &v.coverage);
    json!({
        "id": head.id,
        "title": head.title,
        "articles": head.articles,
        "outlets": head.outlets,
        "first_published": rfc3339(head.first_published),
        "last_updated": rfc3339(head.last_updated),
        "lean": coverage.map(|c| c.lean),
        "blindspot": coverage.and_then(|c| c.blindspot),
        "topics": head.view.as_ref().map_or(&[][..], |v| v.topics.as_slice()),
        "href": format!("/api/v1/stories/{}", head.id),
    })
}

/// `GET /api/v1/stories`: newest first, filtered, a page at a time.
pub async fn stories(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
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
                    stories.push(story_json(&story));
                }
            }
            Ok((stories, next))
        })
        .await?;
    Ok(Json(json!({ "stories": stories, "next_cursor": next.map(params::encode_cursor) })))
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

fn rating_json(rating: &Rating) -> Value {
    json!({
        "provider": rating.provider,
        "version": rating.version,
        "source_file": rating.source_file,
        "name": rating.outlet_name,
        "lean": rating.lean,
        "lean_bucket": rating.lean_bucket(),
        "factuality": rating.factuality,
        "owner": rating.owner,
        "ownership": rating.ownership,
        "country": rating.country,
        "language": rating.language,
    })
}

fn feed_json(feed: &FeedRecord) -> Value {
    json!({
        "url": feed.source.url,
        "title": feed.source.title,
        "language": feed.source.language,
        "status": feed.status.as_str(),
        "last_fetched": feed.last_fetched.map(rfc3339),
        "next_fetch": feed.next_fetch.map(rfc3339),
        "error_count": feed.error_count,
        "last_error": feed.last_error,
    })
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
pub async fn outlet(State(state): State<Arc<AppState>>, Path(domain): Path<String>) -> Result<Json<Value>, ApiError> {
    let data = outlet_data(&state, &domain).await?;
    let record = &data.record;
    Ok(Json(json!({
        "domain": record.outlet.domain,
        "name": record.outlet.name,
        "ratings": record.ratings.iter().map(rating_json).collect::<Vec<_>>(),
        "feeds": record.feeds.iter().map(feed_json).collect::<Vec<_>>(),
        "articles": record.articles,
        "recent_stories": data.recent.iter().map(head_json).collect::<Vec<_>>(),
        "coverage_split": data.split,
        "blindspot_stories": data.blindspots,
    })))
}

/// Runs a search and returns the live stories it found, best first.
pub(crate) async fn search_stories(state: &AppState, text: String) -> Result<Vec<(f32, StoryHead)>, AppError> {
    let search = state.search.clone();
    let limit = state.config.search_results;
    let hits = tokio::task::spawn_blocking(move || search.search(&text, limit))
        .await
        .map_err(|e| crate::pool::PoolError::Crashed(e.to_string()))??;
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
/// match, best first.
pub async fn search(
    State(state): State<Arc<AppState>>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let params = query_params(query)?;
    params.reject_unknown(crate::search_filters::SEARCH_PARAMETERS)?;
    let found = crate::search_filters::filtered_search(&state, &params).await?;
    let text = found.text;
    let results: Vec<Value> = found
        .scored
        .iter()
        .map(|(score, head)| {
            let mut item = head_json(head);
            item["score"] = json!(score);
            item
        })
        .collect();
    Ok(Json(json!({ "query": text, "results": results })))
}

pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], OPENAPI).into_response()
}
