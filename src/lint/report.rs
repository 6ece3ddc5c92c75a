//! `iamc lint` output: findings per file as text (`FILE:LINE:COL: level[rule] message`), as
//! JSON, and as a SARIF 2.1.0 log located at each finding's JSON pointer, following the audit's
//! SARIF conventions (`crate::report::sarif`: rules sorted by id, artifact URIs as given,
//! columns in Unicode code points).
//!
//! INVARIANT (valid SARIF): every `ruleIndex` and artifact `index` points into its array and
//! every region has `startLine`/`startColumn` ≥ 1; locating never fails (a pointer that does not
//! resolve falls back to the deepest element reached, a file without text to line 1).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Finding, Level, Rule};
use crate::report::pointer::{self, LineIndex};
use crate::report::sarif::{Region, file_uri, pascal};

/// One linted file.
#[derive(Debug, Clone)]
pub(crate) struct FileReport {
    /// The file as given.
    pub(crate) file: String,
    /// Its text, when it could be read (for lines and columns).
    pub(crate) text: Option<String>,
    /// Its findings, in document order.
    pub(crate) findings: Vec<Finding>,
}

/// A finding with its line and column.
struct Located<'a> {
    finding: &'a Finding,
    region: Region,
}

impl FileReport {
    /// The findings with their positions, in document order (then by rule).
    fn located(&self) -> Vec<Located<'_>> {
        let mut v = self.unsorted();
        v.sort_by_key(|l| (l.region.start, l.finding.rule));
        v
    }

    fn unsorted(&self) -> Vec<Located<'_>> {
        let pointers: Vec<&str> = self.findings.iter().map(|f| f.pointer.as_str()).collect();
        let Some(text) = &self.text else {
            return self
                .findings
                .iter()
                .map(|finding| Located {
                    finding,
                    region: Region::LINE_ONE,
                })
                .collect();
        };
        let lines = LineIndex::new(text);
        let resolved = pointer::resolve_many(text, &pointers);
        self.findings
            .iter()
            .zip(resolved)
            .map(|(finding, r)| Located {
                finding,
                region: r.map_or(Region::LINE_ONE, |r| Region::of(&lines, &r)),
            })
            .collect()
    }
}

/// Findings counted by level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Error-level findings (files that cannot be used).
    pub(crate) errors: usize,
    /// Warnings.
    pub(crate) warnings: usize,
    /// Notes.
    pub(crate) notes: usize,
}

impl Counts {
    /// Counts over every file.
    pub(crate) fn of(files: &[FileReport]) -> Counts {
        let mut c = Counts::default();
        for f in files.iter().flat_map(|f| &f.findings) {
            match f.level() {
                Level::Error => c.errors += 1,
                Level::Warning => c.warnings += 1,
                Level::Note => c.notes += 1,
            }
        }
        c
    }
}

/// `FILE:LINE:COL: level[rule] message (at POINTER)`, one line per finding.
pub(crate) fn text(files: &[FileReport]) -> String {
    let mut out = String::new();
    for f in files {
        for l in f.located() {
            let at = if l.finding.pointer.is_empty() {
                "/"
            } else {
                &l.finding.pointer
            };
            out.push_str(&format!(
                "{}:{}:{}: {}[{}] {} (at {at})\n",
                f.file,
                l.region.start.line,
                l.region.start.column,
                l.finding.level(),
                l.finding.rule,
                l.finding.message
            ));
        }
    }
    out
}

/// `{"files": [{"file", "findings": [{"rule", "level", "pointer", "line", "column",
/// "message"}]}], "counts": {"error", "warning", "note"}}`.
pub(crate) fn json(files: &[FileReport]) -> Value {
    let c = Counts::of(files);
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let findings: Vec<Value> = f
                .located()
                .iter()
                .map(|l| {
                    json!({
                        "rule": l.finding.rule.id(),
                        "level": l.finding.level().as_str(),
                        "pointer": l.finding.pointer,
                        "line": l.region.start.line,
                        "column": l.region.start.column,
                        "message": l.finding.message,
                    })
                })
                .collect();
            json!({"file": f.file, "findings": findings})
        })
        .collect();
    json!({
        "files": files,
        "counts": {"error": c.errors, "warning": c.warnings, "note": c.notes},
    })
}

/// One SARIF 2.1.0 run: a rule per rule id that occurs (sorted by id), a result per finding
/// with its region in the file and the JSON pointer as its logical location.
pub(crate) fn sarif(files: &[FileReport]) -> Value {
    let mut used: BTreeMap<&str, Rule> = BTreeMap::new();
    for f in files.iter().flat_map(|f| &f.findings) {
        used.insert(f.rule.id(), f.rule);
    }
    let index: BTreeMap<&str, usize> = used.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let rules: Vec<Value> = used
        .values()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": pascal(r.id()),
                "shortDescription": {"text": r.description()},
                "defaultConfiguration": {"level": r.level().as_str()},
            })
        })
        .collect();
    let mut artifacts = Vec::new();
    let mut results = Vec::new();
    for (ai, f) in files.iter().enumerate() {
        artifacts.push(json!({"location": {"uri": file_uri(&f.file)}}));
        for l in f.located() {
            let region = l.region.to_json();
            let pointer = if l.finding.pointer.is_empty() {
                "/".to_owned()
            } else {
                l.finding.pointer.clone()
            };
            results.push(json!({
                "ruleId": l.finding.rule.id(),
                "ruleIndex": index.get(l.finding.rule.id()).copied().unwrap_or(0),
                "level": l.finding.level().as_str(),
                "message": {"text": l.finding.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": file_uri(&f.file), "index": ai},
                        "region": region,
                    },
                    "logicalLocations": [{"fullyQualifiedName": pointer, "kind": "object"}],
                }],
            }));
        }
    }
    let mut driver = json!({
        "name": "iamc lint",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let (Some(uri), Some(obj)) = (
        [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
            .into_iter()
            .find(|u| u.starts_with("https://")),
        driver.as_object_mut(),
    ) {
        obj.insert("informationUri".to_owned(), json!(uri));
    }
    json!({
        "$schema": crate::report::sarif::SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "artifacts": artifacts,
            "results": results,
        }],
    })
}
