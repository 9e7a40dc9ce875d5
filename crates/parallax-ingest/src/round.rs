//! One round: the stages in order, each a step of its own, and one report
//! of what each did and what failed.
//!
//! 1. feeds: every due feed from the supply, parsed and stored by one
//!    writer in group commits ([`crate::feeds::fetch_and_store`]);
//! 2. full text of cut teasers ([`crate::fulltext::fetch_full_texts`]);
//! 3. stories: new articles placed, around the window of their own time
//!    ([`crate::stories::cluster_pending`]);
//! 4. views of the touched stories ([`crate::views::refresh_views_reporting`]);
//! 5. stories of re-rated outlets recounted ([`crate::views::recount_rerated_stories`]);
//! 6. the caller's search index caught up ([`SearchCatchUp`]).
//!
//! Network calls (feeds, pages, the optional model endpoint) never run
//! inside a write transaction. A stage that fails for a reason other than
//! storage, or panics, is reported and the next stage runs; a storage
//! failure stops the round, since nothing after it could be stored.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use parallax_store::{FeedRecord, Store};

use crate::failures::{FailureGroup, OfflineDiagnosis, group_failures};
use crate::fulltext::{FullTextReport, RobotsCache};
use crate::stories::{StoryError, StoryReport, TextEmbedder};
use crate::supply::FeedSupply;
use crate::views::{Recount, ViewReport};
use crate::{Config, IngestError, IngestOptions, IngestSummary, Progress, panic_message};

/// Brings a search index up to date with the stories a round touched. The
/// server provides one (its index lives there); the CLI runs without.
pub trait SearchCatchUp: Send + Sync {
    /// Indexes every story the store queued as touched; returns how many.
    fn catch_up(&self, store: &mut dyn Store) -> Result<usize, String>;
}

/// What one round works with.
pub struct Round<'a> {
    pub config: &'a Config,
    /// Where feed bytes come from.
    pub supply: Arc<dyn FeedSupply>,
    /// The feeds to ask for (the caller decides which are due).
    pub feeds: Vec<FeedRecord>,
    pub options: IngestOptions,
    pub progress: &'a dyn Progress,
    /// Dense embeddings for clustering, when the binary has a model.
    pub embedder: Option<&'a dyn TextEmbedder>,
    /// robots.txt of article pages' origins; keep one across rounds.
    pub robots: &'a RobotsCache,
    pub search: Option<&'a dyn SearchCatchUp>,
}

/// The stages of a round, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Feeds,
    FullText,
    Stories,
    Views,
    Recount,
    Search,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Feeds => "feeds",
            Stage::FullText => "full text",
            Stage::Stories => "stories",
            Stage::Views => "views",
            Stage::Recount => "re-rated",
            Stage::Search => "search",
        }
    }
}

/// A stage that could not do its work, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageFailure {
    pub stage: Stage,
    pub reason: String,
}

/// What one round did, stage by stage, and what failed and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundReport {
    pub started: DateTime<Utc>,
    pub seconds: f64,
    pub feeds: IngestSummary,
    pub fulltext: FullTextReport,
    pub stories: StoryReport,
    pub views: ViewReport,
    /// Re-rated outlets and the stories recounted for them.
    pub recount: Recount,
    /// Stories the search index caught up on; `None` without an index.
    pub indexed: Option<usize>,
    /// Stages that failed or crashed; the round went on past each.
    pub failures: Vec<StageFailure>,
    /// The storage failure that stopped the round, with its stage.
    pub stopped: Option<StageFailure>,
    /// Seconds each stage that ran took, in order.
    pub stage_seconds: Vec<(Stage, f64)>,
}

impl RoundReport {
    /// Runs a stage: times it, turns a panic into a failure of that stage,
    /// and puts what it did into the report with `keep`. False when the
    /// round must stop.
    fn run<T>(
        &mut self,
        stage: Stage,
        work: impl FnOnce() -> Result<T, StageEnd>,
        keep: impl FnOnce(&mut RoundReport, T),
    ) -> bool {
        let clock = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(work))
            .unwrap_or_else(|panic| Err(StageEnd::Failed(format!("crashed: {}", panic_message(panic.as_ref())))));
        self.stage_seconds.push((stage, clock.elapsed().as_secs_f64()));
        match result {
            Ok(done) => {
                keep(self, done);
                true
            }
            Err(StageEnd::Failed(reason)) => {
                tracing::error!(stage = stage.as_str(), "round: {reason}");
                self.failures.push(StageFailure { stage, reason });
                true
            }
            Err(StageEnd::Stop(reason)) => {
                tracing::error!(stage = stage.as_str(), "round stopped: {reason}");
                self.stopped = Some(StageFailure { stage, reason });
                false
            }
        }
    }

    fn new(started: DateTime<Utc>) -> RoundReport {
        RoundReport {
            started,
            seconds: 0.0,
            feeds: IngestSummary::default(),
            fulltext: FullTextReport::default(),
            stories: StoryReport::default(),
            views: ViewReport::default(),
            recount: Recount::default(),
            indexed: None,
            failures: Vec::new(),
            stopped: None,
            stage_seconds: Vec::new(),
        }
    }

    /// Whether the round changed what pages show.
    pub fn changed(&self) -> bool {
        self.stories.articles > 0
            || self.views.stories > 0
            || self.recount.outlets > 0
            || self.indexed.is_some_and(|n| n > 0)
    }

    /// The report as lines for a person: the CLI prints them and the status
    /// page shows them.
    pub fn lines(&self) -> Vec<String> {
        let feeds = &self.feeds;
        let text = &self.fulltext;
        let stories = &self.stories;
        let mut lines = vec![
            format!(
                "feeds: {} fetched, {} not modified, {} failed, {} backing off ({} commits)",
                feeds.fetched,
                feeds.not_modified,
                feeds.failed.len(),
                feeds.skipped,
                feeds.commits
            ),
            format!(
                "articles: {} new, {} duplicate ({} entries skipped or repaired; PARALLAX_LOG=debug shows them)",
                feeds.articles_new, feeds.articles_duplicate, feeds.diagnostics
            ),
            format!(
                "full text: {} pages tried, {} extracted, {} failed ({} refused by robots.txt, {} with robots.txt \
                 unreachable, tried again next round); teasers kept where it failed",
                text.attempted, text.extracted, text.failed, text.disallowed, text.robots_unreachable
            ),
            format!(
                "stories: {} articles placed, {} new stories, {} wire copies, {} merges ({} stored articles replayed \
                 in {} windows)",
                stories.articles,
                stories.new_stories,
                stories.copies,
                stories.merges,
                stories.replayed,
                stories.segments
            ),
            format!(
                "views: {} stories summarised, {} recounted for {} re-rated outlets",
                self.views.stories, self.recount.stories, self.recount.outlets
            ),
        ];
        if let Some(indexed) = self.indexed {
            lines.push(format!("search: {indexed} stories indexed"));
        }
        for group in self.feed_failures() {
            let count = group.feeds.len();
            lines.push(format!("feeds failed, {}: {count} feed{}", group.cause.describe(), plural(count)));
            for (url, reason) in &group.feeds {
                lines.push(format!("failed: {url}: {reason}"));
            }
        }
        for (article, reason) in &stories.failed {
            lines.push(format!("article {article} failed: {reason}"));
        }
        for (story, reason) in &self.views.failed {
            lines.push(format!("story {story} failed: {reason}"));
        }
        for failure in &self.failures {
            lines.push(format!("{} stage failed: {}", failure.stage.as_str(), failure.reason));
        }
        let timings: Vec<String> =
            self.stage_seconds.iter().map(|(stage, seconds)| format!("{} {seconds:.2} s", stage.as_str())).collect();
        lines.push(format!("round: {:.2} s ({})", self.seconds, timings.join(", ")));
        if let Some(stopped) = &self.stopped {
            lines.push(format!("stopped at the {} stage: {}", stopped.stage.as_str(), stopped.reason));
        }
        if let Some(offline) = self.offline() {
            lines.push(offline.message());
        }
        lines
    }

    /// The feeds that failed this round, grouped by cause, largest first.
    pub fn feed_failures(&self) -> Vec<FailureGroup> {
        group_failures(self.feeds.failed.iter().map(|(url, reason)| (url.as_str(), reason.as_str())))
    }

    /// Most of the feeds tried this round failed for one network cause.
    pub fn offline(&self) -> Option<OfflineDiagnosis> {
        let tried = self.feeds.fetched + self.feeds.not_modified + self.feeds.failed.len();
        OfflineDiagnosis::of(&self.feed_failures(), tried)
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How a stage ended, when it did not do its work.
enum StageEnd {
    /// Failed or crashed; the round goes on.
    Failed(String),
    /// Storage failed; the round stops.
    Stop(String),
}

impl From<IngestError> for StageEnd {
    fn from(error: IngestError) -> StageEnd {
        match error {
            IngestError::Store(error) => StageEnd::Stop(error.to_string()),
            IngestError::Client(error) => StageEnd::Failed(error.to_string()),
        }
    }
}

impl From<StoryError> for StageEnd {
    fn from(error: StoryError) -> StageEnd {
        match error {
            StoryError::Store(error) => StageEnd::Stop(error.to_string()),
            StoryError::Config(error) => StageEnd::Failed(error.to_string()),
        }
    }
}

impl From<parallax_store::StoreError> for StageEnd {
    fn from(error: parallax_store::StoreError) -> StageEnd {
        StageEnd::Stop(error.to_string())
    }
}

/// Which stages a round runs. One process runs them all; `parallax serve
/// --role` splits them over processes sharing one database: ingest
/// workers fetch, one clustering process places and recounts, and each
/// web process only catches its search index up (the last stage, run
/// whenever the round has a [`SearchCatchUp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stages {
    /// Feeds and the full text of cut teasers.
    pub fetch: bool,
    /// Stories, views and the recount of re-rated outlets.
    pub place: bool,
}

impl Stages {
    pub const ALL: Stages = Stages { fetch: true, place: true };
    pub const FETCH: Stages = Stages { fetch: true, place: false };
    pub const PLACE: Stages = Stages { fetch: false, place: true };
    /// Only the search stage.
    pub const NONE: Stages = Stages { fetch: false, place: false };
}

/// Runs one round over `store`, the only writer while it runs.
///
/// Synchronous: call it from a thread that may block (the CLI's main
/// thread, a `spawn_blocking` task); the network stages run on `runtime`.
pub fn run_round(store: &mut dyn Store, round: Round<'_>, runtime: &tokio::runtime::Handle) -> RoundReport {
    run_stages(store, round, Stages::ALL, runtime)
}

/// [`run_round`] with only some of its stages, in the same order.
pub fn run_stages(
    store: &mut dyn Store,
    round: Round<'_>,
    stages: Stages,
    runtime: &tokio::runtime::Handle,
) -> RoundReport {
    let clock = Instant::now();
    let started = Utc::now();
    let mut report = RoundReport::new(started);
    let Round { config, supply, feeds, options, progress, embedder, robots, search } = round;

    'stages: {
        'fetch: {
            if !stages.fetch {
                break 'fetch;
            }
            let fed = || {
                let feeds = crate::feeds::fetch_and_store(store, feeds, supply, config, &options, progress);
                runtime.block_on(feeds).map_err(StageEnd::from)
            };
            if !report.run(Stage::Feeds, fed, |report, feeds| report.feeds = feeds) {
                break 'stages;
            }
            let texts = || {
                let texts = crate::fulltext::fetch_full_texts(store, config, robots, started, progress);
                runtime.block_on(texts).map_err(StageEnd::from)
            };
            if !report.run(Stage::FullText, texts, |report, texts| report.fulltext = texts) {
                break 'stages;
            }
        }
        'place: {
            if !stages.place {
                break 'place;
            }
            let stories = || {
                crate::stories::cluster_pending(store, config, Utc::now(), embedder, progress).map_err(StageEnd::from)
            };
            if !report.run(Stage::Stories, stories, |report, stories| report.stories = stories) {
                break 'stages;
            }
            let touched = report.stories.touched.clone();
            let views = || {
                crate::views::refresh_views_reporting(store, touched, &config.summary, &config.blindspot, progress)
                    .map_err(StageEnd::from)
            };
            if !report.run(Stage::Views, views, |report, views| report.views = views) {
                break 'stages;
            }
            let recount = || {
                // Ratings imported beside a running server, or outlets stored
                // under an alias: `outlets import` recounts too, whoever comes
                // first does it.
                progress.stage_started(Stage::Recount, 0);
                store.merge_outlets_by(&parallax_core::outlet_domain)?;
                let recount = crate::views::recount_rerated_stories(
                    store,
                    &config.summary,
                    &config.blindspot,
                    &mut |done, total| {
                        if done == 0 {
                            progress.stage_started(Stage::Recount, total);
                        }
                        progress.stage_advanced(done);
                    },
                );
                recount.map_err(StageEnd::from)
            };
            if !report.run(Stage::Recount, recount, |report, recount| report.recount = recount) {
                break 'stages;
            }
        }
        if let Some(search) = search {
            progress.stage_started(Stage::Search, 0);
            let catch_up = || search.catch_up(store).map_err(StageEnd::Failed);
            report.run(Stage::Search, catch_up, |report, indexed| report.indexed = Some(indexed));
        }
    }
    report.seconds = clock.elapsed().as_secs_f64();
    report
}
