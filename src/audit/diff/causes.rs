//! New and resolved findings between the two sides of a diff. A finding is a cause (rule, the
//! statements responsible, target); across two files it is named by its rule, target and the
//! labels of its statements (policy and `Sid` or index), not by their file and JSON pointer, which
//! differ between the files. A cause on both sides that affects more (or fewer) principals is
//! reported with the principals it gained (or lost).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::audit::findings::causes::cause_labels;
use crate::audit::model::{AuditResult, Finding, Severity};

/// How a finding changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FindingStatus {
    /// Only the new side has it.
    New,
    /// On both sides; the new side's affects more principals.
    MorePrincipals,
    /// On both sides; the new side's affects fewer principals.
    FewerPrincipals,
    /// Only the old side has it.
    Resolved,
}

impl FindingStatus {
    /// The kebab-case name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FindingStatus::New => "new",
            FindingStatus::MorePrincipals => "more-principals",
            FindingStatus::FewerPrincipals => "fewer-principals",
            FindingStatus::Resolved => "resolved",
        }
    }

    /// True for what makes the new side worse (`New`, `MorePrincipals`).
    pub(crate) fn is_worse(self) -> bool {
        matches!(self, FindingStatus::New | FindingStatus::MorePrincipals)
    }
}

/// One finding (cause) that is new, resolved or changed its principals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct FindingChange {
    /// How it changed.
    pub(crate) status: FindingStatus,
    /// The rule.
    pub(crate) rule: String,
    /// Its severity (on the new side; the old side's when resolved).
    pub(crate) severity: Severity,
    /// Its title.
    pub(crate) title: String,
    /// The target role, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) target_role: Option<String>,
    /// The statements responsible (`inline:Name Sid`).
    pub(crate) statements: Vec<String>,
    /// The principals concerned: all of the cause's when new or resolved, else those gained or
    /// lost.
    pub(crate) principals: Vec<String>,
    /// Its fingerprint on the side that has it (the new side when on both).
    pub(crate) fingerprint: String,
}

/// The identity of a cause across two files: rule, target, statement labels.
type Key = (String, Option<String>, Vec<String>);

/// The looser identity used for statements renamed or moved within their policies: rule,
/// target, policy labels.
fn loose(k: &Key) -> Key {
    let mut policies: Vec<String> =
        k.2.iter()
            .map(|l| l.rsplit_once(' ').map_or(l.clone(), |(p, _)| p.to_owned()))
            .collect();
    policies.sort();
    policies.dedup();
    (k.0.clone(), k.1.clone(), policies)
}

fn principals(f: &Finding) -> BTreeSet<&str> {
    if f.principals.is_empty() {
        std::iter::once(f.principal.as_str()).collect()
    } else {
        f.principals.iter().map(String::as_str).collect()
    }
}

/// The statement labels of a cause, comparable across the two sides: an inline policy is named
/// with its principal (`inline:Name` alone is not unique), and the side's input file names
/// (policy files are labelled with theirs) are left out.
fn labels(r: &AuditResult, f: &Finding) -> Vec<String> {
    let mut out: Vec<String> = cause_labels(f)
        .into_iter()
        .map(|mut l| {
            for input in &r.inputs {
                l = l.replace(&input.path, "");
            }
            if l.starts_with("inline:") {
                l = format!("{} {l}", f.principal);
            }
            l
        })
        .collect();
    out.sort();
    out
}

/// Causes by identity; a suppressed-split cause counts once with all its principals.
fn causes(r: &AuditResult) -> BTreeMap<Key, Vec<&Finding>> {
    let mut m: BTreeMap<Key, Vec<&Finding>> = BTreeMap::new();
    for f in &r.findings {
        m.entry((f.rule.clone(), f.target_role.clone(), labels(r, f)))
            .or_default()
            .push(f);
    }
    m
}

/// New, resolved and changed findings, most severe first, worse before better. Causes are
/// matched by rule, target and statement labels; those left are matched by rule, target and
/// policies (a statement renamed or moved within its policy), one to one.
pub(crate) fn compare_findings(before: &AuditResult, after: &AuditResult) -> Vec<FindingChange> {
    let (mut old, mut new) = (causes(before), causes(after));
    let mut pairs: Vec<(Key, Vec<&Finding>, Vec<&Finding>)> = Vec::new();
    let both: Vec<Key> = old
        .keys()
        .filter(|k| new.contains_key(*k))
        .cloned()
        .collect();
    for k in both {
        if let (Some(o), Some(n)) = (old.remove(&k), new.remove(&k)) {
            pairs.push((k, o, n));
        }
    }
    let mut loose_new: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    for k in new.keys() {
        loose_new.entry(loose(k)).or_default().push(k.clone());
    }
    let old_keys: Vec<Key> = old.keys().cloned().collect();
    for k in old_keys {
        let Some(candidates) = loose_new.get_mut(&loose(&k)) else {
            continue;
        };
        if candidates.is_empty() {
            continue;
        }
        let nk = candidates.remove(0);
        if let (Some(o), Some(n)) = (old.remove(&k), new.remove(&nk)) {
            pairs.push((nk, o, n));
        }
    }
    let all = |fs: &[&Finding]| -> BTreeSet<String> {
        fs.iter()
            .flat_map(|f| principals(f))
            .map(str::to_owned)
            .collect()
    };
    let change = |status, k: &Key, f: &Finding, who: BTreeSet<String>| FindingChange {
        status,
        rule: f.rule.clone(),
        severity: f.severity,
        title: f.title.clone(),
        target_role: f.target_role.clone(),
        statements: k.2.clone(),
        principals: who.into_iter().collect(),
        fingerprint: f.fingerprint.clone(),
    };
    let mut out = Vec::new();
    for (k, n) in &new {
        if let Some(f) = n.first() {
            out.push(change(FindingStatus::New, k, f, all(n)));
        }
    }
    for (k, o) in &old {
        if let Some(f) = o.first() {
            out.push(change(FindingStatus::Resolved, k, f, all(o)));
        }
    }
    for (k, o, n) in &pairs {
        let (po, pn) = (all(o), all(n));
        let Some(f) = n.first() else { continue };
        let gained: BTreeSet<String> = pn.difference(&po).cloned().collect();
        let lost: BTreeSet<String> = po.difference(&pn).cloned().collect();
        if !gained.is_empty() {
            out.push(change(FindingStatus::MorePrincipals, k, f, gained));
        }
        if !lost.is_empty() {
            out.push(change(FindingStatus::FewerPrincipals, k, f, lost));
        }
    }
    out.sort_by(|a, b| {
        (!a.status.is_worse(), a.severity, a.status, &a.rule).cmp(&(
            !b.status.is_worse(),
            b.severity,
            b.status,
            &b.rule,
        ))
    });
    out
}
