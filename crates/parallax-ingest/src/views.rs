//! The view stage: a story's title, bullets, per-side summaries, coverage
//! and disagreements, recomputed whenever the story changes.

use std::collections::HashMap;

use parallax_core::{Bullet, Disagreement, Sides, StoryView, story::Claim};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile};
use parallax_store::{Store, StoreError, StoryArticle, StoryRecord};
use parallax_summary::{ArticleText, StoryInput, SummaryConfig};

use crate::Summarizer;

/// Outlet profiles, looked up once per outlet per pass.
#[derive(Default)]
pub struct Profiles {
    known: HashMap<String, OutletProfile>,
}

impl Profiles {
    /// The combined profiles of every outlet of `story`.
    fn load(&mut self, store: &dyn Store, story: &StoryRecord) -> Result<&HashMap<String, OutletProfile>, StoreError> {
        for member in &story.articles {
            let outlet = &member.article.article.outlet;
            if !self.known.contains_key(outlet) {
                let ratings = store.outlet_ratings(outlet)?;
                self.known.insert(outlet.clone(), OutletProfile::combine(&ratings));
            }
        }
        Ok(&self.known)
    }
}

/// A story's articles as coverage analytics reads them.
pub fn covered_articles(story: &StoryRecord) -> Vec<CoveredArticle<'_>> {
    story
        .articles
        .iter()
        .map(|member| {
            let a = &member.article.article;
            CoveredArticle {
                id: member.article.id,
                outlet: &a.outlet,
                url: &a.url,
                title: &a.title,
                published: a.published,
                copy_of: member.copy_of,
            }
        })
        .collect()
}

/// Computes a story's view from its articles and its outlets' profiles.
pub fn story_view(
    story: &StoryRecord,
    texts: &HashMap<i64, String>,
    profiles: &HashMap<String, OutletProfile>,
    summarizer: &mut Summarizer,
    blindspots: &BlindspotConfig,
) -> StoryView {
    let coverage = parallax_coverage::coverage(&covered_articles(story), profiles, blindspots);

    // A wire copy repeats its origin word for word: it adds no centrality
    // evidence, only weight to one outlet's wording.
    let originals: Vec<&StoryArticle> = story.articles.iter().filter(|member| member.copy_of.is_none()).collect();
    let ids: Vec<String> = originals.iter().map(|m| m.article.id.to_string()).collect();
    let texts: Vec<ArticleText<'_>> = originals
        .iter()
        .zip(&ids)
        .map(|(member, id)| {
            let a = &member.article.article;
            ArticleText {
                id,
                title: &a.title,
                text: texts.get(&member.article.id).unwrap_or(&a.snippet),
                outlet: Some(&a.outlet),
                side: profiles.get(&a.outlet).and_then(OutletProfile::side),
                language: a.language.as_deref(),
                kind: a.kind(),
            }
        })
        .collect();
    let input = StoryInput { articles: &texts };
    let summarised = summarizer.summarize(story.id, &input);
    let article_id = |index: usize| originals.get(index).map_or(0, |m| m.article.id);
    let bullets = |list: &[parallax_summary::Bullet]| -> Vec<Bullet> {
        list.iter().map(|b| Bullet { text: b.text.clone(), article: article_id(b.article) }).collect()
    };
    let disagreements = parallax_summary::disagreements(&input)
        .into_iter()
        .map(|d| Disagreement {
            about: d.about,
            claims: d
                .claims
                .into_iter()
                .map(|c| Claim {
                    article: article_id(c.article),
                    outlet: c.outlet.unwrap_or_default(),
                    value: c.value_text,
                    wording: c.wording,
                })
                .collect(),
        })
        .collect();
    let title = if summarised.title.is_empty() {
        story.articles.first().map(|m| m.article.article.title.clone()).unwrap_or_default()
    } else {
        summarised.title
    };
    StoryView {
        title,
        bullets: bullets(&summarised.bullets),
        sides: Sides {
            left: bullets(&summarised.sides.left),
            center: bullets(&summarised.sides.center),
            right: bullets(&summarised.sides.right),
        },
        coverage,
        disagreements,
    }
}

/// Recomputes and stores the views of `stories` (ids of live stories; gone
/// ones are skipped), in one transaction. With a generative endpoint
/// configured, each story's title and bullets are asked of it, falling back
/// to the extractive ones (see [`Summarizer`]).
pub fn refresh_views(
    store: &mut dyn Store,
    stories: impl IntoIterator<Item = i64>,
    summary: &SummaryConfig,
    blindspots: &BlindspotConfig,
) -> Result<usize, StoreError> {
    let mut profiles = Profiles::default();
    let mut summarizer = Summarizer::new(summary);
    let mut views = Vec::new();
    for id in stories {
        let Some(story) = store.story(id)? else { continue };
        let ids: Vec<i64> = story.articles.iter().map(|m| m.article.id).collect();
        let texts = store.article_texts(&ids)?;
        let known = profiles.load(store, &story)?;
        views.push((id, story_view(&story, &texts, known, &mut summarizer, blindspots)));
    }
    store.set_story_views(&views)?;
    Ok(views.len())
}
