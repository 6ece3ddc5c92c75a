//! The exact analysis in the coverage pass: per group × action, [`Analyzer::analyze`] decides the
//! cell's class over every request AWS can send; the sampled class stays only where the
//! analysis is not exact (the cell is then `approximate`).
//!
//! Groups whose formulas for an action are the same (the same statements' resource clauses and
//! conditions, gate by gate, in order) and whose principals have the same values for the keys
//! those read get the same analysis: it is computed once per action for each distinct formula,
//! and its witnesses are confirmed by each group's own compiled set. Groups that share an
//! evaluation ([`super::share`]: the same statements for the action, the same principal values)
//! have the same formula and the same engine decisions, so only the first of them is keyed,
//! filled and confirmed; the others take its refinement.
//!
//! INVARIANT (samples on the formula's side): every cell is cross-checked against the sampled
//! requests the engine decided. A sample the formula decides differently from the engine, or a
//! sample of the modelled request space that contradicts a proved `Never` or `Always`, is an
//! error reported in the audit's errors, never hidden. A sample outside the request model (a key
//! the catalog does not list for the action, a value of the wrong type) that contradicts a proof
//! is no error (S-54): the cell keeps its sampled class and is `approximate`, with the reason.
//! So is a proved `Never` or `Always` whose formula reads a resource variable the request space
//! sends but the model does not (the same for every `--variants`).

use std::collections::HashMap;
use std::time::Instant;

use rayon::prelude::*;

use super::Agg;
use crate::analyze::formula::AtomKind;
use crate::analyze::{Analysis, Analyzer, Formula};
use crate::audit::group::Group;
use crate::audit::model::witness;
use crate::audit::model::{ActionCoverage, CellCondition, Class};
use crate::audit::space::ActionRequests;
use crate::catalog::Catalog;
use crate::eval::{Context, Layer, PreparedRequest, Request};

/// What refining one cell produced.
pub(crate) struct Refined {
    /// The cell was decided exactly.
    pub(crate) exact: bool,
    /// A disagreement or analysis failure, for the audit's errors.
    pub(crate) error: Option<String>,
    /// Time spent in the analysis, seconds (a shared analysis counts for its first group).
    pub(crate) seconds: f64,
}

/// What makes two groups' analyses of one action the same: the formula's atoms, term by term
/// and gate by gate, and the principal's values of the keys they read.
/// One gate's allow and deny terms, each the atoms of one statement.
type GateAtoms = (Layer, Vec<Vec<AtomKind>>, Vec<Vec<AtomKind>>);

#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key {
    gates: Vec<GateAtoms>,
    principal: Vec<(String, Vec<String>, bool)>,
}

pub(crate) fn key_of(f: &Formula, principal: &Context) -> Key {
    let terms = |ts: &[crate::analyze::formula::Term]| -> Vec<Vec<AtomKind>> {
        ts.iter()
            .map(|t| {
                t.atoms
                    .iter()
                    .filter_map(|a| f.atoms.get(*a as usize).map(|x| x.kind.clone()))
                    .collect()
            })
            .collect()
    };
    let gates = f
        .gates
        .iter()
        .map(|g| (g.layer, terms(&g.allows), terms(&g.denies)))
        .collect();
    let mut read: Vec<String> = Vec::new();
    for a in &f.atoms {
        if let AtomKind::Condition(c) = &a.kind {
            read.push(c.key_lower.clone());
        }
        read.extend(a.kind.variable_keys());
    }
    read.sort();
    read.dedup();
    let principal = read
        .into_iter()
        .filter_map(|k| {
            let e = principal.get(&k)?;
            Some((k, e.values.clone(), e.is_list))
        })
        .collect();
    Key { gates, principal }
}

/// `request` as a short text for error messages.
fn describe(r: &Request) -> String {
    let ctx: Vec<String> = r
        .context
        .entries()
        .iter()
        .map(|e| format!("{}={}", e.key, e.values.join("|")))
        .collect();
    format!(
        "resource `{}` with context {{{}}}",
        r.resource,
        ctx.join(", ")
    )
}

/// How the samples of a cell stand against its analysis.
enum Samples {
    /// Consistent.
    Agree,
    /// A proof contradicted by a request outside the model: sampled class, approximate.
    OutsideModel(String),
}

/// What one cell is filled and checked from: the analysis of the group's formula, and the
/// requests the audit sampled for the action.
struct Evidence<'x> {
    analyzer: &'x Analyzer<'x>,
    a: &'x Analysis,
    g: &'x Group<'x>,
    reqs: &'x ActionRequests,
    agg: &'x Agg,
    catalog: &'x Catalog,
    /// The formula decides each sample too (else only proved classes are checked).
    per_sample: bool,
}

/// Checks the sampled requests of a cell against the analysis: the formula decides each sample
/// as the engine did (when `per_sample`), and no sample of the model contradicts a proved class.
fn check_samples(ev: &Evidence<'_>) -> Result<Samples, String> {
    let says = |b: bool| if b { "allowed" } else { "denied" };
    let samples = ev
        .agg
        .allowed_samples
        .iter()
        .map(|i| (i, true))
        .chain(ev.agg.denied_samples.iter().map(|i| (i, false)))
        .filter(|_| ev.per_sample);
    for (i, engine_allows) in samples {
        let Some(r) = ev.reqs.requests.get(*i) else {
            continue;
        };
        let formula_allows =
            ev.a.formula
                .admits(r, &ev.g.principal, ev.catalog)
                .map_err(|e| e.to_string())?;
        if formula_allows != engine_allows {
            return Err(format!(
                "formula and engine disagree on a sampled request of `{}`: the formula says {}, \
                 the engine says {}, for {}",
                ev.reqs.action,
                says(formula_allows),
                says(engine_allows),
                describe(r)
            ));
        }
    }
    let contradicting: &[usize] = match ev.a.class {
        Class::Never if ev.a.exact && ev.agg.allowed > 0 => &ev.agg.allowed_samples,
        Class::Always if ev.a.exact && ev.agg.allowed < ev.agg.total => &ev.agg.denied_samples,
        _ => return Ok(Samples::Agree),
    };
    let proved = if ev.a.class == Class::Never {
        "never"
    } else {
        "always"
    };
    let mut outside = None;
    for r in contradicting
        .iter()
        .filter_map(|i| ev.reqs.requests.get(*i))
    {
        let mut asked = r.clone();
        asked.principal = Some(ev.analyzer.config().principal_arn.clone());
        match ev.analyzer.model_request(&asked) {
            Some(m) => {
                let formula_allows =
                    ev.a.formula
                        .admits(&m, &ev.g.principal, ev.catalog)
                        .map_err(|e| e.to_string())?;
                return Err(format!(
                    "the exact analysis proves `{}` is {proved} allowed, but the modelled request \
                     {} is {} by the formula (sampled as {})",
                    ev.reqs.action,
                    describe(&m),
                    says(formula_allows),
                    describe(r)
                ));
            }
            None => {
                outside.get_or_insert_with(|| describe(r));
            }
        }
    }
    Ok(match outside {
        Some(shown) => Samples::OutsideModel(format!(
            "the exact analysis proves `{}` {proved} allowed over the modelled requests, but \
             sampled requests outside the model decide otherwise, such as {shown}",
            ev.reqs.action
        )),
        None => Samples::Agree,
    })
}

/// A key the audit's request space sends for the action but the request model does not (S-54):
/// a variable of the action's own service in a `Resource` element that the catalog does not list
/// for the action (`${sagemaker:DomainId}` in `AmazonSageMakerFullAccess`'s `CreateSpace`
/// statements), which the space generator sends anyway.
fn unmodelled_variable(f: &Formula, catalog: &Catalog) -> Option<String> {
    let info = catalog.action(f.action())?;
    let service = info.service.to_ascii_lowercase();
    f.atoms.iter().find_map(|a| match &a.kind {
        AtomKind::Resource(_) => a.kind.variable_keys().into_iter().find(|k| {
            k.split(':').next() == Some(service.as_str()) && !catalog.action_supports_key(info, k)
        }),
        AtomKind::Condition(_) => None,
    })
}

/// The engine's decision on a witness, as reports spell it; an error when it is not `expect`.
fn confirm(g: &Group<'_>, w: &Request, expect: bool, catalog: &Catalog) -> Result<String, String> {
    let d = g
        .compiled
        .evaluate_as(&PreparedRequest::new(w, catalog), &g.context)
        .decision;
    if d.is_allowed() == expect {
        Ok(d.to_string())
    } else {
        Err(format!(
            "witness disagreement for `{}`: the exact analysis says {}, the engine says {d} \
             for {}",
            w.action(),
            if expect { "allowed" } else { "denied" },
            describe(w)
        ))
    }
}

/// Fills one cell from its analysis.
fn fill(ev: &Evidence<'_>, cell: &mut ActionCoverage) -> Result<bool, String> {
    let allowed_witness = match &ev.a.allowed_witness {
        Some(w) => Some(witness(w, &confirm(ev.g, w, true, ev.catalog)?)),
        None => None,
    };
    let denied_witness = match &ev.a.denied_witness {
        Some(w) => Some(witness(w, &confirm(ev.g, w, false, ev.catalog)?)),
        None => None,
    };
    let unmodelled = if ev.a.exact && ev.a.class != Class::Conditional {
        unmodelled_variable(&ev.a.formula, ev.catalog)
    } else {
        None
    };
    let exact = match check_samples(ev)? {
        Samples::Agree if ev.a.exact && unmodelled.is_none() => true,
        Samples::Agree if ev.a.exact => {
            cell.approximate_reason = unmodelled.map(|k| {
                format!(
                    "a policy variable reads `{k}`, which the catalog does not list for `{}`: \
                     the audit's requests carry it, the request model does not (S-54)",
                    ev.reqs.action
                )
            });
            false
        }
        Samples::Agree => {
            cell.approximate_reason = ev.a.approximate.first().cloned();
            false
        }
        Samples::OutsideModel(reason) => {
            cell.approximate_reason = Some(reason);
            false
        }
    };
    if exact {
        cell.class = ev.a.class;
        cell.approximate = false;
    }
    if cell.class == Class::Conditional {
        cell.condition = Some(CellCondition {
            text: ev.a.condition.all.text.clone(),
            guardrails: ev.a.condition.guardrails.text.clone(),
            own: ev.a.condition.own.text.clone(),
            within_guardrails: exact && ev.a.always_within_guardrails(),
        });
    }
    if cell.class != Class::Never {
        cell.allowed_witness = allowed_witness.map(std::sync::Arc::new);
    }
    if cell.class != Class::Always {
        cell.denied_witness = denied_witness.map(std::sync::Arc::new);
    }
    Ok(exact)
}

/// Refines every group's cell of one action (`cells[i]` for `groups[i]`, sampled by `aggs[i]`):
/// one analysis per distinct formula, then each cell filled and checked in parallel.
///
/// `share[i]` is the group whose evaluation group `i` shares ([`super::share`]): the same
/// statements for the action and principal values, so the same formula and the same engine
/// decisions. Only those first groups are keyed and filled; the others take their refinement.
/// Also returns, per group, the first group with its formula (its class of alike cells).
pub(crate) fn refine_action(
    analyzer: &Analyzer<'_>,
    groups: &[&Group<'_>],
    share: &[usize],
    reqs: &ActionRequests,
    aggs: &[Agg],
    cells: &mut [ActionCoverage],
    catalog: &Catalog,
) -> (Vec<Refined>, Vec<usize>) {
    let started = Instant::now();
    let shares = |i: usize| share.get(i).is_some_and(|s| *s != i);
    let keys: Vec<Option<Key>> = groups
        .par_iter()
        .enumerate()
        .map(|(i, g)| {
            if shares(i) {
                return None;
            }
            let f = analyzer.formula(&g.set, &reqs.action).ok()?;
            Some(key_of(&f, &g.principal))
        })
        .collect();
    // The first group of each distinct key analyses it, in group order (a group that shares
    // another's evaluation comes after it, with its key).
    let mut first: HashMap<&Key, usize> = HashMap::new();
    let mut rep: Vec<usize> = Vec::with_capacity(groups.len());
    for (i, k) in keys.iter().enumerate() {
        let r = match (share.get(i), k) {
            (Some(s), _) if *s != i => rep.get(*s).copied().unwrap_or(i),
            (_, Some(k)) => *first.entry(k).or_insert(i),
            _ => i,
        };
        rep.push(r);
    }
    let keying = started.elapsed().as_secs_f64();
    let leaders: Vec<usize> = (0..groups.len())
        .filter(|i| rep.get(*i) == Some(i))
        .collect();
    let analysed: Vec<(Result<Analysis, String>, f64)> = leaders
        .par_iter()
        .map(|&i| {
            let t = Instant::now();
            let a = match groups.get(i) {
                Some(g) => analyzer
                    .analyze(&g.set, &g.principal, &reqs.action, &g.compiled)
                    .map_err(|e| format!("the exact analysis of `{}` failed: {e}", reqs.action)),
                None => Err("internal: no such group".to_owned()),
            };
            (a, t.elapsed().as_secs_f64())
        })
        .collect();
    let slot: HashMap<usize, usize> = leaders.iter().enumerate().map(|(s, &i)| (i, s)).collect();
    let mut refined: Vec<Refined> = cells
        .par_iter_mut()
        .enumerate()
        .map(|(i, cell)| {
            if shares(i) {
                // Taken from the group it shares with, below.
                return Refined {
                    exact: false,
                    error: None,
                    seconds: 0.0,
                };
            }
            let t = Instant::now();
            cell.approximate = true;
            let own = rep
                .get(i)
                .and_then(|r| slot.get(r))
                .and_then(|s| analysed.get(*s));
            let (Some(g), Some(agg), Some((analysis, spent))) = (groups.get(i), aggs.get(i), own)
            else {
                return Refined {
                    exact: false,
                    error: Some(format!("internal: no analysis for `{}`", reqs.action)),
                    seconds: 0.0,
                };
            };
            let leader = rep.get(i) == Some(&i);
            // Groups with the leader's formula whose samples the engine decided as the
            // leader's: the leader's per-sample check covers them.
            let same = rep
                .get(i)
                .and_then(|r| aggs.get(*r))
                .is_some_and(|l| l.same_samples(agg));
            let result = match analysis {
                Ok(a) => fill(
                    &Evidence {
                        analyzer,
                        a,
                        g,
                        reqs,
                        agg,
                        catalog,
                        per_sample: leader || !same,
                    },
                    cell,
                ),
                Err(e) => Err(e.clone()),
            };
            let mut seconds = t.elapsed().as_secs_f64();
            if leader {
                seconds += spent;
            }
            if i == 0 {
                seconds += keying;
            }
            match result {
                Ok(exact) => Refined {
                    exact,
                    error: None,
                    seconds,
                },
                Err(e) => {
                    cell.approximate = true;
                    Refined {
                        exact: false,
                        error: Some(e),
                        seconds,
                    }
                }
            }
        })
        .collect();
    for (i, s) in share.iter().enumerate().filter(|(i, s)| *s < i) {
        let (before, rest) = cells.split_at_mut(i);
        if let (Some(from), Some(to)) = (before.get(*s), rest.first_mut()) {
            take_refinement(from, to);
        }
        let taken = refined.get(*s).map(|r| Refined {
            exact: r.exact,
            error: r.error.clone(),
            seconds: 0.0,
        });
        if let (Some(r), Some(slot)) = (taken, refined.get_mut(i)) {
            *slot = r;
        }
    }
    (refined, rep)
}

/// Gives `to` what [`fill`] gave `from`: the class, exactness and condition, and the witnesses.
/// (The deciding keys and conditions of the sampled cell stay each group's own: they are
/// spelled from its own set.)
fn take_refinement(from: &ActionCoverage, to: &mut ActionCoverage) {
    to.class = from.class;
    to.approximate = from.approximate;
    to.approximate_reason.clone_from(&from.approximate_reason);
    to.condition.clone_from(&from.condition);
    to.allowed_witness.clone_from(&from.allowed_witness);
    to.denied_witness.clone_from(&from.denied_witness);
}
