//! Findings from the graph: for every principal, the chains that reach a node holding more than
//! the principal does (S-40), one finding per cause. The cause of a chain is what allows its
//! first hop: the principal's own statements that grant it (or, when the principal needs none,
//! the trust statements that name it); removing them removes every chain that starts that way.
//! Service-linked roles are not sources (only their service acts as them, and their policies
//! cannot be changed).
//!
//! Each finding names the most severe target its first hop leads to (an administrator-equivalent
//! node first, else the nearest), lists the others, and carries the chain to the named target:
//! every hop with its kind, actions, statements and conditions. A chain that starts with a
//! SageMaker pass-role hop is left to the pass-role paths (`findings/paths`), which report the
//! passed role with its capability, unless it reaches beyond what that role holds.

use std::sync::Arc;

use std::collections::HashMap;

use rayon::prelude::*;

use super::reach::Walk;
use super::{EdgeKind, Graph, NodeKind};
use crate::audit::findings::causes::cause_statements;
use crate::audit::findings::fingerprint;
use crate::audit::model::{Finding, FindingKind, Severity};

/// Rule of a chain to an administrator-equivalent node.
pub const RULE_ADMIN: &str = "privilege-chain-admin";
/// Rule of a chain to a node with more access (not administrator-equivalent).
pub const RULE_MORE: &str = "privilege-chain";

impl Graph<'_> {
    /// Findings for every principal whose chains reach more than it holds.
    pub(crate) fn findings(&self) -> Vec<Finding> {
        let sources: Vec<u32> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                matches!(n.kind, NodeKind::Role | NodeKind::User)
                    && u32::try_from(*i).is_ok_and(|i| self.edges(i).next().is_some())
                    && u32::try_from(*i)
                        .is_ok_and(|i| self.node_actor.get(i as usize).copied().flatten().is_some())
            })
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect();
        self.probe_all();
        // Sources with the same actor and the same own edges walk alike: their first hops are
        // the same edges, and a member reached from another only leads back to what both
        // reach at once. One walk per such class; its findings are copied to the others.
        let mut classes: Vec<Vec<u32>> = Vec::new();
        let mut class_of: HashMap<(u32, Vec<(u32, EdgeKind)>), usize> = HashMap::new();
        for s in sources {
            if self.principal(s).is_none_or(|p| p.service_linked) {
                continue;
            }
            let Some(actor) = self.node_actor.get(s as usize).copied().flatten() else {
                continue;
            };
            let own: Vec<(u32, EdgeKind)> = self
                .out
                .get(s as usize)
                .map(|o| o.iter().map(|e| (e.to, e.kind)).collect())
                .unwrap_or_default();
            match class_of.get(&(actor, own.clone())) {
                Some(&c) => {
                    if let Some(list) = classes.get_mut(c) {
                        list.push(s);
                    }
                }
                None => {
                    class_of.insert((actor, own), classes.len());
                    classes.push(vec![s]);
                }
            }
        }
        let per_class: Vec<Vec<Finding>> = classes
            .par_iter()
            .map_init(
                || Walk::new(self.nodes.len()),
                |walk, members| {
                    let Some(&first) = members.first() else {
                        return Vec::new();
                    };
                    let found = self.source_findings(walk, first);
                    let mut out = Vec::with_capacity(found.len() * members.len());
                    for &m in members {
                        out.extend(found.iter().filter_map(|f| self.as_member(f, first, m)));
                    }
                    out
                },
            )
            .collect();
        per_class.into_iter().flatten().collect()
    }

    /// `f`, found for `first`, as the finding of `member` (same actor, same own edges).
    fn as_member(&self, f: &Finding, first: u32, member: u32) -> Option<Finding> {
        if member == first {
            return Some(f.clone());
        }
        let n = self.nodes.get(member as usize)?;
        // The member itself is never a target: it holds what `first` holds.
        if f.target_role.as_deref() == Some(n.label.as_str()) {
            return None;
        }
        let mut g = f.clone();
        g.principal.clone_from(&n.arn);
        g.account = self.accounts.get(n.file)?.id.clone();
        g.other_targets.retain(|t| t != &n.label);
        if let Some(hop) = g.chain.first_mut() {
            hop.from.clone_from(&n.label);
        }
        g.fingerprint = fingerprint(&g);
        Some(g)
    }

    fn source_findings(&self, walk: &mut Walk, s: u32) -> Vec<Finding> {
        let Some(own) = self.caps(s) else {
            return Vec::new();
        };
        walk.run(self, s);
        // Cause of the first hop → targets, in walk order.
        let mut causes: Vec<(Vec<String>, Vec<u32>)> = Vec::new();
        let mut at: HashMap<Vec<String>, usize> = HashMap::new();
        let mut cause_of_edge: HashMap<u32, usize> = HashMap::new();
        for &t in &walk.order {
            let Some(theirs) = self.caps(t) else {
                continue;
            };
            if own.contains(theirs) {
                continue;
            }
            let Some((first, hops)) = walk.first_hop(s, t) else {
                continue;
            };
            let Some(edge) = self.edge(s, first) else {
                continue;
            };
            // A SageMaker pass-role first hop is reported by the pass-role paths, with the
            // passed role's capability: only what lies beyond that role is new here.
            if edge.kind == EdgeKind::SagemakerPassRole {
                let passed = self.caps(edge.to);
                if hops == 1 || passed.is_some_and(|c| c.contains(theirs)) {
                    continue;
                }
            }
            let i = match cause_of_edge.get(&first) {
                Some(&i) => i,
                None => {
                    let cause = cause_statements(&edge.info.statements);
                    let i = match at.get(&cause) {
                        Some(&i) => i,
                        None => {
                            at.insert(cause.clone(), causes.len());
                            causes.push((cause, Vec::new()));
                            causes.len() - 1
                        }
                    };
                    cause_of_edge.insert(first, i);
                    i
                }
            };
            if let Some(c) = causes.get_mut(i) {
                c.1.push(t);
            }
        }
        causes
            .into_iter()
            .filter_map(|(_, targets)| self.finding(walk, s, &targets))
            .collect()
    }

    fn finding(&self, walk: &Walk, s: u32, targets: &[u32]) -> Option<Finding> {
        let own = self.caps(s)?;
        let rep = targets
            .iter()
            .copied()
            .find(|t| self.is_admin(*t))
            .or_else(|| targets.first().copied())?;
        let theirs = self.caps(rep)?;
        let admin = theirs.admin;
        let source = self.nodes.get(s as usize)?;
        let target = self.nodes.get(rep as usize)?;
        let path = walk.path(s, rep);
        let chain = self.hops(&path);
        let gained: Vec<&str> = theirs
            .gained_over(own)
            .into_iter()
            .filter_map(|i| self.probes.get(i).map(|p| p.action.as_str()))
            .collect();
        let mut shown: Vec<&str> = gained.iter().copied().take(8).collect();
        if gained.len() > shown.len() {
            shown.push("…");
        }
        let kinds: Vec<&str> = chain.iter().map(|h| h.kind.as_str()).collect();
        let others: Vec<String> = targets
            .iter()
            .filter(|t| **t != rep)
            .take(50)
            .filter_map(|t| self.nodes.get(*t as usize).map(|n| n.label.clone()))
            .collect();
        let more = targets.len().saturating_sub(1);
        let also = if more == 0 {
            String::new()
        } else {
            format!("; the same cause also leads to {more} more node(s) with more access")
        };
        let what = if admin {
            "an administrator-equivalent principal".to_owned()
        } else if target.account != source.account {
            format!("a principal of account {}", target.account)
        } else {
            "a principal with more access".to_owned()
        };
        let mut actions: Vec<String> = Vec::new();
        let mut statements = Vec::new();
        let mut conditions = Vec::new();
        for (k, h) in chain.iter().enumerate() {
            for a in &h.actions {
                if !actions.contains(a) {
                    actions.push(a.clone());
                }
            }
            for st in &h.statements {
                if !statements.contains(st) {
                    statements.push(st.clone());
                }
            }
            conditions.extend(h.conditions.iter().map(|c| format!("hop {}: {c}", k + 1)));
        }
        let witness = path
            .first()
            .and_then(|&(f, i)| self.edge(f, i))
            .and_then(|e| e.info.witness.clone());
        let account = self.accounts.get(source.file).map(|a| a.id.clone())?;
        let title = format!("becomes {what} through a chain of {} hop(s)", chain.len());
        let message = format!(
            "can become `{}` in {} hop(s) ({}); it gains {} probed permission(s) it does not hold: {}{also}",
            target.label,
            chain.len(),
            kinds.join(" → "),
            gained.len(),
            shown.join(", ")
        );
        let severity = if admin {
            Severity::Critical
        } else {
            Severity::High
        };
        let rule = if admin { RULE_ADMIN } else { RULE_MORE };
        let mut f = Finding {
            account,
            principal: source.arn.clone(),
            actions,
            target_role: Some(target.label.clone()),
            other_targets: others,
            statements,
            conditions,
            witness: witness.map(Arc::new),
            chain,
            ..Finding::new(rule, FindingKind::Escalation, severity, title, message)
        };
        f.fingerprint = fingerprint(&f);
        Some(f)
    }
}
