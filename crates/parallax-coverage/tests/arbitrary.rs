//! No input makes coverage panic or lose an outlet: arbitrary Unicode in
//! outlet names, titles and URLs, any ratings, any times.

use std::collections::HashMap;

use chrono::DateTime;
use parallax_core::{Factuality, Lean, Rating};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile, coverage};
use proptest::prelude::*;

fn lean() -> impl Strategy<Value = Option<Lean>> {
    prop::option::of(prop::sample::select(Lean::ALL.to_vec()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_outlet_is_counted_once(
        raw in prop::collection::vec((any::<String>(), any::<String>(), any::<String>(), any::<i64>(), prop::option::of(0i64..20)), 0..12),
        rated in prop::collection::vec((any::<String>(), prop::collection::vec((any::<String>(), lean()), 0..4)), 0..6),
    ) {
        let articles: Vec<CoveredArticle> = raw
            .iter()
            .enumerate()
            .map(|(i, (outlet, url, title, time, copy))| CoveredArticle {
                id: i as i64,
                outlet,
                url,
                title,
                published: DateTime::from_timestamp(time % 10_000_000_000, 0).unwrap_or_default(),
                copy_of: *copy,
            })
            .collect();
        let profiles: HashMap<String, OutletProfile> = rated
            .iter()
            .map(|(outlet, ratings)| {
                let ratings: Vec<Rating> = ratings
                    .iter()
                    .map(|(provider, lean)| Rating {
                        outlet: outlet.clone(),
                        provider: provider.clone(),
                        version: provider.chars().rev().collect(),
                        lean: *lean,
                        factuality: Some(Factuality::Mixed),
                        ..Rating::default()
                    })
                    .collect();
                (outlet.clone(), OutletProfile::combine(&ratings))
            })
            .collect();
        let c = coverage(&articles, &profiles, &BlindspotConfig::default());
        prop_assert_eq!(c.lean.total(), c.outlets);
        prop_assert_eq!(c.articles as usize, articles.len());
        let timeline: u32 = c.timeline.iter().map(|hour| hour.articles.total()).sum();
        prop_assert_eq!(timeline as usize, articles.len());
    }
}
