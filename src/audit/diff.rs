//! Access diffs: what two versions of an account (two GAAD files) or of a policy (two policy
//! files) allow differently, principal by principal and action by action.
//!
//! Both sides are audited against the **same** request space: the generator is seeded alike and
//! given what *both* sides mention (`SharedSpace`), so a value only the new side's policies
//! mention is generated for the old side too, and a class change means a decision changed, not the
//! space. Principals are matched by ARN. Per principal × action the coverage class moves up
//! (`Never` → `Conditional`/`Always`, `Conditional` → `Always`: **gained**) or down (**lost**); a
//! `Conditional` cell whose allowed count grew is **widened** (some request is newly allowed)
//! and counts as gained, one whose count shrank is **narrowed** and counts as lost. A principal
//! only the new side has gains every action it reaches; one only the old side has loses them.
//! `iam:PassRole` targets are compared per role the same way.
//!
//! A policy file stands for the identity policy of one synthetic role named `policy`, in the
//! account its resource ARNs name (`123456789012` when they name none); the roles its
//! `iam:PassRole` statements name are its pass-role targets.
//!
//! Findings are compared too (`causes`): causes only the new side has are **new**, those only
//! the old side has are **resolved**, and a cause on both sides that affects more or fewer
//! principals says which.
//!
//! INVARIANT (same space): both audits use one `SharedSpace` and one generator configuration,
//! so their request lists are identical and counts compare request for request.

pub(crate) mod causes;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use super::load::{
    self, Account, ManagedPolicyDir, PolicyDoc, Principal, PrincipalKind, RoleTarget,
};
use super::model::{AuditError, AuditResult, Class, PrincipalResult, Status};
use super::run::{AuditConfig, AuditFailure, SharedSpace, run_audit_accounts};
use super::space::{GenConfig, Mentions};
use crate::catalog::{AccessLevel, Catalog};
use crate::policy::{Policy, PolicyKind};

/// The account of a policy file's synthetic principal when its ARNs name none.
pub(crate) const DEFAULT_ACCOUNT: &str = "123456789012";

/// The name of a policy file's synthetic principal.
pub(crate) const POLICY_PRINCIPAL: &str = "policy";

/// What `iamc diff` compares.
#[derive(Debug, Clone)]
pub struct DiffConfig {
    /// The old GAAD or policy file.
    pub old: PathBuf,
    /// The new one, of the same kind.
    pub new: PathBuf,
    /// SCP levels, root first, applied to both sides.
    pub scp_levels: Vec<Vec<PathBuf>>,
    /// AWS managed policy documents for GAAD files that attach but do not include them.
    pub managed_dir: ManagedPolicyDir,
    /// The request generator's settings (one seed for both sides).
    pub generator: GenConfig,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Show a progress line on stderr (each side's audit in turn).
    pub progress: bool,
}

/// A diff that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// An input cannot be read or is neither a GAAD file nor a policy.
    #[error("{0}")]
    Input(AuditError),
    /// One side is a GAAD file and the other a policy file.
    #[error("`{old}` is a {old_kind} file and `{new}` a {new_kind} file: give two of a kind")]
    Mixed {
        /// The old file.
        old: String,
        /// Its kind.
        old_kind: &'static str,
        /// The new file.
        new: String,
        /// Its kind.
        new_kind: &'static str,
    },
    /// The audit cannot run (an SCP file is invalid, no threads).
    #[error(transparent)]
    Audit(#[from] AuditFailure),
}

/// What a diff input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputKind {
    /// `aws iam get-account-authorization-details` output.
    Gaad,
    /// One identity policy document.
    Policy,
}

impl InputKind {
    /// `GAAD` or `policy`, for messages.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            InputKind::Gaad => "GAAD",
            InputKind::Policy => "policy",
        }
    }
}

/// Which way a cell moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The class went up.
    Gained,
    /// Same `Conditional` class, more requests allowed.
    Widened,
    /// Same `Conditional` class, fewer requests allowed.
    Narrowed,
    /// The class went down.
    Lost,
}

impl Direction {
    /// True for new access (`Gained`, `Widened`).
    pub(crate) fn is_gain(self) -> bool {
        matches!(self, Direction::Gained | Direction::Widened)
    }

    /// The lowercase name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Direction::Gained => "gained",
            Direction::Widened => "widened",
            Direction::Narrowed => "narrowed",
            Direction::Lost => "lost",
        }
    }
}

/// One side of a cell: class and counts (`None` when the principal is absent on that side).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// The class.
    pub class: Class,
    /// Own-account requests allowed.
    pub(crate) allowed: u64,
    /// Own-account requests.
    pub total: u64,
}

/// One principal × action whose access changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The principal's ARN.
    pub(crate) principal: String,
    /// `service:Action`.
    pub(crate) action: String,
    /// Its access level.
    pub(crate) access_level: AccessLevel,
    /// Which way.
    pub direction: Direction,
    /// Before (`None`: the principal is new).
    pub old: Option<Cell>,
    /// After (`None`: the principal was removed).
    pub new: Option<Cell>,
}

/// One principal × pass-role target whose reach changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PassRoleChange {
    /// The principal's ARN.
    pub(crate) principal: String,
    /// The role it may (or may no longer) pass to SageMaker.
    pub(crate) role: String,
    /// Which way.
    pub(crate) direction: Direction,
    /// Before (`None`: not passable).
    pub(crate) old: Option<Class>,
    /// After (`None`: not passable).
    pub(crate) new: Option<Class>,
}

/// The whole diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffResult {
    /// The old file.
    pub(crate) old: String,
    /// The new file.
    pub(crate) new: String,
    /// What both are.
    pub kind: InputKind,
    /// Generator seed of the shared space.
    pub(crate) seed: u64,
    /// Requests per action of the shared space.
    pub(crate) variants: usize,
    /// Principals compared (on both sides and evaluated on both).
    pub(crate) compared: usize,
    /// Principals only the new side has.
    pub(crate) added: Vec<String>,
    /// Principals only the old side has.
    pub(crate) removed: Vec<String>,
    /// Cells that changed, gains first, then by principal and action.
    pub changes: Vec<Change>,
    /// Pass-role targets that changed.
    pub(crate) pass_role: Vec<PassRoleChange>,
    /// Cells and targets gained or widened.
    pub gained: usize,
    /// Cells and targets lost or narrowed.
    pub lost: usize,
    /// Findings (causes) new, resolved, or affecting more or fewer principals: worse first.
    pub(crate) findings: Vec<causes::FindingChange>,
    /// Findings only the new side has.
    pub(crate) new_findings: usize,
    /// Findings only the old side has.
    pub(crate) resolved_findings: usize,
    /// Problems on either side (a principal not evaluated on a side is not compared).
    pub(crate) errors: Vec<AuditError>,
}

fn input_error(file: &Path, pointer: &str, message: String) -> DiffError {
    DiffError::Input(AuditError {
        file: file.display().to_string(),
        principal: None,
        pointer: pointer.to_owned(),
        message,
    })
}

/// Reads one side: a GAAD file, or a policy file as a one-principal account (its account id
/// fixed later, when both sides are known).
fn load_side(path: &Path, managed: &ManagedPolicyDir) -> Result<(InputKind, Account), DiffError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| input_error(path, "", format!("cannot read: {e}")))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| input_error(path, "", format!("invalid JSON: {e}")))?;
    if value.get("Statement").is_none() {
        let account = load::load_gaad(path, managed).map_err(DiffError::Input)?;
        return Ok((InputKind::Gaad, account));
    }
    let policy = Policy::parse(&text, PolicyKind::Identity)
        .map_err(|e| input_error(path, &e.pointer, format!("invalid policy: {}", e.message)))?;
    let file = path.display().to_string();
    let principal = Principal {
        account: String::new(),
        kind: PrincipalKind::Role,
        name: POLICY_PRINCIPAL.to_owned(),
        arn: String::new(),
        path: "/".to_owned(),
        id: "AROAIAMCDIFFPOLICY".to_owned(),
        tags: Vec::new(),
        identity: vec![PolicyDoc {
            label: Arc::from(format!("policy:{file}")),
            id: Arc::from("policy"),
            policy: Arc::new(policy),
            file: Arc::from(file.as_str()),
            pointer: Arc::from(""),
        }],
        boundary: None,
        trust: None,
        errors: Vec::new(),
        warnings: Vec::new(),
        service_linked: false,
        pointer: String::new(),
        groups: Vec::new(),
    };
    Ok((
        InputKind::Policy,
        Account {
            id: String::new(),
            file,
            principals: vec![principal],
            roles: Vec::new(),
            errors: Vec::new(),
            groups: Vec::new(),
            other_versions: std::collections::BTreeMap::new(),
        },
    ))
}

/// Everything `accounts` mention: their principals' policies and contexts.
fn mentions_of(accounts: &[&Account]) -> Mentions {
    let mut m = Mentions::default();
    for a in accounts {
        for p in &a.principals {
            for d in &p.identity {
                m.add_policy(&d.policy);
            }
            if let Some(b) = &p.boundary {
                m.add_policy(&b.policy);
            }
            m.add_principal_context(&p.context());
        }
    }
    m
}

/// Gives both policy-file accounts one account id (the first 12-digit account their ARN
/// patterns name) and, as pass-role targets, every concrete role ARN they name.
fn complete_policy_accounts(old: &mut Account, new: &mut Account, mentions: &Mentions) {
    let arns: Vec<&String> = mentions.arns.values().flatten().collect();
    let id = arns
        .iter()
        .filter_map(|a| crate::policy::pattern::split_arn(a).and_then(|p| p.get(4).copied()))
        .find(|acct| acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or(DEFAULT_ACCOUNT)
        .to_owned();
    let roles: BTreeSet<String> = mentions
        .arns
        .get("iam")
        .into_iter()
        .flatten()
        .filter(|a| a.contains(":role/") && !a.contains(['*', '?', '$']))
        .cloned()
        .collect();
    for a in [old, new] {
        a.id.clone_from(&id);
        for p in &mut a.principals {
            p.account.clone_from(&id);
            p.arn = format!("arn:aws:iam::{id}:role/{POLICY_PRINCIPAL}");
        }
        a.roles = roles
            .iter()
            .map(|r| RoleTarget {
                arn: r.clone(),
                trusts_sagemaker: false,
            })
            .collect();
    }
}

/// Audits both sides against one shared request space and compares them.
pub fn run_diff(cfg: &DiffConfig, catalog: &Catalog) -> Result<DiffResult, DiffError> {
    let (old_kind, mut old) = load_side(&cfg.old, &cfg.managed_dir)?;
    let (new_kind, mut new) = load_side(&cfg.new, &cfg.managed_dir)?;
    if old_kind != new_kind {
        return Err(DiffError::Mixed {
            old: cfg.old.display().to_string(),
            old_kind: old_kind.as_str(),
            new: cfg.new.display().to_string(),
            new_kind: new_kind.as_str(),
        });
    }
    let mut mentions = mentions_of(&[&old, &new]);
    if old_kind == InputKind::Policy {
        complete_policy_accounts(&mut old, &mut new, &mentions);
        // Principal contexts now carry the account and ARN.
        mentions = mentions_of(&[&old, &new]);
    }
    let targets: BTreeSet<String> = old
        .roles
        .iter()
        .chain(&new.roles)
        .map(|r| r.arn.clone())
        .collect();
    let audit = AuditConfig {
        gaad_files: Vec::new(),
        scp_levels: cfg.scp_levels.clone(),
        managed_dir: cfg.managed_dir.clone(),
        generator: cfg.generator.clone(),
        threads: cfg.threads,
        progress: cfg.progress,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail: Vec::new(),
        account_scp_levels: std::collections::BTreeMap::new(),
        graph: false,
        shared_space: Some(SharedSpace {
            mentions,
            targets: targets.into_iter().collect(),
        }),
    };
    let before = run_audit_accounts(&audit, catalog, vec![old])?;
    let after = run_audit_accounts(&audit, catalog, vec![new])?;
    Ok(compare(cfg, old_kind, &before, &after))
}

fn principals(r: &AuditResult) -> BTreeMap<&str, &PrincipalResult> {
    r.accounts
        .iter()
        .flat_map(|a| &a.principals)
        .map(|p| (p.arn.as_str(), p))
        .collect()
}

fn rank(c: Class) -> u8 {
    match c {
        Class::Never => 0,
        Class::Conditional => 1,
        Class::Always => 2,
    }
}

fn direction(old: Option<Cell>, new: Option<Cell>) -> Option<Direction> {
    let old_rank = old.map_or(0, |c| rank(c.class));
    let new_rank = new.map_or(0, |c| rank(c.class));
    if new_rank > old_rank {
        return Some(Direction::Gained);
    }
    if new_rank < old_rank {
        return Some(Direction::Lost);
    }
    let (Some(o), Some(n)) = (old, new) else {
        return None;
    };
    if o.class != Class::Conditional {
        return None;
    }
    // Same space, same totals: compare counts (cross-multiplied should totals ever differ).
    let (lhs, rhs) = (
        u128::from(n.allowed) * u128::from(o.total),
        u128::from(o.allowed) * u128::from(n.total),
    );
    match lhs.cmp(&rhs) {
        std::cmp::Ordering::Greater => Some(Direction::Widened),
        std::cmp::Ordering::Less => Some(Direction::Narrowed),
        std::cmp::Ordering::Equal => None,
    }
}

fn cells(p: Option<&PrincipalResult>) -> BTreeMap<String, (AccessLevel, Cell)> {
    p.into_iter()
        .flat_map(|p| p.actions.iter())
        .map(|c| {
            (
                c.action.clone(),
                (
                    c.access_level,
                    Cell {
                        class: c.class,
                        allowed: c.allowed,
                        total: c.total,
                    },
                ),
            )
        })
        .collect()
}

fn pass_targets(p: Option<&PrincipalResult>) -> BTreeMap<String, Class> {
    p.into_iter()
        .flat_map(|p| p.passrole.iter())
        .map(|t| (t.role.clone(), t.class))
        .collect()
}

/// Compares two audits of the same request space.
pub(crate) fn compare(
    cfg: &DiffConfig,
    kind: InputKind,
    before: &AuditResult,
    after: &AuditResult,
) -> DiffResult {
    let (old_p, new_p) = (principals(before), principals(after));
    let arns: BTreeSet<&str> = old_p.keys().chain(new_p.keys()).copied().collect();
    let mut out = DiffResult {
        old: cfg.old.display().to_string(),
        new: cfg.new.display().to_string(),
        kind,
        seed: cfg.generator.seed,
        variants: cfg.generator.variants,
        compared: 0,
        added: Vec::new(),
        removed: Vec::new(),
        changes: Vec::new(),
        pass_role: Vec::new(),
        gained: 0,
        lost: 0,
        findings: causes::compare_findings(before, after),
        new_findings: 0,
        resolved_findings: 0,
        errors: before.errors.iter().chain(&after.errors).cloned().collect(),
    };
    for arn in arns {
        let (o, n) = (old_p.get(arn).copied(), new_p.get(arn).copied());
        if o.is_some_and(|p| p.status == Status::Error)
            || n.is_some_and(|p| p.status == Status::Error)
        {
            continue;
        }
        match (o, n) {
            (None, Some(_)) => out.added.push(arn.to_owned()),
            (Some(_), None) => out.removed.push(arn.to_owned()),
            _ => out.compared += 1,
        }
        let (oc, nc) = (cells(o), cells(n));
        let actions: BTreeSet<&String> = oc.keys().chain(nc.keys()).collect();
        for action in actions {
            let (ol, nl) = (oc.get(action), nc.get(action));
            let old_cell = ol.map(|x| x.1);
            let new_cell = nl.map(|x| x.1);
            let Some(dir) = direction(old_cell, new_cell) else {
                continue;
            };
            let Some(level) = ol.or(nl).map(|x| x.0) else {
                continue;
            };
            out.changes.push(Change {
                principal: arn.to_owned(),
                action: action.clone(),
                access_level: level,
                direction: dir,
                old: old_cell,
                new: new_cell,
            });
        }
        let (ot, nt) = (pass_targets(o), pass_targets(n));
        let roles: BTreeSet<&String> = ot.keys().chain(nt.keys()).collect();
        for role in roles {
            let (oc, nc) = (ot.get(role).copied(), nt.get(role).copied());
            let dir = match (oc.map_or(0, rank), nc.map_or(0, rank)) {
                (a, b) if b > a => Direction::Gained,
                (a, b) if b < a => Direction::Lost,
                _ => continue,
            };
            out.pass_role.push(PassRoleChange {
                principal: arn.to_owned(),
                role: role.clone(),
                direction: dir,
                old: oc,
                new: nc,
            });
        }
    }
    out.changes.sort_by(|a, b| {
        (!a.direction.is_gain(), &a.principal, &a.action).cmp(&(
            !b.direction.is_gain(),
            &b.principal,
            &b.action,
        ))
    });
    out.gained = out.changes.iter().filter(|c| c.direction.is_gain()).count()
        + out
            .pass_role
            .iter()
            .filter(|c| c.direction.is_gain())
            .count();
    out.lost = out
        .changes
        .iter()
        .filter(|c| !c.direction.is_gain())
        .count()
        + out
            .pass_role
            .iter()
            .filter(|c| !c.direction.is_gain())
            .count();
    out.new_findings = out
        .findings
        .iter()
        .filter(|f| f.status == causes::FindingStatus::New)
        .count();
    out.resolved_findings = out
        .findings
        .iter()
        .filter(|f| f.status == causes::FindingStatus::Resolved)
        .count();
    out
}

fn cell_text(c: Option<Cell>) -> String {
    match c {
        None => "-".to_owned(),
        Some(c) if c.class == Class::Conditional => {
            format!("Conditional {}/{}", c.allowed, c.total)
        }
        Some(c) => c.class.as_str().to_owned(),
    }
}

/// A readable table of the diff.
pub(crate) fn render_text(d: &DiffResult) -> String {
    let mut s = format!(
        "iamc diff: {} → {} ({} files; one request space: seed {}, {} requests per action)\n",
        d.old,
        d.new,
        d.kind.as_str(),
        d.seed,
        d.variants
    );
    s.push_str(&format!(
        "principals: {} compared, {} added, {} removed\n",
        d.compared,
        d.added.len(),
        d.removed.len()
    ));
    for a in &d.added {
        s.push_str(&format!("  + {a}\n"));
    }
    for r in &d.removed {
        s.push_str(&format!("  - {r}\n"));
    }
    let header = ["change", "principal", "action", "level", "old", "new"];
    let mut rows: Vec<[String; 6]> = d
        .changes
        .iter()
        .map(|c| {
            [
                c.direction.as_str().to_owned(),
                c.principal.clone(),
                c.action.clone(),
                c.access_level.as_str().to_owned(),
                cell_text(c.old),
                cell_text(c.new),
            ]
        })
        .collect();
    rows.extend(d.pass_role.iter().map(|c| {
        [
            c.direction.as_str().to_owned(),
            c.principal.clone(),
            format!("iam:PassRole → {}", c.role),
            "target".to_owned(),
            c.old.map_or("-".to_owned(), |x| x.as_str().to_owned()),
            c.new.map_or("-".to_owned(), |x| x.as_str().to_owned()),
        ]
    }));
    if rows.is_empty() {
        s.push_str("no access gained or lost\n");
    } else {
        let mut width = header.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in width.iter_mut().zip(r) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let parts: Vec<String> = cells
                .iter()
                .zip(width)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            format!("  {}\n", parts.join("  ").trim_end())
        };
        s.push_str(&line(&header.map(str::to_owned)));
        for r in &rows {
            s.push_str(&line(r));
        }
    }
    if !d.findings.is_empty() {
        s.push_str("findings:\n");
        for f in &d.findings {
            let who = match f.principals.len() {
                1 => f.principals.first().cloned().unwrap_or_default(),
                n => format!("{n} principals"),
            };
            s.push_str(&format!(
                "  {:<16}  {:<8}  {}  {}{}  [{}]\n",
                f.status.as_str(),
                f.severity.as_str(),
                f.rule,
                who,
                f.target_role
                    .as_deref()
                    .map_or(String::new(), |t| format!(" → {t}")),
                f.statements.join("; ")
            ));
        }
    }
    s.push_str(&format!(
        "gained {}, lost {}; findings: {} new, {} resolved",
        d.gained, d.lost, d.new_findings, d.resolved_findings
    ));
    if !d.errors.is_empty() {
        s.push_str(&format!(", {} errors", d.errors.len()));
    }
    s.push('\n');
    for e in &d.errors {
        s.push_str(&format!("error: {e}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(class: Class, allowed: u64) -> Option<Cell> {
        Some(Cell {
            class,
            allowed,
            total: 10,
        })
    }

    #[test]
    fn directions() {
        assert_eq!(
            direction(cell(Class::Never, 0), cell(Class::Always, 10)),
            Some(Direction::Gained)
        );
        assert_eq!(
            direction(cell(Class::Always, 10), cell(Class::Conditional, 3)),
            Some(Direction::Lost)
        );
        assert_eq!(
            direction(cell(Class::Conditional, 3), cell(Class::Conditional, 4)),
            Some(Direction::Widened)
        );
        assert_eq!(
            direction(cell(Class::Conditional, 3), cell(Class::Conditional, 3)),
            None
        );
        assert_eq!(direction(None, cell(Class::Never, 0)), None);
        assert_eq!(
            direction(cell(Class::Always, 10), None),
            Some(Direction::Lost)
        );
    }
}
