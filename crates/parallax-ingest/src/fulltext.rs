//! The full-text stage: for articles whose feed gave only a cut teaser (and
//! for outlets configured to always want it), fetch the article's page with
//! the same safeguards as feeds and extract its main text.
//!
//! Politeness: robots.txt is honoured for article pages (one fetch per
//! origin per round; a missing file allows everything, an unreachable one
//! allows nothing this round), one request per host at a time, and a global
//! rate over all hosts. A failure keeps the teaser and records why.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use parallax_extract::ExtractConfig;
use parallax_fetch::{FetchOutcome, Fetcher, Validators};
use parallax_store::{Store, TextOutcome};
use tokio::sync::{Mutex, OnceCell, Semaphore, mpsc};

use crate::{Config, IngestError};

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
}

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

type RobotsCache = Mutex<HashMap<String, Arc<OnceCell<Robots>>>>;

async fn robots_for(fetcher: &Fetcher, cache: &RobotsCache, origin: &str) -> Arc<OnceCell<Robots>> {
    let cell = cache.lock().await.entry(origin.to_string()).or_default().clone();
    cell.get_or_init(|| async {
        match fetcher.fetch(&format!("{origin}/robots.txt"), &Validators::default()).await {
            Ok(FetchOutcome::Fetched(body)) => Robots::Rules(String::from_utf8_lossy(&body.body).into_owned()),
            Ok(FetchOutcome::NotModified(_)) => Robots::AllowAll,
            // RFC 9309: a robots.txt that is unavailable (4xx) allows all;
            // one that is unreachable (5xx, network) disallows all.
            Err(error) if error.status().is_some_and(|s| (400..500).contains(&s)) => Robots::AllowAll,
            Err(error) => Robots::Unreachable(error.to_string()),
        }
    })
    .await;
    cell
}

/// Why a page was not fetched or yielded no text.
async fn fetch_text(
    fetcher: &Fetcher,
    robots: &RobotsCache,
    rate: &RateLimit,
    url: &str,
    respect_robots: bool,
    extract: &ExtractConfig,
) -> Result<(String, String), (String, bool)> {
    let parsed = url::Url::parse(url).map_err(|e| (format!("fulltext: bad URL: {e}"), false))?;
    if respect_robots {
        let origin = parsed.origin().ascii_serialization();
        let cell = robots_for(fetcher, robots, &origin).await;
        match cell.get() {
            Some(Robots::Rules(rules)) => {
                let allowed =
                    robotstxt::DefaultMatcher::default().one_agent_allowed_by_robots(rules, ROBOTS_AGENT, url);
                if !allowed {
                    return Err(("fulltext: robots.txt disallows this page".to_string(), true));
                }
            }
            Some(Robots::Unreachable(reason)) => {
                return Err((format!("fulltext: robots.txt unreachable ({reason})"), true));
            }
            Some(Robots::AllowAll) | None => {}
        }
    }
    rate.wait().await;
    let body = match fetcher.fetch(url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(body)) => body,
        Ok(FetchOutcome::NotModified(_)) => return Err(("fulltext: unexpected 304".to_string(), false)),
        Err(error) => return Err((error.to_string(), false)),
    };
    let extract = extract.clone();
    let url = url.to_string();
    let extracted = tokio::task::spawn_blocking(move || {
        let html = parallax_extract::decode_html(&body.body, body.content_type.as_deref());
        parallax_extract::extract(&html, Some(&url), &extract)
    })
    .await
    .map_err(|e| (format!("fulltext: extractor crashed: {e}"), false))?;
    extracted.map(|e| (e.text, e.extractor.to_string())).map_err(|e| (e.to_string(), false))
}

/// Fetches and stores the full text of up to `fulltext.max_per_run`
/// articles that want it. Every attempt is recorded, so an article is tried
/// once; its teaser stays whatever happens.
pub async fn fetch_full_texts(store: &mut dyn Store, config: &Config) -> Result<FullTextReport, IngestError> {
    let settings = &config.fulltext;
    let extract = &config.extract;
    let mut report = FullTextReport::default();
    if !settings.enabled || settings.max_per_run == 0 {
        return Ok(report);
    }
    let wanted: Vec<_> = store
        .articles_wanting_text(settings.max_per_run, &settings.always_outlets)?
        .into_iter()
        .filter(|a| !settings.never_outlets.contains(&a.article.outlet))
        .collect();
    if wanted.is_empty() {
        return Ok(report);
    }
    let fetcher = Fetcher::new(&config.fetch)?;
    let robots: Arc<RobotsCache> = Arc::default();
    let rate = Arc::new(RateLimit {
        next: Mutex::new(tokio::time::Instant::now()),
        interval: Duration::from_secs_f64(1.0 / settings.requests_per_second.max(0.01)),
    });
    let mut per_host: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let (sender, mut receiver) = mpsc::channel(64);
    for article in wanted {
        let host = url::Url::parse(&article.article.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default();
        let host_limit = per_host
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(settings.per_host_concurrency.max(1))))
            .clone();
        let (fetcher, robots, rate, sender, extract) =
            (fetcher.clone(), robots.clone(), rate.clone(), sender.clone(), extract.clone());
        let respect_robots = settings.respect_robots_txt;
        tokio::spawn(async move {
            let _permit = host_limit.acquire_owned().await.ok();
            let result = fetch_text(&fetcher, &robots, &rate, &article.article.url, respect_robots, &extract).await;
            let _ = sender.send((article.id, result)).await;
        });
    }
    drop(sender);
    while let Some((id, result)) = receiver.recv().await {
        report.attempted += 1;
        let outcome = match result {
            Ok((text, extractor)) => {
                report.extracted += 1;
                TextOutcome::Extracted { text, extractor }
            }
            Err((reason, disallowed)) => {
                report.failed += 1;
                report.disallowed += usize::from(disallowed);
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
