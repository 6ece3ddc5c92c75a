//! Bulk audits: accounts in (GAAD files, SCPs), synthetic SageMaker requests, batch evaluation
//! with rayon, coverage out.
//!
//! Data flows one way: [`account`] loads principals and their policy sets, [`requests`] generates
//! the request space from the catalog and what the policies mention, [`batch`] evaluates every
//! distinct policy set against it, [`findings`] decides what is wrong, [`suppress`] marks the
//! findings someone accepted, and [`model`] holds the results that `report` renders.
//! [`cloudtrail`] compares what CloudTrail says principals used with what they are granted, and
//! [`diff`] compares two audits of the same request space.

pub mod account;
pub mod batch;
pub mod cloudtrail;
pub mod diff;
pub mod findings;
pub mod model;
pub mod passrole;
pub mod requests;
pub mod suppress;
