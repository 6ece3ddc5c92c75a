//! The one conversion from the wire model to the validated model: every policy check lives here.
//!
//! INVARIANT (located errors): every error carries the JSON pointer of the element it is about,
//! built with [`push_pointer`] from the statement's own pointer.

use super::err::{PolicyError, push_pointer};
use super::wire::{StringList, WirePolicy, WirePrincipal, WireStatement};
use super::{
    ActionClause, ActionPattern, Effect, Policy, PolicyKind, PrincipalClause, ResourceClause,
    ResourcePattern, Statement, Version,
};
use crate::condition::{Condition, QualifiedOperator};

/// Reads JSON text into the wire model; serde errors become located policy errors.
pub(crate) fn read_wire(text: &str) -> Result<WirePolicy, PolicyError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let wire = serde_path_to_error::deserialize(&mut de).map_err(path_error)?;
    de.end()
        .map_err(|e| PolicyError::new("", format!("invalid JSON: {e}")))?;
    Ok(wire)
}

/// Reads a JSON value into the wire model, through its text: serde_json's `Value` deserializer
/// hands some numbers over as `f64` (`1.0` would become `1`), its text never does (S-2).
pub(crate) fn read_wire_value(value: &serde_json::Value) -> Result<WirePolicy, PolicyError> {
    read_wire(&value.to_string())
}

fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> PolicyError {
    let mut pointer = String::new();
    for seg in e.path().iter() {
        match seg {
            serde_path_to_error::Segment::Seq { index } => {
                pointer = push_pointer(&pointer, &index.to_string());
            }
            serde_path_to_error::Segment::Map { key } => pointer = push_pointer(&pointer, key),
            serde_path_to_error::Segment::Enum { variant } => {
                pointer = push_pointer(&pointer, variant);
            }
            serde_path_to_error::Segment::Unknown => {}
        }
    }
    let inner = e.into_inner();
    let message = if inner.is_syntax() || inner.is_eof() {
        format!("invalid JSON: {inner}")
    } else {
        // serde's messages carry " at line L column C" for the whole document; keep them.
        inner.to_string()
    };
    PolicyError::new(pointer, message)
}

/// Validates a wire policy used as `kind`.
pub(crate) fn validate(wire: WirePolicy, kind: PolicyKind) -> Result<Policy, PolicyError> {
    let version = match wire.version.as_deref() {
        None => Version::Absent,
        Some("2012-10-17") => Version::V2012_10_17,
        Some("2008-10-17") => Version::V2008_10_17,
        Some(other) => {
            return Err(PolicyError::new(
                "/Version",
                format!(
                    "unknown policy version `{}`; IAM accepts `2012-10-17` and `2008-10-17`",
                    super::err::excerpt(other)
                ),
            ));
        }
    };
    let single = wire.statement.is_one();
    let mut statements = Vec::new();
    for (index, ws) in wire.statement.into_vec().into_iter().enumerate() {
        let pointer = if single {
            "/Statement".to_owned()
        } else {
            push_pointer("/Statement", &index.to_string())
        };
        statements.push(statement(ws, index, pointer, kind, version)?);
    }
    Ok(Policy {
        version,
        id: wire.id,
        statements,
    })
}

fn statement(
    ws: WireStatement,
    index: usize,
    pointer: String,
    kind: PolicyKind,
    version: Version,
) -> Result<Statement, PolicyError> {
    let at = |field: &str| push_pointer(&pointer, field);
    let effect = match ws.effect.as_str() {
        "Allow" => Effect::Allow,
        "Deny" => Effect::Deny,
        other => {
            return Err(PolicyError::new(
                at("Effect"),
                format!(
                    "effect must be `Allow` or `Deny` (case-sensitive), found `{}`",
                    super::err::excerpt(other)
                ),
            ));
        }
    };
    let action = match (ws.action, ws.not_action) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(
                pointer.clone(),
                "a statement must have exactly one of `Action` and `NotAction`, found both",
            ));
        }
        (None, None) => {
            return Err(PolicyError::new(
                pointer.clone(),
                "a statement must have exactly one of `Action` and `NotAction`, found neither",
            ));
        }
        (Some(a), None) => action_clause(a, false, &at("Action"))?,
        (None, Some(a)) => action_clause(a, true, &at("NotAction"))?,
    };
    let resource = match (ws.resource, ws.not_resource) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(
                pointer.clone(),
                "a statement must have at most one of `Resource` and `NotResource`, found both",
            ));
        }
        (None, None) if !kind.is_resource_based() => {
            return Err(PolicyError::new(
                pointer.clone(),
                "a statement must have exactly one of `Resource` and `NotResource`, found neither",
            ));
        }
        (None, None) => None,
        (Some(r), None) => Some(resource_clause(r, false, &at("Resource"), version)?),
        (None, Some(r)) => Some(resource_clause(r, true, &at("NotResource"), version)?),
    };
    let principal = match (ws.principal, ws.not_principal) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::new(
                pointer.clone(),
                "a statement must have at most one of `Principal` and `NotPrincipal`",
            ));
        }
        (None, None) => None,
        (Some(p), None) => Some(principal_clause(p, false, &at("Principal"), kind)?),
        (None, Some(p)) => Some(principal_clause(p, true, &at("NotPrincipal"), kind)?),
    };
    if kind.is_resource_based() && principal.is_none() {
        return Err(PolicyError::new(
            pointer.clone(),
            "a statement in a resource-based (trust) policy must have `Principal` or `NotPrincipal`",
        ));
    }
    let mut conditions = Vec::new();
    if let Some(block) = ws.condition {
        let cond_at = at("Condition");
        for (op_name, keys) in block.entries {
            let op_at = push_pointer(&cond_at, &op_name);
            let op = QualifiedOperator::parse(&op_name)
                .map_err(|m| PolicyError::new(op_at.clone(), m))?;
            if keys.entries.is_empty() {
                return Err(PolicyError::new(
                    op_at,
                    format!("operator `{op_name}` has no condition keys (S-2)"),
                ));
            }
            for (key, values) in keys.entries {
                let key_at = push_pointer(&op_at, &key);
                let c = Condition::parse(op, &key, values.items, version.has_variables())
                    .map_err(|m| PolicyError::new(key_at, m))?;
                conditions.push(c);
            }
        }
    }
    Ok(Statement {
        index,
        pointer,
        sid: ws.sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

fn action_clause(list: StringList, negated: bool, at: &str) -> Result<ActionClause, PolicyError> {
    if list.items.is_empty() {
        return Err(PolicyError::new(
            at,
            "an empty list of actions is not allowed",
        ));
    }
    let mut patterns = Vec::with_capacity(list.items.len());
    for (i, a) in list.items.iter().enumerate() {
        let p = ActionPattern::parse(a).map_err(|m| PolicyError::new(item_at(at, &list, i), m))?;
        patterns.push(p);
    }
    Ok(ActionClause {
        negated,
        single: list.was_single,
        patterns,
    })
}

fn resource_clause(
    list: StringList,
    negated: bool,
    at: &str,
    version: Version,
) -> Result<ResourceClause, PolicyError> {
    if list.items.is_empty() {
        return Err(PolicyError::new(
            at,
            "an empty list of resources is not allowed",
        ));
    }
    let mut patterns = Vec::with_capacity(list.items.len());
    for (i, r) in list.items.iter().enumerate() {
        let p = ResourcePattern::parse(r, version.has_variables())
            .map_err(|m| PolicyError::new(item_at(at, &list, i), m))?;
        patterns.push(p);
    }
    Ok(ResourceClause {
        negated,
        single: list.was_single,
        patterns,
    })
}

fn principal_clause(
    p: WirePrincipal,
    negated: bool,
    at: &str,
    kind: PolicyKind,
) -> Result<PrincipalClause, PolicyError> {
    if !kind.is_resource_based() {
        return Err(PolicyError::new(
            at,
            "identity-based policies (and boundaries, SCPs and session policies) must not name a principal",
        ));
    }
    match p {
        WirePrincipal::Star(s) if s == "*" => Ok(PrincipalClause {
            negated,
            entries: None,
        }),
        WirePrincipal::Star(s) => Err(PolicyError::new(
            at,
            format!(
                "a principal given as a string must be `*`, found `{}`",
                super::err::excerpt(&s)
            ),
        )),
        WirePrincipal::Map(m) => Ok(PrincipalClause {
            negated,
            entries: Some(m.entries.into_iter().map(|(k, v)| (k, v.items)).collect()),
        }),
    }
}

fn item_at(at: &str, list: &StringList, i: usize) -> String {
    if list.was_single {
        at.to_owned()
    } else {
        push_pointer(at, &i.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Policy::parse(text, PolicyKind::Identity)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn located_errors() {
        let e = err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLikee":{"a:b":"x"}}}]}"#,
        );
        assert_eq!(
            e,
            "at /Statement/0/Condition/StringLikee: unknown condition operator `StringLikee`"
        );
        let e = err(r#"{"Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}"#);
        assert!(e.starts_with("at /Statement/Effect: effect must be"), "{e}");
        let e = err(r#"{"Statement":[{"Effect":"Allow","Action":["s3:*", 5],"Resource":"*"}]}"#);
        assert!(
            e.starts_with("at /Statement/0/Action/1: invalid type: integer `5`"),
            "{e}"
        );
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"a:b":"ten"}}}]}"#,
        );
        assert!(
            e.starts_with(
                "at /Statement/0/Condition/NumericLessThan/a:b: `ten` is not a valid number"
            ),
            "{e}"
        );
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
        );
        assert!(e.contains("duplicate field `Effect`"), "{e}");
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a:b":"x"},"StringEquals":{"a:c":"y"}}}]}"#,
        );
        assert!(e.contains("duplicate key `StringEquals`"), "{e}");
        let e = err(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}]}"#,
        );
        assert!(
            e.starts_with("at /Statement/0/Principal: identity-based"),
            "{e}"
        );
        let e = err(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#);
        assert!(e.contains("found neither"), "{e}");
        let e =
            err(r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}],"Bogus":1}"#);
        assert!(e.contains("unknown field `Bogus`"), "{e}");
        let e = err(r#"{"Statement":[}"#);
        assert!(e.contains("invalid JSON"), "{e}");
        let e = err(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]} x"#,
        );
        assert!(e.contains("invalid JSON"), "{e}");
    }

    #[test]
    fn accepts_iam_shapes() {
        let p = Policy::parse(
            r#"{"Statement":{"Sid":"","Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":false},"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(p.version, Version::Absent);
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].pointer, "/Statement");
        assert_eq!(
            p.statements[0].conditions[0].raw_values,
            vec!["false".to_owned()]
        );
        let trust = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            PolicyKind::Trust,
        )
        .unwrap();
        assert!(
            trust.statements[0]
                .principal
                .as_ref()
                .unwrap()
                .admits_service("sagemaker.amazonaws.com")
        );
    }
}
