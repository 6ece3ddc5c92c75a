//! Policies: the validated semantic model of an IAM policy document, and how text becomes one.
//!
//! Text is read into the wire model (`wire`, serde structs that mirror IAM JSON), then one
//! conversion (`validate`) checks everything and builds the model below. Every error names the
//! JSON pointer of the offending element.
//!
//! INVARIANT (validated model): a [`Policy`] only exists when every element passed validation:
//! operators are known, numbers/dates/CIDRs/base64 parse, each statement has exactly one of
//! `Action`/`NotAction` (and of `Resource`/`NotResource` outside trust policies).

pub(crate) mod err;
pub mod glob;
pub mod pattern;
pub(crate) mod set;
pub(crate) mod validate;
pub(crate) mod wire;

pub use err::PolicyError;
pub use pattern::ActionPattern;
pub(crate) use pattern::ResourcePattern;
pub use set::{Layer, PolicySet};

use crate::condition::Condition;

/// The policy language version (`Version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Version {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${…}` is literal text.
    V2008_10_17,
    /// No `Version` element: as 2008-10-17.
    Absent,
}

impl Version {
    /// True when policy variables are substituted ([VARS]).
    pub(crate) fn has_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// What a policy document is used as; it decides which elements are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// An identity-based policy (inline or managed).
    Identity,
    /// A permissions boundary.
    Boundary,
    /// A service control policy.
    Scp,
    /// A session policy.
    Session,
    /// A role trust policy (resource-based): `Principal` required, `Resource` optional.
    Trust,
}

impl PolicyKind {
    /// True for resource-based documents, which name principals.
    pub(crate) fn is_resource_based(self) -> bool {
        self == PolicyKind::Trust
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

impl Effect {
    /// The effect as IAM spells it.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action` (negated = false) or `NotAction` (negated = true).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionClause {
    /// True for `NotAction`.
    pub(crate) negated: bool,
    /// True when the JSON held a single string rather than an array.
    pub(crate) single: bool,
    /// The entries.
    pub patterns: Vec<ActionPattern>,
}

impl ActionClause {
    /// True when the clause applies to the action `service:name` (split and lowercased): an
    /// `Action` entry matches it, or no `NotAction` entry does.
    pub(crate) fn applies_to(&self, service: &str, name: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(service, name)) != self.negated
    }
}

/// `Resource` (negated = false) or `NotResource` (negated = true).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ResourceClause {
    /// True for `NotResource`.
    pub(crate) negated: bool,
    /// True when the JSON held a single string rather than an array.
    pub(crate) single: bool,
    /// The entries.
    pub(crate) patterns: Vec<ResourcePattern>,
}

impl ResourceClause {
    /// The clause's field name (`Resource` or `NotResource`) and its entries joined by `, `.
    pub(crate) fn field_and_entries(&self) -> (&'static str, String) {
        let field = if self.negated {
            "NotResource"
        } else {
            "Resource"
        };
        let entries: Vec<String> = self.patterns.iter().map(ToString::to_string).collect();
        (field, entries.join(", "))
    }
}

/// `Principal` or `NotPrincipal`, kept for trust policies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PrincipalClause {
    /// True for `NotPrincipal`.
    pub(crate) negated: bool,
    /// `None` for `"*"`, else principal type (`AWS`, `Service`, …) to principals.
    pub(crate) entries: Option<Vec<(String, Vec<String>)>>,
}

impl PrincipalClause {
    /// True when the clause names `service` (e.g. `sagemaker.amazonaws.com`) or `*`.
    pub(crate) fn admits_service(&self, service: &str) -> bool {
        let named = match &self.entries {
            None => true,
            Some(entries) => entries.iter().any(|(kind, values)| {
                (kind == "Service" && values.iter().any(|v| v == service))
                    || (kind == "AWS" && values.iter().any(|v| v == "*"))
            }),
        };
        named != self.negated
    }
}

/// One validated statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    /// Position in the policy's `Statement` list (0 for a single-object `Statement`).
    pub(crate) index: usize,
    /// JSON pointer of the statement (`/Statement/2`, or `/Statement` for a single object).
    pub(crate) pointer: String,
    /// `Sid`, if any.
    pub(crate) sid: Option<String>,
    /// `Effect`.
    pub(crate) effect: Effect,
    /// `Action` or `NotAction`.
    pub action: ActionClause,
    /// `Resource` or `NotResource`; `None` only in trust policies.
    pub(crate) resource: Option<ResourceClause>,
    /// `Principal` or `NotPrincipal`; only in trust policies.
    pub(crate) principal: Option<PrincipalClause>,
    /// The conditions, ANDed, in source order.
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `Sid` when present and non-empty, else `#index`.
    pub(crate) fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{}", self.index),
        }
    }
}

/// A validated policy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Policy {
    /// `Version`.
    pub(crate) version: Version,
    /// `Id`, if any.
    pub(crate) id: Option<String>,
    /// The statements, in order.
    pub statements: Vec<Statement>,
}

impl Policy {
    /// Parses and validates a policy document from JSON text.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let wire = validate::read_wire(text)?;
        validate::validate(wire, kind)
    }

    /// Parses and validates a policy document given as a JSON value.
    pub fn from_value(value: &serde_json::Value, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let wire = validate::read_wire_value(value)?;
        validate::validate(wire, kind)
    }

    /// A policy that allows every action on every resource (`FullAWSAccess`-like).
    pub fn allow_all() -> Policy {
        Policy {
            version: Version::V2012_10_17,
            id: None,
            statements: vec![Statement {
                index: 0,
                pointer: "/Statement/0".to_owned(),
                sid: None,
                effect: Effect::Allow,
                action: ActionClause {
                    negated: false,
                    single: true,
                    patterns: vec![ActionPattern::Any],
                },
                resource: Some(ResourceClause {
                    negated: false,
                    single: true,
                    patterns: vec![ResourcePattern::Any],
                }),
                principal: None,
                conditions: Vec::new(),
            }],
        }
    }
}
