//! Turning a statement's verdict into a finding: what it says, which statements it names, and the
//! witness request that shows why the statement changes nothing.

#[allow(clippy::wildcard_imports)]
use std::sync::Arc;

use super::*;

pub(super) fn skipped(group: &GroupView<'_, '_>, why: String) -> GroupFinding {
    GroupFinding {
        group: group.index,
        finding: Finding::new(
            "dead-statement-skipped".to_owned(),
            FindingKind::DeadStatement,
            Severity::Low,
            "statements not checked for dead or redundant ones".to_owned(),
            why,
        ),
    }
}

/// The finding for a group whose exact analysis failed for some actions (its statements were
/// judged by sampling there instead).
pub(super) fn analysis_failed(group: &GroupView<'_, '_>, errors: &[String]) -> GroupFinding {
    let mut f = skipped(
        group,
        format!(
            "the exact analysis failed, so dead and redundant statements were judged by sampling              for these actions (please report it: a disagreement between the analysis and the              engine is a bug): {}",
            errors.join("; ")
        ),
    );
    f.finding.rule = "exact-analysis-failed".to_owned();
    f.finding.severity = Severity::Medium;
    f.finding.title = "the exact analysis failed for some actions".to_owned();
    f
}

pub(super) fn layer_phrase(decision: Decision, layer: Layer) -> String {
    match (decision, layer) {
        (Decision::ExplicitlyDenied, l) => format!("explicitly denied by a Deny in the {l} layer"),
        (_, Layer::Account) => "denied by the cross-account gate".to_owned(),
        (_, l) => format!("not granted by the {l} layer"),
    }
}

pub(super) fn denied_summary(tally: &Tally) -> String {
    tally
        .denied
        .iter()
        .map(|((d, l), n)| format!("{n} {}", layer_phrase(*d, *l)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the finding for a dead statement.
pub(super) fn finding(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    c: &Candidate<'_>,
    tally: &Tally,
    names: &BTreeMap<ActionId, &str>,
    cap: usize,
) -> Option<GroupFinding> {
    let (me, covered, listed, scope) = scope_of(group, c, names)?;
    let mut basis = format!(
        "judged over {} generated requests for this account's resources (from the run's space, at \
         most {cap} per action",
        tally.requests
    );
    if tally.focused > 0 {
        basis.push_str(&format!(
            ", plus {} built from this statement's own resources and conditions",
            tally.focused
        ));
    }
    basis.push(')');
    if c.wider {
        basis.push_str(
            "; its action clause may also cover actions outside the audit, which were not judged",
        );
    }
    let who = format!("`{}` of {}", me.statement, me.policy);
    let mut related: Vec<StatementRef> = Vec::new();
    let pick = |w: &Option<(Request, Outcome, Outcome)>| {
        w.as_ref().map(|(r, with, wo)| {
            (
                r.clone(),
                format!(
                    "{}; without the statement: {}",
                    with.decision.as_str(),
                    wo.decision.as_str()
                ),
            )
        })
    };
    let (rule, title, message, shown) = match c.statement.effect {
        Effect::Allow if tally.matched == 0 => {
            let unsent: Vec<String> = request_keys(c.statement)
                .into_iter()
                .filter(|(k, _)| !tally.seen_keys.contains(k))
                .map(|(_, spelled)| format!("`{spelled}`"))
                .collect();
            let why = if unsent.is_empty() {
                "its resources or conditions never fit a request for this account's resources"
                    .to_owned()
            } else {
                format!(
                    "it reads {}, which the catalog does not list for these actions, so no \
                     request carries it",
                    unsent.join(", ")
                )
            };
            (
                "dead-statement-never-matches",
                "statement never matches a request",
                format!("{who} covers {scope} but matches none of their requests: {why}; {basis}"),
                None,
            )
        }
        Effect::Allow if tally.allowed > 0 => {
            let shown = pick(&tally.allowed_witness);
            let rest = if tally.matched > tally.allowed {
                format!(
                    "; the other matched ones are denied anyway ({})",
                    denied_summary(tally)
                )
            } else {
                String::new()
            };
            (
                "redundant-statement",
                "statement is redundant",
                format!(
                    "{who} covers {scope}; the {} requests it matches that are allowed are also \
                     allowed by other statements{rest}, so removing it alone changes no decision; \
                     {basis}",
                    tally.allowed
                ),
                shown,
            )
        }
        Effect::Allow => (
            "dead-statement-shadowed",
            "statement is shadowed",
            format!(
                "{who} covers {scope}; every one of the {} requests it matches is denied anyway \
                 ({}), so it grants nothing; {basis}",
                tally.matched,
                denied_summary(tally)
            ),
            pick(&tally.denied_witness),
        ),
        Effect::Deny => {
            let mut what = if tally.matched == 0 {
                "matches none of their requests".to_owned()
            } else {
                format!(
                    "matches {} requests, none of which would be allowed without it ({})",
                    tally.matched,
                    denied_summary(tally)
                )
            };
            let never = covered.iter().all(|a| {
                group
                    .coverage_of(a)
                    .is_some_and(|cell| cell.class == Class::Never)
            });
            if never {
                what.push_str(
                    "; nothing allows the actions it covers for this principal in the audited \
                     request space",
                );
            }
            (
                "dead-statement-no-effect",
                "deny statement has no effect",
                format!("{who} covers {scope} and {what}; {basis}"),
                pick(&tally.denied_witness),
            )
        }
    };
    if let Some((r, _)) = &shown {
        let ex = group.explain(r, input.catalog);
        let effect = if rule == "redundant-statement" {
            Effect::Allow
        } else {
            Effect::Deny
        };
        for s in group.matched_refs(&ex, effect) {
            if s != me && !related.contains(&s) {
                related.push(s);
            }
        }
    }
    let mut statements = vec![me];
    statements.extend(related);
    Some(dead_finding(
        group,
        (rule, title, message),
        listed,
        statements,
        shown.map(|(r, d)| witness(&r, &d)),
    ))
}

/// A dead-statement finding of `group`: rule, title and message, the listed actions, the
/// statements (the judged one first) and the request shown, if any.
pub(super) fn dead_finding(
    group: &GroupView<'_, '_>,
    (rule, title, message): (&str, &str, String),
    listed: Vec<String>,
    statements: Vec<StatementRef>,
    shown: Option<crate::audit::model::Witness>,
) -> GroupFinding {
    GroupFinding {
        group: group.index,
        finding: Finding {
            actions: listed,
            statements,
            witness: shown.map(Arc::new),
            ..Finding::new(
                rule,
                FindingKind::DeadStatement,
                Severity::Low,
                title,
                message,
            )
        },
    }
}

/// The candidate's statement, its audited actions (all, and the first [`LISTED_ACTIONS`]) and a line
/// that counts them: what every dead-statement finding names.
pub(super) fn scope_of(
    group: &GroupView<'_, '_>,
    c: &Candidate<'_>,
    names: &BTreeMap<ActionId, &str>,
) -> Option<(StatementRef, Vec<String>, Vec<String>, String)> {
    let layer_index = u32::try_from(c.policy).ok()?;
    let st_index = u32::try_from(c.statement.index).ok()?;
    let me = group.statement_ref(c.layer, layer_index, st_index)?;
    let covered: Vec<String> = c
        .actions
        .iter()
        .filter_map(|id| names.get(id).map(|s| (*s).to_owned()))
        .collect();
    let listed: Vec<String> = covered.iter().take(LISTED_ACTIONS).cloned().collect();
    let more = covered.len().saturating_sub(listed.len());
    let scope = format!(
        "{} audited action{}{}",
        covered.len(),
        if covered.len() == 1 { "" } else { "s" },
        if more > 0 {
            format!(" (the first {} listed)", listed.len())
        } else {
            String::new()
        }
    );
    Some((me, covered, listed, scope))
}
