//! Errors of the policy stage: what is wrong, and where (a JSON pointer into the document).

use std::fmt;

/// A policy document that cannot be read or does not validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// JSON pointer of the offending element (`""` is the whole document).
    pub(crate) pointer: String,
    /// What is wrong, lowercase, user input in backticks.
    pub(crate) message: String,
}

impl PolicyError {
    /// An error at `pointer`.
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The pointer, or `/` for the whole document.
    pub(crate) fn display_pointer(&self) -> &str {
        if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.display_pointer(), self.message)
    }
}

impl std::error::Error for PolicyError {}

/// `base` with one reference token appended (see [`push_token`]).
pub(crate) fn push_pointer(base: &str, token: &str) -> String {
    let mut out = String::with_capacity(base.len() + token.len() + 1);
    out.push_str(base);
    push_token(&mut out, token);
    out
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub(crate) fn push_token(out: &mut String, token: &str) {
    out.push('/');
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            _ => out.push(c),
        }
    }
}

/// User input as shown in a message: whole when short, else its first 100 characters and its
/// length, so a 10 MB value never makes a 10 MB message.
pub(crate) fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 120;
    if text.chars().count() <= MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let head: String = text.chars().take(100).collect();
    std::borrow::Cow::Owned(format!("{head}… ({} bytes)", text.len()))
}
