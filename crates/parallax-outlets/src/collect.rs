//! Accumulates what a reader finds and enforces the crate-wide rules: one
//! rating per `(outlet, provider, version)`, one feed per URL, every outlet a
//! rating or feed names is listed, output order is stable.

use crate::Import;
use crate::labels::{Mapped, Unknown};
use crate::text;
use parallax_core::{Diagnostic, FeedSource, Outlet, Rating};
use std::collections::{BTreeMap, HashMap, HashSet};

pub struct Collector {
    source: String,
    source_file: String,
    outlets: BTreeMap<String, Option<String>>,
    ratings: Vec<Rating>,
    rating_lines: HashMap<(String, String, String), Option<usize>>,
    feeds: Vec<FeedSource>,
    feed_index: HashMap<String, usize>,
    feeds_with_conflicting_language: HashSet<usize>,
    diagnostics: Vec<Diagnostic>,
    entry: Option<String>,
}

impl Collector {
    pub fn new(file_name: &str) -> Self {
        Collector {
            source: file_name.to_string(),
            source_file: text::base_name(file_name).to_string(),
            outlets: BTreeMap::new(),
            ratings: Vec::new(),
            rating_lines: HashMap::new(),
            feeds: Vec::new(),
            feed_index: HashMap::new(),
            feeds_with_conflicting_language: HashSet::new(),
            diagnostics: Vec::new(),
            entry: None,
        }
    }

    /// The file's base name, recorded as every rating's `source_file`.
    pub fn source_file(&self) -> &str {
        &self.source_file
    }

    /// Names the JSON entry being read (`sources[12]`); diagnostics are
    /// prefixed with it until the next call. Line numbers alone do not
    /// place an entry in a JSON file written on one line.
    pub fn at_entry(&mut self, entry: Option<String>) {
        self.entry = entry;
    }

    pub fn diagnostic(&mut self, line: Option<usize>, message: impl Into<String>) {
        let message = match &self.entry {
            Some(entry) => format!("{entry}: {}", message.into()),
            None => message.into(),
        };
        self.diagnostics.push(Diagnostic { source: self.source.clone(), line, message });
    }

    /// Maps a provider's label, reporting an unknown one: the field is then
    /// skipped and the rest of the entry still imports.
    pub fn label<T>(&mut self, line: Option<usize>, kind: &str, value: &str, map: fn(&str) -> Mapped<T>) -> Option<T> {
        match map(value) {
            Ok(mapped) => mapped,
            Err(Unknown) => {
                self.diagnostic(line, format!("unknown {kind} label {:?}; {kind} skipped", value.trim()));
                None
            }
        }
    }

    /// Lists an outlet; the first name given for a domain is kept.
    pub fn outlet(&mut self, domain: &str, name: Option<&str>) {
        let entry = self.outlets.entry(domain.to_string()).or_default();
        if entry.is_none() {
            *entry = name.map(str::to_string);
        }
    }

    /// A rating template for this file: provenance filled in, every value
    /// empty.
    pub fn blank_rating(&self, outlet: &str, provider: &str, version: &str) -> Rating {
        Rating {
            outlet: outlet.to_string(),
            provider: provider.to_string(),
            version: version.to_string(),
            source_file: self.source_file.clone(),
            ..Rating::default()
        }
    }

    /// Adds a rating unless one with the same key was already read: the
    /// first entry in the file wins so the result does not depend on how
    /// later duplicates happen to be ordered.
    pub fn rating(&mut self, line: Option<usize>, rating: Rating) {
        let key = (rating.outlet.clone(), rating.provider.clone(), rating.version.clone());
        if let Some(first_line) = self.rating_lines.get(&key) {
            let first = match first_line {
                Some(first_line) => format!(" (first at line {first_line})"),
                None => String::new(),
            };
            let message =
                format!("duplicate rating of {} by {} version {}{first}; this one skipped", key.0, key.1, key.2);
            self.diagnostic(line, message);
            return;
        }
        self.rating_lines.insert(key, line);
        self.outlet(&rating.outlet, rating.outlet_name.as_deref());
        self.ratings.push(rating);
    }

    /// Adds a feed, or merges it into the feed already read with the same
    /// URL: categories are united in order of appearance; when the language
    /// differs between listings the feed's language is unknown.
    pub fn feed(&mut self, line: Option<usize>, feed: FeedSource) {
        self.outlet(&feed.outlet, None);
        let Some(&index) = self.feed_index.get(&feed.url) else {
            self.feed_index.insert(feed.url.clone(), self.feeds.len());
            self.feeds.push(feed);
            return;
        };
        let known = &mut self.feeds[index];
        for category in feed.categories {
            if !known.categories.contains(&category) {
                known.categories.push(category);
            }
        }
        if known.title.is_none() {
            known.title = feed.title;
        }
        let Some(language) = feed.language else {
            return;
        };
        if self.feeds_with_conflicting_language.contains(&index) {
            return;
        }
        match known.language.take() {
            None => known.language = Some(language),
            Some(first) if first == language => known.language = Some(first),
            Some(first) => {
                self.feeds_with_conflicting_language.insert(index);
                let message =
                    format!("feed {} is listed as {first} and as {language}; its language is left unset", known.url);
                self.diagnostic(line, message);
            }
        }
    }

    pub fn has_rating_for(&self, outlet: &str, provider: &str, version: &str) -> bool {
        self.rating_lines.contains_key(&(outlet.to_string(), provider.to_string(), version.to_string()))
    }

    pub fn ratings(&self) -> &[Rating] {
        &self.ratings
    }

    pub fn finish(mut self) -> Import {
        // Readers that group rows report some problems after a second pass;
        // a stable sort by line restores file order, file-wide notes first.
        self.diagnostics.sort_by_key(|d| d.line.unwrap_or(0));
        Import {
            outlets: self.outlets.into_iter().map(|(domain, name)| Outlet { domain, name }).collect(),
            ratings: self.ratings,
            feeds: self.feeds,
            diagnostics: self.diagnostics,
        }
    }
}

/// Outlet domains from the two places they come from, both mapped by the
/// one rule of [`parallax_core::outlet_domain`]: a provider's domain column,
/// and the host of a homepage or feed URL.
pub mod domains {
    use parallax_core::outlet_domain;

    /// The outlet a provider's domain column names (`www1.cbn.com` ->
    /// `cbn.com`, `files.gao.gov` -> `gao.gov`, `abcnews.go.com` stays). A
    /// value with a path rates a section of a site, not an outlet, and is
    /// refused with the reason.
    pub fn from_column(value: &str) -> Result<String, String> {
        let value = value.trim();
        if value.contains("://") {
            return from_url(value);
        }
        let host = parallax_core::domain::normalise_host(value);
        if let Some((site, _)) = host.split_once(['/', '?', '#']) {
            return Err(format!("{value:?} rates a section of {site}, not a whole outlet"));
        }
        match url::Host::parse(&host) {
            Ok(url::Host::Domain(domain)) if is_domain(&domain) => Ok(outlet_domain(&domain)),
            _ => Err(format!("{value:?} is not a domain")),
        }
    }

    /// The outlet a homepage or feed URL belongs to, by the same rule. No
    /// outlet registry is consulted: an import must not depend on what was
    /// imported before.
    pub fn from_url(url: &str) -> Result<String, String> {
        let parsed = url::Url::parse(url.trim()).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("{url:?} is not an http(s) URL"));
        }
        let host =
            parsed.host_str().filter(|host| is_domain(host)).ok_or_else(|| format!("{url:?} has no domain name"))?;
        Ok(outlet_domain(host))
    }

    fn is_domain(host: &str) -> bool {
        let labels: Vec<&str> = host.split('.').collect();
        labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels.last().is_some_and(|tld| tld.chars().any(|c| !c.is_ascii_digit()))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn columns_and_urls_map_one_host_to_one_outlet() {
            // The regression: a rated www1.cbn.com and an unrated cbn.com.
            for value in ["www1.cbn.com", "www.cbn.com", "cbn.com", "https://www1.cbn.com/", "http://www.cbn.com"] {
                assert_eq!(from_column(value), Ok("cbn.com".into()), "{value}");
            }
            assert_eq!(from_url("https://www1.cbn.com/"), Ok("cbn.com".into()));
            assert_eq!(from_column("files.gao.gov"), Ok("gao.gov".into()));
            assert_eq!(from_url("https://files.gao.gov/"), Ok("gao.gov".into()));
        }

        #[test]
        fn columns_refuse_sections_and_non_domains() {
            assert_eq!(from_column(" WWW.NYTimes.com. "), Ok("nytimes.com".into()));
            assert_eq!(from_column("front.moveon.org"), Ok("moveon.org".into()));
            assert_eq!(from_column("abcnews.go.com"), Ok("abcnews.go.com".into()));
            assert_eq!(from_column("https://www.bbc.co.uk/news"), Ok("bbc.co.uk".into()));
            assert!(from_column("al.com/birmingham").is_err());
            assert!(from_column("womensrightsnews").is_err());
            assert!(from_column("com wsavcw.com").is_err());
            assert!(from_column("192.168.0.1").is_err());
        }

        #[test]
        fn urls_map_to_the_registrable_domain() {
            assert_eq!(from_url("http://online.wsj.com/"), Ok("wsj.com".into()));
            assert_eq!(from_url("https://feeds.bbci.co.uk/news/rss.xml"), Ok("bbci.co.uk".into()));
            assert_eq!(from_url("https://abcnews.go.com/"), Ok("abcnews.go.com".into()));
            assert_eq!(from_url("https://news.google.com/rss"), Ok("news.google.com".into()));
            assert!(from_url("opencv.org/feed").is_err());
            assert!(from_url("ftp://example.com/feed").is_err());
            assert!(from_url("http://127.0.0.1/feed").is_err());
        }
    }
}
