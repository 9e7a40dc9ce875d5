//! The full-text stage: for articles whose feed gave only a cut teaser (and
//! for outlets configured to always want it), fetch the article's page with
//! the same safeguards as feeds and extract its main text.
//!
//! Politeness: robots.txt is honoured for article pages (fetched at most
//! once per origin per round and kept, across rounds, until its
//! Cache-Control max-age or a day passes; a missing file allows everything,
//! an unreachable one allows nothing this round and is asked again next
//! round), one request per host at a time, and a global rate over all
//! hosts. A failure, or a crash while extracting, keeps the teaser and
//! records why.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::FutureExt;
use parallax_extract::ExtractConfig;
use parallax_fetch::{FetchOutcome, Fetcher, Validators};
use parallax_store::{Store, TextOutcome};
use tokio::sync::{Mutex, OnceCell, Semaphore, mpsc};

use crate::{Config, IngestError, panic_message};

/// The product token matched against robots.txt groups.
const ROBOTS_AGENT: &str = "Parallax";

/// What one full-text round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FullTextReport {
    pub attempted: usize,
    pub extracted: usize,
    pub failed: usize,
    /// Of the failures, pages robots.txt disallowed.
    pub disallowed: usize,
    /// Of the failures, pages of origins whose robots.txt could not be
    /// read (a server error, a timeout, no route): not fetched this round.
    pub robots_unreachable: usize,
}

/// How long a robots.txt is believed when its server gives no max-age, and
/// the longest it is believed at all: a day, as RFC 9309 section 2.4 asks.
const ROBOTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// What robots.txt says for one origin.
enum Robots {
    AllowAll,
    Rules(String),
    /// robots.txt could not be read (server error, timeout): nothing is
    /// fetched from this origin this round.
    Unreachable(String),
}

/// Spaces request starts at least `interval` apart over all tasks.
struct RateLimit {
    next: Mutex<tokio::time::Instant>,
    interval: Duration,
}

impl RateLimit {
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// A robots.txt as read, and until when it is believed.
struct RobotsEntry {
    robots: Robots,
    expires: Instant,
}

/// robots.txt per origin, read once and kept until it expires. Keep one
/// for as long as rounds run (the scheduler does), so that an origin's
/// file is asked for once a day, not once per round.
#[derive(Default)]
pub struct RobotsCache {
    entries: Mutex<HashMap<String, Arc<OnceCell<RobotsEntry>>>>,
}

impl RobotsCache {
    /// Forgets what has expired, and every unreachable origin (asked again
    /// at most once in the round that starts).
    async fn start_round(&self) {
        let now = Instant::now();
        self.entries.lock().await.retain(|_, cell| {
            cell.get().is_some_and(|entry| entry.expires > now && !matches!(entry.robots, Robots::Unreachable(_)))
        });
    }

    /// The entry of `origin`, fetched by the first caller; the others wait
    /// for it.
    async fn get(&self, fetcher: &Fetcher, origin: &str) -> Arc<OnceCell<RobotsEntry>> {
        let cell = self.entries.lock().await.entry(origin.to_string()).or_default().clone();
        cell.get_or_init(|| async {
            let fetched = fetcher.fetch(&format!("{origin}/robots.txt"), &Validators::default()).await;
            let (robots, max_age) = match fetched {
                Ok(FetchOutcome::Fetched(body)) => {
                    (Robots::Rules(String::from_utf8_lossy(&body.body).into_owned()), body.max_age)
                }
                Ok(FetchOutcome::NotModified(_)) => (Robots::AllowAll, None),
                // RFC 9309: a robots.txt that is unavailable (4xx) allows all;
                // one that is unreachable (5xx, network) disallows all.
                Err(error) if error.status().is_some_and(|s| (400..500).contains(&s)) => (Robots::AllowAll, None),
                Err(error) => (Robots::Unreachable(error.to_string()), None),
            };
            let expires = Instant::now() + max_age.unwrap_or(ROBOTS_MAX_AGE).min(ROBOTS_MAX_AGE);
            RobotsEntry { robots, expires }
        })
        .await;
        cell
    }
}

/// Why a page was not fetched.
enum Refusal {
    Disallowed,
    RobotsUnreachable,
    Other,
}

/// The page's text and extractor, or why it was not fetched or yielded
/// no text.
async fn fetch_text(
    fetcher: &Fetcher,
    robots: &RobotsCache,
    rate: &RateLimit,
    url: &str,
    respect_robots: bool,
    extract: &ExtractConfig,
) -> Result<(String, String), (String, Refusal)> {
    let parsed = url::Url::parse(url).map_err(|e| (format!("fulltext: bad URL: {e}"), Refusal::Other))?;
    if respect_robots {
        let origin = parsed.origin().ascii_serialization();
        let cell = robots.get(fetcher, &origin).await;
        match cell.get().map(|entry| &entry.robots) {
            Some(Robots::Rules(rules)) => {
                let allowed =
                    robotstxt::DefaultMatcher::default().one_agent_allowed_by_robots(rules, ROBOTS_AGENT, url);
                if !allowed {
                    return Err(("fulltext: robots.txt disallows this page".to_string(), Refusal::Disallowed));
                }
            }
            Some(Robots::Unreachable(reason)) => {
                let reason = format!("fulltext: robots.txt unreachable, page not fetched this round ({reason})");
                return Err((reason, Refusal::RobotsUnreachable));
            }
            Some(Robots::AllowAll) | None => {}
        }
    }
    rate.wait().await;
    let body = match fetcher.fetch(url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(body)) => body,
        Ok(FetchOutcome::NotModified(_)) => return Err(("fulltext: unexpected 304".to_string(), Refusal::Other)),
        Err(error) => return Err((error.to_string(), Refusal::Other)),
    };
    let extract = extract.clone();
    let url = url.to_string();
    let extracted = tokio::task::spawn_blocking(move || {
        let html = parallax_extract::decode_html(&body.body, body.content_type.as_deref());
        parallax_extract::extract(&html, Some(&url), &extract)
    })
    .await
    .map_err(|e| {
        let reason = match e.try_into_panic() {
            Ok(panic) => panic_message(panic.as_ref()),
            Err(e) => e.to_string(),
        };
        (format!("fulltext: the extractor crashed: {reason}"), Refusal::Other)
    })?;
    extracted.map(|e| (e.text, e.extractor.to_string())).map_err(|e| (e.to_string(), Refusal::Other))
}

/// Fetches and stores the full text of up to `fulltext.max_per_run`
/// articles fetched in the last `fulltext.lookback_secs` that want it.
/// Every attempt is recorded, so an article is tried once (an origin whose
/// robots.txt is unreachable is tried again next round); its teaser stays
/// whatever happens.
pub async fn fetch_full_texts(
    store: &mut dyn Store,
    config: &Config,
    robots: &RobotsCache,
    now: DateTime<Utc>,
    progress: &dyn crate::Progress,
) -> Result<FullTextReport, IngestError> {
    let settings = &config.fulltext;
    let extract = &config.extract;
    let mut report = FullTextReport::default();
    let wanted: Vec<_> = if !settings.enabled || settings.max_per_run == 0 {
        Vec::new()
    } else {
        let since = now - chrono::Duration::seconds(settings.lookback_secs.max(0));
        // Articles stored by this round were fetched after it started.
        let until = Utc::now() + chrono::Duration::minutes(1);
        store
            .articles_wanting_text(settings.max_per_run, &settings.always_outlets, since, until)?
            .into_iter()
            .filter(|a| !settings.never_outlets.contains(&a.article.outlet))
            .collect()
    };
    progress.stage_started(crate::Stage::FullText, wanted.len());
    if wanted.is_empty() {
        return Ok(report);
    }
    let fetcher = Fetcher::new(&config.fetch)?;
    robots.start_round().await;
    let rate = Arc::new(RateLimit {
        next: Mutex::new(tokio::time::Instant::now()),
        interval: Duration::from_secs_f64(1.0 / settings.requests_per_second.max(0.01)),
    });
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let (sender, mut receiver) = mpsc::unbounded_channel();
    let mut tasks = Vec::new();
    for article in wanted {
        let host = url::Url::parse(&article.article.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let host_limit = per_host
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(settings.per_host_concurrency.max(1))))
            .clone();
        let (fetcher, rate, sender, extract) = (fetcher.clone(), rate.clone(), sender.clone(), extract.clone());
        let respect_robots = settings.respect_robots_txt;
        let work = async move {
            let _permit = host_limit.acquire_owned().await.ok();
            let url = &article.article.url;
            let result =
                std::panic::AssertUnwindSafe(fetch_text(&fetcher, robots, &rate, url, respect_robots, &extract))
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|panic| {
                        Err((format!("fulltext: crashed: {}", panic_message(panic.as_ref())), Refusal::Other))
                    });
            let _ = sender.send((article.id, result));
        };
        tasks.push(work);
    }
    drop(sender);
    // The tasks borrow the robots cache, so they run here, concurrently,
    // rather than spawned; the fetches and extraction still leave this
    // thread (sockets on the runtime, extraction on blocking threads).
    let driver = futures::future::join_all(tasks);
    let mut results = Vec::new();
    let collect = async {
        while let Some(result) = receiver.recv().await {
            results.push(result);
            progress.stage_advanced(results.len());
        }
    };
    futures::join!(driver, collect);
    for (id, result) in results {
        report.attempted += 1;
        let outcome = match result {
            Ok((text, extractor)) => {
                report.extracted += 1;
                TextOutcome::Extracted { text, extractor }
            }
            Err((_, Refusal::RobotsUnreachable)) => {
                // Not an attempt at the page: it is tried again next round.
                report.failed += 1;
                report.robots_unreachable += 1;
                continue;
            }
            Err((reason, refusal)) => {
                report.failed += 1;
                report.disallowed += usize::from(matches!(refusal, Refusal::Disallowed));
                tracing::info!(article = id, "{reason}");
                TextOutcome::Failed { reason }
            }
        };
        store.record_article_text(id, Utc::now(), &outcome).map_err(IngestError::Store)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rate_limit_spaces_request_starts() {
        let rate = RateLimit { next: Mutex::new(tokio::time::Instant::now()), interval: Duration::from_millis(20) };
        let started = tokio::time::Instant::now();
        for _ in 0..4 {
            rate.wait().await;
        }
        assert!(started.elapsed() >= Duration::from_millis(60), "four starts need three intervals");
    }

    #[test]
    fn robots_rules_are_matched_for_our_agent() {
        let rules = "User-agent: Parallax\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n";
        let mut matcher = robotstxt::DefaultMatcher::default();
        assert!(matcher.one_agent_allowed_by_robots(rules, ROBOTS_AGENT, "https://x.example/news/1"));
        let mut matcher = robotstxt::DefaultMatcher::default();
        assert!(!matcher.one_agent_allowed_by_robots(rules, ROBOTS_AGENT, "https://x.example/private/1"));
    }
}
