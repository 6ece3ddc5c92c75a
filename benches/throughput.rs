//! Decisions per second on a mixed workload: 4,096 requests over a dozen SageMaker, IAM and S3
//! actions with varied resources and contexts (see `principal::workload`), all three decisions
//! represented, against the realistic principal of `support/principal.rs`.
//!
//! One criterion group, `throughput/mixed_4096`, with `Throughput::Elements(4096)` so criterion
//! prints elements/s:
//! - `compiled_batch`: `CompiledSet::evaluate_batch` on this thread, output buffer reused, the
//!   requests in the workload's (random) order;
//! - `compiled_grouped`: the same requests prepared as a `PreparedBatch` (laid out by action,
//!   then resource and context, as `Preparer::prepare_batch` does once per batch) and decided with
//!   `CompiledSet::evaluate_grouped`, outcomes in input order, output buffer reused;
//! - `compiled_par_1thread` / `compiled_par_2threads`: `evaluate_batch_par` inside a rayon pool
//!   of 1 and 2 threads (the 1-thread pool measures rayon's own overhead);
//! - `reference`: `eval::reference::evaluate` on every request.
//!
//! Requests are prepared once, outside the measurement (as an audit does); compiled and reference
//! decisions are checked to agree on the whole workload first.
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
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamc::eval::reference;
use iamc::request::Preparer;
use iamc::{Catalog, Decision};

const REQUESTS: usize = 4096;

fn throughput(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let set = principal::policy_set();
    let arena = Bump::new();
    let compiled = principal::compiled(&arena, &set);
    let requests = principal::workload(REQUESTS);
    let mut preparer = Preparer::new(catalog);
    let prepared: Vec<_> = requests.iter().map(|r| preparer.prepare(r)).collect();
    let batch = preparer.prepare_batch(&requests);

    // The workload must be what it claims: every decision present, and both engines agreeing.
    let mut out = Vec::with_capacity(prepared.len());
    compiled.evaluate_batch(&prepared, &mut out);
    let mut counts = [0usize; 3];
    for (r, o) in requests.iter().zip(&out) {
        assert_eq!(
            reference::evaluate(&set, r, catalog),
            *o,
            "{} {}",
            r.action(),
            r.resource
        );
        counts[match o.decision {
            Decision::Allowed => 0,
            Decision::ImplicitlyDenied => 1,
            Decision::ExplicitlyDenied => 2,
        }] += 1;
    }
    let mut grouped = Vec::with_capacity(batch.len());
    compiled.evaluate_grouped(&batch, &mut grouped);
    assert_eq!(
        grouped, out,
        "the grouped layout decides the same, in input order"
    );
    eprintln!(
        "workload: {REQUESTS} requests: {} allowed, {} implicitly denied, {} explicitly denied",
        counts[0], counts[1], counts[2]
    );
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}");

    let pool = |n: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("rayon pool")
    };
    let (pool1, pool2) = (pool(1), pool(2));

    let mut g = c.benchmark_group(format!("throughput/mixed_{REQUESTS}"));
    g.throughput(Throughput::Elements(REQUESTS as u64));
    g.sample_size(20);
    g.bench_function("compiled_batch", |b| {
        b.iter(|| {
            compiled.evaluate_batch(black_box(&prepared), &mut out);
            out.len()
        });
    });
    g.bench_function("compiled_grouped", |b| {
        b.iter(|| {
            compiled.evaluate_grouped(black_box(&batch), &mut out);
            out.len()
        });
    });
    g.bench_function("compiled_par_1thread", |b| {
        b.iter(|| pool1.install(|| compiled.evaluate_batch_par(black_box(&prepared))));
    });
    g.bench_function("compiled_par_2threads", |b| {
        b.iter(|| pool2.install(|| compiled.evaluate_batch_par(black_box(&prepared))));
    });
    g.bench_function("reference", |b| {
        b.iter(|| {
            requests
                .iter()
                .map(|r| reference::evaluate(&set, black_box(r), catalog))
                .filter(|o| o.decision == Decision::Allowed)
                .count()
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = throughput
}
criterion_main!(benches);
