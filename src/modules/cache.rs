//! A per-input cache for results computed over a range of the input.
//!
//! Rule sets repeat the same expensive call across many rules
//! (`math.entropy(0, filesize)`, `hash.md5(0, filesize)`): the first call
//! computes, the others look it up. The cache lives in a module's
//! [`crate::modules::ModuleData::native`], so it is made per input and
//! dropped with it; a mutex makes it `Sync` as that field requires.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// How many distinct results one input's cache keeps. Rules pass constant
/// or `filesize`-based ranges, so real rule sets stay far below this; a
/// rule looping over offsets would otherwise grow it without bound. Past
/// the limit results are computed and not kept.
pub const MAX_CACHED_RESULTS: usize = 4096;

/// Results keyed by what they were computed from (typically a function and
/// an offset/length pair).
#[derive(Debug)]
pub struct ResultCache<K, V> {
    entries: Mutex<HashMap<K, V>>,
}

impl<K, V> Default for ResultCache<K, V> {
    fn default() -> Self {
        Self { entries: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V: Clone> ResultCache<K, V> {
    /// The cached value for `key`, or `compute()` stored under it. The lock
    /// is not held while computing, so a slow hash never blocks a lookup.
    pub fn get_or_compute(&self, key: K, compute: impl FnOnce() -> V) -> V {
        if let Some(v) = self.lock().get(&key) {
            return v.clone();
        }
        let value = compute();
        let mut entries = self.lock();
        if entries.len() < MAX_CACHED_RESULTS {
            entries.insert(key, value.clone());
        }
        value
    }

    /// Number of cached results.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is cached.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map, even if another thread panicked while holding it: entries
    /// are only ever inserted whole, so the map is always consistent.
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_key() {
        let cache = ResultCache::default();
        let mut calls = 0;
        for _ in 0..3 {
            let v = cache.get_or_compute((0, 10), || {
                calls += 1;
                42
            });
            assert_eq!(v, 42);
        }
        assert_eq!(calls, 1);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn stops_storing_at_the_limit() {
        let cache = ResultCache::default();
        for i in 0..MAX_CACHED_RESULTS + 10 {
            assert_eq!(cache.get_or_compute(i, || i * 2), i * 2);
        }
        assert_eq!(cache.len(), MAX_CACHED_RESULTS);
    }
}
