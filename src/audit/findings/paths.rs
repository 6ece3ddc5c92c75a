//! SageMaker privilege-escalation, exfiltration and persistence paths
//! (`../shared/reference/AUDIT-LANDSCAPE.md` §3), decided with the engine across all of a
//! principal's policies.
//!
//! A path holds when every action it needs is allowed for some request the principal can make in
//! its own account (conditions, boundary and SCPs respected: the coverage class is not `Never`).
//! Paths that pass a role hold once per target role of the account that the principal may pass with
//! `iam:PassedToService = sagemaker.amazonaws.com` and whose trust policy admits
//! `sagemaker.amazonaws.com`; their severity follows what the target role can do.
//!
//! Path 19 of the table (mutable job code in S3) needs no SageMaker action and S3 object
//! inventories; IAM data cannot decide it, so it is not here.

use std::sync::Arc;

use super::{FindingsInput, GroupFinding, GroupView, formula, gain, witness};
use crate::audit::model::{Class, Finding, FindingKind, PassRoleTarget, Severity, StatementRef};
use crate::audit::probe::{self, Capability};
use crate::eval::{Decision, Request};
use crate::policy::Effect;

/// One path of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PathDef {
    /// Stable id (rule id in findings and SARIF).
    pub(crate) id: &'static str,
    /// Row of AUDIT-LANDSCAPE §3, and where the path is documented.
    pub(crate) source: &'static str,
    /// One line.
    pub(crate) title: &'static str,
    /// SageMaker actions that must all be allowed (without the `sagemaker:` prefix).
    pub(crate) actions: &'static [&'static str],
    /// At least one of these must also be allowed (empty: none required).
    pub(crate) any_of: &'static [&'static str],
    /// Not required, but named (and raising confidence) when allowed too.
    pub(crate) optional: &'static [&'static str],
    /// The path reaches another user profile's Studio: it holds only when some allowed request
    /// names a profile that is not the caller's own (`user-profile/<domain>/${aws:username}`).
    pub(crate) other_profile: bool,
    /// The path passes an execution role to SageMaker.
    pub(crate) pass_role: bool,
    /// Severity when no role is passed (the path works on existing resources).
    pub(crate) severity: Severity,
    /// What an attacker gets.
    pub(crate) effect: &'static str,
}

/// Every path iamc decides.
pub(crate) const PATHS: &[PathDef] = &[
    PathDef {
        id: "sagemaker-notebook-passrole",
        source: "row 1; pathfinding.cloud sagemaker-001",
        title: "new notebook instance with a passed role",
        actions: &["CreateNotebookInstance"],
        any_of: &[],
        optional: &["CreatePresignedNotebookInstanceUrl"],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "a Jupyter terminal running as the passed role",
    },
    PathDef {
        id: "sagemaker-training-job-passrole",
        source: "row 2; pathfinding.cloud sagemaker-002",
        title: "new training job with a passed role",
        actions: &["CreateTrainingJob"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "attacker code running as the passed role",
    },
    PathDef {
        id: "sagemaker-processing-job-passrole",
        source: "row 3; pathfinding.cloud sagemaker-003",
        title: "new processing job with a passed role",
        actions: &["CreateProcessingJob"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "attacker code running as the passed role",
    },
    PathDef {
        id: "sagemaker-existing-notebook-presigned-url",
        source: "row 4; pathfinding.cloud sagemaker-004",
        title: "open an existing notebook instance",
        actions: &["CreatePresignedNotebookInstanceUrl"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::High,
        effect: "a terminal running as an existing notebook's execution role",
    },
    PathDef {
        id: "sagemaker-notebook-lifecycle-injection",
        source: "row 5; pathfinding.cloud sagemaker-005",
        title: "inject an OnStart lifecycle config into an existing notebook",
        actions: &[
            "CreateNotebookInstanceLifecycleConfig",
            "StopNotebookInstance",
            "UpdateNotebookInstance",
            "StartNotebookInstance",
        ],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::High,
        effect: "a root script running with an existing notebook's execution role",
    },
    PathDef {
        id: "sagemaker-lifecycle-config-rewrite",
        source: "row 6; HackTricks persistence",
        title: "rewrite a lifecycle config attached to a notebook",
        actions: &["UpdateNotebookInstanceLifecycleConfig"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "code that runs with the notebook's role at its next start",
    },
    PathDef {
        id: "sagemaker-hpo-job-passrole",
        source: "row 7; HackTricks privesc",
        title: "new hyperparameter tuning job with a passed role",
        actions: &["CreateHyperParameterTuningJob"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "attacker training code running as the passed role",
    },
    PathDef {
        id: "sagemaker-studio-presigned-domain-url",
        source: "row 8; HackTricks, Unit 42",
        title: "mint a Studio login URL for another user profile",
        actions: &["CreatePresignedDomainUrl"],
        any_of: &[],
        optional: &[],
        other_profile: true,
        pass_role: false,
        severity: Severity::High,
        effect: "another profile's execution role, home directory and apps",
    },
    PathDef {
        id: "sagemaker-studio-app-takeover",
        source: "row 9; HackTricks",
        title: "launch an app in another profile and log in",
        actions: &["CreateApp", "CreatePresignedDomainUrl"],
        any_of: &[],
        optional: &[],
        other_profile: true,
        pass_role: false,
        severity: Severity::High,
        effect: "an app running as the target profile's execution role",
    },
    PathDef {
        id: "sagemaker-user-profile-role-swap",
        source: "row 10; HackTricks",
        title: "swap a user profile's execution role",
        actions: &["UpdateUserProfile", "CreateApp", "CreatePresignedDomainUrl"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "a Studio app running as the passed role",
    },
    PathDef {
        id: "sagemaker-domain-role-swap",
        source: "row 11; HackTricks",
        title: "swap the domain's default execution role and create a profile",
        actions: &[
            "UpdateDomain",
            "CreateUserProfile",
            "CreateApp",
            "CreatePresignedDomainUrl",
        ],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: true,
        severity: Severity::High,
        effect: "a Studio app running as the passed role",
    },
    PathDef {
        id: "sagemaker-studio-lifecycle-backdoor",
        source: "row 12; HackTricks persistence",
        title: "Studio lifecycle config backdoor for a domain, profile or space",
        actions: &["CreateStudioLifecycleConfig"],
        any_of: &["UpdateDomain", "UpdateUserProfile", "UpdateSpace"],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::High,
        effect: "code in every new app of the domain, profile or space",
    },
    PathDef {
        id: "sagemaker-mlflow-ui-takeover",
        source: "row 13; HackTricks (also needs sagemaker-mlflow:AccessUI, outside the catalog)",
        title: "open an MLflow tracking server's UI",
        actions: &["CreatePresignedMlflowTrackingServerUrl"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "experiments and artifact locations of an MLflow tracking server",
    },
    PathDef {
        id: "sagemaker-endpoint-data-capture-exfiltration",
        source: "row 14; HackTricks post-exploitation",
        title: "redirect an endpoint's data capture",
        actions: &[
            "DescribeEndpoint",
            "DescribeEndpointConfig",
            "CreateEndpointConfig",
            "UpdateEndpoint",
        ],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::High,
        effect: "live inference inputs and outputs copied to a bucket of the attacker's choice",
    },
    PathDef {
        id: "sagemaker-async-inference-hijack",
        source: "row 15; HackTricks",
        title: "hijack an endpoint's async inference output",
        actions: &[
            "DescribeEndpoint",
            "DescribeEndpointConfig",
            "CreateEndpointConfig",
            "UpdateEndpoint",
            "InvokeEndpointAsync",
        ],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::High,
        effect: "async inference results written where the attacker reads them",
    },
    PathDef {
        id: "sagemaker-model-registry-supply-chain",
        source: "row 16; HackTricks",
        title: "register a model version that pipelines deploy",
        actions: &["CreateModelPackage"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "attacker models deployed by CI/CD under service roles",
    },
    PathDef {
        id: "sagemaker-model-registry-cross-account-policy",
        source: "row 17; HackTricks persistence",
        title: "cross-account model registry policy",
        actions: &["CreateModelPackageGroup", "PutModelPackageGroupPolicy"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "access for another account that survives the creator's deletion",
    },
    PathDef {
        id: "sagemaker-feature-store-poisoning",
        source: "row 18; HackTricks",
        title: "write records into an online feature store",
        actions: &["PutRecord"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "poisoned features served to models",
    },
    PathDef {
        id: "sagemaker-canvas-cross-account-registry",
        source: "row 20; HackTricks persistence",
        title: "redirect a Canvas profile's model registration to another account",
        actions: &["UpdateUserProfile"],
        any_of: &[],
        optional: &[],
        other_profile: false,
        pass_role: false,
        severity: Severity::Medium,
        effect: "models registered into an account the attacker controls",
    },
];

fn group_capability(input: &FindingsInput<'_, '_>, group: &GroupView<'_, '_>) -> Capability {
    probe::capability(
        group.compiled,
        group.context,
        &input.account.id,
        &input.generator.region,
        input.catalog,
    )
}

/// An allowed request with the allow statements that matched it (`None`: none is allowed), and
/// why sampled requests decided when the exact analysis did not.
struct Found {
    hit: Option<(Request, Vec<StatementRef>)>,
    sampled: Option<String>,
}

impl Found {
    fn exact(hit: Option<(Request, Vec<StatementRef>)>) -> Found {
        Found { hit, sampled: None }
    }
}

/// `r` with the allow statements that matched it, when the group is allowed it.
fn explained(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    r: Request,
) -> Option<(Request, Vec<StatementRef>)> {
    allowed_among(input, group, vec![r], &|_| true)
}

/// Why the cell of `action` was left to sampling.
fn approximate_reason(group: &GroupView<'_, '_>, action: &str) -> String {
    group
        .coverage_of(action)
        .and_then(|c| c.approximate_reason.clone())
        .unwrap_or_else(|| "the cell is approximate".to_owned())
}

/// An own-account request of `action` the group is allowed: the exact cell's allowed witness
/// (S-55), else the first allowed sampled request.
fn allowed_request(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    action: &str,
) -> Found {
    match formula::cell_witness(group, action, input.catalog) {
        Some(w) => Found::exact(w.and_then(|r| explained(input, group, r))),
        None => Found {
            hit: sampled_request(input, group, action, &|_| true),
            sampled: Some(approximate_reason(group, action)),
        },
    }
}

/// The first own-account sampled request of `action` that `accept` accepts and the group is
/// allowed, with the allow statements that matched it.
fn sampled_request(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    action: &str,
    accept: &dyn Fn(&Request) -> bool,
) -> Option<(Request, Vec<StatementRef>)> {
    // No sampled request is allowed (a sliver only the exact analysis finds): the analysis's
    // allowed witness is the one request to try (the engine decides it below).
    if let Some(c) = group.coverage_of(action).filter(|c| c.allowed == 0) {
        let r = formula::request_of(c.allowed_witness.as_ref()?, input.catalog)?;
        return allowed_among(input, group, vec![r], accept);
    }
    let reqs = input.requests(action)?;
    let candidates: Vec<Request> = reqs.own().filter(|r| accept(r)).cloned().collect();
    allowed_among(input, group, candidates, accept)
}

/// An allowed `CreatePresignedDomainUrl` request on a profile other than the caller's own (for
/// IAM users; a role has no own profile name): the exact cell's witness when it names another
/// profile, else the analysis of the action narrowed to other profiles (S-55), else samples.
fn foreign_request(input: &FindingsInput<'_, '_>, group: &GroupView<'_, '_>) -> Found {
    const ACTION: &str = "sagemaker:CreatePresignedDomainUrl";
    let own = own_user_name(input, group);
    let accept = |r: &Request| profile_name(&r.resource).is_none_or(|p| Some(p) != own);
    let why = match formula::cell_witness(group, ACTION, input.catalog) {
        Some(None) => return Found::exact(None),
        Some(Some(r)) if accept(&r) => return Found::exact(explained(input, group, r)),
        Some(Some(_)) => {
            let narrowed = formula::narrowing(&serde_json::json!({
                "Effect": "Allow", "Action": ACTION,
                "NotResource": format!("arn:*:sagemaker:*:*:user-profile/*/{}", own.unwrap_or("")),
            }));
            match narrowed.map(|p| formula::Asker::new(input).ask(group, ACTION, &p)) {
                Some(formula::Answer::Never) => return Found::exact(None),
                Some(formula::Answer::Allowed(r)) if accept(&r) => {
                    return Found::exact(explained(input, group, r));
                }
                Some(formula::Answer::Unknown(why)) => why,
                _ => "the narrowed analysis gave no request on another profile".to_owned(),
            }
        }
        None => approximate_reason(group, ACTION),
    };
    Found {
        hit: sampled_request(input, group, ACTION, &accept),
        sampled: Some(why),
    }
}

/// The first `iam:PassRole` request on a target role the group is allowed: the pass-role
/// space's requests for that role (`iam:PassedToService = sagemaker.amazonaws.com`).
fn pass_role_request(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    role: &str,
) -> Option<(Request, Vec<StatementRef>)> {
    let candidates = input.pass_role_space.requests_for(input.account, role);
    allowed_among(input, group, candidates, &|_| true)
}

/// The first of `candidates` that `accept` accepts and the group is allowed, with the allow
/// statements that matched it.
fn allowed_among(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    candidates: Vec<Request>,
    accept: &dyn Fn(&Request) -> bool,
) -> Option<(Request, Vec<StatementRef>)> {
    let mut preparer = crate::request::prepared::Preparer::new(input.catalog);
    for r in candidates.into_iter().filter(|r| accept(r)) {
        let allowed = group
            .compiled
            .evaluate_as(&preparer.prepare(&r), group.context)
            .decision
            == Decision::Allowed;
        if allowed {
            let ex = group.explain(&r, input.catalog);
            let refs = group.matched_refs(&ex, Effect::Allow);
            return Some((r, refs));
        }
    }
    None
}

/// The user name of the group's members when they are IAM users (what `${aws:username}`
/// resolves to); `None` for roles, which have none.
fn own_user_name<'i>(
    input: &'i FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
) -> Option<&'i str> {
    let member = input.account.principals.get(*group.members.first()?)?;
    member
        .arn
        .contains(":user/")
        .then_some(member.name.as_str())
}

/// The profile name a Studio request names (`…:user-profile/<domain>/<name>`).
fn profile_name(resource: &str) -> Option<&str> {
    let (_, rest) = resource.split_once(":user-profile/")?;
    rest.split('/').nth(1)
}

fn reachable(group: &GroupView<'_, '_>, action: &str) -> Option<Class> {
    group
        .coverage_of(&format!("sagemaker:{action}"))
        .map(|c| c.class)
        .filter(|c| *c != Class::Never)
}

/// Target roles that add alike: (severity, rating), the roles, what the first adds.
type GainClass<'t> = (
    (Severity, &'static str),
    Vec<&'t PassRoleTarget>,
    Vec<String>,
);

/// Runs the detector.
pub(crate) fn run(input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    let mut out = Vec::new();
    for group in input.focus_groups() {
        // An administrator-equivalent principal holds every path: one finding, not twenty.
        let admin = group_capability(input, group) == Capability::Admin;
        let mut gains: std::collections::HashMap<Option<usize>, Option<gain::Gain>> =
            std::collections::HashMap::new();
        let mut decided = gain::Decided::default();
        let mut admin_paths: Vec<&str> = Vec::new();
        for def in PATHS {
            if def
                .actions
                .iter()
                .any(|a| input.catalog.action(&format!("sagemaker:{a}")).is_none())
            {
                continue;
            }
            if !def.actions.iter().all(|a| reachable(group, a).is_some()) {
                continue;
            }
            let chosen_any = if def.any_of.is_empty() {
                None
            } else {
                match def.any_of.iter().find(|a| reachable(group, a).is_some()) {
                    Some(a) => Some(*a),
                    None => continue,
                }
            };
            // A Studio path holds only with a request on a profile other than the caller's own.
            let mut sampled: Vec<String> = Vec::new();
            let foreign =
                if def.other_profile {
                    let found = foreign_request(input, group);
                    sampled.extend(found.sampled.map(|why| {
                        formula::sampled_note("sagemaker:CreatePresignedDomainUrl", &why)
                    }));
                    match found.hit {
                        Some(found) => Some(found),
                        None => continue,
                    }
                } else {
                    None
                };
            if admin {
                admin_paths.push(def.id);
                continue;
            }
            let mut actions: Vec<&str> = def.actions.to_vec();
            actions.extend(chosen_any);
            let optional: Vec<&str> = def
                .optional
                .iter()
                .copied()
                .filter(|a| reachable(group, a).is_some())
                .collect();
            actions.extend(&optional);
            let mut statements = Vec::new();
            let mut conditions = Vec::new();
            let mut first_witness = None;
            if let Some((r, refs)) = foreign {
                first_witness = Some(witness(&r, "Allowed"));
                statements.extend(refs);
            }
            for a in &actions {
                let full = format!("sagemaker:{a}");
                conditions.extend(formula::cell_conditions(group, &full));
                let found = allowed_request(input, group, &full);
                if let Some(why) = found.sampled {
                    let note = formula::sampled_note(&full, &why);
                    if !sampled.contains(&note) {
                        sampled.push(note);
                    }
                }
                if let Some((r, refs)) = found.hit {
                    if first_witness.is_none() {
                        first_witness = Some(witness(&r, "Allowed"));
                    }
                    for s in refs {
                        if !statements.contains(&s) {
                            statements.push(s);
                        }
                    }
                }
            }
            let confidence = if def.optional.is_empty() {
                String::new()
            } else if optional.is_empty() {
                format!(
                    "; {} is not allowed: the way in is the console, another principal's URL or a lifecycle script",
                    def.optional
                        .iter()
                        .map(|a| format!("sagemaker:{a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!(
                    "; {} is allowed too (higher confidence)",
                    optional
                        .iter()
                        .map(|a| format!("sagemaker:{a}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            // A path the exact analysis did not decide says which part was sampled.
            let confidence = if sampled.is_empty() {
                confidence
            } else {
                format!("{confidence}; {}", sampled.join("; "))
            };
            let full_actions: Vec<String> =
                actions.iter().map(|a| format!("sagemaker:{a}")).collect();
            if !def.pass_role {
                let message = format!(
                    "allowed {}: {} (on existing resources; {}){confidence}",
                    full_actions.join(", "),
                    def.effect,
                    def.source
                );
                out.push(GroupFinding {
                    group: group.index,
                    finding: Finding {
                        actions: full_actions,
                        statements,
                        conditions,
                        witness: first_witness.map(Arc::new),
                        ..Finding::new(
                            def.id.to_owned(),
                            FindingKind::Escalation,
                            def.severity,
                            def.title.to_owned(),
                            message,
                        )
                    },
                });
                continue;
            }
            // One finding per severity of what the target roles add: the most severe first;
            // each names one target and lists the others of its class. A role that adds
            // nothing (the principal itself, a role of its group, a contained role) is no
            // escalation.
            let mut by_gain: Vec<GainClass<'_>> = Vec::new();
            for target in group
                .pass_role
                .iter()
                .filter(|t| t.trusts_sagemaker && t.class != Class::Never)
            {
                let target_group = input.group_of_principal(&target.role);
                let key = target_group.map(|g| g.index);
                let Some(g) = gains
                    .entry(key)
                    .or_insert_with(|| gain::gain(input, group, target_group, &mut decided))
                else {
                    continue;
                };
                match by_gain
                    .iter_mut()
                    .find(|(k, _, _)| *k == (g.severity, g.what))
                {
                    Some((_, v, _)) => v.push(target),
                    None => by_gain.push(((g.severity, g.what), vec![target], g.added.clone())),
                }
            }
            by_gain.sort_by_key(|((sev, _), _, _)| *sev);
            for ((severity, what), targets, added) in by_gain {
                let Some(target) = targets.first().copied() else {
                    continue;
                };
                let adds = if added.is_empty() {
                    String::new()
                } else {
                    let mut shown: Vec<&str> = added.iter().map(String::as_str).take(8).collect();
                    if added.len() > shown.len() {
                        shown.push("…");
                    }
                    format!(
                        "; it adds {} permission(s) the principal lacks: {}",
                        added.len(),
                        shown.join(", ")
                    )
                };
                let mut statements = statements.clone();
                let mut conditions = conditions.clone();
                let mut pass_witness = None;
                if let Some((r, refs)) = pass_role_request(input, group, &target.role) {
                    pass_witness = Some(witness(&r, "Allowed"));
                    for s in refs {
                        if !statements.contains(&s) {
                            statements.push(s);
                        }
                    }
                }
                if target.class == Class::Conditional {
                    conditions.push(format!(
                        "iam:PassRole on {}: allowed only for some requests",
                        target.role
                    ));
                }
                // The message gives the count; the list stops at 50 roles.
                let others: Vec<String> = targets
                    .iter()
                    .skip(1)
                    .take(50)
                    .map(|t| t.role.clone())
                    .collect();
                let more = targets.len().saturating_sub(1);
                let also = if more == 0 {
                    String::new()
                } else {
                    format!(" (and {more} more {what} roles that trust SageMaker)")
                };
                let mut acts = full_actions.clone();
                acts.push("iam:PassRole".to_owned());
                out.push(GroupFinding {
                    group: group.index,
                    finding: Finding {
                        actions: acts,
                        target_role: Some(target.role.clone()),
                        other_targets: others,
                        statements,
                        conditions,
                        witness: pass_witness.or_else(|| first_witness.clone()).map(Arc::new),
                        ..Finding::new(
                            def.id.to_owned(),
                            FindingKind::Escalation,
                            severity,
                            def.title.to_owned(),
                            format!(
                            "allowed {} and iam:PassRole on `{}`{also} (trusts sagemaker.amazonaws.com; {what}{adds}): {} ({}){confidence}",
                            full_actions.join(", "),
                            target.role,
                            def.effect,
                            def.source
                        ),
                        )
                    },
                });
            }
        }
        if admin && !admin_paths.is_empty() {
            let targets: Vec<&str> = group
                .pass_role
                .iter()
                .filter(|t| t.trusts_sagemaker && t.class != Class::Never)
                .map(|t| t.role.as_str())
                .collect();
            out.push(GroupFinding {
                group: group.index,
                finding: Finding::new(
                    "sagemaker-paths-admin-equivalent".to_owned(),
                    FindingKind::Escalation,
                    Severity::Critical,
                    "administrator-equivalent: every SageMaker path holds".to_owned(),
                    format!(
                    "the principal is administrator-equivalent (allowed IAM writes, role assumption, data and compute probes), so {} SageMaker paths hold ({}); roles it can pass to SageMaker: {}",
                    admin_paths.len(),
                    admin_paths.join(", "),
                    if targets.is_empty() { "none".to_owned() } else { targets.join(", ") }
                ),
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn every_path_names_catalog_actions() {
        let catalog = Catalog::sagemaker_default();
        for p in PATHS {
            for a in p.actions.iter().chain(p.any_of) {
                assert!(
                    catalog.action(&format!("sagemaker:{a}")).is_some(),
                    "{}: {a}",
                    p.id
                );
            }
        }
        let mut ids: Vec<&str> = PATHS.iter().map(|p| p.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), PATHS.len());
    }
}
