//! Who can become whom: a graph over every principal of every audited account, whose edges say
//! how one principal obtains another's permissions, each decided with the engine.
//!
//! Edges ([`EdgeKind`]): role assumption (the target's trust policy admits the principal and,
//! where AWS requires it, the principal's identity policies allow `sts:AssumeRole`; S-34 … S-36),
//! federated assumption from SAML/OIDC providers named in trust policies, IAM changes that take a
//! user's credentials (`iam:CreateAccessKey`, login profiles), that rewrite a role's trust policy,
//! or that grant a principal anything (inline or attached policies on it or its groups, a new or
//! older default version of a policy attached to it, joining a group); and SageMaker jobs and
//! notebooks started with a passed role (the pass-role paths of `findings/paths`). Granting
//! "anything" leads to a virtual node whose permissions are everything the principal's
//! boundary and SCPs allow (S-39).
//!
//! Stages: `build` groups and compiles every account's principals into actors, indexes trust
//! policies and splits targets into classes (`classes`); `edges` decides every edge per
//! actor and class (`decide`, `trust`); `caps` probes what every node can do;
//! `reach` walks the graph; `report` turns chains that reach more than the principal has into
//! findings, and `query` answers `iamc paths` and `iamc who-can`.
//!
//! INVARIANT (decided by the engine): an edge exists only when the compiled engine allows a
//! concrete request for it (and the reference evaluator admits it under the trust policy); every
//! edge carries that request and the statements that allowed it.

mod build;
mod caps;
pub(crate) use caps::OTHER_PROBES;
mod classes;
mod decide;
mod edges;
mod query;
mod reach;
mod report;
mod trust;

use std::sync::Arc;

use serde::Serialize;

use crate::audit::load::Account;
use crate::audit::model::{StatementRef, Witness};
use crate::catalog::Catalog;
use crate::condition::Instant;

pub(crate) use query::Chain;
pub use query::{PathsAnswer, Reached, WhoCanAnswer, WhoCanEntry};
pub use report::{RULE_ADMIN, RULE_MORE};

/// What a query could not answer.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// No principal has that ARN or name.
    #[error("no principal `{0}` in the accounts given")]
    UnknownPrincipal(String),
    /// Several principals have that name.
    #[error("`{0}` names several principals ({1}); give the ARN")]
    Ambiguous(String, String),
    /// The action is not `service:Action`.
    #[error("invalid action `{0}`: {1}")]
    Action(String, String),
}

/// What a node of the graph is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum NodeKind {
    /// An IAM role (as a role session).
    Role,
    /// An IAM user.
    User,
    /// A SAML or OIDC provider a trust policy names: the identities it federates.
    Federated,
    /// A principal after it wrote itself any policy: everything its boundary and SCPs allow.
    Rewritten,
    /// A user after joining an IAM group.
    JoinedGroup,
    /// A principal after a policy attached to it was switched to another stored version.
    PolicyVersion,
}

/// One node.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it is.
    pub(crate) kind: NodeKind,
    /// Index of the loaded account (GAAD file) it comes from.
    pub(crate) file: usize,
    /// The account it acts in.
    pub(crate) account: String,
    /// The principal's ARN; for virtual nodes the principal they act as; for federated nodes
    /// the provider.
    pub arn: String,
    /// Readable label (the ARN, or what a virtual node stands for).
    pub(crate) label: String,
    /// Index of the principal in its account, for principal nodes.
    pub(crate) principal: Option<usize>,
    /// The principal node it acts as (itself for principals and federated nodes).
    pub(crate) acts_as: u32,
}

/// How one node becomes another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// `sts:AssumeRole` on a role whose trust policy admits the principal.
    AssumeRole,
    /// `sts:AssumeRoleWithSAML`/`WithWebIdentity` from a federated provider.
    FederatedAssumeRole,
    /// `iam:CreateAccessKey`, `CreateLoginProfile` or `UpdateLoginProfile` on a user.
    TakeUser,
    /// `iam:UpdateAssumeRolePolicy` on a role, then `sts:AssumeRole`.
    RewriteTrust,
    /// A policy write that gives a principal the principal controls anything.
    GrantPermissions,
    /// `iam:SetDefaultPolicyVersion` on a policy attached to the principal.
    SetDefaultVersion,
    /// `iam:AddUserToGroup`.
    JoinGroup,
    /// A SageMaker job or notebook started with a passed execution role.
    SagemakerPassRole,
}

impl EdgeKind {
    /// The kebab-case name used in reports.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EdgeKind::AssumeRole => "assume-role",
            EdgeKind::FederatedAssumeRole => "federated-assume-role",
            EdgeKind::TakeUser => "take-user",
            EdgeKind::RewriteTrust => "rewrite-trust",
            EdgeKind::GrantPermissions => "grant-permissions",
            EdgeKind::SetDefaultVersion => "set-default-version",
            EdgeKind::JoinGroup => "join-group",
            EdgeKind::SagemakerPassRole => "sagemaker-pass-role",
        }
    }
}

/// What allows an edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EdgeInfo {
    /// The actions it needs.
    pub(crate) actions: Vec<String>,
    /// The statements that allow it (identity statements of the acting principal, the trust
    /// statement of an assumed role).
    pub(crate) statements: Vec<StatementRef>,
    /// The conditions it needs, readable.
    pub(crate) conditions: Vec<String>,
    /// A request the engine allowed for it.
    pub(crate) witness: Option<Witness>,
}

/// One edge.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The node it leads to.
    pub to: u32,
    /// How.
    pub kind: EdgeKind,
    /// What allows it.
    pub(crate) info: Arc<EdgeInfo>,
}

/// The graph over the principals of some accounts, with the compiled policies of every node
/// (which `who-can` queries decide with).
pub struct Graph<'a> {
    pub(crate) accounts: &'a [Account],
    pub(crate) catalog: &'a Catalog,
    pub(crate) env: decide::Env,
    pub(crate) nodes: Vec<Node>,
    pub(crate) actors: Vec<decide::Actor<'a>>,
    pub(crate) node_actor: Vec<Option<u32>>,
    /// Per node: the edges that depend on who it is (trust policies, itself as a target).
    pub(crate) out: Vec<Vec<Edge>>,
    /// Per actor: the edges that depend on its policies alone, shared by every node it acts
    /// for (an edge to the node itself is skipped).
    pub(crate) shared: Vec<Vec<Edge>>,
    /// Per actor: what it can do, probed when first needed.
    pub(crate) actor_caps: Vec<std::sync::OnceLock<Option<caps::Caps>>>,
    pub(crate) probes: Vec<caps::Probe>,
}

impl Graph<'_> {
    /// The nodes.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The edges out of `node`, with their indexes (see `Graph::edge`).
    pub fn edges(&self, node: u32) -> impl Iterator<Item = (u32, &Edge)> + '_ {
        let own = self.out.get(node as usize).map_or(&[][..], Vec::as_slice);
        let shared = self.shared_of(node);
        let n = own.len();
        own.iter()
            .enumerate()
            .chain(shared.iter().enumerate().map(move |(i, e)| (n + i, e)))
            .filter(move |(_, e)| e.to != node)
            .map(|(i, e)| (u32::try_from(i).unwrap_or(u32::MAX), e))
    }

    /// Edge `index` of `node`: its own edges first, then its actor's shared ones.
    pub(crate) fn edge(&self, node: u32, index: u32) -> Option<&Edge> {
        let own = self.out.get(node as usize).map_or(&[][..], Vec::as_slice);
        let i = index as usize;
        match own.get(i) {
            Some(e) => Some(e),
            None => self.shared_of(node).get(i - own.len()),
        }
    }

    fn shared_of(&self, node: u32) -> &[Edge] {
        self.node_actor
            .get(node as usize)
            .copied()
            .flatten()
            .and_then(|a| self.shared.get(a as usize))
            .map_or(&[], Vec::as_slice)
    }

    /// True when `node` is administrator-equivalent (every administrator probe allowed).
    pub fn is_admin(&self, node: u32) -> bool {
        self.caps(node).is_some_and(|c| c.admin)
    }
}

/// The time graph requests are made at: now (conditions on time only move forward, S-36).
pub fn now() -> Instant {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    Instant::from_nanos(i128::try_from(nanos).unwrap_or(0))
}
