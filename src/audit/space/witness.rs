//! Requests built to reach a statement: a string two globs share, a context that satisfies every
//! condition of a statement, and values steered past guardrail denies.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A short string matched by both globs (`*`, `?`), found by a breadth-first search over pairs of
/// positions; wildcards are filled with `x`. `None` when the globs share no string (or the search
/// gives up on very long patterns).
pub(crate) fn glob_witness(a: &str, b: &str) -> Option<String> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() * b.len() > 200_000 {
        return None;
    }
    let mut alphabet: Vec<char> = a
        .iter()
        .chain(b.iter())
        .copied()
        .filter(|c| *c != '*' && *c != '?')
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    // `x` first: where a wildcard meets a wildcard, the witness says `x`, never `/` or `:`.
    alphabet.retain(|c| *c != 'x');
    alphabet.insert(0, 'x');
    // Positions reachable from `i` without consuming (a `*` may match nothing).
    let closure = |p: &[char], i: usize| {
        let mut out = vec![i];
        let mut k = i;
        while p.get(k) == Some(&'*') {
            k += 1;
            out.push(k);
        }
        out
    };
    // Positions after consuming `c` from `i`.
    let steps = |p: &[char], i: usize, c: char| {
        let mut out = Vec::new();
        for k in closure(p, i) {
            match p.get(k) {
                Some('*') => out.push(k),
                Some('?') => out.push(k + 1),
                Some(&d) if d == c => out.push(k + 1),
                _ => {}
            }
        }
        out
    };
    let accepts = |p: &[char], i: usize| closure(p, i).contains(&p.len());
    let w = b.len() + 1;
    let mut parent: HashMap<(usize, usize), ((usize, usize), char)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]);
    let mut seen = vec![false; (a.len() + 1) * w];
    if let Some(s) = seen.first_mut() {
        *s = true;
    }
    while let Some((i, j)) = queue.pop_front() {
        if accepts(&a, i) && accepts(&b, j) {
            let mut out = Vec::new();
            let mut cur = (i, j);
            while let Some(&(prev, c)) = parent.get(&cur) {
                out.push(c);
                cur = prev;
            }
            out.reverse();
            return Some(out.into_iter().collect());
        }
        for &c in &alphabet {
            for ni in steps(&a, i, c) {
                for nj in steps(&b, j, c) {
                    let Some(s) = seen.get_mut(ni * w + nj) else {
                        continue;
                    };
                    if !*s {
                        *s = true;
                        parent.insert((ni, nj), ((i, j), c));
                        queue.push_back((ni, nj));
                    }
                }
            }
        }
    }
    None
}

/// A context that satisfies every condition of a statement (keys that do not apply to the action
/// are left out), or `None` when it has no applicable key.
/// `other(key, listed)` gives a value of the key's type that is none of `listed` (S-52).
pub(super) fn satisfying(
    spec: &[CondSpec],
    pick: u64,
    mentions: &Mentions,
    applies: &dyn Fn(&str) -> bool,
    multivalued: &dyn Fn(&str) -> bool,
    other: &dyn Fn(&str, &[String]) -> Option<String>,
) -> Option<Vec<(String, ContextValue)>> {
    use crate::condition::{Family, QualifiedOperator};
    let mut out: Vec<(String, ContextValue)> = Vec::new();
    let mut any = false;
    for c in spec {
        let lower = c.key.to_lowercase();
        if !applies(&lower) {
            continue;
        }
        any = true;
        let Ok(q) = QualifiedOperator::parse(&c.op) else {
            continue;
        };
        let first = c.values.first().cloned().unwrap_or_default();
        let value: Option<String> = match q.operator.family() {
            Family::Null => {
                let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
                if wants_absent {
                    out.retain(|(k, _)| k.to_lowercase() != lower);
                    continue;
                }
                if out.iter().any(|(k, _)| k.to_lowercase() == lower) {
                    continue;
                }
                other(&lower, &[])
            }
            _ if q.operator.is_negated() => match q.operator.family() {
                Family::Ip => Cidr::parse(&first).and_then(|_| ip_options(&first).get(1).cloned()),
                _ => other(&lower, &c.values),
            },
            Family::String | Family::Arn => Some(instantiate(&first, mentions, pick)),
            Family::Bool => Some(first.to_ascii_lowercase()),
            Family::Numeric => match q.operator.ord_cmp() {
                crate::condition::OrdCmp::Lt => shift_decimal(&first, false),
                crate::condition::OrdCmp::Gt => shift_decimal(&first, true),
                _ => Some(first.clone()),
            },
            Family::Date => Instant::parse(&first).map(|t| {
                let delta = match q.operator.ord_cmp() {
                    crate::condition::OrdCmp::Lt => -1_000_000_000,
                    crate::condition::OrdCmp::Gt => 1_000_000_000,
                    _ => 0,
                };
                format_instant(t.offset(delta))
            }),
            Family::Ip => ip_options(&first).first().cloned(),
            Family::Binary => Some(first.clone()),
        };
        let Some(v) = value else { continue };
        let cv = if q.set.is_some() || multivalued(&lower) {
            ContextValue::Multi(vec![v])
        } else {
            ContextValue::Single(v)
        };
        out.retain(|(k, _)| k.to_lowercase() != lower);
        out.push((c.key.clone(), cv));
    }
    any.then_some(out)
}

/// Adds to `assignment` what makes a Deny with `conds` not apply: the first condition whose key
/// the assignment leaves free and that absence or one value falsifies. Nothing is added when
/// absence already does it, or when every condition's key is taken.
pub(super) fn avoid_deny(
    assignment: &mut Vec<(String, ContextValue)>,
    conds: &[CondSpec],
    pick: u64,
    mentions: &Mentions,
    applies: &dyn Fn(&str) -> bool,
    multivalued: &dyn Fn(&str) -> bool,
    other: &dyn Fn(&str, &[String]) -> Option<String>,
) {
    use crate::condition::{Family, QualifiedOperator};
    for c in conds {
        let lower = c.key.to_lowercase();
        if !applies(&lower) || assignment.iter().any(|(k, _)| k.to_lowercase() == lower) {
            continue;
        }
        let Ok(q) = QualifiedOperator::parse(&c.op) else {
            continue;
        };
        let first = c.values.first().cloned().unwrap_or_default();
        let value: Option<String> = match q.operator.family() {
            Family::Null => {
                if c.values.iter().any(|v| v.eq_ignore_ascii_case("true")) {
                    other(&lower, &[])
                } else {
                    return; // `Null false` fails when the key is absent
                }
            }
            // A negated operator holds when the key is absent (unless it is a set operator,
            // where ForAllValues holds and ForAnyValue fails): give it a listed value.
            _ if q.operator.is_negated() => match q.operator.family() {
                Family::Ip => ip_options(&first).first().cloned(),
                Family::String | Family::Arn => Some(instantiate(&first, mentions, pick)),
                _ => Some(first.clone()),
            },
            // A positive operator fails on absence, unless IfExists or ForAllValues.
            _ if !q.if_exists && q.set != Some(crate::condition::SetOp::ForAllValues) => return,
            _ => other(&lower, &c.values),
        };
        let Some(v) = value else { continue };
        let cv = if q.set.is_some() || multivalued(&lower) {
            ContextValue::Multi(vec![v])
        } else {
            ContextValue::Single(v)
        };
        assignment.push((c.key.clone(), cv));
        return;
    }
}
