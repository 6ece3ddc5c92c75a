//! Checking a minimal policy with the compiled engine against the current policies (same
//! boundary, SCPs and principal keys): the logged requests, the fresh-name requests, the audit's
//! request space for the used actions (also extended with what the minimal policy mentions) and
//! the neighbourhood of the logged and fresh requests.

use std::collections::{BTreeMap, BTreeSet};

use crate::audit::findings::{FindingsInput, GroupView, witness};
use crate::audit::model::Witness;
use crate::audit::space;
use crate::catalog::Catalog;
use crate::compile::CompiledSet;
use crate::eval::{Decision, Layer};
use crate::policy::{Effect, Policy};
use crate::request::prepared::PreparedContext;
use crate::request::{Context, ContextValue, PreparedRequest, Request};

/// Witnesses kept per list (denied logged requests, counterexamples, missed fresh names).
pub(super) const SAMPLES: usize = 5;

/// What one check of a minimal policy found.
#[derive(Default)]
pub(super) struct Check {
    /// Logged requests the minimal policy allows.
    pub(super) logged_minimal: u64,
    /// Logged requests the current policies allow and the minimal one does not.
    pub(super) missed: u64,
    /// Fresh-name requests the minimal policy allows.
    pub(super) fresh_minimal: u64,
    /// Fresh-name requests the current policies allow and the minimal one does not.
    pub(super) fresh_missed: u64,
    /// The first few of those.
    pub(super) fresh_denied: Vec<Witness>,
    /// Requests checked.
    pub(super) checked: u64,
    /// Requests the minimal policy allows and the current policies deny.
    pub(super) counterexamples: u64,
    /// The first few of those.
    pub(super) samples: Vec<Witness>,
    /// Statement index → lowercase actions of the counterexamples it allows.
    pub(super) bad: BTreeMap<usize, BTreeSet<String>>,
}

/// The decision of `compiled` on `r` for the principal whose keys are `ctx`.
pub(super) fn decide(
    compiled: &CompiledSet<'_>,
    r: &Request,
    ctx: &PreparedContext,
    catalog: &Catalog,
) -> Decision {
    compiled
        .evaluate_as(&PreparedRequest::new(r, catalog), ctx)
        .decision
}

/// Requests with the current policies' decisions where known.
pub(super) struct Checked<'r> {
    /// The requests.
    pub(super) requests: &'r [&'r Request],
    /// Whether the current policies allow each.
    pub(super) current: &'r [bool],
}

/// Checks a compiled minimal set against the current one over the logged requests, the fresh
/// ones and `space`.
pub(super) fn check(
    group: &GroupView<'_, '_>,
    minimal: &CompiledSet<'_>,
    logged: &Checked<'_>,
    fresh: &Checked<'_>,
    space: &[Request],
    catalog: &Catalog,
) -> Check {
    let mut c = Check::default();
    let visit = |r: &Request, current: Option<bool>, c: &mut Check| -> (bool, bool) {
        c.checked += 1;
        let min = decide(minimal, r, group.context, catalog) == Decision::Allowed;
        let cur = current.unwrap_or_else(|| {
            decide(group.compiled, r, group.context, catalog) == Decision::Allowed
        });
        if min && !cur {
            c.counterexamples += 1;
            let ex = minimal.explain_as(&PreparedRequest::new(r, catalog), group.context);
            for m in ex
                .matched
                .iter()
                .filter(|m| m.effect == Effect::Allow && m.layer == Layer::Identity)
            {
                c.bad
                    .entry(m.statement as usize)
                    .or_default()
                    .insert(r.action_lower().to_owned());
            }
            if c.samples.len() < SAMPLES {
                let current = decide(group.compiled, r, group.context, catalog);
                c.samples.push(witness(
                    r,
                    &format!("Allowed by the minimal policy, {current:?} by the current policies"),
                ));
            }
        }
        (min, cur)
    };
    for (r, &cur) in logged.requests.iter().zip(logged.current) {
        let (min, _) = visit(r, Some(cur), &mut c);
        c.logged_minimal += u64::from(min);
        c.missed += u64::from(cur && !min);
    }
    for (r, &cur) in fresh.requests.iter().zip(fresh.current) {
        let (min, _) = visit(r, Some(cur), &mut c);
        c.fresh_minimal += u64::from(min);
        if cur && !min {
            c.fresh_missed += 1;
            if c.fresh_denied.len() < SAMPLES {
                let d = decide(minimal, r, group.context, catalog);
                c.fresh_denied.push(witness(
                    r,
                    &format!("{d:?} by the minimal policy, Allowed by the current policies"),
                ));
            }
        }
    }
    for r in space {
        visit(r, None, &mut c);
    }
    c
}

/// The requests of `actions` in the audit's space (the whole of each action), and in that space
/// extended with what `policy` mentions and names (and `extra_arns` per action). The extended
/// one is generated here: its mentions are the minimal policy's, which no account policy has
/// (DESIGN.md, "One space per account, one cap").
pub(super) fn space_for(
    input: &FindingsInput<'_, '_>,
    policy: &Policy,
    actions: &BTreeSet<String>,
    extra_arns: &BTreeMap<String, Vec<String>>,
) -> Vec<Request> {
    let targets: Vec<String> = input.account.roles.iter().map(|r| r.arn.clone()).collect();
    let mut extended = input.mentions.clone();
    extended.add_policy(policy);
    let mut out = Vec::new();
    for a in actions {
        let Some(aid) = input.catalog.action_id(a) else {
            continue;
        };
        if let Some(reqs) = input.space.requests(aid) {
            out.extend(reqs.requests);
        }
        let mut more = targets.clone();
        more.extend(extra_arns.get(a).into_iter().flatten().cloned());
        if let Some(reqs) = space::generate_action(
            input.catalog,
            aid,
            &input.account.id,
            input.generator,
            &extended,
            &more,
        ) {
            out.extend(reqs.requests);
        }
    }
    out
}

/// `context` with `key` (lowercase) replaced by `value` (`None`: removed).
fn with_key(context: &Context, key: &str, spelled: &str, value: Option<ContextValue>) -> Context {
    let mut out = Context::new();
    for e in context.entries().iter().filter(|e| e.key_lower != key) {
        let v = e.value();
        let _ = out.insert(&e.key, v);
    }
    if let Some(v) = value {
        let _ = out.insert(spelled, v);
    }
    out
}

/// A request's values for the keys the identity policies read.
type Projection = Vec<(String, Vec<String>)>;

/// The neighbourhood of `requests`: each one with one key the identity policies read removed
/// or set to another value (the policies' values, a value none of them has, and for
/// multivalued keys the empty set and the logged set plus another value). The generated space
/// spreads its variants over every resource of an action; this checks the logged resources'
/// contexts closely.
pub(super) fn neighbours(
    requests: &[&Request],
    read: &BTreeMap<String, String>,
    mentions: &space::Mentions,
    catalog: &Catalog,
) -> Vec<Request> {
    let mut out = Vec::new();
    // Only the action, the resource and the keys the identity policies read can separate the
    // two sets, so requests alike in those have the same neighbourhood.
    let mut seen: BTreeSet<(String, String, Projection)> = BTreeSet::new();
    for r in requests {
        let projection = read
            .keys()
            .filter_map(|k| r.context.get(k).map(|e| (k.clone(), e.values.clone())))
            .collect();
        if !seen.insert((r.action_lower().to_owned(), r.resource.clone(), projection)) {
            continue;
        }
        let Some(action) = catalog.action(r.action()) else {
            continue;
        };
        let rt = catalog.resource_type_for(action, &r.resource);
        for (lower, spelled) in read {
            let entry = r.context.get(lower);
            if entry.is_none() && !crate::request::sent::key_applies(catalog, action, rt, lower) {
                continue;
            }
            let spelled = entry.map_or(spelled.as_str(), |e| e.key.as_str());
            let mut values: BTreeSet<String> = mentions
                .keys
                .get(lower)
                .map(|m| {
                    m.values
                        .iter()
                        .filter(|v| !v.contains("${"))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            values.insert("iamc-other".to_owned());
            values.insert("true".to_owned());
            values.insert("false".to_owned());
            let multi = entry.is_some_and(|e| e.is_list) || catalog.is_multivalued(lower);
            let mut options: Vec<Option<ContextValue>> = vec![None];
            if multi {
                options.push(Some(ContextValue::Multi(Vec::new())));
                let mut wider: Vec<String> = entry.map(|e| e.values.clone()).unwrap_or_default();
                wider.push("iamc-other".to_owned());
                options.push(Some(ContextValue::Multi(wider)));
                options.extend(
                    values
                        .into_iter()
                        .map(|v| Some(ContextValue::Multi(vec![v]))),
                );
            } else {
                options.extend(values.into_iter().map(|v| Some(ContextValue::Single(v))));
            }
            for value in options {
                let mut n = (*r).clone();
                n.context = with_key(&r.context, lower, spelled, value);
                if n.context != r.context {
                    out.push(n);
                }
            }
        }
    }
    out
}
