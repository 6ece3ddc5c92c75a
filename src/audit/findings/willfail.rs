//! Calls a principal is allowed to make that will fail anyway, decided with the engine:
//!
//! - `create-without-tag-on-create`: a SageMaker create of a taggable resource is allowed, but
//!   `sagemaker:AddTags` on the resource it makes, with `sagemaker:TaggingAction = <CreateApi>`
//!   and the create's tags, is denied. Studio and the SDKs tag what they create, so such calls
//!   fail with `AccessDenied` (`../shared/reference/IAM-SEMANTICS.md` §4, [SM-SPACES]).
//! - `create-without-passable-role`: a create that passes an execution role is allowed, but the
//!   principal cannot pass any role of the account that trusts `sagemaker.amazonaws.com`.
//!
//! One finding per group and rule, listing every affected create action (sorted), so a principal
//! with fifty creates gets one finding, not fifty.
//!
//! Also home of the small helpers [`broad`](super::broad) shares: a per-account request cache
//! and context rewriting.

use std::collections::HashMap;
use std::sync::Arc;

use super::{FindingsInput, GroupFinding, GroupView, formula, witness};
use crate::audit::model::{Class, Finding, FindingKind, Severity, StatementRef, Witness};
use crate::audit::space::{self, ActionRequests, GenConfig};
use crate::catalog::{ActionId, ActionInfo, Catalog, ResourceType};
use crate::eval::{Context, ContextValue, Decision, PreparedRequest, Request};
use crate::policy::Effect;

/// Rule id: a create allowed without `AddTags` for tag-on-create.
pub(crate) const RULE_TAG_ON_CREATE: &str = "create-without-tag-on-create";
/// Rule id: a create that passes a role allowed without any role to pass.
pub(crate) const RULE_NO_ROLE: &str = "create-without-passable-role";

/// Creates whose execution role is optional in the SageMaker API (the Service Authorization
/// Reference lists `iam:PassRole` because the call *may* pass one): without a role they succeed,
/// so they are not reported. `CreateEndpointConfig` (`ExecutionRoleArn`), `CreateFeatureGroup`
/// (`RoleArn`, only for an offline store), `CreateDeviceFleet` (`RoleArn`), `CreateUserProfile`
/// (`UserSettings.ExecutionRole`, inherited from the domain).
const ROLE_OPTIONAL: &[&str] = &[
    "CreateDeviceFleet",
    "CreateEndpointConfig",
    "CreateFeatureGroup",
    "CreateUserProfile",
];

/// The tag Studio adds to everything it creates, used when a create request carries no tags.
const STUDIO_TAG: &str = "sagemaker:domain-arn";

/// The detectors' requests: an action's sample of the account's request space
/// ([`FindingsInput::requests`]), and `iam:PassRole` requests on given roles, generated once per
/// account and shared by every group and rule through the account's [`super::RequestCache`];
/// this local view takes its lock once per role list.
pub(super) struct RequestCache<'i, 'g, 'a> {
    input: &'i FindingsInput<'g, 'a>,
    roles: HashMap<(ActionId, Vec<String>, usize), Arc<Option<ActionRequests>>>,
}

impl<'i, 'g, 'a> RequestCache<'i, 'g, 'a> {
    pub(super) fn new(input: &'i FindingsInput<'g, 'a>) -> Self {
        RequestCache {
            input,
            roles: HashMap::new(),
        }
    }

    /// The requests of `action`: the first [`space::DETECTOR_PREFIX`] of the account's space.
    pub(super) fn get(&self, action: ActionId) -> Option<space::Sample> {
        self.input.space.detector_sample(action)
    }

    /// `variants` requests of `action` (`iam:PassRole`) with `roles` as its resource candidates:
    /// the space spreads its cap over every role of the account (10,000 roles, 1,000 requests:
    /// most roles get none), so a question about given roles needs requests on them. Generated
    /// with the space's seed and mentions, once per account.
    pub(super) fn on_roles(
        &mut self,
        action: ActionId,
        roles: &[String],
        variants: usize,
    ) -> Option<&ActionRequests> {
        let input = self.input;
        let key = (action, roles.to_vec(), variants.max(1));
        let entry: &Arc<Option<ActionRequests>> = self.roles.entry(key).or_insert_with_key(|key| {
            let shared = &input.cache.detector;
            if let Ok(map) = shared.lock()
                && let Some(r) = map.get(key)
            {
                return r.clone();
            }
            // Generated outside the lock; a race only generates the same requests twice.
            let config = GenConfig {
                variants: key.2,
                ..input.generator.clone()
            };
            let reqs = Arc::new(space::generate_action(
                input.catalog,
                action,
                &input.account.id,
                &config,
                input.mentions,
                roles,
            ));
            match shared.lock() {
                Ok(mut map) => map.entry(key.clone()).or_insert(reqs).clone(),
                Err(_) => reqs,
            }
        });
        Option::as_ref(entry)
    }
}

/// `ctx` with `key` (any case) replaced by `value`.
pub(super) fn with_key(ctx: &Context, key: &str, value: ContextValue) -> Context {
    let lower = key.to_lowercase();
    let mut out = Context::new();
    for e in ctx.entries().iter().filter(|e| e.key_lower != lower) {
        // Keys of an existing context are distinct already.
        let _ = out.insert(&e.key, e.value());
    }
    let _ = out.insert(key, value);
    out
}

/// True when the group's coverage says some own-account request of `action` is allowed.
pub(super) fn reachable(group: &GroupView<'_, '_>, action: &str) -> bool {
    group
        .coverage_of(action)
        .is_some_and(|c| c.class != Class::Never)
}

/// The conditions under which the group may perform `actions` (`service:Name`), from the
/// coverage of those it may perform only sometimes.
fn conditions_of<'s>(
    group: &GroupView<'_, '_>,
    actions: impl Iterator<Item = &'s str>,
) -> Vec<String> {
    actions
        .flat_map(|a| formula::cell_conditions(group, a))
        .collect()
}

/// True when `r` is allowed for the group.
pub(super) fn allowed(group: &GroupView<'_, '_>, r: &Request, catalog: &Catalog) -> bool {
    group
        .compiled
        .evaluate_as(&PreparedRequest::new(r, catalog), group.context)
        .decision
        == Decision::Allowed
}

/// Adds the statements of `refs` not yet in `into`.
pub(super) fn merge_refs(into: &mut Vec<StatementRef>, refs: Vec<StatementRef>) {
    for s in refs {
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

/// Letters and digits of `text`, lowercase (`training-job` and `TrainingJob` both give
/// `trainingjob`).
fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The resource type a create action makes: the one whose name is the action's name without
/// `Create` (`CreateEndpoint` → `endpoint`, not `endpoint-config`), else the longest type name
/// that starts or ends that name (`CreateTrial` → `experiment-trial`, `CreateAutoMLJobV2` →
/// `automl-job`), else the first required type, else the first.
pub(super) fn created_type<'c>(
    catalog: &'c Catalog,
    action: &ActionInfo,
) -> Option<&'c ResourceType> {
    let service = catalog.service(&action.service)?;
    let made = squash(action.name.strip_prefix("Create").unwrap_or(&action.name));
    let types: Vec<(&ResourceType, bool)> = action
        .resources
        .iter()
        .filter_map(|r| Some((service.resource_type(&r.name)?, r.required == Some(true))))
        .collect();
    let score = |rt: &ResourceType| {
        let name = squash(&rt.name);
        if name == made {
            usize::MAX
        } else if !name.is_empty() && (made.starts_with(&name) || name.ends_with(&made)) {
            name.len()
        } else {
            0
        }
    };
    let best = types
        .iter()
        .map(|(rt, _)| (score(rt), *rt))
        .filter(|(s, _)| *s > 0)
        .fold(None::<(usize, &ResourceType)>, |acc, (s, rt)| match acc {
            Some((b, _)) if b >= s => acc,
            _ => Some((s, rt)),
        });
    best.map(|(_, rt)| rt)
        .or_else(|| types.iter().find(|(_, req)| *req).map(|(rt, _)| *rt))
        .or_else(|| types.first().map(|(rt, _)| *rt))
}

/// SageMaker creates of taggable resources: `Create*` actions listing `aws:RequestTag/${TagKey}`.
fn taggable_creates(catalog: &Catalog) -> Vec<(ActionId, &ActionInfo, &ResourceType)> {
    catalog
        .actions_with_ids()
        .filter(|(_, a)| a.service == "sagemaker" && a.name.starts_with("Create"))
        .filter(|(_, a)| {
            a.condition_keys
                .iter()
                .any(|k| k.eq_ignore_ascii_case("aws:RequestTag/${TagKey}"))
        })
        .filter_map(|(id, a)| Some((id, a, created_type(catalog, a)?)))
        .collect()
}

/// SageMaker creates that must pass an execution role.
fn role_creates(catalog: &Catalog) -> Vec<(ActionId, &ActionInfo)> {
    catalog
        .actions_with_ids()
        .filter(|(_, a)| a.service == "sagemaker" && a.name.starts_with("Create"))
        .filter(|(_, a)| !ROLE_OPTIONAL.contains(&a.name.as_str()))
        .filter(|(_, a)| {
            a.dependent_actions
                .iter()
                .any(|d| d.eq_ignore_ascii_case("iam:PassRole"))
        })
        .collect()
}

/// The `sagemaker:AddTags` request SageMaker authorizes when `create` is called with tags: same
/// resource, principal and global keys, the create's tags (or Studio's domain tag when it has
/// none) and `sagemaker:TaggingAction = <create name>`.
fn add_tags_for(
    create: &Request,
    create_name: &str,
    region: &str,
    account: &str,
) -> Option<Request> {
    let mut r = Request::new("sagemaker:AddTags", &create.resource).ok()?;
    r.principal.clone_from(&create.principal);
    r.account.clone_from(&create.account);
    let mut ctx = Context::new();
    let mut tag_keys: Vec<String> = Vec::new();
    let mut has_tag_keys = false;
    for e in create.context.entries() {
        let k = e.key_lower.as_str();
        // Service keys belong to the create; the new resource has no tags yet.
        if !k.starts_with("aws:") || k.starts_with("aws:resourcetag/") {
            continue;
        }
        if let Some(tag) = e.key.get("aws:RequestTag/".len()..)
            && k.starts_with("aws:requesttag/")
        {
            tag_keys.push(tag.to_owned());
        }
        has_tag_keys |= k == "aws:tagkeys";
        let _ = ctx.insert(&e.key, e.value());
    }
    if tag_keys.is_empty() {
        ctx = with_key(
            &ctx,
            &format!("aws:RequestTag/{STUDIO_TAG}"),
            ContextValue::Single(format!(
                "arn:aws:sagemaker:{region}:{account}:domain/d-iamcexample"
            )),
        );
        ctx = with_key(
            &ctx,
            "aws:TagKeys",
            ContextValue::Multi(vec![STUDIO_TAG.to_owned()]),
        );
    } else if !has_tag_keys {
        let _ = ctx.insert("aws:TagKeys", ContextValue::Multi(tag_keys));
    }
    let _ = ctx.insert(
        "sagemaker:TaggingAction",
        ContextValue::Single(create_name.to_owned()),
    );
    r.context = ctx;
    Some(r)
}

/// What tag-on-create gave for one create action.
struct TagCheck {
    /// The first denied `AddTags` request, with its decision.
    denied: Witness,
    /// The statements that allowed the create.
    grants: Vec<StatementRef>,
}

/// `Some` when the create is allowed for some request on the resource type it makes and
/// `AddTags` is denied for every allowed one.
fn check_tag_on_create(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    (id, action, rt): (ActionId, &ActionInfo, &ResourceType),
) -> Option<TagCheck> {
    let reqs = cache.get(id)?;
    let mut first: Option<TagCheck> = None;
    for (r, own) in reqs.iter() {
        if !own || !rt.matches_arn(&r.resource) || !allowed(group, r, input.catalog) {
            continue;
        }
        let region = crate::policy::pattern::split_arn(&r.resource)
            .and_then(|p| p.get(3).copied())
            .filter(|s| !s.is_empty())
            .unwrap_or(&input.generator.region);
        let add = add_tags_for(r, &action.name, region, &input.account.id)?;
        let decision = group
            .compiled
            .evaluate_as(&PreparedRequest::new(&add, input.catalog), group.context)
            .decision;
        if decision == Decision::Allowed {
            return None;
        }
        if first.is_none() {
            let ex = group.explain(r, input.catalog);
            first = Some(TagCheck {
                denied: witness(
                    &add,
                    &format!(
                        "{} ({} on the same resource: Allowed)",
                        decision.as_str(),
                        action.full_name()
                    ),
                ),
                grants: group.matched_refs(&ex, Effect::Allow),
            });
        }
    }
    first
}

/// The resource type's ARN formats as patterns (`${…}` → `*`).
fn type_patterns(rt: &ResourceType) -> Vec<String> {
    rt.arn_formats
        .iter()
        .map(|f| {
            let mut out = String::new();
            let mut rest = f.as_str();
            while let Some(i) = rest.find("${") {
                out.push_str(rest.get(..i).unwrap_or(""));
                out.push('*');
                rest = match rest.get(i..).and_then(|t| t.find('}')) {
                    Some(j) => rest.get(i + j + 1..).unwrap_or(""),
                    None => "",
                };
            }
            out.push_str(rest);
            out
        })
        .collect()
}

/// What tag-on-create gave for one create: the check (a failing create) or `None`, and why
/// sampled requests decided when the exact analysis did not.
type TagOutcome = (Option<TagCheck>, Option<String>);

/// Tag-on-create decided on the formula (S-55), where the create's cell is exact: an allowed
/// create on the type it makes (the cell's witness, else the analysis narrowed to that type);
/// its `AddTags` allowed: no finding; `AddTags` with `sagemaker:TaggingAction = <create>` on that
/// type never allowed (proved): every allowed create fails. Otherwise `None` (sample).
fn exact_tag_on_create(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    (action, rt): (&ActionInfo, &ResourceType),
) -> Result<Option<TagCheck>, String> {
    let full = action.full_name();
    let asker = formula::Asker::new(input);
    let types = type_patterns(rt);
    let create = match formula::cell_witness(group, &full, input.catalog) {
        None => {
            return Err(group
                .coverage_of(&full)
                .and_then(|c| c.approximate_reason.clone())
                .unwrap_or_else(|| "the cell is approximate".to_owned()));
        }
        Some(None) => return Ok(None),
        Some(Some(w)) if rt.matches_arn(&w.resource) => w,
        Some(Some(_)) => {
            let narrowed = formula::narrowing(&serde_json::json!({
                "Effect": "Allow", "Action": full, "Resource": types,
            }))
            .ok_or("the narrowing statement does not parse")?;
            match asker.ask(group, &full, &narrowed) {
                formula::Answer::Never => return Ok(None),
                formula::Answer::Allowed(r) if rt.matches_arn(&r.resource) => r,
                formula::Answer::Allowed(_) => {
                    return Err("the narrowed witness is not of the created type".to_owned());
                }
                formula::Answer::Unknown(why) => return Err(why),
            }
        }
    };
    let region_of = |r: &Request| {
        crate::policy::pattern::split_arn(&r.resource)
            .and_then(|p| p.get(3).map(|s| (*s).to_owned()))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| input.generator.region.clone())
    };
    let add_of = |c: &Request| add_tags_for(c, &action.name, &region_of(c), &input.account.id);
    let add = add_of(&create).ok_or("no AddTags request for the create")?;
    let decision = group
        .compiled
        .evaluate_as(&PreparedRequest::new(&add, input.catalog), group.context)
        .decision;
    if decision == Decision::Allowed {
        return Ok(None);
    }
    let narrowed = formula::narrowing(&serde_json::json!({
        "Effect": "Allow", "Action": "sagemaker:AddTags", "Resource": types,
        "Condition": {"StringEquals": {"sagemaker:TaggingAction": action.name}},
    }))
    .ok_or("the narrowing statement does not parse")?;
    match asker.ask(group, "sagemaker:AddTags", &narrowed) {
        formula::Answer::Never => {
            let ex = group.explain(&create, input.catalog);
            Ok(Some(TagCheck {
                denied: witness(
                    &add,
                    &format!(
                        "{} ({full} on the same resource: Allowed)",
                        decision.as_str()
                    ),
                ),
                grants: group.matched_refs(&ex, Effect::Allow),
            }))
        }
        formula::Answer::Allowed(a) => {
            // The create again with the allowed AddTags's resource and global keys: both allowed
            // is a pair that works.
            let mut paired = create.clone();
            paired.resource.clone_from(&a.resource);
            for e in a.context.entries() {
                if e.key_lower.starts_with("aws:") && !e.key_lower.starts_with("aws:resourcetag/") {
                    paired.context = with_key(&paired.context, &e.key, e.value());
                }
            }
            let works = allowed(group, &paired, input.catalog)
                && add_of(&paired).is_some_and(|x| allowed(group, &x, input.catalog));
            if works {
                Ok(None)
            } else {
                Err(format!(
                    "AddTags with sagemaker:TaggingAction={} is allowed for some requests; whether \
                     one pairs with an allowed create is not decided exactly",
                    action.name
                ))
            }
        }
        formula::Answer::Unknown(why) => Err(why),
    }
}

/// Tag-on-create for one create: on the formula where it decides, else on sampled requests.
fn tag_check(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    (id, action, rt): (ActionId, &ActionInfo, &ResourceType),
) -> TagOutcome {
    match exact_tag_on_create(input, group, (action, rt)) {
        Ok(check) => (check, None),
        Err(why) => (
            check_tag_on_create(input, group, cache, (id, action, rt)),
            Some(formula::sampled_note(&action.full_name(), &why)),
        ),
    }
}

fn tag_on_create(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    creates: &[(ActionId, &ActionInfo, &ResourceType)],
) -> Option<GroupFinding> {
    let mut affected: Vec<(String, TagCheck)> = Vec::new();
    let mut sampled: Vec<String> = Vec::new();
    for &(id, action, rt) in creates {
        if !reachable(group, &action.full_name()) {
            continue;
        }
        let (check, note) = tag_check(input, group, cache, (id, action, rt));
        if let Some(check) = check {
            affected.push((action.name.clone(), check));
            sampled.extend(note);
        }
    }
    affected.sort_by(|a, b| a.0.cmp(&b.0));
    let (first_name, first) = affected.first()?;
    let mut statements = Vec::new();
    for (_, c) in &affected {
        merge_refs(&mut statements, c.grants.clone());
    }
    let names: Vec<&str> = affected.iter().map(|(n, _)| n.as_str()).collect();
    let mut actions: Vec<String> = names.iter().map(|n| format!("sagemaker:{n}")).collect();
    actions.push("sagemaker:AddTags".to_owned());
    actions.sort();
    let conditions = conditions_of(group, actions.iter().map(String::as_str));
    let message = if names.len() == 1 {
        format!(
            "{first_name} will fail with AccessDenied when called with tags (Studio, SDK defaults): AddTags is not allowed with sagemaker:TaggingAction={first_name}"
        )
    } else {
        format!(
            "{} create actions will fail with AccessDenied when called with tags (Studio, SDK defaults): AddTags is not allowed with sagemaker:TaggingAction set to the create's name ({}); witness for {first_name}",
            names.len(),
            names.join(", ")
        )
    };
    // Creates the exact analysis did not decide say so.
    let message = if sampled.is_empty() {
        message
    } else {
        format!("{message}; {}", sampled.join("; "))
    };
    Some(will_fail(
        group,
        (
            RULE_TAG_ON_CREATE,
            Severity::Medium,
            "create allowed without AddTags for tag-on-create",
        ),
        message,
        (actions, conditions, statements),
        Some(first.denied.clone()),
    ))
}

/// A will-fail finding of the group: its rule, severity and title, message, the actions,
/// conditions and statements it names, and its witness.
fn will_fail(
    group: &GroupView<'_, '_>,
    (rule, severity, title): (&str, Severity, &str),
    message: String,
    (actions, conditions, statements): (Vec<String>, Vec<String>, Vec<StatementRef>),
    witness: Option<Witness>,
) -> GroupFinding {
    GroupFinding {
        group: group.index,
        finding: Finding {
            actions,
            conditions,
            statements,
            witness: witness.map(Arc::new),
            ..Finding::new(
                rule.to_owned(),
                FindingKind::WillFail,
                severity,
                title.to_owned(),
                message,
            )
        },
    }
}

/// The `iam:PassRole` request on `role` with `iam:PassedToService = service`, built from the
/// generator's requests when one names the role (so policy-mentioned values are present).
pub(super) fn pass_role_requests(
    cache: &mut RequestCache<'_, '_, '_>,
    catalog: &Catalog,
    roles: &[String],
    service: &str,
) -> Vec<Request> {
    let Some(id) = catalog.action_id("iam:PassRole") else {
        return Vec::new();
    };
    let variants = (roles.len() + 4).saturating_mul(8).clamp(64, 4000);
    let Some(reqs) = cache.on_roles(id, roles, variants) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for role in roles {
        let mut any = false;
        for r in reqs.requests.iter().filter(|r| &r.resource == role) {
            let mut r = r.clone();
            r.context = with_key(
                &r.context,
                "iam:PassedToService",
                ContextValue::Single(service.to_owned()),
            );
            out.push(r);
            any = true;
        }
        if !any && let Ok(mut r) = Request::new("iam:PassRole", role) {
            r.principal = reqs.requests.first().and_then(|f| f.principal.clone());
            r.context = with_key(
                &r.context,
                "iam:PassedToService",
                ContextValue::Single(service.to_owned()),
            );
            out.push(r);
        }
    }
    out
}

/// The ARNs of the account's roles that trust SageMaker, in account order.
fn sagemaker_trusting_roles(input: &FindingsInput<'_, '_>) -> Vec<String> {
    input
        .account
        .roles
        .iter()
        .filter(|r| r.trusts_sagemaker)
        .map(|r| r.arn.clone())
        .collect()
}

/// Roles of the account trusting SageMaker that the group may pass to it: the audit's own list
/// when it evaluated `iam:PassRole`, else decided here.
fn passable_sagemaker_roles(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
) -> Vec<String> {
    if group.coverage_of("iam:PassRole").is_some() {
        return group
            .pass_role
            .iter()
            .filter(|t| t.trusts_sagemaker && t.class != Class::Never)
            .map(|t| t.role.clone())
            .collect();
    }
    let trusting = sagemaker_trusting_roles(input);
    let reqs = pass_role_requests(cache, input.catalog, &trusting, "sagemaker.amazonaws.com");
    let mut out: Vec<String> = Vec::new();
    for r in &reqs {
        if !out.contains(&r.resource) && allowed(group, r, input.catalog) {
            out.push(r.resource.clone());
        }
    }
    out
}

fn no_role(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    cache: &mut RequestCache<'_, '_, '_>,
    creates: &[(ActionId, &ActionInfo)],
) -> Option<GroupFinding> {
    let affected: Vec<(ActionId, &ActionInfo)> = creates
        .iter()
        .filter(|(_, a)| reachable(group, &a.full_name()))
        .copied()
        .collect();
    if affected.is_empty() || !passable_sagemaker_roles(input, group, cache).is_empty() {
        return None;
    }
    // The statements granting the creates, and an allowed create as a fallback witness.
    let mut statements = Vec::new();
    let mut create_witness = None;
    for &(id, _) in &affected {
        // The exact cell's allowed witness (S-55), else the first allowed sampled request.
        let hit = match input
            .catalog
            .action_by_id(id)
            .and_then(|a| formula::cell_witness(group, &a.full_name(), input.catalog))
        {
            Some(w) => w,
            None => {
                let Some(reqs) = cache.get(id) else {
                    continue;
                };
                reqs.own()
                    .find(|r| allowed(group, r, input.catalog))
                    .cloned()
            }
        };
        if let Some(r) = hit {
            let ex = group.explain(&r, input.catalog);
            merge_refs(&mut statements, group.matched_refs(&ex, Effect::Allow));
            if create_witness.is_none() {
                create_witness = Some(witness(&r, "Allowed"));
            }
        }
    }
    let trusting = sagemaker_trusting_roles(input);
    let mut names: Vec<&str> = affected.iter().map(|(_, a)| a.name.as_str()).collect();
    names.sort_unstable();
    let mut actions: Vec<String> = names.iter().map(|n| format!("sagemaker:{n}")).collect();
    actions.push("iam:PassRole".to_owned());
    actions.sort();
    let conditions = conditions_of(group, actions.iter().map(String::as_str));
    let (severity, why, pass_witness) = match trusting.first() {
        None => (
            Severity::Low,
            "the account has no role that trusts sagemaker.amazonaws.com".to_owned(),
            None,
        ),
        Some(role) => {
            let denied = pass_role_requests(
                cache,
                input.catalog,
                std::slice::from_ref(role),
                "sagemaker.amazonaws.com",
            )
            .into_iter()
            .next()
            .map(|r| {
                let d = group
                    .compiled
                    .evaluate_as(&PreparedRequest::new(&r, input.catalog), group.context)
                    .decision;
                witness(&r, d.as_str())
            });
            (
                Severity::Medium,
                format!(
                    "iam:PassRole with iam:PassedToService=sagemaker.amazonaws.com is denied on {} of the account that {} sagemaker.amazonaws.com",
                    if trusting.len() == 1 {
                        "the one role".to_owned()
                    } else {
                        format!("each of the {} roles", trusting.len())
                    },
                    if trusting.len() == 1 {
                        "trusts"
                    } else {
                        "trust"
                    }
                ),
                denied,
            )
        }
    };
    Some(will_fail(
        group,
        (
            RULE_NO_ROLE,
            severity,
            "create allowed but no execution role can be passed",
        ),
        format!(
            "allowed to call {} but cannot pass any execution role to SageMaker: the calls fail ({why})",
            names.join(", ")
        ),
        (actions, conditions, statements),
        pass_witness.or(create_witness),
    ))
}

/// Runs the detector.
pub(crate) fn run(input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    let taggable = taggable_creates(input.catalog);
    let with_role = role_creates(input.catalog);
    let mut cache = RequestCache::new(input);
    let mut out = Vec::new();
    for group in input.focus_groups() {
        out.extend(tag_on_create(input, group, &mut cache, &taggable));
        out.extend(no_role(input, group, &mut cache, &with_role));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_types_are_the_made_resources() {
        let catalog = Catalog::sagemaker_default();
        let made = |name: &str| {
            let a = catalog.action(&format!("sagemaker:{name}")).unwrap();
            created_type(catalog, a).map(|rt| rt.name.clone())
        };
        assert_eq!(made("CreateTrainingJob").as_deref(), Some("training-job"));
        assert_eq!(made("CreateEndpoint").as_deref(), Some("endpoint"));
        assert_eq!(made("CreateTrial").as_deref(), Some("experiment-trial"));
        assert_eq!(made("CreateAutoMLJobV2").as_deref(), Some("automl-job"));
        assert_eq!(
            made("CreateHubContentReference").as_deref(),
            Some("hub-content")
        );
        assert_eq!(
            made("CreateInferenceComponent").as_deref(),
            Some("inference-component")
        );
    }

    #[test]
    fn rule_inputs_come_from_the_catalog() {
        let catalog = Catalog::sagemaker_default();
        let taggable = taggable_creates(catalog);
        assert!(taggable.len() > 50, "{}", taggable.len());
        let roles: Vec<&str> = role_creates(catalog)
            .iter()
            .map(|(_, a)| a.name.as_str())
            .collect();
        for n in [
            "CreateTrainingJob",
            "CreateModel",
            "CreateNotebookInstance",
            "CreateProcessingJob",
        ] {
            assert!(roles.contains(&n), "{n}");
        }
        assert!(!roles.contains(&"CreateEndpointConfig"));
    }

    #[test]
    fn add_tags_carries_the_create_tags_or_the_studio_tag() {
        let mut create = Request::new(
            "sagemaker:CreateModel",
            "arn:aws:sagemaker:us-east-1:111122223333:model/m",
        )
        .unwrap();
        create
            .context
            .insert(
                "sagemaker:InstanceTypes",
                ContextValue::Multi(vec!["ml.m5.large".into()]),
            )
            .unwrap();
        let add = add_tags_for(&create, "CreateModel", "us-east-1", "111122223333").unwrap();
        assert_eq!(add.action(), "sagemaker:AddTags");
        assert_eq!(add.resource, create.resource);
        assert!(add.context.get("sagemaker:instancetypes").is_none());
        assert_eq!(
            add.context.get("sagemaker:taggingaction").unwrap().values,
            ["CreateModel"]
        );
        assert_eq!(add.context.get("aws:tagkeys").unwrap().values, [STUDIO_TAG]);

        create
            .context
            .insert("aws:RequestTag/team", ContextValue::Single("ml".into()))
            .unwrap();
        let add = add_tags_for(&create, "CreateModel", "us-east-1", "111122223333").unwrap();
        assert_eq!(
            add.context.get("aws:requesttag/team").unwrap().values,
            ["ml"]
        );
        assert_eq!(add.context.get("aws:tagkeys").unwrap().values, ["team"]);
    }
}
