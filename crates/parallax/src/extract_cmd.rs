//! `parallax extract` and `parallax eval extract`: the article-body
//! extractor that full-text fetching uses, over JSON Lines and files.

use std::collections::HashMap;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use parallax_extract::ExtractConfig;
use serde::Deserialize;
use serde_json::json;

use crate::jsonl;

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// JSON Lines of pages: {"id", "url", "html"}. Standard input by default.
    #[arg(long, short, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Where to write {"id", "text"} lines (with "error" when nothing could
    /// be extracted). Standard output by default.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalExtractArgs {
    /// Directory of pages named ID.html or ID.html.gz.
    #[arg(long, value_name = "DIR")]
    html_dir: PathBuf,
    /// The true article bodies: {ID: {"articleBody", "url"?}}.
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
}

#[derive(Debug, Deserialize)]
struct PageLine {
    id: String,
    #[serde(default)]
    url: Option<String>,
    html: String,
}

#[derive(Debug, Deserialize)]
struct Truth {
    #[serde(rename = "articleBody")]
    article_body: String,
}

pub fn run_extract(args: ExtractArgs, config: &ExtractConfig) -> Result<()> {
    let mut out = BufWriter::new(jsonl::writer(args.output.as_deref())?);
    let mut failure = None;
    jsonl::read_lines(args.input.as_deref(), |_, page: PageLine| {
        if failure.is_some() {
            return;
        }
        let line = match parallax_extract::extract(&page.html, page.url.as_deref(), config) {
            Ok(extracted) => json!({ "id": page.id, "text": extracted.text }),
            Err(error) => {
                eprintln!("warning: page {}: {error}", page.id);
                json!({ "id": page.id, "text": "", "error": error.to_string() })
            }
        };
        failure = jsonl::write_line(&mut out, &line).err();
    })?;
    failure.map_or(Ok(()), Err)?;
    out.flush().context("extract: cannot write the output")
}

/// Reads `ID.html` or `ID.html.gz` from the page directory.
fn read_page(dir: &std::path::Path, id: &str) -> Result<Vec<u8>> {
    let plain = dir.join(format!("{id}.html"));
    if plain.exists() {
        return std::fs::read(&plain).with_context(|| format!("cannot read {}", plain.display()));
    }
    let gz = dir.join(format!("{id}.html.gz"));
    let file = std::fs::File::open(&gz).with_context(|| format!("no page {id} in {}", dir.display()))?;
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot decompress {}", gz.display()))?;
    Ok(bytes)
}

pub fn run_eval(args: EvalExtractArgs, config: &ExtractConfig) -> Result<()> {
    let text = std::fs::read_to_string(&args.truth).with_context(|| format!("cannot read {}", args.truth.display()))?;
    let truth: HashMap<String, Truth> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON object of pages", args.truth.display()))?;
    let mut ids: Vec<&String> = truth.keys().collect();
    ids.sort();
    let mut pages = Vec::new();
    for id in ids {
        match read_page(&args.html_dir, id) {
            Ok(bytes) => {
                let html = parallax_extract::decode_html(&bytes, None);
                let body = truth[id].article_body.clone();
                pages.push((id.clone(), html, body));
            }
            Err(error) => eprintln!("warning: {error:#}; page skipped"),
        }
    }
    if pages.is_empty() {
        bail!("eval extract: no page of {} found in {}", args.truth.display(), args.html_dir.display());
    }
    let report = parallax_extract::eval::evaluate(pages.into_iter(), config);
    println!("pages: {} ({} failed to extract)", report.pages, report.failures);
    println!(
        "shingle precision {:.3}  recall {:.3}  F1 {:.3}  (mean per-page F1 {:.3})",
        report.precision, report.recall, report.f1, report.mean_page_f1
    );
    println!("time: {:.1} ms per page (one core)", report.mean_ms_per_page);
    Ok(())
}
