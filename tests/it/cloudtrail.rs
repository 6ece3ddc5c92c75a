//! CloudTrail-driven least privilege (`iamc audit --cloudtrail`): the hand-written logs in
//! `tests/data/cloudtrail/logs/` (one plain file, one gzipped) against `examples/account.json`
//! under the root SCP, and the team account in `tests/data/cloudtrail/team/` (a team-scoped
//! policy written with `${aws:PrincipalTag/team}`). See `tests/data/cloudtrail/README.md` for
//! what the logs hold.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{
    AuditResult, Class, FindingKind, LeastPrivilege, PrincipalLeastPrivilege, Severity,
};
use iamc::audit::{ManagedPolicyDir, load_gaad};
use iamc::eval::reference;
use iamc::report::minimal::write_minimal_policies;
use iamc::request::{Context, ContextValue};
use iamc::{Decision, Policy, PolicyKind, PolicySet, Request};
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
    // The two jobs' shared name prefix, not their names: the next job must work too.
    assert_eq!(
        create["Resource"],
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-xgb-*"
    );
    // The current policy allows only ml.t3/ml.m5 with the team tag: the minimal one had to be
    // narrowed to the logged instance types, and to the tag through the current policy's
    // variable rather than its value for this role.
    assert_eq!(
        create["Condition"]["ForAllValues:StringEquals"]["sagemaker:InstanceTypes"],
        serde_json::json!(["ml.m5.2xlarge", "ml.m5.xlarge"])
    );
    assert_eq!(
        create["Condition"]["StringEquals"]["aws:RequestTag/team"],
        "${aws:PrincipalTag/team}"
    );
    assert_eq!(ds.variables, ["${aws:PrincipalTag/team}"]);
    // Create, PassRole, AddTags, and describe and stop of the next job.
    assert_eq!(ds.proof.fresh_name_requests, 5);
    assert_eq!(ds.proof.fresh_name_allowed, 5);
    assert_eq!(ds.proof.fresh_name_allowed_by_current, 5);
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
        "${aws:PrincipalTag/team}"
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
    let f = findings.iter().find(|f| f.affects(DATA_SCIENTIST)).unwrap();
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

// ---------------------------------------------------------------------------------------------
// Minimal policies that keep working: the team account in `tests/data/cloudtrail/team/` (see the
// fixture README), judged by the reference evaluator rather than the engine the proof uses.

const TEAM_ACCOUNT: &str = "444455556666";
const FRAUD: &str = "arn:aws:iam::444455556666:role/teams/FraudTrainer";
const RISK: &str = "arn:aws:iam::444455556666:role/teams/RiskTrainer";
const PINNED: &str = "arn:aws:iam::444455556666:role/teams/PinnedTrainer";
const MLADMIN: &str = "arn:aws:iam::111122223333:role/MLAdmin";

fn team_gaad() -> PathBuf {
    data().join("team/team-account.json")
}

/// The team account (no SCP) with its logs.
fn with_team_logs() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        let mut cfg = config(vec![data().join("team/logs")]);
        cfg.gaad_files = vec![team_gaad()];
        cfg.scp_levels = Vec::new();
        run_audit(&cfg, Catalog::sagemaker_default()).unwrap()
    })
}

/// The example account's and the team account's fixtures: (GAAD file, SCP files, logs, result).
fn fixtures() -> [(PathBuf, Vec<PathBuf>, PathBuf, &'static AuditResult); 2] {
    [
        (
            repo().join("examples/account.json"),
            vec![repo().join("examples/scp-root.json")],
            data().join("logs"),
            with_logs(),
        ),
        (
            team_gaad(),
            Vec::new(),
            data().join("team/logs"),
            with_team_logs(),
        ),
    ]
}

/// A principal's current policies, a minimal policy under the same boundary and SCPs, and the
/// principal's own keys (tags, user name), for the reference evaluator.
struct Judge {
    current: PolicySet,
    minimal: PolicySet,
    keys: Context,
}

impl Judge {
    /// `principal` of `gaad` under `scps`, with `minimal` as the minimal policy.
    fn new(gaad: &Path, scps: &[PathBuf], principal: &str, minimal: &Value) -> Judge {
        let account = load_gaad(gaad, &ManagedPolicyDir::default()).unwrap();
        let p = account
            .principals
            .iter()
            .find(|p| p.arn == principal)
            .unwrap_or_else(|| panic!("{principal} not in {}", gaad.display()));
        let scps: Vec<Vec<Policy>> = scps
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                vec![Policy::parse(&text, PolicyKind::Scp).unwrap()]
            })
            .collect();
        let boundary = p.boundary.as_ref().map(|b| vec![b.policy.as_ref().clone()]);
        Judge {
            current: PolicySet {
                identity: p
                    .identity
                    .iter()
                    .map(|d| d.policy.as_ref().clone())
                    .collect(),
                boundary: boundary.clone(),
                scps: scps.clone(),
                session: None,
            },
            minimal: PolicySet {
                identity: vec![Policy::from_value(minimal, PolicyKind::Identity).unwrap()],
                boundary,
                scps,
                session: None,
            },
            keys: p.context(),
        }
    }

    fn allows(&self, set: &PolicySet, r: &Request) -> bool {
        let mut r = r.clone();
        for e in self.keys.entries() {
            let v = if e.is_list {
                ContextValue::Multi(e.values.clone())
            } else {
                ContextValue::Single(e.values[0].clone())
            };
            let _ = r.context.insert(&e.key, v);
        }
        reference::evaluate(set, &r, Catalog::sagemaker_default()).decision == Decision::Allowed
    }

    /// (current allows, minimal allows).
    fn both(&self, r: &Request) -> (bool, bool) {
        (self.allows(&self.current, r), self.allows(&self.minimal, r))
    }
}

/// `context` with `key` set to `value` (`None`: removed).
fn with(context: &Context, key: &str, value: Option<ContextValue>) -> Context {
    let mut out = Context::new();
    for e in context
        .entries()
        .iter()
        .filter(|e| !e.key.eq_ignore_ascii_case(key))
    {
        let v = if e.is_list {
            ContextValue::Multi(e.values.clone())
        } else {
            ContextValue::Single(e.values[0].clone())
        };
        out.insert(&e.key, v).unwrap();
    }
    if let Some(v) = value {
        out.insert(key, v).unwrap();
    }
    out
}

/// The next job of a series, as a person would name it: the date moved on, or `-v2` added.
fn next_job(arn: &str) -> String {
    let (head, name) = arn.rsplit_once('/').unwrap();
    let name = match name.find("2026-03-") {
        Some(i) => format!("{}2026-04-15{}", &name[..i], &name[i + 10..]),
        None => format!("{name}-v2"),
    };
    format!("{head}/{name}")
}

fn single(v: &str) -> Option<ContextValue> {
    Some(ContextValue::Single(v.to_owned()))
}

#[test]
fn every_logged_create_allows_the_next_job() {
    let catalog = Catalog::sagemaker_default();
    let mut checked = 0;
    for (gaad, scps, logs, result) in fixtures() {
        let trail = iamc::audit::cloudtrail::load(&[logs], catalog);
        for create in trail.events.iter().filter(|e| {
            !e.inferred
                && ["sagemaker:CreateTrainingJob", "sagemaker:CreateModel"]
                    .contains(&e.request.action())
        }) {
            let Some(p) = lp(result)
                .principals
                .iter()
                .find(|p| p.principal == create.principal)
            else {
                continue;
            };
            let judge = Judge::new(&gaad, &scps, &p.principal, &p.policy);
            if !judge.allows(&judge.current, &create.request) {
                continue; // refused in the log (the other team's name): not a create of its own
            }
            let fresh = next_job(&create.request.resource);
            // The call and what it needed, on the new job.
            let mut requests = vec![create.request.clone()];
            requests.extend(
                trail
                    .events
                    .iter()
                    .filter(|d| d.inferred && d.file == create.file && d.pointer == create.pointer)
                    .map(|d| d.request.clone()),
            );
            let names: Vec<&str> = requests.iter().map(Request::action).collect();
            assert!(names.contains(&"iam:PassRole"), "{names:?}");
            assert!(names.contains(&"sagemaker:AddTags"), "{names:?}");
            let mut all_current = true;
            for mut r in requests {
                if r.action() == "iam:PassRole" {
                    r.context = with(&r.context, "iam:AssociatedResourceArn", single(&fresh));
                } else {
                    r.resource.clone_from(&fresh);
                }
                let (current, minimal) = judge.both(&r);
                all_current &= current;
                assert!(
                    !minimal || current,
                    "{}: minimal allows {} on {} but the current policies deny it",
                    p.name,
                    r.action(),
                    r.resource
                );
                if current {
                    assert!(
                        minimal,
                        "{}: the next job fails: {} on {} ({:?})",
                        p.name,
                        r.action(),
                        r.resource,
                        r.context
                    );
                }
            }
            if all_current {
                checked += 1;
                // No create statement names a past job.
                let past = &create.request.resource;
                for st in p.policy["Statement"].as_array().unwrap() {
                    let resources = match &st["Resource"] {
                        Value::String(s) => vec![s.clone()],
                        Value::Array(a) => {
                            a.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
                        }
                        _ => Vec::new(),
                    };
                    assert!(!resources.contains(past), "{}: {st}", p.name);
                }
            } else {
                assert_eq!(
                    p.principal, PINNED,
                    "only PinnedTrainer's policy names its jobs"
                );
            }
        }
    }
    // DataScientist ×2, MLAdmin, FraudTrainer ×2.
    assert_eq!(checked, 5);
}

#[test]
fn team_variables_are_kept_and_hold_for_the_whole_team() {
    let fraud = principal(with_team_logs(), FRAUD);
    assert!(fraud.proof.verified, "{:#?}", fraud.proof);
    assert_eq!(fraud.variables, ["${aws:PrincipalTag/team}"]);
    let text = serde_json::to_string(&fraud.policy).unwrap();
    assert!(
        !text.contains("fraud"),
        "the team's value is never written: {text}"
    );
    let statements = fraud.policy["Statement"].as_array().unwrap();
    let by_sid = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid} in {text}"))
    };
    let create = by_sid("CreateTrainingJob");
    assert_eq!(
        create["Resource"],
        "arn:aws:sagemaker:us-east-1:444455556666:training-job/${aws:PrincipalTag/team}-gbm-*"
    );
    assert_eq!(
        create["Condition"]["StringEquals"]["aws:RequestTag/team"],
        "${aws:PrincipalTag/team}"
    );
    // A job described but not created in the logs keeps its name, with the variable in it.
    assert_eq!(
        by_sid("DescribeTrainingJob")["Resource"],
        serde_json::json!([
            "arn:aws:sagemaker:us-east-1:444455556666:training-job/${aws:PrincipalTag/team}-baseline",
            "arn:aws:sagemaker:us-east-1:444455556666:training-job/${aws:PrincipalTag/team}-gbm-*"
        ])
    );
    assert_eq!(
        by_sid("PassLoggedRoles")["Resource"],
        "arn:aws:iam::444455556666:role/service-role/${aws:PrincipalTag/team}-sagemaker-execution"
    );

    // RiskTrainer shares the team policy: FraudTrainer's minimal policy is right for it too.
    let risk = Judge::new(&team_gaad(), &[], RISK, &fraud.policy);
    let job = "arn:aws:sagemaker:us-east-1:444455556666:training-job/risk-gbm-2026-04-15-01";
    let mut create = Request::new("sagemaker:CreateTrainingJob", job).unwrap();
    let c = &mut create.context;
    c.insert("aws:RequestedRegion", single("us-east-1").unwrap())
        .unwrap();
    c.insert("aws:RequestTag/team", single("risk").unwrap())
        .unwrap();
    c.insert("aws:TagKeys", ContextValue::Multi(vec!["team".to_owned()]))
        .unwrap();
    c.insert(
        "sagemaker:InstanceTypes",
        ContextValue::Multi(vec!["ml.m5.xlarge".to_owned()]),
    )
    .unwrap();
    assert_eq!(risk.both(&create), (true, true));
    let mut pass = Request::new(
        "iam:PassRole",
        "arn:aws:iam::444455556666:role/service-role/risk-sagemaker-execution",
    )
    .unwrap();
    pass.context
        .insert(
            "iam:PassedToService",
            single("sagemaker.amazonaws.com").unwrap(),
        )
        .unwrap();
    assert_eq!(risk.both(&pass), (true, true));
    let mut tag = Request::new("sagemaker:AddTags", job).unwrap();
    tag.context = with(
        &create.context,
        "sagemaker:TaggingAction",
        single("CreateTrainingJob"),
    );
    assert_eq!(risk.both(&tag), (true, true));
    // …and not the other team's jobs or role.
    let mut other = create.clone();
    other.resource = job.replace("risk-", "fraud-");
    assert_eq!(risk.both(&other), (false, false));
    let mut other_tag = create.clone();
    other_tag.context = with(&other.context, "aws:RequestTag/team", single("fraud"));
    assert_eq!(risk.both(&other_tag), (false, false));
    let mut other_role = pass.clone();
    other_role.resource = other_role.resource.replace("risk-", "fraud-");
    assert_eq!(risk.both(&other_role), (false, false));
}

#[test]
fn creates_come_with_passrole_and_tag_on_create() {
    for (result, arn, role, create) in [
        (
            with_logs(),
            DATA_SCIENTIST,
            "arn:aws:iam::111122223333:role/service-role/SageMakerExecutionRole",
            "CreateTrainingJob",
        ),
        (
            with_logs(),
            MLADMIN,
            "arn:aws:iam::111122223333:role/service-role/SageMakerExecutionRole",
            "CreateModel",
        ),
        (
            with_team_logs(),
            FRAUD,
            "arn:aws:iam::444455556666:role/service-role/${aws:PrincipalTag/team}-sagemaker-execution",
            "CreateTrainingJob",
        ),
    ] {
        let p = principal(result, arn);
        let statements = p.policy["Statement"].as_array().unwrap();
        let pass: Vec<&Value> = statements
            .iter()
            .filter(|s| s["Action"] == "iam:PassRole")
            .collect();
        assert_eq!(pass.len(), 1, "{}", p.name);
        assert_eq!(pass[0]["Resource"], role, "{}", p.name);
        assert_eq!(
            pass[0]["Condition"]["StringEquals"]["iam:PassedToService"],
            "sagemaker.amazonaws.com"
        );
        let create_stmt = statements
            .iter()
            .find(|s| s["Action"] == format!("sagemaker:{create}"))
            .unwrap();
        let tag = statements
            .iter()
            .find(|s| {
                s["Action"] == "sagemaker:AddTags"
                    && s["Condition"]["StringEquals"]["sagemaker:TaggingAction"] == create
            })
            .unwrap_or_else(|| panic!("{}: no tag-on-create AddTags", p.name));
        // On the resources the create makes, nothing else.
        assert_eq!(tag["Resource"], create_stmt["Resource"], "{}", p.name);
    }
}

/// Variants of a request the current policies may deny: other names, regions, roles, services
/// and context values.
fn variants(r: &Request) -> Vec<Request> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut Request)| {
        let mut n = r.clone();
        f(&mut n);
        out.push(n);
    };
    if let Some((head, _)) = r.resource.rsplit_once('/') {
        for name in [
            "risk-gbm-2026-04-15-01",
            "fraud-gbm-2026-04-15-01",
            "churn-xgb-2026-04-15-01",
            "legacy-lr-2026-04-15-01",
            "other-job",
            "risk-sagemaker-execution",
            "SageMakerExecutionRole",
            "carol-eda",
        ] {
            push(&|n| n.resource = format!("{head}/{name}"));
        }
        if r.resource.contains("us-east-1") {
            for region in ["eu-west-1", "ap-south-1"] {
                push(&|n| {
                    n.resource = n.resource.replace("us-east-1", region);
                    n.context = with(&n.context, "aws:RequestedRegion", single(region));
                });
            }
        }
    }
    let keys: Vec<String> = r.context.entries().iter().map(|e| e.key.clone()).collect();
    for key in keys {
        push(&|n| n.context = with(&n.context, &key, None));
        let values: &[&str] = match key.to_ascii_lowercase().as_str() {
            "sagemaker:instancetypes" => &["ml.p4d.24xlarge", "ml.m5.large", "ml.t3.medium"],
            "iam:passedtoservice" => &["ec2.amazonaws.com", "glue.amazonaws.com"],
            "sagemaker:taggingaction" => &["CreateModel", "CreateNotebookInstance"],
            "aws:multifactorauthpresent" => &["false"],
            _ => &["ml", "risk", "fraud", "platform", "carol", "iamc-x"],
        };
        for v in values {
            let multi = r
                .context
                .get(&key.to_lowercase())
                .is_some_and(|e| e.is_list);
            push(&|n| {
                let value = if multi {
                    ContextValue::Multi(vec![(*v).to_owned()])
                } else {
                    ContextValue::Single((*v).to_owned())
                };
                n.context = with(&n.context, &key, Some(value));
            });
        }
    }
    out
}

#[test]
fn minimal_policies_deny_what_the_current_policies_deny() {
    let catalog = Catalog::sagemaker_default();
    let mut denied_by_current = 0;
    let mut checked = 0;
    for (gaad, scps, logs, result) in fixtures() {
        let trail = iamc::audit::cloudtrail::load(&[logs], catalog);
        for p in lp(result).principals.iter().filter(|p| !p.policy.is_null()) {
            let judge = Judge::new(&gaad, &scps, &p.principal, &p.policy);
            for e in trail.events.iter().filter(|e| e.principal == p.principal) {
                let mut base = vec![e.request.clone()];
                if e.request.resource.contains(":training-job/") {
                    let mut fresh = e.request.clone();
                    fresh.resource = next_job(&e.request.resource);
                    base.push(fresh);
                }
                for r in base
                    .iter()
                    .flat_map(|b| std::iter::once(b.clone()).chain(variants(b)))
                {
                    let (current, minimal) = judge.both(&r);
                    checked += 1;
                    denied_by_current += usize::from(!current);
                    assert!(
                        current || !minimal,
                        "{}: the minimal policy allows what the current policies deny: {} on {} with {:?}",
                        p.name,
                        r.action(),
                        r.resource,
                        r.context
                    );
                }
            }
        }
    }
    assert!(checked > 1_000, "{checked}");
    assert!(denied_by_current > 300, "{denied_by_current} of {checked}");
}

#[test]
fn a_policy_that_names_its_jobs_is_narrowed_back_to_the_names() {
    let p = principal(with_team_logs(), PINNED);
    let proof = &p.proof;
    assert!(proof.verified, "{proof:#?}");
    assert_eq!(proof.counterexamples, 0);
    // The next job's create and tag are denied today, so the minimal policy must deny them too;
    // the role may still be passed.
    assert_eq!(proof.fresh_name_requests, 3);
    assert_eq!(proof.fresh_name_allowed_by_current, 1);
    assert_eq!(proof.fresh_name_allowed, 1);
    assert!(
        proof
            .narrowing
            .iter()
            .any(|n| n.starts_with("CreateTrainingJob: resources narrowed to the logged names")),
        "{:?}",
        proof.narrowing
    );
    let creates: Vec<&Value> = p.policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"] == "sagemaker:CreateTrainingJob")
        .map(|s| &s["Resource"])
        .collect();
    assert_eq!(
        creates,
        [
            "arn:aws:sagemaker:us-east-1:444455556666:training-job/legacy-lr-2026-03-09-01",
            "arn:aws:sagemaker:us-east-1:444455556666:training-job/legacy-lr-2026-03-09-02"
        ]
    );
    assert!(
        p.generalised.is_empty(),
        "no pattern is left: {:?}",
        p.generalised
    );
    assert_eq!(p.account, TEAM_ACCOUNT);
}

#[test]
fn summary_json_and_report_html_show_least_privilege() {
    let out = scratch("reports");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("audit")
        .arg(team_gaad())
        .arg("--cloudtrail")
        .arg(data().join("team/logs"))
        .args(["--variants", &VARIANTS.to_string(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    // The least-privilege summary is part of the result: on stdout.
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("fresh names allowed 5/5 (current policies 5/5)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("variables kept: ${aws:PrincipalTag/team}"),
        "{stdout}"
    );

    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let summary: Value = serde_json::from_str(&read("summary.json")).unwrap();
    let coverage: Value = serde_json::from_str(&read("coverage.json")).unwrap();
    let lp = &summary["least_privilege"];
    assert_eq!(lp["files"], 1);
    assert_eq!(lp["records"], 10);
    assert_eq!(lp["access_denied"], 1);
    assert_eq!(lp["principals"], 2);
    assert_eq!(lp["minimal_policies"], 2);
    assert_eq!(lp["verified"], 2);
    let rows = lp["by_principal"].as_array().unwrap();
    let full = coverage["least_privilege"]["principals"]
        .as_array()
        .unwrap();
    assert_eq!(rows.len(), full.len());
    for (row, p) in rows.iter().zip(full) {
        assert_eq!(row["principal"], p["principal"]);
        assert_eq!(row["used"], p["used"].as_array().unwrap().len());
        assert_eq!(row["granted"], p["granted"]);
        assert_eq!(row["unused"], p["unused"]);
        assert_eq!(
            row["statements"],
            p["policy"]["Statement"].as_array().unwrap().len()
        );
        assert_eq!(row["file"], p["file"]);
        for k in [
            "verified",
            "logged_requests",
            "allowed_by_minimal",
            "fresh_name_requests",
            "fresh_name_allowed",
            "counterexamples",
        ] {
            assert_eq!(row[k], p["proof"][k], "{k}");
        }
        // Compact: no policy text, no action lists.
        assert!(row.get("policy").is_none() && row.get("proof").is_none());
        let file = PathBuf::from(row["file"].as_str().unwrap());
        let written: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(written, p["policy"]);
    }
    let fraud = rows.iter().find(|r| r["principal"] == FRAUD).unwrap();
    assert_eq!(
        fraud["variables"],
        serde_json::json!(["${aws:PrincipalTag/team}"])
    );
    assert_eq!(fraud["fresh_name_allowed"], 5);

    let html = read("report.html");
    let start = html
        .find("<section id=\"least-privilege\">")
        .expect("a least-privilege section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(section.contains("<h2>Least privilege from CloudTrail"));
    assert!(section.contains("2 of 2 minimal policies verified"));
    for p in full {
        let name = p["name"].as_str().unwrap();
        assert!(section.contains(&format!("\">{name}</a>")), "{name}");
        // The policy's JSON, escaped, in a collapsed block.
        let pretty = serde_json::to_string_pretty(&p["policy"])
            .unwrap()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(
            section.contains(&format!("<pre><code>{pretty}</code></pre>")),
            "{name}"
        );
    }
    assert_eq!(section.matches("<details id=\"lp").count(), 2);
    assert_eq!(section.matches("<td class=\"ok\">verified</td>").count(), 2);

    // Without CloudTrail neither report has the section.
    let bare = scratch("reports-bare");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("audit")
        .arg(team_gaad())
        .args(["--variants", "20", "--quiet", "--out"])
        .arg(&bare)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0));
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(bare.join("summary.json")).unwrap()).unwrap();
    assert!(summary.get("least_privilege").is_none());
    let html = std::fs::read_to_string(bare.join("report.html")).unwrap();
    assert!(!html.contains("id=\"least-privilege\""));
}
