//! The product search behind [`solve`]: every literal's matchers are compiled into one bit
//! program (one bit per NFA state, each literal in its own run of 64-bit words), and a
//! breadth-first search walks the subset-constructed product one character class at a time.
//!
//! A state is word 0 (colons read so far, at most 5) followed by the literals' bit sets. Steps
//! visit only set bits; the epsilon closure of a token NFA (a `*` may match nothing) is a
//! contiguous run of bits, precomputed per bit.

use std::collections::{BTreeSet, HashMap, VecDeque};

use std::hash::{Hash, Hasher};

use super::strings::{Class, Matcher, StrLit, Tok, lowercase_preimages};
use crate::hash::{FastHash, FastHasher};

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

/// Explored states above which a search gives up whatever the budget.
const MAX_STATES: usize = 1 << 18;

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

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Accepting position: no transition.
    End,
    Ch(char),
    One(Class),
    Many(Class),
    /// Position `pos` of ignore-case text `text`.
    Lower {
        text: u32,
        pos: u32,
    },
}

#[derive(Debug, Clone, Copy)]
struct Desc {
    kind: Kind,
    /// Last bit of this bit's epsilon closure (itself when none).
    close_to: u32,
}

#[derive(Debug)]
struct SlotInfo {
    w0: usize,
    w1: usize,
    positive: bool,
    segment: Option<u8>,
    /// Accepting bits, with the matcher's "needs five colons" flag.
    finals: Vec<(u32, bool)>,
}

struct Prog {
    descs: Vec<Desc>,
    texts: Vec<Vec<char>>,
    slots: Vec<SlotInfo>,
    words: usize,
    init: Vec<u64>,
}

fn bit(words: &[u64], i: usize) -> bool {
    words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

fn set_bit(words: &mut [u64], i: usize) {
    if let Some(w) = words.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

impl Prog {
    fn new(lits: &[&StrLit]) -> Prog {
        let mut descs: Vec<Desc> = Vec::new();
        let mut texts: Vec<Vec<char>> = Vec::new();
        let mut slots = Vec::with_capacity(lits.len());
        let mut init_bits: Vec<u32> = Vec::new();
        // Word 0 is the colon count.
        let mut next_word = 1usize;
        for lit in lits {
            let w0 = next_word;
            let mut b = u32::try_from(w0 * 64).unwrap_or(u32::MAX);
            descs.resize(
                b as usize,
                Desc {
                    kind: Kind::End,
                    close_to: 0,
                },
            );
            let mut finals = Vec::new();
            for m in &lit.alts {
                match m {
                    Matcher::Toks { toks, arn } => {
                        let n = toks.len();
                        for (p, t) in toks.iter().enumerate() {
                            let kind = match *t {
                                Tok::Ch(c) => Kind::Ch(c),
                                Tok::One(cl) => Kind::One(cl),
                                Tok::Many(cl) => Kind::Many(cl),
                            };
                            let run = toks
                                .iter()
                                .skip(p)
                                .take_while(|t| matches!(t, Tok::Many(_)))
                                .count();
                            descs.push(Desc {
                                kind,
                                close_to: b + u32::try_from(p + run).unwrap_or(0),
                            });
                        }
                        let end = b + u32::try_from(n).unwrap_or(0);
                        descs.push(Desc {
                            kind: Kind::End,
                            close_to: end,
                        });
                        finals.push((end, *arn));
                        init_bits.push(b);
                        b = end + 1;
                    }
                    Matcher::Lower { text } => {
                        let t = u32::try_from(texts.len()).unwrap_or(u32::MAX);
                        texts.push(text.clone());
                        for p in 0..text.len() {
                            let pos = u32::try_from(p).unwrap_or(0);
                            descs.push(Desc {
                                kind: Kind::Lower { text: t, pos },
                                close_to: b + pos,
                            });
                        }
                        let end = b + u32::try_from(text.len()).unwrap_or(0);
                        descs.push(Desc {
                            kind: Kind::End,
                            close_to: end,
                        });
                        finals.push((end, false));
                        init_bits.push(b);
                        b = end + 1;
                    }
                }
            }
            next_word = (b as usize).div_ceil(64).max(w0 + 1);
            slots.push(SlotInfo {
                w0,
                w1: next_word,
                positive: lit.positive,
                segment: lit.segment,
                finals,
            });
        }
        let mut prog = Prog {
            descs,
            texts,
            slots,
            words: next_word,
            init: Vec::new(),
        };
        let mut init = vec![0u64; prog.words];
        for b in init_bits {
            prog.set_closed(&mut init, b as usize);
        }
        prog.init = init;
        prog
    }

    fn set_closed(&self, words: &mut [u64], b: usize) {
        let hi = self.descs.get(b).map_or(b, |d| d.close_to as usize);
        for i in b..=hi {
            set_bit(words, i);
        }
    }

    fn slot_accepts(&self, s: &SlotInfo, state: &[u64], colons: u64) -> bool {
        s.finals
            .iter()
            .any(|&(b, arn)| bit(state, b as usize) && (!arn || colons >= 5))
    }

    fn slot_empty(s: &SlotInfo, state: &[u64]) -> bool {
        state
            .get(s.w0..s.w1)
            .is_none_or(|ws| ws.iter().all(|w| *w == 0))
    }

    fn accepts(&self, state: &[u64]) -> bool {
        let c = state.first().copied().unwrap_or(0);
        self.slots.iter().all(|s| match s.segment {
            None => self.slot_accepts(s, state, c) == s.positive,
            Some(g) if u64::from(g) == c => self.slot_accepts(s, state, 5) == s.positive,
            Some(g) if u64::from(g) < c => true,
            Some(_) => false,
        })
    }

    fn is_dead(&self, state: &[u64]) -> bool {
        let c = state.first().copied().unwrap_or(0);
        self.slots.iter().any(|s| {
            s.positive && s.segment.is_none_or(|g| u64::from(g) >= c) && Prog::slot_empty(s, state)
        })
    }

    /// Characters the set bits of `state` tell apart from the fresh character.
    fn relevant_chars(&self, state: &[u64], out: &mut Vec<char>) {
        let c = state.first().copied().unwrap_or(0);
        for s in &self.slots {
            if s.segment.is_some_and(|g| u64::from(g) != c) {
                continue;
            }
            for w in s.w0..s.w1 {
                let mut x = state.get(w).copied().unwrap_or(0);
                while x != 0 {
                    let b = w * 64 + x.trailing_zeros() as usize;
                    x &= x - 1;
                    match self.descs.get(b).map(|d| d.kind) {
                        Some(Kind::Ch(e)) => out.push(e),
                        Some(Kind::Lower { text, pos }) => {
                            if let Some(&l) = self
                                .texts
                                .get(text as usize)
                                .and_then(|t| t.get(pos as usize))
                            {
                                out.push(l);
                                if let Some(pre) = lowercase_preimages().get(&l) {
                                    out.extend(pre.iter().copied());
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Steps the set bits of one slot on `c` (lowercase `lower`) into `to`.
    fn step_slot(&self, s: &SlotInfo, from: &[u64], c: char, lower: &[char], to: &mut [u64]) {
        for w in s.w0..s.w1 {
            let mut x = from.get(w).copied().unwrap_or(0);
            while x != 0 {
                let b = w * 64 + x.trailing_zeros() as usize;
                x &= x - 1;
                let Some(d) = self.descs.get(b) else { continue };
                match d.kind {
                    Kind::End => {}
                    Kind::Ch(e) => {
                        if e == c {
                            self.set_closed(to, b + 1);
                        }
                    }
                    Kind::One(cl) => {
                        if class_accepts(cl, c) {
                            self.set_closed(to, b + 1);
                        }
                    }
                    Kind::Many(cl) => {
                        if class_accepts(cl, c) {
                            self.set_closed(to, b);
                        }
                    }
                    Kind::Lower { text, pos } => {
                        let p = pos as usize;
                        let ok = !lower.is_empty()
                            && self
                                .texts
                                .get(text as usize)
                                .and_then(|t| t.get(p..p + lower.len()))
                                == Some(lower);
                        if ok {
                            self.set_closed(to, b + lower.len());
                        }
                    }
                }
            }
        }
    }

    /// One transition; false when a segment literal fails as its segment ends.
    fn step(&self, from: &[u64], c: char, lower: &[char], to: &mut [u64]) -> bool {
        to.iter_mut().for_each(|w| *w = 0);
        let old = from.first().copied().unwrap_or(0);
        let ends_segment = c == ':' && old < 5;
        if let Some(w) = to.first_mut() {
            *w = if ends_segment { old + 1 } else { old };
        }
        for s in &self.slots {
            match s.segment {
                None => self.step_slot(s, from, c, lower, to),
                Some(g) if u64::from(g) == old => {
                    if ends_segment {
                        if self.slot_accepts(s, from, 5) != s.positive {
                            return false;
                        }
                    } else {
                        self.step_slot(s, from, c, lower, to);
                    }
                }
                Some(g) if u64::from(g) > old => {
                    for w in s.w0..s.w1 {
                        if let (Some(d), Some(f)) = (to.get_mut(w), from.get(w)) {
                            *d = *f;
                        }
                    }
                }
                Some(_) => {}
            }
        }
        true
    }
}

fn class_accepts(cl: Class, c: char) -> bool {
    match cl {
        Class::Any => true,
        Class::NoColon => c != ':',
        Class::NoColonNoSlash => c != ':' && c != '/',
    }
}

/// Answers per thread, with what they cost, by the hash of their literals: the same literals
/// recur across actions (a resource type's format appears in many) and principals.
type Memo = HashMap<u64, Vec<(Vec<StrLit>, Solved, u64)>, FastHash>;

thread_local! {
    static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(HashMap::default());
}

/// Entries above which the memo is cleared.
const MEMO_LIMIT: usize = 1 << 14;

/// Decides whether some string satisfies every literal; returns a shortest one (ties broken by
/// [`PREFERRED`] order). `budget` is charged one unit per explored state; when it runs out the
/// answer is [`Solved::GaveUp`].
///
/// INVARIANT (deterministic budget): a remembered answer is charged what it cost when it was
/// found, and is only used when the budget covers that, so answers never depend on what this
/// thread decided before.
pub(crate) fn solve(lits: &[&StrLit], budget: &mut u64) -> Solved {
    let hash = {
        let mut h = FastHasher::default();
        lits.len().hash(&mut h);
        for l in lits {
            l.hash(&mut h);
        }
        h.finish()
    };
    let same = |stored: &[StrLit]| {
        stored.len() == lits.len() && stored.iter().zip(lits).all(|(a, b)| a == *b)
    };
    let hit = MEMO.with(|m| {
        m.borrow().get(&hash).and_then(|bucket| {
            bucket
                .iter()
                .find(|(k, _, _)| same(k))
                .map(|(_, a, c)| (a.clone(), *c))
        })
    });
    if let Some((answer, cost)) = hit {
        if cost <= *budget {
            *budget -= cost;
            return answer;
        }
        *budget = 0;
        return Solved::GaveUp;
    }
    let before = *budget;
    let answer = solve_uncached(lits, budget);
    if answer != Solved::GaveUp {
        let cost = before - *budget;
        let key: Vec<StrLit> = lits.iter().map(|l| (*l).clone()).collect();
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= MEMO_LIMIT {
                m.clear();
            }
            m.entry(hash).or_default().push((key, answer.clone(), cost));
        });
    }
    answer
}

fn solve_uncached(lits: &[&StrLit], budget: &mut u64) -> Solved {
    if lits.iter().any(|l| l.alts.iter().any(|m| !m.is_exact())) {
        return Solved::GaveUp;
    }
    let prog = Prog::new(lits);
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

    if prog.is_dead(&prog.init) {
        return Solved::Unsat;
    }
    let mut seen: HashMap<Vec<u64>, usize> = HashMap::new();
    let mut nodes: Vec<(usize, char)> = vec![(usize::MAX, '\0')];
    let mut queue = VecDeque::new();
    seen.insert(prog.init.clone(), 0);
    queue.push_back((prog.init.clone(), 0usize));
    let mut next = vec![0u64; prog.words];
    let mut relevant: Vec<char> = Vec::new();
    while let Some((state, id)) = queue.pop_front() {
        if *budget == 0 || seen.len() > MAX_STATES {
            return Solved::GaveUp;
        }
        *budget -= 1;
        if prog.accepts(&state) {
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
        relevant.clear();
        prog.relevant_chars(&state, &mut relevant);
        for (ci, &c) in alphabet.iter().enumerate() {
            if c != fresh && c != ':' && c != '/' && !relevant.contains(&c) {
                // Behaves as the fresh character here.
                continue;
            }
            let lc = lowered.get(ci).map_or(&[][..], Vec::as_slice);
            if !prog.step(&state, c, lc, &mut next) || prog.is_dead(&next) {
                continue;
            }
            if !seen.contains_key(&next) {
                let nid = nodes.len();
                seen.insert(next.clone(), nid);
                nodes.push((id, c));
                queue.push_back((next.clone(), nid));
            }
        }
    }
    Solved::Unsat
}
