//! `iamc diff`: a planted grant is caught (exit 2), a no-op rewrite is silent (exit 0), a removal
//! is reported as lost (exit 0), for GAAD files and for policy files. Fixtures in
//! `tests/data/diff/` (see its README).

use std::path::PathBuf;
use std::process::{Command, Output};

use iamc::Catalog;
use iamc::audit::Class;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::diff::{DiffConfig, DiffResult, Direction, InputKind, run_diff};
use serde_json::Value;

use crate::common::repo;

const VARIANTS: &str = "150";
const TRAINER: &str = "arn:aws:iam::444455556666:role/Trainer";

fn data(name: &str) -> PathBuf {
    repo().join("tests/data/diff").join(name)
}

fn iamc(old: &str, new: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("diff")
        .arg(data(old))
        .arg(data(new))
        .args(["--variants", VARIANTS, "--threads", "2"])
        .args(extra)
        .output()
        .unwrap()
}

fn json(old: &str, new: &str) -> (Option<i32>, Value) {
    let out = iamc(old, new, &["--format", "json"]);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), v)
}

#[test]
fn a_planted_grant_is_caught() {
    let (code, d) = json("account-old.json", "account-grant.json");
    assert_eq!(code, Some(2), "{d:#}");
    assert_eq!(d["gained"], 1, "{d:#}");
    assert_eq!(d["lost"], 0, "{d:#}");
    let c = &d["changes"][0];
    assert_eq!(c["principal"], TRAINER);
    assert_eq!(c["action"], "sagemaker:CreateNotebookInstance");
    assert_eq!(c["direction"], "gained");
    assert_eq!(c["old"]["class"], "Never");
    assert_ne!(c["new"]["class"], "Never");

    let text = iamc("account-old.json", "account-grant.json", &[]);
    assert_eq!(text.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&text.stdout);
    let row = stdout
        .lines()
        .find(|l| l.contains("sagemaker:CreateNotebookInstance"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.trim_start().starts_with("gained"), "{row}");
    assert!(row.contains(TRAINER), "{row}");
    assert!(stdout.contains("gained 1, lost 0"), "{stdout}");
}

#[test]
fn a_no_op_rewrite_is_silent() {
    // Reformatted JSON, reordered statements and keys, a renamed Sid.
    let (code, d) = json("account-old.json", "account-noop.json");
    assert_eq!(code, Some(0), "{d:#}");
    assert_eq!(d["gained"], 0);
    assert_eq!(d["lost"], 0);
    assert_eq!(d["changes"], serde_json::json!([]));
    assert_eq!(d["pass_role"], serde_json::json!([]));
    assert_eq!(d["compared"], 3);
    let text = iamc("account-old.json", "account-noop.json", &[]);
    assert_eq!(text.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&text.stdout).contains("no access gained or lost"));
}

#[test]
fn a_removal_is_lost_and_exits_zero() {
    let (code, d) = json("account-old.json", "account-removal.json");
    assert_eq!(code, Some(0), "{d:#}");
    assert_eq!(d["gained"], 0);
    assert_eq!(d["lost"], 1, "{d:#}");
    let c = &d["changes"][0];
    assert_eq!(c["principal"], "arn:aws:iam::444455556666:role/Viewer");
    assert_eq!(c["action"], "sagemaker:DescribeModel");
    assert_eq!(c["direction"], "lost");
    assert_eq!(c["new"]["class"], "Never");
}

#[test]
fn policy_files_diff_as_one_synthetic_principal() {
    let (code, d) = json("policy-old.json", "policy-noop.json");
    assert_eq!(code, Some(0), "{d:#}");
    assert_eq!(d["kind"], "policy");
    assert_eq!(d["changes"], serde_json::json!([]));

    let (code, d) = json("policy-old.json", "policy-grant.json");
    assert_eq!(code, Some(2), "{d:#}");
    assert_eq!(
        d["changes"][0]["principal"],
        "arn:aws:iam::444455556666:role/policy"
    );
    assert_eq!(
        d["changes"][0]["action"],
        "sagemaker:CreateNotebookInstance"
    );
}

#[test]
fn mixed_inputs_and_unreadable_files_are_errors() {
    let out = iamc("policy-old.json", "account-old.json", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give two of a kind"));
    let out = iamc("policy-old.json", "missing.json", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

/// The library: the reverse of the planted grant is a loss, and the space is shared (both sides
/// saw the same number of requests for the changed action).
#[test]
fn the_reverse_diff_loses_what_the_grant_gained() {
    let cfg = DiffConfig {
        old: data("account-grant.json"),
        new: data("account-old.json"),
        scp_levels: Vec::new(),
        managed_dir: ManagedPolicyDir::default(),
        generator: GenConfig {
            variants: 150,
            ..GenConfig::default()
        },
        threads: 2,
        progress: false,
    };
    let d: DiffResult = run_diff(&cfg, Catalog::sagemaker_default()).unwrap();
    assert_eq!(d.kind, InputKind::Gaad);
    assert_eq!(d.gained, 0);
    assert_eq!(d.lost, 1);
    let c = &d.changes[0];
    assert_eq!(c.direction, Direction::Lost);
    assert_eq!(c.new.unwrap().class, Class::Never);
    assert_eq!(c.old.unwrap().total, c.new.unwrap().total);
}

/// `causes-old.json` → `causes-new.json`: `NotebookOnly` loses `CreateNotebookInstance` (its
/// notebook path is resolved), `Shared4` joins the shared managed policy (its causes gain a
/// principal), user `carol` gets bob's any-profile Studio grant (a new finding).
#[test]
fn new_and_resolved_findings_next_to_access() {
    let (code, d) = json("causes-old.json", "causes-new.json");
    assert_eq!(code, Some(2), "{d:#}");
    let findings = d["findings"].as_array().unwrap();
    let find = |status: &str, rule: &str, who: &str| {
        findings.iter().find(|f| {
            f["status"] == status
                && f["rule"] == rule
                && f["principals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p.as_str().unwrap().ends_with(who))
        })
    };
    assert!(
        find("resolved", "sagemaker-notebook-passrole", "/NotebookOnly").is_some(),
        "{findings:#?}"
    );
    assert!(
        find("new", "sagemaker-studio-presigned-domain-url", "/carol").is_some(),
        "{findings:#?}"
    );
    let more = find("more-principals", "over-broad-resource-star", "/Shared4").unwrap();
    assert_eq!(more["principals"].as_array().unwrap().len(), 1);
    assert!(d["new_findings"].as_u64().unwrap() >= 1);
    assert!(d["resolved_findings"].as_u64().unwrap() >= 1);
    // Access changes are still there, next to them.
    assert!(d["gained"].as_u64().unwrap() > 0 && d["lost"].as_u64().unwrap() > 0);
    let text = iamc("causes-old.json", "causes-new.json", &[]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("findings:\n"), "{text}");
    assert!(text.contains(" new, "), "{text}");
}
