//! Suppressions (`--suppressions FILE`) and `--fail-on`: invalid files are errors naming the file,
//! the JSON pointer and the problem; matching findings are marked with their reason in
//! findings.json, summary.json and findings.sarif (never dropped); entries that match nothing are
//! warned about; `--fail-on` exits 2 only for unsuppressed findings at or above the threshold, and
//! errors (exit 1) take precedence.

use std::path::{Path, PathBuf};
use std::process::Command;

use iamc::audit::suppress::{SuppressError, Suppressions};
use serde_json::Value;

use crate::common::repo;

const FIXTURE: &str = "tests/data/suppress/account.json";
const ML_DEV: &str = "arn:aws:iam::111122223333:role/ml-dev";
const CAROL: &str = "arn:aws:iam::111122223333:user/carol";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("suppress")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn audit(files: &[&str], out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .current_dir(repo())
        .arg("audit")
        .args(files)
        .args(["--variants", "60", "--threads", "2", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    // The summary line is on stdout, warnings and errors on stderr: both are checked.
    (
        run.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&run.stderr),
            String::from_utf8_lossy(&run.stdout)
        ),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn invalid(text: &str) -> (String, String, String) {
    let e = Suppressions::parse(text, "s.json").unwrap_err();
    assert!(e.to_string().contains("`s.json` at "), "{e}");
    match e {
        SuppressError::Invalid {
            file,
            pointer,
            message,
        } => (file, pointer, message),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn invalid_files_name_the_file_pointer_and_problem() {
    let dir = repo().join("tests/data/suppress");
    let e = Suppressions::load(&dir.join("missing-reason.json")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("missing-reason.json"), "{msg}");
    assert!(msg.contains("at /suppressions/1:"), "{msg}");
    assert!(msg.contains("missing field `reason`"), "{msg}");

    let e = Suppressions::load(&dir.join("unknown-field.json")).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("unknown-field.json"), "{msg}");
    assert!(msg.contains("at /suppressions/0/reasn:"), "{msg}");
    assert!(msg.contains("unknown field `reasn`"), "{msg}");

    let (file, pointer, message) =
        invalid(r#"{"suppressions": [{"principal": "*", "rule": "*", "reason": "  "}]}"#);
    assert_eq!(
        (file.as_str(), pointer.as_str()),
        ("s.json", "/suppressions/0/reason")
    );
    assert!(message.contains("must not be empty"), "{message}");

    let cases = [
        (r#"[]"#, "/", "expected an object"),
        (
            r#"{"suppressions": {}}"#,
            "/suppressions",
            "expected an array",
        ),
        (r#"{}"#, "/", "missing field `suppressions`"),
        (
            r#"{"suppressions": [], "version": 1}"#,
            "/version",
            "unknown field `version`",
        ),
        (
            r#"{"suppressions": [{"principal": 7, "rule": "*", "reason": "x"}]}"#,
            "/suppressions/0/principal",
            "expected a string, found a number",
        ),
        (
            r#"{"suppressions": [{"rule": "*", "reason": "x"}]}"#,
            "/suppressions/0",
            "missing field `principal`",
        ),
        (
            r#"{"suppressions": ["x"]}"#,
            "/suppressions/0",
            "expected an object",
        ),
        (
            r#"{"suppressions": [{"principal": "*", "rule": "*", "reason": "x", "a/b~": 1}]}"#,
            "/suppressions/0/a~1b~0",
            "unknown field `a/b~`",
        ),
    ];
    for (text, want_ptr, want_msg) in cases {
        let (_, pointer, message) = invalid(text);
        assert_eq!(pointer, want_ptr, "{text}");
        assert!(message.contains(want_msg), "{text}: {message}");
    }

    let e = Suppressions::parse("{\"suppressions\": [,]}", "s.json").unwrap_err();
    assert!(matches!(e, SuppressError::Syntax { line: 1, .. }), "{e:?}");
    assert!(e.to_string().contains("`s.json`"), "{e}");

    let ok = Suppressions::parse(
        r#"{"suppressions": [{"principal": "*", "rule": "r", "reason": "why",
            "action": "sagemaker:*", "target_role": "arn:*"}]}"#,
        "s.json",
    )
    .unwrap();
    assert_eq!(ok.entries.len(), 1);
    assert_eq!(ok.entries[0].pointer, "/suppressions/0");
    assert_eq!(ok.entries[0].target_role.as_deref(), Some("arn:*"));
}

#[test]
fn cli_rejects_an_invalid_suppressions_file_before_auditing() {
    let out = scratch("invalid-cli");
    let (code, stderr) = audit(
        &[FIXTURE],
        &out.join("reports"),
        &["--suppressions", "tests/data/suppress/missing-reason.json"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("tests/data/suppress/missing-reason.json")
            && stderr.contains("/suppressions/1")
            && stderr.contains("reason"),
        "{stderr}"
    );
    assert!(!out.join("reports").exists(), "no reports on a usage error");
}

#[test]
fn suppressions_mark_findings_and_report_unused_entries() {
    let out = scratch("applied");
    let (code, stderr) = audit(
        &[FIXTURE],
        &out,
        &["--suppressions", "tests/data/suppress/suppressions.json"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: suppression /suppressions/2 matched nothing"),
        "{stderr}"
    );
    assert!(stderr.contains("suppressed; "), "{stderr}");

    let fj = read_json(&out.join("findings.json"));
    let suppressed = fj["suppressed"].as_array().unwrap();
    let reason_of = |principal: &str, rule: &str| -> Option<String> {
        suppressed
            .iter()
            .find(|f| f["principal"] == principal && f["rule"] == rule)
            .map(|f| f["suppressed"].as_str().unwrap().to_owned())
    };
    // First matching entry's reason wins.
    assert!(
        reason_of(ML_DEV, "sagemaker-notebook-passrole")
            .unwrap()
            .starts_with("SEC-1234"),
        "{fj}"
    );
    // `action` matches ignoring case; `*` principals match users too.
    for p in [ML_DEV, CAROL] {
        assert!(
            reason_of(p, "sagemaker-existing-notebook-presigned-url")
                .unwrap()
                .starts_with("SEC-1235"),
            "{p}"
        );
    }
    for f in fj["findings"].as_array().unwrap() {
        assert!(f.get("suppressed").is_none(), "{f}");
    }
    assert_eq!(fj["counts"]["suppressed"], 3);
    let entries = fj["suppressions"]["entries"].as_array().unwrap();
    let matched: Vec<u64> = entries
        .iter()
        .map(|e| e["matched"].as_u64().unwrap())
        .collect();
    assert_eq!(matched, [1, 3, 0]);
    assert_eq!(
        fj["warnings"][0],
        "suppression /suppressions/2 matched nothing (`tests/data/suppress/suppressions.json`)"
    );

    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["findings"]["suppressed"], 3);
    assert_eq!(summary["findings"], fj["counts"]);
    assert!(
        summary["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("suppression /suppressions/2 matched nothing"),
        "{summary}"
    );

    // SARIF keeps suppressed results, marked as such (SARIF semantics).
    let log = read_json(&out.join("findings.sarif"));
    let results = log["runs"][0]["results"].as_array().unwrap();
    let total = fj["counts"]["total"].as_u64().unwrap() as usize;
    assert_eq!(results.len(), total);
    let marked: Vec<&Value> = results
        .iter()
        .filter(|r| !r["suppressions"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(marked.len(), 3);
    for r in marked {
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert!(
            r["suppressions"][0]["justification"]
                .as_str()
                .unwrap()
                .starts_with("SEC-123")
        );
    }
    let config = &log["runs"][0]["invocations"][0]["toolConfigurationNotifications"];
    assert_eq!(config.as_array().unwrap().len(), 1, "{config}");

    // The HTML greys suppressed rows and shows their reason.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"findings\""));
    assert!(html.contains("<tr id=\"f") && html.contains("class=\"sup\""));
    assert!(html.contains("suppressed: SEC-1234"), "reason shown");
    assert!(html.contains("matched nothing"), "warning shown");
    let findings_at = html.find("<section id=\"findings\"").unwrap();
    let errors_at = html.find("<section id=\"errors\"").unwrap();
    assert!(findings_at < errors_at, "findings come before errors");
}

#[test]
fn fail_on_counts_only_unsuppressed_findings_and_errors_take_precedence() {
    // Without --fail-on, findings never change the exit status.
    let out = scratch("no-threshold");
    let (code, stderr) = audit(&[FIXTURE], &out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let counts = read_json(&out.join("findings.json"))["counts"].clone();
    let n = |s: &str| counts["by_severity"][s].as_u64().unwrap();
    assert!(n("high") > 0, "the fixture has high findings: {counts}");

    let levels = ["critical", "high", "medium", "low"];
    for (i, level) in levels.iter().enumerate() {
        let out = scratch(&format!("fail-on-{level}"));
        let (code, stderr) = audit(&[FIXTURE], &out, &["--fail-on", level]);
        let at_or_above: u64 = levels[..=i].iter().map(|l| n(l)).sum();
        let want = if at_or_above > 0 { 2 } else { 0 };
        assert_eq!(code, Some(want), "--fail-on {level}: {stderr}");
        if want == 2 {
            assert!(stderr.contains("(--fail-on)"), "{stderr}");
        }
    }

    // Everything suppressed: nothing left to fail on.
    let dir = scratch("all-suppressed");
    let file = dir.join("all.json");
    std::fs::write(
        &file,
        r#"{"suppressions": [{"principal": "*", "rule": "*", "reason": "accepted for the test"}]}"#,
    )
    .unwrap();
    let (code, stderr) = audit(
        &[FIXTURE],
        &dir.join("out"),
        &["--fail-on", "low", "--suppressions", file.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("0 findings"), "{stderr}");

    // An input error exits 1 even with findings over the threshold.
    let out = scratch("error-wins");
    let (code, stderr) = audit(
        &[FIXTURE, "tests/data/suppress/no-such-account.json"],
        &out,
        &["--fail-on", "low"],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("no-such-account.json"), "{stderr}");
}
