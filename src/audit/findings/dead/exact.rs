//! Dead and redundant statements decided on the formula ([`Analyzer::statements`]) instead of on
//! sampled requests, so the findings do not depend on `--variants`: over every request AWS can
//! send for the account (S-45 … S-54), per covered action, a statement is effective (it decides
//! some request), dead, or redundant. A statement effective for one covered action is live; one
//! the analysis cannot decide for some covered action is judged by sampling as before.
//!
//! Per action, groups whose formulas are the same (the coverage pass's key: atoms term by term,
//! and the principal values they read) share one analysis; each group maps the verdicts to its
//! own statements by their position in its formula.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::analyze::{AnalysisConfig, Analyzer, Class, Contribution, Formula};
use crate::audit::coverage::{FormulaKey, formula_key};
use crate::eval::Context;

/// What the formula says about one candidate, over every action it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Exact {
    /// It decides some request of some covered action.
    Live,
    /// An allow some of whose allowed requests it shares with other allows of its layer, and
    /// none of which only it allows.
    Redundant,
    /// An allow that applies to no allowed request, because its resources and conditions fit no
    /// request AWS can send.
    NeverMatches,
    /// An allow that applies to requests, all denied anyway.
    Shadowed,
    /// A deny that denies no request the rest of the set allows.
    NoEffect,
}

/// Verdicts of one action's formula, in its term order (allows per gate, then denies), shared
/// by the groups with that formula; the analysis's error when it failed.
type Verdicts = Arc<Result<Vec<Contribution>, String>>;

/// Analyses shared across the groups of an account.
#[derive(Default)]
pub(super) struct Memo {
    by_key: Mutex<HashMap<(ActionId, FormulaKey), Verdicts>>,
    /// Failed analyses (a witness the engine decided differently is a bug): group index → the
    /// actions and errors, reported as findings so a fallback to sampling is never silent.
    failures: Mutex<std::collections::BTreeMap<usize, Vec<String>>>,
}

impl Memo {
    /// The failed analyses by group index, each `action: error`.
    pub(super) fn failures(&self) -> std::collections::BTreeMap<usize, Vec<String>> {
        self.failures.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Test-only: accounts whose analyses in this detector fail, to provoke the error path (an
/// analysis failure is otherwise a bug in the analysis or the engine).
#[cfg(test)]
pub(crate) static FAIL_ACCOUNTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[cfg(test)]
fn provoked(account: &str) -> Result<(), String> {
    match FAIL_ACCOUNTS.lock() {
        Ok(a) if a.iter().any(|x| x == account) => Err("provoked by a test".to_owned()),
        _ => Ok(()),
    }
}

/// The statements of a formula, in the order [`Analyzer::statements`] reports them.
fn term_order(f: &Formula) -> Vec<(Layer, u32, u32)> {
    let allows = f.gates.iter().flat_map(|g| g.allows.iter());
    let denies = f.gates.iter().flat_map(|g| g.denies.iter());
    allows
        .chain(denies)
        .map(|t| (t.stmt.layer, t.stmt.policy, t.stmt.statement))
        .collect()
}

/// Contributions keyed by statement (layer, policy index, statement index).
type ByStatement = HashMap<(Layer, u32, u32), Contribution>;

/// The contributions of the statements admitting `action` for the group, keyed by statement.
fn contributions(
    analyzer: &Analyzer<'_>,
    memo: &Memo,
    group: &GroupView<'_, '_>,
    principal: &Context,
    action: ActionId,
    name: &str,
) -> Option<ByStatement> {
    let f = analyzer.formula(group.set, name).ok()?;
    let key = formula_key(&f, principal);
    let order = term_order(&f);
    let memo_key = (action, key);
    let known = memo
        .by_key
        .lock()
        .ok()
        .and_then(|m| m.get(&memo_key).cloned());
    let shared = match known {
        Some(s) => s,
        None => {
            let result = analyzer
                .statements(group.set, principal, name, group.compiled)
                .map(|v| v.into_iter().map(|x| x.contribution).collect())
                .map_err(|e| e.to_string());
            #[cfg(test)]
            let result = result.and_then(|v| provoked(&analyzer.config().account).map(|()| v));
            let computed: Verdicts = Arc::new(result);
            if let Ok(mut m) = memo.by_key.lock() {
                m.entry(memo_key).or_insert_with(|| Arc::clone(&computed));
            }
            computed
        }
    };
    let verdicts = match shared.as_ref() {
        Ok(v) => v,
        Err(e) => {
            if let Ok(mut m) = memo.failures.lock() {
                let list = m.entry(group.index).or_default();
                let line = format!("`{name}`: {e}");
                if !list.contains(&line) {
                    list.push(line);
                }
            }
            return None;
        }
    };
    if verdicts.len() != order.len() {
        return None;
    }
    Some(order.into_iter().zip(verdicts.iter().copied()).collect())
}

/// Whether the statement alone, as an allow, allows some modelled request of a covered action,
/// with such a request (a request it matches); `None` when not decided.
fn matches_some(
    analyzer: &Analyzer<'_>,
    c: &Candidate<'_>,
    principal: &Context,
    names: &[&str],
    catalog: &Catalog,
) -> Option<(bool, Option<Request>)> {
    let mut st = c.statement.clone();
    st.effect = Effect::Allow;
    let alone = PolicySet::identity(vec![Policy {
        version: c.version,
        id: None,
        statements: vec![st],
    }]);
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(&alone).ok()?;
    let mut unknown = false;
    for name in names {
        match analyzer.analyze(&alone, principal, name, &compiled) {
            Ok(a) if a.class != Class::Never => return Some((true, a.allowed_witness)),
            Ok(a) if a.exact => {}
            _ => unknown = true,
        }
    }
    (!unknown).then_some((false, None))
}

/// The exact verdict of every candidate of a group (`None`: not decided, sample it).
pub(super) fn decide(
    shared: &super::Shared<'_>,
    memo: &Memo,
    group: &GroupView<'_, '_>,
    principal: &Context,
    cands: &[Candidate<'_>],
    names: &BTreeMap<ActionId, &str>,
) -> Vec<Option<(Exact, Option<Request>)>> {
    let mut cfg = AnalysisConfig::new(&shared.account.id);
    cfg.region.clone_from(&shared.generator.region);
    let analyzer = Analyzer::new(shared.catalog, cfg);
    let mut per_action: BTreeMap<ActionId, Option<ByStatement>> = BTreeMap::new();
    let mut out = Vec::with_capacity(cands.len());
    for c in cands {
        let (Ok(policy), Ok(index)) = (u32::try_from(c.policy), u32::try_from(c.statement.index))
        else {
            out.push(None);
            continue;
        };
        let me = (c.layer, policy, index);
        let mut seen: Vec<Contribution> = Vec::with_capacity(c.actions.len());
        for id in &c.actions {
            let Some(name) = names.get(id) else {
                seen.push(Contribution::Unknown);
                continue;
            };
            let verdicts = per_action
                .entry(*id)
                .or_insert_with(|| contributions(&analyzer, memo, group, principal, *id, name));
            let v = verdicts
                .as_ref()
                .and_then(|m| m.get(&me).copied())
                .unwrap_or(Contribution::Unknown);
            seen.push(v);
            if v == Contribution::Effective {
                break;
            }
        }
        let covered: Vec<&str> = c
            .actions
            .iter()
            .filter_map(|id| names.get(id).copied())
            .collect();
        let alone = || matches_some(&analyzer, c, principal, &covered, shared.catalog);
        let verdict = if seen.contains(&Contribution::Effective) {
            Some((Exact::Live, None))
        } else if seen.contains(&Contribution::Unknown) {
            None
        } else if c.statement.effect == Effect::Deny {
            Some((Exact::NoEffect, alone().and_then(|(_, w)| w)))
        } else if seen.contains(&Contribution::Redundant) {
            Some((Exact::Redundant, None))
        } else {
            match alone() {
                Some((true, w)) => Some((Exact::Shadowed, w)),
                Some((false, _)) => Some((Exact::NeverMatches, None)),
                None => None,
            }
        };
        out.push(verdict);
    }
    out
}

/// The finding for a statement the formula proves dead or redundant.
pub(super) fn exact_finding(
    input: &FindingsInput<'_, '_>,
    group: &GroupView<'_, '_>,
    c: &Candidate<'_>,
    (verdict, shown): (Exact, Option<Request>),
    names: &BTreeMap<ActionId, &str>,
) -> Option<GroupFinding> {
    let (me, covered, listed, scope) = super::verdict::scope_of(group, c, names)?;
    let mut basis = "decided exactly over every request AWS can send for this account's \
                     resources (the exact analysis)"
        .to_owned();
    if c.wider {
        basis.push_str(
            "; its action clause may also cover actions outside the audit, which were not judged",
        );
    }
    let who = format!("`{}` of {}", me.statement, me.policy);
    // A request the statement matches, as the set decides it: who denies it, and with whom.
    let explained = shown.as_ref().map(|r| (r, group.explain(r, input.catalog)));
    let by = explained
        .as_ref()
        .map(|(_, ex)| {
            format!(
                " (such as one {})",
                layer_phrase(ex.outcome.decision, ex.outcome.decided_by)
            )
        })
        .unwrap_or_default();
    let (rule, title, message) = match verdict {
        Exact::Live => return None,
        Exact::NeverMatches => (
            "dead-statement-never-matches",
            "statement never matches a request",
            format!(
                "{who} covers {scope} but matches none of their requests: its resources or \
                 conditions never fit a request for this account's resources (a key the catalog \
                 does not list for these actions is never sent); {basis}"
            ),
        ),
        Exact::Redundant => (
            "redundant-statement",
            "statement is redundant",
            format!(
                "{who} covers {scope}; every request it allows is also allowed by another \
                 statement of its layer, so removing it alone changes no decision; {basis}"
            ),
        ),
        Exact::Shadowed => (
            "dead-statement-shadowed",
            "statement is shadowed",
            format!(
                "{who} covers {scope}; every request it matches is denied anyway{by}, so it \
                 grants nothing; {basis}"
            ),
        ),
        Exact::NoEffect => {
            let never = covered.iter().all(|a| {
                group
                    .coverage_of(a)
                    .is_some_and(|cell| cell.class == Class::Never)
            });
            let tail = if never {
                "; nothing allows the actions it covers for this principal in the audited \
                 request space"
            } else {
                ""
            };
            (
                "dead-statement-no-effect",
                "deny statement has no effect",
                format!(
                    "{who} covers {scope} and denies no request that would be allowed without \
                     it{by}{tail}; {basis}"
                ),
            )
        }
    };
    let mut statements = vec![me];
    let mut witness_out = None;
    if let Some((r, ex)) = &explained {
        // The statements that deny it (its layer's allows would only repeat this one).
        for s in group.matched_refs(ex, Effect::Deny) {
            if !statements.contains(&s) {
                statements.push(s);
            }
        }
        witness_out = Some(witness(r, ex.outcome.decision.as_str()));
    }
    Some(super::verdict::dead_finding(
        group,
        (rule, title, message),
        listed,
        statements,
        witness_out,
    ))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::FAIL_ACCOUNTS;
    use crate::audit::run::{AuditConfig, run_audit};
    use crate::audit::space::GenConfig;
    use crate::catalog::Catalog;

    /// An account no other test uses: the provoking hook is keyed by it.
    const ACCOUNT: &str = "404040404040";

    #[test]
    fn a_failed_analysis_is_an_audit_error_and_a_finding() {
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*"},
            {"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "xx-nowhere-1"}}}
        ]});
        let role = serde_json::json!({
            "Path": "/", "RoleName": "Provoked", "RoleId": "AROAPROVOKED",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/Provoked"),
            "CreateDate": "2025-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                 "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc}],
            "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}
        });
        let gaad = serde_json::json!({"UserDetailList": [], "GroupDetailList": [],
            "RoleDetailList": [role], "Policies": []});
        let dir = std::env::temp_dir().join(format!("iamc-provoked-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("account.json");
        std::fs::write(&file, gaad.to_string()).unwrap();
        let cfg = |files: Vec<PathBuf>| AuditConfig {
            gaad_files: files,
            generator: GenConfig {
                variants: 10,
                ..GenConfig::default()
            },
            threads: 1,
            ..AuditConfig::default()
        };
        let catalog = Catalog::sagemaker_default();
        // Without the hook: no error.
        let clean = run_audit(&cfg(vec![file.clone()]), catalog).unwrap();
        assert!(clean.errors.is_empty(), "{:?}", clean.errors);
        FAIL_ACCOUNTS.lock().unwrap().push(ACCOUNT.to_owned());
        let r = run_audit(&cfg(vec![file]), catalog);
        FAIL_ACCOUNTS.lock().unwrap().retain(|a| a != ACCOUNT);
        let r = r.unwrap();
        assert!(
            r.errors
                .iter()
                .any(|e| e.message.contains("dead-statement check failed")
                    && e.message.contains("provoked by a test")
                    && e.principal.as_deref()
                        == Some(&format!("arn:aws:iam::{ACCOUNT}:role/Provoked"))),
            "{:?}",
            r.errors
        );
        assert!(
            r.findings.iter().any(|f| f.rule == "exact-analysis-failed"),
            "{:?}",
            r.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
