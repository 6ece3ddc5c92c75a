//! Condition-key identity. Policies' keys are interned into a process-wide table at compile time,
//! so a key is a small integer and a lookup compares integers. A prepared request looks its keys
//! up without adding to the table (so untrusted requests cannot grow it); a key no compiled set
//! has interned yet is marked unknown and matched by name.
//!
//! A prepared request finds its entry for a key id through [`KeySlots`], a per-request table
//! indexed by id (no scan). Ids are handed out in order, so an entry marked unknown can only be a
//! key interned *after* the request was prepared: a lookup compares names only for ids at or above
//! the table's size at preparation time.
//!
//! INVARIANT (exact keys): two interned ids are equal exactly when the lowercase names are equal;
//! an unknown request key is compared by name, so a decision never depends on a hash or on the
//! order in which sets were compiled.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// The id a request entry carries when its key was not interned at preparation time.
pub const UNKNOWN: u64 = u64::MAX;

fn table() -> &'static RwLock<HashMap<Box<str>, u64>> {
    static TABLE: OnceLock<RwLock<HashMap<Box<str>, u64>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(HashMap::new()))
}

/// The id of a lowercase key, interning it (compile time).
pub fn key_id(lower: &str) -> u64 {
    if let Some(id) = lookup_key_id(lower) {
        return id;
    }
    // A poisoned lock only means another thread panicked while holding it; the map itself is
    // never left half-updated by `entry().or_insert`, so its contents stay usable.
    let mut t = table()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let next = t.len() as u64;
    *t.entry(lower.into()).or_insert(next)
}

/// How many keys are interned: every id below it is assigned.
pub fn interned_count() -> u64 {
    table()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .len() as u64
}

/// The id of a lowercase key if some compiled set interned it (preparation time).
pub fn lookup_key_id(lower: &str) -> Option<u64> {
    table()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(lower)
        .copied()
}

/// Kept for callers that want a stable 64-bit digest of a key name (fingerprints, file names):
/// FNV-1a over the bytes.
pub fn key_hash(lower: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in lower.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Largest key id a slot table indexes directly; a request holding a key with a larger id (a
/// process that interned tens of thousands of keys) looks its keys up by scanning instead.
const MAX_SLOTTED_ID: u64 = 1 << 14;

/// Where each of a prepared request's (or principal context's) entries is, by key id.
#[derive(Debug, Clone, Default)]
pub struct KeySlots {
    /// `slots[id]` is the entry index + 1, or 0 when no entry has that id. Empty when the
    /// entries are looked up by scanning (see [`MAX_SLOTTED_ID`]).
    slots: Vec<u16>,
    /// Ids of every entry, in entry order, for the scan.
    ids: Vec<u64>,
    /// [`interned_count`] before the entries' ids were looked up: an entry marked [`UNKNOWN`]
    /// can only be a key whose id is at least this.
    known: u64,
    /// Some entry is marked [`UNKNOWN`].
    has_unknown: bool,
}

impl KeySlots {
    /// The slot table for entries with key ids `ids` (in entry order), looked up after
    /// [`interned_count`] returned `known`.
    pub fn new(ids: Vec<u64>, known: u64) -> KeySlots {
        let has_unknown = ids.contains(&UNKNOWN);
        let max = ids.iter().copied().filter(|&i| i != UNKNOWN).max();
        let mut slots = Vec::new();
        if let Some(max) = max
            && max < MAX_SLOTTED_ID
            && ids.len() < usize::from(u16::MAX)
        {
            slots = vec![0u16; usize::try_from(max + 1).unwrap_or(0)];
            for (i, &id) in ids.iter().enumerate() {
                let (Ok(id), Ok(pos)) = (usize::try_from(id), u16::try_from(i + 1)) else {
                    continue;
                };
                if let Some(s) = slots.get_mut(id)
                    && *s == 0
                {
                    *s = pos;
                }
            }
        }
        KeySlots {
            slots,
            ids,
            known,
            has_unknown,
        }
    }

    /// The index of the entry for key `id` (lowercase name `key`), if any. `name_of(i)` gives
    /// entry `i`'s lowercase key, read only for entries marked unknown.
    #[inline]
    pub fn find<'k>(
        &self,
        id: u64,
        key: &str,
        name_of: impl Fn(usize) -> &'k str,
    ) -> Option<usize> {
        if !self.slots.is_empty() || self.ids.is_empty() {
            // INVARIANT (slots cover every known id): an id past the table is no entry's.
            if let Some(&s) = self.slots.get(usize::try_from(id).unwrap_or(usize::MAX))
                && s != 0
            {
                return Some(usize::from(s) - 1);
            }
        } else if let Some(i) = self.ids.iter().position(|&x| x == id) {
            return Some(i);
        }
        if self.has_unknown && id >= self.known {
            return self
                .ids
                .iter()
                .enumerate()
                .position(|(i, &x)| x == UNKNOWN && name_of(i) == key);
        }
        None
    }

    /// Heap bytes.
    pub fn memory_usage(&self) -> usize {
        std::mem::size_of_val(&*self.slots) + std::mem::size_of_val(&*self.ids)
    }
}
