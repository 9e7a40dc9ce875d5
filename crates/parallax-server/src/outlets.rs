//! What the pages show of an outlet: every provider's ratings combined into
//! one lean, factuality and owner, kept in memory because every story page
//! needs them for each of its outlets.

use std::collections::HashMap;

use parallax_core::{LeanBucket, Rating};
use parallax_coverage::OutletProfile;
use parallax_store::OutletSummary;

/// One outlet as a story page labels it: the providers' ratings combined
/// by `parallax-coverage` (the same method the stored story views use), plus
/// what a badge shows beside them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletInfo {
    pub domain: String,
    pub name: Option<String>,
    pub profile: OutletProfile,
    /// The providers that rate its lean, for the badge's tooltip.
    pub lean_by: Vec<String>,
    pub country: Option<String>,
}

impl OutletInfo {
    pub fn from_ratings(domain: &str, name: Option<&str>, ratings: &[Rating]) -> OutletInfo {
        let mut lean_by: Vec<String> =
            ratings.iter().filter(|r| r.lean.is_some()).map(|r| r.provider.clone()).collect();
        lean_by.dedup();
        OutletInfo {
            domain: domain.to_string(),
            name: name.map(str::to_string).or_else(|| ratings.iter().find_map(|r| r.outlet_name.clone())),
            profile: OutletProfile::combine(ratings),
            lean_by,
            country: ratings.iter().find_map(|r| r.country.clone()),
        }
    }

    pub fn side(&self) -> Option<LeanBucket> {
        self.profile.side()
    }

    /// The name to show: the outlet's name, else its domain.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.domain)
    }
}

/// Every known outlet by domain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutletDirectory {
    by_domain: HashMap<String, OutletInfo>,
}

impl OutletDirectory {
    pub fn from_summaries(summaries: &[OutletSummary]) -> OutletDirectory {
        let by_domain = summaries
            .iter()
            .map(|s| {
                let info = OutletInfo::from_ratings(&s.outlet.domain, s.outlet.name.as_deref(), &s.ratings);
                (s.outlet.domain.clone(), info)
            })
            .collect();
        OutletDirectory { by_domain }
    }

    pub fn get(&self, domain: &str) -> Option<&OutletInfo> {
        self.by_domain.get(domain)
    }

    /// The outlet, or an unrated stand-in for a domain the directory has not
    /// seen yet (an outlet imported after the last refresh).
    pub fn info(&self, domain: &str) -> OutletInfo {
        self.get(domain).cloned().unwrap_or_else(|| OutletInfo::from_ratings(domain, None, &[]))
    }

    pub fn side(&self, domain: &str) -> Option<LeanBucket> {
        self.get(domain).and_then(OutletInfo::side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parallax_core::Lean;

    fn rating(provider: &str, version: &str, lean: Option<Lean>, owner: Option<&str>) -> Rating {
        Rating {
            outlet: "example.com".into(),
            provider: provider.into(),
            version: version.into(),
            lean,
            owner: owner.map(str::to_string),
            ..Rating::default()
        }
    }

    #[test]
    fn ratings_combine_as_the_story_views_do() {
        let ratings = [
            rating("mbfc", "2020", Some(Lean::Right), None),
            rating("mbfc", "2026", Some(Lean::LeanLeft), None),
            rating("allsides", "2021", None, None),
            rating("ownership", "2018", None, Some("A Family Trust")),
        ];
        let info = OutletInfo::from_ratings("example.com", None, &ratings);
        assert_eq!(info.profile.lean, Some(Lean::LeanLeft), "the newest version of each provider counts");
        assert_eq!(info.lean_by, ["mbfc"]);
        assert_eq!(info.side(), Some(LeanBucket::Left));
        assert_eq!(info.profile.owner.as_deref(), Some("A Family Trust"));
        assert_eq!(info.display_name(), "example.com");
    }
}
