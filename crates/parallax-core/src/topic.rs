//! What a story is about: a small fixed taxonomy of topics, and the one
//! rule ([`story_topics`]) that files a story under them.
//!
//! A reader follows a topic ("technology", "climate") across outlets, so the
//! taxonomy is deliberately small and the same in every language. Topics
//! come first from where the outlets themselves filed the articles (the
//! entry's categories, the feed's categories, the URL's folders), read in
//! the languages the project reads; only a story none of whose articles is
//! filed anywhere known is read for its words.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// A topic of the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Topic {
    /// International affairs, wars, diplomacy.
    World,
    /// Governments, parties, elections, courts and law-making.
    Politics,
    /// Companies, markets, the economy, work and money.
    Business,
    /// Computing, the internet, gadgets, AI.
    Technology,
    /// Research, space, discoveries.
    Science,
    /// Medicine, disease, public health.
    Health,
    /// Climate, weather extremes, the environment, energy transition.
    Climate,
    /// Sport of every kind.
    Sports,
    /// Arts, books, film, music, television, entertainment.
    Culture,
}

impl Topic {
    /// Every topic, in the order navigation shows them.
    pub const ALL: [Topic; 9] = [
        Topic::World,
        Topic::Politics,
        Topic::Business,
        Topic::Technology,
        Topic::Science,
        Topic::Health,
        Topic::Climate,
        Topic::Sports,
        Topic::Culture,
    ];

    /// The topic's name in URLs and JSON (`/topics/technology`).
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::World => "world",
            Topic::Politics => "politics",
            Topic::Business => "business",
            Topic::Technology => "technology",
            Topic::Science => "science",
            Topic::Health => "health",
            Topic::Climate => "climate",
            Topic::Sports => "sports",
            Topic::Culture => "culture",
        }
    }

    /// The topic's name for people.
    pub fn label(self) -> &'static str {
        match self {
            Topic::World => "World",
            Topic::Politics => "Politics",
            Topic::Business => "Business",
            Topic::Technology => "Technology",
            Topic::Science => "Science",
            Topic::Health => "Health",
            Topic::Climate => "Climate",
            Topic::Sports => "Sports",
            Topic::Culture => "Culture",
        }
    }

    pub fn parse(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.as_str() == name)
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The words outlets file articles under (categories, tags, URL folders),
/// per topic, in English, German, French, Spanish, Italian, Portuguese and
/// Dutch. A category is read word by word ("World News", "US Politics",
/// "Sci/Tech", "news/politik"), lower-cased; a word not listed says nothing.
const FILING_WORDS: &[(Topic, &[&str])] = &[
    (
        Topic::World,
        &[
            "world",
            "worldnews",
            "international",
            "foreign",
            "global",
            "europe",
            "asia",
            "africa",
            "americas",
            "middleeast",
            "ausland",
            "welt",
            "international",
            "monde",
            "internacional",
            "mundo",
            "esteri",
            "mondo",
            "buitenland",
            "wereld",
            "diplomacy",
            "defense",
            "defence",
        ],
    ),
    (
        Topic::Politics,
        &[
            "politics",
            "political",
            "election",
            "elections",
            "government",
            "congress",
            "parliament",
            "politik",
            "inland",
            "bundestag",
            "wahl",
            "wahlen",
            "politique",
            "élections",
            "elections",
            "política",
            "politica",
            "elecciones",
            "gobierno",
            "eleições",
            "politiek",
            "verkiezingen",
        ],
    ),
    (
        Topic::Business,
        &[
            "business",
            "economy",
            "economics",
            "economic",
            "markets",
            "market",
            "finance",
            "financial",
            "money",
            "companies",
            "industry",
            "trade",
            "jobs",
            "wirtschaft",
            "finanzen",
            "unternehmen",
            "börse",
            "economie",
            "économie",
            "entreprises",
            "bourse",
            "economía",
            "economia",
            "negocios",
            "empresas",
            "mercados",
            "finanza",
            "mercati",
            "economia",
            "negócios",
            "mercado",
            "financieel",
            "bedrijven",
            "crypto",
            "cryptocurrency",
            "bitcoin",
            "retail",
            "agriculture",
            "mining",
            "auto",
            "aviation",
        ],
    ),
    (
        Topic::Technology,
        &[
            "technology",
            "tech",
            "technik",
            "technologie",
            "digital",
            "internet",
            "computing",
            "gadgets",
            "ai",
            "software",
            "cyber",
            "cybersecurity",
            "netzwelt",
            "numérique",
            "tecnología",
            "tecnologia",
            "technologie",
            "informatique",
            "sci",
            "scitech",
            "google",
            "microsoft",
            "apple",
            "linux",
            "networking",
            "computer",
            "privacy",
            "gaming",
            "games",
            "nintendo",
        ],
    ),
    (
        Topic::Science,
        &[
            "science",
            "sciences",
            "space",
            "research",
            "wissenschaft",
            "forschung",
            "wissen",
            "sciences",
            "ciencia",
            "ciencias",
            "scienza",
            "ciência",
            "wetenschap",
            "scitech",
            "physics",
            "quantum",
            "psychology",
        ],
    ),
    (
        Topic::Health,
        &[
            "health",
            "healthcare",
            "medicine",
            "medical",
            "wellness",
            "coronavirus",
            "covid",
            "gesundheit",
            "medizin",
            "santé",
            "salud",
            "salute",
            "saúde",
            "gezondheid",
        ],
    ),
    (
        Topic::Climate,
        &[
            "climate",
            "environment",
            "environmental",
            "energy",
            "weather",
            "klima",
            "umwelt",
            "klimawandel",
            "energie",
            "climat",
            "environnement",
            "planète",
            "clima",
            "medioambiente",
            "ambiente",
            "ambiental",
            "milieu",
            "klimaat",
            "ecology",
            "nuclear",
        ],
    ),
    (
        Topic::Sports,
        &[
            "sport",
            "sports",
            "football",
            "soccer",
            "nfl",
            "nba",
            "mlb",
            "nhl",
            "tennis",
            "golf",
            "cricket",
            "rugby",
            "olympics",
            "formula1",
            "formula",
            "f1",
            "mma",
            "cycling",
            "wrestling",
            "fußball",
            "fussball",
            "bundesliga",
            "deportes",
            "fútbol",
            "futbol",
            "calcio",
            "esporte",
            "esportes",
            "futebol",
            "voetbal",
        ],
    ),
    (
        Topic::Culture,
        &[
            "culture",
            "arts",
            "art",
            "books",
            "music",
            "film",
            "films",
            "movies",
            "tv",
            "television",
            "entertainment",
            "celebrity",
            "theatre",
            "theater",
            "kultur",
            "feuilleton",
            "kino",
            "musik",
            "culture",
            "cinéma",
            "cinema",
            "livres",
            "musique",
            "cultura",
            "cine",
            "libros",
            "música",
            "spettacoli",
            "spettacolo",
            "musica",
            "cultuur",
            "boeken",
        ],
    ),
];

/// Words that, in a story's own titles and leads, point at a topic: used
/// only for stories no outlet filed under a known category. A word ending
/// in `*` matches every word it begins ("elect*": election, electoral).
const TOPIC_WORDS: &[(Topic, &[&str])] = &[
    (
        Topic::World,
        &[
            "war",
            "ceasefire",
            "diplomat*",
            "embassy",
            "foreign",
            "invasion",
            "nato",
            "refugee*",
            "sanctions",
            "summit",
            "troops",
            "un",
            "krieg",
            "waffenstillstand",
            "guerre",
            "guerra",
            "oorlog",
        ],
    ),
    (
        Topic::Politics,
        &[
            "elect*",
            "vote*",
            "voter*",
            "ballot*",
            "senate",
            "senator*",
            "congress*",
            "parliament*",
            "lawmaker*",
            "minister*",
            "president",
            "governor",
            "campaign*",
            "legislat*",
            "democrat*",
            "republican*",
            "party",
            "coalition",
            "wahl*",
            "bundestag",
            "regierung",
            "kanzler*",
            "élection*",
            "gouvernement",
            "député*",
            "elecci*",
            "gobierno",
            "diputad*",
            "elezion*",
            "governo",
            "eleiç*",
            "verkiezing*",
            "kabinet",
        ],
    ),
    (
        Topic::Business,
        &[
            "economy",
            "economic",
            "inflation",
            "market*",
            "stock*",
            "shares",
            "investor*",
            "bank*",
            "tariff*",
            "earnings",
            "revenue",
            "profit*",
            "ceo",
            "gdp",
            "recession",
            "merger",
            "acquisition",
            "wirtschaft*",
            "konjunktur",
            "börse",
            "unternehmen",
            "économie",
            "entreprise*",
            "economía",
            "empresa*",
            "economia",
            "inflação",
            "economie",
            "bedrijf*",
        ],
    ),
    (
        Topic::Technology,
        &[
            "ai",
            "software",
            "app",
            "apps",
            "smartphone*",
            "iphone",
            "android",
            "google",
            "apple",
            "microsoft",
            "meta",
            "openai",
            "chatgpt",
            "chip*",
            "semiconductor*",
            "cyber*",
            "hacker*",
            "internet",
            "algorithm*",
            "robot*",
            "startup*",
            "künstliche",
            "ki",
            "intelligence",
            "technolog*",
            "tecnolog*",
        ],
    ),
    (
        Topic::Science,
        &[
            "scientist*",
            "research*",
            "study",
            "nasa",
            "space",
            "spacecraft",
            "astronaut*",
            "telescope",
            "species",
            "fossil*",
            "physic*",
            "asteroid",
            "planet*",
            "genome",
            "forscher*",
            "wissenschaft*",
            "chercheur*",
            "scientifique*",
            "científic*",
            "investigador*",
            "scienziat*",
            "wetenschap*",
        ],
    ),
    (
        Topic::Health,
        &[
            "health",
            "hospital*",
            "disease*",
            "virus",
            "vaccine*",
            "outbreak",
            "cancer",
            "patient*",
            "doctor*",
            "medic*",
            "covid",
            "pandemic",
            "drug*",
            "fda",
            "who",
            "krankenhaus",
            "gesundheit",
            "impf*",
            "santé",
            "hôpital",
            "salud",
            "hospital",
            "vacuna*",
            "salute",
            "ospedal*",
            "saúde",
            "ziekenhuis",
        ],
    ),
    (
        Topic::Climate,
        &[
            "climate",
            "emission*",
            "warming",
            "carbon",
            "wildfire*",
            "drought",
            "flood*",
            "hurricane*",
            "heatwave",
            "renewable*",
            "solar",
            "fossil",
            "environment*",
            "pollution",
            "klima*",
            "hitzewelle",
            "überschwemmung*",
            "climat*",
            "sécheresse",
            "inondation*",
            "clima*",
            "sequía",
            "incendio*",
            "inundaci*",
            "klimaat",
        ],
    ),
    (
        Topic::Sports,
        &[
            "match",
            "goal*",
            "league",
            "championship*",
            "tournament",
            "coach",
            "season",
            "olympic*",
            "cup",
            "football",
            "soccer",
            "tennis",
            "nba",
            "nfl",
            "fifa",
            "uefa",
            "striker",
            "quarterback",
            "spiel*",
            "fußball",
            "trainer",
            "meisterschaft",
            "turnier",
            "championnat",
            "partido",
            "campeonato",
            "torneo",
            "calcio",
            "partita",
            "wedstrijd",
        ],
    ),
    (
        Topic::Culture,
        &[
            "film",
            "movie*",
            "album",
            "song*",
            "singer",
            "actor*",
            "actress",
            "novel*",
            "author",
            "festival",
            "museum",
            "exhibition",
            "oscar*",
            "grammy*",
            "concert*",
            "theatre",
            "theater",
            "netflix",
            "band",
            "künstler*",
            "ausstellung",
            "roman",
            "sänger*",
            "chanteu*",
            "exposition",
            "película",
            "cantante",
            "museo",
            "mostra",
            "tentoonstelling",
        ],
    ),
];

/// At most this many topics per story: a story in five topics is in none.
pub const MAX_TOPICS: usize = 3;

/// By filing, a topic is the story's when at least this share of the
/// filed articles is filed under it (a third: one stray "World" tag among
/// twelve "Sports" articles does not make a sports story world news).
pub const MIN_FILED_SHARE: f64 = 1.0 / 3.0;

/// By words, a topic needs this many keyword hits in the story's titles
/// and leads (one word is chance), and at least half as many as the
/// best topic; at most two such topics.
pub const MIN_WORD_HITS: usize = 2;

/// Words of each article's text read for the word rule: its lead. A
/// story's topic is in its first sentences; the rest adds noise and time.
pub const LEAD_WORDS: usize = 60;

/// What one article says about its topic.
#[derive(Debug, Clone, Copy, Default)]
pub struct TopicEvidence<'a> {
    /// The entry's own categories or tags.
    pub categories: &'a [String],
    /// The categories the outlet list files the article's feed under
    /// (an OPML outline's category, Kagi's feed list category).
    pub feed_categories: &'a [String],
    pub url: &'a str,
    pub title: &'a str,
    /// Its text or snippet; only the lead is read.
    pub text: &'a str,
}

/// The topics a story is filed under. The rule, in order:
///
/// 1. Each article is *filed* under the topics its entry categories name
///    (read word by word through a table of filing words in seven
///    languages: "World News", "Politik", "Sci/Tech"); where they name
///    none, under those its feed's categories name; where those name none
///    either, under those its URL's folders name (`/sport/`, `/politik/`;
///    the last segment, the article's own slug, is not read).
/// 2. When at least one article is filed, the story's topics are those
///    under which at least [`MIN_FILED_SHARE`] of the filed articles are
///    (or, if none is, those under which most are), most articles first,
///    at most [`MAX_TOPICS`]: a story with a filed article always has a
///    topic.
/// 3. Otherwise the story's titles and leads ([`LEAD_WORDS`] words of
///    each text) are read for topic words (per topic, in the same
///    languages): a topic is the story's with at least [`MIN_WORD_HITS`]
///    hits and at least half the hits of the best one, at most two.
/// 4. Otherwise the story has no topic.
pub fn story_topics(articles: &[TopicEvidence<'_>]) -> Vec<Topic> {
    let mut filed_articles = 0usize;
    let mut votes: BTreeMap<Topic, usize> = BTreeMap::new();
    for article in articles {
        let topics = filed_topics(article);
        if !topics.is_empty() {
            filed_articles += 1;
            for topic in topics {
                *votes.entry(topic).or_default() += 1;
            }
        }
    }
    if filed_articles > 0 {
        // The best-filed topic always counts, however scattered the rest.
        let best = votes.values().copied().max().unwrap_or(1);
        let needed = ((filed_articles as f64 * MIN_FILED_SHARE).ceil() as usize).clamp(1, best);
        return ranked(votes, needed, MAX_TOPICS);
    }
    let mut hits: BTreeMap<Topic, usize> = BTreeMap::new();
    for article in articles {
        let lead = article.text.split_whitespace().take(LEAD_WORDS);
        for word in article.title.split_whitespace().chain(lead) {
            for word in words(word) {
                if let Some(topic) = keyword_topic(&word) {
                    *hits.entry(topic).or_default() += 1;
                }
            }
        }
    }
    let best = hits.values().copied().max().unwrap_or(0);
    ranked(hits, MIN_WORD_HITS.max(best.div_ceil(2)), 2)
}

/// Topics with at least `needed` counts, most first (then in taxonomy
/// order), at most `max`.
fn ranked(counts: BTreeMap<Topic, usize>, needed: usize, max: usize) -> Vec<Topic> {
    let mut kept: Vec<(Topic, usize)> = counts.into_iter().filter(|&(_, n)| n >= needed).collect();
    kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    kept.into_iter().take(max).map(|(topic, _)| topic).collect()
}

/// The topics one article is filed under (rule step 1).
pub fn filed_topics(article: &TopicEvidence<'_>) -> Vec<Topic> {
    let from_labels = |labels: &[String]| -> Vec<Topic> {
        let mut topics: Vec<Topic> = labels.iter().flat_map(|label| label_topics(label)).collect();
        topics.sort();
        topics.dedup();
        topics
    };
    let entry = from_labels(article.categories);
    if !entry.is_empty() {
        return entry;
    }
    let feed = from_labels(article.feed_categories);
    if !feed.is_empty() {
        return feed;
    }
    let folders: Vec<String> = url_folders(article.url).map(str::to_string).collect();
    from_labels(&folders)
}

/// The topics a category, tag or URL folder names, word by word.
pub fn label_topics(label: &str) -> Vec<Topic> {
    let table = filing_table();
    let mut topics: Vec<Topic> = Vec::new();
    let mut add = |word: &str| {
        for topic in table.get(word).into_iter().flatten() {
            if !topics.contains(topic) {
                topics.push(*topic);
            }
        }
    };
    // The whole label first, hyphens and spaces dropped ("Middle East",
    // "formula-1"), then each word.
    let joined: String = words(label).collect();
    add(&joined);
    for word in words(label) {
        add(&word);
    }
    topics
}

/// Lower-cased alphanumeric runs of `text`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// The folders of a URL's path: every segment but the host and the last.
fn url_folders(url: &str) -> impl Iterator<Item = &str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').skip(1).filter(|segment| !segment.is_empty()).collect();
    let folders = segments.len().saturating_sub(1);
    segments.into_iter().take(folders)
}

fn filing_table() -> &'static HashMap<&'static str, Vec<Topic>> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<Topic>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<&'static str, Vec<Topic>> = HashMap::new();
        for (topic, labels) in FILING_WORDS {
            for label in *labels {
                let entry = table.entry(label).or_default();
                if !entry.contains(topic) {
                    entry.push(*topic);
                }
            }
        }
        table
    })
}

/// Exact topic words, and the prefixes of the `*` ones.
struct Keywords {
    exact: HashMap<&'static str, Topic>,
    prefixes: Vec<(&'static str, Topic)>,
}

fn keywords() -> &'static Keywords {
    static KEYWORDS: OnceLock<Keywords> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut exact = HashMap::new();
        let mut prefixes = Vec::new();
        for (topic, list) in TOPIC_WORDS {
            for word in *list {
                match word.strip_suffix('*') {
                    Some(prefix) => prefixes.push((prefix, *topic)),
                    None => {
                        exact.entry(*word).or_insert(*topic);
                    }
                }
            }
        }
        Keywords { exact, prefixes }
    })
}

fn keyword_topic(word: &str) -> Option<Topic> {
    let keywords = keywords();
    if let Some(topic) = keywords.exact.get(word) {
        return Some(*topic);
    }
    keywords.prefixes.iter().find(|(prefix, _)| word.starts_with(prefix)).map(|(_, topic)| *topic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn check(articles: &[(&[&str], &[&str], &str, &str)], expected: &[Topic]) {
        let owned: Vec<(Vec<String>, Vec<String>)> = articles.iter().map(|a| (strings(a.0), strings(a.1))).collect();
        let evidence: Vec<TopicEvidence<'_>> = articles
            .iter()
            .zip(&owned)
            .map(|(a, (categories, feed))| TopicEvidence {
                categories,
                feed_categories: feed,
                url: a.2,
                title: a.3,
                text: "",
            })
            .collect();
        assert_eq!(story_topics(&evidence), expected, "{articles:?}");
    }

    #[test]
    fn categories_in_several_languages() {
        check(&[(&["World News"], &[], "", "")], &[Topic::World]);
        check(&[(&["Politik"], &[], "", ""), (&["Inland", "Politik"], &[], "", "")], &[Topic::Politics]);
        check(&[(&["Économie"], &[], "", "")], &[Topic::Business]);
        check(&[(&["Deportes"], &[], "", "")], &[Topic::Sports]);
        check(&[(&["Sci/Tech"], &[], "", "")], &[Topic::Technology, Topic::Science]);
        check(&[(&["news/Wissenschaft"], &[], "", "")], &[Topic::Science]);
        check(&[(&["Middle East"], &[], "", "")], &[Topic::World]);
    }

    #[test]
    fn entry_categories_then_feed_categories_then_url_folders() {
        check(&[(&["Tennis"], &["World"], "https://x.com/politics/a", "")], &[Topic::Sports]);
        check(&[(&["Opinion"], &["Technology"], "https://x.com/politics/a", "")], &[Topic::Technology]);
        check(&[(&[], &["United States"], "https://x.com/politik/a", "")], &[Topic::Politics]);
        check(&[(&[], &[], "https://x.com/news/sport", "")], &[]);
    }

    #[test]
    fn a_stray_filing_does_not_make_a_topic() {
        let sports: (&[&str], &[&str], &str, &str) = (&["Football"], &[], "", "");
        check(&[sports, sports, sports, sports, (&["World"], &[], "", "")], &[Topic::Sports]);
        check(&[sports, (&["World"], &[], "", "")], &[Topic::World, Topic::Sports]);
        let scattered: Vec<(&[&str], &[&str], &str, &str)> = ["Tennis", "Politik", "Économie", "Music"]
            .iter()
            .map(|c| (std::slice::from_ref(c), &[][..], "", ""))
            .collect();
        check(&scattered, &[Topic::Politics, Topic::Business, Topic::Sports]);
    }

    #[test]
    fn words_when_nothing_is_filed() {
        check(
            &[
                (&[], &[], "https://x.com/a", "Senate passes election bill as voters wait"),
                (&[], &[], "https://y.com/b", "Lawmakers vote on the bill"),
            ],
            &[Topic::Politics],
        );
        check(&[(&[], &[], "https://x.com/a", "A quiet day")], &[]);
        check(
            &[(&["Miscellaneous"], &[], "https://x.com/a", "Striker scores late goal in cup match")],
            &[Topic::Sports],
        );
    }

    #[test]
    fn names_round_trip() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.as_str()), Some(topic));
        }
        assert_eq!(Topic::parse("nonsense"), None);
    }

    #[test]
    fn odd_text_has_no_topic_and_no_panic() {
        check(&[(&["\u{200b}", ""], &["\u{202e}"], "not a url", "\u{a0}:")], &[]);
        check(&[(&["意見"], &[], "https://例え.jp/意見/x", "ÀÉÎ ǅ ß")], &[]);
    }
}
