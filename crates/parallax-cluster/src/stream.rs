//! A long dated stream resampled from real labelled stories, to measure
//! what days of news do to stories: whether a story that grows for days to
//! hundreds of articles stays whole, and whether stories fall apart as the
//! stream goes on. No data lives here; callers hand in the real stories
//! (NeuS at run time) and get the stream back, with each article's event.
//!
//! The stream. Events start at random times over the stream's span. An
//! event's size follows the power law of news coverage (the share of
//! events with more than `s` articles falls as `1/s`: most are told a few
//! times, a few hundreds of times), from [`MIN_EVENT_ARTICLES`] to
//! [`MAX_EVENT_ARTICLES`], and a bigger event runs longer (six hours for
//! three articles, about four days for 300). Each article retells one of
//! its story's real articles, cycling through them as the outlets do,
//! with a share of its words dropped, neighbouring words swapped, and
//! some of another outlet's words of the same story added, so no two
//! retellings are the same text. Events take their stories in order of
//! start, cycling through all of them, so an event reuses a story only
//! after every other story was told, days later (a new pass, a new event:
//! a story told again after the window has passed is a new story).
//! Optionally one planted event of a given size spans a given number of
//! days, to check that it ends as one story; no other event tells its
//! story.

/// A real article to retell.
#[derive(Debug, Clone, Copy)]
pub struct SourceText<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct StreamConfig {
    /// Articles in the stream.
    pub articles: usize,
    /// Articles published per day: the span is `articles / per_day` days.
    pub per_day: usize,
    /// Outlets the articles come from.
    pub outlets: usize,
    /// One event of `(articles, days)` planted a fifth of the way in.
    pub planted: Option<(usize, f64)>,
    /// The story the planted event tells (an index into the stories), or a
    /// random one.
    pub planted_story: Option<usize>,
    /// Unix seconds of the stream's start.
    pub start: i64,
    pub seed: u64,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            articles: 150_000,
            per_day: 5_000,
            outlets: 40,
            planted: Some((300, 5.0)),
            planted_story: None,
            start: 1_700_000_000,
            seed: 0x5eed_57ea,
        }
    }
}

/// One generated article.
#[derive(Debug, Clone)]
pub struct StreamArticle {
    pub title: String,
    pub text: String,
    /// Index of its outlet, below `StreamConfig::outlets`.
    pub outlet: usize,
    pub published: i64,
    /// Its event: the gold story.
    pub event: u32,
    /// Whether it belongs to the planted event.
    pub planted: bool,
    /// The real article it retells: `stories[story][source]`, so a caller
    /// can hand it what it knows of that article (its embedding).
    pub story: usize,
    pub source: usize,
}

impl StreamArticle {
    /// What the clusterer is given for it: English, dated, under `key`, from
    /// `outlets[self.outlet]` (the caller's outlet names), with no embedding.
    pub fn input<'a>(&'a self, key: u64, outlets: &'a [String]) -> crate::ArticleInput<'a> {
        crate::ArticleInput {
            key,
            title: &self.title,
            text: &self.text,
            outlet: outlets.get(self.outlet).map(String::as_str),
            language: Some("en"),
            published: Some(self.published),
            embedding: None,
        }
    }
}

/// Smallest event: the three outlets of an AllSides roundup.
pub const MIN_EVENT_ARTICLES: usize = 3;

/// Largest drawn event: the seed page's story held 334 articles.
pub const MAX_EVENT_ARTICLES: usize = 400;

/// How long an event of [`MIN_EVENT_ARTICLES`] runs, seconds.
const SMALL_EVENT_SECS: f64 = 6.0 * 3600.0;

/// A bigger event runs longer: duration grows as size to this power (300
/// articles: 6 h x 100^0.6, about four days).
const DURATION_POWER: f64 = 0.6;

/// Share of a retelling's words dropped.
const DROPPED_WORDS: u64 = 6; // one in six

/// Generates the stream, sorted by publication time. Empty when there are
/// no stories with text.
pub fn resample(stories: &[Vec<SourceText>], config: &StreamConfig) -> Vec<StreamArticle> {
    if stories.iter().all(|story| story.is_empty()) || config.articles == 0 {
        return Vec::new();
    }
    let mut rng = Rng(config.seed);
    let span = 86_400.0 * config.articles as f64 / config.per_day.max(1) as f64;
    // Events and their starts, drawn until they cover the stream.
    let mut events: Vec<(f64, usize)> = Vec::new();
    let mut total = config.planted.map_or(0, |(articles, _)| articles);
    while total < config.articles {
        let size = event_size(&mut rng);
        events.push((rng.unit() * span, size));
        total += size;
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut order: Vec<usize> = (0..stories.len()).filter(|&i| !stories[i].is_empty()).collect();
    rng.shuffle(&mut order);
    // The planted event's story is told by no other event.
    let planted_story = match (config.planted, config.planted_story) {
        (Some(_), Some(chosen)) if chosen < stories.len() && !stories[chosen].is_empty() => {
            order.retain(|&i| i != chosen);
            Some(chosen)
        }
        (Some(_), _) if order.len() > 1 => order.pop(),
        _ => None,
    };
    if order.is_empty() {
        return Vec::new();
    }
    let mut articles = Vec::with_capacity(total);
    let outlets = config.outlets.max(1);
    for (event, &(start, size)) in events.iter().enumerate() {
        let story = order[event % order.len()];
        let duration = SMALL_EVENT_SECS * (size as f64 / MIN_EVENT_ARTICLES as f64).powf(DURATION_POWER);
        for index in 0..size {
            // Coverage is densest at first and thins out.
            let offset = duration * rng.unit() * rng.unit();
            articles.push(retell(
                stories,
                story,
                index,
                config.start + (start + offset) as i64,
                event as u32,
                &mut rng,
            ));
        }
    }
    if let Some((size, days)) = config.planted {
        let story = planted_story.unwrap_or(order[0]);
        let start = span / 5.0;
        for index in 0..size {
            let offset = days * 86_400.0 * rng.unit();
            let published = config.start + (start + offset) as i64;
            let mut article = retell(stories, story, index, published, events.len() as u32, &mut rng);
            article.planted = true;
            articles.push(article);
        }
    }
    for article in &mut articles {
        article.outlet = rng.below(outlets);
    }
    articles.sort_by_key(|article| article.published);
    articles.truncate(config.articles);
    articles
}

/// A size from the power law `P(size > s) ~ 1/s` between the bounds.
fn event_size(rng: &mut Rng) -> usize {
    let (low, high) = (MIN_EVENT_ARTICLES as f64, MAX_EVENT_ARTICLES as f64 + 1.0);
    let size = 1.0 / (1.0 / low - rng.unit() * (1.0 / low - 1.0 / high));
    (size as usize).clamp(MIN_EVENT_ARTICLES, MAX_EVENT_ARTICLES)
}

/// Article `index` of an event about `stories[story]`: a retelling of one
/// of its articles, with words of another of them mixed in.
fn retell(
    stories: &[Vec<SourceText>],
    story: usize,
    index: usize,
    published: i64,
    event: u32,
    rng: &mut Rng,
) -> StreamArticle {
    let texts = &stories[story];
    let source_index = index % texts.len();
    let source = texts[source_index];
    let other = texts[rng.below(texts.len())];
    let title = perturb(source.title, rng);
    let mut text = perturb(source.text, rng);
    let borrowed: Vec<&str> = other.text.split_whitespace().take(12).collect();
    if !borrowed.is_empty() && rng.below(2) == 0 {
        text.push(' ');
        text.push_str(&borrowed.join(" "));
    }
    StreamArticle { title, text, outlet: 0, published, event, planted: false, story, source: source_index }
}

/// Drops a share of the words and swaps neighbouring ones now and then.
fn perturb(text: &str, rng: &mut Rng) -> String {
    let mut words: Vec<&str> = text.split_whitespace().filter(|_| rng.below(DROPPED_WORDS as usize) != 0).collect();
    for i in 1..words.len() {
        if rng.below(4) == 0 {
            words.swap(i - 1, i);
        }
    }
    words.join(" ")
}

/// SplitMix64: a fixed, dependency-free generator, so a seed gives the
/// same stream everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stories() -> Vec<Vec<SourceText<'static>>> {
        (0..50)
            .map(|_| {
                vec![
                    SourceText {
                        title: "Storm hits the coast",
                        text: "A storm hit the coast on Monday, officials said.",
                    },
                    SourceText { title: "Coast braces", text: "Officials on the coast braced for the storm." },
                ]
            })
            .collect()
    }

    #[test]
    fn the_stream_is_dated_sized_and_planted() {
        let config = StreamConfig { articles: 5_000, per_day: 1_000, ..StreamConfig::default() };
        let stream = resample(&stories(), &config);
        assert_eq!(stream.len(), 5_000);
        assert!(stream.windows(2).all(|pair| pair[0].published <= pair[1].published));
        let planted: Vec<&StreamArticle> = stream.iter().filter(|a| a.planted).collect();
        assert_eq!(planted.len(), 300);
        let first = planted.iter().map(|a| a.published).min().unwrap_or(0);
        let last = planted.iter().map(|a| a.published).max().unwrap_or(0);
        assert!(last - first > 4 * 86_400, "the planted event spans about five days");
        assert!(planted.iter().all(|a| a.event == planted[0].event));
        assert!(stream.iter().all(|a| a.outlet < config.outlets));
        let sources = stories();
        assert!(stream.iter().all(|a| a.title.split(' ').all(|w| sources[a.story][a.source].title.contains(w))));
        assert_eq!(stream.len(), resample(&stories(), &config).len(), "deterministic");
    }

    #[test]
    fn event_sizes_follow_the_power_law() {
        let mut rng = Rng(1);
        let sizes: Vec<usize> = (0..100_000).map(|_| event_size(&mut rng)).collect();
        let at_least = |s: usize| sizes.iter().filter(|&&x| x >= s).count() as f64 / sizes.len() as f64;
        assert!(sizes.iter().all(|&s| (MIN_EVENT_ARTICLES..=MAX_EVENT_ARTICLES).contains(&s)));
        // P(size >= 30) is about 3/30 less the cut at 400.
        assert!((at_least(30) - 0.093).abs() < 0.01, "{}", at_least(30));
        assert!(at_least(300) > 0.001);
    }
}
