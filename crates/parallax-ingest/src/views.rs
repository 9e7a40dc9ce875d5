//! The view stage: a story's title, bullets, per-side summaries, coverage
//! and disagreements, recomputed whenever the story changes.

use std::collections::HashMap;

use parallax_core::topic::{TopicEvidence, story_topics};
use parallax_core::{Bullet, Disagreement, Sides, StoryView, Topic, story::Claim};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile};
use parallax_store::{Store, StoreError, StoryArticle, StoryRecord};
use parallax_summary::{ArticleText, StoryInput, SummaryConfig};

use crate::Summarizer;

/// Outlet profiles and countries, looked up once per outlet per pass, and
/// the feeds' categories, read once per pass.
#[derive(Default)]
pub struct Profiles {
    known: HashMap<String, OutletProfile>,
    countries: HashMap<String, Option<String>>,
    feed_categories: Option<HashMap<String, Vec<String>>>,
}

impl Profiles {
    /// The combined profiles of every outlet of `story`.
    fn load(&mut self, store: &dyn Store, story: &StoryRecord) -> Result<&HashMap<String, OutletProfile>, StoreError> {
        for member in &story.articles {
            let outlet = &member.article.article.outlet;
            if !self.known.contains_key(outlet) {
                let ratings = store.outlet_ratings(outlet)?;
                self.known.insert(outlet.clone(), OutletProfile::combine(&ratings));
                self.countries.insert(outlet.clone(), outlet_country(outlet, &ratings));
            }
        }
        if self.feed_categories.is_none() {
            let feeds = store.feeds(None)?;
            let categorised = feeds.into_iter().filter(|f| !f.source.categories.is_empty());
            self.feed_categories = Some(categorised.map(|f| (f.source.url, f.source.categories)).collect());
        }
        Ok(&self.known)
    }

    /// The sorted countries of the outlets of `story` (loaded).
    fn countries(&self, story: &StoryRecord) -> Vec<String> {
        let mut countries: Vec<String> = story
            .articles
            .iter()
            .filter_map(|m| self.countries.get(&m.article.article.outlet).cloned().flatten())
            .collect();
        countries.sort();
        countries.dedup();
        countries
    }
}

/// Where an outlet is from: the first rating naming a country it knows
/// (providers in their stored order), else its domain's country-code
/// top-level domain (`spiegel.de`).
fn outlet_country(domain: &str, ratings: &[parallax_core::Rating]) -> Option<String> {
    ratings
        .iter()
        .find_map(|r| r.country.as_deref().and_then(parallax_core::country::country_code))
        .or_else(|| parallax_core::country::domain_country(domain))
}

/// A story's topics by [`story_topics`], from its articles' categories,
/// their feeds' categories, URLs, titles and texts.
pub fn topics_of(
    story: &StoryRecord,
    texts: &HashMap<i64, String>,
    feed_categories: &HashMap<String, Vec<String>>,
) -> Vec<Topic> {
    let evidence: Vec<TopicEvidence<'_>> = story
        .articles
        .iter()
        .map(|m| {
            let a = &m.article.article;
            TopicEvidence {
                categories: &a.categories,
                feed_categories: feed_categories.get(&a.feed).map_or(&[], Vec::as_slice),
                url: &a.url,
                title: &a.title,
                text: texts.get(&m.article.id).unwrap_or(&a.snippet),
            }
        })
        .collect();
    story_topics(&evidence)
}

/// A story's articles as coverage analytics reads them.
pub fn covered_articles(story: &StoryRecord) -> Vec<CoveredArticle<'_>> {
    story.articles.iter().map(|member| CoveredArticle::of(&member.article, member.copy_of)).collect()
}

/// A story's original articles (wire copies left out: a copy repeats its
/// origin word for word, adding no centrality evidence, only weight to one
/// outlet's wording) as the summariser reads them.
struct SummaryInput<'a> {
    originals: Vec<&'a StoryArticle>,
    ids: Vec<String>,
}

impl<'a> SummaryInput<'a> {
    fn new(story: &'a StoryRecord) -> SummaryInput<'a> {
        let originals: Vec<&StoryArticle> = story.articles.iter().filter(|m| m.copy_of.is_none()).collect();
        let ids = originals.iter().map(|m| m.article.id.to_string()).collect();
        SummaryInput { originals, ids }
    }

    fn texts<'b>(
        &'b self,
        texts: &'b HashMap<i64, String>,
        profiles: &HashMap<String, OutletProfile>,
    ) -> Vec<ArticleText<'b>> {
        self.originals
            .iter()
            .zip(&self.ids)
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
            .collect()
    }

    /// The stored id of the article at `index` of the summariser's input.
    fn article_id(&self, index: usize) -> i64 {
        self.originals.get(index).map_or(0, |m| m.article.id)
    }

    fn bullets(&self, list: &[parallax_summary::Bullet]) -> Vec<Bullet> {
        list.iter().map(|b| Bullet { text: b.text.clone(), article: self.article_id(b.article) }).collect()
    }

    fn sides(&self, sides: &parallax_summary::SideSummaries) -> Sides<Vec<Bullet>> {
        Sides {
            left: self.bullets(&sides.left),
            center: self.bullets(&sides.center),
            right: self.bullets(&sides.right),
        }
    }
}

/// Computes a story's view from its articles and its outlets' profiles;
/// its topics and countries are the caller's (see [`topics_of`]).
pub fn story_view(
    story: &StoryRecord,
    texts: &HashMap<i64, String>,
    profiles: &HashMap<String, OutletProfile>,
    summarizer: &mut Summarizer,
    blindspots: &BlindspotConfig,
) -> StoryView {
    let coverage = parallax_coverage::coverage(&covered_articles(story), profiles, blindspots);
    let summary_input = SummaryInput::new(story);
    let texts = summary_input.texts(texts, profiles);
    let input = StoryInput { articles: &texts };
    let summarised = summarizer.summarize(story.id, &input);
    let disagreements = parallax_summary::disagreements(&input)
        .into_iter()
        .map(|d| Disagreement {
            about: d.about,
            claims: d
                .claims
                .into_iter()
                .map(|c| Claim {
                    article: summary_input.article_id(c.article),
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
        bullets: summary_input.bullets(&summarised.bullets),
        sides: summary_input.sides(&summarised.sides),
        coverage,
        disagreements,
        topics: Vec::new(),
        countries: Vec::new(),
    }
}

/// A stored view recounted after its outlets' ratings changed: coverage
/// and the per-side bullets (which follow the outlets' sides) anew, the
/// title, bullets and disagreements as they were (no rating changes them,
/// and a model-written summary is not asked for again).
pub fn recounted_view(
    story: &StoryRecord,
    stored: &StoryView,
    texts: &HashMap<i64, String>,
    profiles: &HashMap<String, OutletProfile>,
    summary: &SummaryConfig,
    blindspots: &BlindspotConfig,
) -> StoryView {
    let summary_input = SummaryInput::new(story);
    let texts = summary_input.texts(texts, profiles);
    let extractive = parallax_summary::summarize(&StoryInput { articles: &texts }, summary);
    StoryView {
        coverage: parallax_coverage::coverage(&covered_articles(story), profiles, blindspots),
        sides: summary_input.sides(&extractive.sides),
        ..stored.clone()
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
    refresh_views_reporting(store, stories, summary, blindspots, &crate::NoProgress).map(|report| report.stories)
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
    progress: &dyn crate::Progress,
) -> Result<ViewReport, StoreError> {
    let mut profiles = Profiles::default();
    let mut summarizer = Summarizer::new(summary);
    let mut report = ViewReport::default();
    let ids: Vec<i64> = stories.into_iter().collect();
    progress.stage_started(crate::Stage::Views, ids.len());
    let mut done = 0;
    for chunk in ids.chunks(VIEWS_PER_WRITE) {
        let stories = store.stories_by_id(chunk)?;
        let article_ids: Vec<i64> = stories.iter().flat_map(|s| s.articles.iter().map(|m| m.article.id)).collect();
        let mut texts = store.article_texts(&article_ids)?;
        let mut loaded = Vec::with_capacity(stories.len());
        for story in stories {
            profiles.load(store, &story)?;
            let own: HashMap<i64, String> =
                story.articles.iter().filter_map(|m| texts.remove_entry(&m.article.id)).collect();
            loaded.push((story, own));
        }
        let computed = compute_views(&loaded, &profiles, &mut summarizer, blindspots);
        let mut views = Vec::with_capacity(loaded.len());
        for ((story, _), computed) in loaded.iter().zip(computed) {
            match computed {
                Ok(view) => views.push((story.id, view)),
                Err(reason) => {
                    tracing::error!(story = story.id, "{reason}");
                    report.failed.push((story.id, reason));
                }
            }
        }
        store.set_story_views(&views)?;
        report.stories += views.len();
        done += chunk.len();
        progress.stage_advanced(done);
    }
    Ok(report)
}

/// The view of each loaded story, or why it crashed. Without a generative
/// endpoint a view is a pure function of its story, so the stories are
/// shared out over every core, each thread with its own summariser; with
/// one, they are summarised in order on this thread, so the endpoint is
/// asked one story at a time and its failures in a row are counted as
/// before. In `parallax bench ingest` (366 stories of about 100 articles)
/// the view stage was 23% of the round's CPU time, all on one core.
fn compute_views(
    loaded: &[(StoryRecord, HashMap<i64, String>)],
    profiles: &Profiles,
    summarizer: &mut Summarizer,
    blindspots: &BlindspotConfig,
) -> Vec<Result<StoryView, String>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(loaded.len());
    if summarizer.asks_endpoint() || threads <= 1 {
        return loaded.iter().map(|(story, texts)| view_of(story, texts, profiles, summarizer, blindspots)).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut computed: Vec<Option<Result<StoryView, String>>> = (0..loaded.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let mut summarizer = summarizer.extractive_only();
                let next = &next;
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((story, texts)) = loaded.get(index) else { break };
                        done.push((index, view_of(story, texts, profiles, &mut summarizer, blindspots)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            // `view_of` catches its own panics; a worker that still died
            // leaves its stories as None, reported below.
            for (index, view) in worker.join().unwrap_or_default() {
                computed[index] = Some(view);
            }
        }
    });
    computed
        .into_iter()
        .map(|view| view.unwrap_or_else(|| Err("views: the thread summarising it crashed".to_string())))
        .collect()
}

/// One story's view with its topics and countries, or why it crashed.
fn view_of(
    story: &StoryRecord,
    texts: &HashMap<i64, String>,
    profiles: &Profiles,
    summarizer: &mut Summarizer,
    blindspots: &BlindspotConfig,
) -> Result<StoryView, String> {
    let no_categories = HashMap::new();
    let feed_categories = profiles.feed_categories.as_ref().unwrap_or(&no_categories);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| StoryView {
        topics: topics_of(story, texts, feed_categories),
        countries: profiles.countries(story),
        ..story_view(story, texts, &profiles.known, summarizer, blindspots)
    }))
    .map_err(|panic| format!("views: crashed while summarising: {}", crate::panic_message(panic.as_ref())))
}

/// Stories recounted per transaction while catching up with rating
/// changes: a progress step, and a bound on what one commit holds.
const RECOUNT_BATCH: usize = 200;

/// What [`recount_rerated_stories`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recount {
    /// Outlets whose ratings had changed.
    pub outlets: usize,
    /// Stories covering them, recounted.
    pub stories: usize,
}

/// Recounts every stored story covering an outlet whose ratings changed
/// since the last recount (an import, or outlets merged into the domain
/// they belong to), then forgets those changes. `progress` hears (done,
/// total) after each batch of [`RECOUNT_BATCH`] stories. Stories without a
/// view yet are left to the view stage.
pub fn recount_rerated_stories(
    store: &mut dyn Store,
    summary: &SummaryConfig,
    blindspots: &BlindspotConfig,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Recount, StoreError> {
    let outlets = store.touched_outlets(usize::MAX)?;
    if outlets.is_empty() {
        return Ok(Recount::default());
    }
    let stories = store.stories_of_outlets(&outlets)?;
    progress(0, stories.len());
    let mut done = 0;
    for batch in stories.chunks(RECOUNT_BATCH) {
        let mut profiles = Profiles::default();
        let mut views = Vec::with_capacity(batch.len());
        for &id in batch {
            let Some(story) = store.story(id)? else { continue };
            let Some(stored) = &story.view else { continue };
            let ids: Vec<i64> = story.articles.iter().map(|m| m.article.id).collect();
            let texts = store.article_texts(&ids)?;
            let known = profiles.load(store, &story)?;
            let view = recounted_view(&story, stored, &texts, known, summary, blindspots);
            let no_categories = HashMap::new();
            let feed_categories = profiles.feed_categories.as_ref().unwrap_or(&no_categories);
            let topics = topics_of(&story, &texts, feed_categories);
            views.push((id, StoryView { topics, countries: profiles.countries(&story), ..view }));
        }
        store.set_story_views(&views)?;
        done += batch.len();
        progress(done, stories.len());
    }
    store.forget_touched_outlets(&outlets)?;
    Ok(Recount { outlets: outlets.len(), stories: stories.len() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use parallax_core::{Article, NewArticle};

    const EVENTS: [&str; 3] = [
        "Harbor bridge closed after a ferry collision injures 12 passengers",
        "Central bank raises interest rates by 0.5 points to curb inflation",
        "Wildfire forces 3,000 people out of mountain villages near Crestview",
    ];

    /// A story per event and outlet count: each outlet tells the event in
    /// its own words, with its own figures now and then.
    fn stories() -> Vec<(StoryRecord, HashMap<i64, String>)> {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).single().expect("a date");
        let mut id = 0;
        let mut loaded = Vec::new();
        for outlets in 1..=6 {
            for event in EVENTS {
                let articles: Vec<StoryArticle> = (0..outlets)
                    .map(|n| {
                        id += 1;
                        let title = event.replace("12", &(12 + n % 2).to_string());
                        let article = NewArticle {
                            outlet: format!("outlet{n}.example"),
                            feed: format!("https://outlet{n}.example/rss"),
                            guid: format!("{id}"),
                            url: format!("https://outlet{n}.example/{id}"),
                            snippet: format!(
                                "{title}. Officials said on Thursday what comes next, outlet {n} reports."
                            ),
                            title,
                            content_html: String::new(),
                            truncated: false,
                            language: Some("en".to_string()),
                            language_confidence: 1.0,
                            published: at + Duration::minutes(id),
                            date_flag: None,
                            fetched: at,
                            categories: Vec::new(),
                        };
                        StoryArticle { article: Article { id, article }, copy_of: None }
                    })
                    .collect();
                let story = StoryRecord {
                    id: articles[0].article.id,
                    first_published: at,
                    last_updated: at,
                    articles,
                    view: None,
                };
                loaded.push((story, HashMap::new()));
            }
        }
        loaded
    }

    #[test]
    fn views_computed_on_every_core_are_the_views_computed_in_order() {
        let loaded = stories();
        let profiles = Profiles::default();
        let blindspots = BlindspotConfig::default();
        let mut summarizer = Summarizer::new(&SummaryConfig::default());
        assert!(!summarizer.asks_endpoint());
        let in_order: Vec<Result<StoryView, String>> = loaded
            .iter()
            .map(|(story, texts)| view_of(story, texts, &profiles, &mut summarizer, &blindspots))
            .collect();
        let shared_out = compute_views(&loaded, &profiles, &mut summarizer, &blindspots);
        assert_eq!(shared_out, in_order);
        assert!(in_order.iter().all(|view| view.as_ref().is_ok_and(|view| !view.title.is_empty())));
    }
}
