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

use std::collections::{BTreeSet, HashMap, VecDeque};
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
        let parts = split_glob_at_colons(g);
        let k = parts.len();
        let last_ok = parts
            .last()
            .is_some_and(|p| p.last() == Some(&GlobTok::Star));
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
            for t in part {
                match t {
                    GlobTok::Lit(s) => toks.extend(s.chars().map(Tok::Ch)),
                    GlobTok::One => toks.push(Tok::One(class)),
                    GlobTok::Star => toks.push(Tok::Many(class)),
                }
            }
        }
        Some(Matcher::Toks { toks, arn: true })
    }

    /// Every string.
    pub(crate) fn any() -> Matcher {
        Matcher::Toks {
            toks: vec![Tok::Many(Class::Any)],
            arn: false,
        }
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

    fn n_states(&self) -> usize {
        match self {
            Matcher::Toks { toks, .. } => toks.len() + 1,
            Matcher::Lower { text } => text.len() + 1,
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
    fn note_chars(&self, out: &mut BTreeSet<char>) {
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

/// Splits a glob at the colons of its literal text into at most six parts (the sixth keeps
/// further colons), as `policy::pattern` does.
fn split_glob_at_colons(g: &Glob) -> Vec<Vec<GlobTok>> {
    let mut parts: Vec<Vec<GlobTok>> = vec![Vec::new()];
    let push_lit = |parts: &mut Vec<Vec<GlobTok>>, s: &str| {
        if s.is_empty() {
            return;
        }
        if let Some(cur) = parts.last_mut() {
            if let Some(GlobTok::Lit(prev)) = cur.last_mut() {
                prev.push_str(s);
            } else {
                cur.push(GlobTok::Lit(s.to_owned()));
            }
        }
    };
    for tok in g.toks() {
        match tok {
            GlobTok::Lit(s) => {
                let mut rest = s.as_str();
                while parts.len() < 6 {
                    match rest.split_once(':') {
                        Some((before, after)) => {
                            push_lit(&mut parts, before);
                            parts.push(Vec::new());
                            rest = after;
                        }
                        None => break,
                    }
                }
                push_lit(&mut parts, rest);
            }
            other => {
                if let Some(cur) = parts.last_mut() {
                    cur.push(other.clone());
                }
            }
        }
    }
    parts
}

/// Chars whose lowercase differs from themselves, by the first char of their lowercase.
fn lowercase_preimages() -> &'static HashMap<char, Vec<char>> {
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
    pub alts: Vec<Matcher>,
    /// In (true) or not in (false).
    pub positive: bool,
    /// `Some(i)`: the literal is about the text of colon-separated segment `i` (0-based, split
    /// at the first five colons, the sixth keeps the rest); a string without that segment
    /// satisfies no such literal.
    pub segment: Option<u8>,
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

/// What [`solve`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Solved {
    /// A shortest string satisfying every literal.
    Sat(String),
    /// No string does.
    Unsat,
    /// Not decided: the budget ran out, or a matcher is not exact.
    GaveUp,
}

/// Characters tried first, so witnesses read naturally (`x` fills wildcards).
const PREFERRED: &str = "xabcdefghijklmnopqrstuvwyz0123456789-";

/// A character no literal names: it stands for every such character.
fn fresh_char(named: &BTreeSet<char>) -> char {
    PREFERRED
        .chars()
        .chain("äöüøåæœжя".chars())
        .find(|c| !named.contains(c) && *c != ':' && *c != '/')
        .or_else(|| {
            (0x4E00u32..0x9FFF)
                .filter_map(char::from_u32)
                .find(|c| !named.contains(c))
        })
        .unwrap_or('\u{E000}')
}

/// Layout of one literal in the flat state vector.
struct Slot<'a> {
    lit: &'a StrLit,
    /// (matcher, first bit) per alternative.
    alts: Vec<(&'a Matcher, usize)>,
}

/// Decides whether some string satisfies every literal; returns a shortest one (ties broken by
/// [`PREFERRED`] order). `budget` is charged one unit per explored state; when it runs out the
/// answer is [`Solved::GaveUp`].
pub(crate) fn solve(lits: &[&StrLit], budget: &mut u64) -> Solved {
    if lits.iter().any(|l| l.alts.iter().any(|m| !m.is_exact())) {
        return Solved::GaveUp;
    }
    // Layout: word 0 holds the colon count, then one bit per NFA state of every alternative.
    let mut slots = Vec::with_capacity(lits.len());
    let mut nbits = 0usize;
    for lit in lits {
        let mut alts = Vec::with_capacity(lit.alts.len());
        for m in &lit.alts {
            alts.push((m, nbits));
            nbits += m.n_states();
        }
        slots.push(Slot { lit, alts });
    }
    let words = 1 + nbits.div_ceil(64);
    let mut named = BTreeSet::new();
    for l in lits {
        for m in &l.alts {
            m.note_chars(&mut named);
        }
    }
    named.insert(':');
    named.insert('/');
    let fresh = fresh_char(&named);
    let mut alphabet: Vec<char> = named.iter().copied().collect();
    alphabet.push(fresh);
    let rank = |c: &char| PREFERRED.find(*c).unwrap_or(usize::MAX);
    alphabet.sort_by_key(|c| (c != &fresh, rank(c), *c));
    let lowered: Vec<Vec<char>> = alphabet
        .iter()
        .map(|c| c.to_lowercase().collect())
        .collect();

    let mut init = vec![0u64; words];
    for s in &slots {
        for (m, off) in &s.alts {
            init_matcher(m, &mut init, *off);
        }
    }
    let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut nodes: Vec<(usize, char)> = Vec::new();
    let mut queue = VecDeque::new();
    if is_dead(&slots, &init) {
        return Solved::Unsat;
    }
    seen.insert(init.clone(), 0);
    nodes.push((usize::MAX, '\0'));
    queue.push_back(init);
    let mut next = vec![0u64; words];
    while let Some(state) = queue.pop_front() {
        if *budget == 0 {
            return Solved::GaveUp;
        }
        *budget -= 1;
        let Some(&id) = seen.get(&state) else {
            continue;
        };
        if accepts(&slots, &state) {
            let mut out = Vec::new();
            let mut cur = id;
            while let Some(&(parent, c)) = nodes.get(cur) {
                if parent == usize::MAX {
                    break;
                }
                out.push(c);
                cur = parent;
            }
            out.reverse();
            return Solved::Sat(out.into_iter().collect());
        }
        for (ci, &c) in alphabet.iter().enumerate() {
            let lc = lowered.get(ci).map_or(&[][..], Vec::as_slice);
            if !step(&slots, &state, c, lc, &mut next) || is_dead(&slots, &next) {
                continue;
            }
            if !seen.contains_key(&next) {
                seen.insert(next.clone(), nodes.len());
                nodes.push((id, c));
                queue.push_back(next.clone());
            }
        }
    }
    Solved::Unsat
}

fn init_matcher(m: &Matcher, state: &mut [u64], off: usize) {
    let Some(bits) = state.get_mut(1..) else {
        return;
    };
    set_bit(bits, off);
    if let Matcher::Toks { toks, .. } = m {
        for (i, t) in toks.iter().enumerate() {
            if matches!(t, Tok::Many(_)) && bit(bits, off + i) {
                set_bit(bits, off + i + 1);
            } else {
                break;
            }
        }
    }
}

fn colons(state: &[u64]) -> u64 {
    state.first().copied().unwrap_or(0)
}

/// True when the alternative's NFA is in an accepting state.
fn alt_accepts(m: &Matcher, bits: &[u64], off: usize, colons: u64) -> bool {
    match m {
        Matcher::Toks { toks, arn } => bit(bits, off + toks.len()) && (!arn || colons >= 5),
        Matcher::Lower { text } => bit(bits, off + text.len()),
    }
}

fn slot_accepts(s: &Slot<'_>, bits: &[u64], colons: u64) -> bool {
    s.alts
        .iter()
        .any(|(m, off)| alt_accepts(m, bits, *off, colons))
}

fn slot_empty(s: &Slot<'_>, bits: &[u64]) -> bool {
    s.alts
        .iter()
        .all(|(m, off)| (0..m.n_states()).all(|i| !bit(bits, off + i)))
}

fn accepts(slots: &[Slot<'_>], state: &[u64]) -> bool {
    let c = colons(state);
    let bits = state.get(1..).unwrap_or(&[]);
    slots.iter().all(|s| match s.lit.segment {
        None => slot_accepts(s, bits, c) == s.lit.positive,
        // The segment ends with the string: judge it now.
        Some(g) if u64::from(g) == c => slot_accepts(s, bits, 5) == s.lit.positive,
        // Judged when its segment ended.
        Some(g) if u64::from(g) < c => true,
        // The string has no such segment.
        Some(_) => false,
    })
}

fn is_dead(slots: &[Slot<'_>], state: &[u64]) -> bool {
    let c = colons(state);
    let bits = state.get(1..).unwrap_or(&[]);
    slots.iter().any(|s| {
        s.lit.positive && s.lit.segment.is_none_or(|g| u64::from(g) >= c) && slot_empty(s, bits)
    })
}

/// One transition on `c`; false when a segment literal fails as its segment ends.
fn step(slots: &[Slot<'_>], from: &[u64], c: char, lower: &[char], to: &mut Vec<u64>) -> bool {
    to.iter_mut().for_each(|w| *w = 0);
    let old = colons(from);
    let ends_segment = c == ':' && old < 5;
    if let Some(w) = to.first_mut() {
        *w = if ends_segment { old + 1 } else { old };
    }
    let src = from.get(1..).unwrap_or(&[]);
    let Some(dst) = to.get_mut(1..) else {
        return false;
    };
    for s in slots {
        match s.lit.segment {
            None => step_slot(s, src, c, lower, dst),
            Some(g) if u64::from(g) == old => {
                if ends_segment {
                    // The segment is over: judge it, then forget its state.
                    if slot_accepts(s, src, 5) != s.lit.positive {
                        return false;
                    }
                } else {
                    step_slot(s, src, c, lower, dst);
                }
            }
            Some(g) if u64::from(g) > old => {
                // Not started: keep the initial state.
                for (m, off) in &s.alts {
                    for i in 0..m.n_states() {
                        if bit(src, off + i) {
                            set_bit(dst, off + i);
                        }
                    }
                }
            }
            Some(_) => {}
        }
    }
    true
}

fn step_slot(s: &Slot<'_>, src: &[u64], c: char, lower: &[char], dst: &mut [u64]) {
    for (m, off) in &s.alts {
        match m {
            Matcher::Toks { toks, .. } => {
                for (i, t) in toks.iter().enumerate() {
                    if !bit(src, off + i) {
                        continue;
                    }
                    match *t {
                        Tok::Ch(d) if d == c => set_bit(dst, off + i + 1),
                        Tok::One(cl) if cl.accepts(c) => set_bit(dst, off + i + 1),
                        Tok::Many(cl) if cl.accepts(c) => set_bit(dst, off + i),
                        _ => {}
                    }
                }
                for (i, t) in toks.iter().enumerate() {
                    if matches!(t, Tok::Many(_)) && bit(dst, off + i) {
                        set_bit(dst, off + i + 1);
                    }
                }
            }
            Matcher::Lower { text } => {
                for i in 0..text.len() {
                    if bit(src, off + i)
                        && !lower.is_empty()
                        && text.get(i..i + lower.len()) == Some(lower)
                    {
                        set_bit(dst, off + i + lower.len());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "strings_tests.rs"]
mod tests;
