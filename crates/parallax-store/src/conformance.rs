//! The one test suite every [`Store`] implementation must pass.
//!
//! An implementation's tests call [`run_all`] with a function that returns a
//! fresh, empty store. Each check panics with a message naming the rule it
//! broke, so a failing backend says what it got wrong.

use chrono::{TimeZone, Utc};
use parallax_core::{Factuality, FeedSource, Lean, NewArticle, Outlet, Rating};

use crate::{FeedStatus, FetchRecord, ImportCounts, InsertCounts, Store, StoryAssignment, StoryMerge};

/// Runs every check against fresh stores from `fresh`.
pub fn run_all(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    import_is_idempotent(fresh().as_mut());
    providers_never_overwrite_each_other(fresh().as_mut());
    duplicates_are_skipped_by_url_and_guid(fresh().as_mut());
    fetch_outcomes_update_feed_state(fresh().as_mut());
    articles_for_unknown_feeds_are_refused(fresh().as_mut());
    export_streams_articles_in_id_order(fresh().as_mut());
    stories_record_assignments_copies_and_merges(fresh().as_mut());
    full_text_attempts_are_recorded_once(fresh().as_mut());
    feed_groups_commit_together_and_refuse_alone(fresh().as_mut());
    crashed_feeds_are_quarantined_with_their_bytes(fresh().as_mut());
    story_listings_filter_page_and_queue(fresh().as_mut());
    story_listings_filter_by_topic_and_country(fresh().as_mut());
    rating_changes_queue_their_outlets(fresh().as_mut());
    outlets_merge_into_the_domain_they_belong_to(fresh().as_mut());
}

pub fn rating(outlet: &str, provider: &str, version: &str, lean: Option<Lean>) -> Rating {
    Rating {
        outlet: outlet.into(),
        outlet_name: Some(format!("{outlet} name")),
        provider: provider.into(),
        version: version.into(),
        source_file: format!("{provider}-{version}.csv"),
        lean,
        factuality: Some(Factuality::High),
        ..Rating::default()
    }
}

pub fn feed(url: &str, outlet: &str) -> FeedSource {
    FeedSource {
        url: url.into(),
        outlet: outlet.into(),
        title: Some("A feed".into()),
        language: Some("en".into()),
        categories: vec!["World".into(), "Politics".into()],
    }
}

pub fn article(feed: &str, outlet: &str, guid: &str, url: &str) -> NewArticle {
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().unwrap_or_default();
    NewArticle {
        outlet: outlet.into(),
        feed: feed.into(),
        guid: guid.into(),
        url: url.into(),
        title: format!("Title of {guid}"),
        snippet: "A snippet.".into(),
        content_html: "<p>A snippet.</p>".into(),
        truncated: false,
        language: Some("en".into()),
        language_confidence: 0.9,
        published: at,
        date_flag: None,
        fetched: at,
        categories: Vec::new(),
    }
}

fn import_is_idempotent(store: &mut dyn Store) {
    let outlets = [Outlet { domain: "example.com".into(), name: Some("Example".into()) }];
    let ratings = [rating("example.com", "mbfc", "2026-08-19", Some(Lean::LeanLeft))];
    let feeds = [feed("https://example.com/rss", "example.com")];
    let first = store.import(&outlets, &ratings, &feeds).expect("first import");
    assert_eq!(first, ImportCounts { outlets_new: 1, ratings_new: 1, ratings_updated: 0, feeds_new: 1 });
    let again = store.import(&outlets, &ratings, &feeds).expect("second import");
    assert_eq!(again, ImportCounts::default(), "re-importing the same data must change nothing");
    let record = store.outlet("example.com").expect("outlet lookup").expect("outlet stored");
    assert_eq!(record.outlet.name.as_deref(), Some("Example"));
    assert_eq!(record.ratings, ratings);
    assert_eq!(record.feeds.len(), 1);
    assert_eq!(record.feeds[0].source, feeds[0]);
    assert_eq!(store.outlet_domains().expect("domains"), ["example.com"]);
}

fn providers_never_overwrite_each_other(store: &mut dyn Store) {
    let mbfc = rating("nytimes.com", "mbfc", "2026-08-19", Some(Lean::LeanLeft));
    let allsides = rating("nytimes.com", "allsides", "2021", Some(Lean::Left));
    let older_mbfc = rating("nytimes.com", "mbfc", "idiap", Some(Lean::LeanLeft));
    store.import(&[], std::slice::from_ref(&mbfc), &[]).expect("import mbfc");
    store.import(&[], &[allsides.clone(), older_mbfc.clone()], &[]).expect("import others");
    let record = store.outlet("nytimes.com").expect("lookup").expect("stored");
    assert_eq!(record.ratings, vec![allsides, mbfc.clone(), older_mbfc], "ordered by provider, version");

    let mut revised = mbfc;
    revised.lean = Some(Lean::Center);
    let counts = store.import(&[], &[revised.clone()], &[]).expect("re-rate");
    assert_eq!(counts.ratings_updated, 1, "a provider's new file for the same version updates its own row");
    let record = store.outlet("nytimes.com").expect("lookup").expect("stored");
    assert_eq!(record.ratings.len(), 3);
    assert!(record.ratings.contains(&revised));
    let listed = store.outlets().expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ratings.len(), 3);
    assert_eq!(store.outlet_ratings("nytimes.com").expect("ratings"), record.ratings, "the same ratings, alone");
    assert_eq!(store.outlet_ratings("unknown.example").expect("ratings"), Vec::new(), "unknown outlet: none");
}

fn duplicates_are_skipped_by_url_and_guid(store: &mut dyn Store) {
    let feed_a = "https://a.example/rss";
    let feed_b = "https://a.example/world.rss";
    store.import(&[], &[], &[feed(feed_a, "a.example"), feed(feed_b, "a.example")]).expect("import feeds");
    let first = [
        article(feed_a, "a.example", "g1", "https://a.example/1"),
        article(feed_a, "a.example", "g2", "https://a.example/2"),
    ];
    assert_eq!(store.insert_articles(&first).expect("insert"), InsertCounts { new: 2, duplicate: 0 });
    assert_eq!(store.insert_articles(&first).expect("insert again"), InsertCounts { new: 0, duplicate: 2 });
    let same_url_other_feed = [article(feed_b, "a.example", "other-guid", "https://a.example/1")];
    assert_eq!(
        store.insert_articles(&same_url_other_feed).expect("insert"),
        InsertCounts { new: 0, duplicate: 1 },
        "the same canonical URL from another feed is a duplicate"
    );
    let same_guid_new_url = [article(feed_a, "a.example", "g1", "https://a.example/1?page=2")];
    assert_eq!(
        store.insert_articles(&same_guid_new_url).expect("insert"),
        InsertCounts { new: 0, duplicate: 1 },
        "a GUID repeated in the same feed is a duplicate"
    );
    let same_guid_other_feed = [article(feed_b, "a.example", "g1", "https://a.example/3")];
    assert_eq!(store.insert_articles(&same_guid_other_feed).expect("insert"), InsertCounts { new: 1, duplicate: 0 });
    assert_eq!(store.counts().expect("counts").articles, 3);
}

fn fetch_outcomes_update_feed_state(store: &mut dyn Store) {
    let url = "https://b.example/feed";
    store.import(&[], &[], &[feed(url, "b.example")]).expect("import");
    let feeds = store.feeds(None).expect("feeds");
    assert_eq!(feeds[0].status, FeedStatus::New);
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).single().unwrap_or_default();
    let retry = at + chrono::Duration::minutes(15);
    for _ in 0..2 {
        store
            .record_fetch(url, at, &FetchRecord::Failed { error: "fetch: HTTP 500".into(), next_fetch: Some(retry) })
            .expect("record failure");
    }
    let failed = &store.feeds(None).expect("feeds")[0];
    assert_eq!(failed.status, FeedStatus::Failed);
    assert_eq!((failed.consecutive_failures, failed.error_count), (2, 2));
    assert_eq!(failed.last_error.as_deref(), Some("fetch: HTTP 500"));
    assert_eq!(failed.next_fetch, Some(retry));

    let ok = FetchRecord::Fetched { etag: Some("\"v1\"".into()), last_modified: None, next_fetch: None };
    store.record_fetch(url, at, &ok).expect("record success");
    let fetched = &store.feeds(Some(&[url.to_string()])).expect("feeds")[0];
    assert_eq!(fetched.status, FeedStatus::Ok);
    assert_eq!((fetched.consecutive_failures, fetched.error_count), (0, 2), "the error count stays visible");
    assert_eq!(fetched.etag.as_deref(), Some("\"v1\""));
    assert_eq!(fetched.last_fetched, Some(at));
    assert_eq!(store.feeds(Some(&[])).expect("no feeds").len(), 0);
    assert!(store.record_fetch("https://unknown.example/", at, &ok).is_err());
}

fn articles_for_unknown_feeds_are_refused(store: &mut dyn Store) {
    let orphan = [article("https://nowhere.example/rss", "nowhere.example", "g", "https://nowhere.example/1")];
    assert!(store.insert_articles(&orphan).is_err());
    assert_eq!(store.counts().expect("counts").articles, 0, "a refused batch stores nothing");
}

fn export_streams_articles_in_id_order(store: &mut dyn Store) {
    let url = "https://c.example/rss";
    store.import(&[], &[], &[feed(url, "c.example")]).expect("import");
    let mut batch: Vec<_> =
        (0..5).map(|i| article(url, "c.example", &format!("g{i}"), &format!("https://c.example/{i}"))).collect();
    batch[1].categories = vec!["Opinion".into(), "Politics".into()];
    store.insert_articles(&batch).expect("insert");
    let mut seen = Vec::new();
    store
        .for_each_article(&mut |article| {
            seen.push((article.id, article.article));
            Ok(())
        })
        .expect("export");
    assert_eq!(seen.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>(), batch, "every field, categories too");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "ids increase");
}

fn stories_record_assignments_copies_and_merges(store: &mut dyn Store) {
    let url = "https://e.example/rss";
    store.import(&[], &[], &[feed(url, "e.example")]).expect("import");
    let base = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().unwrap_or_default();
    let batch: Vec<_> = (0..4)
        .map(|i| {
            let mut a = article(url, "e.example", &format!("g{i}"), &format!("https://e.example/{i}"));
            a.published = base + chrono::Duration::hours(i);
            a
        })
        .collect();
    store.insert_articles(&batch).expect("insert");
    let pending = store.unclustered_articles(10).expect("unclustered");
    assert_eq!(pending.len(), 4, "new articles wait for the clusterer");
    let ids: Vec<i64> = pending.iter().map(|a| a.id).collect();
    assert!(pending.windows(2).all(|w| w[0].article.published <= w[1].article.published), "publication order");

    let assignments = [
        StoryAssignment { article: ids[0], story: ids[0], copy_of: None },
        StoryAssignment { article: ids[1], story: ids[0], copy_of: Some(ids[0]) },
        StoryAssignment { article: ids[2], story: ids[2], copy_of: None },
    ];
    store.assign_stories(&assignments, &[], base).expect("assign");
    assert_eq!(store.unclustered_articles(10).expect("unclustered").len(), 1);
    let story = store.story(ids[0]).expect("story").expect("story exists");
    assert_eq!(story.articles.len(), 2);
    assert_eq!(story.articles[1].copy_of, Some(ids[0]));
    assert_eq!((story.first_published, story.last_updated), (base, base + chrono::Duration::hours(1)));
    assert_eq!(store.counts().expect("counts").stories, 2);

    let last = [StoryAssignment { article: ids[3], story: ids[2], copy_of: None }];
    let merge = [StoryMerge { absorbed: ids[2], into: ids[0] }];
    store.assign_stories(&last, &merge, base).expect("assign and merge");
    assert!(store.story(ids[2]).expect("lookup").is_none(), "an absorbed story is gone");
    let merged = store.story(ids[0]).expect("story").expect("survivor keeps its id");
    assert_eq!(merged.articles.len(), 4);
    assert_eq!(merged.last_updated, base + chrono::Duration::hours(3));
    let batch = store.stories_by_id(&[ids[2], ids[0], i64::MAX]).expect("stories by id");
    assert_eq!(
        batch,
        std::slice::from_ref(&merged),
        "absorbed and unknown ids are left out; the rest as `story` reads it"
    );
    let mut live = Vec::new();
    store
        .for_each_story(&mut |story| {
            live.push(story.id);
            Ok(())
        })
        .expect("stories");
    assert_eq!(live, [ids[0]]);
    let view = parallax_core::StoryView { title: "A neutral title".into(), ..Default::default() };
    store.set_story_views(&[(ids[0], view.clone())]).expect("store view");
    assert_eq!(store.story(ids[0]).expect("story").expect("exists").view, Some(view));
    let hours = |h: i64| base + chrono::Duration::hours(h);
    let resumed = store.clustered_between(hours(2), hours(9)).expect("window");
    assert_eq!(resumed.iter().map(|(a, s)| (a.id, *s)).collect::<Vec<_>>(), [(ids[2], ids[0]), (ids[3], ids[0])]);
    let bounded = store.clustered_between(hours(1), hours(2)).expect("window");
    assert_eq!(bounded.iter().map(|(a, _)| a.id).collect::<Vec<_>>(), [ids[1], ids[2]], "both ends included");
}

// ---- Listings and the search queue, for the web server and the API ----

fn story_listings_filter_page_and_queue(store: &mut dyn Store) {
    use crate::{StoryCursor, StoryFilter};
    use parallax_core::{Coverage, LeanBucket, StoryView};

    let feeds = [feed("https://a.example/rss", "a.example"), feed("https://b.example/rss", "b.example")];
    store.import(&[], &[], &feeds).expect("import feeds");
    let base = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().expect("valid time");
    let hours = |n: i64| base + chrono::Duration::hours(n);
    let mut articles = Vec::new();
    for (n, (outlet, language)) in [("a", "en"), ("b", "en"), ("a", "fr"), ("b", "en")].into_iter().enumerate() {
        let mut a = article(
            &format!("https://{outlet}.example/rss"),
            &format!("{outlet}.example"),
            &format!("g{n}"),
            &format!("https://{outlet}.example/{n}"),
        );
        a.published = hours(n as i64);
        a.language = Some(language.into());
        articles.push(a);
    }
    store.insert_articles(&articles).expect("insert");
    let ids: Vec<i64> = store.unclustered_articles(10).expect("unclustered").iter().map(|a| a.id).collect();
    let assignments = [
        StoryAssignment { article: ids[0], story: ids[0], copy_of: None },
        StoryAssignment { article: ids[1], story: ids[0], copy_of: None },
        StoryAssignment { article: ids[2], story: ids[2], copy_of: None },
        StoryAssignment { article: ids[3], story: ids[3], copy_of: None },
    ];
    store.assign_stories(&assignments, &[], base).expect("assign");
    let (first, third, fourth) = (ids[0], ids[2], ids[3]);

    assert_eq!(store.touched_stories(10).expect("touched"), [first, third, fourth], "assignments queue their stories");
    store.forget_touched_stories(&[first, third, fourth]).expect("forget");
    assert!(store.touched_stories(10).expect("touched").is_empty(), "forgotten stories leave the queue");

    let coverage = Coverage { articles: 1, outlets: 1, blindspot: Some(LeanBucket::Right), ..Coverage::default() };
    let view = StoryView { title: "A computed title".into(), coverage, ..StoryView::default() };
    store.set_story_views(&[(third, view.clone())]).expect("view");
    assert_eq!(store.touched_stories(10).expect("touched"), [third], "a new view queues its story");

    let list = |store: &dyn Store, filter: StoryFilter, after: Option<StoryCursor>, limit: usize| -> Vec<i64> {
        let heads: Vec<StoryCursor> =
            store.story_heads(&filter, after, limit).expect("listing").iter().map(|h| h.cursor()).collect();
        let cursors = store.story_cursors(&filter, after, limit).expect("cursors");
        assert_eq!(cursors, heads, "story_cursors lists what story_heads lists");
        heads.iter().map(|c| c.id).collect()
    };
    assert_eq!(list(store, StoryFilter::default(), None, 10), [fourth, third, first], "newest update first");
    let page = store.story_heads(&StoryFilter::default(), None, 2).expect("page");
    assert_eq!(page.iter().map(|h| h.id).collect::<Vec<_>>(), [fourth, third]);
    assert_eq!(list(store, StoryFilter::default(), Some(page[1].cursor()), 2), [first], "the cursor resumes");

    let heads = store.story_heads_by_id(&[first, 999_999, third]).expect("by id");
    assert_eq!(heads.iter().map(|h| h.id).collect::<Vec<_>>(), [first, third], "unknown ids are left out");
    assert_eq!((heads[0].articles, heads[0].outlets), (2, 2), "counted from articles without a view");
    assert_eq!(heads[0].title, "Title of g0", "the earliest headline without a view");
    assert_eq!((heads[0].first_published, heads[0].last_updated), (hours(0), hours(1)));
    assert_eq!(heads[1].title, "A computed title");
    assert_eq!(heads[1].view, Some(view));

    let outlet = StoryFilter { outlet: Some("a.example".into()), ..StoryFilter::default() };
    assert_eq!(list(store, outlet, None, 10), [third, first], "stories with an article from the outlet");
    let french = StoryFilter { language: Some("fr".into()), ..StoryFilter::default() };
    assert_eq!(list(store, french, None, 10), [third]);
    let blind = StoryFilter { blindspot: Some(LeanBucket::Right), ..StoryFilter::default() };
    assert_eq!(list(store, blind, None, 10), [third]);
    let blind_left = StoryFilter { blindspot: Some(LeanBucket::Left), ..StoryFilter::default() };
    assert!(list(store, blind_left, None, 10).is_empty());
    let recent = StoryFilter { since: Some(hours(2)), ..StoryFilter::default() };
    assert_eq!(list(store, recent, None, 10), [fourth, third]);

    store.forget_touched_stories(&[third]).expect("forget");
    store.assign_stories(&[], &[StoryMerge { absorbed: fourth, into: first }], base).expect("merge");
    assert_eq!(store.touched_stories(10).expect("touched"), [first, fourth], "a merge queues both stories");
    assert!(store.story_heads_by_id(&[fourth]).expect("by id").is_empty(), "absorbed stories are not listed");
    assert_eq!(list(store, StoryFilter::default(), None, 10), [first, third]);
}

/// Topics and countries live in the stored view; listings filter by them.
fn story_listings_filter_by_topic_and_country(store: &mut dyn Store) {
    use crate::StoryFilter;
    use parallax_core::{StoryView, Topic};

    store.import(&[], &[], &[feed("https://a.example/rss", "a.example")]).expect("import feeds");
    let articles: Vec<NewArticle> = (0..3)
        .map(|n| article("https://a.example/rss", "a.example", &format!("g{n}"), &format!("https://a.example/{n}")))
        .collect();
    store.insert_articles(&articles).expect("insert");
    let ids: Vec<i64> = store.unclustered_articles(10).expect("unclustered").iter().map(|a| a.id).collect();
    let assignments: Vec<StoryAssignment> =
        ids.iter().map(|&id| StoryAssignment { article: id, story: id, copy_of: None }).collect();
    let base = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().expect("valid time");
    store.assign_stories(&assignments, &[], base).expect("assign");
    let view = |topics: Vec<Topic>, countries: &[&str]| StoryView {
        topics,
        countries: countries.iter().map(|c| c.to_string()).collect(),
        ..StoryView::default()
    };
    store
        .set_story_views(&[
            (ids[0], view(vec![Topic::Sports], &["de"])),
            (ids[1], view(vec![Topic::Politics, Topic::World], &["gb", "us"])),
        ])
        .expect("views");
    let list = |filter: StoryFilter| -> Vec<i64> {
        let mut ids: Vec<i64> = store.story_heads(&filter, None, 10).expect("listing").iter().map(|h| h.id).collect();
        ids.sort();
        ids
    };
    let topic = |t| StoryFilter { topic: Some(t), ..StoryFilter::default() };
    assert_eq!(list(topic(Topic::World)), [ids[1]], "a story is listed under each of its topics");
    assert_eq!(list(topic(Topic::Sports)), [ids[0]]);
    assert!(list(topic(Topic::Health)).is_empty(), "no story, and none without a view, has this topic");
    let countries =
        |c: &[&str]| StoryFilter { countries: c.iter().map(|c| c.to_string()).collect(), ..StoryFilter::default() };
    assert_eq!(list(countries(&["us"])), [ids[1]], "a story covered from the country");
    assert_eq!(list(countries(&["de", "us"])), [ids[0], ids[1]], "any of the countries");
    assert!(list(countries(&["fr"])).is_empty());
    let both = StoryFilter { topic: Some(Topic::Sports), countries: vec!["us".into()], ..StoryFilter::default() };
    assert!(list(both).is_empty(), "filters narrow together");
}

fn full_text_attempts_are_recorded_once(store: &mut dyn Store) {
    let url = "https://f.example/rss";
    store.import(&[], &[], &[feed(url, "f.example"), feed("https://g.example/rss", "g.example")]).expect("import");
    let mut cut = article(url, "f.example", "cut", "https://f.example/cut");
    cut.truncated = true;
    let whole = article(url, "f.example", "whole", "https://f.example/whole");
    let other = article("https://g.example/rss", "g.example", "g", "https://g.example/1");
    store.insert_articles(&[cut, whole, other]).expect("insert");
    // `article` is fetched at its publication time, 2026-11-20 12:00.
    let (since, until) = (
        Utc.with_ymd_and_hms(2026, 11, 19, 0, 0, 0).single().unwrap_or_default(),
        Utc.with_ymd_and_hms(2026, 11, 21, 0, 0, 0).single().unwrap_or_default(),
    );
    let wanting = |store: &dyn Store, always: &[String]| store.articles_wanting_text(10, always, since, until);
    let wanted = wanting(store, &[]).expect("wanting");
    let later = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).single().unwrap_or_default();
    assert!(store.articles_wanting_text(10, &[], until, later).expect("wanting").is_empty(), "outside the window");
    assert_eq!(wanted.iter().map(|a| a.article.guid.as_str()).collect::<Vec<_>>(), ["cut"], "only cut teasers");
    let with_outlet = wanting(store, &["g.example".to_string()]).expect("wanting");
    assert_eq!(with_outlet.len(), 2, "an always-full-text outlet's articles too");

    let at = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).single().unwrap_or_default();
    let id = wanted[0].id;
    let text = crate::TextOutcome::Extracted { text: "The whole article.".into(), extractor: "test".into() };
    store.record_article_text(id, at, &text).expect("record");
    assert!(wanting(store, &[]).expect("wanting").is_empty(), "one attempt per article");
    assert_eq!(store.article_texts(&[id]).expect("texts").get(&id).map(String::as_str), Some("The whole article."));
    let failed = crate::TextOutcome::Failed { reason: "extract: no article body found".into() };
    store.record_article_text(with_outlet[0].id, at, &failed).expect("record failure");
    assert!(store.article_texts(&[with_outlet[0].id]).expect("texts").is_empty());
}

fn feed_groups_commit_together_and_refuse_alone(store: &mut dyn Store) {
    use crate::FeedCommit;
    let (a, b) = ("https://h.example/rss", "https://i.example/rss");
    store.import(&[], &[], &[feed(a, "h.example"), feed(b, "i.example")]).expect("import");
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).single().unwrap_or_default();
    let ok = FetchRecord::Fetched { etag: Some("\"1\"".into()), last_modified: None, next_fetch: None };
    let first =
        [article(a, "h.example", "1", "https://h.example/1"), article(a, "h.example", "2", "https://h.example/2")];
    let second = [article(b, "i.example", "1", "https://i.example/1")];
    let unknown = [article("https://nowhere.example/rss", "h.example", "x", "https://nowhere.example/x")];
    let failed = FetchRecord::Failed { error: "fetch: HTTP 500".into(), next_fetch: None };
    let group = [
        FeedCommit { feed_url: a, at, articles: &first, record: ok.clone() },
        FeedCommit { feed_url: "https://nowhere.example/rss", at, articles: &unknown, record: ok.clone() },
        FeedCommit { feed_url: b, at, articles: &second, record: ok.clone() },
        FeedCommit { feed_url: b, at, articles: &[], record: failed },
    ];
    let results = store.commit_feeds(&group).expect("commit group");
    assert_eq!(results.len(), 4, "one result per feed, in order");
    assert_eq!(results[0].as_ref().ok(), Some(&InsertCounts { new: 2, duplicate: 0 }));
    assert!(results[1].is_err(), "an unknown feed is refused alone");
    assert_eq!(results[2].as_ref().ok(), Some(&InsertCounts { new: 1, duplicate: 0 }));
    assert!(results[3].is_ok());
    assert_eq!(store.counts().expect("counts").articles, 3, "the refused feed left nothing behind");
    let feeds = store.feeds(None).expect("feeds");
    assert_eq!(feeds[0].status, FeedStatus::Ok);
    assert_eq!(feeds[0].etag.as_deref(), Some("\"1\""));
    assert_eq!((feeds[1].status, feeds[1].consecutive_failures), (FeedStatus::Failed, 1), "outcomes apply in order");
}

fn crashed_feeds_are_quarantined_with_their_bytes(store: &mut dyn Store) {
    let url = "https://j.example/rss";
    store.import(&[], &[], &[feed(url, "j.example")]).expect("import");
    let at = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).single().unwrap_or_default();
    store.quarantine_feed(url, at, "feed: parser panicked: boom", b"<rss>first").expect("quarantine");
    store.quarantine_feed(url, at, "feed: parser panicked: boom", b"<rss>second").expect("quarantine again");
    let kept = store.quarantined_feeds().expect("quarantined");
    assert_eq!(kept.len(), 1, "the newest bytes per feed");
    assert_eq!((kept[0].feed_url.as_str(), kept[0].bytes.as_slice()), (url, b"<rss>second".as_slice()));
    assert!(store.quarantine_feed("https://unknown.example/", at, "x", b"").is_err());
}

fn rating_changes_queue_their_outlets(store: &mut dyn Store) {
    let url = "https://r.example/rss";
    store.import(&[], &[], &[feed(url, "r.example")]).expect("import feed");
    store.import(&[], &[], &[feed("https://q.example/rss", "q.example")]).expect("import other feed");
    assert_eq!(store.touched_outlets(10).expect("touched"), Vec::<String>::new(), "feeds alone touch no outlet");
    store.insert_articles(&[article(url, "r.example", "g1", "https://r.example/1")]).expect("insert");
    let id = store.unclustered_articles(10).expect("unclustered")[0].id;
    let at = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().unwrap_or_default();
    store.assign_stories(&[StoryAssignment { article: id, story: id, copy_of: None }], &[], at).expect("assign");

    let rated = rating("r.example", "kite", "c4fc3b5", None);
    store.import(&[], std::slice::from_ref(&rated), &[]).expect("import rating");
    assert_eq!(store.touched_outlets(10).expect("touched"), ["r.example"], "a new rating touches its outlet");
    assert_eq!(store.stories_of_outlets(&["r.example".into(), "q.example".into()]).expect("stories"), [id]);
    store.forget_touched_outlets(&["r.example".into()]).expect("forget");
    assert!(store.touched_outlets(10).expect("touched").is_empty());

    store.import(&[], std::slice::from_ref(&rated), &[]).expect("same rating again");
    assert!(store.touched_outlets(10).expect("touched").is_empty(), "an identical re-import touches nothing");
    let mut owned = rated;
    owned.owner = Some("A Family Trust".into());
    store.import(&[], &[owned], &[]).expect("revised rating");
    assert_eq!(store.touched_outlets(10).expect("touched"), ["r.example"], "a revised rating touches its outlet");
}

fn outlets_merge_into_the_domain_they_belong_to(store: &mut dyn Store) {
    let feed_url = "https://www1.m.example/rss";
    let ratings = [
        rating("www1.m.example", "mbfc", "2026-08-19", Some(Lean::Right)),
        rating("www1.m.example", "allsides", "2021", Some(Lean::Right)),
        rating("m.example", "mbfc", "2026-08-19", Some(Lean::Center)),
    ];
    store.import(&[], &ratings, &[feed(feed_url, "www1.m.example")]).expect("import");
    store.insert_articles(&[article(feed_url, "www1.m.example", "g", "https://www1.m.example/a")]).expect("insert");
    store.forget_touched_outlets(&["www1.m.example".into(), "m.example".into()]).expect("forget");

    let canonical = |domain: &str| domain.trim_start_matches("www1.").to_string();
    assert_eq!(store.merge_outlets_by(&canonical).expect("merge"), 1);
    assert_eq!(store.merge_outlets_by(&canonical).expect("merge again"), 0, "merging is idempotent");
    assert_eq!(store.outlet_domains().expect("domains"), ["m.example"]);
    let record = store.outlet("m.example").expect("lookup").expect("merged outlet");
    let views: Vec<(&str, Option<Lean>)> = record.ratings.iter().map(|r| (r.provider.as_str(), r.lean)).collect();
    assert_eq!(views, [("allsides", Some(Lean::Right)), ("mbfc", Some(Lean::Center))], "the domain's own rating wins");
    assert_eq!(record.feeds.len(), 1);
    assert_eq!(record.articles, 1);
    assert_eq!(store.touched_outlets(10).expect("touched"), ["m.example"]);
}
