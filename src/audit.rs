//! Bulk audits: accounts in (GAAD files, SCPs), synthetic SageMaker requests, batch evaluation
//! with rayon, coverage and findings out. One module per stage, data flowing one way:
//!
//! `load` reads GAAD files into principals and their policy sets; `group` puts principals whose
//! decisions must be identical into one evaluation group and compiles it once; `space` generates
//! the request space from the catalog and what the policies mention; `coverage` evaluates every
//! group against it; `passrole` works out which roles each group may pass; `findings` decides
//! what is wrong and [`suppress`] marks the findings someone accepted; `run` drives the stages and
//! `model` holds the results that `report` renders. [`cloudtrail`] compares what CloudTrail says
//! principals used with what they are granted, and [`diff`] compares two audits of one request
//! space. [`graph`] works out who can become whom (role assumption, IAM changes, SageMaker
//! pass-role) across every account, and `probe` is the one home of the capability probes.
//!
//! The stages are crate-private; what is public here is what the command, the integration tests,
//! the benches and the fuzz targets drive an audit with: [`run_audit`] and [`AuditConfig`] (with
//! [`GenConfig`] and [`ManagedPolicyDir`]), [`load_gaad`], the result model ([`AuditResult`] and
//! the types it holds), and the [`cloudtrail`], [`diff`], [`graph`] and [`suppress`] entry points
//! (DESIGN.md, "Public surface").

pub mod cloudtrail;
mod coverage;
pub mod diff;
pub(crate) mod findings;
pub mod graph;
pub(crate) mod group;
pub(crate) mod load;
pub(crate) mod model;
pub(crate) mod passrole;
mod probe;
pub(crate) mod progress;
pub(crate) mod run;
pub(crate) mod space;
pub mod suppress;

pub use findings::causes::group as group_causes;
pub use group::evaluation_groups;
pub use load::{Account, ManagedPolicyDir, load_gaad, load_gaad_text};
pub use model::{
    AccountResult, ActionCoverage, AuditError, AuditResult, CellCondition, Class, Finding,
    FindingKind, InputFile, LeastPrivilege, LevelCounts, PassRoleTarget, PrincipalLeastPrivilege,
    PrincipalResult, Severity, StatementRef, Stats, Status, Witness,
};
pub use run::{AuditConfig, AuditFailure, read_scps, run_audit, run_audit_accounts};
pub use space::{GenConfig, Mentions, generate_action};
