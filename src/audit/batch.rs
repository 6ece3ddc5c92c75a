//! The audit driver: load accounts, group principals whose decisions must be identical, compile
//! each group once, evaluate the request space with rayon, and aggregate coverage.
//!
//! Two principals are grouped when they have the same policies (by managed ARN or inline document
//! hash, in order), the same boundary, the same SCP exemption, and the same values for every
//! principal key (`aws:PrincipalTag/…`, `aws:username`, …) their policies read. Nothing else can
//! change a decision, so each group is evaluated once and reported for each member.
//!
//! INVARIANT (thread-count independence): work is split into (group, request chunk) tasks whose
//! results are merged by index (sums, and the smallest sample indexes), so every report is
//! identical for any `--threads`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant as Clock;

use bumpalo::Bump;
use rayon::prelude::*;

use super::account::{self, Account, ManagedPolicyDir, Principal};
use super::cloudtrail::{self, TrailLog};
use super::findings::{FindingsInput, GroupView, PolicyOrigin, RequestCache, account_findings};
use super::model::{
    AccountResult, ActionCoverage, AuditError, AuditResult, Class, Finding, InputFile, LevelCounts,
    PassRoleTarget, PrincipalLeastPrivilege, PrincipalResult, Stats, Status,
};
use super::passrole::{PassRoleSpace, PreparedSpace};
use super::requests::{self, ActionRequests, GenConfig, Mentions};
use crate::catalog::{AccessLevel, ActionId, Catalog};
use crate::compile::{CompiledSet, Compiler};
use crate::eval::{Decision, Explanation, Layer, PreparedRequest};
use crate::policy::{Policy, PolicyKind, PolicySet, ResourcePattern};
use crate::request::prepared::{PreparedContext, Preparer};

/// Everything an audit run needs.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// GAAD files, one account each.
    pub gaad_files: Vec<PathBuf>,
    /// SCP levels, root first; each level's policy files.
    pub scp_levels: Vec<Vec<PathBuf>>,
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
    /// A request space shared with another audit (`iamc diff`): when set, every account is audited
    /// against the space these mentions and targets generate, whatever its own policies mention.
    pub shared_space: Option<SharedSpace>,
}

/// What a request space is generated from, when several audits must share one (`iamc diff`
/// compares two versions of an account request by request). The account's own mentions are added
/// to [`SharedSpace::mentions`]; give it the union of every side's so both see the same space.
#[derive(Debug, Clone, Default)]
pub struct SharedSpace {
    /// What every side's policies and principals mention.
    pub mentions: Mentions,
    /// Extra resource candidates (every side's role ARNs, sorted), used instead of the account's
    /// own roles.
    pub targets: Vec<String>,
}

/// A fatal problem: the audit cannot run at all.
#[derive(Debug, thiserror::Error)]
pub enum AuditFailure {
    /// An SCP file is unreadable or invalid: every decision would be wrong without it.
    #[error("{0}")]
    Scp(AuditError),
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
}

/// Requests sampled per cell to explain a `Conditional` class.
const SAMPLES: usize = 4;

/// Counts for one group × action over a slice of requests, with sample request indexes.
#[derive(Debug, Clone, Default)]
struct Agg {
    allowed: u64,
    total: u64,
    other_allowed: u64,
    other_total: u64,
    allowed_samples: Vec<usize>,
    denied_samples: Vec<usize>,
}

impl Agg {
    fn merge(&mut self, o: Agg) {
        self.allowed += o.allowed;
        self.total += o.total;
        self.other_allowed += o.other_allowed;
        self.other_total += o.other_total;
        for (mine, theirs) in [
            (&mut self.allowed_samples, o.allowed_samples),
            (&mut self.denied_samples, o.denied_samples),
        ] {
            mine.extend(theirs);
            mine.sort_unstable();
            mine.truncate(SAMPLES);
        }
    }
}

/// One evaluation group.
struct Group<'a> {
    members: Vec<usize>,
    set: PolicySet,
    compiled: CompiledSet<'a>,
    context: PreparedContext,
    policies: Vec<String>,
    origins: Vec<PolicyOrigin>,
}

/// Where each policy of a principal's set comes from, for locating statements in findings.
fn origins_of(p: &Principal, cfg: &AuditConfig) -> Vec<PolicyOrigin> {
    let mut out = Vec::new();
    for (i, d) in p.identity.iter().enumerate() {
        out.push(PolicyOrigin {
            layer: Layer::Identity,
            index: u32::try_from(i).unwrap_or(u32::MAX),
            label: d.label.clone(),
            file: d.file.clone(),
            pointer: d.pointer.clone(),
        });
    }
    if let Some(b) = &p.boundary {
        out.push(PolicyOrigin {
            layer: Layer::Boundary,
            index: 0,
            label: b.label.clone(),
            file: b.file.clone(),
            pointer: b.pointer.clone(),
        });
    }
    if !p.service_linked {
        for (l, level) in cfg.scp_levels.iter().enumerate() {
            for (i, f) in level.iter().enumerate() {
                out.push(PolicyOrigin {
                    layer: Layer::Scp(u32::try_from(l).unwrap_or(u32::MAX)),
                    index: u32::try_from(i).unwrap_or(u32::MAX),
                    label: format!("scp[{l}][{i}]:{}", f.display()),
                    file: f.display().to_string(),
                    pointer: String::new(),
                });
            }
        }
    }
    out
}

fn read_scps(
    cfg: &AuditConfig,
    inputs: &mut Vec<InputFile>,
) -> Result<Vec<Vec<Policy>>, AuditFailure> {
    let mut levels = Vec::new();
    for level in &cfg.scp_levels {
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
        levels.push(out);
    }
    Ok(levels)
}

/// Lowercase keys a policy set reads: condition keys and every variable.
fn keys_read(set: &PolicySet) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (_, p) in set.labelled() {
        for st in &p.statements {
            for c in &st.conditions {
                out.insert(c.key_lower.clone());
                out.extend(c.variables().map(|v| v.key_lower.clone()));
            }
            if let Some(r) = &st.resource {
                for pat in &r.patterns {
                    if let ResourcePattern::Arn(t) = pat {
                        out.extend(t.variables().map(|v| v.key_lower.clone()));
                    }
                }
            }
        }
    }
    out
}

fn policy_set_of(p: &Principal, scps: &[Vec<Policy>]) -> PolicySet {
    PolicySet {
        identity: p.identity.iter().map(|d| (*d.policy).clone()).collect(),
        boundary: p.boundary.as_ref().map(|b| vec![(*b.policy).clone()]),
        // Service-linked roles are not restricted by SCPs.
        scps: if p.service_linked {
            Vec::new()
        } else {
            scps.to_vec()
        },
        session: None,
    }
}

fn describe_policies(p: &Principal, cfg: &AuditConfig) -> Vec<String> {
    let mut out: Vec<String> = p.identity.iter().map(|d| d.label.clone()).collect();
    if let Some(b) = &p.boundary {
        out.push(b.label.clone());
    }
    if !p.service_linked {
        for (l, level) in cfg.scp_levels.iter().enumerate() {
            for (i, f) in level.iter().enumerate() {
                out.push(format!("scp[{l}][{i}]:{}", f.display()));
            }
        }
    }
    out
}

/// Runs an audit of the accounts in `cfg.gaad_files`.
pub fn run_audit(cfg: &AuditConfig, catalog: &Catalog) -> Result<AuditResult, AuditFailure> {
    let sources = cfg.gaad_files.iter().map(|path| {
        let input = InputFile {
            path: path.display().to_string(),
            kind: "gaad".to_owned(),
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        };
        (input, account::load_gaad(path, &cfg.managed_dir))
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
    let mut findings = Vec::new();
    let progress = Progress::new(cfg.progress, (count * actions.len()) as u64);
    let trail = (!cfg.cloudtrail.is_empty()).then(|| cloudtrail::load(&cfg.cloudtrail, catalog));
    let mut least_privilege = Vec::new();

    for (input, loaded) in sources {
        inputs.push(input);
        let account = match loaded {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                progress.inc(actions.len() as u64);
                continue;
            }
        };
        errors.extend(account.errors.iter().cloned());
        let t = Clock::now();
        let (result, account_findings) = pool.install(|| {
            audit_account(
                &account,
                &scps,
                cfg,
                catalog,
                &actions,
                &mut stats,
                &progress,
                trail.as_ref().map(|t| (t, &mut least_privilege)),
            )
        });
        findings.extend(account_findings);
        eval_seconds += t.elapsed().as_secs_f64();
        for p in &result.principals {
            errors.extend(p.errors.iter().cloned());
        }
        accounts.push(result);
    }
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
        iamc_version: env!("CARGO_PKG_VERSION").to_owned(),
        inputs,
        accounts,
        errors,
        findings,
        stats,
    })
}

#[expect(
    clippy::too_many_arguments,
    reason = "one private call site; the arguments are the run's shared state"
)]
fn audit_account(
    account: &Account,
    scps: &[Vec<Policy>],
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
    // Group the principals that can be evaluated.
    let mut group_of: Vec<Option<usize>> = vec![None; account.principals.len()];
    let mut principal_errors: Vec<Vec<AuditError>> = account
        .principals
        .iter()
        .map(|p| p.errors.clone())
        .collect();
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (pi, p) in account.principals.iter().enumerate() {
        if !p.errors.is_empty() {
            continue;
        }
        let set = policy_set_of(p, scps);
        let read = keys_read(&set);
        let ctx = p.context();
        let mut key = format!("{}|", p.service_linked);
        for d in &p.identity {
            key.push_str(&d.id);
            key.push('|');
        }
        key.push_str("b:");
        key.push_str(p.boundary.as_ref().map_or("-", |b| b.id.as_str()));
        for e in ctx.entries() {
            if read.contains(&e.key_lower) {
                key.push_str(&format!("|{}={}", e.key_lower, e.values.join(",")));
            }
        }
        mentions.add_principal_context(&ctx);
        if let Some(&g) = index.get(&key) {
            if let Some(group) = groups.get_mut(g) {
                group.members.push(pi);
            }
            if let Some(slot) = group_of.get_mut(pi) {
                *slot = Some(g);
            }
            continue;
        }
        match compiler.compile(&set) {
            Ok(compiled) => {
                for (_, pol) in set.labelled() {
                    mentions.add_policy(pol);
                }
                let g = groups.len();
                groups.push(Group {
                    members: vec![pi],
                    context: PreparedContext::new(&ctx, catalog),
                    policies: describe_policies(p, cfg),
                    origins: origins_of(p, cfg),
                    set,
                    compiled,
                });
                index.insert(key, g);
                if let Some(slot) = group_of.get_mut(pi) {
                    *slot = Some(g);
                }
            }
            Err(e) => {
                if let Some(errs) = principal_errors.get_mut(pi) {
                    errs.push(AuditError {
                        file: account.file.clone(),
                        principal: Some(p.arn.clone()),
                        pointer: p.pointer.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
    }
    stats.groups += groups.len();
    let targets: Vec<String> = match &cfg.shared_space {
        Some(shared) => shared.targets.clone(),
        None => account.roles.iter().map(|r| r.arn.clone()).collect(),
    };

    // Per group, per action: coverage.
    let mut coverage: Vec<Vec<ActionCoverage>> =
        vec![Vec::with_capacity(actions.len()); groups.len()];
    let mut pass_role: Vec<Vec<PassRoleTarget>> = vec![Vec::new(); groups.len()];
    let members_ok: u64 = groups.iter().map(|g| g.members.len() as u64).sum();
    // A few actions at a time, each generated, evaluated for every group and summarised into
    // the groups' cells as one parallel task (nested: evaluation and cells are parallel too);
    // cells are pushed in action order, whatever the thread count.
    let coverage_started = Clock::now();
    let batch = 4 * rayon::current_num_threads().max(1);
    for chunk in actions.chunks(batch) {
        let done: Vec<Option<(u64, Vec<ActionCoverage>)>> = chunk
            .par_iter()
            .map(|&aid| {
                let reqs = requests::generate_action(
                    catalog,
                    aid,
                    &account.id,
                    &cfg.generator,
                    &mentions,
                    &targets,
                )?;
                let aggs = evaluate_action(&groups, &reqs, catalog);
                let cells: Vec<ActionCoverage> = groups
                    .par_iter()
                    .zip(aggs)
                    .map(|(g, agg)| cell(g, &reqs, agg, catalog))
                    .collect();
                Some((reqs.requests.len() as u64, cells))
            })
            .collect();
        for action in done {
            if let Some((n, cells)) = action {
                stats.requests += n;
                stats.decisions += n * groups.len() as u64;
                stats.principal_decisions += n * members_ok;
                for (c, cell) in coverage.iter_mut().zip(cells) {
                    c.push(cell);
                }
            }
            progress.inc(1);
        }
    }
    stats.coverage_seconds += coverage_started.elapsed().as_secs_f64();
    let findings_started = Clock::now();
    // iam:PassRole reach per group, over classes of roles no policy tells apart.
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
            .map(|g| prepared.reach(&role_space, account, &g.compiled, &g.context))
            .collect();
    }

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
            cache: &cache,
            group_of: &group_of,
            catalog,
            generator: &cfg.generator,
            mentions: &mentions,
            compiler: Some(&compiler),
            pass_role_space: &role_space,
        };
        let mut findings = account_findings(&input);
        if let Some((trail, out)) = trail {
            cloudtrail::account_least_privilege(&input, trail, &mut findings, out);
        }
        findings
    };
    stats.findings_seconds += findings_started.elapsed().as_secs_f64();
    let coverage: Vec<Arc<Vec<ActionCoverage>>> = coverage.into_iter().map(Arc::new).collect();
    let pass_role: Vec<Arc<Vec<PassRoleTarget>>> = pass_role.into_iter().map(Arc::new).collect();
    let principals = account
        .principals
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let mut errs = principal_errors.get(pi).cloned().unwrap_or_default();
            let gi = group_of
                .get(pi)
                .copied()
                .flatten()
                .filter(|_| errs.is_empty());
            errs.extend(p.warnings.iter().cloned());
            let (actions, by_level, passrole, policies) =
                match gi.and_then(|g| Some((g, groups.get(g)?))) {
                    Some((g, group)) => {
                        let cov = coverage.get(g).cloned().unwrap_or_default();
                        let by_level = by_level(&cov);
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
                        describe_policies(p, cfg),
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

fn by_level(cov: &[ActionCoverage]) -> BTreeMap<AccessLevel, LevelCounts> {
    let mut out: BTreeMap<AccessLevel, LevelCounts> = BTreeMap::new();
    for c in cov {
        let e = out.entry(c.access_level).or_default();
        match c.class {
            Class::Always => e.always += 1,
            Class::Conditional => e.conditional += 1,
            Class::Never => e.never += 1,
        }
    }
    out
}

/// Evaluates one action's requests for every group: (group × chunk) tasks in parallel.
fn evaluate_action(groups: &[Group<'_>], reqs: &ActionRequests, catalog: &Catalog) -> Vec<Agg> {
    const CHUNK: usize = 256;
    let prepared: Vec<PreparedRequest<'_>> = reqs
        .requests
        .par_iter()
        .map_init(|| Preparer::new(catalog), |p, r| p.prepare(r))
        .collect();
    let chunks = prepared.len().div_ceil(CHUNK).max(1);
    let tasks: Vec<(usize, usize)> = (0..groups.len())
        .flat_map(|g| (0..chunks).map(move |c| (g, c)))
        .collect();
    let partials: Vec<(usize, Agg)> = tasks
        .par_iter()
        .map(|&(g, c)| {
            let mut agg = Agg::default();
            let Some(group) = groups.get(g) else {
                return (g, agg);
            };
            let start = c * CHUNK;
            let end = (start + CHUNK).min(prepared.len());
            for i in start..end {
                let (Some(req), Some(&own)) = (prepared.get(i), reqs.own_account.get(i)) else {
                    continue;
                };
                let allowed =
                    group.compiled.evaluate_as(req, &group.context).decision == Decision::Allowed;
                if own {
                    agg.total += 1;
                    if allowed {
                        agg.allowed += 1;
                        if agg.allowed_samples.len() < SAMPLES {
                            agg.allowed_samples.push(i);
                        }
                    } else if agg.denied_samples.len() < SAMPLES {
                        agg.denied_samples.push(i);
                    }
                } else {
                    agg.other_total += 1;
                    agg.other_allowed += u64::from(allowed);
                }
            }
            (g, agg)
        })
        .collect();
    let mut out: Vec<Agg> = vec![Agg::default(); groups.len()];
    for (g, a) in partials {
        if let Some(slot) = out.get_mut(g) {
            slot.merge(a);
        }
    }
    out
}

/// Finds the statement an explanation names.
fn statement(
    set: &PolicySet,
    layer: Layer,
    policy: u32,
    index: u32,
) -> Option<&crate::policy::Statement> {
    let p = match layer {
        Layer::Scp(l) => set.scps.get(l as usize)?.get(policy as usize)?,
        Layer::Identity => set.identity.get(policy as usize)?,
        Layer::Boundary => set.boundary.as_ref()?.get(policy as usize)?,
        Layer::Session => set.session.as_ref()?,
        Layer::Account => return None,
    };
    p.statements.iter().find(|s| s.index as u32 == index)
}

fn describe_condition(c: &crate::condition::Condition) -> String {
    format!("{} {} [{}]", c.op, c.key, c.raw_values.join(", "))
}

/// The coverage cell of one group × action, with deciding keys for `Conditional` ones.
fn cell(g: &Group<'_>, reqs: &ActionRequests, agg: Agg, catalog: &Catalog) -> ActionCoverage {
    let class = Class::of(agg.allowed, agg.total);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    let mut conditions: BTreeSet<String> = BTreeSet::new();
    if class == Class::Conditional {
        let explain = |i: usize| -> Option<Explanation> {
            let r = reqs.requests.get(i)?;
            Some(
                g.compiled
                    .explain_as(&PreparedRequest::new(r, catalog), &g.context),
            )
        };
        for i in &agg.allowed_samples {
            let Some(ex) = explain(*i) else { continue };
            for m in ex
                .matched
                .iter()
                .filter(|m| m.effect == crate::policy::Effect::Allow)
            {
                let Some(st) = statement(&g.set, m.layer, m.policy, m.statement) else {
                    continue;
                };
                for c in &st.conditions {
                    keys.insert(c.key.clone());
                    conditions.insert(describe_condition(c));
                }
                if let Some(r) = &st.resource
                    && (r.negated
                        || r.patterns
                            .iter()
                            .any(|p| !matches!(p, ResourcePattern::Any)))
                    && resource_decides(g, reqs, *i, &agg.denied_samples, catalog)
                {
                    keys.insert("resource".to_owned());
                    let list: Vec<String> = r
                        .patterns
                        .iter()
                        .map(|p| match p {
                            ResourcePattern::Any => "*".to_owned(),
                            ResourcePattern::Arn(t) => t.to_string(),
                        })
                        .collect();
                    let field = if r.negated { "NotResource" } else { "Resource" };
                    conditions.insert(format!("{field} [{}]", list.join(", ")));
                }
            }
        }
        for i in &agg.denied_samples {
            let Some(ex) = explain(*i) else { continue };
            if ex.outcome.decision == Decision::ExplicitlyDenied {
                for m in ex
                    .matched
                    .iter()
                    .filter(|m| m.effect == crate::policy::Effect::Deny)
                {
                    let Some(st) = statement(&g.set, m.layer, m.policy, m.statement) else {
                        continue;
                    };
                    for c in &st.conditions {
                        keys.insert(c.key.clone());
                        conditions.insert(format!("denied if {}", describe_condition(c)));
                    }
                }
            }
            for k in &ex.missing_keys {
                if !keys.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                    keys.insert(spelling(&g.set, k, catalog));
                }
            }
        }
    }
    ActionCoverage {
        action: reqs.action.clone(),
        access_level: reqs.access_level,
        allowed: agg.allowed,
        total: agg.total,
        class,
        deciding_keys: keys.into_iter().collect(),
        conditions: conditions.into_iter().collect(),
        other_account_allowed: agg.other_allowed,
        other_account_total: agg.other_total,
    }
}

/// True when putting a denied sample's resource into the allowed sample `allowed` (everything
/// else unchanged) makes the request denied: the ARN decides, not only the context.
fn resource_decides(
    g: &Group<'_>,
    reqs: &ActionRequests,
    allowed: usize,
    denied: &[usize],
    catalog: &Catalog,
) -> bool {
    let Some(a) = reqs.requests.get(allowed) else {
        return false;
    };
    denied
        .iter()
        .filter_map(|d| reqs.requests.get(*d))
        .any(|d| {
            if d.resource == a.resource {
                return false;
            }
            let mut swapped = a.clone();
            swapped.resource.clone_from(&d.resource);
            g.compiled
                .evaluate_as(&PreparedRequest::new(&swapped, catalog), &g.context)
                .decision
                != Decision::Allowed
        })
}

/// A lowercase condition key as a policy of the set spells it, else as the catalog publishes it.
fn spelling(set: &PolicySet, key_lower: &str, catalog: &Catalog) -> String {
    for (_, p) in set.labelled() {
        for st in &p.statements {
            for c in &st.conditions {
                if c.key_lower == key_lower {
                    return c.key.clone();
                }
                if let Some(v) = c.variables().find(|v| v.key_lower == key_lower) {
                    return v.key.clone();
                }
            }
        }
    }
    match catalog.key(key_lower) {
        Some(k) if !k.name.contains("${") => k.name.clone(),
        _ => key_lower.to_owned(),
    }
}

/// An indicatif bar on stderr when asked for and stderr is a terminal.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
        use std::io::IsTerminal;
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} actions ({per_sec}, eta {eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress(Some(bar))
    }

    fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
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
                scp_levels: Vec::new(),
                managed_dir: ManagedPolicyDir::default(),
                generator: GenConfig {
                    variants: 50,
                    ..GenConfig::default()
                },
                threads: 2,
                progress: false,
                services: Vec::new(),
                cloudtrail: Vec::new(),
                shared_space: None,
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
