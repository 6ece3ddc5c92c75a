//! Condition-key identity: a key is identified by a 64-bit hash of its lowercase name, computed
//! once at compile time for policies and once per prepared request for its context.
//!
//! INVARIANT (hash then confirm): equal hashes are confirmed by comparing the lowercase names, so a
//! collision can cost time but never change a decision. Hashes need no shared interner, so a
//! request prepared once serves every compiled set, whoever compiled it.

/// FNV-1a over the bytes of a lowercase key name.
pub fn key_hash(lower: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in lower.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
