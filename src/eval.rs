//! Evaluation: decisions, explanations, and the evaluators that produce them.
//!
//! [`reference`](mod@reference) is the readable specification; the compiled engine must agree with it on every
//! input. Requests themselves live in the leaf module [`crate::request`]; their types are
//! re-exported here because every caller of an evaluator needs them.

pub mod compiled;
pub(crate) mod decision;
pub mod reference;
pub mod trace;

pub use crate::request::{
    Context, ContextEntry, ContextValue, PreparedRequest, Request, RequestError,
};
pub use decision::{Decision, Explanation, Layer, MatchedStatement, Outcome};
