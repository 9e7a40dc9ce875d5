//! `parallax summarize` and `parallax eval summary`: the summariser stored
//! stories use (extractive, or the configured generative endpoint with the
//! extractive fallback), over JSON Lines.

use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use parallax_core::{ArticleKind, LeanBucket};
use parallax_ingest::Summarizer;
use parallax_summary::rouge::{self, RougeScores};
use parallax_summary::{ArticleText, StoryInput, SummaryConfig};
use serde::Deserialize;
use serde_json::json;

use crate::jsonl;

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// JSON Lines of stories: {"story", "articles": [{"id", "title", "text",
    /// "outlet"?, "side"? ("left"|"center"|"right"), "kind"?
    /// ("news"|"opinion"|"analysis"), "url"?, "categories"?}]}; without a
    /// kind it is read from the url, categories and title. Standard input
    /// by default.
    #[arg(long, short, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Where to write {"story", "title", "bullets", "sides"} lines.
    /// Standard output by default.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalSummaryArgs {
    /// Stories as for `parallax summarize`, each with a "reference" (a
    /// string, or {"title", "text"} whose text is scored against). Articles
    /// may also be given as ids, resolved through --articles.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Articles ({"id", "title", "text"} lines) for stories that list ids.
    /// Defaults to cluster-in.jsonl beside the input, when it exists.
    #[arg(long, value_name = "FILE")]
    articles: Option<PathBuf>,
    /// Cut every article's text to its first N words (0: headline only),
    /// to measure what summaries lose when a feed gives only a teaser and
    /// no full text is fetched. The lead baseline reads the same teasers.
    #[arg(long, value_name = "N")]
    teaser_words: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
struct ArticleLine {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    outlet: Option<String>,
    #[serde(default)]
    side: Option<LeanBucket>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    kind: Option<ArticleKind>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    categories: Vec<String>,
}

impl ArticleLine {
    fn kind(&self) -> ArticleKind {
        self.kind.unwrap_or_else(|| {
            ArticleKind::classify(self.url.as_deref().unwrap_or_default(), &self.title, &self.categories)
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ArticleRef {
    Inline(ArticleLine),
    Id(String),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Reference {
    Text(String),
    Parts {
        text: String,
        #[serde(default)]
        title: Option<String>,
    },
}

impl Reference {
    fn text(&self) -> &str {
        match self {
            Reference::Text(text) | Reference::Parts { text, .. } => text,
        }
    }

    fn title(&self) -> Option<&str> {
        match self {
            Reference::Text(_) => None,
            Reference::Parts { title, .. } => title.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct StoryLine {
    story: String,
    articles: Vec<ArticleRef>,
    #[serde(default)]
    reference: Option<Reference>,
}

fn texts(articles: &[ArticleLine]) -> Vec<ArticleText<'_>> {
    articles
        .iter()
        .map(|a| ArticleText {
            id: &a.id,
            title: &a.title,
            text: &a.text,
            outlet: a.outlet.as_deref(),
            side: a.side,
            language: a.language.as_deref(),
            kind: a.kind(),
        })
        .collect()
}

fn bullet_texts(bullets: &[parallax_summary::Bullet]) -> Vec<&str> {
    bullets.iter().map(|b| b.text.as_str()).collect()
}

/// The articles of `story`, resolving ids through `known`; unknown ids are
/// reported and left out.
fn resolve(story: &StoryLine, known: &HashMap<String, ArticleLine>) -> Vec<ArticleLine> {
    story
        .articles
        .iter()
        .filter_map(|article| match article {
            ArticleRef::Inline(line) => Some(line.clone()),
            ArticleRef::Id(id) => {
                let found = known.get(id).cloned();
                if found.is_none() {
                    eprintln!("warning: story {}: unknown article {id:?} left out", story.story);
                }
                found
            }
        })
        .collect()
}

pub fn run_summarize(args: SummarizeArgs, config: &SummaryConfig) -> Result<()> {
    let mut out = BufWriter::new(jsonl::writer(args.output.as_deref())?);
    let mut summarizer = Summarizer::new(config);
    let mut failure = None;
    jsonl::read_lines(args.input.as_deref(), |_, story: StoryLine| {
        if failure.is_some() {
            return;
        }
        let articles = resolve(&story, &HashMap::new());
        let texts = texts(&articles);
        let summary = summarizer.summarize(&story.story, &StoryInput { articles: &texts });
        let line = json!({
            "story": story.story,
            "title": summary.title,
            "bullets": bullet_texts(&summary.bullets),
            "sides": {
                "left": bullet_texts(&summary.sides.left),
                "center": bullet_texts(&summary.sides.center),
                "right": bullet_texts(&summary.sides.right),
            },
        });
        failure = jsonl::write_line(&mut out, &line).err();
    })?;
    failure.map_or(Ok(()), Err)?;
    out.flush().context("summarize: cannot write the output")
}

/// The lead baseline of the evaluation: the first sentence of each article,
/// cut at the first `.`, `!` or `?` followed by a space, as the published
/// figures for neus-dev were computed.
fn lead_baseline(articles: &[ArticleLine]) -> String {
    articles
        .iter()
        .map(|a| {
            let text = a.text.trim();
            let cut = text.char_indices().zip(text.chars().skip(1)).find_map(|((i, c), next)| {
                (matches!(c, '.' | '!' | '?') && next.is_whitespace()).then_some(i + c.len_utf8())
            });
            &text[..cut.unwrap_or(text.len())]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Totals {
    scores: [f64; 3],
    words: usize,
    stories: usize,
    /// Titles only: words that pass a judgement, and loaded headlines.
    judgements: usize,
    loaded: usize,
}

impl Totals {
    fn add(&mut self, scores: RougeScores, summary: &str) {
        self.scores[0] += scores.rouge1.f1;
        self.scores[1] += scores.rouge2.f1;
        self.scores[2] += scores.rouge_l.f1;
        self.words += summary.split_whitespace().count();
        self.stories += 1;
    }

    fn add_title(&mut self, reference: &str, title: &str) {
        self.add(rouge::score(reference, title), title);
        self.judgements += parallax_summary::title::judgement_words(title);
        self.loaded += usize::from(parallax_summary::is_loaded_headline(title));
    }

    fn line(&self, name: &str) -> String {
        let n = self.stories.max(1) as f64;
        format!(
            "  {name:<22} ROUGE-1 {:.3}  ROUGE-2 {:.3}  ROUGE-L {:.3}  ({:.1} words on average)",
            self.scores[0] / n,
            self.scores[1] / n,
            self.scores[2] / n,
            self.words as f64 / n
        )
    }

    fn title_line(&self, name: &str) -> String {
        let n = self.stories.max(1) as f64;
        format!(
            "{}  judgement words {:.3} per title, loaded {:.1}%",
            self.line(name),
            self.judgements as f64 / n,
            100.0 * self.loaded as f64 / n
        )
    }
}

/// What the bullets look like, beyond their scores.
#[derive(Default)]
struct BulletShape {
    bullets: usize,
    fragments: usize,
    side_bullets: usize,
    side_fragments: usize,
    under_minimum: usize,
    over_budget: usize,
}

impl BulletShape {
    fn add(&mut self, summary: &parallax_summary::Summary, config: &SummaryConfig) {
        let fragments =
            |list: &[parallax_summary::Bullet]| list.iter().filter(|b| parallax_summary::is_fragment(&b.text)).count();
        self.bullets += summary.bullets.len();
        self.fragments += fragments(&summary.bullets);
        for side in [&summary.sides.left, &summary.sides.center, &summary.sides.right] {
            self.side_bullets += side.len();
            self.side_fragments += fragments(side);
        }
        self.under_minimum += usize::from(summary.bullets.len() < config.min_bullets);
        let words: usize = summary.bullets.iter().map(|b| b.text.split_whitespace().count()).sum();
        self.over_budget += usize::from(words > config.max_words);
    }
}

pub fn run_eval(args: EvalSummaryArgs, config: &SummaryConfig) -> Result<()> {
    let articles_path = args.articles.clone().or_else(|| {
        let beside = args.input.parent().unwrap_or(Path::new(".")).join("cluster-in.jsonl");
        beside.exists().then_some(beside)
    });
    let mut known = HashMap::new();
    if let Some(path) = &articles_path {
        jsonl::read_lines(Some(path), |_, article: ArticleLine| {
            known.insert(article.id.clone(), article);
        })?;
    }
    let mut stories = Vec::new();
    jsonl::read_lines(Some(&args.input), |number, story: StoryLine| match &story.reference {
        Some(_) => stories.push(story),
        None => eprintln!("warning: line {number}: story {} has no reference; skipped", story.story),
    })?;
    if stories.is_empty() {
        bail!("eval summary: no story with a reference in {}", args.input.display());
    }

    let mut resolved: Vec<Vec<ArticleLine>> = stories.iter().map(|s| resolve(s, &known)).collect();
    if let Some(words) = args.teaser_words {
        for article in resolved.iter_mut().flatten() {
            article.text = crate::teaser::cut(&article.text, words);
        }
        println!("texts cut to teasers of {words} words");
    }
    let mut summarizer = Summarizer::new(config);
    let started = Instant::now();
    let summaries: Vec<parallax_summary::Summary> = stories
        .iter()
        .zip(&resolved)
        .map(|(story, articles)| {
            let texts = texts(articles);
            summarizer.summarize(&story.story, &StoryInput { articles: &texts })
        })
        .collect();
    let elapsed = started.elapsed().as_secs_f64();

    let (mut ours, mut lead, mut shape) = (Totals::default(), Totals::default(), BulletShape::default());
    let (mut our_titles, mut first_titles, mut central_titles) =
        (Totals::default(), Totals::default(), Totals::default());
    for ((story, articles), summary) in stories.iter().zip(&resolved).zip(&summaries) {
        let Some(reference) = &story.reference else { continue };
        let text = bullet_texts(&summary.bullets).join(" ");
        ours.add(rouge::score(reference.text(), &text), &text);
        let baseline = lead_baseline(articles);
        lead.add(rouge::score(reference.text(), &baseline), &baseline);
        shape.add(summary, config);
        if let Some(reference_title) = reference.title() {
            our_titles.add_title(reference_title, &summary.title);
            first_titles.add_title(reference_title, articles.first().map_or("", |a| a.title.as_str()));
            let texts = texts(articles);
            let central = parallax_summary::title::most_central_headline(&StoryInput { articles: &texts });
            central_titles.add_title(reference_title, central.map_or("", |index| articles[index].title.as_str()));
        }
    }
    let engine = if config.generative.endpoint.is_some() { "parallax (generative)" } else { "parallax (default)" };
    println!("stories: {}", ours.stories);
    println!("summaries, against the reference text:");
    println!("{}", ours.line(engine));
    println!("{}", lead.line("lead sentences"));
    println!(
        "  bullets: {} ({:.2} a story), {} fragments (ending in an ellipsis or without terminal punctuation); \
         {} stories under {} bullets, {} over {} words",
        shape.bullets,
        shape.bullets as f64 / ours.stories.max(1) as f64,
        shape.fragments,
        shape.under_minimum,
        config.min_bullets,
        shape.over_budget,
        config.max_words
    );
    println!("  per-side bullets: {}, {} fragments", shape.side_bullets, shape.side_fragments);
    if our_titles.stories > 0 {
        println!("titles, against the reference title ({} stories):", our_titles.stories);
        println!("{}", our_titles.title_line(engine));
        println!("{}", first_titles.title_line("first headline"));
        println!("{}", central_titles.title_line("most central headline"));
    }
    println!(
        "speed: {:.0} stories/s ({:.2} s for {} stories, one core)",
        stories.len() as f64 / elapsed.max(1e-9),
        elapsed,
        stories.len()
    );
    Ok(())
}
