//! Minimal policies: the logged requests the current policies allow, grouped into one statement
//! per resource set, checked with the engine against the current policies (same boundary and
//! SCPs) and narrowed until no counterexample remains: first one statement per action with the
//! keys the identity policies read pinned to the logged values, then one statement per logged
//! request.
//!
//! INVARIANT (pins keep every logged request): a pin is built from the covered requests' own
//! values (a range for numbers and dates, `IfExists` when some request lacks the key, `Null` when
//! all do), so narrowing never drops a logged request the current policies allow.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::TrailEvent;
use crate::audit::findings::{FindingsInput, GroupView, witness};
use crate::audit::model::{Proof, Witness};
use crate::audit::space;
use crate::catalog::{Catalog, KeyType};
use crate::compile::CompiledSet;
use crate::condition::{Decimal, Instant};
use crate::eval::{Context, ContextEntry, ContextValue, Decision, Layer, PreparedRequest, Request};
use crate::policy::{Effect, Policy, PolicyKind, PolicySet};
use crate::request::prepared::PreparedContext;

/// Witnesses kept per list (denied logged requests, counterexamples).
const SAMPLES: usize = 5;

/// Narrowing rounds before the remaining counterexamples are reported.
const ROUNDS: usize = 4;

/// One statement of a minimal policy being built.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MinStmt {
    sid: String,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
    /// Operator → key → values.
    conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Indexes of the logged requests it is for.
    covers: Vec<usize>,
    /// 0 as grouped, 1 conditions pinned, 2 one logged request.
    level: u8,
}

impl MinStmt {
    fn to_json(&self) -> Value {
        let list = |set: &BTreeSet<String>| -> Value {
            match set.iter().next() {
                Some(one) if set.len() == 1 => Value::String(one.clone()),
                _ => Value::Array(set.iter().cloned().map(Value::String).collect()),
            }
        };
        let mut m = Map::new();
        m.insert("Sid".to_owned(), Value::String(self.sid.clone()));
        m.insert("Effect".to_owned(), Value::String("Allow".to_owned()));
        m.insert("Action".to_owned(), list(&self.actions));
        m.insert("Resource".to_owned(), list(&self.resources));
        if !self.conditions.is_empty() {
            let mut c = Map::new();
            for (op, keys) in &self.conditions {
                let mut k = Map::new();
                for (key, values) in keys {
                    k.insert(key.clone(), list(values));
                }
                c.insert(op.clone(), Value::Object(k));
            }
            m.insert("Condition".to_owned(), Value::Object(c));
        }
        Value::Object(m)
    }

    fn add(&mut self, op: &str, key: &str, values: impl IntoIterator<Item = String>) {
        self.conditions
            .entry(op.to_owned())
            .or_default()
            .entry(key.to_owned())
            .or_default()
            .extend(values);
    }
}

fn document(stmts: &[MinStmt]) -> Value {
    let mut m = Map::new();
    m.insert("Version".to_owned(), Value::String("2012-10-17".to_owned()));
    m.insert(
        "Statement".to_owned(),
        Value::Array(stmts.iter().map(MinStmt::to_json).collect()),
    );
    Value::Object(m)
}

/// `training-job` → `TrainingJob`.
fn camel(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A readable `Sid` for a resource set.
fn sid_for(actions: &BTreeSet<String>, resources: &BTreeSet<String>) -> String {
    if actions
        .iter()
        .all(|a| a.eq_ignore_ascii_case("iam:PassRole"))
    {
        return "PassLoggedRoles".to_owned();
    }
    if let (Some(one), 1) = (actions.iter().next(), actions.len()) {
        return camel(one.split_once(':').map_or(one.as_str(), |(_, n)| n));
    }
    let types: BTreeSet<String> = resources
        .iter()
        .filter(|r| *r != "*")
        .filter_map(|r| {
            crate::policy::pattern::split_arn(r).and_then(|p| p.get(5).map(|s| (*s).to_owned()))
        })
        .map(|res| camel(res.split('/').next().unwrap_or("")))
        .collect();
    match types.len() {
        0 => "ActionsWithoutResourceTypes".to_owned(),
        1 => format!("Logged{}", types.iter().next().cloned().unwrap_or_default()),
        _ => "LoggedResources".to_owned(),
    }
}

/// Escapes `${` so a logged value stays literal under `Version: 2012-10-17`.
fn literal(value: &str) -> String {
    value.replace("${", "${$}{")
}

/// Groups the logged requests at `basis` into one statement per resource set.
fn initial_statements(logged: &[&Request], basis: &[usize]) -> Vec<MinStmt> {
    let mut by_action: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut passed_to: BTreeSet<String> = BTreeSet::new();
    for &i in basis {
        let Some(r) = logged.get(i) else { continue };
        by_action
            .entry(r.action().to_owned())
            .or_default()
            .insert(r.resource.clone());
        if r.action().eq_ignore_ascii_case("iam:PassRole")
            && let Some(e) = r.context.get("iam:passedtoservice")
        {
            passed_to.extend(e.values.iter().cloned());
        }
    }
    let mut by_set: BTreeMap<(bool, BTreeSet<String>), BTreeSet<String>> = BTreeMap::new();
    for (a, rs) in by_action {
        let pass = a.eq_ignore_ascii_case("iam:PassRole");
        by_set.entry((pass, rs)).or_default().insert(a);
    }
    let mut out: Vec<MinStmt> = Vec::new();
    for ((pass, resources), actions) in by_set {
        let covers = basis
            .iter()
            .copied()
            .filter(|&i| {
                logged.get(i).is_some_and(|r| {
                    actions.contains(r.action()) && resources.contains(&r.resource)
                })
            })
            .collect();
        let mut s = MinStmt {
            sid: sid_for(&actions, &resources),
            actions,
            resources,
            conditions: BTreeMap::new(),
            covers,
            level: 0,
        };
        if pass && !passed_to.is_empty() {
            s.add(
                "StringEquals",
                "iam:PassedToService",
                passed_to.iter().map(|v| literal(v)),
            );
        }
        out.push(s);
    }
    unique_sids(&mut out);
    out
}

fn unique_sids(stmts: &mut [MinStmt]) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for s in stmts.iter_mut() {
        let n = seen.entry(s.sid.clone()).or_default();
        *n += 1;
        if *n > 1 {
            s.sid = format!("{}{}", s.sid, n);
        }
    }
}

/// Lowercase request keys the identity policies read (condition keys and variables), with a
/// spelling, without principal keys. Only these can separate the minimal set from the current
/// one: both share the boundary and SCPs.
fn keys_read(set: &PolicySet) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in &set.identity {
        for st in &p.statements {
            for c in &st.conditions {
                out.entry(c.key_lower.clone())
                    .or_insert_with(|| c.key.clone());
                for v in c.variables() {
                    out.entry(v.key_lower.clone())
                        .or_insert_with(|| v.key_lower.clone());
                }
            }
            for pat in st.resource.iter().flat_map(|r| &r.patterns) {
                if let crate::policy::ResourcePattern::Arn(t) = pat {
                    for v in t.variables() {
                        out.entry(v.key_lower.clone())
                            .or_insert_with(|| v.key_lower.clone());
                    }
                }
            }
        }
    }
    out.retain(|k, _| !crate::request::sent::is_principal_key(k));
    out
}

/// Adds conditions to `s` that hold for exactly the logged values of `key` in `entries` (one per
/// covered request; `None` when the request lacks the key).
fn pin_key(s: &mut MinStmt, key: &str, entries: &[Option<&ContextEntry>], catalog: &Catalog) {
    let present: Vec<&ContextEntry> = entries
        .iter()
        .flatten()
        .copied()
        .filter(|e| !e.is_null_set())
        .collect();
    if present.is_empty() {
        s.add("Null", key, ["true".to_owned()]);
        return;
    }
    let all = present.len() == entries.len();
    let values: BTreeSet<String> = present
        .iter()
        .flat_map(|e| e.values.iter().cloned())
        .collect();
    if present.iter().any(|e| e.is_list) || catalog.is_multivalued(key) {
        s.add(
            "ForAllValues:StringEquals",
            key,
            values.iter().map(|v| literal(v)),
        );
        if all {
            s.add("Null", key, ["false".to_owned()]);
        }
        return;
    }
    let suffix = if all { "" } else { "IfExists" };
    let ty = catalog.key(key).map(|k| k.ty);
    let range = |parse: &dyn Fn(&str) -> Option<i128>| -> Option<(String, String)> {
        let mut parsed: Vec<(i128, &String)> = Vec::new();
        for v in &values {
            parsed.push((parse(v)?, v));
        }
        let min = parsed.iter().min_by_key(|p| p.0)?.1.clone();
        let max = parsed.iter().max_by_key(|p| p.0)?.1.clone();
        Some((min, max))
    };
    match ty {
        Some(KeyType::Numeric) => {
            if let Some((lo, hi)) = range(&|v| Decimal::parse(v).map(|d| d.scaled())) {
                s.add(&format!("NumericGreaterThanEquals{suffix}"), key, [lo]);
                s.add(&format!("NumericLessThanEquals{suffix}"), key, [hi]);
                return;
            }
        }
        Some(KeyType::Date) => {
            if let Some((lo, hi)) = range(&|v| Instant::parse(v).map(Instant::nanos)) {
                s.add(&format!("DateGreaterThanEquals{suffix}"), key, [lo]);
                s.add(&format!("DateLessThanEquals{suffix}"), key, [hi]);
                return;
            }
        }
        Some(KeyType::Bool)
            if values
                .iter()
                .all(|v| v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) =>
        {
            s.add(
                &format!("Bool{suffix}"),
                key,
                values.iter().map(|v| v.to_ascii_lowercase()),
            );
            return;
        }
        Some(KeyType::IpAddress)
            if values.iter().all(|v| v.parse::<std::net::IpAddr>().is_ok()) =>
        {
            s.add(&format!("IpAddress{suffix}"), key, values.iter().cloned());
            return;
        }
        _ => {}
    }
    s.add(
        &format!("StringEquals{suffix}"),
        key,
        values.iter().map(|v| literal(v)),
    );
}

/// Pins every key the current policies read, that applies to a covered request, to the logged
/// values; returns the keys pinned.
fn pin(
    s: &mut MinStmt,
    logged: &[&Request],
    read: &BTreeMap<String, String>,
    catalog: &Catalog,
) -> Vec<String> {
    let covered: Vec<&Request> = s
        .covers
        .iter()
        .filter_map(|&i| logged.get(i).copied())
        .collect();
    let mut pinned = Vec::new();
    for (lower, spelled) in read {
        let applies = covered.iter().any(|r| {
            r.context.get(lower).is_some()
                || catalog.action(r.action()).is_some_and(|a| {
                    crate::request::sent::key_applies(
                        catalog,
                        a,
                        catalog.resource_type_for(a, &r.resource),
                        lower,
                    )
                })
        });
        if !applies {
            continue;
        }
        let entries: Vec<Option<&ContextEntry>> =
            covered.iter().map(|r| r.context.get(lower)).collect();
        let key = entries
            .iter()
            .flatten()
            .next()
            .map_or(spelled.as_str(), |e| e.key.as_str())
            .to_owned();
        // Replace any earlier pin of this key.
        for keys in s.conditions.values_mut() {
            keys.retain(|k, _| !k.eq_ignore_ascii_case(&key));
        }
        s.conditions.retain(|_, keys| !keys.is_empty());
        pin_key(s, &key, &entries, catalog);
        pinned.push(key);
    }
    pinned
}

/// The statement split into one statement per action (level 1), each covering its own logged
/// requests; a one-action statement is returned as is (at level 1).
fn by_action(s: &MinStmt, logged: &[&Request]) -> Vec<MinStmt> {
    s.actions
        .iter()
        .map(|a| {
            let covers: Vec<usize> = s
                .covers
                .iter()
                .copied()
                .filter(|&i| logged.get(i).is_some_and(|r| r.action() == a))
                .collect();
            let resources = covers
                .iter()
                .filter_map(|&i| logged.get(i).map(|r| r.resource.clone()))
                .collect();
            MinStmt {
                sid: if s.actions.len() == 1 {
                    s.sid.clone()
                } else {
                    camel(a.split_once(':').map_or(a.as_str(), |(_, n)| n))
                },
                actions: BTreeSet::from([a.clone()]),
                resources,
                conditions: s.conditions.clone(),
                covers,
                level: 1,
            }
        })
        .collect()
}

/// One statement per covered logged request, every read key pinned.
fn split(
    s: &MinStmt,
    logged: &[&Request],
    read: &BTreeMap<String, String>,
    catalog: &Catalog,
) -> Vec<MinStmt> {
    let mut out: Vec<MinStmt> = Vec::new();
    for &i in &s.covers {
        let Some(r) = logged.get(i) else { continue };
        let mut one = MinStmt {
            sid: String::new(),
            actions: BTreeSet::from([r.action().to_owned()]),
            resources: BTreeSet::from([r.resource.clone()]),
            conditions: s.conditions.clone(),
            covers: vec![i],
            level: 2,
        };
        pin(&mut one, logged, read, catalog);
        match out.iter_mut().find(|o| {
            o.actions == one.actions
                && o.resources == one.resources
                && o.conditions == one.conditions
        }) {
            Some(o) => o.covers.push(i),
            None => out.push(one),
        }
    }
    for (n, o) in out.iter_mut().enumerate() {
        o.sid = format!("{}Call{}", s.sid, n + 1);
    }
    out
}

/// What one check of a minimal policy found.
#[derive(Default)]
struct Check {
    logged_minimal: u64,
    missed: u64,
    checked: u64,
    counterexamples: u64,
    samples: Vec<Witness>,
    /// Statement index → lowercase actions of the counterexamples it allows.
    bad: BTreeMap<usize, BTreeSet<String>>,
}

fn decide(
    compiled: &CompiledSet<'_>,
    r: &Request,
    ctx: &PreparedContext,
    catalog: &Catalog,
) -> Decision {
    compiled
        .evaluate_as(&PreparedRequest::new(r, catalog), ctx)
        .decision
}

/// Checks a compiled minimal set against the current one over `space` and the logged requests.
fn check(
    group: &GroupView<'_, '_>,
    minimal: &CompiledSet<'_>,
    logged: &[&Request],
    current_ok: &[bool],
    space: &[Request],
    catalog: &Catalog,
) -> Check {
    let mut c = Check::default();
    let visit = |r: &Request, current: Option<bool>, c: &mut Check| {
        c.checked += 1;
        let min = decide(minimal, r, group.context, catalog) == Decision::Allowed;
        let cur = current.unwrap_or_else(|| {
            decide(group.compiled, r, group.context, catalog) == Decision::Allowed
        });
        if min && !cur {
            c.counterexamples += 1;
            let ex = minimal.explain_as(&PreparedRequest::new(r, catalog), group.context);
            for m in ex
                .matched
                .iter()
                .filter(|m| m.effect == Effect::Allow && m.layer == Layer::Identity)
            {
                c.bad
                    .entry(m.statement as usize)
                    .or_default()
                    .insert(r.action_lower().to_owned());
            }
            if c.samples.len() < SAMPLES {
                let current = decide(group.compiled, r, group.context, catalog);
                c.samples.push(witness(
                    r,
                    &format!("Allowed by the minimal policy, {current:?} by the current policies"),
                ));
            }
        }
        min
    };
    for (r, &cur) in logged.iter().zip(current_ok) {
        let min = visit(r, Some(cur), &mut c);
        c.logged_minimal += u64::from(min);
        c.missed += u64::from(cur && !min);
    }
    for r in space {
        visit(r, None, &mut c);
    }
    c
}

/// The requests of `actions` in the audit's space, and in that space extended with what
/// `policy` mentions and names.
fn space_for(
    input: &FindingsInput<'_, '_>,
    policy: &Policy,
    actions: &BTreeSet<String>,
    extra_arns: &BTreeMap<String, Vec<String>>,
) -> Vec<Request> {
    let targets: Vec<String> = input.account.roles.iter().map(|r| r.arn.clone()).collect();
    let mut extended = input.mentions.clone();
    extended.add_policy(policy);
    let mut out = Vec::new();
    for a in actions {
        let Some(aid) = input.catalog.action_id(a) else {
            continue;
        };
        let mut more = targets.clone();
        more.extend(extra_arns.get(a).into_iter().flatten().cloned());
        for (mentions, extra) in [(input.mentions, &targets), (&extended, &more)] {
            if let Some(reqs) = space::generate_action(
                input.catalog,
                aid,
                &input.account.id,
                input.generator,
                mentions,
                extra,
            ) {
                out.extend(reqs.requests);
            }
        }
    }
    out
}

/// `context` with `key` (lowercase) replaced by `value` (`None`: removed).
fn with_key(context: &Context, key: &str, spelled: &str, value: Option<ContextValue>) -> Context {
    let mut out = Context::new();
    for e in context.entries().iter().filter(|e| e.key_lower != key) {
        let v = if e.is_list {
            ContextValue::Multi(e.values.clone())
        } else {
            ContextValue::Single(e.values.first().cloned().unwrap_or_default())
        };
        let _ = out.insert(&e.key, v);
    }
    if let Some(v) = value {
        let _ = out.insert(spelled, v);
    }
    out
}

/// A request's values for the keys the identity policies read.
type Projection = Vec<(String, Vec<String>)>;

/// The neighbourhood of the logged requests: each one with one key the identity policies read
/// removed or set to another value (the policies' values, a value none of them has, and for
/// multivalued keys the empty set and the logged set plus another value). The generated space
/// spreads its variants over every resource of an action; this checks the logged resources'
/// contexts closely.
fn neighbours(
    logged: &[&Request],
    basis: &[usize],
    read: &BTreeMap<String, String>,
    mentions: &space::Mentions,
    catalog: &Catalog,
) -> Vec<Request> {
    let mut out = Vec::new();
    // Only the action, the resource and the keys the identity policies read can separate the
    // two sets, so logged requests alike in those have the same neighbourhood.
    let mut seen: BTreeSet<(String, String, Projection)> = BTreeSet::new();
    for r in basis.iter().filter_map(|&i| logged.get(i)) {
        let projection = read
            .keys()
            .filter_map(|k| r.context.get(k).map(|e| (k.clone(), e.values.clone())))
            .collect();
        if !seen.insert((r.action_lower().to_owned(), r.resource.clone(), projection)) {
            continue;
        }
        let Some(action) = catalog.action(r.action()) else {
            continue;
        };
        let rt = catalog.resource_type_for(action, &r.resource);
        for (lower, spelled) in read {
            let entry = r.context.get(lower);
            if entry.is_none() && !crate::request::sent::key_applies(catalog, action, rt, lower) {
                continue;
            }
            let spelled = entry.map_or(spelled.as_str(), |e| e.key.as_str());
            let mut values: BTreeSet<String> = mentions
                .keys
                .get(lower)
                .map(|m| {
                    m.values
                        .iter()
                        .filter(|v| !v.contains("${"))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            values.insert("iamc-other".to_owned());
            values.insert("true".to_owned());
            values.insert("false".to_owned());
            let multi = entry.is_some_and(|e| e.is_list) || catalog.is_multivalued(lower);
            let mut options: Vec<Option<ContextValue>> = vec![None];
            if multi {
                options.push(Some(ContextValue::Multi(Vec::new())));
                let mut wider: Vec<String> = entry.map(|e| e.values.clone()).unwrap_or_default();
                wider.push("iamc-other".to_owned());
                options.push(Some(ContextValue::Multi(wider)));
                options.extend(
                    values
                        .into_iter()
                        .map(|v| Some(ContextValue::Multi(vec![v]))),
                );
            } else {
                options.extend(values.into_iter().map(|v| Some(ContextValue::Single(v))));
            }
            for value in options {
                let mut n = (*r).clone();
                n.context = with_key(&r.context, lower, spelled, value);
                if n.context != r.context {
                    out.push(n);
                }
            }
        }
    }
    out
}

/// Builds, narrows and checks the minimal policy of one principal.
pub(super) fn minimal_policy(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    events: &[&TrailEvent],
) -> (Value, Proof) {
    let catalog = input.catalog;
    let logged: Vec<&Request> = events.iter().map(|e| &e.request).collect();
    let current_ok: Vec<bool> = logged
        .iter()
        .map(|r| decide(group.compiled, r, group.context, catalog) == Decision::Allowed)
        .collect();
    let mut proof = Proof {
        logged_requests: logged.len() as u64,
        allowed_by_current: current_ok.iter().filter(|c| **c).count() as u64,
        ..Proof::default()
    };
    for (r, ok) in logged.iter().zip(&current_ok) {
        if !ok && proof.denied_by_current.len() < SAMPLES {
            let d = decide(group.compiled, r, group.context, catalog);
            proof.denied_by_current.push(witness(
                r,
                &format!("{d:?} by the current policies, though the log says it succeeded"),
            ));
        }
    }
    let basis: Vec<usize> = (0..logged.len())
        .filter(|&i| current_ok.get(i) == Some(&true))
        .collect();
    if basis.is_empty() {
        proof.narrowing.push(
            "no logged request is allowed by the current policies: no minimal policy".to_owned(),
        );
        return (Value::Null, proof);
    }
    let read = keys_read(group.set);
    let mut stmts = initial_statements(&logged, &basis);
    let mut extra_arns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for &i in &basis {
        if let Some(r) = logged.get(i).filter(|r| r.resource != "*") {
            extra_arns
                .entry(r.action().to_owned())
                .or_default()
                .push(r.resource.clone());
        }
    }
    let actions: BTreeSet<String> = stmts
        .iter()
        .flat_map(|s| s.actions.iter().cloned())
        .collect();
    let near = neighbours(&logged, &basis, &read, input.mentions, catalog);
    for round in 0..ROUNDS {
        let doc = document(&stmts);
        let policy = match Policy::from_value(&doc, PolicyKind::Identity) {
            Ok(p) => p,
            Err(e) => {
                proof.narrowing.push(format!(
                    "internal error: the minimal policy does not validate at {}: {}",
                    e.pointer, e.message
                ));
                return (doc, proof);
            }
        };
        let set = PolicySet {
            identity: vec![policy.clone()],
            boundary: group.set.boundary.clone(),
            scps: group.set.scps.clone(),
            session: None,
        };
        let compiled = match input.compiler.map(|c| c.compile(&set)) {
            Some(Ok(c)) => c,
            None => {
                proof
                    .narrowing
                    .push("internal error: no compiler for the minimal policy check".to_owned());
                return (doc, proof);
            }
            Some(Err(e)) => {
                proof.narrowing.push(format!(
                    "internal error: the minimal policy does not compile: {e}"
                ));
                return (doc, proof);
            }
        };
        let mut space = space_for(input, &policy, &actions, &extra_arns);
        space.extend(near.iter().cloned());
        let c = check(group, &compiled, &logged, &current_ok, &space, catalog);
        proof.allowed_by_minimal = c.logged_minimal;
        proof.space_requests = c.checked;
        proof.counterexamples = c.counterexamples;
        proof.counterexample_samples = c.samples;
        proof.verified = c.counterexamples == 0 && c.missed == 0;
        if c.counterexamples == 0 || round + 1 == ROUNDS {
            return (doc, proof);
        }
        let mut changed = false;
        let mut next = Vec::new();
        for (i, s) in stmts.into_iter().enumerate() {
            let Some(bad_actions) = c.bad.get(&i) else {
                next.push(s);
                continue;
            };
            match s.level {
                0 => {
                    // One statement per action; those that allowed a counterexample are pinned to
                    // their own logged values.
                    let parts = by_action(&s, &logged);
                    if parts.len() > 1 {
                        proof.narrowing.push(format!(
                            "{}: split into one statement per action ({})",
                            s.sid,
                            parts.len()
                        ));
                    }
                    for mut part in parts {
                        let offending = part
                            .actions
                            .iter()
                            .any(|a| bad_actions.contains(&a.to_ascii_lowercase()));
                        if !offending {
                            next.push(part);
                            continue;
                        }
                        let keys = pin(&mut part, &logged, &read, catalog);
                        if !keys.is_empty() {
                            proof.narrowing.push(format!(
                                "{}: conditions pinned to the logged values of {}",
                                part.sid,
                                keys.join(", ")
                            ));
                        }
                        next.push(part);
                    }
                    changed = true;
                }
                1 => {
                    let parts = split(&s, &logged, &read, catalog);
                    changed = true;
                    proof.narrowing.push(format!(
                        "{}: split into {} statements, one per logged request",
                        s.sid,
                        parts.len()
                    ));
                    next.extend(parts);
                }
                _ => next.push(s),
            }
        }
        unique_sids(&mut next);
        stmts = next;
        if !changed {
            return (document(&stmts), proof);
        }
    }
    (document(&stmts), proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_escapes() {
        assert_eq!(camel("training-job"), "TrainingJob");
        assert_eq!(literal("a${b}"), "a${$}{b}");
        let actions = BTreeSet::from(["sagemaker:ListModels".to_owned()]);
        assert_eq!(
            sid_for(&actions, &BTreeSet::from(["*".to_owned()])),
            "ListModels"
        );
    }
}
