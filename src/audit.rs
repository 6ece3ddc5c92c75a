//! Bulk audits: accounts in (GAAD files, SCPs), synthetic SageMaker requests, batch evaluation
//! with rayon, coverage and findings out. One module per stage, data flowing one way:
//!
//! [`load`] reads GAAD files into principals and their policy sets; `group` puts principals whose
//! decisions must be identical into one evaluation group and compiles it once; [`space`] generates
//! the request space from the catalog and what the policies mention; `coverage` evaluates every
//! group against it; [`passrole`] works out which roles each group may pass; [`findings`] decides
//! what is wrong and [`suppress`] marks the findings someone accepted; [`run`] drives the stages and
//! [`model`] holds the results that `report` renders. [`cloudtrail`] compares what CloudTrail says
//! principals used with what they are granted, and [`diff`] compares two audits of one request
//! space. [`graph`] works out who can become whom (role assumption, IAM changes, SageMaker
//! pass-role) across every account, and `probe` is the one home of the capability probes.

pub mod cloudtrail;
mod coverage;
pub mod diff;
pub mod findings;
pub mod graph;
pub mod group;
pub mod load;
pub mod model;
pub mod passrole;
mod probe;
pub mod progress;
pub mod run;
pub mod space;
pub mod suppress;
