//! Compiled conditions: each condition becomes a small program with pre-parsed operands
//! (sorted literal sets, compiled globs and ARN patterns, numbers, instants, CIDRs, bytes) and is
//! run against a prepared request whose values were parsed once.
//!
//! INVARIANT (same rules as the reference): missing keys, `IfExists`, set operators, NOR for
//! negated operators and the multivalued rule (S-3) are applied exactly as `eval::reference` does;
//! only the per-value comparison is faster.

use std::sync::Arc;

use bumpalo::Bump;

use super::arn::{CArn, match_arn_toks};
use super::arn::{any_arn, build_arns};
use super::glob::{CGlob, Searcher, Tok, TokBuf, match_toks, template_toks};
use super::glob::{any_like, build_like};
use super::template::{CTemplate, lowercase_equals};
use super::text;
use crate::condition::{Cidr, Condition, Decimal, Instant, OrdCmp, SetOp, StrCmp, Values};
use crate::request::keys::key_id;
use crate::request::prepared::{EvalCtx, PEntry, PValue};

/// The operands of a compiled condition.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CVals<'a> {
    /// String operators. `lits` are variable-free values (sorted for `Equals`, lowercased for
    /// `EqualsIgnoreCase`), `globs` variable-free `Like` patterns, `templ` values with variables.
    Str {
        /// How to compare.
        cmp: StrCmp,
        /// Variable-free literal values.
        lits: &'a [&'a str],
        /// Variable-free `Like` patterns.
        globs: &'a [CGlob<'a>],
        /// The prefilters over `globs` (first index in the set's searchers, count; count 0: try
        /// every glob), see [`prefilter`](super::prefilter).
        multi: (u32, u32),
        /// Values with variables.
        templ: &'a [CTemplate<'a>],
    },
    /// Numeric operators.
    Num {
        /// Comparison.
        cmp: OrdCmp,
        /// Policy values.
        vals: &'a [Decimal],
    },
    /// Date operators.
    Date {
        /// Comparison.
        cmp: OrdCmp,
        /// Policy values.
        vals: &'a [Instant],
    },
    /// `Bool`: which literal values occur, and values with variables.
    Bool {
        /// `true` is a policy value.
        t: bool,
        /// `false` is a policy value.
        f: bool,
        /// Values with variables.
        templ: &'a [CTemplate<'a>],
    },
    /// `BinaryEquals`.
    Bin {
        /// Decoded policy values.
        vals: &'a [&'a [u8]],
    },
    /// IP operators.
    Ip {
        /// Policy networks.
        cidrs: &'a [Cidr],
    },
    /// ARN operators.
    Arn {
        /// Variable-free patterns.
        pats: &'a [CArn<'a>],
        /// Prefilters over `pats`, as for [`CVals::Str`].
        multi: (u32, u32),
        /// Values with variables.
        templ: &'a [CTemplate<'a>],
    },
    /// `Null`: holds if the key is absent and `true` is listed, or present and `false` is.
    Null {
        /// `true` is a policy value.
        if_absent: bool,
        /// `false` is a policy value.
        if_present: bool,
    },
}

/// One compiled condition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CCond<'a> {
    /// Interned id of the lowercase key.
    pub(crate) id: u64,
    /// The lowercase key.
    pub(crate) key: &'a str,
    /// NOR over values.
    pub(crate) negated: bool,
    /// `ForAllValues`/`ForAnyValue`.
    pub(crate) set: Option<SetOp>,
    /// The operands.
    pub(crate) vals: CVals<'a>,
    /// Whether the condition holds when the request has no entry for the key (worked out from the
    /// operator and qualifiers at compile time).
    pub(crate) if_missing: bool,
}

/// The text of a template without variables, in the arena.
fn fixed_text<'a>(arena: &'a Bump, t: &crate::policy::glob::Template) -> &'a str {
    match t.single_text() {
        Some(s) => arena.alloc_str(s),
        None => arena.alloc_str(&t.resolve_string(|_| None).unwrap_or_default()),
    }
}

/// Which fixed operands (those without policy variables) [`CCond::build_keeping`] compiles.
pub(crate) enum Keep<F> {
    /// Every one.
    All,
    /// Every one but the ARN patterns the function refuses.
    Arns(F),
    /// None (the condition is decided without them).
    None,
}

impl<'a> CCond<'a> {
    /// Compiles a validated condition.
    /// `prefilter_min`: how many `Like` patterns with a literal piece get a prefilter.
    pub(crate) fn build(
        arena: &'a Bump,
        c: &Condition,
        prefilter_min: usize,
        searchers: &mut Vec<Searcher>,
    ) -> CCond<'a> {
        Self::build_keeping(
            arena,
            c,
            prefilter_min,
            searchers,
            Keep::<fn(&crate::policy::glob::Template) -> bool>::All,
        )
    }

    /// [`build`](Self::build), compiling only the fixed operands `keep` accepts (`keep` is
    /// asked about ARN patterns only, unless it says [`Keep::None`]): a set specialised to one
    /// request leaves out the ARN patterns that can match none of its values, and every fixed
    /// operand of a condition whose key the request lacks (such a condition is decided by
    /// `if_missing` and never reads them; operands with variables are kept, so the condition
    /// reads the same keys).
    pub(crate) fn build_keeping(
        arena: &'a Bump,
        c: &Condition,
        prefilter_min: usize,
        searchers: &mut Vec<Searcher>,
        keep: Keep<impl Fn(&crate::policy::glob::Template) -> bool>,
    ) -> CCond<'a> {
        let (fixed_any, keep_arn) = match keep {
            Keep::All => (true, None),
            Keep::Arns(f) => (true, Some(f)),
            Keep::None => (false, None),
        };
        let keep_arn = |t: &crate::policy::glob::Template| keep_arn.as_ref().is_none_or(|f| f(t));
        use bumpalo::collections::Vec as BVec;
        let templ = |ts: &[crate::policy::glob::Template]| -> &'a [CTemplate<'a>] {
            BVec::from_iter_in(
                ts.iter()
                    .filter(|t| t.has_variables())
                    .map(|t| CTemplate::build(arena, t)),
                arena,
            )
            .into_bump_slice()
        };
        let vals = match &c.values {
            Values::String(ts) => {
                let cmp = c.op.operator.str_cmp();
                let fixed = ts.iter().filter(|t| fixed_any && !t.has_variables());
                let mut multi = (0, 0);
                let (lits, globs): (&'a [&'a str], &'a [CGlob<'a>]) = match cmp {
                    StrCmp::Like => {
                        let fixed = BVec::from_iter_in(fixed, arena);
                        if fixed.len() < prefilter_min.max(1) {
                            // Too few for a prefilter: each glob built from its own buffer,
                            // with no list of buffers kept for choosing pieces.
                            let globs = fixed.iter().map(|t| {
                                let buf = template_toks(t);
                                CGlob::build(arena, buf.as_slice(), searchers)
                            });
                            (&[], BVec::from_iter_in(globs, arena).into_bump_slice())
                        } else {
                            let bufs: Vec<TokBuf<'_>> =
                                fixed.iter().map(|t| template_toks(t)).collect();
                            let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
                            let (globs, m) = build_like(arena, &toks, prefilter_min, searchers);
                            multi = m;
                            (&[], globs)
                        }
                    }
                    StrCmp::Equals => {
                        let mut v = BVec::from_iter_in(fixed.map(|t| fixed_text(arena, t)), arena);
                        v.sort_unstable();
                        v.dedup();
                        (v.into_bump_slice(), &[])
                    }
                    StrCmp::EqualsIgnoreCase => {
                        let lits = fixed.map(|t| {
                            let s = fixed_text(arena, t);
                            if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                                &*arena.alloc_str(&s.to_lowercase())
                            } else {
                                s
                            }
                        });
                        (BVec::from_iter_in(lits, arena).into_bump_slice(), &[])
                    }
                };
                CVals::Str {
                    cmp,
                    lits,
                    globs,
                    multi,
                    templ: templ(ts),
                }
            }
            Values::Numeric(v) => CVals::Num {
                cmp: c.op.operator.ord_cmp(),
                vals: if fixed_any {
                    arena.alloc_slice_copy(v)
                } else {
                    &[]
                },
            },
            Values::Date(v) => CVals::Date {
                cmp: c.op.operator.ord_cmp(),
                vals: if fixed_any {
                    arena.alloc_slice_copy(v)
                } else {
                    &[]
                },
            },
            Values::Bool(ts) => {
                let lit = |want: bool| {
                    ts.iter()
                        .filter(|t| fixed_any && !t.has_variables())
                        .any(|t| {
                            t.resolve_string(|_| None)
                                .and_then(|s| crate::condition::boolean::parse_bool(&s))
                                == Some(want)
                        })
                };
                CVals::Bool {
                    t: lit(true),
                    f: lit(false),
                    templ: templ(ts),
                }
            }
            Values::Binary(v) => CVals::Bin {
                vals: arena.alloc_slice_fill_iter(
                    v.get(..if fixed_any { v.len() } else { 0 })
                        .unwrap_or(&[])
                        .iter()
                        .map(|b| &*arena.alloc_slice_copy(b)),
                ),
            },
            Values::Ip(v) => CVals::Ip {
                cidrs: if fixed_any {
                    arena.alloc_slice_copy(v)
                } else {
                    &[]
                },
            },
            Values::Arn(ts) => {
                let fixed = ts
                    .iter()
                    .filter(|t| fixed_any && !t.has_variables() && keep_arn(t));
                let pats = fixed.map(|t| {
                    let buf = template_toks(t);
                    CArn::build(arena, buf.as_slice(), searchers)
                });
                let pats = BVec::from_iter_in(pats, arena).into_bump_slice();
                CVals::Arn {
                    pats,
                    multi: build_arns(pats.iter().map(Some), prefilter_min, searchers),
                    templ: templ(ts),
                }
            }
            Values::Null(v) => CVals::Null {
                if_absent: v.iter().any(|b| *b),
                if_present: v.iter().any(|b| !*b),
            },
        };
        let (negated, set, if_exists) = (c.op.operator.is_negated(), c.op.set, c.op.if_exists);
        let if_missing = match vals {
            CVals::Null { if_absent, .. } => if_absent,
            _ if if_exists => true,
            _ => match set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => negated,
            },
        };
        CCond {
            id: key_id(&c.key_lower),
            key: arena.alloc_str(&c.key_lower),
            negated,
            set,
            vals,
            if_missing,
        }
    }

    /// A rough rank of what deciding this condition costs, cheapest first: a statement's
    /// conditions are ANDed and reading them has no effect, so the compiler orders them by this
    /// and a statement that fails fails on its cheapest condition that does not hold.
    pub(crate) fn cost(&self) -> u8 {
        let base = match self.vals {
            CVals::Null { .. } => return 0,
            CVals::Bool { templ: [], .. } => 1,
            CVals::Num { .. } | CVals::Date { .. } => 1,
            CVals::Str {
                cmp: StrCmp::Equals | StrCmp::EqualsIgnoreCase,
                lits,
                templ,
                ..
            } if templ.is_empty() && lits.len() <= 4 => 2,
            CVals::Ip { .. } => 2,
            CVals::Str { templ: [], .. } => 3,
            CVals::Bin { .. } => 3,
            _ => 4,
        };
        base + u8::from(self.set.is_some())
    }

    /// The variables this condition's values read.
    pub(crate) fn variables(&self) -> impl Iterator<Item = (u64, &'a str)> + '_ {
        let templ: &[CTemplate<'a>] = match self.vals {
            CVals::Str { templ, .. } | CVals::Bool { templ, .. } | CVals::Arn { templ, .. } => {
                templ
            }
            _ => &[],
        };
        templ.iter().flat_map(|t| t.variables())
    }

    /// Evaluates the condition against a prepared request.
    #[inline]
    pub(crate) fn holds(&self, req: &EvalCtx<'_>, searchers: &[Searcher]) -> bool {
        match req.entry(self.id, self.key) {
            Some(entry) => self.holds_for(entry, req, searchers),
            None => self.if_missing,
        }
    }

    /// Evaluates the condition when the request has `entry` for its key.
    #[inline(always)]
    fn holds_for(&self, entry: PEntry<'_>, req: &EvalCtx<'_>, searchers: &[Searcher]) -> bool {
        if let CVals::Null {
            if_absent,
            if_present,
        } = self.vals
        {
            return if entry.null_set {
                if_absent
            } else {
                if_present
            };
        }
        let negated = self.negated;
        match self.set {
            None => match entry.first() {
                Some(v) if !entry.multivalued => self.value_matches(v, req, searchers) != negated,
                _ => false,
            },
            Some(SetOp::ForAllValues) => {
                for v in set_values(entry) {
                    if self.value_matches(v, req, searchers) == negated {
                        return false;
                    }
                }
                true
            }
            Some(SetOp::ForAnyValue) => {
                for v in set_values(entry) {
                    if self.value_matches(v, req, searchers) != negated {
                        return true;
                    }
                }
                false
            }
        }
    }

    /// True when some policy value matches request value `v` (before negation). Loops are
    /// written out and template resolution (large stack buffers) is kept out of line, so this
    /// inlines into [`holds_for`](Self::holds_for) with a small frame.
    #[inline(always)]
    fn value_matches(&self, v: &PValue, req: &EvalCtx<'_>, searchers: &[Searcher]) -> bool {
        match self.vals {
            CVals::Str {
                cmp,
                lits,
                globs,
                multi,
                templ,
            } => {
                let text: &str = v.text();
                match cmp {
                    StrCmp::Equals if lits.len() > 8 => {
                        if lits.binary_search(&text).is_ok() {
                            return true;
                        }
                    }
                    StrCmp::Equals => {
                        for l in lits {
                            if text::eq(l, text) {
                                return true;
                            }
                        }
                    }
                    StrCmp::EqualsIgnoreCase => {
                        if lits.iter().any(|l| lowercase_equals(l, text)) {
                            return true;
                        }
                    }
                    StrCmp::Like if multi.1 > 0 => {
                        if any_like(globs, multi, text, searchers) {
                            return true;
                        }
                    }
                    StrCmp::Like => {
                        for g in globs {
                            if g.matches(text, searchers) {
                                return true;
                            }
                        }
                    }
                }
                !templ.is_empty() && str_templates_match(cmp, templ, req, text)
            }
            CVals::Num { cmp, vals } => v
                .dec()
                .is_some_and(|r| vals.iter().any(|p| cmp.holds(&r, p))),
            CVals::Date { cmp, vals } => v
                .date()
                .is_some_and(|r| vals.iter().any(|p| cmp.holds(&r, p))),
            CVals::Bool { t, f, templ } => v.boolean().is_some_and(|r| {
                (r && t) || (!r && f) || (!templ.is_empty() && bool_templates_match(templ, req, r))
            }),
            CVals::Bin { vals } => base64_matches(v.text(), vals),
            CVals::Ip { cidrs } => v.ip().is_some_and(|r| cidrs.iter().any(|c| c.contains(r))),
            CVals::Arn { pats, multi, templ } => {
                arn_value_matches(pats, multi, templ, v, req, searchers)
            }
            CVals::Null { .. } => false,
        }
    }
}

/// True when every condition of a statement holds (the statement's conditions are ANDed): one
/// call per statement, the conditions evaluated in a plain loop.
pub(crate) fn all_hold(conds: &[CCond<'_>], req: &EvalCtx<'_>, searchers: &[Searcher]) -> bool {
    for c in conds {
        let holds = match req.entry(c.id, c.key) {
            Some(entry) => c.holds_for(entry, req, searchers),
            None => c.if_missing,
        };
        if !holds {
            return false;
        }
    }
    true
}

/// String operators' values with variables, resolved against the request.
#[inline(never)]
fn str_templates_match(
    cmp: StrCmp,
    templ: &[CTemplate<'_>],
    req: &EvalCtx<'_>,
    text: &str,
) -> bool {
    templ.iter().any(|t| match cmp {
        StrCmp::Equals => t.equals(req, text) == Some(true),
        StrCmp::EqualsIgnoreCase => t.equals_ignore_case(req, text) == Some(true),
        StrCmp::Like => {
            let mut buf = TokBuf::default();
            t.resolve_toks(req, &mut buf) && match_toks(buf.as_slice(), text, None)
        }
    })
}

/// `Bool` values with variables, resolved against the request.
#[inline(never)]
fn bool_templates_match(templ: &[CTemplate<'_>], req: &EvalCtx<'_>, value: bool) -> bool {
    templ.iter().any(|x| x.resolve_bool(req) == Some(value))
}

/// ARN operators: a request value against the fixed patterns and those with variables.
#[inline(never)]
fn arn_value_matches(
    pats: &[CArn<'_>],
    multi: (u32, u32),
    templ: &[CTemplate<'_>],
    v: &PValue,
    req: &EvalCtx<'_>,
    searchers: &[Searcher],
) -> bool {
    let Some(arn) = v.arn() else {
        return false;
    };
    any_arn(multi, pats.len(), arn.text(), searchers, |i| {
        pats.get(i).is_some_and(|p| p.matches(&arn, searchers))
    }) || templ.iter().any(|t| {
        let mut buf = TokBuf::default();
        t.resolve_toks(req, &mut buf) && match_arn_toks(buf.as_slice(), &arn)
    })
}

/// The values `ForAllValues`/`ForAnyValue` see: none for a null data set (S-8).
fn set_values<'e>(e: PEntry<'e>) -> &'e [Arc<PValue>] {
    if e.null_set { &[] } else { e.values() }
}

/// The value of one base64 character (standard alphabet).
fn sextet(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// True when `text` is base64 for one of `vals`: the same acceptance as
/// [`decode_base64`](crate::condition::binary::decode_base64) (padding optional, a single leftover
/// character refused), decoded as it is compared, without allocating.
fn base64_matches(text: &str, vals: &[&[u8]]) -> bool {
    let body = text.trim_end_matches('=');
    let pad = text.len() - body.len();
    if pad > 2 || (pad > 0 && !text.len().is_multiple_of(4)) || body.len() % 4 == 1 {
        return false;
    }
    if !body.bytes().all(|b| sextet(b).is_some()) {
        return false;
    }
    let len = body.len() * 6 / 8;
    vals.iter().any(|want| {
        if want.len() != len {
            return false;
        }
        let (mut acc, mut bits, mut at) = (0u32, 0u32, 0usize);
        for b in body.bytes() {
            acc = (acc << 6) | u32::from(sextet(b).unwrap_or(0));
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                if want.get(at) != Some(&(((acc >> bits) & 0xff) as u8)) {
                    return false;
                }
                at += 1;
            }
        }
        at == want.len()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::binary::decode_base64;

    #[test]
    fn base64_matches_agrees_with_decoding() {
        let alphabet = [
            "", "=", "==", "===", "A", "Q", "QU", "QUI", "QUJD", "aGVsbG8", "aGVsbG8=",
        ];
        let extra = [
            "aGV$bG8=", "a", "ab=", "abc=", "abcd", "+/+/", "AA==", "AAA=",
        ];
        let texts: Vec<String> = alphabet
            .iter()
            .flat_map(|a| alphabet.iter().map(move |b| format!("{a}{b}")))
            .chain(extra.iter().map(|s| (*s).to_owned()))
            .collect();
        for t in &texts {
            let decoded = decode_base64(t);
            for u in &texts {
                let Some(want) = decode_base64(u) else {
                    continue;
                };
                let expected = decoded.as_deref() == Some(want.as_slice());
                assert_eq!(base64_matches(t, &[&want]), expected, "{t:?} vs {u:?}");
            }
        }
    }
}
