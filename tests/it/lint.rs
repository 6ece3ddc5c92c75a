//! `iamc lint` on the broken policies of `tests/data/lint/`: every kind parliament reports on
//! them (recorded in `parliament.txt`) and the kinds it lacks, exit statuses, JSON and SARIF
//! output, and no catalog noise for services the catalog does not hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::cli::iamc;
use crate::common::repo;

fn fixtures() -> Vec<PathBuf> {
    crate::common::files_with_ext(&repo().join("tests/data/lint"), "json")
}

/// `iamc lint --format json FILES…`: (exit code, file name → rule ids, whole output).
fn lint_json(
    files: &[PathBuf],
    extra: &[&str],
) -> (Option<i32>, BTreeMap<String, BTreeSet<String>>, Value) {
    let o = iamc()
        .args(["lint", "--format", "json"])
        .args(extra)
        .args(files)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let mut rules = BTreeMap::new();
    for f in v["files"].as_array().unwrap() {
        let name = PathBuf::from(f["file"].as_str().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let set: BTreeSet<String> = f["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["rule"].as_str().unwrap().to_owned())
            .collect();
        rules.insert(name, set);
    }
    (o.status.code(), rules, v)
}

/// The iamc rules that stand for a parliament issue kind.
fn iamc_rules_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "MALFORMED_JSON" => &["invalid-json"],
        "MALFORMED"
        | "INVALID_VERSION"
        | "UNKNOWN_OPERATOR"
        | "MISMATCHED_TYPE_OPERATION_TO_NULL" => &["invalid-policy"],
        "UNKNOWN_PREFIX" => &["unknown-service"],
        "UNKNOWN_ACTION" => &["unknown-action", "action-never-matches"],
        "RESOURCE_MISMATCH" => &["resource-mismatch", "wildcard-only-action"],
        "INVALID_ARN" => &["malformed-arn"],
        "MISMATCHED_TYPE" | "MISMATCHED_TYPE_BUT_USABLE" => {
            &["key-type-mismatch", "string-operator-on-arn-key"]
        }
        "UNKNOWN_CONDITION_FOR_ACTION" => &["key-not-for-action", "unknown-condition-key"],
        "BAD_PATTERN_FOR_MFA" => &["mfa-condition-pattern"],
        "RESOURCE_STAR" | "RESOURCE_EFFECTIVELY_STAR" => &["resource-star"],
        "DUPLICATE_SID" => &["duplicate-sid"],
        "INVALID_SID" => &["invalid-sid"],
        "NO_VERSION" => &["no-version"],
        "OLD_VERSION" => &["old-version"],
        other => panic!("parliament kind `{other}` has no iamc rule: add one"),
    }
}

#[test]
fn lint_reports_every_kind_parliament_reports() {
    let files = fixtures();
    assert_eq!(files.len(), 13);
    let (_, rules, _) = lint_json(&files, &[]);
    let recorded = std::fs::read_to_string(repo().join("tests/data/lint/parliament.txt")).unwrap();
    let mut kinds = BTreeSet::new();
    for line in recorded
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (file, kind) = line.split_once(' ').unwrap();
        kinds.insert(kind);
        let found = rules
            .get(file)
            .unwrap_or_else(|| panic!("{file} not linted"));
        assert!(
            iamc_rules_for(kind).iter().any(|r| found.contains(*r)),
            "{file}: parliament reports {kind}, iamc only {found:?}"
        );
    }
    assert!(kinds.len() >= 13, "{kinds:?}");
}

#[test]
fn lint_reports_the_kinds_parliament_lacks() {
    let (_, rules, _) = lint_json(&fixtures(), &[]);
    let all: BTreeSet<&str> = rules.values().flatten().map(String::as_str).collect();
    for rule in [
        "invalid-json",
        "unknown-service",
        "unknown-action",
        "unknown-condition-key",
        "key-type-mismatch",
        "resource-mismatch",
        "malformed-arn",
        "multivalued-key-without-set",
        "set-operator-on-single-valued-key",
        "always-false-condition",
        "action-never-matches",
        "key-not-for-action",
        "mfa-condition-pattern",
    ] {
        assert!(all.contains(rule), "no `{rule}` in {rules:#?}");
    }
    // Each always-false family, and the did-you-means.
    let (_, _, v) = lint_json(&fixtures(), &[]);
    let messages: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["findings"].as_array().unwrap())
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for needle in [
        "name the same values",
        "needs the key absent",
        "numeric bounds have no value in common",
        "did you mean `sagemaker:DescribeTrainingJob`?",
        "did you mean `sagemaker:ListTrainingJobs`?",
        "did you mean `sagemaker`?",
        "holds a comma",
        "holds whitespace (a space)",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(needle)),
            "no `{needle}` in {messages:#?}"
        );
    }
}

#[test]
fn lint_findings_are_located_at_their_json_pointer() {
    let file = repo().join("tests/data/lint/04-unknown-action.json");
    let (_, _, v) = lint_json(std::slice::from_ref(&file), &[]);
    let f = &v["files"][0]["findings"][0];
    assert_eq!(f["pointer"], "/Statement/0/Action/0");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("DescribeTraningJob"))
        .unwrap()
        + 1;
    assert_eq!(f["line"].as_u64(), Some(line as u64));
}

#[test]
fn lint_statuses() {
    let data = |n: &str| repo().join("tests/data/lint").join(n);
    // Warnings only: 2.
    let (code, _, _) = lint_json(&[data("04-unknown-action.json")], &[]);
    assert_eq!(code, Some(2));
    // An unusable file among them: 1 (the most serious wins).
    let (code, _, _) = lint_json(
        &[data("04-unknown-action.json"), data("01-not-json.json")],
        &[],
    );
    assert_eq!(code, Some(1));
    // Notes only: 0.
    let (code, rules, _) = lint_json(&[repo().join("examples/policies/ml-admin.json")], &[]);
    assert_eq!(code, Some(0), "{rules:?}");
    // A file that does not exist: 1, reported.
    let (code, rules, _) = lint_json(&[data("no-such-file.json")], &[]);
    assert_eq!(code, Some(1));
    assert!(rules["no-such-file.json"].contains("unreadable-file"));
    // No file at all: a usage error.
    assert_eq!(iamc().arg("lint").output().unwrap().status.code(), Some(64));
}

#[test]
fn lint_is_quiet_about_services_the_catalog_does_not_hold() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-noise");
    std::fs::create_dir_all(&dir).unwrap();
    // The AWS "force MFA" example (iam, complete in the extended catalog), services it holds
    // (s3, kms, ecr, logs) used correctly, and services it does not hold (sns, sqs, dynamodb)
    // with their own keys: nothing is unknown, only `Resource: *` is noted.
    let policy = dir.join("force-mfa.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"AllowViewAccountInfo","Effect":"Allow","Action":["iam:GetAccountPasswordPolicy","iam:ListVirtualMFADevices"],"Resource":"*"},
          {"Sid":"AllowManageOwnPasswords","Effect":"Allow","Action":["iam:ChangePassword","iam:GetUser"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
          {"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny","NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:List*","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}},
          {"Sid":"Data","Effect":"Allow","Action":["s3:GetObject","kms:Decrypt","ecr:BatchGetImage","logs:PutLogEvents"],"Resource":"*","Condition":{"StringEquals":{"s3:ExistingObjectTag/team":"ml","kms:ViaService":"s3.us-east-1.amazonaws.com"}}},
          {"Sid":"NotHeld","Effect":"Allow","Action":["sns:Publish","sqs:SendMessage","dynamodb:GetItem"],"Resource":"arn:aws:sns:us-east-1:111122223333:alerts","Condition":{"StringEquals":{"sns:Protocol":"https","dynamodb:LeadingKeys":"x"}}}
        ]}"#,
    )
    .unwrap();
    let (code, rules, v) = lint_json(&[policy], &[]);
    assert_eq!(code, Some(0), "{v:#}");
    let found: Vec<&String> = rules["force-mfa.json"].iter().collect();
    assert_eq!(found, ["resource-star"], "{v:#}");
}

#[test]
fn lint_sarif_is_well_formed_and_located() {
    let files = fixtures();
    let o = iamc()
        .args(["lint", "--format", "sarif"])
        .args(&files)
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "rules sorted by id");
    let artifacts = run["artifacts"].as_array().unwrap();
    assert_eq!(artifacts.len(), files.len());
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 20);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
        let loc = &r["locations"][0];
        let a = loc["physicalLocation"]["artifactLocation"]["index"]
            .as_u64()
            .unwrap() as usize;
        assert!(a < artifacts.len());
        let region = &loc["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert!(
            loc["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lint-sarif");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("lint.sarif");
    std::fs::write(&file, &o.stdout).unwrap();
    crate::sarif::validate_with_schema(&file);
}

#[test]
fn lint_text_output_names_file_line_and_rule() {
    let o = iamc()
        .args(["lint", "tests/data/lint/03-unknown-prefix.json"])
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("tests/data/lint/03-unknown-prefix.json:8:9: warning[unknown-service]"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 file: 0 errors, 2 warnings, 0 notes"));
}
