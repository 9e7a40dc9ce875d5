//! `parallax bench`: speed figures on generated data, printed, never asserted.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use parallax_core::FeedSource;
use parallax_feed::FeedContext;
use parallax_ingest::Config;
use parallax_ingest::{IngestOptions, NoProgress};
use parallax_store::{SqliteStore, Store};
use parallax_testkit::{FixtureServer, Route};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Parse+clean throughput on one core, then a whole round (feeds, full
    /// text, stories, views) against the same feeds served on loopback.
    Ingest(IngestBenchArgs),
    /// Cluster a long stream of articles resampled and perturbed from real
    /// titles and leads; report articles/s and memory as the window fills.
    Cluster(ClusterBenchArgs),
    /// Summarise stories made of consecutive real articles (ten outlets
    /// across the three sides, as a busy story); report stories/s on one
    /// core, with and without the quantities outlets disagree on.
    Summary(SummaryBenchArgs),
}

#[derive(Debug, Args)]
pub struct SummaryBenchArgs {
    /// Real articles: JSON Lines with "title" and "text" (for example
    /// ../shared/data/neus-dev/cluster-in.jsonl).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Articles per story.
    #[arg(long, default_value_t = 10)]
    articles_per_story: usize,
    /// Seconds to spend repeating each pass, for a stable figure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
}

#[derive(Debug, Args)]
pub struct ClusterBenchArgs {
    /// Real articles to resample: JSON Lines with "title" and "text"
    /// (for example ../shared/data/neus-dev/cluster-in.jsonl).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Articles in the stream.
    #[arg(long, default_value_t = 1_000_000)]
    articles: usize,
    /// Articles published per simulated day; with the default 3-day window
    /// about three days' worth are active at once.
    #[arg(long, default_value_t = 10_000)]
    per_day: usize,
    /// Blend in dense embeddings from this model folder (a build with
    /// `--features embeddings`): the real articles are embedded once, and
    /// the model's own speed is reported; each resampled article carries
    /// its source's vector, so the clustering figure is the blend's cost.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct IngestBenchArgs {
    /// How many feeds to generate.
    #[arg(long, default_value_t = 2900)]
    feeds: usize,
    /// Fewest items per feed; each feed draws its count between this and
    /// --max-items (real feeds carry 5 to 20).
    #[arg(long, default_value_t = 5)]
    min_items: usize,
    /// Most items per feed.
    #[arg(long, default_value_t = 20)]
    max_items: usize,
    /// Every feed carries exactly this many items (sets both bounds).
    #[arg(long)]
    items: Option<usize>,
    /// Seconds to spend repeating the parse+clean pass, for a stable figure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Keep the round's SQLite database at this path (which must not exist
    /// yet) instead of a temporary one, to compare what two builds stored
    /// (name it DIR/parallax.sqlite and read it back with `parallax export
    /// stories --data-dir DIR`).
    #[arg(long, value_name = "FILE")]
    keep: Option<PathBuf>,
    /// Fetch the feeds one at a time, in the order they are listed, on one
    /// async worker: two runs then store the same articles under the same
    /// ids and form the same stories (for comparing builds; slower).
    #[arg(long)]
    in_order: bool,
}

/// Runs a benchmark with the configuration the commands it measures would
/// use (`--config`, or the data directory's `parallax.toml`).
pub fn run(command: BenchCommand, config: &Config) -> Result<()> {
    match command {
        BenchCommand::Ingest(args) => bench_ingest(&args, config),
        BenchCommand::Cluster(args) => bench_cluster(&args, &config.cluster),
        BenchCommand::Summary(args) => bench_summary(&args, &config.summary),
    }
}

fn bench_ingest(args: &IngestBenchArgs, config: &Config) -> Result<()> {
    let (min_items, max_items) = match args.items {
        Some(items) => (items, items),
        None => (args.min_items, args.max_items.max(args.min_items)),
    };
    let corpus = generate_feeds(args.feeds, min_items..=max_items, 0x5eed);
    let bytes: usize = corpus.iter().map(|feed| feed.body.len()).sum();
    let items: usize = corpus.iter().map(|feed| feed.items).sum();
    println!(
        "corpus: {} feeds of {min_items} to {max_items} items, {items} items, {:.1} MB of RSS",
        corpus.len(),
        bytes as f64 / 1e6
    );

    let fetched = chrono::Utc::now();
    let started = Instant::now();
    let mut passes = 0u32;
    let mut articles = 0usize;
    while passes == 0 || started.elapsed() < Duration::from_secs_f64(args.seconds) {
        for feed in &corpus {
            let url = format!("http://bench.invalid/{}", feed.name);
            let context = FeedContext {
                feed_url: &url,
                outlet: "bench.invalid",
                fetched,
                content_type: None,
                content_location: None,
            };
            let parsed = parallax_feed::parse_feed(&feed.body, &context, &config.clean)
                .with_context(|| format!("generated feed {} did not parse", feed.name))?;
            articles += parsed.articles.len();
        }
        passes += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "parse+clean (1 core): {:.1} MB/s, {:.0} articles/s ({passes} passes in {elapsed:.2} s)",
        (bytes as f64 * f64::from(passes)) / 1e6 / elapsed,
        articles as f64 / elapsed
    );

    let routes = corpus
        .iter()
        .map(|feed| {
            let route = Route::Body {
                status: 200,
                headers: vec![("Content-Type".into(), "application/rss+xml".into())],
                body: feed.body.clone(),
            };
            (format!("/{}", feed.name), route)
        })
        .collect();
    let server = FixtureServer::start(routes).context("cannot start the loopback feed server")?;
    let dir = tempfile::tempdir().context("cannot create a temporary data directory")?;
    let database = match &args.keep {
        Some(path) => {
            anyhow::ensure!(!path.exists(), "bench: {} exists already; --keep writes a new database", path.display());
            path.clone()
        }
        None => dir.path().join("bench.sqlite"),
    };
    let mut store = SqliteStore::open(&database)?;
    let sources: Vec<FeedSource> = corpus
        .iter()
        .enumerate()
        .map(|(i, feed)| FeedSource {
            url: server.url(&format!("/{}", feed.name)),
            outlet: format!("outlet{}.bench", i % 100),
            title: None,
            language: None,
            categories: Vec::new(),
        })
        .collect();
    store.import(&[], &[], &sources)?;
    // The feeds are served on loopback.
    let mut config = config.clone();
    config.fetch.allow_private_networks = true;
    let runtime = if args.in_order {
        // One permit lets the fetches through one at a time, and a
        // current-thread runtime polls them first in the order they were
        // spawned (a worker pool may reorder its queue).
        config.ingest.concurrency = 1;
        config.ingest.per_host_concurrency = 1;
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Runtime::new()
    };
    let runtime = std::sync::Arc::new(runtime.context("cannot start the async runtime")?);
    // A current-thread runtime runs its tasks and drivers only while some
    // thread is inside `Runtime::block_on`; the round's own `Handle::block_on`
    // does not drive them.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let driver = args.in_order.then(|| {
        let runtime = runtime.clone();
        std::thread::spawn(move || runtime.block_on(stopped))
    });
    let started = Instant::now();
    let feeds = store.feeds(None)?;
    let robots = parallax_ingest::fulltext::RobotsCache::default();
    let round = parallax_ingest::Round {
        config: &config,
        supply: std::sync::Arc::new(parallax_ingest::NetworkSupply::from_config(&config.fetch)?),
        feeds,
        options: IngestOptions::default(),
        progress: &NoProgress,
        embedder: None,
        robots: &robots,
        search: None,
    };
    let report = parallax_ingest::run_round(&mut store, round, runtime.handle());
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    if let Some(driver) = driver {
        let _ = driver.join();
    }
    if let Some(stopped) = &report.stopped {
        anyhow::bail!("bench: the round stopped at the {} stage: {}", stopped.stage.as_str(), stopped.reason);
    }
    let feeds = &report.feeds;
    println!(
        "round over loopback (all cores, SQLite; feeds, full text, stories, views): {} feeds, {} articles stored \
         in {elapsed:.2} s: {:.0} feeds/s, {:.0} articles/s, {} failed, {} commits",
        feeds.fetched,
        feeds.articles_new,
        feeds.fetched as f64 / elapsed,
        feeds.articles_new as f64 / elapsed,
        feeds.failed.len(),
        feeds.commits
    );
    let feed_seconds = report
        .stage_seconds
        .iter()
        .find(|(stage, _)| *stage == parallax_ingest::round::Stage::Feeds)
        .map_or(0.0, |s| s.1);
    println!(
        "  feed stage (fetch, parse, store): {:.0} articles/s; {} articles placed in {} new stories, {} views",
        feeds.articles_new as f64 / feed_seconds.max(1e-9),
        report.stories.articles,
        report.stories.new_stories,
        report.views.stories
    );
    if let Some(timings) = report.lines().last() {
        println!("  {timings}");
    }
    Ok(())
}

/// The feed stage alone (fetch, parse, store) over every feed registered
/// in `store`, quietly: what `parallax eval feeds` reads back.
pub(crate) fn ingest_registered(
    runtime: &tokio::runtime::Runtime,
    store: &mut SqliteStore,
    config: &Config,
) -> Result<parallax_ingest::IngestSummary> {
    let feeds = store.feeds(None)?;
    Ok(runtime.block_on(parallax_ingest::ingest(store, feeds, config, &IngestOptions::default(), &NoProgress))?)
}

/// One generated feed: a file name, its RSS bytes and how many items.
struct GeneratedFeed {
    name: String,
    body: Vec<u8>,
    items: usize,
}

/// Words drawn on to fill titles and descriptions; real news vocabulary so
/// the language detector and cleaner do realistic work.
const WORDS: &[&str] = &[
    "president",
    "minister",
    "government",
    "election",
    "parliament",
    "talks",
    "ceasefire",
    "Ukraine",
    "Russia",
    "economy",
    "inflation",
    "rates",
    "court",
    "ruling",
    "police",
    "officials",
    "said",
    "on",
    "Thursday",
    "after",
    "the",
    "a",
    "of",
    "in",
    "to",
    "and",
    "with",
    "for",
    "new",
    "report",
    "sources",
    "according",
    "city",
    "storm",
    "million",
    "percent",
    "billion",
    "vote",
    "senate",
    "congress",
    "leaders",
    "summit",
    "climate",
    "energy",
    "prices",
    "market",
    "shares",
    "company",
    "deal",
    "talks",
    "strike",
    "workers",
    "hospital",
    "health",
    "school",
];

/// Deterministic RSS 2.0 feeds with the shapes real feeds have: HTML in
/// descriptions, entities, CDATA, a few links and images per item.
fn generate_feeds(feeds: usize, items: std::ops::RangeInclusive<usize>, seed: u64) -> Vec<GeneratedFeed> {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let words = |n: usize, next: &mut dyn FnMut() -> u64| -> String {
        (0..n).map(|_| WORDS[(next() % WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
    };
    (0..feeds)
        .map(|f| {
            let mut xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Bench feed {f}</title>\
                 <link>https://outlet{f}.example/</link><description>Generated</description>\n"
            );
            let count = items.start() + (next() as usize) % (items.end() - items.start() + 1);
            for i in 0..count {
                let title = words(10, &mut next);
                let paragraphs: Vec<String> = (0..4)
                    .map(|_| format!("<p>{} &amp; {} &#8217;s <a href=\"https://outlet{f}.example/x?utm_source=rss\">{}</a>.</p>", words(30, &mut next), words(5, &mut next), words(3, &mut next)))
                    .collect();
                xml.push_str(&format!(
                    "<item><title><![CDATA[{title}]]></title><link>https://outlet{f}.example/{i}?utm_medium=feed</link>\
                     <guid>outlet{f}-{i}</guid><pubDate>Mon, 23 Nov 2026 10:{:02}:00 GMT</pubDate>\
                     <description><![CDATA[<img src=\"https://outlet{f}.example/{i}.jpg\"/>{}]]></description></item>\n",
                    i % 60,
                    paragraphs.join("")
                ));
            }
            xml.push_str("</channel></rss>\n");
            GeneratedFeed { name: format!("feed{f}.xml"), body: xml.into_bytes(), items: count }
        })
        .collect()
}

#[derive(serde::Deserialize)]
struct SourceArticle {
    title: String,
    #[serde(default)]
    text: String,
}

/// This process's resident memory now and at its peak, in MiB, from
/// /proc/self/status (Linux); zeros where that is not available.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// A perturbed copy of a real article: a few words swapped, numbers
/// changed, so the stream is not the same few thousand texts repeated.
fn perturb(text: &str, next: &mut impl FnMut() -> u64) -> String {
    let mut words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    for _ in 0..words.len() / 8 {
        let (i, j) = ((next() as usize) % words.len(), (next() as usize) % words.len());
        words.swap(i, j);
    }
    for word in &mut words {
        if word.chars().all(|c| c.is_ascii_digit()) {
            *word = (next() % 1000).to_string();
        }
    }
    words.join(" ")
}

/// How many distinct real articles one simulated day draws from.
const EVENTS_PER_DAY: usize = 2000;

fn bench_cluster(args: &ClusterBenchArgs, config: &parallax_cluster::ClusterConfig) -> Result<()> {
    let mut sources: Vec<SourceArticle> = Vec::new();
    crate::jsonl::read_lines(Some(&args.input), |_, article: SourceArticle| sources.push(article))?;
    anyhow::ensure!(!sources.is_empty(), "bench: no articles in {}", args.input.display());
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    println!(
        "stream: {} articles resampled from {} real ones, {} per simulated day",
        args.articles,
        sources.len(),
        args.per_day
    );
    let embedder = crate::embedder::load(&parallax_ingest::EmbedSettings::default(), args.model.as_deref())?;
    let config = &parallax_ingest::stories::cluster_config(config, embedder.as_deref());
    let vectors = match embedder {
        None => Vec::new(),
        Some(embedder) => {
            let texts: Vec<String> =
                sources.iter().map(|s| parallax_cluster::embedding_text(&s.title, &s.text)).collect();
            let borrowed: Vec<&str> = texts.iter().map(String::as_str).collect();
            let started = Instant::now();
            let vectors = embedder.embed(&borrowed).map_err(|reason| anyhow::anyhow!("bench: {reason}"))?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "embedding model: {} articles in {seconds:.1} s, {:.0} articles/s (RAYON_NUM_THREADS={})",
                sources.len(),
                sources.len() as f64 / seconds.max(1e-9),
                std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all cores".into())
            );
            vectors
        }
    };
    let mut clusterer =
        parallax_cluster::Clusterer::new(config.clone()).context("bench: invalid cluster configuration")?;
    let seconds_per_article = 86_400.0 / args.per_day.max(1) as f64;
    let checkpoint = (args.articles / 10).max(1);
    let mut busy = Duration::ZERO;
    let (rss_before, _) = memory_mib();
    println!("memory before: {rss_before:.0} MiB resident");
    for index in 0..args.articles {
        // Each simulated day draws from the next slice of the real articles,
        // so an event is news for a few days and then gives way, as in a
        // real stream; resampling uniformly would keep every event alive.
        let day = index as f64 / args.per_day.max(1) as f64;
        let base = (day * EVENTS_PER_DAY as f64) as usize;
        let source_index = (base + (next() as usize) % EVENTS_PER_DAY) % sources.len();
        let source = &sources[source_index];
        let title = perturb(&source.title, &mut next);
        let text = perturb(&source.text, &mut next);
        let input = parallax_cluster::ArticleInput {
            key: index as u64,
            title: &title,
            text: &text,
            outlet: Some(["a.example", "b.example", "c.example", "d.example"][index % 4]),
            language: Some("en"),
            published: Some(1_700_000_000 + (index as f64 * seconds_per_article) as i64),
            embedding: vectors.get(source_index).map(Vec::as_slice),
        };
        let started = Instant::now();
        clusterer.add(&input);
        busy += started.elapsed();
        if (index + 1) % checkpoint == 0 {
            let (rss, peak) = memory_mib();
            println!(
                "{:>9} articles: {:>8.0} articles/s so far, {} active stories, {rss:.0} MiB resident (peak {peak:.0} MiB)",
                index + 1,
                (index + 1) as f64 / busy.as_secs_f64().max(1e-9),
                clusterer.active_stories()
            );
        }
    }
    println!(
        "clustering (1 core, text generation excluded): {:.0} articles/s over {} articles",
        args.articles as f64 / busy.as_secs_f64().max(1e-9),
        args.articles
    );
    Ok(())
}

/// Outlets of the bench's stories: one per article, cycled within a story.
const BENCH_OUTLETS: usize = 10;

fn bench_summary(args: &SummaryBenchArgs, config: &parallax_summary::SummaryConfig) -> Result<()> {
    use parallax_core::LeanBucket;
    use parallax_summary::{ArticleText, StoryInput};

    let mut sources: Vec<SourceArticle> = Vec::new();
    crate::jsonl::read_lines(Some(&args.input), |_, article: SourceArticle| sources.push(article))?;
    let per_story = args.articles_per_story.max(1);
    anyhow::ensure!(
        sources.len() >= per_story,
        "bench: {} holds {} articles, fewer than one story of {per_story}",
        args.input.display(),
        sources.len()
    );
    let ids: Vec<String> = (0..sources.len()).map(|index| index.to_string()).collect();
    let outlets: Vec<String> =
        (b'a'..).take(BENCH_OUTLETS).map(|letter| format!("{}.example", letter as char)).collect();
    let sides = [LeanBucket::Left, LeanBucket::Center, LeanBucket::Right];
    let articles: Vec<ArticleText> = sources
        .iter()
        .enumerate()
        .map(|(index, source)| ArticleText {
            id: &ids[index],
            title: &source.title,
            text: &source.text,
            outlet: Some(&outlets[index % per_story % BENCH_OUTLETS]),
            side: Some(sides[index % sides.len()]),
            language: Some("en"),
            kind: parallax_core::ArticleKind::News,
        })
        .collect();
    let stories: Vec<&[ArticleText]> = articles.chunks_exact(per_story).collect();
    println!(
        "stories: {} of {per_story} articles from {} ({} articles)",
        stories.len(),
        args.input.display(),
        articles.len()
    );
    let passes = [("title, bullets and per-side bullets", false), ("the same and disagreements", true)];
    for (name, with_disagreements) in passes {
        let started = Instant::now();
        let (mut summarised, mut bullets, mut disagreements) = (0usize, 0usize, 0usize);
        while summarised == 0 || started.elapsed().as_secs_f64() < args.seconds {
            for story in &stories {
                let input = StoryInput { articles: story };
                bullets += parallax_summary::summarize(&input, config).bullets.len();
                if with_disagreements {
                    disagreements += parallax_summary::disagreements(&input).len();
                }
                summarised += 1;
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{name} (1 core): {:.0} stories/s ({summarised} stories, {bullets} bullets, {disagreements} \
             disagreements, {seconds:.2} s)",
            summarised as f64 / seconds.max(1e-9)
        );
    }
    Ok(())
}
