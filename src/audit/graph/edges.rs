//! Deciding the edges out of a node, once per actor and target class.
//!
//! Every decision is a request decided by the engine for the acting node ([`super::decide`]);
//! role assumption is also decided by the target's trust policy ([`super::trust`]). Targets are
//! found through indexes (who each trust policy names; the users, roles, groups and attached
//! policies of each account), and identity-side decisions on roles and users are cached per
//! target class ([`super::classes`]), so the work is about actors × classes.

use std::collections::HashMap;
use std::sync::Arc;

use super::decide::{
    Actor, Decided, Fixed, allowed_some, decide, may_allow, redecide, satisfy, to_context,
    witness_of,
};
use super::trust::{self, Admit, Who};

mod iam;
mod index;

use super::{EdgeInfo, EdgeKind, Graph, NodeKind};
use crate::audit::findings::paths::PATHS;
use crate::audit::findings::statement_ref;
use crate::audit::model::StatementRef;
use crate::condition::Condition;
use crate::eval::{Context, ContextValue, Explanation, Request};
use crate::policy::Effect;
use iam::{grant_edges, join_group_edges, rewrite_trust_edges, take_user_edges};
pub(crate) use index::Index;

/// What an edge leads to: a node, or a virtual node to create.
#[derive(Debug, Clone)]
pub(crate) enum To {
    /// An existing node.
    Node(u32),
    /// A virtual node derived from principal node `base`.
    Virtual {
        /// What it is.
        key: VirtualKey,
        /// The principal it is derived from (and acts as).
        base: u32,
    },
}

/// Identity of a virtual node.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum VirtualKey {
    /// Anything the boundary (by id) and SCPs of a principal allow in its account; principals
    /// that share them share the node.
    Rewritten {
        /// The principal's account.
        account: String,
        /// Its boundary's id.
        boundary: Option<String>,
        /// A service-linked role (no SCPs).
        service_linked: bool,
        /// Principal keys the boundary reads, with their values.
        keys: Vec<(String, String)>,
    },
    /// The base user in a group.
    Joined {
        /// The user's node.
        user: u32,
        /// The group name.
        group: String,
    },
    /// The base principal with an attached policy at another version.
    Version {
        /// The principal's node.
        principal: u32,
        /// The policy ARN.
        policy: String,
        /// The version.
        version: String,
    },
}

/// An edge to add.
#[derive(Debug, Clone)]
pub(crate) struct EdgeSpec {
    pub(crate) to: To,
    pub(crate) kind: EdgeKind,
    pub(crate) info: Arc<EdgeInfo>,
}

/// Actions that take a user's credentials.
const TAKE_USER: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];
/// The policy `Attach…Policy` is checked with: attaching it is granting anything (S-39).
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// What a cached decision is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum On {
    Role(u32),
    User(u32),
    Arn(String),
    Any,
}

/// Decides and explains edge requests for one actor, cached per action and target class.
struct Decider<'g, 'a> {
    g: &'g Graph<'a>,
    ix: &'g Index,
    actor: &'g Actor<'a>,
    cache: HashMap<String, HashMap<On, Option<Arc<Decided>>>>,
    may: HashMap<String, bool>,
    /// Edge facts shared by every target of a class (their witnesses name the class's first
    /// target; hops show them on their own).
    shared: HashMap<(EdgeKind, On), Arc<EdgeInfo>>,
    /// The edges that depend on the actor's policies only, once decided.
    identity_edges: Option<Vec<Shared>>,
}

fn tag_fixed(tags: &[(String, String)], extra: &[(&str, &str)]) -> Fixed {
    let mut f: Fixed = Vec::new();
    for (k, v) in tags {
        for prefix in ["aws:ResourceTag/", "iam:ResourceTag/"] {
            let key = format!("{prefix}{k}");
            if !f.iter().any(|(x, _)| x.eq_ignore_ascii_case(&key)) {
                f.push((key, ContextValue::Single(v.clone())));
            }
        }
    }
    for (k, v) in extra {
        f.push(((*k).to_owned(), ContextValue::Single((*v).to_owned())));
    }
    f
}

/// `request` made on `arn` with `fixed` in place of the class representative's tags.
fn retarget(request: &Request, arn: &str, fixed: &Fixed) -> Request {
    let mut r = request.clone();
    r.resource = arn.to_owned();
    let mut a: Vec<(String, ContextValue)> = request
        .context
        .entries()
        .iter()
        .filter(|e| {
            !e.key_lower.starts_with("aws:resourcetag/")
                && !e.key_lower.starts_with("iam:resourcetag/")
        })
        .map(|e| (e.key.clone(), e.value()))
        .collect();
    for (k, v) in fixed {
        a.retain(|(x, _)| !x.eq_ignore_ascii_case(k));
        a.push((k.clone(), v.clone()));
    }
    r.context = to_context(&a);
    r
}

fn assignment(ctx: &Context) -> Vec<(String, ContextValue)> {
    ctx.entries()
        .iter()
        .map(|e| (e.key.clone(), e.value()))
        .collect()
}

/// A condition as people read it: `StringEquals sts:ExternalId [x-1]`.
pub(crate) fn render_condition(c: &Condition) -> String {
    format!("{} {} [{}]", c.op, c.key, c.raw_values.join(", "))
}

impl<'g, 'a> Decider<'g, 'a> {
    fn may(&mut self, action: &str) -> bool {
        if let Some(m) = self.may.get(action) {
            return *m;
        }
        let m = may_allow(&self.actor.set, action);
        self.may.insert(action.to_owned(), m);
        m
    }

    /// The decision of `action` on target `on`, made on `arn` with the tags of `tags_of` (a
    /// principal node) and `extra` fixed; made once per action and target class.
    fn decision(
        &mut self,
        action: &str,
        on: On,
        arn: &str,
        tags_of: Option<u32>,
        extra: &[(&str, &str)],
    ) -> Option<Arc<Decided>> {
        if let Some(hit) = self.cache.get(action).and_then(|m| m.get(&on)) {
            return hit.clone();
        }
        let (g, actor) = (self.g, self.actor);
        let made = if matches!(arn, "" | "*") {
            allowed_some(actor, &g.env, action, "*", g.catalog)
        } else {
            let tags = tags_of
                .and_then(|t| g.principal(t))
                .map_or(&[][..], |p| p.tags.as_slice());
            let fixed = tag_fixed(tags, extra);
            // Where a trust policy may grant without an identity allow, the rest of the gates
            // still matter (S-34).
            let fallback = action.eq_ignore_ascii_case("sts:AssumeRole");
            decide(actor, &g.env, action, arn, &fixed, fallback, g.catalog)
        }
        .map(Arc::new);
        self.cache
            .entry(action.to_owned())
            .or_default()
            .insert(on, made.clone());
        made
    }

    /// The decision on a role target: its class's (whose first role it was made on; it holds
    /// for every role of the class).
    fn on_role(&mut self, action: &str, role: u32, extra: &[(&str, &str)]) -> Option<Arc<Decided>> {
        let p = self.g.principal(role)?;
        let class = self.ix.role_classes.of(*self.ix.role_pos.get(&role)?);
        self.decision(action, On::Role(class), &p.arn, Some(role), extra)
    }

    fn on_user(&mut self, action: &str, user: u32, extra: &[(&str, &str)]) -> Option<Arc<Decided>> {
        let p = self.g.principal(user)?;
        let class = self.ix.user_classes.of(*self.ix.user_pos.get(&user)?);
        self.decision(action, On::User(class), &p.arn, Some(user), extra)
    }

    fn on_arn(&mut self, action: &str, arn: &str, extra: &[(&str, &str)]) -> Option<Arc<Decided>> {
        self.decision(action, On::Arn(arn.to_owned()), arn, None, extra)
    }

    fn any(&mut self, action: &str) -> Option<Arc<Decided>> {
        self.decision(action, On::Any, "*", None, &[])
    }

    /// The allow statements an explanation matched, located.
    fn refs(&self, ex: &Explanation) -> Vec<StatementRef> {
        ex.matched
            .iter()
            .filter(|m| m.effect == Effect::Allow)
            .filter_map(|m| {
                statement_ref(
                    &self.actor.set,
                    &self.actor.origins,
                    m.layer,
                    m.policy,
                    m.statement,
                )
            })
            .collect()
    }

    /// The conditions of the allow statements an explanation matched, readable.
    fn conditions(&self, ex: &Explanation) -> Vec<String> {
        let set = &self.actor.set;
        let mut out = Vec::new();
        for m in ex.matched.iter().filter(|m| m.effect == Effect::Allow) {
            let doc = match m.layer {
                crate::eval::Layer::Identity => set.identity.get(m.policy as usize),
                crate::eval::Layer::Boundary => {
                    set.boundary.as_ref().and_then(|b| b.get(m.policy as usize))
                }
                crate::eval::Layer::Scp(l) => set
                    .scps
                    .get(l as usize)
                    .and_then(|lv| lv.get(m.policy as usize)),
                _ => None,
            };
            let Some(st) =
                doc.and_then(|d| d.statements.iter().find(|s| s.index as u32 == m.statement))
            else {
                continue;
            };
            for c in &st.conditions {
                let text = format!("{}: {}", m.layer, render_condition(c));
                if !out.contains(&text) {
                    out.push(text);
                }
            }
        }
        out
    }

    fn info(&self, actions: &[&str], decisions: &[&Decided]) -> EdgeInfo {
        let mut info = EdgeInfo {
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            ..EdgeInfo::default()
        };
        for d in decisions {
            for s in self.refs(&d.explanation) {
                if !info.statements.contains(&s) {
                    info.statements.push(s);
                }
            }
            for c in self.conditions(&d.explanation) {
                if !info.conditions.contains(&c) {
                    info.conditions.push(c);
                }
            }
        }
        info.witness = decisions
            .first()
            .map(|d| witness_of(&self.g.env, &d.request));
        info
    }
}

/// The principal `node` acts as, as trust policies see it.
pub(crate) fn who_of<'g>(g: &'g Graph<'_>, node: u32) -> Option<Who<'g>> {
    let base = g.nodes.get(node as usize)?.acts_as;
    let n = g.nodes.get(base as usize)?;
    if n.kind == NodeKind::Federated {
        return Some(Who {
            arn: &n.arn,
            account: &n.account,
            id: "",
            role_name: None,
            federated: true,
        });
    }
    let p = g.principal(base)?;
    Some(Who {
        arn: &p.arn,
        account: &p.account,
        id: &p.id,
        role_name: (n.kind == NodeKind::Role).then_some(p.name.as_str()),
        federated: false,
    })
}

/// The trust statement `index` of role node `role`, located.
fn trust_ref(g: &Graph<'_>, role: u32, index: usize) -> Option<StatementRef> {
    let p = g.principal(role)?;
    let file = &g.accounts.get(g.nodes.get(role as usize)?.file)?.file;
    let st = p
        .trust
        .as_ref()?
        .statements
        .iter()
        .find(|s| s.index == index)?;
    Some(StatementRef {
        policy: format!("trust:{}", p.arn),
        file: file.clone(),
        pointer: format!("{}/AssumeRolePolicyDocument{}", p.pointer, st.pointer),
        statement: st.label(),
        effect: st.effect.as_str().to_owned(),
    })
}

/// The edges out of `nodes`, which share `actor` (`None`: federated nodes): the node-specific
/// ones, and the actor's shared list.
pub(crate) fn expand(
    g: &Graph<'_>,
    ix: &Index,
    actor: Option<u32>,
    nodes: &[u32],
) -> (Vec<(u32, EdgeSpec)>, Option<Vec<Shared>>) {
    let mut out = Vec::new();
    let Some(actor) = actor.and_then(|a| g.actors.get(a as usize)) else {
        for &n in nodes {
            federated_edges(g, ix, n, &mut out);
        }
        return (out, None);
    };
    let mut d = Decider {
        g,
        ix,
        actor,
        cache: HashMap::new(),
        may: HashMap::new(),
        shared: HashMap::new(),
        identity_edges: None,
    };
    for &n in nodes {
        node_edges(&mut d, n, &mut out);
    }
    (out, d.identity_edges)
}

fn federated_edges(g: &Graph<'_>, ix: &Index, n: u32, out: &mut Vec<(u32, EdgeSpec)>) {
    let Some(who) = who_of(g, n).filter(|w| w.federated) else {
        return;
    };
    let action = if who.arn.contains(":saml-provider/") {
        "sts:AssumeRoleWithSAML"
    } else {
        "sts:AssumeRoleWithWebIdentity"
    };
    for &role in ix.federated.get(who.arn).into_iter().flatten() {
        let Some(trust) = g.principal(role).and_then(|p| p.trust.as_ref()) else {
            continue;
        };
        let app = trust::applicable(trust, &who);
        for st in app.allows(action).take(8) {
            let mut a = Vec::new();
            satisfy(
                &st.conditions,
                &Context::new(),
                &[],
                &g.env,
                g.catalog,
                &mut a,
            );
            let Ok(mut req) = Request::new(
                action,
                &g.nodes
                    .get(role as usize)
                    .map_or(String::new(), |x| x.arn.clone()),
            ) else {
                continue;
            };
            req.context = to_context(&a);
            let v = trust::decide(&app, &req, g.catalog);
            let Some((si, _, _)) = v.admitted().cloned() else {
                continue;
            };
            let mut info = EdgeInfo {
                actions: vec![action.to_owned()],
                ..EdgeInfo::default()
            };
            info.statements.extend(trust_ref(g, role, si));
            info.conditions = trust_conditions(trust, si, None);
            info.witness = Some(witness_of(&g.env, &req));
            emit(out, n, To::Node(role), EdgeKind::FederatedAssumeRole, info);
            break;
        }
    }
}

fn trust_conditions(
    trust: &crate::policy::Policy,
    index: usize,
    note: Option<&str>,
) -> Vec<String> {
    let mut out: Vec<String> = trust
        .statements
        .iter()
        .filter(|s| s.index == index)
        .flat_map(|s| &s.conditions)
        .map(|c| format!("trust: {}", render_condition(c)))
        .collect();
    out.extend(note.map(|n| format!("trust: {n}")));
    out
}

fn node_edges(d: &mut Decider<'_, '_>, n: u32, out: &mut Vec<(u32, EdgeSpec)>) {
    let g = d.g;
    let Some(node) = g.nodes.get(n as usize) else {
        return;
    };
    let base = node.acts_as;
    // Principal nodes this node can act as, with the edge that makes it so.
    let mut taken: Vec<(u32, Arc<EdgeInfo>)> = Vec::new();
    assume_edges(d, n, base, out, &mut taken);
    // Edges that depend on the actor's policies alone: decided once, shared by its members.
    if d.identity_edges.is_none() {
        let mut list = Vec::new();
        take_user_edges(d, &mut list);
        rewrite_trust_edges(d, &mut list);
        pass_role_edges(d, &mut list);
        d.identity_edges = Some(list);
    }
    for (to, kind, info) in d.identity_edges.iter().flatten() {
        if *to != base && matches!(kind, EdgeKind::TakeUser | EdgeKind::RewriteTrust) {
            taken.push((*to, info.clone()));
        }
    }
    grant_edges(d, n, base, &taken, out);
    join_group_edges(d, n, base, &taken, out);
}

/// An edge to a principal node, shared by every member of an actor.
pub(crate) type Shared = (u32, EdgeKind, Arc<EdgeInfo>);

fn emit(out: &mut Vec<(u32, EdgeSpec)>, from: u32, to: To, kind: EdgeKind, info: EdgeInfo) {
    emit_shared(out, from, to, kind, Arc::new(info));
}

fn emit_shared(
    out: &mut Vec<(u32, EdgeSpec)>,
    from: u32,
    to: To,
    kind: EdgeKind,
    info: Arc<EdgeInfo>,
) {
    out.push((from, EdgeSpec { to, kind, info }));
}

/// The class of a role or user node, as a cache key.
fn class_key(ix: &Index, node: u32) -> Option<On> {
    if let Some(p) = ix.role_pos.get(&node) {
        return Some(On::Role(ix.role_classes.of(*p)));
    }
    ix.user_pos
        .get(&node)
        .map(|p| On::User(ix.user_classes.of(*p)))
}

fn assume_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    out: &mut Vec<(u32, EdgeSpec)>,
    taken: &mut Vec<(u32, Arc<EdgeInfo>)>,
) {
    let g = d.g;
    let Some(who) = who_of(g, n) else { return };
    let may = d.may("sts:AssumeRole");
    for role in d.ix.candidates(&who) {
        if role == base {
            continue;
        }
        let Some(rp) = g.principal(role) else {
            continue;
        };
        let Some(trust) = &rp.trust else { continue };
        let same_account = rp.account == d.actor.account;
        // Without an identity allow only same-account trusts naming the principal can grant.
        if !may && !same_account {
            continue;
        }
        let app = trust::applicable(trust, &who);
        if app.admits.is_empty()
            || (!may && app.admits.iter().all(|(_, a, _)| *a == Admit::Account))
        {
            continue;
        }
        let Some(class_decision) = d.on_role("sts:AssumeRole", role, &[]) else {
            continue;
        };
        // No identity allow: only a same-account trust that names the principal can grant.
        if !class_decision.gates.identity
            && (!same_account || app.admits.iter().all(|(_, a, _)| *a == Admit::Account))
        {
            continue;
        }
        let fixed = tag_fixed(&rp.tags, &[]);
        let idv = Decided {
            request: retarget(&class_decision.request, &rp.arn, &fixed),
            ..(*class_decision).clone()
        };
        let statements: Vec<crate::policy::Statement> =
            app.allows("sts:AssumeRole").take(8).cloned().collect();
        for st in &statements {
            let mut a = assignment(&idv.request.context);
            satisfy(
                &st.conditions,
                &d.actor.context,
                &fixed,
                &g.env,
                g.catalog,
                &mut a,
            );
            let mut req = idv.request.clone();
            req.context = to_context(&a);
            let verdict = trust::decide(
                &app,
                &trust::with_principal(&req, &d.actor.context),
                g.catalog,
            );
            let Some((si, admit, note)) = verdict.admitted().cloned() else {
                continue;
            };
            let need_identity = !same_account || admit == Admit::Account;
            let id = if req.context == idv.request.context {
                idv.clone()
            } else {
                redecide(d.actor, req, g.catalog)
            };
            if !id.gates.open_but_identity() || (need_identity && !id.gates.identity) {
                continue;
            }
            let mut info = d.info(&["sts:AssumeRole"], &[&id]);
            if !need_identity && !id.gates.identity {
                info.conditions.push(
                    "the trust policy names the principal: no identity policy needs to allow it"
                        .to_owned(),
                );
            }
            info.statements.extend(trust_ref(g, role, si));
            info.conditions
                .extend(trust_conditions(trust, si, note.as_deref()));
            let info = Arc::new(info);
            taken.push((role, info.clone()));
            emit_shared(out, n, To::Node(role), EdgeKind::AssumeRole, info);
            break;
        }
    }
}

/// A pass-role path that holds: its id, its actions and their decisions.
type Chosen = (&'static str, Vec<String>, Vec<Arc<Decided>>);

fn pass_role_edges(d: &mut Decider<'_, '_>, out: &mut Vec<Shared>) {
    if !d.may("iam:PassRole") {
        return;
    }
    let g = d.g;
    // The first pass-role path (in the table's order) whose actions are all allowed.
    let mut chosen: Option<Chosen> = None;
    for def in PATHS.iter().filter(|p| p.pass_role) {
        let mut decisions = Vec::new();
        let mut actions = Vec::new();
        for a in def.actions {
            let full = format!("sagemaker:{a}");
            if g.catalog.action(&full).is_none() || !d.may(&full) {
                break;
            }
            match d.any(&full).filter(|x| x.gates.allowed()) {
                Some(dec) => {
                    decisions.push(dec);
                    actions.push(full);
                }
                None => break,
            }
        }
        if decisions.len() == def.actions.len() {
            chosen = Some((def.id, actions, decisions));
            break;
        }
    }
    let Some((path, actions, decisions)) = chosen else {
        return;
    };
    let roles =
        d.ix.sagemaker_roles_in
            .get(&d.actor.account)
            .cloned()
            .unwrap_or_default();
    for role in roles {
        let Some(pass) = d
            .on_role(
                "iam:PassRole",
                role,
                &[("iam:PassedToService", "sagemaker.amazonaws.com")],
            )
            .filter(|x| x.gates.allowed())
        else {
            continue;
        };
        let key = (
            EdgeKind::SagemakerPassRole,
            class_key(d.ix, role).unwrap_or(On::Any),
        );
        let info = match d.shared.get(&key) {
            Some(i) => i.clone(),
            None => {
                let mut all: Vec<&Decided> = decisions.iter().map(|x| &**x).collect();
                all.push(&pass);
                let mut acts: Vec<&str> = actions.iter().map(String::as_str).collect();
                acts.push("iam:PassRole");
                let mut info = d.info(&acts, &all);
                info.witness = Some(witness_of(&d.g.env, &pass.request));
                info.conditions.insert(0, format!("path `{path}`"));
                let i = Arc::new(info);
                d.shared.insert(key, i.clone());
                i
            }
        };
        out.push((role, EdgeKind::SagemakerPassRole, info));
    }
}
