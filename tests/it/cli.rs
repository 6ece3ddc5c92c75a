//! The command-line contract, run through the built binary: one exit-status table for every
//! command (0 clean, 2 found, 1 input error, 64 usage error; the most serious wins), output
//! that never panics (a full device is an error, a closed pipe ends quietly), and `eval`
//! answering every line it can.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common::repo;

/// The binary, run from the repository root.
pub fn iamc() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_iamc"));
    c.current_dir(repo());
    c
}

fn run(args: &[&str]) -> Output {
    iamc().args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `/dev/full` opened for writing: every write fails with "no space left on device".
fn dev_full() -> Option<File> {
    match File::options().write(true).open("/dev/full") {
        Ok(f) => Some(f),
        Err(e) => {
            eprintln!("SKIP: /dev/full cannot be opened ({e})");
            None
        }
    }
}

/// A pipe whose reading end is already closed: every write gets EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

const ALLOWED: &[&str] = &[
    "check",
    "--policy",
    "examples/policies/data-scientist.json",
    "--action",
    "sagemaker:ListModels",
];

const DENIED: &[&str] = &[
    "check",
    "--policy",
    "examples/policies/data-scientist.json",
    "--action",
    "sagemaker:DeleteDomain",
    "--resource",
    "arn:aws:sagemaker:us-east-1:111122223333:domain/d-1",
];

/// No panic (status 101) and no panic message, whatever happened.
fn assert_no_panic(o: &Output) {
    assert_ne!(o.status.code(), Some(101), "{}", stderr(o));
    assert!(!stderr(o).contains("panicked"), "{}", stderr(o));
}

#[test]
fn check_into_a_full_device_is_an_error_not_a_panic() {
    for args in [ALLOWED, DENIED] {
        for format in ["text", "json"] {
            let Some(full) = dev_full() else { return };
            let o = iamc()
                .args(args)
                .args(["--format", format])
                .stdout(full)
                .output()
                .unwrap();
            assert_no_panic(&o);
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            assert!(
                stderr(&o).contains("cannot write `standard output`"),
                "{}",
                stderr(&o)
            );
        }
    }
}

#[test]
fn every_command_into_a_full_device_is_an_error() {
    let commands: Vec<Vec<String>> = vec![
        vec![
            "eval".into(),
            "--cases".into(),
            "tests/cases/flow/layers.jsonl".into(),
        ],
        vec![
            "requests".into(),
            "examples/account.json".into(),
            "--variants".into(),
            "3".into(),
        ],
        vec![
            "diff".into(),
            "tests/data/diff/policy-old.json".into(),
            "tests/data/diff/policy-grant.json".into(),
            "--variants".into(),
            "20".into(),
        ],
        vec![
            "paths".into(),
            "examples/account.json".into(),
            "--from".into(),
            "DataScientist".into(),
        ],
        vec![
            "who-can".into(),
            "sagemaker:CreateTrainingJob".into(),
            "examples/account.json".into(),
        ],
        vec!["--help".into()],
        vec!["check".into(), "--help".into()],
        vec!["--version".into()],
    ];
    for args in commands {
        let Some(full) = dev_full() else { return };
        let o = iamc().args(&args).stdout(full).output().unwrap();
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot write `standard output`"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_closed_pipe_on_standard_output_ends_quietly() {
    let commands: Vec<&[&str]> = vec![
        ALLOWED,
        DENIED,
        &["requests", "examples/account.json", "--variants", "5"],
        &["eval", "--cases", "tests/cases/flow/layers.jsonl"],
        &["--help"],
    ];
    for args in commands {
        let o = iamc()
            .args(args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains("error"),
            "{args:?}: a closed pipe is not reported: {}",
            stderr(&o)
        );
    }
}

#[test]
fn standard_error_on_a_full_device() {
    // eval writes its summary to standard error: the write fails, the status says so.
    let Some(full) = dev_full() else { return };
    let o = iamc()
        .args(["eval", "--cases", "tests/cases/flow/layers.jsonl"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(!o.stdout.is_empty(), "the decisions were written");
    // An error whose message cannot be written still exits with its status, no panic.
    let Some(full) = dev_full() else { return };
    let o = iamc()
        .args([
            "check",
            "--policy",
            "missing.json",
            "--action",
            "s3:GetObject",
        ])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // A usage error whose message cannot be written keeps the usage status.
    let Some(full) = dev_full() else { return };
    let o = iamc()
        .args(["check", "--bogus"])
        .stderr(full)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(64));
    // A command with nothing to say on standard error is not affected.
    let Some(full) = dev_full() else { return };
    let o = iamc().args(DENIED).stderr(full).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    // Standard error into a closed pipe: no panic either.
    let o = iamc()
        .args(["eval", "--cases", "tests/cases/flow/layers.jsonl"])
        .stderr(closed_pipe())
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(101));
}

#[test]
fn usage_errors_exit_64_and_name_the_problem() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "Usage"),
        (vec!["bogus"], "unrecognized subcommand"),
        (vec!["check", "--bogus"], "unexpected argument"),
        (vec!["check", "--policy", "x.json"], "--action"),
        (
            vec![
                "check",
                "--action",
                "sagemaker:ListModels",
                "--format",
                "yaml",
            ],
            "yaml",
        ),
        (vec!["check", "--action", "ListModels"], "service:Action"),
        (
            vec![
                "check",
                "--action",
                "sagemaker:ListModels",
                "--context",
                "novalue",
            ],
            "KEY=VALUE",
        ),
        (vec!["audit", "examples/account.json"], "--out"),
        (
            vec![
                "audit",
                "examples/account.json",
                "--out",
                "x",
                "--variants",
                "0",
            ],
            "--variants",
        ),
        (
            vec!["requests", "examples/account.json", "--variants", "-1"],
            "-1",
        ),
        (
            vec![
                "requests",
                "examples/account.json",
                "--action",
                "sagemaker:Nope",
            ],
            "sagemaker:Nope",
        ),
        (vec!["diff", "a.json"], "NEW"),
        (vec!["eval"], "--cases"),
    ];
    for (args, needle) in cases {
        let o = run(&args);
        assert_no_panic(&o);
        assert_eq!(o.status.code(), Some(64), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // Help and version are not errors.
    for args in [&["--help"][..], &["check", "--help"], &["--version"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(!o.stdout.is_empty());
    }
}

#[test]
fn every_help_documents_the_exit_status_table() {
    for cmd in [
        "check", "eval", "audit", "requests", "diff", "paths", "who-can",
    ] {
        let o = run(&[cmd, "--help"]);
        let text = String::from_utf8_lossy(&o.stdout);
        for line in [
            "Exit status (the same for every iamc command)",
            "  64  usage error",
            "the most serious wins: 64, then 1, then 2",
        ] {
            assert!(text.contains(line), "{cmd} --help lacks `{line}`:\n{text}");
        }
    }
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains("| `64` |"),
        "README has the exit-status table"
    );
}

#[test]
fn check_statuses() {
    assert_eq!(run(ALLOWED).status.code(), Some(0));
    assert_eq!(run(DENIED).status.code(), Some(2));
    let o = run(&[
        "check",
        "--policy",
        "missing.json",
        "--action",
        "s3:GetObject",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read `missing.json`"),
        "{}",
        stderr(&o)
    );
    let dir = scratch("check-invalid");
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
    )
    .unwrap();
    let o = iamc()
        .args(["check", "--action", "s3:GetObject", "--policy"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// Writes `lines` (raw bytes joined by `\n`) to a case file.
fn case_file(name: &str, lines: &[&[u8]]) -> PathBuf {
    let dir = scratch(name);
    let path = dir.join("cases.jsonl");
    std::fs::write(&path, lines.join(&b"\n"[..])).unwrap();
    path
}

const GOOD: &[u8] = br#"{"id":"good","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}],"expect":"Allowed"}"#;
const WRONG: &[u8] = br#"{"id":"wrong","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","identity":[],"expect":"Allowed"}"#;

fn eval_lines(path: &Path) -> (Option<i32>, Vec<Value>, String) {
    let o = iamc().args(["eval", "--cases"]).arg(path).output().unwrap();
    let lines = String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (o.status.code(), lines, stderr(&o))
}

#[test]
fn eval_answers_every_line_around_bad_ones() {
    let path = case_file(
        "eval-bad-lines",
        &[
            GOOD,
            b"{\"id\":\"latin1\",\"action\":\"s3:GetObject\",\"resource\":\"caf\xe9\"}",
            b"",
            b"not json at all",
            br#"{"id":"shape","action":"s3:GetObject"}"#,
            br#"["an", "array"]"#,
            b"\xff\xfe",
            GOOD,
        ],
    );
    let (code, out, err) = eval_lines(&path);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out.len(), 7, "one answer per non-blank line: {out:?}");
    assert_eq!(out[0]["decision"], "Allowed");
    assert_eq!(
        out[6]["decision"], "Allowed",
        "the line after the bad ones is answered"
    );
    // Line numbers are the file's (the blank line 3 counts).
    let errors: Vec<(u64, &str)> = out[1..6]
        .iter()
        .map(|v| (v["line"].as_u64().unwrap(), v["error"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors.iter().map(|e| e.0).collect::<Vec<_>>(),
        [2, 4, 5, 6, 7],
        "{out:?}"
    );
    assert!(errors[0].1.starts_with("line 2: not UTF-8"), "{errors:?}");
    assert!(
        errors[1].1.starts_with("line 4: invalid JSON"),
        "{errors:?}"
    );
    assert_eq!(out[3]["id"], "shape");
    assert!(errors[2].1.contains("resource"), "{errors:?}");
    assert!(
        errors[3].1.starts_with("line 6: invalid case"),
        "{errors:?}"
    );
    assert!(errors[4].1.starts_with("line 7: not UTF-8"), "{errors:?}");
    assert!(err.contains("7 cases, 5 errors"), "{err}");
}

#[test]
fn eval_answers_in_input_order_across_batches() {
    // Enough lines for several of `eval`'s batches, with blank and bad lines among the cases;
    // both engines give the same answers, one per non-blank line, in the file's order.
    let lines: Vec<Vec<u8>> = (1..=45)
        .map(|i| match i {
            _ if i % 7 == 0 => Vec::new(),
            _ if i % 11 == 0 => b"{".to_vec(),
            _ => {
                let action = if i % 2 == 0 { "s3:GetObject" } else { "s3:PutObject" };
                format!(
                    r#"{{"id":"c{i}","action":"{action}","resource":"arn:aws:s3:::b/k","identity":[{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}]}}"#
                )
                .into_bytes()
            }
        })
        .collect();
    let refs: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
    let path = case_file("eval-batches", &refs);
    let (code, out, err) = eval_lines(&path);
    assert_eq!(code, Some(1), "{err}");
    let expected: Vec<u64> = (1..=45).filter(|i| i % 7 != 0).collect();
    assert_eq!(out.len(), expected.len(), "{out:?}");
    for (v, i) in out.iter().zip(&expected) {
        if i % 11 == 0 {
            assert_eq!(v["line"], *i, "{v}");
            assert!(
                v["error"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("line {i}: "))
            );
        } else {
            assert_eq!(v["id"], format!("c{i}"), "{v}");
            let want = if i % 2 == 0 {
                "Allowed"
            } else {
                "ImplicitlyDenied"
            };
            assert_eq!(v["decision"], want, "{v}");
        }
    }
    let reference = iamc()
        .args(["eval", "--engine", "reference", "--cases"])
        .arg(&path)
        .output()
        .unwrap();
    let compiled = iamc()
        .args(["eval", "--cases"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(compiled.stdout, reference.stdout);
    assert!(err.contains("39 cases, 4 errors"), "{err}");
}

#[test]
fn eval_statuses_and_precedence() {
    let (code, _, _) = eval_lines(&case_file("eval-clean", &[GOOD]));
    assert_eq!(code, Some(0));
    let (code, _, err) = eval_lines(&case_file("eval-mismatch", &[GOOD, WRONG]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("1 disagrees with `expect`: wrong"), "{err}");
    // An error and a disagreement: the error (1) wins.
    let (code, _, _) = eval_lines(&case_file("eval-both", &[WRONG, b"{"]));
    assert_eq!(code, Some(1));
    // A file that cannot be read at all.
    let o = run(&["eval", "--cases", "no-such-file.jsonl"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn diff_error_wins_over_gained_access() {
    let dir = scratch("diff-precedence");
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/data/diff/account-grant.json")).unwrap(),
    )
    .unwrap();
    let roles = doc["RoleDetailList"].as_array_mut().unwrap();
    let mut broken = roles[1].clone();
    broken["RoleName"] = "Broken".into();
    broken["Arn"] = "arn:aws:iam::444455556666:role/Broken".into();
    broken["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Effect"] = "Permit".into();
    roles.push(broken);
    let new = dir.join("account-grant-broken.json");
    std::fs::write(&new, serde_json::to_string(&doc).unwrap()).unwrap();
    let o = iamc()
        .arg("diff")
        .arg("tests/data/diff/account-old.json")
        .arg(&new)
        .args(["--variants", "100", "--threads", "2", "--format", "json"])
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(d["gained"].as_u64().unwrap() > 0, "{d:#}");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Permit"), "{}", stderr(&o));
}

#[test]
fn audit_error_wins_over_findings_at_fail_on() {
    let dir = scratch("audit-precedence");
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("examples/account.json")).unwrap(),
    )
    .unwrap();
    let roles = doc["RoleDetailList"].as_array_mut().unwrap();
    assert_eq!(roles[3]["RoleName"], "BoundedEngineer");
    roles[3]["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Effect"] = "Permit".into();
    let account = dir.join("account.json");
    std::fs::write(&account, serde_json::to_string(&doc).unwrap()).unwrap();
    let audit = |extra: &[&str]| {
        iamc()
            .arg("audit")
            .arg(&account)
            .arg("--out")
            .arg(dir.join("out"))
            .args(["--variants", "20", "--threads", "2", "--quiet"])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = audit(&["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("Permit"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("at or above `low` (--fail-on)"),
        "findings are still reported: {}",
        stderr(&o)
    );
    // The same account without the error: the findings decide (2).
    let fixed = std::fs::read_to_string(repo().join("examples/account.json")).unwrap();
    std::fs::write(&account, fixed).unwrap();
    let o = audit(&["--fail-on", "low"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = audit(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}
