//! IAM-change edges: taking a user's credentials, rewriting a role's trust policy, granting a
//! principal the node can act as anything (its own policies, its groups', a policy attached to
//! it, or a stored version of one), and joining a group (S-39).

use std::collections::HashSet;
use std::sync::Arc;

use super::super::decide::Decided;
use super::super::{EdgeInfo, EdgeKind, NodeKind};
use super::{
    ADMIN_POLICY, Decider, EdgeSpec, On, Shared, TAKE_USER, To, VirtualKey, class_key, emit,
};

pub(super) fn take_user_edges(d: &mut Decider<'_, '_>, out: &mut Vec<Shared>) {
    let actions: Vec<&'static str> = TAKE_USER.iter().copied().filter(|a| d.may(a)).collect();
    if actions.is_empty() {
        return;
    }
    let users =
        d.ix.users_in
            .get(&d.actor.account)
            .cloned()
            .unwrap_or_default();
    for user in users {
        for action in &actions {
            let Some(dec) = d.on_user(action, user, &[]).filter(|x| x.gates.allowed()) else {
                continue;
            };
            let key = (EdgeKind::TakeUser, class_key(d.ix, user).unwrap_or(On::Any));
            let info = match d.shared.get(&key) {
                Some(i) => i.clone(),
                None => {
                    let i = Arc::new(d.info(&[action], &[&dec]));
                    d.shared.insert(key, i.clone());
                    i
                }
            };
            out.push((user, EdgeKind::TakeUser, info));
            break;
        }
    }
}

pub(super) fn rewrite_trust_edges(d: &mut Decider<'_, '_>, out: &mut Vec<Shared>) {
    if !d.may("iam:UpdateAssumeRolePolicy") {
        return;
    }
    let roles =
        d.ix.roles_in
            .get(&d.actor.account)
            .cloned()
            .unwrap_or_default();
    for role in roles {
        if d.g.principal(role).is_none_or(protected) {
            continue;
        }
        let Some(update) = d
            .on_role("iam:UpdateAssumeRolePolicy", role, &[])
            .filter(|x| x.gates.allowed())
        else {
            continue;
        };
        // The new trust policy names the principal: only a deny, the boundary or an SCP can
        // still stop `sts:AssumeRole` (S-34).
        let Some(assume) = d
            .on_role("sts:AssumeRole", role, &[])
            .filter(|x| x.gates.open_but_identity())
        else {
            continue;
        };
        let key = (
            EdgeKind::RewriteTrust,
            class_key(d.ix, role).unwrap_or(On::Any),
        );
        let info = match d.shared.get(&key) {
            Some(i) => i.clone(),
            None => {
                let i = Arc::new(d.info(
                    &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
                    &[&update, &assume],
                ));
                d.shared.insert(key, i.clone());
                i
            }
        };
        out.push((role, EdgeKind::RewriteTrust, info));
    }
}

/// True when `arn` names a resource of `account`.
fn in_account(arn: &str, account: &str) -> bool {
    crate::policy::pattern::split_arn(arn).is_some_and(|p| p[4] == account)
}

/// Roles whose trust and permissions IAM does not let an account change: service-linked roles
/// and the roles IAM Identity Center manages (`/aws-reserved/`).
fn protected(p: &crate::audit::load::Principal) -> bool {
    p.service_linked || p.path.starts_with("/aws-reserved/")
}

/// Merges the edge that lets a node act as a principal into the grant on it.
fn with_taken(mut info: EdgeInfo, via: Option<&EdgeInfo>) -> EdgeInfo {
    if let Some(v) = via {
        let mut actions = v.actions.clone();
        actions.extend(info.actions);
        info.actions = actions;
        for s in &v.statements {
            if !info.statements.contains(s) {
                info.statements.push(s.clone());
            }
        }
        info.conditions.extend(v.conditions.iter().cloned());
    }
    info
}

pub(super) fn grant_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    taken: &[(u32, Arc<EdgeInfo>)],
    out: &mut Vec<(u32, EdgeSpec)>,
) {
    let g = d.g;
    let any_grant = [
        "iam:PutUserPolicy",
        "iam:AttachUserPolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:PutGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
    ]
    .into_iter()
    .any(|a| d.may(a));
    if !any_grant {
        return;
    }
    let mut targets: Vec<(u32, Option<&EdgeInfo>)> = vec![(base, None)];
    targets.extend(taken.iter().map(|(t, i)| (*t, Some(&**i))));
    // One grant edge per rewritten node: principals that share a boundary and SCPs lead to
    // the same one.
    let mut granted: HashSet<VirtualKey> = HashSet::new();
    for (t, via) in targets {
        let Some(p) = g.principal(t) else { continue };
        if protected(p) || p.account != d.actor.account {
            continue;
        }
        let Some(file) = g.nodes.get(t as usize).map(|x| x.file) else {
            continue;
        };
        let Some(rewritten_key) = d.ix.rewritten.get(&t).cloned() else {
            continue;
        };
        let versioned = g
            .accounts
            .get(file)
            .is_some_and(|a| !a.other_versions.is_empty());
        if granted.contains(&rewritten_key) && !versioned {
            continue;
        }
        let done = granted.contains(&rewritten_key);
        let mut grant: Option<Arc<Decided>> = None;
        let mut grant_action = "";
        let user = g
            .nodes
            .get(t as usize)
            .is_some_and(|x| x.kind == NodeKind::User);
        let own: [(&'static str, &[(&str, &str)]); 2] = if user {
            [
                ("iam:PutUserPolicy", &[]),
                ("iam:AttachUserPolicy", &[("iam:PolicyARN", ADMIN_POLICY)]),
            ]
        } else {
            [
                ("iam:PutRolePolicy", &[]),
                ("iam:AttachRolePolicy", &[("iam:PolicyARN", ADMIN_POLICY)]),
            ]
        };
        for (action, extra) in own {
            if done || grant.is_some() || !d.may(action) {
                continue;
            }
            let dec = if user {
                d.on_user(action, t, extra)
            } else {
                d.on_role(action, t, extra)
            };
            if let Some(dec) = dec.filter(|x| x.gates.allowed()) {
                grant = Some(dec);
                grant_action = action;
            }
        }
        // The groups it is in.
        let groups = g
            .accounts
            .get(file)
            .map_or(&[][..], |a| a.groups.as_slice());
        for gname in &p.groups {
            let Some(group) = groups
                .iter()
                .find(|x| &x.name == gname && in_account(&x.arn, &d.actor.account))
            else {
                continue;
            };
            for (action, extra) in [
                ("iam:PutGroupPolicy", &[][..]),
                (
                    "iam:AttachGroupPolicy",
                    &[("iam:PolicyARN", ADMIN_POLICY)][..],
                ),
            ] {
                if done || grant.is_some() || !d.may(action) {
                    continue;
                }
                if let Some(dec) = d
                    .on_arn(action, &group.arn, extra)
                    .filter(|x| x.gates.allowed())
                {
                    grant = Some(dec);
                    grant_action = action;
                }
            }
        }
        // Customer managed policies attached to it (directly or through a group).
        let mut versions: Vec<(Arc<Decided>, String, String)> = Vec::new();
        for doc in &p.identity {
            let Some(arn) = doc.id.strip_prefix("managed:") else {
                continue;
            };
            if arn.starts_with("arn:aws:iam::aws:") || !in_account(arn, &d.actor.account) {
                continue;
            }
            if !done
                && grant.is_none()
                && d.may("iam:CreatePolicyVersion")
                && let Some(dec) = d
                    .on_arn("iam:CreatePolicyVersion", arn, &[])
                    .filter(|x| x.gates.allowed())
            {
                grant = Some(dec);
                grant_action = "iam:CreatePolicyVersion";
            }
            let others = g
                .accounts
                .get(file)
                .and_then(|a| a.other_versions.get(arn))
                .map_or(&[][..], Vec::as_slice);
            if !others.is_empty()
                && d.may("iam:SetDefaultPolicyVersion")
                && let Some(dec) = d
                    .on_arn("iam:SetDefaultPolicyVersion", arn, &[])
                    .filter(|x| x.gates.allowed())
            {
                for v in others {
                    versions.push((dec.clone(), arn.to_owned(), v.version.clone()));
                }
            }
        }
        if let Some(dec) = grant
            && granted.insert(rewritten_key.clone())
        {
            let info = with_taken(d.info(&[grant_action], &[&dec]), via);
            let to = To::Virtual {
                key: rewritten_key,
                base: t,
            };
            emit(out, n, to, EdgeKind::GrantPermissions, info);
        }
        for (dec, policy, version) in versions {
            let info = with_taken(d.info(&["iam:SetDefaultPolicyVersion"], &[&dec]), via);
            let key = VirtualKey::Version {
                principal: t,
                policy,
                version,
            };
            emit(
                out,
                n,
                To::Virtual { key, base: t },
                EdgeKind::SetDefaultVersion,
                info,
            );
        }
    }
}

/// Joining a group: one edge per group, for the node's own user, else the first user it can act
/// as that is not in the group already (the group's policies are what it gains).
pub(super) fn join_group_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    taken: &[(u32, Arc<EdgeInfo>)],
    out: &mut Vec<(u32, EdgeSpec)>,
) {
    if !d.may("iam:AddUserToGroup") {
        return;
    }
    let g = d.g;
    let mut users: Vec<(u32, Option<&EdgeInfo>)> = vec![(base, None)];
    users.extend(taken.iter().map(|(t, i)| (*t, Some(&**i))));
    users.retain(|(t, _)| {
        g.nodes
            .get(*t as usize)
            .is_some_and(|x| x.kind == NodeKind::User)
            && g.principal(*t)
                .is_some_and(|p| p.account == d.actor.account)
    });
    let Some(file) = users
        .first()
        .and_then(|(t, _)| g.nodes.get(*t as usize))
        .map(|x| x.file)
    else {
        return;
    };
    let groups = g
        .accounts
        .get(file)
        .map_or(&[][..], |a| a.groups.as_slice());
    // IAM has no resource-based policies: only groups of the actor's own account.
    for group in groups
        .iter()
        .filter(|x| x.complete && in_account(&x.arn, &d.actor.account))
    {
        let Some((t, via)) = users
            .iter()
            .find(|(t, _)| {
                g.principal(*t)
                    .is_some_and(|p| !p.groups.contains(&group.name))
            })
            .copied()
        else {
            continue;
        };
        let Some(dec) = d
            .on_arn("iam:AddUserToGroup", &group.arn, &[])
            .filter(|x| x.gates.allowed())
        else {
            continue;
        };
        let info = with_taken(d.info(&["iam:AddUserToGroup"], &[&dec]), via);
        let key = VirtualKey::Joined {
            user: t,
            group: group.name.clone(),
        };
        emit(
            out,
            n,
            To::Virtual { key, base: t },
            EdgeKind::JoinGroup,
            info,
        );
    }
}
