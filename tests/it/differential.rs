//! Differential test: random cases from `tests/it/gen.rs`, each through the reference evaluator
//! and every compiled path (`compiled::explain`, `CompiledSet::explain`/`evaluate`,
//! `evaluate_batch`, `evaluate_batch_par`); explanations and outcomes must be equal.
//!
//! `IAMC_DIFF_PAIRS` sets the number of cases (default 1,500, a few seconds in a debug build),
//! `IAMC_DIFF_SEED` the seed (default fixed, so `cargo test` is reproducible), `IAMC_DIFF_DUMP` a
//! file that receives every valid case line (input for timing `iamc eval` against other
//! simulators, BENCHMARKS.md). A difference prints
//! the case line (paste it into `tests/cases` or `iamc eval --cases -`) and every explanation.
//! The summary (`--nocapture`) shows how often each decision came out and how many operator ×
//! qualifier forms had their conditions both hold and fail.

use std::collections::BTreeMap;
use std::time::Instant;

use arbitrary::Unstructured;
use iamc::condition::{Condition, Operator, SetOp};
use iamc::eval::reference;
use iamc::policy::{Policy, PolicySet};
use iamc::{Catalog, Decision, Layer, Request};

use crate::r#gen::{self, EvalCheck};

/// SplitMix64: a tiny seeded generator for the bytes the case generator reads.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let x = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&x[..chunk.len()]);
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

/// Operator forms: plain, IfExists, ForAllValues:, ForAnyValue:, and both prefixes with
/// IfExists.
const FORMS: [&str; 6] = [
    "",
    "IfExists",
    "ForAllValues",
    "ForAnyValue",
    "ForAllValues+IfExists",
    "ForAnyValue+IfExists",
];

fn form(c: &Condition) -> usize {
    match (c.op.set, c.op.if_exists) {
        (None, false) => 0,
        (None, true) => 1,
        (Some(SetOp::ForAllValues), false) => 2,
        (Some(SetOp::ForAnyValue), false) => 3,
        (Some(SetOp::ForAllValues), true) => 4,
        (Some(SetOp::ForAnyValue), true) => 5,
    }
}

/// Whether one condition holds for a request, by the reference evaluator: a one-statement
/// policy `Allow * on *` with that condition, for the request without its principal.
fn condition_holds(c: &Condition, request: &Request, catalog: &Catalog) -> bool {
    let mut p = Policy::allow_all();
    p.statements[0].conditions = vec![c.clone()];
    reference::evaluate(&PolicySet::identity(vec![p]), request, catalog).decision
        == Decision::Allowed
}

#[derive(Default)]
struct Stats {
    valid: u64,
    invalid: u64,
    invalid_kinds: BTreeMap<String, u64>,
    decisions: BTreeMap<Decision, u64>,
    decided_by: BTreeMap<String, u64>,
    catalog_actions: u64,
    fallback_actions: u64,
    matched_some: u64,
    missing_keys: u64,
    /// (operator, form) → [held, failed]
    conditions: BTreeMap<(&'static str, usize), [u64; 2]>,
}

/// An invalid case's message without the parts that vary (ids, pointers, values).
fn invalid_kind(message: &str) -> String {
    let m = message.split(" at /").last().unwrap_or(message);
    let m = m.split_once(": ").map_or(m, |(_, rest)| rest);
    m.split('`').step_by(2).collect::<Vec<_>>().join("…")
}

fn pct(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

#[test]
fn compiled_agrees_with_reference_on_random_cases() {
    let pairs = env_u64("IAMC_DIFF_PAIRS", 1_500);
    let seed = env_u64("IAMC_DIFF_SEED", 0x1a3c_2026);
    let (catalog, _) = r#gen::catalogs();
    let mut rng = SplitMix(seed);
    let mut buf = vec![0u8; 8192];
    let mut stats = Stats::default();
    let mut differences: Vec<String> = Vec::new();
    let mut n_differences = 0u64;
    let started = Instant::now();
    let mut dump = std::env::var_os("IAMC_DIFF_DUMP")
        .map(|p| std::io::BufWriter::new(std::fs::File::create(p).unwrap()));

    for i in 0..pairs {
        let len = 1024 + (rng.next_u64() % 7168) as usize;
        rng.fill(&mut buf[..len]);
        let mut u = Unstructured::new(&buf[..len]);
        let line = r#gen::case(&mut u, &format!("diff-{seed}-{i}")).to_string();
        match r#gen::check_case_line(&line) {
            EvalCheck::Invalid(message) => {
                stats.invalid += 1;
                if std::env::var_os("IAMC_DIFF_SHOW_INVALID").is_some() {
                    eprintln!("invalid: {message}");
                }
                *stats
                    .invalid_kinds
                    .entry(invalid_kind(&message))
                    .or_default() += 1;
            }
            EvalCheck::Differed(report) => {
                n_differences += 1;
                if differences.len() < 10 {
                    differences.push(report);
                }
            }
            EvalCheck::Agreed { case, explanation } => {
                stats.valid += 1;
                if let Some(d) = dump.as_mut() {
                    use std::io::Write;
                    writeln!(d, "{line}").unwrap();
                }
                *stats
                    .decisions
                    .entry(explanation.outcome.decision)
                    .or_default() += 1;
                let by = match explanation.outcome.decided_by {
                    Layer::Scp(_) => "scp".to_owned(),
                    other => other.to_string(),
                };
                *stats.decided_by.entry(by).or_default() += 1;
                if catalog.action(case.request.action()).is_some() {
                    stats.catalog_actions += 1;
                } else {
                    stats.fallback_actions += 1;
                }
                stats.matched_some += u64::from(!explanation.matched.is_empty());
                stats.missing_keys += u64::from(!explanation.missing_keys.is_empty());
                if i % 4 == 0 {
                    let mut request = case.request.clone();
                    request.principal = None;
                    request.account = None;
                    for (_, policy) in case.policies.labelled() {
                        for st in &policy.statements {
                            for c in &st.conditions {
                                let held = condition_holds(c, &request, catalog);
                                let slot = stats
                                    .conditions
                                    .entry((c.op.operator.name(), form(c)))
                                    .or_default();
                                slot[usize::from(!held)] += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    let elapsed = started.elapsed();

    let total_forms = Operator::ALL.len() * FORMS.len() - (FORMS.len() - 1);
    let both = stats
        .conditions
        .values()
        .filter(|[t, f]| *t > 0 && *f > 0)
        .count();
    let one_sided: Vec<String> = stats
        .conditions
        .iter()
        .filter(|(_, [t, f])| *t == 0 || *f == 0)
        .map(|((op, fm), [t, f])| {
            format!(
                "{op}{}:{t}/{f}",
                if *fm == 0 {
                    String::new()
                } else {
                    format!("[{}]", FORMS[*fm])
                }
            )
        })
        .collect();
    eprintln!(
        "differential: {pairs} pairs (seed {seed}) in {:.1}s: {} valid, {} invalid ({:.1}%), {n_differences} differences",
        elapsed.as_secs_f64(),
        stats.valid,
        stats.invalid,
        pct(stats.invalid, pairs)
    );
    let mut kinds: Vec<(&String, &u64)> = stats.invalid_kinds.iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(a.1));
    for (k, n) in kinds.iter().take(6) {
        eprintln!("  invalid {n:>7}: {k}");
    }
    for (d, n) in &stats.decisions {
        eprintln!("  {d:<17} {n:>9} ({:.1}%)", pct(*n, stats.valid));
    }
    let by: Vec<String> = stats
        .decided_by
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    eprintln!("  decided by: {}", by.join(", "));
    eprintln!(
        "  actions: {} catalog, {} outside the catalog (DFA fallback); {} with a matched statement, {} with missing keys",
        stats.catalog_actions, stats.fallback_actions, stats.matched_some, stats.missing_keys
    );
    eprintln!(
        "  conditions (every 4th case): {} of {total_forms} operator forms seen, {both} both held and failed",
        stats.conditions.len()
    );
    if !one_sided.is_empty() {
        eprintln!("  one-sided forms (held/failed): {}", one_sided.join(" "));
    }

    for report in &differences {
        eprintln!("\nDIFFERENCE\n{report}");
    }
    assert_eq!(
        n_differences,
        0,
        "{n_differences} of {pairs} random cases differ between the reference and the compiled engine (first {} printed above)",
        differences.len()
    );
    if pairs >= 1_000 {
        assert!(
            pct(stats.invalid, pairs) < 10.0,
            "too many invalid cases: the generator drifted"
        );
        for d in [
            Decision::Allowed,
            Decision::ExplicitlyDenied,
            Decision::ImplicitlyDenied,
        ] {
            let n = stats.decisions.get(&d).copied().unwrap_or(0);
            assert!(
                pct(n, stats.valid) >= 5.0,
                "{d} in only {n} of {} valid cases: the generator no longer hits every decision",
                stats.valid
            );
        }
    }
}

/// The `glob_differential` property on random inputs (`IAMC_GLOB_PAIRS`, default 3,000): compiled
/// globs, ARN matchers and prefiltered `Like` lists against the naive matchers.
#[test]
fn compiled_globs_agree_with_naive_on_random_inputs() {
    let n = env_u64("IAMC_GLOB_PAIRS", 3_000);
    let mut rng = SplitMix(env_u64("IAMC_DIFF_SEED", 0x1a3c_2026));
    let mut buf = vec![0u8; 512];
    for i in 0..n {
        let len = 16 + (rng.next_u64() % 496) as usize;
        rng.fill(&mut buf[..len]);
        if let Err(report) = r#gen::glob_differential(&buf[..len]) {
            panic!("input {i}: {report}");
        }
    }
}
