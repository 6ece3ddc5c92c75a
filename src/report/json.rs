//! `coverage.json` (every principal; every evaluation group with its members and, by index, its
//! per-action cells and pass-role list; the account's distinct cells and pass-role lists, each
//! stored once) and `summary.json` (counts, timings, errors, class totals, finding counts,
//! warnings and, with CloudTrail, one least-privilege row per principal, without the per-action
//! cells, the findings or the minimal policies themselves, which are in `findings.json` and
//! `minimal-policies/`).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::value::RawValue;

use super::Extras;
use super::findings::FindingCounts;
use crate::audit::model::{ActionCoverage, AuditError, AuditResult, Class, InputFile, LevelCounts};
use crate::catalog::AccessLevel;

pub use super::FORMAT_VERSION;

/// `coverage.json`: compact JSON (it can be large), with a final newline.
pub fn coverage(result: &AuditResult) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string(&CoverageDoc::of(result)?)?;
    s.push('\n');
    Ok(s)
}

/// The shape of `coverage.json`.
#[derive(Debug, Serialize)]
pub(crate) struct CoverageDoc<'a> {
    /// [`FORMAT_VERSION`].
    pub(crate) format_version: u32,
    /// iamc's version.
    pub(crate) iamc_version: &'a str,
    /// The inputs.
    pub(crate) inputs: &'a [InputFile],
    /// Counts and timings.
    pub(crate) stats: &'a crate::audit::model::Stats,
    /// Every error.
    pub(crate) errors: &'a [AuditError],
    /// The accounts.
    pub(crate) accounts: Vec<AccountDoc<'a>>,
    /// CloudTrail least privilege, when CloudTrail logs were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) least_privilege: Option<&'a crate::audit::model::LeastPrivilege>,
}

/// One account of `coverage.json`.
#[derive(Debug, Serialize)]
pub(crate) struct AccountDoc<'a> {
    /// The account id.
    pub(crate) id: &'a str,
    /// The GAAD file.
    pub(crate) file: &'a str,
    /// Every principal, without its cells: see its `group`.
    pub(crate) principals: Vec<PrincipalDoc<'a>>,
    /// Every evaluation group: its members, its cells and its pass-role list, by index into
    /// `cells` and `passrole_lists`.
    pub(crate) groups: Vec<GroupDoc<'a>>,
    /// The distinct cells of the account's groups, each once (many groups share a cell).
    pub(crate) cells: Vec<Box<RawValue>>,
    /// The distinct pass-role lists of the account's groups, each once.
    pub(crate) passrole_lists: Vec<&'a [crate::audit::model::PassRoleTarget]>,
}

/// One principal of `coverage.json`.
#[derive(Debug, Serialize)]
pub(crate) struct PrincipalDoc<'a> {
    /// Role or user name.
    pub(crate) name: &'a str,
    /// Its ARN.
    pub(crate) arn: &'a str,
    /// `role` or `user`.
    pub(crate) kind: &'a str,
    /// Its IAM path.
    pub(crate) path: &'a str,
    /// Evaluated or not.
    pub(crate) status: crate::audit::model::Status,
    /// Its errors and warnings.
    #[serde(skip_serializing_if = "<[AuditError]>::is_empty")]
    pub(crate) errors: &'a [AuditError],
    /// Its evaluation group (index into the account's `groups`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) group: Option<usize>,
    /// The policies in force.
    pub(crate) policies: &'a [String],
    /// Reachable actions by access level.
    pub(crate) by_level: &'a BTreeMap<AccessLevel, LevelCounts>,
}

/// One evaluation group of `coverage.json`.
#[derive(Debug, Serialize)]
pub(crate) struct GroupDoc<'a> {
    /// Its index.
    pub(crate) group: usize,
    /// Its members' ARNs.
    pub(crate) members: Vec<&'a str>,
    /// One cell per catalog action, in catalog order: indexes into the account's `cells`.
    pub(crate) actions: Vec<u32>,
    /// The roles its members may pass to SageMaker: an index into the account's
    /// `passrole_lists`.
    pub(crate) passrole: u32,
}

/// Interns values by their serialized text: the index of each distinct value.
struct Interner<'a> {
    index: HashMap<String, u32>,
    values: Vec<Box<RawValue>>,
    buffer: Vec<u8>,
    /// Cells seen, by value: an equal cell has the same text, so it is not serialized again
    /// (a 10,000-role account has 563,000 cells and 6,000 distinct ones).
    cells: HashMap<SeenCell<'a>, u32, crate::hash::FastHash>,
}

/// A cell as a key of [`Interner::cells`]: compared by value, hashed by a few fields and the
/// addresses of its shared witnesses. Equal cells with witnesses that are equal but not shared
/// hash apart; they are then serialized and their texts meet in [`Interner::index`].
struct SeenCell<'a>(&'a ActionCoverage);

impl PartialEq for SeenCell<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for SeenCell<'_> {}

impl std::hash::Hash for SeenCell<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let c = self.0;
        c.action.hash(state);
        (c.allowed, c.total, c.class, c.approximate).hash(state);
        for w in [&c.allowed_witness, &c.denied_witness] {
            w.as_ref().map(std::sync::Arc::as_ptr).hash(state);
        }
    }
}

impl<'a> Interner<'a> {
    fn new() -> Interner<'a> {
        Interner {
            index: HashMap::new(),
            values: Vec::new(),
            buffer: Vec::new(),
            cells: HashMap::default(),
        }
    }

    /// The index of `cell`'s text, added when new.
    fn intern_cell(&mut self, cell: &'a ActionCoverage) -> Result<u32, serde_json::Error> {
        if let Some(i) = self.cells.get(&SeenCell(cell)) {
            return Ok(*i);
        }
        let i = self.intern(cell)?;
        self.cells.insert(SeenCell(cell), i);
        Ok(i)
    }

    /// The index of `value`'s text, added when new.
    fn intern(&mut self, value: &impl Serialize) -> Result<u32, serde_json::Error> {
        self.buffer.clear();
        serde_json::to_writer(&mut self.buffer, value)?;
        let text = std::str::from_utf8(&self.buffer).map_err(serde::ser::Error::custom)?;
        if let Some(i) = self.index.get(text) {
            return Ok(*i);
        }
        let i = u32::try_from(self.values.len()).map_err(serde::ser::Error::custom)?;
        self.index.insert(text.to_owned(), i);
        self.values.push(RawValue::from_string(text.to_owned())?);
        Ok(i)
    }
}

impl<'a> CoverageDoc<'a> {
    /// The document for `result` (fails only if a cell cannot be serialized).
    pub(crate) fn of(result: &'a AuditResult) -> Result<CoverageDoc<'a>, serde_json::Error> {
        let mut accounts = Vec::with_capacity(result.accounts.len());
        for a in &result.accounts {
            let mut cells = Interner::new();
            let mut lists: Vec<&'a [crate::audit::model::PassRoleTarget]> = Vec::new();
            let mut groups: BTreeMap<usize, GroupDoc<'a>> = BTreeMap::new();
            for p in &a.principals {
                let Some(g) = p.group else { continue };
                if let Some(d) = groups.get_mut(&g) {
                    d.members.push(&p.arn);
                    continue;
                }
                // A group's cells are stored once: those of its first member.
                let actions = p
                    .actions
                    .iter()
                    .map(|c| cells.intern_cell(c))
                    .collect::<Result<Vec<u32>, _>>()?;
                let passrole = match lists.iter().position(|l| *l == p.passrole.as_slice()) {
                    Some(i) => i,
                    None => {
                        lists.push(p.passrole.as_slice());
                        lists.len() - 1
                    }
                };
                groups.insert(
                    g,
                    GroupDoc {
                        group: g,
                        members: vec![&p.arn],
                        actions,
                        passrole: u32::try_from(passrole).map_err(serde::ser::Error::custom)?,
                    },
                );
            }
            accounts.push(AccountDoc {
                id: &a.id,
                file: &a.file,
                principals: a
                    .principals
                    .iter()
                    .map(|p| PrincipalDoc {
                        name: &p.name,
                        arn: &p.arn,
                        kind: &p.kind,
                        path: &p.path,
                        status: p.status,
                        errors: &p.errors,
                        group: p.group,
                        policies: &p.policies,
                        by_level: &p.by_level,
                    })
                    .collect(),
                groups: groups.into_values().collect(),
                cells: cells.values,
                passrole_lists: lists,
            });
        }
        Ok(CoverageDoc {
            format_version: FORMAT_VERSION,
            iamc_version: &result.iamc_version,
            inputs: &result.inputs,
            stats: &result.stats,
            errors: &result.errors,
            accounts,
            least_privilege: result.least_privilege.as_ref(),
        })
    }
}

/// The summary without extras, pretty-printed, with a final newline.
pub fn summary(result: &AuditResult) -> Result<String, serde_json::Error> {
    summary_with(result, &Extras::default())
}

/// The summary, with the warnings of `extras`, pretty-printed, with a final newline.
pub fn summary_with(result: &AuditResult, extras: &Extras) -> Result<String, serde_json::Error> {
    let mut summary = Summary::of(result);
    summary.warnings = extras.warnings();
    summary.warnings.extend(super::csv::limit_warnings(result));
    let mut s = serde_json::to_string_pretty(&summary)?;
    s.push('\n');
    Ok(s)
}

/// The shape of `summary.json`.
#[derive(Debug, Serialize)]
pub(crate) struct Summary<'a> {
    /// iamc's version.
    pub(crate) iamc_version: &'a str,
    /// The inputs.
    pub(crate) inputs: &'a [InputFile],
    /// Sizes of the run.
    pub(crate) counts: Counts,
    /// Every error.
    pub(crate) errors: &'a [AuditError],
    /// Timings.
    pub(crate) timing: Timing,
    /// Generator seed.
    pub(crate) seed: u64,
    /// Requests generated per action.
    pub(crate) variants_per_action: usize,
    /// Principal × action cells by class.
    pub(crate) classes: ClassCounts,
    /// Principal × action cells by access level and class, summed over principals; every level
    /// is present.
    pub(crate) by_level: BTreeMap<AccessLevel, LevelCounts>,
    /// Findings: total, suppressed, and unsuppressed ones by severity, kind and rule.
    pub(crate) findings: FindingCounts,
    /// Warnings that do not make the run fail (`suppression /suppressions/2 matched nothing`).
    pub(crate) warnings: Vec<String>,
    /// Lint warnings on the policies in force, once per policy document with its principals.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub(crate) policy_warnings: &'a [crate::audit::model::PolicyWarning],
    /// Least privilege from CloudTrail, when CloudTrail logs were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) least_privilege: Option<LeastPrivilegeSummary<'a>>,
}

/// `summary.json` `least_privilege`: what the CloudTrail logs held and one compact row per
/// principal (the minimal policies themselves are in `minimal-policies/`, the full proof in
/// `coverage.json`).
#[derive(Debug, Serialize)]
pub(crate) struct LeastPrivilegeSummary<'a> {
    /// CloudTrail files read.
    pub(crate) files: usize,
    /// Records read.
    pub(crate) records: u64,
    /// SageMaker records.
    pub(crate) sagemaker_events: u64,
    /// SageMaker calls refused with an access-denied error.
    pub(crate) access_denied: u64,
    /// Files and records that could not be used.
    pub(crate) errors: usize,
    /// Audited principals with logged SageMaker calls.
    pub(crate) principals: usize,
    /// Minimal policies produced.
    pub(crate) minimal_policies: usize,
    /// Of which the engine verified.
    pub(crate) verified: usize,
    /// One row per principal, in account and principal order.
    pub(crate) by_principal: Vec<LeastPrivilegeRow<'a>>,
}

/// One principal of [`LeastPrivilegeSummary`].
#[derive(Debug, Serialize)]
pub(crate) struct LeastPrivilegeRow<'a> {
    /// The account.
    pub(crate) account: &'a str,
    /// The principal's ARN.
    pub(crate) principal: &'a str,
    /// `role` or `user`.
    pub(crate) kind: &'a str,
    /// Authorized SageMaker calls logged.
    pub(crate) events: u64,
    /// SageMaker calls refused with an access-denied error.
    pub(crate) access_denied: u64,
    /// SageMaker actions used.
    pub(crate) used: usize,
    /// SageMaker actions granted.
    pub(crate) granted: u32,
    /// Granted SageMaker actions not used.
    pub(crate) unused: u32,
    /// Statements of the minimal policy (0 when there is none).
    pub(crate) statements: usize,
    /// Where the minimal policy was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<&'a str>,
    /// The engine verified the minimal policy.
    pub(crate) verified: bool,
    /// Logged requests (calls and the requests they needed).
    pub(crate) logged_requests: u64,
    /// Of which the minimal policy allows.
    pub(crate) allowed_by_minimal: u64,
    /// Fresh-name requests (the next job of each generalised series).
    pub(crate) fresh_name_requests: u64,
    /// Of which the minimal policy allows.
    pub(crate) fresh_name_allowed: u64,
    /// Requests the minimal policy allows and the current policies deny.
    pub(crate) counterexamples: u64,
    /// Policy variables the minimal policy keeps.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) variables: &'a [String],
}

impl<'a> LeastPrivilegeSummary<'a> {
    /// The summary of `lp`.
    pub(crate) fn of(lp: &'a crate::audit::model::LeastPrivilege) -> LeastPrivilegeSummary<'a> {
        let statements = |p: &crate::audit::model::PrincipalLeastPrivilege| {
            p.policy
                .get("Statement")
                .and_then(serde_json::Value::as_array)
                .map_or(0, Vec::len)
        };
        LeastPrivilegeSummary {
            files: lp.files.len(),
            records: lp.records,
            sagemaker_events: lp.sagemaker_events,
            access_denied: lp.access_denied,
            errors: lp.errors.len(),
            principals: lp.principals.len(),
            minimal_policies: lp.principals.iter().filter(|p| !p.policy.is_null()).count(),
            verified: lp
                .principals
                .iter()
                .filter(|p| !p.policy.is_null() && p.proof.verified)
                .count(),
            by_principal: lp
                .principals
                .iter()
                .map(|p| LeastPrivilegeRow {
                    account: &p.account,
                    principal: &p.principal,
                    kind: &p.kind,
                    events: p.events,
                    access_denied: p.access_denied,
                    used: p.used.len(),
                    granted: p.granted,
                    unused: p.unused,
                    statements: statements(p),
                    file: p.file.as_deref(),
                    verified: p.proof.verified,
                    logged_requests: p.proof.logged_requests,
                    allowed_by_minimal: p.proof.allowed_by_minimal,
                    fresh_name_requests: p.proof.fresh_name_requests,
                    fresh_name_allowed: p.proof.fresh_name_allowed,
                    counterexamples: p.proof.counterexamples,
                    variables: &p.variables,
                })
                .collect(),
        }
    }
}

/// Sizes of the run (`summary.json` `counts`).
#[derive(Debug, Serialize)]
pub(crate) struct Counts {
    /// Accounts audited.
    pub(crate) accounts: usize,
    /// Principals found.
    pub(crate) principals: usize,
    /// Principals that could not be evaluated.
    pub(crate) principals_with_errors: usize,
    /// Distinct evaluation groups.
    pub(crate) groups: usize,
    /// Catalog actions audited.
    pub(crate) actions: usize,
    /// Synthetic requests.
    pub(crate) requests: u64,
    /// Group × request decisions answered.
    pub(crate) decisions: u64,
    /// Of which the engine evaluated (groups with the same statements for an action share).
    pub(crate) engine_decisions: u64,
    /// Principal × request pairs covered.
    pub(crate) principal_decisions: u64,
    /// Principal × action cells whose class the exact analysis proved.
    pub(crate) exact_cells: u64,
    /// Principal × action cells whose class is sampled (`approximate`).
    pub(crate) approximate_cells: u64,
    /// Of the `Conditional` cells, those "Always within the organization's guardrails".
    pub(crate) within_guardrails_cells: u64,
    /// Group × action cells the exact analysis proved (each analysed once for its group).
    pub(crate) exact_group_cells: u64,
    /// Group × action cells left to sampling.
    pub(crate) approximate_group_cells: u64,
}

/// Timings (`summary.json` `timing`).
#[derive(Debug, Serialize)]
pub(crate) struct Timing {
    /// Evaluation phase (compile, coverage, findings), seconds.
    pub(crate) evaluation_seconds: f64,
    /// Coverage pass (request generation and every decision), seconds.
    pub(crate) coverage_seconds: f64,
    /// `decisions / coverage_seconds`.
    pub(crate) coverage_decisions_per_second: f64,
    /// Findings detectors, seconds.
    pub(crate) findings_seconds: f64,
    /// Whole run, seconds.
    pub(crate) wall_seconds: f64,
    /// Decisions per second of evaluation.
    pub(crate) decisions_per_second: f64,
    /// Worker threads.
    pub(crate) threads: usize,
    /// Of the coverage pass, the exact analysis, summed over worker threads, seconds.
    pub(crate) analysis_cpu_seconds: f64,
}

/// Cells by class (`summary.json` `classes`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ClassCounts {
    /// `Always` cells.
    pub(crate) always: u64,
    /// `Conditional` cells.
    pub(crate) conditional: u64,
    /// `Never` cells.
    pub(crate) never: u64,
}

impl<'a> Summary<'a> {
    /// Computes the summary of `result` (no warnings: those come with [`summary_with`]).
    pub(crate) fn of(result: &'a AuditResult) -> Summary<'a> {
        let s = &result.stats;
        let mut classes = ClassCounts::default();
        let mut by_level: BTreeMap<AccessLevel, LevelCounts> = AccessLevel::ALL
            .into_iter()
            .map(|l| (l, LevelCounts::default()))
            .collect();
        let (mut exact, mut approximate, mut within) = (0u64, 0u64, 0u64);
        for p in result.accounts.iter().flat_map(|a| &a.principals) {
            for a in p.actions.iter() {
                if a.approximate {
                    approximate += 1;
                } else {
                    exact += 1;
                }
                within += u64::from(a.condition.as_ref().is_some_and(|c| c.within_guardrails));
                match a.class {
                    Class::Always => classes.always += 1,
                    Class::Conditional => classes.conditional += 1,
                    Class::Never => classes.never += 1,
                }
            }
            for (level, c) in &p.by_level {
                let t = by_level.entry(*level).or_default();
                t.always = t.always.saturating_add(c.always);
                t.conditional = t.conditional.saturating_add(c.conditional);
                t.never = t.never.saturating_add(c.never);
            }
        }
        Summary {
            iamc_version: &result.iamc_version,
            inputs: &result.inputs,
            counts: Counts {
                accounts: result.accounts.len(),
                principals: s.principals,
                principals_with_errors: s.principals_with_errors,
                groups: s.groups,
                actions: s.actions,
                requests: s.requests,
                decisions: s.decisions,
                engine_decisions: s.engine_decisions,
                principal_decisions: s.principal_decisions,
                exact_cells: exact,
                approximate_cells: approximate,
                within_guardrails_cells: within,
                exact_group_cells: s.exact_cells,
                approximate_group_cells: s.approximate_cells,
            },
            errors: &result.errors,
            timing: Timing {
                evaluation_seconds: s.evaluation_seconds,
                coverage_seconds: s.coverage_seconds,
                coverage_decisions_per_second: if s.coverage_seconds > 0.0 {
                    s.decisions as f64 / s.coverage_seconds
                } else {
                    0.0
                },
                findings_seconds: s.findings_seconds,
                wall_seconds: s.wall_seconds,
                decisions_per_second: s.decisions_per_second,
                threads: s.threads,
                analysis_cpu_seconds: s.analysis_cpu_seconds,
            },
            seed: s.seed,
            variants_per_action: s.variants_per_action,
            classes,
            by_level,
            findings: FindingCounts::of(&result.findings),
            warnings: Vec::new(),
            policy_warnings: &result.policy_warnings,
            least_privilege: result
                .least_privilege
                .as_ref()
                .map(LeastPrivilegeSummary::of),
        }
    }
}
