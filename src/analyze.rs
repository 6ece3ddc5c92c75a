//! Exact analysis: for one principal's policy set and one catalog action, the set of requests
//! AWS would allow, as a formula over typed atoms, decided exactly per key domain.
//!
//! ```text
//! PolicySet + action ──► Formula (statements that admit the action, per gate; atoms)
//!                   └──► worlds (one per ARN format of the action's resource types, or `*`)
//!                          └──► atoms read in the world: constants, literals on solver
//!                               variables (resource ARN + region, time, each key), opaque
//!                          └──► DPLL search over gates and negated denies, exact procedures
//!                               per variable (automata, intervals, sets) ──► witnesses
//!                                                                          ──► engine check
//! ```
//!
//! An [`Analysis`] says whether the action is allowed for every request AWS can send in the
//! audited account ([`Class::Always`]), for none ([`Class::Never`], a proof) or for some
//! ([`Class::Conditional`]), whether that answer is exact, the same for the principal's own
//! policies and for the organization's guardrails (SCPs) alone, one allowed and one denied
//! witness request checked by the compiled engine, and a readable condition.
//!
//! The request model (what "every request AWS can send" means) is in `docs/SEMANTICS.md`,
//! S-45 … S-49. Whatever cannot be decided exactly (a policy variable that reads a request key,
//! an operator family the key's type has no exact procedure for, a spent budget) makes the
//! answer inexact: the class is then a conservative `Conditional` and the caller samples.
//!
//! # Example
//!
//! ```rust
//! use iamc::analyze::{AnalysisConfig, Analyzer, Class};
//! use iamc::eval::Context;
//! use iamc::{Catalog, Policy, PolicyKind, PolicySet};
//!
//! let identity = Policy::parse(
//!     r#"{"Version": "2012-10-17", "Statement": [
//!         {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
//!          "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "arn:aws:kms:*:*:key/abc?-*"}}},
//!         {"Effect": "Deny", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
//!          "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*-x*"}}}
//!     ]}"#,
//!     PolicyKind::Identity,
//! )?;
//! let set = PolicySet::identity(vec![identity]);
//! let catalog = Catalog::sagemaker_default();
//! let analyzer = Analyzer::new(catalog, AnalysisConfig::new("111122223333"));
//! let a = analyzer.analyze_set(&set, &Context::new(), "sagemaker:CreateTrainingJob")?;
//! assert_eq!(a.class, Class::Conditional);
//! assert!(a.exact);
//! // The allowed witness is a thin sliver: a key like `abc?-*` without `-x`.
//! let w = a.allowed_witness.as_ref().unwrap();
//! let key = &w.context.get("sagemaker:volumekmskeyarn").unwrap().values[0];
//! assert!(key.contains(":key/abc") && !key.contains("-x"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod domain;
pub(crate) mod err;
pub(crate) mod formula;
pub(crate) mod intervals;
pub(crate) mod keys;
pub(crate) mod membership;
pub(crate) mod product;
pub(crate) mod render;
pub(crate) mod run;
pub(crate) mod search;
pub(crate) mod statements;
pub(crate) mod strings;
pub(crate) mod witness;
pub(crate) mod world;

use serde::Serialize;

pub use err::AnalyzeError;
pub use formula::Formula;
pub use membership::split_principal_keys;
pub use render::{CellCondition, PartCondition};
pub use statements::{Contribution, StatementVerdict};

use crate::catalog::{ActionInfo, Catalog};
use crate::compile::{CompiledSet, Compiler};
use crate::eval::{Context, Request};
use crate::policy::PolicySet;
use run::{Part, Run, Sat, classify, combine};

/// Settings of an analysis.
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    /// The audited account: own-account resources are in it.
    pub(crate) account: String,
    /// The account's partition (`aws`).
    pub(crate) partition: String,
    /// The region witnesses use when the policies allow it.
    pub(crate) region: String,
    /// The calling principal's ARN in witness requests.
    pub principal_arn: String,
    /// Search budget per (set, action): nodes plus automaton states.
    pub budget: u64,
    /// The request time witnesses use when the policies allow it (epoch seconds).
    pub(crate) reference_time: i128,
}

impl AnalysisConfig {
    /// Defaults for `account`: partition `aws`, region `us-east-1`, an `iamc-analysis` role
    /// session, a budget of 200,000, 2026-01-01T00:00:00Z.
    pub fn new(account: &str) -> AnalysisConfig {
        AnalysisConfig {
            account: account.to_owned(),
            partition: "aws".to_owned(),
            region: "us-east-1".to_owned(),
            principal_arn: format!(
                "arn:aws:sts::{account}:assumed-role/iamc-analysis/iamc-analysis"
            ),
            budget: 200_000,
            reference_time: 1_767_225_600,
        }
    }
}

/// How much of a request space is allowed: the requests a formula allows, or those a principal
/// may make for an action in its own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Class {
    /// Every request of the space is allowed.
    Always,
    /// Some are allowed, some are not (also the conservative answer when not exact).
    Conditional,
    /// None is allowed.
    Never,
}

impl Class {
    /// From allowed and total counts.
    pub fn of(allowed: u64, total: u64) -> Class {
        if allowed == 0 {
            Class::Never
        } else if allowed == total {
            Class::Always
        } else {
            Class::Conditional
        }
    }

    /// `Always`, `Conditional` or `Never`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Always => "Always",
            Class::Conditional => "Conditional",
            Class::Never => "Never",
        }
    }
}

/// The class of a part of the formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartClass {
    /// The class.
    pub class: Class,
    /// True when proved.
    pub exact: bool,
}

/// The class of the whole formula on one resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldClass {
    /// The resource type (`*` for wildcard-only actions).
    pub(crate) resource_type: String,
    /// The class there.
    #[serde(flatten)]
    pub(crate) class: PartClass,
}

/// The exact analysis of one policy set for one action.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// `service:Action`.
    pub action: String,
    /// The class over every request AWS can send in the audited account.
    pub class: Class,
    /// True when [`class`](Self::class) is proved; false means the caller should sample.
    pub exact: bool,
    /// The class of the principal's own policies alone (identity, boundary, session).
    pub own: PartClass,
    /// The class of the SCP levels alone (`Always` when there are none).
    pub guardrails: PartClass,
    /// Per resource type.
    pub worlds: Vec<WorldClass>,
    /// An allowed request (every non-`Never` exact cell has one), confirmed by the engine.
    pub allowed_witness: Option<Request>,
    /// A denied request (every non-`Always` exact cell has one), confirmed by the engine.
    pub denied_witness: Option<Request>,
    /// The readable condition, whole and split into guardrails and own part.
    pub condition: CellCondition,
    /// Why the answer is not exact, when it is not.
    pub approximate: Vec<String>,
    /// The formula (for [`Formula::admits`]).
    pub formula: Formula,
}

impl Analysis {
    /// True when the principal's own policies allow every request and only the guardrails
    /// restrict it ("Always, within the organization's guardrails").
    pub fn always_within_guardrails(&self) -> bool {
        self.class != Class::Always && self.own.class == Class::Always && self.own.exact
    }
}

/// Decides exact analyses against one catalog.
#[derive(Debug, Clone)]
pub struct Analyzer<'c> {
    catalog: &'c Catalog,
    config: AnalysisConfig,
}

impl<'c> Analyzer<'c> {
    /// An analyzer for `catalog`.
    pub fn new(catalog: &'c Catalog, config: AnalysisConfig) -> Analyzer<'c> {
        Analyzer { catalog, config }
    }

    /// The settings.
    pub(crate) fn config(&self) -> &AnalysisConfig {
        &self.config
    }

    fn action(&self, action: &str) -> Result<&'c ActionInfo, AnalyzeError> {
        self.catalog
            .action(action)
            .ok_or_else(|| AnalyzeError::UnknownAction(action.to_owned()))
    }

    /// Own-account requests need the calling principal in the audited account (S-48).
    fn check_config(&self) -> Result<(), AnalyzeError> {
        let named = crate::policy::pattern::split_arn(&self.config.principal_arn)
            .and_then(|p| p.get(4).copied())
            .filter(|a| !a.is_empty());
        match named {
            Some(a) if a != self.config.account => Err(AnalyzeError::Config(format!(
                "the principal `{}` is not in the audited account `{}`",
                self.config.principal_arn, self.config.account
            ))),
            _ => Ok(()),
        }
    }

    /// The formula of `set` for `action` (`service:Name`, any case), before any request model.
    pub(crate) fn formula(&self, set: &PolicySet, action: &str) -> Result<Formula, AnalyzeError> {
        Ok(Formula::build(set, self.action(action)?))
    }

    /// As [`analyze`](Self::analyze), compiling `set` to check the witnesses.
    pub fn analyze_set(
        &self,
        set: &PolicySet,
        principal: &Context,
        action: &str,
    ) -> Result<Analysis, AnalyzeError> {
        let arena = bumpalo::Bump::new();
        let compiled = Compiler::new(&arena, self.catalog).compile(set)?;
        self.analyze(set, principal, action, &compiled)
    }

    fn run<'r>(
        &'r self,
        formula: &'r Formula,
        info: &'r ActionInfo,
        principal: &'r Context,
    ) -> Run<'r> {
        Run::new(self, formula, info, principal)
    }

    /// Analyzes `set` (compiled as `compiled`) for `action`, for the principal whose own
    /// context entries (`aws:PrincipalTag/…`, `aws:username`, …) are `principal`.
    pub fn analyze(
        &self,
        set: &PolicySet,
        principal: &Context,
        action: &str,
        compiled: &CompiledSet<'_>,
    ) -> Result<Analysis, AnalyzeError> {
        let info = self.action(action)?;
        self.check_config()?;
        let formula = Formula::build(set, info);
        let mut run = self.run(&formula, info, principal);
        let per_world = run.part(Part::All)?;
        let (allowed, denied) = combine(&per_world);
        let full = classify(&allowed, &denied);
        // Both parts allow at least what the whole allows; without SCPs the own part is the whole.
        let always = PartClass {
            class: Class::Always,
            exact: true,
        };
        let has_scps = formula.gates.iter().any(formula::Gate::is_guardrail);
        let own = if full.class == Class::Always && full.exact {
            always
        } else if !has_scps {
            full
        } else {
            run.part_class(Part::Own)?
        };
        let guardrails = if full.class == Class::Always && full.exact {
            always
        } else {
            run.part_class(Part::Guardrails)?
        };
        let worlds_out = run
            .defs
            .iter()
            .zip(&per_world)
            .map(|(w, (a, d))| WorldClass {
                resource_type: w.name.clone(),
                class: classify(a, d),
            })
            .collect();
        let mut approximate = Vec::new();
        if !full.exact {
            if run.budget == 0 {
                approximate.push(format!(
                    "the search budget ({}) was spent",
                    self.config.budget
                ));
            }
            if run.any_opaque() {
                approximate.push(
                    "a policy variable in a condition or resource reads a request key".to_owned(),
                );
            }
            if approximate.is_empty() {
                approximate
                    .push("a condition has no exact procedure for its key's type".to_owned());
            }
        }
        let allowed_witness = match allowed {
            Sat::Yes(w) => Some(*w),
            _ => None,
        };
        let denied_witness = match denied {
            Sat::Yes(w) => Some(*w),
            _ => None,
        };
        if let Some(w) = &allowed_witness {
            witness::confirm(compiled, principal, self.catalog, w, true)?;
        }
        if let Some(w) = &denied_witness {
            witness::confirm(compiled, principal, self.catalog, w, false)?;
        }
        let condition = CellCondition {
            all: run.condition(Part::All, self.catalog),
            guardrails: run.condition(Part::Guardrails, self.catalog),
            own: run.condition(Part::Own, self.catalog),
        };
        drop(run);
        Ok(Analysis {
            action: formula.action.clone(),
            class: full.class,
            exact: full.exact,
            own,
            guardrails,
            worlds: worlds_out,
            allowed_witness,
            denied_witness,
            condition,
            approximate,
            formula,
        })
    }
}

#[cfg(test)]
mod tests;
