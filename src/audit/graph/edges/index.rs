//! Where edges can go: who each trust policy names (by ARN, unique id, role session, account,
//! `*`, federated provider), the roles and users of each account, the roles that trust
//! SageMaker, the rewritten node a grant on each principal leads to, and the classes of roles
//! and users no policy tells apart ([`super::super::classes`]).

use std::collections::{BTreeMap, HashMap};

use super::super::classes::{Classes, Target, classify};
use super::super::trust::Who;
use super::super::{Graph, NodeKind};
use super::VirtualKey;
use crate::policy::PolicySet;

/// Indexes over the principal and federated nodes.
pub(crate) struct Index {
    pub(super) roles: Vec<u32>,
    pub(super) role_pos: HashMap<u32, usize>,
    pub(super) role_classes: Classes,
    pub(super) user_pos: HashMap<u32, usize>,
    pub(super) user_classes: Classes,
    /// Trust principal (ARN, unique id, `arn:aws:sts::N:assumed-role/NAME`) → roles.
    pub(super) exact: HashMap<String, Vec<u32>>,
    /// Account id → roles whose trust names the account.
    pub(super) by_account: HashMap<String, Vec<u32>>,
    /// Roles whose trust names `*` or uses `NotPrincipal`.
    pub(super) star: Vec<u32>,
    /// Provider → roles.
    pub(super) federated: HashMap<String, Vec<u32>>,
    pub(super) roles_in: HashMap<String, Vec<u32>>,
    /// Principal node → the rewritten node a grant on it leads to.
    pub(super) rewritten: HashMap<u32, VirtualKey>,
    /// Account → roles whose trust policy admits `sagemaker.amazonaws.com`.
    pub(super) sagemaker_roles_in: HashMap<String, Vec<u32>>,
    pub(super) users_in: HashMap<String, Vec<u32>>,
}

fn push(map: &mut HashMap<String, Vec<u32>>, key: String, node: u32) {
    let list = map.entry(key).or_default();
    if list.last() != Some(&node) {
        list.push(node);
    }
}

impl Index {
    pub(crate) fn new(g: &Graph<'_>) -> Index {
        let mut ix = Index {
            roles: Vec::new(),
            role_pos: HashMap::new(),
            role_classes: Classes::default(),
            user_pos: HashMap::new(),
            user_classes: Classes::default(),
            exact: HashMap::new(),
            by_account: HashMap::new(),
            star: Vec::new(),
            federated: HashMap::new(),
            roles_in: HashMap::new(),
            rewritten: HashMap::new(),
            sagemaker_roles_in: HashMap::new(),
            users_in: HashMap::new(),
        };
        let mut role_targets = Vec::new();
        let mut user_targets = Vec::new();
        let mut reads = super::super::build::BoundaryReads::default();
        for (i, n) in g.nodes.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { continue };
            let Some(p) = g.principal(id) else { continue };
            ix.rewritten.insert(
                id,
                VirtualKey::Rewritten {
                    account: p.account.clone(),
                    boundary: p.boundary.as_ref().map(|b| b.id.to_string()),
                    service_linked: p.service_linked,
                    keys: reads.keys_of(p),
                },
            );
            match n.kind {
                NodeKind::Role => {
                    ix.role_pos.insert(id, ix.roles.len());
                    ix.roles.push(id);
                    role_targets.push(Target {
                        arn: &p.arn,
                        tags: &p.tags,
                    });
                    push(&mut ix.roles_in, p.account.clone(), id);
                    if let Some(t) = &p.trust {
                        ix.index_trust(t, id);
                        if crate::audit::load::trusts_service(t, "sagemaker.amazonaws.com") {
                            push(&mut ix.sagemaker_roles_in, p.account.clone(), id);
                        }
                    }
                }
                NodeKind::User => {
                    ix.user_pos.insert(id, user_targets.len());
                    user_targets.push(Target {
                        arn: &p.arn,
                        tags: &p.tags,
                    });
                    push(&mut ix.users_in, p.account.clone(), id);
                }
                _ => {}
            }
        }
        let sets: Vec<&PolicySet> = g.actors.iter().map(|a| &a.set).collect();
        let mut values: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
        for a in &g.actors {
            for e in a.context.entries() {
                if let Some(v) = e.values.first() {
                    values
                        .entry(e.key_lower.clone())
                        .or_default()
                        .insert(v.clone());
                }
            }
        }
        ix.role_classes = classify(
            &role_targets,
            &sets,
            &[
                "sts:AssumeRole",
                "iam:PassRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
            ],
            &values,
        );
        ix.user_classes = classify(
            &user_targets,
            &sets,
            &[
                "iam:CreateAccessKey",
                "iam:CreateLoginProfile",
                "iam:UpdateLoginProfile",
                "iam:PutUserPolicy",
                "iam:AttachUserPolicy",
            ],
            &values,
        );
        ix
    }

    fn index_trust(&mut self, trust: &crate::policy::Policy, role: u32) {
        for st in &trust.statements {
            let Some(clause) = &st.principal else {
                continue;
            };
            let Some(entries) = clause.entries.as_ref().filter(|_| !clause.negated) else {
                if !self.star.contains(&role) {
                    self.star.push(role);
                }
                continue;
            };
            for (kind, values) in entries {
                for v in values {
                    match kind.as_str() {
                        "Federated" => push(&mut self.federated, v.clone(), role),
                        "AWS" if v == "*" && !self.star.contains(&role) => self.star.push(role),
                        "AWS" if v == "*" => {}
                        "AWS" => {
                            if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
                                push(&mut self.by_account, v.clone(), role);
                            } else if let Some(acct) = v
                                .strip_prefix("arn:aws:iam::")
                                .and_then(|r| r.strip_suffix(":root"))
                            {
                                push(&mut self.by_account, acct.to_owned(), role);
                            } else if v.starts_with("arn:aws:sts::") && v.contains(":assumed-role/")
                            {
                                // Keyed by the role part: the session name is the caller's.
                                let key = v.rsplit_once('/').map_or(v.as_str(), |(k, _)| k);
                                push(&mut self.exact, key.to_owned(), role);
                            } else {
                                push(&mut self.exact, v.clone(), role);
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Roles whose trust policy may admit `who`.
    pub(super) fn candidates(&self, who: &Who<'_>) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        let mut add = |list: Option<&Vec<u32>>| out.extend(list.into_iter().flatten());
        add(self.exact.get(who.arn));
        if !who.id.is_empty() {
            add(self.exact.get(who.id));
        }
        if let Some(name) = who.role_name {
            add(self
                .exact
                .get(&format!("arn:aws:sts::{}:assumed-role/{name}", who.account)));
        }
        add(self.by_account.get(who.account));
        out.extend(&self.star);
        out.sort_unstable();
        out.dedup();
        out
    }
}
