//! Dead and redundant statements end to end on a small GAAD fixture
//! (`tests/data/findings/dead-account.json`): shadowed, redundant, never-matching and no-effect
//! statements are reported with the right rule, witness and related statements; live statements,
//! statements outside the request space and the limits behave as documented in
//! `src/audit/findings/dead.rs`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{AuditResult, Finding, FindingKind, Severity};
use serde_json::{Value, json};

use crate::common::{repo, shared};

const ACCOUNT: &str = "123456789012";
const SHADOWED: &str = "dead-statement-shadowed";
const REDUNDANT: &str = "redundant-statement";
const NEVER: &str = "dead-statement-never-matches";
const NO_EFFECT: &str = "dead-statement-no-effect";
const SKIPPED: &str = "dead-statement-skipped";
const RULES: &[&str] = &[SHADOWED, REDUNDANT, NEVER, NO_EFFECT, SKIPPED];

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/data/findings").join(name)
}

fn config(files: Vec<PathBuf>, managed: Option<PathBuf>, threads: usize) -> AuditConfig {
    AuditConfig {
        gaad_files: files,
        scp_levels: Vec::new(),
        managed_dir: ManagedPolicyDir(managed),
        generator: GenConfig {
            variants: 150,
            ..GenConfig::default()
        },
        threads,
        progress: false,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail: Vec::new(),
        shared_space: None,
        account_scp_levels: Default::default(),
        graph: true,
    }
}

fn audit(cfg: &AuditConfig) -> AuditResult {
    let r = run_audit(cfg, Catalog::sagemaker_default()).unwrap();
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
    r
}

fn account() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| audit(&config(vec![fixture("dead-account.json")], None, 2)))
}

fn dead_findings<'r>(r: &'r AuditResult, role: &str) -> Vec<&'r Finding> {
    let arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    r.findings
        .iter()
        .filter(|f| f.affects(&arn) && f.kind == FindingKind::DeadStatement)
        .collect()
}

/// The dead-statement findings of a role, as (rule, Sid of the judged statement), sorted.
fn verdicts(role: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = dead_findings(account(), role)
        .iter()
        .map(|f| (f.rule.clone(), f.statements[0].statement.clone()))
        .collect();
    out.sort();
    out
}

fn expect(role: &str, want: &[(&str, &str)]) {
    let mut want: Vec<(String, String)> = want
        .iter()
        .map(|(r, s)| ((*r).to_owned(), (*s).to_owned()))
        .collect();
    want.sort();
    assert_eq!(
        verdicts(role),
        want,
        "{role}: {:#?}",
        dead_findings(account(), role)
    );
}

fn finding<'r>(role: &str, sid: &str) -> &'r Finding {
    let all = dead_findings(account(), role);
    let f: Vec<&&Finding> = all
        .iter()
        .filter(|f| f.statements[0].statement == sid)
        .collect();
    assert_eq!(f.len(), 1, "{role} {sid}: {all:#?}");
    f[0]
}

#[test]
fn every_dead_finding_is_low_and_names_its_statement() {
    let r = account();
    let dead: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DeadStatement)
        .collect();
    assert!(!dead.is_empty());
    for f in dead {
        assert!(RULES.contains(&f.rule.as_str()), "{f:#?}");
        assert_eq!(f.severity, Severity::Low, "{f:#?}");
        assert!(!f.statements.is_empty(), "{f:#?}");
        let s = &f.statements[0];
        assert!(s.pointer.contains("/Statement/"), "{f:#?}");
        // Every statement of the fixture is decided on the formula (no sampled verdict).
        assert!(
            f.message
                .contains("decided exactly over every request AWS can send"),
            "{}",
            f.message
        );
        assert!(
            f.actions
                .iter()
                .all(|a| a.starts_with("sagemaker:") || a == "iam:PassRole"),
            "{f:#?}"
        );
    }
}

#[test]
fn allow_shadowed_by_a_deny() {
    expect("Shadowed", &[(SHADOWED, "AllowTraining")]);
    let f = finding("Shadowed", "AllowTraining");
    assert_eq!(f.actions, ["sagemaker:CreateTrainingJob"]);
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.action, "sagemaker:CreateTrainingJob");
    assert_eq!(w.decision, "ExplicitlyDenied", "{w:?}");
    assert!(
        f.message
            .contains("explicitly denied by a Deny in the identity layer"),
        "{}",
        f.message
    );
    // The deny that shadows it is named after the statement itself.
    let sids: Vec<&str> = f.statements.iter().map(|s| s.statement.as_str()).collect();
    assert_eq!(sids, ["AllowTraining", "DenyTraining"]);
    assert_eq!(f.statements[1].effect, "Deny");
}

#[test]
fn allow_redundant_with_a_broader_allow() {
    // `All` grants what nothing else does; `DescribeOnly` and the SageMaker part of `Mixed` are
    // granted by `All` too; `S3Only` is outside the request space and never judged.
    expect(
        "Redundant",
        &[(REDUNDANT, "DescribeOnly"), (REDUNDANT, "Mixed")],
    );
    let f = finding("Redundant", "DescribeOnly");
    // Decided on the formula: no request to show, the statement alone is named.
    assert!(f.witness.is_none(), "{f:#?}");
    let sids: Vec<&str> = f.statements.iter().map(|s| s.statement.as_str()).collect();
    assert_eq!(sids, ["DescribeOnly"]);
    assert!(
        f.message.contains("audited actions (the first 20 listed)"),
        "{}",
        f.message
    );
    assert_eq!(f.actions.len(), 20);
    let mixed = finding("Redundant", "Mixed");
    assert_eq!(mixed.actions, ["sagemaker:ListTrainingJobs"]);
    assert!(
        mixed.message.contains("outside the audit"),
        "{}",
        mixed.message
    );
}

#[test]
fn conditional_allow_redundant_with_an_unconditional_one() {
    expect("ConditionalRedundant", &[(REDUNDANT, "SmallOnly")]);
    let f = finding("ConditionalRedundant", "SmallOnly");
    assert!(
        f.message
            .contains("also allowed by another statement of its layer"),
        "{}",
        f.message
    );
}

#[test]
fn identical_statements_in_two_policies_are_each_redundant() {
    let f = dead_findings(account(), "Twins");
    assert_eq!(f.len(), 2, "{f:#?}");
    let mut policies: Vec<&str> = f.iter().map(|f| f.statements[0].policy.as_str()).collect();
    policies.sort_unstable();
    assert_eq!(policies, ["inline:first", "inline:second"]);
    assert!(f.iter().all(|f| f.rule == REDUNDANT));
}

#[test]
fn statements_that_never_match() {
    // Conditions that cannot hold together, a key SageMaker never sends, a resource no SageMaker
    // resource type has, and S3 ARNs on a SageMaker action; `Train` is live.
    expect(
        "NeverMatches",
        &[
            (NEVER, "BogusType"),
            (NEVER, "Contradiction"),
            (NEVER, "NeverSent"),
            (NEVER, "OnlyS3Arns"),
        ],
    );
    for sid in ["BogusType", "Contradiction", "NeverSent", "OnlyS3Arns"] {
        let f = finding("NeverMatches", sid);
        assert!(f.witness.is_none(), "{f:#?}");
        assert_eq!(f.statements.len(), 1);
    }
    assert!(
        finding("NeverMatches", "OnlyS3Arns")
            .message
            .contains("outside the audit")
    );
}

#[test]
fn denies_without_effect() {
    // `DenyDelete`: nothing grants DeleteDomain. `NoBigEndpoints`: the only allow already
    // requires every instance type to be ml.t3.*. `DenyDescribeProd` takes away DescribeDomain on
    // prod domains that `Read` grants: live.
    expect(
        "DenyNoEffect",
        &[(NO_EFFECT, "DenyDelete"), (NO_EFFECT, "NoBigEndpoints")],
    );
    let f = finding("DenyNoEffect", "DenyDelete");
    let w = f.witness.as_ref().unwrap();
    assert_eq!(w.action, "sagemaker:DeleteDomain");
    assert_eq!(w.decision, "ExplicitlyDenied");
    assert!(
        f.message.contains("nothing allows the actions it covers"),
        "{}",
        f.message
    );
    let g = finding("DenyNoEffect", "NoBigEndpoints");
    let w = g.witness.as_ref().unwrap();
    let types = w
        .context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("sagemaker:InstanceTypes"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(types.iter().any(|t| t.starts_with("ml.p4")), "{w:?}");
}

#[test]
fn boundary_and_identity_statements_judge_each_other() {
    // Identity `Endpoints` is not allowed by the boundary; boundary `BoundDescribe` allows what
    // no identity statement grants. `Train` and `BoundTraining` are both needed.
    expect(
        "Bounded",
        &[(SHADOWED, "BoundDescribe"), (SHADOWED, "Endpoints")],
    );
    let e = finding("Bounded", "Endpoints");
    assert!(
        e.message.contains("not granted by the boundary layer"),
        "{}",
        e.message
    );
    let b = finding("Bounded", "BoundDescribe");
    assert!(b.statements[0].policy.starts_with("boundary:"), "{b:#?}");
    assert!(
        b.message.contains("not granted by the identity layer"),
        "{}",
        b.message
    );
}

#[test]
fn live_and_out_of_space_statements_are_not_reported() {
    expect("Live", &[]);
    expect("S3Only", &[]);
    expect("DeadExec", &[]);
}

#[test]
fn statement_refs_resolve_in_the_fixture() {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("dead-account.json")).unwrap())
            .unwrap();
    for f in account()
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DeadStatement)
    {
        for s in &f.statements {
            let st = doc.pointer(&s.pointer).unwrap_or_else(|| panic!("{s:?}"));
            assert_eq!(st["Sid"], s.statement.as_str(), "{s:?}");
            assert_eq!(st["Effect"], s.effect.as_str(), "{s:?}");
        }
    }
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let one = audit(&config(vec![fixture("dead-account.json")], None, 1));
    let dead = |r: &AuditResult| -> Vec<Finding> {
        r.findings
            .iter()
            .filter(|f| f.kind == FindingKind::DeadStatement)
            .cloned()
            .collect()
    };
    assert_eq!(dead(&one), dead(account()));
}

/// A scratch directory under Cargo's per-target space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("findings_dead")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn groups_with_too_many_statements_are_skipped_once() {
    let statements: Vec<Value> = (0..201)
        .map(|i| {
            json!({
                "Sid": format!("S{i}"),
                "Effect": "Allow",
                "Action": "sagemaker:CreateTrainingJob",
                "Resource": format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/job-{i}")
            })
        })
        .collect();
    let gaad = json!({
        "UserDetailList": [], "GroupDetailList": [], "Policies": [],
        "RoleDetailList": [{
            "Path": "/", "RoleName": "Huge", "RoleId": "AROAIAMCHUGE000000001",
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/Huge"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
                "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "huge", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": statements}}],
            "AttachedManagedPolicies": [], "Tags": []
        }]
    });
    let dir = scratch("huge");
    let file = dir.join("dead-huge.json");
    std::fs::write(&file, serde_json::to_string(&gaad).unwrap()).unwrap();
    let r = audit(&config(vec![file], None, 2));
    let dead: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DeadStatement)
        .collect();
    assert_eq!(dead.len(), 1, "{dead:#?}");
    assert_eq!(dead[0].rule, SKIPPED);
    assert!(
        dead[0]
            .message
            .contains("201 identity and boundary statements"),
        "{}",
        dead[0].message
    );
}

#[test]
fn cloudsplaining_example_dead_findings_only_judge_catalog_statements() {
    let Some(shared) = shared() else { return };
    let file = shared.join("data/gaad-samples/cloudsplaining-example.json");
    if !file.exists() {
        eprintln!("SKIP: {} is absent", file.display());
        return;
    }
    let managed = shared.join("data/managed-policies");
    let r = run_audit(
        &config(vec![file.clone()], Some(managed.clone()), 2),
        Catalog::sagemaker_default(),
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let catalog = Catalog::sagemaker_default();
    let mut by_rule: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for f in r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DeadStatement)
    {
        *by_rule.entry(f.rule.as_str()).or_default() += 1;
        if f.rule == SKIPPED {
            continue;
        }
        let s = &f.statements[0];
        // The statement is in the GAAD file or in a managed policy document of the directory.
        let st = if s.file == file.display().to_string() {
            doc.pointer(&s.pointer).cloned()
        } else {
            let d: Value =
                serde_json::from_str(&std::fs::read_to_string(&s.file).unwrap()).unwrap();
            d.pointer(&s.pointer).cloned()
        }
        .unwrap_or_else(|| panic!("{s:?}"));
        let (key, negated) = match (st.get("Action"), st.get("NotAction")) {
            (Some(a), _) => (a.clone(), false),
            (None, Some(a)) => (a.clone(), true),
            _ => panic!("{st}"),
        };
        let entries: Vec<String> = match key {
            Value::String(s) => vec![s],
            Value::Array(a) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
            other => panic!("{other}"),
        };
        let covers_catalog = catalog.actions_with_ids().any(|(_, a)| {
            let full = a.full_name().to_ascii_lowercase();
            let hit = entries.iter().any(|e| glob(&e.to_ascii_lowercase(), &full));
            hit != negated
        });
        assert!(covers_catalog, "{f:#?}\n{st}");
    }
    eprintln!("cloudsplaining-example dead-statement findings by rule: {by_rule:?}");
}

/// `*` and `?` glob over a whole action name.
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}
