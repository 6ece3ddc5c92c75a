//! Per-statement questions decided on the formula, for findings: does a statement ever decide a
//! request of the action ([`Contribution::Effective`], with a witness), is it dead (an allow
//! that never applies to an allowed request, a deny that never denies a request the rest
//! allows), or redundant (an allow whose every allowed request another allow of its layer also
//! allows)?
//!
//! For an allow `s` of gate `g` in formula `F`: dead iff `s ∧ F` is unsatisfiable; redundant iff
//! `s ∧ F ∧ ¬t` is, for every other allow `t` of `g`. For a deny `d`: dead iff `d ∧ F₋d` is,
//! where `F₋d` is `F` without `d`. Two identical allows of one layer are each redundant.

use serde::Serialize;

use super::err::AnalyzeError;
use super::formula::{Formula, Term};
use super::run::{Part, Sat, allowed_clauses, conj, negations};
use super::search::Clause;
use super::{Analyzer, witness};
use crate::compile::CompiledSet;
use crate::eval::{Context, MatchedStatement, Request};
use crate::policy::PolicySet;

/// What one statement contributes to the decisions of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Contribution {
    /// It decides some request (the verdict's witness).
    Effective,
    /// An allow that never applies to an allowed request, or a deny that never denies a request
    /// the rest of the set allows.
    Dead,
    /// An allow whose every allowed request another allow of its layer allows too.
    Redundant,
    /// Not decided exactly (the caller samples).
    Unknown,
}

/// The verdict on one statement that admits the action.
#[derive(Debug, Clone, Serialize)]
pub struct StatementVerdict {
    /// Which statement (layer, policy index, statement index, `Sid`, effect).
    pub statement: MatchedStatement,
    /// Its JSON pointer in its policy.
    pub(crate) pointer: String,
    /// What it contributes.
    pub contribution: Contribution,
    /// For [`Contribution::Effective`]: an allowed request only it allows in its layer (allows),
    /// or a request only it denies (denies), confirmed allowed/denied by the engine.
    #[serde(skip)]
    pub witness: Option<Request>,
}

/// Clauses of `F` without deny `skip` (by gate and position).
fn allowed_without_deny(f: &Formula, skip: (usize, usize)) -> Vec<Clause> {
    let mut out = Vec::new();
    for (gi, g) in f.gates.iter().enumerate() {
        out.push(Clause(g.allows.iter().map(|t| conj(&t.atoms)).collect()));
        for (di, t) in g.denies.iter().enumerate() {
            if (gi, di) != skip {
                out.push(negations(&t.atoms));
            }
        }
    }
    out
}

impl Analyzer<'_> {
    /// The contribution of every statement of `set` that admits `action` (allows, then denies,
    /// in layer order).
    pub fn statements(
        &self,
        set: &PolicySet,
        principal: &Context,
        action: &str,
        compiled: &CompiledSet<'_>,
    ) -> Result<Vec<StatementVerdict>, AnalyzeError> {
        let info = self.action(action)?;
        self.check_config()?;
        let formula = Formula::build(set, info);
        let mut run = self.run(&formula, info, principal);
        let mut out = Vec::new();
        let all = allowed_clauses(&formula, Part::All);
        for g in &formula.gates {
            for (si, s) in g.allows.iter().enumerate() {
                let mut dead = all.clone();
                dead.push(Clause(vec![conj(&s.atoms)]));
                let verdict = match run.any_world(&dead)? {
                    Sat::No => (Contribution::Dead, None),
                    Sat::Unknown => (Contribution::Unknown, None),
                    Sat::Yes(_) => {
                        let mut only = dead;
                        only.extend(
                            g.allows
                                .iter()
                                .enumerate()
                                .filter(|(ti, _)| *ti != si)
                                .map(|(_, t)| negations(&t.atoms)),
                        );
                        match run.any_world(&only)? {
                            Sat::No => (Contribution::Redundant, None),
                            Sat::Unknown => (Contribution::Unknown, None),
                            Sat::Yes(w) => {
                                witness::confirm(compiled, principal, self.catalog, &w, true)?;
                                (Contribution::Effective, Some(*w))
                            }
                        }
                    }
                };
                out.push(verdict_of(s, verdict));
            }
        }
        for (gi, g) in formula.gates.iter().enumerate() {
            for (di, d) in g.denies.iter().enumerate() {
                let mut problem = allowed_without_deny(&formula, (gi, di));
                problem.push(Clause(vec![conj(&d.atoms)]));
                let verdict = match run.any_world(&problem)? {
                    Sat::No => (Contribution::Dead, None),
                    Sat::Unknown => (Contribution::Unknown, None),
                    Sat::Yes(w) => {
                        witness::confirm(compiled, principal, self.catalog, &w, false)?;
                        (Contribution::Effective, Some(*w))
                    }
                };
                out.push(verdict_of(d, verdict));
            }
        }
        Ok(out)
    }
}

fn verdict_of(
    t: &Term,
    (contribution, witness): (Contribution, Option<Request>),
) -> StatementVerdict {
    StatementVerdict {
        statement: t.stmt.clone(),
        pointer: t.pointer.clone(),
        contribution,
        witness,
    }
}
