//! Property: for the case the generator (`tests/it/gen.rs`) builds from the bytes, the exact
//! analysis of its policy set for its action succeeds (every witness confirmed by the compiled
//! engine), its formula decides the case's request and requests the audit generator makes as the
//! compiled engine does, and its class holds on every modelled request
//! (`tests/it/analyze_prop.rs`).
#![no_main]

#[path = "../../tests/it/gen.rs"]
mod r#gen;

#[path = "../../tests/it/analyze_prop.rs"]
mod analyze_prop;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut stats = analyze_prop::PropStats::default();
    if let Err(report) = analyze_prop::check_analysis(data, 4, &mut stats) {
        panic!("exact analysis and engine differ\n{report}");
    }
});
