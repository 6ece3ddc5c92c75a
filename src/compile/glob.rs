//! Compiled wildcard matchers: the shapes real policies use (`*`, literal, `prefix*`, `*suffix`,
//! `a*b`, `*mid*`) get a direct test; anything else is a token program matched by the greedy chunk
//! algorithm, which never backtracks.
//!
//! INVARIANT (linear matching): a pattern is split at its `*`s into chunks of literal text and `?`.
//! The first chunk is anchored at the start, the last at the end, and every middle chunk is placed
//! at its leftmost occurrence after the previous one. Leftmost placement leaves the most room for
//! what follows, so no other placement can succeed where it fails: one forward pass suffices, and a
//! pattern like `*a*a*a*a*b` costs O(text × chunks), not exponential time.

use bumpalo::Bump;

use super::prefilter;
use super::text;

/// One token of a glob program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok<'a> {
    /// Literal text.
    Lit(&'a str),
    /// `?`: one Unicode scalar value.
    One,
    /// `*`: any run.
    Star,
}

/// An automaton a compiled set owns outside its arena, referenced by index from arena data.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "finders, the common kind, stay inline as before; prefilters are boxed"
)]
pub enum Searcher {
    /// A prebuilt substring searcher for the leading literal of a general glob's middle chunk.
    Lit(memchr::memmem::Finder<'static>),
    /// A multi-pattern prefilter for one group of a condition's `Like` patterns.
    Multi(Box<prefilter::Prefilter>),
}

impl Searcher {
    /// The substring searcher, when this is one.
    fn finder(&self) -> Option<&memchr::memmem::Finder<'static>> {
        match self {
            Searcher::Lit(f) => Some(f),
            Searcher::Multi(_) => None,
        }
    }

    /// Heap and inline bytes this searcher uses.
    pub(crate) fn memory_usage(&self) -> usize {
        std::mem::size_of::<Searcher>()
            + match self {
                Searcher::Lit(f) => f.needle().len(),
                Searcher::Multi(p) => p.memory_usage(),
            }
    }
}

/// Appends the tokens of pattern text (`*` and `?` live) to `out`.
pub fn tokenize_into<'a>(text: &'a str, out: &mut TokBuf<'a>) {
    let mut start = 0;
    // `*` and `?` are ASCII, so their byte offsets are character boundaries.
    for i in memchr::memchr2_iter(b'*', b'?', text.as_bytes()) {
        if i > start
            && let Some(lit) = text.get(start..i)
        {
            out.push(Tok::Lit(lit));
        }
        out.push(if text.as_bytes().get(i) == Some(&b'*') {
            Tok::Star
        } else {
            Tok::One
        });
        start = i + 1;
    }
    if start < text.len()
        && let Some(lit) = text.get(start..)
    {
        out.push(Tok::Lit(lit));
    }
}

/// The tokens of a variable-free template: pattern text with `*`/`?` live, literal pieces
/// (escapes) as literals.
pub(crate) fn template_toks(t: &crate::policy::glob::Template) -> TokBuf<'_> {
    use crate::policy::glob::Piece;
    let mut out = TokBuf::default();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => tokenize_into(s, &mut out),
            Piece::Literal(s) => out.push(Tok::Lit(s)),
            Piece::Var(_) => {}
        }
    }
    out
}

/// A token buffer that stays on the stack for patterns of up to 24 tokens, so resolving a policy
/// variable into a pattern does not allocate on the hot path.
#[expect(
    clippy::large_enum_variant,
    reason = "the inline variant is the point: it keeps resolved patterns on the stack"
)]
pub enum TokBuf<'a> {
    /// Inline storage and length.
    Inline([Tok<'a>; 24], usize),
    /// Spilled to the heap (very long patterns only).
    Heap(Vec<Tok<'a>>),
}

impl<'a> Default for TokBuf<'a> {
    fn default() -> Self {
        TokBuf::Inline([Tok::Star; 24], 0)
    }
}

impl<'a> TokBuf<'a> {
    /// Appends a token (empty literals are dropped; consecutive stars are kept, which
    /// [`match_toks`] treats as one).
    pub fn push(&mut self, t: Tok<'a>) {
        if let Tok::Lit("") = t {
            return;
        }
        match self {
            TokBuf::Inline(arr, n) => {
                if let Some(slot) = arr.get_mut(*n) {
                    *slot = t;
                    *n += 1;
                } else {
                    let mut v = arr.to_vec();
                    v.push(t);
                    *self = TokBuf::Heap(v);
                }
            }
            TokBuf::Heap(v) => v.push(t),
        }
    }

    /// The tokens so far.
    pub fn as_slice(&self) -> &[Tok<'a>] {
        match self {
            TokBuf::Inline(arr, n) => arr.get(..*n).unwrap_or(&[]),
            TokBuf::Heap(v) => v,
        }
    }
}

/// Length in bytes of the character at byte `at` of `text`.
fn char_len_at(text: &str, at: usize) -> Option<usize> {
    text.get(at..)?.chars().next().map(char::len_utf8)
}

/// Matches `chunk` (no stars) at byte `at` of `text`, returning the end.
fn match_at(chunk: &[Tok<'_>], text: &str, mut at: usize) -> Option<usize> {
    for t in chunk {
        match t {
            Tok::Lit(s) => {
                if !text.get(at..)?.starts_with(s) {
                    return None;
                }
                at += s.len();
            }
            Tok::One => at += char_len_at(text, at)?,
            Tok::Star => return None,
        }
    }
    Some(at)
}

/// Start of `chunk` when it ends exactly at `end` (walking backwards), if it can.
fn start_for_end(chunk: &[Tok<'_>], text: &str, mut end: usize) -> Option<usize> {
    for t in chunk.iter().rev() {
        match t {
            Tok::Lit(s) => {
                if !text.get(..end)?.ends_with(s) {
                    return None;
                }
                end -= s.len();
            }
            Tok::One => {
                let c = text.get(..end)?.chars().next_back()?;
                end -= c.len_utf8();
            }
            Tok::Star => return None,
        }
    }
    Some(end)
}

/// Literals longer than this are searched with Knuth-Morris-Pratt rather than memchr.
const LONG_LITERAL: usize = 256;

/// Calls `check(end)` for every occurrence of `needle` in `hay[from..]` (overlapping ones
/// included), leftmost first, and returns the first occurrence it accepts: (start, its result).
fn kmp_find(
    needle: &[u8],
    hay: &str,
    from: usize,
    check: impl Fn(usize) -> Option<usize>,
) -> Option<(usize, usize)> {
    let mut fail = vec![0usize; needle.len()];
    let mut k = 0usize;
    for i in 1..needle.len() {
        while k > 0 && needle.get(i) != needle.get(k) {
            k = fail.get(k - 1).copied().unwrap_or(0);
        }
        if needle.get(i) == needle.get(k) {
            k += 1;
        }
        if let Some(f) = fail.get_mut(i) {
            *f = k;
        }
    }
    let bytes = hay.as_bytes();
    let mut q = 0usize;
    for (i, b) in bytes.iter().enumerate().skip(from) {
        while q > 0 && needle.get(q) != Some(b) {
            q = fail.get(q - 1).copied().unwrap_or(0);
        }
        if needle.get(q) == Some(b) {
            q += 1;
        }
        if q == needle.len() {
            let end = i + 1;
            let start = end - needle.len();
            // A match of valid UTF-8 text starts on a character boundary.
            if hay.is_char_boundary(start)
                && let Some(r) = check(end)
            {
                return Some((start, r));
            }
            q = fail.get(q - 1).copied().unwrap_or(0);
        }
    }
    None
}

/// Finds the leftmost occurrence of `chunk` in `text[from..limit]`: (start, end). `searcher`,
/// when given, is a prebuilt searcher for the chunk's leading literal.
fn find_chunk(
    chunk: &[Tok<'_>],
    text: &str,
    from: usize,
    limit: usize,
    searcher: Option<&memchr::memmem::Finder<'static>>,
) -> Option<(usize, usize)> {
    let hay = text.get(..limit)?;
    match chunk.first() {
        Some(Tok::Lit(lead)) => {
            let rest = chunk.get(1..).unwrap_or(&[]);
            if lead.len() > LONG_LITERAL {
                // Every occurrence in O(text + literal) with Knuth-Morris-Pratt, so a long
                // periodic literal does not cost O(text × literal). Allocates: only for literals
                // longer than any real policy holds.
                return kmp_find(lead.as_bytes(), hay, from, |end| match_at(rest, hay, end));
            }
            // Every occurrence of the lead literal, overlapping ones included, leftmost first;
            // only the tokens after it are checked per occurrence.
            let built;
            let finder = match searcher {
                Some(f) => f,
                None => {
                    built = memchr::memmem::Finder::new(lead.as_bytes());
                    &built
                }
            };
            let mut pos = from;
            loop {
                let start = finder.find(hay.get(pos..)?.as_bytes())? + pos;
                if let Some(end) = match_at(rest, hay, start + lead.len()) {
                    return Some((start, end));
                }
                pos = start + char_len_at(hay, start)?;
            }
        }
        Some(_) => {
            let mut pos = from;
            loop {
                if let Some(end) = match_at(chunk, hay, pos) {
                    return Some((pos, end));
                }
                pos += char_len_at(hay, pos)?;
            }
        }
        None => Some((from, from)),
    }
}

/// Matches a whole `text` against a token program (greedy chunk algorithm, see the module doc).
/// `searchers`, when given, holds one prebuilt searcher per middle chunk.
pub fn match_toks(toks: &[Tok<'_>], text: &str, searchers: Option<&[Searcher]>) -> bool {
    let stars = toks.iter().filter(|t| **t == Tok::Star).count();
    if stars == 0 {
        return match_at(toks, text, 0) == Some(text.len());
    }
    let mut parts = toks.split(|t| *t == Tok::Star);
    let first = parts.next().unwrap_or(&[]);
    let Some(first_end) = match_at(first, text, 0) else {
        return false;
    };
    // The last chunk is anchored at the end.
    let last = toks.rsplit(|t| *t == Tok::Star).next().unwrap_or(&[]);
    let Some(last_start) = start_for_end(last, text, text.len()) else {
        return false;
    };
    if last_start < first_end {
        return false;
    }
    // Middle chunks, each at its leftmost place between the previous one and the last chunk.
    let mut pos = first_end;
    let mut i = 0usize;
    for chunk in parts.take(stars - 1) {
        if chunk.is_empty() {
            continue;
        }
        let searcher = searchers.and_then(|s| s.get(i)).and_then(Searcher::finder);
        i += 1;
        match find_chunk(chunk, text, pos, last_start, searcher) {
            Some((_, end)) => pos = end,
            None => return false,
        }
    }
    true
}

/// A compiled glob with fast paths for the common shapes.
#[derive(Debug, Clone, Copy)]
pub enum CGlob<'a> {
    /// `*`
    Any,
    /// No wildcard.
    Exact(&'a str),
    /// `lit*`
    Prefix(&'a str),
    /// `*lit`
    Suffix(&'a str),
    /// `lit*lit`
    PrefixSuffix(&'a str, &'a str),
    /// `*lit*`
    Contains(&'a str),
    /// `lit*lit*`
    PrefixContains(&'a str, &'a str),
    /// Anything else: a token program, with searchers (indexes into the owner's list) for its
    /// middle chunks.
    General {
        /// The tokens.
        toks: &'a [Tok<'a>],
        /// Index of the first middle-chunk searcher in the owner's list, and how many.
        searchers: (u32, u32),
    },
}

impl<'a> CGlob<'a> {
    /// Compiles tokens into the arena; general programs get prebuilt searchers for their middle
    /// chunks' leading literals, appended to `searchers`.
    pub fn build(arena: &'a Bump, toks: &[Tok<'_>], searchers: &mut Vec<Searcher>) -> CGlob<'a> {
        match toks {
            [Tok::Star] => return CGlob::Any,
            [] => return CGlob::Exact(""),
            _ => {}
        }
        let merged = toks
            .windows(2)
            .any(|w| matches!(w, [Tok::Lit(_), Tok::Lit(_)] | [Tok::Star, Tok::Star]));
        if !merged {
            // Tokens as written (`tokenize_into` never puts two literals side by side).
            return Self::build_merged(arena, toks, searchers);
        }
        // Merge adjacent literals (templates' literal pieces) and runs of stars, so the shapes
        // are recognised.
        let mut texts: Vec<String> = Vec::new();
        let mut shape: Vec<Tok<'_>> = Vec::new();
        for t in toks {
            match (t, shape.last()) {
                (Tok::Lit(x), Some(Tok::Lit(_))) => {
                    if let Some(last) = texts.last_mut() {
                        last.push_str(x);
                    }
                }
                (Tok::Lit(x), _) => {
                    texts.push((*x).to_owned());
                    shape.push(Tok::Lit(""));
                }
                (Tok::Star, Some(Tok::Star)) => {}
                (other, _) => shape.push(*other),
            }
        }
        let mut lits = texts.iter();
        let owned: Vec<Tok<'_>> = shape
            .iter()
            .map(|t| match t {
                Tok::Lit(_) => Tok::Lit(lits.next().map_or("", String::as_str)),
                other => *other,
            })
            .collect();
        Self::build_merged(arena, &owned, searchers)
    }

    /// [`build`](Self::build) for tokens with no two literals or two stars side by side.
    fn build_merged(arena: &'a Bump, toks: &[Tok<'_>], searchers: &mut Vec<Searcher>) -> CGlob<'a> {
        let s = |x: &str| -> &'a str { arena.alloc_str(x) };
        match *toks {
            [Tok::Star] => return CGlob::Any,
            [Tok::Lit(a)] => return CGlob::Exact(s(a)),
            [Tok::Lit(a), Tok::Star] => return CGlob::Prefix(s(a)),
            [Tok::Star, Tok::Lit(b)] => return CGlob::Suffix(s(b)),
            [Tok::Lit(a), Tok::Star, Tok::Lit(b)] => return CGlob::PrefixSuffix(s(a), s(b)),
            [Tok::Star, Tok::Lit(m), Tok::Star] => return CGlob::Contains(s(m)),
            [Tok::Lit(a), Tok::Star, Tok::Lit(m), Tok::Star] => {
                return CGlob::PrefixContains(s(a), s(m));
            }
            _ => {}
        }
        let toks: &'a [Tok<'a>] = arena.alloc_slice_fill_iter(toks.iter().map(|t| match t {
            Tok::Lit(x) => Tok::Lit(s(x)),
            Tok::One => Tok::One,
            Tok::Star => Tok::Star,
        }));
        // Searchers for the leading literal of each middle chunk, in order; when a chunk starts
        // with `?` or a literal too long for one (matched by Knuth-Morris-Pratt), the program
        // gets none and builds its finders per search.
        let chunks = toks.split(|t| *t == Tok::Star).count();
        let middle = toks
            .split(|t| *t == Tok::Star)
            .skip(1)
            .take(chunks.saturating_sub(2));
        let start = u32::try_from(searchers.len()).unwrap_or(u32::MAX);
        let mut built = Vec::new();
        for c in middle.filter(|c| !c.is_empty()) {
            match c.first() {
                Some(Tok::Lit(lead)) if lead.len() <= LONG_LITERAL => {
                    built.push(Searcher::Lit(
                        memchr::memmem::Finder::new(lead.as_bytes()).into_owned(),
                    ));
                }
                _ => {
                    built.clear();
                    break;
                }
            }
        }
        let n = u32::try_from(built.len()).unwrap_or(0);
        searchers.extend(built);
        CGlob::General {
            toks,
            searchers: (start, n),
        }
    }

    /// Matches the whole of `text`.
    #[inline(always)]
    pub fn matches(&self, text: &str, searchers: &[Searcher]) -> bool {
        match *self {
            CGlob::Any => true,
            CGlob::Exact(a) => text::eq(text, a),
            CGlob::Prefix(a) => text::starts_with(text, a),
            CGlob::Suffix(b) => text::ends_with(text, b),
            CGlob::PrefixSuffix(a, b) => {
                text.len() >= a.len() + b.len()
                    && text::starts_with(text, a)
                    && text::ends_with(text, b)
            }
            CGlob::Contains(m) => text::contains(text, m),
            CGlob::PrefixContains(a, m) => {
                text::starts_with(text, a) && text::contains(text.get(a.len()..).unwrap_or(""), m)
            }
            CGlob::General {
                toks,
                searchers: (start, n),
            } => {
                let own = if n == 0 {
                    None
                } else {
                    let (s, e) = (start as usize, start as usize + n as usize);
                    searchers.get(s..e)
                };
                match_toks(toks, text, own)
            }
        }
    }

    /// The byte every match starts with, when the pattern fixes it.
    pub(crate) fn lead_byte(&self) -> Option<u8> {
        let lead = match self {
            CGlob::Exact(a)
            | CGlob::Prefix(a)
            | CGlob::PrefixSuffix(a, _)
            | CGlob::PrefixContains(a, _) => *a,
            CGlob::General { toks, .. } => match toks.first() {
                Some(Tok::Lit(a)) => a,
                _ => "",
            },
            CGlob::Any | CGlob::Suffix(_) | CGlob::Contains(_) => "",
        };
        lead.as_bytes().first().copied()
    }

    /// The length of an exact glob's text (0 for other shapes).
    pub(crate) fn exact_len(&self) -> usize {
        match self {
            CGlob::Exact(s) => s.len(),
            _ => 0,
        }
    }

    /// True when the glob is exactly `*`.
    pub(crate) fn is_any(&self) -> bool {
        matches!(self, CGlob::Any)
    }

    /// True when the glob's last token is `*` (for short ARN patterns).
    pub(crate) fn ends_with_star(&self) -> bool {
        match self {
            CGlob::Any | CGlob::Prefix(_) | CGlob::Contains(_) | CGlob::PrefixContains(..) => true,
            CGlob::General { toks, .. } => toks.last() == Some(&Tok::Star),
            _ => false,
        }
    }
}

// Prefilter plumbing for `Like` lists (the automaton itself is in `prefilter`).

/// The longest literal run of a token program (adjacent literal tokens joined), if any.
pub(crate) fn required_piece(toks: &[Tok<'_>]) -> Option<String> {
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
    let mut cut = best.len().min(prefilter::MAX_PIECE);
    while !best.is_char_boundary(cut) {
        cut -= 1;
    }
    best.truncate(cut);
    (!best.is_empty()).then_some(best)
}

/// Prefilters for items with these pieces (`None`: always run), appended to `searchers`, when
/// at least `min` items have a piece: their (first index in `searchers`, count), count 0 for none.
pub(crate) fn build_groups(
    pieces: &[Option<String>],
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (u32, u32) {
    let built = prefilter::build_all(pieces, min);
    let (Ok(start), Ok(n)) = (u32::try_from(searchers.len()), u32::try_from(built.len())) else {
        return (0, 0);
    };
    if n == 0 {
        return (0, 0);
    }
    searchers.extend(built.into_iter().map(|p| Searcher::Multi(Box::new(p))));
    (start, n)
}

/// True when `run(i)` holds for some `i < n`, through the prefilters `multi` over `text` (every
/// item is run when there are none).
#[inline(always)]
pub(crate) fn any_with(
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
    // Fewer patterns than the threshold cannot have enough pieces: skip choosing them (most
    // lists are short, and one-off decisions compile every list they meet).
    if pats.len() < min.max(1) {
        return (globs, (0, 0));
    }
    let runs: Vec<Vec<String>> = pats
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            literal_runs(t, &mut out);
            out
        })
        .collect();
    let pieces = prefilter::choose_pieces(&runs);
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
pub(crate) fn literal_runs(toks: &[Tok<'_>], out: &mut Vec<String>) {
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

/// The literal runs of a compiled glob, appended to `out`.
pub(crate) fn glob_runs(g: &CGlob<'_>, out: &mut Vec<String>) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::glob::Glob;

    fn naive(p: &str, t: &str) -> bool {
        Glob::pattern(p).matches(t)
    }

    fn compiled(p: &str, t: &str) -> bool {
        let arena = Bump::new();
        let mut buf = TokBuf::default();
        tokenize_into(p, &mut buf);
        let mut searchers = Vec::new();
        let g = CGlob::build(&arena, buf.as_slice(), &mut searchers);
        let direct = match_toks(buf.as_slice(), t, None);
        let via = g.matches(t, &searchers);
        assert_eq!(direct, via, "{p} vs {t}");
        via
    }

    #[test]
    fn agrees_with_naive_on_a_grid() {
        let pats = [
            "", "*", "a", "a*", "*a", "a*b", "*a*", "a?c", "?", "*?", "?*", "a*b*c", "*a*a*b",
            "a??", "*é?", "ab*ab", "*ab*ab*", "a*?b", "**", "a*b?*c*", "?a*", "*a?", "a*b*",
            "ab*a*", "a*ab*",
        ];
        let texts = [
            "", "a", "b", "ab", "abc", "aXc", "aab", "ababab", "abab", "éx", "aéb", "abcabc",
            "acb", "aaaaaab", "xa", "ba",
        ];
        for p in pats {
            for t in texts {
                assert_eq!(compiled(p, t), naive(p, t), "pattern {p:?} text {t:?}");
            }
        }
    }

    #[test]
    fn adversarial_pattern_is_fast() {
        let p = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
        let t = "a".repeat(100_000);
        let start = std::time::Instant::now();
        assert!(!compiled(p, &t));
        assert!(start.elapsed().as_secs() < 2);
    }
}
