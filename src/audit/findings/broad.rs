//! Over-broad grants, per `Allow` statement of a group's identity policies, each reported only
//! when the engine shows the statement taking part in an allowed request (boundary and SCPs
//! included), so a grant that a guardrail cancels is not reported:
//!
//! - `over-broad-write-wildcard`: a wildcard `Action` (`*`, `sagemaker:*`, `sagemaker:Create*`)
//!   or a `NotAction` that covers SageMaker Write or Tagging actions. Severity follows what the
//!   principal can actually do (S-51): High when at least 50 of the Write actions it names are
//!   reachable after boundaries, SCPs, denies and conditions (coverage class not `Never`), else
//!   Medium; the message gives both counts.
//! - `write-wildcard-scoped-to-caller`: the same grant scoped by the caller's own tags or name
//!   (`${aws:PrincipalTag/…}`, `${aws:username}`, `${aws:userid}` in a positive condition or in
//!   the resource): Low, reported as scoped, not as a wildcard.
//! - `over-broad-resource-star`: `Resource: "*"` on SageMaker actions that support resource-level
//!   scoping. Medium; Low when the statement has conditions or covers only Read and List actions.
//! - `over-broad-passrole`: `iam:PassRole` on every role (an unlisted role is passable: High), or
//!   without `iam:PassedToService` scoping (a role may be passed to `ec2.amazonaws.com`: Medium).
//! - `admin-equivalent`: every administrator probe over several services is allowed (Critical,
//!   one per group).
//!
//! Counts come from the catalog: how many SageMaker actions the statement's action clause covers,
//! by access level.

use std::sync::Arc;

use std::collections::BTreeMap;

use super::willfail::{RequestCache, allowed, merge_refs, pass_role_requests};
use super::{FindingsInput, GroupFinding, GroupView, formula, witness};
use crate::audit::model::{Class, Finding, FindingKind, Severity, StatementRef};
use crate::catalog::{AccessLevel, ActionId, ActionInfo, Catalog};
use crate::eval::{Decision, Layer, Request};
use crate::policy::{ActionClause, ActionPattern, Effect, Policy, ResourcePattern, Statement};

/// Rule id: wildcard or `NotAction` grants of SageMaker write actions.
pub(crate) const RULE_WRITE_WILDCARD: &str = "over-broad-write-wildcard";
/// Rule id: `Resource: "*"` on SageMaker actions that can be scoped.
pub(crate) const RULE_RESOURCE_STAR: &str = "over-broad-resource-star";
/// Rule id: `iam:PassRole` on every role or to every service.
pub(crate) const RULE_PASSROLE: &str = "over-broad-passrole";
/// Rule id: the group can do everything.
pub(crate) const RULE_ADMIN: &str = "admin-equivalent";

/// Rule id: a wildcard grant of write actions scoped by the caller's own tags or name.
pub(crate) const RULE_WRITE_SCOPED: &str = "write-wildcard-scoped-to-caller";

/// Variables that name the caller (lowercase prefixes of `${…}`): a grant that compares against
/// them is limited to the caller's own resources.
const CALLER_VARIABLES: &[&str] = &[
    "${aws:principaltag/",
    "${aws:username}",
    "${aws:userid}",
    "${aws:principalarn}",
    "${saml:sub}",
];

/// The caller variables a statement is scoped by: in a positive condition's values, or in its
/// resource patterns.
fn caller_scoping(st: &Statement) -> Vec<String> {
    let has = |text: &str| {
        let lower = text.to_ascii_lowercase();
        CALLER_VARIABLES.iter().any(|v| lower.contains(v))
    };
    let mut out: Vec<String> = Vec::new();
    for c in &st.conditions {
        let op = c.op.to_string();
        if op.contains("Not") || op.starts_with("Null") {
            continue;
        }
        for v in c.raw_values.iter().filter(|v| has(v)) {
            out.push(format!("{} {} {v}", c.op, c.key));
        }
    }
    if let Some(r) = &st.resource
        && !r.negated
    {
        let all_scoped = !r.patterns.is_empty()
            && r.patterns.iter().all(|p| match p {
                ResourcePattern::Any => false,
                ResourcePattern::Arn(t) => has(&t.to_string()),
            });
        if all_scoped {
            out.extend(r.patterns.iter().map(|p| format!("Resource {p}")));
        }
    }
    out
}

/// The actions of `covered` the group can perform (coverage class not `Never`; an action the
/// audit did not cover counts as reachable).
fn reachable<'c>(
    group: &GroupView<'_, '_>,
    covered: &[(ActionId, &'c ActionInfo)],
) -> Vec<(ActionId, &'c ActionInfo)> {
    covered
        .iter()
        .filter(|(_, a)| {
            group
                .coverage_of(&a.full_name())
                .is_none_or(|c| c.class != Class::Never)
        })
        .copied()
        .collect()
}

/// Write actions from which a wildcard grant is High.
const HIGH_WRITE_COUNT: usize = 50;

/// A role no policy names: passable only through a pattern that matches every role.
const UNLISTED_ROLE: &str = "role/iamc-probe/iamc-unlisted-role";

/// A service no SageMaker execution role needs to be passed to.
const OTHER_SERVICE: &str = "ec2.amazonaws.com";

/// True when the action clause covers `action`.
fn covers(clause: &ActionClause, action: &ActionInfo) -> bool {
    clause.applies_to(&action.service, &action.name.to_ascii_lowercase())
}

/// True when the pattern holds a wildcard.
fn is_wildcard(p: &ActionPattern) -> bool {
    match p {
        ActionPattern::Any => true,
        ActionPattern::Service { name, .. } => name.has_wildcard(),
        ActionPattern::Never(_) => false,
    }
}

/// Counts by access level, most dangerous first: `257 Write, 2 Tagging, 104 Read, 97 List`.
fn describe_counts(actions: &[(ActionId, &ActionInfo)]) -> String {
    let mut by: BTreeMap<AccessLevel, usize> = BTreeMap::new();
    for (_, a) in actions {
        *by.entry(a.access_level).or_default() += 1;
    }
    [
        AccessLevel::PermissionsManagement,
        AccessLevel::Write,
        AccessLevel::Tagging,
        AccessLevel::Read,
        AccessLevel::List,
    ]
    .iter()
    .filter_map(|l| by.get(l).map(|n| format!("{n} {l}")))
    .collect::<Vec<_>>()
    .join(", ")
}

fn describe_conditions(st: &Statement) -> Vec<String> {
    st.conditions
        .iter()
        .map(|c| format!("{} {} [{}]", c.op, c.key, c.raw_values.join(", ")))
        .collect()
}

/// What the statement detectors read: the findings input, the group and one of its statements.
#[derive(Clone, Copy)]
struct Scan<'x, 'g, 'a> {
    input: &'x FindingsInput<'g, 'a>,
    group: &'x GroupView<'g, 'a>,
    st: &'x Located<'g>,
}

/// One statement of the group's identity policies, located.
struct Located<'s> {
    policy: u32,
    statement: &'s Statement,
    at: StatementRef,
}

impl Located<'_> {
    /// True when the explanation of an allowed request names this statement.
    fn matched(&self, ex: &crate::eval::Explanation) -> bool {
        ex.matched.iter().any(|m| {
            m.layer == Layer::Identity
                && m.policy == self.policy
                && m.statement as usize == self.statement.index
                && m.effect == Effect::Allow
        })
    }
}

/// An allowed own-account request of `actions` (those the group reaches) in which `st` takes
/// part. Actions always allowed first. Where the exact analysis decided a cell (S-55): its
/// allowed witness when `st` takes part in it, else the analysis of the action narrowed to the
/// requests `st` matches (`Never` there: `st` takes part in none); approximate cells are scanned
/// on sampled requests, as before.
fn contributing_request(
    s: Scan<'_, '_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    actions: &[(ActionId, &ActionInfo)],
) -> Option<Request> {
    let Scan { input, group, st } = s;
    let mut order: Vec<(ActionId, &ActionInfo, Class, bool)> = actions
        .iter()
        .filter_map(|&(id, a)| {
            let c = group.coverage_of(&a.full_name())?;
            let exact = formula::is_exact(c);
            // A sampled cell none of whose samples is allowed has nothing to scan.
            (c.class != Class::Never && (exact || c.allowed > 0)).then_some((id, a, c.class, exact))
        })
        .collect();
    order.sort_by_key(|&(_, _, c, exact)| (c, !exact));
    let takes_part = |r: &Request| {
        formula::allows(group, r, input.catalog) && st.matched(&group.explain(r, input.catalog))
    };
    // Witnesses of exact cells first: no analysis, no scan.
    let mut fallback = None;
    for &(_, info, _, _) in order.iter().filter(|o| o.3) {
        let Some(Some(r)) = formula::cell_witness(group, &info.full_name(), input.catalog) else {
            continue;
        };
        if takes_part(&r) {
            if on_required_type(input.catalog, info, &r.resource) {
                return Some(r);
            }
            fallback.get_or_insert(r);
        }
    }
    if fallback.is_some() {
        return fallback;
    }
    let mut narrowed: Option<Option<crate::policy::Policy>> = None;
    let asker = formula::Asker::new(input);
    for (id, info, _, exact) in order {
        if exact {
            let policy = narrowed.get_or_insert_with(|| {
                let mut alone = st.statement.clone();
                alone.effect = Effect::Allow;
                let version = group.set.identity.get(st.policy as usize)?.version;
                Some(crate::policy::Policy {
                    version,
                    id: None,
                    statements: vec![alone],
                })
            });
            let Some(policy) = policy.as_ref() else {
                continue;
            };
            match asker.ask(group, &info.full_name(), policy) {
                formula::Answer::Allowed(r) if takes_part(&r) => return Some(r),
                formula::Answer::Never | formula::Answer::Allowed(_) => continue,
                // Not decided: the sampled requests below.
                formula::Answer::Unknown(_) => {}
            }
        }
        let Some(reqs) = cache.get(id) else {
            continue;
        };
        for (r, own) in reqs.iter() {
            if !own || !allowed(group, r, input.catalog) {
                continue;
            }
            if st.matched(&group.explain(r, input.catalog)) {
                // A witness on the action's own (required) resource type reads best: a
                // training job, not the reserved capacity it may optionally name.
                if on_required_type(input.catalog, info, &r.resource) {
                    return Some(r.clone());
                }
                if fallback.is_none() {
                    fallback = Some(r.clone());
                }
            }
        }
        if fallback.is_some() {
            return fallback;
        }
    }
    fallback
}

/// True when `resource` is of a resource type the action requires, or the action names no
/// required type.
fn on_required_type(catalog: &Catalog, action: &ActionInfo, resource: &str) -> bool {
    let required: Vec<&str> = action
        .resources
        .iter()
        .filter(|r| r.required == Some(true))
        .map(|r| r.name.as_str())
        .collect();
    if required.is_empty() {
        return true;
    }
    catalog
        .resource_type_for(action, resource)
        .is_some_and(|rt| required.contains(&rt.name.as_str()))
}

impl Scan<'_, '_, '_> {
    /// A finding of the group about the statement, witnessed by an allowed request it takes
    /// part in.
    fn finding(
        self,
        (rule, severity): (&str, Severity),
        title: &str,
        message: String,
        actions: Vec<String>,
        request: &Request,
    ) -> GroupFinding {
        GroupFinding {
            group: self.group.index,
            finding: Finding {
                actions,
                statements: vec![self.st.at.clone()],
                conditions: describe_conditions(self.st.statement),
                witness: Some(Arc::new(witness(request, "Allowed"))),
                ..Finding::new(
                    rule.to_owned(),
                    FindingKind::OverBroad,
                    severity,
                    title.to_owned(),
                    message,
                )
            },
        }
    }
}

/// `1 action`, `2 actions`.
fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// ` on Resource [..]` when the statement's resources are not just `*`, else empty.
fn resource_note(st: &Statement) -> String {
    match &st.resource {
        Some(r) if r.negated || r.patterns.iter().any(|p| *p != ResourcePattern::Any) => {
            let (field, list) = r.field_and_entries();
            format!(" (on `{field}` [{list}])")
        }
        _ => String::new(),
    }
}

/// Names the statement in messages: its `Sid` (or `#index`) and its policy.
fn named(st: &Located<'_>) -> String {
    format!("statement `{}` of `{}`", st.at.statement, st.at.policy)
}

fn write_wildcard(
    s: Scan<'_, '_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    covered: &[(ActionId, &ActionInfo)],
) -> Option<GroupFinding> {
    let Scan { group, st, .. } = s;
    let clause = &st.statement.action;
    let wildcards: Vec<&ActionPattern> =
        clause.patterns.iter().filter(|p| is_wildcard(p)).collect();
    let is_write =
        |a: &ActionInfo| matches!(a.access_level, AccessLevel::Write | AccessLevel::Tagging);
    let through_wildcard: Vec<(ActionId, &ActionInfo)> = covered
        .iter()
        .filter(|(_, a)| is_write(a))
        .filter(|(_, a)| {
            clause.negated || {
                let name = a.name.to_ascii_lowercase();
                wildcards.iter().any(|p| p.matches(&a.service, &name))
            }
        })
        .copied()
        .collect();
    if through_wildcard.is_empty() {
        return None;
    }
    let request = contributing_request(s, cache, &through_wildcard)?;
    let effective = reachable(group, covered);
    let writes = effective
        .iter()
        .filter(|(_, a)| a.access_level == AccessLevel::Write)
        .count();
    let scoped = caller_scoping(st.statement);
    let (rule, severity, title) = if !scoped.is_empty() {
        (
            RULE_WRITE_SCOPED,
            Severity::Low,
            "wildcard grant of SageMaker write actions, scoped to the caller's own tags or name",
        )
    } else if writes >= HIGH_WRITE_COUNT {
        (
            RULE_WRITE_WILDCARD,
            Severity::High,
            "wildcard grant of SageMaker write actions",
        )
    } else {
        (
            RULE_WRITE_WILDCARD,
            Severity::Medium,
            "wildcard grant of SageMaker write actions",
        )
    };
    let how = if clause.negated {
        format!(
            "`NotAction` [{}]",
            clause
                .patterns
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        wildcards
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let effect = if effective.len() == covered.len() {
        "; the principal can perform all of them".to_owned()
    } else if effective.is_empty() {
        "; after boundaries, SCPs, denies and conditions the principal can perform none of them"
            .to_owned()
    } else {
        format!(
            "; after boundaries, SCPs, denies and conditions the principal can perform {}",
            describe_counts(&effective)
        )
    };
    let scope = if scoped.is_empty() {
        String::new()
    } else {
        format!(
            "; scoped to the caller's own resources by {}",
            scoped.join(", ")
        )
    };
    Some(s.finding(
        (rule, severity),
        title,
        format!(
            "{} names {} SageMaker actions through {how}{}{effect}{scope}",
            named(st),
            describe_counts(covered),
            resource_note(st.statement)
        ),
        clause.patterns.iter().map(ToString::to_string).collect(),
        &request,
    ))
}

fn resource_star(
    s: Scan<'_, '_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    covered: &[(ActionId, &ActionInfo)],
) -> Option<GroupFinding> {
    let Scan { group, st, .. } = s;
    let resource = st.statement.resource.as_ref()?;
    if resource.negated || !resource.patterns.contains(&ResourcePattern::Any) {
        return None;
    }
    let scopable: Vec<(ActionId, &ActionInfo)> = covered
        .iter()
        .filter(|(_, a)| !a.is_wildcard_only())
        .copied()
        .collect();
    // Counted as the principal can use them (S-51).
    let scopable = reachable(group, &scopable);
    if scopable.is_empty() {
        return None;
    }
    let request = contributing_request(s, cache, &scopable)?;
    let read_only = scopable
        .iter()
        .all(|(_, a)| matches!(a.access_level, AccessLevel::Read | AccessLevel::List));
    let conditioned = !st.statement.conditions.is_empty();
    let severity = if conditioned || read_only {
        Severity::Low
    } else {
        Severity::Medium
    };
    let mut note = String::new();
    if conditioned {
        note.push_str("; its conditions narrow it");
    }
    if read_only {
        note.push_str("; read and list actions only");
    }
    Some(
        s.finding(
            (RULE_RESOURCE_STAR, severity),
            "Resource \"*\" on SageMaker actions that can be scoped to resources",
            format!(
                "{} allows {} that support resource-level scoping ({}) on `Resource: \"*\"`{note}",
                named(st),
                plural(scopable.len(), "SageMaker action"),
                describe_counts(&scopable)
            ),
            st.statement
                .action
                .patterns
                .iter()
                .map(ToString::to_string)
                .collect(),
            &request,
        ),
    )
}

fn passrole(s: Scan<'_, '_, '_>, cache: &mut RequestCache<'_, '_, '_>) -> Option<GroupFinding> {
    let Scan { input, group, st } = s;
    let pass = input.catalog.action("iam:PassRole")?;
    if !covers(&st.statement.action, pass) {
        return None;
    }
    let account = &input.account.id;
    let unlisted = format!("arn:aws:iam::{account}:{UNLISTED_ROLE}");
    // Roles to pass to another service: those trusting SageMaker first, then the others.
    let mut roles: Vec<String> = input
        .account
        .roles
        .iter()
        .filter(|r| r.trusts_sagemaker)
        .chain(input.account.roles.iter().filter(|r| !r.trusts_sagemaker))
        .map(|r| r.arn.clone())
        .take(32)
        .collect();
    roles.push(unlisted.clone());
    let first_taking_part =
        |cache: &mut RequestCache<'_, '_, '_>, roles: &[String], service: &str| {
            pass_role_requests(cache, input.catalog, roles, service)
                .into_iter()
                .find(|r| {
                    allowed(group, r, input.catalog) && st.matched(&group.explain(r, input.catalog))
                })
        };
    let every_role = first_taking_part(
        cache,
        std::slice::from_ref(&unlisted),
        "sagemaker.amazonaws.com",
    )
    .or_else(|| first_taking_part(cache, std::slice::from_ref(&unlisted), OTHER_SERVICE));
    let any_service = first_taking_part(cache, &roles, OTHER_SERVICE);
    let (severity, message, request) = match (every_role, any_service) {
        (Some(r), other) => (
            Severity::High,
            format!(
                "{} allows iam:PassRole on every role of the account (an unlisted role `{unlisted}` is passable){}",
                named(st),
                if other.is_some() {
                    ", to any service (iam:PassedToService is not scoped)"
                } else {
                    ""
                }
            ),
            r,
        ),
        (None, Some(r)) => (
            Severity::Medium,
            format!(
                "{} allows iam:PassRole on `{}` with iam:PassedToService={OTHER_SERVICE}: the passed roles are not scoped to SageMaker with iam:PassedToService",
                named(st),
                r.resource
            ),
            r,
        ),
        (None, None) => return None,
    };
    Some(s.finding(
        (RULE_PASSROLE, severity),
        "iam:PassRole granted too broadly",
        message,
        vec!["iam:PassRole".to_owned()],
        &request,
    ))
}

fn admin(input: &FindingsInput<'_, '_>, group: &GroupView<'_, '_>) -> Option<GroupFinding> {
    let principal = group
        .members
        .first()
        .and_then(|&i| input.account.principals.get(i))
        .map(crate::audit::load::Principal::session_arn);
    let mut statements: Vec<StatementRef> = Vec::new();
    let mut first = None;
    let mut probes = Vec::new();
    let session = principal?;
    let requests =
        crate::audit::probe::admin_requests(&input.account.id, &input.generator.region, &session);
    if requests.len() != crate::audit::probe::ADMIN_PROBES.len() {
        return None;
    }
    for (action, r) in requests {
        let ex = group.explain(&r, input.catalog);
        if ex.outcome.decision != Decision::Allowed {
            return None;
        }
        let identity: Vec<StatementRef> = ex
            .matched
            .iter()
            .filter(|m| m.layer == Layer::Identity && m.effect == Effect::Allow)
            .filter_map(|m| group.statement_ref(m.layer, m.policy, m.statement))
            .collect();
        merge_refs(&mut statements, identity);
        probes.push(action);
        if first.is_none() {
            first = Some(witness(&r, "Allowed"));
        }
    }
    let message = format!(
        "allowed every administrator probe ({}): the principal can do everything, granted by {}",
        probes.join(", "),
        statements
            .iter()
            .map(|s| format!("statement `{}` of `{}`", s.statement, s.policy))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Some(GroupFinding {
        group: group.index,
        finding: Finding {
            actions: probes.iter().map(|p| (*p).to_owned()).collect(),
            statements,
            witness: first.map(Arc::new),
            ..Finding::new(
                RULE_ADMIN.to_owned(),
                FindingKind::OverBroad,
                Severity::Critical,
                "administrator-equivalent".to_owned(),
                message,
            )
        },
    })
}

/// The `Allow` statements of the group's identity policies, located in their files.
fn identity_statements<'s>(group: &GroupView<'s, '_>) -> Vec<Located<'s>> {
    let mut out = Vec::new();
    for (pi, policy) in group.set.identity.iter().enumerate() {
        let Ok(pi) = u32::try_from(pi) else { continue };
        out.extend(allow_statements(group, pi, policy));
    }
    out
}

fn allow_statements<'s>(
    group: &GroupView<'_, '_>,
    pi: u32,
    policy: &'s Policy,
) -> Vec<Located<'s>> {
    policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .filter_map(|s| {
            let at = group.statement_ref(Layer::Identity, pi, u32::try_from(s.index).ok()?)?;
            Some(Located {
                policy: pi,
                statement: s,
                at,
            })
        })
        .collect()
}

/// Runs the detector.
pub(crate) fn run(input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    let sagemaker: Vec<(ActionId, &ActionInfo)> = input
        .catalog
        .actions_with_ids()
        .filter(|(_, a)| a.service == "sagemaker")
        .collect();
    let mut cache = RequestCache::new(input);
    let mut out = Vec::new();
    for group in input.focus_groups() {
        for st in identity_statements(group) {
            let covered: Vec<(ActionId, &ActionInfo)> = sagemaker
                .iter()
                .filter(|(_, a)| covers(&st.statement.action, a))
                .copied()
                .collect();
            let s = Scan {
                input,
                group,
                st: &st,
            };
            out.extend(write_wildcard(s, &mut cache, &covered));
            out.extend(resource_star(s, &mut cache, &covered));
            out.extend(passrole(s, &mut cache));
        }
        out.extend(admin(input, group));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::policy::PolicyKind;

    fn clause(json: &str) -> ActionClause {
        let p = Policy::parse(json, PolicyKind::Identity).unwrap();
        p.statements[0].action.clone()
    }

    #[test]
    fn coverage_by_access_level() {
        let catalog = Catalog::sagemaker_default();
        let all: Vec<(ActionId, &ActionInfo)> = catalog
            .actions_with_ids()
            .filter(|(_, a)| a.service == "sagemaker")
            .collect();
        let star =
            clause(r#"{"Statement":{"Effect":"Allow","Action":"sagemaker:*","Resource":"*"}}"#);
        let covered: Vec<_> = all
            .iter()
            .filter(|(_, a)| covers(&star, a))
            .copied()
            .collect();
        assert_eq!(covered.len(), all.len());
        let text = describe_counts(&covered);
        assert!(text.starts_with("257 Write, 2 Tagging"), "{text}");

        let not =
            clause(r#"{"Statement":{"Effect":"Allow","NotAction":"sagemaker:*","Resource":"*"}}"#);
        assert!(!all.iter().any(|(_, a)| covers(&not, a)));
        let pass = catalog.action("iam:PassRole").unwrap();
        assert!(covers(&not, pass));

        let create = clause(
            r#"{"Statement":{"Effect":"Allow","Action":["sagemaker:Create*","sagemaker:DescribeModel"],"Resource":"*"}}"#,
        );
        assert!(create.patterns.iter().any(is_wildcard));
        assert!(!is_wildcard(&create.patterns[1]));
    }
}
