//! The "Least privilege from CloudTrail" section: what the logs held, one table row per principal
//! with logged calls (used versus granted, the minimal policy's size and the engine's check) and
//! each minimal policy's JSON in a collapsed `<details>`. Self-contained (its few style rules
//! come with it), so a redesigned page can move it as one piece.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::audit::model::{LeastPrivilege, PrincipalLeastPrivilege};

/// At most this many principals get a table row and a policy; the rest are in `summary.json`
/// and `minimal-policies/`.
const MAX_ROWS: usize = 1_000;

/// Style rules of this section only.
const STYLE: &str = "#least-privilege pre{max-height:32em;overflow:auto;background:#f6f8fa;\
padding:.6em;border:1px solid #d0d7de;font-size:12px}#least-privilege td.ok{color:#1a7f37}\
#least-privilege td.no{color:#cf222e;font-weight:600}";

/// Statements of a principal's minimal policy.
fn statements(p: &PrincipalLeastPrivilege) -> usize {
    p.policy
        .get("Statement")
        .and_then(serde_json::Value::as_array)
        .map_or(0, Vec::len)
}

/// `a/b` into a right-aligned cell, red when `a < b`.
fn ratio(h: &mut Html, a: u64, b: u64) {
    h.raw(if a < b {
        "<td class=\"r no\">"
    } else {
        "<td class=\"r\">"
    });
    h.num(a);
    h.raw("/");
    h.num(b);
    h.raw("</td>");
}

/// The section; nothing without CloudTrail logs.
pub(super) fn least_privilege(h: &mut Html, r: &AuditResult) {
    let Some(lp) = r.least_privilege.as_ref() else {
        return;
    };
    let with_policy = lp.principals.iter().filter(|p| !p.policy.is_null()).count();
    let verified = lp
        .principals
        .iter()
        .filter(|p| !p.policy.is_null() && p.proof.verified)
        .count();
    h.raw("<section id=\"least-privilege\">\n<style>");
    h.raw(STYLE);
    h.raw("</style>\n<h2>Least privilege from CloudTrail <span class=\"pill");
    h.raw(if verified < with_policy { " bad" } else { "" });
    h.raw("\">");
    h.num(verified);
    h.raw(" of ");
    h.num(with_policy);
    h.raw(" minimal policies verified</span></h2>\n");
    intro(h, lp);
    if lp.principals.is_empty() {
        h.raw("<p class=\"none\">No audited principal made a SageMaker call in the logs.</p>\n");
        h.raw("</section>\n");
        return;
    }
    table(h, lp);
    for (i, p) in lp.principals.iter().take(MAX_ROWS).enumerate() {
        policy(h, p, i);
    }
    if lp.principals.len() > MAX_ROWS {
        h.raw("<p class=\"meta\">");
        h.num(lp.principals.len() - MAX_ROWS);
        h.raw(" more principals: see summary.json and minimal-policies/.</p>\n");
    }
    h.raw("</section>\n");
}

/// What the logs held, and what the check means.
fn intro(h: &mut Html, lp: &LeastPrivilege) {
    h.raw("<p class=\"meta\">");
    h.num(lp.files.len());
    h.raw(" CloudTrail files, ");
    h.num(lp.records);
    h.raw(" records, ");
    h.num(lp.sagemaker_events);
    h.raw(" SageMaker calls (");
    h.num(lp.access_denied);
    h.raw(" access denied), ");
    h.num(lp.errors.len());
    h.raw(" errors. A minimal policy is verified when the engine allows every logged call and ");
    h.raw("the next call of each series on a fresh name (with the <code>iam:PassRole</code> and ");
    h.raw("tag-on-create <code>sagemaker:AddTags</code> a create needs), and finds nothing it ");
    h.raw("allows that the current policies deny (same boundary and SCPs).</p>\n");
}

/// One row per principal.
fn table(h: &mut Html, lp: &LeastPrivilege) {
    h.raw("<table class=\"grid\"><tr><th>principal</th><th>account</th><th>calls</th>");
    h.raw("<th>used / granted</th><th>unused</th><th>statements</th><th>logged allowed</th>");
    h.raw("<th>fresh names allowed</th><th>counterexamples</th><th>proof</th>");
    h.raw("<th>variables kept</th><th>file</th></tr>\n");
    for (i, p) in lp.principals.iter().take(MAX_ROWS).enumerate() {
        h.raw("<tr><td><a href=\"#lp");
        h.num(i);
        h.raw("\" title=\"");
        h.text(&p.principal);
        h.raw("\">");
        h.text(&p.name);
        h.raw("</a> <small>");
        h.text(&p.kind);
        h.raw("</small></td><td><code>");
        h.text(&p.account);
        h.raw("</code></td><td class=\"r\">");
        h.num(p.events);
        if p.access_denied > 0 {
            h.raw(" <small>+");
            h.num(p.access_denied);
            h.raw(" denied</small>");
        }
        h.raw("</td><td class=\"r\">");
        h.num(p.used.len());
        h.raw(" / ");
        h.num(p.granted);
        h.raw("</td><td class=\"r\">");
        h.num(p.unused);
        h.raw("</td><td class=\"r\">");
        h.num(statements(p));
        h.raw("</td>");
        let pr = &p.proof;
        ratio(h, pr.allowed_by_minimal, pr.allowed_by_current);
        ratio(h, pr.fresh_name_allowed, pr.fresh_name_allowed_by_current);
        h.raw(if pr.counterexamples > 0 {
            "<td class=\"r no\">"
        } else {
            "<td class=\"r\">"
        });
        h.num(pr.counterexamples);
        h.raw("</td>");
        h.raw(match (p.policy.is_null(), pr.verified) {
            (true, _) => "<td>no policy</td>",
            (false, true) => "<td class=\"ok\">verified</td>",
            (false, false) => "<td class=\"no\">not verified</td>",
        });
        h.raw("<td>");
        for (k, v) in p.variables.iter().enumerate() {
            if k > 0 {
                h.raw(" ");
            }
            h.el("code", v);
        }
        h.raw("</td><td>");
        h.text(p.file.as_deref().unwrap_or(""));
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
}

/// A principal's minimal policy, collapsed, with how it names resources and how it was narrowed.
fn policy(h: &mut Html, p: &PrincipalLeastPrivilege, i: usize) {
    h.raw("<details id=\"lp");
    h.num(i);
    h.raw("\"><summary>");
    h.text(&p.kind);
    h.raw(" <b>");
    h.text(&p.name);
    h.raw("</b> <small>");
    h.text(&p.account);
    h.raw(" · ");
    if p.policy.is_null() {
        h.raw("no minimal policy");
    } else {
        h.num(statements(p));
        h.raw(" statements");
    }
    h.raw("</small></summary>\n");
    let notes = [
        ("resources", &p.generalised),
        ("narrowed", &p.proof.narrowing),
    ];
    for (label, list) in notes {
        if list.is_empty() {
            continue;
        }
        h.raw("<p class=\"meta\">");
        h.text(label);
        h.raw(":</p><ul>");
        for n in list {
            h.el("li", n);
        }
        h.raw("</ul>\n");
    }
    if !p.policy.is_null() {
        h.raw("<pre><code>");
        let text = serde_json::to_string_pretty(&p.policy).unwrap_or_default();
        h.text(&text);
        h.raw("</code></pre>\n");
    }
    h.raw("</details>\n");
}
