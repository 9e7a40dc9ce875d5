//! Publication dates: lenient parsing, and the rules that replace a date
//! nobody should believe with the fetch time.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use parallax_core::DateFlag;

/// What the timestamp parser hands feed-rs for a date element whose text
/// it cannot read. feed-rs drops unparsable dates silently; this stand-in
/// survives into the entry, so "had a date, but garbage" stays
/// distinguishable from "had no date".
pub(crate) const UNPARSABLE: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;

/// News feeds did not exist before 1995; an earlier date is a default
/// value (`1970-01-01`, `0001-01-01`) or a broken template.
fn earliest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1995, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The timestamp parser given to feed-rs: `None` for an empty element,
/// [`UNPARSABLE`] for text that is not a date.
pub(crate) fn feed_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(parse_date(text).unwrap_or(UNPARSABLE))
}

/// Time zone names chrono's RFC 2822 parser does not know but European and
/// Asian feeds write (it knows UT, GMT and the US zones).
const ZONE_ABBREVIATIONS: &[(&str, &str)] = &[
    ("UTC", "+0000"),
    ("Z", "+0000"),
    ("WET", "+0000"),
    ("WEST", "+0100"),
    ("BST", "+0100"),
    ("CET", "+0100"),
    ("MET", "+0100"),
    ("CEST", "+0200"),
    ("MEST", "+0200"),
    ("EET", "+0200"),
    ("EEST", "+0300"),
    ("MSK", "+0300"),
    ("IST", "+0530"),
    ("SGT", "+0800"),
    ("HKT", "+0800"),
    ("AWST", "+0800"),
    ("JST", "+0900"),
    ("KST", "+0900"),
    ("AEST", "+1000"),
    ("AEDT", "+1100"),
    ("NZST", "+1200"),
    ("NZDT", "+1300"),
];

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Reads the date formats feeds actually use: RFC 3339 (Atom, JSON Feed,
/// and many RSS feeds despite the spec), RFC 2822 (RSS) with the usual
/// deviations (full month or weekday names, wrong weekday, single-digit
/// hours, `UTC` or European zone names), and bare ISO dates and times
/// (taken as UTC).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    parse_loose_rfc2822(text).or_else(|| parse_iso_like(text))
}

fn parse_loose_rfc2822(text: &str) -> Option<DateTime<Utc>> {
    let mut words: Vec<String> = Vec::new();
    for (index, word) in text.split_whitespace().enumerate() {
        let word = word.trim_end_matches(',');
        if index == 0 && word.chars().all(char::is_alphabetic) && !is_month(word) {
            continue;
        }
        words.push(normalise_word(word));
    }
    let normalised = words.join(" ");
    for format in ["%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z", "%b %d %Y %H:%M:%S %z"] {
        if let Ok(date) = DateTime::parse_from_str(&normalised, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    DateTime::parse_from_rfc2822(&normalised).ok().map(|date| date.with_timezone(&Utc))
}

fn is_month(word: &str) -> bool {
    word.len() >= 3 && MONTHS.iter().any(|month| word[..3].eq_ignore_ascii_case(month))
}

/// Shortens month names, pads one-digit hours, and turns zone names into
/// offsets.
fn normalise_word(word: &str) -> String {
    if word.len() > 3 && word.is_ascii() && is_month(word) {
        return word[..3].to_string();
    }
    if let Some((_, offset)) = ZONE_ABBREVIATIONS.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)) {
        return (*offset).to_string();
    }
    if word.len() >= 4 && word.as_bytes()[1] == b':' && word.as_bytes()[0].is_ascii_digit() {
        return format!("0{word}");
    }
    word.to_string()
}

fn parse_iso_like(text: &str) -> Option<DateTime<Utc>> {
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f %z"] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    for format in
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S"]
    {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(date.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|date| date.and_utc())
}

/// The article's publication time and, when the feed's own date was not
/// usable, why the fetch time stands in.
///
/// The entry's published date wins, then its updated date (Atom feeds often
/// carry only `updated`). A date after `fetched` plus the tolerance is a
/// time-zone mistake or a scheduled post announced early; a date before
/// 1995 is a default value. Either way sorting by it would bury or pin the
/// article, so the fetch time replaces it.
pub(crate) fn publication_time(
    published: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    fetched: DateTime<Utc>,
    future_tolerance_secs: i64,
) -> (DateTime<Utc>, Option<DateFlag>) {
    let readable = |date: &DateTime<Utc>| *date != UNPARSABLE;
    let chosen = published.filter(readable).or(updated.filter(readable));
    let Some(date) = chosen else {
        let flag = if published.is_some() || updated.is_some() { DateFlag::Unparsable } else { DateFlag::Missing };
        return (fetched, Some(flag));
    };
    if date < earliest_plausible() {
        return (fetched, Some(DateFlag::Unparsable));
    }
    let latest = fetched + Duration::seconds(future_tolerance_secs);
    if date > latest {
        return (fetched, Some(DateFlag::Future));
    }
    (date, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let got = parse_date(text).map(|date| date.to_rfc3339());
        assert_eq!(got.as_deref(), expected, "text: {text:?}");
    }

    #[test]
    fn reads_feed_date_formats() {
        let noon = Some("2024-05-07T12:00:00+00:00");
        check("2024-05-07T12:00:00Z", noon);
        check("2024-05-07T14:00:00+02:00", noon);
        check("Tue, 07 May 2024 12:00:00 GMT", noon);
        check("Tue, 07 May 2024 08:00:00 EDT", noon);
        check("Wed, 07 May 2024 12:00:00 +0000", noon);
        check("Tuesday, 07 May 2024 12:00:00 UTC", noon);
        check("07 May 2024 14:00:00 CEST", noon);
        check("Tue, 7 May 2024 12:00 +0000", noon);
        check("Tue, 07 May 2024 4:00:00 -0800", noon);
        check("2024-05-07T12:00:00+0000", noon);
        check("2024-05-07 12:00:00", noon);
        check("2024-05-07", Some("2024-05-07T00:00:00+00:00"));
    }

    #[test]
    fn rejects_garbage() {
        for text in ["yesterday", "32 Foo 2024", "2024-13-45", "Tue, 07 May"] {
            check(text, None);
        }
        assert_eq!(feed_timestamp("  "), None);
        assert_eq!(feed_timestamp("soon"), Some(UNPARSABLE));
    }

    #[test]
    fn flags_missing_unparsable_old_and_future_dates() {
        let fetched = Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap();
        let date = |y, m, d| Some(Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap());
        let check = |published, updated, expected: (DateTime<Utc>, Option<DateFlag>)| {
            assert_eq!(publication_time(published, updated, fetched, 7200), expected);
        };
        check(date(2024, 5, 1), None, (date(2024, 5, 1).unwrap(), None));
        check(None, date(2024, 5, 2), (date(2024, 5, 2).unwrap(), None));
        check(Some(UNPARSABLE), date(2024, 5, 2), (date(2024, 5, 2).unwrap(), None));
        check(None, None, (fetched, Some(DateFlag::Missing)));
        check(Some(UNPARSABLE), None, (fetched, Some(DateFlag::Unparsable)));
        check(date(1970, 1, 1), None, (fetched, Some(DateFlag::Unparsable)));
        check(date(2030, 1, 1), None, (fetched, Some(DateFlag::Future)));
        let within_tolerance = fetched + Duration::hours(1);
        check(Some(within_tolerance), None, (within_tolerance, None));
    }
}
