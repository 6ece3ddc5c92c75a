//! The realistic SageMaker principal the `decision` and `throughput` benches evaluate, and the
//! requests they send it. Everything comes from `benches/data/`, embedded at compile time, so the
//! benches need no files outside the repository.
//!
//! The principal (role `DataScientist` in account 111122223333, tag `team=ml`):
//! - identity: an inline policy `ml-team-inline.json` (training/processing/tuning jobs only on
//!   approved instance types, tagged with the caller's team, network-isolated, with a volume KMS
//!   key and at most a day of runtime; no internet-facing notebooks), then the AWS managed
//!   `AmazonSageMakerFullAccess` (v29, copied verbatim);
//! - permissions boundary `ml-boundary.json`: SageMaker in the own account, reads anywhere,
//!   pass-role of service roles to SageMaker only, data/images/logs;
//! - two SCP levels: `scp-root.json` (allows `*`, denies `sagemaker:*` outside us-east-1 and
//!   eu-west-1) and `scp-ml-ou.json` (allows `*`, denies model-registry deletes and root-access
//!   notebooks).
#![allow(
    dead_code,
    reason = "each bench binary uses part of this module; the rest is dead there"
)]

use bumpalo::Bump;
use iamc::eval::ContextValue;
use iamc::{Catalog, CompiledSet, Compiler, Decision, Policy, PolicyKind, PolicySet, Request};

/// The account of the principal and of its own resources.
pub const ACCOUNT: &str = "111122223333";

/// The calling session.
pub const PRINCIPAL_ARN: &str = "arn:aws:sts::111122223333:assumed-role/DataScientist/bench";

const FULL_ACCESS: &str = include_str!("../data/AmazonSageMakerFullAccess.json");
const INLINE: &str = include_str!("../data/ml-team-inline.json");
const BOUNDARY: &str = include_str!("../data/ml-boundary.json");
const SCP_ROOT: &str = include_str!("../data/scp-root.json");
const SCP_OU: &str = include_str!("../data/scp-ml-ou.json");

fn parse(name: &str, text: &str, kind: PolicyKind) -> Policy {
    Policy::parse(text, kind).unwrap_or_else(|e| panic!("benches/data/{name}: {e}"))
}

/// The principal's policy set: SCP root and OU levels, inline + AmazonSageMakerFullAccess, the
/// boundary.
pub fn policy_set() -> PolicySet {
    PolicySet {
        identity: vec![
            parse("ml-team-inline.json", INLINE, PolicyKind::Identity),
            parse(
                "AmazonSageMakerFullAccess.json",
                FULL_ACCESS,
                PolicyKind::Identity,
            ),
        ],
        boundary: Some(vec![parse(
            "ml-boundary.json",
            BOUNDARY,
            PolicyKind::Boundary,
        )]),
        scps: vec![
            vec![parse("scp-root.json", SCP_ROOT, PolicyKind::Scp)],
            vec![parse("scp-ml-ou.json", SCP_OU, PolicyKind::Scp)],
        ],
        session: None,
    }
}

/// `set` (the principal's, from [`policy_set`]) compiled into `arena` with the SageMaker
/// catalog.
pub fn compiled<'a>(arena: &'a Bump, set: &PolicySet) -> CompiledSet<'a> {
    Compiler::new(arena, Catalog::sagemaker_default())
        .compile(set)
        .expect("the bench principal compiles")
}

/// A request by the principal, with the context every request of its session carries.
pub fn request(action: &str, resource: &str, region: &str) -> Request {
    let mut r = Request::new(action, resource)
        .unwrap_or_else(|e| panic!("bad bench request {action} {resource}: {e}"));
    r.principal = Some(PRINCIPAL_ARN.to_owned());
    for (k, v) in [
        ("aws:RequestedRegion", region),
        ("aws:PrincipalArn", PRINCIPAL_ARN),
        ("aws:PrincipalAccount", ACCOUNT),
        ("aws:PrincipalTag/team", "ml"),
        ("aws:SecureTransport", "true"),
    ] {
        set(&mut r, k, v);
    }
    r
}

/// Sets a single-valued context key.
pub fn set(r: &mut Request, key: &str, value: &str) {
    r.context
        .insert(key, ContextValue::Single(value.to_owned()))
        .unwrap_or_else(|e| panic!("{key}: {e}"));
}

/// Sets a multivalued context key.
pub fn set_list(r: &mut Request, key: &str, values: &[&str]) {
    let values = values.iter().map(|v| (*v).to_owned()).collect();
    r.context
        .insert(key, ContextValue::Multi(values))
        .unwrap_or_else(|e| panic!("{key}: {e}"));
}

/// The job settings of a `Create*Job` request.
pub struct Job<'a> {
    /// `sagemaker:InstanceTypes`.
    pub instance_types: &'a [&'a str],
    /// `aws:RequestTag/team`.
    pub team: &'a str,
    /// `sagemaker:NetworkIsolation`.
    pub network_isolation: bool,
    /// `sagemaker:VolumeKmsKeyArn`, when given.
    pub volume_kms_key: Option<&'a str>,
    /// `sagemaker:MaxRuntimeInSeconds`.
    pub max_runtime: u32,
}

/// The KMS key compliant jobs encrypt their volumes with.
pub const KMS_KEY: &str =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A compliant job: every condition of the inline policy holds.
pub const GOOD_JOB: Job<'static> = Job {
    instance_types: &["ml.m5.xlarge", "ml.g5.2xlarge"],
    team: "ml",
    network_isolation: true,
    volume_kms_key: Some(KMS_KEY),
    max_runtime: 3600,
};

/// A `Create*Job` request with `job`'s settings.
pub fn job_request(action: &str, resource: &str, region: &str, job: &Job<'_>) -> Request {
    let mut r = request(action, resource, region);
    set_list(&mut r, "sagemaker:InstanceTypes", job.instance_types);
    set(&mut r, "aws:RequestTag/team", job.team);
    set_list(&mut r, "aws:TagKeys", &["team"]);
    set(
        &mut r,
        "sagemaker:NetworkIsolation",
        if job.network_isolation {
            "true"
        } else {
            "false"
        },
    );
    if let Some(k) = job.volume_kms_key {
        set(&mut r, "sagemaker:VolumeKmsKeyArn", k);
    }
    set(
        &mut r,
        "sagemaker:MaxRuntimeInSeconds",
        &job.max_runtime.to_string(),
    );
    r
}

/// One request per decision path, with the decision it must get.
pub fn paths() -> [(&'static str, Request, Decision); 3] {
    [
        // The inline policy's five conditions hold; the boundary and both SCP levels allow.
        (
            "allowed",
            job_request(
                "sagemaker:CreateTrainingJob",
                "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-2025-11-25",
                "us-east-1",
                &GOOD_JOB,
            ),
            Decision::Allowed,
        ),
        // No identity statement reaches a domain (AmazonSageMakerFullAccess keeps domains out
        // with `NotResource`); nothing denies.
        (
            "implicitly_denied",
            request(
                "sagemaker:DeleteDomain",
                "arn:aws:sagemaker:us-east-1:111122223333:domain/d-abcdef123456",
                "us-east-1",
            ),
            Decision::ImplicitlyDenied,
        ),
        // The same compliant job, in a region the root SCP denies.
        (
            "explicitly_denied",
            job_request(
                "sagemaker:CreateTrainingJob",
                "arn:aws:sagemaker:ap-south-1:111122223333:training-job/churn-2025-11-25",
                "ap-south-1",
                &GOOD_JOB,
            ),
            Decision::ExplicitlyDenied,
        ),
    ]
}

/// splitmix64: deterministic choices for the workload.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Picks one of `items` with the random bits `r`.
fn pick<'a, T: ?Sized>(items: &[&'a T], r: u64) -> &'a T {
    let i = usize::try_from(r % items.len() as u64).unwrap_or(0);
    items
        .get(i)
        .copied()
        .unwrap_or_else(|| panic!("empty choice"))
}

/// A mixed workload of `n` requests: job creation with compliant and non-compliant settings,
/// reads, wildcard-only lists, endpoint calls, model-registry deletes (OU SCP), domain deletes
/// (no identity grant), root-access and internet-facing notebooks, `iam:PassRole` to several
/// roles and services, S3 reads (an action outside the catalog), and requests on another
/// account's resources or in a denied region. Deterministic.
pub fn workload(n: usize) -> Vec<Request> {
    let sm = |region: &str, account: &str, rest: &str| {
        format!("arn:aws:sagemaker:{region}:{account}:{rest}")
    };
    (0..n as u64)
        .map(|i| {
            let r = mix(i);
            let region = match r % 10 {
                0 => "ap-south-1",
                1 => "eu-west-1",
                _ => "us-east-1",
            };
            let account = if (r >> 8).is_multiple_of(16) {
                "444455556666"
            } else {
                ACCOUNT
            };
            let name = format!("job-{}", (r >> 12) % 97);
            let bits = r >> 20;
            match (r >> 4) % 12 {
                0..=2 => {
                    let action = pick(
                        &[
                            "sagemaker:CreateTrainingJob",
                            "sagemaker:CreateProcessingJob",
                        ],
                        bits,
                    );
                    let kind = if action.ends_with("TrainingJob") {
                        "training-job"
                    } else {
                        "processing-job"
                    };
                    let job = Job {
                        instance_types: match (bits >> 2) % 4 {
                            0 => &["ml.p4d.24xlarge"],
                            1 => &["ml.m5.xlarge", "ml.p3.2xlarge"],
                            _ => &["ml.m5.xlarge", "ml.c5.2xlarge"],
                        },
                        team: pick(&["ml", "ml", "ml", "platform"], bits >> 4),
                        network_isolation: !(bits >> 6).is_multiple_of(5),
                        volume_kms_key: (!(bits >> 9).is_multiple_of(6)).then_some(KMS_KEY),
                        max_runtime: [600, 3600, 86_400, 172_800]
                            .get(((bits >> 12) % 4) as usize)
                            .copied()
                            .unwrap_or(3600),
                    };
                    job_request(
                        action,
                        &sm(region, account, &format!("{kind}/{name}")),
                        region,
                        &job,
                    )
                }
                3 => request(
                    "sagemaker:DescribeTrainingJob",
                    &sm(region, account, &format!("training-job/{name}")),
                    region,
                ),
                4 => request("sagemaker:ListTrainingJobs", "*", region),
                5 => {
                    let action = pick(
                        &["sagemaker:InvokeEndpoint", "sagemaker:CreateEndpoint"],
                        bits,
                    );
                    request(action, &sm(region, account, "endpoint/churn-prod"), region)
                }
                6 => request(
                    "sagemaker:DeleteModelPackageGroup",
                    &sm(region, account, "model-package-group/churn"),
                    region,
                ),
                7 => request(
                    "sagemaker:DeleteDomain",
                    &sm(region, account, "domain/d-abcdef123456"),
                    region,
                ),
                8 => {
                    let mut q = request(
                        "sagemaker:CreateNotebookInstance",
                        &sm(region, account, &format!("notebook-instance/{name}")),
                        region,
                    );
                    set(
                        &mut q,
                        "sagemaker:RootAccess",
                        pick(&["Enabled", "Disabled", "Disabled"], bits),
                    );
                    set(
                        &mut q,
                        "sagemaker:DirectInternetAccess",
                        pick(&["Enabled", "Disabled", "Disabled"], bits >> 2),
                    );
                    q
                }
                9 | 10 => {
                    let role = pick(
                        &[
                            "role/service-role/AmazonSageMaker-ExecutionRole",
                            "role/AmazonSageMaker-Legacy",
                            "role/admin",
                        ],
                        bits,
                    );
                    let mut q = request(
                        "iam:PassRole",
                        &format!("arn:aws:iam::{account}:{role}"),
                        region,
                    );
                    set(
                        &mut q,
                        "iam:PassedToService",
                        pick(
                            &[
                                "sagemaker.amazonaws.com",
                                "sagemaker.amazonaws.com",
                                "glue.amazonaws.com",
                            ],
                            bits >> 2,
                        ),
                    );
                    q
                }
                _ => request(
                    "s3:GetObject",
                    &format!(
                        "arn:aws:s3:::{}/train/part-{:05}.parquet",
                        pick(&["ml-sagemaker-datasets", "finance-reports"], bits),
                        bits % 1000
                    ),
                    region,
                ),
            }
        })
        .collect()
}
