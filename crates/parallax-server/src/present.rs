//! From stored stories to what a page shows: the bias bar and its
//! percentages, the charts' geometry, relative times, article cards.
//!
//! Plain data in, plain data out: templates only place these values, and
//! every chart is an SVG whose numbers are computed here.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Timelike, Utc};
use parallax_core::story::TimelineHour;
use parallax_core::{ArticleKind, LeanBucket, LeanCounts, OutletLean, StoryView};
use parallax_coverage::{BlindspotConfig, CoveredArticle, OutletProfile};
use parallax_store::{StoryHead, StoryRecord};

use crate::outlets::{OutletDirectory, OutletInfo};

/// Columns a coverage timeline is drawn with at most; longer stories put
/// several hours in one column.
const TIMELINE_MAX_COLUMNS: i64 = 48;

/// A time as pages show it: relative, with the exact time for `<time>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    pub relative: String,
    /// RFC 3339, for the `datetime` attribute.
    pub iso: String,
    /// Human, UTC, for the tooltip.
    pub exact: String,
}

impl When {
    pub fn new(time: DateTime<Utc>, now: DateTime<Utc>) -> When {
        let age = now - time;
        let ahead = -age;
        let relative = if ahead >= Duration::hours(1) {
            format!("in {} h", ahead.num_hours())
        } else if ahead >= Duration::minutes(1) {
            format!("in {} min", ahead.num_minutes())
        } else if age < Duration::minutes(1) {
            "just now".to_string()
        } else if age < Duration::hours(1) {
            format!("{} min ago", age.num_minutes())
        } else if age < Duration::hours(48) {
            format!("{} h ago", age.num_hours())
        } else if age < Duration::days(30) {
            format!("{} days ago", age.num_days())
        } else {
            time.format("%-d %b %Y").to_string()
        };
        When {
            relative,
            iso: parallax_store::export::rfc3339(time),
            exact: time.format("%-d %b %Y, %H:%M UTC").to_string(),
        }
    }
}

/// One side of the spectrum as pages name and colour it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideStyle {
    pub label: &'static str,
    /// CSS class: `left`, `center`, `right` or `unrated`.
    pub class: &'static str,
}

pub fn side_style(side: Option<LeanBucket>) -> SideStyle {
    stance_style(side.into())
}

/// How pages name and colour where an outlet stands.
pub fn stance_style(stance: OutletLean) -> SideStyle {
    match stance {
        OutletLean::Side(LeanBucket::Left) => SideStyle { label: "Left", class: "left" },
        OutletLean::Side(LeanBucket::Center) => SideStyle { label: "Center", class: "center" },
        OutletLean::Side(LeanBucket::Right) => SideStyle { label: "Right", class: "right" },
        OutletLean::Disputed => SideStyle { label: "Disputed", class: "disputed" },
        OutletLean::Unrated => SideStyle { label: "Unrated", class: "unrated" },
    }
}

const SIDES: [LeanBucket; 3] = [LeanBucket::Left, LeanBucket::Center, LeanBucket::Right];

/// Whole percentages of `counts` that add up to 100 (largest remainder), or
/// all zero when every count is zero.
pub fn percentages(counts: &[u32]) -> Vec<u32> {
    let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let exact: Vec<u64> = counts.iter().map(|&c| u64::from(c) * 100).collect();
    let mut shares: Vec<u32> = exact.iter().map(|e| u32::try_from(e / total).unwrap_or(100)).collect();
    let given: u32 = shares.iter().sum();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    by_remainder.sort_by_key(|&i| (std::cmp::Reverse(exact[i] % total), i));
    for &i in by_remainder.iter().take(100usize.saturating_sub(given as usize)) {
        shares[i] += 1;
    }
    shares
}

/// A stretch of the bias bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub class: &'static str,
    pub label: &'static str,
    pub count: u32,
    pub percent: u32,
    /// Position and width in the bar's 0..100 coordinate space.
    pub x: f64,
    pub width: f64,
    /// The middle of the stretch, where its label goes.
    pub middle: f64,
    /// Wide enough to carry its label inside.
    pub labelled: bool,
}

/// The left/center/right bar: how the rated outlets covering a story split.
#[derive(Debug, Clone, PartialEq)]
pub struct BiasBar {
    pub left: u32,
    pub center: u32,
    pub right: u32,
    pub disputed: u32,
    pub unrated: u32,
    pub segments: Vec<Segment>,
    /// "Center: 3 of 5 rated sources (60%)", a tie said as a tie, or why
    /// there is no split.
    pub headline: String,
    /// For screen readers: every side's share, and what is not in it.
    pub description: String,
}

impl BiasBar {
    pub fn new(lean: &LeanCounts) -> BiasBar {
        let counts: Vec<u32> = SIDES.iter().map(|&side| lean.get(side)).collect();
        let shares = percentages(&counts);
        let rated = lean.rated();
        let mut segments = Vec::new();
        let mut x = 0.0;
        for ((&side, &count), &percent) in SIDES.iter().zip(&counts).zip(&shares) {
            if count == 0 {
                continue;
            }
            let style = side_style(Some(side));
            let width = f64::from(count) * 100.0 / f64::from(rated);
            segments.push(Segment {
                class: style.class,
                label: style.label,
                count,
                percent,
                x,
                width,
                middle: x + width / 2.0,
                labelled: width >= 12.0,
            });
            x += width;
        }
        let headline = split_headline(&segments, rated);
        let mut parts: Vec<String> = segments.iter().map(|s| format!("{} {}%", s.label, s.percent)).collect();
        if segments.is_empty() {
            parts.push(headline.clone());
        }
        for (count, what) in [(lean.disputed, "disputed"), (lean.unrated, "unrated")] {
            if count > 0 {
                parts.push(format!("{count} {what} source{} not counted", plural(count)));
            }
        }
        BiasBar {
            left: lean.left,
            center: lean.center,
            right: lean.right,
            disputed: lean.disputed,
            unrated: lean.unrated,
            segments,
            headline,
            description: parts.join(", "),
        }
    }
}

/// The bar's one-line reading: the largest side with its count, or the
/// sides that tie for it.
fn split_headline(segments: &[Segment], rated: u32) -> String {
    let Some(top) = segments.iter().map(|s| s.count).max() else {
        return "No source covering this story is rated yet".to_string();
    };
    let leaders: Vec<&Segment> = segments.iter().filter(|s| s.count == top).collect();
    let of_rated = format!("of {rated} rated source{}", plural(rated));
    match leaders.as_slice() {
        [only] => format!("{}: {} {of_rated} ({}%)", only.label, only.count, only.percent),
        [a, b] => format!("{} and {} tie: {} each {of_rated}", a.label, b.label, top),
        _ => format!("Evenly split: {top} Left, {top} Center, {top} Right"),
    }
}

/// One row of a horizontal bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct BarRow {
    pub label: String,
    pub count: u32,
    pub class: &'static str,
    /// Bar length, percent of the bar's space (the largest row fills it).
    pub width: f64,
}

/// A horizontal bar chart (factuality, ownership): labels and counts are
/// HTML text, so they wrap and keep their size at every width; only the
/// bars are SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    pub rows: Vec<BarRow>,
}

impl BarChart {
    /// Rows in the given order; zero rows are left out.
    pub fn new(rows: Vec<(String, u32, &'static str)>) -> BarChart {
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
        let rows: Vec<BarRow> = rows
            .into_iter()
            .filter(|r| r.1 > 0)
            .map(|(label, count, class)| BarRow {
                label,
                count,
                class,
                width: (f64::from(count) * 100.0 / f64::from(max)).max(1.5),
            })
            .collect();
        BarChart { rows }
    }
}

/// The factuality labels best first, then the unrated count.
pub fn factuality_chart(counts: &BTreeMap<String, u32>) -> BarChart {
    let order = ["very-high", "high", "mostly-factual", "mixed", "low", "very-low", "unrated"];
    let mut rows: Vec<(String, u32, &'static str)> = order
        .iter()
        .map(|&key| (human_label(key), counts.get(key).copied().unwrap_or(0), factuality_class(key)))
        .collect();
    rows.extend(
        counts
            .iter()
            .filter(|(key, _)| !order.contains(&key.as_str()))
            .map(|(key, &count)| (human_label(key), count, "unrated")),
    );
    BarChart::new(rows)
}

fn factuality_class(key: &str) -> &'static str {
    match key {
        "very-high" | "high" => "fact-high",
        "mostly-factual" => "fact-mostly",
        "mixed" => "fact-mixed",
        "low" | "very-low" => "fact-low",
        _ => "unrated",
    }
}

/// Ownership kinds, most common first; unknown last.
pub fn ownership_chart(counts: &BTreeMap<String, u32>) -> BarChart {
    let mut known: Vec<(&String, &u32)> = counts.iter().filter(|(k, _)| k.as_str() != "unknown").collect();
    known.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let mut rows: Vec<(String, u32, &'static str)> =
        known.into_iter().map(|(key, &count)| (human_label(key), count, "owner")).collect();
    if let Some(&unknown) = counts.get("unknown") {
        rows.push(("Unknown".to_string(), unknown, "unrated"));
    }
    BarChart::new(rows)
}

/// `mostly-factual` → `Mostly factual`.
pub fn human_label(key: &str) -> String {
    let spaced = key.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A stacked column of the coverage timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineColumn {
    /// Left edge and middle, percent of the chart's width.
    pub x: f64,
    pub middle: f64,
    pub rects: Vec<TimelineRect>,
    /// Articles in the column, and the top of its stack (px).
    pub total: u32,
    pub top: f64,
    /// For the tooltip: "10 Mar 14:00 UTC: 3 articles (2 left, 1 center)".
    pub title: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRect {
    pub y: f64,
    pub height: f64,
    pub class: &'static str,
}

/// A labelled hour on the timeline's axis.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineTick {
    /// Percent of the chart's width.
    pub x: f64,
    /// "14:00", or the date at midnight.
    pub label: String,
    /// `start`, `middle` or `end`: the first and last labels stay inside.
    pub anchor: &'static str,
}

/// Articles over time, stacked by side, drawn in CSS pixels (no viewBox, so
/// its text keeps its size at every width): x in percent, y in pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub columns: Vec<TimelineColumn>,
    /// Percent of the chart's width.
    pub column_width: f64,
    pub start: String,
    pub end: String,
    /// Hours per column.
    pub hours_per_column: i64,
    pub peak: u32,
    pub ticks: Vec<TimelineTick>,
    /// Each column carries its count above it (few columns); otherwise the
    /// counts are in each column's `<title>`.
    pub labelled: bool,
}

impl Timeline {
    /// Space above the bars for their counts, px.
    pub const TOP: f64 = 18.0;
    /// Height of the tallest bar, px.
    pub const PLOT: f64 = 100.0;
    /// The axis line, and the labels under it.
    pub const AXIS: f64 = Self::TOP + Self::PLOT;
    pub const TICK_LABEL_Y: f64 = Self::AXIS + 16.0;
    pub const HEIGHT: f64 = Self::AXIS + 24.0;
    /// At most this many labelled hours: at 390 px wide, 6 labels of
    /// "14:00" at 12 px leave room between them.
    const MAX_TICKS: i64 = 6;
    /// Counts above the columns up to this many columns (at 390 px, wider
    /// than a three-digit count).
    const MAX_LABELLED_COLUMNS: usize = 12;

    pub fn new(hours: &[TimelineHour]) -> Option<Timeline> {
        let first = hours.iter().map(|h| h.hour).min()?;
        let last = hours.iter().map(|h| h.hour).max()?;
        let span = (last - first).num_hours() + 1;
        let hours_per_column = ((span + TIMELINE_MAX_COLUMNS - 1) / TIMELINE_MAX_COLUMNS).max(1);
        let columns_count = (span + hours_per_column - 1) / hours_per_column;
        let mut bins = vec![LeanCounts::default(); usize::try_from(columns_count).unwrap_or(1)];
        for hour in hours {
            let index = usize::try_from((hour.hour - first).num_hours() / hours_per_column).unwrap_or(0);
            if let Some(bin) = bins.get_mut(index) {
                bin.merge(&hour.articles);
            }
        }
        let peak = bins.iter().map(LeanCounts::total).max().unwrap_or(0).max(1);
        let slot = 100.0 / bins.len() as f64;
        let column_width = (slot * 0.8).clamp(0.2, 6.0);
        let scale = Self::PLOT / f64::from(peak);
        let columns = bins
            .iter()
            .enumerate()
            .map(|(i, bin)| {
                let mut top = Self::AXIS;
                let mut rects = Vec::new();
                let mut parts = Vec::new();
                for (count, class) in [
                    (bin.left, "left"),
                    (bin.center, "center"),
                    (bin.right, "right"),
                    (bin.disputed, "disputed"),
                    (bin.unrated, "unrated"),
                ] {
                    if count == 0 {
                        continue;
                    }
                    let height = f64::from(count) * scale;
                    top -= height;
                    rects.push(TimelineRect { y: top, height, class });
                    parts.push(format!("{count} {class}"));
                }
                let start = first + Duration::hours(i as i64 * hours_per_column);
                let total = bin.total();
                let sides = if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) };
                let x = slot * i as f64 + (slot - column_width) / 2.0;
                TimelineColumn {
                    x,
                    middle: x + column_width / 2.0,
                    rects,
                    total,
                    top,
                    title: format!("{}: {total} article{}{sides}", start.format("%-d %b %H:00 UTC"), plural(total)),
                }
            })
            .collect();
        let labelled = bins.len() <= Self::MAX_LABELLED_COLUMNS;
        Some(Timeline {
            columns,
            column_width,
            start: first.format("%-d %b %H:00").to_string(),
            end: (last + Duration::hours(1)).format("%-d %b %H:00 UTC").to_string(),
            hours_per_column,
            peak,
            ticks: Self::ticks(first, span, hours_per_column, slot),
            labelled,
        })
    }

    pub fn height(&self) -> f64 {
        Self::HEIGHT
    }

    pub fn axis(&self) -> f64 {
        Self::AXIS
    }

    pub fn tick_label_y(&self) -> f64 {
        Self::TICK_LABEL_Y
    }

    /// Labelled hours: a round step (1, 2, 3, 6, 12 or 24 hours, or whole
    /// days) at most [`Self::MAX_TICKS`] times over the span, on the hours
    /// that are multiples of it (midnight shows the date).
    fn ticks(first: DateTime<Utc>, span: i64, hours_per_column: i64, slot: f64) -> Vec<TimelineTick> {
        let columns = (span + hours_per_column - 1) / hours_per_column;
        let needed = (columns * hours_per_column + Self::MAX_TICKS - 1) / Self::MAX_TICKS;
        let step = [1, 2, 3, 6, 12, 24].into_iter().find(|&s| s >= needed).unwrap_or(24 * ((needed + 23) / 24));
        let step = step.max(hours_per_column);
        let first_hour = i64::from(first.hour());
        let mut offset = (step - first_hour % step) % step;
        let mut ticks = Vec::new();
        while offset < columns * hours_per_column {
            let at = first + Duration::hours(offset);
            // The middle of the hour's column.
            let x = (offset as f64 / hours_per_column as f64) * slot + slot / 2.0;
            let label = if at.hour() == 0 { at.format("%-d %b").to_string() } else { at.format("%H:00").to_string() };
            ticks.push(TimelineTick { x, label, anchor: "middle" });
            offset += step;
        }
        if let Some(tick) = ticks.first_mut().filter(|t| t.x < 8.0) {
            tick.anchor = "start";
        }
        if let Some(tick) = ticks.last_mut().filter(|t| t.x > 92.0) {
            tick.anchor = "end";
        }
        ticks
    }
}

/// A `<meta name="description">`: the text cut at a word to at most
/// [`META_DESCRIPTION_CHARS`] characters, with an ellipsis when cut.
pub fn meta_description(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= META_DESCRIPTION_CHARS {
        return text;
    }
    let mut cut = String::new();
    for word in text.split(' ') {
        if cut.chars().count() + word.chars().count() + 2 > META_DESCRIPTION_CHARS {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
        }
        cut.push_str(word);
    }
    if cut.is_empty() {
        cut = text.chars().take(META_DESCRIPTION_CHARS - 1).collect();
    }
    cut.push('…');
    cut
}

/// Search engines show about this much of a description.
pub const META_DESCRIPTION_CHARS: usize = 160;

pub fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// What a page needs of a story when its view is not computed yet (it is
/// computed after each clustering pass): counts, sides, ownership and the
/// timeline from the articles and the outlets' ratings, by the same method
/// as stored views. No bullets: those are the summariser's.
pub fn provisional_view(story: &StoryRecord, outlets: &OutletDirectory) -> StoryView {
    let articles: Vec<CoveredArticle<'_>> =
        story.articles.iter().map(|member| CoveredArticle::of(&member.article, member.copy_of)).collect();
    let profiles: HashMap<String, OutletProfile> = articles
        .iter()
        .filter_map(|a| outlets.get(a.outlet).map(|info| (a.outlet.to_string(), info.profile.clone())))
        .collect();
    let mut coverage = parallax_coverage::coverage(&articles, &profiles, &BlindspotConfig::default());
    // The blindspot thresholds are the pipeline's configuration, which the
    // stored view applies; a provisional page makes no such claim.
    coverage.blindspot = None;
    StoryView {
        title: story.articles.first().map(|a| a.article.article.title.clone()).unwrap_or_default(),
        coverage,
        ..StoryView::default()
    }
}

/// A story in a listing: home, blindspots, an outlet's page, search.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryCard {
    pub id: i64,
    pub title: String,
    pub sources: u32,
    /// "3 sources".
    pub sources_label: String,
    pub articles: u32,
    pub updated: When,
    pub bias: BiasBar,
    /// The side that ignores the story, labelled.
    pub blindspot: Option<&'static str>,
    pub lead: Option<String>,
}

impl StoryCard {
    pub fn new(head: &StoryHead, now: DateTime<Utc>) -> StoryCard {
        let lean = head
            .view
            .as_ref()
            .map_or(LeanCounts { unrated: head.outlets, ..LeanCounts::default() }, |v| v.coverage.lean);
        let view = head.view.as_ref();
        StoryCard {
            id: head.id,
            title: if head.title.is_empty() { format!("Story {}", head.id) } else { head.title.clone() },
            sources: head.outlets,
            sources_label: format!("{} source{}", head.outlets, plural(head.outlets)),
            articles: head.articles,
            updated: When::new(head.last_updated, now),
            bias: BiasBar::new(&lean),
            blindspot: view.and_then(|v| v.coverage.blindspot).map(|side| side_style(Some(side)).label),
            lead: view.and_then(|v| v.bullets.first()).map(|b| b.text.clone()),
        }
    }
}

/// How the home page ranks a story: the rule the page states.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HomeRank {
    /// Distinct outlets, each weighted by how recent its latest article is.
    pub breadth: f64,
    /// Only opinion or analysis, from one outlet: ranked after the news.
    pub single_source_opinion: bool,
}

impl HomeRank {
    /// The order key: news before single-source opinion, then breadth.
    pub fn order(&self, other: &HomeRank) -> std::cmp::Ordering {
        self.single_source_opinion.cmp(&other.single_source_opinion).then(other.breadth.total_cmp(&self.breadth))
    }
}

/// Ranks a story by how widely it is covered recently: every outlet counts
/// once, with weight one half for every `half_life_hours` its latest
/// article is older than `newest` (the newest article among the stories
/// ranked, not the clock, so an archive ranks the same as a live feed).
/// Wire copies count for the outlet that ran them: running a story is
/// covering it.
pub fn home_rank(story: &StoryRecord, newest: DateTime<Utc>, half_life_hours: f64) -> HomeRank {
    let mut latest: HashMap<&str, DateTime<Utc>> = HashMap::new();
    let mut news = false;
    for member in &story.articles {
        let article = &member.article.article;
        news |= article.kind() == ArticleKind::News;
        let seen = latest.entry(article.outlet.as_str()).or_insert(article.published);
        *seen = (*seen).max(article.published);
    }
    let half_life = half_life_hours.max(0.1);
    let breadth = latest
        .values()
        .map(|&time| {
            let hours = (newest - time).num_seconds().max(0) as f64 / 3600.0;
            0.5f64.powf(hours / half_life)
        })
        .sum();
    HomeRank { breadth, single_source_opinion: !news && latest.len() <= 1 }
}

/// The newest article of `stories`: the "now" the home page ranks from.
pub fn newest_article(stories: &[StoryRecord]) -> Option<DateTime<Utc>> {
    stories.iter().flat_map(|story| story.articles.iter().map(|m| m.article.article.published)).max()
}

/// An outlet as a badge next to its headline.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletBadge {
    pub domain: String,
    pub name: String,
    pub side: SideStyle,
    /// "Lean left (mbfc)".
    pub lean_label: String,
    pub factuality: Option<String>,
    pub owner: Option<String>,
}

impl OutletBadge {
    pub fn new(info: &OutletInfo) -> OutletBadge {
        let side = stance_style(info.profile.stance());
        let views = || {
            info.profile
                .leans
                .iter()
                .map(|(provider, lean)| format!("{provider}: {}", lean.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let lean_label = match info.profile.lean {
            _ if info.profile.disputed => format!("Providers disagree ({})", views()),
            Some(lean) if info.lean_by.is_empty() => human_label(lean.as_str()),
            Some(lean) => format!("{} (rated by {})", human_label(lean.as_str()), views()),
            None => "No lean rating".to_string(),
        };
        OutletBadge {
            domain: info.domain.clone(),
            name: info.display_name().to_string(),
            side,
            lean_label,
            factuality: info.profile.factuality.map(|f| human_label(f.as_str())),
            owner: info.profile.owner.clone().or_else(|| info.profile.ownership.as_deref().map(human_label)),
        }
    }
}

/// One article in a story's source list.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleItem {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub snippet: String,
    pub outlet: OutletBadge,
    pub published: When,
    /// The outlet this article copies (wire copy), by name.
    pub copy_of: Option<String>,
    /// Its language (ISO 639-1), as the feed or detection gave it: a story
    /// gathers articles in every language.
    pub language: Option<String>,
    /// "Opinion" or "Analysis"; `None` for news.
    pub kind: Option<&'static str>,
    published_at: DateTime<Utc>,
}

/// How a story's sources are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleSort {
    /// Newest first.
    Time,
    /// Left, center, right, unrated; newest first within a side.
    Lean,
    /// By outlet name.
    Outlet,
}

impl ArticleSort {
    pub const ALL: [ArticleSort; 3] = [ArticleSort::Time, ArticleSort::Lean, ArticleSort::Outlet];

    pub fn parse(value: &str) -> Option<ArticleSort> {
        ArticleSort::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleSort::Time => "time",
            ArticleSort::Lean => "lean",
            ArticleSort::Outlet => "outlet",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ArticleSort::Time => "Newest",
            ArticleSort::Lean => "Lean",
            ArticleSort::Outlet => "Outlet",
        }
    }
}

pub fn article_items(
    story: &StoryRecord,
    outlets: &OutletDirectory,
    sort: ArticleSort,
    now: DateTime<Utc>,
) -> Vec<ArticleItem> {
    let outlet_of: BTreeMap<i64, &str> =
        story.articles.iter().map(|m| (m.article.id, m.article.article.outlet.as_str())).collect();
    let mut items: Vec<ArticleItem> = story
        .articles
        .iter()
        .map(|member| {
            let a = &member.article.article;
            let info = outlets.info(&a.outlet);
            ArticleItem {
                id: member.article.id,
                title: a.title.clone(),
                url: a.url.clone(),
                snippet: a.snippet.clone(),
                outlet: OutletBadge::new(&info),
                published: When::new(a.published, now),
                copy_of: member
                    .copy_of
                    .and_then(|origin| outlet_of.get(&origin))
                    .map(|domain| outlets.info(domain).display_name().to_string()),
                language: a.language.clone(),
                kind: match a.kind() {
                    ArticleKind::News => None,
                    ArticleKind::Opinion => Some("Opinion"),
                    ArticleKind::Analysis => Some("Analysis"),
                },
                published_at: a.published,
            }
        })
        .collect();
    let side_rank = |item: &ArticleItem| match item.outlet.side.class {
        "left" => 0,
        "center" => 1,
        "right" => 2,
        "disputed" => 3,
        _ => 4,
    };
    match sort {
        ArticleSort::Time => items.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.id.cmp(&b.id))),
        ArticleSort::Lean => items.sort_by(|a, b| {
            side_rank(a).cmp(&side_rank(b)).then(b.published_at.cmp(&a.published_at)).then(a.id.cmp(&b.id))
        }),
        ArticleSort::Outlet => {
            items.sort_by(|a, b| a.outlet.name.to_lowercase().cmp(&b.outlet.name.to_lowercase()).then(a.id.cmp(&b.id)))
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_add_up_to_one_hundred() {
        assert_eq!(percentages(&[1, 1, 1]), [34, 33, 33]);
        assert_eq!(percentages(&[3, 3, 2]), [38, 37, 25]);
        assert_eq!(percentages(&[0, 5, 0]), [0, 100, 0]);
        assert_eq!(percentages(&[0, 0, 0]), [0, 0, 0]);
    }

    fn check_headline(left: u32, center: u32, right: u32, expected: &str) {
        let bar = BiasBar::new(&LeanCounts { left, center, right, disputed: 1, unrated: 2 });
        assert_eq!(bar.headline, expected);
    }

    #[test]
    fn the_bias_bar_says_a_tie_is_a_tie() {
        check_headline(1, 1, 1, "Evenly split: 1 Left, 1 Center, 1 Right");
        check_headline(2, 1, 2, "Left and Right tie: 2 each of 5 rated sources");
        check_headline(0, 1, 0, "Center: 1 of 1 rated source (100%)");
        check_headline(0, 0, 0, "No source covering this story is rated yet");
    }

    #[test]
    fn the_bias_bar_names_the_largest_side() {
        let bar = BiasBar::new(&LeanCounts { left: 2, center: 5, right: 1, disputed: 1, unrated: 3 });
        assert_eq!(bar.headline, "Center: 5 of 8 rated sources (63%)");
        assert_eq!(
            bar.description,
            "Left 25%, Center 63%, Right 12%, 1 disputed source not counted, 3 unrated sources not counted"
        );
        let widths: f64 = bar.segments.iter().map(|s| s.width).sum();
        assert!((widths - 100.0).abs() < 1e-9);
        let empty = BiasBar::new(&LeanCounts { unrated: 2, ..LeanCounts::default() });
        assert!(empty.segments.is_empty());
    }

    #[test]
    fn a_disputed_outlet_says_who_puts_it_where() {
        let rating = |provider: &str, lean| parallax_core::Rating {
            outlet: "cbsnews.example".into(),
            provider: provider.into(),
            version: "2026".into(),
            lean: Some(lean),
            ..Default::default()
        };
        let info = OutletInfo::from_ratings(
            "cbsnews.example",
            Some("CBS"),
            &[rating("allsides", parallax_core::Lean::LeanLeft), rating("mbfc", parallax_core::Lean::LeanRight)],
        );
        let badge = OutletBadge::new(&info);
        assert_eq!(badge.side, SideStyle { label: "Disputed", class: "disputed" });
        assert_eq!(badge.lean_label, "Providers disagree (allsides: lean-left, mbfc: lean-right)");
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").map(|t| t.to_utc()).unwrap_or_default();
        let check = |minutes: i64, expected: &str| {
            assert_eq!(When::new(now - Duration::minutes(minutes), now).relative, expected, "{minutes} min");
        };
        check(0, "just now");
        check(-90, "in 1 h");
        check(5, "5 min ago");
        check(180, "3 h ago");
        check(60 * 24 * 3, "3 days ago");
        check(60 * 24 * 40, "29 Jan 2026");
    }

    #[test]
    fn timelines_fold_long_stories_into_wider_columns() {
        let start = DateTime::parse_from_rfc3339("2026-03-10T00:00:00Z").map(|t| t.to_utc()).unwrap_or_default();
        let hour = |h: i64, left: u32| TimelineHour {
            hour: start + Duration::hours(h),
            articles: LeanCounts { left, ..LeanCounts::default() },
        };
        let timeline = Timeline::new(&[hour(0, 1), hour(1, 2), hour(99, 1)]).expect("a timeline");
        assert_eq!(timeline.hours_per_column, 3);
        assert_eq!(timeline.columns.len(), 34);
        assert_eq!(timeline.peak, 3);
        assert_eq!(timeline.columns[0].title, "10 Mar 00:00 UTC: 3 articles (3 left)");
        assert!(!timeline.labelled, "34 columns carry their counts in titles");
        let labels: Vec<&str> = timeline.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["10 Mar", "11 Mar", "12 Mar", "13 Mar", "14 Mar"]);
        assert!(Timeline::new(&[]).is_none());
    }

    #[test]
    fn short_timelines_label_hours_and_every_bar() {
        let start = DateTime::parse_from_rfc3339("2026-03-10T09:00:00Z").map(|t| t.to_utc()).unwrap_or_default();
        let hour = |h: i64, left: u32, right: u32| TimelineHour {
            hour: start + Duration::hours(h),
            articles: LeanCounts { left, right, ..LeanCounts::default() },
        };
        let timeline = Timeline::new(&[hour(0, 1, 0), hour(3, 2, 1), hour(5, 0, 1)]).expect("a timeline");
        assert!(timeline.labelled);
        assert_eq!(timeline.columns.len(), 6);
        assert_eq!(timeline.columns[3].title, "10 Mar 12:00 UTC: 3 articles (2 left, 1 right)");
        let labels: Vec<&str> = timeline.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00"]);
        assert_eq!(timeline.ticks[0].x, 100.0 / 12.0, "under the middle of its column");
        assert_eq!(timeline.ticks[0].anchor, "middle", "far enough from the edge to be centred");
    }
}
