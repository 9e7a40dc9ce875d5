//! Coverage analytics: for one story, how many outlets and articles cover
//! it, from which side of the spectrum, how factual and owned by whom, who
//! reported first, how coverage grew hour by hour, and whether one side
//! ignores it (a blindspot).
//!
//! This crate owns two methods that every number on a story page depends
//! on, so both are written down here and in ARCHITECTURE.md:
//! [`OutletProfile::combine`] (how several providers' ratings of one outlet
//! become one view) and [`blindspot`]. It is pure: plain data in, plain data
//! out, no I/O, and it never drops an outlet it cannot rate: unrated outlets
//! are counted as such.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use parallax_core::story::{FirstReported, Headline, TimelineHour};
use parallax_core::{Coverage, Factuality, Lean, LeanBucket, LeanCounts, OutletLean, Rating, Sides};
use serde::{Deserialize, Serialize};

/// Thresholds for the blindspot flag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlindspotConfig {
    /// Fewer rated outlets than this and no story is a blindspot: with three
    /// outlets, one side's absence says little.
    pub min_rated_outlets: u32,
    /// A side whose share of the rated outlets is at most this is "missing".
    pub max_missing_share: f64,
    /// ... provided the opposite side's share is at least this, so a story
    /// only the center covers is not called a blindspot of both wings.
    pub min_opposite_share: f64,
}

impl Default for BlindspotConfig {
    fn default() -> Self {
        BlindspotConfig { min_rated_outlets: 5, max_missing_share: 0.10, min_opposite_share: 0.30 }
    }
}

/// One outlet as the coverage numbers see it: the providers' ratings
/// combined into one lean, factuality, owner and ownership type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutletProfile {
    /// The combined lean; `None` when no provider rates it or when they
    /// dispute it.
    pub lean: Option<Lean>,
    /// The providers put the outlet on different sides (see
    /// [`OutletProfile::combine`]).
    #[serde(default)]
    pub disputed: bool,
    /// Each provider's lean (its newest version), by provider name.
    #[serde(default)]
    pub leans: Vec<(String, Lean)>,
    pub factuality: Option<Factuality>,
    pub owner: Option<String>,
    pub ownership: Option<String>,
}

/// Providers whose owner and ownership fields are preferred, most specific
/// first: Kite's media data and the local news dataset name owners; bias
/// charts mostly do not.
const OWNERSHIP_PROVIDERS: &[&str] = &["kite", "local-news-2018"];

impl OutletProfile {
    /// Combines every provider's ratings of one outlet.
    ///
    /// - Each provider counts once, with its newest version: versions that
    ///   are dates (`2026-08-19`, `2021`) compare as dates and beat versions
    ///   that are not (`idiap`, `unversioned`).
    /// - Lean: when the providers put the outlet on different sides (one on
    ///   the left and one on the right, or one at the center and one two
    ///   steps or more out on a wing: center against left or far-right),
    ///   the outlet is *disputed*: it has no combined lean and is counted
    ///   apart. Otherwise the mean of the providers' positions on the
    ///   7-point scale (far-left = -3 ... far-right = +3), rounded toward
    ///   the center. One provider's lean is taken exactly; two that differ
    ///   by one step land on the more central of the two.
    /// - Factuality: the mean of the providers' positions, rounded toward
    ///   the lower rating (the cautious reading).
    /// - Owner and ownership type: the first provider that names one, Kite
    ///   and the local news dataset first, then providers alphabetically.
    pub fn combine(ratings: &[Rating]) -> OutletProfile {
        let mut newest: BTreeMap<&str, &Rating> = BTreeMap::new();
        for rating in ratings {
            match newest.get(rating.provider.as_str()) {
                Some(kept) if version_rank(&kept.version) >= version_rank(&rating.version) => {}
                _ => {
                    newest.insert(&rating.provider, rating);
                }
            }
        }
        let chosen: Vec<&Rating> = newest.values().copied().collect();

        let leans: Vec<(String, Lean)> =
            chosen.iter().filter_map(|r| r.lean.map(|lean| (r.provider.clone(), lean))).collect();
        let positions: Vec<i32> = leans.iter().map(|(_, lean)| lean_position(*lean)).collect();
        let disputed = disputed(&positions);
        let lean = if disputed { None } else { mean(&positions).map(|m| lean_from_position(m.trunc() as i32)) };
        let factualities: Vec<i32> = chosen.iter().filter_map(|r| r.factuality).map(|f| f as i32).collect();
        let factuality = mean(&factualities).map(|m| Factuality::ALL[(m.ceil() as usize).min(5)]);

        let mut by_preference = chosen.clone();
        by_preference.sort_by_key(|r| {
            OWNERSHIP_PROVIDERS.iter().position(|p| *p == r.provider).unwrap_or(OWNERSHIP_PROVIDERS.len())
        });
        let owner = by_preference.iter().find_map(|r| r.owner.clone());
        let ownership = by_preference.iter().find_map(|r| r.ownership.clone());
        OutletProfile { lean, disputed, leans, factuality, owner, ownership }
    }

    /// The side the providers agree on; `None` when unrated or disputed.
    pub fn side(&self) -> Option<LeanBucket> {
        self.lean.map(Lean::bucket)
    }

    /// Where the outlet stands in a story's distribution.
    pub fn stance(&self) -> OutletLean {
        if self.disputed { OutletLean::Disputed } else { self.side().into() }
    }
}

/// Providers' positions (-3..=3) that put one outlet on different sides:
/// left against right, or the center against a position two steps or more
/// out (left, far-left, right, far-right). Lean-left against center is a
/// one-step difference of degree, combined as a mean.
fn disputed(positions: &[i32]) -> bool {
    positions
        .iter()
        .any(|&a| positions.iter().any(|&b| (a < 0 && b > 0) || (a == 0 && b.abs() >= DISPUTE_STEPS_FROM_CENTER)))
}

/// How far from the center a provider must place an outlet that another
/// places at the center for the two to dispute it.
pub const DISPUTE_STEPS_FROM_CENTER: i32 = 2;

/// Dates rank by their digits; anything else ranks below every date.
fn version_rank(version: &str) -> (bool, &str) {
    let is_date = version.len() >= 4 && version.chars().all(|c| c.is_ascii_digit() || c == '-');
    (is_date, version)
}

fn lean_position(lean: Lean) -> i32 {
    lean as i32 - 3
}

fn lean_from_position(position: i32) -> Lean {
    Lean::ALL[(position.clamp(-3, 3) + 3) as usize]
}

fn mean(values: &[i32]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64)
}

/// One article of a story, as coverage needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CoveredArticle<'a> {
    pub id: i64,
    pub outlet: &'a str,
    pub url: &'a str,
    pub title: &'a str,
    pub published: DateTime<Utc>,
    pub copy_of: Option<i64>,
}

impl<'a> CoveredArticle<'a> {
    /// A stored article as coverage reads it; `copy_of` is the article it
    /// copies word for word, if any.
    pub fn of(article: &'a parallax_core::Article, copy_of: Option<i64>) -> CoveredArticle<'a> {
        let a = &article.article;
        CoveredArticle {
            id: article.id,
            outlet: &a.outlet,
            url: &a.url,
            title: &a.title,
            published: a.published,
            copy_of,
        }
    }
}

/// Label for outlets no provider rated for factuality.
pub const UNRATED: &str = "unrated";
/// Label for outlets whose ownership is unknown.
pub const UNKNOWN: &str = "unknown";

/// Computes a story's coverage. `profiles` maps outlet domains to their
/// combined ratings; an outlet missing from it counts as unrated.
pub fn coverage(
    articles: &[CoveredArticle<'_>],
    profiles: &HashMap<String, OutletProfile>,
    blindspots: &BlindspotConfig,
) -> Coverage {
    let unrated = OutletProfile::default();
    let profile = |outlet: &str| profiles.get(outlet).unwrap_or(&unrated);

    let mut outlets: Vec<&str> = articles.iter().map(|a| a.outlet).collect::<HashSet<_>>().into_iter().collect();
    outlets.sort_unstable();
    let mut lean = LeanCounts::default();
    let mut factuality: BTreeMap<String, u32> = BTreeMap::new();
    let mut ownership: BTreeMap<String, u32> = BTreeMap::new();
    for outlet in &outlets {
        let p = profile(outlet);
        lean.add(p.stance());
        *factuality.entry(p.factuality.map_or(UNRATED, |f| f.as_str()).to_string()).or_default() += 1;
        let owned = p.ownership.as_deref().or(p.owner.as_deref()).unwrap_or(UNKNOWN);
        *ownership.entry(owned.to_string()).or_default() += 1;
    }

    let first = articles.iter().min_by_key(|a| (a.published, a.id));
    let first_reported = first.map(|a| FirstReported {
        outlet: a.outlet.to_string(),
        url: a.url.to_string(),
        published: a.published,
        article: a.id,
    });

    let mut hours: BTreeMap<DateTime<Utc>, LeanCounts> = BTreeMap::new();
    let mut headlines: Sides<Vec<Headline>> = Sides::default();
    let mut ordered: Vec<&CoveredArticle<'_>> = articles.iter().collect();
    ordered.sort_by_key(|a| (a.published, a.id));
    for article in &ordered {
        let stance = profile(article.outlet).stance();
        let side = profile(article.outlet).side();
        let hour = article.published.duration_trunc(TimeDelta::hours(1)).unwrap_or(article.published);
        hours.entry(hour).or_default().add(stance);
        if let Some(side) = side {
            headlines.get_mut(side).push(Headline {
                article: article.id,
                outlet: article.outlet.to_string(),
                title: article.title.to_string(),
            });
        }
    }

    Coverage {
        articles: articles.len() as u32,
        outlets: outlets.len() as u32,
        originals: articles.iter().filter(|a| a.copy_of.is_none()).count() as u32,
        lean,
        factuality,
        ownership,
        first_reported,
        blindspot: blindspot(&lean, blindspots),
        timeline: hours.into_iter().map(|(hour, articles)| TimelineHour { hour, articles }).collect(),
        headlines,
    }
}

/// The side that ignores a story: among at least `min_rated_outlets` rated
/// outlets, its share is at most `max_missing_share` while the opposite
/// side's is at least `min_opposite_share`. Only the wings can be missing.
/// Disputed and unrated outlets take no part: neither counted as rated nor
/// as any side.
pub fn blindspot(lean: &LeanCounts, config: &BlindspotConfig) -> Option<LeanBucket> {
    let rated = lean.rated();
    if rated < config.min_rated_outlets || rated == 0 {
        return None;
    }
    let share = |n: u32| f64::from(n) / f64::from(rated);
    let missing = |side: u32, opposite: u32| {
        share(side) <= config.max_missing_share && share(opposite) >= config.min_opposite_share
    };
    if missing(lean.left, lean.right) {
        Some(LeanBucket::Left)
    } else if missing(lean.right, lean.left) {
        Some(LeanBucket::Right)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(provider: &str, version: &str, lean: Option<Lean>, factuality: Option<Factuality>) -> Rating {
        Rating {
            outlet: "x.example".into(),
            provider: provider.into(),
            version: version.into(),
            source_file: "f".into(),
            lean,
            factuality,
            ..Rating::default()
        }
    }

    fn check_combine(ratings: &[Rating], lean: Option<Lean>, factuality: Option<Factuality>) {
        let profile = OutletProfile::combine(ratings);
        assert_eq!((profile.lean, profile.factuality), (lean, factuality), "{ratings:?}");
    }

    #[test]
    fn one_provider_is_taken_exactly() {
        for lean in Lean::ALL {
            check_combine(
                &[rating("mbfc", "2026-08-19", Some(lean), Some(Factuality::Mixed))],
                Some(lean),
                Some(Factuality::Mixed),
            );
        }
    }

    #[test]
    fn providers_a_step_apart_round_toward_center_and_lower_factuality() {
        check_combine(
            &[
                rating("mbfc", "2026-08-19", Some(Lean::Left), Some(Factuality::High)),
                rating("allsides", "2021", Some(Lean::LeanLeft), Some(Factuality::Mixed)),
            ],
            Some(Lean::LeanLeft),
            Some(Factuality::MostlyFactual),
        );
        check_combine(
            &[rating("a", "1", Some(Lean::LeanRight), None), rating("b", "1", Some(Lean::Center), None)],
            Some(Lean::Center),
            None,
        );
    }

    #[test]
    fn each_provider_counts_once_with_its_newest_dated_version() {
        check_combine(
            &[
                rating("mbfc", "idiap", Some(Lean::FarRight), None),
                rating("mbfc", "2026-08-19", Some(Lean::Right), None),
                rating("mbfc", "2020-01-01", Some(Lean::Center), None),
            ],
            Some(Lean::Right),
            None,
        );
    }

    fn counts(left: u32, center: u32, right: u32) -> LeanCounts {
        LeanCounts { left, center, right, disputed: 2, unrated: 3 }
    }

    fn check_dispute(leans: &[Lean], disputed: bool) {
        let ratings: Vec<Rating> =
            leans.iter().enumerate().map(|(i, &lean)| rating(&format!("p{i}"), "2026", Some(lean), None)).collect();
        let profile = OutletProfile::combine(&ratings);
        assert_eq!(profile.disputed, disputed, "{leans:?}");
        assert_eq!(profile.stance() == OutletLean::Disputed, disputed);
        assert_eq!(profile.lean.is_none(), disputed, "a disputed outlet has no combined lean: {profile:?}");
        assert_eq!(profile.leans.len(), leans.len(), "every provider's view is kept");
    }

    #[test]
    fn providers_on_different_sides_dispute_an_outlet() {
        // cbsnews.com: AllSides lean-left, MBFC lean-right. Not "center".
        check_dispute(&[Lean::LeanLeft, Lean::LeanRight], true);
        check_dispute(&[Lean::Center, Lean::Left], true);
        check_dispute(&[Lean::FarRight, Lean::Center], true);
        check_dispute(&[Lean::LeanLeft, Lean::Center, Lean::Right], true);
        check_dispute(&[Lean::LeanLeft, Lean::Center], false);
        check_dispute(&[Lean::Left, Lean::FarLeft], false);
        check_dispute(&[Lean::Right], false);
    }

    #[test]
    fn disputed_outlets_are_counted_apart() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let article = |id, outlet| CoveredArticle { id, outlet, url: "u", title: "T", published: t, copy_of: None };
        let articles = [article(1, "cbs.example"), article(2, "left.example")];
        let mut profiles = HashMap::new();
        profiles.insert(
            "cbs.example".to_string(),
            OutletProfile::combine(&[
                rating("allsides", "2021", Some(Lean::LeanLeft), None),
                rating("mbfc", "2026", Some(Lean::LeanRight), None),
            ]),
        );
        profiles.insert("left.example".to_string(), OutletProfile { lean: Some(Lean::Left), ..Default::default() });
        let c = coverage(&articles, &profiles, &BlindspotConfig::default());
        assert_eq!(c.lean, LeanCounts { left: 1, center: 0, right: 0, disputed: 1, unrated: 0 });
        assert_eq!(c.timeline[0].articles.disputed, 1);
        assert!(c.headlines.left.len() == 1 && c.headlines.center.is_empty() && c.headlines.right.is_empty());
    }

    #[test]
    fn blindspot_needs_enough_rated_outlets_and_a_present_opposite() {
        let config = BlindspotConfig::default();
        assert_eq!(blindspot(&counts(0, 4, 6), &config), Some(LeanBucket::Left));
        assert_eq!(blindspot(&counts(6, 4, 0), &config), Some(LeanBucket::Right));
        assert_eq!(blindspot(&counts(0, 2, 2), &config), None, "too few rated outlets");
        assert_eq!(blindspot(&counts(0, 10, 0), &config), None, "center-only is not a wing's blindspot");
        assert_eq!(blindspot(&counts(3, 4, 3), &config), None);
        let mostly_disputed = LeanCounts { left: 0, center: 2, right: 2, disputed: 10, unrated: 0 };
        assert_eq!(blindspot(&mostly_disputed, &config), None, "disputed outlets are not rated ones");
    }

    #[test]
    fn coverage_counts_outlets_not_articles_and_keeps_unrated() {
        let t = |h: i64| DateTime::<Utc>::from_timestamp(1_700_000_000 + h * 3600, 0).unwrap_or_default();
        let articles = [
            CoveredArticle { id: 1, outlet: "left.example", url: "u1", title: "L", published: t(1), copy_of: None },
            CoveredArticle { id: 2, outlet: "left.example", url: "u2", title: "L2", published: t(2), copy_of: None },
            CoveredArticle { id: 3, outlet: "right.example", url: "u3", title: "R", published: t(0), copy_of: Some(1) },
            CoveredArticle { id: 4, outlet: "nobody.example", url: "u4", title: "N", published: t(2), copy_of: None },
        ];
        let mut profiles = HashMap::new();
        profiles.insert(
            "left.example".to_string(),
            OutletProfile {
                lean: Some(Lean::Left),
                factuality: Some(Factuality::High),
                owner: Some("A".into()),
                ..OutletProfile::default()
            },
        );
        profiles.insert(
            "right.example".to_string(),
            OutletProfile {
                lean: Some(Lean::LeanRight),
                ownership: Some("corporate".into()),
                ..OutletProfile::default()
            },
        );
        let c = coverage(&articles, &profiles, &BlindspotConfig::default());
        assert_eq!((c.articles, c.outlets, c.originals), (4, 3, 3));
        assert_eq!(c.lean, LeanCounts { left: 1, center: 0, right: 1, disputed: 0, unrated: 1 });
        assert_eq!(c.factuality.get("high"), Some(&1));
        assert_eq!(c.factuality.get(UNRATED), Some(&2));
        assert_eq!(c.ownership.get("A"), Some(&1));
        assert_eq!(c.ownership.get("corporate"), Some(&1));
        assert_eq!(c.ownership.get(UNKNOWN), Some(&1));
        assert_eq!(c.first_reported.as_ref().map(|f| f.article), Some(3));
        assert_eq!(c.timeline.len(), 3);
        assert_eq!(c.headlines.left.len(), 2);
        assert_eq!(c.headlines.right.len(), 1);
        assert_eq!(c.blindspot, None);
    }
}
