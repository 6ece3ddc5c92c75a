//! One analysis run: the satisfiability problems of a formula (its part allows the request;
//! its part denies it), posed in every world, with the worlds' contexts built only when a
//! problem needs them.
//!
//! "Allowed" is one problem: every gate has an applying allow, and each deny has a failing
//! atom. "Denied" is a union of problems tried in turn: one deny applies, or one gate has no
//! applying allow. A part with a gate that has no allow at all is `Never` in every world
//! without a search; its denied witness comes from the first world.

use super::err::AnalyzeError;
use super::formula::{Formula, Gate};
use super::render::{self, Expr, PartCondition};
use super::search::{Clause, Env, Found, search};
use super::world::{AtomModel, Lit, World, WorldCtx, worlds};
use super::{Analyzer, Class, PartClass};
use crate::catalog::{ActionInfo, Catalog};
use crate::eval::{Context, Request};

/// Which gates a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    All,
    Own,
    Guardrails,
}

impl Part {
    pub(crate) fn keeps(self, g: &Gate) -> bool {
        match self {
            Part::All => true,
            Part::Own => !g.is_guardrail(),
            Part::Guardrails => g.is_guardrail(),
        }
    }
}

/// `¬a₁ ∨ ¬a₂ ∨ …`: a term fails.
pub(crate) fn negations(atoms: &[u32]) -> Clause {
    Clause(atoms.iter().map(|&a| vec![(a, false)]).collect())
}

/// `a₁ ∧ a₂ ∧ …`: a term holds.
pub(crate) fn conj(atoms: &[u32]) -> Vec<Lit> {
    atoms.iter().map(|&a| (a, true)).collect()
}

/// Clauses for "the part allows the request".
pub(crate) fn allowed_clauses(f: &Formula, part: Part) -> Vec<Clause> {
    let mut out = Vec::new();
    for g in f.gates.iter().filter(|g| part.keeps(g)) {
        out.push(Clause(g.allows.iter().map(|t| conj(&t.atoms)).collect()));
        out.extend(g.denies.iter().map(|t| negations(&t.atoms)));
    }
    out
}

/// Problems whose union is "the part denies the request".
fn denied_problems(f: &Formula, part: Part) -> Vec<Vec<Clause>> {
    let mut out = Vec::new();
    for g in f.gates.iter().filter(|g| part.keeps(g)) {
        out.extend(g.denies.iter().map(|t| vec![Clause(vec![conj(&t.atoms)])]));
    }
    for g in f.gates.iter().filter(|g| part.keeps(g)) {
        out.push(g.allows.iter().map(|t| negations(&t.atoms)).collect());
    }
    out
}

/// Three-valued satisfiability.
#[derive(Debug, Clone)]
pub(crate) enum Sat {
    Yes(Box<Request>),
    No,
    Unknown,
}

impl Sat {
    fn or(self, other: impl FnOnce() -> Result<Sat, AnalyzeError>) -> Result<Sat, AnalyzeError> {
        match self {
            Sat::Yes(w) => Ok(Sat::Yes(w)),
            Sat::No => other(),
            Sat::Unknown => Ok(match other()? {
                Sat::Yes(w) => Sat::Yes(w),
                _ => Sat::Unknown,
            }),
        }
    }

    fn merge(self, other: &Sat) -> Sat {
        match (self, other) {
            (Sat::Yes(w), _) => Sat::Yes(w),
            (_, Sat::Yes(w)) => Sat::Yes(w.clone()),
            (Sat::Unknown, _) | (_, Sat::Unknown) => Sat::Unknown,
            _ => Sat::No,
        }
    }
}

pub(crate) fn found(f: Found) -> Sat {
    match f {
        Found::Witness(w) => Sat::Yes(w),
        Found::Unsat => Sat::No,
        Found::Unknown => Sat::Unknown,
    }
}

/// The class from "allowed" and "denied".
pub(crate) fn classify(allowed: &Sat, denied: &Sat) -> PartClass {
    let (class, exact) = match (allowed, denied) {
        (Sat::No, _) => (Class::Never, true),
        (_, Sat::No) => (Class::Always, true),
        (Sat::Yes(_), Sat::Yes(_)) => (Class::Conditional, true),
        _ => (Class::Conditional, false),
    };
    PartClass { class, exact }
}

/// Over the worlds: some world allows, some world denies (the first witness of each side).
pub(crate) fn combine(per_world: &[(Sat, Sat)]) -> (Sat, Sat) {
    let side = |pick: fn(&(Sat, Sat)) -> &Sat| {
        let mut unknown = false;
        for pw in per_world {
            match pick(pw) {
                Sat::Yes(w) => return Sat::Yes(w.clone()),
                Sat::Unknown => unknown = true,
                Sat::No => {}
            }
        }
        if unknown { Sat::Unknown } else { Sat::No }
    };
    (side(|p| &p.0), side(|p| &p.1))
}

/// One analysis run.
pub(crate) struct Run<'r> {
    pub(crate) env: Env<'r>,
    pub(crate) defs: Vec<World<'r>>,
    ctxs: Vec<Option<WorldCtx<'r>>>,
    analyzer: &'r Analyzer<'r>,
    info: &'r ActionInfo,
    pub(crate) budget: u64,
}

impl<'r> Run<'r> {
    pub(crate) fn new(
        analyzer: &'r Analyzer<'r>,
        formula: &'r Formula,
        info: &'r ActionInfo,
        principal: &'r Context,
    ) -> Run<'r> {
        let defs = worlds(analyzer.catalog, info, &analyzer.config);
        Run {
            env: Env {
                formula,
                catalog: analyzer.catalog,
                action: info,
                principal,
            },
            ctxs: defs.iter().map(|_| None).collect(),
            defs,
            analyzer,
            info,
            budget: analyzer.config.budget,
        }
    }

    /// World `w`'s context, built on first use.
    pub(crate) fn ctx(&mut self, w: usize) -> Option<&mut WorldCtx<'r>> {
        let def = self.defs.get(w)?.clone();
        let slot = self.ctxs.get_mut(w)?;
        if slot.is_none() {
            *slot = Some(WorldCtx::new(
                self.env.formula,
                def,
                self.analyzer.catalog,
                self.info,
                self.env.principal,
                &self.analyzer.config,
                &mut self.budget,
            ));
        }
        slot.as_mut()
    }

    /// Is the problem satisfiable in world `w`?
    pub(crate) fn sat_in(
        &mut self,
        w: usize,
        clauses: &[Clause],
        realistic: bool,
    ) -> Result<Sat, AnalyzeError> {
        if self.ctx(w).is_none() {
            return Ok(Sat::No);
        }
        let Some(Some(ctx)) = self.ctxs.get_mut(w) else {
            return Ok(Sat::No);
        };
        Ok(found(search(
            ctx,
            &self.env,
            clauses,
            realistic,
            &mut self.budget,
        )?))
    }

    /// Is the problem satisfiable in some world?
    pub(crate) fn any_world(&mut self, clauses: &[Clause]) -> Result<Sat, AnalyzeError> {
        let mut acc = Sat::No;
        for w in 0..self.defs.len() {
            acc = acc.merge(&self.sat_in(w, clauses, true)?);
            if matches!(acc, Sat::Yes(_)) {
                break;
            }
        }
        Ok(acc)
    }

    fn denied_in(
        &mut self,
        w: usize,
        problems: &[Vec<Clause>],
        realistic: bool,
    ) -> Result<Sat, AnalyzeError> {
        let mut acc = Sat::No;
        for p in problems {
            acc = acc.or(|| self.sat_in(w, p, realistic))?;
            if matches!(acc, Sat::Yes(_)) {
                break;
            }
        }
        Ok(acc)
    }

    /// True when the part has a gate without any allow: it allows nothing.
    fn empty_gate(&self, part: Part) -> bool {
        self.env
            .formula
            .gates
            .iter()
            .any(|g| part.keeps(g) && g.allows.is_empty())
    }

    /// True when the part keeps no gate: it allows everything.
    fn no_gate(&self, part: Part) -> bool {
        !self.env.formula.gates.iter().any(|g| part.keeps(g))
    }

    /// The class of a part whose witnesses are not shown.
    pub(crate) fn part_class(&mut self, part: Part) -> Result<PartClass, AnalyzeError> {
        if self.no_gate(part) {
            return Ok(PartClass {
                class: Class::Always,
                exact: true,
            });
        }
        if self.empty_gate(part) {
            return Ok(PartClass {
                class: Class::Never,
                exact: true,
            });
        }
        let per_world = self.part(part)?;
        let (a, d) = combine(&per_world);
        Ok(classify(&a, &d))
    }

    /// (allowed, denied) per world.
    pub(crate) fn part(&mut self, part: Part) -> Result<Vec<(Sat, Sat)>, AnalyzeError> {
        let denied = denied_problems(self.env.formula, part);
        let n = self.defs.len();
        if self.empty_gate(part) {
            let d = self.denied_in(0, &denied, part == Part::All)?;
            return Ok((0..n).map(|_| (Sat::No, d.clone())).collect());
        }
        let allowed = allowed_clauses(self.env.formula, part);
        let mut out: Vec<(Sat, Sat)> = Vec::with_capacity(n);
        // Only the first witness of each side is shown: later ones need not be realistic.
        let (mut want_a, mut want_d) = (part == Part::All, part == Part::All);
        for w in 0..n {
            let a = self.sat_in(w, &allowed, want_a)?;
            let d = self.denied_in(w, &denied, want_d)?;
            want_a &= !matches!(a, Sat::Yes(_));
            want_d &= !matches!(d, Sat::Yes(_));
            out.push((a, d));
        }
        Ok(out)
    }

    /// True when some built world reads an atom as opaque.
    pub(crate) fn any_opaque(&self) -> bool {
        self.ctxs
            .iter()
            .flatten()
            .any(|w| w.atoms.iter().any(|a| matches!(a, AtomModel::Opaque)))
    }

    /// The readable condition of a part.
    pub(crate) fn condition(&mut self, part: Part, catalog: &Catalog) -> PartCondition {
        let empty = self.empty_gate(part);
        let none = self.no_gate(part);
        let mut per_world = Vec::with_capacity(self.defs.len());
        for w in 0..self.defs.len() {
            let name = self.defs.get(w).map(|d| d.name.clone()).unwrap_or_default();
            let formula = self.env.formula;
            let principal = self.env.principal;
            let e = if none {
                Expr::True
            } else if empty {
                Expr::False
            } else {
                match self.ctx(w) {
                    Some(ctx) => {
                        render::simplify(formula, ctx, |g| part.keeps(g), principal, catalog)
                    }
                    None => Expr::False,
                }
            };
            per_world.push((name, e));
        }
        render::part_condition(per_world)
    }
}
