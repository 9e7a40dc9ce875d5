//! The `parallax` command: argument parsing, terminal output and wiring of
//! the library crates. Logic lives in the libraries; this file only decides
//! which of them to call and how to show what they return.

mod bench;
mod commands;
mod data_dir;

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

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fetch every known feed once and store new articles.
    ///
    /// With no feeds known yet, the bundled outlet list (about 130 outlets
    /// in several countries and languages) is registered first. With --opml,
    /// only that file's feeds are registered and fetched.
    Ingest(commands::IngestArgs),
    /// Import, list and inspect outlets and their ratings.
    #[command(subcommand)]
    Outlets(commands::OutletsCommand),
    /// List feeds with their fetch status and error counts.
    Feeds(commands::FeedsArgs),
    /// Write stored data as JSON Lines.
    #[command(subcommand)]
    Export(commands::ExportCommand),
    /// Measure speed and print the figures (no assertions).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARALLAX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let result = match cli.command {
        Command::Ingest(args) => commands::ingest(&cli.data_dir, cli.config.as_deref(), args),
        Command::Outlets(command) => commands::outlets(&cli.data_dir, command),
        Command::Feeds(args) => commands::feeds(&cli.data_dir, args),
        Command::Export(command) => commands::export(&cli.data_dir, command),
        Command::Bench(command) => bench::run(command),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
