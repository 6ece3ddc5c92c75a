//! Loud failures of `iamc audit` (issue 13, item 4): inputs that are not what they claim, repeated
//! inputs, bad settings and bad output directories fail before any work and never replace a good
//! report set; the six reports change together; an interrupted run leaves the old reports and
//! its staging directory is removed (by the signal handler, or by the next run after SIGKILL).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::repo;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iamc-loud-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn iamc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_iamc"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small audit of the example account into `out`.
fn audit_example(out: &Path) -> Output {
    iamc(&[
        "audit",
        "examples/account.json",
        "--scp-level",
        "examples/scp-root.json",
        "--variants",
        "20",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Names in `dir` (sorted).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn staging_dirs(parent: &Path) -> Vec<String> {
    names(parent)
        .into_iter()
        .filter(|n| n.contains(".iamc-staging."))
        .collect()
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap_or_default();
            (n, bytes)
        })
        .collect()
}

#[test]
fn a_policy_file_or_an_empty_object_is_not_an_account() {
    let dir = scratch("not-gaad");
    let out = dir.join("out");
    let run = iamc(&[
        "audit",
        "examples/policies/data-scientist.json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let err = stderr(&run);
    assert!(err.contains("data-scientist.json"), "{err}");
    assert!(err.contains("looks like an IAM policy"), "{err}");
    assert!(!out.exists(), "no reports for a run that audited nothing");

    let empty = dir.join("empty.json");
    std::fs::write(&empty, "{}").unwrap();
    let run = iamc(&[
        "audit",
        empty.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("empty object"), "{}", stderr(&run));
    assert!(!out.exists());

    // The lists are there but hold nobody: reported, not a silent "0 findings".
    let nobody = dir.join("nobody.json");
    std::fs::write(
        &nobody,
        r#"{"UserDetailList": [], "RoleDetailList": [], "GroupDetailList": [], "Policies": []}"#,
    )
    .unwrap();
    let run = iamc(&[
        "audit",
        nobody.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("no roles and no users"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn a_typo_keeps_the_good_reports() {
    let dir = scratch("typo");
    let out = dir.join("report");
    assert!(audit_example(&out).status.success());
    let before = snapshot(&out);
    assert_eq!(before.len(), 8, "{:?}", names(&out));
    let run = iamc(&[
        "audit",
        "examples/acount.json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("acount.json"), "{}", stderr(&run));
    assert_eq!(snapshot(&out), before, "the good reports are untouched");
    assert!(staging_dirs(&dir).is_empty(), "{:?}", names(&dir));
}

#[test]
fn repeated_inputs_are_errors_naming_both_places() {
    let dir = scratch("dupes");
    let out = dir.join("out");
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "./examples/account.json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("same file is given twice"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());

    // The same account in two files.
    let copy = dir.join("copy.json");
    std::fs::copy(repo().join("examples/account.json"), &copy).unwrap();
    let run = iamc(&[
        "audit",
        "examples/account.json",
        copy.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let err = stderr(&run);
    assert!(err.contains("is given twice"), "{err}");
    assert!(
        err.contains("copy.json") && err.contains("examples/account.json"),
        "{err}"
    );

    // A role listed twice, and a managed policy listed twice.
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/account.json")).unwrap(),
    )
    .unwrap();
    let role = doc["RoleDetailList"][0].clone();
    doc["RoleDetailList"]
        .as_array_mut()
        .unwrap()
        .push(role.clone());
    let policies = doc["Policies"].as_array_mut().unwrap();
    let first_policy = policies[0].clone();
    policies.push(first_policy.clone());
    let twice = dir.join("twice.json");
    std::fs::write(&twice, doc.to_string()).unwrap();
    let run = iamc(&[
        "audit",
        twice.to_str().unwrap(),
        "--variants",
        "5",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let err = stderr(&run);
    let roles = doc["RoleDetailList"].as_array().unwrap().len();
    let arn = role["Arn"].as_str().unwrap();
    assert!(
        err.contains(&format!(
            "`{arn}` is listed twice, at /RoleDetailList/0 and at /RoleDetailList/{}",
            roles - 1
        )),
        "{err}"
    );
    let policy_arn = first_policy["Arn"].as_str().unwrap();
    assert!(
        err.contains(&format!("`{policy_arn}` is listed twice")),
        "{err}"
    );
}

#[test]
fn bad_settings_fail_at_once() {
    let dir = scratch("settings");
    let out = dir.join("out");
    let started = Instant::now();
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--variants",
        "4294967296",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert_ne!(run.status.code(), Some(101), "no panic");
    assert!(stderr(&run).contains("out of range"), "{}", stderr(&run));
    assert!(started.elapsed() < Duration::from_secs(30));
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--service",
        "sagemakr",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        stderr(&run).contains("`--service sagemakr`"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());
}

#[test]
fn an_output_directory_that_cannot_be_used_fails_before_the_audit() {
    let dir = scratch("outdir");
    // Someone else's files: refused, and left alone.
    let theirs = dir.join("theirs");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let run = audit_example(&theirs);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("`notes.txt`"), "{}", stderr(&run));
    assert_eq!(names(&theirs), ["notes.txt"]);
    // A path that is a file.
    let file = dir.join("file");
    std::fs::write(&file, "x").unwrap();
    let run = audit_example(&file);
    assert!(!run.status.success());
    assert!(stderr(&run).contains("not a directory"), "{}", stderr(&run));
    // A directory that cannot be created (under a file).
    let started = Instant::now();
    let run = audit_example(&file.join("out"));
    assert!(!run.status.success());
    assert!(stderr(&run).contains("file"), "{}", stderr(&run));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "checked before the audit"
    );
}

#[test]
fn reports_change_together_and_leave_nothing_behind() {
    let dir = scratch("together");
    let out = dir.join("report");
    assert!(audit_example(&out).status.success());
    // A leftover from an old version's per-file staging is removed, not refused.
    std::fs::write(out.join("report.html.tmp.1.0"), "half").unwrap();
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--variants",
        "7",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert_eq!(
        names(&out),
        [
            "coverage-actions.csv",
            "coverage-cells.csv",
            "coverage.csv",
            "coverage.json",
            "findings.json",
            "findings.sarif",
            "report.html",
            "summary.json"
        ]
    );
    // Every file is from the second run (no SCP level this time).
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!summary.contains("scp-root.json"), "{summary}");
    let coverage = std::fs::read_to_string(out.join("coverage.json")).unwrap();
    assert!(!coverage.contains("scp-root.json"));
    assert!(staging_dirs(&dir).is_empty());
}

/// Starts an audit that runs for a few seconds, and waits until its staging directory exists.
fn start_slow_audit(out: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .args([
            "audit",
            "examples/account.json",
            "--scp-level",
            "examples/scp-root.json",
            "--variants",
            "400",
            "--threads",
            "1",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(repo())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let parent = out.parent().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while staging_dirs(parent).is_empty() {
        assert!(Instant::now() < deadline, "no staging directory appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

#[test]
fn an_interrupted_audit_leaves_the_old_reports() {
    let dir = scratch("interrupt");
    let out = dir.join("report");
    assert!(audit_example(&out).status.success());
    let before = snapshot(&out);

    // SIGKILL: nothing can clean up; the old reports stay and the next run removes the debris.
    let mut child = start_slow_audit(&out);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(snapshot(&out), before);
    assert_eq!(staging_dirs(&dir).len(), 1, "{:?}", names(&dir));
    let run = audit_example(&out);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        staging_dirs(&dir).is_empty(),
        "stale staging removed: {:?}",
        names(&dir)
    );

    // SIGTERM (and SIGINT alike): the handler removes the staging directory itself.
    if cfg!(unix) {
        let before = snapshot(&out);
        let child = start_slow_audit(&out);
        let status = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let done = child.wait_with_output().unwrap();
        assert_eq!(done.status.code(), Some(130), "{}", stderr(&done));
        assert_eq!(snapshot(&out), before);
        assert!(staging_dirs(&dir).is_empty(), "{:?}", names(&dir));
    }
}

#[test]
fn the_summary_is_one_line_on_standard_output_and_quiet_means_quiet() {
    let dir = scratch("summary");
    let out = dir.join("report");
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--variants",
        "10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let stdout = String::from_utf8(run.stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let gaad: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("examples/account.json").unwrap()).unwrap();
    let principals = ["UserDetailList", "RoleDetailList"]
        .iter()
        .map(|k| gaad[k].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert!(stdout.starts_with("iamc audit: fix these "), "{stdout}");
    assert!(
        stdout.contains(&format!("; {principals} principals (0 with errors); ")),
        "{stdout}"
    );
    assert!(stdout.contains(" findings: "), "{stdout}");
    assert!(stderr(&run).contains("wrote "), "diagnostics on stderr");
    let run = audit_example(&out);
    assert!(run.status.success());
    assert!(run.stdout.is_empty(), "--quiet: nothing on stdout");
    assert!(
        run.stderr.is_empty(),
        "--quiet and no errors: nothing on stderr"
    );
}

#[test]
fn principal_selects_whom_the_reports_cover() {
    let dir = scratch("principal");
    let out = dir.join("report");
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--variants",
        "10",
        "--quiet",
        "--principal",
        "DataScientist",
        "--principal",
        "arn:aws:iam::111122223333:role/MLAdmin",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let coverage: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("coverage.json")).unwrap()).unwrap();
    let mut names: Vec<String> = coverage["accounts"][0]["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["DataScientist", "MLAdmin"],
        "only the selected are reported"
    );
    let findings = std::fs::read_to_string(out.join("findings.json")).unwrap();
    assert!(findings.contains("role/MLAdmin"));
    assert!(!findings.contains("\"principal\":\"arn:aws:iam::111122223333:role/BoundedEngineer\""));
    // The same principals' findings as in a full audit (targets are still read).
    let full = dir.join("full");
    assert!(
        iamc(&[
            "audit",
            "examples/account.json",
            "--variants",
            "10",
            "--quiet",
            "--out",
            full.to_str().unwrap()
        ])
        .status
        .success()
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(full.join("findings.json")).unwrap())
            .unwrap();
    let some: serde_json::Value = serde_json::from_str(&findings).unwrap();
    let fingerprints = |v: &serde_json::Value, who: &str| -> Vec<String> {
        let mut f: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["principal"].as_str().unwrap().ends_with(who))
            .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
            .collect();
        f.sort();
        f
    };
    for who in ["role/DataScientist", "role/MLAdmin"] {
        assert_eq!(fingerprints(&all, who), fingerprints(&some, who), "{who}");
        assert!(!fingerprints(&some, who).is_empty(), "{who}");
    }
    // A name nobody has is a usage error with the candidates.
    let run = iamc(&[
        "audit",
        "examples/account.json",
        "--principal",
        "DataScientistt",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(64));
    assert!(stderr(&run).contains("`DataScientist`"), "{}", stderr(&run));
}

#[test]
fn policy_lint_warnings_are_reported_once_per_document_with_their_principals() {
    let dir = scratch("lint");
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/account.json")).unwrap(),
    )
    .unwrap();
    let typo = serde_json::json!([{"PolicyName": "typo", "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sagemaker:DescribeTraningJob", "Resource": "*"}]
    }}]);
    let roles = doc["RoleDetailList"].as_array_mut().unwrap();
    let mut arns = Vec::new();
    for role in roles.iter_mut().take(2) {
        role["RolePolicyList"] = typo.clone();
        arns.push(role["Arn"].as_str().unwrap().to_owned());
    }
    let file = dir.join("typo.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = dir.join("out");
    let run = iamc(&[
        "audit",
        file.to_str().unwrap(),
        "--variants",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("1 lint warning(s) on policies of 2 principal(s)"),
        "{}",
        stderr(&run)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let warnings = summary["policy_warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w["rule"], "unknown-action");
    assert!(
        w["message"]
            .as_str()
            .unwrap()
            .contains("DescribeTrainingJob"),
        "did-you-mean: {w}"
    );
    assert_eq!(
        w["pointer"],
        "/RoleDetailList/0/RolePolicyList/0/PolicyDocument/Statement/0/Action"
    );
    let mut who: Vec<String> = w["principals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    who.sort();
    arns.sort();
    assert_eq!(who, arns);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"policy-warnings\""));
}
