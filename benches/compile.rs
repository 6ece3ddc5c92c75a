//! Compile time: validated policy sets → `CompiledSet` (action plans over the whole catalog,
//! resource matchers, condition programs). Parsing and validation are done once, outside the
//! measurement; each iteration compiles into a fresh `Bump`, as an audit does per account.
//!
//! - `compile/managed_each`: the 271 AWS managed policies of `../shared/data/managed-policies`,
//!   each as its own one-policy set (throughput = sets);
//! - `compile/managed_all_in_one`: the same 271 policies as the identity layer of one set;
//! - `compile/example_account_principals`: every principal of `examples/account.json` (identity
//!   policies, boundary, and the two SCP levels of `examples/`), as an audit compiles them, and
//!   the same against the extended catalog (`_aws_catalog`);
//! - `catalog/*`: loading the default catalog, adding the embedded services of the extended one
//!   (gzipped, parsed in parallel) and the same from uncompressed text, and cloning it.
//!
//! The managed-policy benches need the shared data directory (`$IAMC_SHARED`, default
//! `../shared`) and are skipped with a message when it is absent.
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

use bumpalo::Bump;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamc::audit::{ManagedPolicyDir, load_gaad};
use iamc::{Catalog, Compiler, Policy, PolicyKind, PolicySet};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The managed-policy directory, or `None` (with the reason printed) when it is absent.
fn managed_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("..").join("shared"));
    let dir = shared.join("data").join("managed-policies");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP compile/managed_*: {} is absent (set IAMC_SHARED to the shared data directory)",
            dir.display()
        );
        None
    }
}

fn managed_policies(dir: &Path) -> Vec<Policy> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read managed-policy dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read policy");
            Policy::parse(&text, PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()))
        })
        .collect()
}

fn scp(name: &str) -> Policy {
    let path = repo().join("examples").join(name);
    let text = std::fs::read_to_string(&path).expect("read example SCP");
    Policy::parse(&text, PolicyKind::Scp).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every principal of the example account, as the audit builds its policy set.
fn example_account_sets() -> Vec<PolicySet> {
    let account = load_gaad(
        &repo().join("examples").join("account.json"),
        &ManagedPolicyDir::default(),
    )
    .unwrap_or_else(|e| panic!("examples/account.json: {e:?}"));
    let scps = vec![vec![scp("scp-root.json")], vec![scp("scp-ml-ou.json")]];
    account
        .principals
        .iter()
        .map(|p| {
            assert!(p.errors.is_empty(), "{}: {:?}", p.arn, p.errors);
            PolicySet {
                identity: p.identity.iter().map(|d| (*d.policy).clone()).collect(),
                boundary: p.boundary.as_ref().map(|b| vec![(*b.policy).clone()]),
                scps: if p.service_linked {
                    Vec::new()
                } else {
                    scps.clone()
                },
                session: None,
            }
        })
        .collect()
}

/// Compiles every set into one fresh arena; returns the statements compiled.
fn compile_all(catalog: &Catalog, sets: &[PolicySet]) -> usize {
    let arena = Bump::new();
    let compiler = Compiler::new(&arena, catalog);
    sets.iter()
        .map(|s| {
            compiler
                .compile(black_box(s))
                .expect("compiles")
                .report()
                .statements
        })
        .sum()
}

fn compile(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let mut g = c.benchmark_group("compile");
    g.sample_size(20);

    if let Some(dir) = managed_dir() {
        let policies = managed_policies(&dir);
        let each: Vec<PolicySet> = policies
            .iter()
            .map(|p| PolicySet::identity(vec![p.clone()]))
            .collect();
        let all = [PolicySet::identity(policies)];
        eprintln!(
            "managed policies: {} sets, {} statements",
            each.len(),
            compile_all(catalog, &all)
        );
        g.throughput(Throughput::Elements(each.len() as u64));
        g.bench_function("managed_each", |b| b.iter(|| compile_all(catalog, &each)));
        g.throughput(Throughput::Elements(1));
        g.bench_function("managed_all_in_one", |b| {
            b.iter(|| compile_all(catalog, &all));
        });
    }

    let sets = example_account_sets();
    eprintln!(
        "examples/account.json: {} principals, {} statements",
        sets.len(),
        compile_all(catalog, &sets)
    );
    g.throughput(Throughput::Elements(sets.len() as u64));
    g.bench_function("example_account_principals", |b| {
        b.iter(|| compile_all(catalog, &sets));
    });
    // The same under the extended catalog (7x the actions, each with a plan).
    let aws = Catalog::aws_default();
    g.bench_function("example_account_principals_aws_catalog", |b| {
        b.iter(|| compile_all(aws, &sets));
    });
    g.finish();
}

/// Catalog load times: what `Catalog::sagemaker_default()` and `Catalog::aws_default()` cost on
/// first use, and the gzip share of the latter.
fn catalog(c: &mut Criterion) {
    let mut g = c.benchmark_group("catalog");
    g.sample_size(20);
    let read = |rel: &str| std::fs::read_to_string(repo().join(rel)).expect("catalog file");
    let default_files: Vec<(String, String)> = [
        "data/catalog/sagemaker.json",
        "data/catalog/iam.json",
        "data/catalog/global-condition-keys.json",
    ]
    .iter()
    .map(|f| (f.to_string(), read(f)))
    .collect();
    let service_files: Vec<(String, String)> = Catalog::embedded_service_prefixes()
        .map(|p| {
            let f = format!("data/catalog/services/{p}.json");
            let text = read(&f);
            (f, text)
        })
        .collect();
    // What `sagemaker_default()` does once: parse the three default files.
    g.bench_function("load_sagemaker_default", |b| {
        b.iter(|| {
            let mut cat = Catalog::empty();
            for (label, text) in &default_files {
                cat.load_json(black_box(text), label).expect("loads");
            }
            cat.action_count()
        });
    });
    // What `aws_default()` does once on top of the default: decompress and parse the embedded
    // services (in parallel), then index them.
    g.bench_function("add_embedded_services", |b| {
        b.iter_batched(
            Catalog::default_owned,
            |mut cat| {
                cat.add_embedded_services().expect("loads");
                cat.action_count()
            },
            criterion::BatchSize::LargeInput,
        );
    });
    // The same services from uncompressed text, one after another: the cost without gzip.
    g.bench_function("load_services_uncompressed_sequential", |b| {
        b.iter_batched(
            Catalog::default_owned,
            |mut cat| {
                for (label, text) in &service_files {
                    cat.load_json(black_box(text), label).expect("loads");
                }
                cat.action_count()
            },
            criterion::BatchSize::LargeInput,
        );
    });
    g.bench_function("clone_aws_default", |b| {
        b.iter(|| Catalog::aws_default_owned().action_count());
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = compile, catalog
}
criterion_main!(benches);
