//! `report.html`: one self-contained page (inline CSS, a small vanilla script and the data it
//! renders; no network access, fonts or images), for a security engineer reading an audit. It
//! answers "what is risky, and who can do what" in that order.
//!
//! What renders where, top to bottom:
//! - **header** (`header`): what was audited, the findings by severity and the error count (red
//!   when non-zero), and links to the sections;
//! - **fix first** (`findings::fix_first`): "fix these N statements to remove M of the high
//!   findings" and the top causes with their statements;
//! - **findings** (`findings::findings`): one row per cause (severity, rule and its public
//!   write-ups, the principals it affects, the first few named and the rest listed by the
//!   principals table on demand, target role, actions linked to their AWS documentation, what
//!   holds, statements), and per row the policy text with the responsible statements
//!   highlighted, opened on demand (each document is in the page data once,
//!   `policies`);
//! - **principals** (rendered by the script from the page data, `data`): one row per principal
//!   (name, account, group, findings by severity, actions by level with Write first), sortable
//!   by any column and by risk by default, filterable; opening one shows its details (ARN, path,
//!   policies, findings, reachable actions with conditions, pass-role targets, errors);
//! - **access matrix** (script): one row per evaluation group (principals with identical access
//!   share one), riskiest first, one column per action grouped by level, Write first and List
//!   last; rows are drawn in pages;
//! - **least privilege** (`least_privilege`, with CloudTrail logs only);
//! - **policy warnings**, **errors** and the **run statistics** (collapsed).
//!
//! Size: the page grows with causes (table rows, capped), evaluation groups (one cell string
//! each) and principals (one short record each), never with principals × actions; the script
//! draws only what is looked at.
//!
//! INVARIANT (escaping): every string from the result in markup goes through `Html::text`
//! (escapes `& < > " '`, in text and attributes alike); in the data element every `<`, `>` and
//! `&` is a JSON `\u00XX` escape (`data::escape_for_script`); the script inserts data only as
//! text nodes and attribute values, never as markup.

use std::collections::HashMap;

use super::Extras;
use super::findings::FindingCounts;
use crate::audit::model::{AuditError, AuditResult, Finding, Severity, Status};

mod assets;
mod data;
mod findings;
mod least_privilege;
mod links;
mod policies;
mod script;

#[allow(clippy::wildcard_imports)]
use assets::*;
#[allow(clippy::wildcard_imports)]
use findings::*;

/// At most this many findings rows; the rest are in findings.json and findings.sarif.
const MAX_FINDING_ROWS: usize = 2000;

/// Renders the whole page, without extras (policy texts read from the files the findings name).
pub fn render(result: &AuditResult) -> String {
    render_with(result, &Extras::default())
}

/// Renders the whole page, with the warnings of `extras`; the policy texts are read from the
/// files the findings name (a file that cannot be read only loses its policy texts).
pub(crate) fn render_with(result: &AuditResult, extras: &Extras) -> String {
    let mut texts = HashMap::new();
    for f in &result.findings {
        for s in policies::statements_of(f) {
            if !texts.contains_key(&s.file)
                && let Ok(t) = std::fs::read_to_string(&s.file)
            {
                texts.insert(s.file.clone(), t);
            }
        }
    }
    render_with_texts(result, extras, &texts)
}

/// Renders the whole page with the policy files' texts given (file as in the result → text).
pub fn render_with_texts(
    result: &AuditResult,
    extras: &Extras,
    texts: &HashMap<String, String>,
) -> String {
    let shown = shown_rows(result);
    let docs = policies::Docs::collect(
        result
            .findings
            .iter()
            .zip(&shown)
            .filter(|(_, s)| **s)
            .flat_map(|(f, _)| policies::statements_of(f)),
        &|file| texts.get(file).map(String::as_str),
    );
    let principal_ids: HashMap<&str, usize> = result
        .accounts
        .iter()
        .flat_map(|a| &a.principals)
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    let data = data::render(result, &shown, &docs);
    let mut h = Html(String::with_capacity(
        data.len() + 65_536 + shown.iter().filter(|s| **s).count() * 2_048,
    ));
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.raw("<title>iamc SageMaker access audit</title>\n<style>");
    h.raw(CSS);
    h.raw("</style>\n</head>\n<body>\n");
    header(&mut h, result);
    fix_first(&mut h, result, &shown);
    findings(&mut h, result, extras, &principal_ids, &docs);
    principals_section(&mut h, result);
    matrix_section(&mut h);
    least_privilege::least_privilege(&mut h, result);
    policy_warnings(&mut h, &result.policy_warnings);
    errors(&mut h, &result.errors);
    run_statistics(&mut h, result);
    // The principal details panel (fixed, filled by the script), outside every section.
    h.raw("<div id=\"pdetail\"></div>\n");
    h.raw("<footer>Generated by iamc ");
    h.text(&result.iamc_version);
    h.raw(". Self-contained: nothing is loaded from the network; links open AWS's and the ");
    h.raw("write-ups' pages.</footer>\n<script type=\"application/json\" id=\"iamc-data\">");
    h.raw(&data);
    h.raw("</script>\n<script>");
    h.raw(script::SCRIPT);
    h.raw("</script>\n</body>\n</html>\n");
    h.0
}

/// An HTML buffer. [`Html::raw`] takes markup; [`Html::text`] takes data and escapes it.
struct Html(String);

impl Html {
    /// Appends markup as is.
    fn raw(&mut self, s: &str) {
        self.0.push_str(s);
    }

    /// Appends data, escaping `& < > " '` (valid in text and in quoted attributes).
    fn text(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '&' => self.0.push_str("&amp;"),
                '<' => self.0.push_str("&lt;"),
                '>' => self.0.push_str("&gt;"),
                '"' => self.0.push_str("&quot;"),
                '\'' => self.0.push_str("&#39;"),
                c => self.0.push(c),
            }
        }
    }

    /// Appends a number.
    fn num(&mut self, n: impl std::fmt::Display) {
        self.0.push_str(&n.to_string());
    }

    /// Appends `<tag>escaped</tag>`.
    fn el(&mut self, tag: &str, s: &str) {
        self.raw("<");
        self.raw(tag);
        self.raw(">");
        self.text(s);
        self.raw("</");
        self.raw(tag.split(' ').next().unwrap_or(tag));
        self.raw(">");
    }
}

/// The header: what was audited, the findings by severity, errors, and the sections.
fn header(h: &mut Html, r: &AuditResult) {
    let s = &r.stats;
    h.raw("<header>\n<h1>SageMaker access audit</h1>\n<p class=\"meta\">");
    h.num(r.accounts.len());
    h.raw(if r.accounts.len() == 1 {
        " account · "
    } else {
        " accounts · "
    });
    h.num(s.principals);
    h.raw(" principals in ");
    h.num(s.groups);
    h.raw(" evaluation groups · ");
    h.num(s.actions);
    h.raw(" actions · iamc ");
    h.text(&r.iamc_version);
    h.raw("</p>\n<div class=\"cards\">\n");
    let counts = FindingCounts::of(&r.findings);
    for (sev, n) in &counts.by_severity {
        h.raw("<a class=\"card cardlink sev ");
        h.raw(if *n > 0 { severity_css(*sev) } else { "zero" });
        h.raw("\" href=\"#findings\"><span>");
        h.raw(sev.as_str());
        h.raw(" findings</span><b>");
        h.num(n);
        h.raw("</b></a>\n");
    }
    let by_principal = data::findings_by_principal(r);
    let principals_at_risk = r
        .accounts
        .iter()
        .flat_map(|a| &a.principals)
        .filter(|p| {
            by_principal.get(p.arn.as_str()).is_some_and(|mine| {
                mine.iter().any(|&(i, sev)| {
                    sev <= Severity::High
                        && r.findings.get(i).is_some_and(|f| f.suppressed.is_none())
                })
            })
        })
        .count();
    h.raw("<a class=\"card cardlink\" href=\"#principals\"><span>principals with high or ");
    h.raw("critical findings</span><b>");
    h.num(principals_at_risk);
    h.raw(" of ");
    h.num(s.principals);
    h.raw("</b></a>\n<a class=\"card cardlink");
    h.raw(if r.errors.is_empty() { "" } else { " bad" });
    h.raw("\" href=\"#errors\"><span>errors</span><b>");
    h.num(r.errors.len());
    h.raw("</b></a>\n");
    if s.principals_with_errors > 0 {
        h.raw("<div class=\"card bad\"><span>principals not evaluated</span><b>");
        h.num(s.principals_with_errors);
        h.raw("</b></div>\n");
    }
    h.raw("</div>\n<nav><a href=\"#fix-first\">fix first</a> · <a href=\"#findings\">findings");
    h.raw("</a> · <a href=\"#principals\">principals</a> · <a href=\"#matrix\">access matrix</a>");
    if r.least_privilege.is_some() {
        h.raw(" · <a href=\"#least-privilege\">least privilege</a>");
    }
    if !r.policy_warnings.is_empty() {
        h.raw(" · <a href=\"#policy-warnings\">policy warnings</a>");
    }
    h.raw(" · <a href=\"#errors\">errors</a> · <a href=\"#stats\">run statistics</a></nav>\n");
    h.raw("<noscript><p class=\"bad\">The principals table and the access matrix are drawn by ");
    h.raw("the page's script; with scripts off, coverage.json and coverage.csv hold the same ");
    h.raw("data.</p></noscript>\n</header>\n");
}

/// The principals table and details panel; filled by the script.
fn principals_section(h: &mut Html, r: &AuditResult) {
    h.raw("<section id=\"principals\">\n<h2>Principals <span class=\"pill\">");
    h.num(r.accounts.iter().map(|a| a.principals.len()).sum::<usize>());
    h.raw("</span></h2>\n<p class=\"hint\">Riskiest first (critical, then high, medium and ");
    h.raw("low findings, then Always-allowed Write actions); click a column to sort, a name for ");
    h.raw("its details. Actions per level: <b>Always</b> <i>+Conditional</i>.</p>\n");
    h.raw("<div class=\"controls\"><input id=\"pfilter\" type=\"search\" placeholder=\"filter ");
    h.raw("principals by name or ARN\"><span id=\"pinfo\" class=\"hint\"></span></div>\n");
    h.raw("<table class=\"grid pt\" id=\"pt\"><thead></thead><tbody></tbody></table>\n");
    h.raw("<p><button type=\"button\" id=\"pmore\" hidden>show more</button></p>\n</section>\n");
}

/// The access matrix; drawn by the script.
fn matrix_section(h: &mut Html) {
    h.raw("<section id=\"matrix\">\n<h2>Access matrix</h2>\n<div class=\"controls\">");
    h.raw("<label><input id=\"hidenever\" type=\"checkbox\"> hide Never-only columns</label>");
    h.raw("<span class=\"legend\"><i class=\"a\"></i>Always <i class=\"c\"></i>Conditional ");
    h.raw("<i class=\"n\"></i>Never <i class=\"x\"></i>not evaluated</span>");
    h.raw("<span class=\"hint\">One row per evaluation group (identical access), riskiest ");
    h.raw("first; Write columns first. Hover a cell for details; click a name for its ");
    h.raw("principal.</span></div>\n<div class=\"hmwrap\"><table id=\"hm\"></table></div>\n");
    h.raw("<p><button type=\"button\" id=\"hmore\" hidden>show more rows</button></p>\n");
    h.raw("</section>\n");
}

/// Everything about the run itself, collapsed at the end: counts, timings, accounts, inputs.
fn run_statistics(h: &mut Html, r: &AuditResult) {
    let s = &r.stats;
    h.raw("<section id=\"stats\">\n<details><summary><h2>Run statistics</h2></summary>\n");
    h.raw("<p class=\"meta\">iamc ");
    h.text(&r.iamc_version);
    h.raw(" · seed ");
    h.num(s.seed);
    h.raw(" · ");
    h.num(s.variants_per_action);
    h.raw(" request variants per action · ");
    h.num(s.threads);
    h.raw(" threads</p>\n<div class=\"cards\">\n");
    let card = |h: &mut Html, label: &str, value: &str| {
        h.raw("<div class=\"card\"><span>");
        h.text(label);
        h.raw("</span><b>");
        h.text(value);
        h.raw("</b></div>\n");
    };
    card(h, "evaluation groups", &s.groups.to_string());
    card(h, "actions", &s.actions.to_string());
    card(h, "requests", &s.requests.to_string());
    card(h, "decisions", &s.decisions.to_string());
    card(h, "engine decisions", &s.engine_decisions.to_string());
    card(h, "principal decisions", &s.principal_decisions.to_string());
    card(
        h,
        "evaluation / wall",
        &format!("{:.3} s / {:.3} s", s.evaluation_seconds, s.wall_seconds),
    );
    card(
        h,
        "coverage / findings",
        &format!("{:.3} s / {:.3} s", s.coverage_seconds, s.findings_seconds),
    );
    card(
        h,
        "decisions per second",
        &format!("{:.0}", s.decisions_per_second),
    );
    card(
        h,
        "exact / approximate cells",
        &format!("{} / {}", s.exact_cells, s.approximate_cells),
    );
    h.raw("</div>\n<div class=\"two\">\n<table class=\"grid\"><caption>Accounts</caption>");
    h.raw("<tr><th>account</th><th>file</th><th>principals</th><th>with errors</th></tr>\n");
    for a in &r.accounts {
        let bad = a
            .principals
            .iter()
            .filter(|p| p.status == Status::Error)
            .count();
        h.raw("<tr><td><code>");
        h.text(&a.id);
        h.raw("</code></td><td>");
        h.text(&a.file);
        h.raw("</td><td class=\"r\">");
        h.num(a.principals.len());
        h.raw(if bad > 0 {
            "</td><td class=\"r bad\">"
        } else {
            "</td><td class=\"r\">"
        });
        h.num(bad);
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n<table class=\"grid\"><caption>Inputs</caption>");
    h.raw("<tr><th>file</th><th>kind</th><th>bytes</th></tr>\n");
    for i in &r.inputs {
        h.raw("<tr><td>");
        h.text(&i.path);
        h.raw("</td><td>");
        h.text(&i.kind);
        h.raw("</td><td class=\"r\">");
        h.num(i.bytes);
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n</div>\n</details>\n</section>\n");
}

/// At most this many policy-warning rows; the rest are in summary.json.
const MAX_POLICY_WARNING_ROWS: usize = 500;

/// Lint warnings on the policies in force, once per document, with who has the policy.
fn policy_warnings(h: &mut Html, warnings: &[crate::audit::model::PolicyWarning]) {
    if warnings.is_empty() {
        return;
    }
    h.raw("<section id=\"policy-warnings\">\n<h2>Policy warnings <span class=\"pill\">");
    h.num(warnings.len());
    h.raw(
        "</span></h2>\n<p>What <code>iamc lint</code> finds in the policies in force: valid IAM ",
    );
    h.raw("that probably does not do what was meant. Warnings never change a decision.</p>\n");
    h.raw("<table class=\"grid errt\"><tr><th>rule</th><th>policy</th><th>pointer</th>");
    h.raw("<th>message</th><th>principals</th></tr>\n");
    for w in warnings.iter().take(MAX_POLICY_WARNING_ROWS) {
        h.raw("<tr><td><code>");
        h.text(&w.rule);
        h.raw("</code></td><td>");
        h.text(&w.policy);
        h.raw("</td><td><code>");
        h.text(&w.pointer);
        h.raw("</code></td><td>");
        h.text(&w.message);
        h.raw("</td><td>");
        h.num(w.principals.len());
        if let Some(first) = w.principals.first() {
            h.raw(": ");
            h.text(first);
            if w.principals.len() > 1 {
                h.raw(", …");
            }
        }
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n");
    if warnings.len() > MAX_POLICY_WARNING_ROWS {
        h.raw("<p>The first ");
        h.num(MAX_POLICY_WARNING_ROWS);
        h.raw(" are shown; every one is in summary.json.</p>\n");
    }
    h.raw("</section>\n");
}

/// Every error of the run.
fn errors(h: &mut Html, errors: &[AuditError]) {
    h.raw("<section id=\"errors\">\n<h2>Errors <span class=\"pill");
    h.raw(if errors.is_empty() { "" } else { " bad" });
    h.raw("\">");
    h.num(errors.len());
    h.raw("</span></h2>\n");
    if errors.is_empty() {
        h.raw("<p class=\"none\">No errors.</p>\n</section>\n");
        return;
    }
    h.raw("<table class=\"grid errt\"><tr><th>file</th><th>pointer</th><th>principal</th>");
    h.raw("<th>message</th></tr>\n");
    for e in errors {
        h.raw("<tr><td>");
        h.text(&e.file);
        h.raw("</td><td><code>");
        h.text(if e.pointer.is_empty() {
            "/"
        } else {
            &e.pointer
        });
        h.raw("</code></td><td>");
        h.text(e.principal.as_deref().unwrap_or(""));
        h.raw("</td><td>");
        h.text(&e.message);
        h.raw("</td></tr>\n");
    }
    h.raw("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::Html;

    #[test]
    fn escapes_all_five() {
        let mut h = Html(String::new());
        h.text("<a href='x'>\"&\"</a>");
        assert_eq!(h.0, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    }
}
