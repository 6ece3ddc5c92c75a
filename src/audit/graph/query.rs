//! The two questions the CLI asks of a graph: where can this principal get to (`iamc paths`),
//! and who can perform this action, directly or through a chain (`iamc who-can`).

use rayon::prelude::*;
use serde::Serialize;

use super::decide::{allowed_some, decide, witness_of};
use super::reach::{Walk, toward};
use super::{EdgeKind, Graph, GraphError, NodeKind};
use crate::audit::model::{Hop, Witness};
use crate::eval::Request;

/// A chain of hops.
pub(crate) type Chain = Vec<Hop>;

/// A node a principal reaches, with the shortest chain to it.
#[derive(Debug, Clone, Serialize)]
pub struct Reached {
    /// The node (an ARN, or a virtual node's label).
    pub to: String,
    /// What it is.
    pub(crate) kind: NodeKind,
    /// Its account.
    pub(crate) account: String,
    /// Administrator-equivalent.
    pub(crate) admin: bool,
    /// Everything it can do, the starting principal can do too (`None`: not evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contained: Option<bool>,
    /// The hops.
    pub chain: Chain,
}

/// The answer of `iamc paths`.
#[derive(Debug, Clone, Serialize)]
pub struct PathsAnswer {
    /// The starting principal.
    pub(crate) from: String,
    /// Whether the starting principal is administrator-equivalent itself.
    pub from_admin: bool,
    /// What was asked for (`admin`, an ARN), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) to: Option<String>,
    /// What it reaches, nearest first: every principal, and the virtual nodes (a rewritten
    /// policy, a joined group, another policy version) that hold more than the start; only the
    /// asked-for node when `to` is given.
    pub reached: Vec<Reached>,
}

/// One principal that can perform an action.
#[derive(Debug, Clone, Serialize)]
pub struct WhoCanEntry {
    /// The principal (ARN, or `federated:PROVIDER`).
    pub principal: String,
    /// What it is.
    pub(crate) kind: NodeKind,
    /// Its account.
    pub(crate) account: String,
    /// Allowed with its own policies.
    pub directly: bool,
    /// The chain to the node that performs it (empty when direct).
    pub chain: Chain,
    /// The performing node (the principal itself when direct).
    pub via: String,
    /// The request the engine allowed to the performing node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Witness>,
}

/// The answer of `iamc who-can`.
#[derive(Debug, Clone, Serialize)]
pub struct WhoCanAnswer {
    /// The action.
    pub(crate) action: String,
    /// The resource, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) resource: Option<String>,
    /// Every principal that can, direct ones first, then by chain length.
    pub principals: Vec<WhoCanEntry>,
}

impl Graph<'_> {
    /// The node of a principal given by ARN, by name, or a federated provider.
    pub fn find(&self, who: &str) -> Result<u32, GraphError> {
        let principals = || {
            self.nodes
                .iter()
                .enumerate()
                .filter(|(_, n)| n.principal.is_some() || n.kind == NodeKind::Federated)
        };
        if let Some((i, _)) = principals().find(|(_, n)| n.arn == who || n.label == who) {
            return u32::try_from(i).map_err(|_| GraphError::UnknownPrincipal(who.to_owned()));
        }
        let named: Vec<(usize, &super::Node)> = principals()
            .filter(|(_, n)| n.arn.rsplit('/').next() == Some(who))
            .collect();
        match named.as_slice() {
            [] => Err(GraphError::UnknownPrincipal(who.to_owned())),
            [(i, _)] => u32::try_from(*i).map_err(|_| GraphError::UnknownPrincipal(who.to_owned())),
            many => Err(GraphError::Ambiguous(
                who.to_owned(),
                many.iter()
                    .map(|(_, n)| format!("`{}`", n.arn))
                    .collect::<Vec<_>>()
                    .join(", "),
            )),
        }
    }

    /// Where `from` can get to: everything (`to` = `None`), the nearest administrator-equivalent
    /// node (`admin`), or one principal.
    pub fn paths(&self, from: &str, to: Option<&str>) -> Result<PathsAnswer, GraphError> {
        let start = self.find(from)?;
        let target = match to {
            None | Some("admin") => None,
            Some(t) => Some(self.find(t)?),
        };
        let mut walk = Walk::new(self.nodes.len());
        walk.run(self, start);
        let own = self.caps(start);
        let mut reached = Vec::new();
        for &t in &walk.order {
            let wanted = match (to, target) {
                (Some("admin"), _) => self.is_admin(t),
                (_, Some(x)) => t == x,
                _ => true,
            };
            if !wanted {
                continue;
            }
            let Some(node) = self.nodes.get(t as usize) else {
                continue;
            };
            let theirs = self.caps(t);
            // Virtual nodes are listed only when they hold more than the start.
            let contained = own.zip(theirs).map(|(o, th)| o.contains(th));
            if node.principal.is_none()
                && node.kind != NodeKind::Federated
                && to.is_none()
                && contained != Some(false)
            {
                continue;
            }
            reached.push(Reached {
                to: node.label.clone(),
                kind: node.kind.clone(),
                account: node.account.clone(),
                admin: self.is_admin(t),
                contained,
                chain: self.hops(&walk.path(start, t)),
            });
            if to.is_some() {
                break;
            }
        }
        Ok(PathsAnswer {
            from: self
                .nodes
                .get(start as usize)
                .map_or_else(String::new, |n| n.label.clone()),
            from_admin: self.is_admin(start),
            to: to.map(str::to_owned),
            reached,
        })
    }

    /// Every principal that can perform `action` (on `resource`, else on some resource of its
    /// account), directly or through the shortest chain to a node that can.
    pub fn who_can(
        &self,
        action: &str,
        resource: Option<&str>,
    ) -> Result<WhoCanAnswer, GraphError> {
        Request::new(action, resource.unwrap_or("*"))
            .map_err(|e| GraphError::Action(action.to_owned(), e.message))?;
        // Assuming a role of the input: whoever has an edge to it.
        let role = resource.and_then(|r| {
            self.nodes
                .iter()
                .position(|n| n.kind == NodeKind::Role && n.arn == r)
        });
        let per_node: Vec<Option<Witness>> = if let (true, Some(role)) =
            (action.eq_ignore_ascii_case("sts:AssumeRole"), role)
        {
            (0..self.nodes.len())
                .map(|n| {
                    self.edges(u32::try_from(n).unwrap_or(u32::MAX))
                        .map(|(_, e)| e)
                        .find(|e| {
                            e.to as usize == role
                                && matches!(e.kind, EdgeKind::AssumeRole | EdgeKind::RewriteTrust)
                        })
                        .map(|e| {
                            e.info.witness.clone().unwrap_or_else(|| Witness {
                                action: action.to_owned(),
                                resource: resource.unwrap_or("*").to_owned(),
                                context: Default::default(),
                                decision: "Allowed".to_owned(),
                            })
                        })
                })
                .collect()
        } else {
            let per_actor: Vec<Option<Witness>> = self
                .actors
                .par_iter()
                .map(|a| {
                    let d = match resource {
                        Some(r) => {
                            let other = crate::policy::pattern::split_arn(r)
                                .map(|p| p[4])
                                .is_some_and(|acct| !acct.is_empty() && acct != a.account);
                            if other {
                                // Another account's resource: no resource-based policy is
                                // evaluated, so the identity side cannot reach it (S-27).
                                None
                            } else {
                                decide(a, &self.env, action, r, &[], false, self.catalog)
                                    .filter(|d| d.gates.allowed())
                            }
                        }
                        None => allowed_some(a, &self.env, action, "*", self.catalog),
                    };
                    d.map(|d| witness_of(&self.env, &d.request))
                })
                .collect();
            self.node_actor
                .iter()
                .map(|a| a.and_then(|a| per_actor.get(a as usize).cloned().flatten()))
                .collect()
        };
        let goals: Vec<bool> = per_node.iter().map(Option::is_some).collect();
        let (next, dist) = toward(self, &goals);
        let mut principals = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let listed = n.principal.is_some() || n.kind == NodeKind::Federated;
            let Some(&d) = dist.get(i).filter(|d| **d != u32::MAX && listed) else {
                continue;
            };
            let Ok(id) = u32::try_from(i) else { continue };
            let path = self.follow(&next, id);
            let end = path
                .last()
                .and_then(|&(f, e)| self.edge(f, e))
                .map_or(id, |e| e.to);
            principals.push((
                d,
                WhoCanEntry {
                    principal: n.label.clone(),
                    kind: n.kind.clone(),
                    account: n.account.clone(),
                    directly: d == 0,
                    chain: self.hops(&path),
                    via: self
                        .nodes
                        .get(end as usize)
                        .map_or_else(String::new, |x| x.label.clone()),
                    witness: per_node.get(end as usize).cloned().flatten(),
                },
            ));
        }
        principals.sort_by(|a, b| (a.0, &a.1.principal).cmp(&(b.0, &b.1.principal)));
        Ok(WhoCanAnswer {
            action: action.to_owned(),
            resource: resource.map(str::to_owned),
            principals: principals.into_iter().map(|(_, e)| e).collect(),
        })
    }
}
