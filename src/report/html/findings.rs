//! The risks at the top of the page: the statements to fix first, and one table row per finding
//! (a cause, with the principals it affects collapsed to the first few), with links to each
//! action's AWS documentation and the path's public write-ups, and the policy text of its
//! statements, highlighted, opened on demand from the page data ([`super::policies`]).

use super::policies::{Docs, statements_of};
#[allow(clippy::wildcard_imports)]
use super::*;
use crate::audit::model::StatementRef;

/// The CSS class of a severity pill.
pub(super) fn severity_css(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "sv0",
        Severity::High => "sv1",
        Severity::Medium => "sv2",
        Severity::Low => "sv3",
    }
}

pub(super) fn severity_pill(h: &mut Html, s: Severity) {
    h.raw("<span class=\"pill ");
    h.raw(severity_css(s));
    h.raw("\">");
    h.raw(s.as_str());
    h.raw("</span>");
}

/// Finding rows per table (the unit the browser lays out when scrolled near).
const CHUNK_ROWS: usize = 100;

/// Actions listed in a finding's row before the rest fold away.
const ROW_ACTIONS: usize = 8;

/// Principals named in a finding's row; the rest are counted, and listed by the principals
/// table on demand.
const ROW_PRINCIPALS: usize = 3;

/// An action, linked to its AWS documentation when there is a page for it.
pub(super) fn action_link(h: &mut Html, action: &str) {
    match links::action_doc(action) {
        Some(url) => {
            h.raw("<a class=\"doc\" href=\"");
            h.text(&url);
            h.raw("\" title=\"AWS documentation of ");
            h.text(action);
            h.raw("\"><code>");
            h.text(action);
            h.raw("</code></a>");
        }
        None => h.el("code", action),
    }
}

/// A rule's write-up links, as a small line.
fn write_up_links(h: &mut Html, rule: &str) {
    let ups = links::write_ups(rule);
    if ups.is_empty() {
        return;
    }
    h.raw("<br><small class=\"ups\">");
    for (k, (label, url)) in ups.iter().enumerate() {
        if k > 0 {
            h.raw(" · ");
        }
        h.raw("<a href=\"");
        h.text(url);
        h.raw("\">");
        h.text(label);
        h.raw("</a>");
    }
    h.raw("</small>");
}

/// The findings in display order: unsuppressed first, most severe, most principals.
pub(super) fn display_order(r: &AuditResult) -> Vec<(usize, &Finding)> {
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
    order
}

/// The statements to fix first (the page starts with them): the line, and the top causes with
/// their statements and principal counts, linking to their rows.
pub(super) fn fix_first(h: &mut Html, r: &AuditResult, shown: &[bool]) {
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
    h.raw("<ol class=\"fix\">");
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
        h.raw(" <b>");
        h.num(f.principal_count.max(1));
        h.raw(if f.principal_count > 1 {
            " principals</b> · "
        } else {
            " principal</b> · "
        });
        if shown.get(i).copied().unwrap_or(false) {
            h.raw("<a href=\"#f");
            h.num(i);
            h.raw("\"><code>");
            h.text(&f.rule);
            h.raw("</code></a>");
        } else {
            h.el("code", &f.rule);
        }
        h.raw(" — ");
        h.text(&f.title);
        responsible_statements(h, f, "fix: ");
        h.raw("</li>");
    }
    h.raw("</ol>\n</section>\n");
}

/// The statements to fix for `f` (policy and statement, comma-separated) after `lead`, on a line
/// of their own; nothing when no statement is responsible.
fn responsible_statements(h: &mut Html, f: &Finding, lead: &str) {
    let responsible = crate::audit::findings::causes::responsible(f);
    if responsible.is_empty() {
        return;
    }
    h.raw("<br><small>");
    h.raw(lead);
    for (k, st) in responsible.iter().enumerate() {
        if k > 0 {
            h.raw(", ");
        }
        statement_name(h, st);
    }
    h.raw("</small>");
}

/// A statement as `<code>policy statement</code>`.
fn statement_name(h: &mut Html, st: &StatementRef) {
    h.raw("<code>");
    h.text(&st.policy);
    h.raw(" ");
    h.text(&st.statement);
    h.raw("</code>");
}

/// Which findings get a table row (at most [`MAX_FINDING_ROWS`], in display order), by index.
pub(super) fn shown_rows(r: &AuditResult) -> Vec<bool> {
    let mut shown = vec![false; r.findings.len()];
    for (i, _) in display_order(r).into_iter().take(MAX_FINDING_ROWS) {
        if let Some(s) = shown.get_mut(i) {
            *s = true;
        }
    }
    shown
}

/// Every finding: counts, warnings and one row each (the first [`MAX_FINDING_ROWS`]).
pub(super) fn findings(
    h: &mut Html,
    r: &AuditResult,
    extras: &Extras,
    principal_ids: &HashMap<&str, usize>,
    docs: &Docs,
) {
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
    h.raw("<p class=\"hint\">One row per cause (rule, responsible statements, target), most ");
    h.raw("severe first, suppressed last. Actions link to the AWS Service Authorization ");
    h.raw("Reference; escalation paths to their public write-ups. <b>policy text</b> shows the ");
    h.raw("policies with the responsible statements highlighted.</p>\n");
    h.raw("<input id=\"ffilter\" type=\"search\" placeholder=\"filter findings: rule, principal, ");
    h.raw("role, severity\">\n");
    // Rows come in tables of CHUNK_ROWS (same fixed column widths), each skipped by the
    // browser's layout until scrolled near (`content-visibility: auto`).
    const COLGROUP: &str = "<colgroup><col class=\"w1\"><col class=\"w3\"><col class=\"w2\">\
        <col class=\"w2\"><col class=\"w3\"><col></colgroup>";
    h.raw("<div class=\"fchunk\"><table class=\"grid fnd\">");
    h.raw(COLGROUP);
    h.raw("\n<thead><tr><th>severity</th><th>rule</th><th>principals</th><th>target role</th>");
    h.raw("<th>actions</th><th>finding</th></tr>");
    h.raw("</thead>\n<tbody>\n");
    let order = display_order(r);
    let shown = order.len().min(MAX_FINDING_ROWS);
    let hidden = order.len() - shown;
    for (k, (i, f)) in order.into_iter().take(shown).enumerate() {
        if k > 0 && k % CHUNK_ROWS == 0 {
            h.raw("</tbody></table></div>\n<div class=\"fchunk\"><table class=\"grid fnd\">");
            h.raw(COLGROUP);
            h.raw("<tbody>\n");
        }
        finding_row(h, i, f, principal_ids, docs);
    }
    h.raw("</tbody></table></div>\n");
    if hidden > 0 {
        h.raw("<p class=\"hint\">");
        h.num(hidden);
        h.raw(" less severe findings are not shown here; findings.json and findings.sarif list them all.</p>\n");
    }
    h.raw("</section>\n");
}

/// One finding's row.
fn finding_row(
    h: &mut Html,
    i: usize,
    f: &Finding,
    principal_ids: &HashMap<&str, usize>,
    docs: &Docs,
) {
    h.raw("<tr id=\"f");
    h.num(i);
    h.raw("\"");
    if f.suppressed.is_some() {
        h.raw(" class=\"sup\"");
    }
    let listed: Vec<&str> = if f.principals.is_empty() {
        vec![f.principal.as_str()]
    } else {
        f.principals
            .iter()
            .take(ROW_PRINCIPALS)
            .map(String::as_str)
            .collect()
    };
    h.raw(" data-q=\"");
    let mut q: Vec<&str> = listed.clone();
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
    h.raw("</small>");
    write_up_links(h, &f.rule);
    h.raw("</td><td>");
    let count = f.principal_count.max(1);
    h.raw("<b>");
    h.num(count);
    h.raw(if count > 1 {
        " principals</b>"
    } else {
        " principal</b>"
    });
    for p in &listed {
        h.raw("<br>");
        let name = p.rsplit('/').next().unwrap_or(p);
        match principal_ids.get(p) {
            Some(id) => {
                h.raw("<a href=\"#p");
                h.num(id);
                h.raw("\" title=\"");
                h.text(p);
                h.raw("\">");
                h.text(name);
                h.raw("</a>");
            }
            None => {
                h.raw("<span title=\"");
                h.text(p);
                h.raw("\">");
                h.text(name);
                h.raw("</span>");
            }
        }
    }
    if count > listed.len() {
        h.raw("<br><button type=\"button\" class=\"more\" data-pf=\"");
        h.num(i);
        h.raw("\">and ");
        h.num(count - listed.len());
        h.raw(" more</button>");
    }
    h.raw("</td><td>");
    if let Some(t) = &f.target_role {
        h.raw("<code title=\"");
        h.text(t);
        h.raw("\">");
        h.text(t.rsplit('/').next().unwrap_or(t));
        h.raw("</code>");
    }
    if !f.other_targets.is_empty() {
        h.raw("<br><small>+");
        h.num(f.other_targets.len());
        h.raw(" other roles</small>");
    }
    h.raw("</td><td class=\"acts\">");
    for (k, a) in f.actions.iter().enumerate() {
        if k == ROW_ACTIONS {
            h.raw(" <details class=\"more\"><summary>+");
            h.num(f.actions.len() - ROW_ACTIONS);
            h.raw(" more</summary>");
        } else if k > 0 {
            h.raw(" ");
        }
        action_link(h, a);
    }
    if f.actions.len() > ROW_ACTIONS {
        h.raw("</details>");
    }
    h.raw("</td><td><b>");
    h.text(&f.title);
    h.raw("</b>");
    if let Some(reason) = &f.suppressed {
        h.raw("<div class=\"why\">suppressed: ");
        h.text(reason);
        h.raw("</div>");
    }
    responsible_statements(h, f, "in ");
    h.raw(" <details class=\"more\"><summary>why</summary>");
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
    h.raw("<ul class=\"sts\">");
    for st in &f.statements {
        h.raw("<li>");
        statement_name(h, st);
        h.raw(" <small>");
        h.text(&st.effect);
        h.raw(" · ");
        h.text(&st.file);
        h.raw("#");
        h.text(&st.pointer);
        h.raw("</small></li>");
    }
    h.raw("</ul></details>");
    let mut at: Vec<(usize, usize, usize)> = statements_of(f).filter_map(|s| docs.of(s)).collect();
    at.sort_unstable();
    at.dedup();
    if !at.is_empty() {
        h.raw("<details class=\"pol\" data-st=\"");
        for (k, (d, s, e)) in at.iter().enumerate() {
            if k > 0 {
                h.raw(";");
            }
            h.num(d);
            h.raw(",");
            h.num(s);
            h.raw(",");
            h.num(e);
        }
        h.raw("\"><summary>policy text</summary></details>");
    } else if !f.statements.is_empty() {
        h.raw(" <small class=\"none\">policy text not available</small>");
    }
    h.raw("</td></tr>\n");
}

/// A chain finding's hops, in order: kind, from → to, actions, and each hop's conditions.
fn chain(h: &mut Html, f: &Finding) {
    h.raw("<ol class=\"chain\">");
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
