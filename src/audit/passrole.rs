//! `iam:PassRole` reach: which roles of an account each evaluation group may pass to SageMaker.
//!
//! An account can have thousands of roles, and reach is groups × roles. Roles are therefore split
//! into classes that no policy can tell apart: two roles are in one class when every resource
//! pattern of every statement that can apply to `iam:PassRole` (in any group's identity policies,
//! boundary or SCPs, with principal variables instantiated for every known value) matches both or
//! neither, and they carry the same values for every role tag those statements' conditions read.
//! One representative per class is evaluated; its result holds for every role of the class.
//!
//! INVARIANT (exact classes): nothing else in a `iam:PassRole` request depends on the role: the
//! generated context is the same for every role, except the role's own tags.
//!
//! The class requests are generated here, not read from the account's request space: that space
//! spreads its cap over every role of the account, so most roles have no request in it (DESIGN.md,
//! "One space per account, one cap").

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rayon::prelude::*;

use super::load::Account;
use super::model::{Class, PassRoleTarget};
use super::space::{self, GenConfig, Mentions};
use crate::catalog::Catalog;
use crate::compile::CompiledSet;
use crate::eval::{Context, ContextValue, Decision, PreparedRequest, Request};
use crate::policy::glob::Glob;
use crate::policy::pattern::arn_glob_matches;
use crate::policy::{PolicySet, ResourcePattern, Statement};
use crate::request::prepared::{PreparedContext, Preparer};

/// Roles that no policy of the account tells apart, with the requests that decide them.
#[derive(Debug, Clone)]
pub(crate) struct RoleClass {
    /// Indexes into `Account::roles`.
    pub(crate) roles: Vec<usize>,
    /// `iam:PassRole` requests on the class's first role, `iam:PassedToService =
    /// sagemaker.amazonaws.com`, the role's tags as resource tags.
    pub(crate) requests: Vec<Request>,
}

/// The account's roles, in classes.
#[derive(Debug, Clone, Default)]
pub(crate) struct PassRoleSpace {
    /// The classes.
    pub(crate) classes: Vec<RoleClass>,
    /// Role index → class index.
    class_of: Vec<usize>,
    /// Role ARN → index of the first role with it.
    role_at: HashMap<String, usize>,
}

/// Which of the pass-role globs match a role, and its values of the tag keys statements read.
type Signature = (Vec<bool>, Vec<Option<String>>);

/// Lowercase tag keys a condition on `key` reads from the target's tags.
fn resource_tag_key(key_lower: &str) -> Option<&str> {
    key_lower
        .strip_prefix("aws:resourcetag/")
        .or_else(|| key_lower.strip_prefix("iam:resourcetag/"))
}

/// What can tell targets apart for the statements of `sets` (each policy read once) for which
/// `applies` holds: their ARN resource patterns, and the lowercase resource-tag keys
/// (`aws:ResourceTag/…`, `iam:ResourceTag/…`) their conditions read.
pub(crate) fn target_distinctions(
    sets: &[&PolicySet],
    applies: impl Fn(&Statement) -> bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut patterns: BTreeSet<String> = BTreeSet::new();
    let mut tag_keys: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<*const crate::policy::Policy> = BTreeSet::new();
    for set in sets {
        for (_, policy) in set.labelled() {
            if !seen.insert(std::ptr::from_ref(policy)) {
                continue;
            }
            for st in policy.statements.iter().filter(|st| applies(st)) {
                if let Some(r) = &st.resource {
                    for p in &r.patterns {
                        if let ResourcePattern::Arn(t) = p {
                            patterns.insert(t.to_string());
                        }
                    }
                }
                for c in &st.conditions {
                    if let Some(k) = resource_tag_key(&c.key_lower) {
                        tag_keys.insert(k.to_owned());
                    }
                }
            }
        }
    }
    (patterns, tag_keys)
}

impl PassRoleSpace {
    /// Splits the account's roles into classes and generates each class's requests.
    pub(crate) fn build(
        account: &Account,
        sets: &[&PolicySet],
        catalog: &Catalog,
        generator: &GenConfig,
        mentions: &Mentions,
    ) -> PassRoleSpace {
        // Resource patterns and role-tag keys of every statement that can apply to iam:PassRole.
        let (patterns, tag_keys) =
            target_distinctions(sets, |st| st.action.applies_to("iam", "passrole"));
        // Each pattern as globs: one per instantiation of its principal variables, plus the
        // unresolved case (which matches nothing).
        let mut globs: Vec<Glob> = Vec::new();
        for text in &patterns {
            let t = crate::policy::glob::Template::parse(text, true);
            let vars: Vec<String> = t.variables().map(|v| v.key_lower.clone()).collect();
            if vars.is_empty() {
                globs.extend(t.resolve_glob(|_| None));
                continue;
            }
            let n = vars
                .iter()
                .filter_map(|k| mentions.principal_values.get(k))
                .map(BTreeSet::len)
                .max()
                .unwrap_or(0)
                .min(8);
            for i in 0..n {
                let lookup = |k: &str| {
                    mentions
                        .principal_values
                        .get(k)
                        .and_then(|vs| vs.iter().nth(i % vs.len().max(1)))
                        .map(String::as_str)
                };
                globs.extend(t.resolve_glob(lookup));
            }
        }
        // The first principal of each ARN, as a scan would find it.
        let mut principal_at: HashMap<&str, usize> = HashMap::new();
        for (i, p) in account.principals.iter().enumerate() {
            principal_at.entry(p.arn.as_str()).or_insert(i);
        }
        let tags_of = |arn: &str| -> BTreeMap<String, String> {
            principal_at
                .get(arn)
                .and_then(|i| account.principals.get(*i))
                .map(|p| {
                    p.tags
                        .iter()
                        .map(|(k, v)| (k.to_lowercase(), v.clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mut index: HashMap<Signature, usize> = HashMap::new();
        let mut space = PassRoleSpace::default();
        let Some(aid) = catalog.action_id("iam:PassRole") else {
            return space;
        };
        // Requests on one role: 64 (fewer when `--variants` is smaller).
        let small = GenConfig {
            variants: generator.variants.clamp(1, 64),
            ..generator.clone()
        };
        // Each role's signature (which globs match it, its values of the tag keys read), in
        // parallel; classes are then made in role order.
        let signed: Vec<(Signature, BTreeMap<String, String>)> = account
            .roles
            .par_iter()
            .map(|role| {
                let tags = tags_of(&role.arn);
                let signature = (
                    globs
                        .iter()
                        .map(|g| arn_glob_matches(g, &role.arn))
                        .collect::<Vec<bool>>(),
                    tag_keys
                        .iter()
                        .map(|k| tags.get(k).cloned())
                        .collect::<Vec<Option<String>>>(),
                );
                (signature, tags)
            })
            .collect();
        for (ri, (role, (signature, tags))) in account.roles.iter().zip(signed).enumerate() {
            space.role_at.entry(role.arn.clone()).or_insert(ri);
            if let Some(&ci) = index.get(&signature) {
                if let Some(c) = space.classes.get_mut(ci) {
                    c.roles.push(ri);
                }
                space.class_of.push(ci);
                continue;
            }
            let requests = space::generate_action(
                catalog,
                aid,
                &account.id,
                &small,
                mentions,
                std::slice::from_ref(&role.arn),
            )
            .map(|r| {
                r.requests
                    .into_iter()
                    .filter(|q| q.resource == role.arn)
                    .map(|q| to_sagemaker(q, &tags))
                    .collect()
            })
            .unwrap_or_default();
            let ci = space.classes.len();
            index.insert(signature, ci);
            space.classes.push(RoleClass {
                roles: vec![ri],
                requests,
            });
            space.class_of.push(ci);
        }
        space
    }

    /// The class's requests retargeted to role `role` (same decisions, by construction).
    pub(crate) fn requests_for(&self, account: &Account, role: &str) -> Vec<Request> {
        debug_assert_eq!(self.class_of.len(), account.roles.len());
        let Some(&ri) = self.role_at.get(role) else {
            return Vec::new();
        };
        let Some(class) = self.class_of.get(ri).and_then(|c| self.classes.get(*c)) else {
            return Vec::new();
        };
        class
            .requests
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r.resource = role.to_owned();
                r
            })
            .collect()
    }

    #[expect(
        dead_code,
        reason = "unused since the library's surface became pub(crate); left for this module's owner to delete"
    )]
    /// Number of classes.
    pub(crate) fn len(&self) -> usize {
        self.classes.len()
    }

    #[expect(
        dead_code,
        reason = "unused since the library's surface became pub(crate); left for this module's owner to delete"
    )]
    /// True when there are no classes.
    pub(crate) fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

/// `iam:PassedToService = sagemaker.amazonaws.com`, and the role's tags as resource tags in
/// place of generated ones.
fn to_sagemaker(mut r: Request, tags: &BTreeMap<String, String>) -> Request {
    let mut ctx = Context::new();
    for e in r.context.entries() {
        if e.key_lower == "iam:passedtoservice" || resource_tag_key(&e.key_lower).is_some() {
            continue;
        }
        let v = e.value();
        let _ = ctx.insert(&e.key, v);
    }
    let _ = ctx.insert(
        "iam:PassedToService",
        ContextValue::Single("sagemaker.amazonaws.com".to_owned()),
    );
    for (k, v) in tags {
        let _ = ctx.insert(
            &format!("aws:ResourceTag/{k}"),
            ContextValue::Single(v.clone()),
        );
        let _ = ctx.insert(
            &format!("iam:ResourceTag/{k}"),
            ContextValue::Single(v.clone()),
        );
    }
    r.context = ctx;
    r
}

/// The space's requests, prepared once per account.
pub(crate) struct PreparedSpace<'s> {
    classes: Vec<Vec<PreparedRequest<'s>>>,
}

impl<'s> PreparedSpace<'s> {
    /// Prepares every class's requests.
    pub(crate) fn new(space: &'s PassRoleSpace, catalog: &Catalog) -> PreparedSpace<'s> {
        let mut p = Preparer::new(catalog);
        PreparedSpace {
            classes: space
                .classes
                .iter()
                .map(|c| c.requests.iter().map(|r| p.prepare(r)).collect())
                .collect(),
        }
    }

    /// Roles a group may pass to SageMaker (classes other than `Never`), in account order.
    pub(crate) fn reach(
        &self,
        space: &PassRoleSpace,
        account: &Account,
        compiled: &CompiledSet<'_>,
        context: &PreparedContext,
    ) -> Vec<PassRoleTarget> {
        let mut per_role: Vec<Option<Class>> = vec![None; account.roles.len()];
        for (class, reqs) in space.classes.iter().zip(&self.classes) {
            let total = reqs.len() as u64;
            let allowed = reqs
                .iter()
                .filter(|r| compiled.evaluate_as(r, context).decision == Decision::Allowed)
                .count() as u64;
            let c = Class::of(allowed, total);
            for &ri in &class.roles {
                if let Some(slot) = per_role.get_mut(ri) {
                    *slot = Some(c);
                }
            }
        }
        account
            .roles
            .iter()
            .zip(per_role)
            .filter_map(|(role, class)| {
                let class = class?;
                (class != Class::Never).then(|| PassRoleTarget {
                    role: role.arn.clone(),
                    class,
                    trusts_sagemaker: role.trusts_sagemaker,
                })
            })
            .collect()
    }
}
