//! Over-broad findings end to end on a small GAAD fixture (`tests/data/findings/broad.json`):
//! wildcard write grants, `Resource: "*"`, broad `iam:PassRole`, administrator equivalence, and
//! the guardrails (a permissions boundary) that cancel them.

use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{AuditResult, Finding, FindingKind, Severity};
use serde_json::Value;

use crate::common::repo;

const WRITE: &str = "over-broad-write-wildcard";
const STAR: &str = "over-broad-resource-star";
const PASS: &str = "over-broad-passrole";
const ADMIN: &str = "admin-equivalent";

fn result() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        let cfg = AuditConfig {
            gaad_files: vec![repo().join("tests/data/findings/broad.json")],
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
    })
}

fn findings(role: &str, rule: &str) -> Vec<&'static Finding> {
    let arn = format!("arn:aws:iam::111122223333:role/{role}");
    result()
        .findings
        .iter()
        .filter(|f| f.affects(&arn) && f.rule == rule)
        .collect()
}

fn one(role: &str, rule: &str) -> &'static Finding {
    let f = findings(role, rule);
    assert_eq!(f.len(), 1, "{role} {rule}: {f:#?}");
    f[0]
}

/// The single statement a finding names, resolved in its file with its JSON pointer.
fn statement(f: &Finding) -> Value {
    assert_eq!(f.statements.len(), 1, "{:#?}", f.statements);
    let s = &f.statements[0];
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&s.file).unwrap()).unwrap();
    doc.pointer(&s.pointer)
        .unwrap_or_else(|| panic!("{} not in {}", s.pointer, s.file))
        .clone()
}

#[test]
fn sagemaker_star_is_a_write_wildcard_and_a_resource_star() {
    let f = one("SageMakerStar", WRITE);
    assert_eq!(f.kind, FindingKind::OverBroad);
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.message.contains(
            "names 257 Write, 2 Tagging, 104 Read, 97 List SageMaker actions through `sagemaker:*`; the principal can perform all of them"
        ),
        "{}",
        f.message
    );
    // The second statement of the inline policy, not the logs one before it.
    assert_eq!(f.statements[0].statement, "AllSageMaker");
    assert!(
        f.statements[0].pointer.ends_with("/Statement/1"),
        "{}",
        f.statements[0].pointer
    );
    assert_eq!(statement(f)["Sid"], "AllSageMaker");
    assert_eq!(f.witness.as_ref().unwrap().decision, "Allowed");

    let s = one("SageMakerStar", STAR);
    assert_eq!(s.severity, Severity::Medium);
    assert!(s.message.contains("on `Resource: \"*\"`"), "{}", s.message);
    assert_eq!(statement(s)["Sid"], "AllSageMaker");
    assert!(findings("SageMakerStar", ADMIN).is_empty());
}

#[test]
fn a_narrow_policy_has_no_over_broad_finding() {
    for rule in [WRITE, STAR, PASS, ADMIN] {
        assert!(findings("Narrow", rule).is_empty(), "{rule}");
        assert!(findings("PassRoleScoped", rule).is_empty(), "{rule}");
    }
}

#[test]
fn a_small_wildcard_is_medium_and_scoped_resources_are_not_star() {
    let f = one("StopStar", WRITE);
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.message.contains("through `sagemaker:stop*`"),
        "{}",
        f.message
    );
    assert_eq!(statement(f)["Sid"], "StopJobs");
    assert!(findings("StopStar", STAR).is_empty());
}

#[test]
fn not_action_is_high() {
    let f = one("NotActionIam", WRITE);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("`NotAction` [iam:*]"), "{}", f.message);
    assert_eq!(statement(f)["Sid"], "EverythingButIam");
    assert_eq!(one("NotActionIam", STAR).severity, Severity::Medium);
    // NotAction iam:* excludes PassRole and IAM writes.
    assert!(findings("NotActionIam", PASS).is_empty());
    assert!(findings("NotActionIam", ADMIN).is_empty());
}

#[test]
fn conditions_lower_resource_star_and_names_without_wildcards_are_not_wildcards() {
    let f = one("ConditionedCreate", STAR);
    assert_eq!(f.severity, Severity::Low);
    assert!(
        f.conditions
            .iter()
            .any(|c| c.contains("aws:RequestTag/team")),
        "{:?}",
        f.conditions
    );
    assert_eq!(statement(f)["Sid"], "CreateTaggedJobs");
    assert!(findings("ConditionedCreate", WRITE).is_empty());
}

#[test]
fn pass_role_on_star_is_high() {
    let f = one("PassRoleStar", PASS);
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("every role"), "{}", f.message);
    assert!(f.message.contains("to any service"), "{}", f.message);
    assert_eq!(statement(f)["Sid"], "PassAny");
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.action, "iam:PassRole");
    assert!(w.resource.contains("iamc-unlisted-role"), "{}", w.resource);
}

#[test]
fn pass_role_without_passed_to_service_is_medium() {
    let f = one("PassRoleNoService", PASS);
    assert_eq!(f.severity, Severity::Medium);
    let w = f.witness.as_ref().unwrap();
    assert_eq!(
        w.resource,
        "arn:aws:iam::111122223333:role/service-role/SageMakerExecution"
    );
    assert_eq!(w.context["iam:PassedToService"], ["ec2.amazonaws.com"]);
    assert_eq!(statement(f)["Sid"], "PassExecNoService");
}

#[test]
fn administrator_access_is_admin_equivalent() {
    let f = one("Admin", ADMIN);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.statements[0].policy,
        "managed:arn:aws:iam::aws:policy/AdministratorAccess"
    );
    let st = statement(f);
    assert_eq!(st["Action"], "*");
    assert_eq!(st["Resource"], "*");
    // `Action: "*"` is also a write wildcard.
    assert_eq!(one("Admin", WRITE).severity, Severity::High);
    assert_eq!(one("Admin", PASS).severity, Severity::High);
}

#[test]
fn a_boundary_takes_away_admin_equivalence_and_write_wildcards() {
    // AdministratorAccess under a boundary that allows only sagemaker:Describe*.
    for rule in [ADMIN, WRITE, PASS] {
        assert!(findings("AdminBounded", rule).is_empty(), "{rule}");
    }
    // Resource "*" still takes part (for Describe* calls).
    let s = one("AdminBounded", STAR);
    let (_, _, witness) = s.detail_of("arn:aws:iam::111122223333:role/AdminBounded");
    assert!(witness.unwrap().action.starts_with("sagemaker:Describe"));
}
