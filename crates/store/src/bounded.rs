//! A map that forgets its oldest entries past a bound.

/// A map that forgets its oldest entries past a bound, a tenth at a time.
///
/// In-memory records (votes; welcomes and the log without a database) must not
/// grow with every member a bot ever sees. What is forgotten is counted and
/// logged: a vote forgotten may be cast again, a member forgotten may be
/// welcomed again if seen again.
#[derive(Debug)]
pub struct BoundedMap<K, V> {
    map: indexmap::IndexMap<K, V>,
    bound: usize,
    forgotten: u64,
    what: &'static str,
}

impl<K: std::hash::Hash + Eq, V> BoundedMap<K, V> {
    /// A map of at most `bound` entries; `what` names them in the log.
    pub fn new(bound: usize, what: &'static str) -> Self {
        BoundedMap { map: indexmap::IndexMap::new(), bound: bound.max(1), forgotten: 0, what }
    }

    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Inserts (or replaces) an entry, first forgetting the oldest tenth when full.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if !self.map.contains_key(&key) && self.map.len() >= self.bound {
            let n = (self.bound / 10).max(1);
            self.map.drain(..n);
            self.forgotten += n as u64;
            tracing::warn!(
                forgotten = self.forgotten,
                bound = self.bound,
                what = self.what,
                "in-memory records full: the oldest were forgotten"
            );
        }
        self.map.insert(key, value)
    }

    /// Keeps the entries for which `keep` is true (order unchanged); returns how many went.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) -> usize {
        let before = self.map.len();
        self.map.retain(|k, v| keep(k, v));
        before - self.map.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.map.values()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// How many entries were forgotten so far.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bounded_map_forgets_its_oldest_and_counts_them() {
        let mut m = BoundedMap::new(10, "test entries");
        for k in 0..25u32 {
            m.insert(k, k * 2);
        }
        assert!(m.len() <= 10, "{}", m.len());
        assert!(m.contains_key(&24), "the newest stays");
        assert!(!m.contains_key(&0), "the oldest goes");
        assert_eq!(m.forgotten() as usize + m.len(), 25, "every entry is kept or counted");
        // Replacing an entry that is there forgets nothing.
        let before = m.forgotten();
        m.insert(24, 0);
        assert_eq!(m.forgotten(), before);
    }
}
