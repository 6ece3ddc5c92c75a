//! One condition key: its possible states in a request (absent, one value, a list), conditions
//! with resolved values ([`CondAtom`]) and their truth in a state (the reference evaluator's
//! missing-key, `IfExists`, set-operator and NOR rules, S-3 … S-8), and the exact procedure that
//! decides whether some state satisfies a set of conditions and negated conditions
//! ([`solve_key`], [`solve_time`]).
//!
//! A set of condition literals on one key reduces, per state, to requirements on single values:
//! for one value `v`, every literal becomes "v is (not) in the condition's match set" or a
//! constant; for a non-empty list, `ForAllValues` literals (and negated `ForAnyValue` ones)
//! become one universal requirement every element meets, and each `ForAnyValue` literal (and
//! negated `ForAllValues` one) an existential requirement that gets an element of its own, which
//! also meets the universal requirement. Absence, the empty string and the empty list are
//! evaluated directly.

use super::domain::{
    Elem, ElemDomain, ElemVerdict, MatchSet, SEC_MAX, SEC_MIN, ValueType, date_seconds,
    iso_seconds, scale_down, solve_elements,
};
use super::intervals::Intervals;
use crate::condition::{QualifiedOperator, SetOp};

/// A key's state in a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum KeyState {
    /// Not in the request.
    Absent,
    /// One value (single-valued keys).
    Single(String),
    /// A list (multivalued keys).
    List(Vec<String>),
}

impl KeyState {
    /// (present, multivalued, values) as the reference evaluator sees the entry.
    fn view(&self) -> (bool, bool, &[String]) {
        match self {
            KeyState::Absent => (false, false, &[]),
            KeyState::Single(v) => (true, false, std::slice::from_ref(v)),
            KeyState::List(vs) => (true, true, vs),
        }
    }
}

/// What a condition tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Test {
    /// `Null`: `true` tests absence, `false` presence.
    Null(Vec<bool>),
    /// Any other operator: the values its positive comparison accepts.
    Match(MatchSet),
}

/// One condition with its policy values resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CondAtom {
    /// Operator and qualifiers.
    pub(crate) op: QualifiedOperator,
    /// The key, lowercase.
    pub(crate) key_lower: String,
    /// The test.
    pub(crate) test: Test,
}

impl CondAtom {
    /// Truth for an entry `(present, multivalued, values)`, by the reference evaluator's rules.
    pub(crate) fn holds_on(&self, present: bool, multivalued: bool, values: &[String]) -> bool {
        let null_set = values.iter().all(String::is_empty);
        let set = match &self.test {
            Test::Null(tests) => {
                let present = present && !null_set;
                return tests.iter().any(|&absent| absent != present);
            }
            Test::Match(set) => set,
        };
        let negated = self.op.operator.is_negated();
        if !present {
            if self.op.if_exists {
                return true;
            }
            return match self.op.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => negated,
            };
        }
        let elems: &[String] = if null_set { &[] } else { values };
        match self.op.set {
            None => {
                if multivalued {
                    return false;
                }
                values.first().is_some_and(|v| set.contains(v) != negated)
            }
            Some(SetOp::ForAllValues) => elems.iter().all(|v| set.contains(v) != negated),
            Some(SetOp::ForAnyValue) => elems.iter().any(|v| set.contains(v) != negated),
        }
    }

    /// Truth in a model state.
    pub(crate) fn holds(&self, state: &KeyState) -> bool {
        let (p, m, v) = state.view();
        self.holds_on(p, m, v)
    }
}

/// What a request may carry for one key (S-46).
#[derive(Debug, Clone)]
pub(crate) struct KeyModel {
    /// What AWS sends as a value.
    pub(crate) ty: ValueType,
    /// Sent as a list (catalog `ArrayOf…`).
    pub(crate) multivalued: bool,
    /// May be left out.
    pub(crate) can_be_absent: bool,
    /// May be sent.
    pub(crate) can_be_present: bool,
    /// Further requirements and preferences on single values.
    pub(crate) domain: ElemDomain,
}

/// The answer of a key-level procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyVerdict<T> {
    /// This state satisfies every literal.
    Sat(T),
    /// No state does.
    Unsat,
    /// Not decided.
    Unknown,
}

/// One literal: a condition that must hold (`true`) or fail (`false`).
pub(crate) type CondLit<'a> = (&'a CondAtom, bool);

/// Single-value requirements of the literals in the state "one non-empty value"; `None` when a
/// literal is constant false there.
fn single_elems<'a>(lits: &[CondLit<'a>]) -> Option<Vec<Elem<'a>>> {
    let mut out = Vec::with_capacity(lits.len());
    for (c, pol) in lits {
        match &c.test {
            // A non-empty value is present for `Null`.
            Test::Null(tests) => {
                if tests.iter().any(|&absent| !absent) != *pol {
                    return None;
                }
            }
            Test::Match(set) => out.push(Elem {
                set,
                want: *pol != c.op.operator.is_negated(),
            }),
        }
    }
    Some(out)
}

/// Decides whether some state of a key satisfies every literal.
pub(crate) fn solve_key(
    model: &KeyModel,
    lits: &[CondLit<'_>],
    budget: &mut u64,
) -> KeyVerdict<KeyState> {
    let direct = |s: &KeyState| lits.iter().all(|(c, pol)| c.holds(s) == *pol);
    if model.can_be_absent && direct(&KeyState::Absent) {
        return KeyVerdict::Sat(KeyState::Absent);
    }
    if !model.can_be_present {
        return KeyVerdict::Unsat;
    }
    let mut unknown = false;
    if model.multivalued {
        match solve_list(model, lits, budget) {
            KeyVerdict::Sat(s) => return KeyVerdict::Sat(s),
            KeyVerdict::Unknown => unknown = true,
            KeyVerdict::Unsat => {}
        }
        if direct(&KeyState::List(Vec::new())) {
            return KeyVerdict::Sat(KeyState::List(Vec::new()));
        }
    } else {
        if let Some(elems) = single_elems(lits) {
            let domain = ElemDomain {
                nonempty: true,
                ..model.domain.clone()
            };
            match solve_elements(model.ty, &elems, &domain, budget) {
                ElemVerdict::Sat(v) => return KeyVerdict::Sat(KeyState::Single(v)),
                ElemVerdict::Unknown => unknown = true,
                ElemVerdict::Unsat => {}
            }
        }
        let empty = KeyState::Single(String::new());
        if model.ty.admits("") && model.domain.extra.iter().all(|l| l.holds("")) && direct(&empty) {
            return KeyVerdict::Sat(empty);
        }
    }
    if unknown {
        KeyVerdict::Unknown
    } else {
        KeyVerdict::Unsat
    }
}

/// A present list with at least one non-empty element.
fn solve_list(model: &KeyModel, lits: &[CondLit<'_>], budget: &mut u64) -> KeyVerdict<KeyState> {
    let mut universal: Vec<Elem<'_>> = Vec::new();
    let mut existential: Vec<Elem<'_>> = Vec::new();
    for (c, pol) in lits {
        let negated = c.op.operator.is_negated();
        match (&c.test, c.op.set) {
            (Test::Null(tests), _) => {
                if tests.iter().any(|&absent| !absent) != *pol {
                    return KeyVerdict::Unsat;
                }
            }
            // A single-valued operator on a multivalued key is false (S-3).
            (Test::Match(_), None) => {
                if *pol {
                    return KeyVerdict::Unsat;
                }
            }
            (Test::Match(set), Some(SetOp::ForAllValues)) => {
                if *pol {
                    universal.push(Elem {
                        set,
                        want: !negated,
                    });
                } else {
                    existential.push(Elem { set, want: negated });
                }
            }
            (Test::Match(set), Some(SetOp::ForAnyValue)) => {
                if *pol {
                    existential.push(Elem {
                        set,
                        want: !negated,
                    });
                } else {
                    universal.push(Elem { set, want: negated });
                }
            }
        }
    }
    let elem_domain = |nonempty: bool| ElemDomain {
        nonempty,
        extra: Vec::new(),
        ..model.domain.clone()
    };
    // One element for everything, when one exists: the most natural witness.
    let mut all = universal.clone();
    all.extend(existential.iter().copied());
    if let ElemVerdict::Sat(v) = solve_elements(model.ty, &all, &elem_domain(true), budget) {
        return KeyVerdict::Sat(KeyState::List(vec![v]));
    }
    let mut values: Vec<String> = Vec::new();
    let mut unknown = false;
    for e in &existential {
        let mut req = universal.clone();
        req.push(*e);
        match solve_elements(model.ty, &req, &elem_domain(false), budget) {
            ElemVerdict::Sat(v) => values.push(v),
            ElemVerdict::Unsat => return KeyVerdict::Unsat,
            ElemVerdict::Unknown => unknown = true,
        }
    }
    if !values.iter().any(|v| !v.is_empty()) {
        match solve_elements(model.ty, &universal, &elem_domain(true), budget) {
            ElemVerdict::Sat(v) => values.push(v),
            ElemVerdict::Unsat => return KeyVerdict::Unsat,
            ElemVerdict::Unknown => unknown = true,
        }
    }
    if unknown {
        return KeyVerdict::Unknown;
    }
    values.dedup();
    KeyVerdict::Sat(KeyState::List(values))
}

/// `aws:CurrentTime` (ISO 8601) and `aws:EpochTime` (epoch seconds): one instant, in whole
/// seconds, always present (S-47).
pub(crate) const CURRENT_TIME: &str = "aws:currenttime";
/// See [`CURRENT_TIME`].
pub(crate) const EPOCH_TIME: &str = "aws:epochtime";

/// The two time keys' states at epoch second `s`.
pub(crate) fn time_states(s: i128) -> (KeyState, KeyState) {
    (
        KeyState::Single(iso_seconds(s)),
        KeyState::Single(s.to_string()),
    )
}

/// Decides whether some request time satisfies every literal on the two time keys; the answer
/// is the epoch second.
pub(crate) fn solve_time(lits: &[CondLit<'_>], reference: i128) -> KeyVerdict<i128> {
    let mut set = Intervals::range(SEC_MIN, SEC_MAX);
    let mut exact = true;
    for (c, pol) in lits {
        let epoch = c.key_lower == EPOCH_TIME;
        let (elem, want) = match &c.test {
            Test::Null(tests) => {
                if tests.iter().any(|&absent| !absent) != *pol {
                    return KeyVerdict::Unsat;
                }
                continue;
            }
            Test::Match(m) => (m, *pol != c.op.operator.is_negated()),
        };
        let secs = match elem {
            MatchSet::Date(_) => {
                date_seconds(&[Elem {
                    set: elem,
                    want: true,
                }])
                .0
            }
            MatchSet::Num(n) if epoch => scale_down(n, 1_000_000_000_000_000_000),
            // ISO text is no number; neither text is a boolean, an address or an ARN.
            MatchSet::Num(_) | MatchSet::Bool { .. } | MatchSet::Ip { .. } => Intervals::empty(),
            MatchSet::Str(ms) if ms.iter().all(|m| m.is_arn()) => Intervals::empty(),
            MatchSet::Bin(_) if !epoch => Intervals::empty(),
            MatchSet::Str(_) | MatchSet::Bin(_) => {
                exact = false;
                continue;
            }
        };
        set = if want {
            set.intersect(&secs)
        } else {
            set.intersect(&secs.complement_within(i128::MIN, i128::MAX))
        };
    }
    let check = |s: i128| {
        let (cur, ep) = time_states(s);
        lits.iter().all(|(c, pol)| {
            let st = if c.key_lower == EPOCH_TIME { &ep } else { &cur };
            c.holds(st) == *pol
        })
    };
    if exact {
        return match set.nearest(reference, |a, b| a.abs_diff(b)) {
            Some(s) => KeyVerdict::Sat(s),
            None => KeyVerdict::Unsat,
        };
    }
    let mut cands: Vec<i128> = vec![reference];
    for &(lo, hi) in set.ranges() {
        cands.extend([lo, hi, reference.clamp(lo, hi)]);
    }
    match cands.into_iter().find(|s| set.contains(*s) && check(*s)) {
        Some(s) => KeyVerdict::Sat(s),
        None if set.is_empty() => KeyVerdict::Unsat,
        None => KeyVerdict::Unknown,
    }
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
