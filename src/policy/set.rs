//! A principal's policy set: every policy that takes part in its decisions, by layer.

use std::fmt;

use serde::Serialize;

use super::Policy;

/// Every policy in force for one principal, by layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PolicySet {
    /// Identity-based policies (inline and managed alike).
    pub identity: Vec<Policy>,
    /// The permissions boundary: `None` when none is set; `Some(vec![])` is set and allows nothing.
    pub boundary: Option<Vec<Policy>>,
    /// SCP levels from the organization root down to the account; empty when no SCP applies.
    /// A level with no policies allows nothing.
    pub scps: Vec<Vec<Policy>>,
    /// The session policy, if the request is made by a session that has one.
    pub session: Option<Policy>,
}

impl PolicySet {
    /// The set's layers in AWS's order, each with its policies: the SCP levels from the
    /// organization root down, the identity policies, then the boundary and the session policy
    /// when set.
    pub(crate) fn layers(&self) -> Vec<(Layer, &[Policy])> {
        let mut layers: Vec<(Layer, &[Policy])> = Vec::with_capacity(self.scps.len() + 3);
        for (level, policies) in self.scps.iter().enumerate() {
            layers.push((
                Layer::Scp(u32::try_from(level).unwrap_or(u32::MAX)),
                policies,
            ));
        }
        layers.push((Layer::Identity, &self.identity));
        if let Some(b) = &self.boundary {
            layers.push((Layer::Boundary, b));
        }
        if let Some(s) = &self.session {
            layers.push((Layer::Session, std::slice::from_ref(s)));
        }
        layers
    }

    /// A set with only identity policies.
    pub fn identity(policies: Vec<Policy>) -> PolicySet {
        PolicySet {
            identity: policies,
            ..PolicySet::default()
        }
    }

    /// Every policy, with its layer label (`identity[0]`, `boundary[0]`, `scps[1][0]`, `session`).
    pub fn labelled(&self) -> Vec<(String, &Policy)> {
        let mut out = Vec::new();
        for (l, level) in self.scps.iter().enumerate() {
            for (i, p) in level.iter().enumerate() {
                out.push((format!("scps[{l}][{i}]"), p));
            }
        }
        for (i, p) in self.identity.iter().enumerate() {
            out.push((format!("identity[{i}]"), p));
        }
        if let Some(b) = &self.boundary {
            for (i, p) in b.iter().enumerate() {
                out.push((format!("boundary[{i}]"), p));
            }
        }
        if let Some(s) = &self.session {
            out.push(("session".to_owned(), s));
        }
        out
    }
}

/// A policy layer, or the cross-account gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// Service control policies at one level (0 = organization root).
    Scp(u32),
    /// Identity-based policies.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// The session policy.
    Session,
    /// The cross-account gate (S-27).
    Account,
}

impl fmt::Display for Layer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Layer::Scp(level) => write!(f, "scp[{level}]"),
            Layer::Identity => f.write_str("identity"),
            Layer::Boundary => f.write_str("boundary"),
            Layer::Session => f.write_str("session"),
            Layer::Account => f.write_str("account"),
        }
    }
}

impl Serialize for Layer {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
