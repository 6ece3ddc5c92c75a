//! Why a decision came out as it did, down to the condition: every statement of every layer
//! with what matched (action, resource) and each condition's operator, key, policy values and
//! request values (or "absent"), judged by the reference evaluator's own matchers; and, for a
//! denial, the statements that decided it (the applying `Deny`s) or, for each gate without an
//! applying `Allow`, the nearest `Allow`s and what failed.
//!
//! INVARIANT (same judge): a trace never decides anything itself; whether an action, resource or
//! condition matches is asked of [`super::reference`]'s `Env`, so a trace cannot disagree with
//! the decision it explains.

use serde::Serialize;

use super::decision::{Decision, Layer};
use super::reference::Env;
use crate::catalog::Catalog;
use crate::condition::Condition;
use crate::policy::{Effect, PolicySet, Statement};
use crate::request::Request;

/// One condition of a statement, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ConditionTrace {
    /// The operator with its qualifiers (`ForAllValues:StringLike`).
    pub(crate) operator: String,
    /// The key as written.
    pub(crate) key: String,
    /// The policy values as written (variables unsubstituted).
    pub(crate) policy_values: Vec<String>,
    /// The request's values for the key; `None` when the key is absent.
    pub(crate) request_values: Option<Vec<String>>,
    /// Whether the condition holds.
    pub(crate) holds: bool,
}

/// One statement, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementTrace {
    /// Its layer.
    pub(crate) layer: Layer,
    /// Index of its policy within the layer (within the level for SCPs).
    pub(crate) policy: u32,
    /// Index of the statement within the policy.
    pub(crate) statement: u32,
    /// JSON pointer of the statement in its policy document.
    pub(crate) pointer: String,
    /// Its `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<String>,
    /// `Allow` or `Deny`.
    pub(crate) effect: &'static str,
    /// Its `Action`/`NotAction` matches the request's action.
    pub(crate) action_matches: bool,
    /// Its `Resource`/`NotResource` matches the evaluated resource.
    pub(crate) resource_matches: bool,
    /// Its conditions, in order.
    pub(crate) conditions: Vec<ConditionTrace>,
}

impl StatementTrace {
    /// True when the statement applies: action, resource and every condition match.
    pub(crate) fn applies(&self) -> bool {
        self.action_matches && self.resource_matches && self.conditions.iter().all(|c| c.holds)
    }

    /// How close the statement came to applying, for ranking the nearest ones: action and
    /// resource matched count most, then fewer failing conditions.
    fn closeness(&self) -> (u8, usize) {
        let failed = self.conditions.iter().filter(|c| !c.holds).count();
        let level = u8::from(self.action_matches) * 2 + u8::from(self.resource_matches);
        (level, usize::MAX - failed)
    }
}

/// A gate (SCP level, identity, boundary, session) that had no applying `Allow`, with the
/// `Allow` statements of that layer closest to applying (at most three).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissingAllow {
    /// The gate.
    pub layer: Layer,
    /// The nearest `Allow` statements of that layer, closest first; empty when the layer has
    /// none whose action matches.
    pub(crate) nearest: Vec<StatementTrace>,
}

/// Why a request was decided as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The decision.
    pub decision: Decision,
    /// For an explicit deny: every `Deny` statement that applied (all their conditions held).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub denied_by: Vec<StatementTrace>,
    /// For an implicit deny: every gate without an applying `Allow`, in evaluation order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_allow: Vec<MissingAllow>,
    /// True when the request was denied because it is cross-account (S-27).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cross_account: bool,
}

/// Judges one statement against the request.
fn statement(env: &Env<'_>, layer: Layer, policy: usize, st: &Statement) -> StatementTrace {
    StatementTrace {
        layer,
        policy: u32::try_from(policy).unwrap_or(u32::MAX),
        statement: u32::try_from(st.index).unwrap_or(u32::MAX),
        pointer: st.pointer.clone(),
        sid: st.sid.clone(),
        effect: st.effect.as_str(),
        action_matches: env.action_matches(st),
        resource_matches: env.resource_matches(st),
        conditions: st.conditions.iter().map(|c| condition(env, c)).collect(),
    }
}

fn condition(env: &Env<'_>, c: &Condition) -> ConditionTrace {
    ConditionTrace {
        operator: c.op.to_string(),
        key: c.key.clone(),
        policy_values: c.raw_values.clone(),
        request_values: env.request_values(&c.key_lower),
        holds: env.condition_holds(c),
    }
}

/// Traces `request` for the principal whose policies are `set`.
pub fn trace(set: &PolicySet, request: &Request, catalog: &Catalog) -> Trace {
    let env = Env::new(request, catalog);
    let layers = set.layers();
    let mut all: Vec<StatementTrace> = Vec::new();
    for (layer, policies) in &layers {
        for (pi, p) in policies.iter().enumerate() {
            for st in &p.statements {
                all.push(statement(&env, *layer, pi, st));
            }
        }
    }
    let denied_by: Vec<StatementTrace> = all
        .iter()
        .filter(|t| t.effect == Effect::Deny.as_str() && t.applies())
        .cloned()
        .collect();
    if !denied_by.is_empty() {
        return Trace {
            decision: Decision::ExplicitlyDenied,
            denied_by,
            missing_allow: Vec::new(),
            cross_account: false,
        };
    }
    if request.is_cross_account_for(env.resource) {
        return Trace {
            decision: Decision::ImplicitlyDenied,
            denied_by: Vec::new(),
            missing_allow: Vec::new(),
            cross_account: true,
        };
    }
    let mut missing_allow = Vec::new();
    for (layer, _) in &layers {
        let allows: Vec<&StatementTrace> = all
            .iter()
            .filter(|t| t.layer == *layer && t.effect == Effect::Allow.as_str())
            .collect();
        if allows.iter().any(|t| t.applies()) {
            continue;
        }
        let mut near: Vec<&StatementTrace> =
            allows.into_iter().filter(|t| t.action_matches).collect();
        near.sort_by_key(|t| std::cmp::Reverse(t.closeness()));
        missing_allow.push(MissingAllow {
            layer: *layer,
            nearest: near.into_iter().take(3).cloned().collect(),
        });
    }
    let decision = if missing_allow.is_empty() {
        Decision::Allowed
    } else {
        Decision::ImplicitlyDenied
    };
    Trace {
        decision,
        denied_by: Vec::new(),
        missing_allow,
        cross_account: false,
    }
}
