//! The audit's classes from the exact analysis (issue 10): the thin slivers sampling misses are
//! `Conditional` with an engine-confirmed witness, a provably empty role is `Never`, a region
//! SCP reads "Always within the guardrails", and classes do not depend on `--variants` (the
//! example account, a small generated account, and the shared GAAD samples when present).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{ActionCoverage, AuditResult, Class, Status};
use iamc::audit::{AuditConfig, run_audit};
use iamc::eval::{Context, ContextValue, Decision, Request};
use iamc::{Policy, PolicyKind, PolicySet};
use serde_json::{Value, json};

use crate::common::{repo, shared};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("exact_audit")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(files: Vec<PathBuf>, scps: Vec<Vec<PathBuf>>, variants: usize) -> AuditConfig {
    AuditConfig {
        gaad_files: files,
        scp_levels: scps,
        managed_dir: ManagedPolicyDir::default(),
        generator: GenConfig {
            variants,
            ..GenConfig::default()
        },
        threads: 2,
        progress: false,
        principals: Vec::new(),
        services: Vec::new(),
        cloudtrail: Vec::new(),
        shared_space: None,
        account_scp_levels: Default::default(),
        graph: false,
    }
}

fn audit(cfg: &AuditConfig) -> AuditResult {
    run_audit(cfg, Catalog::sagemaker_default()).unwrap()
}

const ACCOUNT: &str = "111122223333";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A role with inline policies and an optional boundary (a managed policy of the file).
fn role(name: &str, inline: Value, boundary: Option<&str>) -> Value {
    let mut r = json!({
        "Path": "/", "RoleName": name, "RoleId": format!("AROA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        "CreateDate": "2025-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": doc(json!([{"Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}])),
        "InstanceProfileList": [],
        "RolePolicyList": [{"PolicyName": format!("{name}-inline"), "PolicyDocument": inline}],
        "AttachedManagedPolicies": [], "Tags": [], "RoleLastUsed": {}
    });
    if let Some(b) = boundary {
        r["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCOUNT}:policy/{b}")});
    }
    r
}

fn managed(name: &str, document: Value) -> Value {
    json!({"PolicyName": name, "PolicyId": format!("ANPA{}", name.to_uppercase()),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:policy/{name}"), "Path": "/",
        "DefaultVersionId": "v1", "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 1,
        "IsAttachable": true, "CreateDate": "2025-01-01T00:00:00+00:00",
        "UpdateDate": "2025-01-01T00:00:00+00:00",
        "PolicyVersionList": [{"Document": document, "VersionId": "v1",
            "IsDefaultVersion": true, "CreateDate": "2025-01-01T00:00:00+00:00"}]})
}

/// The fixtures: two thin slivers, an empty role, an unrestricted one (for the SCP).
fn fixture_account(dir: &Path) -> (PathBuf, PathBuf) {
    let kms = role(
        "KmsSliver",
        doc(json!([
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "arn:aws:kms:*:*:key/abc?-*"}}},
            {"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*-x*"}}}
        ])),
        None,
    );
    let instances = role(
        "InstanceSliver",
        doc(json!([
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": "ml.p*"},
                           "Null": {"sagemaker:InstanceTypes": "false"}}}
        ])),
        Some("Only24xlarge"),
    );
    let empty = role(
        "Empty",
        doc(json!([
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"},
                           "StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}}
        ])),
        None,
    );
    let open = role(
        "Open",
        doc(json!([{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}])),
        None,
    );
    let boundary = managed(
        "Only24xlarge",
        doc(json!([
            {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": "*.24xlarge"}}}
        ])),
    );
    let gaad = json!({"UserDetailList": [], "GroupDetailList": [],
        "RoleDetailList": [kms, instances, empty, open], "Policies": [boundary]});
    let file = dir.join("fixtures.json");
    std::fs::write(&file, serde_json::to_string_pretty(&gaad).unwrap()).unwrap();
    let scp = dir.join("scp-regions.json");
    let scp_doc = doc(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}
    ]));
    std::fs::write(&scp, scp_doc.to_string()).unwrap();
    (file, scp)
}

fn cell<'r>(r: &'r AuditResult, principal: &str, action: &str) -> &'r ActionCoverage {
    let p = r.accounts[0]
        .principals
        .iter()
        .find(|p| p.name == principal)
        .unwrap_or_else(|| panic!("no principal {principal}"));
    assert_eq!(p.status, Status::Ok, "{principal}: {:?}", p.errors);
    p.actions
        .iter()
        .find(|c| c.action == action)
        .unwrap_or_else(|| panic!("no cell {action}"))
}

/// The witness of a report, as a request the engine decides for the principal's policies.
fn decide(set: &PolicySet, w: &iamc::audit::Witness) -> Decision {
    let mut r = Request::new(&w.action, &w.resource).unwrap();
    for (k, v) in &w.context {
        let value =
            if v.len() == 1 && !Catalog::sagemaker_default().is_multivalued(&k.to_lowercase()) {
                ContextValue::Single(v[0].clone())
            } else {
                ContextValue::Multi(v.clone())
            };
        r.context.insert(k, value).unwrap();
    }
    let arena = bumpalo::Bump::new();
    let compiled = iamc::compile::Compiler::new(&arena, Catalog::sagemaker_default())
        .compile(set)
        .unwrap();
    compiled
        .evaluate_as(
            &iamc::eval::PreparedRequest::new(&r, Catalog::sagemaker_default()),
            &iamc::request::PreparedContext::new(&Context::new(), Catalog::sagemaker_default()),
        )
        .decision
}

fn parse(v: Value, kind: PolicyKind) -> Policy {
    Policy::parse(&v.to_string(), kind).unwrap()
}

#[test]
fn thin_slivers_are_conditional_with_confirmed_witnesses() {
    let dir = scratch("slivers");
    let (file, _) = fixture_account(&dir);
    // Few variants: sampling alone misses both slivers.
    let r = audit(&config(vec![file.clone()], Vec::new(), 20));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let gaad: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let inline =
        |i: usize| gaad["RoleDetailList"][i]["RolePolicyList"][0]["PolicyDocument"].clone();

    let kms = cell(&r, "KmsSliver", "sagemaker:CreateTrainingJob");
    assert_eq!(kms.class, Class::Conditional, "{kms:?}");
    assert!(!kms.approximate, "{kms:?}");
    let w = kms.allowed_witness.as_ref().expect("allowed witness");
    let key = &w.context["sagemaker:VolumeKmsKeyArn"][0];
    assert!(key.contains(":key/abc") && !key.contains("-x"), "{key}");
    let set = PolicySet::identity(vec![parse(inline(0), PolicyKind::Identity)]);
    assert_eq!(decide(&set, w), Decision::Allowed);
    let d = kms.denied_witness.as_ref().expect("denied witness");
    assert_ne!(decide(&set, d), Decision::Allowed);
    let text = &kms.condition.as_ref().expect("condition").text;
    assert!(text.contains("sagemaker:VolumeKmsKeyArn"), "{text}");

    let inst = cell(&r, "InstanceSliver", "sagemaker:CreateTrainingJob");
    assert_eq!(inst.class, Class::Conditional, "{inst:?}");
    assert!(!inst.approximate);
    let w = inst.allowed_witness.as_ref().expect("allowed witness");
    let types = &w.context["sagemaker:InstanceTypes"];
    assert!(
        types
            .iter()
            .all(|t| t.starts_with("ml.p") && t.ends_with(".24xlarge")),
        "{types:?}"
    );
    let mut set = PolicySet::identity(vec![parse(inline(1), PolicyKind::Identity)]);
    set.boundary = Some(vec![parse(
        gaad["Policies"][0]["PolicyVersionList"][0]["Document"].clone(),
        PolicyKind::Boundary,
    )]);
    assert_eq!(decide(&set, w), Decision::Allowed);

    let empty = cell(&r, "Empty", "sagemaker:CreateTrainingJob");
    assert_eq!(empty.class, Class::Never);
    assert!(!empty.approximate);
    assert!(empty.allowed_witness.is_none());
    assert!(empty.denied_witness.is_some());
    assert_eq!(r.stats.approximate_cells + r.stats.exact_cells, 4 * 461);
}

#[test]
fn a_region_scp_reads_always_within_the_guardrails() {
    let dir = scratch("guardrails");
    let (file, scp) = fixture_account(&dir);
    let r = audit(&config(vec![file], vec![vec![scp]], 20));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let c = cell(&r, "Open", "sagemaker:CreateTrainingJob");
    assert_eq!(c.class, Class::Conditional);
    assert!(!c.approximate);
    let cond = c.condition.as_ref().unwrap();
    assert!(cond.within_guardrails, "{cond:?}");
    assert!(cond.guardrails.contains("aws:RequestedRegion"), "{cond:?}");
    assert!(cond.text.contains("us-east-1"), "{cond:?}");
    // The sliver's own part is not Always: not "within the guardrails".
    let k = cell(&r, "KmsSliver", "sagemaker:CreateTrainingJob");
    assert!(!k.condition.as_ref().unwrap().within_guardrails);
}

/// Classes and the approximate flag per principal × action.
fn classes(r: &AuditResult) -> BTreeMap<(String, String), (Class, bool)> {
    let mut out = BTreeMap::new();
    for a in &r.accounts {
        for p in &a.principals {
            for c in p.actions.iter() {
                out.insert((p.arn.clone(), c.action.clone()), (c.class, c.approximate));
            }
        }
    }
    out
}

/// Dead-statement findings (rule, principal, statements).
fn dead_findings(r: &AuditResult) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = r
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("dead-statement") || f.rule == "redundant-statement")
        .map(|f| {
            let st: Vec<String> = f
                .statements
                .iter()
                .map(|s| format!("{}{}", s.file, s.pointer))
                .collect();
            (f.rule.clone(), f.principal.clone(), st.join(","))
        })
        .collect();
    out.sort();
    out
}

/// (principal, action) cells left to sampling (approximate) in either audit.
fn approximate_cells(rs: &[&AuditResult]) -> std::collections::BTreeSet<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    for r in rs {
        for a in &r.accounts {
            for p in &a.principals {
                for c in p.actions.iter().filter(|c| c.approximate) {
                    out.insert((p.arn.clone(), c.action.clone()));
                }
            }
        }
    }
    out
}

/// Every finding's fingerprint (rule, principal, target, actions, statements) and every cause
/// (rule, statements, principals), sorted; without findings that name an approximate cell of
/// their principals (those are decided on samples, S-55), counted apart.
fn findings_of(
    r: &AuditResult,
    approximate: &std::collections::BTreeSet<(String, String)>,
) -> (Vec<String>, Vec<String>, usize) {
    let sampled = |f: &iamc::audit::Finding| {
        let mut who: Vec<&String> = f.principals.iter().collect();
        who.push(&f.principal);
        who.iter().any(|p| {
            f.actions
                .iter()
                .any(|a| approximate.contains(&((*p).clone(), a.clone())))
        })
    };
    let kept: Vec<&iamc::audit::Finding> = r.findings.iter().filter(|f| !sampled(f)).collect();
    let mut prints: Vec<String> = kept.iter().map(|f| f.fingerprint.clone()).collect();
    prints.sort();
    let mut causes: Vec<String> = kept
        .iter()
        .map(|f| {
            let st: Vec<String> = f
                .statements
                .iter()
                .map(|s| format!("{}{}", s.file, s.pointer))
                .collect();
            format!(
                "{} {:?} {} [{}] {:?}",
                f.rule,
                f.target_role,
                f.actions.join(","),
                st.join(","),
                f.principals
            )
        })
        .collect();
    causes.sort();
    (prints, causes, r.findings.len() - kept.len())
}

/// The same findings and causes for both audits (issue 10 item 5: findings on the formula),
/// except those on cells sampled in either.
fn same_findings(a: &AuditResult, b: &AuditResult, what: &str) {
    let approximate = approximate_cells(&[a, b]);
    let ((pa, ca, sa), (pb, cb, sb)) = (findings_of(a, &approximate), findings_of(b, &approximate));
    let only_a: Vec<&String> = ca.iter().filter(|c| !cb.contains(c)).take(5).collect();
    let only_b: Vec<&String> = cb.iter().filter(|c| !ca.contains(c)).take(5).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty(),
        "{what}: causes differ: {only_a:#?} vs {only_b:#?}"
    );
    assert_eq!(pa, pb, "{what}: fingerprints differ");
    assert!(!ca.is_empty(), "{what}: no findings to compare");
    eprintln!(
        "{what}: {} findings identical; {sa} and {sb} on approximate cells not compared",
        ca.len()
    );
}

fn same_exact_classes(a: &AuditResult, b: &AuditResult, what: &str) {
    let (ca, cb) = (classes(a), classes(b));
    assert_eq!(ca.len(), cb.len());
    let mut differ = Vec::new();
    for (k, (class, approx)) in &ca {
        let (class_b, approx_b) = cb[k];
        // Approximate cells are sampled, so may differ; exact ones may not.
        if !*approx && !approx_b && *class != class_b {
            differ.push(format!("{k:?}: {class:?} vs {class_b:?}"));
        }
        assert_eq!(*approx, approx_b, "{what} {k:?}: approximate differs");
    }
    assert!(
        differ.is_empty(),
        "{what}: {} cells differ: {:?}",
        differ.len(),
        &differ[..differ.len().min(10)]
    );
    let exact = ca.values().filter(|(_, a)| !a).count();
    eprintln!("{what}: {exact} of {} principal cells exact", ca.len());
}

#[test]
fn example_account_classes_do_not_depend_on_variants() {
    let ex = repo().join("examples");
    let scps = vec![
        vec![ex.join("scp-root.json")],
        vec![ex.join("scp-ml-ou.json")],
    ];
    let small = audit(&config(vec![ex.join("account.json")], scps.clone(), 20));
    let large = audit(&config(vec![ex.join("account.json")], scps, 1000));
    assert!(small.errors.is_empty(), "{:?}", small.errors);
    assert!(large.errors.is_empty(), "{:?}", large.errors);
    same_exact_classes(&small, &large, "example account");
    // Only the cells whose formulas read `${sagemaker:DomainId}` (AmazonSageMakerFullAccess on
    // `CreateSpace`, `UpdateSpace`, `DeleteSpace`: S-54) are left to sampling.
    assert_eq!(small.stats.approximate_cells, 3, "{:?}", small.stats);
    assert_eq!(large.stats.approximate_cells, 3);
    assert_eq!(dead_findings(&small), dead_findings(&large));
    same_findings(&small, &large, "example account");
}

#[test]
fn generated_account_classes_do_not_depend_on_variants() {
    let Some(_) = shared() else {
        eprintln!("SKIP: ../shared is absent (the generator's managed policies come from it)");
        return;
    };
    let dir = scratch("generated");
    let Some(file) = generate(&dir.join("small.json"), 40, 7) else {
        return;
    };
    let small = config(vec![file.clone()], Vec::new(), 20);
    let mut large = small.clone();
    large.generator.variants = 1000;
    let (a, b) = (audit(&small), audit(&large));
    assert!(
        a.errors.is_empty(),
        "{:?}",
        &a.errors[..a.errors.len().min(3)]
    );
    assert!(
        b.errors.is_empty(),
        "{:?}",
        &b.errors[..b.errors.len().min(3)]
    );
    same_exact_classes(&a, &b, "generated 40-role account");
    assert_eq!(dead_findings(&a), dead_findings(&b));
    same_findings(&a, &b, "generated 40-role account");
}

#[test]
fn real_samples_share_of_exact_cells_and_findings_do_not_depend_on_variants() {
    let Some(shared) = shared() else {
        eprintln!("SKIP: ../shared is absent");
        return;
    };
    let dir = shared.join("data/gaad-samples");
    let mut total = (0u64, 0u64);
    for name in [
        "synthetic-sagemaker-account.json",
        "cloudsplaining-example.json",
        "cloudmapper-demo.json",
    ] {
        let mut cfg = config(vec![dir.join(name)], Vec::new(), 20);
        cfg.managed_dir = ManagedPolicyDir(Some(shared.join("data/managed-policies")));
        let r = audit(&cfg);
        let mut many = cfg.clone();
        many.generator.variants = 1000;
        let m = audit(&many);
        assert!(m.errors.is_empty(), "{name}: {:?}", m.errors);
        same_exact_classes(&r, &m, name);
        same_findings(&r, &m, name);
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        let (e, a) = (r.stats.exact_cells, r.stats.approximate_cells);
        eprintln!(
            "{name}: {e} exact, {a} approximate group cells ({:.2} % exact)",
            100.0 * e as f64 / (e + a).max(1) as f64
        );
        total.0 += e;
        total.1 += a;
    }
    let share = total.0 as f64 / (total.0 + total.1).max(1) as f64;
    eprintln!("GAAD samples: {:.2} % of group cells exact", 100.0 * share);
    assert!(share > 0.9, "{share}");
}

#[test]
fn check_explain_shows_the_formula_of_the_asked_action() {
    let dir = scratch("explain");
    let policy = dir.join("kms.json");
    std::fs::write(
        &policy,
        doc(json!([
            {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "arn:aws:kms:*:*:key/abc?-*"}}},
            {"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
             "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*-x*"}}}
        ]))
        .to_string(),
    )
    .unwrap();
    let scp = repo().join("examples/scp-root.json");
    let args = |format: &str| {
        let o = crate::cli::iamc()
            .arg("check")
            .arg("--policy")
            .arg(&policy)
            .arg("--scp-level")
            .arg(&scp)
            .args([
                "--action",
                "sagemaker:CreateTrainingJob",
                "--resource",
                "arn:aws:sagemaker:us-east-1:111122223333:training-job/j",
                "--explain",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        String::from_utf8(o.stdout).unwrap()
    };
    let text = args("text");
    assert!(
        text.contains("exact analysis of sagemaker:CreateTrainingJob"),
        "{text}"
    );
    assert!(text.contains("class:       Conditional (exact)"), "{text}");
    assert!(text.contains("sagemaker:VolumeKmsKeyArn"), "{text}");
    assert!(text.contains("allowed e.g."), "{text}");
    let v: Value = serde_json::from_str(&args("json")).unwrap();
    let a = &v["analysis"];
    assert_eq!(a["class"], "Conditional", "{a}");
    assert_eq!(a["exact"], true);
    assert_eq!(a["account"], "111122223333");
    let key = a["allowed_witness"]["context"]["sagemaker:VolumeKmsKeyArn"][0]
        .as_str()
        .unwrap();
    assert!(key.contains(":key/abc") && !key.contains("-x"), "{key}");
    assert!(
        a["condition"]["own"]["text"]
            .as_str()
            .unwrap()
            .contains("abc")
    );
    // Without --explain there is no analysis.
    let o = crate::cli::iamc()
        .arg("check")
        .arg("--policy")
        .arg(&policy)
        .args([
            "--action",
            "sagemaker:CreateTrainingJob",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.get("analysis").is_none());
}

/// The reports of a generated account fit a spreadsheet, give back every principal × action
/// cell, every group's cells and pass-role list and every finding with its principal details
/// (`gen_report`'s checks, compared with the in-memory result), and grow with the groups: the
/// cells are stored once per distinct cell (`coverage.json`) or per non-default group cell
/// (`coverage-cells.csv`), the principals add one short entry or row each.
#[test]
fn generated_account_reports_fit_and_lose_nothing() {
    use iamc::report::{Extras, csv, findings, json};
    let Some(_) = shared() else {
        eprintln!("SKIP: ../shared is absent (the generator's managed policies come from it)");
        return;
    };
    let dir = scratch("generated-reports");
    let Some(file) = generate(&dir.join("account.json"), 80, 5) else {
        return;
    };
    let mut cfg = config(vec![file], Vec::new(), 10);
    cfg.graph = true;
    let r = audit(&cfg);
    assert!(
        r.errors.is_empty(),
        "{:?}",
        &r.errors[..r.errors.len().min(3)]
    );
    let (matrix, cells, actions) = (
        csv::render(&r),
        csv::render_cells(&r),
        csv::render_actions(&r),
    );
    crate::gen_report::check_csv_lossless(&r, &matrix, &cells, &actions).unwrap();
    let coverage = json::coverage(&r).unwrap();
    crate::gen_report::check_coverage_json_lossless(&r, &coverage).unwrap();
    let found = findings::render(&r, &Extras::default()).unwrap();
    crate::gen_report::check_findings_lossless(&r, &found).unwrap();
    let details: usize = r.findings.iter().map(|f| f.principal_details.len()).sum();
    assert!(
        details > 0,
        "no principal details to group: the check above proves little"
    );

    let principals = r.stats.principals;
    let (groups, per_group) = (r.stats.groups, r.stats.actions);
    let cell_rows = crate::gen_report::parse_csv(&cells).unwrap().len() - 1;
    let doc: Value = serde_json::from_str(&coverage).unwrap();
    let account = &doc["accounts"][0];
    let distinct = account["cells"].as_array().unwrap().len();
    let tables = account["cells"].to_string().len() + account["passrole_lists"].to_string().len();
    eprintln!(
        "generated account: {principals} principals, {groups} groups × {per_group} actions; \
         coverage.csv {} bytes, coverage-cells.csv {} bytes ({cell_rows} rows), \
         coverage-actions.csv {} bytes, coverage.json {} bytes ({distinct} distinct cells, \
         tables {tables} bytes), findings.json {} bytes",
        matrix.len(),
        cells.len(),
        actions.len(),
        coverage.len(),
        found.len()
    );
    assert!(groups < principals, "principals share groups");
    assert!(cell_rows <= groups * per_group);
    assert!(distinct < groups * per_group, "groups share cells");
    // Outside the tables: per principal its entry and member ARN, per group an index per cell.
    assert!(
        coverage.len() - tables < principals * 1_000 + groups * per_group * 6,
        "{} bytes outside the tables",
        coverage.len() - tables
    );
    // One row per principal: its names and a short code per action.
    assert!(matrix.len() < (principals + 1) * (per_group * 3 + 300));
}

/// Writes a generated account of `roles` roles (`scripts/gen-large-account.py`, seed `seed`) to
/// `file`; `None`, with a printed reason, when python3 cannot run the generator.
fn generate(file: &std::path::Path, roles: u32, seed: u32) -> Option<std::path::PathBuf> {
    let status = std::process::Command::new("python3")
        .arg(repo().join("scripts/gen-large-account.py"))
        .args([
            "--roles",
            &roles.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(file)
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => Some(file.to_path_buf()),
        other => {
            eprintln!("SKIP: python3 cannot run the generator: {other:?}");
            None
        }
    }
}
