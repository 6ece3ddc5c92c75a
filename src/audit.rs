//! Bulk audits: accounts in (GAAD files, SCPs), synthetic SageMaker requests, batch evaluation
//! with rayon, coverage out.
//!
//! Data flows one way: [`account`] loads principals and their policy sets, [`requests`] generates
//! the request space from the catalog and what the policies mention, [`batch`] evaluates every
//! distinct policy set against it, and [`model`] holds the results that `report` renders.

pub mod account;
pub mod batch;
pub mod findings;
pub mod model;
pub mod requests;
