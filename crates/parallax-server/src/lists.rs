//! Finding and following stories: topic pages (`/topics/{topic}`),
//! edition pages (`/editions/{id}`, `/?edition=`), and every list (home,
//! a topic, an edition, the blindspots, a search) as an Atom feed and a
//! JSON Feed, so a feed reader can follow it.
//!
//! Lists are ranked like the home page ([`crate::present::home_rank`]
//! over the most recently updated candidates) and carry the lean balance
//! of the covering outlets over the last days.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, Utc};
use parallax_core::{LeanBucket, LeanCounts, Topic};
use parallax_store::{StoryFilter, StoryHead};

use crate::api::query_params;
use crate::app::AppState;
use crate::editions::{ListScope, topic};
use crate::error::AppError;
use crate::feeds_out::{FeedFormat, FeedList, feed_response};
use crate::pages::{FeedLink, Layout};
use crate::present::{BiasBar, StoryCard};

/// A rendered page, or the error as a page. Lists are rendered per request:
/// their ranking reads the clock.
fn respond_html(state: &AppState, page: Result<String, AppError>) -> Response {
    match page {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(error) => crate::pages::error_response(state, error),
    }
}

/// The lean balance of a list is summed over its stories updated in the
/// last this many days: long enough to even out one day's news, short
/// enough to say what a topic's coverage looks like now.
pub const BALANCE_DAYS: i64 = 7;

/// A list's stories, ranked, and the balance of its recent coverage.
pub struct RankedList {
    pub heads: Vec<StoryHead>,
    /// Covering outlets by side, summed over the candidates updated in the
    /// last [`BALANCE_DAYS`] days.
    pub balance: LeanCounts,
    pub balance_stories: u32,
}

/// How many differently filtered lists are kept per generation: every
/// topic in every edition is 9 × 10 = 90; the rest of the room is for
/// `?lang=` variants, which a client may vary at will.
const MAX_RANKED_LISTS: usize = 512;

/// Ranked lists of one data generation, by filter.
#[derive(Default)]
pub(crate) struct RankedLists {
    generation: u64,
    lists: HashMap<String, Arc<RankedList>>,
}

/// The stories `filter` lets through, ranked like the home page: the
/// server's `home_candidates` most recently updated, scored by breadth and
/// recency, the best `home_stories` kept. Computed once per generation and
/// filter, as the home page is.
pub(crate) async fn ranked(state: &AppState, filter: StoryFilter) -> Result<Arc<RankedList>, AppError> {
    let generation = state.snapshot().generation;
    let key = format!("{filter:?}");
    {
        let cached = state.lists.lock().unwrap_or_else(PoisonError::into_inner);
        if cached.generation == generation
            && let Some(list) = cached.lists.get(&key)
        {
            return Ok(list.clone());
        }
    }
    let list = Arc::new(rank(state, filter).await?);
    let mut cached = state.lists.lock().unwrap_or_else(PoisonError::into_inner);
    if cached.generation != generation {
        *cached = RankedLists { generation, lists: HashMap::new() };
    }
    if cached.lists.len() < MAX_RANKED_LISTS {
        cached.lists.insert(key, list.clone());
    }
    Ok(list)
}

async fn rank(state: &AppState, filter: StoryFilter) -> Result<RankedList, AppError> {
    let candidates = state.config.home_candidates;
    let (heads, stories) =
        state.pool.read(move |store| crate::app::heads_with_stories(store, &filter, candidates)).await?;
    let now = Utc::now();
    let recent = now - Duration::days(BALANCE_DAYS);
    let mut balance = LeanCounts::default();
    let mut balance_stories = 0;
    for view in heads.iter().filter(|h| h.last_updated >= recent).filter_map(|h| h.view.as_ref()) {
        balance.merge(&view.coverage.lean);
        balance_stories += 1;
    }
    let heads = crate::app::rank_home(heads, &stories, state.config.home_half_life_hours, state.config.home_stories);
    Ok(RankedList { heads, balance, balance_stories })
}

pub struct NavLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    heading: String,
    intro: String,
    balance: BiasBar,
    /// "Over 12 stories updated in the last 7 days."
    balance_note: String,
    cards: Vec<StoryCard>,
    topics: Vec<NavLink>,
    atom: String,
    json: String,
}

fn topic_links(scope: &ListScope) -> Vec<NavLink> {
    let query = scope.query();
    Topic::ALL
        .into_iter()
        .map(|t| NavLink {
            label: t.label().to_string(),
            href: format!("/topics/{}{query}", t.as_str()),
            current: scope.topic == Some(t),
        })
        .collect()
}

/// Renders a ranked list as a page. `path` is the page's own path, its
/// feeds are `path` + `/feed.atom` and `/feed.json` (home: `/feed.atom`).
async fn list_page(
    state: &AppState,
    scope: &ListScope,
    heading: String,
    intro: String,
    path: &str,
    nav: &'static str,
) -> Result<String, AppError> {
    let list = ranked(state, scope.filter()).await?;
    let now = Utc::now();
    let query = scope.query();
    let base = path.trim_end_matches('/');
    let atom = format!("{base}/feed.atom{query}");
    let json = format!("{base}/feed.json{query}");
    let mut layout = Layout::new(state, heading.clone(), nav);
    layout.feeds = vec![
        FeedLink { kind: "application/atom+xml", title: format!("{heading} (Atom)"), href: atom.clone() },
        FeedLink { kind: "application/feed+json", title: format!("{heading} (JSON Feed)"), href: json.clone() },
    ];
    layout.edition = scope.edition.as_ref().map(|e| e.id.clone()).unwrap_or_default();
    let page = ListPage {
        layout,
        heading,
        intro,
        balance: BiasBar::new(&list.balance),
        balance_note: format!(
            "Covering outlets by side, over {} stor{} updated in the last {BALANCE_DAYS} days.",
            list.balance_stories,
            if list.balance_stories == 1 { "y" } else { "ies" }
        ),
        cards: list.heads.iter().map(|h| StoryCard::new(h, now)).collect(),
        topics: topic_links(scope),
        atom,
        json,
    };
    Ok(page.render()?)
}

fn topic_heading(topic: Topic, scope: &ListScope) -> (String, String) {
    let mut heading = topic.label().to_string();
    if let Some(edition) = &scope.edition {
        heading = format!("{heading} · {}", edition.name);
    }
    if let Some(language) = &scope.language {
        heading = format!("{heading} · in {language}");
    }
    let intro = format!(
        "Stories filed under {}: by the categories the outlets give their articles, else by their words \
         (see how on the methodology page). Ranked like the home page.",
        topic.label().to_lowercase()
    );
    (heading, intro)
}

/// `GET /topics/{topic}`: the topic's stories, ranked like the home page,
/// with the topic's lean balance; `?edition=` and `?lang=` narrow it.
pub async fn topic_page(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = async {
        let params = query_params(query)?;
        let mut scope = ListScope::from_params(&params, &state.config.editions, false, None)?;
        let t = topic(&raw).map_err(|_| AppError::NotFound(format!("no topic {raw}")))?;
        scope.topic = Some(t);
        let (heading, intro) = topic_heading(t, &scope);
        list_page(&state, &scope, heading, intro, &format!("/topics/{}", t.as_str()), "topics").await
    };
    respond_html(&state, page.await)
}

#[derive(Template)]
#[template(path = "topics.html")]
struct TopicsPage {
    layout: Layout,
    topics: Vec<NavLink>,
    editions: Vec<NavLink>,
}

/// `GET /topics`: every topic and edition, with their feeds.
pub async fn topics_index(State(state): State<Arc<AppState>>) -> Response {
    let editions = state
        .config
        .editions
        .list
        .iter()
        .map(|e| NavLink { label: e.name.clone(), href: format!("/editions/{}", e.id), current: false })
        .collect();
    let page = TopicsPage {
        layout: Layout::new(&state, "Topics and editions", "topics"),
        topics: topic_links(&ListScope::default()),
        editions,
    };
    respond_html(&state, page.render().map_err(AppError::from))
}

/// `GET /editions/{id}`: the edition's stories ranked like the home page.
pub async fn edition_page(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = async {
        let params = query_params(query)?;
        let edition = state.config.editions.find(&id).ok_or_else(|| AppError::NotFound(format!("no edition {id}")))?;
        let language = params.get("lang")?.map(crate::params::language).transpose()?;
        let scope = ListScope { topic: None, edition: Some(edition.clone()), language };
        let intro = edition_intro(edition);
        let path = format!("/editions/{}", edition.id);
        list_page(&state, &scope, edition.name.clone(), intro, &path, "edition").await
    };
    respond_html(&state, page.await)
}

fn edition_intro(edition: &crate::editions::Edition) -> String {
    let mut intro = String::from("Stories covered by at least one outlet");
    if !edition.countries.is_empty() {
        intro.push_str(&format!(" from {}", edition.countries.join(", ")));
    }
    if let Some(language) = &edition.language {
        intro.push_str(&format!(", with an article in {language}"));
    }
    intro.push_str(", ranked like the home page.");
    intro
}

/// `GET /`: the home page, unless an edition (`?edition=`, `?lang=`, or
/// the instance's default edition) narrows it.
pub async fn home(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = async {
        let params = query_params(query)?;
        let fallback = state.config.editions.default_edition();
        let scope = ListScope::from_params(&params, &state.config.editions, true, fallback)?;
        if scope == ListScope::default() {
            return Ok(None);
        }
        let heading = match scope.label() {
            label if label.is_empty() => "Top stories".to_string(),
            label => format!("Top stories · {label}"),
        };
        let intro = "Ranked by how many outlets cover them and how recently. \
                     Choose another edition in the navigation, or all stories."
            .to_string();
        list_page(&state, &scope, heading, intro, "/", "home").await.map(Some)
    };
    match page.await {
        Ok(None) => crate::pages::home(State(state), headers).await,
        Ok(Some(html)) => respond_html(&state, Ok(html)),
        Err(error) => respond_html(&state, Err::<String, _>(error)),
    }
}

// ---- Feeds ----

/// The absolute origin links in a feed start with: the request's `Host`
/// (feed readers need absolute links), `https` when a reverse proxy says
/// so with `X-Forwarded-Proto`, else the listening address.
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.len() <= 255)
        .filter(|h| h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)))
        .map_or_else(|| state.config.listen.to_string(), str::to_string);
    let https = headers.get("x-forwarded-proto").is_some_and(|p| p.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

fn format_of(raw: &str) -> Result<FeedFormat, AppError> {
    match raw {
        "feed.atom" => Ok(FeedFormat::Atom),
        "feed.json" => Ok(FeedFormat::Json),
        _ => Err(AppError::NotFound(format!("no feed {raw}: feeds are feed.atom and feed.json"))),
    }
}

async fn answer_feed(
    state: &AppState,
    headers: &HeaderMap,
    format: &str,
    list: impl std::future::Future<Output = Result<(String, String, Vec<StoryHead>), AppError>>,
    self_path: String,
) -> Response {
    let built = async {
        let format = format_of(format)?;
        let (title, page_path, heads) = list.await?;
        let origin = origin(state, headers);
        Ok::<_, AppError>(feed_response(
            &FeedList { title, origin, page_path, self_path, heads, updated: Utc::now() },
            format,
        ))
    };
    match built.await {
        Ok(response) => response,
        Err(error) => crate::pages::error_response(state, error),
    }
}

/// The feed's own path and query, as requested.
fn self_path(uri: &Uri) -> String {
    uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string())
}

/// `GET /feed.atom`, `/feed.json`: the home page's stories, or an
/// edition's with `?edition=`/`?lang=` or a default edition.
async fn home_feed(
    state: Arc<AppState>,
    format: &str,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let params = query_params(query);
    let scope = params.and_then(|p| {
        let fallback = state.config.editions.default_edition();
        ListScope::from_params(&p, &state.config.editions, true, fallback)
    });
    let path = self_path(&uri);
    let list = async {
        let scope = scope?;
        if scope == ListScope::default() {
            let heads = state.home_stories().await?;
            let heads: &Vec<StoryHead> = &heads;
            return Ok(("Parallax: top stories".to_string(), "/".to_string(), heads.clone()));
        }
        let page = format!("/{}", scope.query());
        let list = ranked(&state, scope.filter()).await?;
        Ok((format!("Parallax: top stories · {}", scope.label()), page, list.heads.clone()))
    };
    answer_feed(&state, &headers, format, list, path).await
}

/// `GET /topics/{topic}/{feed}`.
pub async fn topic_feed(
    State(state): State<Arc<AppState>>,
    Path((raw, format)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let scope = query_params(query).and_then(|p| {
        let mut scope = ListScope::from_params(&p, &state.config.editions, false, None)?;
        scope.topic = Some(topic(&raw).map_err(|_| AppError::NotFound(format!("no topic {raw}")))?);
        Ok(scope)
    });
    let path = self_path(&uri);
    let list = async {
        let scope = scope?;
        let t = scope.topic.unwrap_or(Topic::World);
        let (heading, _) = topic_heading(t, &scope);
        let list = ranked(&state, scope.filter()).await?;
        Ok((format!("Parallax: {heading}"), format!("/topics/{}{}", t.as_str(), scope.query()), list.heads.clone()))
    };
    answer_feed(&state, &headers, &format, list, path).await
}

/// `GET /editions/{id}/{feed}`.
pub async fn edition_feed(
    State(state): State<Arc<AppState>>,
    Path((id, format)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = self_path(&uri);
    let list = async {
        let edition = state.config.editions.find(&id).ok_or_else(|| AppError::NotFound(format!("no edition {id}")))?;
        let scope = ListScope { edition: Some(edition.clone()), ..ListScope::default() };
        let list = ranked(&state, scope.filter()).await?;
        Ok((format!("Parallax: {}", edition.name), format!("/editions/{}", edition.id), list.heads.clone()))
    };
    answer_feed(&state, &headers, &format, list, path).await
}

/// `GET /blindspots/{feed}`: both sides' blindspots, newest first.
pub async fn blindspots_feed(
    State(state): State<Arc<AppState>>,
    Path(format): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = self_path(&uri);
    let list = async {
        let limit = state.config.list_stories;
        let heads = state
            .pool
            .read(move |store| {
                let ignored_by = |side| StoryFilter { blindspot: Some(side), ..StoryFilter::default() };
                let mut heads = store.story_heads(&ignored_by(LeanBucket::Left), None, limit)?;
                heads.extend(store.story_heads(&ignored_by(LeanBucket::Right), None, limit)?);
                Ok(heads)
            })
            .await?;
        let mut heads = heads;
        heads.sort_by(|a, b| b.last_updated.cmp(&a.last_updated).then(b.id.cmp(&a.id)));
        Ok(("Parallax: blindspots".to_string(), "/blindspots".to_string(), heads))
    };
    answer_feed(&state, &headers, &format, list, path).await
}

/// `GET /search/{feed}?q=`: a search's results, best first, with the
/// search page's filters.
pub async fn search_feed(
    State(state): State<Arc<AppState>>,
    Path(format): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let params = query_params(query);
    let path = self_path(&uri);
    let list = async {
        let params = params?;
        let found = crate::search_filters::filtered_search(&state, &params).await?;
        let page = format!("/search?q={}{}", crate::search_filters::encode(&found.text), found.filters.query());
        let heads = found.heads;
        Ok((format!("Parallax: search for {}", found.text), page, heads))
    };
    answer_feed(&state, &headers, &format, list, path).await
}

/// The routes of this module, merged into the site's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/topics", get(topics_index))
        .route("/topics/{topic}", get(topic_page))
        .route("/topics/{topic}/{feed}", get(topic_feed))
        .route("/editions/{id}", get(edition_page))
        .route("/editions/{id}/{feed}", get(edition_feed))
        .route("/blindspots/{feed}", get(blindspots_feed))
        .route("/search/{feed}", get(search_feed))
        .route(
            "/feed.atom",
            get(|State(s): State<Arc<AppState>>, u: Uri, h: HeaderMap, q| home_feed(s, "feed.atom", u, h, q)),
        )
        .route(
            "/feed.json",
            get(|State(s): State<Arc<AppState>>, u: Uri, h: HeaderMap, q| home_feed(s, "feed.json", u, h, q)),
        )
}
