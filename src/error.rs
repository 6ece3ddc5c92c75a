//! The crate's error type: one variant per stage, each carrying where the problem is.

use std::path::PathBuf;

use crate::catalog::CatalogError;
use crate::eval::RequestError;
use crate::policy::PolicyError;

/// Any error iamc reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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

impl Error {
    /// An I/O error while reading `path`.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action: "read",
            path: path.into(),
            source,
        }
    }

    /// An I/O error while writing `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action: "write",
            path: path.into(),
            source,
        }
    }
}
