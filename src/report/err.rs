//! Errors of the report stage: every one names the file it concerns.

use std::path::PathBuf;

/// A report that cannot be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or directory that cannot be created, written, synced or renamed into place.
    #[error("cannot write `{}`: {source}", path.display())]
    Io {
        /// The file (its final name, not the temporary one) or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A JSON report that cannot be serialized.
    #[error("cannot serialize `{}`: {source}", path.display())]
    Json {
        /// The file that was to hold it.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// An output directory iamc will not write into.
    #[error("cannot use `{}` for the reports: {reason}", path.display())]
    OutDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}
