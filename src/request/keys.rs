//! Condition-key identity. Policies' keys are interned into a process-wide table at compile time,
//! so a key is a small integer and a lookup compares integers. A prepared request looks its keys
//! up without adding to the table (so untrusted requests cannot grow it); a key no compiled set
//! has interned yet is marked unknown and matched by name.
//!
//! INVARIANT (exact keys): two interned ids are equal exactly when the lowercase names are equal;
//! an unknown request key is compared by name, so a decision never depends on a hash.

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
