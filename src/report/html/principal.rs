//! The per-principal drill-down: each principal's actions by class, the roles it may pass, and
//! its findings.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The per-principal `<details>`, grouped by account.
pub(super) fn drill_down(h: &mut Html, r: &AuditResult, index: &FindingIndex<'_>) {
    h.raw("<section id=\"principals\">\n<h2>Principals</h2>\n");
    h.raw("<p class=\"hint\"><button id=\"openall\" type=\"button\">expand all</button> ");
    h.raw("<button id=\"closeall\" type=\"button\">collapse all</button></p>\n");
    let mut id = 0usize;
    for account in &r.accounts {
        h.raw("<h3>account <code>");
        h.text(&account.id);
        h.raw("</code></h3>\n");
        for (p, others) in display_rows(r, account) {
            principal_details(h, account, p, id, index, &others);
            id += 1;
        }
    }
    h.raw("</section>\n");
}

/// One principal's `<details>`.
pub(super) fn principal_details(
    h: &mut Html,
    account: &AccountResult,
    p: &PrincipalResult,
    id: usize,
    index: &FindingIndex<'_>,
    others: &[&PrincipalResult],
) {
    let [always, conditional, never] = class_totals(p);
    h.raw("<details id=\"p");
    h.num(id);
    h.raw("\"");
    filter_attr(h, p);
    h.raw("><summary><b>");
    h.text(&p.name);
    h.raw("</b> <small>");
    h.text(&p.kind);
    h.raw("</small> ");
    if p.status == Status::Error {
        h.raw("<span class=\"pill bad\">error: not evaluated</span>");
    } else {
        h.raw("<span class=\"pill ka\">");
        h.num(always);
        h.raw(" Always</span> <span class=\"pill kc\">");
        h.num(conditional);
        h.raw(" Conditional</span> <span class=\"pill kn\">");
        h.num(never);
        h.raw(" Never</span>");
        if !p.errors.is_empty() {
            h.raw(" <span class=\"pill bad\">");
            h.num(p.errors.len());
            h.raw(" error(s)</span>");
        }
    }
    let mine = index.of_principal(&p.arn);
    finding_badge(h, mine);
    h.raw("</summary>\n<div class=\"dd\">\n<dl>");
    let dt = |h: &mut Html, k: &str, v: &str| {
        h.raw("<dt>");
        h.raw(k);
        h.raw("</dt><dd>");
        h.text(v);
        h.raw("</dd>");
    };
    dt(h, "ARN", &p.arn);
    dt(h, "type", &p.kind);
    dt(h, "path", &p.path);
    dt(h, "account", &account.id);
    if let Some(g) = p.group {
        dt(h, "evaluation group", &g.to_string());
    }
    if !others.is_empty() {
        h.raw("<dt>same access</dt><dd>");
        h.num(others.len());
        h.raw(" more principals of this evaluation group: ");
        for (k, o) in others.iter().enumerate() {
            if k > 0 {
                h.raw(", ");
            }
            h.raw("<code title=\"");
            h.text(&o.arn);
            h.raw("\">");
            h.text(&o.name);
            h.raw("</code>");
        }
        h.raw("</dd>");
    }
    h.raw("<dt>policies</dt><dd>");
    if p.policies.is_empty() {
        h.raw("<em>none</em>");
    } else {
        h.raw("<ul>");
        for pol in &p.policies {
            h.raw("<li><code>");
            h.text(pol);
            h.raw("</code></li>");
        }
        h.raw("</ul>");
    }
    h.raw("</dd></dl>\n");

    if !p.errors.is_empty() {
        h.raw("<ul class=\"errs\">");
        for e in &p.errors {
            h.raw("<li>");
            h.text(&e.to_string());
            h.raw("</li>");
        }
        h.raw("</ul>\n");
    }
    if p.status == Status::Error {
        h.raw("</div></details>\n");
        return;
    }

    h.raw("<table class=\"grid\"><caption>actions by access level</caption>");
    h.raw("<tr><th>level</th><th>Always</th><th>Conditional</th><th>Never</th></tr>");
    for l in AccessLevel::ALL {
        let c = p.by_level.get(&l).copied().unwrap_or_default();
        h.raw("<tr><td>");
        h.text(l.as_str());
        h.raw("</td><td class=\"r\">");
        h.num(c.always);
        h.raw("</td><td class=\"r\">");
        h.num(c.conditional);
        h.raw("</td><td class=\"r\">");
        h.num(c.never);
        h.raw("</td></tr>");
    }
    h.raw("</table>\n");

    principal_findings(h, mine);
    actions_table(h, p);
    passrole_table(h, p);
    h.raw("</div></details>\n");
}

/// Always actions (one row per level, names listed) and Conditional actions (one row each).
pub(super) fn actions_table(h: &mut Html, p: &PrincipalResult) {
    let mut conditional: Vec<&ActionCoverage> = p
        .actions
        .iter()
        .filter(|a| a.class == Class::Conditional)
        .collect();
    conditional.sort_by(|x, y| (x.access_level, &x.action).cmp(&(y.access_level, &y.action)));
    let always_any = p.actions.iter().any(|a| a.class == Class::Always);
    if conditional.is_empty() && !always_any {
        h.raw("<p class=\"none\">No SageMaker action is ever allowed.</p>\n");
        return;
    }
    h.raw("<table class=\"grid acts\"><caption>reachable actions</caption><tr><th>class</th>");
    h.raw("<th>level</th><th>action</th><th>allowed/total</th><th>deciding keys</th>");
    h.raw("<th>conditions</th><th>allowed only if (exact analysis)</th></tr>\n");
    for l in AccessLevel::ALL {
        let mut names: Vec<&ActionCoverage> = p
            .actions
            .iter()
            .filter(|a| a.class == Class::Always && a.access_level == l)
            .collect();
        if names.is_empty() {
            continue;
        }
        names.sort_by(|x, y| x.action.cmp(&y.action));
        h.raw("<tr><td><span class=\"pill ka\">Always</span></td><td>");
        h.text(l.as_str());
        h.raw(" (");
        h.num(names.len());
        h.raw(")</td><td class=\"names\">");
        for (i, a) in names.iter().enumerate() {
            if i > 0 {
                h.raw(", ");
            }
            h.text(&a.action);
        }
        h.raw("</td><td class=\"r\">");
        let total = names.first().map(|a| a.total).unwrap_or_default();
        if names.iter().all(|a| a.total == total) {
            h.num(total);
            h.raw("/");
            h.num(total);
            h.raw(" each");
        } else {
            h.raw("all requests");
        }
        h.raw("</td><td></td><td></td><td></td></tr>\n");
    }
    for a in conditional {
        h.raw("<tr><td><span class=\"pill kc\">Conditional</span></td><td>");
        h.text(a.access_level.as_str());
        h.raw("</td><td>");
        h.el("code", &a.action);
        h.raw("</td><td class=\"r\">");
        h.num(a.allowed);
        h.raw("/");
        h.num(a.total);
        h.raw("</td><td>");
        for (i, k) in a.deciding_keys.iter().enumerate() {
            if i > 0 {
                h.raw(" ");
            }
            h.el("code class=\"k\"", k);
        }
        h.raw("</td><td>");
        for (i, c) in a.conditions.iter().enumerate() {
            if i > 0 {
                h.raw("<br>");
            }
            h.el("code", c);
        }
        h.raw("</td><td>");
        condition_cell(h, a);
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
}

/// The exact analysis's condition of a Conditional cell: "Always within the organization's
/// guardrails" and the guardrail part, or the condition; "sampled" when not exact.
fn condition_cell(h: &mut Html, a: &ActionCoverage) {
    if let Some(c) = &a.condition {
        if c.within_guardrails {
            h.raw("Always, within the organization's guardrails: ");
            h.el("code", &c.guardrails);
        } else {
            h.el("code", &c.text);
        }
    }
    if a.approximate {
        if a.condition.is_some() {
            h.raw("<br>");
        }
        h.raw("<i>approximate (sampled)");
        if let Some(r) = &a.approximate_reason {
            h.raw(": ");
            h.text(r);
        }
        h.raw("</i>");
    }
}

/// The roles the principal may pass to SageMaker.
pub(super) fn passrole_table(h: &mut Html, p: &PrincipalResult) {
    if p.passrole.is_empty() {
        h.raw("<p class=\"none\">No <code>iam:PassRole</code> target.</p>\n");
        return;
    }
    h.raw("<table class=\"grid\"><caption><code>iam:PassRole</code> to SageMaker</caption>");
    h.raw("<tr><th>role</th><th>class</th><th>trusts SageMaker</th></tr>\n");
    // Roles that trust SageMaker first; at most 100 rows (coverage.json lists them all).
    let mut targets: Vec<&crate::audit::model::PassRoleTarget> = p.passrole.iter().collect();
    targets.sort_by_key(|t| !t.trusts_sagemaker);
    let hidden = targets.len().saturating_sub(100);
    for t in targets.into_iter().take(100) {
        h.raw("<tr><td><code>");
        h.text(&t.role);
        h.raw("</code></td><td><span class=\"pill k");
        h.raw(class_css(t.class));
        h.raw("\">");
        h.raw(t.class.as_str());
        h.raw("</span></td><td>");
        h.raw(if t.trusts_sagemaker { "yes" } else { "no" });
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
    if hidden > 0 {
        h.raw("<p class=\"hint\">");
        h.num(hidden);
        h.raw(" more roles; coverage.json lists them all.</p>\n");
    }
}
