//! The JSON shapes of `parallax export` lines, which the API serves too:
//! one definition, so an exported story and `/api/v1/stories/{id}` are the
//! same object.

use chrono::{DateTime, SecondsFormat, Utc};
use parallax_core::{Article, Bullet};
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

fn texts(bullets: &[Bullet]) -> Vec<&str> {
    bullets.iter().map(|b| b.text.as_str()).collect()
}

/// One line of `parallax export stories`: the articles, times, and, once
/// computed, the title, bullets (with `bullet_articles` naming each one's
/// source), per-side bullets, coverage and disagreements.
pub fn story_json(story: &StoryRecord) -> Value {
    let articles: Vec<Value> = story
        .articles
        .iter()
        .map(|member| {
            let a = &member.article.article;
            let mut line = json!({
                "id": member.article.id,
                "url": a.url,
                "outlet": a.outlet,
                "title": a.title,
                "snippet": a.snippet,
                "language": a.language,
                "kind": a.kind().as_str(),
                "published": rfc3339(a.published),
            });
            if let Some(origin) = member.copy_of {
                line["copy_of"] = json!(origin);
            }
            line
        })
        .collect();
    let mut line = json!({
        "id": story.id,
        "articles": articles,
        "first_published": rfc3339(story.first_published),
        "last_updated": rfc3339(story.last_updated),
    });
    if let Some(view) = &story.view {
        let c = &view.coverage;
        line["title"] = json!(view.title);
        line["bullets"] = json!(texts(&view.bullets));
        line["bullet_articles"] = json!(view.bullets.iter().map(|b| b.article).collect::<Vec<_>>());
        line["sides"] = json!({
            "left": texts(&view.sides.left),
            "center": texts(&view.sides.center),
            "right": texts(&view.sides.right),
        });
        line["coverage"] = json!({
            "articles": c.articles,
            "outlets": c.outlets,
            "originals": c.originals,
            "lean": c.lean,
            "factuality": c.factuality,
            "ownership": c.ownership,
            "first_reported": c.first_reported.as_ref().map(|f| json!({
                "outlet": f.outlet,
                "url": f.url,
                "published": rfc3339(f.published),
            })),
            "blindspot": c.blindspot,
            "timeline": c.timeline.iter().map(|h| json!({"hour": rfc3339(h.hour), "articles": h.articles})).collect::<Vec<_>>(),
            "headlines": c.headlines,
        });
        line["disagreements"] = json!(view.disagreements);
        line["topics"] = json!(view.topics);
        line["countries"] = json!(view.countries);
    }
    line
}
