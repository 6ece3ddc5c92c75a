//! What the audited policies mention (condition keys, values, ARN patterns, principal values,
//! conditioned statements), gathered once per account: the raw material of the request space.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What the audited policies mention, gathered once per account.
#[derive(Debug, Clone, Default)]
pub struct Mentions {
    /// Lowercase condition key → how it is used.
    pub(crate) keys: BTreeMap<String, KeyMention>,
    /// ARN patterns (as written) by service prefix.
    pub(crate) arns: BTreeMap<String, BTreeSet<String>>,
    /// Values of principal keys (`aws:principaltag/team` → `ml`), to instantiate variables.
    pub(crate) principal_values: BTreeMap<String, BTreeSet<String>>,
    /// Per statement with conditions: the conditions, to build a request that satisfies them all.
    pub(crate) statements: BTreeSet<StatementSpec>,
}

/// A statement with conditions, as much as the generator needs to build a request it applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct StatementSpec {
    /// `Effect: Deny`.
    pub(crate) deny: bool,
    /// Its conditions.
    pub(crate) conds: Vec<CondSpec>,
    /// Its `Resource` ARN patterns as written; empty for `*`, `NotResource` or none.
    pub(crate) resources: Vec<String>,
}

/// One condition, as much as the generator needs to satisfy it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct CondSpec {
    /// The key as written.
    pub(crate) key: String,
    /// The operator with qualifiers, as written.
    pub(crate) op: String,
    /// The values as written.
    pub(crate) values: Vec<String>,
}

/// How one condition key is used.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyMention {
    /// The key as first spelled.
    pub(crate) spelled: String,
    /// Operator families it is compared with.
    pub(crate) families: BTreeSet<Family>,
    /// Policy values, as written.
    pub(crate) values: BTreeSet<String>,
    /// Read as a variable of a `Resource` pattern (`${sagemaker:DomainId}`): requests carry it
    /// for every action of its service.
    pub(crate) resource_variable: bool,
}

impl Mentions {
    /// Adds what `policy` mentions.
    pub fn add_policy(&mut self, policy: &Policy) {
        for st in &policy.statements {
            if !st.conditions.is_empty() {
                let resources = match &st.resource {
                    Some(r)
                        if !r.negated
                            && r.patterns
                                .iter()
                                .all(|p| matches!(p, ResourcePattern::Arn(_))) =>
                    {
                        r.patterns
                            .iter()
                            .filter_map(|p| match p {
                                ResourcePattern::Arn(t) => Some(t.to_string()),
                                ResourcePattern::Any => None,
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                self.statements.insert(StatementSpec {
                    deny: st.effect == crate::policy::Effect::Deny,
                    conds: st
                        .conditions
                        .iter()
                        .map(|c| CondSpec {
                            key: c.key.clone(),
                            op: c.op.to_string(),
                            values: c.raw_values.clone(),
                        })
                        .collect(),
                    resources,
                });
            }
            for c in &st.conditions {
                let m = self.keys.entry(c.key_lower.clone()).or_default();
                if m.spelled.is_empty() {
                    m.spelled.clone_from(&c.key);
                }
                m.families.insert(c.op.operator.family());
                if !matches!(c.values, Values::Null(_)) {
                    m.values.extend(c.raw_values.iter().cloned());
                }
            }
            if let Some(r) = &st.resource {
                for p in &r.patterns {
                    if let ResourcePattern::Arn(t) = p {
                        // A request-key variable in a resource pattern is a key requests must
                        // carry, with the value the generator puts into the ARN (`iamc`, or the
                        // default).
                        for v in t.variables() {
                            if is_principal_key(&v.key_lower) {
                                continue;
                            }
                            let m = self.keys.entry(v.key_lower.clone()).or_default();
                            if m.spelled.is_empty() {
                                m.spelled.clone_from(&v.key);
                            }
                            m.families.insert(Family::String);
                            m.values
                                .insert(v.default.clone().unwrap_or_else(|| "iamc".to_owned()));
                            m.resource_variable = true;
                        }
                        let text = t.to_string();
                        if let Some(service) = text.split(':').nth(2) {
                            self.arns
                                .entry(service.to_ascii_lowercase())
                                .or_default()
                                .insert(text);
                        }
                    }
                }
            }
        }
    }

    /// Adds a principal's context values (tags, name), used to instantiate variables.
    pub fn add_principal_context(&mut self, ctx: &crate::eval::Context) {
        for e in ctx.entries() {
            if let Some(v) = e.values.first() {
                self.principal_values
                    .entry(e.key_lower.clone())
                    .or_default()
                    .insert(v.clone());
            }
        }
    }
}
