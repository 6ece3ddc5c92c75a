//! The exact analysis on real AWS data: every managed policy in
//! `../shared/data/managed-policies` as the only identity policy of a set, × every SageMaker
//! action (and `iam:PassRole`). Every witness is confirmed by the compiled engine inside the
//! analysis; the test reports the share of cells decided exactly and the time, and fails on any
//! error or below 99 % exact. Skips when `../shared` is absent.
//!
//! `IAMC_ANALYZE_REAL_LIMIT=n` analyzes only the first `n` policies (the debug build is slow).

use std::time::Instant;

use iamc::analyze::{AnalysisConfig, Analyzer, Class};
use iamc::eval::Context;
use iamc::policy::{Policy, PolicyKind, PolicySet};
use iamc::{Catalog, Compiler};

use crate::common::{files_with_ext, shared};

#[derive(Default, Debug)]
pub struct RealStats {
    pub cells: u64,
    pub exact: u64,
    pub classes: [u64; 3],
    pub witnesses: u64,
    pub errors: Vec<String>,
    pub inexact: Vec<String>,
    pub slowest: (f64, String),
}

/// Analyzes `set` for every SageMaker action and `iam:PassRole`.
pub fn analyze_all_actions(
    name: &str,
    set: &PolicySet,
    principal: &Context,
    account: &str,
    stats: &mut RealStats,
) {
    let catalog = Catalog::sagemaker_default();
    let arena = bumpalo::Bump::new();
    let compiled = match Compiler::new(&arena, catalog).compile(set) {
        Ok(c) => c,
        Err(e) => {
            stats.errors.push(format!("{name}: compile: {e}"));
            return;
        }
    };
    let analyzer = Analyzer::new(catalog, AnalysisConfig::new(account));
    for (_, action) in catalog.actions_with_ids() {
        let full = action.full_name();
        let t = Instant::now();
        match analyzer.analyze(set, principal, &full, &compiled) {
            Ok(a) => {
                stats.cells += 1;
                stats.witnesses +=
                    u64::from(a.allowed_witness.is_some()) + u64::from(a.denied_witness.is_some());
                if a.exact {
                    stats.exact += 1;
                    stats.classes[match a.class {
                        Class::Always => 0,
                        Class::Conditional => 1,
                        Class::Never => 2,
                    }] += 1;
                } else if stats.inexact.len() < 20 {
                    stats
                        .inexact
                        .push(format!("{name} × {full}: {:?}", a.approximate));
                }
            }
            Err(e) => stats.errors.push(format!("{name} × {full}: {e}")),
        }
        let s = t.elapsed().as_secs_f64();
        if s > stats.slowest.0 {
            stats.slowest = (s, format!("{name} × {full}"));
        }
    }
}

pub fn report(what: &str, stats: &RealStats, secs: f64) {
    eprintln!(
        "{what}: {} cells in {secs:.1}s ({:.0} µs/cell), {} exact ({:.2}%): {} Always, {} Conditional, {} Never; {} witnesses confirmed; slowest {:.1} ms ({}); {} errors",
        stats.cells,
        secs * 1e6 / stats.cells.max(1) as f64,
        stats.exact,
        stats.exact as f64 * 100.0 / stats.cells.max(1) as f64,
        stats.classes[0],
        stats.classes[1],
        stats.classes[2],
        stats.witnesses,
        stats.slowest.0 * 1e3,
        stats.slowest.1,
        stats.errors.len(),
    );
    for i in &stats.inexact {
        eprintln!("  inexact: {i}");
    }
    for e in stats.errors.iter().take(10) {
        eprintln!("  ERROR: {e}");
    }
}

#[test]
fn every_managed_policy_times_every_sagemaker_action() {
    let Some(shared) = shared() else { return };
    let limit = std::env::var("IAMC_ANALYZE_REAL_LIMIT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            25
        } else {
            usize::MAX
        });
    let files = files_with_ext(&shared.join("data/managed-policies"), "json");
    let mut stats = RealStats::default();
    let started = Instant::now();
    for f in files.iter().take(limit) {
        let text = std::fs::read_to_string(f).unwrap();
        let policy = Policy::parse(&text, PolicyKind::Identity).unwrap();
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        analyze_all_actions(
            &name,
            &PolicySet::identity(vec![policy]),
            &Context::new(),
            "111122223333",
            &mut stats,
        );
    }
    report(
        &format!(
            "managed policies ({} of {})",
            limit.min(files.len()),
            files.len()
        ),
        &stats,
        started.elapsed().as_secs_f64(),
    );
    assert!(stats.errors.is_empty(), "{} errors", stats.errors.len());
    assert!(
        stats.exact * 100 >= stats.cells * 99,
        "fewer than 99 % of cells exact"
    );
}

#[test]
fn every_gaad_sample_principal_times_every_sagemaker_action() {
    use iamc::audit::{ManagedPolicyDir, load_gaad};
    let Some(shared) = shared() else { return };
    let managed = ManagedPolicyDir(Some(shared.join("data/managed-policies")));
    let limit = std::env::var("IAMC_ANALYZE_REAL_LIMIT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(if cfg!(debug_assertions) {
            6
        } else {
            usize::MAX
        });
    let mut stats = RealStats::default();
    let started = Instant::now();
    let mut groups = 0usize;
    let mut principals = 0usize;
    for f in files_with_ext(&shared.join("data/gaad-samples"), "json") {
        let account = load_gaad(&f, &managed).unwrap();
        // Principals with equal policies and context decide alike: analyze each group once.
        let mut seen: std::collections::HashSet<(PolicySet, Context)> =
            std::collections::HashSet::new();
        for p in account.principals.iter().filter(|p| p.errors.is_empty()) {
            principals += 1;
            let set = PolicySet {
                identity: p.identity.iter().map(|d| (*d.policy).clone()).collect(),
                boundary: p.boundary.as_ref().map(|b| vec![(*b.policy).clone()]),
                scps: Vec::new(),
                session: None,
            };
            let ctx = p.context();
            if groups >= limit || !seen.insert((set.clone(), ctx.clone())) {
                continue;
            }
            groups += 1;
            let name = format!("{}:{}", f.file_name().unwrap().to_string_lossy(), p.name);
            analyze_all_actions(&name, &set, &ctx, &account.id, &mut stats);
        }
    }
    report(
        &format!("GAAD samples ({groups} groups of {principals} principals)"),
        &stats,
        started.elapsed().as_secs_f64(),
    );
    assert!(stats.errors.is_empty(), "{} errors", stats.errors.len());
    assert!(
        stats.exact * 100 >= stats.cells * 99,
        "fewer than 99 % of cells exact"
    );
}

/// The example account under its two SCP levels (no shared data needed): every principal ×
/// every action, witnesses confirmed, and "Always within the guardrails" where the region SCP is
/// the only limit.
#[test]
fn example_account_under_its_scps() {
    use iamc::audit::{ManagedPolicyDir, load_gaad};
    let repo = crate::common::repo();
    let scp = |name: &str| {
        let text = std::fs::read_to_string(repo.join("examples").join(name)).unwrap();
        Policy::parse(&text, PolicyKind::Scp).unwrap()
    };
    let scps = vec![vec![scp("scp-root.json")], vec![scp("scp-ml-ou.json")]];
    let account = load_gaad(
        &repo.join("examples/account.json"),
        &ManagedPolicyDir::default(),
    )
    .unwrap();
    let limit = if cfg!(debug_assertions) {
        3
    } else {
        usize::MAX
    };
    let mut stats = RealStats::default();
    let started = Instant::now();
    let mut within = 0u64;
    for p in account
        .principals
        .iter()
        .filter(|p| p.errors.is_empty())
        .take(limit)
    {
        let set = PolicySet {
            identity: p.identity.iter().map(|d| (*d.policy).clone()).collect(),
            boundary: p.boundary.as_ref().map(|b| vec![(*b.policy).clone()]),
            scps: if p.service_linked {
                Vec::new()
            } else {
                scps.clone()
            },
            session: None,
        };
        let ctx = p.context();
        analyze_all_actions(&p.name, &set, &ctx, &account.id, &mut stats);
        let catalog = Catalog::sagemaker_default();
        let analyzer = Analyzer::new(catalog, AnalysisConfig::new(&account.id));
        let a = analyzer
            .analyze_set(&set, &ctx, "sagemaker:DescribeTrainingJob")
            .unwrap();
        within += u64::from(a.always_within_guardrails());
    }
    report(
        "example account under its SCPs",
        &stats,
        started.elapsed().as_secs_f64(),
    );
    assert!(stats.errors.is_empty(), "{} errors", stats.errors.len());
    assert!(
        stats.exact * 100 >= stats.cells * 99,
        "fewer than 99 % of cells exact"
    );
    assert!(
        stats.classes[1] > 0,
        "no Conditional cell under a region SCP"
    );
    assert!(within > 0, "no principal is Always within the guardrails");
}
