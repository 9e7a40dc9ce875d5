//! The subcommands that work on the data directory.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use parallax_core::{Rating, outlet_domain};
use parallax_ingest::fulltext::RobotsCache;
use parallax_ingest::{FeedOutcome, IngestOptions, NetworkSupply, Progress, Round};
use parallax_store::{FeedStatus, Store};

use crate::data_dir::{load_config, open_existing_store, open_store};
use crate::jsonl;

/// The outlet list shipped with Parallax: public feeds of real outlets, no
/// ratings (the providers' licences forbid shipping those).
const BUNDLED_OPML: &str = include_str!("../../../outlets/default.opml");
const BUNDLED_OPML_NAME: &str = "default.opml";

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Register and fetch only the feeds of this OPML file (repeatable).
    #[arg(long, value_name = "FILE")]
    opml: Vec<PathBuf>,
    /// Allow feeds on loopback, private, link-local and other internal
    /// addresses (for tests and intranets). Config key: fetch.allow_private_networks.
    #[arg(long)]
    allow_private_networks: bool,
    /// Feeds fetched at once over all hosts. Config key: ingest.concurrency.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Feeds fetched at once from one host. Config key: ingest.per_host_concurrency.
    #[arg(long, value_name = "N")]
    per_host: Option<usize>,
    /// Fetch feeds that are backing off after failures too.
    #[arg(long)]
    ignore_backoff: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    quiet: bool,
}

pub fn ingest(data_dir: &Path, config_path: Option<&Path>, args: IngestArgs) -> Result<()> {
    let mut config = load_config(data_dir, config_path)?;
    config.fetch.allow_private_networks |= args.allow_private_networks;
    if let Some(n) = args.concurrency {
        config.ingest.concurrency = n;
    }
    if let Some(n) = args.per_host {
        config.ingest.per_host_concurrency = n;
    }
    let mut store = open_store(data_dir)?;

    let selected = register_feeds(&mut store, &args.opml)?;
    let feeds = store.feeds(selected.as_deref())?;
    if feeds.is_empty() {
        bail!("no feeds to fetch; add some with `parallax outlets import FILE.opml` or pass --opml FILE");
    }

    // Loaded before any fetching, so a wrong model folder costs nothing.
    let embedder = crate::embedder::load(&config.embed, None)?;
    let supply = Arc::new(NetworkSupply::from_config(&config.fetch)?);
    let progress = BarProgress::new(args.quiet);
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let robots = RobotsCache::default();
    let round = Round {
        config: &config,
        supply,
        feeds,
        options: IngestOptions { ignore_backoff: args.ignore_backoff, ..IngestOptions::default() },
        progress: &progress,
        embedder: embedder.as_deref(),
        robots: &robots,
        search: None,
    };
    let report = parallax_ingest::run_round(&mut store, round, runtime.handle());
    progress.bar.finish_and_clear();
    for line in report.lines() {
        println!("{line}");
    }
    match report.stopped {
        Some(stopped) => bail!("the round stopped at the {} stage: {}", stopped.stage.as_str(), stopped.reason),
        None => Ok(()),
    }
}

/// Registers the feeds to fetch: those of the OPML files given (returned,
/// so only they are fetched), or, when no feed is known yet, the bundled
/// list (`None`: every known feed is fetched).
pub fn register_feeds(store: &mut dyn Store, opml: &[PathBuf]) -> Result<Option<Vec<String>>> {
    if opml.is_empty() {
        if store.counts()?.feeds == 0 {
            eprintln!("No feeds registered yet: registering the bundled outlet list.");
            import_bytes(store, BUNDLED_OPML_NAME, BUNDLED_OPML.as_bytes())?;
        }
        return Ok(None);
    }
    let mut urls = Vec::new();
    for path in opml {
        let bytes = read_file(path)?;
        let import = parallax_outlets::import_as(parallax_outlets::Format::Opml, &file_name(path), &bytes)
            .with_context(|| format!("cannot read the OPML file {}", path.display()))?;
        report_diagnostics(&import.diagnostics);
        store.import(&import.outlets, &import.ratings, &import.feeds)?;
        urls.extend(import.feeds.into_iter().map(|feed| feed.url));
    }
    if urls.is_empty() {
        bail!("the OPML files list no feeds; check them with `parallax outlets import FILE`");
    }
    Ok(Some(urls))
}

/// Draws a progress bar on stderr; hidden when stderr is not a terminal.
struct BarProgress {
    bar: ProgressBar,
}

impl BarProgress {
    fn new(quiet: bool) -> BarProgress {
        let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} feeds  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        BarProgress { bar }
    }
}

impl Progress for BarProgress {
    fn started(&self, feeds: usize) {
        self.bar.set_length(feeds as u64);
    }

    fn feed_done(&self, feed_url: &str, outcome: &FeedOutcome) {
        self.bar.inc(1);
        // One line per feed at info level: the committed state, so a reader
        // of the log (or a test that kills the process) knows what is stored.
        match outcome {
            FeedOutcome::Fetched { new, duplicate, .. } => {
                tracing::info!(feed = feed_url, new, duplicate, "stored");
            }
            FeedOutcome::NotModified => tracing::info!(feed = feed_url, "not modified"),
            FeedOutcome::Failed { reason } => tracing::info!(feed = feed_url, "failed: {reason}"),
            FeedOutcome::Skipped { until } => tracing::info!(feed = feed_url, %until, "backing off"),
        }
        self.bar.set_message(feed_url.to_string());
    }
}

#[derive(Debug, Subcommand)]
pub enum OutletsCommand {
    /// Import outlets, feeds and ratings; the format of each file is detected.
    ///
    /// Reads OPML, the generic CSV (domain,name,lean,factuality,owner,
    /// ownership,country,language,rated_by), MBFC's extension JSON, flat TSV
    /// and CSV, both AllSides CSV shapes, the local-news ownership CSV, and
    /// Kagi News' kite_feeds.json and media_data.json. Unknown labels are
    /// reported with file, line and value and skipped; the rest imports.
    /// Importing the same file again changes nothing.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show what is known of one outlet, provider by provider.
    Show {
        /// The outlet's domain or any URL on it (edition.cnn.com finds cnn.com).
        domain: String,
    },
    /// List every outlet with its ratings.
    List {
        /// Only outlets that at least one provider rated for lean.
        #[arg(long)]
        rated: bool,
    },
}

pub fn outlets(data_dir: &Path, config_path: Option<&Path>, command: OutletsCommand) -> Result<()> {
    let mut store = if matches!(command, OutletsCommand::Import { .. }) {
        open_store(data_dir)?
    } else {
        open_existing_store(data_dir)?
    };
    match command {
        OutletsCommand::Import { files } => {
            let config = load_config(data_dir, config_path)?;
            for path in &files {
                let bytes = read_file(path)?;
                import_bytes(&mut store, &file_name(path), &bytes)
                    .with_context(|| format!("cannot import {}", path.display()))?;
            }
            recount_rerated(&mut store, &config)
        }
        OutletsCommand::Show { domain } => show_outlet(&store, &domain),
        OutletsCommand::List { rated } => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            for summary in store.outlets()? {
                if rated && !summary.ratings.iter().any(|r| r.lean.is_some()) {
                    continue;
                }
                let views: Vec<String> = summary.ratings.iter().map(short_view).collect();
                writeln!(
                    out,
                    "{:<32} {:<36} {:>3} feeds {:>6} articles  {}",
                    summary.outlet.domain,
                    summary.outlet.name.as_deref().unwrap_or("-"),
                    summary.feeds,
                    summary.articles,
                    views.join("  ")
                )?;
            }
            out.flush()?;
            Ok(())
        }
    }
}

/// Merges outlets stored under a host that belongs to another outlet, then
/// recounts every stored story covering an outlet whose ratings changed,
/// with a progress bar on a terminal.
fn recount_rerated(store: &mut dyn Store, config: &parallax_ingest::Config) -> Result<()> {
    let merged = store.merge_outlets_by(&parallax_core::outlet_domain)?;
    if merged > 0 {
        eprintln!("{merged} outlets stored under a server alias or subdomain merged into the outlet they belong to");
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} stories recounted")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let recount = parallax_ingest::views::recount_rerated_stories(
        store,
        &config.summary,
        &config.blindspot,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    if recount.outlets > 0 {
        eprintln!(
            "recounted {} stor{} covered by {} outlet{} with new or changed ratings",
            recount.stories,
            if recount.stories == 1 { "y" } else { "ies" },
            recount.outlets,
            if recount.outlets == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Imports one file and prints what it held and what changed.
fn import_bytes(store: &mut dyn Store, name: &str, bytes: &[u8]) -> Result<()> {
    let import = parallax_outlets::import(name, bytes)?;
    report_diagnostics(&import.diagnostics);
    let counts = store.import(&import.outlets, &import.ratings, &import.feeds)?;
    let outlets: std::collections::HashSet<&str> = import
        .outlets
        .iter()
        .map(|o| o.domain.as_str())
        .chain(import.ratings.iter().map(|r| r.outlet.as_str()))
        .chain(import.feeds.iter().map(|f| f.outlet.as_str()))
        .collect();
    eprintln!(
        "{name}: {} outlets ({} new), {} ratings ({} new, {} updated), {} feeds ({} new), {} problems",
        outlets.len(),
        counts.outlets_new,
        import.ratings.len(),
        counts.ratings_new,
        counts.ratings_updated,
        import.feeds.len(),
        counts.feeds_new,
        import.diagnostics.len()
    );
    Ok(())
}

/// Prints parser diagnostics to stderr, at most a screenful; the count is in
/// the summary line.
fn report_diagnostics(diagnostics: &[parallax_core::Diagnostic]) {
    const SHOWN: usize = 20;
    for diagnostic in diagnostics.iter().take(SHOWN) {
        eprintln!("warning: {diagnostic}");
    }
    if diagnostics.len() > SHOWN {
        eprintln!("warning: ... and {} more problems like these", diagnostics.len() - SHOWN);
    }
}

fn short_view(rating: &Rating) -> String {
    let lean = rating.lean.map_or("-", |l| l.as_str());
    format!("{}:{}", rating.provider, lean)
}

fn show_outlet(store: &dyn Store, query: &str) -> Result<()> {
    let host = query
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    let domain = outlet_domain(&host);
    let Some(record) = store.outlet(&domain)? else {
        bail!(
            "no outlet {domain} is known; import a list first, e.g. `parallax outlets import ../shared/data/ratings/mbfc-current/combined.json`"
        );
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{} — {}", record.outlet.domain, record.outlet.name.as_deref().unwrap_or("(no name)"))?;
    writeln!(out, "  {} feeds, {} articles stored", record.feeds.len(), record.articles)?;
    if record.ratings.is_empty() {
        writeln!(out, "  no ratings; import a provider's file with `parallax outlets import FILE`")?;
    }
    for rating in &record.ratings {
        writeln!(out, "  {} {} (from {})", rating.provider, rating.version, rating.source_file)?;
        if let Some(lean) = rating.lean {
            writeln!(out, "    lean:        {lean} ({})", lean.bucket())?;
        }
        let fields = [
            ("factuality", rating.factuality.map(|f| f.as_str().to_string())),
            ("owner", rating.owner.clone()),
            ("ownership", rating.ownership.clone()),
            ("country", rating.country.clone()),
            ("language", rating.language.clone()),
            ("name", rating.outlet_name.clone()),
        ];
        for (label, value) in fields {
            if let Some(value) = value {
                writeln!(out, "    {:<12} {value}", format!("{label}:"))?;
            }
        }
    }
    for feed in &record.feeds {
        writeln!(out, "  feed {} [{}]", feed.source.url, feed.status.as_str())?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct FeedsArgs {
    /// Only feeds whose last fetch failed.
    #[arg(long)]
    failed: bool,
    /// Write the bytes of every feed whose parser crashed into DIR (one
    /// file per feed, with the reason beside it), for a bug report.
    #[arg(long, value_name = "DIR")]
    quarantined: Option<PathBuf>,
}

/// Writes each quarantined feed's bytes and reason into `dir`.
fn write_quarantined(store: &dyn Store, dir: &Path) -> Result<()> {
    let feeds = store.quarantined_feeds()?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (index, feed) in feeds.iter().enumerate() {
        let stem = dir.join(format!("feed-{index}"));
        let bytes = stem.with_extension("bin");
        std::fs::write(&bytes, &feed.bytes).with_context(|| format!("cannot write {}", bytes.display()))?;
        let about = format!("{}\n{}\n{}\n", feed.feed_url, feed.at.to_rfc3339(), feed.reason);
        let note = stem.with_extension("txt");
        std::fs::write(&note, about).with_context(|| format!("cannot write {}", note.display()))?;
        println!("{}: {}", bytes.display(), feed.feed_url);
    }
    eprintln!("{} quarantined feeds written to {}", feeds.len(), dir.display());
    Ok(())
}

pub fn feeds(data_dir: &Path, args: FeedsArgs) -> Result<()> {
    let store = open_existing_store(data_dir)?;
    if let Some(dir) = &args.quarantined {
        return write_quarantined(&store, dir);
    }
    let mut out = BufWriter::new(std::io::stdout().lock());
    for feed in store.feeds(None)? {
        if args.failed && feed.status != FeedStatus::Failed {
            continue;
        }
        let last = feed.last_fetched.map_or_else(|| "never".to_string(), |t| t.to_rfc3339());
        write!(out, "{:<13} errors {:>3}  last {last}  {}", feed.status.as_str(), feed.error_count, feed.source.url)?;
        if let (FeedStatus::Failed, Some(error)) = (feed.status, &feed.last_error) {
            write!(out, "  ({error})")?;
        }
        writeln!(out)?;
    }
    out.flush()?;
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every stored article, one JSON object a line, in storage order.
    Articles {
        /// Write here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Every story, one JSON object a line: its articles (with wire copies
    /// marked `copy_of`), first published and last updated.
    Stories {
        /// Write here instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn export(data_dir: &Path, command: ExportCommand) -> Result<()> {
    let store = open_existing_store(data_dir)?;
    let (ExportCommand::Articles { output } | ExportCommand::Stories { output }) = &command;
    let mut out = BufWriter::new(jsonl::writer(output.as_deref())?);
    let mut failure = None;
    let mut emit = |line: serde_json::Value| {
        if failure.is_none() {
            failure = jsonl::write_line(&mut out, &line).err();
        }
    };
    match command {
        ExportCommand::Articles { .. } => store.for_each_article(&mut |stored| {
            emit(parallax_store::export::article_json(&stored));
            Ok(())
        })?,
        ExportCommand::Stories { .. } => store.for_each_story(&mut |story| {
            emit(parallax_store::export::story_json(&story));
            Ok(())
        })?,
    }
    failure.map_or(Ok(()), Err)?;
    out.flush().context("cannot write the export")
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}
