//! `findings.sarif`: the findings as one SARIF 2.1.0 run, for code-scanning dashboards (GitHub,
//! Azure DevOps, IDE viewers).
//!
//! - `tool.driver.rules`: one `reportingDescriptor` per rule id that occurs, sorted by id, with
//!   `defaultConfiguration.level` and `properties.security-severity` from the most severe
//!   occurrence (critical/high → `error`, medium → `warning`, low → `note`; 9.5/8.0/5.0/2.0);
//! - `results`: one per finding (a cause), in result order, `ruleIndex` into `rules`; its
//!   `locations` are the statements that grant it, in the input files as given, with `region`
//!   computed from the statement's JSON pointer in the file's text ([`super::pointer`]);
//!   `logicalLocations` names the principals it affects (the first `LOGICAL_PRINCIPALS`;
//!   `properties.principalCount` counts them all and `properties.principals` lists the first
//!   `LISTED_PRINCIPALS`); `partialFingerprints["iamc/v1"]` is the cause's fingerprint;
//! - suppressed findings stay, with `suppressions: [{kind: "external", justification}]`;
//!   unsuppressed ones carry `suppressions: []` (SARIF: "not suppressed", as opposed to unknown);
//! - `invocations[0]` carries the audit's errors (`toolExecutionNotifications`) and unused
//!   suppressions (`toolConfigurationNotifications`).
//!
//! Locating a statement falls back, in order: the exact pointer; the percent-encoded policy
//! document (a string) that holds the statement; the principal's entry in its GAAD file; line 1
//! of the statement's file.
//!
//! INVARIANT (valid SARIF): every `ruleIndex` and `artifactLocation.index` points into its array,
//! every region has `startLine`/`startColumn` ≥ 1 (columns in Unicode code points, declared by
//! `columnKind`), and nothing here fails on any input text (only serialization can fail). The
//! `json!` values interpolate only strings, numbers, string lists and [`Witness`]es
//! (string-keyed maps), whose conversion to `Value` cannot fail.
//!
//! [`Witness`]: crate::audit::model::Witness

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::Extras;
use super::pointer::{self, LineIndex, Resolved};
use crate::audit::findings::paths::PATHS;
use crate::audit::model::{AuditResult, Finding, FindingKind, Severity};

/// `$schema` of the log.
pub(crate) const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Principals named in each location's `logicalLocations`.
pub(crate) const LOGICAL_PRINCIPALS: usize = 20;
/// Principals listed in a result's `properties.principals`.
pub(crate) const LISTED_PRINCIPALS: usize = 200;

/// The partial fingerprint's name.
pub(crate) const FINGERPRINT_KEY: &str = "iamc/v1";

/// The input files' text, read once, and where each principal's entry is in its GAAD file.
#[derive(Debug, Default)]
pub struct Sources {
    /// File (as given) → its text, or `None` when it could not be read.
    texts: HashMap<String, Option<String>>,
    /// Principal ARN → (GAAD file, JSON pointer of its entry).
    principals: HashMap<String, (String, String)>,
}

impl Sources {
    /// Reads every file a finding or an error names, and the GAAD files of the accounts. A file
    /// that cannot be read is remembered as such (its locations fall back to line 1).
    pub(crate) fn load(result: &AuditResult) -> Sources {
        Sources::build(result, |file| std::fs::read_to_string(file).ok())
    }

    /// Like `Sources::load`, with the texts given (`file` as in the result → text).
    pub fn from_texts(result: &AuditResult, texts: &HashMap<String, String>) -> Sources {
        Sources::build(result, |file| texts.get(file).cloned())
    }

    fn build(result: &AuditResult, read: impl Fn(&str) -> Option<String>) -> Sources {
        let mut files: Vec<&str> = Vec::new();
        let mut seen = HashSet::new();
        let named = result
            .findings
            .iter()
            .flat_map(|f| f.statements.iter().map(|s| s.file.as_str()))
            .chain(result.errors.iter().map(|e| e.file.as_str()))
            .chain(result.accounts.iter().map(|a| a.file.as_str()));
        for f in named {
            if !f.is_empty() && seen.insert(f) {
                files.push(f);
            }
        }
        let mut sources = Sources::default();
        for f in files {
            sources.texts.insert(f.to_owned(), read(f));
        }
        for a in &result.accounts {
            let Some(Some(text)) = sources.texts.get(&a.file) else {
                continue;
            };
            for list in ["RoleDetailList", "UserDetailList"] {
                for (i, arn) in pointer::list_field(text, &format!("/{list}"), "Arn") {
                    sources
                        .principals
                        .entry(arn)
                        .or_insert_with(|| (a.file.clone(), format!("/{list}/{i}")));
                }
            }
        }
        sources
    }

    fn text(&self, file: &str) -> Option<&str> {
        self.texts.get(file).and_then(|t| t.as_deref())
    }
}

/// A region in a file: 1-based, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    /// Where it starts.
    pub(crate) start: pointer::Position,
    /// Where it ends, when known.
    pub(crate) end: Option<pointer::Position>,
}

impl Region {
    /// The start of a file, where a location that cannot be found is reported.
    pub(crate) const LINE_ONE: Region = Region {
        start: pointer::Position { line: 1, column: 1 },
        end: None,
    };

    /// The region of a resolved pointer.
    pub(crate) fn of(lines: &LineIndex<'_>, r: &Resolved) -> Region {
        Region {
            start: lines.position(r.offset),
            end: r.end.map(|e| lines.position(e)),
        }
    }

    /// SARIF's `region` object.
    pub(crate) fn to_json(self) -> Value {
        let mut r = json!({
            "startLine": self.start.line,
            "startColumn": self.start.column,
        });
        if let (Some(end), Some(obj)) = (self.end, r.as_object_mut()) {
            obj.insert("endLine".to_owned(), json!(end.line));
            obj.insert("endColumn".to_owned(), json!(end.column));
        }
        r
    }
}

/// Every pointer the log needs, resolved with one pass per file.
struct Locator<'s> {
    sources: &'s Sources,
    resolved: HashMap<(String, String), Resolved>,
    lines: HashMap<String, LineIndex<'s>>,
}

impl<'s> Locator<'s> {
    fn new(sources: &'s Sources, wanted: &[(&str, &str)]) -> Locator<'s> {
        let mut by_file: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for &(file, ptr) in wanted {
            by_file.entry(file).or_default().push(ptr);
        }
        let mut resolved = HashMap::new();
        let mut lines = HashMap::new();
        for (file, mut ptrs) in by_file {
            let Some(text) = sources.text(file) else {
                continue;
            };
            ptrs.sort_unstable();
            ptrs.dedup();
            for (p, r) in ptrs.iter().zip(pointer::resolve_many(text, &ptrs)) {
                if let Some(r) = r {
                    resolved.insert((file.to_owned(), (*p).to_owned()), r);
                }
            }
            lines.insert(file.to_owned(), LineIndex::new(text));
        }
        Locator {
            sources,
            resolved,
            lines,
        }
    }

    /// The region of `ptr` in `file` when `accept` takes how it resolved.
    fn region(&self, file: &str, ptr: &str, accept: impl Fn(&Resolved) -> bool) -> Option<Region> {
        let r = self.resolved.get(&(file.to_owned(), ptr.to_owned()))?;
        if !accept(r) {
            return None;
        }
        Some(Region::of(self.lines.get(file)?, r))
    }

    /// Where a statement of `principal`'s finding is: the file and region to report.
    fn statement(&self, file: &str, ptr: &str, principal: &str) -> (String, Region) {
        if let Some(r) = self.region(file, ptr, |r| r.exact() || (r.is_string && r.matched > 0)) {
            return (file.to_owned(), r);
        }
        if let Some((pfile, pptr)) = self.sources.principals.get(principal)
            && let Some(r) = self.region(pfile, pptr, Resolved::exact)
        {
            return (pfile.clone(), r);
        }
        (file.to_owned(), Region::LINE_ONE)
    }
}

/// Collects artifact URIs in order of first use.
#[derive(Default)]
struct Artifacts {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Artifacts {
    /// `artifactLocation` for `file`, registering it.
    fn location(&mut self, file: &str) -> Value {
        let n = self.list.len();
        let i = *self.index.entry(file.to_owned()).or_insert(n);
        if i == n {
            self.list.push(file.to_owned());
        }
        json!({"uri": file_uri(file), "index": i})
    }
}

/// A file path as given → a URI reference: relative paths stay relative (percent-encoded where
/// needed), absolute ones become `file://` URIs.
pub(crate) fn file_uri(path: &str) -> String {
    let path = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_owned()
    };
    let mut out = String::with_capacity(path.len() + 8);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// SARIF `level` of a severity.
pub(crate) fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score of a severity.
pub(crate) fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

/// The kind's name, as in JSON.
pub(crate) fn kind_str(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Escalation => "escalation",
        FindingKind::WillFail => "will-fail",
        FindingKind::OverBroad => "over-broad",
        FindingKind::DeadStatement => "dead-statement",
        FindingKind::UnusedAccess => "unused-access",
    }
}

/// A rule id as SARIF's rule `name`: `sagemaker-notebook-passrole` → `SagemakerNotebookPassrole`,
/// `unknown-action` → `UnknownAction`.
pub(crate) fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// What a rule says about itself: (short, full, help).
fn rule_text(id: &str, kind: FindingKind, title: &str) -> (String, String, String) {
    if let Some(p) = PATHS.iter().find(|p| p.id == id) {
        let actions: Vec<String> = p.actions.iter().map(|a| format!("sagemaker:{a}")).collect();
        let any: Vec<String> = p.any_of.iter().map(|a| format!("sagemaker:{a}")).collect();
        let mut needs = actions.join(", ");
        if !any.is_empty() {
            needs.push_str(&format!(" and one of {}", any.join(", ")));
        }
        if p.pass_role {
            needs.push_str(
                ", and iam:PassRole (to sagemaker.amazonaws.com) on a role that trusts SageMaker",
            );
        }
        let full = format!(
            "SageMaker escalation path: {}. Needs {needs}. Gives {}. Source: {}.",
            p.title, p.effect, p.source
        );
        let help = if p.pass_role {
            format!(
                "The principal can {}, which gives {}. Fix: scope {} to the resources it needs \
                 (resource ARNs, conditions), and restrict iam:PassRole to the execution roles \
                 intended for it (role ARNs, iam:PassedToService); if the path is accepted, \
                 suppress it with a reason.",
                p.title,
                p.effect,
                actions.join(", ")
            )
        } else {
            format!(
                "The principal can {}, which gives {}. Fix: remove or scope {} (resource ARNs, \
                 tag conditions) so it cannot reach resources it should not; if the path is \
                 accepted, suppress it with a reason.",
                p.title,
                p.effect,
                actions.join(", ")
            )
        };
        let mut short = p.title.to_owned();
        if let Some(first) = short.get(..1) {
            short = first.to_uppercase() + short.get(1..).unwrap_or("");
        }
        return (short, full, help);
    }
    if id == crate::audit::graph::RULE_ADMIN || id == crate::audit::graph::RULE_MORE {
        let what = if id == crate::audit::graph::RULE_ADMIN {
            "an administrator-equivalent principal"
        } else {
            "a principal that holds more than it does"
        };
        let short = if id == crate::audit::graph::RULE_ADMIN {
            "Privilege chain to an administrator-equivalent principal"
        } else {
            "Privilege chain to more access"
        };
        let _ = title;
        return (
            short.to_owned(),
            format!(
                "Privilege chain: the principal can become {what} through role assumption, IAM \
                 changes or SageMaker jobs with passed roles; the result's relatedLocations are \
                 every hop's statements, in order. Rule `{id}`."
            ),
            "Break the chain at its first hop, which is the cause this finding groups: remove or \
             scope the identity statement that allows it (sts:AssumeRole, iam:PassRole, the IAM \
             write), or narrow the trust policy that names the principal; later hops are listed \
             so that each can be fixed too. If the chain is intended, suppress the finding with \
             a reason."
                .to_owned(),
        );
    }
    let (what, fix) = match kind {
        FindingKind::Escalation => (
            "A SageMaker privilege-escalation, exfiltration or persistence path.",
            "Scope the actions involved to the resources needed, and restrict iam:PassRole to the intended roles.",
        ),
        FindingKind::WillFail => (
            "A call the principal is allowed to make but that will fail (a permission it also needs is missing, or there is no role it may pass).",
            "Grant the missing permission, or remove the grant that cannot be used.",
        ),
        FindingKind::OverBroad => (
            "A statement that grants more than it needs to.",
            "Narrow the statement's actions and resources, or add conditions.",
        ),
        FindingKind::DeadStatement => (
            "A statement that never changes a decision (shadowed, redundant or unsatisfiable).",
            "Remove the statement, or fix what keeps it from applying.",
        ),
        FindingKind::UnusedAccess => (
            "Access granted but not used in the CloudTrail period.",
            "Remove the unused actions from the principal's policies.",
        ),
    };
    (
        title.to_owned(),
        format!("{what} Rule `{id}`: {title}."),
        format!("{what} Fix: {fix} If the finding is accepted, suppress it with a reason."),
    )
}

/// One `reportingDescriptor`.
fn descriptor(id: &str, kind: FindingKind, severity: Severity, title: &str) -> Value {
    let (short, full, help) = rule_text(id, kind, title);
    json!({
        "id": id,
        "name": pascal(id),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": help},
        "defaultConfiguration": {"level": level(severity)},
        "properties": {
            "tags": ["security", "iam", "sagemaker", kind_str(kind)],
            "security-severity": security_severity(severity),
            "precision": "high",
        },
    })
}

/// One `result`.
fn result_of(
    f: &Finding,
    rule_index: usize,
    loc: &Locator<'_>,
    artifacts: &mut Artifacts,
    account_file: Option<&str>,
) -> Value {
    let principals: Vec<&str> = if f.principals.is_empty() {
        vec![f.principal.as_str()]
    } else {
        f.principals.iter().map(String::as_str).collect()
    };
    let logical: Vec<Value> = principals
        .iter()
        .take(LOGICAL_PRINCIPALS)
        .map(|p| json!({"fullyQualifiedName": p, "kind": "principal"}))
        .collect();
    let logical = Value::Array(logical);
    let mut locations = Vec::new();
    let mut seen = HashSet::new();
    for s in &f.statements {
        if !seen.insert((&s.file, &s.pointer)) {
            continue;
        }
        let (file, region) = loc.statement(&s.file, &s.pointer, &f.principal);
        locations.push(json!({
            "id": locations.len(),
            "physicalLocation": {
                "artifactLocation": artifacts.location(&file),
                "region": region.to_json(),
            },
            "logicalLocations": logical,
            "message": {"text": format!("{} statement {} of {} at {}", s.effect, s.statement, s.policy, s.pointer)},
        }));
    }
    if locations.is_empty() {
        // No statement to point at: the principal's entry, or line 1 of its GAAD file.
        let (file, region) = match loc.sources.principals.get(&f.principal) {
            Some((pfile, pptr)) => (
                pfile.clone(),
                loc.region(pfile, pptr, Resolved::exact)
                    .unwrap_or(Region::LINE_ONE),
            ),
            None => (account_file.unwrap_or("").to_owned(), Region::LINE_ONE),
        };
        if !file.is_empty() {
            locations.push(json!({
                "id": 0,
                "physicalLocation": {
                    "artifactLocation": artifacts.location(&file),
                    "region": region.to_json(),
                },
                "logicalLocations": logical,
            }));
        }
    }
    // A chain's hops: every statement of every hop, in order, as related locations.
    let mut related = Vec::new();
    for (k, hop) in f.chain.iter().enumerate() {
        for s in &hop.statements {
            let (file, region) = loc.statement(&s.file, &s.pointer, &f.principal);
            related.push(json!({
                "id": locations.len() + related.len(),
                "physicalLocation": {
                    "artifactLocation": artifacts.location(&file),
                    "region": region.to_json(),
                },
                "message": {"text": format!(
                    "hop {} ({}: {} -> {}): {} statement {} of {} at {}",
                    k + 1, hop.kind, hop.from, hop.to, s.effect, s.statement, s.policy, s.pointer
                )},
            }));
        }
    }
    let statements: Vec<String> = f
        .statements
        .iter()
        .map(|s| format!("{}#{}", s.file, s.pointer))
        .collect();
    let mut properties = json!({
        "severity": f.severity.as_str(),
        "kind": kind_str(f.kind),
        "account": f.account,
        "principal": f.principal,
        "principalCount": principals.len(),
        "principals": principals.iter().take(LISTED_PRINCIPALS).collect::<Vec<_>>(),
        "actions": f.actions,
        "conditions": f.conditions,
        "statements": statements,
    });
    if let Some(obj) = properties.as_object_mut() {
        if let Some(t) = &f.target_role {
            obj.insert("targetRole".to_owned(), json!(t));
        }
        if let Some(w) = &f.witness {
            obj.insert("witness".to_owned(), json!(w));
        }
        if !f.chain.is_empty() {
            obj.insert("chain".to_owned(), json!(f.chain));
        }
    }
    let suppressions = match &f.suppressed {
        Some(reason) => {
            json!([{"kind": "external", "status": "accepted", "justification": reason}])
        }
        None => json!([]),
    };
    let mut result = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": match principals.len() {
            1 => format!("{}: {}", f.title, f.message),
            n => format!("{} ({n} principals): {}", f.title, f.message),
        }},
        "locations": locations,
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "suppressions": suppressions,
        "properties": properties,
    });
    if let (false, Some(obj)) = (related.is_empty(), result.as_object_mut()) {
        obj.insert("relatedLocations".to_owned(), json!(related));
    }
    result
}

/// The SARIF log as a JSON value.
pub(crate) fn log(result: &AuditResult, extras: &Extras, sources: &Sources) -> Value {
    // Rules: one per id, most severe occurrence, sorted by id.
    let mut rules: BTreeMap<&str, (FindingKind, Severity, &str)> = BTreeMap::new();
    for f in &result.findings {
        let e = rules
            .entry(f.rule.as_str())
            .or_insert((f.kind, f.severity, f.title.as_str()));
        e.1 = e.1.min(f.severity);
    }
    let rule_index: HashMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|(id, (kind, sev, title))| descriptor(id, *kind, *sev, title))
        .collect();

    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for f in &result.findings {
        for s in &f.statements {
            wanted.push((&s.file, &s.pointer));
        }
    }
    for e in &result.errors {
        wanted.push((&e.file, &e.pointer));
    }
    for (file, ptr) in sources.principals.values() {
        wanted.push((file, ptr));
    }
    let loc = Locator::new(sources, &wanted);

    let account_file: HashMap<&str, &str> = result
        .accounts
        .iter()
        .flat_map(|a| {
            a.principals
                .iter()
                .map(|p| (p.arn.as_str(), a.file.as_str()))
        })
        .collect();
    let mut artifacts = Artifacts::default();
    let results: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            result_of(
                f,
                rule_index.get(f.rule.as_str()).copied().unwrap_or(0),
                &loc,
                &mut artifacts,
                account_file.get(f.principal.as_str()).copied(),
            )
        })
        .collect();

    let exec: Vec<Value> = result
        .errors
        .iter()
        .map(|e| {
            let mut n = json!({"level": "error", "message": {"text": e.to_string()}});
            if !e.file.is_empty()
                && let Some(obj) = n.as_object_mut()
            {
                let region = loc
                    .region(&e.file, &e.pointer, |_| true)
                    .unwrap_or(Region::LINE_ONE);
                obj.insert(
                    "locations".to_owned(),
                    json!([{"physicalLocation": {
                        "artifactLocation": artifacts.location(&e.file),
                        "region": region.to_json(),
                    }}]),
                );
            }
            n
        })
        .collect();
    let config: Vec<Value> = extras
        .warnings()
        .into_iter()
        .map(|w| json!({"level": "warning", "message": {"text": w}}))
        .collect();

    let mut driver = json!({
        "name": "iamc",
        "version": result.iamc_version,
        "semanticVersion": result.iamc_version,
        "rules": descriptors,
    });
    if let (Some(uri), Some(obj)) = (information_uri(), driver.as_object_mut()) {
        obj.insert("informationUri".to_owned(), json!(uri));
    }
    let artifact_list: Vec<Value> = artifacts
        .list
        .iter()
        .map(|f| {
            let mut a = json!({"location": {"uri": file_uri(f)}});
            if let (Some(t), Some(obj)) = (sources.text(f), a.as_object_mut()) {
                obj.insert("length".to_owned(), json!(t.len()));
            }
            a
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [{
                "executionSuccessful": result.errors.is_empty(),
                "toolExecutionNotifications": exec,
                "toolConfigurationNotifications": config,
            }],
            "artifacts": artifact_list,
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

/// The package's `repository` or `homepage` from Cargo.toml, when set.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| u.starts_with("https://") || u.starts_with("http://"))
}

/// `findings.sarif`, pretty-printed, with a final newline.
pub fn render(
    result: &AuditResult,
    extras: &Extras,
    sources: &Sources,
) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(&log(result, extras, sources))?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(file_uri("../a/b.json"), "../a/b.json");
        assert_eq!(file_uri("/tmp/x y.json"), "file:///tmp/x%20y.json");
        assert_eq!(file_uri("c:d#é.json"), "c%3Ad%23%C3%A9.json");
    }

    #[test]
    fn names() {
        assert_eq!(
            pascal("sagemaker-notebook-passrole"),
            "SagemakerNotebookPassrole"
        );
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Low), "note");
    }
}
