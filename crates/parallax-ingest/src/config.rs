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
}
