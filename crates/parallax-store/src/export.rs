//! The JSON shapes of `parallax export` lines, which the API serves too:
//! one definition, so an exported story and `/api/v1/stories/{id}` are the
//! same object.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use parallax_core::story::{Headline, Sides};
use parallax_core::{Article, Bullet, Disagreement, LeanBucket, LeanCounts, Topic};
use serde::Serialize;
use serde_json::{Value, json};

use crate::StoryRecord;

/// RFC 3339 in UTC with second precision, as every exported time is.
pub fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// One line of `parallax export articles`.
pub fn article_json(stored: &Article) -> Value {
    let a = &stored.article;
    json!({
        "id": stored.id,
        "outlet": a.outlet,
        "feed": a.feed,
        "guid": a.guid,
        "url": a.url,
        "title": a.title,
        "snippet": a.snippet,
        "content_html": a.content_html,
        "truncated": a.truncated,
        "language": a.language,
        "kind": a.kind().as_str(),
        "categories": a.categories,
        "published": rfc3339(a.published),
        "date_flag": a.date_flag.map(|f| f.as_str()),
        "fetched": rfc3339(a.fetched),
    })
}

fn texts(bullets: &[Bullet]) -> Vec<String> {
    bullets.iter().map(|b| b.text.clone()).collect()
}

/// One line of `parallax export stories`, and `/api/v1/stories/{id}`: the
/// articles, times, and, once computed, the view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryObject {
    pub id: i64,
    pub articles: Vec<StoryArticleObject>,
    pub first_published: String,
    pub last_updated: String,
    /// Absent until the view is computed.
    #[serde(flatten)]
    pub view: Option<ViewObject>,
}

/// An article as a story lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryArticleObject {
    pub id: i64,
    pub url: String,
    pub outlet: String,
    pub title: String,
    pub snippet: String,
    pub language: Option<String>,
    /// `news`, `opinion` or `analysis`.
    pub kind: &'static str,
    pub published: String,
    /// The article this one copies (a wire story); absent for originals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<i64>,
}

/// A story's computed title, bullets (with `bullet_articles` naming each
/// one's source), per-side bullets, coverage and disagreements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ViewObject {
    pub title: String,
    pub bullets: Vec<String>,
    pub bullet_articles: Vec<i64>,
    pub sides: Sides<Vec<String>>,
    pub coverage: CoverageObject,
    pub disagreements: Vec<Disagreement>,
    /// The story's topics (`parallax_core::Topic`), at most three.
    pub topics: Vec<Topic>,
    /// The countries of its covering outlets, ISO 3166 alpha-2, lower case.
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageObject {
    pub articles: u32,
    pub outlets: u32,
    pub originals: u32,
    pub lean: LeanCounts,
    pub factuality: BTreeMap<String, u32>,
    pub ownership: BTreeMap<String, u32>,
    pub first_reported: Option<FirstReportedObject>,
    pub blindspot: Option<LeanBucket>,
    pub timeline: Vec<TimelineHourObject>,
    pub headlines: Sides<Vec<Headline>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FirstReportedObject {
    pub outlet: String,
    pub url: String,
    pub published: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineHourObject {
    pub hour: String,
    pub articles: LeanCounts,
}

impl StoryObject {
    pub fn new(story: &StoryRecord) -> StoryObject {
        let articles = story
            .articles
            .iter()
            .map(|member| {
                let a = &member.article.article;
                StoryArticleObject {
                    id: member.article.id,
                    url: a.url.clone(),
                    outlet: a.outlet.clone(),
                    title: a.title.clone(),
                    snippet: a.snippet.clone(),
                    language: a.language.clone(),
                    kind: a.kind().as_str(),
                    published: rfc3339(a.published),
                    copy_of: member.copy_of,
                }
            })
            .collect();
        let view = story.view.as_ref().map(|view| {
            let c = &view.coverage;
            ViewObject {
                title: view.title.clone(),
                bullets: texts(&view.bullets),
                bullet_articles: view.bullets.iter().map(|b| b.article).collect(),
                sides: Sides {
                    left: texts(&view.sides.left),
                    center: texts(&view.sides.center),
                    right: texts(&view.sides.right),
                },
                coverage: CoverageObject {
                    articles: c.articles,
                    outlets: c.outlets,
                    originals: c.originals,
                    lean: c.lean,
                    factuality: c.factuality.clone(),
                    ownership: c.ownership.clone(),
                    first_reported: c.first_reported.as_ref().map(|f| FirstReportedObject {
                        outlet: f.outlet.clone(),
                        url: f.url.clone(),
                        published: rfc3339(f.published),
                    }),
                    blindspot: c.blindspot,
                    timeline: c
                        .timeline
                        .iter()
                        .map(|h| TimelineHourObject { hour: rfc3339(h.hour), articles: h.articles })
                        .collect(),
                    headlines: c.headlines.clone(),
                },
                disagreements: view.disagreements.clone(),
                topics: view.topics.clone(),
                countries: view.countries.clone(),
            }
        });
        StoryObject {
            id: story.id,
            articles,
            first_published: rfc3339(story.first_published),
            last_updated: rfc3339(story.last_updated),
            view,
        }
    }
}

/// [`StoryObject`] as a JSON value.
pub fn story_json(story: &StoryRecord) -> Value {
    serde_json::to_value(StoryObject::new(story)).unwrap_or(Value::Null)
}
