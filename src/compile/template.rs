//! Policy text with variables, in arena form: resolved per request without allocating.
//!
//! INVARIANT (literal substitution): a variable's value and the `${*}`/`${?}`/`${$}` escapes become
//! [`Tok::Lit`] tokens, never wildcards (S-17).

use bumpalo::Bump;

use super::glob::{Tok, TokBuf, tokenize_into};
use super::text;
use crate::policy::glob::{Piece, Template};
use crate::request::keys::key_id;
use crate::request::prepared::EvalCtx;

/// One piece of a compiled template.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CPiece<'a> {
    /// Policy text; wildcards live in glob contexts.
    Pat(&'a str),
    /// Always-literal text (escapes).
    Lit(&'a str),
    /// A policy variable.
    Var {
        /// Interned id of the lowercase key.
        id: u64,
        /// The lowercase key.
        key: &'a str,
        /// The default value, if any.
        default: Option<&'a str>,
    },
}

/// A compiled template.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CTemplate<'a> {
    /// The pieces, in order.
    pub(crate) pieces: &'a [CPiece<'a>],
}

/// Up to 8 resolved text pieces on the stack.
#[derive(Default)]
pub(crate) struct StrBuf<'x> {
    items: [&'x str; 8],
    len: usize,
    overflow: Vec<&'x str>,
}

impl<'x> StrBuf<'x> {
    fn push(&mut self, s: &'x str) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = s;
            self.len += 1;
        } else {
            self.overflow.push(s);
        }
    }

    /// The pieces in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'x str> + '_ {
        self.items
            .iter()
            .take(self.len)
            .copied()
            .chain(self.overflow.iter().copied())
    }
}

/// True when `text.to_lowercase() == lower` (S-18), without allocating unless `text` holds a
/// capital sigma: `str::to_lowercase` maps `Σ` to `ς` at the end of a word and to `σ` elsewhere,
/// the one place where it differs from lowercasing character by character.
pub(crate) fn lowercase_equals(lower: &str, text: &str) -> bool {
    lowercase_equals_chars(lower.chars(), text)
}

fn lowercase_equals_chars(lower: impl Iterator<Item = char>, text: &str) -> bool {
    if text.contains('Σ') {
        return lower.eq(text.to_lowercase().chars());
    }
    lower.eq(text.chars().flat_map(char::to_lowercase))
}

impl<'a> CTemplate<'a> {
    /// Compiles a template into the arena.
    pub(crate) fn build(arena: &'a Bump, t: &Template) -> CTemplate<'a> {
        let pieces: Vec<CPiece<'a>> = t
            .pieces()
            .iter()
            .map(|p| match p {
                Piece::Pattern(s) => CPiece::Pat(arena.alloc_str(s)),
                Piece::Literal(s) => CPiece::Lit(arena.alloc_str(s)),
                Piece::Var(v) => CPiece::Var {
                    id: key_id(&v.key_lower),
                    key: arena.alloc_str(&v.key_lower),
                    default: v.default.as_deref().map(|d| &*arena.alloc_str(d)),
                },
            })
            .collect();
        CTemplate {
            pieces: arena.alloc_slice_copy(&pieces),
        }
    }

    /// The variables' interned key ids and lowercase keys.
    pub(crate) fn variables(&self) -> impl Iterator<Item = (u64, &'a str)> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            CPiece::Var { id, key, .. } => Some((*id, *key)),
            _ => None,
        })
    }

    /// Resolves to text pieces (all literal); `false` when a variable has no value.
    pub(crate) fn resolve_strs<'x>(&self, req: &EvalCtx<'x>, out: &mut StrBuf<'x>) -> bool
    where
        'a: 'x,
    {
        for p in self.pieces {
            match *p {
                CPiece::Pat(s) | CPiece::Lit(s) => out.push(s),
                CPiece::Var { id, key, default } => match req.variable(id, key).or(default) {
                    Some(v) => out.push(v),
                    None => return false,
                },
            }
        }
        true
    }

    /// Resolves to glob tokens; `false` when a variable has no value.
    pub(crate) fn resolve_toks<'x>(&self, req: &EvalCtx<'x>, out: &mut TokBuf<'x>) -> bool
    where
        'a: 'x,
    {
        for p in self.pieces {
            match *p {
                CPiece::Pat(s) => tokenize_into(s, out),
                CPiece::Lit(s) => out.push(Tok::Lit(s)),
                CPiece::Var { id, key, default } => match req.variable(id, key).or(default) {
                    Some(v) => out.push(Tok::Lit(v)),
                    None => return false,
                },
            }
        }
        true
    }

    /// `Some(true)` when the resolved text equals `text` exactly; `None` or `Some(false)`
    /// otherwise (callers treat both as no match, so the walk stops at the first difference).
    #[inline]
    pub(crate) fn equals(&self, req: &EvalCtx<'_>, text: &str) -> Option<bool> {
        let mut rest = text;
        for p in self.pieces {
            let s = match *p {
                CPiece::Pat(s) | CPiece::Lit(s) => s,
                CPiece::Var { id, key, default } => req.variable(id, key).or(default)?,
            };
            if !text::starts_with(rest, s) {
                return Some(false);
            }
            rest = rest.get(s.len()..).unwrap_or("");
        }
        Some(rest.is_empty())
    }

    /// As [`equals`](Self::equals), comparing Unicode lowercase forms (S-18).
    pub(crate) fn equals_ignore_case(&self, req: &EvalCtx<'_>, text: &str) -> Option<bool> {
        let mut buf = StrBuf::default();
        if !self.resolve_strs(req, &mut buf) {
            return None;
        }
        if buf.iter().any(|s| s.contains('Σ')) {
            // Rare: a capital sigma lowercases by its position in the whole value.
            let policy: String = buf.iter().collect();
            return Some(lowercase_equals(&policy.to_lowercase(), text));
        }
        let policy = buf.iter().flat_map(str::chars).flat_map(char::to_lowercase);
        Some(lowercase_equals_chars(policy, text))
    }

    /// The resolved text read as a boolean (S-9); `None` when unresolved or not a boolean.
    pub(crate) fn resolve_bool(&self, req: &EvalCtx<'_>) -> Option<bool> {
        let mut buf = StrBuf::default();
        if !self.resolve_strs(req, &mut buf) {
            return None;
        }
        let eq = |word: &str| {
            let mut rest = word;
            for s in buf.iter() {
                match rest.get(..s.len()) {
                    Some(head) if head.eq_ignore_ascii_case(s) => {
                        rest = rest.get(s.len()..).unwrap_or("");
                    }
                    _ => return false,
                }
            }
            rest.is_empty()
        };
        if eq("true") {
            Some(true)
        } else if eq("false") {
            Some(false)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::request::{ContextValue, PreparedRequest, Request};

    #[test]
    fn ignore_case_follows_str_to_lowercase_for_final_sigma() {
        // "ΟΔΟΣ".to_lowercase() is "οδος" (final ς), not "οδοσ" (S-18).
        assert!(lowercase_equals("οδος", "ΟΔΟΣ"));
        assert!(lowercase_equals("οδος", "οδος"));
        assert!(!lowercase_equals("οδοσ", "ΟΔΟΣ"));
        assert!(lowercase_equals("σα", "ΣΑ"));
        assert!(lowercase_equals("alice", "ALICE"));

        let arena = Bump::new();
        let catalog = Catalog::empty();
        let mut request = Request::new("s3:GetObject", "*").unwrap();
        request
            .context
            .insert("custom:word", ContextValue::Single("ΟΔ".to_owned()))
            .unwrap();
        let prepared = PreparedRequest::new(&request, &catalog);
        let t = CTemplate::build(&arena, &Template::parse("${custom:word}ΟΣ", true));
        assert_eq!(t.equals_ignore_case(&prepared.ctx(), "οδος"), Some(true));
        assert_eq!(t.equals_ignore_case(&prepared.ctx(), "ΟΔΟΣ"), Some(true));
        assert_eq!(t.equals_ignore_case(&prepared.ctx(), "οδοσ"), Some(false));
    }
}
