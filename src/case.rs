//! The JSONL case format (`../shared/CASE-FORMAT.md`): one request with a principal's policies and,
//! optionally, the decision AWS makes. Used by `iamc eval`, the case suite and exchanges with other
//! simulators.
//!
//! INVARIANT (policies read from their own text): each policy document is kept as raw JSON and
//! parsed by [`Policy::parse`], so duplicate keys and JSON pointers inside it are reported exactly
//! as for a policy file.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::eval::{ContextValue, Decision, Request};
use crate::policy::wire::OrderedMap;
use crate::policy::{Policy, PolicyKind, PolicySet};

/// One evaluation case.
#[derive(Debug, Clone)]
pub struct Case {
    /// `id`, unique within its file.
    pub id: String,
    /// The request.
    pub request: Request,
    /// The principal's policies.
    pub policies: PolicySet,
    /// `expect`: the decision AWS makes, if the case says.
    pub expect: Option<Decision>,
    /// `why`: the rule the case checks.
    pub why: Option<String>,
}

/// A case line that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseError {
    /// The case's `id`, when it could be read.
    pub id: Option<String>,
    /// What is wrong, naming the field or the policy and its JSON pointer.
    pub message: String,
}

impl fmt::Display for CaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CaseError {}

#[derive(Deserialize)]
struct WireCase<'a> {
    id: String,
    action: String,
    resource: String,
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    context: Option<OrderedMap<WireContextValue>>,
    #[serde(default, borrow)]
    identity: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    boundary: Option<Vec<&'a RawValue>>,
    #[serde(default, borrow)]
    scps: Option<Vec<Vec<&'a RawValue>>>,
    #[serde(default, borrow)]
    session: Option<&'a RawValue>,
    #[serde(default)]
    expect: Option<String>,
    #[serde(default)]
    why: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a string or an array of strings")]
enum WireContextValue {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// Parses one JSONL line into a case.
pub fn parse_case_line(line: &str) -> Result<Case, CaseError> {
    let mut de = serde_json::Deserializer::from_str(line);
    let wire: WireCase<'_> = match serde_path_to_error::deserialize(&mut de) {
        Ok(w) => w,
        Err(e) => {
            let id = serde_json::from_str::<IdOnly>(line)
                .ok()
                .and_then(|i| i.id)
                .and_then(|v| v.as_str().map(str::to_owned));
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = if inner.is_syntax() || inner.is_eof() {
                format!("invalid JSON: {inner}")
            } else if path == "." {
                format!("invalid case: {inner}")
            } else {
                format!("field `{path}`: {inner}")
            };
            return Err(CaseError { id, message });
        }
    };
    if let Err(e) = de.end() {
        return Err(CaseError {
            id: Some(wire.id),
            message: format!("invalid JSON: {e}"),
        });
    }
    let id = wire.id.clone();
    let fail = |message: String| CaseError {
        id: Some(id.clone()),
        message,
    };

    let mut request =
        Request::new(&wire.action, &wire.resource).map_err(|e| fail(e.to_string()))?;
    request.principal = wire.principal;
    request.account = wire.account;
    if let Some(ctx) = wire.context {
        for (key, value) in ctx.entries {
            let value = match value {
                WireContextValue::One(s) => ContextValue::Single(s),
                WireContextValue::Many(v) => ContextValue::Multi(v),
            };
            request
                .context
                .insert(&key, value)
                .map_err(|e| fail(e.to_string()))?;
        }
    }

    let parse = |raw: &RawValue, kind: PolicyKind, label: String| {
        Policy::parse(raw.get(), kind).map_err(|e| CaseError {
            id: Some(id.clone()),
            message: format!("invalid policy {label} {e}"),
        })
    };
    let mut policies = PolicySet::default();
    for (i, raw) in wire.identity.unwrap_or_default().into_iter().enumerate() {
        policies
            .identity
            .push(parse(raw, PolicyKind::Identity, format!("identity[{i}]"))?);
    }
    if let Some(b) = wire.boundary {
        let mut out = Vec::with_capacity(b.len());
        for (i, raw) in b.into_iter().enumerate() {
            out.push(parse(raw, PolicyKind::Boundary, format!("boundary[{i}]"))?);
        }
        policies.boundary = Some(out);
    }
    for (l, level) in wire.scps.unwrap_or_default().into_iter().enumerate() {
        let mut out = Vec::with_capacity(level.len());
        for (i, raw) in level.into_iter().enumerate() {
            out.push(parse(raw, PolicyKind::Scp, format!("scps[{l}][{i}]"))?);
        }
        policies.scps.push(out);
    }
    if let Some(raw) = wire.session {
        policies.session = Some(parse(raw, PolicyKind::Session, "session".to_owned())?);
    }
    let expect = match wire.expect {
        None => None,
        Some(e) => Some(Decision::parse(&e).ok_or_else(|| {
            fail(format!(
                "field `expect`: `{e}` is not one of `Allowed`, `ExplicitlyDenied`, `ImplicitlyDenied`"
            ))
        })?),
    };
    Ok(Case {
        id,
        request,
        policies,
        expect,
        why: wire.why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cases_and_reports_errors() {
        let c = parse_case_line(r#"{"id":"c1","action":"sagemaker:CreateTrainingJob","resource":"*","context":{"aws:TagKeys":["a"],"k":"v"},"identity":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}],"scps":[[],[{"Statement":[]}]],"expect":"Allowed","note":"ignored"}"#).unwrap();
        assert_eq!(c.id, "c1");
        assert_eq!(c.policies.scps.len(), 2);
        assert_eq!(c.request.context.len(), 2);
        assert_eq!(c.expect, Some(Decision::Allowed));

        let e = parse_case_line(r#"{"id":"c3","action":"s3:GetObject","resource":"*","identity":[{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLikee":{"a:b":"c"}}}]}]}"#).unwrap_err();
        assert_eq!(e.id.as_deref(), Some("c3"));
        assert_eq!(
            e.message,
            "invalid policy identity[0] at /Statement/0/Condition/StringLikee: unknown condition operator `StringLikee`"
        );

        let e = parse_case_line(
            r#"{"id":"c4","action":"s3:GetObject","resource":"*","context":{"k":5}}"#,
        )
        .unwrap_err();
        assert!(e.message.starts_with("field `context.k`"), "{}", e.message);
        let e = parse_case_line(r#"{"id":"c5","action":"s3:GetObject"}"#).unwrap_err();
        assert!(
            e.message.contains("missing field `resource`"),
            "{}",
            e.message
        );
        assert_eq!(e.id.as_deref(), Some("c5"));
        let e = parse_case_line("{not json").unwrap_err();
        assert!(e.message.starts_with("invalid JSON"), "{}", e.message);
        let e = parse_case_line(r#"{"id":"c6","action":"GetObject","resource":"*"}"#).unwrap_err();
        assert!(e.message.contains("field `action`"), "{}", e.message);
    }
}
