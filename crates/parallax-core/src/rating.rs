//! Ratings of outlets by providers (MBFC, AllSides, ownership datasets, ...).
//!
//! Lean is kept on the 7-point scale every provider can be mapped onto; the
//! 3-bucket view that pages show is derived, never stored separately.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Political lean on a 7-point scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lean {
    FarLeft,
    Left,
    LeanLeft,
    Center,
    LeanRight,
    Right,
    FarRight,
}

/// The 3-bucket view of [`Lean`]: far-left, left and lean-left count as left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeanBucket {
    Left,
    Center,
    Right,
}

/// Factual reporting on a 6-point scale, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Factuality {
    VeryHigh,
    High,
    MostlyFactual,
    Mixed,
    Low,
    VeryLow,
}

impl Lean {
    pub const ALL: [Lean; 7] =
        [Lean::FarLeft, Lean::Left, Lean::LeanLeft, Lean::Center, Lean::LeanRight, Lean::Right, Lean::FarRight];

    pub fn bucket(self) -> LeanBucket {
        match self {
            Lean::FarLeft | Lean::Left | Lean::LeanLeft => LeanBucket::Left,
            Lean::Center => LeanBucket::Center,
            Lean::LeanRight | Lean::Right | Lean::FarRight => LeanBucket::Right,
        }
    }

    /// The canonical label, as stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            Lean::FarLeft => "far-left",
            Lean::Left => "left",
            Lean::LeanLeft => "lean-left",
            Lean::Center => "center",
            Lean::LeanRight => "lean-right",
            Lean::Right => "right",
            Lean::FarRight => "far-right",
        }
    }
}

impl LeanBucket {
    pub fn as_str(self) -> &'static str {
        match self {
            LeanBucket::Left => "left",
            LeanBucket::Center => "center",
            LeanBucket::Right => "right",
        }
    }
}

impl Factuality {
    pub const ALL: [Factuality; 6] = [
        Factuality::VeryHigh,
        Factuality::High,
        Factuality::MostlyFactual,
        Factuality::Mixed,
        Factuality::Low,
        Factuality::VeryLow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factuality::VeryHigh => "very-high",
            Factuality::High => "high",
            Factuality::MostlyFactual => "mostly-factual",
            Factuality::Mixed => "mixed",
            Factuality::Low => "low",
            Factuality::VeryLow => "very-low",
        }
    }
}

/// A label that is not one of the canonical names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} label {value:?}")]
pub struct UnknownLabel {
    pub kind: &'static str,
    pub value: String,
}

fn normalise_label(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', ' '], "-")
}

impl FromStr for Lean {
    type Err = UnknownLabel;
    /// Parses the canonical labels only (`lean-left`, `far-right`, ...),
    /// tolerating case, spaces and underscores. Provider vocabularies are
    /// mapped by the importers, which know what each provider means.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let label = normalise_label(s);
        Lean::ALL
            .into_iter()
            .find(|lean| lean.as_str() == label)
            .ok_or(UnknownLabel { kind: "lean", value: s.to_string() })
    }
}

impl FromStr for Factuality {
    type Err = UnknownLabel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let label = normalise_label(s);
        Factuality::ALL
            .into_iter()
            .find(|f| f.as_str() == label)
            .ok_or(UnknownLabel { kind: "factuality", value: s.to_string() })
    }
}

impl fmt::Display for Lean {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for LeanBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Factuality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One provider's view of one outlet, with its provenance.
///
/// Every field but the provenance is optional: an ownership dataset knows the
/// owner and nothing of lean; a bias chart knows lean and nothing of owners.
/// Ratings are keyed by `(outlet, provider, version)`: a provider never
/// overwrites another, and re-importing the same file replaces a row with an
/// identical one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rating {
    /// The outlet's domain (`nytimes.com`).
    pub outlet: String,
    /// The outlet's display name, when the provider gives one.
    pub outlet_name: Option<String>,
    /// Who rated: `mbfc`, `allsides`, `kite`, `local-news-2018`, or the
    /// `rated_by` column of a generic CSV.
    pub provider: String,
    /// The provider's date or version (`2026-08-19`, `2021`).
    pub version: String,
    /// The file the rating was read from (its file name, not a full path).
    pub source_file: String,
    pub lean: Option<Lean>,
    pub factuality: Option<Factuality>,
    pub owner: Option<String>,
    /// Ownership type or typology (`corporate`, `state-funded`, `nonprofit`...).
    pub ownership: Option<String>,
    /// Country, as the provider names it.
    pub country: Option<String>,
    /// Language (ISO 639-1), when known.
    pub language: Option<String>,
}

impl Rating {
    pub fn lean_bucket(&self) -> Option<LeanBucket> {
        self.lean.map(Lean::bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_round_trips() {
        for lean in Lean::ALL {
            assert_eq!(lean.as_str().parse::<Lean>(), Ok(lean));
        }
        for f in Factuality::ALL {
            assert_eq!(f.as_str().parse::<Factuality>(), Ok(f));
        }
        assert_eq!("Lean Right".parse::<Lean>(), Ok(Lean::LeanRight));
        assert!("left-center".parse::<Lean>().is_err());
    }

    #[test]
    fn buckets_follow_the_seven_point_scale() {
        let buckets: Vec<_> = Lean::ALL.iter().map(|l| l.bucket().as_str()).collect();
        assert_eq!(buckets, ["left", "left", "left", "center", "right", "right", "right"]);
    }
}
