//! `iamc check --explain`: the exact analysis of the asked action for the given policies (its
//! class over every request AWS can send, the readable condition with the guardrail and own
//! parts, and engine-confirmed witnesses), as text and as JSON.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::Settings;
use crate::analyze::{AnalysisConfig, Analyzer, split_principal_keys};
use crate::error::Error;
use crate::eval::Request;

/// The analysis, or why there is none (an action the catalog does not hold).
pub(crate) enum Explained {
    /// The analysis and the account it was made for.
    Done(Box<crate::analyze::Analysis>, String),
    /// Why not.
    Skipped(String),
}

/// The account the request is made in: the principal's, else the resource ARN's, else a
/// placeholder.
fn account_of(r: &Request) -> String {
    if let Some(a) = r.principal_account() {
        return a.to_owned();
    }
    if let Some(a) = &r.account {
        return a.clone();
    }
    crate::policy::pattern::split_arn(&r.resource)
        .and_then(|p| p.get(4).copied())
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(|| "123456789012".to_owned(), str::to_owned)
}

/// Analyzes the asked action for the settings' policies and principal keys.
pub(crate) fn explain(s: &Settings) -> Result<Explained, Error> {
    let action = s.request.action();
    if s.catalog.action(action).is_none() {
        return Ok(Explained::Skipped(format!(
            "`{action}` is not in the catalog: no exact analysis"
        )));
    }
    let account = account_of(&s.request);
    let mut cfg = AnalysisConfig::new(&account);
    if let Some(p) = &s.request.principal
        && crate::policy::pattern::split_arn(p)
            .and_then(|x| x.get(4).copied())
            .is_some_and(|a| a == account)
    {
        cfg.principal_arn.clone_from(p);
    }
    let (_, principal) = split_principal_keys(&s.request);
    let analyzer = Analyzer::new(&s.catalog, cfg);
    let a = analyzer.analyze_set(&s.policies, &principal, action)?;
    Ok(Explained::Done(Box::new(a), account))
}

fn request_text(r: &Request) -> String {
    let ctx: Vec<String> = r
        .context
        .entries()
        .iter()
        .map(|e| format!("{}={}", e.key, e.values.join(",")))
        .collect();
    format!("{} {}", r.resource, ctx.join(" "))
}

/// The text section.
pub(crate) fn text(e: &Explained) -> String {
    let mut o = String::new();
    let (a, account) = match e {
        Explained::Done(a, account) => (a, account),
        Explained::Skipped(why) => {
            let _ = writeln!(o, "\nexact analysis: {why}");
            return o;
        }
    };
    let _ = writeln!(
        o,
        "\nexact analysis of {} (every request AWS can send in account {account}):",
        a.action
    );
    let within = if a.always_within_guardrails() {
        ", Always within the organization's guardrails"
    } else {
        ""
    };
    let exact = if a.exact {
        "exact".to_owned()
    } else {
        format!("approximate: {}", a.approximate.join("; "))
    };
    let _ = writeln!(o, "  class:       {} ({exact}){within}", a.class.as_str());
    let _ = writeln!(o, "  allowed iff: {}", a.condition.all.text);
    let _ = writeln!(o, "  guardrails:  {}", a.condition.guardrails.text);
    let _ = writeln!(o, "  own:         {}", a.condition.own.text);
    if let Some(w) = &a.allowed_witness {
        let _ = writeln!(o, "  allowed e.g. {}", request_text(w));
    }
    if let Some(w) = &a.denied_witness {
        let _ = writeln!(o, "  denied e.g.  {}", request_text(w));
    }
    o
}

fn request_json(r: &Request) -> Value {
    let ctx: serde_json::Map<String, Value> = r
        .context
        .entries()
        .iter()
        .map(|e| (e.key.clone(), json!(e.values)))
        .collect();
    json!({"resource": r.resource, "context": ctx})
}

/// The JSON object.
pub(crate) fn json(e: &Explained) -> Value {
    match e {
        Explained::Skipped(why) => json!({"skipped": why}),
        Explained::Done(a, account) => json!({
            "account": account,
            "class": a.class,
            "exact": a.exact,
            "approximate": a.approximate,
            "within_guardrails": a.always_within_guardrails(),
            "own": a.own,
            "guardrails": a.guardrails,
            "condition": a.condition,
            "allowed_witness": a.allowed_witness.as_ref().map(request_json),
            "denied_witness": a.denied_witness.as_ref().map(request_json),
        }),
    }
}
