//! Decisions and their explanations: the output of every evaluator.
//!
//! INVARIANT (engine independence): an [`Explanation`] is defined by the request and the policy set
//! alone, never by evaluation order, so the reference and compiled evaluators produce equal values:
//! `matched` lists every applying statement in layer, policy, statement order, and `missing_keys`
//! every absent key read by a statement whose action and resource match, sorted and deduplicated.

use std::fmt;

use serde::Serialize;

use crate::policy::Effect;

/// The decision AWS makes for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Decision {
    /// Every gate allowed and nothing denied.
    Allowed,
    /// A statement with `Effect: Deny` applied.
    ExplicitlyDenied,
    /// Some gate had no applicable `Allow`.
    ImplicitlyDenied,
}

impl Decision {
    /// The decision's name as the case format spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "Allowed",
            Decision::ExplicitlyDenied => "ExplicitlyDenied",
            Decision::ImplicitlyDenied => "ImplicitlyDenied",
        }
    }

    /// Parses the case-format spelling.
    pub(crate) fn parse(text: &str) -> Option<Decision> {
        match text {
            "Allowed" => Some(Decision::Allowed),
            "ExplicitlyDenied" => Some(Decision::ExplicitlyDenied),
            "ImplicitlyDenied" => Some(Decision::ImplicitlyDenied),
            _ => None,
        }
    }

    /// True for [`Decision::Allowed`].
    pub(crate) fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub use crate::policy::Layer;

/// A decision and the layer that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The deciding layer: the first denying layer, the first gate with no allow, or
    /// [`Layer::Identity`] for an allow.
    pub decided_by: Layer,
}

/// A statement that applied to the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MatchedStatement {
    /// Its layer.
    pub(crate) layer: Layer,
    /// Index of its policy within the layer (within the level for SCPs).
    pub(crate) policy: u32,
    /// Index of the statement within the policy.
    pub(crate) statement: u32,
    /// Its `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Its effect.
    #[serde(serialize_with = "ser_effect")]
    pub(crate) effect: Effect,
}

fn ser_effect<S: serde::Serializer>(e: &Effect, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(e.as_str())
}

/// Why a decision came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Explanation {
    /// The decision and deciding layer.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Every statement that applied, in layer, policy, statement order.
    pub matched: Vec<MatchedStatement>,
    /// Lowercase condition keys read by statements whose action and resource match, absent from
    /// the request; sorted, no duplicates.
    pub missing_keys: Vec<String>,
    /// The resource the request was evaluated against (`*` for wildcard-only actions, S-28).
    pub evaluated_resource: String,
}
