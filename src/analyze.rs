//! Exact analysis (work in progress).

pub(crate) mod domain;
pub(crate) mod intervals;
pub(crate) mod keys;
pub(crate) mod strings;
