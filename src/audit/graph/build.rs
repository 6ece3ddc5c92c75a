//! Building the graph: every principal becomes a node; principals with identical policies share
//! one compiled actor (the audit's grouping, per account); SAML/OIDC providers named in trust
//! policies become federated nodes; edges are decided in rounds, because some edges lead to
//! virtual nodes (a principal with rewritten policies, a user in a new group, a policy at another
//! version) that must be compiled before their own edges are decided.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bumpalo::Bump;
use rayon::prelude::*;

use super::decide::{Actor, Env};
use super::edges::{EdgeSpec, Index, To, VirtualKey, expand};
use super::{Edge, Graph, Node, NodeKind, caps};
use crate::audit::group::PolicyOrigin;
use crate::audit::group::{group_principals, origins_of, policy_set_of};
use crate::audit::load::{Account, Principal, PrincipalKind};
use crate::audit::run::{AuditConfig, ScpLevels};
use crate::audit::space::Mentions;
use crate::catalog::Catalog;
use crate::compile::Compiler;
use crate::condition::Instant;
use crate::eval::Layer;
use crate::eval::PreparedRequest;
use crate::policy::{Policy, PolicySet};
use crate::request::prepared::PreparedContext;

/// An account's SCP levels and the files they come from.
type Levels = (Vec<Vec<Policy>>, Vec<Vec<std::path::PathBuf>>);

/// One task's node-specific edges, and its actor's shared list.
type Part = (Vec<(u32, EdgeSpec)>, Option<(u32, Vec<Edge>)>);

/// Node-specific edges to add, and actors' shared edge lists.
type Expanded = (Vec<(u32, EdgeSpec)>, Vec<(u32, Vec<Edge>)>);

/// Rounds of virtual nodes at most (each round can only add nodes derived from the last).
const MAX_ROUNDS: usize = 6;

impl<'a> Graph<'a> {
    /// Builds the graph over `accounts`, each under its SCP levels (`scps`, labelled with the
    /// files of `cfg`), with requests made at `now`.
    pub fn build(
        arena: &'a Bump,
        accounts: &'a [Account],
        scps: &ScpLevels,
        cfg: &AuditConfig,
        catalog: &'a Catalog,
        now: Instant,
    ) -> Graph<'a> {
        let compiler = Compiler::new(arena, catalog);
        let env = Env::new(now, cfg.generator.region.clone());
        let mut g = Graph {
            accounts,
            catalog,
            env,
            nodes: Vec::new(),
            actors: Vec::new(),
            node_actor: Vec::new(),
            out: Vec::new(),
            shared: Vec::new(),
            actor_caps: Vec::new(),
            probes: caps::probes(catalog),
        };
        let mut levels_of: Vec<Levels> = Vec::new();
        for (fi, account) in accounts.iter().enumerate() {
            let levels = scps.for_account(&account.id);
            let files = cfg.scp_files_for(&account.id);
            g.add_account(fi, account, &levels, &files, &compiler);
            levels_of.push((levels, files));
        }
        g.add_federated();
        let index = Index::new(&g);
        let mut virtuals: HashMap<VirtualKey, u32> = HashMap::new();
        let mut pending: Vec<u32> = (0..g.nodes.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        for _ in 0..MAX_ROUNDS {
            if pending.is_empty() {
                break;
            }
            let (specs, shared) = g.expand_all(&index, &pending);
            for (actor, list) in shared {
                if g.shared.len() <= actor as usize {
                    g.shared.resize(actor as usize + 1, Vec::new());
                }
                if let Some(slot) = g.shared.get_mut(actor as usize) {
                    *slot = list;
                }
            }
            pending.clear();
            for (from, spec) in specs {
                let to = match spec.to {
                    To::Node(n) => Some(n),
                    To::Virtual { key, base } => match virtuals.get(&key) {
                        Some(n) => Some(*n),
                        None => {
                            let n = g.add_virtual(&key, base, &levels_of, &compiler);
                            if let Some(n) = n {
                                virtuals.insert(key, n);
                                pending.push(n);
                            }
                            n
                        }
                    },
                };
                let (Some(to), Some(list)) = (to, g.out.get_mut(from as usize)) else {
                    continue;
                };
                if to != from {
                    list.push(Edge {
                        to,
                        kind: spec.kind,
                        info: spec.info,
                    });
                }
            }
        }
        g.actor_caps = (0..g.actors.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();
        g
    }

    /// Decides the edges out of `pending`, one task per actor (nodes without an actor, the
    /// federated ones, have trust edges only).
    fn expand_all(&self, index: &Index, pending: &[u32]) -> Expanded {
        let mut by_actor: BTreeMap<Option<u32>, Vec<u32>> = BTreeMap::new();
        for &n in pending {
            let actor = self.node_actor.get(n as usize).copied().flatten();
            by_actor.entry(actor).or_default().push(n);
        }
        let tasks: Vec<(Option<u32>, Vec<u32>)> = by_actor.into_iter().collect();
        let parts: Vec<Part> = tasks
            .par_iter()
            .map(|(actor, nodes)| {
                let (specs, shared) = expand(self, index, *actor, nodes);
                let shared = actor.zip(shared).map(|(a, list)| {
                    let edges = list
                        .into_iter()
                        .map(|(to, kind, info)| Edge { to, kind, info })
                        .collect();
                    (a, edges)
                });
                (specs, shared)
            })
            .collect();
        let mut specs = Vec::new();
        let mut shared = Vec::new();
        for (s, sh) in parts {
            specs.extend(s);
            shared.extend(sh);
        }
        (specs, shared)
    }

    fn push_node(&mut self, node: Node, actor: Option<u32>) -> u32 {
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(node);
        self.node_actor.push(actor);
        self.out.push(Vec::new());
        id
    }

    /// The principal of a principal node.
    pub(crate) fn principal(&self, node: u32) -> Option<&'a Principal> {
        let n = self.nodes.get(node as usize)?;
        self.accounts.get(n.file)?.principals.get(n.principal?)
    }

    fn add_account(
        &mut self,
        fi: usize,
        account: &Account,
        levels: &[Vec<Policy>],
        files: &[Vec<std::path::PathBuf>],
        compiler: &Compiler<'a>,
    ) {
        let mut mentions = Mentions::default();
        let grouping = group_principals(
            account,
            levels,
            files,
            compiler,
            self.catalog,
            &mut mentions,
        );
        // One actor per group and principal account (a GAAD file may hold several accounts).
        let mut actor_of: HashMap<(usize, String), u32> = HashMap::new();
        let mut groups: Vec<Option<crate::audit::group::Group<'a>>> =
            grouping.groups.into_iter().map(Some).collect();
        for (pi, p) in account.principals.iter().enumerate() {
            let node = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            let gi = grouping.group_of.get(pi).copied().flatten();
            let actor = gi.and_then(|gi| {
                if let Some(a) = actor_of.get(&(gi, p.account.clone())) {
                    return Some(*a);
                }
                let (set, compiled) = match groups.get_mut(gi).and_then(Option::take) {
                    Some(group) => (group.set, group.compiled),
                    None => {
                        let set = policy_set_of(p, levels);
                        let compiled = compiler.compile(&set).ok()?;
                        (set, compiled)
                    }
                };
                let context = p.context();
                let id = u32::try_from(self.actors.len()).unwrap_or(u32::MAX);
                self.actors.push(Actor {
                    prepared: PreparedContext::new(&context, self.catalog),
                    context,
                    origins: origins_of(p, files),
                    account: p.account.clone(),
                    set,
                    compiled,
                });
                actor_of.insert((gi, p.account.clone()), id);
                Some(id)
            });
            let kind = match p.kind {
                PrincipalKind::Role => NodeKind::Role,
                PrincipalKind::User => NodeKind::User,
            };
            self.push_node(
                Node {
                    kind,
                    file: fi,
                    account: p.account.clone(),
                    arn: p.arn.clone(),
                    label: p.arn.clone(),
                    principal: Some(pi),
                    acts_as: node,
                },
                actor,
            );
        }
    }

    /// A node per SAML/OIDC provider that a trust policy names for `AssumeRoleWithSAML` or
    /// `AssumeRoleWithWebIdentity`.
    fn add_federated(&mut self) {
        let mut providers: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for n in &self.nodes {
            let Some(trust) = n
                .principal
                .and_then(|pi| self.accounts.get(n.file)?.principals.get(pi))
                .and_then(|p| p.trust.as_ref())
            else {
                continue;
            };
            for st in &trust.statements {
                let Some(entries) = st.principal.as_ref().and_then(|c| c.entries.as_ref()) else {
                    continue;
                };
                if st.principal.as_ref().is_some_and(|c| c.negated) {
                    continue;
                }
                for (kind, values) in entries {
                    if kind != "Federated" {
                        continue;
                    }
                    for v in values {
                        providers
                            .entry(v.clone())
                            .or_insert((n.file, n.account.clone()));
                    }
                }
            }
        }
        for (provider, (file, account)) in providers {
            let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
            self.push_node(
                Node {
                    kind: NodeKind::Federated,
                    file,
                    account,
                    label: format!("federated:{provider}"),
                    arn: provider,
                    principal: None,
                    acts_as: id,
                },
                None,
            );
        }
    }

    /// Compiles the node a virtual key stands for; `None` when its policies do not compile.
    fn add_virtual(
        &mut self,
        key: &VirtualKey,
        base: u32,
        levels_of: &[Levels],
        compiler: &Compiler<'a>,
    ) -> Option<u32> {
        let p = self.principal(base)?;
        let file = self.nodes.get(base as usize)?.file;
        let (levels, files) = levels_of.get(file)?;
        let mut set = policy_set_of(p, levels);
        let mut origins = origins_of(p, files);
        let (kind, label) = match key {
            VirtualKey::Rewritten { .. } => {
                set.identity = vec![Policy::allow_all()];
                origins.retain(|o| o.layer != Layer::Identity);
                origins.push(PolicyOrigin {
                    layer: Layer::Identity,
                    index: 0,
                    label: "any policy it writes".to_owned(),
                    file: String::new(),
                    pointer: String::new(),
                });
                let label = match &p.boundary {
                    None => format!(
                        "administrator of account {} (a policy written to a principal without a boundary)",
                        p.account
                    ),
                    Some(b) => format!(
                        "anything {} allows in account {} (a policy written to a principal it bounds)",
                        b.label.trim_start_matches("boundary:"),
                        p.account
                    ),
                };
                (NodeKind::Rewritten, label)
            }
            VirtualKey::Joined { group, .. } => {
                let g = self
                    .accounts
                    .get(file)?
                    .groups
                    .iter()
                    .find(|g| &g.name == group)?;
                let have: BTreeSet<&str> = p.identity.iter().map(|d| &*d.id).collect();
                for d in &g.policies {
                    if have.contains(&*d.id) {
                        continue;
                    }
                    origins.push(PolicyOrigin {
                        layer: Layer::Identity,
                        index: u32::try_from(set.identity.len()).unwrap_or(u32::MAX),
                        label: d.label.to_string(),
                        file: d.file.to_string(),
                        pointer: d.pointer.to_string(),
                    });
                    set.identity.push((*d.policy).clone());
                }
                (NodeKind::JoinedGroup, format!("{} in group {group}", p.arn))
            }
            VirtualKey::Version {
                policy, version, ..
            } => {
                let v = self
                    .accounts
                    .get(file)?
                    .other_versions
                    .get(policy)?
                    .iter()
                    .find(|v| &v.version == version)?;
                let pos = p
                    .identity
                    .iter()
                    .position(|d| *d.id == *format!("managed:{policy}"))?;
                *set.identity.get_mut(pos)? = (*v.policy).clone();
                if let Some(o) = origins.iter_mut().find(|o| {
                    o.layer == Layer::Identity && o.index == u32::try_from(pos).unwrap_or(u32::MAX)
                }) {
                    o.label = format!("managed:{policy}@{version}");
                    o.pointer.clone_from(&v.pointer);
                }
                (
                    NodeKind::PolicyVersion,
                    format!("{} with {policy} at {version}", p.arn),
                )
            }
        };
        let compiled = compiler.compile(&set).ok()?;
        let context = p.context();
        let actor = u32::try_from(self.actors.len()).unwrap_or(u32::MAX);
        self.actors.push(Actor {
            prepared: PreparedContext::new(&context, self.catalog),
            context,
            origins,
            account: p.account.clone(),
            set,
            compiled,
        });
        let id = self.push_node(
            Node {
                kind,
                file,
                account: p.account.clone(),
                arn: p.arn.clone(),
                label,
                principal: None,
                acts_as: base,
            },
            Some(actor),
        );
        Some(id)
    }

    /// Probes every actor now (in parallel, each account's probe requests prepared once).
    pub(crate) fn probe_all(&self) {
        let mut accounts: Vec<&str> = self.actors.iter().map(|a| a.account.as_str()).collect();
        accounts.sort_unstable();
        accounts.dedup();
        let requests: Vec<caps::BaseRequests> = accounts
            .iter()
            .map(|a| caps::BaseRequests::new(&self.env, &self.probes, a, self.catalog))
            .collect();
        let prepared: Vec<Vec<Option<PreparedRequest<'_>>>> = requests
            .iter()
            .map(|b| {
                b.requests
                    .iter()
                    .map(|r| r.as_ref().map(|r| PreparedRequest::new(r, self.catalog)))
                    .collect()
            })
            .collect();
        self.actors
            .par_iter()
            .zip(self.actor_caps.par_iter())
            .for_each(|(a, slot)| {
                slot.get_or_init(|| {
                    let i = accounts.binary_search(&a.account.as_str()).ok()?;
                    let base = prepared.get(i)?;
                    Some(caps::caps_of(
                        a,
                        &self.env,
                        &self.probes,
                        base,
                        self.catalog,
                    ))
                });
            });
    }

    /// What `node` can do (`None`: it could not be evaluated), probed when first asked.
    pub(crate) fn caps(&self, node: u32) -> Option<&caps::Caps> {
        let a = self.node_actor.get(node as usize).copied().flatten()?;
        let actor = self.actors.get(a as usize)?;
        self.actor_caps
            .get(a as usize)?
            .get_or_init(|| {
                let b =
                    caps::BaseRequests::new(&self.env, &self.probes, &actor.account, self.catalog);
                let base: Vec<Option<PreparedRequest<'_>>> = b
                    .requests
                    .iter()
                    .map(|r| r.as_ref().map(|r| PreparedRequest::new(r, self.catalog)))
                    .collect();
                Some(caps::caps_of(
                    actor,
                    &self.env,
                    &self.probes,
                    &base,
                    self.catalog,
                ))
            })
            .as_ref()
    }
}

/// The principal keys each boundary reads, worked out once per boundary: what a rewritten
/// principal's permissions still depend on.
#[derive(Default)]
pub(crate) struct BoundaryReads {
    reads: HashMap<String, BTreeSet<String>>,
}

impl BoundaryReads {
    /// The principal keys `p`'s boundary reads, with `p`'s values.
    pub(crate) fn keys_of(&mut self, p: &Principal) -> Vec<(String, String)> {
        let Some(b) = &p.boundary else {
            return Vec::new();
        };
        let read = self.reads.entry(b.id.to_string()).or_insert_with(|| {
            crate::audit::group::keys_read(&PolicySet {
                boundary: Some(vec![(*b.policy).clone()]),
                ..PolicySet::default()
            })
        });
        if read.is_empty() {
            return Vec::new();
        }
        p.context()
            .entries()
            .iter()
            .filter(|e| read.contains(&e.key_lower))
            .map(|e| (e.key_lower.clone(), e.values.join(",")))
            .collect()
    }
}
