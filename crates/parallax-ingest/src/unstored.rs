//! Feeds fetched but not stored, remembered across rounds by whoever runs
//! them (the server's scheduler), so a store that fails (disk full, a lock
//! held past the busy timeout) does not make every feed be downloaded again
//! at the next tick: the feed waits out a back-off that doubles per failed
//! store, as a failing fetch does.
//!
//! The validators a feed is asked with stay those of its last *stored*
//! fetch (the database keeps them: the failed transaction changed nothing).
//! The validators of a response whose articles were lost are not kept on
//! purpose: the next request would be answered 304 and the articles would
//! never be stored.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use parallax_core::config::FetchConfig;

/// One feed whose last fetch could not be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Unstored {
    /// Stores failed in a row for this feed.
    failures: u32,
    /// Not asked for again before this.
    next_fetch: DateTime<Utc>,
}

/// Feeds fetched whose storing failed, by URL. Cheap to share: clone the
/// `Arc` it lives in into each round's [`crate::IngestOptions`].
#[derive(Debug, Default)]
pub struct UnstoredFetches {
    feeds: Mutex<HashMap<String, Unstored>>,
}

impl UnstoredFetches {
    fn feeds(&self) -> std::sync::MutexGuard<'_, HashMap<String, Unstored>> {
        // A panic while holding the lock left the map whole (every change is
        // one insert or remove), so its contents are still good.
        self.feeds.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that the feed fetched at `at` could not be stored, and backs
    /// it off.
    pub fn failed_to_store(&self, feed_url: &str, at: DateTime<Utc>, config: &FetchConfig) {
        let mut feeds = self.feeds();
        let failures = feeds.get(feed_url).map_or(0, |kept| kept.failures).saturating_add(1);
        let next_fetch = crate::next_attempt_after_failure(at, failures, None, config);
        feeds.insert(feed_url.to_string(), Unstored { failures, next_fetch });
    }

    /// The feed's fetch is stored: it is on its usual schedule again.
    pub fn stored(&self, feed_url: &str) {
        self.feeds().remove(feed_url);
    }

    /// When the feed may be asked for again, if it is backing off after a
    /// failed store.
    pub fn backing_off_until(&self, feed_url: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.feeds().get(feed_url).map(|kept| kept.next_fetch).filter(|&next| next > now)
    }

    /// Feeds backing off after a failed store.
    pub fn len(&self) -> usize {
        self.feeds().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn each_failed_store_doubles_the_wait_and_a_stored_fetch_ends_it() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default();
        let config = FetchConfig::default();
        let unstored = UnstoredFetches::default();
        let wait = |unstored: &UnstoredFetches| {
            unstored.backing_off_until("https://a.example/rss", at).map(|next| (next - at).num_minutes())
        };
        assert_eq!(wait(&unstored), None);
        unstored.failed_to_store("https://a.example/rss", at, &config);
        assert_eq!(wait(&unstored), Some(15));
        unstored.failed_to_store("https://a.example/rss", at, &config);
        assert_eq!(wait(&unstored), Some(30));
        unstored.stored("https://a.example/rss");
        assert_eq!((wait(&unstored), unstored.is_empty()), (None, true));
    }
}
