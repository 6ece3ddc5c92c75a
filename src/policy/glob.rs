//! Wildcard patterns (`*`, `?`) and policy-variable templates, the two text shapes every IAM matcher
//! is built from.
//!
//! A [`Glob`] is a resolved pattern: literal runs, `?` (exactly one Unicode scalar value) and `*`
//! (any run, including none). A `Template` is the policy text before a request is known: pattern
//! text whose wildcards are live, literal text (from `${*}`-style escapes) whose wildcards are not, and
//! policy variables that the request fills in. Resolving a template against a request gives a glob.
//!
//! INVARIANT (literal substitution): text that comes from a request value or an escape is always a
//! `GlobTok::Lit`, never a wildcard, so `aws:username = "bob*"` never widens a pattern.

use std::fmt;

/// One token of a resolved glob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum GlobTok {
    /// Text that must appear exactly.
    Lit(String),
    /// `?`: exactly one Unicode scalar value.
    One,
    /// `*`: any run of characters, including none.
    Star,
}

/// A resolved wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Glob {
    toks: Vec<GlobTok>,
}

impl Glob {
    /// Parses `text` with `*` and `?` as wildcards.
    pub(crate) fn pattern(text: &str) -> Glob {
        let mut glob = Glob::default();
        glob.push_pattern(text);
        glob
    }

    #[cfg(test)]
    /// A glob that matches exactly `text`.
    pub(crate) fn literal(text: &str) -> Glob {
        let mut glob = Glob::default();
        glob.push_literal(text);
        glob
    }

    /// Appends `text` with `*` and `?` as wildcards.
    pub fn push_pattern(&mut self, text: &str) {
        let mut lit = String::new();
        for c in text.chars() {
            match c {
                '*' | '?' => {
                    if !lit.is_empty() {
                        self.push_literal(&std::mem::take(&mut lit));
                    }
                    if c == '*' {
                        // Consecutive stars are one star.
                        if self.toks.last() != Some(&GlobTok::Star) {
                            self.toks.push(GlobTok::Star);
                        }
                    } else {
                        self.toks.push(GlobTok::One);
                    }
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            self.push_literal(&lit);
        }
    }

    /// Appends `text` as literal text.
    pub fn push_literal(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(GlobTok::Lit(prev)) = self.toks.last_mut() {
            prev.push_str(text);
        } else {
            self.toks.push(GlobTok::Lit(text.to_owned()));
        }
    }

    /// The tokens of this glob.
    pub(crate) fn toks(&self) -> &[GlobTok] {
        &self.toks
    }

    /// True when the glob has no wildcard.
    pub(crate) fn is_literal(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, GlobTok::Lit(_)))
    }

    /// The literal text when the glob has no wildcard.
    pub(crate) fn as_literal(&self) -> Option<&str> {
        match self.toks.as_slice() {
            [] => Some(""),
            [GlobTok::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// Splits the glob at the colons of its literal text into at most six globs, the segments of
    /// an ARN pattern (S-13b): the sixth keeps any further colons.
    pub(crate) fn split_at_colons(&self) -> Vec<Glob> {
        let mut parts = vec![Glob::default()];
        for tok in &self.toks {
            let Some(cur) = parts.last_mut() else {
                continue;
            };
            let GlobTok::Lit(s) = tok else {
                // Never after a `*`: a glob has no two stars in a row.
                cur.toks.push(tok.clone());
                continue;
            };
            let mut rest = s.as_str();
            while parts.len() < 6 {
                let Some((before, after)) = rest.split_once(':') else {
                    break;
                };
                if let Some(cur) = parts.last_mut() {
                    cur.push_literal(before);
                }
                parts.push(Glob::default());
                rest = after;
            }
            if let Some(cur) = parts.last_mut() {
                cur.push_literal(rest);
            }
        }
        parts
    }

    /// True when the last token is `*`.
    pub(crate) fn ends_with_star(&self) -> bool {
        self.toks.last() == Some(&GlobTok::Star)
    }

    /// True when any token is a wildcard.
    pub(crate) fn has_wildcard(&self) -> bool {
        !self.is_literal()
    }

    /// Matches the whole of `text` against the glob.
    ///
    /// The classic greedy algorithm: on a mismatch, retry from one character further after the most
    /// recent `*`. Earlier stars never need revisiting because the latest star can absorb anything
    /// they could. Worst case O(len(text) × len(pattern)); the compiled engine has its own matcher.
    pub fn matches(&self, text: &str) -> bool {
        let toks = self.toks.as_slice();
        let mut pi = 0usize;
        let mut ti = 0usize;
        // (token index after the star, text index the star currently stops at)
        let mut star: Option<(usize, usize)> = None;
        loop {
            let advanced = match toks.get(pi) {
                Some(GlobTok::Star) => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    true
                }
                Some(GlobTok::One) => match next_char_len(text, ti) {
                    Some(n) => {
                        ti += n;
                        pi += 1;
                        true
                    }
                    None => false,
                },
                Some(GlobTok::Lit(lit)) => {
                    if text
                        .get(ti..)
                        .is_some_and(|rest| rest.starts_with(lit.as_str()))
                    {
                        ti += lit.len();
                        pi += 1;
                        true
                    } else {
                        false
                    }
                }
                None => {
                    if ti == text.len() {
                        return true;
                    }
                    false
                }
            };
            if advanced {
                continue;
            }
            match star {
                Some((after, stop)) => match next_char_len(text, stop) {
                    Some(n) => {
                        star = Some((after, stop + n));
                        pi = after;
                        ti = stop + n;
                    }
                    None => return false,
                },
                None => return false,
            }
        }
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.toks {
            match t {
                GlobTok::Lit(s) => f.write_str(s)?,
                GlobTok::One => f.write_str("?")?,
                GlobTok::Star => f.write_str("*")?,
            }
        }
        Ok(())
    }
}

/// Length in bytes of the character starting at byte `at`, if any.
fn next_char_len(text: &str, at: usize) -> Option<usize> {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map(char::len_utf8)
}

/// One piece of a `Template`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Piece {
    /// Policy text; in glob contexts its `*` and `?` are wildcards.
    Pattern(String),
    /// Text that is always literal: the `${*}`, `${?}` and `${$}` escapes.
    Literal(String),
    /// A policy variable.
    Var(Variable),
}

/// A policy variable `${key}` or `${key, 'default'}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Variable {
    /// The key as written.
    pub(crate) key: String,
    /// The key in lowercase, for lookup.
    pub(crate) key_lower: String,
    /// The default value used when the key is missing.
    pub(crate) default: Option<String>,
}

/// Policy text before a request is known: pattern text, literal escapes and variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `text`. With `variables` false (policies without `Version: 2012-10-17`), `${…}` is
    /// plain text.
    pub(crate) fn parse(text: &str, variables: bool) -> Template {
        let mut t = Template::default();
        if !variables {
            t.push_pattern(text);
            return t;
        }
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let (before, from) = rest.split_at(start);
            let Some(inner_end) = from.find('}') else {
                break;
            };
            let inner = from.get(2..inner_end).unwrap_or("");
            let after = from.get(inner_end + 1..).unwrap_or("");
            match parse_variable(inner) {
                Some(piece) => {
                    t.push_pattern(before);
                    t.pieces.push(piece);
                }
                None => {
                    // Not a variable: keep `${…}` as text (S-17).
                    t.push_pattern(before);
                    t.push_pattern(from.get(..=inner_end).unwrap_or(from));
                }
            }
            rest = after;
        }
        t.push_pattern(rest);
        t
    }

    fn push_pattern(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Piece::Pattern(prev)) = self.pieces.last_mut() {
            prev.push_str(text);
        } else {
            self.pieces.push(Piece::Pattern(text.to_owned()));
        }
    }

    /// The pieces, in order.
    pub(crate) fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// The variables this template uses.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Var(v) => Some(v),
            _ => None,
        })
    }

    /// True when the template uses at least one variable.
    pub(crate) fn has_variables(&self) -> bool {
        self.variables().next().is_some()
    }

    /// True when the template contains a `*` or `?` wildcard in its pattern text.
    pub(crate) fn has_wildcard(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Pattern(s) if s.contains(['*', '?'])))
    }

    /// Resolves the template to a glob: pattern text keeps its wildcards, variables and escapes
    /// become literal text. `None` when a variable has no value and no default.
    pub(crate) fn resolve_glob<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<Glob> {
        let mut g = Glob::default();
        for p in &self.pieces {
            match p {
                Piece::Pattern(s) => g.push_pattern(s),
                Piece::Literal(s) => g.push_literal(s),
                Piece::Var(v) => match lookup(&v.key_lower) {
                    Some(value) => g.push_literal(value),
                    None => g.push_literal(v.default.as_deref()?),
                },
            }
        }
        Some(g)
    }

    /// The text of a template that is one piece of pattern or literal text (or none): what
    /// [`resolve_string`](Self::resolve_string) gives, without copying it.
    pub(crate) fn single_text(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [] => Some(""),
            [Piece::Pattern(s) | Piece::Literal(s)] => Some(s),
            _ => None,
        }
    }

    /// Resolves the template to a string, all text literal. `None` when a variable has no value
    /// and no default.
    pub(crate) fn resolve_string<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Pattern(s) | Piece::Literal(s) => out.push_str(s),
                Piece::Var(v) => match lookup(&v.key_lower) {
                    Some(value) => out.push_str(value),
                    None => out.push_str(v.default.as_deref()?),
                },
            }
        }
        Some(out)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.pieces {
            match p {
                Piece::Pattern(s) => f.write_str(s)?,
                Piece::Literal(s) => write!(f, "${{{s}}}")?,
                Piece::Var(v) => match &v.default {
                    Some(d) => write!(f, "${{{}, '{}'}}", v.key, d)?,
                    None => write!(f, "${{{}}}", v.key)?,
                },
            }
        }
        Ok(())
    }
}

/// Parses the inside of `${…}`; `None` when it is not a variable.
fn parse_variable(inner: &str) -> Option<Piece> {
    match inner {
        "*" | "?" | "$" => return Some(Piece::Literal(inner.to_owned())),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, rest)) => {
            let rest = rest.trim();
            let quoted = rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))?;
            (key.trim(), Some(quoted.to_owned()))
        }
        None => (inner.trim(), None),
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(Piece::Var(Variable {
        key: key.to_owned(),
        key_lower: key.to_lowercase(),
        default,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_basics() {
        assert!(Glob::pattern("a*b").matches("ab"));
        assert!(Glob::pattern("a*b").matches("axxb"));
        assert!(!Glob::pattern("a*b").matches("axxc"));
        assert!(Glob::pattern("a?c").matches("abc"));
        assert!(!Glob::pattern("a?c").matches("ac"));
        assert!(Glob::pattern("a?c").matches("aéc"));
        assert!(Glob::pattern("*").matches(""));
        assert!(Glob::pattern("").matches(""));
        assert!(!Glob::pattern("").matches("a"));
        assert!(Glob::pattern("*a*a*b").matches("xaaab"));
        assert!(!Glob::pattern("*a*a*a*b").matches("aaaaaaaaaaaaaaaaaaaaaaaaac"));
        assert!(Glob::literal("a*b").matches("a*b"));
        assert!(!Glob::literal("a*b").matches("axb"));
    }

    #[test]
    fn template_variables_and_escapes() {
        let t = Template::parse("a${aws:username}-${*}${x, 'dflt'}", true);
        let lookup = |k: &str| {
            if k == "aws:username" {
                Some("bo*b")
            } else {
                None
            }
        };
        let g = t.resolve_glob(lookup).unwrap();
        assert!(g.matches("abo*b-*dflt"));
        assert!(!g.matches("aboXb-*dflt"));
        assert!(
            Template::parse("${missing}", true)
                .resolve_glob(|_| None)
                .is_none()
        );
        let literal = Template::parse("${aws:username}", false);
        assert_eq!(literal.resolve_string(|_| None).unwrap(), "${aws:username}");
        assert_eq!(
            Template::parse("x${", true)
                .resolve_string(|_| None)
                .unwrap(),
            "x${"
        );
        assert_eq!(
            Template::parse("${}", true)
                .resolve_string(|_| None)
                .unwrap(),
            "${}"
        );
    }
}
