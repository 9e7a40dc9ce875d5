//! The view stage: a story's title, bullets, per-side summaries, coverage
//! and disagreements, recomputed whenever the story changes.

use std::collections::HashMap;

use parallax_core::{Bullet, Disagreement, Sides, StoryView, story::Claim};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile};
use parallax_store::{Store, StoreError, StoryRecord};
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
    story.articles.iter().map(|member| CoveredArticle::of(&member.article, member.copy_of)).collect()
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

    let ids: Vec<String> = story.articles.iter().map(|m| m.article.id.to_string()).collect();
    let texts: Vec<ArticleText<'_>> = story
        .articles
        .iter()
        .zip(&ids)
        // A wire copy repeats its origin word for word: it adds no
        // centrality evidence, only weight to one outlet's wording.
        .filter(|(member, _)| member.copy_of.is_none())
        .map(|(member, id)| {
            let a = &member.article.article;
            ArticleText {
                id,
                title: &a.title,
                text: texts.get(&member.article.id).unwrap_or(&a.snippet),
                outlet: Some(&a.outlet),
                side: profiles.get(&a.outlet).and_then(OutletProfile::side),
                language: a.language.as_deref(),
            }
        })
        .collect();
    let input = StoryInput { articles: &texts };
    let summarised = summarizer.summarize(story.id, &input);
    let bullets = |list: &[parallax_summary::Bullet]| -> Vec<Bullet> {
        list.iter()
            .map(|b| Bullet { text: b.text.clone(), article: b.article_id.parse().unwrap_or_default() })
            .collect()
    };
    let disagreements = parallax_summary::disagreements(&input)
        .into_iter()
        .map(|d| Disagreement {
            about: d.about,
            claims: d
                .claims
                .into_iter()
                .map(|c| Claim {
                    article: c.article_id.parse().unwrap_or_default(),
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
/// ones are skipped); see [`refresh_views_reporting`].
pub fn refresh_views(
    store: &mut dyn Store,
    stories: impl IntoIterator<Item = i64>,
    summary: &SummaryConfig,
    blindspots: &BlindspotConfig,
) -> Result<usize, StoreError> {
    refresh_views_reporting(store, stories, summary, blindspots).map(|report| report.stories)
}

/// What the view stage did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewReport {
    /// Stories whose view was recomputed and stored.
    pub stories: usize,
    /// `(story, reason)` for each story whose view could not be computed
    /// (a crash while summarising it): it keeps its previous view.
    pub failed: Vec<(i64, String)>,
}

/// Stories whose views are computed between two writes: the model
/// endpoint, when configured, is asked with no transaction open, and a
/// crash loses at most this much work.
const VIEWS_PER_WRITE: usize = 64;

/// Recomputes and stores the views of `stories`, a chunk at a time: read
/// the chunk, compute its views (with a generative endpoint configured,
/// each story's title and bullets are asked of it, falling back to the
/// extractive ones, see [`Summarizer`]), then store them in one
/// transaction. A story whose view panics is reported and skipped.
pub fn refresh_views_reporting(
    store: &mut dyn Store,
    stories: impl IntoIterator<Item = i64>,
    summary: &SummaryConfig,
    blindspots: &BlindspotConfig,
) -> Result<ViewReport, StoreError> {
    let mut profiles = Profiles::default();
    let mut summarizer = Summarizer::new(summary);
    let mut report = ViewReport::default();
    let ids: Vec<i64> = stories.into_iter().collect();
    for chunk in ids.chunks(VIEWS_PER_WRITE) {
        let mut loaded = Vec::with_capacity(chunk.len());
        for &id in chunk {
            let Some(story) = store.story(id)? else { continue };
            let article_ids: Vec<i64> = story.articles.iter().map(|m| m.article.id).collect();
            let texts = store.article_texts(&article_ids)?;
            profiles.load(store, &story)?;
            loaded.push((story, texts));
        }
        let mut views = Vec::with_capacity(loaded.len());
        for (story, texts) in &loaded {
            let known = &profiles.known;
            let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                story_view(story, texts, known, &mut summarizer, blindspots)
            }));
            match computed {
                Ok(view) => views.push((story.id, view)),
                Err(panic) => {
                    let reason = format!("views: crashed while summarising: {}", crate::panic_message(panic.as_ref()));
                    tracing::error!(story = story.id, "{reason}");
                    report.failed.push((story.id, reason));
                }
            }
        }
        store.set_story_views(&views)?;
        report.stories += views.len();
    }
    Ok(report)
}
