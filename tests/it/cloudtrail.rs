//! CloudTrail-driven least privilege (`iamc audit --cloudtrail`): the hand-written logs in
//! `tests/data/cloudtrail/logs/` (one plain file, one gzipped) against `examples/account.json`
//! under the root SCP. See `tests/data/cloudtrail/README.md` for what the logs hold.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::cloudtrail::write_minimal_policies;
use iamc::audit::load::ManagedPolicyDir;
use iamc::audit::model::{
    AuditResult, Class, FindingKind, LeastPrivilege, PrincipalLeastPrivilege, Severity,
};
use iamc::audit::run::{AuditConfig, run_audit};
use iamc::audit::space::GenConfig;
use iamc::{Policy, PolicyKind};
use serde_json::Value;

use crate::common::repo;

const DATA_SCIENTIST: &str = "arn:aws:iam::111122223333:role/DataScientist";
const CAROL: &str = "arn:aws:iam::111122223333:user/analysts/carol";
const VARIANTS: usize = 200;

/// What the DataScientist's logged calls used (the fixture's README lists them).
const DS_USED: &[&str] = &[
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeModel",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:ListModels",
    "sagemaker:ListTrainingJobs",
    "sagemaker:StopTrainingJob",
];

fn data() -> PathBuf {
    repo().join("tests/data/cloudtrail")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cloudtrail")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(cloudtrail: Vec<PathBuf>) -> AuditConfig {
    AuditConfig {
        gaad_files: vec![repo().join("examples/account.json")],
        scp_levels: vec![vec![repo().join("examples/scp-root.json")]],
        managed_dir: ManagedPolicyDir::default(),
        generator: GenConfig {
            variants: VARIANTS,
            ..GenConfig::default()
        },
        threads: 2,
        progress: false,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail,
        shared_space: None,
        account_scp_levels: Default::default(),
        graph: true,
    }
}

fn audit(cloudtrail: Vec<PathBuf>) -> AuditResult {
    run_audit(&config(cloudtrail), Catalog::sagemaker_default()).unwrap()
}

/// The example account with the fixture logs (directory form).
fn with_logs() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| audit(vec![data().join("logs")]))
}

fn lp(r: &AuditResult) -> &LeastPrivilege {
    r.least_privilege
        .as_ref()
        .expect("a least_privilege section")
}

fn principal<'r>(r: &'r AuditResult, arn: &str) -> &'r PrincipalLeastPrivilege {
    lp(r)
        .principals
        .iter()
        .find(|p| p.principal == arn)
        .unwrap_or_else(|| panic!("{arn} has no least-privilege entry"))
}

#[test]
fn the_logs_are_read_and_attributed() {
    let lp = lp(with_logs());
    assert!(lp.errors.is_empty(), "{:?}", lp.errors);
    assert_eq!(lp.files.len(), 2);
    assert_eq!(lp.files.iter().filter(|f| f.gzip).count(), 1);
    assert_eq!(lp.records, 32);
    assert_eq!(
        lp.other_service_records, 2,
        "s3:GetObject and sts:AssumeRole"
    );
    assert_eq!(lp.sagemaker_events, 30);
    assert_eq!(lp.access_denied, 1);
    assert_eq!(lp.not_iam_actions.get("ListEndpointsV2"), Some(&1));
    assert_eq!(lp.unattributed.get("AWSService"), Some(&1));
    assert_eq!(
        lp.unaudited
            .get("arn:aws:iam::111122223333:role/ci-deployer"),
        Some(&1)
    );
    let names: BTreeSet<&str> = lp.principals.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["DataScientist", "MLAdmin", "carol"]));

    let ds = principal(with_logs(), DATA_SCIENTIST);
    assert_eq!(ds.events, 13, "14 calls, one of them denied");
    assert_eq!(ds.access_denied, 1);
    assert_eq!(ds.used, DS_USED);
    assert_eq!(ds.inferred, ["iam:PassRole", "sagemaker:AddTags"]);
    assert!(ds.resources_unknown.is_empty());
    assert_eq!(
        ds.period,
        (
            "2026-03-02T09:00:05Z".to_owned(),
            "2026-03-02T09:56:30Z".to_owned()
        )
    );
}

#[test]
fn minimal_policies_are_produced_verified_and_written() {
    let mut result = with_logs().clone();
    let out = scratch("minimal").join("report");
    let dir = iamc::report::ReportDir::prepare(&out).unwrap();
    let written = write_minimal_policies(&mut result, &dir).unwrap();
    dir.commit().unwrap();
    assert_eq!(written.len(), 3);
    for p in &lp(&result).principals {
        let proof = &p.proof;
        assert!(proof.verified, "{}: {proof:#?}", p.name);
        assert_eq!(proof.counterexamples, 0, "{}", p.name);
        assert_eq!(
            proof.allowed_by_current, proof.logged_requests,
            "{}",
            p.name
        );
        assert_eq!(
            proof.allowed_by_minimal, proof.logged_requests,
            "{}",
            p.name
        );
        assert!(proof.space_requests > proof.logged_requests, "{}", p.name);
        let file = PathBuf::from(p.file.as_deref().unwrap());
        assert_eq!(
            file,
            out.join("minimal-policies")
                .join(format!("{}-{}.json", p.account, p.name))
        );
        let text = std::fs::read_to_string(&file).unwrap();
        let policy = Policy::parse(&text, PolicyKind::Identity).unwrap();
        assert!(!policy.statements.is_empty());
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), p.policy);
    }

    let ds = principal(&result, DATA_SCIENTIST);
    // 13 calls + iam:PassRole and AddTags for each of the two training jobs created.
    assert_eq!(ds.proof.logged_requests, 17);
    let statements = ds.policy["Statement"].as_array().unwrap();
    let create = statements
        .iter()
        .find(|s| s["Action"] == "sagemaker:CreateTrainingJob")
        .expect("a CreateTrainingJob statement");
    assert_eq!(
        create["Resource"],
        serde_json::json!([
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-2026-03-02-01",
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-2026-03-02-02"
        ])
    );
    // The current policy allows only ml.t3/ml.m5 with the team tag: the minimal one had to be
    // narrowed to the logged instance types and tag.
    assert_eq!(
        create["Condition"]["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"],
        serde_json::json!(["ml.m5.2xlarge", "ml.m5.xlarge"])
    );
    assert_eq!(
        create["Condition"]["StringEquals"]["aws:RequestTag/team"],
        "ml"
    );
    let lists = statements
        .iter()
        .find(|s| s["Resource"] == "*")
        .expect("a statement for wildcard-only actions");
    assert_eq!(
        lists["Action"],
        serde_json::json!(["sagemaker:ListModels", "sagemaker:ListTrainingJobs"])
    );
    let pass = statements
        .iter()
        .find(|s| s["Action"] == "iam:PassRole")
        .expect("the inferred iam:PassRole");
    assert_eq!(
        pass["Resource"],
        "arn:aws:iam::111122223333:role/service-role/SageMakerExecutionRole"
    );
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "sagemaker.amazonaws.com"
    );
    // The stop was only allowed because the create's tag was carried over as a resource tag.
    let stop = statements
        .iter()
        .find(|s| s["Action"] == "sagemaker:StopTrainingJob")
        .unwrap();
    assert_eq!(
        stop["Condition"]["StringEquals"]["sagemaker:ResourceTag/team"],
        "ml"
    );

    // carol's stop is allowed only through the owner tag MLAdmin's AddTags set (gzipped file,
    // earlier in time).
    let carol = principal(&result, CAROL);
    assert!(carol.proof.verified);
    assert!(
        carol
            .used
            .contains(&"sagemaker:StopNotebookInstance".to_owned())
    );
}

#[test]
fn unused_access_findings_have_the_right_counts() {
    let result = with_logs();
    let coverage = result.accounts[0]
        .principals
        .iter()
        .find(|p| p.arn == DATA_SCIENTIST)
        .unwrap();
    let granted: BTreeSet<&str> = coverage
        .actions
        .iter()
        .filter(|c| c.action.starts_with("sagemaker:") && c.class != Class::Never)
        .map(|c| c.action.as_str())
        .collect();
    let used: BTreeSet<&str> = DS_USED
        .iter()
        .copied()
        .chain(["sagemaker:AddTags"])
        .collect();
    let expected: Vec<&str> = granted.difference(&used).copied().collect();
    assert!(
        expected.len() > 100,
        "Describe*/List* on * grant many reads"
    );

    let ds = principal(result, DATA_SCIENTIST);
    assert_eq!(ds.granted as usize, granted.len());
    assert_eq!(ds.unused as usize, expected.len());
    let by_level: usize = ds.unused_by_level.values().map(Vec::len).sum();
    assert_eq!(by_level, expected.len());

    let findings: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::UnusedAccess)
        .collect();
    assert_eq!(findings.len(), 3, "one per principal with logged calls");
    let f = findings
        .iter()
        .find(|f| f.principal == DATA_SCIENTIST)
        .unwrap();
    assert_eq!(f.rule, "unused-access");
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.account, "111122223333");
    assert_eq!(f.actions, expected);
    assert!(
        f.message.starts_with(&format!(
            "{} of {} granted SageMaker actions were not used in 13 logged calls",
            expected.len(),
            granted.len()
        )),
        "{}",
        f.message
    );
    assert!(!f.fingerprint.is_empty());
}

#[test]
fn without_cloudtrail_there_is_no_least_privilege() {
    let r = audit(Vec::new());
    assert!(r.least_privilege.is_none());
    assert!(
        r.findings
            .iter()
            .all(|f| f.kind != FindingKind::UnusedAccess)
    );
}

/// Everything but file names.
fn comparable(lp: &LeastPrivilege) -> Value {
    let mut v = serde_json::to_value(&lp.principals).unwrap();
    for p in v.as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("file");
    }
    serde_json::json!({
        "records": lp.records,
        "sagemaker_events": lp.sagemaker_events,
        "access_denied": lp.access_denied,
        "principals": v,
    })
}

#[test]
fn gzip_and_plain_give_the_same_result() {
    let dir = scratch("plain");
    for entry in std::fs::read_dir(data().join("logs")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        match name.strip_suffix(".gz") {
            Some(plain) => {
                let mut text = Vec::new();
                flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                    .read_to_end(&mut text)
                    .unwrap();
                std::fs::write(dir.join(plain), text).unwrap();
            }
            None => {
                std::fs::copy(&path, dir.join(&name)).unwrap();
            }
        }
    }
    let plain = audit(vec![dir]);
    assert!(lp(&plain).files.iter().all(|f| !f.gzip));
    assert_eq!(comparable(lp(&plain)), comparable(lp(with_logs())));
    assert_eq!(plain.findings, with_logs().findings);
}

#[test]
fn a_broken_file_is_reported_and_the_others_still_count() {
    let r = audit(vec![data().join("logs"), data().join("bad")]);
    let lp = lp(&r);
    let truncated = lp
        .errors
        .iter()
        .find(|e| e.file.ends_with("truncated.json"))
        .expect("the truncated file is reported");
    assert!(truncated.message.starts_with("invalid JSON"), "{truncated}");
    let at = |pointer: &str| {
        lp.errors
            .iter()
            .find(|e| e.file.ends_with("bad-records.json") && e.pointer == pointer)
            .unwrap_or_else(|| panic!("no error at {pointer}: {:?}", lp.errors))
    };
    assert!(
        at("/Records/1/userIdentity")
            .message
            .contains("userIdentity")
    );
    assert!(at("/Records/2").message.contains("JSON object"));
    assert_eq!(lp.errors.len(), 3, "{:?}", lp.errors);
    // Every error is also an audit error (so `iamc audit` exits 1).
    for e in &lp.errors {
        assert!(r.errors.contains(e), "{e}");
    }
    // The good files, and the good record of the bad file, still count.
    assert_eq!(lp.files.len(), 4);
    let ds = principal(&r, DATA_SCIENTIST);
    assert_eq!(ds.events, 14);
    assert!(
        ds.used
            .contains(&"sagemaker:ListNotebookInstances".to_owned())
    );
    assert!(ds.proof.verified);
}

#[test]
fn cli_writes_policies_and_prints_the_proof() {
    let out = scratch("cli");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("audit")
        .arg(repo().join("examples/account.json"))
        .arg("--scp-level")
        .arg(repo().join("examples/scp-root.json"))
        .arg("--cloudtrail")
        .arg(data().join("logs"))
        .args(["--variants", &VARIANTS.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    // The least-privilege summary is part of the result: on stdout.
    let stderr = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stderr),
        String::from_utf8_lossy(&run.stdout)
    );
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("proof: logged requests allowed 17/17 (current policies 17/17)"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("counterexamples 0: verified").count(),
        3,
        "{stderr}"
    );
    for name in ["DataScientist", "MLAdmin", "carol"] {
        let f = out
            .join("minimal-policies")
            .join(format!("111122223333-{name}.json"));
        assert!(f.is_file(), "{}", f.display());
    }
    let coverage: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let principals = coverage["least_privilege"]["principals"]
        .as_array()
        .unwrap();
    assert_eq!(principals.len(), 3);
    assert!(principals.iter().all(|p| p["file"].is_string()));
}
