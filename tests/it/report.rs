//! Report writers: the eight files exist, parse back, escape user input, are written atomically,
//! and `report.html` renders in headless Chromium (when installed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use iamc::audit::{
    AccountResult, ActionCoverage, AuditError, AuditResult, Class, InputFile, LevelCounts,
    PassRoleTarget, PrincipalResult, Stats, Status,
};
use iamc::catalog::AccessLevel;
use iamc::report::{self, ReportError};

const XSS_NAME: &str = "<script>alert('x')</script>";
const ODD_KEY: &str = "aws:RequestTag/team,\"ml\"";

/// A fresh directory under Cargo's per-target scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cell(action: &str, level: AccessLevel, allowed: u64, total: u64) -> ActionCoverage {
    let class = Class::of(allowed, total);
    let conditional = class == Class::Conditional;
    ActionCoverage {
        action: action.to_owned(),
        access_level: level,
        allowed,
        total,
        class,
        deciding_keys: if conditional {
            vec![ODD_KEY.to_owned(), "resource".to_owned()]
        } else {
            Vec::new()
        },
        conditions: if conditional {
            vec!["StringEquals aws:RequestTag/team [ml]".to_owned()]
        } else {
            Vec::new()
        },
        other_account_allowed: 0,
        other_account_total: 4,
        approximate: conditional,
        approximate_reason: None,
        condition: conditional.then(|| iamc::audit::CellCondition {
            text: "aws:RequestTag/team = ml".to_owned(),
            guardrails: "always".to_owned(),
            own: "aws:RequestTag/team = ml".to_owned(),
            within_guardrails: false,
        }),
        allowed_witness: None,
        denied_witness: None,
    }
}

fn by_level(actions: &[ActionCoverage]) -> BTreeMap<AccessLevel, LevelCounts> {
    let mut m = BTreeMap::new();
    for a in actions {
        let c: &mut LevelCounts = m.entry(a.access_level).or_default();
        match a.class {
            Class::Always => c.always += 1,
            Class::Conditional => c.conditional += 1,
            Class::Never => c.never += 1,
        }
    }
    m
}

/// (action, level, allowed) for the two evaluated principals, out of 8 requests each.
const ACTIONS: [(&str, AccessLevel, u64, u64); 8] = [
    ("sagemaker:ListModels", AccessLevel::List, 8, 8),
    ("sagemaker:ListTrainingJobs", AccessLevel::List, 8, 0),
    ("sagemaker:DescribeModel", AccessLevel::Read, 8, 3),
    ("sagemaker:CreateTrainingJob", AccessLevel::Write, 8, 5),
    ("sagemaker:DeleteModel", AccessLevel::Write, 0, 0),
    (
        "sagemaker:PutModelPackageGroupPolicy",
        AccessLevel::PermissionsManagement,
        8,
        0,
    ),
    ("sagemaker:AddTags", AccessLevel::Tagging, 4, 0),
    ("sagemaker:DeleteTags", AccessLevel::Tagging, 0, 0),
];

fn principal(
    name: &str,
    kind: &str,
    pick: impl Fn(&(&str, AccessLevel, u64, u64)) -> u64,
) -> PrincipalResult {
    let actions: Vec<ActionCoverage> = ACTIONS.iter().map(|a| cell(a.0, a.1, pick(a), 8)).collect();
    PrincipalResult {
        name: name.to_owned(),
        arn: format!("arn:aws:iam::123456789012:{kind}/{name}"),
        kind: kind.to_owned(),
        path: "/".to_owned(),
        status: Status::Ok,
        errors: Vec::new(),
        group: Some(0),
        policies: vec!["managed:arn:aws:iam::aws:policy/AmazonSageMakerFullAccess".to_owned()],
        by_level: by_level(&actions),
        actions: actions.into(),
        passrole: Vec::new().into(),
    }
}

fn sample() -> AuditResult {
    let mut admin = principal("ml-admin", "role", |a| a.2);
    admin.passrole = vec![PassRoleTarget {
        role: "arn:aws:iam::123456789012:role/SageMakerExec".to_owned(),
        class: Class::Always,
        trusts_sagemaker: true,
    }]
    .into();
    let mut scientist = principal(XSS_NAME, "user", |a| a.3);
    scientist.group = Some(1);
    let broken_err = AuditError {
        file: "gaad.json".to_owned(),
        principal: Some("arn:aws:iam::123456789012:role/broken".to_owned()),
        pointer: "/RoleDetailList/2/RolePolicyList/0/PolicyDocument/Statement/0/Effect".to_owned(),
        message: "invalid effect `Alow` <b>bold</b>".to_owned(),
    };
    let broken = PrincipalResult {
        name: "broken".to_owned(),
        arn: "arn:aws:iam::123456789012:role/broken".to_owned(),
        kind: "role".to_owned(),
        path: "/".to_owned(),
        status: Status::Error,
        errors: vec![broken_err.clone()],
        group: None,
        policies: Vec::new(),
        by_level: BTreeMap::new(),
        actions: Vec::new().into(),
        passrole: Vec::new().into(),
    };
    AuditResult {
        iamc_version: "0.1.0".to_owned(),
        inputs: vec![InputFile {
            path: "gaad.json".to_owned(),
            kind: "gaad".to_owned(),
            bytes: 12_345,
        }],
        accounts: vec![AccountResult {
            id: "123456789012".to_owned(),
            file: "gaad.json".to_owned(),
            principals: vec![admin, scientist, broken],
        }],
        errors: vec![broken_err],
        findings: Vec::new(),
        stats: Stats {
            principals: 3,
            principals_with_errors: 1,
            groups: 2,
            actions: 8,
            requests: 64,
            decisions: 128,
            engine_decisions: 96,
            principal_decisions: 128,
            evaluation_seconds: 0.002,
            coverage_seconds: 0.0015,
            findings_seconds: 0.0004,
            wall_seconds: 0.01,
            decisions_per_second: 64_000.0,
            threads: 4,
            seed: 42,
            variants_per_action: 8,
            exact_cells: 10,
            approximate_cells: 2,
            analysis_cpu_seconds: 0.001,
        },
        least_privilege: None,
        policy_warnings: Vec::new(),
    }
}

/// A tiny RFC 4180 reader: CRLF or LF record ends, quoted fields with doubled quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                assert!(field.is_empty(), "quote inside an unquoted field");
                quoted = true;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => assert_eq!(chars.next(), Some('\n'), "bare CR"),
            '\n' => {}
            c => field.push(c),
        }
        if c == '\r' || c == '\n' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(!quoted, "unterminated quoted field");
    assert!(
        field.is_empty() && row.is_empty(),
        "last record lacks its line end"
    );
    rows
}

fn write_sample(name: &str) -> (PathBuf, Vec<PathBuf>) {
    let dir = scratch(name).join("out");
    let written = report::write_all(&sample(), &dir).unwrap();
    (dir, written)
}

#[test]
fn writes_four_files() {
    let (dir, written) = write_sample("four");
    let names: Vec<_> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "coverage.csv",
            "coverage-cells.csv",
            "coverage-actions.csv",
            "coverage.json",
            "summary.json",
            "report.html",
            "findings.json",
            "findings.sarif"
        ]
    );
    for p in &written {
        assert!(p.starts_with(&dir) && p.is_file(), "{}", p.display());
        eprintln!(
            "{}: {} bytes",
            p.display(),
            std::fs::metadata(p).unwrap().len()
        );
    }
    assert_no_temp_files(&dir);
}

#[test]
fn csv_parses_back() {
    let (dir, _) = write_sample("csv");
    let read = |name: &str| parse_csv(&std::fs::read_to_string(dir.join(name)).unwrap());
    let rows = read("coverage.csv");
    let header: Vec<&str> = report::csv::MATRIX_HEADER
        .into_iter()
        .chain(ACTIONS.iter().map(|a| a.0))
        .collect();
    assert_eq!(rows[0], header);
    assert_eq!(rows.len(), 1 + 3, "one row per principal");
    assert!(rows.iter().all(|r| r.len() == 7 + 8));
    let col = |action: &str| header.iter().position(|h| *h == action).unwrap();
    let find = |principal: &str| {
        rows.iter()
            .find(|r| r[1] == principal)
            .unwrap_or_else(|| panic!("no row {principal}"))
    };
    let admin = find("ml-admin");
    assert_eq!(
        admin[..7],
        [
            "123456789012",
            "ml-admin",
            "role",
            "arn:aws:iam::123456789012:role/ml-admin",
            "0",
            "ok",
            ""
        ]
    );
    assert_eq!(admin[col("sagemaker:PutModelPackageGroupPolicy")], "A");
    assert_eq!(admin[col("sagemaker:DeleteModel")], "N");
    let scientist = find(XSS_NAME);
    assert_eq!(scientist[4], "1");
    // A sampled conditional cell.
    assert_eq!(scientist[col("sagemaker:DescribeModel")], "C~");
    assert_eq!(scientist[col("sagemaker:DeleteModel")], "N");
    let broken = find("broken");
    assert_eq!((broken[4].as_str(), broken[5].as_str()), ("", "error"));
    assert!(broken[6].contains("invalid effect `Alow`"));
    assert!(broken[7..].iter().all(String::is_empty));

    // The scientist's conditional cells, with their counts, keys and condition; nothing of the
    // admin's (all Always or Never with the default counts).
    let cells = read("coverage-cells.csv");
    assert_eq!(cells[0], report::csv::CELLS_HEADER);
    assert_eq!(cells.len(), 1 + 3, "{cells:?}");
    let r = cells
        .iter()
        .find(|r| r[2] == "sagemaker:DescribeModel")
        .unwrap();
    assert_eq!(
        r[..],
        [
            "123456789012",
            "1",
            "sagemaker:DescribeModel",
            "Conditional",
            "true",
            "3",
            "8",
            &format!("{ODD_KEY}; resource"),
            "aws:RequestTag/team = ml"
        ]
    );

    let actions = read("coverage-actions.csv");
    assert_eq!(actions[0], report::csv::ACTIONS_HEADER);
    assert_eq!(actions.len(), 1 + 8);
    let r = actions
        .iter()
        .find(|r| r[1] == "sagemaker:PutModelPackageGroupPolicy")
        .unwrap();
    assert_eq!(
        r[..],
        [
            "123456789012",
            "sagemaker:PutModelPackageGroupPolicy",
            "Permissions management",
            "8",
            "1",
            "0",
            "1"
        ]
    );
}

/// Every principal × action cell, every principal's cells and pass-role list, and every finding
/// are recovered from the new shapes (the checks the `report_render` fuzz target runs).
#[test]
fn reports_lose_nothing() {
    for (name, r) in [("sample", sample()), ("large", large())] {
        let matrix = report::csv::render(&r);
        let cells = report::csv::render_cells(&r);
        let actions = report::csv::render_actions(&r);
        crate::gen_report::check_csv_lossless(&r, &matrix, &cells, &actions)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        crate::gen_report::check_coverage_json_lossless(&r, &report::json::coverage(&r).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        crate::gen_report::check_findings_lossless(
            &r,
            &report::findings::render(&r, &report::Extras::default()).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // A changed cell is noticed.
    let mut r = sample();
    let cells = report::csv::render_cells(&r);
    let (matrix, actions) = (report::csv::render(&r), report::csv::render_actions(&r));
    let mut changed = (*r.accounts[0].principals[1].actions).clone();
    changed[2].allowed = 4;
    r.accounts[0].principals[1].actions = changed.into();
    assert!(crate::gen_report::check_csv_lossless(&r, &matrix, &cells, &actions).is_err());
}

/// The coverage reports grow with the groups, not with principals × actions: ten times the
/// principals in the same groups add one short row per principal to `coverage.csv`, a member
/// ARN per principal to `coverage.json`, and nothing to `coverage-cells.csv`.
#[test]
fn sizes_scale_per_group() {
    let sized = |per_group: usize| {
        let mut r = large();
        let template: Vec<PrincipalResult> = r.accounts[0].principals.clone();
        let mut principals = Vec::new();
        for copy in 0..per_group {
            for p in &template {
                let mut p = p.clone();
                if copy > 0 {
                    p.name = format!("{}-{copy}", p.name);
                    p.arn = format!("{}-{copy}", p.arn);
                }
                principals.push(p);
            }
        }
        r.accounts[0].principals = principals;
        (
            report::csv::render(&r).len(),
            report::csv::render_cells(&r).len(),
            report::json::coverage(&r).unwrap().len(),
            r.accounts[0].principals.len(),
        )
    };
    let (m1, c1, j1, n1) = sized(1);
    let (m10, c10, j10, n10) = sized(10);
    let added = (n10 - n1) as f64;
    eprintln!(
        "{n1} → {n10} principals: coverage.csv {m1} → {m10}, coverage-cells.csv {c1} → {c10}, \
         coverage.json {j1} → {j10}"
    );
    assert_eq!(c1, c10, "the cells are per group");
    // One row per principal: about two bytes per action.
    assert!(
        (m10 - m1) as f64 / added < 460.0 * 2.0 + 200.0,
        "coverage.csv grows {} bytes per principal",
        (m10 - m1) as f64 / added
    );
    // The principal's own entry and its ARN among the members: no cells.
    assert!(
        (j10 - j1) as f64 / added < 800.0,
        "coverage.json grows {} bytes per principal",
        (j10 - j1) as f64 / added
    );
    // Within a spreadsheet's limits.
    let r = large();
    for text in [report::csv::render(&r), report::csv::render_cells(&r)] {
        let rows = parse_csv(&text);
        assert!(rows.len() <= report::csv::MAX_ROWS);
        assert!(rows[0].len() <= report::csv::MAX_COLUMNS);
    }
}

#[test]
fn json_round_trips() {
    let (dir, _) = write_sample("json");
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let coverage = read("coverage.json");
    let sample = sample();
    let whole = serde_json::to_value(&sample).unwrap();
    let account = &coverage["accounts"][0];
    assert_eq!(account["principals"][1]["name"], XSS_NAME);
    assert_eq!(account["principals"][2]["status"], "error");
    assert!(
        account["principals"][0].get("actions").is_none(),
        "cells live in groups"
    );
    // A group's cells are stored once: those of its first member (members of one group share
    // their cells in real results).
    for (i, p) in sample.accounts[0].principals.iter().enumerate() {
        assert_eq!(
            account["principals"][i]["by_level"],
            whole["accounts"][0]["principals"][i]["by_level"]
        );
        let Some(g) = p.group else { continue };
        let doc = account["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["group"] == g)
            .unwrap();
        assert!(
            doc["members"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == &p.arn)
        );
        if doc["members"][0] == p.arn.as_str() {
            let cells: Vec<serde_json::Value> = doc["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| account["cells"][k.as_u64().unwrap() as usize].clone())
                .collect();
            assert_eq!(
                serde_json::Value::Array(cells),
                whole["accounts"][0]["principals"][i]["actions"]
            );
        }
    }
    assert_eq!(coverage["stats"], whole["stats"]);
    assert_eq!(coverage["errors"], whole["errors"]);

    let s = read("summary.json");
    assert_eq!(s["iamc_version"], "0.1.0");
    assert_eq!(s["inputs"][0]["bytes"], 12_345);
    let counts = &s["counts"];
    assert_eq!(counts["accounts"], 1);
    assert_eq!(counts["principals"], 3);
    assert_eq!(counts["principals_with_errors"], 1);
    assert_eq!(counts["groups"], 2);
    assert_eq!(counts["actions"], 8);
    assert_eq!(counts["requests"], 64);
    assert_eq!(counts["decisions"], 128);
    assert_eq!(counts["principal_decisions"], 128);
    assert_eq!(s["errors"].as_array().unwrap().len(), 1);
    assert_eq!(s["errors"][0]["pointer"], sample.errors[0].pointer);
    assert_eq!(s["timing"]["threads"], 4);
    assert_eq!(s["timing"]["decisions_per_second"], 64_000.0);
    assert_eq!(s["seed"], 42);
    assert_eq!(s["variants_per_action"], 8);
    // ml-admin: 5 Always, 1 Conditional, 2 Never; the scientist: 1, 2, 5 (see ACTIONS).
    assert_eq!(
        s["classes"],
        serde_json::json!({"Always": 6, "Conditional": 3, "Never": 7})
    );
    assert_eq!(
        s["by_level"]["Tagging"],
        serde_json::json!({"always": 0, "conditional": 1, "never": 3})
    );
    assert_eq!(
        s["by_level"]["Permissions management"],
        serde_json::json!({"always": 1, "conditional": 0, "never": 1})
    );
    assert_eq!(s["by_level"].as_object().unwrap().len(), 5);
}

/// The GAAD text the sample's finding points into: a role whose inline policy has a hostile
/// name and two statements; the finding's statement is the second.
fn sample_gaad() -> String {
    serde_json::json!({
        "RoleDetailList": [{
            "RoleName": "ml-admin",
            "RolePolicyList": [{
                "PolicyName": XSS_NAME,
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "ReadOnly", "Effect": "Allow", "Action": "sagemaker:Describe*",
                     "Resource": "*"},
                    {"Sid": "</script><!--Notebooks", "Effect": "Allow",
                     "Action": ["sagemaker:CreateNotebookInstance", "iam:PassRole"],
                     "Resource": "*"}
                ]}
            }]
        }]
    })
    .to_string()
}

/// The sample with one cause: a notebook pass-role path affecting five principals (two of them
/// audited), whose statement is in `gaad.json` (text: [`sample_gaad`]).
fn sample_with_finding(gaad: &str) -> AuditResult {
    use iamc::audit::{Finding, FindingKind, Severity, StatementRef};
    let mut r = sample();
    r.accounts[0].file = gaad.to_owned();
    let admin = r.accounts[0].principals[0].arn.clone();
    let user = r.accounts[0].principals[1].arn.clone();
    let mut principals = vec![admin.clone(), user];
    for i in 0..3 {
        principals.push(format!("arn:aws:iam::123456789012:role/other-{i}"));
    }
    let st = StatementRef {
        policy: format!("inline:{XSS_NAME}"),
        file: gaad.to_owned(),
        pointer: "/RoleDetailList/0/RolePolicyList/0/PolicyDocument/Statement/1".to_owned(),
        statement: "</script><!--Notebooks".to_owned(),
        effect: "Allow".to_owned(),
    };
    r.findings = vec![Finding {
        rule: "sagemaker-notebook-passrole".to_owned(),
        kind: FindingKind::Escalation,
        severity: Severity::High,
        title: "new notebook instance with a passed role".to_owned(),
        message: "a Jupyter terminal running as <b>the passed role</b>".to_owned(),
        account: "123456789012".to_owned(),
        principal: admin,
        principal_count: principals.len(),
        principals,
        principal_details: Vec::new(),
        actions: vec![
            "sagemaker:CreateNotebookInstance".to_owned(),
            "iam:PassRole".to_owned(),
        ],
        target_role: Some("arn:aws:iam::123456789012:role/SageMakerExec".to_owned()),
        other_targets: Vec::new(),
        statements: vec![st],
        conditions: Vec::new(),
        witness: None,
        fingerprint: "0123456789abcdef".to_owned(),
        suppressed: None,
        chain: Vec::new(),
    }];
    r
}

/// The text of the page's data element.
fn data_element(html: &str) -> &str {
    let open = "<script type=\"application/json\" id=\"iamc-data\">";
    let at = html.find(open).expect("data element") + open.len();
    let len = html[at..].find("</script>").expect("data element closed");
    &html[at..at + len]
}

#[test]
fn html_escapes_and_shows_everything() {
    let (dir, _) = write_sample("html");
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(!html.contains("<script>alert"), "unescaped principal name");
    assert!(!html.contains("<b>bold</b>"), "unescaped error message");
    assert!(html.contains("invalid effect `Alow` &lt;b&gt;bold&lt;/b&gt;"));
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the data and the script"
    );
    assert_eq!(html.matches("</script>").count(), 2);
    for tag in ["<link", "<img", "<iframe", "@import", "src=", "url("] {
        assert!(!html.contains(tag), "loads nothing: {tag}");
    }
    // Sections, in order: risks first, then who can do what.
    let at = |id: &str| {
        html.find(&format!("<section id=\"{id}\""))
            .unwrap_or_else(|| panic!("section {id}"))
    };
    assert!(at("fix-first") < at("findings"));
    assert!(at("findings") < at("principals"));
    assert!(at("principals") < at("matrix"));
    assert!(at("matrix") < at("errors"));
    assert!(at("errors") < at("stats"));
    assert!(html.contains("card bad"), "error count in red");

    // The data: valid JSON without markup, every principal, one cell set per group.
    let data = data_element(&html);
    assert!(!data.contains('<') && !data.contains('>'), "escaped data");
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["p"].as_array().unwrap().len(), 3);
    assert_eq!(v["p"][1]["n"], XSS_NAME, "names survive, escaped as JSON");
    assert_eq!(v["p"][2]["g"], -1, "not evaluated");
    assert_eq!(
        v["g"].as_array().unwrap().len(),
        2,
        "two distinct cell sets"
    );
    // Write columns come before List columns.
    let cols = v["cols"].as_array().unwrap();
    let levels = v["levels"].as_array().unwrap();
    let level_of = |a: &str| {
        let c = cols.iter().find(|c| c[0] == a).unwrap();
        levels[c[1].as_u64().unwrap() as usize]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let pos = |a: &str| cols.iter().position(|c| c[0] == a).unwrap();
    assert_eq!(level_of("sagemaker:CreateTrainingJob"), "Write");
    assert!(pos("sagemaker:CreateTrainingJob") < pos("sagemaker:DescribeModel"));
    assert!(pos("sagemaker:DescribeModel") < pos("sagemaker:ListModels"));
    // The Conditional cell's deciding keys and condition, through the string table.
    let strings: Vec<&str> = v["s"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(strings.iter().any(|s| s.contains(ODD_KEY)));
    assert!(strings.contains(&"arn:aws:iam::123456789012:role/SageMakerExec"));
}

#[test]
fn html_findings_link_out_and_show_their_policy_text() {
    let dir = scratch("html-findings");
    let gaad = dir.join("gaad.json");
    std::fs::write(&gaad, sample_gaad()).unwrap();
    let r = sample_with_finding(gaad.to_str().unwrap());
    let html = report::html::render(&r);
    assert!(!html.contains("<script>alert") && !html.contains("<b>the passed"));
    assert_eq!(
        html.matches("</script>").count(),
        2,
        "no script closed early"
    );
    // Fix first, then the row: write-ups and documentation links.
    assert!(html.contains("Fix these 1 statement to remove 5 of the 5 high findings"));
    assert!(html.contains("href=\"https://pathfinding.cloud/paths/sagemaker-001\""));
    assert!(html.contains(
        "href=\"https://docs.aws.amazon.com/service-authorization/latest/reference/\
         list_amazonsagemaker.html#amazonsagemaker-CreateNotebookInstance\""
    ));
    assert!(html.contains("#awsidentityandaccessmanagementiam-PassRole\""));
    assert!(
        html.contains("data-pf=\"0\">and 2 more</button>"),
        "collapsed principals"
    );
    assert!(
        html.contains("href=\"#p0\""),
        "audited principals link to their details"
    );
    // The policy document, once, with the statement's place.
    let data = data_element(&html);
    assert!(!data.contains('<'), "no markup in the data");
    let v: serde_json::Value = serde_json::from_str(data).unwrap();
    let docs = v["docs"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0][0][0], format!("inline:{XSS_NAME}"));
    let text: Vec<u16> = docs[0][2].as_str().unwrap().encode_utf16().collect();
    let st = html
        .split("data-st=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let n: Vec<usize> = st.split(',').map(|x| x.parse().unwrap()).collect();
    assert_eq!(n[0], 0);
    let stmt = String::from_utf16(&text[n[1]..n[2]]).unwrap();
    assert!(stmt.starts_with('{') && stmt.ends_with('}'), "{stmt}");
    assert!(stmt.contains("CreateNotebookInstance") && !stmt.contains("ReadOnly"));
    // Both principals of the account carry the finding, with its severity.
    assert_eq!(v["p"][0]["f"], serde_json::json!([0]));
    assert_eq!(v["p"][1]["v"], serde_json::json!([0, 1, 0, 0]));
    assert!(v["p"][2].get("f").is_none());
}

#[test]
fn an_unusable_directory_is_named_and_nothing_changes() {
    let dir = scratch("atomic");
    report::write_all(&sample(), &dir).unwrap();
    let before: Vec<(String, Vec<u8>)> = ["coverage.json", "report.html"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
        .collect();
    // A report's name taken by something that is not a report: refused before anything is
    // written, and the error names it.
    std::fs::remove_file(dir.join("summary.json")).unwrap();
    std::fs::create_dir_all(dir.join("summary.json").join("x")).unwrap();
    let err = report::write_all(&sample(), &dir).unwrap_err();
    assert!(matches!(err, ReportError::OutDir { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&dir.display().to_string()), "{msg}");
    assert!(msg.contains("`summary.json`"), "{msg}");
    assert_no_temp_files(&dir);
    for (name, bytes) in before {
        assert_eq!(std::fs::read(dir.join(&name)).unwrap(), bytes, "{name}");
    }

    // An output directory that cannot be created.
    let file = dir.join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = report::write_all(&sample(), &file.join("out")).unwrap_err();
    assert!(err.to_string().contains("plain-file"), "{err}");
}

#[test]
fn overwrites_atomically() {
    let (dir, _) = write_sample("overwrite");
    report::write_all(&sample(), &dir).unwrap();
    assert_no_temp_files(&dir);
}

fn assert_no_temp_files(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.contains(".tmp"), "temporary file left: {name}");
    }
    // Nor a staging directory beside it.
    let mine = format!(
        ".{}.iamc-staging.",
        dir.file_name().unwrap().to_string_lossy()
    );
    for e in std::fs::read_dir(dir.parent().unwrap()).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(&mine), "staging left: {name}");
    }
}

/// A realistic-size result: 460 actions × 300 principals, to keep the HTML size in check.
fn large() -> AuditResult {
    let levels = [
        (AccessLevel::List, 60),
        (AccessLevel::Read, 170),
        (AccessLevel::Write, 200),
        (AccessLevel::PermissionsManagement, 10),
        (AccessLevel::Tagging, 20),
    ];
    let mut actions = Vec::new();
    for (level, n) in levels {
        for i in 0..n {
            actions.push((
                format!("sagemaker:{level:?}SomeResourceAction{i:03}"),
                level,
            ));
        }
    }
    let mut r = sample();
    let mut principals = Vec::new();
    for p in 0..300u64 {
        let cells: Vec<ActionCoverage> = actions
            .iter()
            .enumerate()
            .map(|(i, (a, l))| {
                let i = i as u64;
                // Admin-like (all but Tagging), partial, conditional, nothing: some Tagging
                // columns end up Never for everyone.
                let allowed = match (p % 4, i.is_multiple_of(3), i.is_multiple_of(7)) {
                    (0, _, _) if *l != AccessLevel::Tagging => 24,
                    (1, true, _) => 24,
                    (2, _, true) => 10,
                    _ => 0,
                };
                cell(a, *l, allowed, 24)
            })
            .collect();
        principals.push(PrincipalResult {
            by_level: by_level(&cells),
            actions: cells.into(),
            // Principals with the same cells share a group, as in a real result.
            group: Some((p % 4) as usize),
            ..principal(&format!("role-{p:03}-ExampleServiceRole"), "role", |_| 0)
        });
    }
    r.accounts[0].principals.splice(0..2, principals);
    r.stats.principals = 301;
    r.stats.actions = actions.len();
    r
}

#[test]
fn large_html_stays_small() {
    let r = large();
    let html = report::html::render(&r);
    let csv = report::csv::render(&r);
    eprintln!(
        "460 actions x 300 principals: report.html {} bytes, coverage.csv {} bytes",
        html.len(),
        csv.len()
    );
    assert!(
        html.len() < 8_000_000,
        "report.html is {} bytes",
        html.len()
    );
    let dir = scratch("large");
    report::write_all(&r, &dir).unwrap();
}

#[test]
fn chromium_renders_report() {
    let Some(chromium) = chromium() else {
        eprintln!("SKIP: chromium not installed (apt-get install chromium)");
        return;
    };
    let dir = scratch("chromium");
    let gaad = dir.join("gaad.json");
    std::fs::write(&gaad, sample_gaad()).unwrap();
    let out = dir.join("out");
    report::write_all(&sample_with_finding(gaad.to_str().unwrap()), &out).unwrap();
    let page = out.join("report.html");
    let shot = dir.join("shot.png");
    screenshot(&chromium, &dir, &page, "", &shot);
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    eprintln!("screenshot {} ({size} bytes)", shot.display());
    assert!(size > 10_000, "screenshot is only {size} bytes");

    // What the script drew: the principals table (riskiest first), the access matrix (one row
    // per cell set, Write columns first), and with `#p0` the first principal's details.
    let dom = dump_dom(&chromium, &dir, &page, "#p0");
    assert!(
        dom.contains("data-ready-ms=\""),
        "the script ran to its end"
    );
    assert!(!dom.contains("<script>alert"), "names stay text");
    // Rows drawn (the script's own source holds the markers too, never followed by a digit).
    let rows = |marker: &str| {
        dom.split(marker)
            .skip(1)
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .count()
    };
    assert_eq!(rows("<tr data-i=\""), 3, "one row per principal");
    let first = dom.find("<tbody><tr data-i=\"").unwrap() + "<tbody>".len();
    assert!(
        dom[first..].starts_with("<tr data-i=\"0\"")
            || dom[first..].starts_with("<tr data-i=\"1\""),
        "principals with the high finding first"
    );
    assert_eq!(rows("<tr data-g=\""), 2, "one matrix row per cell set");
    let write = dom.find("<div>Write</div>").expect("Write column group");
    let list = dom.find("<div>List</div>").expect("List column group");
    assert!(write < list, "Write before List");
    let detail = &dom[dom.find("<div class=\"pd\">").expect("details of #p0")..];
    assert!(detail.contains("arn:aws:iam::123456789012:role/ml-admin"));
    assert!(
        detail.contains("sagemaker-notebook-passrole"),
        "its finding"
    );
    assert!(detail.contains("SageMakerExec"), "its pass-role target");
    assert!(
        detail.contains("#amazonsagemaker-ListModels\""),
        "action documentation"
    );

    // A finding's policy text, with its statement highlighted.
    let dom = dump_dom(&chromium, &dir, &page, "#open-policies");
    let mark = &dom[dom.find("<mark>").expect("highlighted statement")..];
    let mark = &mark[..mark.find("</mark>").unwrap()];
    assert!(mark.contains("sagemaker:CreateNotebookInstance"), "{mark}");
    assert!(mark.contains("&lt;/script&gt;&lt;!--Notebooks"), "{mark}");
    assert!(!mark.contains("ReadOnly"), "only the responsible statement");
}

/// The DOM after the page's script ran (`--dump-dom`), for `html` plus `fragment`.
fn dump_dom(chromium: &Path, dir: &Path, html: &Path, fragment: &str) -> String {
    let out = run_chromium(chromium, dir, html, fragment, "--dump-dom");
    String::from_utf8(out).unwrap()
}

/// `/usr/bin/chromium`, or `chromium` on `PATH`.
fn chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("chromium"))
        .find(|p| p.is_file())
}

/// Takes a screenshot of `html` (plus `fragment`) into `shot`.
fn screenshot(chromium: &Path, dir: &Path, html: &Path, fragment: &str, shot: &Path) {
    run_chromium(
        chromium,
        dir,
        html,
        fragment,
        &format!("--screenshot={}", shot.display()),
    );
}

/// Runs headless Chromium with `mode` on `html` (plus `fragment`), killing it after 90 s;
/// returns its standard output.
fn run_chromium(chromium: &Path, dir: &Path, html: &Path, fragment: &str, mode: &str) -> Vec<u8> {
    use std::io::Read;
    let profile = dir.join("profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(mode)
        .arg("--window-size=1400,1000")
        .arg(format!(
            "file://{}{fragment}",
            html.canonicalize().unwrap().display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium timed out");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// More action columns than a spreadsheet opens (extra `--catalog` services) is said in
/// `summary.json`'s warnings; the sample fits and says nothing.
#[test]
fn csv_over_the_spreadsheet_limits_is_a_warning() {
    assert!(report::csv::limit_warnings(&sample()).is_empty());
    let mut r = sample();
    let cells: Vec<ActionCoverage> = (0..report::csv::MAX_COLUMNS)
        .map(|i| cell(&format!("svc:Action{i}"), AccessLevel::Read, 8, 8))
        .collect();
    r.accounts[0].principals[0].actions = cells.into();
    let warnings = report::csv::limit_warnings(&r);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("`coverage.csv`"), "{warnings:?}");
    let summary: serde_json::Value =
        serde_json::from_str(&report::json::summary(&r).unwrap()).unwrap();
    assert_eq!(summary["warnings"][0], warnings[0].as_str());
}
