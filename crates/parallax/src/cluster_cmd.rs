//! `parallax cluster` and `parallax eval cluster`: the clustering engine that
//! `ingest` uses, over JSON Lines, for other tools and for measurement.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use parallax_cluster::eval::{StoryLog, bcubed, pairwise};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use parallax_ingest::Config;
use serde::Deserialize;

use crate::jsonl;
use parallax_ingest::stories::{TextEmbedder, attach_embeddings, embed_inputs};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// JSON Lines of articles: {"id", "title", "text"?, "outlet"?, "url"?,
    /// "published"? (RFC 3339), "language"?}. Standard input by default.
    #[arg(long, short, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Where to write {"id", "story"} lines, one per input article in input
    /// order. Standard output by default.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Blend in dense embeddings from this model folder (overrides
    /// embed.model_dir; needs a build with `--features embeddings`).
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalClusterArgs {
    /// Articles, as for `parallax cluster`.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Gold stories: {"id", "story"} lines.
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Cut every article's text to its first N words (0: headline only),
    /// to measure what clustering loses when a feed gives only a teaser and
    /// no full text is fetched.
    #[arg(long, value_name = "N")]
    teaser_words: Option<usize>,
    /// Blend in dense embeddings from this model folder (overrides
    /// embed.model_dir; needs a build with `--features embeddings`).
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct InputArticle {
    id: String,
    title: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    outlet: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GoldLine {
    id: String,
    story: String,
}

/// The stories of `articles`: for each, in input order, the id of the first
/// article of its story.
///
/// Articles are fed in publication order where they have a date; an undated
/// article keeps its place after the dated article before it in the input,
/// so an undated file is processed in file order.
fn cluster(
    articles: &[InputArticle],
    published: &[Option<i64>],
    config: &ClusterConfig,
    embedder: Option<&dyn TextEmbedder>,
) -> Result<Vec<usize>> {
    let mut order: Vec<usize> = (0..articles.len()).collect();
    let mut last_seen = i64::MIN;
    let sort_time: Vec<i64> = published
        .iter()
        .map(|time| {
            if let Some(t) = time {
                last_seen = *t;
            }
            last_seen
        })
        .collect();
    order.sort_by_key(|&i| sort_time[i]);

    let mut clusterer = Clusterer::new(config.clone()).context("cluster: invalid configuration")?;
    let mut inputs: Vec<ArticleInput<'_>> = order
        .iter()
        .map(|&index| {
            let article = &articles[index];
            ArticleInput {
                key: index as u64,
                title: &article.title,
                text: article.text.as_deref().unwrap_or(""),
                outlet: article.outlet.as_deref(),
                language: article.language.as_deref(),
                published: published[index],
                embedding: None,
            }
        })
        .collect();
    let vectors = match embedder {
        Some(embedder) => {
            let started = Instant::now();
            eprintln!("embedding {} articles…", inputs.len());
            let vectors = embed_inputs(embedder, &inputs).map_err(|reason| anyhow::anyhow!("{reason}"))?;
            let seconds = started.elapsed().as_secs_f64();
            eprintln!("embedded in {seconds:.1} s ({:.0} articles/s)", inputs.len() as f64 / seconds.max(1e-9));
            vectors
        }
        None => Vec::new(),
    };
    attach_embeddings(&mut inputs, &vectors);
    // One batch, as ingestion hands over everything a refresh round fetched.
    let assignments = clusterer.add_batch(&inputs);
    let mut log = StoryLog::new();
    let mut first_of_story: HashMap<u64, usize> = HashMap::new();
    for (input, assignment) in inputs.iter().zip(&assignments) {
        first_of_story.entry(assignment.story).or_insert(input.key as usize);
        log.record(input.key, assignment);
    }
    let mut story_of = vec![0; articles.len()];
    for (key, story) in log.final_stories() {
        story_of[key as usize] = first_of_story.get(&story).copied().unwrap_or(key as usize);
    }
    Ok(story_of)
}

/// Reads articles, reporting malformed lines (with their number) and bad
/// dates on stderr; the rest are returned with their parsed dates.
fn read_articles(input: Option<&Path>) -> Result<(Vec<InputArticle>, Vec<Option<i64>>)> {
    let mut articles = Vec::new();
    let mut published = Vec::new();
    jsonl::read_lines(input, |line_number, article: InputArticle| {
        let time = match article.published.as_deref() {
            None => None,
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(time) => Some(time.timestamp()),
                Err(error) => {
                    eprintln!(
                        "warning: line {line_number}: published {text:?} is not RFC 3339 ({error}); treated as undated"
                    );
                    None
                }
            },
        };
        articles.push(article);
        published.push(time);
    })?;
    Ok((articles, published))
}

pub fn run_cluster(args: ClusterArgs, config: &Config) -> Result<()> {
    let embedder = crate::embedder::load(&config.embed, args.model.as_deref())?;
    let (articles, published) = read_articles(args.input.as_deref())?;
    let stories = cluster(&articles, &published, &config.cluster, embedder.as_deref())?;
    let mut out = BufWriter::new(jsonl::writer(args.output.as_deref())?);
    for (article, story) in articles.iter().zip(&stories) {
        let line = serde_json::json!({ "id": article.id, "story": articles[*story].id });
        jsonl::write_line(&mut out, &line)?;
    }
    out.flush().context("cluster: cannot write the output")
}

pub fn run_eval(args: EvalClusterArgs, config: &Config) -> Result<()> {
    let embedder = crate::embedder::load(&config.embed, args.model.as_deref())?;
    let config = &config.cluster;
    let (mut articles, published) = read_articles(Some(&args.input))?;
    if let Some(words) = args.teaser_words {
        for article in &mut articles {
            article.text = article.text.as_deref().map(|text| crate::teaser::cut(text, words));
        }
        println!("texts cut to teasers of {words} words");
    }
    let mut gold = Vec::new();
    jsonl::read_lines(Some(&args.gold), |_, line: GoldLine| gold.push((line.id, line.story)))?;
    let started = Instant::now();
    let stories = cluster(&articles, &published, config, embedder.as_deref())?;
    let elapsed = started.elapsed().as_secs_f64();
    let predicted: Vec<(String, String)> =
        articles.iter().zip(&stories).map(|(a, s)| (a.id.clone(), articles[*s].id.clone())).collect();
    let distinct: std::collections::HashSet<&String> = predicted.iter().map(|(_, s)| s).collect();
    println!("articles: {}, predicted stories: {}", articles.len(), distinct.len());
    println!("BCubed   {}", bcubed(&predicted, &gold));
    println!("pairwise {}", pairwise(&predicted, &gold));
    // The model embeds on every core unless RAYON_NUM_THREADS says otherwise.
    let cores = if embedder.is_some() { "embedding included, clustering on one core" } else { "one core" };
    println!("throughput: {:.0} articles/s ({elapsed:.2} s, {cores})", articles.len() as f64 / elapsed.max(1e-9));
    Ok(())
}
