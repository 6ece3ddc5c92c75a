//! `iamc audit` end to end: the hand-written example account (`examples/account.json`) against
//! expectations derived by hand from its policies and `docs/SEMANTICS.md`, thread-count
//! independence, every shared GAAD sample (skipped without `../shared`), and a broken account that
//! must still produce every report.
//!
//! The example account is self-contained (the two AWS managed policies it uses are embedded in its
//! `Policies` list), so everything except the GAAD-sample tests runs on a plain clone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::ManagedPolicyDir;
use iamc::audit::{ActionCoverage, AuditResult, Class, PrincipalResult, Status};
use iamc::audit::{AuditConfig, run_audit};
use serde_json::Value;

use crate::common::{repo, shared};
use Class::{Always, Conditional, Never};

const ACCOUNT: &str = "111122223333";
const EXEC_ROLE: &str = "arn:aws:iam::111122223333:role/service-role/SageMakerExecutionRole";
const PLATFORM_EXEC_ROLE: &str =
    "arn:aws:iam::111122223333:role/service-role/SageMakerPlatformExecution";
const VARIANTS: usize = 300;

fn examples() -> PathBuf {
    repo().join("examples")
}

/// A fresh directory under Cargo's per-target scratch space.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("audit")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(
    files: Vec<PathBuf>,
    scps: Vec<Vec<PathBuf>>,
    variants: usize,
    threads: usize,
) -> AuditConfig {
    AuditConfig {
        gaad_files: files,
        scp_levels: scps,
        managed_dir: ManagedPolicyDir::default(),
        generator: GenConfig {
            variants,
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
    run_audit(cfg, Catalog::sagemaker_default()).unwrap()
}

/// The example account without SCPs (identity policies and boundary only).
fn plain() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        audit(&config(
            vec![examples().join("account.json")],
            Vec::new(),
            VARIANTS,
            2,
        ))
    })
}

/// The example account under the root SCP (the README's main command).
fn with_root_scp() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        audit(&config(
            vec![examples().join("account.json")],
            vec![vec![examples().join("scp-root.json")]],
            VARIANTS,
            2,
        ))
    })
}

/// The example account under two SCP levels: root, then the ML OU.
fn with_two_scp_levels() -> &'static AuditResult {
    static R: OnceLock<AuditResult> = OnceLock::new();
    R.get_or_init(|| {
        audit(&config(
            vec![examples().join("account.json")],
            vec![
                vec![examples().join("scp-root.json")],
                vec![examples().join("scp-ml-ou.json")],
            ],
            VARIANTS,
            2,
        ))
    })
}

fn principal<'r>(r: &'r AuditResult, name: &str) -> &'r PrincipalResult {
    assert_eq!(r.accounts.len(), 1);
    r.accounts[0]
        .principals
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no principal `{name}`"))
}

fn cell<'r>(p: &'r PrincipalResult, action: &str) -> &'r ActionCoverage {
    p.actions
        .iter()
        .find(|c| c.action == action)
        .unwrap_or_else(|| panic!("{}: no cell for `{action}`", p.name))
}

/// One hand-derived expectation: principal × action → class, and for `Conditional` cells the keys
/// that must be among `deciding_keys`. `why` names the statement/condition that makes it so.
struct Expect {
    principal: &'static str,
    action: &'static str,
    class: Class,
    keys: &'static [&'static str],
    why: &'static str,
}

const fn e(
    principal: &'static str,
    action: &'static str,
    class: Class,
    keys: &'static [&'static str],
    why: &'static str,
) -> Expect {
    Expect {
        principal,
        action,
        class,
        keys,
        why,
    }
}

fn check(r: &AuditResult, table: &[Expect]) {
    let mut failures = Vec::new();
    for x in table {
        let c = cell(principal(r, x.principal), x.action);
        let mut bad = c.class != x.class;
        if x.class == Conditional {
            bad |= !x
                .keys
                .iter()
                .all(|k| c.deciding_keys.iter().any(|d| d == k));
        } else {
            // Only Conditional cells are explained.
            bad |= !c.deciding_keys.is_empty();
        }
        if bad {
            failures.push(format!(
                "{} × {}: expected {:?} with keys {:?} ({}), got {:?} {}/{} keys {:?}",
                x.principal,
                x.action,
                x.class,
                x.keys,
                x.why,
                c.class,
                c.allowed,
                c.total,
                c.deciding_keys
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Without SCPs: identity policies, the boundary, group inheritance.
const PLAIN: &[Expect] = &[
    // DataScientist: customer managed `DataScientistSageMakerAccess`.
    e(
        "DataScientist",
        "sagemaker:DescribeTrainingJob",
        Always,
        &[],
        "ReadSageMaker: sagemaker:Describe* on *",
    ),
    e(
        "DataScientist",
        "sagemaker:ListTrainingJobs",
        Always,
        &[],
        "ReadSageMaker: sagemaker:List* on * (wildcard-only action, evaluated against *, S-28)",
    ),
    e(
        "DataScientist",
        "sagemaker:CreateEndpoint",
        Never,
        &[],
        "no statement names CreateEndpoint",
    ),
    e(
        "DataScientist",
        "sagemaker:DeleteModel",
        Never,
        &[],
        "the only Delete it may do is DeleteNotebookInstance",
    ),
    e(
        "DataScientist",
        "iam:PassRole",
        Conditional,
        &["iam:PassedToService", "resource"],
        "PassOnlyTheExecutionRoleOnlyToSageMaker: one role ARN, iam:PassedToService = sagemaker",
    ),
    // SageMakerExecutionRole: AWS managed AmazonSageMakerFullAccess (embedded).
    e(
        "SageMakerExecutionRole",
        "sagemaker:DescribeTrainingJob",
        Always,
        &[],
        "AllowAllNonAdminSageMakerActions: sagemaker:* with a NotResource that spares training jobs",
    ),
    e(
        "SageMakerExecutionRole",
        "sagemaker:CreateEndpoint",
        Always,
        &[],
        "AllowAllNonAdminSageMakerActions: endpoint and endpoint-config are not in the NotResource",
    ),
    e(
        "SageMakerExecutionRole",
        "sagemaker:CreatePresignedDomainUrl",
        Always,
        &[],
        "AllowStudioActions: CreatePresignedDomainUrl on *",
    ),
    e(
        "SageMakerExecutionRole",
        "sagemaker:DeleteDomain",
        Never,
        &[],
        "domain/* is in the NotResource and no other statement names DeleteDomain",
    ),
    e(
        "SageMakerExecutionRole",
        "iam:PassRole",
        Conditional,
        &["iam:PassedToService"],
        "AllowPassRoleToSageMaker / AllowPassRoleForSageMakerRoles: StringEquals iam:PassedToService",
    ),
    // MLAdmin: inline sagemaker:* + iam:PassRole on *, Deny sagemaker:Delete* without MFA.
    e(
        "MLAdmin",
        "sagemaker:CreateEndpoint",
        Always,
        &[],
        "AllSageMaker: sagemaker:* on *",
    ),
    e(
        "MLAdmin",
        "sagemaker:DeleteModel",
        Conditional,
        &["aws:MultiFactorAuthPresent"],
        "DeleteOnlyWithMfa: Deny Delete* if BoolIfExists aws:MultiFactorAuthPresent false (absent denies too)",
    ),
    e(
        "MLAdmin",
        "iam:PassRole",
        Always,
        &[],
        "PassAnyRoleTooBroad: iam:PassRole on * with no condition",
    ),
    // BoundedEngineer: inline sagemaker:* ∩ boundary v2 (List/Describe/Get + CreateTrainingJob).
    e(
        "BoundedEngineer",
        "sagemaker:DescribeTrainingJob",
        Always,
        &[],
        "identity sagemaker:* and boundary ReadEverything (Describe*)",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:CreateTrainingJob",
        Always,
        &[],
        "identity sagemaker:* and boundary TrainOnly",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:GetSearchSuggestions",
        Always,
        &[],
        "identity sagemaker:* and boundary ReadEverything (Get*)",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:DeleteModel",
        Never,
        &[],
        "boundary v2 has no Delete (v1, sagemaker:*, is not the default version)",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:CreateEndpoint",
        Never,
        &[],
        "boundary v2 allows only CreateTrainingJob among writes",
    ),
    e(
        "BoundedEngineer",
        "iam:PassRole",
        Never,
        &[],
        "neither the identity policy nor the boundary mentions iam",
    ),
    // carol: group ml-readers (inline ReadOnlySageMaker + AWS managed AmazonSageMakerReadOnly)
    // and her own inline StopOwnNotebooks.
    e(
        "carol",
        "sagemaker:DescribeTrainingJob",
        Always,
        &[],
        "group inline ReadOnlySageMaker and group-attached AmazonSageMakerReadOnly (Describe*)",
    ),
    e(
        "carol",
        "sagemaker:GetSagemakerServicecatalogPortfolioStatus",
        Always,
        &[],
        "only the group inline policy grants it",
    ),
    e(
        "carol",
        "sagemaker:Search",
        Always,
        &[],
        "only the group-attached AmazonSageMakerReadOnly grants it",
    ),
    e(
        "carol",
        "sagemaker:StopNotebookInstance",
        Conditional,
        &["sagemaker:ResourceTag/owner"],
        "StopOwnNotebooks: StringEquals sagemaker:ResourceTag/owner = ${aws:username} (carol)",
    ),
    e(
        "carol",
        "sagemaker:CreateTrainingJob",
        Never,
        &[],
        "read-only apart from StopNotebookInstance",
    ),
    // bastion-host: a trust policy and nothing else.
    e(
        "bastion-host",
        "sagemaker:DescribeTrainingJob",
        Never,
        &[],
        "no permission policy at all",
    ),
    e(
        "bastion-host",
        "iam:PassRole",
        Never,
        &[],
        "no permission policy at all",
    ),
];

/// Under `examples/scp-root.json`: Allow *, Deny sagemaker:* outside us-east-1/eu-west-1, Deny
/// CreatePresignedDomainUrl unless aws:SourceVpce is the Studio endpoint.
const ROOT_SCP: &[Expect] = &[
    e(
        "MLAdmin",
        "sagemaker:CreateEndpoint",
        Conditional,
        &["aws:RequestedRegion"],
        "Always without SCP; DenySageMakerOutsideApprovedRegions: StringNotEquals aws:RequestedRegion",
    ),
    e(
        "MLAdmin",
        "sagemaker:CreatePresignedDomainUrl",
        Conditional,
        &["aws:RequestedRegion", "aws:SourceVpce"],
        "both SCP denies apply to it: region, and StringNotEquals aws:SourceVpce",
    ),
    e(
        "MLAdmin",
        "sagemaker:DeleteModel",
        Conditional,
        &["aws:MultiFactorAuthPresent", "aws:RequestedRegion"],
        "identity MFA deny and SCP region deny",
    ),
    e(
        "MLAdmin",
        "iam:PassRole",
        Always,
        &[],
        "the SCP allows * and denies only sagemaker:* actions",
    ),
    e(
        "carol",
        "sagemaker:DescribeTrainingJob",
        Conditional,
        &["aws:RequestedRegion"],
        "Always without SCP; the region deny applies to every sagemaker action",
    ),
    e(
        "SageMakerExecutionRole",
        "sagemaker:CreatePresignedDomainUrl",
        Conditional,
        &["aws:SourceVpce"],
        "Always without SCP; DenyStudioUrlsOutsideTheVpcEndpoint",
    ),
    e(
        "SageMakerExecutionRole",
        "sagemaker:DeleteDomain",
        Never,
        &[],
        "an SCP only restricts: Never stays Never",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:DeleteModel",
        Never,
        &[],
        "boundary: Never stays Never",
    ),
    e(
        "BoundedEngineer",
        "sagemaker:CreateTrainingJob",
        Conditional,
        &["aws:RequestedRegion"],
        "identity ∩ boundary allow it; the SCP region deny conditions it",
    ),
    e(
        "bastion-host",
        "sagemaker:ListTrainingJobs",
        Never,
        &[],
        "an SCP grants nothing by itself",
    ),
];

/// Under root + `examples/scp-ml-ou.json` (Allow *, Deny CreateNotebookInstance with root access).
const TWO_SCP_LEVELS: &[Expect] = &[
    e(
        "MLAdmin",
        "sagemaker:CreateNotebookInstance",
        Conditional,
        &["aws:RequestedRegion"],
        "root region deny; the OU denies sagemaker:RootAccess = Enabled",
    ),
    e(
        "MLAdmin",
        "iam:PassRole",
        Always,
        &[],
        "both levels allow *, neither denies iam",
    ),
    e(
        "carol",
        "sagemaker:Search",
        Conditional,
        &["aws:RequestedRegion"],
        "the second level allows * too, so only the root region deny conditions it",
    ),
];

#[test]
fn example_account_cells_match_hand_derived_expectations() {
    check(plain(), PLAIN);
}

#[test]
fn example_account_under_root_scp() {
    check(with_root_scp(), ROOT_SCP);
    // The deny on CreatePresignedDomainUrl lowers its allowed count further than the region
    // deny alone does for an action both policies otherwise allow.
    let admin = principal(with_root_scp(), "MLAdmin");
    let url = cell(admin, "sagemaker:CreatePresignedDomainUrl");
    let ep = cell(admin, "sagemaker:CreateEndpoint");
    assert!(
        url.allowed * ep.total < ep.allowed * url.total,
        "{url:?} vs {ep:?}"
    );
}

#[test]
fn example_account_under_two_scp_levels() {
    let r = with_two_scp_levels();
    check(r, TWO_SCP_LEVELS);
    let admin = principal(r, "MLAdmin");
    assert!(
        admin.policies.iter().any(|p| p.starts_with("scp[1][0]:")),
        "{:?}",
        admin.policies
    );
}

#[test]
fn example_account_principals_and_policies() {
    let r = plain();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let names: Vec<&str> = r.accounts[0]
        .principals
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    // Roles then users, in file order.
    assert_eq!(
        names,
        [
            "DataScientist",
            "SageMakerExecutionRole",
            "MLAdmin",
            "BoundedEngineer",
            "bastion-host",
            "MLOpsDeployer",
            "SageMakerPlatformExecution",
            "carol"
        ]
    );
    assert_eq!(r.accounts[0].id, ACCOUNT);
    let catalog = Catalog::sagemaker_default();
    let mut groups = BTreeSet::new();
    for p in &r.accounts[0].principals {
        assert_eq!(p.status, Status::Ok, "{}: {:?}", p.name, p.errors);
        assert_eq!(p.actions.len(), catalog.action_count(), "{}", p.name);
        groups.insert(p.group.unwrap());
        for c in p.actions.iter() {
            // S-27: SageMaker has no resource-based policies, so another account's resources are
            // never reachable.
            assert_eq!(c.other_account_allowed, 0, "{} × {}", p.name, c.action);
            assert!(c.allowed <= c.total && c.total > 0, "{} × {c:?}", p.name);
            assert_eq!(c.class, Class::of(c.allowed, c.total));
        }
    }
    // Every principal has different policies (or, for BoundedEngineer vs DataScientist, both
    // team=ml, a different policy set): eight evaluation groups.
    assert_eq!(groups.len(), 8);
    assert_eq!(r.stats.groups, 8);

    // The group's policies are inherited and labelled as such.
    let carol = principal(r, "carol");
    assert_eq!(
        carol.policies,
        [
            "inline:StopOwnNotebooks",
            "inline:AssumeMLAdminWithMfa",
            "group:ml-readers/inline:ReadOnlySageMaker",
            "group:ml-readers/managed:arn:aws:iam::aws:policy/AmazonSageMakerReadOnly",
        ]
    );
    assert_eq!(carol.kind, "user");
    assert_eq!(carol.path, "/analysts/");
    // The boundary is listed apart from identity policies.
    let eng = principal(r, "BoundedEngineer");
    assert_eq!(
        eng.policies,
        [
            "inline:EngineerSageMakerAll",
            "boundary:arn:aws:iam::111122223333:policy/boundaries/MLEngineerBoundary",
        ]
    );
    // The role with a trust policy only: nothing at any access level.
    let bastion = principal(r, "bastion-host");
    assert!(bastion.policies.is_empty());
    for (level, counts) in &bastion.by_level {
        assert_eq!((counts.always, counts.conditional), (0, 0), "{level:?}");
    }
    assert!(bastion.actions.iter().all(|c| c.class == Never));
    // BoundedEngineer's writes are the boundary's single write, CreateTrainingJob.
    let writes: Vec<&str> = eng
        .actions
        .iter()
        .filter(|c| c.class != Never && c.action.starts_with("sagemaker:"))
        .filter(|c| {
            let n = &c.action["sagemaker:".len()..];
            !(n.starts_with("List") || n.starts_with("Describe") || n.starts_with("Get"))
        })
        .map(|c| c.action.as_str())
        .collect();
    assert_eq!(writes, ["sagemaker:CreateTrainingJob"]);
}

#[test]
fn example_account_pass_role_reach() {
    let r = plain();
    // DataScientist: only the execution role (its PassRole statement names one ARN), and that role
    // trusts sagemaker.amazonaws.com.
    let ds = principal(r, "DataScientist");
    assert_eq!(ds.passrole.len(), 1, "{:?}", ds.passrole);
    assert_eq!(ds.passrole[0].role, EXEC_ROLE);
    assert_eq!(ds.passrole[0].class, Always);
    assert!(ds.passrole[0].trusts_sagemaker);
    // MLAdmin: iam:PassRole on * reaches every role of the account; only the two execution
    // roles trust SageMaker.
    let roles: Vec<&str> = r.accounts[0]
        .principals
        .iter()
        .filter(|p| p.kind == "role")
        .map(|p| p.arn.as_str())
        .collect();
    for who in ["MLAdmin", "SageMakerExecutionRole"] {
        // SageMakerExecutionRole: AmazonSageMakerFullAccess's AllowPassRoleToSageMaker allows
        // arn:aws:iam::*:role/* when iam:PassedToService = sagemaker.amazonaws.com.
        let p = principal(r, who);
        let reach: Vec<&str> = p.passrole.iter().map(|t| t.role.as_str()).collect();
        assert_eq!(reach, roles, "{who}");
        for t in p.passrole.iter() {
            assert_eq!(t.class, Always, "{who} → {}", t.role);
            assert_eq!(
                t.trusts_sagemaker,
                t.role == EXEC_ROLE || t.role == PLATFORM_EXEC_ROLE,
                "{who} → {}",
                t.role
            );
        }
    }
    for who in ["BoundedEngineer", "carol", "bastion-host"] {
        assert!(principal(r, who).passrole.is_empty(), "{who}");
    }
    // An SCP that does not touch iam leaves the reach alone.
    let ds = principal(with_root_scp(), "DataScientist");
    assert_eq!(ds.passrole.len(), 1);
    assert_eq!(ds.passrole[0].role, EXEC_ROLE);
}

/// `${aws:PrincipalTag/team}` must be instantiated with DataScientist's own tag (team=ml), not
/// only with the first team value seen in the account.
#[test]
fn team_scoped_statements_reach_every_team() {
    check(
        plain(),
        &[
            e(
                "DataScientist",
                "sagemaker:CreateTrainingJob",
                Conditional,
                &["sagemaker:InstanceTypes", "aws:RequestTag/team"],
                "CreateOnSmallInstancesTaggedWithOwnTeam: ForAllValues:StringLike InstanceTypes \
               [ml.t3.*, ml.m5.*], Null false, aws:RequestTag/team = ${aws:PrincipalTag/team}",
            ),
            e(
                "DataScientist",
                "sagemaker:CreateNotebookInstance",
                Conditional,
                &["sagemaker:InstanceTypes", "aws:RequestTag/team"],
                "same statement",
            ),
            e(
                "DataScientist",
                "sagemaker:CreateProcessingJob",
                Conditional,
                &["sagemaker:InstanceTypes", "aws:RequestTag/team"],
                "same statement",
            ),
            e(
                "DataScientist",
                "sagemaker:StopTrainingJob",
                Conditional,
                &["sagemaker:ResourceTag/team"],
                "StopAndDeleteOwnTeamResources: sagemaker:ResourceTag/team = ${aws:PrincipalTag/team}",
            ),
            e(
                "DataScientist",
                "sagemaker:DeleteNotebookInstance",
                Conditional,
                &["sagemaker:ResourceTag/team"],
                "same statement",
            ),
        ],
    );
}

/// With a single team in the account (so the bug above cannot interfere), DataScientist's
/// tag-on-create statement (`sagemaker:AddTags` with `sagemaker:TaggingAction` and
/// `aws:RequestTag/team`) must get a request that satisfies it at the CLI's default `--variants`.
#[test]
fn statement_variants_reach_actions_with_many_resource_types() {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(examples().join("account.json")).unwrap())
            .unwrap();
    for list in ["RoleDetailList", "UserDetailList"] {
        for p in doc[list].as_array_mut().unwrap() {
            if let Some(tags) = p["Tags"].as_array_mut() {
                tags.retain(|t| t["Key"] != "team" || t["Value"] == "ml");
            }
        }
    }
    let dir = scratch("one-team");
    let file = dir.join("account.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let r = audit(&config(vec![file], Vec::new(), 1000, 2));
    let ds = principal(&r, "DataScientist");
    // Sanity: with one team the team-scoped actions of the bug above are reachable.
    assert_eq!(cell(ds, "sagemaker:StopTrainingJob").class, Conditional);
    check(
        &r,
        &[e(
            "DataScientist",
            "sagemaker:AddTags",
            Conditional,
            &["sagemaker:TaggingAction", "aws:RequestTag/team"],
            "TagOnCreateOnly: TaggingAction in the three creates, RequestTag/team = own team",
        )],
    );
}

/// `deciding_keys` names `resource` "when the ARN decided" (model.rs). For a wildcard-only action
/// the request is evaluated against `*` (S-28), so the resource cannot decide anything.
#[test]
fn deciding_keys_name_resource_only_when_it_decided() {
    let exec = principal(with_root_scp(), "SageMakerExecutionRole");
    let c = cell(exec, "sagemaker:ListTrainingJobs");
    assert_eq!(c.class, Conditional);
    // Only the SCP region deny separates allowed from denied requests.
    assert_eq!(c.deciding_keys, ["aws:RequestedRegion"]);
}

/// Deciding keys are shown as the policies spell them (the code dedups case-insensitively for that
/// purpose), never in the evaluator's internal lowercase form.
#[test]
fn deciding_keys_keep_the_policy_spelling() {
    let mut texts = String::new();
    for f in ["account.json", "scp-root.json", "scp-ml-ou.json"] {
        texts.push_str(&std::fs::read_to_string(examples().join(f)).unwrap());
    }
    let mut bad = Vec::new();
    for p in &with_two_scp_levels().accounts[0].principals {
        for c in p.actions.iter() {
            for k in &c.deciding_keys {
                if k != "resource" && !texts.contains(k.as_str()) {
                    bad.push(format!("{} × {}: {k}", p.name, c.action));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

/// The whole result minus timings (and the thread count itself).
fn normalized(mut r: AuditResult) -> AuditResult {
    r.stats.evaluation_seconds = 0.0;
    r.stats.coverage_seconds = 0.0;
    r.stats.findings_seconds = 0.0;
    r.stats.wall_seconds = 0.0;
    r.stats.decisions_per_second = 0.0;
    r.stats.analysis_cpu_seconds = 0.0;
    r.stats.threads = 0;
    r
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let files = vec![examples().join("account.json")];
    let scps = vec![vec![examples().join("scp-root.json")]];
    let one = audit(&config(files.clone(), scps.clone(), VARIANTS, 1));
    let two = audit(&config(files, scps, VARIANTS, 2));
    assert_eq!(one.stats.threads, 1);
    assert_eq!(two.stats.threads, 2);
    let (one, two) = (normalized(one), normalized(two));
    assert!(one.stats.decisions > 0);
    if one != two {
        for (a, b) in one.accounts[0]
            .principals
            .iter()
            .zip(&two.accounts[0].principals)
        {
            for (x, y) in a.actions.iter().zip(b.actions.iter()) {
                assert_eq!(x, y, "{}", a.name);
            }
            assert_eq!(a, b);
        }
        assert_eq!(one, two);
    }
}

/// The samples whose `.url-encoded.json` twin must audit identically.
fn sample_dir() -> Option<PathBuf> {
    Some(shared()?.join("data").join("gaad-samples"))
}

fn blank_files(mut accounts: Vec<iamc::audit::AccountResult>) -> Vec<iamc::audit::AccountResult> {
    for a in &mut accounts {
        a.file.clear();
        for p in &mut a.principals {
            for e in &mut p.errors {
                e.file.clear();
            }
        }
    }
    accounts
}

#[test]
fn shared_gaad_samples_audit_cleanly_and_twins_agree() {
    let Some(dir) = sample_dir() else { return };
    let catalog = Catalog::sagemaker_default();
    let files = crate::common::files_with_ext(&dir, "json");
    assert!(files.len() >= 6, "{files:?}");
    let mut results = std::collections::BTreeMap::new();
    for f in &files {
        let r = audit(&config(vec![f.clone()], Vec::new(), 20, 2));
        assert!(r.errors.is_empty(), "{}: {:?}", f.display(), r.errors);
        assert_eq!(r.accounts.len(), 1, "{}", f.display());
        assert!(!r.accounts[0].principals.is_empty(), "{}", f.display());
        for p in &r.accounts[0].principals {
            assert_eq!(
                p.status,
                Status::Ok,
                "{} {}: {:?}",
                f.display(),
                p.name,
                p.errors
            );
            assert_eq!(p.actions.len(), catalog.action_count());
        }
        results.insert(f.file_name().unwrap().to_string_lossy().into_owned(), r);
    }
    let mut twins = 0;
    for (name, r) in &results {
        let Some(base) = name.strip_suffix(".url-encoded.json") else {
            continue;
        };
        let plain = &results[&format!("{base}.json")];
        twins += 1;
        assert_eq!(
            blank_files(r.accounts.clone()),
            blank_files(plain.accounts.clone()),
            "{name} vs its decoded twin"
        );
        assert_eq!(r.stats.decisions, plain.stats.decisions);
    }
    assert!(twins >= 2, "{twins} url-encoded samples");
}

/// AWS managed policy ARNs a GAAD document attaches (identity, group and boundary) per principal
/// ARN, for users including their groups'.
fn attached_arns(doc: &Value) -> Vec<(String, BTreeSet<String>)> {
    let arns = |e: &Value| -> BTreeSet<String> {
        let mut s: BTreeSet<String> = e["AttachedManagedPolicies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["PolicyArn"].as_str().unwrap().to_owned())
            .collect();
        if let Some(b) = e["PermissionsBoundary"]["PermissionsBoundaryArn"].as_str() {
            s.insert(b.to_owned());
        }
        s
    };
    let empty = Vec::new();
    let groups = doc["GroupDetailList"].as_array().unwrap_or(&empty);
    let mut out = Vec::new();
    for r in doc["RoleDetailList"].as_array().unwrap_or(&empty) {
        out.push((r["Arn"].as_str().unwrap().to_owned(), arns(r)));
    }
    for u in doc["UserDetailList"].as_array().unwrap_or(&empty) {
        let mut s = arns(u);
        for g in u["GroupList"].as_array().into_iter().flatten() {
            let g = groups.iter().find(|x| x["GroupName"] == *g).unwrap();
            s.extend(arns(g));
        }
        out.push((u["Arn"].as_str().unwrap().to_owned(), s));
    }
    out
}

#[test]
fn cloudsplaining_managed_policies_resolve_or_are_reported() {
    let Some(shared) = shared() else { return };
    let sample = shared.join("data/gaad-samples/cloudsplaining-example.json");
    let managed = shared.join("data/managed-policies");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&sample).unwrap()).unwrap();
    // As shipped, the file includes every policy it attaches, so no --managed-policies is needed
    // (and the sample test above saw no error).
    let listed: BTreeSet<&str> = doc["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["Arn"].as_str().unwrap())
        .collect();
    let attached = attached_arns(&doc);
    let unlisted: BTreeSet<&String> = attached
        .iter()
        .flat_map(|(_, s)| s)
        .filter(|a| !listed.contains(a.as_str()))
        .collect();
    assert!(unlisted.is_empty(), "{unlisted:?}");

    // Drop every AWS managed policy from `Policies`: the audit must then find each one in the
    // managed-policy directory or report the principals that attach it.
    let mut stripped = doc.clone();
    stripped["Policies"].as_array_mut().unwrap().retain(|p| {
        !p["Arn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:iam::aws:policy/")
    });
    let dir = scratch("cloudsplaining-stripped");
    let file = dir.join("cloudsplaining-no-aws-managed.json");
    std::fs::write(&file, stripped.to_string()).unwrap();
    let on_disk = |arn: &str| {
        managed
            .join(format!("{}.json", arn.rsplit('/').next().unwrap()))
            .is_file()
    };
    let missing: BTreeSet<&str> = attached
        .iter()
        .flat_map(|(_, s)| s)
        .filter(|a| a.starts_with("arn:aws:iam::aws:policy/") && !on_disk(a))
        .map(String::as_str)
        .collect();
    eprintln!(
        "AWS managed policies attached in cloudsplaining-example.json but absent from {}: {}",
        managed.display(),
        missing.len()
    );
    assert!(
        !missing.is_empty(),
        "the directory now has them all: tighten this test"
    );

    let mut cfg = config(vec![file.clone()], Vec::new(), 10, 2);
    cfg.managed_dir = ManagedPolicyDir(Some(managed.clone()));
    let r = audit(&cfg);
    let principals = &r.accounts[0].principals;
    assert_eq!(principals.len(), attached.len());
    let mut expected_errors = 0;
    for (arn, arns) in &attached {
        let p = principals.iter().find(|p| p.arn == *arn).unwrap();
        let absent: Vec<&&str> = missing.iter().filter(|m| arns.contains(**m)).collect();
        if absent.is_empty() {
            assert_eq!(p.status, Status::Ok, "{arn}: {:?}", p.errors);
            assert!(!p.actions.is_empty());
        } else {
            // Not silently skipped: an error per missing policy, naming it, and no coverage.
            assert_eq!(p.status, Status::Error, "{arn} attaches {absent:?}");
            assert!(p.actions.is_empty() && p.group.is_none(), "{arn}");
            for m in &absent {
                let err = p
                    .errors
                    .iter()
                    .find(|e| e.message.contains(**m))
                    .unwrap_or_else(|| panic!("{arn}: no error naming {m}: {:?}", p.errors));
                assert_eq!(err.file, file.display().to_string());
                assert_eq!(err.principal.as_deref(), Some(arn.as_str()));
                assert!(err.pointer.contains("/AttachedManagedPolicies/"), "{err:?}");
                assert!(err.message.contains("--managed-policies"), "{err:?}");
            }
            expected_errors += 1;
        }
    }
    assert!(expected_errors > 0);
    assert_eq!(r.stats.principals_with_errors, expected_errors);
    assert!(r.errors.len() >= expected_errors);
    eprintln!(
        "{expected_errors} of {} principals reported as errors",
        principals.len()
    );

    // Without the directory every principal that attaches an AWS managed policy is an error.
    let r = audit(&config(vec![file], Vec::new(), 3, 2));
    let attaching = attached
        .iter()
        .filter(|(_, s)| s.iter().any(|a| a.starts_with("arn:aws:iam::aws:policy/")))
        .count();
    assert_eq!(r.stats.principals_with_errors, attaching);
}

/// The example with MLAdmin's inline policy broken (unknown operator) and an attached policy
/// that `Policies` lacks on BoundedEngineer.
fn broken_account() -> PathBuf {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(examples().join("account.json")).unwrap())
            .unwrap();
    let roles = doc["RoleDetailList"].as_array_mut().unwrap();
    assert_eq!(roles[2]["RoleName"], "MLAdmin");
    let cond = roles[2]["RolePolicyList"][0]["PolicyDocument"]["Statement"][2]["Condition"]
        .as_object_mut()
        .unwrap();
    let v = cond.remove("BoolIfExists").unwrap();
    cond.insert("BoolIfExist".to_owned(), v);
    assert_eq!(roles[3]["RoleName"], "BoundedEngineer");
    roles[3]["AttachedManagedPolicies"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "PolicyName": "RetiredSageMakerPolicy",
            "PolicyArn": "arn:aws:iam::111122223333:policy/ml/RetiredSageMakerPolicy"
        }));
    let dir = scratch("broken");
    let file = dir.join("broken-account.json");
    std::fs::write(&file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    file
}

#[test]
fn broken_account_reports_errors_and_evaluates_the_rest() {
    let file = broken_account();
    let r = audit(&config(vec![file.clone()], Vec::new(), 30, 2));
    let fname = file.display().to_string();
    let admin = principal(&r, "MLAdmin");
    assert_eq!(admin.status, Status::Error);
    assert_eq!(admin.errors.len(), 1, "{:?}", admin.errors);
    let err = &admin.errors[0];
    assert_eq!(err.file, fname);
    assert_eq!(
        err.principal.as_deref(),
        Some("arn:aws:iam::111122223333:role/MLAdmin")
    );
    assert_eq!(
        err.pointer,
        "/RoleDetailList/2/RolePolicyList/0/PolicyDocument/Statement/2/Condition/BoolIfExist"
    );
    assert!(
        err.message
            .contains("unknown condition operator `BoolIfExist`"),
        "{err:?}"
    );
    assert!(admin.actions.is_empty() && admin.passrole.is_empty() && admin.group.is_none());

    let eng = principal(&r, "BoundedEngineer");
    assert_eq!(eng.status, Status::Error);
    assert_eq!(eng.errors.len(), 1, "{:?}", eng.errors);
    let err = &eng.errors[0];
    assert_eq!(err.file, fname);
    assert_eq!(err.pointer, "/RoleDetailList/3/AttachedManagedPolicies/0");
    assert!(
        err.message
            .contains("`arn:aws:iam::111122223333:policy/ml/RetiredSageMakerPolicy` is not in the file's `Policies` list"),
        "{err:?}"
    );

    // Both errors are also listed at the top; everyone else is evaluated as usual.
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
    assert_eq!(r.stats.principals_with_errors, 2);
    for p in &r.accounts[0].principals {
        if p.name != "MLAdmin" && p.name != "BoundedEngineer" {
            assert_eq!(p.status, Status::Ok, "{}", p.name);
            assert!(p.errors.is_empty());
            assert_eq!(p.actions.len(), Catalog::sagemaker_default().action_count());
        }
    }
    assert_eq!(
        cell(principal(&r, "carol"), "sagemaker:Search").class,
        Always
    );
}

#[test]
fn cli_exit_status_and_reports_for_a_broken_account() {
    let file = broken_account();
    let out = scratch("broken-cli-out");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("audit")
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(["--variants", "20", "--threads", "2", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("/Condition/BoolIfExist"), "{stderr}");
    assert!(stderr.contains("RetiredSageMakerPolicy"), "{stderr}");
    for f in [
        "coverage.csv",
        "coverage.json",
        "summary.json",
        "report.html",
    ] {
        let p = out.join(f);
        assert!(
            p.is_file() && std::fs::metadata(&p).unwrap().len() > 0,
            "{f}"
        );
    }
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["errors"].as_array().unwrap().len(), 2, "{summary}");
    let csv = std::fs::read_to_string(out.join("coverage.csv")).unwrap();
    assert!(
        csv.contains(",carol,"),
        "evaluated principals are in the CSV"
    );
}

/// The README's main command (with fewer variants: the test binary is unoptimized).
#[test]
fn cli_example_command_is_clean() {
    let out = scratch("example-cli-out");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .current_dir(repo())
        .args([
            "audit",
            "examples/account.json",
            "--scp-level",
            "examples/scp-root.json",
        ])
        .arg("--out")
        .arg(&out)
        .args(["--variants", "50", "--quiet"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
    for f in [
        "coverage.csv",
        "coverage.json",
        "summary.json",
        "report.html",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
}
