//! iamc: a compiled IAM policy decision engine for bulk access audits of Amazon SageMaker.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod condition;
pub mod policy;
