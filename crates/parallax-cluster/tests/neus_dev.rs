//! Quality and speed on the real NeuS development set (not in the repo).
//!
//! `cargo test -p parallax-cluster --release -- --ignored neus_dev --nocapture`
//!
//! Runs the default configuration (or the JSON object in
//! `PARALLAX_CLUSTER_CONFIG`, for experiments) over the file order and a
//! shuffled order, on all stories and on the even and odd gold stories on
//! their own (a held-out check: tune on one half, read the other), handing
//! the articles to `add_batch` three ways: all in one batch (as
//! `parallax cluster` does), in batches of 500 (a refresh round) and one at
//! a time. Speed is given per wall-clock second and per CPU second (the
//! machine may be shared).
//!
//! `PARALLAX_NEUS_EMBEDDINGS=FILE` adds each article's dense embedding:
//! little-endian f32, one vector of `PARALLAX_NEUS_EMBEDDING_DIM` (384)
//! values per article in `cluster-in.jsonl` order, as
//! `parallax-embed`'s `embed_bench` example writes them.

use parallax_cluster::eval::{Scores, StoryLog, bcubed, pairwise};
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};
use std::path::PathBuf;
use std::time::Instant;

struct Article {
    key: u64,
    title: String,
    text: String,
    gold: String,
    embedding: Option<Vec<f32>>,
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/neus-dev")
}

fn load() -> Option<Vec<Article>> {
    let dir = data_dir();
    let input = std::fs::read_to_string(dir.join("cluster-in.jsonl")).ok()?;
    let gold = std::fs::read_to_string(dir.join("gold.jsonl")).ok()?;
    let gold: std::collections::HashMap<String, String> = gold
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("gold line is JSON");
            (value["id"].as_str().expect("id").to_string(), value["story"].as_str().expect("story").to_string())
        })
        .collect();
    let embeddings = load_embeddings();
    let articles = input
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let value: serde_json::Value = serde_json::from_str(line).expect("input line is JSON");
            let id = value["id"].as_str().expect("id");
            Article {
                key: index as u64,
                title: value["title"].as_str().unwrap_or("").to_string(),
                text: value["text"].as_str().unwrap_or("").to_string(),
                gold: gold[id].clone(),
                embedding: embeddings.as_ref().map(|all| all[index].clone()),
            }
        })
        .collect();
    Some(articles)
}

fn load_embeddings() -> Option<Vec<Vec<f32>>> {
    let path = std::env::var("PARALLAX_NEUS_EMBEDDINGS").ok()?;
    let dim: usize = std::env::var("PARALLAX_NEUS_EMBEDDING_DIM").ok().and_then(|d| d.parse().ok()).unwrap_or(384);
    let bytes = std::fs::read(&path).expect("PARALLAX_NEUS_EMBEDDINGS is readable");
    let values: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    println!("embeddings: {} vectors of {dim} from {path}", values.len() / dim);
    Some(values.chunks_exact(dim).map(<[f32]>::to_vec).collect())
}

fn config() -> ClusterConfig {
    match std::env::var("PARALLAX_CLUSTER_CONFIG") {
        Ok(json) => serde_json::from_str(&json).expect("PARALLAX_CLUSTER_CONFIG is a ClusterConfig as JSON"),
        Err(_) => ClusterConfig::default(),
    }
}

struct Run {
    bcubed: Scores,
    pairwise: Scores,
    articles_per_sec: f64,
    articles_per_cpu_sec: f64,
    stories: usize,
    largest: usize,
    copies: usize,
}

fn run(articles: &[&Article], config: &ClusterConfig, batch: usize) -> Run {
    let mut clusterer = Clusterer::new(config.clone()).expect("valid config");
    let mut log = StoryLog::new();
    let mut copies = 0;
    let inputs: Vec<ArticleInput> = articles
        .iter()
        .map(|article| ArticleInput {
            key: article.key,
            title: &article.title,
            text: &article.text,
            embedding: article.embedding.as_deref(),
            ..Default::default()
        })
        .collect();
    let started = Instant::now();
    let cpu_started = cpu_seconds();
    for chunk in inputs.chunks(batch.max(1)) {
        for (input, assignment) in chunk.iter().zip(clusterer.add_batch(chunk)) {
            copies += usize::from(assignment.copy_of.is_some());
            log.record(input.key, &assignment);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_started;
    let predicted = log.final_stories();
    let gold: Vec<(u64, &str)> = articles.iter().map(|a| (a.key, a.gold.as_str())).collect();
    let mut sizes: std::collections::HashMap<u64, usize> = std::collections::HashMap::new();
    for &(_, story) in &predicted {
        *sizes.entry(story).or_default() += 1;
    }
    Run {
        bcubed: bcubed(&predicted, &gold),
        pairwise: pairwise(&predicted, &gold),
        articles_per_sec: articles.len() as f64 / seconds,
        articles_per_cpu_sec: articles.len() as f64 / cpu.max(0.01),
        stories: sizes.len(),
        largest: sizes.values().copied().max().unwrap_or(0),
        copies,
    }
}

/// CPU time this thread has used, seconds (user and system, 1/100 s ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|&i| fields.get(i)?.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

/// Fisher-Yates with SplitMix64: a fixed, dependency-free shuffle.
fn shuffled<'a>(articles: &[&'a Article], seed: u64) -> Vec<&'a Article> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut out = articles.to_vec();
    for i in (1..out.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

fn story_number(gold: &str) -> u64 {
    gold.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

#[test]
#[ignore = "reads /work/shared/data; run with --ignored neus_dev --release"]
fn neus_dev() {
    let Some(articles) = load() else {
        println!("neus_dev: {} not found, skipped", data_dir().display());
        return;
    };
    let config = config();
    let all: Vec<&Article> = articles.iter().collect();
    let even: Vec<&Article> = all.iter().copied().filter(|a| story_number(&a.gold) & 1 == 0).collect();
    let odd: Vec<&Article> = all.iter().copied().filter(|a| story_number(&a.gold) & 1 == 1).collect();
    for (batch_name, batch) in [("one batch", usize::MAX), ("batches of 500", 500), ("one at a time", 1)] {
        println!("{batch_name}:");
        for (set_name, set) in [("all", &all), ("even", &even), ("odd", &odd)] {
            for (order_name, order) in [("file order", set.to_vec()), ("shuffled", shuffled(set, 1))] {
                let result = run(&order, &config, batch);
                println!(
                    "  {set_name:4} {order_name:10} BCubed {} | pairwise F1 {:.4} | {} stories, largest {}, {} copies | \
                     {:.0} articles/s, {:.0} per CPU s",
                    result.bcubed,
                    result.pairwise.f1,
                    result.stories,
                    result.largest,
                    result.copies,
                    result.articles_per_sec,
                    result.articles_per_cpu_sec
                );
            }
        }
    }
}
