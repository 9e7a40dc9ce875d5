//! Reading the response headers that steer when a feed is fetched again.

use std::time::{Duration, SystemTime};

/// The server's Retry-After (delta-seconds or an HTTP-date), clamped to
/// `[min, max]`. A date in the past means "now", which the clamp raises to
/// `min`, so a server cannot make us hammer it. Unparseable values are ignored.
pub(crate) fn retry_after(value: &str, now: SystemTime, min: Duration, max: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = httpdate::parse_http_date(value).ok()?;
            at.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.clamp(min, max.max(min)))
}

/// `max-age` from a Cache-Control header: how long the server says the feed
/// stays fresh. Other directives are left to the scheduler's own policy.
pub(crate) fn max_age(cache_control: &str) -> Option<Duration> {
    cache_control.split(',').find_map(|directive| {
        let (name, argument) = directive.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("max-age") {
            return None;
        }
        let secs = argument.trim().trim_matches('"').parse::<u64>().ok()?;
        Some(Duration::from_secs(secs))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const MAX: Duration = Duration::from_secs(6 * 3600);

    fn check_retry_after(value: &str, expected_secs: Option<u64>) {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").expect("fixed now");
        let got = retry_after(value, now, MIN, MAX).map(|wait| wait.as_secs());
        assert_eq!(got, expected_secs, "for {value:?}");
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_clamps() {
        check_retry_after("120", Some(120));
        check_retry_after(" 120 ", Some(120));
        check_retry_after("5", Some(60));
        check_retry_after("0", Some(60));
        check_retry_after("999999999", Some(6 * 3600));
        check_retry_after("Sun, 06 Nov 1994 08:59:37 GMT", Some(600));
        check_retry_after("Sunday, 06-Nov-94 08:59:37 GMT", Some(600));
        check_retry_after("Sun Nov  6 08:59:37 1994", Some(600));
        check_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", Some(60));
        check_retry_after("Fri, 31 Dec 1999 23:59:59 GMT", Some(6 * 3600));
        check_retry_after("soon", None);
        check_retry_after("-5", None);
        check_retry_after("", None);
    }

    fn check_max_age(value: &str, expected_secs: Option<u64>) {
        assert_eq!(max_age(value).map(|age| age.as_secs()), expected_secs, "for {value:?}");
    }

    #[test]
    fn max_age_is_read_from_cache_control() {
        check_max_age("max-age=300", Some(300));
        check_max_age("public, max-age=600, must-revalidate", Some(600));
        check_max_age("Max-Age=\"60\"", Some(60));
        check_max_age("no-cache", None);
        check_max_age("max-age=0, no-store", Some(0));
        check_max_age("s-maxage=900", None);
        check_max_age("max-age=soon", None);
        check_max_age("public", None);
    }
}
