//! Action lints: unknown services and actions (with a did-you-mean), entries that never match
//! (S-34), wildcard-only actions scoped to ARNs (S-28), and `Resource` entries that fit none of
//! the statement's actions' resource types (by ARN format).

use super::names::{closest_name, item_pointer};
use super::{Finding, Rule, prefixes, resources};
use crate::catalog::{ActionInfo, Catalog};
use crate::policy::err::push_pointer;
use crate::policy::{ActionPattern, ResourcePattern, Statement};

/// The actions of the catalog an entry matches, when the catalog holds its service (empty for
/// `*`, never-matching entries and services the catalog lacks).
pub(crate) fn matched_actions<'c>(p: &ActionPattern, catalog: &'c Catalog) -> Vec<&'c ActionInfo> {
    let ActionPattern::Service { service, name } = p else {
        return Vec::new();
    };
    let Some(svc) = catalog.service(service) else {
        return Vec::new();
    };
    svc.actions
        .iter()
        .filter(|a| name.matches(&a.name.to_ascii_lowercase()))
        .collect()
}

/// The action of a service the catalog holds closest to `name` (`service:Name` spelling).
pub(crate) fn did_you_mean_action(service: &str, name: &str, catalog: &Catalog) -> Option<String> {
    let svc = catalog.service(service)?;
    let names = svc.actions.iter().map(|a| a.name.clone());
    closest_name(name, names, 3).map(|n| format!("{}:{n}", svc.prefix))
}

/// Every action lint of one statement.
pub(crate) fn lint(st: &Statement, catalog: &Catalog, out: &mut Vec<Finding>) {
    let field = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let base = push_pointer(&st.pointer, field);
    for (i, p) in st.action.patterns.iter().enumerate() {
        let at = item_pointer(&base, st.action.single, i);
        match p {
            ActionPattern::Any => {}
            ActionPattern::Never(text) => {
                let why = p.never_reason().unwrap_or_default();
                let mut tail = String::new();
                if st.action.negated {
                    tail.push_str("; a `NotAction` skips no action for it");
                }
                if text.contains(',') {
                    tail.push_str("; write each action as its own string");
                }
                out.push(Finding::new(
                    Rule::ActionNeverMatches,
                    at,
                    format!("`{text}` {why}, so it matches no action (S-34){tail}"),
                ));
            }
            ActionPattern::Service { service, name } => {
                if !prefixes::is_known(service, catalog) {
                    let hint = prefixes::closest(service, catalog)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    out.push(Finding::new(
                        Rule::UnknownService,
                        at,
                        format!("`{p}`: `{service}` is not an AWS service prefix{hint}"),
                    ));
                } else if catalog.holds_all_of(service) && matched_actions(p, catalog).is_empty() {
                    let hint = name
                        .as_literal()
                        .and_then(|n| did_you_mean_action(service, n, catalog))
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    let what = if name.has_wildcard() {
                        "matches no action"
                    } else {
                        "is not an action"
                    };
                    out.push(Finding::new(
                        Rule::UnknownAction,
                        at,
                        format!(
                            "`{p}` {what} of `{service}` in the catalog{hint} (an action newer than the catalog can be loaded with --catalog)"
                        ),
                    ));
                }
            }
        }
    }
    if !st.action.negated {
        lint_resources(st, catalog, &base, out);
    }
}

/// Wildcard-only actions on ARNs, actions given none of their resource types, `Resource`
/// entries that fit no action, `Resource: *` on actions that have resource types.
fn lint_resources(st: &Statement, catalog: &Catalog, action_base: &str, out: &mut Vec<Finding>) {
    let Some(clause) = st.resource.as_ref().filter(|r| !r.negated) else {
        return;
    };
    let res_field = push_pointer(&st.pointer, "Resource");
    let star = clause
        .patterns
        .iter()
        .any(|p| matches!(p, ResourcePattern::Any));
    // Each entry as ARN pattern tokens (`None`: `*`, or a pattern that matches nothing, which
    // `resources` reports).
    let entries: Vec<(String, String, Option<Vec<crate::catalog::PatternToken>>)> = clause
        .patterns
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match p {
            ResourcePattern::Any => None,
            ResourcePattern::Arn(t) => Some((
                item_pointer(&res_field, clause.single, i),
                p.to_string(),
                resources::pattern_tokens(t),
            )),
        })
        .collect();
    let fits = |a: &ActionInfo, tokens: &[crate::catalog::PatternToken]| {
        let Some(svc) = catalog.service(&a.service) else {
            return false;
        };
        a.resources.iter().any(|r| {
            svc.resource_type(&r.name)
                .is_some_and(|rt| rt.formats().iter().any(|f| f.overlaps(tokens)))
        })
    };
    let mut all_resolved = true;
    let mut typed: Vec<&ActionInfo> = Vec::new();
    for (i, p) in st.action.patterns.iter().enumerate() {
        let matched = matched_actions(p, catalog);
        if matched.is_empty() {
            all_resolved &= matches!(p, ActionPattern::Never(_));
            continue;
        }
        let at = item_pointer(action_base, st.action.single, i);
        if matched.iter().all(|a| a.is_wildcard_only()) {
            if !star {
                out.push(Finding::new(
                    Rule::WildcardOnlyAction,
                    at,
                    format!(
                        "`{p}` supports no resource types, so AWS authorizes it against `*`; this statement's `Resource` never matches it (S-28)"
                    ),
                ));
            }
            continue;
        }
        let with_types: Vec<&ActionInfo> = matched
            .iter()
            .copied()
            .filter(|a| !a.is_wildcard_only())
            .collect();
        if !star
            && !entries.is_empty()
            && !with_types.iter().any(|a| {
                entries
                    .iter()
                    .any(|(_, _, t)| t.as_deref().is_some_and(|t| fits(a, t)))
            })
        {
            let kinds = type_names(&with_types, 4);
            out.push(Finding::new(
                Rule::ResourceMismatch,
                at,
                format!(
                    "`{p}` is given none of its resource types ({kinds}): no `Resource` entry fits their ARN formats"
                ),
            ));
        }
        typed.extend(with_types);
    }
    if all_resolved && !typed.is_empty() {
        for (at, text, tokens) in &entries {
            let Some(tokens) = tokens else { continue };
            if !typed.iter().any(|a| fits(a, tokens)) {
                out.push(Finding::new(
                    Rule::ResourceMismatch,
                    at.clone(),
                    format!(
                        "`{text}` fits none of the resource types of this statement's actions ({})",
                        type_names(&typed, 6)
                    ),
                ));
            }
        }
    }
    if star && st.effect == crate::policy::Effect::Allow && !typed.is_empty() {
        let at = if clause.single {
            res_field.clone()
        } else {
            let i = clause
                .patterns
                .iter()
                .position(|p| matches!(p, ResourcePattern::Any))
                .unwrap_or(0);
            push_pointer(&res_field, &i.to_string())
        };
        let mut names: Vec<String> = typed.iter().map(|a| a.full_name()).collect();
        names.dedup();
        let shown = names
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("`, `");
        let more = if names.len() > 3 {
            format!(" and {} more", names.len() - 3)
        } else {
            String::new()
        };
        out.push(Finding::new(
            Rule::ResourceStar,
            at,
            format!(
                "`Resource: *` grants `{shown}`{more} on every resource, though they have resource types to name"
            ),
        ));
    }
}

/// `service:type` names of the actions' resource types, at most `max`, deduplicated.
fn type_names(actions: &[&ActionInfo], max: usize) -> String {
    let mut names: Vec<String> = Vec::new();
    for a in actions {
        for r in &a.resources {
            let n = format!("{}:{}", a.service, r.name);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    let more = names.len().saturating_sub(max);
    names.truncate(max);
    let mut s = names.join(", ");
    if more > 0 {
        s.push_str(&format!(", and {more} more"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names() {
        let c = Catalog::sagemaker_default();
        assert_eq!(
            did_you_mean_action("sagemaker", "DescribeTraningJob", c).as_deref(),
            Some("sagemaker:DescribeTrainingJob")
        );
        assert_eq!(did_you_mean_action("sagemaker", "Frobnicate", c), None);
        assert_eq!(super::super::names::distance("kitten", "sitting"), 3);
        assert_eq!(closest_name("ab", ["xy".to_owned()], 3), None);
    }
}
