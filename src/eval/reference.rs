//! The reference evaluator: AWS's documented evaluation logic written out plainly, with nothing
//! clever. Every other evaluator must agree with it on every input; when they disagree, this one is
//! read against `docs/SEMANTICS.md` first.
//!
//! The decision procedure is §1 of `docs/SEMANTICS.md`: explicit deny in any layer, then the
//! cross-account gate, then an allow at every SCP level, in the identity policies, in the boundary
//! (if set) and in the session policy (if given).

use crate::catalog::Catalog;
use crate::condition::{Condition, Decimal, Instant, SetOp, StrCmp, Values, binary, boolean, ip};
use crate::eval::decision::{Decision, Explanation, Layer, MatchedStatement, Outcome};
use crate::policy::pattern::arn_glob_matches;
use crate::policy::{Effect, PolicySet, ResourcePattern, Statement};
use crate::request::{ContextEntry, Request};

/// Decides `request` for the principal whose policies are `set`.
pub fn evaluate(set: &PolicySet, request: &Request, catalog: &Catalog) -> Outcome {
    explain(set, request, catalog).outcome
}

/// Decides `request` and says why.
pub fn explain(set: &PolicySet, request: &Request, catalog: &Catalog) -> Explanation {
    let env = Env::new(request, catalog);
    let mut matched: Vec<MatchedStatement> = Vec::new();
    let mut missing: Vec<String> = Vec::new();

    let layers = set.layers();

    for (layer, policies) in &layers {
        for (pi, policy) in policies.iter().enumerate() {
            for st in &policy.statements {
                if !env.action_matches(st) || !env.resource_matches(st) {
                    continue;
                }
                env.note_missing_keys(st, &mut missing);
                if st.conditions.iter().all(|c| env.condition_holds(c)) {
                    matched.push(MatchedStatement {
                        layer: *layer,
                        policy: u32::try_from(pi).unwrap_or(u32::MAX),
                        statement: u32::try_from(st.index).unwrap_or(u32::MAX),
                        sid: st.sid.clone(),
                        effect: st.effect,
                    });
                }
            }
        }
    }
    missing.sort();
    missing.dedup();

    let has = |layer: Layer, effect: Effect| {
        matched
            .iter()
            .any(|m| m.layer == layer && m.effect == effect)
    };
    let outcome = (|| {
        // 1. Explicit deny in any layer, reported for the first layer in order.
        for (layer, _) in &layers {
            if has(*layer, Effect::Deny) {
                return Outcome {
                    decision: Decision::ExplicitlyDenied,
                    decided_by: *layer,
                };
            }
        }
        // 2. Cross-account requests: no resource-based policy can grant them (S-27).
        if request.is_cross_account_for(env.resource) {
            return Outcome {
                decision: Decision::ImplicitlyDenied,
                decided_by: Layer::Account,
            };
        }
        // 3. Every gate needs an allow.
        for (layer, _) in &layers {
            if !has(*layer, Effect::Allow) {
                return Outcome {
                    decision: Decision::ImplicitlyDenied,
                    decided_by: *layer,
                };
            }
        }
        Outcome {
            decision: Decision::Allowed,
            decided_by: Layer::Identity,
        }
    })();

    Explanation {
        outcome,
        matched,
        missing_keys: missing,
        evaluated_resource: env.resource.to_owned(),
    }
}

/// What every statement is matched against: the request, with its resource settled. Shared
/// with [`super::trace`], which explains decisions with the same matchers.
pub(crate) struct Env<'a> {
    request: &'a Request,
    catalog: &'a Catalog,
    /// The resource the request is evaluated against (S-28).
    pub(crate) resource: &'a str,
}

impl<'a> Env<'a> {
    pub(crate) fn new(request: &'a Request, catalog: &'a Catalog) -> Env<'a> {
        let wildcard_only = catalog
            .action(request.action())
            .is_some_and(|a| a.is_wildcard_only());
        let resource = if wildcard_only {
            "*"
        } else {
            request.resource.as_str()
        };
        Env {
            request,
            catalog,
            resource,
        }
    }

    /// The request's values for a key (lowercase), `None` when absent.
    pub(crate) fn request_values(&self, key_lower: &str) -> Option<Vec<String>> {
        self.request
            .context
            .get(key_lower)
            .map(|e| e.values.clone())
    }

    pub(crate) fn action_matches(&self, st: &Statement) -> bool {
        let (svc, name) = (self.request.service_lower(), self.request.name_lower());
        let any = st.action.patterns.iter().any(|p| p.matches(svc, name));
        any != st.action.negated
    }

    pub(crate) fn resource_matches(&self, st: &Statement) -> bool {
        let Some(clause) = &st.resource else {
            return false;
        };
        let any = clause.patterns.iter().any(|p| match p {
            ResourcePattern::Any => true,
            // An entry with a variable that has no value matches no resource ([VARS]).
            ResourcePattern::Arn(t) => t
                .resolve_glob(|k| self.variable(k))
                .is_some_and(|g| arn_glob_matches(&g, self.resource)),
        });
        any != clause.negated
    }

    /// The value a policy variable takes: single-valued keys only (S-17).
    pub(crate) fn variable(&self, key_lower: &str) -> Option<&'a str> {
        let e = self.request.context.get(key_lower)?;
        if self.is_multivalued(e) {
            return None;
        }
        e.values.first().map(String::as_str)
    }

    fn is_multivalued(&self, e: &ContextEntry) -> bool {
        e.is_list || self.catalog.is_multivalued(&e.key_lower)
    }

    fn note_missing_keys(&self, st: &Statement, missing: &mut Vec<String>) {
        for c in &st.conditions {
            if self.request.context.get(&c.key_lower).is_none() {
                missing.push(c.key_lower.clone());
            }
            for v in c.variables() {
                if self.request.context.get(&v.key_lower).is_none() {
                    missing.push(v.key_lower.clone());
                }
            }
        }
    }

    /// One condition, with the missing-key, IfExists, set-operator and NOR rules of
    /// `docs/SEMANTICS.md` §1 and S-3 … S-8.
    pub(crate) fn condition_holds(&self, c: &Condition) -> bool {
        let entry = self.request.context.get(&c.key_lower);
        if let Values::Null(tests) = &c.values {
            let present = entry.is_some_and(|e| !e.is_null_set());
            return tests.iter().any(|&absent| absent != present);
        }
        let negated = c.op.operator.is_negated();
        let Some(entry) = entry else {
            if c.op.if_exists {
                return true;
            }
            return match c.op.set {
                Some(SetOp::ForAllValues) => true,
                Some(SetOp::ForAnyValue) => false,
                None => negated,
            };
        };
        match c.op.set {
            None => {
                if self.is_multivalued(entry) {
                    return false;
                }
                let Some(v) = entry.values.first() else {
                    return false;
                };
                self.any_value_matches(c, v) != negated
            }
            Some(SetOp::ForAllValues) => entry
                .set_values()
                .iter()
                .all(|v| self.any_value_matches(c, v) != negated),
            Some(SetOp::ForAnyValue) => entry
                .set_values()
                .iter()
                .any(|v| self.any_value_matches(c, v) != negated),
        }
    }

    /// True when the request value `v` matches at least one policy value under the operator's
    /// positive comparison.
    fn any_value_matches(&self, c: &Condition, v: &str) -> bool {
        let lookup = |k: &str| self.variable(k);
        match &c.values {
            Values::String(templates) => templates.iter().any(|t| match c.op.operator.str_cmp() {
                StrCmp::Equals => t.resolve_string(lookup).is_some_and(|p| p == v),
                StrCmp::EqualsIgnoreCase => t
                    .resolve_string(lookup)
                    .is_some_and(|p| p.to_lowercase() == v.to_lowercase()),
                StrCmp::Like => t.resolve_glob(lookup).is_some_and(|g| g.matches(v)),
            }),
            Values::Numeric(policy) => Decimal::parse(v)
                .is_some_and(|r| policy.iter().any(|p| c.op.operator.ord_cmp().holds(&r, p))),
            Values::Date(policy) => Instant::parse(v)
                .is_some_and(|r| policy.iter().any(|p| c.op.operator.ord_cmp().holds(&r, p))),
            Values::Bool(templates) => boolean::parse_bool(v).is_some_and(|r| {
                templates.iter().any(|t| {
                    t.resolve_string(lookup)
                        .and_then(|p| boolean::parse_bool(&p))
                        .is_some_and(|p| p == r)
                })
            }),
            Values::Binary(policy) => binary::decode_base64(v).is_some_and(|r| policy.contains(&r)),
            Values::Ip(policy) => {
                ip::parse_request_ip(v).is_some_and(|r| policy.iter().any(|p| p.contains(r)))
            }
            Values::Arn(templates) => templates.iter().any(|t| {
                t.resolve_glob(lookup)
                    .is_some_and(|g| arn_glob_matches(&g, v))
            }),
            Values::Null(_) => false,
        }
    }
}
