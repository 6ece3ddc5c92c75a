//! Compiled ARN matchers for `Resource`/`NotResource` entries and ARN condition values.
//!
//! INVARIANT (same splitting as the reference): patterns and ARNs are split at their first five
//! colons; a pattern with fewer than six segments matches only when its last segment ends in `*`,
//! which then runs over the rest of the ARN (S-13b, S-14).

use bumpalo::Bump;

use super::glob::{
    CGlob, Searcher, Tok, TokBuf, any_with, build_groups, glob_runs, match_toks, template_toks,
    tokenize_into,
};
use super::prefilter;
use super::template::{CPiece, CTemplate};
use super::text;
use crate::policy::glob::{Piece, Template};
use crate::request::arn::PArn;
use crate::request::prepared::EvalCtx;

/// A compiled ARN pattern without variables. Leading literal segments (`arn:aws:sagemaker:`)
/// are checked as one prefix of the ARN; since an ARN's first five segments hold no colon, the
/// prefix fixes exactly those segments.
#[derive(Debug, Clone, Copy)]
pub enum CArn<'a> {
    /// Six segments: the first `first` as `prefix`, each later one that is not `*` matched on its
    /// own (`*` matches any segment, which holds no colon before the sixth).
    Full {
        /// Leading literal segments, each followed by its colon.
        prefix: &'a str,
        /// How many segments `prefix` covers.
        first: usize,
        /// The segments after `prefix` that are not `*`, with their index.
        segs: &'a [CSeg<'a>],
    },
    /// Fewer than six segments, the last ending in `*`: `head` per segment, `tail` over the rest.
    Short {
        /// Leading literal segments, each followed by its colon.
        prefix: &'a str,
        /// How many segments `prefix` covers.
        first: usize,
        /// The segments after `prefix` up to the last given one that are not `*`, with their
        /// index.
        head: &'a [CSeg<'a>],
        /// The last given segment, matched over the rest of the ARN.
        tail: CGlob<'a>,
        /// Index of the last given segment.
        tail_from: usize,
    },
    /// A short pattern whose last segment does not end in `*`: matches nothing.
    Never,
}

/// One segment an ARN pattern constrains (segments that are `*` are left out).
#[derive(Debug, Clone, Copy)]
pub struct CSeg<'a> {
    /// The segment's index (0..6).
    pub(crate) index: usize,
    /// The byte the segment must start with, when the glob fixes it: a quick reject.
    pub(crate) lead: Option<u8>,
    /// The segment's glob.
    pub(crate) glob: CGlob<'a>,
}

/// Splits tokens at the colons of their literals into at most six segments; returns the tokens
/// and the start index of each segment in them.
pub(crate) fn split_toks<'x>(toks: &[Tok<'x>], out: &mut TokBuf<'x>) -> ([usize; 7], usize) {
    let mut bounds = [0usize; 7];
    let mut parts = 1usize;
    for t in toks {
        match *t {
            Tok::Lit(s) => {
                let mut rest = s;
                while parts < 6 {
                    match rest.split_once(':') {
                        Some((before, after)) => {
                            out.push(Tok::Lit(before));
                            if let Some(b) = bounds.get_mut(parts) {
                                *b = out.as_slice().len();
                            }
                            parts += 1;
                            rest = after;
                        }
                        None => break,
                    }
                }
                out.push(Tok::Lit(rest));
            }
            other => out.push(other),
        }
    }
    if let Some(b) = bounds.get_mut(parts) {
        *b = out.as_slice().len();
    }
    (bounds, parts)
}

fn segment<'s, 'x>(toks: &'s [Tok<'x>], bounds: &[usize; 7], i: usize) -> &'s [Tok<'x>] {
    let (s, e) = (
        bounds.get(i).copied().unwrap_or(0),
        bounds.get(i + 1).copied().unwrap_or(0),
    );
    toks.get(s..e).unwrap_or(&[])
}

impl<'a> CArn<'a> {
    /// Compiles pattern tokens (variables already resolved or absent).
    pub fn build(arena: &'a Bump, toks: &[Tok<'_>], searchers: &mut Vec<Searcher>) -> CArn<'a> {
        let mut buf = TokBuf::default();
        let (bounds, parts) = split_toks(toks, &mut buf);
        let all = buf.as_slice();
        // At most six segments: kept on the stack.
        let mut globs = [CGlob::Any; 6];
        for (i, g) in globs.iter_mut().enumerate().take(parts) {
            *g = CGlob::build(arena, segment(all, &bounds, i), searchers);
        }
        let globs = globs.get(..parts).unwrap_or(&[]);
        // Leading literal segments among the first five (never the one a short pattern ends on).
        let mergeable = if parts == 6 {
            5
        } else {
            parts.saturating_sub(1)
        };
        let first = globs
            .iter()
            .take(mergeable)
            .take_while(|g| matches!(g, CGlob::Exact(_)))
            .count();
        let leading = globs.get(..first).unwrap_or(&[]);
        let len: usize = leading.iter().map(|g| g.exact_len() + 1).sum();
        let mut prefix = bumpalo::collections::String::with_capacity_in(len, arena);
        for g in leading {
            if let CGlob::Exact(s) = g {
                prefix.push_str(s);
                prefix.push(':');
            }
        }
        let prefix: &'a str = prefix.into_bump_str();
        let rest = globs.get(first..).unwrap_or(&[]);
        let checks = |gs: &[CGlob<'a>]| -> &'a [CSeg<'a>] {
            let mut v = bumpalo::collections::Vec::with_capacity_in(gs.len(), arena);
            v.extend(
                gs.iter()
                    .enumerate()
                    .filter(|(_, g)| !g.is_any())
                    .map(|(i, g)| CSeg {
                        index: first + i,
                        lead: g.lead_byte(),
                        glob: *g,
                    }),
            );
            v.into_bump_slice()
        };
        if parts == 6 {
            return CArn::Full {
                prefix,
                first,
                segs: checks(rest),
            };
        }
        match rest.split_last() {
            Some((tail, head)) if tail.ends_with_star() => CArn::Short {
                prefix,
                first,
                head: checks(head),
                tail: *tail,
                tail_from: first + head.len(),
            },
            _ => CArn::Never,
        }
    }

    /// Matches an ARN.
    #[inline]
    pub fn matches(&self, arn: &PArn<'_>, searchers: &[Searcher]) -> bool {
        self.matches_after_prefix(arn, self.prefix_matches(arn), searchers)
    }

    /// True when the ARN starts with the pattern's literal prefix (always for [`CArn::Never`],
    /// which fails later).
    #[inline]
    fn prefix_matches(&self, arn: &PArn<'_>) -> bool {
        match self {
            CArn::Full { prefix, .. } | CArn::Short { prefix, .. } => {
                text::starts_with(arn.text(), prefix)
            }
            CArn::Never => true,
        }
    }

    /// Matches an ARN whose prefix check came out `prefix_ok`.
    #[inline]
    fn matches_after_prefix(
        &self,
        arn: &PArn<'_>,
        prefix_ok: bool,
        searchers: &[Searcher],
    ) -> bool {
        if !prefix_ok {
            return false;
        }
        let segs_ok = |segs: &[CSeg<'_>]| {
            segs.iter().all(|c| {
                let seg = arn.seg(c.index);
                c.lead.is_none_or(|b| seg.as_bytes().first() == Some(&b))
                    && c.glob.matches(seg, searchers)
            })
        };
        match self {
            CArn::Full { segs, .. } => segs_ok(segs),
            CArn::Short {
                head,
                tail,
                tail_from,
                ..
            } => segs_ok(head) && tail.matches(arn.rest_from(*tail_from), searchers),
            CArn::Never => false,
        }
    }
}

/// True when some entry of a `Resource`/`NotResource` list matches the request's evaluated
/// resource. Consecutive ARN patterns that share their literal prefix (the same arena text,
/// see [`share_prefixes`]) check it once. Written as plain loops: this is the decision path's
/// hottest code.
/// `multi`: the list's prefilters (see [`prefilter`](super::prefilter)), count 0 for none.
/// `leads`: for a list sorted by [`index_by_lead`], the first byte each entry's resource segment
/// must start with (empty for other lists): only the entries with the ARN's byte are tried.
pub(crate) fn any_matches(
    res: &[CResPat<'_>],
    leads: &[u8],
    multi: (u32, u32),
    req: &EvalCtx<'_>,
    searchers: &[Searcher],
) -> bool {
    let Some(arn) = req.resource_arn() else {
        return res.iter().any(|r| matches!(r, CResPat::Any));
    };
    let text = arn.text();
    if multi.1 > 0 {
        return any_arn(multi, res.len(), text, searchers, |i| {
            res.get(i).is_some_and(|r| r.matches(req, searchers))
        });
    }
    let res = if leads.is_empty() {
        res
    } else {
        // INVARIANT (sorted by lead): the entries that can match are one run.
        let Some(&b) = arn.seg(5).as_bytes().first() else {
            return false;
        };
        let Some(start) = leads.iter().position(|&l| l >= b) else {
            return false;
        };
        let len = leads
            .get(start..)
            .map_or(0, |rest| rest.iter().take_while(|&&l| l == b).count());
        res.get(start..start + len).unwrap_or(&[])
    };
    let mut last_prefix: *const u8 = std::ptr::null();
    let mut last_ok = false;
    'patterns: for r in res {
        let (prefix, segs, tail) = match r {
            CResPat::Any => return true,
            CResPat::Arn(CArn::Full { prefix, segs, .. }) => (*prefix, *segs, None),
            CResPat::Arn(CArn::Short {
                prefix,
                head,
                tail,
                tail_from,
                ..
            }) => (*prefix, *head, Some((tail, *tail_from))),
            CResPat::Arn(CArn::Never) => continue,
            CResPat::ArnVar { .. } => {
                if r.matches(req, searchers) {
                    return true;
                }
                continue;
            }
        };
        if !std::ptr::eq(prefix.as_ptr(), last_prefix) {
            last_prefix = prefix.as_ptr();
            last_ok = text::starts_with(text, prefix);
        }
        if !last_ok {
            continue;
        }
        for c in segs {
            let seg = arn.seg(c.index);
            if c.lead.is_some_and(|b| seg.as_bytes().first() != Some(&b))
                || !c.glob.matches(seg, searchers)
            {
                continue 'patterns;
            }
        }
        match tail {
            Some((tail, from)) if !tail.matches(arn.rest_from(from), searchers) => {}
            _ => return true,
        }
    }
    false
}

/// Lists shorter than this are tried entry by entry (see [`index_by_lead`]).
const LEAD_INDEX_MIN: usize = 3;

/// The byte an entry's resource segment (the sixth) must start with, for a six-segment ARN
/// pattern whose resource segment fixes it.
fn resource_lead(r: &CResPat<'_>) -> Option<u8> {
    match r {
        CResPat::Arn(CArn::Full { segs, .. }) => {
            segs.iter().find(|c| c.index == 5).and_then(|c| c.lead)
        }
        _ => None,
    }
}

/// Sorts a `Resource`/`NotResource` list by the byte each entry's resource segment must start
/// with, when every entry fixes one (`arn:aws:sagemaker:*:*:domain/*`, `…:user-profile/*`, …),
/// and returns those bytes in the new order (empty, list untouched, otherwise). A list is an
/// OR of its entries, so the order is free; [`any_matches`] then tries only the entries whose
/// byte is the ARN's, instead of all of them.
pub(crate) fn index_by_lead<'a>(arena: &'a Bump, res: &mut [CResPat<'a>]) -> &'a [u8] {
    if res.len() < LEAD_INDEX_MIN || !res.iter().all(|r| resource_lead(r).is_some()) {
        return &[];
    }
    res.sort_by_key(resource_lead);
    arena.alloc_slice_fill_iter(res.iter().map(|r| resource_lead(r).unwrap_or(0)))
}

/// Makes consecutive ARN patterns with equal literal prefixes point at one arena text, so
/// [`any_matches`] checks each prefix once.
pub(crate) fn share_prefixes<'a>(res: &mut [CResPat<'a>]) {
    let mut prev: Option<&'a str> = None;
    for r in res.iter_mut() {
        let CResPat::Arn(CArn::Full { prefix, .. } | CArn::Short { prefix, .. }) = r else {
            continue;
        };
        match prev {
            Some(p) if p == *prefix && !prefix.is_empty() => *prefix = p,
            _ => prev = Some(*prefix),
        }
    }
}

/// Matches an ARN against pattern tokens resolved at request time (a template with variables).
pub fn match_arn_toks(toks: &[Tok<'_>], arn: &PArn<'_>) -> bool {
    let mut buf = TokBuf::default();
    let (bounds, parts) = split_toks(toks, &mut buf);
    let all = buf.as_slice();
    if parts == 6 {
        return (0..6).all(|i| match_toks(segment(all, &bounds, i), arn.seg(i), None));
    }
    let last = segment(all, &bounds, parts - 1);
    if last.last() != Some(&Tok::Star) {
        return false;
    }
    (0..parts - 1).all(|i| match_toks(segment(all, &bounds, i), arn.seg(i), None))
        && match_toks(last, arn.rest_from(parts - 1), None)
}

/// A compiled `Resource`/`NotResource` entry.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CResPat<'a> {
    /// `"*"`.
    Any,
    /// An ARN pattern without variables.
    Arn(CArn<'a>),
    /// An ARN pattern whose resource segment has variables (they are only allowed there):
    /// five compiled head segments and the resource-segment template.
    ArnVar {
        /// Partition, service, region, account: five segments including `arn`.
        head: &'a [CGlob<'a>],
        /// The resource segment.
        tail: CTemplate<'a>,
    },
}

impl<'a> CResPat<'a> {
    /// Compiles an ARN template.
    pub(crate) fn build(
        arena: &'a Bump,
        t: &Template,
        searchers: &mut Vec<Searcher>,
    ) -> CResPat<'a> {
        if !t.has_variables() {
            let buf = template_toks(t);
            return CResPat::Arn(CArn::build(arena, buf.as_slice(), searchers));
        }
        // Variables sit after the fifth colon (validated): split the text before them.
        let mut head_text: Vec<Tok<'_>> = Vec::new();
        let mut colons = 0usize;
        let mut tail: Vec<Piece> = Vec::new();
        for p in t.pieces() {
            if colons >= 5 {
                tail.push(p.clone());
                continue;
            }
            let (text, literal) = match p {
                Piece::Pattern(s) => (s.as_str(), false),
                Piece::Literal(s) => (s.as_str(), true),
                Piece::Var(_) => {
                    // Unreachable after validation; treat the rest as the resource segment.
                    tail.push(p.clone());
                    colons = 5;
                    continue;
                }
            };
            let mut split_at = None;
            for (i, b) in text.bytes().enumerate() {
                if b == b':' {
                    colons += 1;
                    if colons == 5 {
                        split_at = Some(i);
                        break;
                    }
                }
            }
            let (before, after) = match split_at {
                Some(i) => (text.get(..=i).unwrap_or(text), text.get(i + 1..)),
                None => (text, None),
            };
            let mut tb = TokBuf::default();
            if literal {
                tb.push(Tok::Lit(before));
            } else {
                tokenize_into(before, &mut tb);
            }
            head_text.extend_from_slice(tb.as_slice());
            if let Some(a) = after
                && !a.is_empty()
            {
                tail.push(if literal {
                    Piece::Literal(a.to_owned())
                } else {
                    Piece::Pattern(a.to_owned())
                });
            }
        }
        // head_text ends with the fifth colon: split gives five segments and an empty sixth.
        let mut buf = TokBuf::default();
        let (bounds, parts) = split_toks(&head_text, &mut buf);
        let all = buf.as_slice();
        let head: Vec<CGlob<'a>> = (0..parts.min(5))
            .map(|i| CGlob::build(arena, segment(all, &bounds, i), searchers))
            .collect();
        let tail_pieces: Vec<CPiece<'a>> = tail
            .iter()
            .map(|p| match p {
                Piece::Pattern(s) => CPiece::Pat(arena.alloc_str(s)),
                Piece::Literal(s) => CPiece::Lit(arena.alloc_str(s)),
                Piece::Var(v) => CPiece::Var {
                    id: crate::request::keys::key_id(&v.key_lower),
                    key: arena.alloc_str(&v.key_lower),
                    default: v.default.as_deref().map(|d| &*arena.alloc_str(d)),
                },
            })
            .collect();
        CResPat::ArnVar {
            head: arena.alloc_slice_copy(&head),
            tail: CTemplate {
                pieces: arena.alloc_slice_copy(&tail_pieces),
            },
        }
    }

    /// The variables the entry reads (ids and lowercase keys).
    pub(crate) fn variables(&self) -> impl Iterator<Item = (u64, &'a str)> + '_ {
        let tail = match self {
            CResPat::ArnVar { tail, .. } => Some(tail),
            _ => None,
        };
        tail.into_iter().flat_map(|t| t.variables())
    }

    /// Matches the request's evaluated resource.
    pub(crate) fn matches(&self, req: &EvalCtx<'_>, searchers: &[Searcher]) -> bool {
        match self {
            CResPat::Any => true,
            CResPat::Arn(a) => req
                .resource_arn()
                .is_some_and(|arn| a.matches(arn, searchers)),
            CResPat::ArnVar { head, tail } => {
                let Some(arn) = req.resource_arn() else {
                    return false;
                };
                if head.len() != 5
                    || !head
                        .iter()
                        .enumerate()
                        .all(|(i, g)| g.matches(arn.seg(i), searchers))
                {
                    return false;
                }
                let mut toks = TokBuf::default();
                // An entry whose variable has no value matches no resource ([VARS]).
                tail.resolve_toks(req, &mut toks) && match_toks(toks.as_slice(), arn.seg(5), None)
            }
        }
    }
}

// Prefilter plumbing for ARN lists.

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
#[cfg(test)]
pub(crate) fn arn_piece(a: &CArn<'_>) -> Option<String> {
    let mut out = Vec::new();
    arn_runs(a, &mut out);
    out.into_iter().max_by_key(String::len)
}

/// Prefilters for the ARN patterns of a `Resource` list or ARN condition (items without a fixed
/// ARN pattern are always run), appended to `searchers`, when at least `min` × `ARN_FACTOR`
/// of them have a piece; see `build_groups`.
pub fn build_arns<'x>(
    pats: impl ExactSizeIterator<Item = Option<&'x CArn<'x>>>,
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (u32, u32) {
    let min = min.saturating_mul(prefilter::ARN_FACTOR);
    // Too short a list for a prefilter: skip choosing pieces (see `build_like`).
    if pats.len() < min.max(1) {
        return (0, 0);
    }
    let runs: Vec<Vec<String>> = pats
        .map(|a| {
            let mut out = Vec::new();
            if let Some(a) = a {
                arn_runs(a, &mut out);
            }
            out
        })
        .collect();
    let pieces = prefilter::choose_pieces(&runs);
    build_groups(&pieces, min, searchers)
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
