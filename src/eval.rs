//! Evaluation: requests, decisions, explanations, and the evaluators that produce them.
//!
//! [`reference`] is the readable specification; the compiled engine must agree with it on every
//! input.

pub mod compiled;
pub mod decision;
pub mod prepared;
pub mod reference;
pub mod request;

pub use decision::{Decision, Explanation, Layer, MatchedStatement, Outcome};
pub use prepared::PreparedRequest;
pub use request::{Context, ContextEntry, ContextValue, Request, RequestError};
