//! `iamc check` output: the decision, the request as evaluated (with where each context value
//! came from), the statements that applied, and for a denial the trace down to the condition.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Settings, Source};
use crate::eval::trace::{ConditionTrace, StatementTrace, Trace};
use crate::eval::{Explanation, Layer};

/// `inline:Name (FILE at /Pointer)` or `FILE`.
pub(crate) fn describe(src: &Source) -> String {
    if src.what == "file" {
        src.file.clone()
    } else if src.pointer.is_empty() {
        format!("{} ({})", src.what, src.file)
    } else {
        format!("{} ({} at {})", src.what, src.file, src.pointer)
    }
}

/// The set label of a policy of `layer` (`identity[0]`, `scps[1][0]`, `session`).
fn label(layer: Layer, policy: u32) -> String {
    match layer {
        Layer::Scp(l) => format!("scps[{l}][{policy}]"),
        Layer::Session => "session".to_owned(),
        other => format!("{other}[{policy}]"),
    }
}

fn layer_name(layer: Layer) -> String {
    match layer {
        Layer::Scp(l) => format!("SCP level {l}"),
        Layer::Identity => "identity policies".to_owned(),
        Layer::Boundary => "permissions boundary".to_owned(),
        Layer::Session => "session policy".to_owned(),
        Layer::Account => "cross-account gate".to_owned(),
    }
}

/// `identity[0] inline:X (FILE at /P) statement 2 Sid `S``.
fn statement_name(
    s: &Settings,
    layer: Layer,
    policy: u32,
    statement: u32,
    sid: Option<&str>,
) -> String {
    let l = label(layer, policy);
    let whence = s.source(&l).map(describe).unwrap_or_default();
    let sid = sid.map(|x| format!(" Sid `{x}`")).unwrap_or_default();
    format!("{l} {whence} statement {statement}{sid}").replace("  ", " ")
}

fn values(v: &[String]) -> String {
    let quoted: Vec<String> = v.iter().map(|x| format!("`{x}`")).collect();
    if quoted.len() == 1 {
        quoted.join("")
    } else {
        format!("[{}]", quoted.join(", "))
    }
}

/// `ForAllValues:StringLike sagemaker:InstanceTypes: policy [`ml.t3.*`, `ml.m5.*`], request
/// [`ml.p3.2xlarge`]: false`.
fn condition_line(c: &ConditionTrace) -> String {
    let request = match &c.request_values {
        None => "absent".to_owned(),
        Some(v) if v.is_empty() => "an empty list".to_owned(),
        Some(v) => values(v),
    };
    format!(
        "{} {}: policy {}, request {}: {}",
        c.operator,
        c.key,
        values(&c.policy_values),
        request,
        if c.holds { "holds" } else { "fails" }
    )
}

/// What kept a statement from applying.
fn failure(t: &StatementTrace) -> Vec<String> {
    let mut out = Vec::new();
    if !t.action_matches {
        out.push("its action does not match".to_owned());
    }
    if !t.resource_matches {
        out.push("its resource does not match the request's".to_owned());
    }
    for c in t.conditions.iter().filter(|c| !c.holds) {
        out.push(format!("condition {}", condition_line(c)));
    }
    out
}

fn why_text(s: &Settings, trace: &Trace, o: &mut String) {
    if !trace.denied_by.is_empty() {
        let _ = writeln!(o, "  why: explicitly denied by");
        for t in &trace.denied_by {
            let _ = writeln!(
                o,
                "    Deny {} ({}):",
                statement_name(s, t.layer, t.policy, t.statement, t.sid.as_deref()),
                layer_name(t.layer)
            );
            if t.conditions.is_empty() {
                let _ = writeln!(
                    o,
                    "      no condition: it denies this action on this resource"
                );
            }
            for c in &t.conditions {
                let _ = writeln!(o, "      {}", condition_line(c));
            }
        }
        return;
    }
    if trace.cross_account {
        let _ = writeln!(
            o,
            "  why: the principal's account ({}) is not the resource's ({}); no resource-based policy can grant it (S-27)",
            s.request.principal_account().unwrap_or("?"),
            s.request.resource_account().unwrap_or("?")
        );
        return;
    }
    for m in &trace.missing_allow {
        let _ = writeln!(
            o,
            "  why: no statement of the {} allows this request",
            layer_name(m.layer)
        );
        if m.nearest.is_empty() {
            let _ = writeln!(o, "    (no Allow statement there names this action)");
        }
        for t in &m.nearest {
            let _ = writeln!(
                o,
                "    nearest: Allow {}:",
                statement_name(s, t.layer, t.policy, t.statement, t.sid.as_deref())
            );
            for f in failure(t) {
                let _ = writeln!(o, "      {f}");
            }
        }
    }
}

/// The readable explanation.
pub(crate) fn text(s: &Settings, ex: &Explanation, trace: &Trace, warnings: &[String]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} (decided by {})",
        ex.outcome.decision, ex.outcome.decided_by
    );
    let _ = writeln!(o, "  action:    {}", s.request.action());
    let _ = writeln!(o, "  resource:  {}", s.request.resource);
    if ex.evaluated_resource != s.request.resource {
        let _ = writeln!(
            o,
            "             evaluated against `{}`: the action supports no resource type (S-28)",
            ex.evaluated_resource
        );
    }
    if let Some(p) = &s.principal {
        let _ = writeln!(o, "  principal: {p}");
    } else if let Some(p) = &s.request.principal {
        let _ = writeln!(o, "  principal: {p}");
    }
    if !s.origins.is_empty() {
        let _ = writeln!(o, "  context:");
        for (k, origin) in &s.origins {
            let v = s
                .request
                .context
                .get(&k.to_lowercase())
                .map(|e| values(&e.values))
                .unwrap_or_default();
            let _ = writeln!(o, "    {k} = {v} ({})", origin.as_str());
        }
    }
    for n in &s.notes {
        let _ = writeln!(o, "  note: {n}");
    }
    if ex.matched.is_empty() {
        let _ = writeln!(o, "  matched statements: none");
    } else {
        let _ = writeln!(o, "  matched statements:");
        for m in &ex.matched {
            let _ = writeln!(
                o,
                "    {:<5} {}",
                m.effect.as_str(),
                statement_name(s, m.layer, m.policy, m.statement, m.sid.as_deref())
            );
        }
    }
    why_text(s, trace, &mut o);
    if !ex.missing_keys.is_empty() {
        let _ = writeln!(
            o,
            "  condition keys missing from the request: {}",
            ex.missing_keys.join(", ")
        );
    }
    if !warnings.is_empty() {
        let _ = writeln!(o, "  warnings:");
        for w in warnings {
            let _ = writeln!(o, "    {w}");
        }
    }
    o
}

/// One JSON object: the decision, the explanation, the trace (`why`), the context with origins,
/// the policies' sources, warnings.
pub(crate) fn json(s: &Settings, ex: &Explanation, trace: &Trace, warnings: &[String]) -> Value {
    let context: Vec<Value> = s
        .origins
        .iter()
        .map(|(k, origin)| {
            let v = s
                .request
                .context
                .get(&k.to_lowercase())
                .map(|e| e.values.clone())
                .unwrap_or_default();
            json!({"key": k, "values": v, "from": origin.as_str()})
        })
        .collect();
    let sources: Vec<Value> = s
        .sources
        .iter()
        .map(|src| {
            json!({"label": src.label, "what": src.what, "file": src.file, "pointer": src.pointer})
        })
        .collect();
    json!({
        "action": s.request.action(),
        "resource": s.request.resource,
        "principal": s.request.principal,
        "decision": ex.outcome.decision,
        "explain": ex,
        "why": trace,
        "context": context,
        "policies": sources,
        "notes": s.notes,
        "warnings": warnings,
    })
}
