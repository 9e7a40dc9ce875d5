//! Publication dates: lenient parsing, and the rules that replace a date
//! nobody should believe with the fetch time.

mod months;

use std::borrow::Cow;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use parallax_core::DateFlag;

/// What the timestamp parser gives for a date element whose text it cannot
/// read. This stand-in survives into the entry (feed-rs, for JSON Feed,
/// would drop an unparsable date silently), so "had a date, but garbage"
/// stays distinguishable from "had no date".
pub(crate) const UNPARSABLE: DateTime<Utc> = DateTime::<Utc>::MIN_UTC;

/// News feeds did not exist before 1995; an earlier date is a default
/// value (`1970-01-01`, `0001-01-01`) or a broken template.
fn earliest_plausible() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(1995, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The timestamp parser of every date element: `None` for an empty one,
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

/// Reads the date formats feeds actually use: RFC 3339 (Atom, JSON Feed,
/// and many RSS feeds despite the spec), RFC 2822 (RSS) with the usual
/// deviations (full month or weekday names, wrong weekday, single-digit
/// hours, `UTC` or European zone names, no zone at all), the same written
/// in another language (`Вт, 07 мая 2024`, `Τρι, 29 Ιούν 2004`,
/// `الثلاثاء، ٠٧ مايو ٢٠٢٤`, `7 de mayo de 2024`), and bare ISO dates and
/// times (taken as UTC).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    parse_loose_rfc2822(text).or_else(|| parse_iso_like(text))
}

/// Words between the parts of a date in some languages (`7 de mayo de
/// 2024`, `7 мая 2024 г.`), which carry nothing.
const FILLER_WORDS: [&str; 7] = ["de", "del", "di", "at", "um", "г", "года"];

fn parse_loose_rfc2822(text: &str) -> Option<DateTime<Utc>> {
    let text = western_digits(text);
    let mut text = text.as_ref().to_string();
    for (two_words, token) in months::TWO_WORD_MONTHS {
        if text.contains(two_words) {
            text = text.replace(two_words, token);
        }
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == '،')
        .map(|word| word.trim_end_matches('.'))
        .filter(|word| !word.is_empty() && !FILLER_WORDS.iter().any(|filler| filler.eq_ignore_ascii_case(word)))
        .collect();
    let month_of =
        |word: &str| (!word.chars().any(|c| c.is_ascii_digit())).then(|| months::month_number(word)).flatten();
    let months_named = tokens.iter().filter(|word| month_of(word).is_some()).count();
    let mut words: Vec<String> = Vec::with_capacity(tokens.len());
    for (index, word) in tokens.iter().enumerate() {
        let has_digit = word.chars().any(|c| c.is_ascii_digit());
        // A leading word without digits is the weekday, in whatever
        // language (it is often wrong anyway, so it is never checked),
        // unless it is the only month named (`May 7 2024`); French `mar.`
        // is Tuesday before it is March.
        if index == 0 && !has_digit && (month_of(word).is_none() || months_named > 1) {
            continue;
        }
        match month_of(word) {
            Some(month) => words.push(ENGLISH_MONTHS[month as usize - 1].to_string()),
            None => words.push(normalise_word(word)),
        }
    }
    let normalised = words.join(" ");
    for format in ["%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z", "%b %d %Y %H:%M:%S %z", "%b %d %Y %H:%M %z"] {
        if let Ok(date) = DateTime::parse_from_str(&normalised, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    // Dates without a zone are read as UTC, as ISO dates without one are.
    for format in ["%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%b %d %Y %H:%M:%S", "%b %d %Y %H:%M"] {
        if let Ok(date) = NaiveDateTime::parse_from_str(&normalised, format) {
            return Some(date.and_utc());
        }
    }
    for format in ["%d %b %Y", "%b %d %Y"] {
        if let Some(date) = NaiveDate::parse_from_str(&normalised, format).ok().and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Some(date.and_utc());
        }
    }
    DateTime::parse_from_rfc2822(&normalised).ok().map(|date| date.with_timezone(&Utc))
}

const ENGLISH_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Arabic-Indic and Persian digits as ASCII digits, which chrono reads.
fn western_digits(text: &str) -> Cow<'_, str> {
    let is_eastern = |c: char| matches!(c, '\u{660}'..='\u{669}' | '\u{6f0}'..='\u{6f9}');
    if !text.chars().any(is_eastern) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{660}'..='\u{669}' => char::from(b'0' + (c as u32 - 0x660) as u8),
                '\u{6f0}'..='\u{6f9}' => char::from(b'0' + (c as u32 - 0x6f0) as u8),
                other => other,
            })
            .collect(),
    )
}

/// Pads one-digit hours and turns zone names into offsets.
fn normalise_word(word: &str) -> String {
    if let Some((_, offset)) = ZONE_ABBREVIATIONS.iter().find(|(name, _)| name.eq_ignore_ascii_case(word)) {
        return (*offset).to_string();
    }
    let mut chars = word.chars();
    if let (Some(hour), Some(':')) = (chars.next(), chars.next())
        && hour.is_ascii_digit()
    {
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
    fn reads_dates_written_in_other_languages() {
        let noon = Some("2024-05-07T12:00:00+00:00");
        check("Вт, 07 мая 2024 15:00:00 +0300", noon);
        check("вторник, 7 мая 2024 г. 12:00", noon);
        check("Τρι, 07 Μαΐου 2024 15:00:00 +0300", noon);
        check("Τρίτη, 7 Μαΐ 2024 12:00:00 GMT", noon);
        check("الثلاثاء، 07 مايو 2024 15:00:00 +0300", noon);
        check("الثلاثاء، ٠٧ أيار ٢٠٢٤ ١٢:٠٠:٠٠ GMT", noon);
        check("Di, 07 Mai 2024 14:00:00 +0200", noon);
        check("mar., 07 mai 2024 14:00:00 +0200", noon);
        check("martes, 7 de mayo de 2024 12:00:00 GMT", noon);
        check("wt., 07 maja 2024 14:00:00 +0200", noon);
        check("Sal, 07 Mayıs 2024 15:00:00 +0300", noon);
        check("7. toukokuuta 2024 12:00", noon);
        check("Τρι, 29 Ιούν 2004 12:53:00 GMT", Some("2004-06-29T12:53:00+00:00"));
        check("ثلاثاء، 07 تشرين الأول 2024 12:00:00 GMT", Some("2024-10-07T12:00:00+00:00"));
    }

    /// Regression: `word[..3]` on a Cyrillic or Greek weekday panicked and
    /// cost the feed every entry (feedparser's `http_high_bit_date.xml`).
    #[test]
    fn non_ascii_words_never_panic() {
        for text in
            ["Вт, 07 мая 2024 12:00:00 +0300", "Πέμ", "é", "ab\u{301}c 1", "日曜日, 07 5月 2024", "\u{0}", "١:٢"]
        {
            let _ = parse_date(text);
            let _ = feed_timestamp(text);
        }
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
