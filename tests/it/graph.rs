//! The graph stage (`src/audit/graph`): who can become whom, on the fixtures of
//! `tests/data/graph/` (the cloudsplaining AssumeRole chain and self-modification principals,
//! trimmed; two accounts; a trust policy with an external id; hops broken by a boundary, an SCP,
//! a deny, a trust policy that names someone else; a SageMaker job with an admin execution role;
//! a cycle; principals that reach only what they hold), the shared cloudsplaining sample (skipped
//! without `../shared`), the example account, and the `paths` / `who-can` commands.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use bumpalo::Bump;
use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::graph::{EdgeKind, Graph, RULE_ADMIN, RULE_MORE};
use iamc::audit::{Account, ManagedPolicyDir, load_gaad};
use iamc::audit::{AuditConfig, read_scps, run_audit};
use iamc::audit::{AuditResult, Finding, Severity};
use serde_json::Value;

use crate::common::{repo, shared};

fn data(name: &str) -> PathBuf {
    repo().join("tests/data/graph").join(name)
}

fn config(files: Vec<PathBuf>, scps: &[(&str, &str)], managed: Option<PathBuf>) -> AuditConfig {
    let mut all = Vec::new();
    let mut own: BTreeMap<String, Vec<Vec<PathBuf>>> = BTreeMap::new();
    for (account, file) in scps {
        let level = vec![data(file)];
        if account.is_empty() {
            all.push(level);
        } else {
            own.entry((*account).to_owned()).or_default().push(level);
        }
    }
    AuditConfig {
        gaad_files: files,
        scp_levels: all,
        account_scp_levels: own,
        managed_dir: ManagedPolicyDir(managed),
        generator: GenConfig {
            variants: 60,
            ..GenConfig::default()
        },
        threads: 2,
        progress: false,
        services: Vec::new(),
        cloudtrail: Vec::new(),
        principals: Vec::new(),
        shared_space: None,
        graph: true,
    }
}

/// Builds the graph of `cfg`'s accounts and hands it to `f`.
fn with_graph<T>(cfg: &AuditConfig, f: impl FnOnce(&Graph<'_>) -> T) -> T {
    let catalog = Catalog::sagemaker_default();
    let accounts: Vec<Account> = cfg
        .gaad_files
        .iter()
        .map(|p| load_gaad(p, &cfg.managed_dir).unwrap())
        .collect();
    let scps = read_scps(cfg, &mut Vec::new()).unwrap();
    let arena = Bump::new();
    let g = Graph::build(
        &arena,
        &accounts,
        &scps,
        cfg,
        catalog,
        iamc::audit::graph::now(),
    );
    f(&g)
}

/// The nodes `from` reaches, by label, with the hop kinds of the shortest chain to each.
fn reached(g: &Graph<'_>, from: &str) -> BTreeMap<String, Vec<String>> {
    g.paths(from, None)
        .unwrap()
        .reached
        .into_iter()
        .map(|r| (r.to, r.chain.into_iter().map(|h| h.kind).collect()))
        .collect()
}

fn names(map: &BTreeMap<String, Vec<String>>) -> Vec<&str> {
    map.keys()
        .map(|k| k.rsplit('/').next().unwrap_or(k))
        .collect()
}

fn chain_findings<'r>(r: &'r AuditResult, principal: &str) -> Vec<&'r Finding> {
    r.findings
        .iter()
        .filter(|f| {
            f.principals
                .iter()
                .any(|p| p.ends_with(&format!("/{principal}")))
        })
        .filter(|f| f.rule == RULE_ADMIN || f.rule == RULE_MORE)
        .collect()
}

fn audit(cfg: &AuditConfig) -> AuditResult {
    run_audit(cfg, Catalog::sagemaker_default()).unwrap()
}

const CHAIN_ACCOUNT: &str = "200611803367";

fn chain_role(name: &str) -> String {
    format!("arn:aws:iam::{CHAIN_ACCOUNT}:role/{name}")
}

#[test]
fn assume_role_chain_is_reported_with_each_hop() {
    let r = audit(&config(vec![data("assume-chain.json")], &[], None));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let f = chain_findings(&r, "privesc-AssumeRole-starting-role");
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = f[0];
    assert_eq!(f.rule, RULE_ADMIN);
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        f.target_role.as_deref(),
        Some(chain_role("privesc-AssumeRole-ending-role").as_str())
    );
    let hops: Vec<(&str, &str, &str)> = f
        .chain
        .iter()
        .map(|h| (h.kind.as_str(), h.from.as_str(), h.to.as_str()))
        .collect();
    let (start, mid, end) = (
        chain_role("privesc-AssumeRole-starting-role"),
        chain_role("privesc-AssumeRole-intermediate-role"),
        chain_role("privesc-AssumeRole-ending-role"),
    );
    assert_eq!(
        hops,
        [
            ("assume-role", start.as_str(), mid.as_str()),
            ("assume-role", mid.as_str(), end.as_str())
        ]
    );
    // Each hop names the trust statement that admits it, in the input file: the trust
    // policies name the roles by ARN, so no identity statement is needed (S-34).
    let file = data("assume-chain.json").display().to_string();
    for (h, role_index) in f.chain.iter().zip([1, 0]) {
        assert_eq!(h.statements.len(), 1, "{h:#?}");
        let s = &h.statements[0];
        assert_eq!(s.file, file);
        assert_eq!(
            s.pointer,
            format!("/RoleDetailList/{role_index}/AssumeRolePolicyDocument/Statement/0")
        );
        assert!(s.policy.starts_with("trust:"), "{s:?}");
        assert!(
            h.conditions
                .iter()
                .any(|c| c.contains("no identity policy needs to allow it")),
            "{h:#?}"
        );
    }
    // The statements of every hop are the finding's statements too (SARIF locates them).
    assert_eq!(f.statements.len(), 2);
    // The intermediate role is one hop from the same administrator.
    let f = chain_findings(&r, "privesc-AssumeRole-intermediate-role");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].chain.len(), 1);
}

#[test]
fn self_modification_principals_reach_an_administrator() {
    let r = audit(&config(vec![data("assume-chain.json")], &[], None));
    // principal → the hop kinds of its critical chain.
    let expected: &[(&str, &[&str])] = &[
        (
            "privesc1-CreateNewPolicyVersion-user",
            &["grant-permissions"],
        ),
        ("privesc10-PutUserPolicy-user", &["grant-permissions"]),
        ("privesc11-PutGroupPolicy-user", &["grant-permissions"]),
        // Joining privesc-sre-group gives iam:* (not administrator-equivalent by itself: no
        // kms:Decrypt), with which it writes itself any policy.
        (
            "privesc13-AddUserToGroup-user",
            &["join-group", "grant-permissions"],
        ),
        // iam:* through its group: it can rewrite its own policies.
        ("privesc-sre-user", &["grant-permissions"]),
        // CreateAccessKey for a user that can write its own policies.
        (
            "privesc4-CreateAccessKey-role",
            &["take-user", "grant-permissions"],
        ),
    ];
    for (who, kinds) in expected {
        let f = chain_findings(&r, who);
        let admin: Vec<&&Finding> = f.iter().filter(|f| f.rule == RULE_ADMIN).collect();
        assert_eq!(admin.len(), 1, "{who}: {f:#?}");
        let got: Vec<&str> = admin[0].chain.iter().map(|h| h.kind.as_str()).collect();
        assert_eq!(got, *kinds, "{who}");
        assert!(!admin[0].statements.is_empty(), "{who}");
    }
    // A role cannot join a group, and a policy version condition in the past cannot be met.
    for who in [
        "privesc13-AddUserToGroup-role",
        "fp5-nonExploitableConditionConstraint-user",
    ] {
        assert!(chain_findings(&r, who).is_empty(), "{who}");
    }
}

#[test]
fn shared_cloudsplaining_sample_chain_and_self_modification() {
    let Some(shared) = shared() else {
        return;
    };
    let cfg = config(
        vec![shared.join("data/gaad-samples/cloudsplaining-example.json")],
        &[],
        Some(shared.join("data/managed-policies")),
    );
    let r = audit(&cfg);
    let f = chain_findings(&r, "privesc-AssumeRole-starting-role");
    let kinds: Vec<Vec<&str>> = f
        .iter()
        .map(|f| f.chain.iter().map(|h| h.kind.as_str()).collect())
        .collect();
    assert_eq!(kinds, [["assume-role", "assume-role"]], "{f:#?}");
    assert_eq!(
        f[0].target_role.as_deref(),
        Some(chain_role("privesc-AssumeRole-ending-role").as_str())
    );
    // Every privesc principal whose IAM permissions let it rewrite its own (or a taken user's)
    // policies, join a group, or rewrite a trust policy reaches an administrator.
    for who in [
        "privesc1-CreateNewPolicyVersion-role",
        "privesc1-CreateNewPolicyVersion-user",
        "privesc4-CreateAccessKey-role",
        "privesc4-CreateAccessKey-user",
        "privesc5-CreateLoginProfile-role",
        "privesc5-CreateLoginProfile-user",
        "privesc6-UpdateLoginProfile-role",
        "privesc6-UpdateLoginProfile-user",
        "privesc7-AttachUserPolicy-user",
        "privesc8-AttachGroupPolicy-user",
        "privesc9-AttachRolePolicy-role",
        "privesc10-PutUserPolicy-user",
        "privesc11-PutGroupPolicy-user",
        "privesc12-PutRolePolicy-role",
        "privesc13-AddUserToGroup-user",
        "privesc14-UpdatingAssumeRolePolicy-role",
        "privesc14-UpdatingAssumeRolePolicy-user",
        "privesc-sre-user",
        "fn2-exploitableResourceConstraint-user",
        "fn3-exploitableConditionConstraint-user",
        "fn4-exploitableNotAction-user",
    ] {
        let f = chain_findings(&r, who);
        assert!(f.iter().any(|f| f.rule == RULE_ADMIN), "{who}: {f:#?}");
    }
    // And the ones that cannot.
    for who in [
        "privesc2-SetExistingDefaultPolicyVersion-user",
        "privesc7-AttachUserPolicy-role",
        "privesc10-PutUserPolicy-role",
        "privesc13-AddUserToGroup-role",
        "fp1-allow-and-deny-user",
        "fp2-allow-and-deny-multiple-policies-user",
        "fp3-deny-iam-user",
        "fp4-nonExploitableResourceConstraint-user",
        "fp5-nonExploitableConditionConstraint-user",
        "privesc-AssumeRole-start-user",
    ] {
        assert!(chain_findings(&r, who).is_empty(), "{who}");
    }
}

#[test]
fn chains_cross_accounts_where_trust_and_identity_both_allow() {
    let files = vec![data("cross-a.json"), data("cross-b.json")];
    with_graph(&config(files.clone(), &[], None), |g| {
        let dev = reached(g, "dev");
        // Deployer names dev and dev's identity allows it: one hop. From the administrator
        // Deployer, account B's other roles follow by rewriting their trust.
        assert_eq!(
            dev["arn:aws:iam::222222222222:role/Deployer"],
            ["assume-role"]
        );
        assert_eq!(
            dev["arn:aws:iam::222222222222:role/TrustsAccount"],
            ["assume-role", "rewrite-trust"]
        );
        // Trust names the account, but dev's identity does not allow it: no direct edge.
        let direct: Vec<&str> = g
            .edges(g.find("dev").unwrap())
            .map(|(_, e)| g.nodes()[e.to as usize].arn.as_str())
            .collect();
        assert_eq!(direct, ["arn:aws:iam::222222222222:role/Deployer"]);
        // Named by ARN in another account but no identity allow: cross-account needs both.
        assert!(reached(g, "intern").is_empty());
    });
    let r = audit(&config(files.clone(), &[], None));
    let f = chain_findings(&r, "dev");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, RULE_ADMIN);
    assert_eq!(f[0].account, "111111111111");
    // Account A's SCP denies sts:AssumeRole for A's principals only.
    with_graph(
        &config(
            files.clone(),
            &[("111111111111", "scp-deny-assume.json")],
            None,
        ),
        |g| {
            assert!(reached(g, "dev").is_empty());
            // B's Deployer is untouched: it still rewrites and assumes B's roles.
            assert!(!reached(g, "Deployer").is_empty());
        },
    );
    // B's SCP applies to B's principals: Deployer is no longer administrator-equivalent (it
    // cannot assume roles), but dev still reaches it.
    with_graph(
        &config(files, &[("222222222222", "scp-deny-assume.json")], None),
        |g| {
            let dev = reached(g, "dev");
            assert!(dev.contains_key("arn:aws:iam::222222222222:role/Deployer"));
            let deployer = g.find("arn:aws:iam::222222222222:role/Deployer").unwrap();
            assert!(!g.is_admin(deployer));
        },
    );
}

#[test]
fn hops_hold_or_break_as_trust_identity_boundary_scp_and_deny_decide() {
    with_graph(&config(vec![data("hops.json")], &[], None), |g| {
        let allowed = reached(g, "allowed");
        assert_eq!(names(&allowed), ["ExternalPartner", "Target"]);
        // The external id is a condition the caller satisfies: the edge is marked with it.
        let p = g
            .paths(
                "allowed",
                Some("arn:aws:iam::333333333333:role/ExternalPartner"),
            )
            .unwrap();
        let hop = &p.reached[0].chain[0];
        assert!(
            hop.conditions
                .iter()
                .any(|c| c.contains("sts:ExternalId") && c.contains("partner-42")),
            "{hop:#?}"
        );
        // A principal tag it does not have (team=ml, not data): no edge; with it: an edge.
        assert!(!allowed.contains_key("arn:aws:iam::333333333333:role/TagGated"));
        assert!(reached(g, "tagged").contains_key("arn:aws:iam::333333333333:role/TagGated"));
        // The boundary allows only s3: no role can be assumed.
        assert!(reached(g, "bounded").is_empty());
        // An explicit deny on sts:AssumeRole for Target; ExternalPartner is not denied.
        assert_eq!(names(&reached(g, "denied")), ["ExternalPartner"]);
        // No identity allow and a trust policy that names only the account.
        assert!(reached(g, "noallow").is_empty());
        // FriendOnly names friend: friend needs no identity policy; stranger, allowed by its
        // own policy, is not admitted by the trust policy.
        assert_eq!(names(&reached(g, "friend")), ["FriendOnly"]);
        assert!(reached(g, "stranger").is_empty());
        // SetDefaultPolicyVersion back to a version that allows everything.
        let v = g.paths("versioned", Some("admin")).unwrap();
        assert_eq!(v.reached.len(), 1);
        assert_eq!(v.reached[0].chain[0].kind, "set-default-version");
    });
    // An SCP of every account that denies sts:AssumeRole breaks every assume hop.
    with_graph(
        &config(
            vec![data("hops.json")],
            &[("", "scp-deny-assume.json")],
            None,
        ),
        |g| {
            for who in ["allowed", "friend", "tagged"] {
                assert!(reached(g, who).is_empty(), "{who}");
            }
        },
    );
}

#[test]
fn sagemaker_job_with_an_admin_execution_role_is_a_chain_to_admin() {
    let cfg = config(vec![data("sagemaker-chain.json")], &[], None);
    let r = audit(&cfg);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let f = chain_findings(&r, "DataScientist");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, RULE_ADMIN);
    let kinds: Vec<&str> = f[0].chain.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, ["assume-role", "sagemaker-pass-role"]);
    assert_eq!(
        f[0].target_role.as_deref(),
        Some("arn:aws:iam::444444444444:role/service-role/AdminExecution")
    );
    assert!(
        f[0].chain[1]
            .actions
            .iter()
            .any(|a| a == "sagemaker:CreateTrainingJob")
    );
    // MLOps's own one-hop pass-role is the pass-role paths' finding, not a chain finding.
    assert!(chain_findings(&r, "MLOps").is_empty());
    assert!(
        r.findings
            .iter()
            .any(|f| f.rule == "sagemaker-training-job-passrole"
                && f.principals.iter().any(|p| p.ends_with("/MLOps"))
                && f.severity == Severity::Critical)
    );
    // who-can: MLOps directly, DataScientist in one hop, the SAML provider in two.
    with_graph(&cfg, |g| {
        let w = g.who_can("sagemaker:CreateTrainingJob", None).unwrap();
        let got: Vec<(&str, usize)> = w
            .principals
            .iter()
            .map(|p| (p.principal.rsplit('/').next().unwrap(), p.chain.len()))
            .collect();
        assert_eq!(
            got,
            [
                ("MLOps", 0),
                ("AdminExecution", 0),
                ("DataScientist", 1),
                ("CorpIdP", 2)
            ]
        );
        let ds = &w.principals[2];
        assert!(!ds.directly);
        assert_eq!(ds.via, "arn:aws:iam::444444444444:role/MLOps");
        assert!(ds.witness.is_some());
        let edge_kinds: Vec<EdgeKind> = g
            .edges(g.find("MLOps").unwrap())
            .map(|(_, e)| e.kind)
            .collect();
        assert_eq!(
            edge_kinds,
            [EdgeKind::SagemakerPassRole, EdgeKind::SagemakerPassRole]
        );
    });
}

#[test]
fn a_cycle_of_roles_is_walked_once() {
    with_graph(&config(vec![data("cycle.json")], &[], None), |g| {
        let a = reached(g, "RoleA");
        assert_eq!(
            a.iter()
                .map(|(k, v)| (k.rsplit('/').next().unwrap(), v.len()))
                .collect::<Vec<_>>(),
            [("RoleB", 1), ("RoleC", 2)]
        );
        // A role that trusts itself has no edge to itself.
        assert!(reached(g, "Self").is_empty());
    });
    let r = audit(&config(vec![data("cycle.json")], &[], None));
    // Each role reaches the two others, which hold what it does not.
    for who in ["RoleA", "RoleB", "RoleC"] {
        let f = chain_findings(&r, who);
        assert_eq!(f.len(), 1, "{who}: {f:#?}");
        assert_eq!(f[0].rule, RULE_MORE);
        assert_eq!(f[0].other_targets.len(), 1);
    }
}

#[test]
fn reaching_only_what_one_holds_is_no_finding() {
    let cfg = config(vec![data("contained.json")], &[], None);
    with_graph(&cfg, |g| {
        let p = g.paths("analyst", None).unwrap();
        assert_eq!(p.reached.len(), 1);
        assert_eq!(p.reached[0].contained, Some(true));
        assert!(g.paths("Admin", None).unwrap().from_admin);
    });
    let r = audit(&cfg);
    for who in ["analyst", "Admin", "ReadOnly"] {
        assert!(chain_findings(&r, who).is_empty(), "{who}");
    }
}

#[test]
fn example_account_chains() {
    let cfg = config(vec![repo().join("examples/account.json")], &[], None);
    let r = audit(&cfg);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    // DataScientist → MLOpsDeployer (its trust names DataScientist) → a training job with the
    // platform execution role, which allows everything.
    let f = chain_findings(&r, "DataScientist");
    assert_eq!(f.len(), 1, "{f:#?}");
    let kinds: Vec<&str> = f[0].chain.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, ["assume-role", "sagemaker-pass-role"]);
    // carol → MLAdmin needs MFA (the trust condition), then MLAdmin passes the same role.
    let f = chain_findings(&r, "carol");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, RULE_ADMIN);
    assert!(
        f[0].chain[0]
            .conditions
            .iter()
            .any(|c| c.contains("aws:MultiFactorAuthPresent")),
        "{:#?}",
        f[0].chain[0]
    );
    // Nobody else has a chain finding.
    let others: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.rule == RULE_ADMIN || f.rule == RULE_MORE)
        .map(|f| f.principal.rsplit('/').next().unwrap())
        .filter(|p| *p != "DataScientist" && *p != "carol")
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn chain_findings_in_json_sarif_and_html() {
    let cfg = config(vec![data("sagemaker-chain.json")], &[], None);
    let r = audit(&cfg);
    let out = std::env::temp_dir().join(format!("iamc-graph-reports-{}", std::process::id()));
    iamc::report::write_all(&r, &out).unwrap();
    let findings: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.json")).unwrap()).unwrap();
    let chain = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == RULE_ADMIN)
        .unwrap();
    assert_eq!(chain["chain"].as_array().unwrap().len(), 2);
    assert_eq!(chain["chain"][0]["kind"], "assume-role");
    assert!(
        chain["chain"][1]["statements"][0]["pointer"]
            .as_str()
            .unwrap()
            .starts_with("/RoleDetailList/1/RolePolicyList/0/PolicyDocument/Statement/")
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("findings.sarif")).unwrap())
            .unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == RULE_ADMIN)
        .unwrap();
    let related = result["relatedLocations"].as_array().unwrap();
    assert!(related.len() >= 3, "{related:#?}");
    assert!(
        related[0]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("hop 1 (assume-role")
    );
    assert!(
        related[0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 1
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<ol class=\"chain\""));
    assert!(html.contains("sagemaker-pass-role"));
    let _ = std::fs::remove_dir_all(&out);
}

fn iamc(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_iamc"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

#[test]
fn cli_paths_and_who_can() {
    let out = iamc(&[
        "paths",
        "tests/data/graph/sagemaker-chain.json",
        "--from",
        "DataScientist",
        "--to",
        "admin",
        "--format",
        "json",
    ]);
    // Found (2): the administrator reached holds more than DataScientist.
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["to"], "admin");
    assert_eq!(
        v["reached"][0]["to"],
        "arn:aws:iam::444444444444:role/service-role/AdminExecution"
    );
    assert_eq!(v["reached"][0]["chain"].as_array().unwrap().len(), 2);

    let out = iamc(&[
        "paths",
        "tests/data/graph/sagemaker-chain.json",
        "--from",
        "Nobody",
    ]);
    // An unknown principal is a usage error.
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no principal `Nobody`"));

    let out = iamc(&[
        "who-can",
        "sagemaker:CreateTrainingJob",
        "tests/data/graph/sagemaker-chain.json",
    ]);
    // Found (2): DataScientist and the SAML provider can only through a chain.
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("sagemaker:CreateTrainingJob: 4 principal(s)"),
        "{text}"
    );
    assert!(
        text.contains("role/DataScientist  as arn:aws:iam::444444444444:role/MLOps in 1 hop(s)")
    );

    // The per-account SCP flag: account A's principals lose their assume edges.
    let out = iamc(&[
        "paths",
        "tests/data/graph/cross-a.json",
        "tests/data/graph/cross-b.json",
        "--from",
        "dev",
        "--scp-level",
        "111111111111=tests/data/graph/scp-deny-assume.json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("reaches 0 principals"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // analyst reaches only a role it contains: nothing found, 0.
    let out = iamc(&[
        "paths",
        "tests/data/graph/contained.json",
        "--from",
        "analyst",
    ]);
    assert_eq!(out.status.code(), Some(0));
    // An account no GAAD file holds is a usage error.
    let out = iamc(&[
        "paths",
        "tests/data/graph/cross-a.json",
        "--from",
        "dev",
        "--scp-level",
        "999999999999=tests/data/graph/scp-deny-assume.json",
    ]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("names account `999999999999`"));
}
