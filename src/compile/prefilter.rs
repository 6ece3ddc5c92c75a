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
use bumpalo::Bump;

use super::arn::CArn;
use super::glob::{CGlob, Searcher, Tok};

/// Default number of patterns (with a literal piece) from which a condition gets a prefilter:
/// below it, trying each pattern in turn is faster (`decision/like_*` in benches/decision.rs:
/// at 8 patterns the scan loses 2× when nothing matches, at 16 it ties, at 64 it wins 4.7×).
pub const DEFAULT_MIN_PATTERNS: usize = 16;

/// ARN lists need this many times the patterns string lists need: an ARN is longer to scan, and
/// the plain loop's shared-prefix and first-byte checks are cheap (`decision/res_*`: at 16
/// patterns the scan loses 1.5× when nothing matches, at 64 it wins 2.9×).
pub const ARN_FACTOR: usize = 2;

/// Longest piece kept (bytes; longer ones are cut to a prefix on a character boundary).
const MAX_PIECE: usize = 32;

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
    pub fn memory_usage(&self) -> usize {
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
    fn any_match(&self, text: &str, run: &impl Fn(usize) -> bool) -> bool {
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

/// The longest literal run of a token program (adjacent literal tokens joined), if any.
pub fn required_piece(toks: &[Tok<'_>]) -> Option<String> {
    let mut best = String::new();
    let mut run = String::new();
    for t in toks {
        match t {
            Tok::Lit(s) => run.push_str(s),
            Tok::One | Tok::Star => {
                if run.len() > best.len() {
                    std::mem::swap(&mut best, &mut run);
                }
                run.clear();
            }
        }
    }
    if run.len() > best.len() {
        best = run;
    }
    // A prefix of a required run is required too: long runs are cut, so the automaton stays
    // small however long the policy's literals are.
    let mut cut = best.len().min(MAX_PIECE);
    while !best.is_char_boundary(cut) {
        cut -= 1;
    }
    best.truncate(cut);
    (!best.is_empty()).then_some(best)
}

/// Prefilters for items with these pieces (`None`: always run), appended to `searchers`, when
/// at least `min` items have a piece: their (first index in `searchers`, count), count 0 for none.
fn build_groups(
    pieces: &[Option<String>],
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (u32, u32) {
    if pieces.iter().filter(|p| p.is_some()).count() < min.max(1) {
        return (0, 0);
    }
    let mut built = Vec::new();
    for (k, chunk) in pieces.chunks(GROUP).enumerate() {
        match Prefilter::build(k * GROUP, chunk) {
            Some(p) => built.push(Searcher::Multi(Box::new(p))),
            None => return (0, 0),
        }
    }
    let (Ok(start), Ok(n)) = (u32::try_from(searchers.len()), u32::try_from(built.len())) else {
        return (0, 0);
    };
    searchers.extend(built);
    (start, n)
}

/// True when `run(i)` holds for some `i < n`, through the prefilters `multi` over `text` (every
/// item is run when there are none).
#[inline(always)]
fn any_with(
    multi: (u32, u32),
    n: usize,
    text: &str,
    searchers: &[Searcher],
    run: impl Fn(usize) -> bool,
) -> bool {
    let (start, count) = (multi.0 as usize, multi.1 as usize);
    let pres = match searchers.get(start..start + count) {
        Some(p) if count > 0 => p,
        _ => return (0..n).any(run),
    };
    pres.iter().any(|p| match p {
        Searcher::Multi(p) => p.any_match(text, &run),
        // Not reached (`multi` indexes prefilters only).
        Searcher::Lit(_) => (0..n).any(&run),
    })
}

/// Compiles variable-free `Like` patterns into globs and, when at least `min` of them have a
/// literal piece, prefilters appended to `searchers`: returns the globs and the prefilters'
/// (first index, count) in `searchers` (count 0: try every glob).
pub fn build_like<'a>(
    arena: &'a Bump,
    pats: &[&[Tok<'_>]],
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (&'a [CGlob<'a>], (u32, u32)) {
    let globs = arena.alloc_slice_fill_iter(pats.iter().map(|t| CGlob::build(arena, t, searchers)));
    let runs: Vec<Vec<String>> = pats
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            literal_runs(t, &mut out);
            out
        })
        .collect();
    let pieces = choose_pieces(&runs);
    (globs, build_groups(&pieces, min, searchers))
}

/// True when one of `globs` matches `text`, using the prefilters `multi` built by [`build_like`]
/// (every glob is tried when there are none).
#[inline(never)]
pub fn any_like(
    globs: &[CGlob<'_>],
    multi: (u32, u32),
    text: &str,
    searchers: &[Searcher],
) -> bool {
    any_with(multi, globs.len(), text, searchers, |i| {
        globs.get(i).is_some_and(|g| g.matches(text, searchers))
    })
}

/// Appends every literal run of a token program (adjacent literal tokens joined, each cut like
/// [`required_piece`]'s) to `out`: each one is contained in every match.
pub fn literal_runs(toks: &[Tok<'_>], out: &mut Vec<String>) {
    let mut run = String::new();
    for t in toks.iter().chain([&Tok::Star]) {
        match t {
            Tok::Lit(s) => run.push_str(s),
            Tok::One | Tok::Star => {
                if let Some(r) = required_piece(&[Tok::Lit(&run)]) {
                    out.push(r);
                }
                run.clear();
            }
        }
    }
}

/// Picks each item's piece among its literal runs: the one the fewest items of the list share
/// (a run every pattern has, such as a common prefix, selects nothing), then the longest; runs
/// shorter than 3 bytes only when the item has no longer one.
fn choose_pieces(runs: &[Vec<String>]) -> Vec<Option<String>> {
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

/// The literal runs of a compiled glob, appended to `out`.
fn glob_runs(g: &CGlob<'_>, out: &mut Vec<String>) {
    let lits: [&str; 2] = match *g {
        CGlob::Any => ["", ""],
        CGlob::Exact(a) | CGlob::Prefix(a) | CGlob::Suffix(a) | CGlob::Contains(a) => [a, ""],
        CGlob::PrefixSuffix(a, b) | CGlob::PrefixContains(a, b) => [a, b],
        CGlob::General { toks, .. } => return literal_runs(toks, out),
    };
    for l in lits {
        literal_runs(&[Tok::Lit(l)], out);
    }
}

/// The literal runs of an ARN pattern's segments after its literal prefix (the prefix is checked
/// first anyway, and is usually shared by the whole list). Each segment glob matches a whole
/// segment, a substring of the ARN, so the ARN contains each of them.
fn arn_runs(a: &CArn<'_>, out: &mut Vec<String>) {
    let (segs, tail) = match a {
        CArn::Full { segs, .. } => (*segs, None),
        CArn::Short { head, tail, .. } => (*head, Some(tail)),
        CArn::Never => return,
    };
    for g in segs.iter().map(|c| &c.glob).chain(tail) {
        glob_runs(g, out);
    }
}

/// The longest literal run of an ARN pattern after its literal prefix (see [`build_arns`] for
/// the piece a list actually uses).
pub fn arn_piece(a: &CArn<'_>) -> Option<String> {
    let mut out = Vec::new();
    arn_runs(a, &mut out);
    out.into_iter().max_by_key(String::len)
}

/// Prefilters for the ARN patterns of a `Resource` list or ARN condition (items without a fixed
/// ARN pattern are always run), appended to `searchers`, when at least `min` × [`ARN_FACTOR`]
/// of them have a piece; see [`build_groups`].
pub fn build_arns<'x>(
    pats: impl Iterator<Item = Option<&'x CArn<'x>>>,
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (u32, u32) {
    let runs: Vec<Vec<String>> = pats
        .map(|a| {
            let mut out = Vec::new();
            if let Some(a) = a {
                arn_runs(a, &mut out);
            }
            out
        })
        .collect();
    let pieces = choose_pieces(&runs);
    build_groups(&pieces, min.saturating_mul(ARN_FACTOR), searchers)
}

/// True when `run(i)` holds for one of `n` ARN items, through the prefilters `multi` (from
/// [`build_arns`]) over the ARN `text`.
#[inline(never)]
pub fn any_arn(
    multi: (u32, u32),
    n: usize,
    text: &str,
    searchers: &[Searcher],
    run: impl Fn(usize) -> bool,
) -> bool {
    any_with(multi, n, text, searchers, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::glob::{TokBuf, tokenize_into};
    use crate::policy::glob::Glob;

    fn token_bufs<'p>(pats: &[&'p str]) -> Vec<TokBuf<'p>> {
        pats.iter()
            .map(|p| {
                let mut b = TokBuf::default();
                tokenize_into(p, &mut b);
                b
            })
            .collect()
    }

    /// Compiled with the prefilter (threshold 1) and without, against the naive glob.
    fn check(pats: &[&str], texts: &[&str]) {
        let arena = Bump::new();
        let bufs = token_bufs(pats);
        let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
        let mut searchers = Vec::new();
        let (globs, multi) = build_like(&arena, &toks, 1, &mut searchers);
        let has_piece = toks.iter().any(|t| required_piece(t).is_some());
        assert_eq!(multi.1 > 0, has_piece, "{pats:?}");
        let (plain, none) = build_like(&arena, &toks, usize::MAX, &mut searchers);
        assert_eq!(none, (0, 0));
        for t in texts {
            let naive = pats.iter().any(|p| Glob::pattern(p).matches(t));
            assert_eq!(
                any_like(globs, multi, t, &searchers),
                naive,
                "{pats:?} vs {t:?}"
            );
            assert_eq!(
                any_like(plain, none, t, &searchers),
                naive,
                "{pats:?} vs {t:?}"
            );
            // Each pattern alone, through a prefilter of one.
            for (i, p) in toks.iter().enumerate() {
                let mut s = Vec::new();
                let (g, m) = build_like(&arena, &[p], 1, &mut s);
                let want = Glob::pattern(pats[i]).matches(t);
                assert_eq!(any_like(g, m, t, &s), want, "{:?} vs {t:?}", pats[i]);
            }
        }
    }

    #[test]
    fn pieces_are_longest_literal_runs() {
        let piece = |p: &str| {
            let mut b = TokBuf::default();
            tokenize_into(p, &mut b);
            required_piece(b.as_slice())
        };
        assert_eq!(piece("ab*cde?f"), Some("cde".to_owned()));
        assert_eq!(piece("abc"), Some("abc".to_owned()));
        assert_eq!(piece("*"), None);
        assert_eq!(piece("?*"), None);
        assert_eq!(piece(""), None);
        assert_eq!(piece("a?bb?c"), Some("bb".to_owned()));
        // Literal tokens side by side (template escapes) are one run.
        let toks = [Tok::Lit("a"), Tok::Lit("*b"), Tok::Star, Tok::Lit("xy")];
        assert_eq!(required_piece(&toks), Some("a*b".to_owned()));
    }

    #[test]
    fn many_patterns_agree_with_naive() {
        let pats: Vec<String> = (0..40)
            .map(|i| format!("team-{i}-*"))
            .chain(["ml.?5.*large".into(), "*-prod".into(), "a?c".into()])
            .collect();
        let pats: Vec<&str> = pats.iter().map(String::as_str).collect();
        check(
            &pats,
            &[
                "team-3-x",
                "team-39-",
                "team-40-x",
                "ml.m5.xlarge",
                "ml.m5.large",
                "ml.mm5.large",
                "svc-prod",
                "prod",
                "abc",
                "aéc",
                "",
                "team-",
            ],
        );
    }

    #[test]
    fn no_literal_patterns_are_always_tried() {
        check(&["?*", "abc", "abd", "x?y"], &["", "a", "abc", "xzy", "xy"]);
        check(&["*", "abc"], &["", "zzz"]);
        check(&["", "abc"], &["", "abc", "ab"]);
        check(&["???", "abcd"], &["abc", "ab", "éé€"]);
    }

    #[test]
    fn overlapping_and_nested_pieces() {
        // `b` occurs only inside `abc`; `bcd` overlaps `abc`; `aa` overlaps itself.
        let pats = ["*abc*", "b", "*b*", "*bcd", "x*aa*", "ab*cd", "*c"];
        check(
            &pats,
            &[
                "abcd", "b", "abc", "xaaa", "xaa", "xa", "abcdcd", "bc", "zzz",
            ],
        );
        // Same piece in several patterns.
        check(
            &["a*key", "key*b", "*key*", "k?y", "key"],
            &["akey", "keyb", "key", "kxy", "ke", "xkeyx"],
        );
    }

    #[test]
    fn unicode_pieces() {
        let pats = ["*Σ", "é?*", "日本*語", "*ü?ber*", "?€", "naïve", "na?ve"];
        check(
            &pats,
            &[
                "ΑΣ",
                "Σ",
                "éx",
                "é",
                "日本の語",
                "日本語",
                "xüxber",
                "über",
                "x€",
                "€",
                "naïve",
                "naive",
                "naéve",
                "",
            ],
        );
    }

    #[test]
    fn case_sensitive() {
        check(
            &["Alice*", "*BOB", "carol", "Dave?", "eve", "f*", "g*", "h*"],
            &[
                "alice", "Alice1", "bob", "xBOB", "CAROL", "Dave!", "EVE", "F", "f",
            ],
        );
    }

    #[test]
    fn groups_beyond_one_bitset() {
        let pats: Vec<String> = (0..1100).map(|i| format!("p{i}x*")).collect();
        let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
        let arena = Bump::new();
        let bufs = token_bufs(&refs);
        let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
        let mut searchers = Vec::new();
        let (globs, multi) = build_like(&arena, &toks, 8, &mut searchers);
        assert_eq!(multi.1, 3);
        for t in ["p0x", "p511x", "p512xy", "p1099x", "p1100x", "p5", "x"] {
            let naive = refs.iter().any(|p| Glob::pattern(p).matches(t));
            assert_eq!(any_like(globs, multi, t, &searchers), naive, "{t}");
        }
    }

    #[test]
    fn long_literals_compile_fast_and_still_match() {
        let long: Vec<String> = (0..16)
            .map(|i| format!("*{}{i}*", "v".repeat(100 * 1024)))
            .collect();
        let pats: Vec<&str> = long.iter().map(String::as_str).collect();
        let start = std::time::Instant::now();
        let hit = format!("x{}7y", "v".repeat(100 * 1024));
        let miss = "v".repeat(100 * 1024);
        check(&pats[..9], &[&hit, &miss, "v7"]);
        assert!(start.elapsed().as_secs() < 10);
        assert_eq!(
            required_piece(&[Tok::Star, Tok::Lit(&"é".repeat(40))]).map(|p| p.len()),
            Some(32)
        );
        assert_eq!(
            required_piece(&[Tok::Lit(&format!("a{}", "é".repeat(40)))]).map(|p| p.len()),
            Some(31)
        );
    }

    #[test]
    fn large_piece_sets_use_the_nfa() {
        // 200 pieces of 30 bytes: past `DFA_BYTES`, so the contiguous NFA scans.
        let pats: Vec<String> = (0..200)
            .map(|i| format!("*{i:03}-{}-{i:03}*", "q".repeat(22)))
            .collect();
        let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
        let arena = Bump::new();
        let bufs = token_bufs(&refs);
        let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
        let mut searchers = Vec::new();
        let (globs, multi) = build_like(&arena, &toks, 8, &mut searchers);
        assert!(matches!(
            &searchers[multi.0 as usize],
            Searcher::Multi(p) if matches!(p.ac, Ac::Nfa(_))
        ));
        let q = "q".repeat(22);
        for t in [
            format!("x199-{q}-199y"),
            format!("007-{q}-007"),
            format!("007-{q}-008"),
            format!("200-{q}-200"),
            String::new(),
        ] {
            let naive = refs.iter().any(|p| Glob::pattern(p).matches(&t));
            assert_eq!(any_like(globs, multi, &t, &searchers), naive, "{t}");
        }
    }

    /// ARN patterns through [`build_arns`]/[`any_arn`] (threshold 1) against the naive ARN glob.
    fn check_arns(pats: &[&str], arns: &[&str]) {
        use crate::policy::pattern::arn_glob_matches;
        use crate::request::arn::{PArn, arn_segments};
        let arena = Bump::new();
        let mut searchers = Vec::new();
        let carns: Vec<CArn<'_>> = pats
            .iter()
            .map(|p| {
                let mut b = TokBuf::default();
                tokenize_into(p, &mut b);
                CArn::build(&arena, b.as_slice(), &mut searchers)
            })
            .collect();
        let multi = build_arns(carns.iter().map(Some), 1, &mut searchers);
        assert!(multi.1 > 0, "{pats:?}");
        for t in arns {
            let naive = pats.iter().any(|p| arn_glob_matches(&Glob::pattern(p), t));
            let got = arn_segments(t).is_some_and(|segs| {
                let arn = PArn::new(t, segs);
                any_arn(multi, carns.len(), t, &searchers, |i| {
                    carns[i].matches(&arn, &searchers)
                })
            });
            assert_eq!(got, naive, "{pats:?} vs {t:?}");
        }
    }

    #[test]
    fn arn_pieces_skip_the_literal_prefix() {
        let arena = Bump::new();
        let piece = |p: &str| {
            let mut b = TokBuf::default();
            tokenize_into(p, &mut b);
            arn_piece(&CArn::build(&arena, b.as_slice(), &mut Vec::new()))
        };
        let acct = "arn:aws:sagemaker:us-east-1:111122223333";
        assert_eq!(
            piece(&format!("{acct}:model/prod-*")),
            Some("model/prod-".into())
        );
        assert_eq!(
            piece("arn:aws:sagemaker:*:111122223333:model/*"),
            Some("111122223333".into())
        );
        assert_eq!(piece("arn:aws:s3:::*"), None);
        assert_eq!(piece("arn:aws:s3:::bucket-a*"), Some("bucket-a".into()));
        // Short patterns: the tail runs over the rest of the ARN.
        assert_eq!(
            piece("arn:aws:sagemaker:us-east-1:*team*"),
            Some("team".into())
        );
        assert_eq!(piece("arn:aws:iam::111122223333"), None);
    }

    #[test]
    fn arn_lists_agree_with_naive() {
        let names: Vec<String> = (0..24)
            .map(|i| match i % 4 {
                0 => format!("arn:aws:sagemaker:us-east-1:111122223333:model/m{i}-*"),
                1 => format!("arn:aws:sagemaker:*:111122223333:endpoint/e{i}"),
                2 => format!("arn:aws:s3:::bucket-{i}/*"),
                _ => format!("arn:aws:sagemaker:us-east-1:*team{i}*"),
            })
            .chain([
                "arn:aws:iam::*:role/?".to_owned(),
                "arn:aws:iam::111122223333:role/a?min".to_owned(),
                "arn:aws:s3:::*".to_owned(),
                "arn:aws:iam::111122223333".to_owned(),
                "arn:aws:sts::*:assumed-role/r/*".to_owned(),
                "arn:aws:sagemaker:us-east-1:111122223333:model/é*Σ".to_owned(),
            ])
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let arns = [
            "arn:aws:sagemaker:us-east-1:111122223333:model/m4-x",
            "arn:aws:sagemaker:us-east-1:111122223333:model/m5-x",
            "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/e5",
            "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/e5x",
            "arn:aws:s3:::bucket-6/k",
            "arn:aws:s3:::other/k",
            "arn:aws:sagemaker:us-east-1:1:x:team7:y",
            "arn:aws:sagemaker:us-east-1:111122223333:x/team71",
            "arn:aws:iam::444455556666:role/x",
            "arn:aws:iam::111122223333:role/admin",
            "arn:aws:iam::111122223333:",
            "arn:aws:sts::1:assumed-role/r/s",
            "arn:aws:sagemaker:us-east-1:111122223333:model/éxΣ",
            "arn:aws:sagemaker:us-east-1:111122223333:model/m0-",
            "not-an-arn",
            "arn:aws:sagemaker:us-east-1",
        ];
        check_arns(&refs, &arns);
        // Without the prefix-only pattern that always matches S3 ARNs.
        let fewer: Vec<&str> = refs
            .iter()
            .copied()
            .filter(|p| *p != "arn:aws:s3:::*")
            .collect();
        check_arns(&fewer, &arns);
    }

    #[test]
    fn pieces_avoid_runs_the_list_shares() {
        let runs = |p: &str| {
            let mut b = TokBuf::default();
            tokenize_into(p, &mut b);
            let mut out = Vec::new();
            literal_runs(b.as_slice(), &mut out);
            out
        };
        let list: Vec<Vec<String>> = ["data-*-risk7-*", "data-*-churn1-*", "data-*", "ab*x"]
            .iter()
            .map(|p| runs(p))
            .collect();
        assert_eq!(list[0], ["data-", "-risk7-"]);
        let chosen = choose_pieces(&list);
        assert_eq!(chosen[0].as_deref(), Some("-risk7-"));
        assert_eq!(chosen[1].as_deref(), Some("-churn1-"));
        assert_eq!(chosen[2].as_deref(), Some("data-"));
        // Only short runs: the rarest of them.
        assert_eq!(chosen[3].as_deref(), Some("ab"));
        check(
            &[
                "data-*-risk7-*",
                "data-*-churn1-*",
                "data-*",
                "ab*x",
                "*-risk7-",
            ],
            &[
                "data-x-risk7-y",
                "data-",
                "abx",
                "ab",
                "x-risk7-",
                "data-churn1-",
            ],
        );
    }

    #[test]
    fn below_threshold_keeps_the_loop() {
        let arena = Bump::new();
        let toks = [Tok::Lit("a"), Tok::Star];
        let mut searchers = Vec::new();
        let below = vec![&toks[..]; DEFAULT_MIN_PATTERNS - 1];
        let (_, multi) = build_like(&arena, &below, DEFAULT_MIN_PATTERNS, &mut searchers);
        assert_eq!(multi, (0, 0));
        let at = vec![&toks[..]; DEFAULT_MIN_PATTERNS];
        let (_, multi) = build_like(&arena, &at, DEFAULT_MIN_PATTERNS, &mut searchers);
        assert_eq!(multi.1, 1);
        // Patterns without a piece do not count.
        let mut mixed = below.clone();
        mixed.push(&[Tok::Star]);
        let (_, multi) = build_like(&arena, &mixed, DEFAULT_MIN_PATTERNS, &mut searchers);
        assert_eq!(multi, (0, 0));
    }
}
