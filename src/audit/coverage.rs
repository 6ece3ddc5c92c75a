//! Coverage: per group and action, how many of the own-account requests the group may make, the
//! class that follows (Always / Conditional / Never), and for `Conditional` cells the keys and
//! conditions that decide, from explanations of sampled allowed and denied requests.
//!
//! Each cell's class is then the exact analysis's where it decides ([`exact`]), with its
//! readable condition and engine-confirmed witnesses; elsewhere the sampled class stays and the
//! cell is `approximate`.
//!
//! INVARIANT (thread-count independence): work is split into (group, request chunk) tasks whose
//! results are merged by index (sums, and the smallest sample indexes), so every cell is
//! identical for any `--threads`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use super::group::Group;
use super::model::{ActionCoverage, Class, LevelCounts, Stats, Witness};
use super::progress::Progress;
use super::space::{ActionRequests, RequestSpace};
use crate::analyze::Analyzer;
use crate::catalog::{AccessLevel, ActionId, Catalog};
use crate::eval::{Decision, Explanation, Layer, PreparedRequest};
use crate::policy::{PolicySet, ResourcePattern};
use crate::request::prepared::Preparer;

mod exact;
mod share;

pub(crate) use exact::{Key as FormulaKey, key_of as formula_key};

pub(crate) fn by_level(cov: &[ActionCoverage]) -> BTreeMap<AccessLevel, LevelCounts> {
    let mut out: BTreeMap<AccessLevel, LevelCounts> = BTreeMap::new();
    for c in cov {
        let e = out.entry(c.access_level).or_default();
        match c.class {
            Class::Always => e.always += 1,
            Class::Conditional => e.conditional += 1,
            Class::Never => e.never += 1,
        }
    }
    out
}

/// Evaluates one action's requests for every group: (group × chunk) tasks in parallel.
fn evaluate_action(groups: &[&Group<'_>], reqs: &ActionRequests, catalog: &Catalog) -> Vec<Agg> {
    const CHUNK: usize = 256;
    let prepared: Vec<PreparedRequest<'_>> = reqs
        .requests
        .par_iter()
        .map_init(|| Preparer::new(catalog), |p, r| p.prepare(r))
        .collect();
    let chunks = prepared.len().div_ceil(CHUNK).max(1);
    let tasks: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..chunks).map(move |c| (g, c)))
        .collect();
    let partials: Vec<(usize, Agg)> = tasks
        .par_iter()
        .map(|&(g, c)| {
            let mut agg = Agg::default();
            let Some(group) = groups.get(g) else {
                return (g, agg);
            };
            let start = c * CHUNK;
            let end = (start + CHUNK).min(prepared.len());
            for i in start..end {
                let (Some(req), Some(&own)) = (prepared.get(i), reqs.own_account.get(i)) else {
                    continue;
                };
                let allowed =
                    group.compiled.evaluate_as(req, &group.context).decision == Decision::Allowed;
                if own {
                    agg.total += 1;
                    if allowed {
                        agg.allowed += 1;
                        if agg.allowed_samples.len() < SAMPLES {
                            agg.allowed_samples.push(i);
                        }
                    } else if agg.denied_samples.len() < SAMPLES {
                        agg.denied_samples.push(i);
                    }
                } else {
                    agg.other_total += 1;
                    agg.other_allowed += u64::from(allowed);
                }
            }
            (g, agg)
        })
        .collect();
    let mut out: Vec<Agg> = vec![Agg::default(); groups.len()];
    for (g, a) in partials {
        if let Some(slot) = out.get_mut(g) {
            slot.merge(a);
        }
    }
    out
}

/// Evaluates one action's requests once for each distinct [`share::ActionKey`] of `groups` and
/// gives each group its key's counts; also returns the number of decisions the engine made and,
/// per group, the first group with its key.
fn shared_evaluation(
    groups: &[&Group<'_>],
    statements: &share::Statements<'_>,
    reqs: &ActionRequests,
    catalog: &Catalog,
) -> (Vec<Agg>, u64, Vec<usize>) {
    let applies = statements.applying(&reqs.action);
    let keys: Vec<share::ActionKey<'_>> = groups
        .par_iter()
        .enumerate()
        .map(|(i, g)| statements.key(i, g, &applies))
        .collect();
    let rep = share::representatives(&keys);
    let mut slot: Vec<Option<usize>> = vec![None; groups.len()];
    let mut leaders: Vec<&Group<'_>> = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        if rep.get(i) == Some(&i)
            && let Some(s) = slot.get_mut(i)
        {
            *s = Some(leaders.len());
            leaders.push(g);
        }
    }
    let decided = evaluate_action(&leaders, reqs, catalog);
    let aggs = rep
        .iter()
        .map(|r| {
            slot.get(*r)
                .copied()
                .flatten()
                .and_then(|s| decided.get(s))
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    (aggs, reqs.requests.len() as u64 * leaders.len() as u64, rep)
}

/// Finds the statement an explanation names.
fn statement(
    set: &PolicySet,
    layer: Layer,
    policy: u32,
    index: u32,
) -> Option<&crate::policy::Statement> {
    let p = match layer {
        Layer::Scp(l) => set.scps.get(l as usize)?.get(policy as usize)?,
        Layer::Identity => set.identity.get(policy as usize)?,
        Layer::Boundary => set.boundary.as_ref()?.get(policy as usize)?,
        Layer::Session => set.session.as_ref()?,
        Layer::Account => return None,
    };
    p.statements.iter().find(|s| s.index as u32 == index)
}

fn describe_condition(c: &crate::condition::Condition) -> String {
    format!("{} {} [{}]", c.op, c.key, c.raw_values.join(", "))
}

/// The coverage cell of one group × action, with deciding keys for `Conditional` ones.
fn cell(g: &Group<'_>, reqs: &ActionRequests, agg: &Agg, catalog: &Catalog) -> ActionCoverage {
    let class = Class::of(agg.allowed, agg.total);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut conditions: BTreeSet<String> = BTreeSet::new();
    if class == Class::Conditional {
        let explain = |i: usize| -> Option<Explanation> {
            let r = reqs.requests.get(i)?;
            Some(
                g.compiled
                    .explain_as(&PreparedRequest::new(r, catalog), &g.context),
            )
        };
        for i in &agg.allowed_samples {
            let Some(ex) = explain(*i) else { continue };
            for m in ex
                .matched
                .iter()
                .filter(|m| m.effect == crate::policy::Effect::Allow)
            {
                let Some(st) = statement(&g.set, m.layer, m.policy, m.statement) else {
                    continue;
                };
                for c in &st.conditions {
                    keys.insert(c.key.clone());
                    conditions.insert(describe_condition(c));
                }
                if let Some(r) = &st.resource
                    && (r.negated
                        || r.patterns
                            .iter()
                            .any(|p| !matches!(p, ResourcePattern::Any)))
                    && resource_decides(g, reqs, *i, &agg.denied_samples, catalog)
                {
                    keys.insert("resource".to_owned());
                    let (field, list) = r.field_and_entries();
                    conditions.insert(format!("{field} [{list}]"));
                }
            }
        }
        for i in &agg.denied_samples {
            let Some(ex) = explain(*i) else { continue };
            if ex.outcome.decision == Decision::ExplicitlyDenied {
                for m in ex
                    .matched
                    .iter()
                    .filter(|m| m.effect == crate::policy::Effect::Deny)
                {
                    let Some(st) = statement(&g.set, m.layer, m.policy, m.statement) else {
                        continue;
                    };
                    for c in &st.conditions {
                        keys.insert(c.key.clone());
                        conditions.insert(format!("denied if {}", describe_condition(c)));
                    }
                }
            }
            for k in &ex.missing_keys {
                if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                    keys.insert(spelling(&g.set, k, catalog));
                }
            }
        }
    }
    ActionCoverage {
        action: reqs.action.clone(),
        access_level: reqs.access_level,
        allowed: agg.allowed,
        total: agg.total,
        class,
        deciding_keys: keys.into_iter().collect(),
        conditions: conditions.into_iter().collect(),
        other_account_allowed: agg.other_allowed,
        other_account_total: agg.other_total,
        approximate: true,
        approximate_reason: None,
        condition: None,
        allowed_witness: None,
        denied_witness: None,
    }
}

/// True when putting a denied sample's resource into the allowed sample `allowed` (everything
/// else unchanged) makes the request denied: the ARN decides, not only the context.
fn resource_decides(
    g: &Group<'_>,
    reqs: &ActionRequests,
    allowed: usize,
    denied: &[usize],
    catalog: &Catalog,
) -> bool {
    let Some(a) = reqs.requests.get(allowed) else {
        return false;
    };
    denied
        .iter()
        .filter_map(|d| reqs.requests.get(*d))
        .any(|d| {
            if d.resource == a.resource {
                return false;
            }
            let mut swapped = a.clone();
            swapped.resource.clone_from(&d.resource);
            g.compiled
                .evaluate_as(&PreparedRequest::new(&swapped, catalog), &g.context)
                .decision
                != Decision::Allowed
        })
}

/// A lowercase condition key as a policy of the set spells it, else as the catalog publishes it.
fn spelling(set: &PolicySet, key_lower: &str, catalog: &Catalog) -> String {
    for (_, p) in set.labelled() {
        for st in &p.statements {
            for c in &st.conditions {
                if c.key_lower == key_lower {
                    return c.key.clone();
                }
                if let Some(v) = c.variables().find(|v| v.key_lower == key_lower) {
                    return v.key.clone();
                }
            }
        }
    }
    match catalog.key(key_lower) {
        Some(k) if !k.name.contains("${") => k.name.clone(),
        _ => key_lower.to_owned(),
    }
}

/// Groups often get the same witness for an action (the first request the analysis tries): one
/// shared copy per distinct witness keeps a 10,000-role account's cells small.
///
/// Cells that took their refinement from another group already hold its copy: a kept copy is
/// recognised by its address before it is hashed.
fn share_witnesses(cells: &mut [ActionCoverage]) {
    let mut witnesses: HashSet<Arc<Witness>> = HashSet::new();
    let mut kept: HashSet<*const Witness> = HashSet::new();
    for cell in cells {
        for w in [&mut cell.allowed_witness, &mut cell.denied_witness]
            .into_iter()
            .flatten()
        {
            if kept.contains(&Arc::as_ptr(w)) {
                continue;
            }
            match witnesses.get(w) {
                Some(shared) => *w = Arc::clone(shared),
                None => {
                    kept.insert(Arc::as_ptr(w));
                    witnesses.insert(Arc::clone(w));
                }
            }
        }
    }
}

/// Every group's cells for `actions`, in action order: each action one parallel task, made whole
/// from the account's request `space` (planned there once, the same requests the detectors read
/// a prefix of), evaluated once per distinct [`share::ActionKey`] and summarised into the groups'
/// cells (nested: evaluation and cells are parallel too), each cell then decided by the exact
/// analysis where it can be ([`exact`]). Counts go to `stats`; disagreements between the
/// analysis and the engine come back by group index (of `all_groups`), in action order.
#[expect(
    clippy::too_many_arguments,
    reason = "one call site (the audit driver); the arguments are the run's shared state"
)]
pub(crate) fn account_coverage(
    all_groups: &[Group<'_>],
    active: &[bool],
    actions: &[ActionId],
    space: &RequestSpace<'_>,
    catalog: &Catalog,
    analyzer: &Analyzer<'_>,
    stats: &mut Stats,
    progress: &Progress,
) -> Coverage {
    // Only the active groups are evaluated; the others get no cells.
    let groups: Vec<&Group<'_>> = all_groups
        .iter()
        .zip(active)
        .filter(|(_, a)| **a)
        .map(|(g, _)| g)
        .collect();
    let active_index: Vec<usize> = active
        .iter()
        .enumerate()
        .filter(|(_, a)| **a)
        .map(|(i, _)| i)
        .collect();
    let groups = groups.as_slice();
    let statements = share::Statements::new(groups);
    let members_ok: u64 = groups.iter().map(|g| g.members.len() as u64).sum();
    // One action: its requests evaluated for every group and summarised into the groups'
    // cells, each then refined by the exact analysis.
    let action_cells = |aid: ActionId| -> ActionCells {
        let reqs = space.requests(aid)?;
        let (aggs, evaluated, share) = shared_evaluation(groups, &statements, &reqs, catalog);
        let mut cells: Vec<ActionCoverage> = groups
            .par_iter()
            .zip(&aggs)
            .map(|(g, agg)| cell(g, &reqs, agg, catalog))
            .collect();
        let (refined, formula) =
            exact::refine_action(analyzer, groups, &share, &reqs, &aggs, &mut cells, catalog);
        share_witnesses(&mut cells);
        Some((
            reqs.requests.len() as u64,
            evaluated,
            cells
                .into_iter()
                .zip(refined)
                .zip(formula)
                .zip(share)
                .map(Some)
                .collect::<Vec<_>>(),
        ))
    };
    // Every action is one task, taken by the next free thread (nested: evaluation, cells and
    // the analysis are parallel too); no batch waits for its slowest action.
    let mut done: Vec<(u64, u64, Vec<Option<GroupCell>>)> = actions
        .par_iter()
        .with_max_len(1)
        .map(|&aid| {
            let done = action_cells(aid);
            progress.inc(1);
            done
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect();
    for (n, evaluated, _) in &done {
        stats.requests += n;
        stats.decisions += n * groups.len() as u64;
        stats.engine_decisions += evaluated;
        stats.principal_decisions += n * members_ok;
    }
    // From one list per action to one per group, in parallel over slices of the groups: each
    // task takes its groups' cells out of every action's list.
    let mut slices: Vec<Vec<&mut [Option<GroupCell>]>> = Vec::new();
    for (_, _, cells) in &mut done {
        for (k, part) in cells.chunks_mut(TRANSPOSE_SLICE).enumerate() {
            match slices.get_mut(k) {
                Some(slice) => slice.push(part),
                None => slices.push(vec![part]),
            }
        }
    }
    let parts: Vec<Transposed> = slices
        .into_par_iter()
        .enumerate()
        .map(|(k, columns)| transpose(k * TRANSPOSE_SLICE, columns, &active_index))
        .collect();
    let (mut coverage, mut alike, mut evaluated_by) = (Vec::new(), Vec::new(), Vec::new());
    let mut errors: Vec<(usize, usize, String)> = Vec::new();
    for part in parts {
        coverage.extend(part.cells);
        alike.extend(part.alike);
        evaluated_by.extend(part.evaluated_by);
        errors.extend(part.errors);
        stats.exact_cells += part.exact;
        stats.approximate_cells += part.approximate;
        stats.analysis_cpu_seconds += part.seconds;
    }
    // In action order, then group order.
    errors.sort_by_key(|(action, gi, _)| (*action, *gi));
    // Back to one entry per group of the account.
    Coverage {
        cells: per_group(active, coverage),
        alike: per_group(active, alike),
        evaluated_by: per_group(active, evaluated_by),
        errors: errors.into_iter().map(|(_, gi, e)| (gi, e)).collect(),
    }
}

/// How many groups one task of the transposition from action lists to group lists takes.
const TRANSPOSE_SLICE: usize = 32;

/// The group lists of the groups from `first` on, taken out of `columns` (one slice of each
/// action's cells, in action order), with their counts and errors.
#[derive(Default)]
struct Transposed {
    cells: Vec<Vec<ActionCoverage>>,
    alike: Vec<Vec<u32>>,
    evaluated_by: Vec<Vec<u32>>,
    exact: u64,
    approximate: u64,
    seconds: f64,
    /// (action's position, group index of the account, message).
    errors: Vec<(usize, usize, String)>,
}

fn transpose(
    first: usize,
    columns: Vec<&mut [Option<GroupCell>]>,
    active_index: &[usize],
) -> Transposed {
    let width = columns.first().map_or(0, |c| c.len());
    let lists = || -> Vec<Vec<u32>> {
        (0..width)
            .map(|_| Vec::with_capacity(columns.len()))
            .collect()
    };
    let mut out = Transposed {
        cells: (0..width)
            .map(|_| Vec::with_capacity(columns.len()))
            .collect(),
        alike: lists(),
        evaluated_by: lists(),
        ..Transposed::default()
    };
    for (ai, column) in columns.into_iter().enumerate() {
        let lists = out
            .cells
            .iter_mut()
            .zip(&mut out.alike)
            .zip(&mut out.evaluated_by);
        for (j, (slot, ((c, a), e))) in column.iter_mut().zip(lists).enumerate() {
            let Some((((cell, refined), formula), share)) = slot.take() else {
                continue;
            };
            let gi = first + j;
            c.push(cell);
            a.push(u32::try_from(formula).unwrap_or(u32::MAX));
            let by = active_index.get(share).copied().unwrap_or(gi);
            e.push(u32::try_from(by).unwrap_or(u32::MAX));
            if refined.exact {
                out.exact += 1;
            } else {
                out.approximate += 1;
            }
            out.seconds += refined.seconds;
            if let Some(e) = refined.error {
                out.errors
                    .push((ai, active_index.get(gi).copied().unwrap_or(gi), e));
            }
        }
    }
    out
}

/// One entry per group of the account from one per active group (empty for the others).
fn per_group<T>(active: &[bool], of_active: Vec<Vec<T>>) -> Vec<Vec<T>> {
    let mut next = of_active.into_iter();
    active
        .iter()
        .map(|a| {
            if *a {
                next.next().unwrap_or_default()
            } else {
                Vec::new()
            }
        })
        .collect()
}

/// What the coverage pass gives each group of an account, by group index.
pub(crate) struct Coverage {
    /// Its cells, in action order.
    pub(crate) cells: Vec<Vec<ActionCoverage>>,
    /// Per cell: a class of alike cells. Two groups whose cells of an action have the same
    /// class have the same formula for it (atoms gate by gate, and the principal values they
    /// read), so they are allowed the same requests of it.
    pub(crate) alike: Vec<Vec<u32>>,
    /// Per cell: the group (of the account) whose evaluation of the action it shares
    /// ([`share`]: the same statements for the action, the same principal values), itself when
    /// it is the first; groups with the same one are decided alike by the engine on every
    /// request of the action.
    pub(crate) evaluated_by: Vec<Vec<u32>>,
    /// Disagreements between the exact analysis and the engine, by group index, in action
    /// order.
    pub(crate) errors: Vec<(usize, String)>,
}

/// One action's requests counted, the decisions the engine made for them, and every group's
/// cell with its refinement, its class of alike cells and the group whose evaluation it shares,
/// if generated.
type ActionCells = Option<(u64, u64, Vec<Option<GroupCell>>)>;

/// One group's cell of an action: the cell, its refinement, its class of alike cells and the
/// group (of the active ones) whose evaluation it shares.
type GroupCell = (((ActionCoverage, exact::Refined), usize), usize);

/// Disagreements between the exact analysis and the engine, by group (of `groups`), attributed
/// to each group's first selected member (the message names how many others share it).
pub(crate) fn attribute(
    groups: &[Group<'_>],
    selected: &[bool],
    disagreements: Vec<(usize, String)>,
) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (gi, message) in disagreements {
        let Some(g) = groups.get(gi) else { continue };
        let Some(&first) = g
            .members
            .iter()
            .find(|m| selected.get(**m).copied().unwrap_or(false))
        else {
            continue;
        };
        let others = g.members.len().saturating_sub(1);
        out.push((
            first,
            if others > 0 {
                format!("{message} (and for the {others} other principals of its group)")
            } else {
                message
            },
        ));
    }
    out
}

/// The audit errors of principal `pi` among `attributed` (the principal stays evaluated).
pub(crate) fn errors_of(
    attributed: &[(usize, String)],
    pi: usize,
    account: &super::load::Account,
    p: &super::load::Principal,
) -> Vec<super::model::AuditError> {
    attributed
        .iter()
        .filter(|(m, _)| *m == pi)
        .map(|(_, message)| super::model::AuditError {
            file: account.file.clone(),
            principal: Some(p.arn.clone()),
            pointer: String::new(),
            message: message.clone(),
        })
        .collect()
}

/// Requests sampled per cell to explain a `Conditional` class.
const SAMPLES: usize = 4;

/// Counts for one group × action over a slice of requests, with sample request indexes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agg {
    pub(crate) allowed: u64,
    pub(crate) total: u64,
    other_allowed: u64,
    other_total: u64,
    pub(crate) allowed_samples: Vec<usize>,
    pub(crate) denied_samples: Vec<usize>,
}

impl Agg {
    /// The same own-account counts and sample indexes (the engine decided the same way).
    pub(crate) fn same_samples(&self, o: &Agg) -> bool {
        self.allowed == o.allowed
            && self.total == o.total
            && self.allowed_samples == o.allowed_samples
            && self.denied_samples == o.denied_samples
    }

    fn merge(&mut self, o: Agg) {
        self.allowed += o.allowed;
        self.total += o.total;
        self.other_allowed += o.other_allowed;
        self.other_total += o.other_total;
        for (mine, theirs) in [
            (&mut self.allowed_samples, o.allowed_samples),
            (&mut self.denied_samples, o.denied_samples),
        ] {
            mine.extend(theirs);
            mine.sort_unstable();
            mine.truncate(SAMPLES);
        }
    }
}
