//! Exact analysis time per policy set × action (`Analyzer::analyze`, witnesses confirmed by the
//! compiled engine included; the set is compiled once, outside the measurement).
//!
//! - `analyze/principal`: the realistic SageMaker principal of `support/principal.rs` (two SCP
//!   levels, inline policy + `AmazonSageMakerFullAccess`, boundary, tag `team=ml`):
//!   `all_actions` analyzes every catalog action (elements = cells); `CreateTrainingJob` (the
//!   inline policy's conditions on instance types, tags, network isolation, KMS key, runtime,
//!   under the region SCP), `AddTags` (62 resource types) and `DescribeModel` are single cells;
//! - `analyze/full_access`: `AmazonSageMakerFullAccess` alone × every action (elements = cells);
//! - `analyze/managed`: every managed policy of `../shared/data/managed-policies` as its own set
//!   × every action (elements = cells), skipped when the directory is absent.
//!
//! String searches are remembered per thread, so iterations after the first measure the warm
//! state an audit reaches after its first group; the `cold` function of `analyze/principal`
//! starts each iteration on a fresh thread.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a bench binary: a bad fixture should abort it loudly"
)]

#[path = "support/principal.rs"]
mod principal;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bumpalo::Bump;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamc::analyze::{AnalysisConfig, Analyzer};
use iamc::eval::{Context, ContextValue};
use iamc::{Catalog, Compiler, Policy, PolicyKind, PolicySet};

fn principal_context() -> Context {
    let mut c = Context::new();
    for (k, v) in [
        ("aws:PrincipalArn", principal::PRINCIPAL_ARN),
        ("aws:PrincipalAccount", principal::ACCOUNT),
        ("aws:PrincipalTag/team", "ml"),
    ] {
        c.insert(k, ContextValue::Single(v.to_owned())).unwrap();
    }
    c
}

fn actions(catalog: &Catalog) -> Vec<String> {
    catalog
        .actions_with_ids()
        .map(|(_, a)| a.full_name())
        .collect()
}

fn analyzer(catalog: &Catalog) -> Analyzer<'_> {
    let mut cfg = AnalysisConfig::new(principal::ACCOUNT);
    cfg.principal_arn = principal::PRINCIPAL_ARN.to_owned();
    Analyzer::new(catalog, cfg)
}

fn all_cells(analyzer: &Analyzer<'_>, set: &PolicySet, ctx: &Context, actions: &[String]) {
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, Catalog::sagemaker_default())
        .compile(set)
        .unwrap();
    for a in actions {
        black_box(analyzer.analyze(set, ctx, a, &compiled).unwrap());
    }
}

fn bench_principal(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let set = principal::policy_set();
    let ctx = principal_context();
    let analyzer = analyzer(catalog);
    let actions = actions(catalog);
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(&set).unwrap();
    let mut g = c.benchmark_group("analyze/principal");
    g.measurement_time(Duration::from_secs(8));
    for a in [
        "sagemaker:CreateTrainingJob",
        "sagemaker:AddTags",
        "sagemaker:DescribeModel",
    ] {
        let name = a.trim_start_matches("sagemaker:");
        g.bench_function(name, |b| {
            b.iter(|| black_box(analyzer.analyze(&set, &ctx, a, &compiled).unwrap()));
        });
    }
    g.throughput(Throughput::Elements(actions.len() as u64));
    g.sample_size(10);
    g.bench_function("all_actions", |b| {
        b.iter(|| all_cells(&analyzer, &set, &ctx, &actions));
    });
    g.bench_function("all_actions_cold", |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                s.spawn(|| all_cells(&analyzer, &set, &ctx, &actions));
            });
        });
    });
    g.finish();
}

fn bench_full_access(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let text = include_str!("data/AmazonSageMakerFullAccess.json");
    let set = PolicySet::identity(vec![Policy::parse(text, PolicyKind::Identity).unwrap()]);
    let analyzer = analyzer(catalog);
    let actions = actions(catalog);
    let ctx = principal_context();
    let mut g = c.benchmark_group("analyze/full_access");
    g.throughput(Throughput::Elements(actions.len() as u64));
    g.sample_size(10);
    g.bench_function("all_actions", |b| {
        b.iter(|| all_cells(&analyzer, &set, &ctx, &actions));
    });
    g.finish();
}

fn managed_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("shared")
        });
    let dir = shared.join("data").join("managed-policies");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP analyze/managed: {} is absent (set IAMC_SHARED to the shared data directory)",
            dir.display()
        );
        None
    }
}

fn bench_managed(c: &mut Criterion) {
    let Some(dir) = managed_dir() else { return };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let sets: Vec<PolicySet> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            PolicySet::identity(vec![Policy::parse(&text, PolicyKind::Identity).unwrap()])
        })
        .collect();
    let catalog = Catalog::sagemaker_default();
    let analyzer = analyzer(catalog);
    let actions = actions(catalog);
    let ctx = Context::new();
    let mut g = c.benchmark_group("analyze/managed");
    g.throughput(Throughput::Elements((actions.len() * sets.len()) as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(60));
    g.bench_function("every_policy_all_actions", |b| {
        b.iter(|| {
            for set in &sets {
                all_cells(&analyzer, set, &ctx, &actions);
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench_principal, bench_full_access, bench_managed);
criterion_main!(benches);
