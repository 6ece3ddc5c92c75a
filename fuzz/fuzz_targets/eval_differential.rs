//! Property: for the case the generator (`tests/it/gen.rs`) builds from the bytes, the compiled
//! engine's explanation (every path: convenience, batch, principal overlay, DFA fallback) equals
//! the reference evaluator's.
#![no_main]

#[path = "../../tests/it/gen.rs"]
mod r#gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(report) = r#gen::eval_differential(data) {
        panic!("compiled and reference engines differ\n{report}");
    }
});
