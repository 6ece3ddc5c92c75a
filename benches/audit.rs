//! End-to-end audits: `run_audit` (GAAD loading, principal grouping, compilation, request
//! generation, rayon evaluation, coverage) at 1 and 2 worker threads.
//!
//! - `audit/example_account`: `examples/account.json` under the two SCP levels of `examples/`,
//!   100 request variants per action;
//! - `audit/cloudsplaining_example`: `../shared/data/gaad-samples/cloudsplaining-example.json`
//!   (managed policies from `../shared/data/managed-policies`), when the shared data directory
//!   (`$IAMC_SHARED`, default `../shared`) is present; skipped with a message otherwise.
//!
//! Throughput is in decisions (groups × requests), taken from one warm-up run's
//! `stats.decisions`, so criterion prints decisions/s including every fixed cost of a run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "a bench binary: a bad fixture should abort it loudly"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn config(gaad: PathBuf, scps: Vec<Vec<PathBuf>>, managed: Option<PathBuf>) -> AuditConfig {
    AuditConfig {
        gaad_files: vec![gaad],
        scp_levels: scps,
        managed_dir: ManagedPolicyDir(managed),
        generator: GenConfig {
            variants: 100,
            ..GenConfig::default()
        },
        threads: 1,
        progress: false,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail: Vec::new(),
        shared_space: None,
        account_scp_levels: Default::default(),
        graph: true,
    }
}

/// Benches `cfg` at 1 and 2 threads in group `audit/{name}`.
fn bench_audit(c: &mut Criterion, name: &str, mut cfg: AuditConfig) {
    let catalog = Catalog::sagemaker_default();
    let warm = run_audit(&cfg, catalog).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(warm.errors.is_empty(), "{name}: {:?}", warm.errors);
    let s = &warm.stats;
    eprintln!(
        "{name}: {} principals, {} groups, {} actions, {} requests, {} decisions \
         ({:.2} s wall in the warm-up run)",
        s.principals, s.groups, s.actions, s.requests, s.decisions, s.wall_seconds
    );

    let mut g = c.benchmark_group(format!("audit/{name}"));
    g.throughput(Throughput::Elements(s.decisions));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    for threads in [1, 2] {
        cfg.threads = threads;
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| {
                run_audit(black_box(&cfg), catalog)
                    .expect("audit runs")
                    .stats
                    .decisions
            });
        });
    }
    g.finish();
}

fn audit(c: &mut Criterion) {
    let examples = repo().join("examples");
    bench_audit(
        c,
        "example_account",
        config(
            examples.join("account.json"),
            vec![
                vec![examples.join("scp-root.json")],
                vec![examples.join("scp-ml-ou.json")],
            ],
            None,
        ),
    );

    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("..").join("shared"));
    let sample = shared
        .join("data")
        .join("gaad-samples")
        .join("cloudsplaining-example.json");
    if sample.is_file() {
        let managed = shared.join("data").join("managed-policies");
        bench_audit(
            c,
            "cloudsplaining_example",
            config(sample, Vec::new(), Some(managed)),
        );
    } else {
        eprintln!(
            "SKIP audit/cloudsplaining_example: {} is absent (set IAMC_SHARED to the shared \
             data directory)",
            sample.display()
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = audit
}
criterion_main!(benches);
