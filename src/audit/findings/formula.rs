//! Findings on the formula (issue 10 item 5): the detectors' questions "is some request of this
//! action allowed, and which?" answered by the exact analysis instead of a scan of sampled
//! requests, so their findings do not depend on `--variants` (S-55).
//!
//! Two kinds of answer:
//!
//! - a coverage cell the analysis decided (`approximate == false`) already holds the answer for
//!   the bare action: `Never` needs no search, and any other class comes with an allowed witness
//!   ([`cell_witness`]);
//! - a question that narrows the action (a target profile, the resource type a create makes, the
//!   requests one statement matches) is the analysis of the group's set with one more SCP level
//!   holding the narrowing statement ([`Asker::ask`]): an SCP level is a gate every allowed
//!   request passes, so the analysis decides the conjunction "allowed ∧ narrowing".
//!
//! Every witness is decided again by the group's own compiled engine before a finding uses it;
//! where the analysis is not exact the detector falls back to its sampled requests and says so.
//!
//! INVARIANT (shared answers are keyed by formula): answers are memoised per action and formula
//! key (the coverage pass's key: the atoms gate by gate and the principal values they read), so
//! groups with the same policies share one analysis, and an answer never depends on which group
//! asked first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{FindingsInput, GroupView};
use crate::analyze::{AnalysisConfig, Analyzer};
use crate::audit::coverage::{FormulaKey, formula_key};
use crate::audit::model::{ActionCoverage, Class, Witness};
use crate::compile::Compiler;
use crate::eval::{Context, ContextValue, Decision, PreparedRequest, Request};
use crate::policy::{Policy, PolicyKind};

/// What the analysis says about a (narrowed) action for a group.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// Some request is allowed: this one, confirmed by the group's engine.
    Allowed(Request),
    /// Proved: no request is allowed.
    Never,
    /// Not decided exactly (why); the caller samples.
    Unknown(String),
}

/// One memoised analysis: the allowed witness (unconfirmed for the asking group), a proof of
/// `Never`, or why it is not exact.
type Memoised = Arc<Answer>;

/// Answers shared by the groups of an account, and the analyses that failed.
#[derive(Default)]
pub(crate) struct FormulaMemo {
    answers: Mutex<HashMap<(String, FormulaKey), Memoised>>,
    /// Failed analyses: (group index, message), for the audit's errors.
    errors: Mutex<Vec<(usize, String)>>,
}

impl FormulaMemo {
    /// Records a failed analysis of group `group` (reported in the audit's errors).
    pub(crate) fn fail(&self, group: usize, message: String) {
        if let Ok(mut e) = self.errors.lock()
            && !e.iter().any(|(g, m)| *g == group && *m == message)
        {
            e.push((group, message));
        }
    }

    /// The failed analyses so far, by group index, sorted.
    pub(crate) fn errors(&self) -> Vec<(usize, String)> {
        let mut v = self.errors.lock().map(|e| e.clone()).unwrap_or_default();
        v.sort();
        v
    }
}

/// True when the cell was decided by the exact analysis.
pub(crate) fn is_exact(c: &ActionCoverage) -> bool {
    !c.approximate
}

/// A witness as a request again (multi-valued keys as lists, others as single values).
pub(crate) fn request_of(w: &Witness, catalog: &crate::catalog::Catalog) -> Option<Request> {
    let mut r = Request::new(&w.action, &w.resource).ok()?;
    for (k, v) in &w.context {
        let value = match v.as_slice() {
            [one] if !catalog.is_multivalued(&k.to_ascii_lowercase()) => {
                ContextValue::Single(one.clone())
            }
            _ => ContextValue::Multi(v.clone()),
        };
        r.context.insert(k, value).ok()?;
    }
    Some(r)
}

/// For an exact cell: `Some(None)` when it is `Never`, `Some(Some(r))` with its allowed witness
/// when the group's engine allows it; `None` when the cell is approximate (sample it).
pub(crate) fn cell_witness(
    group: &GroupView<'_, '_>,
    action: &str,
    catalog: &crate::catalog::Catalog,
) -> Option<Option<Request>> {
    let c = group.coverage_of(action)?;
    if !is_exact(c) {
        return None;
    }
    if c.class == Class::Never {
        return Some(None);
    }
    let r = request_of(c.allowed_witness.as_ref()?, catalog)?;
    allows(group, &r, catalog).then_some(Some(r))
}

/// True when the group's engine allows `r`.
pub(crate) fn allows(
    group: &GroupView<'_, '_>,
    r: &Request,
    catalog: &crate::catalog::Catalog,
) -> bool {
    group
        .compiled
        .evaluate_as(&PreparedRequest::new(r, catalog), group.context)
        .decision
        == Decision::Allowed
}

/// Asks narrowed questions for one group.
pub(crate) struct Asker<'i, 'g, 'a> {
    input: &'i FindingsInput<'g, 'a>,
    analyzer: Analyzer<'g>,
}

impl<'i, 'g, 'a> Asker<'i, 'g, 'a> {
    /// An asker for the account of `input`.
    pub(crate) fn new(input: &'i FindingsInput<'g, 'a>) -> Self {
        let mut cfg = AnalysisConfig::new(&input.account.id);
        cfg.region.clone_from(&input.generator.region);
        Asker {
            input,
            analyzer: Analyzer::new(input.catalog, cfg),
        }
    }

    /// The principal context of the group's members (its first member's).
    fn principal(&self, group: &GroupView<'_, '_>) -> Context {
        group
            .members
            .first()
            .and_then(|m| self.input.account.principals.get(*m))
            .map(crate::audit::load::Principal::context)
            .unwrap_or_default()
    }

    /// Is some request of `action` allowed for the group that `narrowing` (an allow statement,
    /// as an SCP level) also allows? The witness is confirmed by the group's own engine.
    pub(crate) fn ask(
        &self,
        group: &GroupView<'_, '_>,
        action: &str,
        narrowing: &Policy,
    ) -> Answer {
        let mut set = group.set.clone();
        set.scps.push(vec![narrowing.clone()]);
        let principal = self.principal(group);
        let formula = match self.analyzer.formula(&set, action) {
            Ok(f) => f,
            Err(e) => return self.failed(group, action, &e.to_string()),
        };
        let key = (action.to_owned(), formula_key(&formula, &principal));
        let known = self
            .input
            .cache
            .formula
            .answers
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned());
        let answer = match known {
            Some(a) => a,
            None => {
                let a = Arc::new(self.analyse(group, &set, &principal, action));
                if let Ok(mut m) = self.input.cache.formula.answers.lock() {
                    m.entry(key).or_insert_with(|| Arc::clone(&a));
                }
                a
            }
        };
        match answer.as_ref() {
            Answer::Allowed(r) => {
                if allows(group, r, self.input.catalog) {
                    Answer::Allowed(r.clone())
                } else {
                    // The same formula decides the same way; an engine that disagrees is a bug
                    // in one of the two, reported, never hidden.
                    self.failed(
                        group,
                        action,
                        "a witness of the narrowed analysis is denied by the group's engine",
                    )
                }
            }
            other => other.clone(),
        }
    }

    fn analyse(
        &self,
        group: &GroupView<'_, '_>,
        set: &crate::policy::PolicySet,
        principal: &Context,
        action: &str,
    ) -> Answer {
        let arena = bumpalo::Bump::new();
        let compiled = match Compiler::new(&arena, self.input.catalog).compile(set) {
            Ok(c) => c,
            Err(e) => return self.failed(group, action, &e.to_string()),
        };
        match self.analyzer.analyze(set, principal, action, &compiled) {
            Ok(a) if a.exact && a.class == Class::Never => Answer::Never,
            Ok(a) => match a.allowed_witness {
                Some(w) => Answer::Allowed(w),
                None => Answer::Unknown(
                    a.approximate
                        .first()
                        .cloned()
                        .unwrap_or_else(|| "no allowed witness".to_owned()),
                ),
            },
            Err(e) => self.failed(group, action, &e.to_string()),
        }
    }

    fn failed(&self, group: &GroupView<'_, '_>, action: &str, e: &str) -> Answer {
        let message = format!("the exact analysis of `{action}` for a finding failed: {e}");
        self.input.cache.formula.fail(group.index, message.clone());
        Answer::Unknown(message)
    }
}

/// A one-statement policy (as an SCP level) from its JSON.
pub(crate) fn narrowing(statement: &serde_json::Value) -> Option<Policy> {
    let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
    Policy::parse(&doc.to_string(), PolicyKind::Scp).ok()
}

/// The text a finding adds when a detector fell back to sampled requests for `action`.
pub(crate) fn sampled_note(action: &str, why: &str) -> String {
    format!("{action}: decided on sampled requests (the exact analysis did not decide: {why})")
}

/// The conditions under which the group may perform `action`, for a `Conditional` cell: the
/// exact analysis's readable condition where it decided, else the sampled deciding conditions.
pub(crate) fn cell_conditions(group: &GroupView<'_, '_>, action: &str) -> Vec<String> {
    let Some(c) = group.coverage_of(action) else {
        return Vec::new();
    };
    if c.class != Class::Conditional {
        return Vec::new();
    }
    match (&c.condition, is_exact(c)) {
        (Some(cond), true) => vec![format!("{action}: {}", cond.text)],
        _ => c
            .conditions
            .iter()
            .map(|x| format!("{action}: {x}"))
            .collect(),
    }
}
