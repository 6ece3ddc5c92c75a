//! Multi-pattern prefilter for long lists of variable-free `StringLike` patterns and of fixed
//! ARN patterns: one Aho-Corasick scan of the request value picks the patterns worth running.
//!
//! INVARIANT (a required piece never misses): each pattern contributes one literal run (text
//! between wildcards, adjacent literal tokens joined; the run the fewest patterns of the list
//! share, then the longest, cut to 32 bytes). Every string the pattern matches contains that run,
//! byte for byte (`StringLike` is case-sensitive), so a pattern whose piece does not occur in the
//! value cannot match it. The scan is overlapping, so a piece found only inside another piece, or
//! overlapping one, is still reported. Patterns with no literal (`*`, `?*`, ``) are always run.
//! Candidates are run with the ordinary compiled matcher, so the answer is exactly that of trying
//! every pattern.

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous;
use aho_corasick::{Anchored, MatchKind, dfa};

/// Default number of patterns (with a literal piece) from which a condition gets a prefilter:
/// below it, trying each pattern in turn is faster (`decision/like_*` in benches/decision.rs:
/// at 8 patterns the scan loses 2× when nothing matches, at 16 it ties, at 64 it wins 4.7×).
pub(crate) const DEFAULT_MIN_PATTERNS: usize = 16;

/// ARN lists need this many times the patterns string lists need: an ARN is longer to scan, and
/// the plain loop's shared-prefix and first-byte checks are cheap (`decision/res_*`: at 16
/// patterns the scan loses 1.5× when nothing matches, at 64 it wins 2.9×).
pub(crate) const ARN_FACTOR: usize = 2;

/// Longest piece kept (bytes; longer ones are cut to a prefix on a character boundary).
pub(crate) const MAX_PIECE: usize = 32;

/// Patterns one prefilter covers: its pieces fit a stack bitset of this many bits, so a scan does
/// not allocate. Longer lists get one prefilter per group.
const GROUP: usize = 512;
const WORDS: usize = GROUP / 64;

/// Pieces (total bytes) up to which the automaton is a DFA (one table lookup per byte; its
/// table grows with states × byte classes); beyond, a contiguous NFA (compact, slower).
const DFA_BYTES: usize = 4096;

/// An Aho-Corasick automaton (standard semantics: every state lists every piece ending there),
/// driven by [`scan`] rather than `AhoCorasick`'s iterators, which cost more than the scan itself
/// on the short values conditions test (see benches/README.md).
#[derive(Debug)]
enum Ac {
    Dfa(dfa::DFA),
    Nfa(contiguous::NFA),
}

/// Calls `hit(piece)` for every piece occurrence in `text` (overlapping ones included, by end
/// position), until it returns true; returns whether it did. `None` if the automaton refuses
/// the search (not reached: unanchored starts are always built).
#[inline(always)]
fn scan<A: Automaton>(a: &A, text: &[u8], mut hit: impl FnMut(usize) -> bool) -> Option<bool> {
    let mut sid = a.start_state(Anchored::No).ok()?;
    for &b in text {
        sid = a.next_state(Anchored::No, sid, b);
        if a.is_special(sid) {
            if a.is_dead(sid) {
                return Some(false);
            }
            if a.is_match(sid) {
                for i in 0..a.match_len(sid) {
                    if hit(a.match_pattern(sid, i).as_usize()) {
                        return Some(true);
                    }
                }
            }
        }
    }
    Some(false)
}

/// One group's automaton over the required pieces of its patterns.
#[derive(Debug)]
pub struct Prefilter {
    /// Automaton over the distinct pieces; pattern id = index in `pieces`.
    ac: Ac,
    /// The globs this prefilter covers: `lo..hi` of the condition's list.
    lo: u32,
    hi: u32,
    /// Per piece, its range of `members`.
    pieces: Vec<(u32, u32)>,
    /// Glob indexes (relative to `lo`) grouped by piece.
    members: Vec<u32>,
    /// Glob indexes (relative to `lo`) with no literal piece: always run.
    always: Vec<u32>,
}

impl Prefilter {
    /// Heap bytes this prefilter holds.
    pub(crate) fn memory_usage(&self) -> usize {
        std::mem::size_of::<Prefilter>()
            + match &self.ac {
                Ac::Dfa(a) => a.memory_usage(),
                Ac::Nfa(a) => a.memory_usage(),
            }
            + std::mem::size_of_val(self.pieces.as_slice())
            + std::mem::size_of_val(self.members.as_slice())
            + std::mem::size_of_val(self.always.as_slice())
    }

    /// Builds the prefilter for globs `lo..lo + pieces.len()`, given each one's piece; `None`
    /// when the automaton cannot be built (the caller then tries every pattern).
    fn build(lo: usize, pieces: &[Option<String>]) -> Option<Prefilter> {
        let mut distinct: Vec<&str> = Vec::new();
        let mut of_piece: Vec<Vec<u32>> = Vec::new();
        let mut always = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            match p {
                None => always.push(i),
                Some(p) => match distinct.iter().position(|d| *d == p.as_str()) {
                    Some(at) => of_piece.get_mut(at)?.push(i),
                    None => {
                        distinct.push(p);
                        of_piece.push(vec![i]);
                    }
                },
            }
        }
        let ac = if distinct.iter().map(|p| p.len()).sum::<usize>() <= DFA_BYTES {
            Ac::Dfa(
                dfa::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .start_kind(aho_corasick::StartKind::Unanchored)
                    .build(&distinct)
                    .ok()?,
            )
        } else {
            Ac::Nfa(
                contiguous::Builder::new()
                    .match_kind(MatchKind::Standard)
                    .prefilter(false)
                    .build(&distinct)
                    .ok()?,
            )
        };
        let mut ranges = Vec::with_capacity(of_piece.len());
        let mut members = Vec::with_capacity(pieces.len());
        for m in of_piece {
            let start = u32::try_from(members.len()).ok()?;
            members.extend(m);
            ranges.push((start, u32::try_from(members.len()).ok()?));
        }
        Some(Prefilter {
            ac,
            lo: u32::try_from(lo).ok()?,
            hi: u32::try_from(lo + pieces.len()).ok()?,
            pieces: ranges,
            members,
            always,
        })
    }

    /// True when `run(i)` holds for one of this group's items (`lo..hi`), running only those
    /// without a piece and those whose piece occurs in `text`.
    pub(crate) fn any_match(&self, text: &str, run: &impl Fn(usize) -> bool) -> bool {
        let lo = self.lo as usize;
        if self.always.iter().any(|&i| run(lo + i as usize)) {
            return true;
        }
        // Each item has one piece, so running a piece's items once runs each at most once.
        let mut seen = [0u64; WORDS];
        let hit = |p: usize| {
            let Some(word) = seen.get_mut(p / 64) else {
                return false;
            };
            let bit = 1u64 << (p % 64);
            if *word & bit != 0 {
                return false;
            }
            *word |= bit;
            let Some(&(s, e)) = self.pieces.get(p) else {
                return false;
            };
            let members = self.members.get(s as usize..e as usize).unwrap_or(&[]);
            members.iter().any(|&i| run(lo + i as usize))
        };
        let found = match &self.ac {
            Ac::Dfa(a) => scan(a, text.as_bytes(), hit),
            Ac::Nfa(a) => scan(a, text.as_bytes(), hit),
        };
        // `None`, not reached: run every item.
        found.unwrap_or_else(|| (lo..self.hi as usize).any(run))
    }
}

/// Picks each item's piece among its literal runs: the one the fewest items of the list share
/// (a run every pattern has, such as a common prefix, selects nothing), then the longest; runs
/// shorter than 3 bytes only when the item has no longer one.
pub(crate) fn choose_pieces(runs: &[Vec<String>]) -> Vec<Option<String>> {
    let mut count: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for rs in runs {
        let mut seen: Vec<&str> = Vec::new();
        for r in rs {
            if !seen.contains(&r.as_str()) {
                seen.push(r);
                *count.entry(r).or_default() += 1;
            }
        }
    }
    runs.iter()
        .map(|rs| {
            let long = rs.iter().any(|r| r.len() >= 3);
            rs.iter()
                .filter(|r| !long || r.len() >= 3)
                .min_by_key(|r| {
                    let shared = count.get(r.as_str()).copied().unwrap_or(0);
                    (shared, std::cmp::Reverse(r.len()))
                })
                .cloned()
        })
        .collect()
}

/// Prefilters for items with these pieces (`None`: always run), one per [`GROUP`] items, when
/// at least `min` items have a piece; empty when fewer do or an automaton cannot be built (the
/// caller then tries every item).
pub(crate) fn build_all(pieces: &[Option<String>], min: usize) -> Vec<Prefilter> {
    if pieces.iter().filter(|p| p.is_some()).count() < min.max(1) {
        return Vec::new();
    }
    let mut built = Vec::new();
    for (k, chunk) in pieces.chunks(GROUP).enumerate() {
        match Prefilter::build(k * GROUP, chunk) {
            Some(p) => built.push(p),
            None => return Vec::new(),
        }
    }
    built
}

#[cfg(test)]
mod tests;
