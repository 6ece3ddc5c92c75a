//! Deciding the edges out of a node, once per actor and target class.
//!
//! Every decision is a request decided by the engine for the acting node ([`super::decide`]);
//! role assumption is also decided by the target's trust policy ([`super::trust`]). Targets are
//! found through indexes (who each trust policy names; the users, roles, groups and attached
//! policies of each account), and identity-side decisions on roles and users are cached per
//! target class ([`super::classes`]), so the work is about actors × classes.

use std::collections::{BTreeMap, HashMap};

use super::classes::{Classes, Target, classify};
use super::decide::{
    Actor, Decided, Fixed, allowed_some, decide, may_allow, redecide, satisfy, to_context,
};
use super::trust::{self, Admit, Who};
use super::{EdgeInfo, EdgeKind, Graph, NodeKind};
use crate::audit::findings::{statement_ref, witness};
use crate::audit::findings::paths::PATHS;
use crate::audit::model::StatementRef;
use crate::condition::Condition;
use crate::eval::{Context, ContextValue, Explanation, Request};
use crate::policy::{Effect, PolicySet};

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
    pub(crate) info: EdgeInfo,
}

/// Actions that take a user's credentials.
const TAKE_USER: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];
/// The policy `Attach…Policy` is checked with: attaching it is granting anything (S-38).
const ADMIN_POLICY: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// Indexes over the principal and federated nodes.
pub(crate) struct Index {
    roles: Vec<u32>,
    role_pos: HashMap<u32, usize>,
    role_classes: Classes,
    user_pos: HashMap<u32, usize>,
    user_classes: Classes,
    /// Trust principal (ARN, unique id, `arn:aws:sts::N:assumed-role/NAME`) → roles.
    exact: HashMap<String, Vec<u32>>,
    /// Account id → roles whose trust names the account.
    by_account: HashMap<String, Vec<u32>>,
    /// Roles whose trust names `*` or uses `NotPrincipal`.
    star: Vec<u32>,
    /// Provider → roles.
    federated: HashMap<String, Vec<u32>>,
    roles_in: HashMap<String, Vec<u32>>,
    users_in: HashMap<String, Vec<u32>>,
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
            users_in: HashMap::new(),
        };
        let mut role_targets = Vec::new();
        let mut user_targets = Vec::new();
        for (i, n) in g.nodes.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { continue };
            let Some(p) = g.principal(id) else { continue };
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
                    values.entry(e.key_lower.clone()).or_default().insert(v.clone());
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
            let Some(clause) = &st.principal else { continue };
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
                        "AWS" if v == "*" => {
                            if !self.star.contains(&role) {
                                self.star.push(role);
                            }
                        }
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
    fn candidates(&self, who: &Who<'_>) -> Vec<u32> {
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
    cache: HashMap<(String, On), Option<Decided>>,
    may: HashMap<String, bool>,
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
        .map(|e| (e.key.clone(), value_of(e)))
        .collect();
    for (k, v) in fixed {
        a.retain(|(x, _)| !x.eq_ignore_ascii_case(k));
        a.push((k.clone(), v.clone()));
    }
    r.context = to_context(&a);
    r
}

fn value_of(e: &crate::eval::ContextEntry) -> ContextValue {
    if e.is_list {
        ContextValue::Multi(e.values.clone())
    } else {
        ContextValue::Single(e.values.first().cloned().unwrap_or_default())
    }
}

fn assignment(ctx: &Context) -> Vec<(String, ContextValue)> {
    ctx.entries()
        .iter()
        .map(|e| (e.key.clone(), value_of(e)))
        .collect()
}

/// A condition as people read it: `StringEquals sts:ExternalId [x-1]`.
pub(crate) fn render_condition(c: &Condition) -> String {
    format!("{} {} [{}]", c.op, c.key, c.raw_values.join(", "))
}

impl<'g, 'a> Decider<'g, 'a> {
    fn may(&mut self, action: &str) -> bool {
        let set = &self.actor.set;
        *self
            .may
            .entry(action.to_owned())
            .or_insert_with(|| may_allow(set, action))
    }

    /// The decision of `action` on target `on`, made on `arn` with `fixed` (the class
    /// representative's when cached per class).
    fn decision(
        &mut self,
        action: &str,
        on: On,
        arn: &str,
        fixed: &Fixed,
    ) -> Option<&Decided> {
        let (g, actor) = (self.g, self.actor);
        self.cache
            .entry((action.to_owned(), on))
            .or_insert_with(|| {
                if matches!(arn, "" | "*") {
                    return allowed_some(actor, &g.env, action, "*", g.catalog);
                }
                decide(actor, &g.env, action, arn, fixed, &[], g.catalog)
            })
            .as_ref()
    }

    /// Identity-side decision on a role target, retargeted to it.
    fn on_role(&mut self, action: &str, role: u32, extra: &[(&str, &str)]) -> Option<Decided> {
        let p = self.g.principal(role)?;
        let pos = *self.ix.role_pos.get(&role)?;
        let class = self.ix.role_classes.of(pos);
        let fixed = tag_fixed(&p.tags, extra);
        // The class's representative is the first role of the class the cache sees; the
        // decision holds for every role of the class.
        let d = self.decision(action, On::Role(class), &p.arn, &fixed)?.clone();
        let request = retarget(&d.request, &p.arn, &fixed);
        Some(Decided { request, ..d })
    }

    fn on_user(&mut self, action: &str, user: u32, extra: &[(&str, &str)]) -> Option<Decided> {
        let p = self.g.principal(user)?;
        let pos = *self.ix.user_pos.get(&user)?;
        let class = self.ix.user_classes.of(pos);
        let fixed = tag_fixed(&p.tags, extra);
        let d = self.decision(action, On::User(class), &p.arn, &fixed)?.clone();
        let request = retarget(&d.request, &p.arn, &fixed);
        Some(Decided { request, ..d })
    }

    fn on_arn(&mut self, action: &str, arn: &str, extra: &[(&str, &str)]) -> Option<Decided> {
        let fixed = tag_fixed(&[], extra);
        self.decision(action, On::Arn(arn.to_owned()), arn, &fixed).cloned()
    }

    fn any(&mut self, action: &str) -> Option<Decided> {
        self.decision(action, On::Any, "*", &Vec::new()).cloned()
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
            let Some(st) = doc.and_then(|d| d.statements.iter().find(|s| s.index as u32 == m.statement))
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
        info.witness = decisions.first().map(|d| witness(&d.request, "Allowed"));
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
    let st = p.trust.as_ref()?.statements.iter().find(|s| s.index == index)?;
    Some(StatementRef {
        policy: format!("trust:{}", p.arn),
        file: file.clone(),
        pointer: format!("{}/AssumeRolePolicyDocument{}", p.pointer, st.pointer),
        statement: st.label(),
        effect: st.effect.as_str().to_owned(),
    })
}

/// The edges out of `nodes`, which share `actor` (`None`: federated nodes).
pub(crate) fn expand(
    g: &Graph<'_>,
    ix: &Index,
    actor: Option<u32>,
    nodes: &[u32],
) -> Vec<(u32, EdgeSpec)> {
    let mut out = Vec::new();
    let Some(actor) = actor.and_then(|a| g.actors.get(a as usize)) else {
        for &n in nodes {
            federated_edges(g, ix, n, &mut out);
        }
        return out;
    };
    let mut d = Decider {
        g,
        ix,
        actor,
        cache: HashMap::new(),
        may: HashMap::new(),
    };
    for &n in nodes {
        node_edges(&mut d, n, &mut out);
    }
    out
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
            satisfy(&st.conditions, &Context::new(), &[], &g.env, g.catalog, &mut a);
            let Ok(mut req) = Request::new(action, &g.nodes.get(role as usize).map_or(String::new(), |x| x.arn.clone())) else {
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
            info.witness = Some(witness(&req, "Allowed"));
            out.push((
                n,
                EdgeSpec {
                    to: To::Node(role),
                    kind: EdgeKind::FederatedAssumeRole,
                    info,
                },
            ));
            break;
        }
    }
}

fn trust_conditions(trust: &crate::policy::Policy, index: usize, note: Option<&str>) -> Vec<String> {
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
    let mut taken: Vec<(u32, EdgeInfo)> = Vec::new();
    assume_edges(d, n, base, out, &mut taken);
    take_user_edges(d, n, base, out, &mut taken);
    rewrite_trust_edges(d, n, base, out, &mut taken);
    grant_edges(d, n, base, &taken, out);
    join_group_edges(d, n, base, &taken, out);
    pass_role_edges(d, n, base, out);
}

fn emit(out: &mut Vec<(u32, EdgeSpec)>, from: u32, to: To, kind: EdgeKind, info: EdgeInfo) {
    out.push((from, EdgeSpec { to, kind, info }));
}

fn assume_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    out: &mut Vec<(u32, EdgeSpec)>,
    taken: &mut Vec<(u32, EdgeInfo)>,
) {
    let g = d.g;
    let Some(who) = who_of(g, n) else { return };
    let may = d.may("sts:AssumeRole");
    for role in d.ix.candidates(&who) {
        if role == base {
            continue;
        }
        let Some(rp) = g.principal(role) else { continue };
        let Some(trust) = &rp.trust else { continue };
        let same_account = rp.account == d.actor.account;
        // Without an identity allow only same-account trusts naming the principal can grant.
        if !may && !same_account {
            continue;
        }
        let app = trust::applicable(trust, &who);
        if app.admits.is_empty() || (!may && app.admits.iter().all(|(_, a, _)| *a == Admit::Account)) {
            continue;
        }
        let Some(idv) = d.on_role("sts:AssumeRole", role, &[]) else {
            continue;
        };
        let fixed = tag_fixed(&rp.tags, &[]);
        let statements: Vec<crate::policy::Statement> =
            app.allows("sts:AssumeRole").take(8).cloned().collect();
        for st in &statements {
            let mut a = assignment(&idv.request.context);
            satisfy(&st.conditions, &d.actor.context, &fixed, &g.env, g.catalog, &mut a);
            let mut req = idv.request.clone();
            req.context = to_context(&a);
            let verdict = trust::decide(&app, &trust::with_principal(&req, &d.actor.context), g.catalog);
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
            taken.push((role, info.clone()));
            emit(out, n, To::Node(role), EdgeKind::AssumeRole, info);
            break;
        }
    }
}

fn take_user_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    out: &mut Vec<(u32, EdgeSpec)>,
    taken: &mut Vec<(u32, EdgeInfo)>,
) {
    let actions: Vec<&'static str> = TAKE_USER.iter().copied().filter(|a| d.may(a)).collect();
    if actions.is_empty() {
        return;
    }
    let users = d.ix.users_in.get(&d.actor.account).cloned().unwrap_or_default();
    for user in users {
        if user == base {
            continue;
        }
        for action in &actions {
            let Some(dec) = d.on_user(action, user, &[]).filter(|x| x.gates.allowed()) else {
                continue;
            };
            let info = d.info(&[action], &[&dec]);
            taken.push((user, info.clone()));
            emit(out, n, To::Node(user), EdgeKind::TakeUser, info);
            break;
        }
    }
}

fn rewrite_trust_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    out: &mut Vec<(u32, EdgeSpec)>,
    taken: &mut Vec<(u32, EdgeInfo)>,
) {
    if !d.may("iam:UpdateAssumeRolePolicy") {
        return;
    }
    let roles = d.ix.roles_in.get(&d.actor.account).cloned().unwrap_or_default();
    for role in roles {
        if role == base || d.g.principal(role).is_none_or(protected) {
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
        let info = d.info(
            &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
            &[&update, &assume],
        );
        taken.push((role, info.clone()));
        emit(out, n, To::Node(role), EdgeKind::RewriteTrust, info);
    }
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

fn grant_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    taken: &[(u32, EdgeInfo)],
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
    targets.extend(taken.iter().map(|(t, i)| (*t, Some(i))));
    for (t, via) in targets {
        let Some(p) = g.principal(t) else { continue };
        if protected(p) || p.account != d.actor.account {
            continue;
        }
        let Some(file) = g.nodes.get(t as usize).map(|x| x.file) else {
            continue;
        };
        let rewritten = To::Virtual {
            key: VirtualKey::Rewritten {
                account: p.account.clone(),
                boundary: p.boundary.as_ref().map(|b| b.id.clone()),
                service_linked: p.service_linked,
                keys: super::build::boundary_key(p),
            },
            base: t,
        };
        let mut grant: Option<Decided> = None;
        let mut grant_action = "";
        let user = g.nodes.get(t as usize).is_some_and(|x| x.kind == NodeKind::User);
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
            if grant.is_some() || !d.may(action) {
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
        let groups = g.accounts.get(file).map_or(&[][..], |a| a.groups.as_slice());
        for gname in &p.groups {
            let Some(group) = groups.iter().find(|x| &x.name == gname) else {
                continue;
            };
            for (action, extra) in [
                ("iam:PutGroupPolicy", &[][..]),
                ("iam:AttachGroupPolicy", &[("iam:PolicyARN", ADMIN_POLICY)][..]),
            ] {
                if grant.is_some() || !d.may(action) {
                    continue;
                }
                if let Some(dec) = d.on_arn(action, &group.arn, extra).filter(|x| x.gates.allowed()) {
                    grant = Some(dec);
                    grant_action = action;
                }
            }
        }
        // Customer managed policies attached to it (directly or through a group).
        let mut versions: Vec<(Decided, String, String)> = Vec::new();
        for doc in &p.identity {
            let Some(arn) = doc.id.strip_prefix("managed:") else {
                continue;
            };
            if arn.starts_with("arn:aws:iam::aws:") {
                continue;
            }
            if grant.is_none()
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
        if let Some(dec) = grant {
            let info = with_taken(d.info(&[grant_action], &[&dec]), via);
            emit(out, n, rewritten, EdgeKind::GrantPermissions, info);
        }
        for (dec, policy, version) in versions {
            let info = with_taken(d.info(&["iam:SetDefaultPolicyVersion"], &[&dec]), via);
            let key = VirtualKey::Version {
                principal: t,
                policy,
                version,
            };
            emit(out, n, To::Virtual { key, base: t }, EdgeKind::SetDefaultVersion, info);
        }
    }
}

/// Joining a group: one edge per group, for the node's own user, else the first user it can act
/// as that is not in the group already (the group's policies are what it gains).
fn join_group_edges(
    d: &mut Decider<'_, '_>,
    n: u32,
    base: u32,
    taken: &[(u32, EdgeInfo)],
    out: &mut Vec<(u32, EdgeSpec)>,
) {
    if !d.may("iam:AddUserToGroup") {
        return;
    }
    let g = d.g;
    let mut users: Vec<(u32, Option<&EdgeInfo>)> = vec![(base, None)];
    users.extend(taken.iter().map(|(t, i)| (*t, Some(i))));
    users.retain(|(t, _)| {
        g.nodes.get(*t as usize).is_some_and(|x| x.kind == NodeKind::User)
            && g.principal(*t).is_some_and(|p| p.account == d.actor.account)
    });
    let Some(file) = users
        .first()
        .and_then(|(t, _)| g.nodes.get(*t as usize))
        .map(|x| x.file)
    else {
        return;
    };
    let groups = g.accounts.get(file).map_or(&[][..], |a| a.groups.as_slice());
    for group in groups.iter().filter(|x| x.complete) {
        let Some((t, via)) = users
            .iter()
            .find(|(t, _)| g.principal(*t).is_some_and(|p| !p.groups.contains(&group.name)))
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
        emit(out, n, To::Virtual { key, base: t }, EdgeKind::JoinGroup, info);
    }
}

fn pass_role_edges(d: &mut Decider<'_, '_>, n: u32, base: u32, out: &mut Vec<(u32, EdgeSpec)>) {
    if !d.may("iam:PassRole") {
        return;
    }
    let g = d.g;
    // The first pass-role path (in the table's order) whose actions are all allowed.
    let mut chosen: Option<(&'static str, Vec<String>, Vec<Decided>)> = None;
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
    let roles = d.ix.roles_in.get(&d.actor.account).cloned().unwrap_or_default();
    for role in roles {
        if role == base {
            continue;
        }
        let trusts = g.principal(role).is_some_and(|p| {
            p.trust
                .as_ref()
                .is_some_and(|t| crate::audit::load::trusts_service(t, "sagemaker.amazonaws.com"))
        });
        if !trusts {
            continue;
        }
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
        let mut all: Vec<&Decided> = decisions.iter().collect();
        all.push(&pass);
        let mut acts: Vec<&str> = actions.iter().map(String::as_str).collect();
        acts.push("iam:PassRole");
        let mut info = d.info(&acts, &all);
        info.witness = Some(witness(&pass.request, "Allowed"));
        info.conditions.insert(0, format!("path `{path}`"));
        emit(out, n, To::Node(role), EdgeKind::SagemakerPassRole, info);
    }
}
