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

use crate::hash::FastHash;

/// The id a request entry carries when its key was not interned at preparation time.
pub(crate) const UNKNOWN: u64 = u64::MAX;

fn table() -> &'static RwLock<HashMap<Box<str>, u64, FastHash>> {
    static TABLE: OnceLock<RwLock<HashMap<Box<str>, u64, FastHash>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(HashMap::default()))
}

thread_local! {
    /// Ids this thread has seen interned, so compiling looks most keys up without the table's
    /// lock. Ids are never taken back, so a cached id stays right; keys not yet interned are
    /// never cached (another thread may intern them).
    static SEEN: std::cell::RefCell<HashMap<Box<str>, u64, FastHash>> =
        std::cell::RefCell::new(HashMap::default());
}

/// The id of a lowercase key, interning it (compile time).
pub(crate) fn key_id(lower: &str) -> u64 {
    let cached = SEEN.with(|seen| seen.try_borrow().ok()?.get(lower).copied());
    if let Some(id) = cached {
        return id;
    }
    let id = intern(lower);
    SEEN.with(|seen| {
        if let Ok(mut seen) = seen.try_borrow_mut() {
            seen.insert(lower.into(), id);
        }
    });
    id
}

/// [`key_id`] through the table alone.
fn intern(lower: &str) -> u64 {
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
pub(crate) fn interned_count() -> u64 {
    table()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .len() as u64
}

/// The id of a lowercase key if some compiled set interned it (preparation time).
pub(crate) fn lookup_key_id(lower: &str) -> Option<u64> {
    table()
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(lower)
        .copied()
}

/// Kept for callers that want a stable 64-bit digest of a key name (fingerprints, file names):
/// FNV-1a over the bytes.
pub(crate) fn key_hash(lower: &str) -> u64 {
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
#[repr(C)]
pub(crate) struct KeySlots {
    /// `slots[id]` is the entry index + 1, or 0 when no entry has that id, for every id below
    /// `slow_from` (shorter when no entry has the ids past its end).
    slots: Box<[u16]>,
    /// Ids from which a lookup scans the entries: the smallest id of an entry the table could not
    /// hold (ids past [`MAX_SLOTTED_ID`], entries past `u16::MAX`), or, when some entry is marked
    /// [`UNKNOWN`], [`interned_count`] at preparation (only keys interned later can be one).
    slow_from: u64,
}

impl KeySlots {
    /// The slot table for entries with key ids `ids` (in entry order), looked up after
    /// [`interned_count`] returned `known`.
    pub(crate) fn new(ids: impl Iterator<Item = u64> + Clone, known: u64) -> KeySlots {
        let mut slow_from = u64::MAX;
        // Sized once, for the largest id the table holds.
        let len = ids
            .clone()
            .filter(|&id| id < MAX_SLOTTED_ID)
            .max()
            .and_then(|id| usize::try_from(id).ok())
            .map_or(0, |i| i + 1);
        let mut slots: Vec<u16> = Vec::with_capacity(len);
        for (i, id) in ids.enumerate() {
            if id == UNKNOWN {
                slow_from = slow_from.min(known);
                continue;
            }
            let pos = u16::try_from(i + 1).ok().filter(|&p| p != u16::MAX);
            let at = usize::try_from(id).ok().filter(|_| id < MAX_SLOTTED_ID);
            match (pos, at) {
                (Some(pos), Some(at)) => {
                    if slots.len() <= at {
                        slots.resize(at + 1, 0);
                    }
                    if let Some(s) = slots.get_mut(at) {
                        *s = pos;
                    }
                }
                _ => slow_from = slow_from.min(id),
            }
        }
        KeySlots {
            slots: slots.into_boxed_slice(),
            slow_from,
        }
    }

    /// The index of the entry for key `id` (lowercase name `key`) among `n` entries, whose id
    /// and lowercase key `id_key` gives by index (read only on the slow path).
    #[inline]
    pub(crate) fn find<'e>(
        &self,
        id: u64,
        key: &str,
        n: usize,
        id_key: impl Fn(usize) -> (u64, &'e str),
    ) -> Option<usize> {
        if id < self.slow_from {
            // INVARIANT (slots cover every id below `slow_from`): past the table, no entry.
            let s = *self.slots.get(usize::try_from(id).ok()?)?;
            return usize::from(s).checked_sub(1);
        }
        Self::find_slow(id, key, n, id_key)
    }

    #[cold]
    fn find_slow<'e>(
        id: u64,
        key: &str,
        n: usize,
        id_key: impl Fn(usize) -> (u64, &'e str),
    ) -> Option<usize> {
        (0..n).position(|i| {
            let (x, name) = id_key(i);
            x == id || (x == UNKNOWN && name == key)
        })
    }
}
