//! Single-decision latency for a realistic SageMaker principal (see `support/principal.rs`: inline
//! policy with five conditions + AmazonSageMakerFullAccess, a permissions boundary, two SCP
//! levels), on one request per decision path: allowed, implicitly denied, explicitly denied.
//!
//! Per path, one criterion group holds:
//! - `compiled`: `CompiledSet::evaluate` on a request prepared once (the audit hot path);
//! - `compiled_with_prepare`: `PreparedRequest::new` + `evaluate` (what a one-off caller pays);
//! - `reference`: `eval::reference::evaluate` on the same request and policy set;
//!
//! so criterion prints the compiled/reference ratio side by side. The expected decision is
//! asserted once per path before measuring.
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
use std::time::Duration;

use bumpalo::Bump;
use criterion::{Criterion, criterion_group, criterion_main};
use iamc::eval::reference;
use iamc::{Catalog, Compiler, PreparedRequest};

fn decision(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let set = principal::policy_set();
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog)
        .compile(&set)
        .expect("the bench principal compiles");

    for (path, request, expected) in principal::paths() {
        let prepared = PreparedRequest::new(&request, catalog);
        let got = compiled.evaluate(&prepared).decision;
        assert_eq!(got, expected, "{path}: compiled engine");
        let got = reference::evaluate(&set, &request, catalog).decision;
        assert_eq!(got, expected, "{path}: reference evaluator");

        let mut g = c.benchmark_group(format!("decision/{path}"));
        g.bench_function("compiled", |b| {
            b.iter(|| compiled.evaluate(black_box(&prepared)));
        });
        g.bench_function("compiled_with_prepare", |b| {
            b.iter(|| compiled.evaluate(&PreparedRequest::new(black_box(&request), catalog)));
        });
        g.bench_function("reference", |b| {
            b.iter(|| reference::evaluate(black_box(&set), black_box(&request), catalog));
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = decision
}
criterion_main!(benches);
