//! Property: for a pattern (pattern and literal pieces) and a text drawn from the bytes, the
//! compiled glob (`CGlob`, `match_toks`) agrees with the naive `Glob::matches`, and the compiled
//! ARN matchers (`CArn`, `match_arn_toks`) agree with `arn_glob_matches` (`tests/it/gen.rs`).
#![no_main]

#[path = "../../tests/it/gen.rs"]
mod r#gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(report) = r#gen::glob_differential(data) {
        panic!("compiled and naive matchers differ\n{report}");
    }
});
