//! Reading path and query parameters strictly: a malformed value is a 400
//! that names the parameter and says what was expected.

use chrono::{DateTime, NaiveDate, Utc};
use parallax_core::{Factuality, LeanBucket, OutletLean};
use parallax_store::StoryCursor;

use crate::error::{AppError, ErrorCode};
use crate::outlets::OutletInfo;

/// A request's query parameters in order.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn new(pairs: Vec<(String, String)>) -> Params {
        Params(pairs)
    }

    /// The parameter's value; given twice is an error, since which one was
    /// meant cannot be known.
    pub fn get(&self, name: &'static str) -> Result<Option<&str>, AppError> {
        let mut values = self.0.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(AppError::bad_as(ErrorCode::RepeatedParameter, name, "is given more than once"));
        }
        Ok(first)
    }

    /// The API refuses parameters it does not know: a typo (`limt=5`)
    /// should not silently return something else.
    pub fn reject_unknown(&self, known: &[&str]) -> Result<(), AppError> {
        match self.0.iter().find(|(key, _)| !known.contains(&key.as_str())) {
            Some((key, _)) => Err(AppError::bad_as(
                ErrorCode::UnknownParameter,
                key,
                format!("is not a parameter of this endpoint; it takes {}", known.join(", ")),
            )),
            None => Ok(()),
        }
    }
}

pub fn story_id(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::bad("id", format!("must be a story id (a positive integer), not {raw:?}")))
}

pub fn limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize, AppError> {
    let Some(raw) = raw else { return Ok(default) };
    raw.parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| AppError::bad("limit", format!("must be an integer from 1 to {max}, not {raw:?}")))
}

/// Cursors are opaque to clients; inside they are `UPDATED-ID`.
pub fn encode_cursor(cursor: StoryCursor) -> String {
    format!("{}-{}", cursor.last_updated.timestamp(), cursor.id)
}

pub fn cursor(raw: &str) -> Result<StoryCursor, AppError> {
    let parsed = raw.rsplit_once('-').and_then(|(time, id)| {
        let last_updated = DateTime::from_timestamp(time.parse().ok()?, 0)?;
        Some(StoryCursor { last_updated, id: id.parse().ok()? })
    });
    parsed.ok_or_else(|| AppError::bad("cursor", "is not a cursor this API returned (use next_cursor as given)"))
}

pub fn side(parameter: &'static str, raw: &str) -> Result<LeanBucket, AppError> {
    match raw {
        "left" => Ok(LeanBucket::Left),
        "center" => Ok(LeanBucket::Center),
        "right" => Ok(LeanBucket::Right),
        _ => Err(AppError::bad(parameter, format!("must be left, center or right, not {raw:?}"))),
    }
}

/// RFC 3339 (`2026-03-10T12:00:00Z`) or a date (`2026-03-10`, midnight UTC).
pub fn since(raw: &str) -> Result<DateTime<Utc>, AppError> {
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Ok(time.to_utc());
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc())
        .ok_or_else(|| AppError::bad("since", format!("must be an RFC 3339 time or a YYYY-MM-DD date, not {raw:?}")))
}

/// An ISO 639-1 (or 639-3) code.
pub fn language(raw: &str) -> Result<String, AppError> {
    let ok = (2..=3).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphabetic());
    if ok {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(AppError::bad("language", format!("must be a language code such as en or fr, not {raw:?}")))
    }
}

/// An outlet's domain (`nytimes.com`); case is ignored.
pub fn domain(parameter: &'static str, raw: &str) -> Result<String, AppError> {
    let lower = raw.trim().to_ascii_lowercase();
    let ok = !lower.is_empty()
        && lower.len() <= 253
        && lower.contains('.')
        && lower.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !lower.starts_with('.')
        && !lower.ends_with('.');
    if ok {
        Ok(lower)
    } else {
        Err(AppError::bad(parameter, format!("must be a domain such as example.com, not {raw:?}")))
    }
}

/// A search cursor: how many results the previous pages held.
pub fn offset(raw: &str) -> Result<usize, AppError> {
    let digits = !raw.is_empty() && raw.len() <= 9 && raw.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| raw.parse::<usize>().ok())
        .flatten()
        .ok_or_else(|| AppError::bad("cursor", "is not a cursor this API returned (use next_cursor as given)"))
}

/// Where an outlet stands, as the outlet list filters it.
pub fn stance(raw: &str) -> Result<OutletLean, AppError> {
    match raw {
        "left" => Ok(OutletLean::Side(LeanBucket::Left)),
        "center" => Ok(OutletLean::Side(LeanBucket::Center)),
        "right" => Ok(OutletLean::Side(LeanBucket::Right)),
        "disputed" => Ok(OutletLean::Disputed),
        "unrated" => Ok(OutletLean::Unrated),
        _ => Err(AppError::bad("lean", format!("must be left, center, right, disputed or unrated, not {raw:?}"))),
    }
}

/// A factuality label (`very-high` … `very-low`).
pub fn factuality(raw: &str) -> Result<Factuality, AppError> {
    serde_json::from_value(serde_json::Value::String(raw.to_string())).map_err(|_| {
        AppError::bad(
            "factuality",
            format!("must be very-high, high, mostly-factual, mixed, low or very-low, not {raw:?}"),
        )
    })
}

/// A country as the providers write it (`US`, `United Kingdom`); compared
/// without case.
pub fn country(raw: &str) -> Result<String, AppError> {
    let text = raw.trim();
    let ok = !text.is_empty() && text.chars().count() <= 60 && !text.chars().any(char::is_control);
    if ok {
        Ok(text.to_lowercase())
    } else {
        Err(AppError::bad("country", format!("must be a country code or name such as US, not {raw:?}")))
    }
}

/// What the outlet list keeps.
#[derive(Debug, Clone, Default)]
pub struct OutletFilter {
    pub lean: Option<OutletLean>,
    pub factuality: Option<Factuality>,
    /// Lower case.
    pub country: Option<String>,
    /// Found in the domain or the name, without case.
    pub text: Option<String>,
}

impl OutletFilter {
    pub fn matches(&self, info: &OutletInfo) -> bool {
        let text = self.text.as_ref().map(|t| t.to_lowercase());
        self.lean.is_none_or(|lean| info.profile.stance() == lean)
            && self.factuality.is_none_or(|f| info.profile.factuality == Some(f))
            && self.country.as_ref().is_none_or(|c| info.country.as_ref().is_some_and(|own| own.to_lowercase() == *c))
            && text.is_none_or(|t| {
                info.domain.contains(&t) || info.name.as_ref().is_some_and(|name| name.to_lowercase().contains(&t))
            })
    }
}

/// A search query: required, trimmed, not too long.
pub fn query_text(raw: Option<&str>, max_chars: usize) -> Result<String, AppError> {
    let text = raw.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(AppError::bad_as(ErrorCode::MissingParameter, "q", "is required: the words to search for"));
    }
    if text.chars().count() > max_chars {
        return Err(AppError::bad("q", format!("is longer than {max_chars} characters")));
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: std::fmt::Debug + PartialEq>(result: Result<T, AppError>, expected: Result<T, &str>) {
        match (result, expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(got), Err(want)) => assert_eq!(got.to_string(), want),
            (got, want) => panic!("got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn parameters_are_validated_and_named() {
        check(story_id("42"), Ok(42));
        check(story_id("abc"), Err("parameter 'id' must be a story id (a positive integer), not \"abc\""));
        check(story_id("-1"), Err("parameter 'id' must be a story id (a positive integer), not \"-1\""));
        check(limit(None, 20, 100), Ok(20));
        check(limit(Some("101"), 20, 100), Err("parameter 'limit' must be an integer from 1 to 100, not \"101\""));
        check(side("blindspot", "right"), Ok(LeanBucket::Right));
        check(side("blindspot", "up"), Err("parameter 'blindspot' must be left, center or right, not \"up\""));
        check(language("EN"), Ok("en".to_string()));
        check(
            language("english"),
            Err("parameter 'language' must be a language code such as en or fr, not \"english\""),
        );
        check(domain("outlet", "NYTimes.com"), Ok("nytimes.com".to_string()));
        check(domain("outlet", "<x>"), Err("parameter 'outlet' must be a domain such as example.com, not \"<x>\""));
        check(query_text(Some("  "), 10), Err("parameter 'q' is required: the words to search for"));
        check(since("2026-03-10").map(|t| t.timestamp()), Ok(1_773_100_800));
        check(
            since("yesterday").map(|t| t.timestamp()),
            Err("parameter 'since' must be an RFC 3339 time or a YYYY-MM-DD date, not \"yesterday\""),
        );
    }

    #[test]
    fn cursors_round_trip() {
        let cursor_value =
            StoryCursor { last_updated: DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default(), id: 7 };
        check(cursor(&encode_cursor(cursor_value)), Ok(cursor_value));
        check(cursor("7"), Err("parameter 'cursor' is not a cursor this API returned (use next_cursor as given)"));
    }

    #[test]
    fn repeated_and_unknown_parameters_are_refused() {
        let params =
            Params::new(vec![("limit".into(), "1".into()), ("limit".into(), "2".into()), ("x".into(), "".into())]);
        check(params.get("limit").map(|v| v.map(str::to_string)), Err("parameter 'limit' is given more than once"));
        check(
            params.reject_unknown(&["limit"]),
            Err("parameter 'x' is not a parameter of this endpoint; it takes limit"),
        );
    }
}
