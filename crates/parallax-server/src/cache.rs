//! Rendered responses kept between requests: a story page costs a database
//! read and a render, a cached one only a copy. An entry is valid for the
//! snapshot generation it was rendered in and for a short time (pages show
//! relative times), and the cache holds a bounded number of entries.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;

struct Entry {
    made: Instant,
    body: Bytes,
}

pub struct ResponseCache<K> {
    /// The generation the entries belong to, and the entries.
    entries: Mutex<(u64, HashMap<K, Entry>)>,
    capacity: usize,
    max_age: Duration,
}

impl<K: Hash + Eq + Clone> ResponseCache<K> {
    /// `capacity` 0 turns caching off.
    pub fn new(capacity: usize, max_age: Duration) -> ResponseCache<K> {
        ResponseCache { entries: Mutex::new((0, HashMap::new())), capacity, max_age }
    }

    pub fn get(&self, key: &K, generation: u64) -> Option<Bytes> {
        let guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (held, entries) = &*guard;
        let entry = entries.get(key).filter(|_| *held == generation)?;
        (entry.made.elapsed() < self.max_age).then(|| entry.body.clone())
    }

    pub fn put(&self, key: K, generation: u64, body: Bytes) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (held, entries) = &mut *guard;
        if generation < *held {
            return;
        }
        if generation > *held {
            // A new generation: everything older is stale at once.
            entries.clear();
            *held = generation;
        }
        if entries.len() >= self.capacity
            && !entries.contains_key(&key)
            && let Some(victim) = entries.keys().next().cloned()
        {
            // An arbitrary victim: hot pages come straight back, and
            // bookkeeping for a true LRU would cost every hit.
            entries.remove(&victim);
        }
        entries.insert(key, Entry { made: Instant::now(), body });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_their_generation_and_the_cache_stays_bounded() {
        let cache = ResponseCache::new(2, Duration::from_secs(60));
        cache.put(1, 7, Bytes::from_static(b"one"));
        assert_eq!(cache.get(&1, 7), Some(Bytes::from_static(b"one")));
        assert_eq!(cache.get(&1, 8), None, "a new generation makes entries stale");
        cache.put(2, 8, Bytes::from_static(b"two"));
        cache.put(3, 8, Bytes::from_static(b"three"));
        cache.put(4, 8, Bytes::from_static(b"four"));
        assert_eq!(cache.get(&4, 8), Some(Bytes::from_static(b"four")));
        let kept = [2, 3].iter().filter(|k| cache.get(k, 8).is_some()).count();
        assert_eq!(kept, 1, "a full cache makes room for the newest entry");
        cache.put(5, 7, Bytes::from_static(b"late"));
        assert_eq!(cache.get(&5, 7), None, "a page of an older generation is not kept");

        let off = ResponseCache::new(0, Duration::from_secs(60));
        off.put(1, 1, Bytes::from_static(b"x"));
        assert_eq!(off.get(&1, 1), None);
    }
}
