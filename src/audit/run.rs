//! The audit driver: load accounts, group principals ([`super::group`]), evaluate the request
//! space for every group ([`super::coverage`]), work out `iam:PassRole` reach, decide findings,
//! and assemble the results every report renders.
//!
//! INVARIANT (thread-count independence): every stage merges parallel work by index, so every
//! report is identical for any `--threads`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant as Clock;

use bumpalo::Bump;
use rayon::prelude::*;

use super::cloudtrail::{self, TrailLog};
use super::coverage::{account_coverage, by_level};
use super::findings::{FindingsInput, GroupView, RequestCache, account_findings};
use super::group::{Grouping, describe_policies, group_principals};
use super::load::{self, Account, ManagedPolicyDir, Principal};
use super::model::{
    AccountResult, ActionCoverage, AuditError, AuditResult, Finding, InputFile, PassRoleTarget,
    PolicyWarning, PrincipalLeastPrivilege, PrincipalResult, Stats, Status,
};
use super::passrole::{PassRoleSpace, PreparedSpace};
use super::progress::Progress;
use super::space::{self, GenConfig, Mentions};
use crate::catalog::{ActionId, Catalog};
use crate::compile::Compiler;
use crate::policy::{Policy, PolicyKind, PolicySet};

/// Everything an audit run needs. The default audits nothing (no files) with the generator's
/// defaults, one worker per core, no progress bar.
#[derive(Debug, Clone, Default)]
pub struct AuditConfig {
    /// GAAD files, one account each.
    pub gaad_files: Vec<PathBuf>,
    /// SCP levels that apply to every account, root first; each level's policy files.
    pub scp_levels: Vec<Vec<PathBuf>>,
    /// SCP levels of one account only (`--scp-level ACCOUNT=FILE,…`), by account id: that
    /// account's levels are `scp_levels` followed by these.
    pub account_scp_levels: BTreeMap<String, Vec<Vec<PathBuf>>>,
    /// Where to find AWS managed policies a GAAD file references but does not include.
    pub managed_dir: ManagedPolicyDir,
    /// The request generator's settings.
    pub generator: GenConfig,
    /// Worker threads (0 = all cores).
    pub threads: usize,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Only actions of these services (empty = every catalog action).
    pub services: Vec<String>,
    /// CloudTrail files or directories: when given, each principal's logged SageMaker calls are
    /// compared with its coverage and a minimal policy is proven for it ([`cloudtrail`]).
    pub cloudtrail: Vec<PathBuf>,
    /// Only these principals (each an ARN, or a role or user name) of the accounts are audited;
    /// empty: every principal. A selector that matches no principal is an error.
    pub principals: Vec<String>,
    /// A request space shared with another audit (`iamc diff`): when set, every account is audited
    /// against the space these mentions and targets generate, whatever its own policies mention.
    pub shared_space: Option<SharedSpace>,
    /// Build the who-can-become-whom graph over every account and add its chain findings
    /// ([`super::graph`]). The default is off; `iamc audit` turns it on.
    pub graph: bool,
}

/// The SCP levels read from their files: those of every account and each account's own.
#[derive(Debug, Clone, Default)]
pub struct ScpLevels {
    /// Levels for every account, root first.
    pub(crate) all: Vec<Vec<Policy>>,
    /// Levels of one account only, by account id (after `all`).
    pub(crate) by_account: BTreeMap<String, Vec<Vec<Policy>>>,
}

impl ScpLevels {
    /// The levels that apply to `account`.
    pub(crate) fn for_account(&self, account: &str) -> Vec<Vec<Policy>> {
        let mut out = self.all.clone();
        if let Some(own) = self.by_account.get(account) {
            out.extend(own.iter().cloned());
        }
        out
    }
}

/// What a request space is generated from, when several audits must share one (`iamc diff`
/// compares two versions of an account request by request). The account's own mentions are added
/// to [`SharedSpace::mentions`]; give it the union of every side's so both see the same space.
#[derive(Debug, Clone, Default)]
pub struct SharedSpace {
    /// What every side's policies and principals mention.
    pub(crate) mentions: Mentions,
    /// Extra resource candidates (every side's role ARNs, sorted), used instead of the account's
    /// own roles.
    pub(crate) targets: Vec<String>,
}

/// A fatal problem: the audit cannot run at all.
#[derive(Debug, thiserror::Error)]
pub enum AuditFailure {
    /// An SCP file is unreadable or invalid: every decision would be wrong without it.
    #[error("{0}")]
    Scp(AuditError),
    /// A GAAD file that cannot be read, is not a GAAD document, or repeats an account already
    /// given: nothing is audited, so no report replaces an earlier one.
    #[error("{0}")]
    Input(AuditError),
    /// A setting that cannot be honoured (an unknown `--service`, a size over its limit).
    #[error("{0}")]
    Settings(String),
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// The most synthetic requests per action `--variants` may ask for: 10,000 (461 actions × 10,000
/// requests is 4.6 M requests per account; the account's [`space::RequestSpace`] holds plans,
/// and coverage makes a few actions' requests at a time).
pub(crate) const MAX_VARIANTS: usize = 10_000;

impl AuditConfig {
    /// The SCP level files of `account`: the levels for every account, then its own.
    pub(crate) fn scp_files_for(&self, account: &str) -> Vec<Vec<PathBuf>> {
        let mut out = self.scp_levels.clone();
        if let Some(own) = self.account_scp_levels.get(account) {
            out.extend(own.iter().cloned());
        }
        out
    }

    /// Checks the settings before any work: `variants` within 1..=[`MAX_VARIANTS`], every
    /// `services` prefix known to the catalog, at most 1,024 threads.
    pub(crate) fn check(&self, catalog: &Catalog) -> Result<(), AuditFailure> {
        let variants = self.generator.variants;
        if !(1..=MAX_VARIANTS).contains(&variants) {
            return Err(AuditFailure::Settings(format!(
                "`--variants {variants}` is out of range: use 1 to {MAX_VARIANTS}"
            )));
        }
        if self.threads > 1024 {
            return Err(AuditFailure::Settings(format!(
                "`--threads {}` is out of range: use 0 (one per core) to 1024",
                self.threads
            )));
        }
        let known: BTreeSet<&str> = catalog
            .actions_with_ids()
            .map(|(_, a)| a.service.as_str())
            .collect();
        for s in &self.services {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(s)) {
                let list: Vec<&str> = known.iter().copied().collect();
                return Err(AuditFailure::Settings(format!(
                    "`--service {s}` names no service of the catalog (it holds {})",
                    list.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// Lint warnings ([`crate::lint`]) on every distinct policy document the selected principals of
/// `account` have (identity and boundary), each with the principals that have it. Linted against
/// the extended catalog, so unknown actions of the services it holds are named.
fn lint_account(account: &Account, selected: &[bool]) -> Vec<PolicyWarning> {
    use crate::lint::{Level, lint_policy};
    let catalog = Catalog::aws_default();
    // Distinct documents, in first-seen order, with their principals.
    let mut docs: Vec<(&load::PolicyDoc, PolicyKind, Vec<String>)> = Vec::new();
    let mut index: BTreeMap<(std::sync::Arc<str>, bool), usize> = BTreeMap::new();
    for (p, _) in account
        .principals
        .iter()
        .zip(selected)
        .filter(|(p, s)| **s && p.errors.is_empty())
    {
        let identity = p.identity.iter().map(|d| (d, PolicyKind::Identity));
        let boundary = p.boundary.iter().map(|d| (d, PolicyKind::Boundary));
        for (d, kind) in identity.chain(boundary) {
            let key = (d.id.clone(), kind == PolicyKind::Boundary);
            match index.get(&key) {
                Some(&i) => {
                    if let Some((_, _, who)) = docs.get_mut(i) {
                        who.push(p.arn.clone());
                    }
                }
                None => {
                    index.insert(key, docs.len());
                    docs.push((d, kind, vec![p.arn.clone()]));
                }
            }
        }
    }
    docs.par_iter()
        .flat_map_iter(|(d, kind, principals)| {
            lint_policy(&d.policy, *kind, catalog)
                .into_iter()
                .filter(|f| f.level() <= Level::Warning)
                .map(|f| PolicyWarning {
                    file: d.file.to_string(),
                    pointer: format!("{}{}", d.pointer, f.pointer),
                    policy: d.label.to_string(),
                    rule: f.rule.id().to_owned(),
                    message: f.message,
                    principals: principals.clone(),
                })
        })
        .collect()
}

/// Per account, per principal: whether `selectors` name it (by ARN, else by name, else by name
/// ignoring case); empty selects everyone. Every selector must match someone.
fn select_principals(
    accounts: &[Account],
    selectors: &[String],
) -> Result<Vec<Vec<bool>>, AuditFailure> {
    if selectors.is_empty() {
        return Ok(accounts
            .iter()
            .map(|a| vec![true; a.principals.len()])
            .collect());
    }
    let matches = |p: &Principal, s: &str, fold: bool| {
        if s.starts_with("arn:") {
            p.arn == s
        } else if fold {
            p.name.eq_ignore_ascii_case(s)
        } else {
            p.name == s
        }
    };
    let mut keep: Vec<Vec<bool>> = accounts
        .iter()
        .map(|a| vec![false; a.principals.len()])
        .collect();
    for s in selectors {
        let mut hit = false;
        for fold in [false, true] {
            for (a, k) in accounts.iter().zip(keep.iter_mut()) {
                for (p, slot) in a.principals.iter().zip(k.iter_mut()) {
                    if matches(p, s, fold) {
                        *slot = true;
                        hit = true;
                    }
                }
            }
            if hit {
                break;
            }
        }
        if !hit {
            let names: Vec<&str> = accounts
                .iter()
                .flat_map(|a| a.principals.iter().map(|p| p.name.as_str()))
                .collect();
            let shown: Vec<String> = names.iter().take(10).map(|n| format!("`{n}`")).collect();
            return Err(AuditFailure::Settings(format!(
                "`--principal {s}` names no role or user of the accounts ({} principals{}{})",
                names.len(),
                if shown.is_empty() { "" } else { ", such as " },
                shown.join(", ")
            )));
        }
    }
    Ok(keep)
}

/// Reads one SCP level's files.
fn read_level(level: &[PathBuf], inputs: &mut Vec<InputFile>) -> Result<Vec<Policy>, AuditFailure> {
    let mut out = Vec::new();
    for f in level {
        let file = f.display().to_string();
        let fail = |pointer: String, message: String| {
            AuditFailure::Scp(AuditError {
                file: file.clone(),
                principal: None,
                pointer,
                message,
            })
        };
        let text = std::fs::read_to_string(f)
            .map_err(|e| fail(String::new(), format!("cannot read: {e}")))?;
        inputs.push(InputFile {
            path: file.clone(),
            kind: "scp".to_owned(),
            bytes: text.len() as u64,
        });
        let p = Policy::parse(&text, PolicyKind::Scp)
            .map_err(|e| fail(e.pointer.clone(), format!("invalid SCP: {}", e.message)))?;
        out.push(p);
    }
    Ok(out)
}

/// Reads every SCP level of `cfg`: those of every account and each account's own.
pub fn read_scps(
    cfg: &AuditConfig,
    inputs: &mut Vec<InputFile>,
) -> Result<ScpLevels, AuditFailure> {
    let mut levels = ScpLevels::default();
    for level in &cfg.scp_levels {
        levels.all.push(read_level(level, inputs)?);
    }
    for (account, own) in &cfg.account_scp_levels {
        let mut out = Vec::new();
        for level in own {
            out.push(read_level(level, inputs)?);
        }
        levels.by_account.insert(account.clone(), out);
    }
    Ok(levels)
}

/// Runs an audit of the accounts in `cfg.gaad_files`.
pub fn run_audit(cfg: &AuditConfig, catalog: &Catalog) -> Result<AuditResult, AuditFailure> {
    for (i, a) in cfg.gaad_files.iter().enumerate() {
        let same = |b: &PathBuf| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
            (Ok(x), Ok(y)) => x == y,
            _ => a == b,
        };
        if let Some(b) = cfg.gaad_files.iter().skip(i + 1).find(|b| same(b)) {
            return Err(AuditFailure::Input(AuditError {
                file: b.display().to_string(),
                principal: None,
                pointer: String::new(),
                message: format!(
                    "the same file is given twice (`{}` and `{}`)",
                    a.display(),
                    b.display()
                ),
            }));
        }
    }
    let sources = cfg.gaad_files.iter().map(|path| {
        let input = InputFile {
            path: path.display().to_string(),
            kind: "gaad".to_owned(),
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        };
        (input, load::load_gaad(path, &cfg.managed_dir))
    });
    audit_sources(cfg, catalog, cfg.gaad_files.len(), sources)
}

/// Runs an audit of accounts already loaded (or built, such as the one-principal account `iamc
/// diff` makes of a policy file); `cfg.gaad_files` is not read.
pub fn run_audit_accounts(
    cfg: &AuditConfig,
    catalog: &Catalog,
    accounts: Vec<Account>,
) -> Result<AuditResult, AuditFailure> {
    let count = accounts.len();
    let sources = accounts.into_iter().map(|a| {
        let input = InputFile {
            path: a.file.clone(),
            kind: "gaad".to_owned(),
            bytes: std::fs::metadata(&a.file).map(|m| m.len()).unwrap_or(0),
        };
        (input, Ok(a))
    });
    audit_sources(cfg, catalog, count, sources)
}

/// The audit proper, over `count` accounts loaded one at a time.
fn audit_sources(
    cfg: &AuditConfig,
    catalog: &Catalog,
    count: usize,
    sources: impl Iterator<Item = (InputFile, Result<Account, AuditError>)>,
) -> Result<AuditResult, AuditFailure> {
    let started = Clock::now();
    let threads = if cfg.threads == 0 {
        rayon::current_num_threads()
    } else {
        cfg.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|_| AuditFailure::Threads(threads))?;
    cfg.check(catalog)?;
    let mut inputs = Vec::new();
    let scps = read_scps(cfg, &mut inputs)?;
    let mut errors: Vec<AuditError> = Vec::new();
    let mut accounts = Vec::new();
    let mut stats = Stats {
        threads,
        seed: cfg.generator.seed,
        variants_per_action: cfg.generator.variants,
        ..Stats::default()
    };
    let actions: Vec<ActionId> = catalog
        .actions_with_ids()
        .filter(|(_, a)| {
            cfg.services.is_empty()
                || cfg
                    .services
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&a.service))
        })
        .map(|(id, _)| id)
        .collect();
    stats.actions = actions.len();
    let mut eval_seconds = 0.0;
    // Findings per audited account, in order; the graph adds to them at the end.
    let mut findings: Vec<Vec<Finding>> = Vec::new();
    let progress = Progress::new(cfg.progress);
    progress.phase("loading", Some(count as u64));
    let trail = (!cfg.cloudtrail.is_empty()).then(|| cloudtrail::load(&cfg.cloudtrail, catalog));
    let mut least_privilege = Vec::new();

    // Every input is loaded (and refused if it cannot be read or is not a GAAD document, or
    // repeats an account) before any principal is evaluated.
    let mut loaded_accounts: Vec<Account> = Vec::with_capacity(count);
    for (input, loaded) in sources {
        inputs.push(input);
        let account = loaded.map_err(AuditFailure::Input)?;
        if let Some(earlier) = loaded_accounts
            .iter()
            .find(|a| a.id == account.id && a.id != "unknown")
        {
            return Err(AuditFailure::Input(AuditError {
                file: account.file.clone(),
                principal: None,
                pointer: String::new(),
                message: format!(
                    "account {} is given twice, in `{}` and in `{}`",
                    account.id, earlier.file, account.file
                ),
            }));
        }
        loaded_accounts.push(account);
        progress.inc(1);
    }
    for id in cfg.account_scp_levels.keys() {
        if !loaded_accounts.iter().any(|a| &a.id == id) {
            return Err(AuditFailure::Settings(format!(
                "`--scp-level {id}=…` names account `{id}`, which no GAAD file holds"
            )));
        }
    }
    let selections = select_principals(&loaded_accounts, &cfg.principals)?;
    // The accounts are audited one after the other while the graph (which reads only the
    // loaded accounts) is built and walked beside them: each fills the other's serial stretches
    // (loading a group's compiles, a phase's merge) on the pool's threads. On one thread the
    // graph simply follows.
    let t = Clock::now();
    let audit_accounts = || {
        let mut audited = Vec::with_capacity(loaded_accounts.len());
        for (account, selected) in loaded_accounts.iter().zip(&selections) {
            let account_scps = scps.for_account(&account.id);
            let scp_files = cfg.scp_files_for(&account.id);
            audited.push(audit_account(
                account,
                selected,
                (&account_scps, &scp_files),
                cfg,
                catalog,
                &actions,
                &mut stats,
                &progress,
                trail.as_ref().map(|t| (t, &mut least_privilege)),
            ));
        }
        audited
    };
    let graph = || {
        cfg.graph.then(|| {
            let t = Clock::now();
            let arena = Bump::new();
            let chains = super::graph::Graph::build(
                &arena,
                &loaded_accounts,
                &scps,
                cfg,
                catalog,
                super::graph::now(),
            )
            .findings();
            (chains, t.elapsed().as_secs_f64())
        })
    };
    // The policies' lint warnings are worked out beside them too.
    let lint = || -> Vec<PolicyWarning> {
        loaded_accounts
            .iter()
            .zip(&selections)
            .flat_map(|(a, sel)| lint_account(a, sel))
            .collect()
    };
    let (audited, (chains, policy_warnings)) =
        pool.install(|| rayon::join(audit_accounts, || rayon::join(graph, lint)));
    for (account, (result, account_findings)) in loaded_accounts.iter().zip(audited) {
        errors.extend(account.errors.iter().cloned());
        findings.push(account_findings);
        for p in &result.principals {
            errors.extend(p.errors.iter().cloned());
        }
        accounts.push(result);
    }
    if let Some((chains, seconds)) = chains {
        add_chain_findings(&mut findings, chains, &accounts);
        stats.findings_seconds += seconds;
    }
    eval_seconds += t.elapsed().as_secs_f64();
    // One finding per cause, with every principal it affects.
    let findings: Vec<Finding> =
        pool.install(|| super::findings::causes::group(findings.into_iter().flatten().collect()));
    progress.finish();
    stats.principals = accounts.iter().map(|a| a.principals.len()).sum();
    stats.principals_with_errors = accounts
        .iter()
        .flat_map(|a| &a.principals)
        .filter(|p| p.status == Status::Error)
        .count();
    stats.evaluation_seconds = eval_seconds;
    stats.wall_seconds = started.elapsed().as_secs_f64();
    stats.decisions_per_second = if eval_seconds > 0.0 {
        stats.decisions as f64 / eval_seconds
    } else {
        0.0
    };
    let least_privilege = trail.map(|t| {
        errors.extend(t.summary.errors.iter().cloned());
        cloudtrail::finish(&t, least_privilege, &accounts)
    });
    Ok(AuditResult {
        least_privilege,
        policy_warnings,
        iamc_version: env!("CARGO_PKG_VERSION").to_owned(),
        inputs,
        accounts,
        errors,
        findings,
        stats,
    })
}

/// Adds the graph's chain findings to their accounts' lists (only for principals the audit
/// reports), keeping each touched list in report order.
fn add_chain_findings(
    findings: &mut [Vec<Finding>],
    chains: Vec<Finding>,
    accounts: &[AccountResult],
) {
    let mut touched = vec![false; findings.len()];
    for f in chains {
        let Some(i) = accounts.iter().position(|a| a.id == f.account) else {
            continue;
        };
        let reported = accounts
            .get(i)
            .is_some_and(|a| a.principals.iter().any(|p| p.arn == f.principal));
        if let (true, Some(list), Some(t)) = (reported, findings.get_mut(i), touched.get_mut(i)) {
            list.push(f);
            *t = true;
        }
    }
    for (list, _) in findings.iter_mut().zip(&touched).filter(|(_, t)| **t) {
        super::findings::sort_findings(list);
        list.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one private call site; the arguments are the run's shared state"
)]
fn audit_account(
    account: &Account,
    selected: &[bool],
    (scps, scp_files): (&[Vec<Policy>], &[Vec<PathBuf>]),
    cfg: &AuditConfig,
    catalog: &Catalog,
    actions: &[ActionId],
    stats: &mut Stats,
    progress: &Progress,
    trail: Option<(&TrailLog, &mut Vec<PrincipalLeastPrivilege>)>,
) -> (AccountResult, Vec<Finding>) {
    let arena = Bump::new();
    let compiler = Compiler::new(&arena, catalog);
    let mut mentions = cfg
        .shared_space
        .as_ref()
        .map(|s| s.mentions.clone())
        .unwrap_or_default();
    for level in scps {
        for p in level {
            mentions.add_policy(p);
        }
    }
    progress.phase("grouping", None);
    let Grouping {
        groups,
        group_of,
        principal_errors,
    } = group_principals(account, scps, scp_files, &compiler, catalog, &mut mentions);
    stats.groups += groups.len();
    let targets: Vec<String> = match &cfg.shared_space {
        Some(shared) => shared.targets.clone(),
        None => account.roles.iter().map(|r| r.arn.clone()).collect(),
    };

    // Per group, per action: coverage.
    progress.phase("coverage", Some(actions.len() as u64));
    let coverage_started = Clock::now();
    // With `--principal`, only the groups of the selected principals are evaluated; every group
    // stays compiled, so what a target role can do is still decided exactly.
    let active: Vec<bool> = groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .any(|m| selected.get(*m).copied().unwrap_or(false))
        })
        .collect();
    let mut analysis = crate::analyze::AnalysisConfig::new(&account.id);
    analysis.region.clone_from(&cfg.generator.region);
    let analyzer = crate::analyze::Analyzer::new(catalog, analysis);
    // The account's one request space: coverage reads every action whole, the detectors (and
    // CloudTrail verification) read the same requests afterwards.
    let request_space =
        space::RequestSpace::new(catalog, &account.id, &cfg.generator, &mentions, &targets);
    let super::coverage::Coverage {
        cells: coverage,
        alike,
        evaluated_by,
        errors: disagreements,
    } = account_coverage(
        &groups,
        &active,
        actions,
        &request_space,
        catalog,
        &analyzer,
        stats,
        progress,
    );
    let mut analysis_errors = super::coverage::attribute(&groups, selected, disagreements);
    stats.coverage_seconds += coverage_started.elapsed().as_secs_f64();
    let mut pass_role: Vec<Vec<PassRoleTarget>> = vec![Vec::new(); groups.len()];
    let findings_started = Clock::now();
    // iam:PassRole reach per group, over classes of roles no policy tells apart.
    progress.phase("pass-role", None);
    let sets: Vec<&PolicySet> = groups.iter().map(|g| &g.set).collect();
    let role_space = PassRoleSpace::build(account, &sets, catalog, &cfg.generator, &mentions);
    if actions.iter().any(|a| {
        catalog
            .action_by_id(*a)
            .is_some_and(|x| x.full_name() == "iam:PassRole")
    }) {
        let prepared = PreparedSpace::new(&role_space, catalog);
        pass_role = groups
            .par_iter()
            .zip(&active)
            .map(|(g, a)| {
                if *a {
                    prepared.reach(&role_space, account, &g.compiled, &g.context)
                } else {
                    Vec::new()
                }
            })
            .collect();
    }

    progress.phase("findings", None);
    let findings = {
        let views: Vec<GroupView<'_, '_>> = groups
            .iter()
            .enumerate()
            .map(|(gi, g)| GroupView {
                index: gi,
                set: &g.set,
                compiled: &g.compiled,
                context: &g.context,
                coverage: coverage.get(gi).map_or(&[][..], Vec::as_slice),
                alike: alike.get(gi).map_or(&[][..], Vec::as_slice),
                evaluated_by: evaluated_by.get(gi).map_or(&[][..], Vec::as_slice),
                members: &g.members,
                origins: &g.origins,
                pass_role: pass_role.get(gi).map_or(&[][..], Vec::as_slice),
            })
            .collect();
        let cache = RequestCache::default();
        let input = FindingsInput {
            account,
            groups: &views,
            focus: None,
            active: &active,
            cache: &cache,
            group_of: &group_of,
            catalog,
            generator: &cfg.generator,
            mentions: &mentions,
            space: &request_space,
            pass_role_space: &role_space,
        };
        let mut findings = account_findings(&input);
        let chosen: std::collections::HashSet<&str> = account
            .principals
            .iter()
            .zip(selected)
            .filter(|(_, s)| **s)
            .map(|(p, _)| p.arn.as_str())
            .collect();
        findings.retain_mut(|f| {
            if f.principals.is_empty() {
                return chosen.contains(f.principal.as_str());
            }
            f.principals.retain(|p| chosen.contains(p.as_str()));
            f.principal_count = f.principals.len();
            match f.principals.first() {
                Some(first) => {
                    f.principal.clone_from(first);
                    true
                }
                None => false,
            }
        });
        if let Some((trail, out)) = trail {
            cloudtrail::account_least_privilege(&input, trail, &mut findings, out);
        }
        // Exact analyses the detectors ran that failed are audit errors (exit status 1).
        analysis_errors.extend(super::coverage::attribute(
            &groups,
            selected,
            cache.analysis_errors(),
        ));
        findings
    };
    stats.findings_seconds += findings_started.elapsed().as_secs_f64();
    let coverage: Vec<Arc<Vec<ActionCoverage>>> = coverage.into_iter().map(Arc::new).collect();
    let pass_role: Vec<Arc<Vec<PassRoleTarget>>> = pass_role.into_iter().map(Arc::new).collect();
    // Each group's counts by access level, once for all its members.
    let levels: Vec<BTreeMap<_, _>> = coverage.par_iter().map(|c| by_level(c)).collect();
    let principals = account
        .principals
        .par_iter()
        .enumerate()
        .filter(|(pi, _)| selected.get(*pi).copied().unwrap_or(false))
        .map(|(pi, p)| {
            let mut errs = principal_errors.get(pi).cloned().unwrap_or_default();
            let gi = group_of
                .get(pi)
                .copied()
                .flatten()
                .filter(|_| errs.is_empty());
            errs.extend(super::coverage::errors_of(&analysis_errors, pi, account, p));
            errs.extend(p.warnings.iter().cloned());
            let (actions, by_level, passrole, policies) =
                match gi.and_then(|g| Some((g, groups.get(g)?))) {
                    Some((g, group)) => {
                        let cov = coverage.get(g).cloned().unwrap_or_default();
                        let by_level = levels.get(g).cloned().unwrap_or_default();
                        (
                            cov,
                            by_level,
                            pass_role.get(g).cloned().unwrap_or_default(),
                            group.policies.clone(),
                        )
                    }
                    None => (
                        Arc::default(),
                        BTreeMap::new(),
                        Arc::default(),
                        describe_policies(p, scp_files),
                    ),
                };
            PrincipalResult {
                name: p.name.clone(),
                arn: p.arn.clone(),
                kind: p.kind.as_str().to_owned(),
                path: p.path.clone(),
                status: if gi.is_some() {
                    Status::Ok
                } else {
                    Status::Error
                },
                errors: errs,
                group: gi,
                policies,
                by_level,
                actions,
                passrole,
            }
        })
        .collect();
    (
        AccountResult {
            id: account.id.clone(),
            file: account.file.clone(),
            principals,
        },
        findings,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_sample(name: &str) -> Option<PathBuf> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/gaad-samples")
            .join(name);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("SKIP: {} is absent", p.display());
            None
        }
    }

    #[test]
    fn encoded_and_decoded_samples_audit_identically() {
        let (Some(plain), Some(encoded)) = (
            shared_sample("synthetic-sagemaker-account.json"),
            shared_sample("synthetic-sagemaker-account.url-encoded.json"),
        ) else {
            return;
        };
        let catalog = Catalog::sagemaker_default();
        let run = |f: PathBuf| {
            let cfg = AuditConfig {
                gaad_files: vec![f],
                generator: GenConfig {
                    variants: 50,
                    ..GenConfig::default()
                },
                threads: 2,
                graph: true,
                ..AuditConfig::default()
            };
            run_audit(&cfg, catalog).unwrap()
        };
        let a = run(plain);
        let b = run(encoded);
        assert_eq!(a.accounts.len(), 1);
        let (pa, pb) = (&a.accounts[0].principals, &b.accounts[0].principals);
        assert_eq!(pa.len(), 5);
        for (x, y) in pa.iter().zip(pb) {
            assert_eq!(x.actions, y.actions, "{}", x.name);
            assert_eq!(x.status, Status::Ok, "{}: {:?}", x.name, x.errors);
            assert_eq!(x.actions.len(), catalog.action_count());
        }
        assert_eq!(a.stats.decisions, b.stats.decisions);
        eprintln!("{:#?}", a.stats);
        for p in pa {
            eprintln!("{} {:?}", p.name, p.by_level);
        }
    }
}
