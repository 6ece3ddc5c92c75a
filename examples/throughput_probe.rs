//! Decides the throughput bench's workload (or one of the decision bench's three requests) in a
//! plain loop and prints the time per decision: a probe for instruction counts and cache misses
//! under `valgrind --tool=cachegrind`, where criterion's own loop would blur them, and for
//! side-by-side runs of two builds. BENCHMARKS.md shows how it is used.
//!
//! ```text
//! N=4096 ROUNDS=200 cargo run --release --example throughput_probe
//! ONLY=allowed N=64 ROUNDS=10000 cargo run --release --example throughput_probe
//! ```
//!
//! `N`: requests (default 4,096); `ROUNDS`: passes over them (default 20; 0 measures the set-up
//! alone, to subtract); `ONLY`: `allowed`, `implicitly_denied` or `explicitly_denied` repeats
//! that request `N` times instead of the mixed workload; `GROUPED=1` prepares the requests as a
//! `PreparedBatch` (laid out by action) and decides them with `evaluate_grouped`. Prints the
//! allowed count and the time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    missing_docs,
    reason = "a measuring probe: a bad fixture should abort it loudly"
)]

#[path = "../benches/support/principal.rs"]
mod principal;

use bumpalo::Bump;
use iamc::request::Preparer;
use iamc::{Catalog, Decision};

fn var(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|e| panic!("{name}={v}: {e}")))
        .unwrap_or(default)
}

fn main() {
    let n = var("N", 4096);
    let rounds = var("ROUNDS", 20);
    let catalog = Catalog::sagemaker_default();
    let set = principal::policy_set();
    let arena = Bump::new();
    let compiled = principal::compiled(&arena, &set);
    let requests = match std::env::var("ONLY").ok() {
        Some(path) => {
            let (_, request, _) = principal::paths()
                .into_iter()
                .find(|(name, _, _)| *name == path)
                .unwrap_or_else(|| panic!("ONLY={path}: no such request"));
            vec![request; n]
        }
        None => principal::workload(n),
    };
    let grouped = var("GROUPED", 0) == 1;
    let mut preparer = Preparer::new(catalog);
    let prepared: Vec<_> = if grouped {
        Vec::new()
    } else {
        requests.iter().map(|r| preparer.prepare(r)).collect()
    };
    let batch = if grouped {
        preparer.prepare_batch(&requests)
    } else {
        Default::default()
    };
    let mut out = Vec::with_capacity(n);
    let mut allowed = 0usize;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        if grouped {
            compiled.evaluate_grouped(std::hint::black_box(&batch), &mut out);
        } else {
            compiled.evaluate_batch(std::hint::black_box(&prepared), &mut out);
        }
        allowed += out
            .iter()
            .filter(|o| o.decision == Decision::Allowed)
            .count();
    }
    let elapsed = start.elapsed();
    let decisions = (n * rounds).max(1);
    println!(
        "{allowed} {:.1} ns/decision",
        elapsed.as_nanos() as f64 / decisions as f64
    );
}
