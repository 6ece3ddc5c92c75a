//! No heap allocation per decision: once a request is prepared, `CompiledSet::evaluate` must not
//! touch the heap, for catalog actions (the plan index) and non-catalog actions (the fallback
//! matcher, once it is built) alike.
//!
//! The counting allocator is `allocation-counter`'s (a dev-dependency: the package forbids
//! `unsafe`, so this crate cannot implement `GlobalAlloc` itself). It counts per thread, so the
//! other tests of the binary, running on other threads, never enter a measurement.
//!
//! The principal is realistic: the AWS managed policy `AmazonSageMakerFullAccess` (from
//! `../shared` when present, else the statement subset in
//! `tests/data/AmazonSageMakerFullAccess.trimmed.json`: 21 of its 44 statements, verbatim), an
//! inline policy with the conditions SageMaker platform teams write, a permissions boundary and
//! two SCP levels.

use std::hint::black_box;

use allocation_counter::{AllocationInfo, measure};
use bumpalo::Bump;
use iamc::catalog::Catalog;
use iamc::compile::{CompiledSet, Compiler};
use iamc::eval::{ContextValue, Decision, Outcome, PreparedRequest, Request, reference};
use iamc::policy::{Policy, PolicyKind, PolicySet};
use iamc::request::{PreparedContext, Preparer};
use serde_json::json;

use crate::common::repo;

const ACCOUNT: &str = "111122223333";

/// `AmazonSageMakerFullAccess`: the full document from `../shared` when present, else the
/// trimmed copy kept with the tests.
pub fn full_access() -> Policy {
    let shared = repo().join("../shared/data/managed-policies/AmazonSageMakerFullAccess.json");
    let path = if shared.is_file() {
        shared
    } else {
        repo().join("tests/data/AmazonSageMakerFullAccess.trimmed.json")
    };
    let text = std::fs::read_to_string(&path).unwrap();
    Policy::parse(&text, PolicyKind::Identity).unwrap()
}

/// The principal's policies: managed + inline identity policies, a boundary, two SCP levels.
pub fn principal() -> PolicySet {
    let mut protected: Vec<String> = ["model", "endpoint"]
        .iter()
        .map(|kind| format!("arn:aws:sagemaker:*:{ACCOUNT}:{kind}/prod-*"))
        .collect();
    for tier in [
        "critical",
        "gold",
        "live",
        "release",
        "stable",
        "customer",
        "billing",
        "finance",
        "legal",
        "audit",
        "payments",
        "pii",
        "secure",
        "regulated",
        "core-?",
        "ga",
    ] {
        protected.push(format!("arn:aws:sagemaker:*:{ACCOUNT}:model/{tier}-*"));
        protected.push(format!("arn:aws:sagemaker:*:{ACCOUNT}:endpoint/*-{tier}"));
    }
    let inline = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TeamJobsOnApprovedInstances",
                "Effect": "Allow",
                "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                           "sagemaker:CreateTransformJob"],
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringLike": {
                        "sagemaker:InstanceTypes": ["ml.m5.*", "ml.c5.*", "ml.g5.*xlarge"]
                    },
                    "StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"},
                    "Bool": {"sagemaker:NetworkIsolation": "true"},
                    "NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": 86400},
                    "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.0/24", "2001:db8::/32"]}
                }
            },
            {
                // Eighteen `StringLike` patterns: the compiled condition gets its Aho-Corasick
                // prefilter (src/compile/prefilter.rs), whose scan must not allocate either.
                "Sid": "DenyRetiredInstanceFamilies",
                "Effect": "Deny",
                "Action": ["sagemaker:CreateProcessingJob", "sagemaker:CreateTransformJob"],
                "Resource": "*",
                "Condition": {
                    "ForAnyValue:StringLike": {
                        "sagemaker:InstanceTypes": ["ml.t2.*", "ml.m4.*", "ml.c4.*", "ml.p2.*",
                            "ml.p3.*", "ml.g4dn.*", "ml.r4.*", "*.legacy", "ml.p4d.24xl?rge",
                            "ml.g5.12*", "ml.x1.*", "ml.d2.*", "ml.i3.*", "ml.h1.*", "ml.f1.*",
                            "ml.m3.*", "ml.c3.*", "*.deprecated"]
                    }
                }
            },
            {
                "Sid": "DenyJobsWithoutVolumeKey",
                "Effect": "Deny",
                "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob"],
                "Resource": "*",
                "Condition": {"Null": {"sagemaker:VolumeKmsKeyArn": "true"}}
            },
            {
                "Sid": "DenyProductionModelDeletion",
                "Effect": "Deny",
                "Action": "sagemaker:Delete*",
                // 34 entries: the list gets the ARN prefilter, which must not allocate.
                "Resource": protected
            },
            {
                "Sid": "OwnTeamBuckets",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": "arn:aws:s3:::ml-${aws:PrincipalTag/team}-*/*"
            }
        ]
    });
    // The boundary makes the guardrails decisive: jobs only on approved instances, isolated.
    let boundary = json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CeilingExceptJobs",
                "Effect": "Allow",
                "NotAction": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                              "sagemaker:CreateTransformJob"],
                "Resource": "*"
            },
            {
                "Sid": "JobsWithGuardrails",
                "Effect": "Allow",
                "Action": ["sagemaker:CreateTrainingJob", "sagemaker:CreateProcessingJob",
                           "sagemaker:CreateTransformJob"],
                "Resource": "*",
                "Condition": {
                    "ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.m5.*", "ml.c5.*"]},
                    "Bool": {"sagemaker:NetworkIsolation": "true"}
                }
            },
            {
                "Sid": "PassRoleOnlyToSageMaker",
                "Effect": "Deny",
                "Action": "iam:PassRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
            }
        ]
    });
    let scp_root = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Sid": "RegionLock",
                "Effect": "Deny",
                "NotAction": ["iam:*", "sts:*", "s3:GetObject"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}
            }
        ]
    });
    let scp_ou = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Sid": "NoNotebookRootAccess",
                "Effect": "Deny",
                "Action": ["sagemaker:CreateNotebookInstance", "sagemaker:UpdateNotebookInstance"],
                "Resource": "*",
                "Condition": {"StringEquals": {"sagemaker:RootAccess": "Enabled"}}
            },
            {
                "Sid": "TaggedPrincipalsOnly",
                "Effect": "Deny",
                "Action": "sagemaker:Create*",
                "Resource": "*",
                "Condition": {"Null": {"aws:PrincipalTag/team": "true"}}
            }
        ]
    });
    let parse = |v: serde_json::Value, kind| Policy::parse(&v.to_string(), kind).unwrap();
    PolicySet {
        // The inline policy first, so its conditions run before the managed policy's allows.
        identity: vec![parse(inline, PolicyKind::Identity), full_access()],
        boundary: Some(vec![parse(boundary, PolicyKind::Boundary)]),
        scps: vec![
            vec![parse(scp_root, PolicyKind::Scp)],
            vec![parse(scp_ou, PolicyKind::Scp)],
        ],
        session: None,
    }
}

/// A small deterministic generator (xorshift), so the requests are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'x>(&mut self, items: &[&'x str]) -> &'x str {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// `n` different requests over catalog and non-catalog actions, with varied contexts.
fn requests(n: usize) -> Vec<Request> {
    let sm = |r: &str| format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:{r}");
    let actions: Vec<(&str, Vec<String>)> = vec![
        (
            "sagemaker:CreateTrainingJob",
            vec![sm("training-job/churn-1"), sm("training-job/x")],
        ),
        (
            "sagemaker:CreateProcessingJob",
            vec![sm("processing-job/prep-7")],
        ),
        (
            "sagemaker:CreateTransformJob",
            vec![sm("transform-job/batch-2")],
        ),
        (
            "sagemaker:DescribeTrainingJob",
            vec![sm("training-job/churn-1")],
        ),
        (
            "sagemaker:DeleteModel",
            vec![sm("model/prod-ranker"), sm("model/dev-ranker")],
        ),
        (
            "sagemaker:DeleteEndpoint",
            vec![sm("endpoint/prod-api"), sm("endpoint/dev-api")],
        ),
        (
            "sagemaker:CreateApp",
            vec![sm("app/d-abc123/alice/jupyterlab/default")],
        ),
        (
            "sagemaker:CreateSpace",
            vec![sm("space/d-abc123/shared-space")],
        ),
        (
            "sagemaker:AddTags",
            vec![
                sm("space/d-abc123/s1"),
                sm("app/d-abc123/bob/kernelgateway/k"),
            ],
        ),
        ("sagemaker:ListModels", vec!["*".to_owned()]),
        ("sagemaker:CreateDomain", vec![sm("domain/d-new")]),
        (
            "sagemaker:CreateNotebookInstance",
            vec![sm("notebook-instance/nb1")],
        ),
        (
            "sagemaker:ListTags",
            vec![sm("user-profile/d-abc123/alice")],
        ),
        ("sagemaker:InvokeEndpoint", vec![sm("endpoint/prod-api")]),
        (
            "iam:PassRole",
            vec![
                format!("arn:aws:iam::{ACCOUNT}:role/AmazonSageMaker-ExecutionRole"),
                format!("arn:aws:iam::{ACCOUNT}:role/other"),
            ],
        ),
        (
            "s3:GetObject",
            vec![
                "arn:aws:s3:::ml-fraud-data/train.csv".to_owned(),
                "arn:aws:s3:::my-sagemaker-bucket/x".to_owned(),
                "arn:aws:s3:::unrelated/x".to_owned(),
            ],
        ),
        (
            "s3:PutObject",
            vec!["arn:aws:s3:::ml-risk-data/out/part-0".to_owned()],
        ),
        (
            "ecr:PutImage",
            vec![format!(
                "arn:aws:ecr:us-east-1:{ACCOUNT}:repository/sagemaker-xgb"
            )],
        ),
        (
            "lambda:InvokeFunction",
            vec![format!(
                "arn:aws:lambda:us-east-1:{ACCOUNT}:function:SageMakerLabelingFunction"
            )],
        ),
        (
            "sagemaker:FutureActionNotInCatalog",
            vec![sm("training-job/churn-1")],
        ),
        ("ec2:RunInstances", vec!["*".to_owned()]),
    ];
    let teams = ["fraud", "risk", "search"];
    let instances = [
        "ml.m5.xlarge",
        "ml.c5.2xlarge",
        "ml.g5.12xlarge",
        "ml.p4d.24xlarge",
    ];
    let ips = [
        "10.1.2.3",
        "192.0.2.44",
        "198.51.100.7",
        "2001:db8::1",
        "not-an-ip",
    ];
    let regions = ["us-east-1", "eu-west-1", "ap-south-1"];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (action, resources) = &actions[i % actions.len()];
        let resource = &resources[(rng.next() % resources.len() as u64) as usize];
        let mut req = Request::new(action, resource).unwrap();
        req.principal = Some(format!("arn:aws:iam::{ACCOUNT}:role/ds-{i}"));
        let ctx = &mut req.context;
        let mut put = |k: &str, v: ContextValue| ctx.insert(k, v).unwrap();
        let one = |s: &str| ContextValue::Single(s.to_owned());
        let team = rng.pick(&teams);
        if rng.chance(90) {
            put("aws:PrincipalTag/team", one(team));
        }
        if rng.chance(90) {
            put(
                "aws:RequestTag/team",
                one(if rng.chance(80) {
                    team
                } else {
                    rng.pick(&teams)
                }),
            );
        }
        if rng.chance(95) {
            let k = 1 + rng.next() % 3;
            let types = (0..k).map(|_| rng.pick(&instances).to_owned()).collect();
            put("sagemaker:InstanceTypes", ContextValue::Multi(types));
        }
        if rng.chance(90) {
            put(
                "sagemaker:NetworkIsolation",
                one(if rng.chance(85) { "true" } else { "false" }),
            );
        }
        if rng.chance(85) {
            put(
                "sagemaker:VolumeKmsKeyArn",
                one(&format!(
                    "arn:aws:kms:us-east-1:{ACCOUNT}:key/k-{}",
                    rng.next() % 7
                )),
            );
        }
        if rng.chance(90) {
            let secs = [3600, 86400, 86401, 259200][(rng.next() % 4) as usize];
            put("sagemaker:MaxRuntimeInSeconds", one(&secs.to_string()));
        }
        put("aws:SourceIp", one(rng.pick(&ips)));
        put(
            "aws:RequestedRegion",
            one(if rng.chance(85) {
                "us-east-1"
            } else {
                rng.pick(&regions)
            }),
        );
        if rng.chance(50) {
            put(
                "iam:PassedToService",
                one(rng.pick(&["sagemaker.amazonaws.com", "glue.amazonaws.com"])),
            );
        }
        if rng.chance(30) {
            put(
                "sagemaker:RootAccess",
                one(rng.pick(&["Enabled", "Disabled"])),
            );
        }
        if rng.chance(50) {
            put("sagemaker:DomainId", one("d-abc123"));
            put(
                "sagemaker:SpaceSharingType",
                one(rng.pick(&["Shared", "Private"])),
            );
        }
        if rng.chance(40) {
            put(
                "sagemaker:TaggingAction",
                one(rng.pick(&["CreateSpace", "CreateApp"])),
            );
        }
        if rng.chance(40) {
            put(
                "s3:ExistingObjectTag/SageMaker",
                one(rng.pick(&["TRUE", "false"])),
            );
        }
        out.push(req);
    }
    out
}

/// The compiled principal, its requests and their reference decisions.
fn fixture<'a>(arena: &'a Bump, n: usize) -> (CompiledSet<'a>, Vec<Request>, Vec<Outcome>) {
    let catalog = Catalog::sagemaker_default();
    let set = principal();
    let compiled = Compiler::new(arena, catalog).compile(&set).unwrap();
    let reqs = requests(n);
    let want = reqs
        .iter()
        .map(|r| reference::evaluate(&set, r, catalog))
        .collect();
    (compiled, reqs, want)
}

fn prepare(reqs: &[Request]) -> Vec<PreparedRequest<'_>> {
    let catalog = Catalog::sagemaker_default();
    reqs.iter()
        .map(|r| PreparedRequest::new(r, catalog))
        .collect()
}

fn assert_no_allocation(what: &str, info: AllocationInfo) {
    assert_eq!(
        (info.count_total, info.bytes_total),
        (0, 0),
        "{what} allocated: {info:?}"
    );
}

#[test]
fn compiled_evaluate_allocates_nothing_per_decision() {
    const N: usize = 600;
    let arena = Bump::new();
    let (compiled, reqs, want) = fixture(&arena, N);
    let prepared = prepare(&reqs);

    // The mix is realistic: every kind of decision, catalog and non-catalog actions.
    let count = |d: Decision| want.iter().filter(|o| o.decision == d).count();
    let (allowed, implicit, explicit) = (
        count(Decision::Allowed),
        count(Decision::ImplicitlyDenied),
        count(Decision::ExplicitlyDenied),
    );
    eprintln!(
        "alloc: {N} requests: {allowed} allowed, {implicit} implicitly denied, {explicit} explicitly denied"
    );
    for (what, n) in [
        ("allowed", allowed),
        ("implicit", implicit),
        ("explicit", explicit),
    ] {
        assert!(n >= N / 20, "only {n} {what} decisions among {N}");
    }
    // The guardrail conditions decide: training jobs go both ways.
    let jobs: Vec<Decision> = reqs
        .iter()
        .zip(&want)
        .filter(|(r, _)| r.action() == "sagemaker:CreateTrainingJob")
        .map(|(_, o)| o.decision)
        .collect();
    assert!(jobs.contains(&Decision::Allowed), "{jobs:?}");
    assert!(jobs.contains(&Decision::ImplicitlyDenied), "{jobs:?}");
    assert!(jobs.contains(&Decision::ExplicitlyDenied), "{jobs:?}");
    // The long `StringLike` list decides too: processing and transform jobs go both ways.
    let other_jobs: Vec<Decision> = reqs
        .iter()
        .zip(&want)
        .filter(|(r, _)| {
            [
                "sagemaker:CreateProcessingJob",
                "sagemaker:CreateTransformJob",
            ]
            .contains(&r.action())
        })
        .map(|(_, o)| o.decision)
        .collect();
    assert!(
        other_jobs.contains(&Decision::ExplicitlyDenied),
        "{other_jobs:?}"
    );
    assert!(
        other_jobs.iter().any(|d| *d != Decision::ExplicitlyDenied),
        "{other_jobs:?}"
    );
    let distinct: std::collections::HashSet<String> =
        prepared.iter().map(|p| format!("{p:?}")).collect();
    assert!(
        distinct.len() >= 500,
        "{} distinct requests",
        distinct.len()
    );

    // First pass: the first non-catalog decisions match by glob, then the set builds its
    // fallback DFA (once per compiled set, by design).
    let start = std::time::Instant::now();
    let first = measure(|| {
        for (p, w) in prepared.iter().zip(&want) {
            assert_eq!(compiled.evaluate(p), *w, "{p:?}");
        }
    });
    eprintln!(
        "alloc: first pass (builds the fallback matcher) in {:?}: {first:?}",
        start.elapsed()
    );

    // Every later decision allocates nothing, request by request…
    let mut offenders = Vec::new();
    for p in &prepared {
        let info = measure(|| {
            black_box(compiled.evaluate(black_box(p)));
        });
        if info.count_total != 0 {
            offenders.push((p.action().to_owned(), p.resource().to_owned(), info));
        }
    }
    assert!(offenders.is_empty(), "evaluate allocated: {offenders:#?}");
    // …and over whole passes.
    let start = std::time::Instant::now();
    let info = measure(|| {
        for _ in 0..5 {
            for p in &prepared {
                black_box(compiled.evaluate(black_box(p)));
            }
        }
    });
    eprintln!("alloc: 5 passes of {N} decisions in {:?}", start.elapsed());
    assert_no_allocation("5 passes of evaluate", info);
    // The audit path: one prepared request, decided for a principal with its own context.
    let mut principal_ctx = iamc::eval::Context::new();
    principal_ctx
        .insert(
            "aws:PrincipalTag/team",
            ContextValue::Single("fraud".to_owned()),
        )
        .unwrap();
    let principal_ctx = PreparedContext::new(&principal_ctx, Catalog::sagemaker_default());
    let info = measure(|| {
        for p in &prepared {
            black_box(compiled.evaluate_as(black_box(p), &principal_ctx));
        }
    });
    assert_no_allocation("evaluate_as", info);
    // `evaluate_batch` into a buffer with room allocates nothing either.
    let mut out = Vec::with_capacity(prepared.len());
    let info = measure(|| compiled.evaluate_batch(&prepared, &mut out));
    assert_no_allocation("evaluate_batch", info);
    assert_eq!(out, want);
    // So does `evaluate_grouped`, which decides in the batch's layout (by action) and must
    // still give the outcomes in input order.
    let batch = Preparer::new(Catalog::sagemaker_default()).prepare_batch(&reqs);
    assert_eq!(batch.len(), reqs.len());
    // The fixture interleaves actions, so the layout really moves requests.
    assert!(batch.positions().iter().enumerate().any(|(i, &p)| i != p));
    let first_action = reqs[0].action().to_owned();
    let moved = reqs
        .iter()
        .position(|r| r.action() != first_action)
        .unwrap();
    assert_eq!(
        batch.get(moved).unwrap().action(),
        reqs[moved].action().to_lowercase()
    );
    out.clear();
    let info = measure(|| compiled.evaluate_grouped(&batch, &mut out));
    assert_no_allocation("evaluate_grouped", info);
    assert_eq!(out, want);
}

#[test]
fn counter_sees_preparation_and_explain() {
    // The counter works: preparing a request and explaining a decision do allocate.
    let catalog = Catalog::sagemaker_default();
    let arena = Bump::new();
    let (compiled, reqs, _) = fixture(&arena, 50);
    let prepared = prepare(&reqs);
    let mut kept = Vec::new();
    let info = measure(|| {
        for r in &reqs {
            kept.push(PreparedRequest::new(black_box(r), catalog));
        }
    });
    eprintln!("alloc: PreparedRequest::new × 50: {info:?}");
    assert!(info.count_total >= 50, "{info:?}");
    let info = measure(|| {
        for p in &prepared {
            black_box(compiled.explain(black_box(p)));
        }
    });
    eprintln!("alloc: explain × 50: {info:?}");
    assert!(info.count_total >= 50, "{info:?}");
    let info = measure(|| {
        black_box(Box::new(1u64));
    });
    assert_eq!(info.count_total, 1);
}
