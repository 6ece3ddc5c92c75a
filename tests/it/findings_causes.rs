//! Findings a person can act on (issue 11): root causes shared by principals, severity after
//! boundaries, caller-scoped grants, escalation that escalates (no self-pass, no contained
//! target, row 1 without the URL, the own Studio profile) and witness values AWS can send.
//! Fixture: `tests/data/findings/causes-account.json` (account `123456789012`):
//!
//! - `SelfPasser` may pass only itself; `BigTrainer` (`sagemaker:*`, `s3:*`) may pass only
//!   `SmallExec` (`s3:GetObject`);
//! - `NotebookOnly` has `CreateNotebookInstance` + `iam:PassRole` on `AdminExec`;
//!   `NotebookWithUrl` has the presigned URL too;
//! - `BoundedEngineer` and `UnboundedEngineer` have `sagemaker:*`, the first under a boundary
//!   that leaves one Write action; `TeamWriter` has `sagemaker:*` on resources tagged with its
//!   own team;
//! - `Shared1..3` share one managed policy; users `alice` (her own Studio profile) and `bob`
//!   (any profile); `MfaTrainer` is guarded by MFA, account and region conditions.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{AuditConfig, run_audit};
use iamc::audit::{AuditResult, Finding, Severity, Witness};
use iamc::catalog::KeyType;
use serde_json::Value;

use crate::common::repo;

const ACCOUNT: &str = "123456789012";
const FIXTURE: &str = "tests/data/findings/causes-account.json";

fn arn(name: &str) -> String {
    if name.chars().next().is_some_and(char::is_lowercase) {
        format!("arn:aws:iam::{ACCOUNT}:user/{name}")
    } else {
        format!("arn:aws:iam::{ACCOUNT}:role/{name}")
    }
}

fn result() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        let cfg = AuditConfig {
            gaad_files: vec![repo().join(FIXTURE)],
            scp_levels: Vec::new(),
            managed_dir: ManagedPolicyDir(None),
            generator: GenConfig {
                variants: 150,
                ..GenConfig::default()
            },
            threads: 2,
            progress: false,
            principals: Vec::new(),
            services: Vec::new(),
            cloudtrail: Vec::new(),
            shared_space: None,
            account_scp_levels: Default::default(),
            graph: true,
        };
        let r = run_audit(&cfg, Catalog::sagemaker_default()).unwrap();
        assert!(r.errors.is_empty(), "{:#?}", r.errors);
        r
    })
}

fn of(who: &str) -> Vec<&'static Finding> {
    let a = arn(who);
    result().findings.iter().filter(|f| f.affects(&a)).collect()
}

fn rules(who: &str) -> Vec<&'static str> {
    of(who).iter().map(|f| f.rule.as_str()).collect()
}

fn one(who: &str, rule: &str) -> &'static Finding {
    let f: Vec<&Finding> = of(who).into_iter().filter(|f| f.rule == rule).collect();
    assert_eq!(f.len(), 1, "{who} {rule}: {f:#?}");
    f[0]
}

#[test]
fn no_pass_role_finding_to_the_principal_itself() {
    let me = arn("SelfPasser");
    let to_self: Vec<&Finding> = of("SelfPasser")
        .into_iter()
        .filter(|f| f.target_role.as_deref() == Some(me.as_str()))
        .collect();
    assert!(to_self.is_empty(), "{to_self:#?}");
    // It is allowed to pass itself: the path would hold if passing gained anything.
    let role = result()
        .accounts
        .iter()
        .flat_map(|a| &a.principals)
        .find(|p| p.arn == me)
        .unwrap();
    assert!(role.passrole.iter().any(|t| t.role == me));
}

#[test]
fn no_escalation_to_a_role_whose_permissions_are_contained() {
    let small = arn("SmallExec");
    let big = of("BigTrainer");
    assert!(
        big.iter()
            .all(|f| f.target_role.as_deref() != Some(small.as_str())),
        "{big:#?}"
    );
}

#[test]
fn severity_follows_the_boundary() {
    let bounded = one("BoundedEngineer", "over-broad-write-wildcard");
    assert_eq!(bounded.severity, Severity::Medium, "{bounded:#?}");
    let (_, message, _) = bounded.detail_of(&arn("BoundedEngineer"));
    assert!(message.contains("can perform 1 Write"), "{message}");
    // The same statement without a boundary stays high.
    let free = one("UnboundedEngineer", "over-broad-write-wildcard");
    assert_eq!(free.severity, Severity::High);
    assert!(
        free.message.contains("can perform all of them"),
        "{}",
        free.message
    );
}

#[test]
fn a_grant_scoped_by_the_callers_tag_is_scoped_not_a_wildcard() {
    let r = rules("TeamWriter");
    assert!(!r.contains(&"over-broad-write-wildcard"), "{r:?}");
    let f = one("TeamWriter", "write-wildcard-scoped-to-caller");
    assert_eq!(f.severity, Severity::Low);
    assert!(
        f.message.contains("${aws:PrincipalTag/team}"),
        "{}",
        f.message
    );
}

#[test]
fn notebook_path_holds_without_the_presigned_url() {
    let f = one("NotebookOnly", "sagemaker-notebook-passrole");
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.target_role.as_deref(), Some(arn("AdminExec").as_str()));
    assert!(
        !f.actions
            .iter()
            .any(|a| a == "sagemaker:CreatePresignedNotebookInstanceUrl")
    );
    assert!(f.message.contains("is not allowed"), "{}", f.message);
    // With the URL it is named.
    let g = one("NotebookWithUrl", "sagemaker-notebook-passrole");
    assert!(
        g.actions
            .iter()
            .any(|a| a == "sagemaker:CreatePresignedNotebookInstanceUrl")
    );
    assert!(g.message.contains("higher confidence"), "{}", g.message);
}

#[test]
fn own_studio_profile_is_not_another_profile() {
    const STUDIO: &str = "sagemaker-studio-presigned-domain-url";
    assert!(!rules("alice").contains(&STUDIO), "{:#?}", of("alice"));
    let bob = one("bob", STUDIO);
    let w = bob.detail_of(&arn("bob")).2.unwrap();
    assert!(!w.resource.ends_with("/bob"), "{}", w.resource);
}

#[test]
fn principals_sharing_a_cause_share_one_finding() {
    let shared: Vec<String> = (1..=3).map(|i| arn(&format!("Shared{i}"))).collect();
    let f = one("Shared1", "over-broad-resource-star");
    assert_eq!(f.principal_count, 3);
    assert_eq!(f.principals, shared);
    for who in ["Shared2", "Shared3"] {
        assert_eq!(
            one(who, "over-broad-resource-star").fingerprint,
            f.fingerprint
        );
    }
    // The pass-role path to the admin role: one cause, three principals.
    let p = one("Shared2", "sagemaker-training-job-passrole");
    assert_eq!(p.principal_count, 3);
    assert_eq!(p.severity, Severity::Critical);
}

/// Whether AWS can send `v` for `key`: its catalog type, 12-digit accounts, real regions.
fn sendable(key: &str, v: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if lower.ends_with("account") && lower.starts_with("aws:") {
        return v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit());
    }
    if lower == "aws:requestedregion" {
        let parts: Vec<&str> = v.split('-').collect();
        return parts.len() == 3 && parts[2].parse::<u8>().is_ok() && !v.contains("iamc");
    }
    match Catalog::sagemaker_default().key(key).map(|k| k.ty) {
        Some(KeyType::Bool) => v == "true" || v == "false",
        Some(KeyType::Arn) => v.starts_with("arn:") && v.matches(':').count() >= 5,
        Some(KeyType::Numeric) => v.parse::<f64>().is_ok(),
        Some(KeyType::IpAddress) => v
            .split('/')
            .next()
            .unwrap()
            .parse::<std::net::IpAddr>()
            .is_ok(),
        _ => true,
    }
}

fn witnesses(f: &Finding) -> Vec<&Witness> {
    f.witness
        .as_deref()
        .into_iter()
        .chain(
            f.principal_details
                .iter()
                .filter_map(|d| d.witness.as_deref()),
        )
        .collect()
}

#[test]
fn witness_values_are_valid_for_their_key_types() {
    let mut checked = 0;
    for f in &result().findings {
        for w in witnesses(f) {
            for (k, vs) in &w.context {
                for v in vs {
                    assert!(sendable(k, v), "{}: {k} = {v:?}", f.rule);
                    checked += 1;
                }
            }
        }
    }
    // The MFA-guarded role's findings carry the MFA key.
    let mfa = of("MfaTrainer");
    assert!(
        mfa.iter().flat_map(|f| witnesses(f)).any(|w| w
            .context
            .keys()
            .any(|k| k.eq_ignore_ascii_case("aws:MultiFactorAuthPresent"))),
        "{mfa:#?}"
    );
    assert!(checked > 20, "{checked}");
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iamc-causes-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn causes_in_findings_json_and_sarif_and_suppressed_by_fingerprint() {
    let out = scratch("reports");
    let run = |extra: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_iamc"))
            .current_dir(repo())
            .args([
                "audit",
                FIXTURE,
                "--variants",
                "150",
                "--threads",
                "2",
                "--out",
            ])
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.code().is_some_and(|c| c < 2), "{o:?}");
        String::from_utf8(o.stdout).unwrap()
    };
    let stdout = run(&[]);
    assert!(stdout.starts_with("iamc audit: fix these "), "{stdout}");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(out.join(name)).unwrap()).unwrap()
    };
    let fj = read("findings.json");
    let star: Vec<&Value> = fj["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["rule"] == "over-broad-resource-star"
                && f["principals"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p == arn("Shared1").as_str()))
        })
        .collect();
    assert_eq!(star.len(), 1, "{star:#?}");
    assert_eq!(star[0]["principal_count"], 3);
    let fp = star[0]["fingerprint"].as_str().unwrap().to_owned();
    let sarif = read("findings.sarif");
    let results: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["partialFingerprints"]["iamc/v1"] == fp.as_str())
        .collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["properties"]["principalCount"], 3);
    assert_eq!(
        results[0]["locations"][0]["logicalLocations"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        fj["counts"]["total"].as_u64().unwrap() as usize,
        sarif["runs"][0]["results"].as_array().unwrap().len()
    );

    // A suppression by fingerprint takes the whole cause; one by principal splits it.
    let sup = out.with_extension("suppressions.json");
    std::fs::write(
        &sup,
        format!(
            r#"{{"suppressions": [
                {{"fingerprint": "{fp}", "reason": "accepted: SEC-1"}},
                {{"principal": "{}", "rule": "sagemaker-training-job-passrole", "reason": "accepted: SEC-2"}}
            ]}}"#,
            arn("Shared1")
        ),
    )
    .unwrap();
    run(&["--suppressions", sup.to_str().unwrap()]);
    let fj = read("findings.json");
    let suppressed = fj["suppressed"].as_array().unwrap();
    assert!(
        suppressed
            .iter()
            .any(|f| f["fingerprint"] == fp.as_str() && f["principal_count"] == 3)
    );
    let split: Vec<&Value> = fj["findings"]
        .as_array()
        .unwrap()
        .iter()
        .chain(suppressed)
        .filter(|f| {
            f["rule"] == "sagemaker-training-job-passrole"
                && f["principals"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p.as_str().unwrap().contains("Shared")))
        })
        .collect();
    assert_eq!(split.len(), 2, "{split:#?}");
    let open: Vec<&&Value> = split
        .iter()
        .filter(|f| f.get("suppressed").is_none())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["principal_count"], 2);
}

/// A group's finding (one for all its members) and the same finding copied to each member make
/// the same cause: principals, leader, details (where a member differs) and fingerprint.
#[test]
fn a_group_finding_makes_the_same_cause_as_its_per_principal_copies() {
    use iamc::audit::group_causes;
    use iamc::audit::{FindingKind, StatementRef};
    let at = StatementRef {
        policy: "arn:aws:iam::111122223333:policy/p".into(),
        file: "account.json".into(),
        pointer: "/Policies/0/PolicyVersionList/0/Document/Statement/0".into(),
        statement: "Wide".into(),
        effect: "Allow".into(),
    };
    let one = |principal: &str, severity: Severity, message: &str| Finding {
        account: "111122223333".into(),
        principal: principal.into(),
        statements: vec![at.clone()],
        actions: vec!["sagemaker:CreateDomain".into()],
        ..Finding::new(
            "over-broad-write-wildcard",
            FindingKind::OverBroad,
            severity,
            "wide",
            message,
        )
    };
    // `b` and `d` share an evaluation group; `a` (more severe) and `c` (another message) do not.
    let group = Finding {
        principals: vec!["b".into(), "d".into()],
        principal_count: 2,
        ..one("b", Severity::Low, "same")
    };
    let a = one("a", Severity::High, "same");
    let c = one("c", Severity::Low, "other");
    let from_group = group_causes(vec![group, c.clone(), a.clone()]);
    let copies = vec![
        one("b", Severity::Low, "same"),
        one("d", Severity::Low, "same"),
        c,
        a,
    ];
    let from_copies = group_causes(copies);
    assert_eq!(from_group, from_copies);
    let cause = &from_group[0];
    assert_eq!(from_group.len(), 1);
    assert_eq!(cause.principals, ["a", "b", "c", "d"]);
    assert_eq!(cause.principal_count, 4);
    assert_eq!(cause.severity, Severity::High);
    let details: Vec<(&str, &str)> = cause
        .principal_details
        .iter()
        .map(|d| (d.principal.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(details, [("b", "same"), ("c", "other"), ("d", "same")]);
}
