//! Root causes: the stage after detection that turns per-principal findings into causes. A cause
//! is a rule, the statements responsible and the target: principals whose findings share those
//! share one finding, which lists them all (`principals`, `principal_count`).
//!
//! The statements responsible are a finding's own grants (identity policies, group policies), not
//! the guards (boundaries, SCPs) that let them through; for a chain, those of its first hop (the
//! graph groups chains by that cause too, with [`cause_statements`]); when a hop needs no own
//! statement, the trust statements that name the principal. A finding with no statement at all
//! (an administrator-equivalent summary) stays one per principal: nothing names a shared fix.
//!
//! INVARIANT (nothing lost): every principal of every detector finding is in the `principals`
//! of exactly one cause; the cause's severity is the highest of its principals', and its
//! actions, statements, conditions and other targets are the union of theirs.

use std::collections::{BTreeSet, HashMap};

use crate::audit::model::{Finding, FindingKind, PrincipalDetail, Severity, StatementRef};

/// What allows a finding: its own statements (identity and group policies), else the trust
/// statements (a trust policy that names the principal needs no identity allow), each as
/// `file#pointer`, sorted. Boundaries and SCPs only let a grant through: never a cause.
pub(crate) fn cause_statements(statements: &[StatementRef]) -> Vec<String> {
    let mut k: Vec<String> = cause_refs(statements)
        .into_iter()
        .map(|s| format!("{}#{}", s.file, s.pointer))
        .collect();
    k.sort();
    k.dedup();
    k
}

/// The statements of [`cause_statements`], as given.
fn cause_refs(statements: &[StatementRef]) -> Vec<&StatementRef> {
    let pick = |trust: bool| -> Vec<&StatementRef> {
        statements
            .iter()
            .filter(|s| s.policy.starts_with("trust:") == trust && !is_guard(s))
            .collect()
    };
    let own = pick(false);
    if own.is_empty() { pick(true) } else { own }
}

/// The statements responsible for a finding (its cause), as located: a dead statement itself,
/// a chain's first hop's, else the finding's own grants.
pub(crate) fn responsible(f: &Finding) -> Vec<&StatementRef> {
    if f.kind == FindingKind::DeadStatement {
        f.statements.first().into_iter().collect()
    } else {
        match f.chain.first() {
            Some(hop) => cause_refs(&hop.statements),
            None => cause_refs(&f.statements),
        }
    }
}

/// The statements responsible for a finding, by policy and statement label (`inline:Name
/// Sid`), sorted: what names a cause across two versions of a file, whose pointers may move.
pub(crate) fn cause_labels(f: &Finding) -> Vec<String> {
    let mut k: Vec<String> = responsible(f)
        .into_iter()
        .map(|s| format!("{} {}", s.policy, s.statement))
        .collect();
    k.sort();
    k.dedup();
    k
}

/// A boundary or SCP statement: it limits, it does not grant.
fn is_guard(s: &StatementRef) -> bool {
    s.policy.starts_with("scp[") || s.policy.starts_with("boundary:")
}

/// Whether statements name `f`'s cause (else the principal does, and each principal's finding
/// is a cause of its own).
pub(crate) fn names_a_cause(f: &Finding) -> bool {
    !statements_of(f).is_empty()
}

/// The statements a finding's cause is made of (`file#pointer`, sorted): a dead or redundant
/// statement is its own cause (the statements after it only explain why).
fn statements_of(f: &Finding) -> Vec<String> {
    if f.kind == FindingKind::DeadStatement {
        return f
            .statements
            .first()
            .map(|s| vec![format!("{}#{}", s.file, s.pointer)])
            .unwrap_or_default();
    }
    match f.chain.first() {
        Some(hop) => cause_statements(&hop.statements),
        None => cause_statements(&f.statements),
    }
}

/// The identity of a cause: account, rule, target and statements; the principal too when no
/// statement names the cause.
fn key_of(f: &Finding) -> String {
    let statements = statements_of(f);
    let mut text = format!(
        "cause|{}|{}|{}",
        f.account,
        f.rule,
        f.target_role.as_deref().unwrap_or("")
    );
    if statements.is_empty() {
        text.push('|');
        text.push_str(&f.principal);
    }
    for s in &statements {
        text.push('|');
        text.push_str(s);
    }
    text
}

/// The fingerprint of the cause `f` belongs to: stable across runs and across the principals it
/// affects.
pub(crate) fn cause_fingerprint(f: &Finding) -> String {
    format!("{:016x}", crate::request::keys::key_hash(&key_of(f)))
}

/// Groups per-principal findings into causes, in report order (severity, most principals,
/// rule, target). The most severe member gives the cause its message, witness and chain;
/// members that differ from it in severity, message or witness keep theirs in
/// `principal_details`.
pub fn group(findings: Vec<Finding>) -> Vec<Finding> {
    use rayon::prelude::*;
    let keys: Vec<String> = findings.par_iter().map(key_of).collect();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut members: Vec<Vec<Finding>> = Vec::new();
    for (f, key) in findings.into_iter().zip(keys) {
        match at.get(&key).and_then(|&i| members.get_mut(i)) {
            Some(m) => m.push(f),
            None => {
                at.insert(key, members.len());
                members.push(vec![f]);
            }
        }
    }
    let mut out: Vec<Finding> = members.into_par_iter().filter_map(cause_of).collect();
    out.par_sort_by(cause_order);
    out
}

/// One cause from the findings of its principals.
fn cause_of(mut members: Vec<Finding>) -> Option<Finding> {
    // The most severe first; among equals, the first principal.
    members.sort_by(|a, b| (a.severity, &a.principal).cmp(&(b.severity, &b.principal)));
    let mut it = members.into_iter();
    let mut c = it.next()?;
    let mut principals: BTreeSet<String> = c.principals.iter().cloned().collect();
    principals.insert(c.principal.clone());
    let mut details = std::mem::take(&mut c.principal_details);
    for f in it {
        // A member is one principal's finding, or one for several principals (the members of
        // an evaluation group, with their own details where they differ).
        let own: &[String] = if f.principals.is_empty() {
            std::slice::from_ref(&f.principal)
        } else {
            &f.principals
        };
        for p in own {
            principals.insert(p.clone());
            let (severity, message, witness) = f.detail_of(p);
            if severity != c.severity || message != c.message || witness != c.witness.as_deref() {
                details.push(PrincipalDetail {
                    principal: p.clone(),
                    severity,
                    message: message.to_owned(),
                    witness: match f.principal_details.iter().find(|d| &d.principal == p) {
                        Some(d) => d.witness.clone(),
                        None => f.witness.clone(),
                    },
                });
            }
        }
        merge(&mut c, f);
    }
    // In member order: the most severe first, then by principal.
    details.sort_by(|a, b| (a.severity, &a.principal).cmp(&(b.severity, &b.principal)));
    c.principals = principals.into_iter().filter(|p| !p.is_empty()).collect();
    c.principal_count = c.principals.len();
    if let Some(first) = c.principals.first() {
        c.principal.clone_from(first);
    }
    c.principal_details = details;
    c.other_targets
        .retain(|t| Some(t) != c.target_role.as_ref());
    c.other_targets.truncate(50);
    c.fingerprint = cause_fingerprint(&c);
    Some(c)
}

/// Report order of causes: severity, most principals, rule, target, fingerprint.
fn cause_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (
        a.severity,
        std::cmp::Reverse(a.principal_count),
        &a.rule,
        &a.target_role,
        &a.fingerprint,
    )
        .cmp(&(
            b.severity,
            std::cmp::Reverse(b.principal_count),
            &b.rule,
            &b.target_role,
            &b.fingerprint,
        ))
}

/// Adds `f`, a finding of the same cause for another principal, to `c`.
fn merge(c: &mut Finding, f: Finding) {
    let union = |into: &mut Vec<String>, from: &[String]| {
        for x in from {
            if !into.contains(x) {
                into.push(x.clone());
            }
        }
    };
    union(&mut c.actions, &f.actions);
    union(&mut c.conditions, &f.conditions);
    if c.other_targets.len() < 51 {
        union(&mut c.other_targets, &f.other_targets);
    }
    for s in &f.statements {
        if !c.statements.contains(s) {
            c.statements.push(s.clone());
        }
    }
}

/// Weight of a severity when causes are ranked by severity × principals.
fn weight(s: Severity) -> usize {
    match s {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
    }
}

/// The statements to fix first: the top causes of the high (and critical) findings, ranked by
/// severity × principals.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct FixFirst {
    /// Distinct statements the top causes name.
    pub(crate) statements: usize,
    /// Per-principal high and critical findings fixing them removes.
    pub(crate) removes: usize,
    /// Unsuppressed per-principal high and critical findings in all.
    pub(crate) high: usize,
    /// The top causes' fingerprints, in rank order.
    pub(crate) causes: Vec<String>,
}

/// How many top causes [`fix_first`] names at most.
pub(crate) const FIX_FIRST_CAUSES: usize = 10;

impl FixFirst {
    /// Ranks the unsuppressed high and critical causes of `findings`.
    pub(crate) fn of(findings: &[Finding]) -> FixFirst {
        let mut high: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity <= Severity::High)
            .collect();
        let principals = |f: &Finding| f.principal_count.max(1);
        let total = high.iter().map(|f| principals(f)).sum();
        high.sort_by_key(|f| std::cmp::Reverse(weight(f.severity) * principals(f)));
        high.truncate(FIX_FIRST_CAUSES);
        let statements: BTreeSet<String> = high.iter().flat_map(|f| statements_of(f)).collect();
        FixFirst {
            statements: statements.len(),
            removes: high.iter().map(|f| principals(f)).sum(),
            high: total,
            causes: high.iter().map(|f| f.fingerprint.clone()).collect(),
        }
    }

    /// `fix these N statements to remove M of the H high findings`.
    pub(crate) fn line(&self) -> String {
        format!(
            "fix these {} statement{} to remove {} of the {} high finding{}",
            self.statements,
            if self.statements == 1 { "" } else { "s" },
            self.removes,
            self.high,
            if self.high == 1 { "" } else { "s" }
        )
    }
}
