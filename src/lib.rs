//! iamc: a compiled IAM policy decision engine for bulk access audits of Amazon SageMaker.
//!
//! Data flows one way: [`policy`] (JSON → validated model) → [`eval`] (decisions and
//! explanations). [`catalog`] describes the service surface (actions, resource types, condition
//! keys) that validation and evaluation consult.
#![forbid(unsafe_code)]

pub mod audit;
pub mod case;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod condition;
pub mod error;
pub mod eval;
pub mod policy;
pub mod report;

pub use catalog::Catalog;
pub use compile::{CompiledSet, Compiler};
pub use error::Error;
pub use eval::{Decision, Explanation, Layer, Outcome, PreparedRequest, Request};
pub use policy::{Policy, PolicyKind, PolicySet};
