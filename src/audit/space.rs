//! The synthetic request space: for every catalog action, requests on realistic ARNs of each of
//! its resource types with contexts that vary what the audited policies condition on.
//!
//! Values come from what the policies mention ([`Mentions`]): each mentioned value, a value that
//! does not match it, and absence, so both sides of every condition are exercised. A request only
//! carries keys AWS would send for that action: the action's own keys, its resource type's keys,
//! and global keys (principal keys come from the principal, not the request).
//!
//! INVARIANT (deterministic): the space depends only on the catalog, the mentions, the account and
//! the seed, never on thread count or time.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalog::{AccessLevel, ActionId, ActionInfo, Catalog, ResourceType};
use crate::condition::{Cidr, Decimal, Family, Instant, Values};
use crate::eval::{ContextValue, Request};
use crate::policy::glob::{Piece, Template};
use crate::policy::{Policy, ResourcePattern};
use crate::request::sent::{ALWAYS_PRESENT, is_principal_key, key_applies};

mod instantiate;
mod mentions;
mod resources;
mod shared;
pub(crate) mod typed;
mod values;
mod witness;

use instantiate::*;
pub use mentions::Mentions;
pub(crate) use mentions::{CondSpec, KeyMention, StatementSpec};
use resources::*;
pub(crate) use shared::{RequestSpace, Sample};
pub(crate) use values::format_instant;
use values::*;
pub(crate) use witness::glob_witness;
use witness::*;

/// Settings of the generator.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Requests per action.
    pub variants: usize,
    /// The region of own-account resources.
    pub region: String,
    /// Another region.
    pub other_region: String,
    /// Another account.
    pub other_account: String,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            variants: 1000,
            region: "us-east-1".to_owned(),
            other_region: "ap-southeast-2".to_owned(),
            other_account: "999999999999".to_owned(),
        }
    }
}

/// The requests of one action.
#[derive(Debug, Clone)]
pub struct ActionRequests {
    /// Dense id in the catalog.
    pub(crate) action_id: ActionId,
    /// `service:Action`.
    pub(crate) action: String,
    /// Its access level.
    pub(crate) access_level: AccessLevel,
    /// The requests.
    pub requests: Vec<Request>,
    /// Per request: true when it names a resource of the audited account (or `*`).
    pub(crate) own_account: Vec<bool>,
    /// How many of the first requests are planned from the policies' statements; the generic
    /// ones follow. Whatever the cap, every planned request is kept, so the requests at a cap
    /// `n` are the first `max(n, planned)` of those at any larger cap
    /// ([`ActionRequests::prefix_len`]).
    pub(crate) planned: usize,
}

impl ActionRequests {
    /// How many requests a generation at cap `n` (same seed, mentions and targets) gives:
    /// they are exactly the first that many of these (request `i` of the generic part does not
    /// depend on the cap), up to the length of these.
    pub fn prefix_len(&self, n: usize) -> usize {
        n.max(self.planned).min(self.requests.len())
    }
}

/// Generates the requests of one action: `plan_action`, then `ActionPlan::materialize` at
/// `cfg.variants`.
pub fn generate_action(
    catalog: &Catalog,
    action_id: ActionId,
    account: &str,
    cfg: &GenConfig,
    mentions: &Mentions,
    pass_role_targets: &[String],
) -> Option<ActionRequests> {
    Some(
        plan_action(
            catalog,
            action_id,
            account,
            cfg,
            mentions,
            pass_role_targets,
        )?
        .materialize(cfg.variants),
    )
}

/// The requests of one action before they are made: everything the policies and the catalog
/// decide (resource candidates, the requests planned from the policies' statements, each
/// resource type's dimensions), from which request `i` is made in constant time. A compact form
/// of the action's whole space: a few resources and values, not a thousand requests.
#[derive(Debug, Clone)]
pub(crate) struct ActionPlan {
    action_id: ActionId,
    action: String,
    access_level: AccessLevel,
    account: String,
    seed: u64,
    /// Every request's action and principal, resource `*`, empty context.
    base: Request,
    /// Resource candidates, with the index of their type in `dims`.
    resources: Vec<(String, usize)>,
    /// Per resource type: its dimensions of variation.
    dims: Vec<Vec<Dim>>,
    /// Requests planned from the policies' statements: (resource index, context).
    planned: Vec<(usize, Vec<(String, ContextValue)>)>,
}

/// Plans the requests of one action (see [`ActionPlan`]); `cfg.variants` is not read.
pub(crate) fn plan_action(
    catalog: &Catalog,
    action_id: ActionId,
    account: &str,
    cfg: &GenConfig,
    mentions: &Mentions,
    pass_role_targets: &[String],
) -> Option<ActionPlan> {
    let action = catalog.action_by_id(action_id)?;
    let service = catalog.service(&action.service)?;
    let full = action.full_name();
    // (resource, resource type) candidates over every resource type of the action.
    let mut resources: Vec<(String, Option<&ResourceType>)> = Vec::new();
    if action.is_wildcard_only() {
        resources.push(("*".to_owned(), None));
    } else {
        for r in &action.resources {
            let Some(rt) = service.resource_type(&r.name) else {
                continue;
            };
            for arn in resource_candidates(
                rt,
                &action.service,
                account,
                cfg,
                mentions,
                pass_role_targets,
            ) {
                resources.push((arn, Some(rt)));
            }
        }
        if resources.is_empty() {
            resources.push(("*".to_owned(), None));
        }
    }
    let principal = format!(
        "arn:aws:sts::{account}:assumed-role/{}/{}",
        super::load::SESSION_NAME,
        super::load::SESSION_NAME
    );
    let seed = mix(cfg.seed ^ mix(u64::from(action_id.get()).wrapping_add(0x5eed)));
    // Per resource type: the dimensions, and requests that satisfy each conditioned statement
    // as a whole, paired with resources of that type its `Resource` matches (emitted first).
    struct PerType<'t> {
        name: Option<&'t str>,
        dims: Vec<Dim>,
    }
    let mut per_type: Vec<PerType<'_>> = Vec::new();
    let mut type_of: Vec<usize> = Vec::with_capacity(resources.len());
    let mut plan: Vec<(usize, Vec<(String, ContextValue)>)> = Vec::new();
    for (ri, (_, rt)) in resources.iter().enumerate() {
        let name = rt.map(|r| r.name.as_str());
        if let Some(i) = per_type.iter().position(|t| t.name == name) {
            type_of.push(i);
            continue;
        }
        let applies = |k: &str| key_applies(catalog, action, *rt, k);
        let multi = |k: &str| catalog.is_multivalued(k);
        let other = |k: &str, listed: &[String]| typed::other_value(catalog, k, listed);
        // Resources of this type, in order (this one is the first).
        let of_type: Vec<usize> = resources
            .iter()
            .enumerate()
            .skip(ri)
            .filter(|(_, (_, t))| t.map(|r| r.name.as_str()) == name)
            .map(|(i, _)| i)
            .collect();
        for spec in &mentions.statements {
            let picks = spec
                .conds
                .iter()
                .filter_map(|c| c.values.first())
                .chain(spec.resources.iter())
                .map(|v| instantiations(v, mentions))
                .max()
                .unwrap_or(1);
            for pick in 0..picks {
                let Some(mut a) = satisfying(&spec.conds, pick, mentions, &applies, &multi, &other)
                else {
                    continue;
                };
                // An allow is only reached past the account's guardrails: falsify one condition
                // of each conditioned Deny that the assignment leaves open.
                if !spec.deny {
                    for d in mentions.statements.iter().filter(|d| d.deny) {
                        avoid_deny(&mut a, &d.conds, pick, mentions, &applies, &multi, &other);
                    }
                }
                // Up to two resources of the type the statement's Resource matches; the type's
                // first resource when it names none or matches none.
                let globs: Vec<crate::policy::glob::Glob> = spec
                    .resources
                    .iter()
                    .map(|r| {
                        crate::policy::glob::Glob::pattern(&instantiate_keep_wildcards(
                            r, mentions, pick,
                        ))
                    })
                    .collect();
                let mut paired: Vec<usize> = of_type
                    .iter()
                    .copied()
                    .filter(|i| {
                        resources.get(*i).is_some_and(|(arn, _)| {
                            globs
                                .iter()
                                .any(|g| crate::policy::pattern::arn_glob_matches(g, arn))
                        })
                    })
                    .take(2)
                    .collect();
                if paired.is_empty() {
                    paired.push(ri);
                }
                for r in paired {
                    if !plan.iter().any(|(pr, pa)| *pr == r && *pa == a) {
                        plan.push((r, a.clone()));
                    }
                }
            }
        }
        type_of.push(per_type.len());
        per_type.push(PerType {
            name,
            dims: dims_for(catalog, action, *rt, mentions),
        });
    }
    let mut base = Request::new(&full, "*").ok()?;
    base.principal = Some(principal);
    let resources = resources
        .into_iter()
        .zip(type_of)
        .map(|((arn, _), t)| (arn, t))
        .collect();
    Some(ActionPlan {
        action_id,
        action: full,
        access_level: action.access_level,
        account: account.to_owned(),
        seed,
        base,
        resources,
        dims: per_type.into_iter().map(|t| t.dims).collect(),
        planned: plan,
    })
}

impl ActionPlan {
    /// The action's requests at cap `variants`: every planned request, then generic ones up to
    /// `variants` in total. Generic request `i` depends on `i`, never on `variants`, so a
    /// smaller cap gives a prefix of a larger one ([`ActionRequests::prefix_len`]).
    pub(crate) fn materialize(&self, variants: usize) -> ActionRequests {
        let count = variants.max(self.planned.len());
        let mut requests = Vec::with_capacity(count);
        let mut own_account = Vec::with_capacity(count);
        for (ri, assignment) in &self.planned {
            let Some((resource, _)) = self.resources.get(*ri) else {
                continue;
            };
            let mut req = self.base.clone();
            req.resource.clone_from(resource);
            for (k, v) in assignment {
                let _ = req.context.insert(k, v.clone());
            }
            pin_region(&mut req);
            own_account.push(is_own(resource, &self.account));
            requests.push(req);
        }
        let planned = requests.len();
        for i in 0..variants.saturating_sub(planned) {
            let ri = i % self.resources.len().max(1);
            let Some((resource, t)) = self.resources.get(ri) else {
                break;
            };
            let Some(dims) = self.dims.get(*t) else {
                break;
            };
            let mut req = self.base.clone();
            req.resource.clone_from(resource);
            let round = i / self.resources.len();
            for (di, dim) in dims.iter().enumerate() {
                let n = dim.options.len().max(1);
                // First rounds walk every option of every dimension; later rounds pick at
                // random.
                let choice = if round == 0 {
                    0
                } else if round <= n {
                    (round + di) % n
                } else {
                    (mix(self.seed ^ ((i as u64) << 16) ^ di as u64) % n as u64) as usize
                };
                if let Some(Some(v)) = dim.options.get(choice) {
                    let _ = req.context.insert(&dim.key, v.clone());
                }
            }
            pin_region(&mut req);
            own_account.push(is_own(resource, &self.account));
            requests.push(req);
        }
        ActionRequests {
            action_id: self.action_id,
            action: self.action.clone(),
            access_level: self.access_level,
            requests,
            own_account,
            planned,
        }
    }
}

/// True when `resource` is `*`, has no account, or belongs to `account`.
fn is_own(resource: &str, account: &str) -> bool {
    match crate::policy::pattern::split_arn(resource).and_then(|p| p.get(4).copied()) {
        None => true,
        Some(a) => a.is_empty() || a == account,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witnesses() {
        let w = glob_witness("*-job/team-fraud-*", "training-job/*").unwrap();
        assert!(
            crate::policy::glob::Glob::pattern("*-job/team-fraud-*").matches(&w),
            "{w}"
        );
        assert!(w.starts_with("training-job/"), "{w}");
        assert_eq!(glob_witness("notebook-instance/*", "training-job/*"), None);
        assert_eq!(glob_witness("a?c", "abc").as_deref(), Some("abc"));
        assert_eq!(
            placeholders_to_star("app/${DomainId}/${UserProfileName}/x"),
            "app/?*/?*/x"
        );
        // The last placeholder is not left empty (ARN formats need every part).
        let w = glob_witness(
            "user-profile/d-8x2k4m1q0z7a/*",
            &placeholders_to_star("user-profile/${DomainId}/${UserProfileName}"),
        );
        assert_eq!(w.as_deref(), Some("user-profile/d-8x2k4m1q0z7a/x"));
    }
}
