//! A reader's own balance: opt-in, per browser, no account. When the
//! operator turns it on (`[server] reading_balance = true`), opening an
//! article through its story page (`/go/{story}/{article}`) records the
//! outlet in a private profile keyed by a random cookie, and `/me` shows
//! that reader the lean, factuality and ownership mix of what they read.
//!
//! Profiles are files under `DIR/readers/`, outside the database, so no
//! export, API or other process ever sees them; `/me/forget` deletes the
//! file and the cookie. With the feature off no cookie is set and `/go/`
//! only redirects. This module must never write a profile without the
//! feature on, nor read one for a request that lacks its cookie.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use parallax_core::{LeanBucket, LeanCounts, OutletLean};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::error::AppError;
use crate::pages::Layout;
use crate::present::{BarChart, BiasBar, factuality_chart, ownership_chart};

/// The cookie that names a reader's profile.
pub const READER_COOKIE: &str = "parallax_reader";

/// How long the cookie lives in the browser: a year, renewed by each read.
const COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 3600;

/// Where profiles live, when the operator turned the feature on.
#[derive(Debug, Clone)]
pub struct Readers {
    dir: PathBuf,
}

/// One article opened through a story page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Read {
    /// Unix seconds.
    pub at: i64,
    pub story: i64,
    pub outlet: String,
}

impl Readers {
    pub fn new(dir: PathBuf) -> Readers {
        Readers { dir }
    }

    fn file(&self, token: &ReaderToken) -> PathBuf {
        self.dir.join(format!("{}.jsonl", token.0))
    }

    fn record(&self, token: &ReaderToken, read: &Read) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let mut line = serde_json::to_string(read).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(self.file(token))?;
        file.write_all(line.as_bytes())
    }

    /// The reader's reads; lines that do not parse are skipped.
    fn reads(&self, token: &ReaderToken) -> Vec<Read> {
        std::fs::read_to_string(self.file(token))
            .map(|text| text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect())
            .unwrap_or_default()
    }

    fn forget(&self, token: &ReaderToken) -> std::io::Result<()> {
        match std::fs::remove_file(self.file(token)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// 128 random bits as 32 lower-case hex digits: unguessable, and safe as a
/// file name because nothing else is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderToken(String);

impl ReaderToken {
    fn fresh() -> Result<ReaderToken, AppError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| AppError::Encode(format!("no randomness for a reader cookie: {e}")))?;
        Ok(ReaderToken(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    fn parse(raw: &str) -> Option<ReaderToken> {
        (raw.len() == 32 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
            .then(|| ReaderToken(raw.to_string()))
    }

    /// The token of the request's cookie, if it carries a well-formed one.
    fn from_headers(headers: &HeaderMap) -> Option<ReaderToken> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == READER_COOKIE)
            .and_then(|(_, value)| ReaderToken::parse(value))
    }

    fn cookie(&self, max_age: i64) -> Option<HeaderValue> {
        let cookie = format!("{READER_COOKIE}={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax", self.0);
        HeaderValue::from_str(&cookie).ok()
    }
}

/// Pages a reader's profile is never cached for anyone else.
fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    response
}

/// `/go/{story}/{article}`: the article's page, by a redirect; with the
/// feature on, the read is recorded in the reader's profile first.
pub async fn go(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path((story_raw, article_raw)): Path<(String, String)>,
) -> Response {
    let ids = crate::params::story_id(&story_raw).and_then(|story| {
        let article = article_raw.parse::<i64>().ok().filter(|&id| id > 0).ok_or_else(|| {
            AppError::bad("article", format!("must be an article id (a positive integer), not {article_raw:?}"))
        })?;
        Ok((story, article))
    });
    let (story_id, article_id) = match ids {
        Ok(ids) => ids,
        Err(error) => return crate::pages::error_response(&state, error),
    };
    let found = async {
        let story = state.pool.read(move |store| store.story(story_id)).await?;
        story
            .and_then(|story| story.articles.into_iter().find(|member| member.article.id == article_id))
            .map(|member| (member.article.article.url, member.article.article.outlet))
            .ok_or_else(|| AppError::NotFound(format!("story {story_id} has no article {article_id}")))
    };
    let (url, outlet) = match found.await {
        Ok(found) => found,
        Err(error) => return crate::pages::error_response(&state, error),
    };
    let Ok(location) = HeaderValue::from_str(&url) else {
        return crate::pages::error_response(
            &state,
            AppError::NotFound(format!("article {article_id} has no address")),
        );
    };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    let Some(readers) = &state.readers else { return private(response) };
    let token = match ReaderToken::from_headers(&headers).map_or_else(ReaderToken::fresh, Ok) {
        Ok(token) => token,
        Err(error) => return crate::pages::error_response(&state, error),
    };
    let read = Read { at: Utc::now().timestamp(), story: story_id, outlet };
    if let Err(error) = readers.record(&token, &read) {
        // The reader still gets the article; only the record is lost.
        tracing::warn!("could not record a read in {}: {error}", readers.dir.display());
    }
    if let Some(cookie) = token.cookie(COOKIE_MAX_AGE_SECS) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    private(response)
}

/// One window of the reader's reading.
pub struct Window {
    pub label: &'static str,
    pub reads: u32,
    pub bias: BiasBar,
    pub lean: LeanCounts,
    /// Reads by the outlets' factuality, best first, then unrated.
    pub factuality: BarChart,
    /// Reads by the outlets' kind of ownership, most read first.
    pub ownership: BarChart,
    /// Sides of the spectrum this reader did not read at all.
    pub unread_sides: Vec<&'static str>,
}

/// A story read only from outlets of one side.
pub struct OneSided {
    pub story: i64,
    pub side: &'static str,
    pub reads: u32,
}

#[derive(Template)]
#[template(path = "reading.html")]
struct ReadingPage {
    layout: Layout,
    enabled: bool,
    has_profile: bool,
    windows: Vec<Window>,
    one_sided: Vec<OneSided>,
}

fn side_label(side: LeanBucket) -> &'static str {
    match side {
        LeanBucket::Left => "Left",
        LeanBucket::Center => "Center",
        LeanBucket::Right => "Right",
    }
}

/// The lean, factuality and ownership mix of `reads` since `since`.
fn window(state: &AppState, reads: &[Read], since: DateTime<Utc>, label: &'static str) -> Window {
    let snapshot = state.snapshot();
    let (mut lean, mut factuality, mut ownership) = (LeanCounts::default(), BTreeMap::new(), BTreeMap::new());
    let mut count = 0;
    for read in reads.iter().filter(|r| r.at >= since.timestamp()) {
        count += 1;
        let info = snapshot.outlets.get(&read.outlet);
        lean.add(info.map_or(OutletLean::Unrated, |i| i.profile.stance()));
        let fact = info.and_then(|i| i.profile.factuality).map_or_else(|| "unrated".to_string(), |f| f.to_string());
        *factuality.entry(fact).or_insert(0) += 1;
        let owned = info.and_then(|i| i.profile.ownership.clone()).unwrap_or_else(|| "unknown".to_string());
        *ownership.entry(owned).or_insert(0) += 1;
    }
    let unread_sides = if lean.rated() == 0 {
        Vec::new()
    } else {
        [LeanBucket::Left, LeanBucket::Center, LeanBucket::Right]
            .into_iter()
            .filter(|side| lean.get(*side) == 0)
            .map(side_label)
            .collect()
    };
    Window {
        label,
        reads: count,
        bias: BiasBar::new(&lean),
        lean,
        factuality: factuality_chart(&factuality),
        ownership: ownership_chart(&ownership),
        unread_sides,
    }
}

/// Stories of the last 30 days read two or more times, all from one side.
fn one_sided(state: &AppState, reads: &[Read], since: DateTime<Utc>) -> Vec<OneSided> {
    let snapshot = state.snapshot();
    let mut by_story: HashMap<i64, Vec<OutletLean>> = HashMap::new();
    for read in reads.iter().filter(|r| r.at >= since.timestamp()) {
        let stance = snapshot.outlets.get(&read.outlet).map_or(OutletLean::Unrated, |i| i.profile.stance());
        by_story.entry(read.story).or_default().push(stance);
    }
    let mut found: Vec<OneSided> = by_story
        .into_iter()
        .filter_map(|(story, stances)| match stances.first() {
            Some(OutletLean::Side(side)) if stances.len() >= 2 && stances.iter().all(|s| s == &stances[0]) => {
                Some(OneSided { story, side: side_label(*side), reads: stances.len() as u32 })
            }
            _ => None,
        })
        .collect();
    found.sort_by(|a, b| b.reads.cmp(&a.reads).then(a.story.cmp(&b.story)));
    found
}

/// `/me`: this browser's reading balance over the last 7 and 30 days.
pub async fn me(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let token = ReaderToken::from_headers(&headers);
    let reads = match (&state.readers, &token) {
        (Some(readers), Some(token)) => readers.reads(token),
        _ => Vec::new(),
    };
    let now = Utc::now();
    let page = ReadingPage {
        layout: Layout::new(&state, "My reading balance", "me").described(
            "Your own reading balance: the lean, factuality and ownership of the outlets you opened through Parallax, \
             kept only in this instance and only for this browser.",
        ),
        enabled: state.readers.is_some(),
        has_profile: !reads.is_empty(),
        windows: vec![
            window(&state, &reads, now - Duration::days(7), "Last 7 days"),
            window(&state, &reads, now - Duration::days(30), "Last 30 days"),
        ],
        one_sided: one_sided(&state, &reads, now - Duration::days(30)),
    };
    match page.render() {
        Ok(html) => private(axum::response::Html(html).into_response()),
        Err(error) => crate::pages::error_response(&state, error.into()),
    }
}

/// `POST /me/forget`: deletes this browser's profile and its cookie.
pub async fn forget(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    if let (Some(readers), Some(token)) = (&state.readers, ReaderToken::from_headers(&headers))
        && let Err(error) = readers.forget(&token)
    {
        let error = AppError::Encode(format!("could not delete the profile: {error}"));
        return crate::pages::error_response(&state, error);
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_static("/me"))]).into_response();
    let expired = format!("{READER_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    private(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_name_a_profile() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=b; parallax_reader=../../etc/passwd"));
        assert_eq!(ReaderToken::from_headers(&headers), None);
        let good = "0123456789abcdef0123456789abcdef";
        headers.insert(header::COOKIE, HeaderValue::from_str(&format!("x=1; {READER_COOKIE}={good}")).expect("header"));
        assert_eq!(ReaderToken::from_headers(&headers), Some(ReaderToken(good.to_string())));
        let fresh = ReaderToken::fresh().expect("token");
        assert!(ReaderToken::parse(&fresh.0).is_some());
        assert_ne!(fresh, ReaderToken::fresh().expect("token"), "tokens are random");
    }
}
