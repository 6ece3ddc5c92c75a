//! The crate's fast hasher, in a leaf module every stage may import.

/// A multiply-rotate hasher (the Firefox/rustc `FxHash` scheme) for maps keyed by policy and
/// catalog text (the compiler's pattern and plan tables, the key interner, the catalog's indexes):
/// SipHash's flooding resistance costs more than the rest of compiling a small set or preparing a
/// request, and these maps hold what the audited files and the catalog name, not a remote peer's
/// input.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            if let Some(w) = word.get_mut(..chunk.len()) {
                w.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// [`FastHasher`] as a map's hasher.
pub(crate) type FastHash = std::hash::BuildHasherDefault<FastHasher>;
