//! Byte-string comparisons for the decision path that stay inline: policy literals and request
//! values are short (regions, account ids, ARN prefixes), where a call into `memcmp` costs more
//! than the comparison itself. Strings of up to 16 bytes are compared as two overlapping words.

/// Eight bytes of `s` from `at` as a word (0 past the end; callers stay in bounds).
#[inline(always)]
fn word(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
        .map_or(0, u64::from_le_bytes)
}

/// Four bytes of `s` from `at` as a word (0 past the end; callers stay in bounds).
#[inline(always)]
fn half(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_le_bytes)
}

/// `a == b` for two strings of the same length.
#[inline(always)]
fn same_len_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    match n {
        0 => true,
        1..=3 => a.iter().zip(b).all(|(x, y)| x == y),
        4..=8 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        9..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        17..=24 => {
            word(a, 0) == word(b, 0) && word(a, 8) == word(b, 8) && word(a, n - 8) == word(b, n - 8)
        }
        // Most unequal long strings differ in their first word.
        _ => word(a, 0) == word(b, 0) && a == b,
    }
}

/// `a == b`.
#[inline(always)]
pub(crate) fn eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && same_len_eq(a.as_bytes(), b.as_bytes())
}

/// `text.starts_with(prefix)`.
#[inline(always)]
pub(crate) fn starts_with(text: &str, prefix: &str) -> bool {
    let (t, p) = (text.as_bytes(), prefix.as_bytes());
    t.get(..p.len()).is_some_and(|head| same_len_eq(head, p))
}

/// `text.ends_with(suffix)`.
#[inline(always)]
pub(crate) fn ends_with(text: &str, suffix: &str) -> bool {
    let (t, s) = (text.as_bytes(), suffix.as_bytes());
    t.len() >= s.len()
        && t.get(t.len() - s.len()..)
            .is_some_and(|tail| same_len_eq(tail, s))
}

/// Haystacks longer than this are searched with `memchr::memmem` (whose set-up costs more than a
/// short search).
const SHORT_HAYSTACK: usize = 256;

/// `text.contains(needle)`.
#[inline]
pub(crate) fn contains(text: &str, needle: &str) -> bool {
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    let Some((&first, _)) = n.split_first() else {
        return true;
    };
    if t.len() > SHORT_HAYSTACK {
        return memchr::memmem::find(t, n).is_some();
    }
    let Some(last_start) = t.len().checked_sub(n.len()) else {
        return false;
    };
    let window = t.get(..=last_start).unwrap_or(&[]);
    memchr::memchr_iter(first, window)
        .any(|i| t.get(i..i + n.len()).is_some_and(|w| same_len_eq(w, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_on_every_length() {
        let base = "arn:aws:sagemaker:us-east-1:111122223333:training-job/x";
        for n in 0..base.len() {
            let a = &base[..n];
            for m in 0..base.len() {
                let b = &base[..m];
                assert_eq!(eq(a, b), a == b, "{a:?} {b:?}");
                assert_eq!(starts_with(a, b), a.starts_with(b), "{a:?} {b:?}");
                assert_eq!(ends_with(a, &base[m..]), a.ends_with(&base[m..]));
            }
            // One byte changed at every position.
            for i in 0..n {
                let mut v = a.as_bytes().to_vec();
                v[i] ^= 1;
                let c = String::from_utf8(v).unwrap();
                assert_eq!(eq(a, &c), a == c, "{a:?} {c:?}");
                assert_eq!(starts_with(base, &c), base.starts_with(&c));
                assert_eq!(ends_with(a, &c), a.ends_with(&c));
                assert_eq!(contains(base, &c), base.contains(c.as_str()));
            }
            for m in 0..=n {
                assert_eq!(contains(a, &base[m..n]), a.contains(&base[m..n]));
                assert_eq!(contains(&base[m..n], a), base[m..n].contains(a));
            }
        }
    }
}
