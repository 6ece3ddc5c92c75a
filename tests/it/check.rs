//! `iamc check`: a principal simulated from a GAAD file (policies, boundary, principal context),
//! keys taken from the resource ARN, denials explained down to the condition, unknown actions
//! warned about, principals found by ARN or unique name; the trace always agrees with the
//! decision it explains.

use std::process::Output;

use iamc::case::parse_case_line;
use iamc::catalog::Catalog;
use iamc::eval::{reference, trace};
use serde_json::Value;

use crate::cli::iamc;
use crate::common::{files_with_ext, repo};

const JOB: &str = "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-1";

fn check(args: &[&str]) -> (Option<i32>, String, String) {
    let o: Output = iamc().arg("check").args(args).output().unwrap();
    (
        o.status.code(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// The README's example, with the instance type and resource given.
fn data_scientist(instance: &str, resource: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "--gaad",
        "examples/account.json",
        "--principal",
        "DataScientist",
        "--action",
        "sagemaker:CreateTrainingJob",
        "--resource",
        resource,
        "--context",
        &format!("sagemaker:InstanceTypes={instance}"),
        "--context",
        "aws:RequestTag/team=ml",
        "--scp-level",
        "examples/scp-root.json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.extend(extra.iter().map(|s| (*s).to_owned()));
    v
}

fn run(args: &[String]) -> (Option<i32>, String, String) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    check(&refs)
}

#[test]
fn the_readme_example_is_decided_from_the_gaad_file_alone() {
    let (code, out, err) = run(&data_scientist("ml.m5.xlarge", JOB, &[]));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("Allowed"), "{out}");
    // The principal's tag came from the file, the region from the resource ARN.
    assert!(
        out.contains("aws:PrincipalTag/team = `ml` (principal)"),
        "{out}"
    );
    assert!(
        out.contains("aws:RequestedRegion = `us-east-1` (resource ARN)"),
        "{out}"
    );
    assert!(
        out.contains("aws:ResourceAccount = `111122223333` (resource ARN)"),
        "{out}"
    );
    assert!(
        out.contains("Sid `CreateOnSmallInstancesTaggedWithOwnTeam`"),
        "{out}"
    );
    assert!(out.contains("role DataScientist (arn:aws:iam::111122223333:role/DataScientist)"));
    // The same by ARN.
    let mut by_arn = data_scientist("ml.m5.xlarge", JOB, &[]);
    by_arn[3] = "arn:aws:iam::111122223333:role/DataScientist".to_owned();
    assert_eq!(run(&by_arn).0, Some(0));
}

#[test]
fn a_denial_is_explained_down_to_the_condition() {
    let (code, out, _) = run(&data_scientist("ml.p3.2xlarge", JOB, &[]));
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.starts_with("ImplicitlyDenied (decided by identity)"),
        "{out}"
    );
    assert!(out.contains("why: no statement of the identity policies allows this request"));
    assert!(out.contains("nearest: Allow identity[0] managed:arn:aws:iam::111122223333:policy/ml/DataScientistSageMakerAccess"), "{out}");
    assert!(
        out.contains("condition ForAllValues:StringLike sagemaker:InstanceTypes: policy [`ml.t3.*`, `ml.m5.*`], request `ml.p3.2xlarge`: fails"),
        "{out}"
    );
    // A missing key is named as absent.
    let mut no_tag = data_scientist("ml.m5.xlarge", JOB, &[]);
    no_tag.drain(10..12);
    let (code, out, _) = run(&no_tag);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("condition StringEquals aws:RequestTag/team: policy `${aws:PrincipalTag/team}`, request absent: fails"),
        "{out}"
    );
    // The same in JSON.
    let (_, out, _) = run(&data_scientist("ml.p3.2xlarge", JOB, &["--format", "json"]));
    let v: Value = serde_json::from_str(&out).unwrap();
    let near = &v["why"]["missing_allow"][0]["nearest"][0];
    assert_eq!(v["why"]["missing_allow"][0]["layer"], "identity");
    assert_eq!(near["sid"], "CreateOnSmallInstancesTaggedWithOwnTeam");
    let failed: Vec<&Value> = near["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["holds"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{near:#}");
    assert_eq!(failed[0]["key"], "sagemaker:InstanceTypes");
    assert_eq!(
        failed[0]["request_values"],
        serde_json::json!(["ml.p3.2xlarge"])
    );
}

#[test]
fn an_explicit_deny_names_the_layer_statement_and_condition() {
    let west = JOB.replace("us-east-1", "us-west-2");
    let (code, out, _) = run(&data_scientist("ml.m5.xlarge", &west, &[]));
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.starts_with("ExplicitlyDenied (decided by scp[0])"),
        "{out}"
    );
    assert!(out.contains("Deny scps[0][0] examples/scp-root.json statement 1 Sid `DenySageMakerOutsideApprovedRegions` (SCP level 0)"), "{out}");
    assert!(
        out.contains("StringNotEquals aws:RequestedRegion: policy [`us-east-1`, `eu-west-1`], request `us-west-2`: holds"),
        "{out}"
    );
    // A region given with --context wins over the resource ARN's.
    let (code, out, _) = run(&data_scientist(
        "ml.m5.xlarge",
        &west,
        &["--context", "aws:RequestedRegion=us-east-1"],
    ));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("aws:RequestedRegion = `us-east-1` (given)"),
        "{out}"
    );
}

#[test]
fn policy_files_get_the_region_from_the_arn_and_username_from_a_user_arn() {
    // Before: an allowed call in an approved region was denied by the region SCP.
    let (code, out, _) = check(&[
        "--policy",
        "examples/policies/data-scientist.json",
        "--scp-level",
        "examples/scp-root.json",
        "--action",
        "sagemaker:ListModels",
        "--resource",
        "*",
        "--context",
        "aws:RequestedRegion=us-east-1",
    ]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out, _) = check(&[
        "--policy",
        "examples/policies/data-scientist.json",
        "--scp-level",
        "examples/scp-root.json",
        "--action",
        "sagemaker:DescribeModel",
        "--resource",
        "arn:aws:sagemaker:eu-west-1:111122223333:model/m",
    ]);
    assert_eq!(code, Some(0), "{out}");
    // `--principal …:user/NAME` sets aws:username.
    let carol = |owner: &str| {
        check(&[
            "--policy",
            "examples/policies/carol-stop-own-notebooks.json",
            "--principal",
            "arn:aws:iam::111122223333:user/analysts/carol",
            "--action",
            "sagemaker:StopNotebookInstance",
            "--resource",
            "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb",
            "--context",
            &format!("sagemaker:ResourceTag/owner={owner}"),
        ])
    };
    let (code, out, _) = carol("carol");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("aws:username = `carol` (principal)"), "{out}");
    assert_eq!(carol("dave").0, Some(2));
    // The same from the GAAD file, where carol is a user in a group.
    let (code, out, _) = check(&[
        "--gaad",
        "examples/account.json",
        "--principal",
        "carol",
        "--action",
        "sagemaker:StopNotebookInstance",
        "--resource",
        "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb",
        "--context",
        "sagemaker:ResourceTag/owner=carol",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("aws:username = `carol` (principal)"), "{out}");
    assert!(
        out.contains("aws:PrincipalType = `User` (principal)"),
        "{out}"
    );
}

#[test]
fn unknown_actions_are_warned_about_and_other_services_are_not() {
    let (code, out, _) = check(&[
        "--gaad",
        "examples/account.json",
        "--principal",
        "carol",
        "--action",
        "sagemaker:DescribeTraningJob",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(code, Some(0), "Describe* still matches it");
    let w = v["warnings"].to_string();
    assert!(
        w.contains("did you mean `sagemaker:DescribeTrainingJob`?"),
        "{w}"
    );
    // iam beyond the catalog's PassRole subset, and services the catalog lacks: no warning.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-noise");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("mfa.json");
    std::fs::write(
        &p,
        r#"{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Action":["iam:ChangePassword","iam:GetUser","iam:List*","s3:GetObject"],"Resource":"*"}]}"#,
    )
    .unwrap();
    for action in ["iam:ChangePassword", "s3:GetObject"] {
        let o = iamc()
            .args(["check", "--format", "json", "--action", action, "--policy"])
            .arg(&p)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["decision"], "Allowed");
        assert_eq!(v["warnings"], serde_json::json!([]), "{action}: {v:#}");
    }
}

#[test]
fn principals_are_found_by_arn_or_unique_name() {
    // Not found: the candidates and a did-you-mean.
    let (code, _, err) = check(&[
        "--gaad",
        "examples/account.json",
        "--principal",
        "DataScientst",
        "--action",
        "sagemaker:ListModels",
    ]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no principal `DataScientst`"), "{err}");
    assert!(err.contains("did you mean `DataScientist`?"), "{err}");
    assert!(err.contains("user `carol`"), "{err}");
    // Ambiguous: a role and a user of one name (here: the same account given twice).
    let (code, _, err) = check(&[
        "--gaad",
        "examples/account.json",
        "--gaad",
        "examples/account.json",
        "--principal",
        "MLAdmin",
        "--action",
        "sagemaker:ListModels",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("`MLAdmin` names 2 principals; give one ARN"),
        "{err}"
    );
    // Usage: --gaad needs --principal and excludes --policy.
    let (code, _, err) = check(&[
        "--gaad",
        "examples/account.json",
        "--action",
        "s3:GetObject",
    ]);
    assert_eq!(code, Some(64), "{err}");
    let (code, _, _) = check(&[
        "--gaad",
        "examples/account.json",
        "--principal",
        "MLAdmin",
        "--policy",
        "examples/policies/ml-admin.json",
        "--action",
        "s3:GetObject",
    ]);
    assert_eq!(code, Some(64));
}

#[test]
fn boundaries_from_the_gaad_file_decide() {
    let (code, out, _) = check(&[
        "--gaad",
        "examples/account.json",
        "--principal",
        "BoundedEngineer",
        "--action",
        "sagemaker:DeleteModel",
        "--resource",
        "arn:aws:sagemaker:us-east-1:111122223333:model/m1",
    ]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.starts_with("ImplicitlyDenied (decided by boundary)"),
        "{out}"
    );
    assert!(out.contains("why: no statement of the permissions boundary allows this request"));
}

/// The trace's decision is the reference evaluator's, on every case of the suite.
#[test]
fn the_trace_agrees_with_the_decision_on_every_case() {
    let catalog = Catalog::sagemaker_default();
    let mut n = 0;
    for file in files_with_ext(&repo().join("tests/cases"), "jsonl") {
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let Ok(case) = parse_case_line(line) else {
                continue;
            };
            let want = reference::explain(&case.policies, &case.request, catalog);
            let t = trace::trace(&case.policies, &case.request, catalog);
            assert_eq!(t.decision, want.outcome.decision, "{}", case.id);
            match want.outcome.decision {
                iamc::Decision::ExplicitlyDenied => assert!(!t.denied_by.is_empty(), "{}", case.id),
                iamc::Decision::ImplicitlyDenied => {
                    assert!(
                        t.cross_account || !t.missing_allow.is_empty(),
                        "{}",
                        case.id
                    );
                    if !t.cross_account {
                        assert_eq!(
                            t.missing_allow[0].layer, want.outcome.decided_by,
                            "{}",
                            case.id
                        );
                    }
                }
                iamc::Decision::Allowed => {}
            }
            n += 1;
        }
    }
    assert!(n > 800, "{n}");
}
