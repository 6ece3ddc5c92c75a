//! The compiled evaluator: decisions over a [`CompiledSet`] and a [`PreparedRequest`].
//!
//! A catalog action goes straight to its plan: per layer, only the statements whose action clause
//! admits it, denies first; unconditional statements cost one resource match. Actions outside the
//! catalog use the set's fallback DFA. Nothing here allocates on the decision path: buffers for
//! resolved variables live on the stack, so no per-thread scratch is needed.
//!
//! INVARIANT (equal to the reference): same decision procedure as `eval::reference`, same
//! explanation; `tests/it` checks it on every case and on random inputs.

use std::sync::atomic::Ordering;

use rayon::prelude::*;
use regex_automata::dfa::{Automaton, OverlappingState, dense};
use regex_automata::{Anchored, Input, MatchKind};

use crate::catalog::Catalog;
use crate::compile::{CActPat, CStmt, CompileError, CompiledSet, Compiler, Fallback, Plan};
use crate::eval::decision::{Decision, Explanation, Layer, MatchedStatement, Outcome};
use crate::policy::{Effect, PolicySet};
use crate::request::Request;
use crate::request::prepared::{EvalCtx, PreparedContext, PreparedRequest};

/// Compiles `set` into a temporary arena and decides `request`: a convenience for one-off
/// decisions (`iamc check`, `iamc eval`); bulk callers compile once and prepare requests once.
pub fn evaluate(
    set: &PolicySet,
    request: &Request,
    catalog: &Catalog,
) -> Result<Outcome, CompileError> {
    let arena = bumpalo::Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(set)?;
    Ok(compiled.evaluate(&PreparedRequest::new(request, catalog)))
}

/// As [`evaluate`], with the explanation.
pub fn explain(
    set: &PolicySet,
    request: &Request,
    catalog: &Catalog,
) -> Result<Explanation, CompileError> {
    let arena = bumpalo::Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(set)?;
    Ok(compiled.explain(&PreparedRequest::new(request, catalog)))
}

/// Which of a set's action patterns matched a non-catalog action: a bitset, inline for up to 512
/// patterns.
struct PatSet {
    inline: [u64; 8],
    spill: Vec<u64>,
}

impl PatSet {
    fn new(n: usize) -> PatSet {
        let spill = if n > 512 {
            vec![0; n.div_ceil(64)]
        } else {
            Vec::new()
        };
        PatSet {
            inline: [0; 8],
            spill,
        }
    }

    fn words(&mut self) -> &mut [u64] {
        if self.spill.is_empty() {
            &mut self.inline
        } else {
            &mut self.spill
        }
    }

    fn insert(&mut self, i: usize) {
        if let Some(w) = self.words().get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    fn contains(&self, i: usize) -> bool {
        let words: &[u64] = if self.spill.is_empty() {
            &self.inline
        } else {
            &self.spill
        };
        words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

fn glob_to_regex(service: &str, name: &str) -> String {
    let mut out = String::with_capacity(service.len() + name.len() + 8);
    for c in service.chars().chain(std::iter::once(':')) {
        push_escaped(&mut out, c);
    }
    for c in name.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            c => push_escaped(&mut out, c),
        }
    }
    out.push('$');
    out
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' || c == ':' || !c.is_ascii() {
        out.push(c);
    } else {
        out.push('\\');
        out.push(c);
    }
}

/// Total action-pattern text above which the fallback DFA is not attempted (a regex that large
/// takes long to determinize and the linear glob matcher is exact anyway).
const MAX_FALLBACK_PATTERN_BYTES: usize = 64 * 1024;

/// Decisions on actions outside the catalog (or prepared with another catalog) that a set
/// matches with its linear glob matchers before it builds the DFA over its action patterns: an
/// audit asks each principal about a handful of such actions, where building a DFA (milliseconds
/// for a managed policy's ~190 patterns) costs more than it saves.
const DFA_AFTER: u32 = 64;

fn build_fallback(pats: &[CActPat<'_>]) -> Fallback {
    let total: usize = pats
        .iter()
        .map(|p| p.service.len() + p.name_text.len())
        .sum();
    if pats.is_empty() || total > MAX_FALLBACK_PATTERN_BYTES {
        return Fallback::Globs;
    }
    let regexes: Vec<String> = pats
        .iter()
        .map(|p| glob_to_regex(p.service, p.name_text))
        .collect();
    let config = dense::Config::new()
        .match_kind(MatchKind::All)
        .start_kind(regex_automata::dfa::StartKind::Anchored)
        .dfa_size_limit(Some(16 << 20))
        .determinize_size_limit(Some(16 << 20));
    match dense::Builder::new()
        .configure(config)
        .syntax(
            regex_automata::util::syntax::Config::new()
                .unicode(false)
                .utf8(false),
        )
        .thompson(regex_automata::nfa::thompson::Config::new().utf8(false))
        .build_many(&regexes)
    {
        Ok(dfa) => Fallback::Dfa(Box::new(dfa)),
        Err(_) => Fallback::Globs,
    }
}

impl<'a> CompiledSet<'a> {
    #[inline]
    fn plan(&self, req: &PreparedRequest) -> Option<&Plan<'a>> {
        if req.catalog_generation != self.catalog_generation {
            return None;
        }
        let p = *self.by_action.get(req.action_id? as usize)?;
        self.plans.get(p as usize)
    }

    #[inline]
    fn slot_layer(&self, slot: usize) -> Layer {
        self.slots.get(slot).copied().unwrap_or(Layer::Identity)
    }

    #[inline]
    fn resource_ok(&self, st: &CStmt<'a>, req: &EvalCtx<'_>) -> bool {
        let any = st.res.iter().any(|r| r.matches(req, &self.searchers));
        any != st.res_negated
    }

    #[inline]
    fn applies(&self, st: &CStmt<'a>, req: &EvalCtx<'_>) -> bool {
        self.resource_ok(st, req) && st.conds.iter().all(|c| c.holds(req, &self.searchers))
    }

    #[inline]
    fn applies_idx(&self, i: u32, req: &EvalCtx<'_>) -> bool {
        self.stmts
            .get(i as usize)
            .is_some_and(|st| self.applies(st, req))
    }

    /// Decides a prepared request.
    pub fn evaluate(&self, req: &PreparedRequest) -> Outcome {
        self.evaluate_in(&req.ctx())
    }

    /// Decides a prepared request made by a principal whose own context entries
    /// (`aws:PrincipalTag/…`, `aws:username`, …) are `principal`: the audit path, where one
    /// prepared request serves every principal.
    pub fn evaluate_as(&self, req: &PreparedRequest, principal: &PreparedContext) -> Outcome {
        self.evaluate_in(&EvalCtx {
            req,
            principal: &principal.entries,
        })
    }

    /// As [`explain`](Self::explain) for a principal's context, see
    /// [`evaluate_as`](Self::evaluate_as).
    pub fn explain_as(&self, req: &PreparedRequest, principal: &PreparedContext) -> Explanation {
        self.explain_in(&EvalCtx {
            req,
            principal: &principal.entries,
        })
    }

    fn evaluate_in(&self, cx: &EvalCtx<'_>) -> Outcome {
        let req = cx;
        let Some(plan) = self.plan(req.req) else {
            return self.evaluate_fallback(req);
        };
        for (slot, deny) in plan.deny.iter().enumerate() {
            if deny.iter().any(|&i| self.applies_idx(i, req)) {
                return Outcome {
                    decision: Decision::ExplicitlyDenied,
                    decided_by: self.slot_layer(slot),
                };
            }
        }
        if req.req.cross_account {
            return Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: Layer::Account,
            };
        }
        for (slot, allow) in plan.allow.iter().enumerate() {
            if !allow.iter().any(|&i| self.applies_idx(i, req)) {
                return Outcome {
                    decision: Decision::ImplicitlyDenied,
                    decided_by: self.slot_layer(slot),
                };
            }
        }
        Outcome {
            decision: Decision::Allowed,
            decided_by: Layer::Identity,
        }
    }

    /// Builds the DFA over the action patterns now, rather than after [`DFA_AFTER`] decisions
    /// outside the catalog (tests and fuzz targets use it to exercise both matchers).
    #[doc(hidden)]
    pub fn build_action_fallback(&self) {
        self.fallback.get_or_init(|| build_fallback(self.act_pats));
    }

    /// The set's action patterns that match the request's action.
    fn matched_patterns(&self, req: &PreparedRequest) -> PatSet {
        let fallback = match self.fallback.get() {
            Some(f) => f,
            // A few decisions are cheaper by glob than building the DFA; both are exact.
            None if self.fallback_calls.fetch_add(1, Ordering::Relaxed) < DFA_AFTER => {
                return self.matched_patterns_by_glob(req);
            }
            None => self.fallback.get_or_init(|| build_fallback(self.act_pats)),
        };
        let mut set = PatSet::new(self.act_pats.len());
        match fallback {
            Fallback::Dfa(dfa) => {
                let input = Input::new(req.action()).anchored(Anchored::Yes);
                let mut state = OverlappingState::start();
                loop {
                    if dfa.try_search_overlapping_fwd(&input, &mut state).is_err() {
                        // Cannot happen for an anchored search of a fully built DFA; fall
                        // back to the globs so the answer stays exact.
                        return self.matched_patterns_by_glob(req);
                    }
                    match state.get_match() {
                        Some(m) => set.insert(m.pattern().as_usize()),
                        None => break,
                    }
                }
            }
            Fallback::Globs => return self.matched_patterns_by_glob(req),
        }
        set
    }

    fn matched_patterns_by_glob(&self, req: &PreparedRequest) -> PatSet {
        let mut set = PatSet::new(self.act_pats.len());
        let (svc, name) = req.action_parts();
        for (i, p) in self.act_pats.iter().enumerate() {
            if p.service == svc && p.name.matches(name, &self.searchers) {
                set.insert(i);
            }
        }
        set
    }

    fn action_matches(&self, st: &CStmt<'a>, pats: &PatSet) -> bool {
        let any = st.act_any || st.act_pats.iter().any(|p| pats.contains(*p as usize));
        any != st.act_negated
    }

    fn evaluate_fallback(&self, req: &EvalCtx<'_>) -> Outcome {
        let pats = self.matched_patterns(req.req);
        let reach = |slot: usize, effect: Effect| {
            self.stmts.iter().any(|st| {
                st.slot as usize == slot
                    && st.effect == effect
                    && self.action_matches(st, &pats)
                    && self.applies(st, req)
            })
        };
        for slot in 0..self.slots.len() {
            if reach(slot, Effect::Deny) {
                return Outcome {
                    decision: Decision::ExplicitlyDenied,
                    decided_by: self.slot_layer(slot),
                };
            }
        }
        if req.req.cross_account {
            return Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: Layer::Account,
            };
        }
        for slot in 0..self.slots.len() {
            if !reach(slot, Effect::Allow) {
                return Outcome {
                    decision: Decision::ImplicitlyDenied,
                    decided_by: self.slot_layer(slot),
                };
            }
        }
        Outcome {
            decision: Decision::Allowed,
            decided_by: Layer::Identity,
        }
    }

    /// Decides a prepared request and says why (allocates: not for the hot path).
    pub fn explain(&self, req: &PreparedRequest) -> Explanation {
        self.explain_in(&req.ctx())
    }

    fn explain_in(&self, cx: &EvalCtx<'_>) -> Explanation {
        let req = cx;
        let outcome = self.evaluate_in(req);
        let plan = self.plan(req.req);
        let pats = if plan.is_none() {
            Some(self.matched_patterns(req.req))
        } else {
            None
        };
        let mut matched = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        for (i, st) in self.stmts.iter().enumerate() {
            let act = match (plan, &pats) {
                (Some(p), _) => plan_reaches(p, st, i),
                (None, Some(ps)) => self.action_matches(st, ps),
                (None, None) => false,
            };
            if !act || !self.resource_ok(st, req) {
                continue;
            }
            for (h, k) in st.reads {
                if req.entry(*h, k).is_none() {
                    missing.push((*k).to_owned());
                }
            }
            if st.conds.iter().all(|c| c.holds(req, &self.searchers)) {
                matched.push(MatchedStatement {
                    layer: self.slot_layer(st.slot as usize),
                    policy: st.policy,
                    statement: st.index,
                    sid: st.sid.map(str::to_owned),
                    effect: st.effect,
                });
            }
        }
        missing.sort();
        missing.dedup();
        Explanation {
            outcome,
            matched,
            missing_keys: missing,
            evaluated_resource: req.req.resource().to_owned(),
        }
    }

    /// Decides every request of a batch on this thread, into `out` (cleared first).
    pub fn evaluate_batch(&self, reqs: &[PreparedRequest], out: &mut Vec<Outcome>) {
        out.clear();
        out.extend(reqs.iter().map(|r| self.evaluate(r)));
    }

    /// Decides every request of a batch with rayon, in order.
    pub fn evaluate_batch_par(&self, reqs: &[PreparedRequest]) -> Vec<Outcome> {
        reqs.par_iter().map(|r| self.evaluate(r)).collect()
    }

    /// For a catalog action, the number of deny and allow statements its plan holds per layer
    /// (what a decision can touch); `None` for actions outside the catalog.
    pub fn plan_sizes(&self, req: &PreparedRequest<'_>) -> Option<Vec<(Layer, usize, usize)>> {
        let plan = self.plan(req)?;
        Some(
            plan.deny
                .iter()
                .zip(plan.allow.iter())
                .enumerate()
                .map(|(slot, (d, a))| (self.slot_layer(slot), d.len(), a.len()))
                .collect(),
        )
    }

    /// The layers, in evaluation order.
    pub fn layers(&self) -> &[Layer] {
        self.slots
    }
}

/// True when the plan lists statement `i` in its slot (either effect).
fn plan_reaches(plan: &Plan<'_>, st: &CStmt<'_>, i: usize) -> bool {
    let Ok(i) = u32::try_from(i) else {
        return false;
    };
    let slot = st.slot as usize;
    let list = match st.effect {
        Effect::Deny => plan.deny.get(slot),
        Effect::Allow => plan.allow.get(slot),
    };
    list.is_some_and(|l| l.binary_search(&i).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_set_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CompiledSet<'static>>();
        assert_send_sync::<PreparedRequest>();
    }

    #[test]
    fn glob_regex_translation() {
        assert_eq!(
            glob_to_regex("sagemaker", "create*job?"),
            "sagemaker:create.*job.$"
        );
        assert_eq!(
            glob_to_regex("execute-api", "invoke"),
            "execute\\-api:invoke$"
        );
    }

    #[test]
    fn fallback_dfa_has_only_an_anchored_start() {
        // Searches are anchored. With an unanchored start state as well, determinizing these
        // MatchKind::All patterns took about a second and ~10 MB per compiled set (found by
        // tests/it/differential.rs); anchored only, it is a few hundred KB.
        let names = [
            "*job*", "list?*", "?*", "create*", "*object", "get*", "p?t*", "*ob*ct*", "*a*", "*e*",
            "*t*",
        ];
        let pats: Vec<CActPat<'_>> = names
            .iter()
            .map(|n| CActPat {
                service: "s3",
                name_text: n,
                name: crate::compile::glob::CGlob::Any,
            })
            .collect();
        match build_fallback(&pats) {
            Fallback::Dfa(dfa) => assert!(dfa.memory_usage() < 2 << 20, "{}", dfa.memory_usage()),
            Fallback::Globs => panic!("the fallback DFA was not built"),
        }
    }
}
