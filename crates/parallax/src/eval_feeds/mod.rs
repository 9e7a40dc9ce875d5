//! `parallax eval feeds`: Parallax's feed reading judged by feedparser's
//! own test suite, fetched by the developer from its registry and read
//! from where it was unpacked (it is never copied into this repository).
//!
//! Every case is served on loopback with the headers it asks for and goes
//! through the real pipeline: `Fetcher`, `parse_feed` and the SQLite store,
//! one fresh in-memory store per case (the suite's feeds share links, and
//! the store keeps one article per link). The first stored article is then
//! judged by [`judge`], which can also judge another parser's output given
//! as JSON Lines (`--judge`), so two parsers are scored by one harness.

mod judge;
mod suite;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Datelike, Timelike};
use clap::Args;
use parallax_core::{Article, FeedSource};
use parallax_ingest::Config;
use parallax_store::{SqliteStore, Store};
use parallax_testkit::{FixtureServer, Route};

use judge::{FirstEntry, Outcome, SUITE_ORIGIN};
use suite::{Added, Case};

#[derive(Debug, Args)]
pub struct EvalFeedsArgs {
    /// feedparser's test suite: its `tests` folder, the unpacked source
    /// distribution, or the `.tar.gz` itself, e.g. from
    /// `pip download --no-deps --no-binary :all: feedparser==6.0.14`.
    #[arg(long, value_name = "PATH")]
    suite: PathBuf,
    /// Give the first entry of each case the `<link>` and `<title>` the
    /// suite's minimal feeds lack (never the element a check looks at), so
    /// entries a reader would drop for want of them are judged too.
    #[arg(long)]
    add_missing: bool,
    /// Judge another parser instead of Parallax: JSON Lines of
    /// {"case": "wellformed/rss/x.xml", "title", "link", "summary",
    /// "content", "id", "dates": {"updated_parsed": [y, m, d, H, M, S]}}
    /// for each case's first entry (`scripts/feedparser_first_entries.py`
    /// writes feedparser's).
    #[arg(long, value_name = "FILE")]
    judge: Option<PathBuf>,
    /// Print every failed check with what was expected and what was found.
    #[arg(long)]
    failures: bool,
}

pub fn run(args: &EvalFeedsArgs, config: &Config) -> Result<()> {
    let cases = suite::load(&args.suite)?;
    let judged: usize = cases.iter().map(|case| case.checks.iter().filter(|c| judge::is_judged(c)).count()).sum();
    println!("suite: {} cases from {}, {judged} checks on the first entry", cases.len(), args.suite.display());
    let started = Instant::now();
    let (entries, feeds) = match &args.judge {
        Some(path) => (read_judged_entries(path)?, None),
        None => {
            let (entries, feeds) = run_parallax(&cases, args.add_missing, config)?;
            (entries, Some(feeds))
        }
    };
    if let Some(feeds) = &feeds {
        println!("{}", feeds.summary());
        if args.failures {
            for refused in &feeds.refused {
                println!("REFUSED {refused}");
            }
        }
    }
    let mut outcomes = Vec::new();
    for case in &cases {
        let entry = entries.get(&case.path);
        for check in case.checks.iter().filter(|check| judge::is_judged(check)) {
            let passed = entry.is_some_and(|entry| judge::passes(check, entry));
            if args.failures && !passed {
                println!("FAIL {} {}: expected {:?}, found {:?}", case.path, check.key, check.expected, entry);
            }
            outcomes.push(Outcome { field: check.field, folder: case.folder(), passed });
        }
    }
    let judged_parser = args.judge.as_ref().map_or("Parallax".to_string(), |path| path.display().to_string());
    let mode = if args.add_missing { "with the missing <link>/<title> added" } else { "as published" };
    println!("{judged_parser}, feeds {mode}:");
    print!("{}", judge::report(&outcomes));
    println!("({:.1} s)", started.elapsed().as_secs_f64());
    Ok(())
}

/// How the cases' feeds fared as whole feeds.
#[derive(Default)]
struct FeedCounts {
    read: usize,
    without_articles: usize,
    failed: BTreeMap<String, usize>,
    /// Every refused case with its reason, for `--failures`.
    refused: Vec<String>,
    crashed: Vec<String>,
    links_added: usize,
    titles_added: usize,
}

impl FeedCounts {
    fn summary(&self) -> String {
        let failed: usize = self.failed.values().sum();
        let mut out = format!(
            "feeds: {} read ({} of them without an article), {failed} refused, {} crashed; added {} links and {} titles",
            self.read,
            self.without_articles,
            self.crashed.len(),
            self.links_added,
            self.titles_added
        );
        for (reason, count) in &self.failed {
            out.push_str(&format!("\n  refused {count:>4}: {reason}"));
        }
        for path in &self.crashed {
            out.push_str(&format!("\n  CRASHED: {path}"));
        }
        out
    }
}

/// Serves every case on loopback and ingests each into its own store.
fn run_parallax(
    cases: &[Case],
    add_missing: bool,
    config: &Config,
) -> Result<(BTreeMap<String, FirstEntry>, FeedCounts)> {
    let mut counts = FeedCounts::default();
    let mut routes = Vec::with_capacity(cases.len());
    for case in cases {
        let (body, added) = if add_missing { suite::add_missing(case) } else { (case.body.clone(), Added::default()) };
        counts.links_added += usize::from(added.link);
        counts.titles_added += usize::from(added.title);
        let mut headers = case.headers.clone();
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
            // What feedparser's own test server sends for `.xml`.
            headers.push(("Content-Type".into(), "application/xml".into()));
        }
        routes.push((format!("/tests/{}", case.path), Route::Body { status: case.status, headers, body }));
    }
    let server = FixtureServer::start(routes).context("cannot start the loopback server for the suite")?;
    let origin = server.url("");
    let mut config = config.clone();
    config.fetch.allow_private_networks = true;
    config.fetch.max_redirects = 0;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let mut entries = BTreeMap::new();
    for case in cases {
        let url = server.url(&format!("/tests/{}", case.path));
        let mut store = SqliteStore::open_in_memory()?;
        let source = FeedSource {
            url: url.clone(),
            outlet: "example.com".into(),
            title: None,
            language: None,
            categories: Vec::new(),
        };
        store.import(&[], &[], &[source])?;
        let summary = crate::bench::ingest_registered(&runtime, &mut store, &config)?;
        for (_, reason) in &summary.failed {
            if reason.contains("crashed") {
                counts.crashed.push(format!("{}: {reason}", case.path));
            } else {
                *counts.failed.entry(failure_kind(reason)).or_default() += 1;
                counts.refused.push(format!("{}: {reason}", case.path));
            }
        }
        let mut first: Option<Article> = None;
        store.for_each_article(&mut |article| {
            if first.as_ref().is_none_or(|kept| article.id < kept.id) {
                first = Some(article);
            }
            Ok(())
        })?;
        if summary.failed.is_empty() {
            counts.read += 1;
            counts.without_articles += usize::from(first.is_none());
        }
        if let Some(article) = first {
            entries.insert(case.path.clone(), first_entry(&article, &origin));
        }
    }
    Ok((entries, counts))
}

/// A failure reason without the parts that differ per case (positions,
/// URLs), so the report can count them.
fn failure_kind(reason: &str) -> String {
    let kind: String = reason.chars().take_while(|c| !c.is_ascii_digit()).collect();
    kind.replace('\n', " ").trim_end_matches([' ', ':', '(']).to_string()
}

/// Parallax's article as the judge reads it. Links that resolved against
/// the loopback server are given the suite's origin back.
fn first_entry(article: &Article, origin: &str) -> FirstEntry {
    let a = &article.article;
    let suite_origin = |text: &str| match text.strip_prefix(origin) {
        Some(rest) => format!("{SUITE_ORIGIN}{rest}"),
        None => text.to_string(),
    };
    let mut dates = BTreeMap::new();
    if a.date_flag.is_none() {
        let p = a.published;
        dates.insert(
            "*".to_string(),
            [
                i64::from(p.year()),
                i64::from(p.month()),
                i64::from(p.day()),
                i64::from(p.hour()),
                i64::from(p.minute()),
                i64::from(p.second()),
            ],
        );
    }
    let link = (!a.url.is_empty()).then(|| suite_origin(&a.url));
    FirstEntry {
        title: Some(a.title.clone()),
        link,
        summary: Some(a.snippet.clone()),
        content: Some(a.content_html.clone()),
        id: Some(suite_origin(&a.guid)),
        dates,
        plain: true,
    }
}

/// Another parser's first entries: `{"case": ..., fields of FirstEntry}`
/// per line.
fn read_judged_entries(path: &PathBuf) -> Result<BTreeMap<String, FirstEntry>> {
    #[derive(serde::Deserialize)]
    struct Line {
        case: String,
        #[serde(flatten)]
        entry: FirstEntry,
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut entries = BTreeMap::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Line = serde_json::from_str(&line)
            .with_context(|| format!("{}:{}: not a first entry", path.display(), number + 1))?;
        entries.insert(parsed.case, parsed.entry);
    }
    Ok(entries)
}
