//! Minimal policies: the logged requests the current policies allow, grouped into one statement
//! per part (calls, passed roles, tags on create) and generalised resource set, checked with the
//! engine against the current policies (same boundary and SCPs, module `verify`) and narrowed
//! until no counterexample remains: first one statement per action with the keys the identity
//! policies read pinned to the logged values (a value a current variable resolves to is written
//! as the variable), then one statement per logged request, then one per logged request on its
//! own resource (the only step that gives up a generalised name).
//!
//! INVARIANT (pins keep every logged request): a pin is built from the covered requests' own
//! values (a range for numbers and dates, `IfExists` when some request lacks the key, `Null` when
//! all do, the variable only where it resolves to the logged value, an ARN pattern only where it
//! matches the logged ARN), so narrowing never drops a logged request the current policies allow.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::TrailEvent;
use super::generalise::{Generalised, Part, Variables, generalise, part_of};
use super::verify::{Checked, SAMPLES, check, decide, neighbours, space_for};
use crate::audit::findings::{FindingsInput, GroupView, witness};
use crate::audit::load::Principal;
use crate::audit::model::Proof;
use crate::catalog::{Catalog, KeyType};
use crate::compile::Compiler;
use crate::condition::{Decimal, Instant};
use crate::policy::{Policy, PolicyKind, PolicySet};
use crate::request::{ContextEntry, Request};

/// Narrowing rounds before the remaining counterexamples are reported.
const ROUNDS: usize = 5;

/// One statement of a minimal policy being built.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MinStmt {
    sid: String,
    /// What the requests it covers are (calls, passed roles, tags on create).
    part: Part,
    actions: BTreeSet<String>,
    resources: BTreeSet<String>,
    /// Operator → key → values.
    conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Indexes of the logged requests it is for.
    covers: Vec<usize>,
    /// 0 as grouped, 1 one action with conditions pinned, 2 one logged request, 3 one logged
    /// request on its own resource.
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
fn sid_for(part: Part, actions: &BTreeSet<String>, resources: &BTreeSet<String>) -> String {
    match part {
        Part::PassRole => return "PassLoggedRoles".to_owned(),
        Part::TagOnCreate => return "TagOnCreate".to_owned(),
        Part::Call => {}
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

/// What building and narrowing a minimal policy reads.
struct Env<'a> {
    catalog: &'a Catalog,
    logged: &'a [&'a Request],
    parts: &'a [Part],
    /// Lowercase keys the identity policies read, with a spelling.
    read: &'a BTreeMap<String, String>,
    vars: &'a Variables,
    general: &'a Generalised,
}

impl Env<'_> {
    fn resource(&self, i: usize, exact: bool) -> Option<String> {
        let list = if exact {
            &self.general.exact
        } else {
            &self.general.resource
        };
        list.get(i).filter(|r| !r.is_empty()).cloned()
    }
}

/// The key whose values a dependent request's statement always names: `iam:PassedToService`
/// for passed roles, `sagemaker:TaggingAction` for tags on create.
fn part_key(part: Part) -> Option<&'static str> {
    match part {
        Part::Call => None,
        Part::PassRole => Some("iam:PassedToService"),
        Part::TagOnCreate => Some("sagemaker:TaggingAction"),
    }
}

/// Groups the logged requests at `basis` into one statement per part and resource set.
fn initial_statements(env: &Env<'_>, basis: &[usize]) -> Vec<MinStmt> {
    let mut by_action: BTreeMap<(Part, String), BTreeSet<String>> = BTreeMap::new();
    for &i in basis {
        let (Some(r), Some(&part), Some(res)) =
            (env.logged.get(i), env.parts.get(i), env.resource(i, false))
        else {
            continue;
        };
        by_action
            .entry((part, r.action().to_owned()))
            .or_default()
            .insert(res);
    }
    let mut by_set: BTreeMap<(Part, BTreeSet<String>), BTreeSet<String>> = BTreeMap::new();
    for ((part, a), rs) in by_action {
        by_set.entry((part, rs)).or_default().insert(a);
    }
    let mut out: Vec<MinStmt> = Vec::new();
    for ((part, resources), actions) in by_set {
        let covers: Vec<usize> = basis
            .iter()
            .copied()
            .filter(|&i| {
                env.parts.get(i) == Some(&part)
                    && env
                        .logged
                        .get(i)
                        .is_some_and(|r| actions.contains(r.action()))
                    && env
                        .resource(i, false)
                        .is_some_and(|x| resources.contains(&x))
            })
            .collect();
        let mut s = MinStmt {
            sid: sid_for(part, &actions, &resources),
            part,
            actions,
            resources,
            conditions: BTreeMap::new(),
            covers,
            level: 0,
        };
        if let Some(key) = part_key(part) {
            let lower = key.to_ascii_lowercase();
            let values: BTreeSet<String> = s
                .covers
                .iter()
                .filter_map(|&i| env.logged.get(i)?.context.get(&lower))
                .flat_map(|e| e.values.iter().map(|v| env.vars.value(&lower, v)))
                .collect();
            if !values.is_empty() {
                s.add("StringEquals", key, values);
            }
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
/// covered request; `None` when the request lacks the key). A value a current condition's
/// variable resolves to is written as the variable; ARNs of generalised resources are pinned to
/// their patterns with `ArnLike`.
fn pin_key(s: &mut MinStmt, key: &str, entries: &[Option<&ContextEntry>], env: &Env<'_>) {
    let catalog = env.catalog;
    let lower = key.to_lowercase();
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
    let text = |v: &String| env.vars.value(&lower, v);
    if present.iter().any(|e| e.is_list) || catalog.is_multivalued(key) {
        s.add("ForAllValues:StringEquals", key, values.iter().map(text));
        if all {
            s.add("Null", key, ["false".to_owned()]);
        }
        return;
    }
    let suffix = if all { "" } else { "IfExists" };
    if let Some(patterns) = values
        .iter()
        .map(|v| env.general.arn_patterns.get(v).cloned())
        .collect::<Option<BTreeSet<String>>>()
    {
        s.add(&format!("ArnLike{suffix}"), key, patterns);
        return;
    }
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
        values.iter().map(text),
    );
}

/// Pins every key the current policies read, that applies to a covered request, to the logged
/// values; returns the keys pinned.
fn pin(s: &mut MinStmt, env: &Env<'_>) -> Vec<String> {
    let catalog = env.catalog;
    let covered: Vec<&Request> = s
        .covers
        .iter()
        .filter_map(|&i| env.logged.get(i).copied())
        .collect();
    let mut pinned = Vec::new();
    for (lower, spelled) in env.read {
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
        pin_key(s, &key, &entries, env);
        pinned.push(key);
    }
    pinned
}

/// The statement split into one statement per action (level 1), each covering its own logged
/// requests; a one-action statement is returned as is (at level 1).
fn by_action(s: &MinStmt, env: &Env<'_>) -> Vec<MinStmt> {
    s.actions
        .iter()
        .map(|a| {
            let covers: Vec<usize> = s
                .covers
                .iter()
                .copied()
                .filter(|&i| env.logged.get(i).is_some_and(|r| r.action() == a))
                .collect();
            let resources = covers
                .iter()
                .filter_map(|&i| env.resource(i, false))
                .collect();
            MinStmt {
                sid: if s.actions.len() == 1 {
                    s.sid.clone()
                } else {
                    camel(a.split_once(':').map_or(a.as_str(), |(_, n)| n))
                },
                part: s.part,
                actions: BTreeSet::from([a.clone()]),
                resources,
                conditions: s.conditions.clone(),
                covers,
                level: 1,
            }
        })
        .collect()
}

/// One statement per covered logged request, every read key pinned: on the request's
/// generalised resource (level 2) or, with `exact`, on its own resource (level 3).
fn split(s: &MinStmt, env: &Env<'_>, exact: bool) -> Vec<MinStmt> {
    let mut out: Vec<MinStmt> = Vec::new();
    for &i in &s.covers {
        let (Some(r), Some(resource)) = (env.logged.get(i), env.resource(i, exact)) else {
            continue;
        };
        let mut one = MinStmt {
            sid: String::new(),
            part: s.part,
            actions: BTreeSet::from([r.action().to_owned()]),
            resources: BTreeSet::from([resource]),
            conditions: s.conditions.clone(),
            covers: vec![i],
            level: if exact { 3 } else { 2 },
        };
        pin(&mut one, env);
        match out.iter_mut().find(|o| {
            o.actions == one.actions
                && o.resources == one.resources
                && o.conditions == one.conditions
        }) {
            Some(o) => o.covers.push(i),
            None => out.push(one),
        }
    }
    let stem = s.sid.trim_end_matches(|c: char| c.is_ascii_digit());
    let stem = stem.split("Call").next().unwrap_or(stem);
    for (n, o) in out.iter_mut().enumerate() {
        o.sid = format!("{stem}Call{}", n + 1);
    }
    out
}

/// The policy variables a document uses (`${aws:PrincipalTag/team}`), without the `${*}`,
/// `${?}` and `${$}` escapes.
fn variables_in(doc: &Value, out: &mut BTreeSet<String>) {
    match doc {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                let from = rest.get(start..).unwrap_or("");
                let Some(end) = from.find('}') else { break };
                let var = from.get(..=end).unwrap_or("");
                if !matches!(var, "${*}" | "${?}" | "${$}") {
                    out.insert(var.to_owned());
                }
                rest = from.get(end + 1..).unwrap_or("");
            }
        }
        Value::Array(list) => list.iter().for_each(|v| variables_in(v, out)),
        Value::Object(map) => map.values().for_each(|v| variables_in(v, out)),
        _ => {}
    }
}

/// A minimal policy and how it was found.
pub(super) struct Minimal {
    /// The document (`null` when no logged request is allowed by the current policies).
    pub(super) policy: Value,
    /// The engine's check.
    pub(super) proof: Proof,
    /// How resources were generalised.
    pub(super) generalised: Vec<String>,
    /// The policy variables it keeps.
    pub(super) variables: Vec<String>,
}

/// Builds, narrows and checks the minimal policy of one principal.
pub(super) fn minimal_policy(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    principal: &Principal,
    events: &[&TrailEvent],
) -> Minimal {
    let catalog = input.catalog;
    let logged: Vec<&Request> = events.iter().map(|e| &e.request).collect();
    let current_ok: Vec<bool> = logged
        .iter()
        .map(|r| {
            decide(group.compiled, r, group.context, catalog) == crate::eval::Decision::Allowed
        })
        .collect();
    let mut out = Minimal {
        policy: Value::Null,
        proof: Proof {
            logged_requests: logged.len() as u64,
            allowed_by_current: current_ok.iter().filter(|c| **c).count() as u64,
            ..Proof::default()
        },
        generalised: Vec::new(),
        variables: Vec::new(),
    };
    let proof = &mut out.proof;
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
        return out;
    }
    let read = keys_read(group.set);
    let used: BTreeSet<String> = logged.iter().map(|r| r.action_lower().to_owned()).collect();
    let vars = Variables::of(group.set, &principal.context(), &used);
    let parts: Vec<Part> = events.iter().map(|e| part_of(e)).collect();
    let general = generalise(catalog, events, &basis, &vars);
    let fresh: Vec<&Request> = general.fresh.iter().collect();
    let fresh_ok: Vec<bool> = fresh
        .iter()
        .map(|r| {
            decide(group.compiled, r, group.context, catalog) == crate::eval::Decision::Allowed
        })
        .collect();
    proof.fresh_name_requests = fresh.len() as u64;
    proof.fresh_name_allowed_by_current = fresh_ok.iter().filter(|c| **c).count() as u64;
    let env = Env {
        catalog,
        logged: &logged,
        parts: &parts,
        read: &read,
        vars: &vars,
        general: &general,
    };
    let mut stmts = initial_statements(&env, &basis);
    let mut extra_arns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let basis_requests: Vec<&Request> = basis
        .iter()
        .filter_map(|&i| logged.get(i).copied())
        .chain(fresh.iter().copied())
        .collect();
    for r in basis_requests.iter().filter(|r| r.resource != "*") {
        extra_arns
            .entry(r.action().to_owned())
            .or_default()
            .push(r.resource.clone());
    }
    let actions: BTreeSet<String> = stmts
        .iter()
        .flat_map(|s| s.actions.iter().cloned())
        .collect();
    let near = neighbours(&basis_requests, &read, input.mentions, catalog);
    let logged_checked = Checked {
        requests: &logged,
        current: &current_ok,
    };
    let fresh_checked = Checked {
        requests: &fresh,
        current: &fresh_ok,
    };
    for round in 0..ROUNDS {
        let doc = document(&stmts);
        let policy = match Policy::from_value(&doc, PolicyKind::Identity) {
            Ok(p) => p,
            Err(e) => {
                proof.narrowing.push(format!(
                    "internal error: the minimal policy does not validate at {}: {}",
                    e.pointer, e.message
                ));
                out.policy = doc;
                return out;
            }
        };
        let set = PolicySet {
            identity: vec![policy.clone()],
            boundary: group.set.boundary.clone(),
            scps: group.set.scps.clone(),
            session: None,
        };
        // Each round's policy is compiled into an arena of its own, dropped with the round.
        let arena = bumpalo::Bump::new();
        let compiled = match Compiler::new(&arena, catalog).compile(&set) {
            Ok(c) => c,
            Err(e) => {
                proof.narrowing.push(format!(
                    "internal error: the minimal policy does not compile: {e}"
                ));
                out.policy = doc;
                return out;
            }
        };
        let mut space = space_for(input, &policy, &actions, &extra_arns);
        space.extend(near.iter().cloned());
        let c = check(
            group,
            &compiled,
            &logged_checked,
            &fresh_checked,
            &space,
            catalog,
        );
        proof.allowed_by_minimal = c.logged_minimal;
        proof.fresh_name_allowed = c.fresh_minimal;
        proof.fresh_name_denied = c.fresh_denied;
        proof.space_requests = c.checked;
        proof.counterexamples = c.counterexamples;
        proof.counterexample_samples = c.samples;
        proof.verified = c.counterexamples == 0 && c.missed == 0 && c.fresh_missed == 0;
        if c.counterexamples == 0 || round + 1 == ROUNDS {
            out.policy = doc;
            break;
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
                    let split_up = by_action(&s, &env);
                    if split_up.len() > 1 {
                        proof.narrowing.push(format!(
                            "{}: split into one statement per action ({})",
                            s.sid,
                            split_up.len()
                        ));
                    }
                    for mut one in split_up {
                        let offending = one
                            .actions
                            .iter()
                            .any(|a| bad_actions.contains(&a.to_ascii_lowercase()));
                        if !offending {
                            next.push(one);
                            continue;
                        }
                        let keys = pin(&mut one, &env);
                        if !keys.is_empty() {
                            proof.narrowing.push(format!(
                                "{}: conditions pinned to the logged values of {}",
                                one.sid,
                                keys.join(", ")
                            ));
                        }
                        next.push(one);
                    }
                    changed = true;
                }
                1 | 2 => {
                    let mut exact = s.level == 2;
                    let mut split_up = split(&s, &env, exact);
                    if let [one] = split_up.as_slice()
                        && !exact
                        && one.resources == s.resources
                        && one.conditions == s.conditions
                    {
                        // One request per statement changes nothing: go to the logged names.
                        exact = true;
                        split_up = split(&s, &env, exact);
                    }
                    changed = true;
                    proof.narrowing.push(if exact {
                        format!(
                            "{}: resources narrowed to the logged names ({} statements): the generalised ones allowed what the current policies deny",
                            s.sid,
                            split_up.len()
                        )
                    } else {
                        format!(
                            "{}: split into {} statements, one per logged request",
                            s.sid,
                            split_up.len()
                        )
                    });
                    next.extend(split_up);
                }
                _ => next.push(s),
            }
        }
        unique_sids(&mut next);
        stmts = next;
        if !changed {
            out.policy = document(&stmts);
            break;
        }
    }
    if out.policy.is_null() {
        out.policy = document(&stmts);
    }
    let mut vars_used = BTreeSet::new();
    variables_in(&out.policy, &mut vars_used);
    out.variables = vars_used.into_iter().collect();
    // Only the patterns the final policy still uses (narrowing may have gone back to names).
    let mut used_patterns: BTreeSet<(String, String)> = BTreeSet::new();
    for st in stmts.iter() {
        for a in &st.actions {
            for r in &st.resources {
                used_patterns.insert((a.to_ascii_lowercase(), r.clone()));
            }
        }
    }
    out.generalised = general
        .notes
        .iter()
        .filter(|(a, p, _)| used_patterns.contains(&(a.clone(), p.clone())))
        .map(|(_, _, line)| line.clone())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_and_variables() {
        assert_eq!(camel("training-job"), "TrainingJob");
        let actions = BTreeSet::from(["sagemaker:ListModels".to_owned()]);
        assert_eq!(
            sid_for(Part::Call, &actions, &BTreeSet::from(["*".to_owned()])),
            "ListModels"
        );
        assert_eq!(
            sid_for(Part::TagOnCreate, &actions, &BTreeSet::new()),
            "TagOnCreate"
        );
        let doc = serde_json::json!({"Statement": [{"Resource": "arn:aws:sagemaker:us-east-1:1:training-job/${aws:PrincipalTag/team}-${*}x-*",
            "Condition": {"StringEquals": {"aws:RequestTag/owner": "${aws:username}"}}}]});
        let mut vars = BTreeSet::new();
        variables_in(&doc, &mut vars);
        assert_eq!(
            vars.into_iter().collect::<Vec<_>>(),
            ["${aws:PrincipalTag/team}", "${aws:username}"]
        );
    }
}
