//! The crate's fast hasher, in a leaf module every stage may import.

use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hasher (the Firefox/rustc `FxHash` scheme) for maps keyed by policy and
/// catalog text or by what the analysis builds from them (the compiler's pattern and plan tables,
/// the key interner, the catalog's indexes, the analysis's memo tables): SipHash's flooding
/// resistance costs more than the rest of compiling a small set or preparing a request, and these
/// maps hold what the audited files and the catalog name, not a remote peer's input.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// [`FastHasher`] as a map's hasher.
pub(crate) type FastHash = BuildHasherDefault<FastHasher>;
