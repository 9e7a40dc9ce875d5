//! Kagi News' open data: `kite_feeds.json` (feed URLs by category) and
//! `media_data.json` (organisations with their domains, owner, typology).

use crate::collect::{Collector, domains};
use crate::labels;
use crate::text::{self, LineIndex};
use parallax_core::FeedSource;
use serde::Deserialize;
use serde_json::value::RawValue;

const PROVIDER: &str = "kite";
/// `media_data.json` carries no version of its own; this is the
/// kagisearch/kite-public commit the project's data snapshot comes from.
/// Bump it together with the snapshot.
const MEDIA_SNAPSHOT: &str = "c4fc3b5";

#[derive(Deserialize)]
struct Category<'a> {
    source_language: Option<String>,
    #[serde(borrow, default)]
    feeds: Vec<&'a RawValue>,
}

/// One feed per distinct URL. Kite lists some feeds under several
/// categories: they are merged, keeping every category; the category's
/// `source_language` becomes the feed's language unless the listings
/// disagree. Categories are read in file order (Kite's own order).
pub fn read_feeds(text: &str, out: &mut Collector) -> Result<(), String> {
    let categories = ordered_entries(text).map_err(|e| e.to_string())?;
    let lines = LineIndex::new(text);
    for (name, raw) in categories {
        out.at_entry(Some(format!("{name:?}")));
        let line = lines.line_of_slice(text, raw.get());
        let category: Category = match serde_json::from_str(raw.get()) {
            Ok(category) => category,
            Err(e) => {
                out.diagnostic(line, format!("unreadable category: {e}; skipped"));
                continue;
            }
        };
        let language =
            category.source_language.as_deref().and_then(|tag| out.label(line, "language", tag, labels::language));
        for (index, raw_feed) in category.feeds.into_iter().enumerate() {
            out.at_entry(Some(format!("{name:?} feeds[{index}]")));
            let line = lines.line_of_slice(text, raw_feed.get());
            let Ok(url) = serde_json::from_str::<String>(raw_feed.get()) else {
                out.diagnostic(line, format!("feed {} is not a string; skipped", raw_feed.get()));
                continue;
            };
            let url = url.trim().to_string();
            let outlet = match domains::from_url(&url) {
                Ok(outlet) => outlet,
                Err(reason) => {
                    out.diagnostic(line, format!("{reason}; feed skipped"));
                    continue;
                }
            };
            let feed =
                FeedSource { url, outlet, title: None, language: language.clone(), categories: vec![name.clone()] };
            out.feed(line, feed);
        }
    }
    out.at_entry(None);
    Ok(())
}

/// The top-level object's entries in file order: `serde_json::Map` sorts
/// its keys, but Kite's category order is meaningful to people reading it.
fn ordered_entries(text: &str) -> Result<Vec<(String, &RawValue)>, serde_json::Error> {
    struct Entries<'a>(Vec<(String, &'a RawValue)>);
    impl<'de> Deserialize<'de> for Entries<'de> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct Visit;
            impl<'de> serde::de::Visitor<'de> for Visit {
                type Value = Entries<'de>;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an object of categories")
                }
                fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                    let mut entries = Vec::new();
                    while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                        entries.push(entry);
                    }
                    Ok(Entries(entries))
                }
            }
            deserializer.deserialize_map(Visit)
        }
    }
    serde_json::from_str::<Entries>(text).map(|entries| entries.0)
}

#[derive(Deserialize)]
struct Organisation {
    organization: Option<String>,
    country: Option<String>,
    #[serde(default)]
    domains: Vec<String>,
    owner: Option<String>,
    typology: Option<String>,
}

/// One rating per listed domain, provider `kite`: owner, typology as the
/// ownership type, country. A domain listed by two organisations keeps the
/// first.
pub fn read_media(text: &str, out: &mut Collector) -> Result<(), String> {
    let entries: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let lines = LineIndex::new(text);
    for (index, raw) in entries.into_iter().enumerate() {
        out.at_entry(Some(format!("[{index}]")));
        let line = lines.line_of_slice(text, raw.get());
        let organisation: Organisation = match serde_json::from_str(raw.get()) {
            Ok(organisation) => organisation,
            Err(e) => {
                out.diagnostic(line, format!("unreadable organisation: {e}; skipped"));
                continue;
            }
        };
        let name = organisation.organization.as_deref().and_then(text::field);
        if organisation.domains.is_empty() {
            out.diagnostic(line, format!("{:?} lists no domain; skipped", name.unwrap_or_default()));
            continue;
        }
        for listed in &organisation.domains {
            let domain = match domains::from_column(listed) {
                Ok(domain) => domain,
                Err(reason) => {
                    out.diagnostic(line, format!("{reason}; skipped"));
                    continue;
                }
            };
            let mut rating = out.blank_rating(&domain, PROVIDER, MEDIA_SNAPSHOT);
            rating.outlet_name = name.clone();
            rating.owner = organisation.owner.as_deref().and_then(text::field);
            rating.ownership = organisation.typology.as_deref().and_then(text::field);
            rating.country = organisation.country.as_deref().and_then(text::field);
            out.rating(line, rating);
        }
    }
    out.at_entry(None);
    Ok(())
}
