//! Differential test of the exact analysis: random policy sets and requests from
//! `tests/it/gen.rs` (and the audit's request generator), the formula against the compiled
//! engine, and the classes against the engine on modelled requests (`analyze_prop.rs`).
//!
//! `IAMC_ANALYZE_PAIRS` sets the number of formula-vs-engine comparisons to reach (default
//! 4,000, under a minute in a debug build), `IAMC_ANALYZE_SEED` the seed (fixed by default).
//! A failure prints the case line and the request.

use std::time::Instant;

use crate::analyze_prop::{PropStats, check_analysis};
use crate::differential::SplitMix;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
        .unwrap_or(default)
}

#[test]
fn formula_agrees_with_engine_on_random_sets() {
    let target = env_u64("IAMC_ANALYZE_PAIRS", 4_000);
    let seed = env_u64("IAMC_ANALYZE_SEED", 0x0a11_2026);
    let mut rng = SplitMix(seed);
    let mut buf = vec![0u8; 8192];
    let mut stats = PropStats::default();
    let mut failures: Vec<String> = Vec::new();
    let started = Instant::now();
    let mut cases = 0u64;
    while stats.pairs < target {
        cases += 1;
        let len = 1024 + (rng.next_u64() % 7168) as usize;
        rng.fill(&mut buf[..len]);
        if let Err(report) = check_analysis(&buf[..len], 12, &mut stats) {
            failures.push(report);
            if failures.len() >= 5 {
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "analyze differential: {} pairs ({} on modelled requests, {} allowed) over {} cells from {cases} cases (seed {seed}) in {:.1}s; {} skipped; {} exact ({:.1}%): {} Always, {} Conditional, {} Never",
        stats.pairs,
        stats.modelled,
        stats.modelled_allowed,
        stats.cells,
        elapsed.as_secs_f64(),
        stats.skipped,
        stats.exact,
        stats.exact as f64 * 100.0 / stats.cells.max(1) as f64,
        stats.classes[0],
        stats.classes[1],
        stats.classes[2],
    );
    for f in &failures {
        eprintln!("\nFAILURE\n{f}");
    }
    assert!(
        failures.is_empty(),
        "{} failures (printed above)",
        failures.len()
    );
    if target >= 1_000 {
        assert!(
            stats.modelled * 10 >= stats.pairs,
            "too few modelled requests: {stats:?}"
        );
        assert!(
            stats.classes.iter().all(|n| *n > 0),
            "some class never seen: {stats:?}"
        );
    }
}
