//! `parallax cluster` and `parallax eval cluster`: the clustering engine that
//! `ingest` uses, over JSON Lines, for other tools and for measurement.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use parallax_cluster::eval::{PairsOf, StoryLog, bcubed, fragmentation, pairwise, pairwise_by_group};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use parallax_ingest::Config;
use serde::Deserialize;

use crate::jsonl;
use parallax_ingest::stories::{TextEmbedder, attach_embeddings, embed_inputs};

#[derive(Debug, Args)]
pub struct ClusterArgs {
    /// JSON Lines of articles: {"id", "title", "text"?, "outlet"?, "url"?,
    /// "published"? (ISO 8601: RFC 3339, a zone offset such as +0200, or a
    /// date alone such as 2013-09-28, read as midnight UTC), "language"?
    /// (or "lang"), "embedding"? (a dense vector of the title and lead from
    /// any sentence-embedding model, the same model for every line; it is
    /// scaled to unit length and blended in as --model's would be)}.
    /// Standard input by default.
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
    /// Also write every input line with the model's "embedding" added, so
    /// later runs (`cluster`, `eval cluster`) read the vectors instead of
    /// embedding again. Needs --model or embed.model_dir.
    #[arg(long, value_name = "FILE")]
    save_embeddings: Option<PathBuf>,
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
    /// Cluster as if no article had a date (to measure what the words alone
    /// do, or a set whose dates give its stories away).
    #[arg(long)]
    ignore_dates: bool,
    /// Also score by group: `lang` gives each language's own scores and,
    /// over pairs of articles in different languages, how many of those
    /// in one gold story were put together (cross-language recall).
    #[arg(long, value_enum, value_name = "GROUP")]
    by: Option<GroupBy>,
    /// Instead of the input as it is, cluster a long dated stream of this
    /// many articles resampled from its gold stories (events of 3 to 400
    /// articles over hours to days, and one planted event of 300 articles
    /// over five days; see parallax_cluster::stream), fed in refresh
    /// rounds, and report how whole the events stayed as the stream went
    /// on.
    #[arg(long, value_name = "ARTICLES")]
    stream: Option<usize>,
    /// Articles per day in the resampled stream.
    #[arg(long, value_name = "N", default_value_t = 5_000, requires = "stream")]
    per_day: usize,
    /// Articles per refresh round (one `add_batch` call) in the resampled
    /// stream.
    #[arg(long, value_name = "N", default_value_t = 200, requires = "stream")]
    round: usize,
    /// Seed of the resampled stream (another seed, another stream).
    #[arg(long, value_name = "N", requires = "stream")]
    seed: Option<u64>,
}

/// What `eval cluster --by` groups articles by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GroupBy {
    /// The article's "language" (or "lang").
    Lang,
}

#[derive(Debug, Deserialize, serde::Serialize)]
struct InputArticle {
    id: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outlet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(default, alias = "lang", skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    /// The caller's own embedding of title and lead, unit length once read
    /// (see [`read_articles`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    embedding: Option<Vec<f32>>,
}

#[derive(Debug, Deserialize)]
struct GoldLine {
    id: String,
    story: String,
    /// The gold topic, where a set groups its stories (ECB+: two events of
    /// one kind per topic).
    #[serde(default)]
    topic: Option<String>,
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

    let config = parallax_ingest::stories::cluster_config(config, embedder);
    let mut clusterer = Clusterer::new(config).context("cluster: invalid configuration")?;
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
                embedding: article.embedding.as_deref(),
            }
        })
        .collect();
    // A model replaces the embeddings the input gave.
    let vectors = match embedder {
        Some(embedder) => embed_timed(embedder, &inputs)?,
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

/// Embeds `articles` and writes them, each with its "embedding", to `path`
/// as JSON Lines (the `cluster` input contract); the articles keep their
/// vectors.
fn save_embeddings(articles: &mut [InputArticle], embedder: &dyn TextEmbedder, path: &Path) -> Result<()> {
    let inputs: Vec<ArticleInput> = articles
        .iter()
        .map(|a| ArticleInput { title: &a.title, text: a.text.as_deref().unwrap_or(""), ..ArticleInput::default() })
        .collect();
    let vectors = embed_timed(embedder, &inputs)?;
    let mut out = BufWriter::new(jsonl::writer(Some(path))?);
    for (article, vector) in articles.iter_mut().zip(vectors) {
        article.embedding = Some(vector);
        jsonl::write_line(&mut out, article)?;
    }
    out.flush().with_context(|| format!("cluster: cannot write {}", path.display()))
}

/// How many stories `assignments` (article, story) make, and the size of
/// the largest: a blend that lets stories balloon shows here first.
fn story_sizes<K, S: std::hash::Hash + Eq>(assignments: &[(K, S)]) -> (usize, usize) {
    let mut sizes: HashMap<&S, usize> = HashMap::new();
    for (_, story) in assignments {
        *sizes.entry(story).or_default() += 1;
    }
    (sizes.len(), sizes.values().copied().max().unwrap_or(0))
}

/// The model's embedding of each input, with its speed on stderr.
fn embed_timed(embedder: &dyn TextEmbedder, inputs: &[ArticleInput]) -> Result<Vec<Vec<f32>>> {
    let started = Instant::now();
    eprintln!("embedding {} articles…", inputs.len());
    let vectors = embed_inputs(embedder, inputs).map_err(|reason| anyhow::anyhow!("{reason}"))?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("embedded in {seconds:.1} s ({:.0} articles/s)", inputs.len() as f64 / seconds.max(1e-9));
    Ok(vectors)
}

/// Reads articles, reporting malformed lines (with their number) and
/// unreadable dates on stderr; the rest are returned with their parsed
/// dates.
fn read_articles(input: Option<&Path>) -> Result<(Vec<InputArticle>, Vec<Option<i64>>)> {
    let mut articles = Vec::new();
    let mut published = Vec::new();
    let mut dims = None;
    jsonl::read_lines(input, |line_number, mut article: InputArticle| {
        if let Some(vector) = article.embedding.take() {
            let expected = *dims.get_or_insert(vector.len());
            match unit_embedding(vector, expected) {
                Ok(vector) => article.embedding = Some(vector),
                Err(reason) => eprintln!("warning: line {line_number}: embedding {reason}; clustered on words alone"),
            }
        }
        let time = match article.published.as_deref() {
            None => None,
            Some(text) => match parse_published(text) {
                Some(time) => Some(time),
                None => {
                    eprintln!(
                        "warning: line {line_number}: published {text:?} is not an ISO 8601 date or time \
                         (2013-09-28, 2013-09-28T14:05:00Z, 2013-09-28T16:05:00+02:00); treated as undated"
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

/// `vector` scaled to unit length, or why it cannot be: the clusterer
/// takes the dot product of two embeddings for their cosine, so each must
/// be finite, non-zero and as long as the file's first.
fn unit_embedding(mut vector: Vec<f32>, expected: usize) -> Result<Vec<f32>, String> {
    if vector.len() != expected {
        return Err(format!("has {} dimensions, the first embedding of the input {expected}", vector.len()));
    }
    if vector.iter().any(|value| !value.is_finite()) {
        return Err("holds a value that is not a finite number".to_string());
    }
    let norm = vector.iter().map(|value| value * value).sum::<f32>().sqrt();
    if vector.is_empty() || norm == 0.0 || !norm.is_finite() {
        return Err("is empty or all zeros".to_string());
    }
    for value in &mut vector {
        *value /= norm;
    }
    Ok(vector)
}

/// Unix seconds of an ISO 8601 date or time as people write them: RFC 3339
/// (`2013-09-28T14:05:00Z`, `...+02:00`, fractions of a second), the
/// offset written `+0200` or `+02`, a space for the `T`, no seconds, no
/// zone (UTC), the basic format (`20130928T140500Z`), or a date alone
/// (`2013-09-28`, midnight UTC: news sets such as ECB+ and MEANTIME give
/// only the day).
fn parse_published(text: &str) -> Option<i64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let text = text.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp());
    }
    const ZONED: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M%#z",
        "%Y%m%dT%H%M%S%#z",
        "%Y%m%dT%H%M%#z",
    ];
    for format in ZONED {
        if let Ok(time) = DateTime::parse_from_str(text, format) {
            return Some(time.timestamp());
        }
    }
    const LOCAL: [&str; 6] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y%m%dT%H%M%S",
        "%Y%m%dT%H%M",
    ];
    for format in LOCAL {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return Some(time.and_utc().timestamp());
        }
    }
    let date = text.strip_suffix(['Z', 'z']).unwrap_or(text);
    ["%Y-%m-%d", "%Y%m%d"]
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(date, format).ok())
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc().timestamp())
}

pub fn run_cluster(args: ClusterArgs, config: &Config) -> Result<()> {
    let embedder = crate::embedder::load(&config.embed, args.model.as_deref())?;
    let (mut articles, published) = read_articles(args.input.as_deref())?;
    let mut embedder = embedder.as_deref();
    let cluster_config = parallax_ingest::stories::cluster_config(&config.cluster, embedder);
    if let Some(path) = &args.save_embeddings {
        let Some(model) = embedder else {
            anyhow::bail!("cluster: --save-embeddings needs a model (--model or embed.model_dir)");
        };
        save_embeddings(&mut articles, model, path)?;
        // The articles carry the vectors now.
        embedder = None;
    }
    let stories = cluster(&articles, &published, &cluster_config, embedder)?;
    let mut out = BufWriter::new(jsonl::writer(args.output.as_deref())?);
    for (article, story) in articles.iter().zip(&stories) {
        let line = serde_json::json!({ "id": article.id, "story": articles[*story].id });
        jsonl::write_line(&mut out, &line)?;
    }
    out.flush().context("cluster: cannot write the output")
}

pub fn run_eval(args: EvalClusterArgs, config: &Config) -> Result<()> {
    if let Some(articles) = args.stream {
        return run_stream_eval(&args, articles, config);
    }
    let embedder = crate::embedder::load(&config.embed, args.model.as_deref())?;
    let config = &config.cluster;
    let (mut articles, mut published) = read_articles(Some(&args.input))?;
    if let Some(words) = args.teaser_words {
        for article in &mut articles {
            article.text = article.text.as_deref().map(|text| crate::teaser::cut(text, words));
        }
        println!("texts cut to teasers of {words} words");
    }
    if args.ignore_dates {
        published.fill(None);
        println!("dates ignored");
    }
    let mut gold = Vec::new();
    let mut topics = Vec::new();
    jsonl::read_lines(Some(&args.gold), |_, line: GoldLine| {
        if let Some(topic) = line.topic {
            topics.push((line.id.clone(), topic));
        }
        gold.push((line.id, line.story));
    })?;
    let started = Instant::now();
    let stories = cluster(&articles, &published, config, embedder.as_deref())?;
    let elapsed = started.elapsed().as_secs_f64();
    let predicted: Vec<(String, String)> =
        articles.iter().zip(&stories).map(|(a, s)| (a.id.clone(), articles[*s].id.clone())).collect();
    let (stories_found, largest) = story_sizes(&predicted);
    let (_, gold_largest) = story_sizes(&gold);
    println!(
        "articles: {}, predicted stories: {stories_found} (largest {largest}; largest gold story {gold_largest})",
        articles.len()
    );
    println!("BCubed   {}", bcubed(&predicted, &gold));
    println!("pairwise {}", pairwise(&predicted, &gold));
    println!("gold stories: {}", fragmentation(&predicted, &gold));
    if !topics.is_empty() {
        let within = pairwise_by_group(&predicted, &gold, &topics, PairsOf::SameGroup);
        println!(
            "within a gold topic: pairwise P {:.4} R {:.4} (pairs put together that are one gold story)",
            within.precision, within.recall
        );
    }
    if args.by == Some(GroupBy::Lang) {
        report_by_language(&articles, &predicted, &gold);
    }
    // The model embeds on every core unless RAYON_NUM_THREADS says otherwise.
    let cores = if embedder.is_some() { "embedding included, clustering on one core" } else { "one core" };
    println!("throughput: {:.0} articles/s ({elapsed:.2} s, {cores})", articles.len() as f64 / elapsed.max(1e-9));
    Ok(())
}

/// A real article's embedding, if it has one.
type Embedding<'a> = Option<&'a [f32]>;

/// `eval cluster --stream`: the input's gold stories resampled into a long
/// dated stream, clustered in refresh rounds, and scored on how whole each
/// event stayed, early and late in the stream, and for the big events.
fn run_stream_eval(args: &EvalClusterArgs, articles: usize, config: &Config) -> Result<()> {
    use parallax_cluster::stream::{SourceText, StreamConfig, resample};
    let (sources, _) = read_articles(Some(&args.input))?;
    let mut gold_story: HashMap<String, String> = HashMap::new();
    jsonl::read_lines(Some(&args.gold), |_, line: GoldLine| {
        gold_story.insert(line.id, line.story);
    })?;
    // The embedding of each real article, given in the input or by the
    // model: a retelling carries its source's (the model reads each real
    // text once, as `bench cluster` does).
    let embedder = crate::embedder::load(&config.embed, args.model.as_deref())?;
    let mut embedded: Vec<Option<Vec<f32>>> = sources.iter().map(|a| a.embedding.clone()).collect();
    if let Some(embedder) = embedder.as_deref() {
        let inputs: Vec<ArticleInput> = sources
            .iter()
            .map(|a| ArticleInput { title: &a.title, text: a.text.as_deref().unwrap_or(""), ..ArticleInput::default() })
            .collect();
        embedded = embed_timed(embedder, &inputs)?.into_iter().map(Some).collect();
    }
    let mut by_story: std::collections::BTreeMap<&str, Vec<(SourceText, Embedding)>> =
        std::collections::BTreeMap::new();
    for (article, embedding) in sources.iter().zip(&embedded) {
        if let Some(story) = gold_story.get(&article.id) {
            let text = article.text.as_deref().unwrap_or("");
            by_story.entry(story).or_default().push((SourceText { title: &article.title, text }, embedding.as_deref()));
        }
    }
    let (stories, embeddings): (Vec<Vec<SourceText>>, Vec<Vec<Embedding>>) =
        by_story.into_values().map(|story| story.into_iter().unzip()).unzip();
    anyhow::ensure!(!stories.is_empty(), "eval cluster: no article of {} is in the gold", args.input.display());
    let defaults = StreamConfig::default();
    let seed = args.seed.unwrap_or(defaults.seed);
    let stream_config = StreamConfig { articles, per_day: args.per_day.max(1), seed, ..defaults };
    let stream = resample(&stories, &stream_config);
    let outlets: Vec<String> = (0..stream_config.outlets).map(|i| format!("outlet{i}.example")).collect();
    println!(
        "stream: {} articles resampled from {} gold stories, {} per day over {:.0} days, rounds of {}",
        stream.len(),
        stories.len(),
        stream_config.per_day,
        stream.len() as f64 / stream_config.per_day as f64,
        args.round
    );
    let inputs: Vec<ArticleInput> = stream
        .iter()
        .enumerate()
        .map(|(key, article)| ArticleInput {
            embedding: embeddings[article.story][article.source],
            ..article.input(key as u64, &outlets)
        })
        .collect();
    let cluster = parallax_ingest::stories::cluster_config(&config.cluster, embedder.as_deref());
    let mut clusterer = Clusterer::new(cluster).context("eval cluster: invalid configuration")?;
    let mut log = StoryLog::new();
    let started = Instant::now();
    for round in inputs.chunks(args.round.max(1)) {
        for (input, assignment) in round.iter().zip(clusterer.add_batch(round)) {
            log.record(input.key, &assignment);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let predicted = log.final_stories();
    let gold: Vec<(u64, u32)> = stream.iter().enumerate().map(|(key, a)| (key as u64, a.event)).collect();
    let (stories_found, largest) = story_sizes(&predicted);
    let (_, gold_largest) = story_sizes(&gold);
    println!("predicted stories: {stories_found} (largest {largest}; largest gold event {gold_largest})");
    println!("BCubed   {}", bcubed(&predicted, &gold));
    println!("pairwise {}", pairwise(&predicted, &gold));
    println!("gold events: {}", fragmentation(&predicted, &gold));
    // Events by the third of the stream they start in.
    let mut first_index: HashMap<u32, usize> = HashMap::new();
    for (index, article) in stream.iter().enumerate() {
        first_index.entry(article.event).or_insert(index);
    }
    let mut event_size: HashMap<u32, usize> = HashMap::new();
    for article in &stream {
        *event_size.entry(article.event).or_default() += 1;
    }
    // The predicted and gold stories of the events `keep` chooses.
    type Part = (Vec<(u64, u64)>, Vec<(u64, u32)>);
    let part = |keep: &dyn Fn(u32) -> bool| -> Part {
        let chosen: Vec<(u64, u32)> = gold.iter().copied().filter(|&(_, event)| keep(event)).collect();
        let keys: std::collections::HashSet<u64> = chosen.iter().map(|&(key, _)| key).collect();
        (predicted.iter().copied().filter(|(key, _)| keys.contains(key)).collect(), chosen)
    };
    for (third, name) in ["first", "second", "last"].iter().enumerate() {
        let range = third * stream.len() / 3..(third + 1) * stream.len() / 3;
        let (p, g) = part(&|event| range.contains(&first_index[&event]));
        println!("  events starting in the {name} third: {}", fragmentation(&p, &g));
    }
    let (p, g) = part(&|event| event_size[&event] >= 100);
    println!("  events of 100 articles or more: {}", fragmentation(&p, &g));
    if let Some(planted) = stream.iter().find(|a| a.planted).map(|a| a.event) {
        let (p, _) = part(&|event| event == planted);
        let mut sizes: HashMap<u64, usize> = HashMap::new();
        for (_, story) in &p {
            *sizes.entry(*story).or_default() += 1;
        }
        let largest = sizes.values().copied().max().unwrap_or(0);
        println!(
            "  planted event ({} articles over five days): {} stories, the largest holding {largest}",
            p.len(),
            sizes.len()
        );
    }
    println!("throughput: {:.0} articles/s ({elapsed:.2} s, one core)", stream.len() as f64 / elapsed.max(1e-9));
    Ok(())
}

/// Each language's own scores, and recall over pairs of one gold story in
/// two languages, overall and per pair of languages.
fn report_by_language(articles: &[InputArticle], predicted: &[(String, String)], gold: &[(String, String)]) {
    let language_of = |article: &InputArticle| article.language.clone().unwrap_or_else(|| "unknown".to_string());
    let languages: Vec<(String, String)> = articles.iter().map(|a| (a.id.clone(), language_of(a))).collect();
    let mut names: Vec<&String> = languages.iter().map(|(_, language)| language).collect();
    names.sort();
    names.dedup();
    for &language in &names {
        let ids: std::collections::HashSet<&String> =
            languages.iter().filter(|(_, l)| l == language).map(|(id, _)| id).collect();
        let own: Vec<(String, String)> = predicted.iter().filter(|(id, _)| ids.contains(id)).cloned().collect();
        println!("  {language}: BCubed {}", bcubed(&own, gold));
    }
    let across = pairwise_by_group(predicted, gold, &languages, PairsOf::DifferentGroups);
    println!(
        "across languages: pairwise recall {:.4} (pairs of one gold story in two languages put together), precision {:.4}",
        across.recall, across.precision
    );
    for (index, &first) in names.iter().enumerate() {
        for &second in &names[index + 1..] {
            let pair: Vec<(String, String)> =
                languages.iter().filter(|(_, l)| l == first || l == second).cloned().collect();
            let scores = pairwise_by_group(predicted, gold, &pair, PairsOf::DifferentGroups);
            println!("  {first}-{second}: recall {:.4}, precision {:.4}", scores.recall, scores.precision);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_published, unit_embedding};

    #[test]
    fn embeddings_are_scaled_to_unit_length_or_refused() {
        assert_eq!(unit_embedding(vec![3.0, 4.0], 2), Ok(vec![0.6, 0.8]));
        assert!(unit_embedding(vec![1.0, 0.0, 0.0], 2).unwrap_err().contains("3 dimensions"));
        assert!(unit_embedding(vec![f32::NAN, 1.0], 2).is_err());
        assert!(unit_embedding(vec![0.0, 0.0], 2).is_err());
        assert!(unit_embedding(Vec::new(), 0).is_err());
        assert!(unit_embedding(vec![f32::MAX, f32::MAX], 2).is_err(), "a norm that overflows");
    }

    #[test]
    fn dates_as_people_write_them() {
        let noon = Some(1_380_369_600); // 2013-09-28T12:00:00Z
        assert_eq!(parse_published("2013-09-28T12:00:00Z"), noon);
        assert_eq!(parse_published("2013-09-28T14:00:00+02:00"), noon);
        assert_eq!(parse_published("2013-09-28T14:00:00+0200"), noon);
        assert_eq!(parse_published("2013-09-28T14:00+02"), noon);
        assert_eq!(parse_published("2013-09-28 12:00:00.250Z"), noon);
        assert_eq!(parse_published("2013-09-28T12:00"), noon);
        assert_eq!(parse_published("20130928T120000Z"), noon);
        assert_eq!(parse_published(" 2013-09-28T07:00:00-05:00 "), noon);
        let midnight = Some(1_380_326_400); // 2013-09-28T00:00:00Z
        assert_eq!(parse_published("2013-09-28"), midnight);
        assert_eq!(parse_published("20130928"), midnight);
        assert_eq!(parse_published("2013-09-28Z"), midnight);
        for nonsense in ["", "yesterday", "2013-13-01", "28/09/2013", "2013-09", "2013-09-28T25:00:00Z"] {
            assert_eq!(parse_published(nonsense), None, "{nonsense:?}");
        }
    }
}
