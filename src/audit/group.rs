//! Grouping: principals whose decisions must be identical are evaluated once.
//!
//! Two principals are grouped when they have the same policies (by managed ARN or inline document
//! hash, in order), the same boundary, the same SCP exemption, and the same values for every
//! principal key (`aws:PrincipalTag/…`, `aws:username`, …) their policies read. Nothing else can
//! change a decision, so each group is compiled and evaluated once and reported for each member.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;

use super::load::{Account, Principal};
use super::model::AuditError;
use super::space::Mentions;
use crate::catalog::Catalog;
use crate::compile::{CompiledSet, Compiler};
use crate::eval::Layer;
use crate::policy::{Policy, PolicySet, ResourcePattern, Statement};
use crate::request::prepared::PreparedContext;

/// Where one policy of a group's set comes from.
#[derive(Debug, Clone)]
pub(crate) struct PolicyOrigin {
    /// Its layer.
    pub(crate) layer: Layer,
    /// Its index in the layer (within the level for SCPs).
    pub(crate) index: u32,
    /// Readable label (`inline:Name`, `managed:arn`, …).
    pub(crate) label: String,
    /// The input file.
    pub(crate) file: String,
    /// JSON pointer of the document in the file.
    pub(crate) pointer: String,
}

/// The principals of one account, grouped.
pub(crate) struct Grouping<'a> {
    /// The groups, in order of their first member.
    pub(crate) groups: Vec<Group<'a>>,
    /// Per principal: its group, `None` when it could not be evaluated.
    pub(crate) group_of: Vec<Option<usize>>,
    /// Per principal: its loading errors and any compile error.
    pub(crate) principal_errors: Vec<Vec<AuditError>>,
}

/// Groups and compiles the principals of `account` that loaded without errors, and adds what
/// their policies and contexts mention to `mentions`. `scps` are the account's SCP levels and
/// `scp_files` the files they were read from (for labels).
pub(crate) fn group_principals<'a>(
    account: &Account,
    scps: &[Vec<Policy>],
    scp_files: &[Vec<PathBuf>],
    compiler: &Compiler<'a>,
    catalog: &Catalog,
    mentions: &mut Mentions,
) -> Grouping<'a> {
    let mut group_of: Vec<Option<usize>> = vec![None; account.principals.len()];
    let mut principal_errors: Vec<Vec<AuditError>> = account
        .principals
        .iter()
        .map(|p| p.errors.clone())
        .collect();
    // Each principal's grouping key, in parallel (independent of each other); the policy set
    // is built for the first member of each group only.
    let keyed: Vec<Option<(String, crate::eval::Context)>> = account
        .principals
        .par_iter()
        .map(|p| {
            if !p.errors.is_empty() {
                return None;
            }
            let ctx = p.context();
            let key = group_key(p, scps, &ctx);
            Some((key, ctx))
        })
        .collect();
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (pi, (p, keyed)) in account.principals.iter().zip(keyed).enumerate() {
        let Some((key, ctx)) = keyed else {
            continue;
        };
        mentions.add_principal_context(&ctx);
        // An inline document is known by a 64-bit hash of its text, which a crafted document
        // can collide with: a principal joins a group of its key only when its documents are
        // the same as the group's first member's; one whose key collides gets a group of its
        // own under the same key.
        let joined = index.get(&key).and_then(|gs| {
            gs.iter().copied().find(|g| {
                groups
                    .get(*g)
                    .and_then(|group| group.members.first())
                    .and_then(|m| account.principals.get(*m))
                    .is_some_and(|f| same_documents(f, p))
            })
        });
        if let Some(g) = joined {
            if let Some(group) = groups.get_mut(g) {
                group.members.push(pi);
            }
            if let Some(slot) = group_of.get_mut(pi) {
                *slot = Some(g);
            }
            continue;
        }
        let set = policy_set_of(p, scps);
        match compiler.compile(&set) {
            Ok(compiled) => {
                for (_, pol) in set.labelled() {
                    mentions.add_policy(pol);
                }
                let g = groups.len();
                groups.push(Group {
                    members: vec![pi],
                    context: PreparedContext::new(&ctx, catalog),
                    principal: ctx,
                    policies: describe_policies(p, scp_files),
                    origins: origins_of(p, scp_files),
                    set,
                    compiled,
                });
                index.entry(key).or_default().push(g);
                if let Some(slot) = group_of.get_mut(pi) {
                    *slot = Some(g);
                }
            }
            Err(e) => {
                if let Some(errs) = principal_errors.get_mut(pi) {
                    errs.push(AuditError {
                        file: account.file.clone(),
                        principal: Some(p.arn.clone()),
                        pointer: p.pointer.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
    }
    Grouping {
        groups,
        group_of,
        principal_errors,
    }
}

/// True when `a` and `b` have the same identity documents, in order, and the same boundary:
/// the same shared document, or documents with equal content.
fn same_documents(a: &Principal, b: &Principal) -> bool {
    let same = |x: &super::load::PolicyDoc, y: &super::load::PolicyDoc| {
        std::sync::Arc::ptr_eq(&x.policy, &y.policy) || x.policy == y.policy
    };
    a.identity.len() == b.identity.len()
        && a.identity.iter().zip(&b.identity).all(|(x, y)| same(x, y))
        && match (&a.boundary, &b.boundary) {
            (Some(x), Some(y)) => same(x, y),
            (None, None) => true,
            _ => false,
        }
}

/// Which principals of `account` are evaluated together under the SCP levels `scps`: the
/// principal indexes of each group, in order of their first member. Principals that cannot be
/// evaluated (load or compile errors) are in no group.
pub fn evaluation_groups(
    account: &Account,
    scps: &[Vec<Policy>],
    catalog: &Catalog,
) -> Vec<Vec<usize>> {
    let arena = bumpalo::Bump::new();
    let compiler = Compiler::new(&arena, catalog);
    let mut mentions = Mentions::default();
    group_principals(account, scps, &[], &compiler, catalog, &mut mentions)
        .groups
        .into_iter()
        .map(|g| g.members)
        .collect()
}

/// What decides a principal's group: SCP exemption, policies, boundary, and the values of the
/// principal keys its policies read.
pub(crate) fn group_key(p: &Principal, scps: &[Vec<Policy>], ctx: &crate::eval::Context) -> String {
    // The keys its set reads ([`keys_read`] of [`policy_set_of`]), without building the set.
    let mut read = BTreeSet::new();
    let policies = scp_levels(p, scps)
        .iter()
        .flatten()
        .chain(p.identity.iter().map(|d| &*d.policy))
        .chain(p.boundary.iter().map(|b| &*b.policy));
    for st in policies.flat_map(|pol| &pol.statements) {
        statement_reads(st, &mut read);
    }
    let mut key = format!("{}|", p.service_linked);
    for d in &p.identity {
        key.push_str(&d.id);
        key.push('|');
    }
    key.push_str("b:");
    key.push_str(p.boundary.as_ref().map_or("-", |b| &*b.id));
    for e in ctx.entries() {
        if read.contains(&e.key_lower) {
            key.push_str(&format!("|{}={}", e.key_lower, e.values.join(",")));
        }
    }
    key
}

/// Lowercase keys a policy set reads: condition keys and every variable.
pub(crate) fn keys_read(set: &PolicySet) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, p) in set.labelled() {
        for st in &p.statements {
            statement_reads(st, &mut out);
        }
    }
    out
}

/// Adds the lowercase keys one statement reads to `out`: its condition keys and every variable
/// of its conditions and resources. Nothing else of the principal decides a request.
pub(crate) fn statement_reads(st: &Statement, out: &mut BTreeSet<String>) {
    for c in &st.conditions {
        out.insert(c.key_lower.clone());
        out.extend(c.variables().map(|v| v.key_lower.clone()));
    }
    if let Some(r) = &st.resource {
        for pat in &r.patterns {
            if let ResourcePattern::Arn(t) = pat {
                out.extend(t.variables().map(|v| v.key_lower.clone()));
            }
        }
    }
}

/// The SCP levels (policies or their files) that apply to `p`: none for a service-linked role,
/// which SCPs do not restrict; all of them otherwise.
fn scp_levels<'s, T>(p: &Principal, levels: &'s [T]) -> &'s [T] {
    if p.service_linked { &[] } else { levels }
}

/// The policy set `p` is evaluated under: its identity policies, its boundary and the SCP
/// levels that apply to it.
pub(crate) fn policy_set_of(p: &Principal, scps: &[Vec<Policy>]) -> PolicySet {
    PolicySet {
        identity: p.identity.iter().map(|d| (*d.policy).clone()).collect(),
        boundary: p.boundary.as_ref().map(|b| vec![(*b.policy).clone()]),
        scps: scp_levels(p, scps).to_vec(),
        session: None,
    }
}

/// Labels of a principal's policies, its SCP levels' files last.
pub(crate) fn describe_policies(p: &Principal, scp_files: &[Vec<PathBuf>]) -> Vec<String> {
    let mut out: Vec<String> = p.identity.iter().map(|d| d.label.to_string()).collect();
    if let Some(b) = &p.boundary {
        out.push(b.label.to_string());
    }
    for (l, level) in scp_levels(p, scp_files).iter().enumerate() {
        for (i, f) in level.iter().enumerate() {
            out.push(format!("scp[{l}][{i}]:{}", f.display()));
        }
    }
    out
}

/// One evaluation group.
pub(crate) struct Group<'a> {
    /// Indexes of its principals in the account, ascending.
    pub(crate) members: Vec<usize>,
    /// The policy set every member has.
    pub(crate) set: PolicySet,
    /// The set, compiled.
    pub(crate) compiled: CompiledSet<'a>,
    /// The principal keys the set reads, as the first member has them.
    pub(crate) context: PreparedContext,
    /// The same principal keys, unprepared (what the exact analysis reads).
    pub(crate) principal: crate::eval::Context,
    /// Labels of the set's policies, for reports.
    pub(crate) policies: Vec<String>,
    /// Where each policy comes from, for locating statements in findings.
    pub(crate) origins: Vec<PolicyOrigin>,
}

/// Where each policy of a principal's set comes from, for locating statements in findings.
pub(crate) fn origins_of(p: &Principal, scp_files: &[Vec<PathBuf>]) -> Vec<PolicyOrigin> {
    let mut out = Vec::new();
    for (i, d) in p.identity.iter().enumerate() {
        out.push(PolicyOrigin {
            layer: Layer::Identity,
            index: u32::try_from(i).unwrap_or(u32::MAX),
            label: d.label.to_string(),
            file: d.file.to_string(),
            pointer: d.pointer.to_string(),
        });
    }
    if let Some(b) = &p.boundary {
        out.push(PolicyOrigin {
            layer: Layer::Boundary,
            index: 0,
            label: b.label.to_string(),
            file: b.file.to_string(),
            pointer: b.pointer.to_string(),
        });
    }
    for (l, level) in scp_levels(p, scp_files).iter().enumerate() {
        for (i, f) in level.iter().enumerate() {
            out.push(PolicyOrigin {
                layer: Layer::Scp(u32::try_from(l).unwrap_or(u32::MAX)),
                index: u32::try_from(i).unwrap_or(u32::MAX),
                label: format!("scp[{l}][{i}]:{}", f.display()),
                file: f.display().to_string(),
                pointer: String::new(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::load::{ManagedPolicyDir, load_gaad_text};

    /// Two roles whose inline documents differ, and a third with the first's document.
    const GAAD: &str = r#"{"RoleDetailList": [
      {"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a", "RolePolicyList": [
        {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sagemaker:ListModels", "Resource": "*"}]}}]},
      {"RoleName": "b", "Arn": "arn:aws:iam::111122223333:role/b", "RolePolicyList": [
        {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]}}]},
      {"RoleName": "c", "Arn": "arn:aws:iam::111122223333:role/c", "RolePolicyList": [
        {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "sagemaker:ListModels", "Resource": "*"}]}}]}
    ]}"#;

    fn groups_of(account: &Account) -> Vec<Vec<usize>> {
        evaluation_groups(account, &[], Catalog::sagemaker_default())
    }

    #[test]
    fn equal_documents_group_together() {
        let account = load_gaad_text(GAAD, "g.json", &ManagedPolicyDir(None)).unwrap();
        assert_eq!(groups_of(&account), [vec![0, 2], vec![1]]);
    }

    /// A document whose hash equals another's (a crafted collision, made here by giving `b`
    /// the id of `a`'s document) does not put `b` in `a`'s group.
    #[test]
    fn a_colliding_document_hash_does_not_merge_groups() {
        let mut account = load_gaad_text(GAAD, "g.json", &ManagedPolicyDir(None)).unwrap();
        let id = std::sync::Arc::clone(&account.principals[0].identity[0].id);
        account.principals[1].identity[0].id = std::sync::Arc::clone(&id);
        assert_eq!(
            account.principals[1].identity[0].id,
            account.principals[2].identity[0].id
        );
        assert_eq!(groups_of(&account), [vec![0, 2], vec![1]]);
        // Ids that collide three ways still keep each document apart.
        account.principals[2].identity[0].id = id;
        assert_eq!(groups_of(&account), [vec![0, 2], vec![1]]);
        assert!(!same_documents(
            &account.principals[0],
            &account.principals[1]
        ));
        assert!(same_documents(
            &account.principals[0],
            &account.principals[2]
        ));
    }
}
