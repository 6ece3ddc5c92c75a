//! The least-privilege summary `iamc audit` prints on standard output, before its summary line:
//! the trail's counts and, per principal, used versus granted actions, how the minimal policy
//! names resources, the variables it keeps and the engine's check.

use serde_json::Value;

use crate::audit::model::LeastPrivilege;

/// A readable summary: the trail's counts and, per principal, used versus granted and the proof.
pub(crate) fn summary_text(lp: &LeastPrivilege) -> String {
    let mut s = format!(
        "least privilege from CloudTrail: {} files, {} records, {} SageMaker calls ({} access denied",
        lp.files.len(),
        lp.records,
        lp.sagemaker_events,
        lp.access_denied
    );
    if !lp.not_iam_actions.is_empty() {
        let names: Vec<String> = lp
            .not_iam_actions
            .iter()
            .map(|(n, c)| format!("{n} ×{c}"))
            .collect();
        s.push_str(&format!(", not an IAM action: {}", names.join(", ")));
    }
    let unattributed: u64 = lp.unattributed.values().sum();
    if unattributed > 0 {
        s.push_str(&format!(", {unattributed} by other identity types"));
    }
    let unaudited: u64 = lp.unaudited.values().sum();
    if unaudited > 0 {
        s.push_str(&format!(", {unaudited} by principals not audited"));
    }
    s.push_str(&format!(
        "), {} records of other services",
        lp.other_service_records
    ));
    if !lp.errors.is_empty() {
        s.push_str(&format!(", {} errors", lp.errors.len()));
    }
    s.push('\n');
    for p in &lp.principals {
        s.push_str(&format!(
            "  {} {} ({}): {} calls{}, used {} SageMaker actions{}; granted {}, unused {}\n",
            p.kind,
            p.name,
            p.account,
            p.events,
            if p.access_denied > 0 {
                format!(" (+{} denied)", p.access_denied)
            } else {
                String::new()
            },
            p.used.len(),
            if p.inferred.is_empty() {
                String::new()
            } else {
                format!(" (+ inferred {})", p.inferred.join(", "))
            },
            p.granted,
            p.unused
        ));
        if !p.used_not_granted.is_empty() {
            s.push_str(&format!(
                "    used although coverage says Never: {}\n",
                p.used_not_granted.join(", ")
            ));
        }
        if p.policy.is_null() {
            for n in &p.proof.narrowing {
                s.push_str(&format!("    {n}\n"));
            }
            continue;
        }
        let statements = p
            .policy
            .get("Statement")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        s.push_str(&format!(
            "    minimal policy: {} statements{}\n",
            statements,
            p.file
                .as_deref()
                .map(|f| format!(" → {f}"))
                .unwrap_or_default()
        ));
        let pr = &p.proof;
        s.push_str(&format!(
            "    proof: logged requests allowed {}/{} (current policies {}/{}); fresh names allowed {}/{} (current policies {}/{}); space requests checked {}, counterexamples {}: {}\n",
            pr.allowed_by_minimal,
            pr.logged_requests,
            pr.allowed_by_current,
            pr.logged_requests,
            pr.fresh_name_allowed,
            pr.fresh_name_requests,
            pr.fresh_name_allowed_by_current,
            pr.fresh_name_requests,
            pr.space_requests,
            pr.counterexamples,
            if pr.verified { "verified" } else { "NOT verified" }
        ));
        for g in &p.generalised {
            s.push_str(&format!("    resources: {g}\n"));
        }
        if !p.variables.is_empty() {
            s.push_str(&format!("    variables kept: {}\n", p.variables.join(", ")));
        }
        for n in &pr.narrowing {
            s.push_str(&format!("    narrowed: {n}\n"));
        }
        for w in &pr.fresh_name_denied {
            s.push_str(&format!(
                "    fresh name denied: {} on {} ({})\n",
                w.action, w.resource, w.decision
            ));
        }
        for w in &pr.denied_by_current {
            s.push_str(&format!(
                "    logged but denied now: {} on {} ({})\n",
                w.action, w.resource, w.decision
            ));
        }
        for w in &pr.counterexample_samples {
            s.push_str(&format!(
                "    counterexample: {} on {} ({})\n",
                w.action, w.resource, w.decision
            ));
        }
    }
    s
}
