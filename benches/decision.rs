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
//!
//! `decision/like_{4,8,16,32,64}/{miss,hit_last}` time one decision on a statement whose condition
//! lists that many `StringLike` patterns, compiled with the Aho-Corasick prefilter forced on
//! (`prefilter`, `Compiler::prefilter_min(1)`) and off (`loop`, `usize::MAX`): `miss` is a value
//! no pattern matches (every pattern tried by the loop), `hit_last` one only the last matches.
//! `decision/res_{16,64}/…` do the same for a `Resource` list of that many model ARNs.
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
use iamc::eval::{ContextValue, Decision, reference};
use iamc::policy::{Policy, PolicyKind, PolicySet};
use iamc::{Catalog, Compiler, PreparedRequest, Request};

fn decision(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let set = principal::policy_set();
    let arena = Bump::new();
    let compiled = principal::compiled(&arena, &set);

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

/// `n` `StringLike` patterns of the shapes tag conventions use, with distinct literal pieces.
fn like_patterns(n: usize) -> Vec<String> {
    let words = [
        "churn", "fraud", "search", "ranking", "vision", "speech", "pricing", "risk",
    ];
    (0..n)
        .map(|i| {
            let w = format!("{}{}", words[i % words.len()], i / words.len());
            match i % 4 {
                0 => format!("{w}-*"),
                1 => format!("*-{w}"),
                2 => format!("{w}-??-*"),
                _ => format!("data-*-{w}-*"),
            }
        })
        .collect()
}

fn like_lists(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    for n in [4usize, 8, 16, 32, 64] {
        let pats = like_patterns(n);
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": "sagemaker:CreateTrainingJob",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:RequestTag/project": pats}}
            }]
        });
        let set = PolicySet {
            identity: vec![Policy::parse(&doc.to_string(), PolicyKind::Identity).unwrap()],
            ..PolicySet::default()
        };
        let last = pats.last().unwrap().replace('*', "x").replace('?', "y");
        for (case, value, want) in [
            (
                "miss",
                "analytics-sandbox-2024-q3",
                Decision::ImplicitlyDenied,
            ),
            ("hit_last", last.as_str(), Decision::Allowed),
        ] {
            let mut request = Request::new(
                "sagemaker:CreateTrainingJob",
                "arn:aws:sagemaker:us-east-1:111122223333:training-job/j",
            )
            .unwrap();
            request
                .context
                .insert(
                    "aws:RequestTag/project",
                    ContextValue::Single(value.to_owned()),
                )
                .unwrap();
            let prepared = PreparedRequest::new(&request, catalog);
            assert_eq!(reference::evaluate(&set, &request, catalog).decision, want);
            let mut g = c.benchmark_group(format!("decision/like_{n}/{case}"));
            for (name, min) in [("prefilter", 1), ("loop", usize::MAX)] {
                let arena = Bump::new();
                let compiled = Compiler::new(&arena, catalog)
                    .prefilter_min(min)
                    .compile(&set)
                    .unwrap();
                assert_eq!(
                    compiled.evaluate(&prepared).decision,
                    want,
                    "{name} {n} {case}"
                );
                g.bench_function(name, |b| {
                    b.iter(|| compiled.evaluate(black_box(&prepared)));
                });
            }
            g.finish();
        }
    }
}

/// `Resource` lists: `n` model ARNs of one account and region, per-team prefixes and names.
fn res_lists(c: &mut Criterion) {
    let catalog = Catalog::sagemaker_default();
    let base = "arn:aws:sagemaker:us-east-1:111122223333";
    for n in [16usize, 64] {
        let names = like_patterns(n);
        let arns: Vec<String> = names.iter().map(|p| format!("{base}:model/{p}")).collect();
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sagemaker:DeleteModel", "Resource": arns}]
        });
        let set = PolicySet {
            identity: vec![Policy::parse(&doc.to_string(), PolicyKind::Identity).unwrap()],
            ..PolicySet::default()
        };
        let last = names.last().unwrap().replace('*', "x").replace('?', "y");
        for (case, name, want) in [
            (
                "miss",
                "analytics-sandbox-2024-q3",
                Decision::ImplicitlyDenied,
            ),
            ("hit_last", last.as_str(), Decision::Allowed),
        ] {
            let request =
                Request::new("sagemaker:DeleteModel", &format!("{base}:model/{name}")).unwrap();
            let prepared = PreparedRequest::new(&request, catalog);
            assert_eq!(reference::evaluate(&set, &request, catalog).decision, want);
            let mut g = c.benchmark_group(format!("decision/res_{n}/{case}"));
            for (label, min) in [("prefilter", 1), ("loop", usize::MAX)] {
                let arena = Bump::new();
                let compiled = Compiler::new(&arena, catalog)
                    .prefilter_min(min)
                    .compile(&set)
                    .unwrap();
                assert_eq!(
                    compiled.evaluate(&prepared).decision,
                    want,
                    "{label} {n} {case}"
                );
                g.bench_function(label, |b| {
                    b.iter(|| compiled.evaluate(black_box(&prepared)));
                });
            }
            g.finish();
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = decision, like_lists, res_lists
}
criterion_main!(benches);
