//! Any text through the clusterer's tokenizer (stemming, names, numbers,
//! shingles) as titles and leads of a small batch: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parallax_cluster::{ArticleInput, ClusterConfig, Clusterer};

fuzz_target!(|text: &str| {
    let Ok(mut clusterer) = Clusterer::new(ClusterConfig::default()) else { return };
    let (title, lead) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let articles: Vec<ArticleInput<'_>> = [None, Some("en"), Some("xx")]
        .into_iter()
        .enumerate()
        .map(|(key, language)| ArticleInput {
            key: key as u64,
            title,
            text: lead,
            language,
            published: Some(key as i64),
            ..Default::default()
        })
        .collect();
    let _ = clusterer.add_batch(&articles);
});
