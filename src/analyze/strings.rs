//! String languages of IAM patterns and an exact decision procedure for conjunctions of them.
//!
//! Every string constraint IAM can state is a [`Matcher`]: a token NFA (globs of `StringLike`,
//! literals of `StringEquals`, `ArnLike` patterns split at colons, catalog ARN formats) or the
//! set of strings whose Unicode lowercase equals a text (`StringEqualsIgnoreCase`, S-18). A
//! [`StrLit`] says a string is (or is not) in the union of some matchers, optionally only for one
//! colon-separated segment of it (how `aws:RequestedRegion` is tied to the resource ARN's region).
//! [`solve`] decides whether some string satisfies every literal at once by a breadth-first search
//! over the product of the subset-constructed automata, and returns a shortest such string.
//!
//! INVARIANT (finite alphabet): characters are grouped into classes that no literal can tell
//! apart: every character a matcher names (case-sensitive literals, and every character whose
//! lowercase begins with a character an ignore-case text names), `:` and `/` (which wildcard
//! classes treat specially), and one fresh character that stands for all others. Searching
//! over one representative per class decides emptiness exactly.
//!
//! INVARIANT (final sigma): `str::to_lowercase` maps `Σ` by context; an ignore-case text that
//! contains `σ` or `ς` is not decided here ([`Matcher::is_exact`] is false) and the caller falls
//! back to checking concrete candidates.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use crate::policy::glob::{Glob, GlobTok};

/// Which characters a wildcard token may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    /// Any character.
    Any,
    /// Anything but `:`.
    NoColon,
    /// Anything but `:` and `/`.
    NoColonNoSlash,
}

impl Class {
    fn accepts(self, c: char) -> bool {
        match self {
            Class::Any => true,
            Class::NoColon => c != ':',
            Class::NoColonNoSlash => c != ':' && c != '/',
        }
    }
}

/// One token of a token NFA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tok {
    /// Exactly this character.
    Ch(char),
    /// One character of the class.
    One(Class),
    /// Any run (including none) of characters of the class.
    Many(Class),
}

/// One string language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Matcher {
    /// A token NFA; with `arn`, the whole string must also contain at least five colons (it must
    /// split into the six segments of an ARN).
    Toks {
        /// The tokens.
        toks: Vec<Tok>,
        /// Require five colons.
        arn: bool,
    },
    /// Strings whose `str::to_lowercase` equals this (already lowercase) text.
    Lower {
        /// The lowercase text.
        text: Vec<char>,
    },
}

impl Matcher {
    /// A case-sensitive glob over any text (`StringLike`).
    pub(crate) fn glob(g: &Glob) -> Matcher {
        let mut toks = Vec::new();
        for t in g.toks() {
            match t {
                GlobTok::Lit(s) => toks.extend(s.chars().map(Tok::Ch)),
                GlobTok::One => toks.push(Tok::One(Class::Any)),
                GlobTok::Star => toks.push(Tok::Many(Class::Any)),
            }
        }
        Matcher::Toks { toks, arn: false }
    }

    /// Exactly `text` (`StringEquals`).
    pub(crate) fn literal(text: &str) -> Matcher {
        Matcher::Toks {
            toks: text.chars().map(Tok::Ch).collect(),
            arn: false,
        }
    }

    /// Strings equal to `text` ignoring case (S-18).
    pub(crate) fn ignore_case(text: &str) -> Matcher {
        Matcher::Lower {
            text: text.to_lowercase().chars().collect(),
        }
    }

    /// Strings an ARN glob matches (`ArnLike`, `Resource`), by `arn_glob_matches`' rules (S-13b,
    /// S-14): six parts match segment by segment, wildcards of the first five never cross a
    /// colon; a shorter pattern must end in `*`, and its last part runs over the rest of the ARN.
    /// `None` when the glob matches nothing.
    pub(crate) fn arn(g: &Glob) -> Option<Matcher> {
        let parts = g.split_at_colons();
        let k = parts.len();
        let last_ok = parts.last().is_some_and(Glob::ends_with_star);
        if k < 6 && !last_ok {
            return None;
        }
        let mut toks = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                toks.push(Tok::Ch(':'));
            }
            let class = if i + 1 < k && i < 5 {
                Class::NoColon
            } else {
                Class::Any
            };
            for t in part.toks() {
                match t {
                    GlobTok::Lit(s) => toks.extend(s.chars().map(Tok::Ch)),
                    GlobTok::One => toks.push(Tok::One(class)),
                    GlobTok::Star => toks.push(Tok::Many(class)),
                }
            }
        }
        Some(Matcher::Toks { toks, arn: true })
    }

    /// Non-empty strings.
    pub(crate) fn non_empty() -> Matcher {
        Matcher::Toks {
            toks: vec![Tok::One(Class::Any), Tok::Many(Class::Any)],
            arn: false,
        }
    }

    /// True for an ARN pattern (it requires the six segments of an ARN).
    pub(crate) fn is_arn(&self) -> bool {
        matches!(self, Matcher::Toks { arn: true, .. })
    }

    /// False when this matcher's language is not decided exactly by the product search (an
    /// ignore-case text with a Greek sigma, see the module docs).
    pub(crate) fn is_exact(&self) -> bool {
        match self {
            Matcher::Toks { .. } => true,
            Matcher::Lower { text } => !text.iter().any(|c| matches!(c, 'σ' | 'ς')),
        }
    }

    /// Concrete membership, with the engine's semantics.
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Matcher::Lower { text } => s.to_lowercase().chars().eq(text.iter().copied()),
            Matcher::Toks { toks, arn } => {
                if *arn && s.matches(':').count() < 5 {
                    return false;
                }
                if toks.len() < 127 {
                    return matches_small(toks, s);
                }
                let n = toks.len() + 1;
                let mut cur = vec![0u64; n.div_ceil(64)];
                let mut next = cur.clone();
                set_bit(&mut cur, 0);
                close(toks, &mut cur);
                for c in s.chars() {
                    next.iter_mut().for_each(|w| *w = 0);
                    step_toks(toks, &cur, c, &mut next);
                    if next.iter().all(|w| *w == 0) {
                        return false;
                    }
                    std::mem::swap(&mut cur, &mut next);
                }
                bit(&cur, toks.len())
            }
        }
    }

    /// Adds the characters this matcher names to `out`.
    pub(crate) fn note_chars(&self, out: &mut BTreeSet<char>) {
        match self {
            Matcher::Toks { toks, .. } => {
                for t in toks {
                    if let Tok::Ch(c) = t {
                        out.insert(*c);
                    }
                }
            }
            Matcher::Lower { text } => {
                for c in text {
                    out.insert(*c);
                    if let Some(pre) = lowercase_preimages().get(c) {
                        out.extend(pre.iter().copied());
                    }
                }
            }
        }
    }
}

/// [`Matcher::matches`] for token NFAs of fewer than 127 tokens: the state set in one `u128`.
fn matches_small(toks: &[Tok], s: &str) -> bool {
    let n = toks.len();
    let many: u128 = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Tok::Many(_)))
        .fold(0, |m, (i, _)| m | (1u128 << i));
    // Epsilon closure: a set `Many` bit sets the next bit, repeatedly along runs of `Many`.
    let close = |mut x: u128| loop {
        let add = ((x & many) << 1) & !x;
        if add == 0 {
            return x;
        }
        x |= add;
    };
    let mut cur = close(1);
    for c in s.chars() {
        let mut next: u128 = 0;
        let mut x = cur;
        while x != 0 {
            let i = x.trailing_zeros() as usize;
            x &= x - 1;
            match toks.get(i) {
                Some(Tok::Ch(d)) if *d == c => next |= 1u128 << (i + 1),
                Some(Tok::One(cl)) if cl.accepts(c) => next |= 1u128 << (i + 1),
                Some(Tok::Many(cl)) if cl.accepts(c) => next |= 1u128 << i,
                _ => {}
            }
        }
        cur = close(next);
        if cur == 0 {
            return false;
        }
    }
    cur >> n & 1 == 1
}

/// Chars whose lowercase differs from themselves, by the first char of their lowercase.
pub(crate) fn lowercase_preimages() -> &'static HashMap<char, Vec<char>> {
    static TABLE: OnceLock<HashMap<char, Vec<char>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<char, Vec<char>> = HashMap::new();
        for c in (0u32..=0x10_FFFF).filter_map(char::from_u32) {
            let mut lower = c.to_lowercase();
            let first = lower.next();
            let single = lower.next().is_none();
            if let Some(f) = first
                && !(single && f == c)
            {
                map.entry(f).or_default().push(c);
            }
        }
        map
    })
}

fn bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn set_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

/// Epsilon closure of a token NFA's state set: a `Many` may match nothing.
fn close(toks: &[Tok], words: &mut [u64]) {
    for (i, t) in toks.iter().enumerate() {
        if matches!(t, Tok::Many(_)) && bit(words, i) {
            set_bit(words, i + 1);
        }
    }
}

fn step_toks(toks: &[Tok], from: &[u64], c: char, to: &mut [u64]) {
    for (i, t) in toks.iter().enumerate() {
        if !bit(from, i) {
            continue;
        }
        match *t {
            Tok::Ch(d) if d == c => set_bit(to, i + 1),
            Tok::One(cl) if cl.accepts(c) => set_bit(to, i + 1),
            Tok::Many(cl) if cl.accepts(c) => set_bit(to, i),
            _ => {}
        }
    }
    close(toks, to);
}

/// "The string is (not) in the union of these matchers", optionally about one segment only.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct StrLit {
    /// The union.
    pub(crate) alts: Vec<Matcher>,
    /// In (true) or not in (false).
    pub(crate) positive: bool,
    /// `Some(i)`: the literal is about the text of colon-separated segment `i` (0-based, split
    /// at the first five colons, the sixth keeps the rest); a string without that segment
    /// satisfies no such literal.
    pub(crate) segment: Option<u8>,
}

impl StrLit {
    /// A literal on the whole string.
    pub(crate) fn whole(alts: Vec<Matcher>, positive: bool) -> StrLit {
        StrLit {
            alts,
            positive,
            segment: None,
        }
    }

    /// Concrete truth for `s`.
    pub(crate) fn holds(&self, s: &str) -> bool {
        let text = match self.segment {
            None => Some(s),
            Some(i) => segment_of(s, i),
        };
        match text {
            None => false,
            Some(t) => self.alts.iter().any(|m| m.matches(t)) == self.positive,
        }
    }
}

/// Segment `i` of `s` split at its first five colons.
pub(crate) fn segment_of(s: &str, i: u8) -> Option<&str> {
    s.splitn(6, ':').nth(usize::from(i))
}

pub(crate) use super::product::{Solved, solve};

#[cfg(test)]
#[path = "strings_tests.rs"]
mod tests;
