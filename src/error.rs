//! The crate's error type: one variant per stage, each carrying where the problem is.

use std::path::PathBuf;

use crate::analyze::AnalyzeError;
use crate::audit::diff::DiffError;
use crate::audit::graph::GraphError;
use crate::audit::model::AuditError;
use crate::audit::run::AuditFailure;
use crate::audit::suppress::SuppressError;
use crate::catalog::CatalogError;
use crate::compile::CompileError;
use crate::eval::RequestError;
use crate::policy::PolicyError;
use crate::report::ReportError;

/// Any error iamc reports.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// A policy document that does not parse or validate.
    #[error("invalid policy {source_name} {error}")]
    Policy {
        /// Where the policy came from: a file path, or a label like `identity[0]`.
        source_name: String,
        /// What is wrong and where inside the document.
        error: PolicyError,
    },
    /// A catalog file that cannot be used.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A request that cannot be evaluated.
    #[error("invalid request: {0}")]
    Request(#[from] RequestError),
    /// A policy set too large to compile.
    #[error(transparent)]
    Compile(#[from] CompileError),
    /// A GAAD file that cannot be loaded (file, JSON pointer, what is wrong).
    #[error("{0}")]
    Load(AuditError),
    /// An audit that cannot run (its inputs, or settings out of range).
    #[error(transparent)]
    Audit(#[from] AuditFailure),
    /// A diff that cannot be made.
    #[error(transparent)]
    Diff(#[from] DiffError),
    /// A question the principal graph cannot answer (an unknown or ambiguous principal, an
    /// invalid action): the usage status.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// An exact analysis that cannot be made (an unknown action or settings: the usage status;
    /// a witness the engine disagrees with: the input-error status, as a bug to report).
    #[error("exact analysis: {0}")]
    Analyze(#[from] AnalyzeError),
    /// A suppressions file that cannot be used.
    #[error(transparent)]
    Suppress(#[from] SuppressError),
    /// Reports that cannot be written.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A file that cannot be read or written.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A command line that cannot be used (a bad option value, a missing argument): the command
    /// did not run. The CLI exits with its usage status (64).
    #[error("{0}")]
    Usage(String),
    /// Any other input the user must fix (a file that is not what it should be, a principal
    /// that cannot be found), explained. The CLI exits with its input-error status (1).
    #[error("{0}")]
    Input(String),
}

impl From<AuditError> for Error {
    fn from(e: AuditError) -> Error {
        Error::Load(e)
    }
}

impl Error {
    /// True for a command line that cannot be used (the usage status), false for every other
    /// error (the input-error status).
    pub(crate) fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Usage(_)
                | Error::Audit(AuditFailure::Settings(_))
                | Error::Graph(_)
                | Error::Analyze(AnalyzeError::UnknownAction(_) | AnalyzeError::Config(_))
        )
    }

    /// An I/O error while reading `path`.
    pub(crate) fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action: "read",
            path: path.into(),
            source,
        }
    }

    /// An I/O error while writing `path`.
    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action: "write",
            path: path.into(),
            source,
        }
    }
}
