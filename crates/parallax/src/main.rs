//! The `parallax` command: argument parsing, terminal output and wiring of
//! the library crates. Logic lives in the libraries; this file only decides
//! which of them to call and how to show what they return.

mod bench;
mod cluster_cmd;
mod commands;
mod data_dir;
mod embedder;
mod eval_feeds;
mod extract_cmd;
mod jsonl;
mod migrate;
mod roles;
mod serve;
mod summary_cmd;
mod teaser;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Parallax reads the feeds of many news outlets, keeps clean articles, and
/// shows how one event is told across the political spectrum.
///
/// All state lives in one data directory (./parallax-data by default).
#[derive(Debug, Parser)]
#[command(name = "parallax", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Where Parallax keeps its database and configuration.
    #[arg(long, global = true, env = "PARALLAX_DATA_DIR", default_value = "parallax-data", value_name = "DIR")]
    data_dir: PathBuf,

    /// Configuration file (TOML). Defaults to DIR/parallax.toml when it exists;
    /// every key is optional and documented in README.md.
    #[arg(long, global = true, env = "PARALLAX_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Keep the data in PostgreSQL at this URL
    /// (postgres://user:password@host:port/database) instead of SQLite in
    /// the data directory. Config key: database.url.
    #[arg(long, global = true, env = "PARALLAX_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One round without the server: fetch every feed, store new articles,
    /// fetch full text for cut teasers, and update the stories.
    ///
    /// With no feeds known yet, the bundled outlet list (187 outlets in 15
    /// languages) is registered first. With --opml, only that file's feeds
    /// are registered and fetched.
    Ingest(commands::IngestArgs),
    /// Import, list and inspect outlets and their ratings.
    #[command(subcommand)]
    Outlets(commands::OutletsCommand),
    /// List feeds with their fetch status and error counts.
    Feeds(commands::FeedsArgs),
    /// Write stored data as JSON Lines.
    #[command(subcommand)]
    Export(commands::ExportCommand),
    /// Group articles (JSON Lines) into stories with the engine `ingest` uses.
    Cluster(cluster_cmd::ClusterArgs),
    /// Summarise stories (JSON Lines) with the summariser stored stories use.
    Summarize(summary_cmd::SummarizeArgs),
    /// Extract article bodies from pages (JSON Lines of HTML).
    Extract(extract_cmd::ExtractArgs),
    /// Score Parallax against labelled data.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Measure speed and print the figures (no assertions).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Serve story pages and the JSON API, refreshing feeds in the background.
    ///
    /// Pages: / (top stories), /stories/ID, /blindspots, /outlets/DOMAIN,
    /// /search?q=, /status; the API under /api/v1/ (described at
    /// /api/v1/openapi.json); Prometheus metrics at /metrics. Every due feed
    /// is fetched each tick, then new articles are placed in stories and
    /// the search index (DIR/search) catches up. Ctrl-C or SIGTERM finishes
    /// the requests and the round in progress, then closes the database.
    ///
    /// The [server] table of the configuration file sets the same limits as
    /// the flags, plus: refresh_default_interval_secs (900),
    /// refresh_min_interval_secs (300), refresh_max_interval_secs (86400),
    /// home_stories (30), home_candidates (400), home_half_life_hours (12),
    /// list_stories (30), api_default_limit (20), api_max_limit (100),
    /// search_results (30), max_query_chars (200), search_writer_bytes
    /// (52428800), search_batch (500). PARALLAX_LOG=info logs every round.
    Serve(serve::ServeArgs),
    /// Copy this data directory's SQLite database into PostgreSQL.
    ///
    /// Copies outlets, ratings (with their source files and versions),
    /// feeds (with validators, errors and back-off), articles, full texts,
    /// stories, merges and views, with their ids, in one transaction;
    /// compares the row counts before committing. Refuses a database that
    /// already holds data unless --force. Afterwards run every command
    /// with --database URL (or [database] url in parallax.toml).
    Migrate(migrate::MigrateArgs),
}

#[derive(Debug, Subcommand)]
enum EvalCommand {
    /// BCubed and pairwise precision/recall/F1 of `parallax cluster` against
    /// gold stories, and the throughput.
    Cluster(cluster_cmd::EvalClusterArgs),
    /// ROUGE-1/2/L F1 of `parallax summarize` against reference summaries,
    /// next to the lead-sentence baseline, and the speed.
    Summary(summary_cmd::EvalSummaryArgs),
    /// Shingle precision/recall/F1 of `parallax extract` against the text a
    /// person marked as the article body, and the time per page.
    Extract(extract_cmd::EvalExtractArgs),
    /// Pass/fail of Parallax's feed reading on feedparser's test suite (read
    /// from a path you give, never shipped), per field and folder.
    Feeds(eval_feeds::EvalFeedsArgs),
}

/// `parallax export stories | head` should stop quietly when `head` has
/// read enough, as other command-line tools do, rather than panic in
/// `println!` on the closed pipe: the default SIGPIPE action ends the
/// process. Only for commands that write to stdout and open no sockets:
/// `serve`, `ingest` and `summarize`/`eval summary` (which may call a
/// generative endpoint) keep SIGPIPE ignored so a peer closing a
/// connection is an error value, not the end of the process.
fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread is spawned;
    // restoring the default action of one signal has no other effect.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Export(_)
            | Command::Cluster(_)
            | Command::Extract(_)
            | Command::Outlets(_)
            | Command::Feeds(_)
            | Command::Bench(_)
            | Command::Eval(EvalCommand::Cluster(_) | EvalCommand::Extract(_))
    ) {
        quiet_broken_pipe();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARALLAX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,trafilatura=error")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    data_dir::choose_database(cli.database.clone(), cli.config.clone());
    let result = match cli.command {
        Command::Ingest(args) => commands::ingest(&cli.data_dir, cli.config.as_deref(), args),
        Command::Outlets(command) => commands::outlets(&cli.data_dir, cli.config.as_deref(), command),
        Command::Feeds(args) => commands::feeds(&cli.data_dir, args),
        Command::Export(command) => commands::export(&cli.data_dir, command),
        Command::Cluster(args) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| cluster_cmd::run_cluster(args, &config)),
        Command::Eval(EvalCommand::Cluster(args)) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| cluster_cmd::run_eval(args, &config)),
        Command::Summarize(args) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| summary_cmd::run_summarize(args, &config.summary)),
        Command::Eval(EvalCommand::Summary(args)) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| summary_cmd::run_eval(args, &config.summary)),
        Command::Extract(args) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| extract_cmd::run_extract(args, &config.extract)),
        Command::Eval(EvalCommand::Extract(args)) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| extract_cmd::run_eval(args, &config.extract)),
        Command::Eval(EvalCommand::Feeds(args)) => data_dir::load_config(&cli.data_dir, cli.config.as_deref())
            .and_then(|config| eval_feeds::run(&args, &config)),
        Command::Bench(command) => {
            data_dir::load_config(&cli.data_dir, cli.config.as_deref()).and_then(|config| bench::run(command, &config))
        }
        Command::Serve(args) => serve::serve(&cli.data_dir, cli.config.as_deref(), args),
        Command::Migrate(args) => migrate::run(&cli.data_dir, &args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: library errors name their
/// cause in their own message, so a cause whose text the line already
/// holds is not repeated.
fn error_chain(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use anyhow::Context;

    #[derive(Debug, thiserror::Error)]
    #[error("store: insert articles: {source}")]
    struct StoreError {
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("ingest: {0}")]
    struct IngestError(#[from] StoreError);

    #[test]
    fn each_cause_is_printed_once() {
        let disk = std::io::Error::other("disk I/O error");
        let error = anyhow::Error::from(IngestError(StoreError { source: disk }));
        assert_eq!(super::error_chain(&error), "ingest: store: insert articles: disk I/O error");
        let context = Err::<(), _>(std::io::Error::other("no such file")).context("cannot read feeds.opml");
        let error = context.expect_err("an error");
        assert_eq!(super::error_chain(&error), "cannot read feeds.opml: no such file");
    }
}
