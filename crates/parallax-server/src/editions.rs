//! Editions: saved filters by the country of the covering outlets and the
//! language of the articles (`?edition=us`, `?lang=de`), configured in the
//! `[server.editions]` table of `parallax.toml`, with one the home page
//! shows by default.

use parallax_core::Topic;
use parallax_store::StoryFilter;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::params::{self, Params};

/// One edition: the stories covered by an outlet from one of `countries`
/// (by the outlet data: a rating file's country, else the domain's
/// country-code top-level domain) and, when `language` is set, with an
/// article in that language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// Its name in URLs: `?edition=us`, `/editions/us`.
    pub id: String,
    /// Its name in the navigation.
    pub name: String,
    /// ISO 3166-1 alpha-2 codes or country names; empty: any country.
    #[serde(default)]
    pub countries: Vec<String>,
    /// ISO 639-1 code of the articles; unset: any language.
    #[serde(default)]
    pub language: Option<String>,
}

/// `[server.editions]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EditionsConfig {
    /// The edition `/` shows; empty (the default): every story.
    pub default: String,
    /// The editions offered in the navigation, in order.
    pub list: Vec<Edition>,
}

fn edition(id: &str, name: &str, countries: &[&str], language: Option<&str>) -> Edition {
    Edition {
        id: id.to_string(),
        name: name.to_string(),
        countries: countries.iter().map(|c| c.to_string()).collect(),
        language: language.map(str::to_string),
    }
}

impl Default for EditionsConfig {
    /// The countries the bundled outlet list covers most.
    fn default() -> Self {
        EditionsConfig {
            default: String::new(),
            list: vec![
                edition("us", "United States", &["us"], None),
                edition("gb", "United Kingdom", &["gb", "ie"], None),
                edition("ca", "Canada", &["ca"], None),
                edition("au", "Australia", &["au", "nz"], None),
                edition("in", "India", &["in"], None),
                edition("de", "Deutschland", &["de", "at", "ch"], Some("de")),
                edition("fr", "France", &["fr", "be"], Some("fr")),
                edition("es", "España", &["es"], Some("es")),
                edition("it", "Italia", &["it"], Some("it")),
            ],
        }
    }
}

impl EditionsConfig {
    pub fn find(&self, id: &str) -> Option<&Edition> {
        self.list.iter().find(|edition| edition.id == id)
    }

    /// The configured default edition, if one is set and listed.
    pub fn default_edition(&self) -> Option<&Edition> {
        if self.default.is_empty() { None } else { self.find(&self.default) }
    }

    pub fn edition(&self, raw: &str) -> Result<&Edition, AppError> {
        self.find(raw).ok_or_else(|| {
            let known: Vec<&str> = self.list.iter().map(|e| e.id.as_str()).collect();
            AppError::bad("edition", format!("must be one of {}, not {raw:?}", known.join(", ")))
        })
    }
}

/// `?edition=all`: no edition, even where the instance has a default.
pub const ALL_EDITIONS: &str = "all";

/// What a listing is narrowed to by a request's `topic`, `edition` and
/// `lang` parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListScope {
    pub topic: Option<Topic>,
    pub edition: Option<Edition>,
    pub language: Option<String>,
}

impl ListScope {
    /// Reads `edition` and `lang` (and `topic` when `with_topic`); with
    /// neither edition nor language given, `fallback` is the edition.
    pub fn from_params(
        params: &Params,
        editions: &EditionsConfig,
        with_topic: bool,
        fallback: Option<&Edition>,
    ) -> Result<ListScope, AppError> {
        let topic = if with_topic { params.get("topic")?.map(topic).transpose()? } else { None };
        let raw_edition = params.get("edition")?;
        // `all`: every story, whatever the default edition.
        let all = raw_edition == Some(ALL_EDITIONS);
        let edition = raw_edition.filter(|_| !all).map(|raw| editions.edition(raw).cloned()).transpose()?;
        let language = params.get("lang")?.map(params::language).transpose()?;
        let unscoped = edition.is_none() && language.is_none() && !all;
        let edition = if unscoped { fallback.cloned() } else { edition };
        Ok(ListScope { topic, edition, language })
    }

    pub fn filter(&self) -> StoryFilter {
        let countries = self.edition.as_ref().map_or_else(Vec::new, |e| {
            e.countries.iter().filter_map(|c| parallax_core::country::country_code(c)).collect()
        });
        let language = self.language.clone().or_else(|| self.edition.as_ref().and_then(|e| e.language.clone()));
        StoryFilter { topic: self.topic, countries, language, ..StoryFilter::default() }
    }

    /// The query string that keeps this scope on links (`?edition=us`).
    pub fn query(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(edition) = &self.edition {
            pairs.push(format!("edition={}", edition.id));
        }
        if let Some(language) = &self.language {
            pairs.push(format!("lang={language}"));
        }
        if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
    }

    /// "Technology · United States · de".
    pub fn label(&self) -> String {
        let parts: Vec<String> = [
            self.topic.map(|t| t.label().to_string()),
            self.edition.as_ref().map(|e| e.name.clone()),
            self.language.as_ref().map(|l| format!("in {l}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(" · ")
    }
}

/// The API's `topic`, `edition` and `country` parameters narrow `filter`:
/// an edition brings its countries (and its language, unless `language`
/// was given), `country` adds one.
pub fn narrow_api_filter(params: &Params, editions: &EditionsConfig, filter: &mut StoryFilter) -> Result<(), AppError> {
    filter.topic = params.get("topic")?.map(topic).transpose()?;
    if let Some(raw) = params.get("edition")? {
        let scope = ListScope { edition: Some(editions.edition(raw)?.clone()), ..ListScope::default() }.filter();
        filter.countries = scope.countries;
        filter.language = filter.language.take().or(scope.language);
    }
    if let Some(raw) = params.get("country")? {
        let code = parallax_core::country::country_code(raw)
            .ok_or_else(|| AppError::bad("country", format!("must be a country code such as us or de, not {raw:?}")))?;
        filter.countries.push(code);
    }
    Ok(())
}

/// A topic's name, as in `/topics/{topic}` and `?topic=`.
pub fn topic(raw: &str) -> Result<Topic, AppError> {
    Topic::parse(raw).ok_or_else(|| {
        let known: Vec<&str> = Topic::ALL.iter().map(|t| t.as_str()).collect();
        AppError::bad("topic", format!("must be one of {}, not {raw:?}", known.join(", ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_editions_languages_and_topics() {
        let editions = EditionsConfig::default();
        let params = Params::new(vec![("edition".into(), "de".into()), ("topic".into(), "sports".into())]);
        let scope = ListScope::from_params(&params, &editions, true, None).expect("scope");
        let filter = scope.filter();
        assert_eq!(filter.topic, Some(Topic::Sports));
        assert_eq!(filter.countries, ["de", "at", "ch"]);
        assert_eq!(filter.language.as_deref(), Some("de"));
        assert_eq!(scope.query(), "?edition=de");

        let fallback = editions.find("us");
        let scope = ListScope::from_params(&Params::default(), &editions, true, fallback).expect("default");
        assert_eq!(scope.filter().countries, ["us"], "the default edition applies");
        let params = Params::new(vec![("lang".into(), "FR".into())]);
        let scope = ListScope::from_params(&params, &editions, true, fallback).expect("lang");
        assert_eq!((scope.edition, scope.language.as_deref()), (None, Some("fr")), "a language replaces it");
        let params = Params::new(vec![("edition".into(), "all".into())]);
        let scope = ListScope::from_params(&params, &editions, true, fallback).expect("all");
        assert_eq!(scope, ListScope::default(), "all: every story");

        let params = Params::new(vec![("edition".into(), "xx".into())]);
        let error = ListScope::from_params(&params, &editions, true, None).expect_err("unknown");
        assert!(error.to_string().contains("must be one of us, gb"), "{error}");
        let params = Params::new(vec![("topic".into(), "gossip".into())]);
        assert!(ListScope::from_params(&params, &editions, true, None).is_err());
    }
}
