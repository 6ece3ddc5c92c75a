//! Helpers every lint module shares: JSON pointers of clause entries and the nearest name for a
//! did-you-mean (a leaf: it imports no other lint module).

use crate::policy::err::push_pointer;

/// Pointer of entry `i` of a clause given as a single string (`single`) or an array.
pub(crate) fn item_pointer(base: &str, single: bool, i: usize) -> String {
    if single {
        base.to_owned()
    } else {
        push_pointer(base, &i.to_string())
    }
}

/// Levenshtein distance over ASCII-lowercased characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// The candidate closest to `target` (case-insensitively), when within `max` edits (and within
/// a quarter of the target's length, so short names do not suggest unrelated ones); ties go to
/// the first.
pub(crate) fn closest_name(
    target: &str,
    candidates: impl IntoIterator<Item = String>,
    max: usize,
) -> Option<String> {
    let limit = max.min(target.chars().count().div_ceil(4)).max(1);
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let d = distance(target, &c);
        if d <= limit && best.as_ref().is_none_or(|(bd, _)| d < *bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}
