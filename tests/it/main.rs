//! The one integration test binary: the case suite through every evaluator, real AWS data, the
//! CLI contract.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cases;
mod common;
mod real_data;
