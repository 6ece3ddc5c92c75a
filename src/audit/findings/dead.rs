//! Dead and redundant statements: statements of a group's identity policies and permissions
//! boundary whose removal changes no decision over the audited request space.
//!
//! Only statements whose action clause covers at least one audited catalog action (SageMaker or
//! `iam:PassRole`) are judged; the others are outside the request space and never reported. For
//! each judged statement the group's set is compiled again without it (the other statements keep
//! their indexes). Removing a statement can only change requests it applies to, so each generated
//! request of the actions it covers is first decided by the statement alone, turned into a `Deny`
//! (which explicitly denies exactly the requests it matches: action, resource and conditions), and
//! only the matched ones are decided by the group's set with and without it. A statement is dead
//! when no matched request changes between allowed and not allowed (an explicit deny turning into
//! an implicit one is not a change of access).
//!
//! Rules (all [`FindingKind::DeadStatement`], [`Severity::Low`]):
//! - `dead-statement-never-matches`: an `Allow` that matches no request (conditions that cannot
//!   hold together, keys SageMaker never sends for the action, resources no SageMaker resource type
//!   has); no witness.
//! - `redundant-statement`: an `Allow` some of whose matched requests are allowed, all of them by
//!   other statements too; the witness is a matched allowed request.
//! - `dead-statement-shadowed`: an `Allow` every matched request of which is denied anyway, by a
//!   `Deny` (identity, boundary, SCP) or by another gate (boundary, SCP, the cross-account gate);
//!   the message names the deciding layers, the witness is a matched denied request.
//! - `dead-statement-no-effect`: a `Deny` that nothing it matches would be allowed without (or that
//!   matches nothing); the witness, when it matches something, is a matched request.
//! - `dead-statement-skipped`: the group was not judged (too many statements, or the account's
//!   work budget was spent).
//!
//! Each statement is judged alone: two statements that grant the same thing are each reported as
//! redundant, since either can go, not both.
//!
//! Requests: the run's generated requests, at most [`MAX_VARIANTS`] per action (a prefix of the
//! run's space), and, for statements with conditions or resource patterns, a *focused* space per
//! action generated from what that statement alone mentions, with the group's principal values for
//! principal variables and one shared value for variables that name request keys
//! (`${sagemaker:DomainId}` in an ARN and in the request), plus one concrete ARN per resource entry
//! and resource type with every placeholder of the type's format non-empty, sized to visit every
//! resource candidate a few times ([`FOCUSED_MIN_VARIANTS`] to [`FOCUSED_MAX_VARIANTS`] per
//! action). The run's space can miss a statement's resources in a crowded account (many roles,
//! many resource types); the focused space does not. A change on any of these requests proves the statement alive; no change
//! is evidence over that sampled space, which every message states.
//!
//! Cost: groups with more than [`MAX_GROUP_STATEMENTS`] identity and boundary statements are
//! skipped; an account stops judging once [`BUDGET`] evaluations are spent, checked between groups
//! with exact counts, so results do not depend on thread count. Judging a statement stops at its
//! first changed decision, so live statements cost little; a request the statement does not match
//! costs one single-statement evaluation.
//!
//! INVARIANT (decided by the engine): dead, redundant and shadowed are read off compiled decisions
//! of real requests, never off statement text.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::{FindingsInput, GroupFinding, GroupView, witness};
use crate::audit::model::{Class, Finding, FindingKind, Severity, StatementRef};
use crate::audit::requests::{
    self, ActionRequests, CondSpec, FamilyTag, GenConfig, Mentions, StatementSpec,
};
use crate::catalog::{ActionId, Catalog};
use crate::compile::{CompiledSet, Compiler};
use crate::eval::{Decision, Layer, Outcome, PreparedRequest, Request};
use crate::policy::glob::{Piece, Template};
use crate::policy::pattern::split_arn;
use crate::policy::{
    ActionPattern, Effect, Policy, PolicySet, ResourcePattern, Statement, Version,
};
use crate::request::prepared::{PreparedContext, Preparer};
use bumpalo::Bump;

/// Groups with more identity and boundary statements than this are not judged.
pub const MAX_GROUP_STATEMENTS: usize = 200;
/// Requests per action taken from the run's space (fewer when the run generates fewer).
pub const MAX_VARIANTS: usize = 200;
/// Fewest requests per action generated from one statement's own mentions.
pub const FOCUSED_MIN_VARIANTS: usize = 32;
/// Most requests per action generated from one statement's own mentions.
pub const FOCUSED_MAX_VARIANTS: usize = 2048;
/// Evaluations per account after which the remaining groups are skipped.
pub const BUDGET: u64 = 40_000_000;
/// Covered actions listed in a finding's `actions`.
const LISTED_ACTIONS: usize = 20;

/// An audited catalog action, with its lowercase service and name.
struct Audited {
    id: ActionId,
    service: String,
    name: String,
    full: String,
}

/// One statement to judge.
struct Candidate<'g> {
    layer: Layer,
    /// Policy index within the layer.
    policy: usize,
    /// Position in the policy's statement list.
    position: usize,
    statement: &'g Statement,
    version: Version,
    /// Covered audited actions, in id order.
    actions: Vec<ActionId>,
    /// The clause may also cover actions outside the audit (wildcards, `NotAction`, `*`, other
    /// services).
    wider: bool,
}

/// The run's own-account requests of one action, prepared once per account.
struct Space<'r> {
    requests: Vec<&'r Request>,
    prepared: Vec<PreparedRequest<'r>>,
}

/// What judging a statement found.
#[derive(Default)]
struct Tally {
    /// Own-account requests decided (another account's are never allowed, so never judged).
    requests: u64,
    /// Of which from the statement's own mentions.
    focused: u64,
    /// Evaluations spent.
    evaluations: u64,
    /// Requests the statement matches.
    matched: u64,
    /// Matched requests allowed (with the statement in place).
    allowed: u64,
    /// Matched requests not allowed, by outcome (with the statement for an `Allow`, without it for
    /// a `Deny`).
    denied: BTreeMap<(Decision, Layer), u64>,
    /// The first matched allowed request, and its outcomes with and without the statement.
    allowed_witness: Option<(Request, Outcome, Outcome)>,
    /// The first matched request that is not allowed.
    denied_witness: Option<(Request, Outcome, Outcome)>,
    /// Lowercase context keys carried by some request decided.
    seen_keys: BTreeSet<String>,
}

impl Tally {
    fn keep(
        slot: &mut Option<(Request, Outcome, Outcome)>,
        request: &Request,
        with: Outcome,
        without: Outcome,
    ) {
        if slot.is_none() {
            *slot = Some((request.clone(), with, without));
        }
    }
}

/// The verdict on one statement.
enum Verdict {
    /// Removing it changes a decision.
    Live(u64),
    /// Removing it changes nothing over the requests tried.
    Dead(Box<Tally>),
}

fn audited_actions(input: &FindingsInput<'_, '_>) -> Vec<Audited> {
    let names: BTreeSet<String> = input
        .groups
        .iter()
        .flat_map(|g| g.coverage.iter())
        .map(|c| c.action.to_ascii_lowercase())
        .collect();
    input
        .catalog
        .actions_with_ids()
        .filter_map(|(id, a)| {
            let full = a.full_name();
            names.contains(&full.to_ascii_lowercase()).then(|| Audited {
                id,
                service: a.service.to_ascii_lowercase(),
                name: a.name.to_ascii_lowercase(),
                full,
            })
        })
        .collect()
}

fn covers(st: &Statement, service: &str, name: &str) -> bool {
    st.action.patterns.iter().any(|p| p.matches(service, name)) != st.action.negated
}

/// Identity and boundary statements, in layer, policy, statement order.
fn statements_of(set: &PolicySet) -> Vec<(Layer, usize, &Policy)> {
    let mut out: Vec<(Layer, usize, &Policy)> = set
        .identity
        .iter()
        .enumerate()
        .map(|(i, p)| (Layer::Identity, i, p))
        .collect();
    if let Some(b) = &set.boundary {
        out.extend(b.iter().enumerate().map(|(i, p)| (Layer::Boundary, i, p)));
    }
    out
}

fn candidates<'g>(set: &'g PolicySet, audited: &[Audited]) -> Vec<Candidate<'g>> {
    let mut out = Vec::new();
    for (layer, policy, doc) in statements_of(set) {
        for (position, st) in doc.statements.iter().enumerate() {
            let actions: Vec<ActionId> = audited
                .iter()
                .filter(|a| covers(st, &a.service, &a.name))
                .map(|a| a.id)
                .collect();
            if actions.is_empty() {
                continue;
            }
            let wider = st.action.negated
                || st.action.patterns.iter().any(|p| match p {
                    ActionPattern::Any => true,
                    ActionPattern::Service { service, name } => name.as_literal().is_none_or(|n| {
                        !audited.iter().any(|a| a.service == *service && a.name == n)
                    }),
                });
            out.push(Candidate {
                layer,
                policy,
                position,
                statement: st,
                version: doc.version,
                actions,
                wider,
            });
        }
    }
    out
}

/// The group's set without the candidate statement.
fn without(set: &PolicySet, c: &Candidate<'_>) -> Option<PolicySet> {
    let mut out = set.clone();
    let doc = match c.layer {
        Layer::Identity => out.identity.get_mut(c.policy)?,
        Layer::Boundary => out.boundary.as_mut()?.get_mut(c.policy)?,
        _ => return None,
    };
    if c.position >= doc.statements.len() {
        return None;
    }
    doc.statements.remove(c.position);
    Some(out)
}

/// A set that explicitly denies exactly the requests the candidate matches.
fn matcher(c: &Candidate<'_>) -> PolicySet {
    let mut st = c.statement.clone();
    st.effect = Effect::Deny;
    PolicySet::identity(vec![Policy {
        version: c.version,
        id: None,
        statements: vec![st],
    }])
}

/// True when the statement tests something beyond its actions, so its own mentions are worth a
/// dedicated set of requests.
fn is_scoped(st: &Statement) -> bool {
    !st.conditions.is_empty()
        || st.resource.as_ref().is_some_and(|r| {
            r.negated
                || r.patterns
                    .iter()
                    .any(|p| !matches!(p, ResourcePattern::Any))
        })
}

/// Everything one judgment reads.
struct Judge<'x, 'a> {
    catalog: &'x Catalog,
    account: &'x str,
    generator: &'x GenConfig,
    /// The group's principal context, to fill principal variables in focused requests.
    principal: &'x crate::eval::Context,
    spaces: &'x BTreeMap<ActionId, Space<'x>>,
    current: &'x CompiledSet<'a>,
    context: &'x PreparedContext,
}

/// The request keys a statement reads (condition keys and variables, principal keys left out):
/// lowercase key to the key as first written.
fn request_keys(st: &Statement) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for c in &st.conditions {
        out.entry(c.key_lower.clone())
            .or_insert_with(|| c.key.clone());
        for v in c.variables() {
            out.entry(v.key_lower.clone())
                .or_insert_with(|| v.key.clone());
        }
    }
    for v in resource_variables(st) {
        out.entry(v.key_lower.clone())
            .or_insert_with(|| v.key.clone());
    }
    out.retain(|k, _| !crate::request::sent::is_principal_key(k));
    out
}

fn resource_variables(st: &Statement) -> impl Iterator<Item = &crate::policy::glob::Variable> {
    st.resource
        .iter()
        .flat_map(|r| r.patterns.iter())
        .filter_map(|p| match p {
            ResourcePattern::Arn(t) => Some(t),
            ResourcePattern::Any => None,
        })
        .flat_map(|t| t.variables())
}

/// The value focused requests give a request key that the statement uses as a variable.
const VARIABLE_VALUE: &str = "iamc-var";

/// What one statement alone mentions, for focused requests: its keys, values and ARN patterns,
/// the group's principal values, and for every variable naming a request key (`${sagemaker:DomainId}`)
/// one value used both in the ARN and, when AWS sends the key for the action, in the request.
fn focused_mentions(c: &Candidate<'_>, principal: &crate::eval::Context) -> Mentions {
    let mut m = Mentions::default();
    m.add_principal_context(principal);
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for v in resource_variables(c.statement).chain(
        c.statement
            .conditions
            .iter()
            .flat_map(|cond| cond.variables()),
    ) {
        if !crate::request::sent::is_principal_key(&v.key_lower) {
            vars.entry(v.key_lower.clone())
                .or_insert_with(|| v.key.clone());
        }
    }
    for (lower, spelled) in &vars {
        m.principal_values
            .entry(lower.clone())
            .or_default()
            .insert(VARIABLE_VALUE.to_owned());
        let k = m.keys.entry(lower.clone()).or_default();
        k.spelled.clone_from(spelled);
        k.families.insert(FamilyTag::String);
        k.values.insert(VARIABLE_VALUE.to_owned());
    }
    m.add_policy(&Policy {
        version: c.version,
        id: None,
        statements: vec![c.statement.clone()],
    });
    if !vars.is_empty() {
        let extra: Vec<CondSpec> = vars
            .values()
            .map(|spelled| CondSpec {
                key: spelled.clone(),
                op: "StringEquals".to_owned(),
                values: vec![VARIABLE_VALUE.to_owned()],
            })
            .collect();
        let mut specs: Vec<StatementSpec> = m.statements.iter().cloned().collect();
        if specs.is_empty() {
            // No conditions: a spec of the variables alone, paired with the statement's ARNs.
            let resources = match &c.statement.resource {
                Some(r) if !r.negated => r
                    .patterns
                    .iter()
                    .filter_map(|p| match p {
                        ResourcePattern::Arn(t) => Some(t.to_string()),
                        ResourcePattern::Any => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            specs.push(StatementSpec {
                deny: false,
                conds: Vec::new(),
                resources,
            });
        }
        for mut s in specs {
            s.conds.extend(extra.iter().cloned());
            m.statements.insert(s);
        }
    }
    m
}

/// Fills a template's variables (principal keys from the group's principal, request keys with
/// [`VARIABLE_VALUE`], else the default) and keeps its wildcards.
fn fill_variables(t: &Template, principal: &crate::eval::Context) -> String {
    let mut out = String::new();
    for piece in t.pieces() {
        match piece {
            Piece::Pattern(s) => out.push_str(s),
            // A literal `*` or `?` cannot be written in a glob: use a character no wildcard needs.
            Piece::Literal(s) => out.push_str(&s.replace(['*', '?'], "x")),
            Piece::Var(v) => {
                let value = if crate::request::sent::is_principal_key(&v.key_lower) {
                    principal
                        .get(&v.key_lower)
                        .and_then(|e| e.values.first().cloned())
                        .or_else(|| v.default.clone())
                        .unwrap_or_else(|| VARIABLE_VALUE.to_owned())
                } else {
                    VARIABLE_VALUE.to_owned()
                };
                out.push_str(&value.replace(['*', '?'], "x"));
            }
        }
    }
    out
}

/// Concrete ARNs, one per resource entry of the statement and resource type of its covered
/// actions, that the entry matches and the type's format accepts: wildcard partition, region and
/// account segments take the run's partition, region and account, and every placeholder of the
/// format gets at least one character.
fn statement_arns(
    catalog: &Catalog,
    c: &Candidate<'_>,
    account: &str,
    region: &str,
    principal: &crate::eval::Context,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(clause) = c.statement.resource.as_ref().filter(|r| !r.negated) else {
        return out;
    };
    for pattern in &clause.patterns {
        let ResourcePattern::Arn(t) = pattern else {
            continue;
        };
        let text = fill_variables(t, principal);
        let Some([_, partition, service, reg, acct, resource]) = split_arn(&text) else {
            continue;
        };
        let wild = |seg: &str| seg.contains(['*', '?']);
        let partition = if wild(partition) { "aws" } else { partition };
        let reg = if wild(reg) { region } else { reg };
        let acct = if wild(acct) { account } else { acct };
        let Some(svc) = catalog.service(service) else {
            continue;
        };
        for id in &c.actions {
            let Some(action) = catalog.action_by_id(*id) else {
                continue;
            };
            for rt in action
                .resources
                .iter()
                .filter_map(|r| svc.resource_type(&r.name))
            {
                for format in rt.formats() {
                    let Some([.., fres]) = split_arn(format.as_str()) else {
                        continue;
                    };
                    let glob = non_empty_placeholders(fres);
                    let Some(name) = requests::glob_witness(resource, &glob) else {
                        continue;
                    };
                    let arn = format!("arn:{partition}:{service}:{reg}:{acct}:{name}");
                    if rt.matches_arn(&arn) && !out.contains(&arn) {
                        out.push(arn);
                    }
                }
            }
        }
    }
    out
}

/// An ARN format's resource part as a glob in which every `${…}` placeholder is `?*`.
fn non_empty_placeholders(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        match after.find('}') {
            Some(j) => {
                out.push_str("?*");
                rest = after.get(j + 1..).unwrap_or("");
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Requests per action in the focused space: enough rounds over every resource candidate the
/// generator makes for the action (a generic ARN, one per fitting pattern, another region and
/// another account per resource type) for the satisfying contexts and each key's options.
fn focused_variants(catalog: &Catalog, id: ActionId, st: &Statement) -> usize {
    let types = catalog
        .action_by_id(id)
        .map_or(1, |a| a.resources.len().max(1));
    let patterns = st.resource.as_ref().map_or(0, |r| r.patterns.len());
    (types * (3 + patterns) * 4).clamp(FOCUSED_MIN_VARIANTS, FOCUSED_MAX_VARIANTS)
}

impl Judge<'_, '_> {
    /// Decides one request; `false` when removing the statement changes whether it is allowed.
    fn step(
        &self,
        c: &Candidate<'_>,
        sets: (&CompiledSet<'_>, &CompiledSet<'_>),
        tally: &mut Tally,
        request: &Request,
        prepared: &PreparedRequest<'_>,
    ) -> bool {
        let (without, matcher) = sets;
        tally.requests += 1;
        tally.evaluations += 1;
        for e in request.context.entries() {
            if !tally.seen_keys.contains(&e.key_lower) {
                tally.seen_keys.insert(e.key_lower.clone());
            }
        }
        if matcher.evaluate_as(prepared, self.context).decision != Decision::ExplicitlyDenied {
            // Removing a statement only changes requests it applies to.
            return true;
        }
        let with = self.current.evaluate_as(prepared, self.context);
        let wo = without.evaluate_as(prepared, self.context);
        tally.evaluations += 2;
        if wo.decision.is_allowed() != with.decision.is_allowed() {
            return false;
        }
        tally.matched += 1;
        if with.decision.is_allowed() {
            tally.allowed += 1;
            Tally::keep(&mut tally.allowed_witness, request, with, wo);
        } else {
            let shown = if c.statement.effect == Effect::Deny {
                wo
            } else {
                with
            };
            *tally
                .denied
                .entry((shown.decision, shown.decided_by))
                .or_default() += 1;
            Tally::keep(&mut tally.denied_witness, request, with, wo);
        }
        true
    }

    fn judge(
        &self,
        c: &Candidate<'_>,
        without: &CompiledSet<'_>,
        matcher: &CompiledSet<'_>,
    ) -> Verdict {
        let sets = (without, matcher);
        let mut tally = Tally::default();
        for id in &c.actions {
            let Some(space) = self.spaces.get(id) else {
                continue;
            };
            for (request, prepared) in space.requests.iter().zip(&space.prepared) {
                if !self.step(c, sets, &mut tally, request, prepared) {
                    return Verdict::Live(tally.evaluations);
                }
            }
        }
        if is_scoped(c.statement) {
            let mentions = focused_mentions(c, self.principal);
            let arns = statement_arns(
                self.catalog,
                c,
                self.account,
                &self.generator.region,
                self.principal,
            );
            let mut preparer = Preparer::new(self.catalog);
            for id in &c.actions {
                let cfg = GenConfig {
                    variants: focused_variants(self.catalog, *id, c.statement),
                    ..self.generator.clone()
                };
                let Some(reqs) = requests::generate_action(
                    self.catalog,
                    *id,
                    self.account,
                    &cfg,
                    &mentions,
                    &arns,
                ) else {
                    continue;
                };
                for (request, _) in reqs
                    .requests
                    .iter()
                    .zip(&reqs.own_account)
                    .filter(|(_, own)| **own)
                {
                    let prepared = preparer.prepare(request);
                    tally.focused += 1;
                    if !self.step(c, sets, &mut tally, request, &prepared) {
                        return Verdict::Live(tally.evaluations);
                    }
                }
            }
        }
        Verdict::Dead(Box::new(tally))
    }
}

fn skipped(group: &GroupView<'_, '_>, why: String) -> GroupFinding {
    GroupFinding {
        group: group.index,
        finding: Finding {
            rule: "dead-statement-skipped".to_owned(),
            kind: FindingKind::DeadStatement,
            severity: Severity::Low,
            title: "statements not checked for dead or redundant ones".to_owned(),
            message: why,
            account: String::new(),
            principal: String::new(),
            actions: Vec::new(),
            target_role: None,
            other_targets: Vec::new(),
            statements: Vec::new(),
            conditions: Vec::new(),
            witness: None,
            fingerprint: String::new(),
            suppressed: None,
        },
    }
}

fn layer_phrase(decision: Decision, layer: Layer) -> String {
    match (decision, layer) {
        (Decision::ExplicitlyDenied, l) => format!("explicitly denied by a Deny in the {l} layer"),
        (_, Layer::Account) => "denied by the cross-account gate".to_owned(),
        (_, l) => format!("not granted by the {l} layer"),
    }
}

fn denied_summary(tally: &Tally) -> String {
    tally
        .denied
        .iter()
        .map(|((d, l), n)| format!("{n} {}", layer_phrase(*d, *l)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds the finding for a dead statement.
fn finding(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    c: &Candidate<'_>,
    tally: &Tally,
    names: &BTreeMap<ActionId, &str>,
    cap: usize,
) -> Option<GroupFinding> {
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
    Some(GroupFinding {
        group: group.index,
        finding: Finding {
            rule: rule.to_owned(),
            kind: FindingKind::DeadStatement,
            severity: Severity::Low,
            title: title.to_owned(),
            message,
            account: String::new(),
            principal: String::new(),
            actions: listed,
            target_role: None,
            other_targets: Vec::new(),
            statements,
            conditions: Vec::new(),
            witness: shown.map(|(r, d)| witness(&r, &d)),
            fingerprint: String::new(),
            suppressed: None,
        },
    })
}

/// Runs the detector.
pub fn run(input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    // A whole-account run only (the one given the account's compiler); focused per-group runs
    // skip it. Counterfactual sets are compiled per task below.
    if input.compiler.is_none() {
        return Vec::new();
    }
    let audited = audited_actions(input);
    if audited.is_empty() {
        return Vec::new();
    }
    let names: BTreeMap<ActionId, &str> = audited.iter().map(|a| (a.id, a.full.as_str())).collect();
    let groups: Vec<&GroupView<'_, '_>> = input.focus_groups().collect();
    let per_group: Vec<Vec<Candidate<'_>>> =
        groups.iter().map(|g| candidates(g.set, &audited)).collect();
    // The run's requests of every action some statement covers, generated and prepared once.
    let needed: BTreeSet<ActionId> = per_group
        .iter()
        .flatten()
        .flat_map(|c| c.actions.iter().copied())
        .collect();
    let cap = input.generator.variants.clamp(1, MAX_VARIANTS);
    let cfg = GenConfig {
        variants: cap,
        ..input.generator.clone()
    };
    // The run passes every role of the account as a resource candidate (iam:PassRole).
    let targets: Vec<String> = input.account.roles.iter().map(|r| r.arn.clone()).collect();
    let generated: Vec<ActionRequests> = needed
        .iter()
        .copied()
        .collect::<Vec<_>>()
        .par_iter()
        .filter_map(|&id| {
            requests::generate_action(
                input.catalog,
                id,
                &input.account.id,
                &cfg,
                input.mentions,
                &targets,
            )
        })
        .collect();
    let spaces: BTreeMap<ActionId, Space<'_>> = generated
        .par_iter()
        .map(|g| {
            // Another account's resources are never allowed (SageMaker has no resource-based
            // policies), with or without any statement: only own-account requests are judged.
            let requests: Vec<&Request> = g
                .requests
                .iter()
                .zip(&g.own_account)
                .filter(|(_, own)| **own)
                .map(|(r, _)| r)
                .collect();
            let mut preparer = Preparer::new(input.catalog);
            let prepared = requests.iter().map(|r| preparer.prepare(r)).collect();
            (g.action_id, Space { requests, prepared })
        })
        .collect();

    // Groups are judged in parallel batches, each task compiling its counterfactual sets into
    // an arena of its own (a compiler is not `Sync`); the budget is then charged in group order,
    // so the findings do not depend on the thread count. A batch past the budget is discarded.
    let work: Vec<(&GroupView<'_, '_>, &Vec<Candidate<'_>>)> = groups
        .iter()
        .copied()
        .zip(&per_group)
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let batch = 4 * rayon::current_num_threads().max(1);
    // What the tasks share (the input itself holds the compiler, which is not `Sync`).
    let shared = Shared {
        account: input.account,
        catalog: input.catalog,
        generator: input.generator,
    };
    let mut out = Vec::new();
    let mut spent: u64 = 0;
    for chunk in work.chunks(batch) {
        if spent >= BUDGET {
            out.extend(chunk.iter().map(|(g, _)| over_budget(g)));
            continue;
        }
        let judged: Vec<GroupVerdicts> = chunk
            .par_iter()
            .map(|(group, cands)| judge_group(&shared, &spaces, group, cands))
            .collect();
        for ((group, cands), judged) in chunk.iter().zip(judged) {
            let verdicts = match judged {
                GroupVerdicts::TooLarge(count) => {
                    out.push(skipped(
                        group,
                        format!(
                            "{count} identity and boundary statements, more than the \
                             {MAX_GROUP_STATEMENTS} the dead-statement check judges per principal"
                        ),
                    ));
                    continue;
                }
                GroupVerdicts::Judged(v) => v,
            };
            if spent >= BUDGET {
                out.push(over_budget(group));
                continue;
            }
            for (ci, verdict) in verdicts {
                let Some(c) = cands.get(ci) else {
                    continue;
                };
                match verdict {
                    Verdict::Live(n) => spent += n,
                    Verdict::Dead(tally) => {
                        spent += tally.evaluations;
                        out.extend(finding(input, group, c, &tally, &names, cap));
                    }
                }
            }
        }
    }
    out
}

/// One group's verdicts, by candidate index, or why it was not judged.
enum GroupVerdicts {
    /// More statements than [`MAX_GROUP_STATEMENTS`].
    TooLarge(usize),
    /// The candidates whose counterfactual sets compiled, in order.
    Judged(Vec<(usize, Verdict)>),
}

/// The finding for a group left unjudged because the budget ran out.
fn over_budget(group: &GroupView<'_, '_>) -> GroupFinding {
    skipped(
        group,
        format!(
            "the account's budget of {BUDGET} evaluations for the dead-statement check \
             was spent on earlier principals"
        ),
    )
}

/// The parts of [`FindingsInput`] the judging tasks read.
struct Shared<'x> {
    account: &'x crate::audit::account::Account,
    catalog: &'x Catalog,
    generator: &'x GenConfig,
}

/// Judges every candidate statement of one group.
fn judge_group(
    input: &Shared<'_>,
    spaces: &BTreeMap<ActionId, Space<'_>>,
    group: &GroupView<'_, '_>,
    cands: &[Candidate<'_>],
) -> GroupVerdicts {
    let count: usize = statements_of(group.set)
        .iter()
        .map(|(_, _, p)| p.statements.len())
        .sum();
    if count > MAX_GROUP_STATEMENTS {
        return GroupVerdicts::TooLarge(count);
    }
    let principal = group
        .members
        .first()
        .and_then(|m| input.account.principals.get(*m))
        .map(|p| p.context())
        .unwrap_or_default();
    let judge = Judge {
        catalog: input.catalog,
        account: &input.account.id,
        generator: input.generator,
        principal: &principal,
        spaces,
        current: group.compiled,
        context: group.context,
    };
    // Counterfactual sets: without the statement, and the statement alone.
    let arena = Bump::new();
    let compiler = Compiler::new(&arena, input.catalog);
    let mut verdicts = Vec::with_capacity(cands.len());
    for (ci, c) in cands.iter().enumerate() {
        let Some(w) = without(group.set, c) else {
            continue;
        };
        let (Ok(w), Ok(m)) = (compiler.compile(&w), compiler.compile(&matcher(c))) else {
            continue;
        };
        verdicts.push((ci, judge.judge(c, &w, &m)));
    }
    GroupVerdicts::Judged(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(json: &str) -> Policy {
        Policy::parse(json, crate::policy::PolicyKind::Identity).unwrap()
    }

    #[test]
    fn covers_follows_action_and_not_action() {
        let p = statement(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"},
                {"Effect":"Allow","NotAction":["s3:*"],"Resource":"*"},
                {"Effect":"Allow","Action":"sagemaker:Describe*","Resource":"*"}]}"#,
        );
        let s = &p.statements;
        assert!(!covers(&s[0], "sagemaker", "createtrainingjob"));
        assert!(covers(&s[1], "sagemaker", "createtrainingjob"));
        assert!(covers(&s[2], "sagemaker", "describedomain"));
        assert!(!covers(&s[2], "sagemaker", "createdomain"));
    }

    #[test]
    fn without_drops_one_statement_and_keeps_indexes() {
        let p = statement(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"A","Effect":"Allow","Action":"sagemaker:*","Resource":"*"},
                {"Sid":"B","Effect":"Deny","Action":"sagemaker:Delete*","Resource":"*"}]}"#,
        );
        let set = PolicySet::identity(vec![p]);
        let cands = candidates(
            &set,
            &[Audited {
                id: 0,
                service: "sagemaker".into(),
                name: "deletedomain".into(),
                full: "sagemaker:DeleteDomain".into(),
            }],
        );
        assert_eq!(cands.len(), 2);
        assert!(cands.iter().all(|c| c.wider));
        let w = without(&set, &cands[0]).unwrap();
        assert_eq!(w.identity[0].statements.len(), 1);
        assert_eq!(w.identity[0].statements[0].index, 1);
        let m = matcher(&cands[0]);
        assert_eq!(m.identity[0].statements[0].effect, Effect::Deny);
    }
}
