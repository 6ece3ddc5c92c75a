//! Errors of the exact analysis.

use thiserror::Error;

use crate::compile::CompileError;

/// Why an analysis failed. A witness the engine disagrees with is a bug in one of the two and is
/// reported, never hidden.
#[derive(Debug, Error)]
pub enum AnalyzeError {
    /// The action is not in the catalog.
    #[error("action `{0}` is not in the catalog")]
    UnknownAction(String),
    /// The settings contradict each other.
    #[error("invalid analysis settings: {0}")]
    Config(String),
    /// A request for another action was given to a formula.
    #[error("the formula is for `{formula}`, the request is for `{request}`")]
    OtherAction {
        /// The formula's action.
        formula: String,
        /// The request's action.
        request: String,
    },
    /// The policy set did not compile (needed to check witnesses).
    #[error("cannot compile the policy set to check witnesses: {0}")]
    Compile(#[from] CompileError),
    /// The engine decided a witness differently from the formula.
    #[error(
        "witness disagreement for `{action}`: the formula says {expected}, the engine says {engine} for resource `{resource}` with context {context}"
    )]
    WitnessDisagrees {
        /// The action.
        action: String,
        /// What the formula says (`allowed`/`denied`).
        expected: &'static str,
        /// The engine's decision.
        engine: String,
        /// The witness resource.
        resource: String,
        /// The witness context, as JSON.
        context: String,
    },
    /// A witness built from an exact model does not satisfy the formula: a solver bug.
    #[error("internal error in the exact analysis of `{action}`: {message}")]
    Internal {
        /// The action.
        action: String,
        /// What went wrong.
        message: String,
    },
}
