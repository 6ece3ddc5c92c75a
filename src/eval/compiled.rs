//! The compiled evaluator: decisions over a [`CompiledSet`] and a [`PreparedRequest`].
//!
//! A decision goes straight to its action's plan (built on first use, see `compile::plan`): per
//! layer, only the statements whose action clause admits the action, denies first. Actions outside
//! the catalog get plans too, kept under their name. Once a plan exists nothing here allocates:
//! buffers for resolved variables live on the stack, so no per-thread scratch is needed.
//!
//! INVARIANT (equal to the reference): same decision procedure as `eval::reference`, same
//! explanation; `tests/it` checks it on every case and on random inputs.

use std::sync::atomic::Ordering;

use rayon::prelude::*;
use regex_automata::dfa::{Automaton, OverlappingState, dense};
use regex_automata::{Anchored, Input, MatchKind};

use crate::catalog::Catalog;
use crate::compile::plan::{PatSet, Plan, admits};
use crate::compile::{CActPat, CStmt, CompileError, CompiledSet, Compiler, Fallback};
use crate::compile::{arn, condition};
use crate::eval::decision::{Decision, Explanation, Layer, MatchedStatement, Outcome};
use crate::policy::{Effect, PolicySet};
use crate::request::Request;
use crate::request::prepared::{EvalCtx, PreparedBatch, PreparedContext, PreparedRequest};

/// First chunk of the arena a one-off decision compiles into: most sets fit, so compiling
/// allocates once.
const ONE_OFF_ARENA: usize = 16 << 10;

thread_local! {
    /// The arena one-off decisions on this thread compile into, reset before each: a run of
    /// one-off decisions (`iamc eval --cases`) reuses its memory instead of allocating and
    /// freeing an arena per case.
    static ONE_OFF: std::cell::RefCell<bumpalo::Bump> =
        std::cell::RefCell::new(bumpalo::Bump::with_capacity(ONE_OFF_ARENA));
}

/// A one-off decision tests each pattern list once, so no list gets a multi-pattern prefilter
/// (building the automaton costs more than the one scan it would save).
fn one_off<'a>(arena: &'a bumpalo::Bump, catalog: &'a Catalog) -> Compiler<'a> {
    Compiler::new(arena, catalog).prefilter_min(usize::MAX)
}

/// Runs `f` with an empty arena: the thread's reused one, or a fresh one if that is in use.
fn with_arena<T>(f: impl FnOnce(&bumpalo::Bump) -> T) -> T {
    ONE_OFF.with(|cell| match cell.try_borrow_mut() {
        Ok(mut arena) => {
            arena.reset();
            f(&arena)
        }
        Err(_) => f(&bumpalo::Bump::with_capacity(ONE_OFF_ARENA)),
    })
}

/// Compiles `set` into a temporary arena and decides `request`: a convenience for one-off
/// decisions (`iamc check`, `iamc eval`), which compiles the set specialised to the request
/// (`Compiler::compile_for`); bulk callers compile once and prepare requests once.
pub fn evaluate(
    set: &PolicySet,
    request: &Request,
    catalog: &Catalog,
) -> Result<Outcome, CompileError> {
    with_arena(|arena| {
        let compiled = one_off(arena, catalog).compile_for(set, request)?;
        Ok(compiled.evaluate_one(&compiled.prepare_one(request, catalog)))
    })
}

/// As [`evaluate`], with the explanation.
pub fn explain(
    set: &PolicySet,
    request: &Request,
    catalog: &Catalog,
) -> Result<Explanation, CompileError> {
    with_arena(|arena| {
        let compiled = one_off(arena, catalog).compile_for(set, request)?;
        Ok(compiled.explain(&compiled.prepare_one(request, catalog)))
    })
}

/// Decides many one-off requests, each against its own set, stage by stage: every set is
/// compiled (specialised to its request) into one arena, then every request is prepared, then
/// decided. The answers are those of [`evaluate`] (or [`explain`] with `explain`), in order; a
/// run of cases (`iamc eval --cases`) keeps each stage's code in the instruction cache across
/// the batch instead of cycling the compiler, the preparer and the evaluator once per case.
pub(crate) fn decide_many<'c, T>(
    cases: &[(&'c PolicySet, &'c Request)],
    catalog: &Catalog,
    decide: impl Fn(&CompiledSet<'_>, &PreparedRequest<'_>) -> T,
) -> Vec<Result<T, CompileError>> {
    with_arena(|arena| {
        let compiler = one_off(arena, catalog);
        let compiled: Vec<Result<CompiledSet<'_>, CompileError>> = cases
            .iter()
            .map(|(set, request)| compiler.compile_for(set, request))
            .collect();
        let prepared: Vec<Result<(CompiledSet<'_>, PreparedRequest<'c>), CompileError>> = compiled
            .into_iter()
            .zip(cases)
            .map(|(c, (_, request))| {
                c.map(|c| {
                    let p = c.prepare_one(request, catalog);
                    (c, p)
                })
            })
            .collect();
        prepared
            .into_iter()
            .map(|c| c.map(|(c, p)| decide(&c, &p)))
            .collect()
    })
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
/// matches with its linear glob matchers (only its patterns of the action's service) before it
/// builds the DFA over its action patterns: an audit asks each principal about a few hundred
/// such requests (probes, and the actions the roles it may pass name), where building a DFA
/// (about a millisecond for a managed policy's ~190 patterns, for each of 1,221 groups of a
/// 10,000-role account) costs more than it saves.
const DFA_AFTER: u32 = 1024;

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
    /// The request's plan: its catalog action's, or for an action outside the catalog (or
    /// prepared with another catalog) the plan kept under its name; built on first use. `None`
    /// only when the table of plans for actions outside the catalog is full.
    #[inline]
    fn plan(&self, req: &PreparedRequest) -> Option<&Plan> {
        if req.catalog_generation == self.catalog_generation
            && let Some(id) = req.action_id
            && let Some(plan) = self.plans.catalog(id.index(), || {
                self.build_plan(&self.matched_patterns_by_glob(req))
            })
        {
            return Some(plan);
        }
        self.plans.other(req.action(), req.action_hash, || {
            self.build_plan(&self.matched_patterns(req))
        })
    }

    /// Prepares `request` for this set alone: only the context keys the set can read.
    fn prepare_one<'r>(&self, request: &'r Request, catalog: &Catalog) -> PreparedRequest<'r> {
        PreparedRequest::new_with_keys(request, catalog, self.specialised, |key| {
            let i = self
                .read_keys
                .binary_search_by(|(k, _)| (*k).cmp(key))
                .ok()?;
            self.read_keys.get(i).map(|(_, id)| *id)
        })
    }

    #[inline]
    fn slot_layer(&self, slot: usize) -> Layer {
        self.slots.get(slot).copied().unwrap_or(Layer::Identity)
    }

    /// AWS's evaluation order, the one place the compiled engine writes it: an explicit deny in
    /// any layer, then the cross-account gate, then an applying allow in every layer (S-27).
    /// `denying_slot` finds the first slot with an applying deny, `unallowed_slot` the first slot
    /// without an applying allow; each is only asked when the order gets to it.
    #[inline]
    fn decide(
        &self,
        cross_account: bool,
        denying_slot: impl FnOnce() -> Option<usize>,
        unallowed_slot: impl FnOnce() -> Option<usize>,
    ) -> Outcome {
        if let Some(slot) = denying_slot() {
            return Outcome {
                decision: Decision::ExplicitlyDenied,
                decided_by: self.slot_layer(slot),
            };
        }
        if cross_account {
            return Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: Layer::Account,
            };
        }
        if let Some(slot) = unallowed_slot() {
            return Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: self.slot_layer(slot),
            };
        }
        Outcome {
            decision: Decision::Allowed,
            decided_by: Layer::Identity,
        }
    }

    #[inline(always)]
    fn resource_ok(&self, st: &CStmt<'a>, req: &EvalCtx<'_>) -> bool {
        let any = st.res_any
            || arn::any_matches(st.res, st.res_leads, st.res_multi, req, &self.searchers);
        any != st.res_negated
    }

    #[inline(always)]
    fn applies(&self, st: &CStmt<'a>, req: &EvalCtx<'_>) -> bool {
        self.resource_ok(st, req)
            && (st.conds.is_empty() || condition::all_hold(st.conds, req, &self.searchers))
    }

    #[inline(always)]
    fn applies_idx(&self, i: u32, req: &EvalCtx<'_>) -> bool {
        self.stmts
            .get(i as usize)
            .is_some_and(|st| self.applies(st, req))
    }

    /// Decides a prepared request.
    pub fn evaluate(&self, req: &PreparedRequest) -> Outcome {
        self.evaluate_in(&req.ctx())
    }

    /// Decides the request a set was compiled for when it was ([`Compiler::compile_for`]):
    /// one-off decisions go through here, the bulk paths through [`evaluate`](Self::evaluate)
    /// (which decides it too, from a plan).
    pub(crate) fn evaluate_one(&self, req: &PreparedRequest) -> Outcome {
        if self.specialised.is_some() {
            return self.evaluate_specialised(&req.ctx());
        }
        self.evaluate_in(&req.ctx())
    }

    /// Decides the one request a set was compiled for (`Compiler::compile_for`): its statements
    /// all admit the request's action and are in slot order, so they are the action's plan
    /// as they stand (the first applying deny is in the first denying slot).
    fn evaluate_specialised(&self, cx: &EvalCtx<'_>) -> Outcome {
        let applying =
            |st: &&CStmt<'a>, effect: Effect| st.effect == effect && self.applies(st, cx);
        self.decide(
            cx.req.cross_account,
            || {
                self.stmts
                    .iter()
                    .find(|st| applying(st, Effect::Deny))
                    .map(|st| st.slot as usize)
            },
            || {
                (0..self.slots.len()).find(|&slot| {
                    !self
                        .stmts
                        .iter()
                        .any(|st| st.slot as usize == slot && applying(&st, Effect::Allow))
                })
            },
        )
    }

    /// Decides a prepared request made by a principal whose own context entries
    /// (`aws:PrincipalTag/…`, `aws:username`, …) are `principal`: the audit path, where one
    /// prepared request serves every principal.
    pub fn evaluate_as(&self, req: &PreparedRequest, principal: &PreparedContext) -> Outcome {
        self.evaluate_in(&EvalCtx::with_principal(req, principal))
    }

    /// As [`explain`](Self::explain) for a principal's context, see
    /// [`evaluate_as`](Self::evaluate_as).
    pub fn explain_as(&self, req: &PreparedRequest, principal: &PreparedContext) -> Explanation {
        self.explain_in(&EvalCtx::with_principal(req, principal))
    }

    fn evaluate_in(&self, cx: &EvalCtx<'_>) -> Outcome {
        match self.plan(cx.req) {
            Some(plan) => self.decide(
                cx.req.cross_account,
                || {
                    for &(slot, i) in plan.denies() {
                        if self.applies_idx(i, cx) {
                            return Some(slot as usize);
                        }
                    }
                    None
                },
                || {
                    'slots: for (slot, ids) in plan.allows() {
                        for &i in ids {
                            if self.applies_idx(i, cx) {
                                continue 'slots;
                            }
                        }
                        return Some(slot);
                    }
                    None
                },
            ),
            None => self.evaluate_unplanned(cx),
        }
    }

    /// Decides an action that has no plan (the table for actions outside the catalog is full):
    /// every statement is checked against the action's matching patterns. Allocates nothing for
    /// sets of up to 512 action patterns.
    #[cold]
    fn evaluate_unplanned(&self, cx: &EvalCtx<'_>) -> Outcome {
        let pats = self.matched_patterns(cx.req);
        let reach = |slot: usize, effect: Effect| {
            self.stmts.iter().any(|st| {
                st.slot as usize == slot
                    && st.effect == effect
                    && admits(st, &pats)
                    && self.applies(st, cx)
            })
        };
        let slots = 0..self.slots.len();
        self.decide(
            cx.req.cross_account,
            || slots.clone().find(|&s| reach(s, Effect::Deny)),
            || slots.clone().find(|&s| !reach(s, Effect::Allow)),
        )
    }

    /// Builds the DFA over the action patterns now, rather than after [`DFA_AFTER`] decisions
    /// outside the catalog (tests and fuzz targets use it to exercise both matchers).
    #[doc(hidden)]
    pub fn build_action_fallback(&self) {
        self.fallback.get_or_init(|| build_fallback(self.act_pats));
    }

    /// The set's action patterns that match the request's action, for an action outside the
    /// catalog: by glob for the first [`DFA_AFTER`] calls, then by the DFA.
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

    /// The set's action patterns that match the request's action, by glob, trying only the
    /// patterns of the action's service.
    fn matched_patterns_by_glob(&self, req: &PreparedRequest) -> PatSet {
        let mut set = PatSet::new(self.act_pats.len());
        let (svc, name) = req.action_parts();
        let ids = self
            .services
            .binary_search_by(|(s, _)| (*s).cmp(svc))
            .ok()
            .and_then(|i| self.services.get(i))
            .map_or(&[][..], |(_, ids)| *ids);
        for &i in ids {
            if self
                .act_pats
                .get(i as usize)
                .is_some_and(|p| p.name.matches(name, &self.searchers))
            {
                set.insert(i as usize);
            }
        }
        set
    }

    /// Decides a prepared request and says why (allocates: not for the hot path).
    pub fn explain(&self, req: &PreparedRequest) -> Explanation {
        self.explain_in(&req.ctx())
    }

    /// Explains from the statements themselves: every statement whose action clause admits the
    /// request is checked (not only those a plan keeps), and the outcome follows from the ones
    /// that apply, in the same order a decision uses. No plan is built.
    fn explain_in(&self, cx: &EvalCtx<'_>) -> Explanation {
        let req = cx;
        let catalog_action =
            req.req.catalog_generation == self.catalog_generation && req.req.action_id.is_some();
        let pats = if catalog_action {
            self.matched_patterns_by_glob(req.req)
        } else {
            self.matched_patterns(req.req)
        };
        let mut matched = Vec::new();
        let mut missing: Vec<String> = Vec::new();
        let mut denied_in: Option<usize> = None;
        let mut allowed_in = vec![false; self.slots.len()];
        for st in self.stmts {
            if !admits(st, &pats) || !self.resource_ok(st, req) {
                continue;
            }
            for (h, k) in st.reads {
                if req.entry(*h, k).is_none() {
                    missing.push((*k).to_owned());
                }
            }
            if st.conds.iter().all(|c| c.holds(req, &self.searchers)) {
                let slot = st.slot as usize;
                match st.effect {
                    Effect::Deny => denied_in = Some(denied_in.map_or(slot, |d| d.min(slot))),
                    Effect::Allow => {
                        if let Some(a) = allowed_in.get_mut(slot) {
                            *a = true;
                        }
                    }
                }
                matched.push(MatchedStatement {
                    layer: self.slot_layer(slot),
                    policy: st.policy,
                    statement: st.index,
                    sid: st.sid.map(str::to_owned),
                    effect: st.effect,
                });
            }
        }
        let outcome = self.decide(
            req.req.cross_account,
            || denied_in,
            || allowed_in.iter().position(|a| !a),
        );
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

    /// Decides every request of a [`PreparedBatch`] on this thread, in the batch's layout
    /// (grouped by action), into `out` in input order (cleared first). Allocates nothing when
    /// `out` has room for the batch.
    pub fn evaluate_grouped(&self, batch: &PreparedBatch, out: &mut Vec<Outcome>) {
        out.clear();
        out.resize(
            batch.len(),
            Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: Layer::Identity,
            },
        );
        for (req, &at) in batch.requests.iter().zip(&batch.positions) {
            if let Some(slot) = out.get_mut(at) {
                *slot = self.evaluate(req);
            }
        }
    }

    /// Decides every request of a batch with rayon, in order.
    pub fn evaluate_batch_par(&self, reqs: &[PreparedRequest]) -> Vec<Outcome> {
        reqs.par_iter().map(|r| self.evaluate(r)).collect()
    }

    /// The layers, in evaluation order.
    pub(crate) fn layers(&self) -> &[Layer] {
        self.slots
    }
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
    fn resource_lists_indexed_by_lead_decide_as_the_reference() {
        let policy = crate::policy::Policy::parse(
            r#"{"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sagemaker:*", "NotResource": [
                    "arn:aws:sagemaker:*:*:domain/*", "arn:aws:sagemaker:*:*:user-profile/*",
                    "arn:aws:sagemaker:*:*:app/*", "arn:aws:sagemaker:*:*:space/*",
                    "arn:aws:sagemaker:*:*:partner-app/*", "arn:aws:sagemaker:*:*:flow-definition/*",
                    "arn:aws:sagemaker:*:*:training-plan/*", "arn:aws:sagemaker:*:*:reserved-capacity/*"]},
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": [
                    "arn:aws:s3:::b1/*", "arn:aws:s3:::b2/*", "arn:aws:s3:::*-logs/*"]},
                {"Effect": "Deny", "Action": "sagemaker:Delete*", "Resource": [
                    "arn:aws:sagemaker:*:*:model/*", "arn:aws:sagemaker:*:*:endpoint/*",
                    "arn:aws:sagemaker:*:*:endpoint-config/*", "arn:aws:sagemaker:*:*:m?del/x",
                    "arn:aws:sagemaker:us-*:*:space/*"]}
            ]}"#,
            crate::policy::PolicyKind::Identity,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let set = PolicySet::identity(vec![policy]);
        let catalog = Catalog::sagemaker_default();
        let arena = bumpalo::Bump::new();
        let compiled = Compiler::new(&arena, catalog)
            .compile(&set)
            .unwrap_or_else(|e| panic!("{e}"));
        let leads: Vec<&[u8]> = compiled.stmts.iter().map(|st| st.res_leads).collect();
        // Every entry of the first and third lists fixes its resource segment's first byte; the
        // second has `*-logs/*`, which does not.
        assert_eq!(leads.first().copied(), Some(&b"adfprstu"[..]));
        assert_eq!(leads.get(1).map(|l| l.len()), Some(0));
        assert_eq!(leads.get(2).copied(), Some(&b"eemms"[..]));

        let resources = [
            "arn:aws:sagemaker:us-east-1:111122223333:domain/d-1",
            "arn:aws:sagemaker:us-east-1:111122223333:Domain/d-1",
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/j",
            "arn:aws:sagemaker:us-east-1:111122223333:training-plan/p",
            "arn:aws:sagemaker:eu-west-1:111122223333:space/d-1/s",
            "arn:aws:sagemaker:us-east-1:111122223333:space/d-1/s",
            "arn:aws:sagemaker:us-east-1:111122223333:model/m",
            "arn:aws:sagemaker:us-east-1:111122223333:mxdel/x",
            "arn:aws:sagemaker:us-east-1:111122223333:endpoint-config/c",
            "arn:aws:sagemaker:us-east-1:111122223333:",
            "arn:aws:sagemaker:us-east-1:111122223333:t",
            "arn:aws:s3:::b1/k",
            "arn:aws:s3:::b3/k",
            "arn:aws:s3:::web-logs/k",
            "arn:aws:s3:::",
            "not-an-arn",
        ];
        let actions = [
            "sagemaker:CreateTrainingJob",
            "sagemaker:DeleteModel",
            "sagemaker:DescribeSpace",
            "s3:GetObject",
        ];
        let mut allowed = 0;
        for action in actions {
            for resource in resources {
                let request = Request::new(action, resource).unwrap_or_else(|e| panic!("{e}"));
                let want = crate::eval::reference::evaluate(&set, &request, catalog);
                let got = compiled.evaluate(&PreparedRequest::new(&request, catalog));
                assert_eq!(got, want, "{action} {resource}");
                allowed += usize::from(got.decision == Decision::Allowed);
            }
        }
        // Spot checks by hand: a training job is outside the NotResource list, a domain inside
        // it (case matters), a model is denied for deletes.
        let decide = |action: &str, resource: &str| {
            let request = Request::new(action, resource).unwrap_or_else(|e| panic!("{e}"));
            compiled
                .evaluate(&PreparedRequest::new(&request, catalog))
                .decision
        };
        let sm = "arn:aws:sagemaker:us-east-1:111122223333";
        assert_eq!(
            decide(
                "sagemaker:CreateTrainingJob",
                &format!("{sm}:training-job/j")
            ),
            Decision::Allowed
        );
        assert_eq!(
            decide("sagemaker:CreateTrainingJob", &format!("{sm}:domain/d")),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide("sagemaker:CreateTrainingJob", &format!("{sm}:Domain/d")),
            Decision::Allowed
        );
        assert_eq!(
            decide("sagemaker:DeleteModel", &format!("{sm}:model/m")),
            Decision::ExplicitlyDenied
        );
        assert!(allowed > 0);
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
