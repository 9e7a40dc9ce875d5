//! When to try a failing feed again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use parallax_core::config::FetchConfig;

/// The earliest time a feed that has failed `failures_in_a_row` times may be
/// fetched again: exponential back-off from `backoff_base_secs`, doubling per
/// failure up to `backoff_max_secs`, and never sooner than the server's
/// Retry-After (already clamped by the fetcher).
pub fn next_attempt_after_failure(
    failed_at: DateTime<Utc>,
    failures_in_a_row: u32,
    retry_after: Option<Duration>,
    config: &FetchConfig,
) -> DateTime<Utc> {
    let doublings = failures_in_a_row.saturating_sub(1).min(32);
    let backoff = config.backoff_base_secs.saturating_mul(1u64 << doublings).min(config.backoff_max_secs);
    let wait = backoff.max(retry_after.map_or(0, |d| d.as_secs()));
    failed_at + chrono::Duration::seconds(i64::try_from(wait).unwrap_or(i64::MAX / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn check(failures: u32, retry_after: Option<u64>, expected_secs: i64) {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let config = FetchConfig::default();
        let next = next_attempt_after_failure(at, failures, retry_after.map(Duration::from_secs), &config);
        assert_eq!((next - at).num_seconds(), expected_secs, "{failures} failures, retry-after {retry_after:?}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        check(1, None, 15 * 60);
        check(2, None, 30 * 60);
        check(3, None, 60 * 60);
        check(40, None, 24 * 3600);
    }

    #[test]
    fn retry_after_wins_when_longer() {
        check(1, Some(2 * 3600), 2 * 3600);
        check(3, Some(60), 60 * 60);
    }
}
