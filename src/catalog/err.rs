//! Errors of the catalog stage: a service reference file that cannot be read, is not JSON of
//! AWS's service-reference shape, or holds something the catalog cannot use. Every error names
//! the file (or the label the caller gave the text) and, where it applies, a JSON pointer.

use thiserror::Error;

/// A catalog file that cannot be loaded.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The file cannot be read.
    #[error("cannot read catalog file `{path}`: {error}")]
    Io {
        /// The path as given.
        path: String,
        /// The I/O error.
        error: std::io::Error,
    },
    /// The text is not JSON, or its JSON does not have the service-reference shape.
    #[error("invalid catalog JSON in `{file}` at {}: {message}", display_pointer(.pointer))]
    Json {
        /// The file name or label of the text.
        file: String,
        /// JSON pointer of the offending element (`""` is the whole document).
        pointer: String,
        /// What the JSON parser reported.
        message: String,
    },
    /// The JSON has the right shape but content the catalog cannot use.
    #[error("invalid catalog `{file}` at {}: {message}", display_pointer(.pointer))]
    Invalid {
        /// The file name or label of the text.
        file: String,
        /// JSON pointer of the offending element (`""` is the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

impl CatalogError {
    #[cfg(test)]
    /// The file name or label the error is about.
    pub(crate) fn file(&self) -> &str {
        match self {
            CatalogError::Io { path, .. } => path,
            CatalogError::Json { file, .. } | CatalogError::Invalid { file, .. } => file,
        }
    }

    #[cfg(test)]
    /// The JSON pointer of the offending element, if the error has one (`""` is the whole
    /// document).
    pub(crate) fn pointer(&self) -> Option<&str> {
        match self {
            CatalogError::Io { .. } => None,
            CatalogError::Json { pointer, .. } | CatalogError::Invalid { pointer, .. } => {
                Some(pointer)
            }
        }
    }
}

/// An ARN format that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid ARN format `{format}`: {reason}")]
pub(crate) struct ArnFormatError {
    /// The format as given.
    pub(crate) format: String,
    /// What is wrong.
    pub(crate) reason: &'static str,
}

/// The pointer, or `/` for the whole document.
fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}
