//! Condition lints: keys the catalog does not have or the statement's actions never send,
//! operators of the wrong type, set qualifiers on the wrong kind of key, MFA tests that miss
//! long-term credentials, and conditions of one statement that no request satisfies together.

use std::collections::BTreeMap;

use super::actions::matched_actions;
use super::{Finding, Rule};
use crate::catalog::{Catalog, KeyType};
use crate::condition::{Condition, Family, OrdCmp, StrCmp, Values, boolean};
use crate::policy::err::push_pointer;
use crate::policy::{ActionPattern, Effect, Statement};

/// Pointer of a condition: `…/Condition/<operator>/<key>`.
fn pointer(st: &Statement, c: &Condition) -> String {
    let base = push_pointer(&st.pointer, "Condition");
    push_pointer(&push_pointer(&base, &c.op.to_string()), &c.key)
}

/// Every condition lint of one statement.
pub(crate) fn lint(st: &Statement, catalog: &Catalog, out: &mut Vec<Finding>) {
    for c in &st.conditions {
        let at = pointer(st, c);
        key_lints(st, c, catalog, &at, out);
        mfa_lints(st, c, &at, out);
    }
    always_false(st, out);
}

fn key_lints(st: &Statement, c: &Condition, catalog: &Catalog, at: &str, out: &mut Vec<Finding>) {
    let prefix = c.key_lower.split_once(':').map(|(p, _)| p);
    let Some(info) = catalog.key(&c.key) else {
        // Unknown only where the catalog knows every key: the global `aws:` keys and services
        // it holds completely.
        if prefix.is_some_and(|p| p == "aws" || catalog.holds_all_of(p)) {
            out.push(Finding::new(
                Rule::UnknownConditionKey,
                at,
                format!("condition key `{}` is not in the catalog", c.key),
            ));
        }
        return;
    };
    if let Some(p) = prefix.filter(|p| *p != "aws") {
        key_not_for_action(st, c, p, &info.name, catalog, at, out);
    }
    let family = c.op.operator.family();
    let fits = match (family, info.ty) {
        (_, KeyType::Unknown) | (Family::Null, _) => true,
        (Family::String | Family::Arn, KeyType::String | KeyType::Arn) => true,
        (Family::Numeric, KeyType::Numeric) => true,
        // aws:EpochTime is typed Date and documented to work with Numeric operators.
        (Family::Numeric, KeyType::Date) => true,
        (Family::Date, KeyType::Date) => true,
        (Family::Bool, KeyType::Bool) => true,
        (Family::Ip, KeyType::IpAddress) => true,
        (Family::Binary, KeyType::Binary) => true,
        _ => false,
    };
    if !fits {
        out.push(Finding::new(
            Rule::KeyTypeMismatch,
            at,
            format!(
                "`{}` compares `{}`, which the catalog types {}",
                c.op.operator,
                c.key,
                info.ty.as_str()
            ),
        ));
    } else if family == Family::String && info.ty == KeyType::Arn {
        out.push(Finding::new(
            Rule::StringOperatorOnArnKey,
            at,
            format!(
                "`{}` compares `{}`, an ARN: `ArnLike`/`ArnEquals` match it segment by segment",
                c.op.operator, c.key
            ),
        ));
    }
    if family != Family::Null {
        match (c.op.set.is_some(), info.multivalued) {
            (false, true) => out.push(Finding::new(
                Rule::MultivaluedKeyWithoutSet,
                at,
                format!(
                    "`{}` is multivalued: without `ForAllValues:`/`ForAnyValue:` this condition is always false (S-3)",
                    c.key
                ),
            )),
            (true, false) => out.push(Finding::new(
                Rule::SetOperatorOnSingleValuedKey,
                at,
                format!(
                    "`{}` is single-valued: a set operator on it can be more permissive than intended (ForAllValues holds when the key is missing)",
                    c.key
                ),
            )),
            _ => {}
        }
    }
}

/// A service key (`sagemaker:InstanceTypes`) none of the statement's actions lists: the request
/// never carries it. Judged only when every action entry resolves to catalog actions.
fn key_not_for_action(
    st: &Statement,
    c: &Condition,
    prefix: &str,
    published: &str,
    catalog: &Catalog,
    at: &str,
    out: &mut Vec<Finding>,
) {
    if st.action.negated || !catalog.holds_all_of(prefix) {
        return;
    }
    let mut actions = Vec::new();
    for p in &st.action.patterns {
        let m = matched_actions(p, catalog);
        if m.is_empty() && !matches!(p, ActionPattern::Never(_)) {
            return;
        }
        actions.extend(m);
    }
    if actions.is_empty() {
        return;
    }
    let supported = actions.iter().any(|a| {
        catalog.action_supports_key(a, &c.key) || catalog.action_supports_key(a, published)
    });
    if !supported {
        let names: Vec<String> = actions.iter().take(3).map(|a| a.full_name()).collect();
        out.push(Finding::new(
            Rule::KeyNotForAction,
            at,
            format!(
                "no action of this statement supports `{}` (`{}`{}), so requests never carry it",
                c.key,
                names.join("`, `"),
                if actions.len() > 3 { ", …" } else { "" }
            ),
        ));
    }
}

/// `aws:MultiFactorAuthPresent` tests that let long-term credentials (which never carry the
/// key) through: `Bool … false` without `IfExists`, and `Null … false`.
fn mfa_lints(st: &Statement, c: &Condition, at: &str, out: &mut Vec<Finding>) {
    if c.key_lower != "aws:multifactorauthpresent" {
        return;
    }
    match &c.values {
        Values::Bool(values)
            if !c.op.if_exists
                && c.op.set.is_none()
                && values
                    .iter()
                    .any(|t| t.resolve_string(|_| None).and_then(|v| boolean::parse_bool(&v)) == Some(false)) =>
        {
            let tail = if st.effect == Effect::Deny {
                "this Deny does not apply to them; write `BoolIfExists`"
            } else {
                "write an Allow with `\"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}`"
            };
            out.push(Finding::new(
                Rule::MfaConditionPattern,
                at,
                format!(
                    "`Bool` `aws:MultiFactorAuthPresent` `false` is false when the key is absent, as it is for long-term credentials (access keys): {tail}"
                ),
            ));
        }
        Values::Null(tests) if tests.contains(&false) => out.push(Finding::new(
            Rule::MfaConditionPattern,
            at,
            "`Null` `aws:MultiFactorAuthPresent` `false` only checks that the key is present, which it is for temporary credentials without MFA too: test `\"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}`",
        )),
        _ => {}
    }
}

/// Conditions of one statement no request satisfies together, per key: a `Null` true beside an
/// operator that needs the key; positive and negated operators over the same values; equal
/// values all excluded by the other string operators; numeric and date ranges with no common
/// point. Only when the key being absent also fails (some positive operator without `IfExists`).
fn always_false(st: &Statement, out: &mut Vec<Finding>) {
    let mut by_key: BTreeMap<&str, Vec<&Condition>> = BTreeMap::new();
    for c in &st.conditions {
        by_key.entry(c.key_lower.as_str()).or_default().push(c);
    }
    for (_, conds) in by_key {
        if conds.len() < 2 {
            continue;
        }
        let needs_key = |c: &&&Condition| {
            !matches!(c.values, Values::Null(_))
                && !c.op.if_exists
                && match c.op.set {
                    None => !c.op.operator.is_negated(),
                    Some(crate::condition::SetOp::ForAnyValue) => true,
                    Some(crate::condition::SetOp::ForAllValues) => false,
                }
        };
        let Some(needing) = conds.iter().find(needs_key) else {
            continue;
        };
        let why = if let Some(null) = conds
            .iter()
            .find(|c| matches!(&c.values, Values::Null(t) if t.iter().all(|b| *b)))
        {
            Some(format!(
                "`Null` `{}` `true` needs the key absent, and `{}` needs it present",
                null.key, needing.op
            ))
        } else {
            let plain: Vec<&Condition> = conds
                .iter()
                .copied()
                .filter(|c| c.op.set.is_none() && c.variables().next().is_none())
                .collect();
            contradiction(&plain)
        };
        if let Some(why) = why {
            out.push(Finding::new(
                Rule::AlwaysFalseCondition,
                pointer(st, needing),
                format!("no request satisfies these conditions on `{}` together: {why}, so this statement never applies", needing.key),
            ));
        }
    }
}

/// Why the plain (no set qualifier, no variable) conditions on one key exclude every value.
fn contradiction(conds: &[&Condition]) -> Option<String> {
    // A positive operator and its negation over a superset of its values.
    for p in conds.iter().filter(|c| !c.op.operator.is_negated()) {
        for n in conds.iter().filter(|c| c.op.operator.is_negated()) {
            if same_comparison(p, n) && p.raw_values.iter().all(|v| n.raw_values.contains(v)) {
                return Some(format!("`{}` and `{}` name the same values", p.op, n.op));
            }
        }
    }
    strings(conds).or_else(|| ordered(conds))
}

/// True when `n` is the negation of `p`'s comparison (`StringNotLike` of `StringLike`).
fn same_comparison(p: &Condition, n: &Condition) -> bool {
    let (pf, nf) = (p.op.operator.family(), n.op.operator.family());
    pf == nf
        && match pf {
            Family::String => p.op.operator.str_cmp() == n.op.operator.str_cmp(),
            Family::Numeric | Family::Date => {
                p.op.operator.ord_cmp() == OrdCmp::Eq && n.op.operator.ord_cmp() == OrdCmp::Eq
            }
            Family::Arn | Family::Ip => true,
            _ => false,
        }
}

/// `StringEquals` values that every other string operator on the key rules out.
fn strings(conds: &[&Condition]) -> Option<String> {
    let equals = conds.iter().find(|c| {
        c.op.operator.family() == Family::String
            && !c.op.operator.is_negated()
            && c.op.operator.str_cmp() == StrCmp::Equals
    })?;
    let candidates: Vec<&String> = equals.raw_values.iter().collect();
    let survivors = candidates
        .iter()
        .filter(|v| {
            conds.iter().all(|c| {
                if std::ptr::eq(*c, *equals) || c.op.operator.family() != Family::String {
                    return true;
                }
                let Values::String(templates) = &c.values else {
                    return true;
                };
                let any = templates.iter().any(|t| match c.op.operator.str_cmp() {
                    StrCmp::Equals => t.resolve_string(|_| None).is_some_and(|p| p == ***v),
                    StrCmp::EqualsIgnoreCase => t
                        .resolve_string(|_| None)
                        .is_some_and(|p| p.to_lowercase() == v.to_lowercase()),
                    StrCmp::Like => t.resolve_glob(|_| None).is_some_and(|g| g.matches(v)),
                });
                any != c.op.operator.is_negated()
            })
        })
        .count();
    (survivors == 0).then(|| {
        format!(
            "every value `{}` allows is ruled out by the other string operators",
            equals.op
        )
    })
}

/// Numeric or date bounds with no common point (in the exact decimal or nanosecond grid).
fn ordered(conds: &[&Condition]) -> Option<String> {
    for family in [Family::Numeric, Family::Date] {
        let mut lo: Option<i128> = None;
        let mut hi: Option<i128> = None;
        let mut equal: Option<Vec<i128>> = None;
        let mut excluded: Vec<i128> = Vec::new();
        let mut seen = 0usize;
        for c in conds.iter().filter(|c| c.op.operator.family() == family) {
            let values: Vec<i128> = match &c.values {
                Values::Numeric(v) => v.iter().map(|d| d.scaled()).collect(),
                Values::Date(v) => v.iter().map(|d| d.nanos()).collect(),
                _ => continue,
            };
            seen += 1;
            let (Some(&min), Some(&max)) = (values.iter().min(), values.iter().max()) else {
                continue;
            };
            // Values are ORed: `< [a, b]` is `< max`, `> [a, b]` is `> min`.
            match (c.op.operator.is_negated(), c.op.operator.ord_cmp()) {
                (true, _) => excluded.extend(values),
                (false, OrdCmp::Eq) => {
                    equal = Some(match equal {
                        None => values,
                        Some(prev) => prev.into_iter().filter(|v| values.contains(v)).collect(),
                    });
                }
                (false, OrdCmp::Lt) => {
                    hi = Some(hi.map_or(max.saturating_sub(1), |h| h.min(max.saturating_sub(1))))
                }
                (false, OrdCmp::Le) => hi = Some(hi.map_or(max, |h| h.min(max))),
                (false, OrdCmp::Gt) => {
                    lo = Some(lo.map_or(min.saturating_add(1), |l| l.max(min.saturating_add(1))))
                }
                (false, OrdCmp::Ge) => lo = Some(lo.map_or(min, |l| l.max(min))),
            }
        }
        if seen < 2 {
            continue;
        }
        let (lo_v, hi_v) = (lo.unwrap_or(i128::MIN), hi.unwrap_or(i128::MAX));
        let empty = match &equal {
            Some(values) => !values
                .iter()
                .any(|v| *v >= lo_v && *v <= hi_v && !excluded.contains(v)),
            None => {
                lo_v > hi_v || {
                    let inside = excluded
                        .iter()
                        .filter(|v| **v >= lo_v && **v <= hi_v)
                        .count();
                    u128::try_from(inside).unwrap_or(u128::MAX) > hi_v.abs_diff(lo_v)
                }
            }
        };
        if empty {
            let what = if family == Family::Numeric {
                "numeric"
            } else {
                "date"
            };
            return Some(format!("the {what} bounds have no value in common"));
        }
    }
    None
}
