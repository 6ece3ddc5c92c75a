//! The one integration test binary: the case suite through every evaluator, real AWS data, the
//! CLI contract.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod adversarial;
mod alloc;
mod analyze;
mod analyze_diff;
mod analyze_prop;
mod analyze_real;
mod audit;
mod cases;
mod catalog_services;
mod check;
mod cli;
mod cloudtrail;
mod common;
mod diff;
mod differential;
mod exact_audit;
mod findings_broad;
mod findings_causes;
mod findings_dead;
mod findings_paths;
mod findings_willfail;
mod r#gen;
mod gen_gaad;
mod gen_report;
mod graph;
mod lint;
mod loud;
mod real_data;
mod regressions;
mod report;
mod sarif;
mod suppress;
