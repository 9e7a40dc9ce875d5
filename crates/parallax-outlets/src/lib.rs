//! Reading outlet lists and rating files into plain Parallax data: OPML
//! feed lists, the generic ratings CSV other tools write, Media Bias/Fact
//! Check (extension JSON, flat TSV, the idiap scrape), AllSides (2019 and
//! 2021 charts), the 2018 US local news ownership dataset and Kite's feed
//! and media lists.
//!
//! This crate owns the mapping from each provider's vocabulary onto the
//! 7-point [`Lean`](parallax_core::Lean) and 6-point
//! [`Factuality`](parallax_core::Factuality) scales, and the rule that picks
//! the outlet domain an entry belongs to. It is pure: callers hand it a file
//! name and the file's bytes and get an [`Import`] back. It must never open
//! files, touch the network or a database; re-importing the same bytes must
//! give the same [`Import`], in the same order.
//!
//! Broken entries are data: a row with an unknown label, a missing domain or
//! a bad URL becomes a [`Diagnostic`] and the rest of the file still imports.
//! [`ImportError`] is reserved for files that cannot be read as a whole.
//!
//! Output order: `outlets` sorted by domain; `ratings` and `feeds` in the
//! order of their first appearance in the file; `diagnostics` by line, the
//! ones about the whole file first.
//! Within one import a rating key `(outlet, provider, version)` and a feed URL
//! occur at most once.

mod collect;
mod detect;
mod kite;
mod labels;
mod mbfc;
mod opml;
mod tabular;
mod text;

pub use opml::PARALLAX_NAMESPACE;

use parallax_core::{Diagnostic, FeedSource, Outlet, Rating};
use std::fmt;
use std::str::FromStr;

/// The file formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// An OPML feed list, optionally with `parallax:` extension attributes.
    Opml,
    /// `domain,name,lean,factuality,owner,ownership,country,language,rated_by`
    /// (plus an optional `version` column), the contract other tools write.
    GenericCsv,
    /// Media Bias/Fact Check's `combined.json` as its browser extension ships it.
    MbfcExtensionJson,
    /// Media Bias/Fact Check's `mbfc_sources_flat.tsv`, one row per domain.
    MbfcFlatTsv,
    /// The idiap `mbfc.csv` scrape of Media Bias/Fact Check.
    MbfcIdiapCsv,
    /// The 2019 AllSides chart (`news_source,rating,...`): no domains.
    AllSides2019Csv,
    /// The 2021 AllSides chart (`url,type,name,bias`).
    AllSides2021Csv,
    /// The 2018 US local news dataset with owners.
    LocalNewsOwnershipCsv,
    /// Kite's `kite_feeds.json`: categories with feed URLs and a language.
    KiteFeeds,
    /// Kite's `media_data.json`: organisations with domains, owner, typology.
    KiteMedia,
}

impl Format {
    pub const ALL: [Format; 10] = [
        Format::Opml,
        Format::GenericCsv,
        Format::MbfcExtensionJson,
        Format::MbfcFlatTsv,
        Format::MbfcIdiapCsv,
        Format::AllSides2019Csv,
        Format::AllSides2021Csv,
        Format::LocalNewsOwnershipCsv,
        Format::KiteFeeds,
        Format::KiteMedia,
    ];

    /// The name used on the command line and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Opml => "opml",
            Format::GenericCsv => "generic-csv",
            Format::MbfcExtensionJson => "mbfc-json",
            Format::MbfcFlatTsv => "mbfc-tsv",
            Format::MbfcIdiapCsv => "mbfc-idiap-csv",
            Format::AllSides2019Csv => "allsides-2019-csv",
            Format::AllSides2021Csv => "allsides-2021-csv",
            Format::LocalNewsOwnershipCsv => "local-news-2018-csv",
            Format::KiteFeeds => "kite-feeds-json",
            Format::KiteMedia => "kite-media-json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of [`Format::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "outlets: unknown format {0:?} (known: opml, generic-csv, mbfc-json, mbfc-tsv, mbfc-idiap-csv, allsides-2019-csv, allsides-2021-csv, local-news-2018-csv, kite-feeds-json, kite-media-json)"
)]
pub struct UnknownFormatName(pub String);

impl FromStr for Format {
    type Err = UnknownFormatName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim().to_ascii_lowercase();
        Format::ALL.into_iter().find(|format| format.as_str() == name).ok_or_else(|| UnknownFormatName(s.to_string()))
    }
}

/// A file that could not be read at all. Problems with single entries are
/// [`Diagnostic`]s in the [`Import`] instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("outlets: cannot tell the format of {file}: {reason}")]
    UnknownFormat { file: String, reason: String },
    #[error("outlets: cannot read {file} as {format}: {reason}")]
    Unreadable { file: String, format: Format, reason: String },
}

/// Everything read from one file.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    pub outlets: Vec<Outlet>,
    pub ratings: Vec<Rating>,
    pub feeds: Vec<FeedSource>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Tells the format of a file from its content: the `<opml>` root, the JSON
/// shape, or the CSV/TSV header row. The name is only used in the error.
pub fn detect_format(file_name: &str, bytes: &[u8]) -> Result<Format, ImportError> {
    let text = text::decode(bytes);
    detect::detect(&text.text).map_err(|reason| ImportError::UnknownFormat { file: file_name.to_string(), reason })
}

/// Detects the format and reads the file.
pub fn import(file_name: &str, bytes: &[u8]) -> Result<Import, ImportError> {
    let format = detect_format(file_name, bytes)?;
    import_as(format, file_name, bytes)
}

/// Reads the file as the given format.
///
/// `file_name` may be a path: diagnostics name it as given, ratings record
/// its base name as `source_file`.
pub fn import_as(format: Format, file_name: &str, bytes: &[u8]) -> Result<Import, ImportError> {
    let decoded = text::decode(bytes);
    let mut out = collect::Collector::new(file_name);
    if decoded.had_invalid_utf8 {
        out.diagnostic(None, "file is not valid UTF-8; invalid bytes were replaced");
    }
    let text = decoded.text.as_ref();
    let result = match format {
        Format::Opml => opml::read(text, &mut out),
        Format::GenericCsv => tabular::read_generic(text, &mut out),
        Format::MbfcExtensionJson => mbfc::read_extension_json(text, &mut out),
        Format::MbfcFlatTsv => mbfc::read_flat_tsv(text, &mut out),
        Format::MbfcIdiapCsv => mbfc::read_idiap_csv(text, &mut out),
        Format::AllSides2019Csv => tabular::read_allsides_2019(text, &mut out),
        Format::AllSides2021Csv => tabular::read_allsides_2021(text, &mut out),
        Format::LocalNewsOwnershipCsv => tabular::read_local_news(text, &mut out),
        Format::KiteFeeds => kite::read_feeds(text, &mut out),
        Format::KiteMedia => kite::read_media(text, &mut out),
    };
    match result {
        Ok(()) => Ok(out.finish()),
        Err(reason) => Err(ImportError::Unreadable { file: file_name.to_string(), format, reason }),
    }
}
