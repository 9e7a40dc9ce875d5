//! Speed and memory over a long synthetic stream (not in the repo's data:
//! built at run time from the NeuS development set).
//!
//! `cargo test -p parallax-cluster --release -- --ignored stream --nocapture`
//!
//! 200,000 articles resampled from NeuS: each synthetic event is a NeuS
//! story retold at a random time within 30 days, its articles' neighbouring
//! words swapped at random, their numbers replaced, and a made-up name of
//! its own added (so the vocabulary keeps growing, as real names do). The
//! three-day window fills (about 20,000 articles) and then slides.
//! Prints articles per second and the process's peak memory (VmHWM) every
//! 50,000 articles: once the window is full, memory stops growing.
//! `PARALLAX_CLUSTER_BATCH` sets the batch handed to `add_batch` (default
//! 1,000, a refresh round; `1` is one article at a time).

use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

const ARTICLES: usize = 200_000;
const SPAN_SECS: i64 = 30 * 24 * 3600;
const START: i64 = 1_700_000_000;

struct Source {
    title: String,
    text: String,
}

fn load() -> Option<BTreeMap<String, Vec<Source>>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/neus-dev");
    let input = std::fs::read_to_string(dir.join("cluster-in.jsonl")).ok()?;
    let mut stories: BTreeMap<String, Vec<Source>> = BTreeMap::new();
    for line in input.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect("input line is JSON");
        let id = value["id"].as_str().expect("id");
        let story = id.rsplit_once('-').map_or(id, |(story, _)| story).to_string();
        stories.entry(story).or_default().push(Source {
            title: value["title"].as_str().unwrap_or("").to_string(),
            text: value["text"].as_str().unwrap_or("").to_string(),
        });
    }
    Some(stories)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Swaps neighbouring words now and then and replaces numbers, so no two
/// retellings are identical.
fn perturb(text: &str, rng: &mut Rng) -> String {
    let mut words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    for i in 1..words.len() {
        if rng.below(4) == 0 {
            words.swap(i - 1, i);
        }
    }
    for word in &mut words {
        if word.chars().all(|c| c.is_ascii_digit()) {
            *word = (rng.below(1000) + 2).to_string();
        }
    }
    words.join(" ")
}

struct Article {
    published: i64,
    title: String,
    text: String,
}

fn synthesize(stories: &BTreeMap<String, Vec<Source>>) -> Vec<Article> {
    let stories: Vec<&Vec<Source>> = stories.values().collect();
    let mut rng = Rng(7);
    let mut articles = Vec::with_capacity(ARTICLES);
    while articles.len() < ARTICLES {
        let story = stories[rng.below(stories.len())];
        let start = START + rng.below(SPAN_SECS as usize) as i64;
        let name: String = std::iter::once('K').chain((0..7).map(|_| (b'a' + rng.below(26) as u8) as char)).collect();
        for source in story {
            articles.push(Article {
                published: start + rng.below(12 * 3600) as i64,
                title: format!("{name} {}", perturb(&source.title, &mut rng)),
                text: format!("{} said {name}.", perturb(&source.text, &mut rng)),
            });
        }
    }
    articles.truncate(ARTICLES);
    articles.sort_by_key(|a| a.published);
    articles
}

/// CPU time this thread has used, seconds (user and system, 1/100 s
/// ticks): the machine is shared, so wall time says little.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

/// A memory figure of this process from `/proc/self/status`, KiB.
fn memory_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with(field));
    line.and_then(|l| l.split_whitespace().nth(1)).and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
#[ignore = "reads /work/shared/data; run with --ignored stream --release"]
fn stream() {
    let Some(stories) = load() else {
        println!("stream: neus-dev not found, skipped");
        return;
    };
    let articles = synthesize(&stories);
    drop(stories);
    let batch: usize = std::env::var("PARALLAX_CLUSTER_BATCH").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000);
    let inputs: Vec<ArticleInput> = articles
        .iter()
        .enumerate()
        .map(|(key, a)| ArticleInput {
            key: key as u64,
            title: &a.title,
            text: &a.text,
            outlet: None,
            language: Some("en"),
            published: Some(a.published),
            embedding: None,
        })
        .collect();
    println!(
        "stream: {} articles over {} days, batches of {batch}; before clustering VmHWM {} KiB, VmRSS {} KiB",
        inputs.len(),
        SPAN_SECS / 86_400,
        memory_kib("VmHWM:"),
        memory_kib("VmRSS:")
    );
    let mut clusterer = Clusterer::new(ClusterConfig::default()).expect("valid config");
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    let mut lap = Instant::now();
    let mut lap_done = 0;
    let mut done = 0;
    for chunk in inputs.chunks(batch.max(1)) {
        clusterer.add_batch(chunk);
        let before = done;
        done += chunk.len();
        if done / 50_000 != before / 50_000 {
            println!(
                "{done:7} articles: {:6.0} articles/s since the last line, {} active stories, {} terms, VmHWM {} KiB, VmRSS {} KiB",
                (done - lap_done) as f64 / lap.elapsed().as_secs_f64(),
                clusterer.active_stories(),
                clusterer.vocabulary_len(),
                memory_kib("VmHWM:"),
                memory_kib("VmRSS:")
            );
            lap = Instant::now();
            lap_done = done;
        }
    }
    println!(
        "stream: {:.0} articles/s overall, {:.0} per CPU second",
        done as f64 / started.elapsed().as_secs_f64(),
        done as f64 / (cpu_seconds() - cpu_started)
    );
}
