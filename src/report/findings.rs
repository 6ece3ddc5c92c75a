//! `findings.json`: the findings alone, with counts, for scripts and CI gates.
//!
//! ```json
//! {"format_version": 2, "iamc_version": "0.1.0",
//!  "findings": [ ...unsuppressed findings (causes)... ],
//!  "counts": {"total": 12, "unsuppressed": 10, "suppressed": 2,
//!             "by_severity": {"critical": 1, "high": 6, "medium": 3, "low": 0},
//!             "by_kind": {"escalation": 10}, "by_rule": {"sagemaker-notebook-passrole": 4}},
//!  "suppressed": [ ...suppressed findings, each with its `suppressed` reason... ],
//!  "suppressions": {"file": "...", "entries": [{"pointer": "/suppressions/0", ..., "matched": 2}]},
//!  "warnings": ["suppression /suppressions/1 matched nothing (`file`)"]}
//! ```
//!
//! A cause lists every principal it affects (`principals`); where a principal's own finding says
//! something else (severity, message or witness), `detail_groups` says it once per distinct
//! detail, with the principals that have it (`{"principals": [...], "severity", "message",
//! "witness"}`); a principal in no group has the cause's own severity, message and witness.
//!
//! INVARIANT (counts are of what remains): `by_severity`, `by_kind` and `by_rule` count
//! unsuppressed findings only (what `--fail-on` gates on); `by_severity` always has all four
//! severities. Suppressed findings are listed and counted, never dropped.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::Extras;
use crate::audit::findings::causes::FixFirst;
use crate::audit::model::{AuditResult, Finding, FindingKind, Severity, Witness};
use crate::audit::suppress::SuppressionOutcome;

/// Finding counts, in `findings.json` and `summary.json`. A finding is a cause; the
/// `principal_findings` count each cause once per principal it affects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct FindingCounts {
    /// Every finding (cause), suppressed or not.
    pub(crate) total: usize,
    /// Unsuppressed findings counted once per principal they affect.
    pub(crate) principal_findings: usize,
    /// The statements to fix first.
    pub(crate) fix_first: FixFirst,
    /// Findings not suppressed.
    pub(crate) unsuppressed: usize,
    /// Findings suppressed.
    pub(crate) suppressed: usize,
    /// Unsuppressed findings by severity (all four present).
    pub(crate) by_severity: BTreeMap<Severity, usize>,
    /// Unsuppressed findings by kind.
    pub(crate) by_kind: BTreeMap<FindingKind, usize>,
    /// Unsuppressed findings by rule id.
    pub(crate) by_rule: BTreeMap<String, usize>,
}

impl FindingCounts {
    /// Counts `findings`.
    pub(crate) fn of(findings: &[Finding]) -> FindingCounts {
        let mut c = FindingCounts {
            by_severity: [
                Severity::Critical,
                Severity::High,
                Severity::Medium,
                Severity::Low,
            ]
            .into_iter()
            .map(|s| (s, 0))
            .collect(),
            fix_first: FixFirst::of(findings),
            ..FindingCounts::default()
        };
        for f in findings {
            c.total += 1;
            if f.suppressed.is_some() {
                c.suppressed += 1;
                continue;
            }
            c.unsuppressed += 1;
            c.principal_findings += f.principal_count.max(1);
            *c.by_severity.entry(f.severity).or_default() += 1;
            *c.by_kind.entry(f.kind).or_default() += 1;
            *c.by_rule.entry(f.rule.clone()).or_default() += 1;
        }
        c
    }

    /// Unsuppressed findings at `threshold` or more severe.
    pub(crate) fn at_or_above(&self, threshold: Severity) -> usize {
        self.by_severity
            .iter()
            .filter(|(s, _)| **s <= threshold)
            .map(|(_, n)| n)
            .sum()
    }

    /// One line: `fix these 2 statements to remove 5 of the 6 high findings; 3 findings: 1
    /// critical, 2 high, 0 medium, 0 low (1 suppressed; 7 by principal)`.
    pub(crate) fn line(&self) -> String {
        let parts: Vec<String> = self
            .by_severity
            .iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect();
        format!(
            "{}; {} finding{}: {} ({} suppressed; {} by principal)",
            self.fix_first.line(),
            self.unsuppressed,
            if self.unsuppressed == 1 { "" } else { "s" },
            parts.join(", "),
            self.suppressed,
            self.principal_findings
        )
    }
}

/// The shape of `findings.json`.
#[derive(Debug, Serialize)]
pub(crate) struct FindingsDoc<'a> {
    /// The version of the shape ([`super::FORMAT_VERSION`]).
    pub(crate) format_version: u32,
    /// iamc's version.
    pub(crate) iamc_version: &'a str,
    /// Unsuppressed findings, in result order (see [`finding_value`]), each compact on its own
    /// line.
    pub(crate) findings: Vec<Box<RawValue>>,
    /// Counts.
    pub(crate) counts: FindingCounts,
    /// Suppressed findings, in result order, each with its reason, each compact on its own line.
    pub(crate) suppressed: Vec<Box<RawValue>>,
    /// The suppressions file applied and what each entry matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) suppressions: Option<&'a SuppressionOutcome>,
    /// Warnings (unused suppressions).
    pub(crate) warnings: Vec<String>,
}

impl<'a> FindingsDoc<'a> {
    /// The document for `result`.
    pub(crate) fn of(
        result: &'a AuditResult,
        extras: &'a Extras,
    ) -> Result<FindingsDoc<'a>, serde_json::Error> {
        let (suppressed, findings): (Vec<&Finding>, Vec<&Finding>) =
            result.findings.iter().partition(|f| f.suppressed.is_some());
        let values = |list: Vec<&Finding>| -> Result<Vec<Box<RawValue>>, serde_json::Error> {
            list.into_iter()
                .map(|f| RawValue::from_string(serde_json::to_string(&finding_value(f)?)?))
                .collect()
        };
        Ok(FindingsDoc {
            format_version: super::FORMAT_VERSION,
            iamc_version: &result.iamc_version,
            findings: values(findings)?,
            counts: FindingCounts::of(&result.findings),
            suppressed: values(suppressed)?,
            suppressions: extras.suppressions.as_ref(),
            warnings: extras.warnings(),
        })
    }
}

/// Principals of a cause whose own finding says the same thing (severity, message, witness),
/// other than what the cause says.
#[derive(Debug, Serialize)]
pub(crate) struct DetailGroup<'a> {
    /// Their ARNs, in the cause's detail order.
    pub(crate) principals: Vec<&'a str>,
    /// Their severity.
    pub(crate) severity: Severity,
    /// Their message.
    pub(crate) message: &'a str,
    /// Their witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) witness: Option<&'a Witness>,
}

/// The principal details of `f` grouped by what they say, in order of first appearance.
pub(crate) fn detail_groups(f: &Finding) -> Vec<DetailGroup<'_>> {
    let mut groups: Vec<DetailGroup<'_>> = Vec::new();
    for d in &f.principal_details {
        let same = |g: &DetailGroup<'_>| {
            g.severity == d.severity && g.message == d.message && g.witness == d.witness.as_deref()
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(g) => g.principals.push(&d.principal),
            None => groups.push(DetailGroup {
                principals: vec![&d.principal],
                severity: d.severity,
                message: &d.message,
                witness: d.witness.as_deref(),
            }),
        }
    }
    groups
}

/// One finding as `findings.json` shows it: every field of [`Finding`] in order, except that
/// `principal_details` (one entry per principal) becomes `detail_groups` ([`detail_groups`]: each
/// distinct detail once, with the principals that have it).
pub(crate) fn finding_value(f: &Finding) -> Result<Value, serde_json::Error> {
    let value = serde_json::to_value(f)?;
    let Value::Object(fields) = value else {
        return Ok(value);
    };
    let mut out = serde_json::Map::with_capacity(fields.len());
    for (key, v) in fields {
        if key == "principal_details" {
            out.insert(
                "detail_groups".to_owned(),
                serde_json::to_value(detail_groups(f))?,
            );
        } else {
            out.insert(key, v);
        }
    }
    Ok(Value::Object(out))
}

/// `findings.json`, pretty-printed but each finding compact on one line (a finding per line
/// stays readable and keeps the 10,000-role account's file near 9 MB), with a final newline.
pub fn render(result: &AuditResult, extras: &Extras) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(&FindingsDoc::of(result, extras)?)?;
    s.push('\n');
    Ok(s)
}
