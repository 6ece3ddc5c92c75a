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
//! - `exact-analysis-failed` (medium): the exact analysis failed for some of the group's actions
//!   (a witness the engine decided differently is a bug in one of the two); those actions were
//!   judged by sampling, and the finding names each action and error, so the fallback is never
//!   silent.
//!
//! Exact first ([`exact`]): each statement is decided on the formula of every action it covers
//! (effective, dead or redundant over every request AWS can send, S-45 … S-49, S-54), so the findings
//! do not depend on `--variants`; only a statement the analysis cannot decide for some covered
//! action (a policy variable that reads a request key, a spent budget) is judged by sampling,
//! as below. Exact findings carry no witness (there is no request to show for "none").
//!
//! Each statement is judged alone: two statements that grant the same thing are each reported as
//! redundant, since either can go, not both.
//!
//! Requests: the first [`MAX_VARIANTS`] requests per action of the account's request space (a
//! prefix of what coverage read), and, for statements with conditions or resource patterns, a
//! *focused* space per action generated from what that statement alone mentions, with the
//! group's principal values for principal variables and one shared value for variables that name
//! request keys (`${sagemaker:DomainId}` in an ARN and in the request), plus one concrete ARN per
//! resource entry and resource type with every placeholder of the type's format non-empty, sized
//! to visit every resource candidate a few times ([`FOCUSED_MIN_VARIANTS`] to
//! [`FOCUSED_MAX_VARIANTS`] per action). The run's space can miss a statement's resources in a
//! crowded account (many roles, many resource types); the focused space does not, and it is the
//! one place this check generates requests apart from the account's space (DESIGN.md, "One space
//! per account, one cap"). A change on any of these requests proves the statement alive; no
//! change is evidence over that sampled space, which every message states.
//!
//! Cost: groups with more than [`MAX_GROUP_STATEMENTS`] identity and boundary statements are
//! skipped; an account stops judging once [`BUDGET`] evaluations are spent, checked between groups
//! with exact counts, so results do not depend on thread count. Judging a statement stops at its
//! first changed decision, so live statements cost little; a request the statement does not match
//! costs one single-statement evaluation.
//!
//! INVARIANT (decided by the engine): dead, redundant and shadowed are read off compiled decisions
//! of real requests, never off statement text.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rayon::prelude::*;

use super::{FindingsInput, GroupFinding, GroupView, witness};
use crate::audit::model::{Class, Finding, FindingKind, Severity, StatementRef};
use crate::audit::space::{self, CondSpec, GenConfig, Mentions, Sample, StatementSpec};
use crate::catalog::{ActionId, Catalog};
use crate::compile::{CompiledSet, Compiler};
use crate::eval::{Decision, Layer, Outcome, PreparedRequest, Request};
use crate::hash::FastHash;
use crate::policy::glob::{Piece, Template};
use crate::policy::pattern::split_arn;
use crate::policy::{
    ActionPattern, Effect, Policy, PolicySet, ResourcePattern, Statement, Version,
};
use crate::request::prepared::{PreparedContext, Preparer};
use bumpalo::Bump;

mod exact;
mod focus;
mod verdict;

#[allow(clippy::wildcard_imports)]
use focus::*;
#[allow(clippy::wildcard_imports)]
use verdict::*;

/// Groups with more identity and boundary statements than this are not judged.
pub(crate) const MAX_GROUP_STATEMENTS: usize = 200;
/// Requests per action taken from the run's space (fewer when the run generates fewer).
pub(crate) const MAX_VARIANTS: usize = 200;
/// Fewest requests per action generated from one statement's own mentions.
pub(crate) const FOCUSED_MIN_VARIANTS: usize = 32;
/// Most requests per action generated from one statement's own mentions.
pub(crate) const FOCUSED_MAX_VARIANTS: usize = 2048;
/// Evaluations per account after which the remaining groups are skipped.
pub(crate) const BUDGET: u64 = 40_000_000;
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
    /// Decided on the formula (no evaluation spent).
    Exact(exact::Exact, Option<Request>),
    /// Removing it changes a decision.
    Live(u64),
    /// Removing it changes nothing over the requests tried.
    Dead(Box<Tally>),
}

fn audited_actions(input: &FindingsInput<'_, '_>) -> Vec<Audited> {
    // Groups share most of their action names: each is lowercased once.
    let mut seen: HashSet<&str, FastHash> = HashSet::default();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for c in input.groups.iter().flat_map(|g| g.coverage.iter()) {
        if seen.insert(&c.action) {
            names.insert(c.action.to_ascii_lowercase());
        }
    }
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
    st.action.applies_to(service, name)
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
                    ActionPattern::Never(_) => false,
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
        // The focused requests come from this statement's own mentions, not the account's space
        // (DESIGN.md, "One space per account, one cap").
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
                let Some(reqs) =
                    space::generate_action(self.catalog, *id, self.account, &cfg, &mentions, &arns)
                else {
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

/// Runs the detector.
pub(crate) fn run(input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    // Over the whole account (`account_findings` calls it once, beside the per-group
    // detectors). Counterfactual sets are compiled per task below.
    let audited = audited_actions(input);
    if audited.is_empty() {
        return Vec::new();
    }
    let names: BTreeMap<ActionId, &str> = audited.iter().map(|a| (a.id, a.full.as_str())).collect();
    let groups: Vec<&GroupView<'_, '_>> = input.focus_groups().collect();
    let per_group: Vec<Vec<Candidate<'_>>> = groups
        .par_iter()
        .map(|g| candidates(g.set, &audited))
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
    let memo = exact::Memo::default();
    // The exact verdicts first (in parallel, shared per formula through the memo).
    let decided: Vec<Option<Decided>> = work
        .par_iter()
        .map(|(group, cands)| {
            if too_large(group.set).is_some() {
                return None;
            }
            let principal = principal_of(&shared, group);
            Some(exact::decide(
                &shared, &memo, group, &principal, cands, &names,
            ))
        })
        .collect();
    // The run's requests of every action a statement the formula left undecided covers,
    // generated and prepared once (none when the analysis decided every statement).
    let needed: BTreeSet<ActionId> = work
        .iter()
        .zip(&decided)
        .flat_map(|((_, cands), d)| {
            // A group too large to judge (no verdicts) needs none.
            d.iter().flat_map(move |d| {
                cands
                    .iter()
                    .enumerate()
                    .filter(move |(ci, _)| !matches!(d.get(*ci), Some(Some(_))))
                    .flat_map(|(_, c)| c.actions.iter().copied())
            })
        })
        .collect();
    // The first MAX_VARIANTS requests of the run's space (a prefix of what coverage read).
    let cap = input.space.cap().min(MAX_VARIANTS);
    let generated: Vec<Sample> = needed
        .iter()
        .copied()
        .collect::<Vec<_>>()
        .par_iter()
        .filter_map(|&id| input.space.sample(id, MAX_VARIANTS))
        .collect();
    let spaces: BTreeMap<ActionId, Space<'_>> = generated
        .par_iter()
        .map(|g| {
            // Another account's resources are never allowed (SageMaker has no resource-based
            // policies), with or without any statement: only own-account requests are judged.
            let requests: Vec<&Request> = g.own().collect();
            let mut preparer = Preparer::new(input.catalog);
            let prepared = requests.iter().map(|r| preparer.prepare(r)).collect();
            (g.action_id(), Space { requests, prepared })
        })
        .collect();

    let mut out = Vec::new();
    let mut spent: u64 = 0;
    for (chunk, decided_chunk) in work.chunks(batch).zip(decided.chunks(batch)) {
        if spent >= BUDGET {
            out.extend(chunk.iter().map(|(g, _)| over_budget(g)));
            continue;
        }
        let judged: Vec<GroupVerdicts> = chunk
            .par_iter()
            .zip(decided_chunk)
            .map(|((group, cands), decided)| {
                judge_group(&shared, &spaces, group, cands, decided.as_ref())
            })
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
                    Verdict::Exact(e, w) => {
                        out.extend(exact::exact_finding(input, group, c, (e, w), &names));
                    }
                    Verdict::Live(n) => spent += n,
                    Verdict::Dead(tally) => {
                        spent += tally.evaluations;
                        out.extend(finding(input, group, c, &tally, &names, cap));
                    }
                }
            }
        }
    }
    // A failed exact analysis (a witness the engine decided differently is a bug in one of the
    // two) fell back to sampling: say so, per group, with the errors.
    for (gi, errors) in memo.failures() {
        // …and an audit error too (exit status 1), not only a finding.
        for e in &errors {
            input.cache.formula.fail(
                gi,
                format!("the exact analysis of the dead-statement check failed for {e}"),
            );
        }
        if let Some(group) = input.groups.get(gi) {
            out.push(verdict::analysis_failed(group, &errors));
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
    account: &'x crate::audit::load::Account,
    catalog: &'x Catalog,
    generator: &'x GenConfig,
}

/// The exact verdicts of a group's candidates, in order (`None`: sample it).
type Decided = Vec<Option<(exact::Exact, Option<Request>)>>;

/// The number of identity and boundary statements when more than [`MAX_GROUP_STATEMENTS`].
fn too_large(set: &PolicySet) -> Option<usize> {
    let count: usize = statements_of(set)
        .iter()
        .map(|(_, _, p)| p.statements.len())
        .sum();
    (count > MAX_GROUP_STATEMENTS).then_some(count)
}

/// The principal context of a group's members (its first member's).
fn principal_of(input: &Shared<'_>, group: &GroupView<'_, '_>) -> crate::eval::Context {
    group
        .members
        .first()
        .and_then(|m| input.account.principals.get(*m))
        .map(|p| p.context())
        .unwrap_or_default()
}

/// Judges every candidate statement of one group: the exact verdicts given, sampling the rest.
fn judge_group(
    input: &Shared<'_>,
    spaces: &BTreeMap<ActionId, Space<'_>>,
    group: &GroupView<'_, '_>,
    cands: &[Candidate<'_>],
    decided: Option<&Decided>,
) -> GroupVerdicts {
    if let Some(count) = too_large(group.set) {
        return GroupVerdicts::TooLarge(count);
    }
    let principal = principal_of(input, group);
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
    let none = Vec::new();
    let decided = decided.unwrap_or(&none);
    let mut verdicts = Vec::with_capacity(cands.len());
    for (ci, c) in cands.iter().enumerate() {
        if let Some(Some((e, w))) = decided.get(ci) {
            verdicts.push((ci, Verdict::Exact(*e, w.clone())));
            continue;
        }
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
                id: crate::catalog::ActionId::from_index(0).unwrap(),
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
