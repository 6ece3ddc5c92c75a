//! Deciding one request for a graph actor with the engine, over the contexts the actor can
//! produce: the keys a caller chooses (`sts:ExternalId`, session name and tags, source identity,
//! MFA, source IP, region, …) take values that satisfy the conditions of the statements that
//! could allow the request; the keys the caller cannot choose keep their values: the principal's
//! own keys (tags, ARN, account), the target's tags, the passed-to service, and the time, which
//! only moves forward (an attacker can wait for a date, not go back to one). See S-38.
//!
//! INVARIANT (engine decides): candidates are only proposals; every verdict comes from the
//! compiled engine's explanation of a concrete request.

use crate::catalog::Catalog;
use crate::compile::CompiledSet;
use crate::condition::{Condition, Family, Instant, OrdCmp, SetOp, Values};
use crate::eval::{Context, ContextValue, Decision, Explanation, Layer, PreparedRequest, Request};
use crate::policy::glob::{Glob, GlobTok};
use crate::policy::pattern::arn_glob_matches;
use crate::policy::{Effect, Policy, PolicySet, ResourcePattern, Statement};
use crate::request::prepared::PreparedContext;
use crate::request::sent::is_principal_key;

use crate::audit::group::PolicyOrigin;

/// Keys whose value is the time: an attacker can wait for a later value, never an earlier one.
const TIME_KEYS: &[&str] = &["aws:currenttime", "aws:epochtime", "aws:tokenissuetime"];

/// The environment every graph request is made in.
#[derive(Debug, Clone)]
pub(crate) struct Env {
    /// The time of the run (`aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime`).
    pub(crate) now: Instant,
    /// The region requests are made in (`aws:RequestedRegion`).
    pub(crate) region: String,
    /// The context every request starts from (see [`Env::new`]).
    base: Vec<(String, ContextValue)>,
}

impl Env {
    /// Requests at `now` in `region`: the base context has the time (`aws:CurrentTime`,
    /// `aws:EpochTime`, and `aws:TokenIssueTime`: temporary credentials issued now, which a
    /// user can get with `sts:GetSessionToken`), `aws:SecureTransport` and
    /// `aws:RequestedRegion`.
    pub(crate) fn new(now: Instant, region: String) -> Env {
        let iso = crate::audit::space::format_instant(now);
        let base = vec![
            (
                "aws:CurrentTime".to_owned(),
                ContextValue::Single(iso.clone()),
            ),
            (
                "aws:EpochTime".to_owned(),
                ContextValue::Single(now.nanos().div_euclid(1_000_000_000).to_string()),
            ),
            ("aws:TokenIssueTime".to_owned(), ContextValue::Single(iso)),
            (
                "aws:SecureTransport".to_owned(),
                ContextValue::Single("true".to_owned()),
            ),
            (
                "aws:RequestedRegion".to_owned(),
                ContextValue::Single(region.clone()),
            ),
        ];
        Env { now, region, base }
    }
}

/// A principal, or a virtual node acting as one, with its compiled policies.
pub(crate) struct Actor<'a> {
    /// Its policy set.
    pub(crate) set: PolicySet,
    /// The set, compiled.
    pub(crate) compiled: CompiledSet<'a>,
    /// Its principal keys (`aws:PrincipalArn`, tags, …).
    pub(crate) context: Context,
    /// The same, prepared for the compiled engine.
    pub(crate) prepared: PreparedContext,
    /// Where each policy of the set comes from.
    pub(crate) origins: Vec<PolicyOrigin>,
    /// The account it acts in.
    pub(crate) account: String,
}

/// Keys a request fixes: `(key as written, value)`.
pub(crate) type Fixed = Vec<(String, ContextValue)>;

/// Which gates of a decision passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gates {
    /// A `Deny` applied in some layer.
    pub(crate) denied: bool,
    /// Every SCP level had an applying `Allow`.
    pub(crate) scps: bool,
    /// The identity policies had an applying `Allow`.
    pub(crate) identity: bool,
    /// The boundary (when set) had an applying `Allow`.
    pub(crate) boundary: bool,
}

impl Gates {
    /// Allowed on the identity side alone.
    pub(crate) fn allowed(self) -> bool {
        !self.denied && self.scps && self.identity && self.boundary
    }

    /// Nothing but the identity allow is missing: enough where a resource-based policy (a trust
    /// policy naming the principal) grants in the same account.
    pub(crate) fn open_but_identity(self) -> bool {
        !self.denied && self.scps && self.boundary
    }
}

/// The gates of an explanation for a set with `layers`.
pub(crate) fn gates(ex: &Explanation, layers: &[Layer]) -> Gates {
    let allow = |l: Layer| {
        ex.matched
            .iter()
            .any(|m| m.layer == l && m.effect == Effect::Allow)
    };
    Gates {
        denied: ex.matched.iter().any(|m| m.effect == Effect::Deny),
        scps: layers
            .iter()
            .filter(|l| matches!(l, Layer::Scp(_)))
            .all(|l| allow(*l)),
        identity: allow(Layer::Identity),
        boundary: !layers.contains(&Layer::Boundary) || allow(Layer::Boundary),
    }
}

/// A decided request: the request, its gates and the engine's explanation.
#[derive(Debug, Clone)]
pub(crate) struct Decided {
    /// The request.
    pub(crate) request: Request,
    /// Which gates passed.
    pub(crate) gates: Gates,
    /// Why.
    pub(crate) explanation: Explanation,
}

/// Decides `action` on `resource` for `actor` over its candidate contexts. Returns the first
/// candidate the identity side allows; else, with `fallback`, the first that only lacks an
/// identity allow (enough where a trust policy names the principal); else `None`. Only the
/// returned candidate is explained.
pub(crate) fn decide(
    actor: &Actor<'_>,
    env: &Env,
    action: &str,
    resource: &str,
    fixed: &[(String, ContextValue)],
    fallback: bool,
    catalog: &Catalog,
) -> Option<Decided> {
    let layers = actor.compiled.layers();
    let mut second = None;
    for r in candidates(actor, env, action, resource, fixed, &[], catalog) {
        let prepared = PreparedRequest::new(&r, catalog);
        let allowed = actor
            .compiled
            .evaluate_as(&prepared, &actor.prepared)
            .decision
            == Decision::Allowed;
        if !allowed && (!fallback || second.is_some()) {
            continue;
        }
        let ex = actor.compiled.explain_as(&prepared, &actor.prepared);
        let g = gates(&ex, layers);
        drop(prepared);
        let d = Decided {
            request: r,
            gates: g,
            explanation: ex,
        };
        if g.allowed() {
            return Some(d);
        }
        if g.open_but_identity() {
            second = Some(d);
        }
    }
    second
}

/// True when the engine allows `action` for `actor` on some resource of its account (as
/// [`allowed_some`], without explaining anything).
pub(crate) fn allowed_any(
    actor: &Actor<'_>,
    env: &Env,
    action: &str,
    generic: &str,
    catalog: &Catalog,
) -> bool {
    resource_candidates(actor, env, action, generic, catalog)
        .iter()
        .any(|resource| {
            candidates(actor, env, action, resource, &[], &[], catalog)
                .iter()
                .any(|r| {
                    actor
                        .compiled
                        .evaluate_as(&PreparedRequest::new(r, catalog), &actor.prepared)
                        .decision
                        == Decision::Allowed
                })
        })
}

/// Decides `action` for `actor` on any resource of its account: `generic` (for catalog
/// actions, `*` means the action's first resource type, rendered in the actor's account), then
/// the resources its applying identity statements name. Returns the first allowed decision.
pub(crate) fn allowed_some(
    actor: &Actor<'_>,
    env: &Env,
    action: &str,
    generic: &str,
    catalog: &Catalog,
) -> Option<Decided> {
    for resource in resource_candidates(actor, env, action, generic, catalog) {
        if let Some(d) = decide(actor, env, action, &resource, &[], false, catalog)
            && d.gates.allowed()
        {
            return Some(d);
        }
    }
    None
}

/// The resource a probe of `action` is made on in `account`: `generic` unless it is `*`, else
/// for catalog actions `*` (wildcard-only) or the first resource type's ARN rendered in the
/// account and region, for other actions `*`.
pub(crate) fn generic_resource(
    catalog: &Catalog,
    env: &Env,
    action: &str,
    account: &str,
    generic: &str,
) -> String {
    if generic != "*" {
        return generic.to_owned();
    }
    let Some(a) = catalog.action(action) else {
        return "*".to_owned();
    };
    if a.is_wildcard_only() {
        return "*".to_owned();
    }
    a.resources
        .first()
        .and_then(|r| catalog.service(&a.service)?.resource_type(&r.name))
        .and_then(|rt| {
            rt.render_arn(&|ph: &str| {
                Some(match ph {
                    "Partition" => "aws".to_owned(),
                    "Region" => env.region.clone(),
                    "Account" => account.to_owned(),
                    _ => "iamc-probe".to_owned(),
                })
            })
        })
        .unwrap_or_else(|| "*".to_owned())
}

/// True when trying other resources and contexts than the generic request can change its
/// answer: an identity `Allow` for `action` has conditions or names resources, or the boundary
/// or an SCP has conditions.
pub(crate) fn worth_searching(set: &PolicySet, action: &str) -> bool {
    let Some((svc, name)) = action.split_once(':') else {
        return false;
    };
    let (svc, name) = (svc.to_ascii_lowercase(), name.to_ascii_lowercase());
    let grants = set.identity.iter().flat_map(|p| &p.statements).any(|s| {
        s.effect == Effect::Allow
            && action_matches(s, &svc, &name)
            && (!s.conditions.is_empty()
                || s.resource.as_ref().is_some_and(|r| {
                    r.negated
                        || r.patterns
                            .iter()
                            .any(|p| !matches!(p, ResourcePattern::Any))
                }))
    });
    let guards = set
        .boundary
        .iter()
        .flatten()
        .chain(set.scps.iter().flatten())
        .flat_map(|p| &p.statements)
        .any(|s| !s.conditions.is_empty() && action_matches(s, &svc, &name));
    grants || guards
}

/// Resources worth trying for `action`: the generic one, then one per resource pattern of the
/// applying identity `Allow` statements, wildcards filled (`*` region and account are the
/// actor's), keeping only resources of the actor's account.
pub(crate) fn resource_candidates(
    actor: &Actor<'_>,
    env: &Env,
    action: &str,
    generic: &str,
    catalog: &Catalog,
) -> Vec<String> {
    let mut out = vec![generic_resource(
        catalog,
        env,
        action,
        &actor.account,
        generic,
    )];
    let info = catalog.action(action);
    if info.is_some_and(|a| a.is_wildcard_only()) {
        return out;
    }
    let Some((svc, name)) = action.split_once(':') else {
        return out;
    };
    let (svc, name) = (svc.to_ascii_lowercase(), name.to_ascii_lowercase());
    let lookup = lookup_in(&actor.context);
    for p in &actor.set.identity {
        for st in &p.statements {
            if st.effect != Effect::Allow || !action_matches(st, &svc, &name) {
                continue;
            }
            let Some(clause) = st.resource.as_ref().filter(|c| !c.negated) else {
                continue;
            };
            for pat in &clause.patterns {
                let ResourcePattern::Arn(t) = pat else {
                    continue;
                };
                let Some(sample) = t.resolve_glob(&lookup).map(|g| glob_sample(&g)) else {
                    continue;
                };
                let Some(parts) = crate::policy::pattern::split_arn(&sample) else {
                    continue;
                };
                let [a, partition, service, region, account, rest] = parts;
                let region = if region == "x" {
                    env.region.as_str()
                } else {
                    region
                };
                let account = if account == "x" {
                    actor.account.as_str()
                } else {
                    account
                };
                if !account.is_empty() && account != actor.account {
                    continue;
                }
                let arn = format!("{a}:{partition}:{service}:{region}:{account}:{rest}");
                if !out.contains(&arn) && out.len() < 16 {
                    out.push(arn);
                }
            }
        }
    }
    out
}

/// Re-decides `request` (another candidate's context, a retargeted resource) for `actor`.
pub(crate) fn redecide(actor: &Actor<'_>, request: Request, catalog: &Catalog) -> Decided {
    let ex = actor
        .compiled
        .explain_as(&PreparedRequest::new(&request, catalog), &actor.prepared);
    let gates = gates(&ex, actor.compiled.layers());
    Decided {
        request,
        gates,
        explanation: ex,
    }
}

/// True when some identity `Allow` of `set` can apply to `action` (ignoring resource and
/// conditions): without one, no request for it can be allowed on the identity side.
pub(crate) fn may_allow(set: &PolicySet, action: &str) -> bool {
    let Some((svc, name)) = action.split_once(':') else {
        return false;
    };
    let (svc, name) = (svc.to_ascii_lowercase(), name.to_ascii_lowercase());
    set.identity.iter().any(|p| {
        p.statements
            .iter()
            .any(|s| s.effect == Effect::Allow && action_matches(s, &svc, &name))
    })
}

fn action_matches(s: &Statement, svc: &str, name: &str) -> bool {
    s.action.applies_to(svc, name)
}

fn lookup_in<'c>(ctx: &'c Context) -> impl Fn(&str) -> Option<&'c str> {
    move |k: &str| {
        ctx.get(k)
            .filter(|e| !e.is_list)
            .and_then(|e| e.values.first())
            .map(String::as_str)
    }
}

fn resource_matches(s: &Statement, resource: &str, principal: &Context) -> bool {
    let Some(clause) = &s.resource else {
        return false;
    };
    let lookup = lookup_in(principal);
    let any = clause.patterns.iter().any(|p| match p {
        ResourcePattern::Any => true,
        ResourcePattern::Arn(t) => t
            .resolve_glob(&lookup)
            .is_some_and(|g| arn_glob_matches(&g, resource)),
    });
    any != clause.negated
}

/// Statements of `policies` with `effect` whose action and resource match.
fn applying<'p>(
    policies: &'p [Policy],
    effect: Effect,
    svc: &str,
    name: &str,
    resource: &str,
    principal: &Context,
) -> Vec<&'p Statement> {
    policies
        .iter()
        .flat_map(|p| &p.statements)
        .filter(|s| {
            s.effect == effect
                && action_matches(s, svc, name)
                && resource_matches(s, resource, principal)
        })
        .collect()
}

/// The requests worth deciding for `actor`: the base context, then one per applying identity
/// `Allow` (with the boundary's and every SCP level's first applying `Allow`) whose conditions
/// its context satisfies; `extra` conditions are satisfied in each.
pub(crate) fn candidates(
    actor: &Actor<'_>,
    env: &Env,
    action: &str,
    resource: &str,
    fixed: &[(String, ContextValue)],
    extra: &[&[Condition]],
    catalog: &Catalog,
) -> Vec<Request> {
    let Some((svc, name)) = action.split_once(':') else {
        return Vec::new();
    };
    let (svc, name) = (svc.to_ascii_lowercase(), name.to_ascii_lowercase());
    let evaluated = if catalog.action(action).is_some_and(|a| a.is_wildcard_only()) {
        "*"
    } else {
        resource
    };
    let ctx = &actor.context;
    let base = base_assignment(env, fixed);
    let mut guards: Vec<&Statement> = Vec::new();
    if let Some(b) = &actor.set.boundary {
        guards.extend(
            applying(b, Effect::Allow, &svc, &name, evaluated, ctx)
                .into_iter()
                .take(1),
        );
    }
    for level in &actor.set.scps {
        guards.extend(
            applying(level, Effect::Allow, &svc, &name, evaluated, ctx)
                .into_iter()
                .take(1),
        );
    }
    let grants = applying(
        &actor.set.identity,
        Effect::Allow,
        &svc,
        &name,
        evaluated,
        ctx,
    );
    let mut assignments: Vec<Vec<(String, ContextValue)>> = Vec::new();
    let mut push = |extra_stmt: Option<&Statement>| {
        let mut a = base.clone();
        if let Some(s) = extra_stmt {
            satisfy(&s.conditions, ctx, fixed, env, catalog, &mut a);
        }
        for g in &guards {
            satisfy(&g.conditions, ctx, fixed, env, catalog, &mut a);
        }
        for conds in extra {
            satisfy(conds, ctx, fixed, env, catalog, &mut a);
        }
        if !assignments.contains(&a) {
            assignments.push(a);
        }
    };
    push(None);
    for g in grants.iter().take(8) {
        push(Some(g));
    }
    assignments
        .into_iter()
        .filter_map(|a| {
            let mut r = Request::new(action, resource).ok()?;
            r.context = to_context(&a);
            Some(r)
        })
        .collect()
}

/// A witness of `request`: the request with the run's time left out where it is the run's own
/// (`aws:CurrentTime`, `aws:EpochTime`, `aws:TokenIssueTime` at their base values), so that
/// reports do not change from one run to the next; a time a condition asked for stays.
pub(crate) fn witness_of(env: &Env, request: &Request) -> crate::audit::model::Witness {
    let mut r = request.clone();
    let kept: Vec<(String, ContextValue)> = request
        .context
        .entries()
        .iter()
        .filter(|e| {
            !TIME_KEYS.contains(&e.key_lower.as_str())
                || !env.base.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case(&e.key)
                        && matches!(v, ContextValue::Single(x) if e.values.first() == Some(x))
                })
        })
        .map(|e| {
            let v = e.value();
            (e.key.clone(), v)
        })
        .collect();
    r.context = to_context(&kept);
    crate::audit::model::witness(&r, "Allowed")
}

/// `action` on `resource` with the base context only.
pub(crate) fn base_request(env: &Env, action: &str, resource: &str) -> Option<Request> {
    let mut r = Request::new(action, resource).ok()?;
    r.context = to_context(&base_assignment(env, &[]));
    Some(r)
}

/// The context every request starts from, then the fixed keys.
fn base_assignment(env: &Env, fixed: &[(String, ContextValue)]) -> Vec<(String, ContextValue)> {
    let mut a = env.base.clone();
    for (k, v) in fixed {
        set_key(&mut a, k, Some(v.clone()));
    }
    a
}

fn set_key(a: &mut Vec<(String, ContextValue)>, key: &str, value: Option<ContextValue>) {
    a.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    if let Some(v) = value {
        a.push((key.to_owned(), v));
    }
}

/// An assignment as a request context (keys are distinct by construction).
pub(crate) fn to_context(a: &[(String, ContextValue)]) -> Context {
    let mut c = Context::new();
    for (k, v) in a {
        let _ = c.insert(k, v.clone());
    }
    c
}

/// A string `glob` matches: its literal text, `x` for each wildcard.
pub(crate) fn glob_sample(glob: &Glob) -> String {
    let mut out = String::new();
    for t in glob.toks() {
        match t {
            GlobTok::Lit(s) => out.push_str(s),
            GlobTok::One | GlobTok::Star => out.push('x'),
        }
    }
    out
}

/// Adds to `a` values for the keys of `conds` the caller chooses, so that each condition holds
/// (as far as one value can make it hold); keys it does not choose are left alone.
pub(crate) fn satisfy(
    conds: &[Condition],
    principal: &Context,
    fixed: &[(String, ContextValue)],
    env: &Env,
    catalog: &Catalog,
    a: &mut Vec<(String, ContextValue)>,
) {
    let lookup = lookup_in(principal);
    for c in conds {
        let key = c.key_lower.as_str();
        if is_principal_key(key) || fixed.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        if TIME_KEYS.contains(&key) {
            later_time(c, env, a);
            continue;
        }
        let negated = c.op.operator.is_negated();
        let multi = c.op.set.is_some() || catalog.is_multivalued(key);
        let wrap = |v: String| {
            if multi {
                ContextValue::Multi(vec![v])
            } else {
                ContextValue::Single(v)
            }
        };
        let value: Option<Option<String>> = match &c.values {
            Values::Null(tests) => {
                if tests.iter().any(|absent| *absent) {
                    Some(None)
                } else if a.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                    continue;
                } else {
                    Some(Some(crate::audit::space::typed::present_value(
                        catalog, key,
                    )))
                }
            }
            // A negated operator holds when the key is absent (ForAnyValue excepted).
            _ if negated && c.op.set != Some(SetOp::ForAnyValue) => Some(None),
            // A value of the key's type none of the listed values is (S-52).
            _ if negated => {
                crate::audit::space::typed::other_value(catalog, key, &c.raw_values).map(Some)
            }
            Values::String(ts) | Values::Arn(ts) => ts
                .iter()
                .find_map(|t| t.resolve_glob(&lookup))
                .map(|g| Some(glob_sample(&g))),
            Values::Bool(ts) => ts
                .iter()
                .find_map(|t| t.resolve_string(&lookup))
                .map(|v| Some(v.to_ascii_lowercase())),
            Values::Numeric(ds) => ds.first().map(|d| Some(numeric_sample(d.scaled(), c))),
            Values::Date(is) => is.first().map(|i| {
                let delta = match c.op.operator.ord_cmp() {
                    OrdCmp::Lt => -1_000_000_000,
                    OrdCmp::Gt => 1_000_000_000,
                    _ => 0,
                };
                Some(crate::audit::space::format_instant(i.offset(delta)))
            }),
            // The network address of the first CIDR, the first value as written.
            Values::Ip(_) => c
                .raw_values
                .first()
                .map(|v| Some(v.split('/').next().unwrap_or(v).to_owned())),
            Values::Binary(_) => c.raw_values.first().map(|v| Some(v.clone())),
        };
        if let Some(v) = value {
            let spelled = a
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map_or_else(|| c.key.clone(), |(k, _)| k.clone());
            set_key(a, &spelled, v.map(wrap));
        }
    }
}

/// A decimal that satisfies a numeric comparison with the policy value `scaled` (in units of
/// 10^-18).
fn numeric_sample(scaled: i128, c: &Condition) -> String {
    let unit: i128 = 1_000_000_000_000_000_000;
    let whole = scaled.div_euclid(unit);
    let v = match c.op.operator.ord_cmp() {
        OrdCmp::Lt => whole - 1,
        OrdCmp::Gt => whole + 1,
        _ if scaled.rem_euclid(unit) == 0 => whole,
        _ => return c.raw_values.first().cloned().unwrap_or_default(),
    };
    v.to_string()
}

/// For a condition on a time key: when it asks for a time after the run's, wait until then.
fn later_time(c: &Condition, env: &Env, a: &mut Vec<(String, ContextValue)>) {
    if c.op.operator.family() != Family::Date && c.op.operator.family() != Family::Numeric {
        return;
    }
    if !matches!(
        c.op.operator.ord_cmp(),
        OrdCmp::Gt | OrdCmp::Ge | OrdCmp::Eq
    ) {
        return;
    }
    let when = match &c.values {
        Values::Date(is) => is.iter().copied().max(),
        Values::Numeric(ds) => ds
            .iter()
            .map(|d| Instant::from_nanos(d.scaled() / 1_000_000_000))
            .max(),
        _ => None,
    };
    let Some(when) = when.filter(|w| *w > env.now) else {
        return;
    };
    let later = when.offset(1_000_000_000);
    let text = if c.key_lower == "aws:epochtime" {
        later.nanos().div_euclid(1_000_000_000).to_string()
    } else {
        crate::audit::space::format_instant(later)
    };
    set_key(a, &c.key, Some(ContextValue::Single(text)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::domain::tests::cond;

    fn env() -> Env {
        Env::new(
            Instant::parse("2026-06-01T00:00:00Z").unwrap(),
            "us-east-1".to_owned(),
        )
    }

    fn value(a: &[(String, ContextValue)], key: &str) -> Option<ContextValue> {
        a.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    }

    #[test]
    fn caller_keys_take_satisfying_values_and_principal_keys_do_not() {
        let catalog = Catalog::sagemaker_default();
        let mut principal = Context::new();
        principal
            .insert("aws:PrincipalTag/team", ContextValue::Single("ml".into()))
            .unwrap();
        let conds = vec![
            cond("StringEquals", "sts:ExternalId", &["x-123"]),
            cond(
                "StringEquals",
                "aws:RequestTag/team",
                &["${aws:PrincipalTag/team}"],
            ),
            cond("StringEquals", "aws:PrincipalTag/team", &["other"]),
            cond("StringNotEquals", "aws:SourceVpce", &["vpce-1"]),
            cond("Bool", "aws:MultiFactorAuthPresent", &["true"]),
            cond("NumericLessThan", "aws:MultiFactorAuthAge", &["3600"]),
        ];
        let mut a = Vec::new();
        satisfy(&conds, &principal, &[], &env(), catalog, &mut a);
        assert_eq!(
            value(&a, "sts:ExternalId"),
            Some(ContextValue::Single("x-123".into()))
        );
        assert_eq!(
            value(&a, "aws:RequestTag/team"),
            Some(ContextValue::Single("ml".into()))
        );
        assert_eq!(value(&a, "aws:PrincipalTag/team"), None);
        assert_eq!(value(&a, "aws:SourceVpce"), None);
        assert_eq!(
            value(&a, "aws:MultiFactorAuthPresent"),
            Some(ContextValue::Single("true".into()))
        );
        assert_eq!(
            value(&a, "aws:MultiFactorAuthAge"),
            Some(ContextValue::Single("3599".into()))
        );
    }

    #[test]
    fn time_only_moves_forward() {
        let catalog = Catalog::sagemaker_default();
        let principal = Context::new();
        let mut a = base_assignment(&env(), &[]);
        let past = cond(
            "DateLessThan",
            "aws:TokenIssueTime",
            &["2020-01-01T00:00:01Z"],
        );
        satisfy(&[past], &principal, &[], &env(), catalog, &mut a);
        // Still the time of the run: credentials cannot have been issued before 2020.
        assert_eq!(
            value(&a, "aws:TokenIssueTime"),
            Some(ContextValue::Single("2026-06-01T00:00:00Z".into()))
        );
        let future = cond(
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2030-01-01T00:00:00Z"],
        );
        satisfy(&[future], &principal, &[], &env(), catalog, &mut a);
        assert_eq!(
            value(&a, "aws:CurrentTime"),
            Some(ContextValue::Single("2030-01-01T00:00:01Z".into()))
        );
    }

    #[test]
    fn fixed_keys_are_never_chosen() {
        let catalog = Catalog::sagemaker_default();
        let fixed = vec![(
            "iam:PassedToService".to_owned(),
            ContextValue::Single("sagemaker.amazonaws.com".to_owned()),
        )];
        let mut a = base_assignment(&env(), &fixed);
        let c = cond(
            "StringEquals",
            "iam:PassedToService",
            &["ec2.amazonaws.com"],
        );
        satisfy(&[c], &Context::new(), &fixed, &env(), catalog, &mut a);
        assert_eq!(
            value(&a, "iam:PassedToService"),
            Some(ContextValue::Single("sagemaker.amazonaws.com".into()))
        );
    }
}
