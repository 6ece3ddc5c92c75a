//! Focused requests: for one statement, the requests its own mentions generate (its keys and
//! values, ARNs its resource entries match), so a narrowly scoped statement is reached even when
//! the account's space never hits it.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The request keys a statement reads (condition keys and variables, principal keys left out):
/// lowercase key to the key as first written.
pub(super) fn request_keys(st: &Statement) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for c in &st.conditions {
        out.entry(c.key_lower.clone())
            .or_insert_with(|| c.key.clone());
        for v in c.variables() {
            out.entry(v.key_lower.clone())
                .or_insert_with(|| v.key.clone());
        }
    }
    for v in resource_variables(st) {
        out.entry(v.key_lower.clone())
            .or_insert_with(|| v.key.clone());
    }
    out.retain(|k, _| !crate::request::sent::is_principal_key(k));
    out
}

pub(super) fn resource_variables(
    st: &Statement,
) -> impl Iterator<Item = &crate::policy::glob::Variable> {
    st.resource
        .iter()
        .flat_map(|r| r.patterns.iter())
        .filter_map(|p| match p {
            ResourcePattern::Arn(t) => Some(t),
            ResourcePattern::Any => None,
        })
        .flat_map(|t| t.variables())
}

/// The value focused requests give a request key that the statement uses as a variable.
pub(super) const VARIABLE_VALUE: &str = "iamc-var";

/// What one statement alone mentions, for focused requests: its keys, values and ARN patterns,
/// the group's principal values, and for every variable naming a request key (`${sagemaker:DomainId}`)
/// one value used both in the ARN and, when AWS sends the key for the action, in the request.
pub(super) fn focused_mentions(c: &Candidate<'_>, principal: &crate::eval::Context) -> Mentions {
    let mut m = Mentions::default();
    m.add_principal_context(principal);
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    for v in resource_variables(c.statement).chain(
        c.statement
            .conditions
            .iter()
            .flat_map(|cond| cond.variables()),
    ) {
        if !crate::request::sent::is_principal_key(&v.key_lower) {
            vars.entry(v.key_lower.clone())
                .or_insert_with(|| v.key.clone());
        }
    }
    for (lower, spelled) in &vars {
        m.principal_values
            .entry(lower.clone())
            .or_default()
            .insert(VARIABLE_VALUE.to_owned());
        let k = m.keys.entry(lower.clone()).or_default();
        k.spelled.clone_from(spelled);
        k.families.insert(crate::condition::Family::String);
        k.values.insert(VARIABLE_VALUE.to_owned());
    }
    m.add_policy(&Policy {
        version: c.version,
        id: None,
        statements: vec![c.statement.clone()],
    });
    if !vars.is_empty() {
        let extra: Vec<CondSpec> = vars
            .values()
            .map(|spelled| CondSpec {
                key: spelled.clone(),
                op: "StringEquals".to_owned(),
                values: vec![VARIABLE_VALUE.to_owned()],
            })
            .collect();
        let mut specs: Vec<StatementSpec> = m.statements.iter().cloned().collect();
        if specs.is_empty() {
            // No conditions: a spec of the variables alone, paired with the statement's ARNs.
            let resources = match &c.statement.resource {
                Some(r) if !r.negated => r
                    .patterns
                    .iter()
                    .filter_map(|p| match p {
                        ResourcePattern::Arn(t) => Some(t.to_string()),
                        ResourcePattern::Any => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            specs.push(StatementSpec {
                deny: false,
                conds: Vec::new(),
                resources,
            });
        }
        for mut s in specs {
            s.conds.extend(extra.iter().cloned());
            m.statements.insert(s);
        }
    }
    m
}

/// Fills a template's variables (principal keys from the group's principal, request keys with
/// [`VARIABLE_VALUE`], else the default) and keeps its wildcards.
pub(super) fn fill_variables(t: &Template, principal: &crate::eval::Context) -> String {
    let mut out = String::new();
    for piece in t.pieces() {
        match piece {
            Piece::Pattern(s) => out.push_str(s),
            // A literal `*` or `?` cannot be written in a glob: use a character no wildcard needs.
            Piece::Literal(s) => out.push_str(&s.replace(['*', '?'], "x")),
            Piece::Var(v) => {
                let value = if crate::request::sent::is_principal_key(&v.key_lower) {
                    principal
                        .get(&v.key_lower)
                        .and_then(|e| e.values.first().cloned())
                        .or_else(|| v.default.clone())
                        .unwrap_or_else(|| VARIABLE_VALUE.to_owned())
                } else {
                    VARIABLE_VALUE.to_owned()
                };
                out.push_str(&value.replace(['*', '?'], "x"));
            }
        }
    }
    out
}

/// Concrete ARNs, one per resource entry of the statement and resource type of its covered
/// actions, that the entry matches and the type's format accepts: wildcard partition, region and
/// account segments take the run's partition, region and account, and every placeholder of the
/// format gets at least one character.
pub(super) fn statement_arns(
    catalog: &Catalog,
    c: &Candidate<'_>,
    account: &str,
    region: &str,
    principal: &crate::eval::Context,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(clause) = c.statement.resource.as_ref().filter(|r| !r.negated) else {
        return out;
    };
    for pattern in &clause.patterns {
        let ResourcePattern::Arn(t) = pattern else {
            continue;
        };
        let text = fill_variables(t, principal);
        let Some([_, partition, service, reg, acct, resource]) = split_arn(&text) else {
            continue;
        };
        let wild = |seg: &str| seg.contains(['*', '?']);
        let partition = if wild(partition) { "aws" } else { partition };
        let reg = if wild(reg) { region } else { reg };
        let acct = if wild(acct) { account } else { acct };
        let Some(svc) = catalog.service(service) else {
            continue;
        };
        for id in &c.actions {
            let Some(action) = catalog.action_by_id(*id) else {
                continue;
            };
            for rt in action
                .resources
                .iter()
                .filter_map(|r| svc.resource_type(&r.name))
            {
                for format in rt.formats() {
                    let Some([.., fres]) = split_arn(format.as_str()) else {
                        continue;
                    };
                    let glob = non_empty_placeholders(fres);
                    let Some(name) = space::glob_witness(resource, &glob) else {
                        continue;
                    };
                    let arn = format!("arn:{partition}:{service}:{reg}:{acct}:{name}");
                    if rt.matches_arn(&arn) && !out.contains(&arn) {
                        out.push(arn);
                    }
                }
            }
        }
    }
    out
}

/// An ARN format's resource part as a glob in which every `${…}` placeholder is `?*`.
pub(super) fn non_empty_placeholders(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        match after.find('}') {
            Some(j) => {
                out.push_str("?*");
                rest = after.get(j + 1..).unwrap_or("");
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Requests per action in the focused space: enough rounds over every resource candidate the
/// generator makes for the action (a generic ARN, one per fitting pattern, another region and
/// another account per resource type) for the satisfying contexts and each key's options.
pub(super) fn focused_variants(catalog: &Catalog, id: ActionId, st: &Statement) -> usize {
    let types = catalog
        .action_by_id(id)
        .map_or(1, |a| a.resources.len().max(1));
    let patterns = st.resource.as_ref().map_or(0, |r| r.patterns.len());
    (types * (3 + patterns) * 4).clamp(FOCUSED_MIN_VARIANTS, FOCUSED_MAX_VARIANTS)
}
