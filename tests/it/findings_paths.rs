//! Escalation paths end to end (`src/audit/findings/paths.rs`): a positive training-job path with
//! severities that follow the passed role's capability, six ways the same path must *not* hold
//! (`tests/data/findings/paths-account.json`, `paths-scp-deny-passrole.json`), and the four
//! SageMaker privilege-escalation roles of the shared cloudsplaining sample (skipped without
//! `../shared`).

use std::path::PathBuf;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{AuditResult, Finding, FindingKind, Severity};
use serde_json::Value;

use crate::common::{repo, shared};

const ACCOUNT: &str = "123456789012";
const TRAINING: &str = "sagemaker-training-job-passrole";

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data/findings").join(name)
}

fn config(file: PathBuf, scps: Vec<Vec<PathBuf>>, managed: Option<PathBuf>) -> AuditConfig {
    AuditConfig {
        gaad_files: vec![file],
        scp_levels: scps,
        managed_dir: ManagedPolicyDir(managed),
        generator: GenConfig {
            variants: 150,
            ..GenConfig::default()
        },
        threads: 2,
        progress: false,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail: Vec::new(),
        shared_space: None,
        account_scp_levels: Default::default(),
        graph: true,
    }
}

fn audit(cfg: &AuditConfig) -> AuditResult {
    let r = run_audit(cfg, Catalog::sagemaker_default()).unwrap();
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    r
}

fn account() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| audit(&config(fixture("paths-account.json"), Vec::new(), None)))
}

fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

fn escalations<'r>(r: &'r AuditResult, principal: &str, rule: &str) -> Vec<&'r Finding> {
    r.findings
        .iter()
        .filter(|f| f.affects(principal) && f.rule == rule)
        .collect()
}

fn no_path(role: &str) {
    let f = escalations(account(), &role_arn(role), TRAINING);
    assert!(f.is_empty(), "{role}: {f:#?}");
    // Nor any other pass-role path or escalation: these roles grant nothing else.
    let any: Vec<&Finding> = account()
        .findings
        .iter()
        .filter(|f| f.affects(&role_arn(role)) && f.kind == FindingKind::Escalation)
        .collect();
    assert!(any.is_empty(), "{role}: {any:#?}");
}

#[test]
fn training_job_path_with_severity_per_target_capability() {
    let f = escalations(account(), &role_arn("Trainer"), TRAINING);
    let mut got: Vec<(String, Severity)> = f
        .iter()
        .map(|f| (f.target_role.clone().unwrap(), f.severity))
        .collect();
    got.sort();
    // Admin: every probe allowed. S3 read: the s3:GetObject probe (data access). S3 list only:
    // no probe allowed. Ec2Exec does not trust SageMaker.
    assert_eq!(
        got,
        [
            (role_arn("AdminExec"), Severity::Critical),
            (role_arn("ListOnlyExec"), Severity::Medium),
            (role_arn("S3ReadExec"), Severity::High),
        ],
        "{f:#?}"
    );
    for x in &f {
        assert_eq!(x.kind, FindingKind::Escalation);
        assert_eq!(
            x.actions,
            ["sagemaker:CreateTrainingJob", "iam:PassRole"],
            "{x:#?}"
        );
        let sids: Vec<&str> = x.statements.iter().map(|s| s.statement.as_str()).collect();
        assert_eq!(sids, ["Train", "Pass"], "{x:#?}");
        let w = x.witness.as_ref().unwrap();
        assert_eq!(w.action, "iam:PassRole");
        assert_eq!(Some(&w.resource), x.target_role.as_ref());
        assert_eq!(w.decision, "Allowed");
    }
}

#[test]
fn no_path_when_pass_role_is_only_for_ec2() {
    // (a) `iam:PassedToService = ec2.amazonaws.com` only.
    no_path("PassToEc2Only");
}

#[test]
fn no_path_when_the_only_passable_role_does_not_trust_sagemaker() {
    // (b) PassRole only on Ec2Exec, whose trust policy admits ec2.amazonaws.com alone.
    no_path("PassEc2RoleOnly");
    let p = account().accounts[0]
        .principals
        .iter()
        .find(|p| p.name == "PassEc2RoleOnly")
        .unwrap();
    assert_eq!(p.passrole.len(), 1, "{:#?}", p.passrole);
    assert_eq!(p.passrole[0].role, role_arn("Ec2Exec"));
    assert!(!p.passrole[0].trusts_sagemaker);
}

#[test]
fn no_path_when_the_boundary_does_not_allow_the_create() {
    // (c) The boundary allows PassRole and reads, not CreateTrainingJob.
    no_path("Bounded");
}

#[test]
fn no_path_when_the_create_needs_a_key_sagemaker_never_sends() {
    // (e) `sagemaker:TaggingAction` is an AddTags key; `sagemaker:IamcMadeUpKey` exists nowhere.
    no_path("NeverSentKey");
}

#[test]
fn no_path_when_the_create_is_explicitly_denied() {
    // (f)
    no_path("DeniedTraining");
}

#[test]
fn no_path_under_an_scp_denying_pass_role() {
    // (d) The same account under an SCP that denies iam:PassRole: no pass-role path for anyone
    // (SCPs do not exempt the admin role either).
    let r = audit(&config(
        fixture("paths-account.json"),
        vec![vec![fixture("paths-scp-deny-passrole.json")]],
        None,
    ));
    let pass: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Escalation && f.target_role.is_some())
        .collect();
    assert!(pass.is_empty(), "{pass:#?}");
    // The admin role still holds every path that passes no role, and passes none.
    let admin = escalations(
        &r,
        &role_arn("AdminExec"),
        "sagemaker-paths-admin-equivalent",
    );
    assert_eq!(admin.len(), 1, "{admin:#?}");
    assert!(
        admin[0]
            .message
            .ends_with("roles it can pass to SageMaker: none"),
        "{}",
        admin[0].message
    );
}

/// The expected escalation rules of each cloudsplaining SageMaker role, and the index of the
/// managed policy (in the sample's `Policies`) whose statement grants them.
const CLOUDSPLAINING: &[(&str, &[&str], &str)] = &[
    (
        "privesc-sageMakerCreateNotebookPassRole-role",
        &[
            "sagemaker-existing-notebook-presigned-url",
            "sagemaker-notebook-passrole",
        ],
        "privesc-sageMakerCreateNotebookPassRole-policy",
    ),
    (
        "privesc-sageMakerCreatePresignedNotebookURL-role",
        &["sagemaker-existing-notebook-presigned-url"],
        "privesc-sageMakerCreatePresignedNotebookURL-policy",
    ),
    (
        "privesc-sageMakerCreateProcessingJobPassRole-role",
        &["sagemaker-processing-job-passrole"],
        "privesc-sageMakerCreateProcessingJobPassRole-policy",
    ),
    (
        "privesc-sageMakerCreateTrainingJobPassRole-role",
        &["sagemaker-training-job-passrole"],
        "privesc-sageMakerCreateTrainingJobPassRole-policy",
    ),
];

#[test]
fn cloudsplaining_sagemaker_privesc_roles() {
    let Some(shared) = shared() else { return };
    let file = shared.join("data/gaad-samples/cloudsplaining-example.json");
    if !file.exists() {
        eprintln!("SKIP: {} is absent", file.display());
        return;
    }
    let r = audit(&config(
        file.clone(),
        Vec::new(),
        Some(shared.join("data/managed-policies")),
    ));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let account = &r.accounts[0].id;
    let target = format!("arn:aws:iam::{account}:role/privesc-high-priv-service-role");
    for (role, rules, policy) in CLOUDSPLAINING {
        let arn = format!("arn:aws:iam::{account}:role/{role}");
        let found: Vec<&Finding> = r
            .findings
            .iter()
            .filter(|f| f.affects(&arn) && f.kind == FindingKind::Escalation)
            .collect();
        let mut got: Vec<&str> = found.iter().map(|f| f.rule.as_str()).collect();
        got.sort_unstable();
        assert_eq!(got, *rules, "{role}: {found:#?}");
        let policy_index = doc["Policies"]
            .as_array()
            .unwrap()
            .iter()
            .position(|p| p["PolicyName"] == *policy)
            .unwrap();
        for f in &found {
            let passes = f.actions.iter().any(|a| a == "iam:PassRole");
            if passes {
                assert_eq!(f.target_role.as_deref(), Some(target.as_str()), "{f:#?}");
                // `*` on every probe: administrator-equivalent.
                assert_eq!(f.severity, Severity::Critical, "{f:#?}");
            } else {
                assert_eq!(f.target_role, None, "{f:#?}");
                assert_eq!(f.severity, Severity::High, "{f:#?}");
            }
            assert!(!f.statements.is_empty(), "{f:#?}");
            for s in &f.statements {
                assert_eq!(s.file, file.display().to_string(), "{s:?}");
                assert!(
                    s.pointer
                        .starts_with(&format!("/Policies/{policy_index}/PolicyVersionList/")),
                    "{role}: {s:?}"
                );
                let st = doc
                    .pointer(&s.pointer)
                    .unwrap_or_else(|| panic!("{role}: {s:?}"));
                assert_eq!(st["Effect"], "Allow", "{s:?}");
                let actions: Vec<&str> = st["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                for a in &f.actions {
                    assert!(actions.contains(&a.as_str()), "{role}: {a} not in {st}");
                }
            }
        }
    }
}
