//! The findings section: the statements to fix first, counts, warnings, one row per finding (a
//! cause, with the principals it affects), and each principal's findings badge and list.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Findings in result order, with each principal's drill-down id.
pub(super) struct FindingIndex<'a> {
    /// Principal ARN → its drill-down id (`p{n}`).
    principal_id: HashMap<&'a str, usize>,
    /// Principal ARN → (finding number, finding), in result order.
    by_principal: HashMap<&'a str, Vec<(usize, &'a Finding)>>,
}

impl<'a> FindingIndex<'a> {
    pub(super) fn of(r: &'a AuditResult) -> FindingIndex<'a> {
        let principal_id = r
            .accounts
            .iter()
            .flat_map(|a| &a.principals)
            .enumerate()
            .map(|(i, p)| (p.arn.as_str(), i))
            .collect();
        let mut by_principal: HashMap<&str, Vec<(usize, &Finding)>> = HashMap::new();
        for (i, f) in r.findings.iter().enumerate() {
            if f.principals.is_empty() {
                by_principal
                    .entry(f.principal.as_str())
                    .or_default()
                    .push((i, f));
            }
            for p in &f.principals {
                by_principal.entry(p.as_str()).or_default().push((i, f));
            }
        }
        FindingIndex {
            principal_id,
            by_principal,
        }
    }

    pub(super) fn of_principal(&self, arn: &str) -> &[(usize, &'a Finding)] {
        self.by_principal.get(arn).map_or(&[], Vec::as_slice)
    }
}

/// The CSS class of a severity pill.
pub(super) fn severity_css(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sv0",
        Severity::High => "sv1",
        Severity::Medium => "sv2",
        Severity::Low => "sv3",
    }
}

/// A principal's findings badge: the unsuppressed count, coloured by the worst severity, and
/// the suppressed count.
pub(super) fn finding_badge(h: &mut Html, mine: &[(usize, &Finding)]) {
    let open: Vec<&Finding> = mine
        .iter()
        .map(|(_, f)| *f)
        .filter(|f| f.suppressed.is_none())
        .collect();
    let suppressed = mine.len() - open.len();
    if let Some(worst) = open.iter().map(|f| f.severity).min() {
        h.raw(" <span class=\"pill ");
        h.raw(severity_css(worst));
        h.raw("\" title=\"worst: ");
        h.raw(worst.as_str());
        h.raw("\">");
        h.num(open.len());
        h.raw(if open.len() == 1 {
            " finding</span>"
        } else {
            " findings</span>"
        });
    }
    if suppressed > 0 {
        h.raw(" <span class=\"pill sup\">");
        h.num(suppressed);
        h.raw(" suppressed</span>");
    }
}

/// A principal's findings inside its drill-down, linking to their rows.
pub(super) fn principal_findings(h: &mut Html, mine: &[(usize, &Finding)]) {
    if mine.is_empty() {
        h.raw("<p class=\"none\">No findings.</p>\n");
        return;
    }
    h.raw("<table class=\"grid\"><caption>findings</caption><tr><th>severity</th><th>rule</th>");
    h.raw("<th>target role</th><th>title</th></tr>\n");
    for (i, f) in mine {
        h.raw(if f.suppressed.is_some() {
            "<tr class=\"sup\"><td>"
        } else {
            "<tr><td>"
        });
        severity_pill(h, f.severity);
        h.raw("</td><td><a href=\"#f");
        h.num(i);
        h.raw("\"><code>");
        h.text(&f.rule);
        h.raw("</code></a></td><td>");
        if let Some(t) = &f.target_role {
            h.el("code", t);
        }
        h.raw("</td><td>");
        h.text(&f.title);
        if let Some(reason) = &f.suppressed {
            h.raw(" <small>(suppressed: ");
            h.text(reason);
            h.raw(")</small>");
        }
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
}

pub(super) fn severity_pill(h: &mut Html, s: Severity) {
    h.raw("<span class=\"pill ");
    h.raw(severity_css(s));
    h.raw("\">");
    h.raw(s.as_str());
    h.raw("</span>");
}

/// Principals named in a finding's row; the count says how many there are.
const ROW_PRINCIPALS: usize = 5;

/// The statements to fix first (the page starts with them): the line, and the top causes with
/// their statements and principal counts, linking to their rows.
pub(super) fn fix_first(h: &mut Html, r: &AuditResult) {
    let fix = crate::audit::findings::causes::FixFirst::of(&r.findings);
    h.raw("<section id=\"fix-first\">\n<h2>");
    let line = fix.line();
    let mut chars = line.chars();
    if let Some(c) = chars.next() {
        h.text(&c.to_uppercase().collect::<String>());
        h.text(chars.as_str());
    }
    h.raw("</h2>\n");
    if fix.causes.is_empty() {
        h.raw("<p class=\"none\">No high or critical findings.</p>\n</section>\n");
        return;
    }
    h.raw("<ol>");
    for fp in &fix.causes {
        let Some((i, f)) = r
            .findings
            .iter()
            .enumerate()
            .find(|(_, f)| &f.fingerprint == fp)
        else {
            continue;
        };
        h.raw("<li>");
        severity_pill(h, f.severity);
        h.raw(" <a href=\"#f");
        h.num(i);
        h.raw("\"><code>");
        h.text(&f.rule);
        h.raw("</code></a> affects ");
        h.num(f.principal_count.max(1));
        h.raw(" principal(s): ");
        for (k, st) in crate::audit::findings::causes::responsible(f)
            .into_iter()
            .enumerate()
        {
            if k > 0 {
                h.raw(", ");
            }
            h.raw("<code>");
            h.text(&st.policy);
            h.raw(" ");
            h.text(&st.statement);
            h.raw("</code>");
        }
        h.raw("</li>");
    }
    h.raw("</ol>\n</section>\n");
}

/// Every finding: counts, warnings and one row each.
pub(super) fn findings(h: &mut Html, r: &AuditResult, extras: &Extras, index: &FindingIndex<'_>) {
    let counts = FindingCounts::of(&r.findings);
    h.raw("<section id=\"findings\">\n<h2>Findings <span class=\"counts\">");
    for (s, n) in &counts.by_severity {
        h.raw("<span class=\"pill ");
        h.raw(if *n > 0 { severity_css(*s) } else { "zero" });
        h.raw("\">");
        h.num(n);
        h.raw(" ");
        h.raw(s.as_str());
        h.raw("</span> ");
    }
    h.raw("<span class=\"pill sup\">");
    h.num(counts.suppressed);
    h.raw(" suppressed</span></span></h2>\n");
    let warnings = extras.warnings();
    if !warnings.is_empty() {
        h.raw("<ul class=\"warns\">");
        for w in &warnings {
            h.raw("<li>warning: ");
            h.text(w);
            h.raw("</li>");
        }
        h.raw("</ul>\n");
    }
    if r.findings.is_empty() {
        h.raw("<p class=\"none\">No findings.</p>\n</section>\n");
        return;
    }
    h.raw("<p class=\"hint\">Most severe first, suppressed last. The filter box above the heat ");
    h.raw("map filters these rows too (principal, rule, target role, severity).</p>\n");
    h.raw("<table class=\"grid fnd\"><colgroup><col class=\"w1\"><col class=\"w2\">");
    h.raw("<col class=\"w2\"><col class=\"w2\"><col class=\"w2\"><col><col class=\"w3\">");
    h.raw("</colgroup>\n<tr><th>severity</th><th>rule</th><th>principal</th><th>target role</th>");
    h.raw("<th>actions</th><th>message</th><th>statements</th></tr>\n");
    let mut order: Vec<(usize, &Finding)> = r.findings.iter().enumerate().collect();
    order.sort_by(|(_, a), (_, b)| {
        (
            a.suppressed.is_some(),
            a.severity,
            std::cmp::Reverse(a.principal_count),
            &a.rule,
            &a.principal,
        )
            .cmp(&(
                b.suppressed.is_some(),
                b.severity,
                std::cmp::Reverse(b.principal_count),
                &b.rule,
                &b.principal,
            ))
    });
    let shown = order.len().min(MAX_FINDING_ROWS);
    let hidden = order.len() - shown;
    for (i, f) in order.into_iter().take(shown) {
        h.raw("<tr id=\"f");
        h.num(i);
        h.raw("\"");
        if f.suppressed.is_some() {
            h.raw(" class=\"sup\"");
        }
        h.raw(" data-q=\"");
        let listed: Vec<&str> = if f.principals.is_empty() {
            vec![f.principal.as_str()]
        } else {
            f.principals
                .iter()
                .take(ROW_PRINCIPALS)
                .map(String::as_str)
                .collect()
        };
        let mut q: Vec<&str> = Vec::new();
        for p in &listed {
            q.push(p.rsplit('/').next().unwrap_or(p));
            q.push(p);
        }
        q.extend([
            f.rule.as_str(),
            f.target_role.as_deref().unwrap_or(""),
            f.severity.as_str(),
        ]);
        h.text(&q.join(" ").to_lowercase());
        h.raw("\"><td>");
        severity_pill(h, f.severity);
        h.raw("</td><td><code>");
        h.text(&f.rule);
        h.raw("</code><br><small>");
        h.raw(crate::report::sarif::kind_str(f.kind));
        h.raw("</small></td><td>");
        let count = f.principal_count.max(1);
        if count > 1 {
            h.raw("<b>");
            h.num(count);
            h.raw(" principals</b><br>");
        }
        for (k, p) in listed.iter().enumerate() {
            if k > 0 {
                h.raw("<br>");
            }
            let name = p.rsplit('/').next().unwrap_or(p);
            match index.principal_id.get(p) {
                Some(id) => {
                    h.raw("<a href=\"#p");
                    h.num(id);
                    h.raw("\" title=\"");
                    h.text(p);
                    h.raw("\">");
                    h.text(name);
                    h.raw("</a>");
                }
                None => h.text(name),
            }
        }
        if count > listed.len() {
            h.raw("<br><small>and ");
            h.num(count - listed.len());
            h.raw(" more (findings.json lists them all)");
        } else if count == 1 {
            h.raw("<br><small>");
            h.text(&f.principal);
        } else {
            h.raw("<small>");
        }
        h.raw("</small></td><td>");
        if let Some(t) = &f.target_role {
            h.el("code", t);
        }
        h.raw("</td><td>");
        for (k, a) in f.actions.iter().enumerate() {
            if k > 0 {
                h.raw("<br>");
            }
            h.el("code", a);
        }
        h.raw("</td><td><b>");
        h.text(&f.title);
        h.raw("</b><br>");
        h.text(&f.message);
        if f.chain.is_empty() {
            for c in &f.conditions {
                h.raw("<br><small>if ");
                h.text(c);
                h.raw("</small>");
            }
        } else {
            chain(h, f);
        }
        if let Some(reason) = &f.suppressed {
            h.raw("<div class=\"why\">suppressed: ");
            h.text(reason);
            h.raw("</div>");
        }
        h.raw("</td><td>");
        for (k, st) in f.statements.iter().enumerate() {
            if k > 0 {
                h.raw("<br>");
            }
            h.raw("<code title=\"");
            h.text(&st.policy);
            h.raw(" ");
            h.text(&st.statement);
            h.raw(" (");
            h.text(&st.effect);
            h.raw(")\">");
            h.text(&st.file);
            h.raw("#");
            h.text(&st.pointer);
            h.raw("</code>");
        }
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
    if hidden > 0 {
        h.raw("<p class=\"hint\">");
        h.num(hidden);
        h.raw(" less severe findings are not shown here; findings.json and findings.sarif list them all.</p>\n");
    }
    h.raw("</section>\n");
}

/// A chain finding's hops, in order: kind, from → to, actions, and each hop's conditions.
fn chain(h: &mut Html, f: &Finding) {
    h.raw("<ol class=\"chain\" style=\"margin:4px 0 0;padding-left:20px\">");
    for hop in &f.chain {
        h.raw("<li><code>");
        h.text(&hop.kind);
        h.raw("</code> ");
        h.text(&hop.from);
        h.raw(" &rarr; ");
        h.text(&hop.to);
        h.raw(" <small>(");
        h.text(&hop.actions.join(", "));
        h.raw(")</small>");
        for c in &hop.conditions {
            h.raw("<br><small>if ");
            h.text(c);
            h.raw("</small>");
        }
        h.raw("</li>");
    }
    h.raw("</ol>");
}
