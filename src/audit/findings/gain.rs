//! What passing a role adds: a pass-role path escalates only when the passed role can do something
//! the principal cannot. A role in the principal's own evaluation group (the principal itself, or
//! a role with the same policies) adds nothing; nor does a role whose effective permissions are
//! contained in the principal's own (S-50).
//!
//! Containment is decided with the engine over the audit's request space: for every catalog
//! action, every request allowed for the role is allowed for the principal (where both are
//! `Conditional`: not contained when the role's exact allowed witness is denied for the
//! principal, contained when both formulas are the same (the coverage pass's classes of alike
//! cells), else compared request for request over the sampled requests), and every capability
//! probe outside the catalog (IAM writes, role assumption, data, secrets, compute) the role
//! holds, the principal holds. What a target role offers is worked out once per target, and a
//! principal's decision on each probe request once per principal.
//!
//! INVARIANT (decided by the engine): nothing here compares action names or statements; a role
//! that could not be evaluated (no coverage) is never contained.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{FindingsInput, GroupView};
use crate::audit::model::{ActionCoverage, Class, Severity};
use crate::audit::probe::{self, Capability};
use crate::catalog::AccessLevel;
use crate::eval::{Decision, PreparedRequest, Request};

/// What a passed role adds over the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Gain {
    /// The severity of the path: critical for an administrator-equivalent role, high when it
    /// adds a probe outside SageMaker (IAM writes, data, compute) or cannot be evaluated, medium
    /// when it adds SageMaker write, tagging or permissions-management actions (or only bucket
    /// listing), low when it adds SageMaker reads only.
    pub(crate) severity: Severity,
    /// How the role is rated, for messages.
    pub(crate) what: &'static str,
    /// What it adds (probe and catalog actions), in order.
    pub(crate) added: Vec<String>,
}

/// Probes outside the catalog that only list names.
const LISTING_PROBES: &[&str] = &["s3:ListBucket"];

/// The probe requests (action, request) of the account.
fn probe_requests(account: &str) -> Vec<(String, Request)> {
    crate::audit::graph::OTHER_PROBES
        .iter()
        .filter_map(|(action, resource)| {
            let resource = resource
                .replace("{account}", account)
                .replace("{region}", "us-east-1");
            let mut r = Request::new(action, &resource).ok()?;
            r.principal = Some(format!("arn:aws:sts::{account}:assumed-role/probe/probe"));
            Some(((*action).to_owned(), r))
        })
        .collect()
}

/// At most this many requests from the target's own statements.
const MAX_STATEMENT_REQUESTS: usize = 64;

/// Requests on what the target's identity statements name outside the catalog: each action
/// they name (or each probe action a wildcard covers) on each resource they name, wildcards
/// filled with `x` (a role that reads one bucket adds that bucket). Patterns with policy
/// variables are left out.
fn statement_requests(
    input: &FindingsInput<'_, '_>,
    target: &GroupView<'_, '_>,
    account: &str,
) -> Vec<(String, Request)> {
    use crate::policy::{ActionPattern, Effect, ResourcePattern};
    let mut out: Vec<(String, Request)> = Vec::new();
    for policy in &target.set.identity {
        for st in &policy.statements {
            if st.effect != Effect::Allow || st.action.negated {
                continue;
            }
            let Some(resources) = st.resource.as_ref().filter(|r| !r.negated) else {
                continue;
            };
            let mut actions: Vec<String> = Vec::new();
            for p in &st.action.patterns {
                match p {
                    ActionPattern::Service { name, .. } if !name.has_wildcard() => {
                        actions.push(p.to_string());
                    }
                    ActionPattern::Service { .. } | ActionPattern::Any => {
                        actions.extend(
                            crate::audit::graph::OTHER_PROBES
                                .iter()
                                .filter(|(a, _)| {
                                    a.split_once(':').is_some_and(|(svc, n)| {
                                        p.matches(svc, &n.to_ascii_lowercase())
                                    })
                                })
                                .map(|(a, _)| (*a).to_owned()),
                        );
                    }
                    ActionPattern::Never(_) => {}
                }
            }
            actions.retain(|a| input.catalog.action(a).is_none());
            for r in &resources.patterns {
                let ResourcePattern::Arn(t) = r else { continue };
                let text = t.to_string();
                if text.contains("${") {
                    continue;
                }
                let resource = text.replace(['*', '?'], "x");
                for a in &actions {
                    if out.len() >= MAX_STATEMENT_REQUESTS {
                        return out;
                    }
                    let Ok(mut q) = Request::new(a, &resource) else {
                        continue;
                    };
                    q.principal = Some(format!("arn:aws:sts::{account}:assumed-role/probe/probe"));
                    out.push((format!("{a} on {resource}"), q));
                }
            }
        }
    }
    out
}

/// What passing the role of one target group offers, whoever passes it: worked out once per
/// target (many principals may pass the same roles).
pub(crate) struct Offer {
    /// The role is administrator-equivalent.
    admin: bool,
    /// The probe requests outside the catalog the role is allowed (none for an administrator),
    /// each with its label and number ([`Offers`]): the graph's probes and the target's own
    /// statements' requests.
    allowed: Vec<(String, Request, u32)>,
}

/// What the account's targets offer, worked out once per target and shared by every principal.
#[derive(Default)]
pub(crate) struct Offers {
    /// Offers by target group index.
    by_target: Mutex<HashMap<usize, Arc<Offer>>>,
    /// Every probe request of an offer by (action, resource), numbered: a principal decides
    /// each once, whichever targets offer it.
    numbers: Mutex<HashMap<(String, String), u32>>,
    /// The targets' exact allowed witnesses by (target group, cell position): what
    /// [`super::formula::cell_witness`] gives for the cell.
    witnesses: Mutex<HashMap<(usize, usize), TargetWitness>>,
}

/// A target cell's witness, as [`super::formula::cell_witness`] gives it.
type TargetWitness = Option<Option<Arc<Request>>>;

/// One principal's decisions so far, on probe requests (by number) and on the targets'
/// witnesses (by the address of the cell's shared witness, alive as long as the coverage).
#[derive(Default)]
pub(crate) struct Decided {
    probes: HashMap<u32, bool>,
    witnesses: HashMap<usize, bool>,
}

/// The offer of `target`'s role, from the account's cache.
fn offer_of(input: &FindingsInput<'_, '_>, target: &GroupView<'_, '_>) -> Arc<Offer> {
    let offers = &input.cache.offers;
    memoised(&offers.by_target, target.index, || {
        let account = &input.account.id;
        let admin = probe::capability(
            target.compiled,
            target.context,
            account,
            &input.generator.region,
            input.catalog,
        ) == Capability::Admin;
        let mut allowed = Vec::new();
        if !admin {
            let mut probes = probe_requests(account);
            probes.extend(statement_requests(input, target, account));
            let mut p = crate::request::prepared::Preparer::new(input.catalog);
            let kept: Vec<(String, Request)> = probes
                .into_iter()
                .filter(|(_, r)| {
                    target
                        .compiled
                        .evaluate_as(&p.prepare(r), target.context)
                        .decision
                        == Decision::Allowed
                })
                .collect();
            // The table stays whole even if a thread panicked while holding it: every offer must
            // keep all its requests.
            let mut numbers = offers
                .numbers
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for (label, r) in kept {
                let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                let n = *numbers
                    .entry((r.action().to_owned(), r.resource.clone()))
                    .or_insert(next);
                allowed.push((label, r, n));
            }
        }
        Arc::new(Offer { admin, allowed })
    })
}

/// The exact allowed witness of the target's cell `k` (of `action`), worked out once per
/// target cell.
fn target_witness(
    input: &FindingsInput<'_, '_>,
    target: &GroupView<'_, '_>,
    k: usize,
    action: &str,
) -> TargetWitness {
    memoised(&input.cache.offers.witnesses, (target.index, k), || {
        super::formula::cell_witness(target, action, input.catalog).map(|o| o.map(Arc::new))
    })
}

/// The value of `key` in the account-wide `memo`, computed by `compute` (outside the lock) when
/// it is not there yet; a value another thread stored first wins, so every caller sees one.
fn memoised<K: std::hash::Hash + Eq, V: Clone>(
    memo: &Mutex<HashMap<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(v) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return v;
    }
    let v = compute();
    match memo.lock() {
        Ok(mut m) => m.entry(key).or_insert(v).clone(),
        Err(_) => v,
    }
}

/// What passing the role of group `target` adds for `group`; `None` when it adds nothing.
/// `decided` holds `group`'s decisions on probe requests so far.
pub(crate) fn gain(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    target: Option<&GroupView<'_, '_>>,
    decided: &mut Decided,
) -> Option<Gain> {
    let Some(target) = target else {
        return Some(Gain {
            severity: Severity::High,
            what: "not evaluated (its policies have errors)",
            added: Vec::new(),
        });
    };
    if target.index == group.index {
        return None;
    }
    let offer = offer_of(input, target);
    if offer.admin {
        return Some(Gain {
            severity: Severity::Critical,
            what: "administrator-equivalent",
            added: Vec::new(),
        });
    }
    if target.coverage.is_empty() || target.coverage.len() != group.coverage.len() {
        return Some(Gain {
            severity: Severity::High,
            what: "not evaluated",
            added: Vec::new(),
        });
    }
    // Probes the target is allowed and the principal is not.
    let mut added: Vec<String> = Vec::new();
    for (label, r, n) in &offer.allowed {
        let ours = *decided.probes.entry(*n).or_insert_with(|| {
            group
                .compiled
                .evaluate_as(&PreparedRequest::new(r, input.catalog), group.context)
                .decision
                == Decision::Allowed
        });
        if !ours {
            added.push(label.clone());
        }
    }
    // Listing bucket names alone is no privilege: it rates like a SageMaker write.
    let outside = added.iter().any(|a| {
        let action = a.split(' ').next().unwrap_or(a);
        !LISTING_PROBES
            .iter()
            .any(|l| l.eq_ignore_ascii_case(action))
    });
    let mut writes = !added.is_empty();
    let alike = target.alike.iter().zip(group.alike).map(|(t, o)| t == o);
    for (k, ((t, o), alike)) in target
        .coverage
        .iter()
        .zip(group.coverage)
        .zip(alike)
        .enumerate()
    {
        let cells = Cells {
            target,
            t,
            o,
            k,
            alike,
        };
        if !cell_contained(input, group, &cells, decided) {
            writes |= matches!(
                t.access_level,
                AccessLevel::Write | AccessLevel::PermissionsManagement | AccessLevel::Tagging
            );
            added.push(t.action.clone());
        }
    }
    if added.is_empty() {
        return None;
    }
    let (severity, what) = if outside {
        (Severity::High, "privileged (IAM write or data access)")
    } else if writes {
        (Severity::Medium, "adds SageMaker write access")
    } else {
        (Severity::Low, "adds SageMaker read access")
    };
    Some(Gain {
        severity,
        what,
        added,
    })
}

/// One cell of a target and the principal's cell of the same action.
struct Cells<'c, 'g, 'a> {
    target: &'c GroupView<'g, 'a>,
    /// The target's cell.
    t: &'c ActionCoverage,
    /// The principal's cell.
    o: &'c ActionCoverage,
    /// Their position in the coverage.
    k: usize,
    /// The coverage pass found their formulas the same.
    alike: bool,
}

/// Whether every request of the cell allowed for the target is allowed for the principal.
fn cell_contained(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cells: &Cells<'_, '_, '_>,
    decided: &mut Decided,
) -> bool {
    let Cells {
        target,
        t,
        o,
        k,
        alike,
    } = *cells;
    match (t.class, o.class) {
        (Class::Never, _) | (_, Class::Always) => true,
        (Class::Conditional, Class::Conditional) => {
            // The target's exact allowed witness (S-55), denied for the principal, is a request
            // only the target may make: not contained, with no scan.
            if let Some(Some(w)) = target_witness(input, target, k, &t.action) {
                // Keyed by the cell's shared witness (targets often have the same one).
                let key = t
                    .allowed_witness
                    .as_ref()
                    .map_or(Arc::as_ptr(&w) as usize, |x| Arc::as_ptr(x) as usize);
                let allowed = *decided
                    .witnesses
                    .entry(key)
                    .or_insert_with(|| super::formula::allows(group, &w, input.catalog));
                if !allowed {
                    return false;
                }
            }
            // The same formula (atoms gate by gate, and the principal values they read) allows
            // the same requests.
            if !t.approximate && !o.approximate && alike {
                return true;
            }
            let Some(reqs) = input.requests(&t.action) else {
                return false;
            };
            // Every own-account request the target may make, the principal may make too.
            let theirs = allowed_bits(input, target, k, &reqs);
            let ours = allowed_bits(input, group, k, &reqs);
            theirs.iter().zip(ours.iter()).all(|(t, o)| t & !o == 0)
        }
        _ => false,
    }
}

/// Which of the own-account requests in `reqs` (the detectors' requests of the action of cell
/// `k`) `g` may make, as a bitset by request index; decided once per action for each group
/// whose evaluation the coverage pass did not share (a group is compared with many targets,
/// and a target with many groups), by the group whose evaluation it shares.
fn allowed_bits(
    input: &FindingsInput<'_, '_>,
    g: &GroupView<'_, '_>,
    k: usize,
    reqs: &crate::audit::space::Sample,
) -> Arc<Vec<u64>> {
    let by = g.evaluated_by.get(k).map_or(g.index, |b| *b as usize);
    memoised(&input.cache.allowed, (by, reqs.action_id()), || {
        let mut p = crate::request::prepared::Preparer::new(input.catalog);
        let mut bits = vec![0u64; reqs.requests().len().div_ceil(64)];
        for (i, (r, own)) in reqs.iter().enumerate() {
            if own
                && g.compiled.evaluate_as(&p.prepare(r), g.context).decision == Decision::Allowed
                && let Some(word) = bits.get_mut(i / 64)
            {
                *word |= 1 << (i % 64);
            }
        }
        Arc::new(bits)
    })
}
