//! The shared state every request reads, the routes, and the layer that
//! adds security headers, logs and measures every response.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use parallax_store::{FeedRecord, FeedStatus, OutletSummary, StoreCounts, StoryFilter, StoryHead};

use crate::cache::{Encoding, Kind, Representation, ResponseCache, Scope, Ticket};
use crate::config::ServerConfig;
use crate::error::AppError;
use crate::methodology::Methodology;
use crate::metrics::Metrics;
use crate::outlets::OutletDirectory;
use crate::pool::ReadPool;
use crate::present::{ArticleSort, HomeRank, home_rank, newest_article};
use crate::search::{SearchIndex, SearchLimits};
use crate::{api, pages};

/// No script, no framing, no third-party anything: feed text is untrusted,
/// so even a template bug cannot run code or load from elsewhere.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What changes only when the scheduler finishes a round.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Bumped by every round, so caches keyed by it expire.
    pub generation: u64,
    pub outlets: OutletDirectory,
    pub counts: StoreCounts,
    /// Most stored feeds fail for one network cause: the line every page
    /// shows, with what to do.
    pub offline: Option<String>,
}

/// How the scheduler is doing, for the status page.
#[derive(Debug, Clone, Default)]
pub struct SchedulerStatus {
    pub enabled: bool,
    pub last_round: Option<RoundStatus>,
    pub next_round: Option<DateTime<Utc>>,
    /// The live processes of a deployment over several processes
    /// (`parallax serve --role`), as their heartbeats say; empty alone.
    pub processes: Vec<ProcessLine>,
}

/// One live process of a deployment, for `/status` and `/metrics`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessLine {
    pub id: String,
    pub role: String,
    pub host: String,
    pub pid: i64,
    /// What it is doing, in a few words.
    pub doing: String,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A finished round, from its `RoundReport`.
#[derive(Debug, Clone, Default)]
pub struct RoundStatus {
    pub started: DateTime<Utc>,
    pub seconds: f64,
    pub feeds_due: usize,
    pub fetched: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub quarantined: usize,
    pub articles_new: usize,
    pub articles_clustered: usize,
    pub pages_extracted: usize,
    pub stories_summarised: usize,
    pub stories_indexed: usize,
    /// Feeds, pages, articles and stories marked failed.
    pub items_failed: usize,
    pub stage_failures: usize,
    /// The report's lines: what each stage did, and each failure and why.
    pub report: Vec<String>,
    /// What stopped the round.
    pub error: Option<String>,
    /// The feeds that failed, counted by cause, largest first.
    pub failure_causes: Vec<(&'static str, usize)>,
    /// Most feeds failed for one network cause: what to do about it.
    pub offline: Option<String>,
}

impl RoundStatus {
    pub fn from_report(feeds_due: usize, report: &parallax_ingest::RoundReport) -> RoundStatus {
        RoundStatus {
            started: report.started,
            seconds: report.seconds,
            feeds_due,
            fetched: report.feeds.fetched,
            not_modified: report.feeds.not_modified,
            failed: report.feeds.failed.len(),
            quarantined: report.feeds.quarantined,
            articles_new: report.feeds.articles_new,
            articles_clustered: report.stories.articles,
            pages_extracted: report.fulltext.extracted,
            stories_summarised: report.views.stories,
            stories_indexed: report.indexed.unwrap_or_default(),
            items_failed: report.feeds.failed.len()
                + report.fulltext.failed
                + report.stories.failed.len()
                + report.views.failed.len(),
            stage_failures: report.failures.len(),
            report: report.lines(),
            error: report.stopped.as_ref().map(|s| format!("{} stage: {}", s.stage.as_str(), s.reason)),
            failure_causes: report.feed_failures().iter().map(|g| (g.cause.describe(), g.feeds.len())).collect(),
            offline: report.offline().map(|diagnosis| diagnosis.message()),
        }
    }

    /// A round that could not run at all.
    pub fn failed(started: DateTime<Utc>, clock: std::time::Instant, error: String) -> RoundStatus {
        RoundStatus { started, seconds: clock.elapsed().as_secs_f64(), error: Some(error), ..RoundStatus::default() }
    }
}

/// What the response cache keeps: every page and API answer that is the
/// same for every reader.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum PageKey {
    Home,
    Story(i64, ArticleSort),
    StoryObject(i64),
    /// A story listing, by its normalised query.
    Stories(String),
    Search {
        api: bool,
        query: String,
    },
    Blindspots,
    Outlet {
        api: bool,
        domain: String,
    },
    Methodology,
    /// `token`: the page links carry the operator's token.
    Status {
        page: usize,
        operator: bool,
        token: bool,
    },
}

/// A response made to be kept: its body, the story it shows (kept until
/// that story changes) or none (kept for the current generation), and how
/// long it stays true.
pub(crate) struct Made {
    pub body: Bytes,
    pub story: Option<i64>,
    pub ttl: Duration,
}

impl Made {
    /// A page or object drawn from many stories, true for `page_cache_secs`.
    pub fn listing(state: &AppState, body: Bytes) -> Made {
        Made { body, story: None, ttl: Duration::from_secs(state.config.page_cache_secs) }
    }
}

pub struct AppState {
    pub(crate) pool: ReadPool,
    pub(crate) search: Arc<SearchIndex>,
    pub(crate) search_limits: SearchLimits,
    /// Searches running at once (`search_concurrency`).
    pub search_slots: Arc<tokio::sync::Semaphore>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) config: ServerConfig,
    /// Sample data is shown: every page says so.
    pub(crate) demo: bool,
    /// The thresholds `/methodology` quotes: the pipeline's configuration.
    pub(crate) methodology: Methodology,
    snapshot: RwLock<Arc<Snapshot>>,
    /// The ranked home page stories of one generation.
    home: Mutex<Option<(u64, Arc<Vec<StoryHead>>)>>,
    /// Ranked topic, edition and language lists of one generation, by
    /// filter: ranking reads up to `home_candidates` whole stories.
    pub(crate) lists: Mutex<crate::lists::RankedLists>,
    pub(crate) cache: PageCaches,
    status: Mutex<SchedulerStatus>,
    /// Reading profiles, when `reading_balance` is on.
    pub(crate) readers: Option<crate::reading::Readers>,
}

/// Two caches, so the many story pages a crawler walks through cannot push
/// out the few listings every reader asks for.
pub(crate) struct PageCaches {
    /// Story pages and API objects, each kept until its story changes.
    stories: ResponseCache<PageKey>,
    /// Everything drawn from many stories, kept for one generation.
    listings: ResponseCache<PageKey>,
}

impl PageCaches {
    fn is_story(key: &PageKey) -> bool {
        matches!(key, PageKey::Story(..) | PageKey::StoryObject(_))
    }

    fn for_key(&self, key: &PageKey) -> &ResponseCache<PageKey> {
        if PageCaches::is_story(key) { &self.stories } else { &self.listings }
    }

    /// `body` as kept under `key`: a story's page or object in the one
    /// encoding its first reader takes, anything else in every encoding
    /// asked for (see [`crate::cache`]).
    pub fn represent(key: &PageKey, kind: Kind, body: Bytes, first: Encoding) -> Representation {
        if PageCaches::is_story(key) {
            Representation::single(kind, body, first)
        } else {
            Representation::new_for(kind, body, first)
        }
    }

    pub fn get(&self, key: &PageKey, generation: u64) -> Option<Arc<Representation>> {
        self.for_key(key).get(key, generation)
    }

    /// Taken before making what is kept under a key like `key`.
    pub fn ticket(&self, key: &PageKey, generation: u64) -> Ticket {
        self.for_key(key).ticket(generation)
    }

    pub fn put(&self, key: PageKey, representation: Arc<Representation>, scope: Scope, ttl: Duration, ticket: Ticket) {
        self.for_key(&key).put(key, representation, scope, ttl, ticket);
    }

    fn invalidate(&self, stories: &HashSet<i64>, generation: u64) {
        self.stories.invalidate(stories, generation);
        self.listings.invalidate(stories, generation);
    }

    fn clear(&self) {
        self.stories.clear();
        self.listings.clear();
    }

    /// Entries and bytes held in both.
    pub fn usage(&self) -> (usize, usize) {
        let (a, b) = (self.stories.usage(), self.listings.usage());
        (a.0 + b.0, a.1 + b.1)
    }
}

impl AppState {
    pub fn new(
        pool: ReadPool,
        search: Arc<SearchIndex>,
        metrics: Arc<Metrics>,
        config: ServerConfig,
        demo: bool,
    ) -> AppState {
        AppState {
            cache: PageCaches {
                stories: ResponseCache::new(config.page_cache_entries, config.page_cache_bytes),
                listings: ResponseCache::new(config.page_cache_entries, config.listing_cache_bytes),
            },
            search_limits: config.search_limits(),
            search_slots: Arc::new(tokio::sync::Semaphore::new(config.search_concurrency.max(1))),
            pool,
            search,
            metrics,
            methodology: Methodology::new(&parallax_ingest::Config::default(), config.home_half_life_hours),
            config,
            demo,
            snapshot: RwLock::new(Arc::new(Snapshot::default())),
            home: Mutex::new(None),
            lists: Mutex::new(crate::lists::RankedLists::default()),
            status: Mutex::new(SchedulerStatus::default()),
            readers: None,
        }
    }

    /// The pipeline configuration stories are made with, for the pages
    /// that explain them.
    /// Keeps reading profiles under `dir` if the configuration turns the
    /// reading balance on.
    pub fn with_readers(mut self, dir: std::path::PathBuf) -> AppState {
        self.readers = self.config.reading_balance.then(|| crate::reading::Readers::new(dir));
        self
    }

    pub fn with_pipeline(mut self, config: &parallax_ingest::Config) -> AppState {
        self.methodology = Methodology::new(config, self.config.home_half_life_hours);
        self
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Installs what a round left behind: the counts every page and
    /// `/metrics` show (kept here, never recounted per request), and the
    /// outlets. When it `changed` stories, a new generation starts: the
    /// re-indexed stories' cached pages and every listing are dropped (and
    /// everything, when the outlets every page names changed).
    pub fn publish(&self, outlets: &[OutletSummary], counts: StoreCounts, changed: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        self.metrics.articles.store(counts.articles, Relaxed);
        self.metrics.stories.store(counts.stories, Relaxed);
        self.metrics.feeds.store(counts.feeds, Relaxed);
        self.metrics.search_documents.store(self.search.documents(), Relaxed);
        self.metrics.search_index_bytes.store(self.search.disk_bytes(), Relaxed);
        let outlets = OutletDirectory::from_summaries(outlets);
        let mut slot = self.snapshot.write().unwrap_or_else(PoisonError::into_inner);
        let outlets_changed = slot.outlets != outlets;
        let generation = slot.generation + u64::from(changed || outlets_changed);
        let offline = slot.offline.clone();
        *slot = Arc::new(Snapshot { generation, outlets, counts, offline });
        drop(slot);
        let stories: HashSet<i64> = self.search.take_changed().into_iter().collect();
        if outlets_changed {
            self.cache.clear();
        } else if changed || !stories.is_empty() {
            self.cache.invalidate(&stories, generation);
        }
    }

    /// Reads the feeds' health: when most fail for one network cause,
    /// every page says so (a new generation, and cached pages dropped).
    pub fn publish_feed_health(&self, feeds: &[FeedRecord]) {
        let offline = offline_notice(feeds);
        let mut slot = self.snapshot.write().unwrap_or_else(PoisonError::into_inner);
        if slot.offline != offline {
            let snapshot = Snapshot {
                generation: slot.generation + 1,
                outlets: slot.outlets.clone(),
                counts: slot.counts,
                offline,
            };
            *slot = Arc::new(snapshot);
            drop(slot);
            self.cache.clear();
        }
    }

    /// Loads the outlets and counts through the read pool (at start-up,
    /// before the first round has run).
    pub async fn load(&self) -> Result<(), AppError> {
        let (outlets, counts, feeds) =
            self.pool.read(|store| Ok((store.outlets()?, store.counts()?, store.feeds(None)?))).await?;
        self.publish(&outlets, counts, true);
        self.publish_feed_health(&feeds);
        Ok(())
    }

    /// The kept representation for `key`, or the one `make` produces, kept
    /// for next time.
    pub(crate) async fn cached(
        &self,
        key: PageKey,
        kind: Kind,
        make: impl Future<Output = Result<Made, AppError>>,
    ) -> Result<Arc<Representation>, AppError> {
        self.cached_for(key, kind, Encoding::Gzip, make).await
    }

    /// [`AppState::cached`], first made for a request taking `first`.
    pub(crate) async fn cached_for(
        &self,
        key: PageKey,
        kind: Kind,
        first: Encoding,
        make: impl Future<Output = Result<Made, AppError>>,
    ) -> Result<Arc<Representation>, AppError> {
        let generation = self.snapshot().generation;
        if let Some(kept) = self.cache.get(&key, generation) {
            return Ok(kept);
        }
        let ticket = self.cache.ticket(&key, generation);
        let made = make.await?;
        let representation = Arc::new(PageCaches::represent(&key, kind, made.body, first));
        let scope = made.story.map_or(Scope::Generation(generation), Scope::Story);
        self.cache.put(key, representation.clone(), scope, made.ttl, ticket);
        Ok(representation)
    }

    /// How long a page of a story last updated at `last_updated` is kept.
    pub(crate) fn story_ttl(&self, last_updated: DateTime<Utc>) -> Duration {
        crate::cache::story_ttl(
            Utc::now() - last_updated,
            Duration::from_secs(self.config.page_cache_secs),
            Duration::from_secs(self.config.page_cache_max_secs),
        )
    }

    pub fn scheduler_status(&self) -> SchedulerStatus {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn set_scheduler_status(&self, update: impl FnOnce(&mut SchedulerStatus)) {
        update(&mut self.status.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// The home page's stories: the most recently updated candidates,
    /// ranked by [`home_rank`]; computed once per generation.
    pub(crate) async fn home_stories(&self) -> Result<Arc<Vec<StoryHead>>, AppError> {
        let generation = self.snapshot().generation;
        if let Some((cached, heads)) = &*self.home.lock().unwrap_or_else(PoisonError::into_inner)
            && *cached == generation
        {
            return Ok(heads.clone());
        }
        let candidates = self.config.home_candidates;
        let (heads, stories) =
            self.pool.read(move |store| heads_with_stories(store, &StoryFilter::default(), candidates)).await?;
        let ranked = Arc::new(rank_home(heads, &stories, self.config.home_half_life_hours, self.config.home_stories));
        *self.home.lock().unwrap_or_else(PoisonError::into_inner) = Some((generation, ranked.clone()));
        Ok(ranked)
    }
}

/// Reads `heads` and their stories from one store: what [`rank_home`] ranks.
pub(crate) fn heads_with_stories(
    store: &dyn parallax_store::Store,
    filter: &StoryFilter,
    candidates: usize,
) -> parallax_store::Result<(Vec<StoryHead>, Vec<parallax_store::StoryRecord>)> {
    let heads = store.story_heads(filter, None, candidates)?;
    let mut stories = Vec::with_capacity(heads.len());
    for head in &heads {
        stories.extend(store.story(head.id)?);
    }
    Ok((heads, stories))
}

/// The home page's rule over candidate stories ([`home_rank`], from the
/// newest article among them), the best `keep` first.
pub(crate) fn rank_home(
    heads: Vec<StoryHead>,
    stories: &[parallax_store::StoryRecord],
    half_life: f64,
    keep: usize,
) -> Vec<StoryHead> {
    let newest = newest_article(stories).unwrap_or_else(Utc::now);
    let ranks: HashMap<i64, HomeRank> =
        stories.iter().map(|story| (story.id, home_rank(story, newest, half_life))).collect();
    let unranked = HomeRank { breadth: 0.0, single_source_opinion: true };
    let mut scored: Vec<(HomeRank, StoryHead)> =
        heads.into_iter().map(|head| (ranks.get(&head.id).copied().unwrap_or(unranked), head)).collect();
    scored.sort_by(|a, b| a.0.order(&b.0).then(b.1.id.cmp(&a.1.id)));
    scored.into_iter().take(keep).map(|(_, head)| head).collect()
}

/// The stored feeds that are failing, grouped by cause, largest first.
pub fn feed_failure_groups(feeds: &[FeedRecord]) -> Vec<parallax_ingest::FailureGroup> {
    let failing = feeds.iter().filter(|feed| feed.status == FeedStatus::Failed);
    parallax_ingest::group_failures(
        failing.map(|feed| (feed.source.url.as_str(), feed.last_error.as_deref().unwrap_or_default())),
    )
}

/// The offline diagnosis over the stored feeds, as the line pages show.
pub fn offline_notice(feeds: &[FeedRecord]) -> Option<String> {
    let groups = feed_failure_groups(feeds);
    parallax_ingest::OfflineDiagnosis::of(&groups, feeds.len()).map(|diagnosis| diagnosis.message())
}

/// Every route of the site and the API.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(crate::lists::home))
        .route("/stories/{id}", get(pages::story))
        .route("/blindspots", get(pages::blindspots))
        .route("/outlets/{domain}", get(pages::outlet))
        .route("/search", get(pages::search))
        .route("/methodology", get(crate::methodology::page))
        .route("/status", get(pages::status))
        .route("/static/{file}", get(pages::static_file))
        .route("/robots.txt", get(pages::robots))
        .route("/go/{story}/{article}", get(crate::reading::go))
        .route("/me", get(crate::reading::me))
        .route("/me/forget", axum::routing::post(crate::reading::forget))
        .route("/metrics", get(metrics))
        .route("/api/v1/stories", get(api::stories))
        .route("/api/v1/stories/{id}", get(api::story))
        .route("/api/v1/outlets", get(api::outlets))
        .route("/api/v1/outlets/{domain}", get(api::outlet))
        .route("/api/v1/search", get(api::search))
        .route("/api/v1/openapi.json", get(api::openapi))
        .merge(crate::lists::routes())
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(state.clone(), explain_method_not_allowed))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let (entries, bytes) = state.cache.usage();
    state.metrics.page_cache_entries.store(entries as u64, Relaxed);
    state.metrics.page_cache_bytes.store(bytes as u64, Relaxed);
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
    let mut text = state.metrics.render();
    text.push_str(&crate::metrics::render_processes(&state.scheduler_status().processes));
    ([(header::CONTENT_TYPE, content_type)], text).into_response()
}

async fn fallback(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let error = AppError::NotFound(format!("no page at {path}"));
    if path.starts_with("/api/") {
        crate::error::ApiError(error).into_response()
    } else {
        pages::error_response(&state, error)
    }
}

/// A 405 says which methods the route takes (axum sets `Allow`) in a body:
/// JSON for the API, a page for the site.
async fn explain_method_not_allowed(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if response.status() != axum::http::StatusCode::METHOD_NOT_ALLOWED {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let allowed = allow.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("GET, HEAD").to_string();
    let message = format!("method {method} is not allowed here; use {allowed}");
    let status = axum::http::StatusCode::METHOD_NOT_ALLOWED;
    let mut explained = if api {
        let body = crate::responses::ErrorBody {
            status: status.as_u16(),
            code: crate::error::ErrorCode::MethodNotAllowed,
            message,
            parameter: None,
        };
        (status, axum::Json(body)).into_response()
    } else {
        pages::error_page(&state, status, message)
    };
    if let Some(allow) = allow {
        explained.headers_mut().insert(header::ALLOW, allow);
    }
    explained
}

/// True when the request comes from this machine, not through a proxy
/// (which would make every visitor look local).
pub(crate) fn from_loopback(request: &axum::http::request::Parts) -> bool {
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"].iter().any(|h| request.headers.contains_key(*h));
    !forwarded
        && request.extensions.get::<ConnectInfo<SocketAddr>>().is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback())
}

/// Security headers on every response; logs and latency per route; the
/// request time limit.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let limit = Duration::from_secs(state.config.request_timeout_secs.max(1));
    let mut response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(%method, path, seconds = limit.as_secs(), "request timed out");
            let mut response =
                (StatusCode::SERVICE_UNAVAILABLE, "the request took too long; try again\n").into_response();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            response
        }
    };
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if path.starts_with("/api/") {
        // The API is open data: any site may read it (no credentials exist).
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    }
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.observe_request(&route, status, elapsed);
    tracing::debug!(%method, path, status, micros = elapsed.as_micros() as u64, "request");
    response
}
