//! The audit's results: what every report renders. Plain data, `Serialize`, no behaviour.
//!
//! INVARIANT (nothing silent): a principal that could not be evaluated is still listed, with
//! `status: error` and its errors; every error also appears in [`AuditResult::errors`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog::AccessLevel;

/// Where a problem is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditError {
    /// The input file.
    pub file: String,
    /// The principal concerned, if any (its ARN).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// JSON pointer into the file (for policy errors, continued into the policy document).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        if let Some(p) = &self.principal {
            write!(f, " ({p})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How often a principal may perform an action over the request space: the class of an
/// analysis, read over the principal's own account.
pub use crate::analyze::Class;

/// One principal × action cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ActionCoverage {
    /// `service:Action`.
    pub action: String,
    /// The action's access level.
    pub access_level: AccessLevel,
    /// Requests in the principal's own account that were allowed.
    pub allowed: u64,
    /// Requests in the principal's own account.
    pub total: u64,
    /// Classification of `allowed`/`total`.
    pub class: Class,
    /// For `Conditional`: the condition keys (and `resource`, when the ARN decided) whose values
    /// decided, from explanations of sampled allowed and denied requests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deciding_keys: Vec<String>,
    /// For `Conditional`: the deciding conditions, readable (`ForAllValues:StringLike
    /// sagemaker:InstanceTypes [ml.m5.*]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Requests naming another account's resources that were allowed (always 0 for SageMaker,
    /// which has no resource-based policies) and their number.
    pub other_account_allowed: u64,
    /// Requests naming another account's resources.
    pub other_account_total: u64,
    /// True when the exact analysis could not decide the cell ([`crate::analyze`]): `class` is
    /// then the sampled one; false when `class` is proved over every request AWS can send.
    pub approximate: bool,
    /// For `approximate` cells: why the exact analysis did not decide (a policy variable that
    /// reads a request key, a spent budget, sampled requests outside the request model, S-54).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximate_reason: Option<String>,
    /// For `Conditional` cells: the readable condition of the exact analysis, whole and split
    /// into the organization's guardrails and the principal's own part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<CellCondition>,
    /// An allowed request from the exact analysis, confirmed by the engine (every non-`Never`
    /// exact cell has one). Shared (`Arc`): groups with the same cell hold one copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_witness: Option<Arc<Witness>>,
    /// A denied request from the exact analysis, confirmed by the engine (every non-`Always`
    /// exact cell has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_witness: Option<Arc<Witness>>,
}

/// The readable condition of a cell (see [`crate::analyze::CellCondition`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CellCondition {
    /// The whole condition (`aws:RequestedRegion ∈ {us-east-1} ∧ …`), per resource type when
    /// they differ.
    pub text: String,
    /// The part of the SCP levels, the same for every principal under them (`true` without
    /// SCPs).
    pub guardrails: String,
    /// The principal's own part (identity, boundary, session).
    pub own: String,
    /// True when the principal's own policies allow every request and only the guardrails
    /// restrict it: "Always, within the organization's guardrails".
    pub within_guardrails: bool,
}

/// Counts of actions by class for one access level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    /// Actions always allowed.
    pub always: u32,
    /// Actions allowed under conditions.
    pub conditional: u32,
    /// Actions never allowed.
    pub never: u32,
}

/// One role a principal may pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassRoleTarget {
    /// The target role's ARN.
    pub role: String,
    /// `iam:PassRole` on that role with `iam:PassedToService = sagemaker.amazonaws.com`.
    pub class: Class,
    /// The target's trust policy admits `sagemaker.amazonaws.com`.
    pub trusts_sagemaker: bool,
}

/// How bad a finding is; ordered from most to least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Leads to administrator-equivalent access.
    Critical,
    /// Leads to another role's privileges or a broad grant of write access.
    High,
    /// Worth fixing: over-broad or likely to fail.
    Medium,
    /// Hygiene: dead or redundant statements, unused access.
    Low,
}

impl Severity {
    /// The lowercase name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// What kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A SageMaker privilege-escalation, exfiltration or persistence path.
    Escalation,
    /// A call the principal is allowed to make but that will fail (missing AddTags, no role to
    /// pass).
    WillFail,
    /// A statement that grants more than it needs to.
    OverBroad,
    /// A statement that never changes a decision.
    DeadStatement,
    /// Access granted but not used in the CloudTrail period.
    UnusedAccess,
}

/// Where a statement is: its policy, file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StatementRef {
    /// The policy (`inline:Name`, `managed:arn`, `boundary:arn`, `scp[0][1]:file`).
    pub policy: String,
    /// The input file.
    pub file: String,
    /// JSON pointer of the statement in the file.
    pub pointer: String,
    /// `Sid`, or `#index`.
    pub statement: String,
    /// `Allow` or `Deny`.
    pub effect: String,
}

/// A concrete request that shows a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Witness {
    /// `service:Action`.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The request context (key → values).
    pub context: BTreeMap<String, Vec<String>>,
    /// The decision for this request, and for the counterfactual where relevant.
    pub decision: String,
}

/// A witness from a request and its decision.
pub(crate) fn witness(request: &crate::request::Request, decision: &str) -> Witness {
    let mut context = BTreeMap::new();
    for e in request.context.entries() {
        context.insert(e.key.clone(), e.values.clone());
    }
    Witness {
        action: request.action().to_owned(),
        resource: request.resource.clone(),
        context,
        decision: decision.to_owned(),
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id (`sagemaker-notebook-passrole`, `over-broad-write-wildcard`, …).
    pub rule: String,
    /// The kind.
    pub kind: FindingKind,
    /// The severity.
    pub severity: Severity,
    /// One line.
    pub title: String,
    /// What holds and why, readable.
    pub message: String,
    /// The account.
    pub account: String,
    /// The principal's ARN (for a cause: the first of [`Finding::principals`]).
    pub principal: String,
    /// For a cause (the audit's findings): every principal it affects, sorted. The detectors
    /// leave it empty; `crate::audit::findings::causes` fills it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// For a cause: how many principals it affects (`principals.len()`).
    #[serde(skip_serializing_if = "is_zero")]
    pub principal_count: usize,
    /// For a cause: the principals whose own finding differs from the one shown (another
    /// severity, message or witness), with theirs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub principal_details: Vec<PrincipalDetail>,
    /// The actions involved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// For pass-role paths: the role passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_role: Option<String>,
    /// For pass-role paths: the other roles of the same capability that could be passed too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_targets: Vec<String>,
    /// The statements that grant (or are) the finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<StatementRef>,
    /// Conditions under which it holds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// A request that shows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Arc<Witness>>,
    /// Stable across runs. For a cause: hash of rule, target and the statements responsible
    /// (no principal, so it names the cause); for a detector's per-principal finding: hash of
    /// rule, principal, target, actions and statements.
    pub fingerprint: String,
    /// The reason given by a matching suppression, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// For chain findings: every hop from the principal to the target, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Hop>,
}

/// What one principal's finding of a cause says, where it differs from the cause's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalDetail {
    /// The principal's ARN.
    pub principal: String,
    /// Its severity.
    pub(crate) severity: Severity,
    /// Its message.
    pub message: String,
    /// Its witness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Arc<Witness>>,
}

impl Finding {
    /// A detector's finding of `rule` with nothing else filled in: the detector adds its
    /// actions, statements, conditions, witness and target (struct update syntax), the audit
    /// its account, principal and fingerprint, and `crate::audit::findings::causes` the
    /// principals of a cause.
    pub fn new(
        rule: impl Into<String>,
        kind: FindingKind,
        severity: Severity,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            kind,
            severity,
            title: title.into(),
            message: message.into(),
            account: String::new(),
            principal: String::new(),
            principals: Vec::new(),
            principal_count: 0,
            principal_details: Vec::new(),
            actions: Vec::new(),
            target_role: None,
            other_targets: Vec::new(),
            statements: Vec::new(),
            conditions: Vec::new(),
            witness: None,
            fingerprint: String::new(),
            suppressed: None,
            chain: Vec::new(),
        }
    }

    /// The principal's own severity, message and witness (the cause's unless it differs).
    pub fn detail_of(&self, arn: &str) -> (Severity, &str, Option<&Witness>) {
        match self.principal_details.iter().find(|d| d.principal == arn) {
            Some(d) => (d.severity, &d.message, d.witness.as_deref()),
            None => (self.severity, &self.message, self.witness.as_deref()),
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Finding {
    /// Whether the finding affects principal `arn` (one of a cause's principals, or the
    /// per-principal finding's own).
    pub fn affects(&self, arn: &str) -> bool {
        self.principal == arn || self.principals.iter().any(|p| p == arn)
    }
}

/// One hop of a chain: how one principal becomes (or acts as) the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// The principal acting (ARN, or a virtual node's label).
    pub from: String,
    /// The principal it becomes.
    pub to: String,
    /// The kind of edge (`assume-role`, `take-user`, `grant-permissions`, …).
    pub kind: String,
    /// The actions the hop needs.
    pub actions: Vec<String>,
    /// The statements that allow it: identity statements of `from`, the trust statement of
    /// `to`, each with its file and JSON pointer.
    pub statements: Vec<StatementRef>,
    /// The conditions it needs (caller-chosen values such as `sts:ExternalId`, MFA, a session
    /// name), readable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
}

/// Whether a principal could be evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Evaluated.
    Ok,
    /// Not evaluated: see `errors`.
    Error,
}

/// Everything the audit says about one principal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalResult {
    /// Role or user name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// `role` or `user`.
    pub kind: String,
    /// Its IAM path.
    pub path: String,
    /// Evaluated or not.
    pub status: Status,
    /// Why not, or problems that did not stop evaluation (an invalid trust policy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<AuditError>,
    /// Index of its evaluation group: principals with identical policies and relevant attributes
    /// are evaluated once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<usize>,
    /// The policies in force, readable (`inline:Name`, `managed:arn`, `group:G/inline:Name`,
    /// `boundary:arn`, `scp[0][1]:file`).
    pub policies: Vec<String>,
    /// Reachable actions by access level.
    pub by_level: BTreeMap<AccessLevel, LevelCounts>,
    /// Every catalog action (shared by the members of an evaluation group).
    pub actions: std::sync::Arc<Vec<ActionCoverage>>,
    /// Roles of the account it may pass to SageMaker (shared by the members of its group).
    pub passrole: std::sync::Arc<Vec<PassRoleTarget>>,
}

/// One audited account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountResult {
    /// The 12-digit account id.
    pub id: String,
    /// The GAAD file.
    pub file: String,
    /// Its principals (roles, then users), in file order.
    pub principals: Vec<PrincipalResult>,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputFile {
    /// Its path as given.
    pub path: String,
    /// `gaad`, `scp` or `managed-policy`.
    pub kind: String,
    /// Its size.
    pub bytes: u64,
}

/// Counts and timings of one audit run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Principals found.
    pub principals: usize,
    /// Principals that could not be evaluated.
    pub principals_with_errors: usize,
    /// Distinct evaluation groups.
    pub groups: usize,
    /// Catalog actions audited.
    pub actions: usize,
    /// Synthetic requests generated (over all accounts).
    pub requests: u64,
    /// Group × request decisions the coverage pass answers (groups × requests).
    pub decisions: u64,
    /// Of which the engine evaluated: each action's requests once per distinct set of
    /// statements that apply to it (and principal values they read); groups with the same set
    /// share its decisions.
    pub engine_decisions: u64,
    /// Principal × request pairs those decisions cover (principals × requests).
    pub principal_decisions: u64,
    /// Wall time of the evaluation phase (compile, coverage, findings), in seconds.
    pub evaluation_seconds: f64,
    /// Of which the coverage pass: request generation and the `decisions`, in seconds.
    pub coverage_seconds: f64,
    /// Of which the findings detectors, in seconds.
    pub findings_seconds: f64,
    /// Wall time of the whole run, in seconds.
    pub wall_seconds: f64,
    /// `decisions / evaluation_seconds`.
    pub decisions_per_second: f64,
    /// Worker threads.
    pub threads: usize,
    /// Generator seed.
    pub seed: u64,
    /// Requests generated per action (before resource fan-out is capped).
    pub variants_per_action: usize,
    /// Group × action cells whose class the exact analysis proved.
    pub exact_cells: u64,
    /// Group × action cells left to sampling (`approximate`).
    pub approximate_cells: u64,
    /// Of `coverage_seconds`, the exact analysis (summed over worker threads), in seconds.
    pub analysis_cpu_seconds: f64,
}

/// The whole audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditResult {
    /// iamc's version.
    pub iamc_version: String,
    /// The inputs.
    pub inputs: Vec<InputFile>,
    /// The accounts.
    pub accounts: Vec<AccountResult>,
    /// Every error, principal-level and file-level.
    pub errors: Vec<AuditError>,
    /// Findings, one per cause with the principals it affects, in severity, most principals,
    /// rule, target order.
    pub findings: Vec<Finding>,
    /// Counts and timings.
    pub stats: Stats,
    /// What CloudTrail says each principal used, and the minimal policies proven from it (only
    /// when CloudTrail files were given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub least_privilege: Option<LeastPrivilege>,
    /// Lint warnings on the policies in force (`iamc lint`'s rules), once per policy document
    /// with the principals it applies to. They never change a decision.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policy_warnings: Vec<PolicyWarning>,
}

/// A lint warning on one policy document of an account, and who has that policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyWarning {
    /// The file the document is in.
    pub(crate) file: String,
    /// JSON pointer of the element in that file (the document's pointer, continued inside it).
    pub(crate) pointer: String,
    /// The policy (`inline:Name`, `managed:arn`, `boundary:arn`, …).
    pub(crate) policy: String,
    /// The lint rule (`unknown-action`, `always-false-condition`, …).
    pub(crate) rule: String,
    /// What is wrong.
    pub(crate) message: String,
    /// ARNs of the audited principals that have the policy.
    pub(crate) principals: Vec<String>,
}

/// One CloudTrail file read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrailFile {
    /// Its path.
    pub(crate) path: String,
    /// It was gzip-compressed (told by its magic bytes, not its name).
    pub gzip: bool,
    /// Its size on disk.
    pub(crate) bytes: u64,
    /// Records it holds (0 when it could not be read).
    pub(crate) records: u64,
}

/// What the CloudTrail logs show, over every audited account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LeastPrivilege {
    /// The files read.
    pub files: Vec<TrailFile>,
    /// Records read.
    pub records: u64,
    /// Records of other services (not `sagemaker.amazonaws.com`).
    pub other_service_records: u64,
    /// SageMaker records.
    pub sagemaker_events: u64,
    /// SageMaker event names that are not IAM actions of the catalog, with their counts.
    pub not_iam_actions: BTreeMap<String, u64>,
    /// SageMaker calls refused with an access-denied error: attempted, not used.
    pub access_denied: u64,
    /// SageMaker calls by identities that are neither an IAM user nor a role session (root,
    /// AWS services, federated users), by `userIdentity.type`.
    pub unattributed: BTreeMap<String, u64>,
    /// SageMaker calls by principals that are not in any audited account, by ARN.
    pub unaudited: BTreeMap<String, u64>,
    /// Files and records that could not be used (also in [`AuditResult::errors`]).
    pub errors: Vec<AuditError>,
    /// Per audited principal with logged SageMaker calls.
    pub principals: Vec<PrincipalLeastPrivilege>,
}

/// Used versus granted access of one principal, and its proven minimal policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrincipalLeastPrivilege {
    /// The account.
    pub account: String,
    /// The principal's ARN.
    pub principal: String,
    /// Its name.
    pub name: String,
    /// `role` or `user`.
    pub(crate) kind: String,
    /// Authorized SageMaker calls logged.
    pub events: u64,
    /// SageMaker calls refused with an access-denied error.
    pub access_denied: u64,
    /// Time of the first and of the last logged call.
    pub period: (String, String),
    /// SageMaker actions used, sorted.
    pub used: Vec<String>,
    /// Actions the logged calls needed without logging them (`iam:PassRole` for a passed role,
    /// `sagemaker:AddTags` for tags on create), sorted.
    pub inferred: Vec<String>,
    /// Used SageMaker actions whose coverage class is `Never`: the log shows a success the
    /// synthetic request space did not reach.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) used_not_granted: Vec<String>,
    /// Actions at least one of whose calls named a resource that could not be recovered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources_unknown: Vec<String>,
    /// SageMaker actions granted (coverage class not `Never`).
    pub granted: u32,
    /// Granted SageMaker actions not used (nor inferred).
    pub unused: u32,
    /// The unused actions by access level.
    pub unused_by_level: BTreeMap<AccessLevel, Vec<String>>,
    /// How the minimal policy names resources where it does not list the logged ones: one line
    /// per action and pattern (`sagemaker:CreateTrainingJob: arn:…:training-job/churn-xgb-*
    /// (2 logged names, create)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generalised: Vec<String>,
    /// Policy variables the minimal policy kept from the current policies
    /// (`${aws:PrincipalTag/team}`), sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<String>,
    /// The minimal policy document (`null` when no logged call is allowed by the current
    /// policies).
    pub policy: serde_json::Value,
    /// Where the minimal policy was written, once written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The engine's check of the minimal policy.
    pub proof: Proof,
}

/// The engine's check of a minimal policy against the logged calls and the current policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Proof {
    /// Logged requests (calls and the dependent requests they imply).
    pub logged_requests: u64,
    /// Logged requests the current policies allow.
    pub allowed_by_current: u64,
    /// Logged requests the minimal policy allows (with the same boundary and SCPs).
    pub allowed_by_minimal: u64,
    /// Logged requests the current policies deny, though the log says they succeeded (policies
    /// changed since, or the log lacks context such as resource tags); the first few.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) denied_by_current: Vec<Witness>,
    /// Requests checked for "the minimal policy allows nothing the current policies deny": the
    /// audit's space for the used actions, that space extended with the minimal policy's ARNs
    /// and values, the logged and fresh-name requests and their neighbourhood.
    pub space_requests: u64,
    /// Fresh-name requests: for each action whose resources the minimal policy names by a
    /// pattern, the latest logged call again on the next name of the series (`…-03` after
    /// `…-02`), with the `iam:PassRole` and tag-on-create `AddTags` requests a create needs.
    pub fresh_name_requests: u64,
    /// Fresh-name requests the current policies allow.
    pub fresh_name_allowed_by_current: u64,
    /// Fresh-name requests the minimal policy allows.
    pub fresh_name_allowed: u64,
    /// The first few fresh-name requests the current policies allow and the minimal one does
    /// not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) fresh_name_denied: Vec<Witness>,
    /// Requests the minimal policy allows and the current policies deny.
    pub counterexamples: u64,
    /// The first few counterexamples.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) counterexample_samples: Vec<Witness>,
    /// How the policy was narrowed to remove counterexamples, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub narrowing: Vec<String>,
    /// Every logged request and every fresh-name request the current policies allow is
    /// allowed, and no counterexample.
    pub verified: bool,
}
