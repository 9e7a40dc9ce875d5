//! The HTML pages: server-rendered with compile-time templates, readable
//! without JavaScript, every value auto-escaped.
//!
//! Nothing from a feed is ever marked safe: titles and snippets are plain
//! text, and pages do not show feed HTML at all.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use parallax_core::{Bullet, LeanBucket, Rating, StoryView};
use parallax_store::{FeedRecord, FeedStatus, StoreCounts, StoryFilter, StoryRecord};

use crate::api::{outlet_data, query_params};
use crate::app::{AppState, Made, PageKey, SchedulerStatus};
use crate::cache::{self, Encoding, Kind, Representation};
use crate::error::AppError;
use crate::outlets::OutletDirectory;
use crate::params;
use crate::present::{
    ArticleItem, ArticleSort, BarChart, BiasBar, OutletBadge, StoryCard, Timeline, When, article_items,
    factuality_chart, human_label, meta_description, ownership_chart, plural, provisional_view, side_style,
};

const STYLESHEET: &str = include_str!("../static/style.css");

/// The stylesheet's versioned name (`style.<hash>.css`): pages link to it,
/// and browsers keep it for a year, since a changed stylesheet gets a new
/// name.
static STYLESHEET_NAME: LazyLock<String> = LazyLock::new(|| {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    STYLESHEET.hash(&mut hasher);
    format!("style.{:016x}.css", hasher.finish())
});
static STYLESHEET_HREF: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *STYLESHEET_NAME));

/// A versioned file: it never changes under its name.
const IMMUTABLE_CSS: Kind =
    Kind { content_type: "text/css; charset=utf-8", cache_control: "public, max-age=31536000, immutable" };
/// The stylesheet under its plain name, for old links: kept an hour.
const CSS: Kind = Kind { content_type: "text/css; charset=utf-8", cache_control: "public, max-age=3600" };

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub demo: bool,
    /// Which navigation entry is the current page.
    pub nav: &'static str,
    /// The search box's text.
    pub query: String,
    /// The page's `<meta name="description">`.
    pub description: String,
    /// Most feeds fail for one network cause: said on every page.
    pub offline: Option<String>,
    /// The stylesheet's versioned URL.
    pub stylesheet: &'static str,
    /// Feeds of this page's list, advertised in its head.
    pub feeds: Vec<FeedLink>,
    /// The editions in the navigation: (id, name).
    pub editions: Vec<(String, String)>,
    /// The edition shown, if any.
    pub edition: String,
}

/// A feed a page advertises (`<link rel="alternate">`).
pub struct FeedLink {
    pub kind: &'static str,
    pub title: String,
    pub href: String,
}

impl Layout {
    pub(crate) fn new(state: &AppState, title: impl Into<String>, nav: &'static str) -> Layout {
        let editions = state.config.editions.list.iter().map(|e| (e.id.clone(), e.name.clone())).collect();
        Layout {
            title: title.into(),
            demo: state.demo,
            nav,
            query: String::new(),
            feeds: Vec::new(),
            editions,
            edition: String::new(),
            description: "Parallax groups the news of many outlets into stories and shows how each is covered \
                          across the political spectrum: who covers it, from which side, and who ignores it."
                .to_string(),
            offline: state.snapshot().offline.clone(),
            stylesheet: STYLESHEET_HREF.as_str(),
        }
    }

    /// Sets the page's meta description.
    pub(crate) fn described(mut self, description: impl Into<String>) -> Layout {
        self.description = description.into();
        self
    }
}

/// Answers with a kept page, or the error as a page.
pub(crate) fn respond(state: &AppState, headers: &HeaderMap, page: Result<Arc<Representation>, AppError>) -> Response {
    match page {
        Ok(page) => page.respond(headers),
        Err(error) => error_response(state, error),
    }
}

/// A page kept for the current generation.
pub(crate) async fn cached_page(
    state: &AppState,
    key: PageKey,
    render: impl Future<Output = Result<String, AppError>>,
) -> Result<Arc<Representation>, AppError> {
    state.cached(key, cache::HTML, async { Ok(Made::listing(state, Bytes::from(render.await?))) }).await
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    reason: String,
    message: String,
}

pub(crate) fn error_response(state: &AppState, error: AppError) -> Response {
    let mut response = error_page(state, error.status(), error.public_message());
    error.add_headers(&mut response);
    response
}

pub(crate) fn error_page(state: &AppState, status: axum::http::StatusCode, message: String) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error").to_string();
    let page = ErrorPage { layout: Layout::new(state, reason.clone(), ""), status: status.as_u16(), reason, message };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, page.message).into_response(),
    }
}

/// Crawlers may read the pages; the API, search results and metrics are
/// data for programs, and search pages are endless.
const ROBOTS_TXT: &str = "User-agent: *\nDisallow: /api/\nDisallow: /search\nDisallow: /metrics\nAllow: /\n";

pub async fn robots() -> Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/plain; charset=utf-8")),
        (axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=86400")),
    ];
    (headers, ROBOTS_TXT).into_response()
}

/// `/static/style.<hash>.css` (kept a year) and `/static/style.css`.
pub async fn static_file(State(state): State<Arc<AppState>>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    static VERSIONED: LazyLock<Representation> =
        LazyLock::new(|| Representation::new(IMMUTABLE_CSS, Bytes::from_static(STYLESHEET.as_bytes())));
    static PLAIN: LazyLock<Representation> =
        LazyLock::new(|| Representation::new(CSS, Bytes::from_static(STYLESHEET.as_bytes())));
    if file == *STYLESHEET_NAME {
        VERSIONED.respond(&headers)
    } else if file == "style.css" {
        PLAIN.respond(&headers)
    } else {
        error_response(&state, AppError::NotFound(format!("no file /static/{file}")))
    }
}

// ---- Home ----

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    lead: Option<StoryCard>,
    cards: Vec<StoryCard>,
    counts: StoreCounts,
    /// Hours after which an outlet's weight in the ranking halves.
    half_life: f64,
}

pub async fn home(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let page = cached_page(&state, PageKey::Home, async {
        let heads = state.home_stories().await?;
        let now = Utc::now();
        let mut cards: Vec<StoryCard> = heads.iter().map(|head| StoryCard::new(head, now)).collect();
        let lead = if cards.is_empty() { None } else { Some(cards.remove(0)) };
        let page = HomePage {
            layout: Layout::new(&state, "Top stories", "home"),
            lead,
            cards,
            counts: state.snapshot().counts,
            half_life: state.config.home_half_life_hours,
        };
        Ok(page.render()?)
    });
    respond(&state, &headers, page.await)
}

// ---- Story ----

pub struct BulletItem {
    pub text: String,
    pub outlet: String,
    pub url: String,
}

pub struct CoverageBox {
    pub sources: u32,
    /// "1 source", "3 sources".
    pub sources_label: String,
    pub articles: u32,
    /// "1 article", "334 articles".
    pub articles_label: String,
    pub originals: u32,
    pub left: u32,
    pub center: u32,
    pub right: u32,
    pub disputed: u32,
    pub unrated: u32,
    pub first_reported: Option<FirstReportedItem>,
    pub first_published: When,
    pub last_updated: When,
}

pub struct FirstReportedItem {
    pub outlet: String,
    pub url: String,
    pub when: When,
}

pub struct HeadlineItem {
    pub title: String,
    pub outlet: String,
    pub url: String,
}

pub struct SideColumn {
    pub label: &'static str,
    pub class: &'static str,
    /// "2 sources".
    pub sources: String,
    pub bullets: Vec<BulletItem>,
    pub headlines: Vec<HeadlineItem>,
}

pub struct ClaimItem {
    pub outlet: String,
    pub value: String,
    pub wording: String,
    pub url: String,
}

pub struct DisagreementItem {
    pub about: String,
    pub claims: Vec<ClaimItem>,
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    layout: Layout,
    id: i64,
    title: String,
    /// The view is not computed yet: the page is built from the articles.
    provisional: bool,
    bullets: Vec<BulletItem>,
    bias: BiasBar,
    coverage: CoverageBox,
    factuality: BarChart,
    ownership: BarChart,
    sides: Vec<SideColumn>,
    disagreements: Vec<DisagreementItem>,
    timeline: Option<Timeline>,
    articles: Vec<ArticleItem>,
    sorts: Vec<SortLink>,
    blindspot: Option<&'static str>,
}

/// Article id → (outlet name, URL), for attributing bullets and claims.
struct Sources<'a> {
    by_article: HashMap<i64, (&'a str, &'a str)>,
    outlets: &'a OutletDirectory,
}

impl Sources<'_> {
    fn outlet_name(&self, domain: &str) -> String {
        self.outlets.info(domain).display_name().to_string()
    }

    fn bullet(&self, bullet: &Bullet) -> BulletItem {
        let (domain, url) = self.by_article.get(&bullet.article).copied().unwrap_or(("", ""));
        BulletItem { text: bullet.text.clone(), outlet: self.outlet_name(domain), url: url.to_string() }
    }

    fn url(&self, article: i64) -> String {
        self.by_article.get(&article).map_or_else(String::new, |(_, url)| url.to_string())
    }
}

fn story_page(state: &AppState, story: &StoryRecord, sort: ArticleSort) -> StoryPage {
    let now = Utc::now();
    let snapshot = state.snapshot();
    let outlets = &snapshot.outlets;
    let provisional = story.view.is_none();
    let computed;
    let view: &StoryView = match &story.view {
        Some(view) => view,
        None => {
            computed = provisional_view(story, outlets);
            &computed
        }
    };
    let sources = Sources {
        by_article: story
            .articles
            .iter()
            .map(|m| (m.article.id, (m.article.article.outlet.as_str(), m.article.article.url.as_str())))
            .collect(),
        outlets,
    };
    let c = &view.coverage;
    let coverage = CoverageBox {
        sources: c.outlets,
        sources_label: format!("{} source{}", c.outlets, plural(c.outlets)),
        articles: c.articles,
        articles_label: format!("{} article{}", c.articles, plural(c.articles)),
        originals: c.originals,
        left: c.lean.left,
        center: c.lean.center,
        right: c.lean.right,
        disputed: c.lean.disputed,
        unrated: c.lean.unrated,
        first_reported: c.first_reported.as_ref().map(|f| FirstReportedItem {
            outlet: sources.outlet_name(&f.outlet),
            url: f.url.clone(),
            when: When::new(f.published, now),
        }),
        first_published: When::new(story.first_published, now),
        last_updated: When::new(story.last_updated, now),
    };
    let sides = [LeanBucket::Left, LeanBucket::Center, LeanBucket::Right]
        .into_iter()
        .map(|side| {
            let style = side_style(Some(side));
            SideColumn {
                label: style.label,
                class: style.class,
                sources: format!("{} source{}", c.lean.get(side), plural(c.lean.get(side))),
                bullets: view.sides.get(side).iter().map(|b| sources.bullet(b)).collect(),
                headlines: c
                    .headlines
                    .get(side)
                    .iter()
                    .map(|h| HeadlineItem {
                        title: h.title.clone(),
                        outlet: sources.outlet_name(&h.outlet),
                        url: sources.url(h.article),
                    })
                    .collect(),
            }
        })
        .collect();
    let disagreements = view
        .disagreements
        .iter()
        .map(|d| DisagreementItem {
            about: human_label(&d.about),
            claims: d
                .claims
                .iter()
                .map(|claim| ClaimItem {
                    outlet: sources.outlet_name(&claim.outlet),
                    value: claim.value.clone(),
                    wording: claim.wording.clone(),
                    url: sources.url(claim.article),
                })
                .collect(),
        })
        .collect();
    let title = if view.title.is_empty() { format!("Story {}", story.id) } else { view.title.clone() };
    let description = match view.bullets.first() {
        Some(first) => format!("{} sources across the spectrum: {}", c.outlets, first.text),
        None => format!("{title}: how {} sources across the spectrum cover it.", c.outlets),
    };
    StoryPage {
        layout: Layout::new(state, title.clone(), "").described(meta_description(&description)),
        id: story.id,
        title,
        provisional,
        bullets: view.bullets.iter().map(|b| sources.bullet(b)).collect(),
        bias: BiasBar::new(&c.lean),
        coverage,
        factuality: factuality_chart(&c.factuality),
        ownership: ownership_chart(&c.ownership),
        sides,
        disagreements,
        timeline: Timeline::new(&c.timeline),
        articles: article_items(story, outlets, sort, now),
        sorts: ArticleSort::ALL
            .into_iter()
            .map(|s| SortLink {
                label: s.label(),
                href: format!("/stories/{}?sort={}#sources", story.id, s.as_str()),
                current: s == sort,
            })
            .collect(),
        blindspot: c.blindspot.map(|side| side_style(Some(side)).label),
    }
}

pub async fn story(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = async {
        let params = query_params(query)?;
        let id = params::story_id(&id)?;
        let sort = match params.get("sort")? {
            None => ArticleSort::Time,
            Some(raw) => ArticleSort::parse(raw)
                .ok_or_else(|| AppError::bad("sort", format!("must be time, lean or outlet, not {raw:?}")))?,
        };
        state
            .cached_for(PageKey::Story(id, sort), cache::HTML, Encoding::negotiate(&headers), async {
                let story = state.pool.read(move |store| store.story(id)).await?;
                let story = story.ok_or_else(|| AppError::NotFound(format!("no story {id}")))?;
                let body = Bytes::from(story_page(&state, &story, sort).render()?);
                Ok(Made { body, story: Some(id), ttl: state.story_ttl(story.last_updated) })
            })
            .await
    };
    respond(&state, &headers, page.await)
}

// ---- Blindspots ----

#[derive(Template)]
#[template(path = "blindspots.html")]
struct BlindspotsPage {
    layout: Layout,
    left: Vec<StoryCard>,
    right: Vec<StoryCard>,
}

pub async fn blindspots(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let page = cached_page(&state, PageKey::Blindspots, async {
        let limit = state.config.list_stories;
        let (left, right) = state
            .pool
            .read(move |store| {
                let ignored_by = |side| StoryFilter { blindspot: Some(side), ..StoryFilter::default() };
                Ok((
                    store.story_heads(&ignored_by(LeanBucket::Left), None, limit)?,
                    store.story_heads(&ignored_by(LeanBucket::Right), None, limit)?,
                ))
            })
            .await?;
        let now = Utc::now();
        let page = BlindspotsPage {
            layout: Layout::new(&state, "Blindspots", "blindspots").described(
                "Blindspots: stories that outlets on one side of the political spectrum barely cover, while the \
                 other side does.",
            ),
            left: left.iter().map(|h| StoryCard::new(h, now)).collect(),
            right: right.iter().map(|h| StoryCard::new(h, now)).collect(),
        };
        Ok(page.render()?)
    });
    respond(&state, &headers, page.await)
}

// ---- Outlet ----

pub struct RatingRow {
    pub provider: String,
    pub version: String,
    pub source_file: String,
    pub lean: String,
    pub lean_class: &'static str,
    pub factuality: String,
    pub owner: String,
    pub ownership: String,
    pub country: String,
    pub language: String,
}

fn or_dash(value: Option<String>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or_else(|| "—".to_string())
}

impl RatingRow {
    fn new(rating: &Rating) -> RatingRow {
        RatingRow {
            provider: rating.provider.clone(),
            version: rating.version.clone(),
            source_file: rating.source_file.clone(),
            lean: or_dash(rating.lean.map(|l| human_label(l.as_str()))),
            lean_class: side_style(rating.lean_bucket()).class,
            factuality: or_dash(rating.factuality.map(|f| human_label(f.as_str()))),
            owner: or_dash(rating.owner.clone()),
            ownership: or_dash(rating.ownership.as_deref().map(human_label)),
            country: or_dash(rating.country.clone()),
            language: or_dash(rating.language.clone()),
        }
    }
}

pub struct FeedRow {
    pub url: String,
    pub title: String,
    pub outlet: String,
    pub status: &'static str,
    pub last_fetched: Option<When>,
    pub next_fetch: Option<When>,
    pub errors: u32,
    pub last_error: String,
}

impl FeedRow {
    fn new(feed: &FeedRecord, now: chrono::DateTime<Utc>) -> FeedRow {
        FeedRow {
            url: feed.source.url.clone(),
            title: feed.source.title.clone().unwrap_or_default(),
            outlet: feed.source.outlet.clone(),
            status: feed.status.as_str(),
            last_fetched: feed.last_fetched.map(|t| When::new(t, now)),
            next_fetch: feed.next_fetch.map(|t| When::new(t, now)),
            errors: feed.error_count,
            last_error: feed.last_error.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "outlet.html")]
struct OutletPage {
    layout: Layout,
    badge: OutletBadge,
    country: Option<String>,
    articles: u64,
    ratings: Vec<RatingRow>,
    feeds: Vec<FeedRow>,
    cards: Vec<StoryCard>,
    split: BiasBar,
    blindspots: u32,
}

pub async fn outlet(State(state): State<Arc<AppState>>, Path(domain): Path<String>, headers: HeaderMap) -> Response {
    let key = PageKey::Outlet { api: false, domain: domain.to_ascii_lowercase() };
    let page = cached_page(&state, key, async {
        let data = outlet_data(&state, &domain).await?;
        let now = Utc::now();
        let info = crate::outlets::OutletInfo::from_ratings(
            &data.record.outlet.domain,
            data.record.outlet.name.as_deref(),
            &data.record.ratings,
        );
        let badge = OutletBadge::new(&info);
        let page = OutletPage {
            layout: Layout::new(&state, badge.name.clone(), "").described(meta_description(&format!(
                "{}: {}, with every provider's rating, its feeds and the stories it covers.",
                badge.name, badge.lean_label
            ))),
            country: info.country.clone(),
            badge,
            articles: data.record.articles,
            ratings: data.record.ratings.iter().map(RatingRow::new).collect(),
            feeds: data.record.feeds.iter().map(|f| FeedRow::new(f, now)).collect(),
            cards: data.recent.iter().map(|h| StoryCard::new(h, now)).collect(),
            split: BiasBar::new(&data.split),
            blindspots: data.blindspots,
        };
        Ok(page.render()?)
    });
    respond(&state, &headers, page.await)
}

// ---- Search ----

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    layout: Layout,
    query: String,
    searched: bool,
    /// The search stopped at its time limit: the results are partial.
    timed_out: bool,
    cards: Vec<StoryCard>,
    filters: crate::search_filters::FilterForm,
}

pub async fn search(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let page = async {
        let params = query_params(query)?;
        let raw = params.get("q")?.map(str::trim).filter(|q| !q.is_empty());
        let text = match raw {
            Some(raw) => params::query_text(Some(raw), state.config.max_query_chars)?,
            None => String::new(),
        };
        let filters = crate::search_filters::SearchFilters::from_params(&params, &state)?;
        let key = PageKey::Search { api: false, query: format!("{text}{}", filters.query()) };
        cached_page(&state, key, async {
            let mut layout = Layout::new(&state, "Search", "search");
            let form = crate::search_filters::FilterForm::new(&state, &filters);
            if text.is_empty() {
                let page = SearchPage {
                    layout,
                    query: text,
                    searched: false,
                    timed_out: false,
                    cards: Vec::new(),
                    filters: form,
                };
                return Ok(page.render()?);
            }
            let found = crate::search_filters::filtered_search(&state, &params).await?;
            let now = Utc::now();
            layout.title = format!("Search: {text}");
            layout.query = text.clone();
            layout.feeds = crate::search_filters::feed_links(&found);
            let cards = found.heads.iter().map(|head| StoryCard::new(head, now)).collect();
            let page =
                SearchPage { layout, query: text, searched: true, timed_out: found.timed_out, cards, filters: form };
            Ok(page.render()?)
        })
        .await
    };
    respond(&state, &headers, page.await)
}

// ---- Status ----

pub struct RoundView {
    pub started: When,
    pub seconds: String,
    pub feeds_due: usize,
    pub fetched: usize,
    pub not_modified: usize,
    pub failed: usize,
    pub articles_new: usize,
    pub articles_clustered: usize,
    pub stories_indexed: usize,
    /// What each stage did, and each failure and why.
    pub report: Vec<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    layout: Layout,
    counts: StoreCounts,
    search_documents: u64,
    refreshing: bool,
    last_round: Option<RoundView>,
    next_round: Option<When>,
    /// The operator's view: feed URLs and errors. Others see totals.
    operator: bool,
    feeds: Vec<FeedRow>,
    failing: usize,
    page: usize,
    pages: usize,
    /// The token the operator came with in the query, kept in page links.
    token_query: String,
    processes: Vec<ProcessView>,
    /// Failing feeds by cause, largest first: (cause, feeds).
    causes: Vec<(&'static str, usize)>,
}

/// A live process of the deployment, as the status page shows it.
pub struct ProcessView {
    pub id: String,
    pub role: String,
    pub host: String,
    pub pid: i64,
    pub doing: String,
    pub started: When,
    pub seen: When,
}

/// True when `given` is the configured token, compared in constant time.
fn token_matches(configured: Option<&str>, given: Option<&str>) -> bool {
    let (Some(configured), Some(given)) = (configured, given) else { return false };
    let (a, b) = (configured.as_bytes(), given.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `/status`: totals for everyone; for the operator (this machine, or the
/// configured token) every feed with its URL and last error, failing feeds
/// first, a page at a time. Kept per generation, and for at most one
/// refresh tick, so rounds show up.
pub async fn status(
    State(state): State<Arc<AppState>>,
    request: axum::http::request::Parts,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let headers = request.headers.clone();
    let page = async {
        let params = query_params(query)?;
        let page = match params.get("page")? {
            None => 1,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| AppError::bad("page", format!("must be a page number from 1, not {raw:?}")))?,
        };
        let query_token = params.get("token")?;
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let configured = state.config.status_token.as_deref();
        let operator = (state.config.status_private_loopback && crate::app::from_loopback(&request))
            || token_matches(configured, bearer)
            || token_matches(configured, query_token);
        let token_query = match query_token {
            Some(token) if token_matches(configured, Some(token)) => format!("&token={token}"),
            _ => String::new(),
        };
        let kind = if operator { cache::PRIVATE_HTML } else { cache::HTML };
        let key = PageKey::Status { page: if operator { page } else { 1 }, operator, token: !token_query.is_empty() };
        state
            .cached(key, kind, async {
                let per_page = state.config.status_page_feeds.max(1);
                let feeds = if operator { state.pool.read(|store| store.feeds(None)).await? } else { Vec::new() };
                let now = Utc::now();
                let failing = feeds.iter().filter(|f| f.status == FeedStatus::Failed).count();
                let mut rows: Vec<&FeedRecord> = feeds.iter().collect();
                // Failing feeds first: they are what an operator opens this page for.
                rows.sort_by(|a, b| {
                    (a.status != FeedStatus::Failed, &a.source.outlet)
                        .cmp(&(b.status != FeedStatus::Failed, &b.source.outlet))
                });
                let pages = rows.len().div_ceil(per_page).max(1);
                let rows: Vec<FeedRow> =
                    rows.iter().skip((page - 1) * per_page).take(per_page).map(|f| FeedRow::new(f, now)).collect();
                let (feeds_all, feeds) = (feeds, rows);
                let SchedulerStatus { enabled, last_round, next_round, processes } = state.scheduler_status();
                let page = StatusPage {
                    layout: Layout::new(&state, "Status", "status").described(
                        "Feed status: which feeds Parallax reads, when each was fetched, and why some fail.",
                    ),
                    counts: state.snapshot().counts,
                    search_documents: state.search.documents(),
                    refreshing: enabled,
                    last_round: last_round.map(|r| RoundView {
                        started: When::new(r.started, now),
                        seconds: format!("{:.1}", r.seconds),
                        feeds_due: r.feeds_due,
                        fetched: r.fetched,
                        not_modified: r.not_modified,
                        failed: r.failed,
                        articles_new: r.articles_new,
                        articles_clustered: r.articles_clustered,
                        stories_indexed: r.stories_indexed,
                        // The report names failing feeds and their errors.
                        report: if operator { r.report } else { Vec::new() },
                        error: if operator { r.error } else { r.error.map(|_| "see the server's log".to_string()) },
                    }),
                    next_round: next_round.map(|t| When::new(t, now)),
                    operator,
                    causes: crate::app::feed_failure_groups(&feeds_all)
                        .iter()
                        .map(|group| (group.cause.describe(), group.feeds.len()))
                        .collect(),
                    feeds,
                    failing,
                    page,
                    pages,
                    token_query: token_query.clone(),
                    processes: processes
                        .into_iter()
                        .map(|p| ProcessView {
                            seen: When::new(p.last_seen, now),
                            started: When::new(p.started, now),
                            id: p.id,
                            role: p.role,
                            host: p.host,
                            pid: p.pid,
                            doing: p.doing,
                        })
                        .collect(),
                };
                let ttl = state.config.page_cache_secs.min(state.config.refresh_tick_secs).max(1);
                Ok(Made { body: Bytes::from(page.render()?), story: None, ttl: std::time::Duration::from_secs(ttl) })
            })
            .await
    };
    respond(&state, &headers, page.await)
}
