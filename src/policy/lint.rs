//! Catalog-aware warnings: things that are valid IAM but probably not what the author meant.
//! Warnings never change a decision; errors are [`super::validate`]'s job.

use std::fmt;

use super::err::push_pointer;
use super::{ActionPattern, Policy, ResourcePattern, Statement};
use crate::catalog::{Catalog, KeyType};
use crate::condition::Family;

/// A warning about one element of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// JSON pointer of the element.
    pub pointer: String,
    /// What looks wrong.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.pointer, self.message)
    }
}

/// Lints `policy` against `catalog`.
pub fn lint(policy: &Policy, catalog: &Catalog) -> Vec<Warning> {
    let mut out = Vec::new();
    for st in &policy.statements {
        lint_actions(st, catalog, &mut out);
        lint_conditions(st, catalog, &mut out);
    }
    out
}

fn item_pointer(base: &str, single: bool, i: usize) -> String {
    if single {
        base.to_owned()
    } else {
        push_pointer(base, &i.to_string())
    }
}

fn lint_actions(st: &Statement, catalog: &Catalog, out: &mut Vec<Warning>) {
    let field = if st.action.negated {
        "NotAction"
    } else {
        "Action"
    };
    let base = push_pointer(&st.pointer, field);
    let resource_is_star = st.resource.as_ref().is_some_and(|r| {
        !r.negated && r.patterns.iter().any(|p| matches!(p, ResourcePattern::Any))
    });
    for (i, p) in st.action.patterns.iter().enumerate() {
        let ActionPattern::Service { service, name } = p else {
            continue;
        };
        let Some(svc) = catalog.service(service) else {
            continue;
        };
        let matching: Vec<_> = svc
            .actions
            .iter()
            .filter(|a| name.matches(&a.name.to_ascii_lowercase()))
            .collect();
        if matching.is_empty() {
            out.push(Warning {
                pointer: item_pointer(&base, st.action.single, i),
                message: format!(
                    "`{p}` matches no action of `{service}` in the catalog (the action may be newer than the catalog; load a fresher file with --catalog)"
                ),
            });
        } else if !st.action.negated
            && !resource_is_star
            && st.resource.as_ref().is_some_and(|r| !r.negated)
            && matching.iter().all(|a| a.is_wildcard_only())
        {
            out.push(Warning {
                pointer: item_pointer(&base, st.action.single, i),
                message: format!(
                    "`{p}` supports no resource types, so AWS authorizes it against `*`; this statement's `Resource` never matches it (S-28)"
                ),
            });
        }
    }
}

fn lint_conditions(st: &Statement, catalog: &Catalog, out: &mut Vec<Warning>) {
    let base = push_pointer(&st.pointer, "Condition");
    for c in &st.conditions {
        let pointer = push_pointer(&push_pointer(&base, &c.op.to_string()), &c.key);
        let Some(info) = catalog.key(&c.key) else {
            let prefix = c.key_lower.split_once(':').map(|(p, _)| p);
            if prefix.is_some_and(|p| p == "aws" || catalog.service(p).is_some()) {
                out.push(Warning {
                    pointer,
                    message: format!("condition key `{}` is not in the catalog", c.key),
                });
            }
            continue;
        };
        let family = c.op.operator.family();
        let fits = match (family, info.ty) {
            (_, KeyType::Unknown) | (Family::Null, _) => true,
            (Family::String, KeyType::String | KeyType::Arn) => true,
            (Family::Arn, KeyType::Arn | KeyType::String) => true,
            (Family::Numeric, KeyType::Numeric) => true,
            // aws:EpochTime is typed Date and documented to work with Numeric operators.
            (Family::Numeric, KeyType::Date) => true,
            (Family::Date, KeyType::Date) => true,
            (Family::Bool, KeyType::Bool) => true,
            (Family::Ip, KeyType::IpAddress) => true,
            (Family::Binary, KeyType::Binary) => true,
            _ => false,
        };
        if !fits {
            out.push(Warning {
                pointer: pointer.clone(),
                message: format!(
                    "`{}` compares `{}`, which the catalog types {}",
                    c.op.operator,
                    c.key,
                    info.ty.as_str()
                ),
            });
        }
        if family != Family::Null {
            match (c.op.set.is_some(), info.multivalued) {
                (false, true) => out.push(Warning {
                    pointer,
                    message: format!(
                        "`{}` is multivalued: without `ForAllValues:`/`ForAnyValue:` this condition is always false (S-3)",
                        c.key
                    ),
                }),
                (true, false) => out.push(Warning {
                    pointer,
                    message: format!(
                        "`{}` is single-valued: a set operator on it can be more permissive than intended (ForAllValues holds when the key is missing)",
                        c.key
                    ),
                }),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyKind;

    #[test]
    fn warns_on_catalog_mismatches() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["sagemaker:CreateTrainingJob","sagemaker:CreateWidget"],"Resource":"*",
               "Condition":{"StringLike":{"sagemaker:InstanceTypes":"ml.m5.*"},"DateLessThan":{"aws:SourceIp":"2020-01-01"},
                            "ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-1"}}},
              {"Effect":"Allow","Action":"sagemaker:ListTrainingJobs","Resource":"arn:aws:sagemaker:*:*:training-job/*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let w = lint(&p, Catalog::sagemaker_default());
        let text: Vec<String> = w.iter().map(ToString::to_string).collect();
        assert!(
            text.iter().any(|t| t.starts_with(
                "at /Statement/0/Action/1: `sagemaker:createwidget` matches no action"
            )),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("always false (S-3)")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("`DateLessThan` compares `aws:SourceIp`")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("single-valued")), "{text:?}");
        assert!(
            text.iter().any(|t| t.starts_with(
                "at /Statement/1/Action: `sagemaker:listtrainingjobs` supports no resource types"
            )),
            "{text:?}"
        );
        assert_eq!(w.len(), 5, "{text:?}");
    }
}
