//! Property: whatever account the bytes describe (the GAAD generator of `gen_gaad.rs`, with
//! hostile names, tags and policy names), every report renders well-formed and loses nothing: the
//! three CSVs parse back with no formula cells, within a spreadsheet's limits, and give back every
//! principal × action cell; `coverage.json` and `findings.json` give back every cell, pass-role
//! list and finding from their tables and groups; a SARIF 2.1.0 structure code scanning accepts;
//! HTML with no injected markup, nothing inside its `<script>` elements that could end them or
//! open a comment, and page data that is JSON (`tests/it/gen_report.rs`, `report_render`).
#![no_main]

#[path = "../../tests/it/gen_gaad.rs"]
mod gen_gaad;
#[path = "../../tests/it/gen_report.rs"]
mod gen_report;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(report) = gen_report::report_render(data) {
        panic!("{report}");
    }
});
