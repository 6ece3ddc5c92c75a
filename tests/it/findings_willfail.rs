//! Will-fail findings end to end on small GAAD fixtures (`tests/data/findings/willfail*.json`):
//! creates allowed without `AddTags` for tag-on-create, and creates that pass a role with no
//! SageMaker role to pass.

use std::path::PathBuf;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{AuditResult, Finding, FindingKind, Severity};
use serde_json::Value;

use crate::common::repo;

const TAGS: &str = "create-without-tag-on-create";
const ROLE: &str = "create-without-passable-role";

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data/findings").join(name)
}

fn audit(name: &str) -> AuditResult {
    let cfg = AuditConfig {
        gaad_files: vec![fixture(name)],
        scp_levels: Vec::new(),
        managed_dir: ManagedPolicyDir::default(),
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
    };
    let r = run_audit(&cfg, Catalog::sagemaker_default()).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    r
}

fn main_account() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| audit("willfail.json"))
}

fn findings<'r>(r: &'r AuditResult, role: &str, rule: &str) -> Vec<&'r Finding> {
    let arn = format!("arn:aws:iam::111122223333:role/{role}");
    r.findings
        .iter()
        .filter(|f| f.affects(&arn) && f.rule == rule)
        .collect()
}

fn one<'r>(r: &'r AuditResult, role: &str, rule: &str) -> &'r Finding {
    let f = findings(r, role, rule);
    assert_eq!(f.len(), 1, "{role} {rule}: {f:#?}");
    f[0]
}

/// The statement a finding names, resolved in its file.
fn resolve(f: &Finding, i: usize) -> Value {
    let s = &f.statements[i];
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&s.file).unwrap()).unwrap();
    doc.pointer(&s.pointer)
        .unwrap_or_else(|| panic!("{} not in {}", s.pointer, s.file))
        .clone()
}

#[test]
fn create_without_add_tags_is_reported_with_the_denied_add_tags() {
    let f = one(main_account(), "CreateNoTags", TAGS);
    assert_eq!(f.kind, FindingKind::WillFail);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.actions,
        ["sagemaker:AddTags", "sagemaker:CreateTrainingJob"]
    );
    assert!(
        f.message
            .starts_with("CreateTrainingJob will fail with AccessDenied when called with tags"),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("sagemaker:TaggingAction=CreateTrainingJob")
    );
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.action, "sagemaker:AddTags");
    assert!(w.resource.contains(":training-job/"), "{}", w.resource);
    assert_eq!(w.context["sagemaker:TaggingAction"], ["CreateTrainingJob"]);
    assert!(
        w.context
            .keys()
            .any(|k| k.to_lowercase().starts_with("aws:requesttag/"))
    );
    assert!(w.decision.starts_with("ImplicitlyDenied"), "{}", w.decision);
    // The statement that grants the create, located in the fixture.
    assert_eq!(f.statements.len(), 1, "{:#?}", f.statements);
    assert_eq!(f.statements[0].statement, "CreateTraining");
    assert_eq!(resolve(f, 0)["Sid"], "CreateTraining");
}

#[test]
fn the_recommended_add_tags_statement_clears_it() {
    assert!(findings(main_account(), "CreateRecommendedTags", TAGS).is_empty());
    assert!(findings(main_account(), "PassOnlyEc2Role", TAGS).is_empty());
}

#[test]
fn creates_are_grouped_into_one_finding_per_principal() {
    // AddTags is allowed only with TaggingAction=CreateModel: the other two creates fail.
    let f = one(main_account(), "CreateSomeTags", TAGS);
    assert_eq!(
        f.actions,
        [
            "sagemaker:AddTags",
            "sagemaker:CreateEndpoint",
            "sagemaker:CreateTrainingJob"
        ]
    );
    assert!(
        f.message.starts_with("2 create actions will fail"),
        "{}",
        f.message
    );
    assert_eq!(
        f.witness.as_ref().unwrap().context["sagemaker:TaggingAction"],
        ["CreateEndpoint"]
    );
    assert_eq!(resolve(f, 0)["Sid"], "CreateThings");
}

#[test]
fn a_create_with_only_an_ec2_role_to_pass_cannot_pass_a_role() {
    let f = one(main_account(), "PassOnlyEc2Role", ROLE);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.actions, ["iam:PassRole", "sagemaker:CreateTrainingJob"]);
    assert!(
        f.message
            .starts_with("allowed to call CreateTrainingJob but cannot pass any execution role to SageMaker: the calls fail"),
        "{}",
        f.message
    );
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.action, "iam:PassRole");
    assert_eq!(
        w.resource,
        "arn:aws:iam::111122223333:role/service-role/SageMakerExecution"
    );
    assert_eq!(w.decision, "ImplicitlyDenied");
    assert_eq!(resolve(f, 0)["Sid"], "CreateTraining");
}

#[test]
fn principals_with_a_passable_role_or_no_create_get_nothing() {
    let r = main_account();
    for role in ["CreateNoTags", "CreateRecommendedTags", "CreateSomeTags"] {
        assert!(findings(r, role, ROLE).is_empty(), "{role}");
    }
    for role in ["ReadOnly", "SageMakerExecution", "Ec2Instance"] {
        assert!(findings(r, role, ROLE).is_empty(), "{role}");
        assert!(findings(r, role, TAGS).is_empty(), "{role}");
    }
}

#[test]
fn an_account_without_sagemaker_roles_is_low_and_says_so() {
    let r = audit("willfail-no-sagemaker-role.json");
    let f = one(&r, "TrainerWithoutRoles", ROLE);
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(
        f.actions,
        [
            "iam:PassRole",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateTrainingJob"
        ]
    );
    assert!(
        f.message
            .contains("the account has no role that trusts sagemaker.amazonaws.com"),
        "{}",
        f.message
    );
    // Its AddTags statement is AWS's recommended one.
    assert!(findings(&r, "TrainerWithoutRoles", TAGS).is_empty());
}
