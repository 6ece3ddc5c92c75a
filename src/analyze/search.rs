//! Satisfiability of a conjunction of clauses, each a disjunction of terms, each a conjunction of
//! literals on atoms: a DPLL-style search that picks the open clause with the fewest viable
//! terms, commits to one term at a time, and checks every solver variable a term touches with
//! its exact procedure (cached), backtracking on conflict.
//!
//! At a leaf every variable has a value; the witness request built from them is evaluated
//! concretely against the clauses. Where the search relaxed something (an opaque atom, a
//! variable its procedure could not decide), a witness that fails the concrete check only makes
//! the answer unknown; where nothing was relaxed, it is a bug and an error.
//!
//! INVARIANT (budget): every node and every automaton state explored is charged to one budget;
//! when it is spent the answer is [`Found::Unknown`], never a guess.

use std::collections::BTreeMap;

use super::domain::ValueType;
use super::err::AnalyzeError;
use super::formula::{AtomKind, Concrete};
pub(crate) use super::witness::Env;
use super::witness::build_request;
use super::world::{AtomModel, Lit, Verdict, WorldCtx};
use super::world::{RESOURCE_ACCOUNT, applies};
use crate::eval::{Context, ContextValue, Request};
use crate::request::sent::{ALWAYS_PRESENT, is_principal_key};

/// A disjunction of terms (conjunctions of literals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clause(pub(crate) Vec<Vec<Lit>>);

/// What a search found.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    /// A request of the world that satisfies every clause, checked concretely.
    Witness(Box<Request>),
    /// None exists.
    Unsat,
    /// Not decided.
    Unknown,
}

/// Clauses after constants are folded; `None` when some clause can no longer hold.
fn fold(ctx: &WorldCtx<'_>, clauses: &[Clause]) -> Option<Vec<Vec<Vec<Lit>>>> {
    let mut out = Vec::with_capacity(clauses.len());
    'clauses: for c in clauses {
        let mut terms: Vec<Vec<Lit>> = Vec::with_capacity(c.0.len());
        for t in &c.0 {
            let mut lits: Vec<Lit> = Vec::with_capacity(t.len());
            let mut dead = false;
            for &(a, p) in t {
                match ctx.atoms.get(a as usize) {
                    Some(AtomModel::Const(v)) => {
                        if *v != p {
                            dead = true;
                            break;
                        }
                    }
                    Some(_) => lits.push((a, p)),
                    None => dead = true,
                }
            }
            if dead {
                continue;
            }
            lits.sort_unstable();
            lits.dedup();
            if lits.windows(2).any(|w| matches!(w, [x, y] if x.0 == y.0)) {
                continue;
            }
            if lits.is_empty() {
                continue 'clauses;
            }
            if !terms.contains(&lits) {
                terms.push(lits);
            }
        }
        if terms.is_empty() {
            return None;
        }
        out.push(terms);
    }
    Some(out)
}

struct Search<'s, 'c> {
    ctx: &'s mut WorldCtx<'c>,
    env: &'s Env<'s>,
    original: &'s [Clause],
    clauses: Vec<Vec<Vec<Lit>>>,
    /// Literals per solver variable (`u32::MAX` for opaque atoms), sorted.
    assign: BTreeMap<u32, Vec<Lit>>,
    budget: &'s mut u64,
    unknown: bool,
    realistic: bool,
}

/// Searches `ctx`'s world for a request satisfying every clause.
/// With `realistic`, witness values are the realistic ones (the audited region first); without,
/// any value the procedures found (cheaper, for answers whose witness is not shown).
pub(crate) fn search(
    ctx: &mut WorldCtx<'_>,
    env: &Env<'_>,
    clauses: &[Clause],
    realistic: bool,
    budget: &mut u64,
) -> Result<Found, AnalyzeError> {
    let Some(folded) = fold(ctx, clauses) else {
        return Ok(Found::Unsat);
    };
    let open: Vec<usize> = (0..folded.len()).collect();
    let mut s = Search {
        ctx,
        env,
        original: clauses,
        clauses: folded,
        assign: BTreeMap::new(),
        budget,
        unknown: false,
        realistic,
    };
    let found = s.dfs(&open)?;
    Ok(match found {
        Found::Unsat if s.unknown => Found::Unknown,
        other => other,
    })
}

const OPAQUE: u32 = u32::MAX;

impl Search<'_, '_> {
    fn slot(&self, atom: u32) -> u32 {
        self.ctx.svar_of(atom).unwrap_or(OPAQUE)
    }

    fn holds_already(&self, lits: &[Lit]) -> bool {
        lits.iter().all(|l| {
            self.assign
                .get(&self.slot(l.0))
                .is_some_and(|v| v.binary_search(l).is_ok())
        })
    }

    /// The assignment with `term` added, per touched variable; `None` on a conflict.
    fn extend(&mut self, term: &[Lit]) -> Option<Vec<(u32, Vec<Lit>)>> {
        let mut touched: BTreeMap<u32, Vec<Lit>> = BTreeMap::new();
        for &l in term {
            let s = self.slot(l.0);
            touched
                .entry(s)
                .or_insert_with(|| self.assign.get(&s).cloned().unwrap_or_default())
                .push(l);
        }
        let mut out = Vec::with_capacity(touched.len());
        for (s, mut lits) in touched {
            lits.sort_unstable();
            lits.dedup();
            if lits.windows(2).any(|w| matches!(w, [x, y] if x.0 == y.0)) {
                return None;
            }
            if s != OPAQUE {
                match self.ctx.check(s, &lits, self.budget) {
                    Verdict::Unsat => return None,
                    Verdict::Unknown => {}
                    Verdict::Sat(_) => {}
                }
            }
            out.push((s, lits));
        }
        Some(out)
    }

    fn dfs(&mut self, open: &[usize]) -> Result<Found, AnalyzeError> {
        if *self.budget == 0 {
            self.unknown = true;
            return Ok(Found::Unknown);
        }
        *self.budget -= 1;
        // The open clause with the fewest viable terms.
        let mut best: Option<(usize, Vec<usize>)> = None;
        let mut still_open: Vec<usize> = Vec::with_capacity(open.len());
        for &ci in open {
            let Some(terms) = self.clauses.get(ci).cloned() else {
                continue;
            };
            if terms.iter().any(|t| self.holds_already(t)) {
                continue;
            }
            still_open.push(ci);
            let mut viable = Vec::new();
            for (ti, t) in terms.iter().enumerate() {
                if self.extend(t).is_some() {
                    viable.push(ti);
                }
                if best.as_ref().is_some_and(|(_, b)| viable.len() >= b.len()) {
                    break;
                }
            }
            if viable.is_empty() {
                return Ok(Found::Unsat);
            }
            if best.as_ref().is_none_or(|(_, b)| viable.len() < b.len()) {
                best = Some((ci, viable));
            }
        }
        let Some((ci, viable)) = best else {
            return self.leaf();
        };
        let rest: Vec<usize> = still_open.into_iter().filter(|c| *c != ci).collect();
        let mut unknown = false;
        for ti in viable {
            let Some(term) = self.clauses.get(ci).and_then(|c| c.get(ti)).cloned() else {
                continue;
            };
            let Some(changes) = self.extend(&term) else {
                continue;
            };
            let saved: Vec<(u32, Option<Vec<Lit>>)> = changes
                .iter()
                .map(|(s, _)| (*s, self.assign.get(s).cloned()))
                .collect();
            for (s, lits) in changes {
                self.assign.insert(s, lits);
            }
            let r = self.dfs(&rest)?;
            for (s, old) in saved {
                match old {
                    Some(v) => self.assign.insert(s, v),
                    None => self.assign.remove(&s),
                };
            }
            match r {
                Found::Witness(w) => return Ok(Found::Witness(w)),
                Found::Unknown => unknown = true,
                Found::Unsat => {}
            }
            if *self.budget == 0 {
                unknown = true;
                break;
            }
        }
        Ok(if unknown {
            Found::Unknown
        } else {
            Found::Unsat
        })
    }

    /// True when `request` satisfies every clause concretely and is modelled.
    fn holds(&self, request: &Request) -> Result<bool, AnalyzeError> {
        let f = self.env.formula;
        let conc = Concrete::new(f, request, self.env.principal, self.env.catalog)?;
        let holds = self.original.iter().all(|c| {
            c.0.iter()
                .any(|t| t.iter().all(|&(a, p)| conc.atom(f, a) == p))
        });
        Ok(holds && !conc.cross_account())
    }

    /// Variants of a relaxed witness for the request keys opaque atoms read.
    fn repairs(&self, request: &Request) -> Vec<Request> {
        let Some(opaque) = self.assign.get(&OPAQUE) else {
            return Vec::new();
        };
        let mut keys: Vec<String> = Vec::new();
        for (a, _) in opaque {
            if let Some(atom) = self.env.formula.atoms.get(*a as usize) {
                if let AtomKind::Condition(c) = &atom.kind {
                    keys.push(c.key.clone());
                }
                keys.extend(atom.kind.variable_keys());
            }
        }
        // Only keys the model lets vary freely, with text values (S-45, S-46).
        let catalog = self.env.catalog;
        keys.retain(|k| {
            let lower = k.to_lowercase();
            !is_principal_key(&lower)
                && !ALWAYS_PRESENT.contains(&lower.as_str())
                && lower != RESOURCE_ACCOUNT
                && applies(catalog, self.env.action, self.ctx.world.rt, &lower)
                && catalog
                    .key(&lower)
                    .is_none_or(|i| ValueType::of(i.ty) == ValueType::Text)
        });
        keys.sort_by_key(|k| k.to_lowercase());
        keys.dedup_by_key(|k| k.to_lowercase());
        if keys.is_empty() {
            return Vec::new();
        }
        let with = |assign: &dyn Fn(usize) -> Option<&'static str>| {
            let mut r = request.clone();
            let mut ctx = Context::new();
            for e in request.context.entries() {
                if keys.iter().any(|k| k.to_lowercase() == e.key_lower) {
                    continue;
                }
                let v = e.value();
                let _ = ctx.insert(&e.key, v);
            }
            for (i, k) in keys.iter().enumerate() {
                if let Some(v) = assign(i) {
                    let value = if self.env.catalog.is_multivalued(&k.to_lowercase()) {
                        ContextValue::Multi(vec![v.to_owned()])
                    } else {
                        ContextValue::Single(v.to_owned())
                    };
                    let _ = ctx.insert(k, value);
                }
            }
            r.context = ctx;
            r
        };
        vec![
            with(&|_| Some("iamc")),
            with(&|i| Some(if i == 0 { "iamc" } else { "iamc-other" })),
            with(&|i| (i == 0).then_some("iamc")),
            with(&|i| (i != 0).then_some("iamc")),
        ]
    }

    fn value(&mut self, s: u32, lits: &[Lit]) -> Verdict {
        if self.realistic {
            self.ctx.realize(s, lits, self.budget)
        } else {
            self.ctx.check(s, lits, self.budget)
        }
    }

    fn leaf(&mut self) -> Result<Found, AnalyzeError> {
        let mut relaxed = self.assign.contains_key(&OPAQUE);
        let n = self.ctx.svars.len();
        let mut values = Vec::with_capacity(n);
        for s in 0..n {
            let s = u32::try_from(s).unwrap_or(u32::MAX);
            let lits = self.assign.get(&s).cloned().unwrap_or_default();
            match self.value(s, &lits) {
                Verdict::Sat(v) => values.push(Some(v)),
                Verdict::Unknown => {
                    relaxed = true;
                    values.push(match self.value(s, &[]) {
                        Verdict::Sat(v) => Some(v),
                        _ => None,
                    });
                }
                Verdict::Unsat => return Ok(Found::Unsat),
            }
        }
        let request = build_request(self.ctx, &values, self.env)?;
        // A model of exact procedures satisfies its clauses by construction; checking it
        // concretely guards the procedures (always in debug builds and tests, and for every
        // witness that is shown, which the engine also confirms).
        if !relaxed && !self.realistic && !cfg!(debug_assertions) {
            return Ok(Found::Witness(Box::new(request)));
        }
        if self.holds(&request)? {
            return Ok(Found::Witness(Box::new(request)));
        }
        if relaxed {
            // Opaque atoms relate request keys: try giving the keys they read one shared value
            // (`StringEquals k ${v}` holds), or values apart (it fails); a variant that passes
            // the concrete check is a real witness.
            for variant in self.repairs(&request) {
                if self.holds(&variant)? {
                    return Ok(Found::Witness(Box::new(variant)));
                }
            }
            self.unknown = true;
            return Ok(Found::Unknown);
        }
        Err(AnalyzeError::Internal {
            action: self.env.formula.action.clone(),
            message: format!(
                "a witness from an exact model does not satisfy its clauses: resource `{}`, context {:?}",
                request.resource,
                request.context.entries()
            ),
        })
    }
}
