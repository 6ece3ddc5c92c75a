//! Findings: what is wrong with the access coverage shows. Escalation paths ([`paths`]), calls
//! that will fail ([`willfail`]), over-broad grants ([`broad`]) and dead or redundant statements
//! ([`dead`]), all decided with the engine over the same request space as coverage.
//!
//! Each detector sees every evaluation group of an account through [`FindingsInput`] and returns
//! findings for groups; [`account_findings`] copies them to every member principal, fingerprints
//! and orders them.
//!
//! INVARIANT (decided by the engine): a finding that claims access holds only if the compiled
//! engine allows a concrete request (conditions, boundary and SCPs included); detectors never
//! decide by matching action names alone.

pub(crate) mod broad;
pub(crate) mod causes;
pub(crate) mod dead;
pub(crate) mod formula;
pub(crate) mod gain;
pub(crate) mod paths;
pub(crate) mod willfail;

pub(crate) use super::group::PolicyOrigin;
use super::load::Account;
pub(crate) use super::model::witness;
use super::model::{ActionCoverage, Finding, PassRoleTarget, StatementRef};
use super::space::{ActionRequests, GenConfig, Mentions, RequestSpace, Sample};
use crate::catalog::Catalog;
use crate::compile::CompiledSet;
use crate::eval::{Explanation, Layer, PreparedRequest, Request};
use crate::policy::PolicySet;
use crate::request::prepared::PreparedContext;

/// One evaluation group, as the detectors see it.
pub(crate) struct GroupView<'g, 'a> {
    /// Index of the group in the account.
    pub(crate) index: usize,
    /// The policy set.
    pub(crate) set: &'g PolicySet,
    /// The compiled set.
    pub(crate) compiled: &'g CompiledSet<'a>,
    /// The principal context of its members.
    pub(crate) context: &'g PreparedContext,
    /// Coverage per catalog action (in catalog id order).
    pub(crate) coverage: &'g [ActionCoverage],
    /// Per cell of `coverage`: its class of alike cells (the same class as another group's
    /// cell of the action: the same formula, so the same requests allowed).
    pub(crate) alike: &'g [u32],
    /// Per cell of `coverage`: the group whose engine evaluation of the action it shares (the
    /// same statements for the action and principal values: the same decision on every request).
    pub(crate) evaluated_by: &'g [u32],
    /// Indexes of its members in `account.principals`.
    pub(crate) members: &'g [usize],
    /// Where each policy comes from.
    pub(crate) origins: &'g [PolicyOrigin],
    /// Roles its members may pass to SageMaker.
    pub(crate) pass_role: &'g [PassRoleTarget],
}

impl GroupView<'_, '_> {
    /// The statement an explanation names, located in its input file.
    pub(crate) fn statement_ref(
        &self,
        layer: Layer,
        policy: u32,
        statement: u32,
    ) -> Option<StatementRef> {
        statement_ref(self.set, self.origins, layer, policy, statement)
    }

    /// Decides and explains `request` for this group's members.
    pub(crate) fn explain(&self, request: &Request, catalog: &Catalog) -> Explanation {
        self.compiled
            .explain_as(&PreparedRequest::new(request, catalog), self.context)
    }

    /// The coverage cell of `action` (`service:Action`, any case).
    pub(crate) fn coverage_of(&self, action: &str) -> Option<&ActionCoverage> {
        self.coverage
            .iter()
            .find(|c| c.action.eq_ignore_ascii_case(action))
    }

    /// The statements an explanation matched with `effect`, located.
    pub(crate) fn matched_refs(
        &self,
        ex: &Explanation,
        effect: crate::policy::Effect,
    ) -> Vec<StatementRef> {
        ex.matched
            .iter()
            .filter(|m| m.effect == effect)
            .filter_map(|m| self.statement_ref(m.layer, m.policy, m.statement))
            .collect()
    }
}

/// The statement `statement` of policy `policy` in `layer` of `set`, located through `origins`.
pub(crate) fn statement_ref(
    set: &PolicySet,
    origins: &[PolicyOrigin],
    layer: Layer,
    policy: u32,
    statement: u32,
) -> Option<StatementRef> {
    let origin = origins
        .iter()
        .find(|o| o.layer == layer && o.index == policy)?;
    let doc = match layer {
        Layer::Scp(l) => set.scps.get(l as usize)?.get(policy as usize)?,
        Layer::Identity => set.identity.get(policy as usize)?,
        Layer::Boundary => set.boundary.as_ref()?.get(policy as usize)?,
        Layer::Session => set.session.as_ref()?,
        Layer::Account => return None,
    };
    let st = doc
        .statements
        .iter()
        .find(|s| s.index as u32 == statement)?;
    Some(StatementRef {
        policy: origin.label.clone(),
        file: origin.file.clone(),
        pointer: format!("{}{}", origin.pointer, st.pointer),
        statement: st.label(),
        effect: st.effect.as_str().to_owned(),
    })
}

/// Everything the detectors need about one account.
#[derive(Clone, Copy)]
pub(crate) struct FindingsInput<'g, 'a> {
    /// The account.
    pub(crate) account: &'g Account,
    /// Its evaluation groups.
    pub(crate) groups: &'g [GroupView<'g, 'a>],
    /// When set, detectors look at this group only (the audit runs groups in parallel).
    pub(crate) focus: Option<usize>,
    /// Per group: whether its findings are wanted (`audit --principal` audits a few principals;
    /// the other groups are there as pass-role and escalation targets).
    pub(crate) active: &'g [bool],
    /// What the detectors share across groups: formulas, allowed bitsets, role-targeted
    /// `iam:PassRole` requests.
    pub(crate) cache: &'g RequestCache,
    /// Group of each principal (`None`: not evaluated).
    pub(crate) group_of: &'g [Option<usize>],
    /// The catalog.
    pub(crate) catalog: &'g Catalog,
    /// The request generator's settings.
    pub(crate) generator: &'g GenConfig,
    /// What the account's policies mention.
    pub(crate) mentions: &'g Mentions,
    /// The account's request space, the one coverage read: detectors read its prefix of
    /// [`crate::audit::space::DETECTOR_PREFIX`] requests per action.
    pub(crate) space: &'g RequestSpace<'g>,
    /// The account's roles in pass-role classes, with their requests.
    pub(crate) pass_role_space: &'g crate::audit::passrole::PassRoleSpace,
}

/// What the detectors work out once per account and share across groups and threads. Their
/// requests are not here: they read the account's [`RequestSpace`].
#[derive(Default)]
pub(crate) struct RequestCache {
    /// `iam:PassRole` requests on given roles by (action, roles, variants), generated once per
    /// account rather than once per group: requests the account's space cannot give (DESIGN.md,
    /// "One space per account, one cap").
    pub(crate) detector: std::sync::Mutex<DetectorRequests>,
    /// The detectors' narrowed analyses, shared by groups with the same formula, and the
    /// analyses that failed (for the audit's errors).
    pub(crate) formula: formula::FormulaMemo,
    /// The account's principals by ARN (built on first use; a cache serves one account).
    principal_at: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
    /// Per (group, action): which of the detectors' own-account requests the group may make
    /// (`gain`'s containment test).
    pub(crate) allowed: std::sync::Mutex<AllowedBits>,
    /// Per target group: what passing its role offers (`gain`), the same for every principal.
    pub(crate) offers: gain::Offers,
}

/// Allowed-request bitsets by (group index, action).
pub(crate) type AllowedBits =
    std::collections::HashMap<(usize, crate::catalog::ActionId), std::sync::Arc<Vec<u64>>>;

impl RequestCache {
    /// Exact analyses the detectors ran that failed, by group index: audit errors, never only
    /// findings.
    pub(crate) fn analysis_errors(&self) -> Vec<(usize, String)> {
        self.formula.errors()
    }
}

/// Requests by (action, role targets, variants); `None` when the action has none.
pub(crate) type DetectorRequests = std::collections::HashMap<
    (crate::catalog::ActionId, Vec<String>, usize),
    std::sync::Arc<Option<ActionRequests>>,
>;

impl<'g, 'a> FindingsInput<'g, 'a> {
    /// The groups a detector should look at: the focused one, or all.
    pub(crate) fn focus_groups(&self) -> impl Iterator<Item = &'g GroupView<'g, 'a>> + '_ {
        let focus = self.focus;
        let active = self.active;
        self.groups.iter().filter(move |g| {
            focus.is_none_or(|f| f == g.index) && active.get(g.index).copied().unwrap_or(true)
        })
    }

    /// The detectors' requests for `action` (`service:Action`): the first
    /// [`crate::audit::space::DETECTOR_PREFIX`] of the account's space, generated on first use.
    pub(crate) fn requests(&self, action: &str) -> Option<Sample> {
        self.space.detector_sample(self.catalog.action_id(action)?)
    }
}

impl FindingsInput<'_, '_> {
    /// The group a principal (by ARN) belongs to.
    pub(crate) fn group_of_principal(&self, arn: &str) -> Option<&GroupView<'_, '_>> {
        let index = self.cache.principal_at.get_or_init(|| {
            let mut at = std::collections::HashMap::new();
            for (i, p) in self.account.principals.iter().enumerate() {
                // The first of duplicate ARNs, as a scan would find it.
                at.entry(p.arn.clone()).or_insert(i);
            }
            at
        });
        let pi = *index.get(arn)?;
        let g = (*self.group_of.get(pi)?)?;
        self.groups.get(g)
    }
}

/// A finding for a group, before it is copied to each member.
#[derive(Debug, Clone)]
pub(crate) struct GroupFinding {
    /// The group.
    pub(crate) group: usize,
    /// The finding, with `principal` and `account` left empty.
    pub(crate) finding: Finding,
}

/// A stable fingerprint: FNV-1a of the fields that identify a finding.
pub(crate) fn fingerprint(f: &Finding) -> String {
    let mut text = format!(
        "{}|{}|{}",
        f.rule,
        f.principal,
        f.target_role.as_deref().unwrap_or("")
    );
    for a in &f.actions {
        text.push('|');
        text.push_str(a);
    }
    for s in &f.statements {
        text.push('|');
        text.push_str(&s.policy);
        text.push_str(&s.pointer);
    }
    format!("{:016x}", crate::request::keys::key_hash(&text))
}

/// Runs every detector over an account and returns its findings, one per member principal.
pub(crate) fn account_findings(input: &FindingsInput<'_, '_>) -> Vec<Finding> {
    use rayon::prelude::*;
    // Detectors that honour `focus` run one group per task; the compiler stays behind.
    let (account, groups, group_of, catalog) =
        (input.account, input.groups, input.group_of, input.catalog);
    let (generator, mentions, cache, space, requests) = (
        input.generator,
        input.mentions,
        input.cache,
        input.pass_role_space,
        input.space,
    );
    let active = input.active;
    // The per-group detectors and the dead-statement check (over the whole account) run side
    // by side, so neither waits alone for its slowest group.
    let per_group = || -> Vec<Vec<GroupFinding>> {
        groups
            .par_iter()
            .filter(|g| active.get(g.index).copied().unwrap_or(true))
            .map(|g| {
                let focused = FindingsInput {
                    account,
                    groups,
                    focus: Some(g.index),
                    active,
                    cache,
                    group_of,
                    catalog,
                    generator,
                    mentions,
                    space: requests,
                    pass_role_space: space,
                };
                let mut v = paths::run(&focused);
                v.extend(willfail::run(&focused));
                v.extend(broad::run(&focused));
                v
            })
            .collect()
    };
    let (per_group, dead) = rayon::join(per_group, || dead::run(input));
    let by_group: Vec<GroupFinding> = per_group.into_iter().flatten().chain(dead).collect();
    let mut out: Vec<Finding> = by_group
        .into_par_iter()
        .flat_map_iter(|gf| principal_findings(input, gf))
        .collect();
    out.par_sort_by(report_order);
    out.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    out
}

/// A group's finding as the account's: one for all the group's members when a statement names
/// its cause (`causes::group` merges it with other groups' findings of the same cause; a
/// 10,000-role account holds no copy per principal), else one per member.
fn principal_findings(input: &FindingsInput<'_, '_>, gf: GroupFinding) -> Vec<Finding> {
    let Some(group) = input.groups.get(gf.group) else {
        return Vec::new();
    };
    let mut arns: Vec<String> = group
        .members
        .iter()
        .filter_map(|&pi| input.account.principals.get(pi))
        .map(|p| p.arn.clone())
        .collect();
    arns.sort();
    let mut f = gf.finding;
    f.account.clone_from(&input.account.id);
    if causes::names_a_cause(&f) {
        let Some(first) = arns.first() else {
            return Vec::new();
        };
        f.principal.clone_from(first);
        f.principal_count = arns.len();
        f.principals = arns;
        f.fingerprint = fingerprint(&f);
        vec![f]
    } else {
        arns.into_iter()
            .map(|arn| {
                let mut one = f.clone();
                one.principal = arn;
                one.fingerprint = fingerprint(&one);
                one
            })
            .collect()
    }
}

/// Sorts findings into report order: principal, severity, rule, target role, actions.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(report_order);
}

/// Report order: principal, severity, rule, target role, actions.
fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (
        &a.principal,
        a.severity,
        &a.rule,
        &a.target_role,
        &a.actions,
    )
        .cmp(&(
            &b.principal,
            b.severity,
            &b.rule,
            &b.target_role,
            &b.actions,
        ))
}
