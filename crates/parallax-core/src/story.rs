//! What a reader sees of a story: its summary and its coverage, computed
//! from the story's articles and their outlets' ratings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{LeanBucket, Topic};

/// A summary sentence and the article it was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bullet {
    pub text: String,
    pub article: i64,
}

/// Something per side of the spectrum.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sides<T> {
    pub left: T,
    pub center: T,
    pub right: T,
}

impl<T> Sides<T> {
    pub fn get(&self, side: LeanBucket) -> &T {
        match side {
            LeanBucket::Left => &self.left,
            LeanBucket::Center => &self.center,
            LeanBucket::Right => &self.right,
        }
    }

    pub fn get_mut(&mut self, side: LeanBucket) -> &mut T {
        match side {
            LeanBucket::Left => &mut self.left,
            LeanBucket::Center => &mut self.center,
            LeanBucket::Right => &mut self.right,
        }
    }
}

/// Where an outlet stands, as the distribution counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutletLean {
    /// The providers agree on a side (or only one rates it).
    Side(LeanBucket),
    /// The providers put it on different sides: counted apart, never
    /// averaged into a false center.
    Disputed,
    /// No provider rates its lean.
    Unrated,
}

impl From<Option<LeanBucket>> for OutletLean {
    fn from(side: Option<LeanBucket>) -> Self {
        side.map_or(OutletLean::Unrated, OutletLean::Side)
    }
}

/// Outlets per side, with the disputed and unrated ones counted apart,
/// never dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LeanCounts {
    pub left: u32,
    pub center: u32,
    pub right: u32,
    /// Outlets whose providers disagree on their side.
    #[serde(default)]
    pub disputed: u32,
    pub unrated: u32,
}

impl LeanCounts {
    /// Outlets on a side the providers agree on.
    pub fn rated(&self) -> u32 {
        self.left + self.center + self.right
    }

    /// Every outlet counted.
    pub fn total(&self) -> u32 {
        self.rated() + self.disputed + self.unrated
    }

    pub fn add(&mut self, lean: impl Into<OutletLean>) {
        match lean.into() {
            OutletLean::Side(LeanBucket::Left) => self.left += 1,
            OutletLean::Side(LeanBucket::Center) => self.center += 1,
            OutletLean::Side(LeanBucket::Right) => self.right += 1,
            OutletLean::Disputed => self.disputed += 1,
            OutletLean::Unrated => self.unrated += 1,
        }
    }

    /// Adds another count, field by field.
    pub fn merge(&mut self, other: &LeanCounts) {
        self.left += other.left;
        self.center += other.center;
        self.right += other.right;
        self.disputed += other.disputed;
        self.unrated += other.unrated;
    }

    pub fn get(&self, side: LeanBucket) -> u32 {
        match side {
            LeanBucket::Left => self.left,
            LeanBucket::Center => self.center,
            LeanBucket::Right => self.right,
        }
    }
}

/// The earliest article of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstReported {
    pub outlet: String,
    pub url: String,
    pub published: DateTime<Utc>,
    pub article: i64,
}

/// Articles published in one hour, by the side of their outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineHour {
    pub hour: DateTime<Utc>,
    pub articles: LeanCounts,
}

/// One outlet's headline in a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Headline {
    pub article: i64,
    pub outlet: String,
    pub title: String,
}

/// Who covers a story and from where.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coverage {
    pub articles: u32,
    pub outlets: u32,
    /// Articles that are not wire copies of another outlet's article.
    pub originals: u32,
    /// Covering outlets by side.
    pub lean: LeanCounts,
    /// Covering outlets by factuality label, plus `unrated`.
    pub factuality: BTreeMap<String, u32>,
    /// Covering outlets by ownership type (or owner when no type is known),
    /// plus `unknown`.
    pub ownership: BTreeMap<String, u32>,
    pub first_reported: Option<FirstReported>,
    /// The side that (nearly) ignores the story, if any.
    pub blindspot: Option<LeanBucket>,
    pub timeline: Vec<TimelineHour>,
    pub headlines: Sides<Vec<Headline>>,
}

/// One outlet's statement of a quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub article: i64,
    pub outlet: String,
    /// The quantity as written ("nearly hour-long").
    pub value: String,
    /// The sentence that states it.
    pub wording: String,
}

/// A quantity outlets state with incompatible values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disagreement {
    /// What is quantified ("call duration").
    pub about: String,
    pub claims: Vec<Claim>,
}

/// Everything a story page shows beyond the articles themselves.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoryView {
    pub title: String,
    pub bullets: Vec<Bullet>,
    pub sides: Sides<Vec<Bullet>>,
    pub coverage: Coverage,
    pub disagreements: Vec<Disagreement>,
    /// What the story is about, by [`crate::topic::story_topics`]; empty
    /// for views stored before topics existed, until recomputed.
    #[serde(default)]
    pub topics: Vec<Topic>,
    /// The countries of the covering outlets (ISO 3166-1 alpha-2 codes,
    /// sorted): what editions filter by.
    #[serde(default)]
    pub countries: Vec<String>,
}
