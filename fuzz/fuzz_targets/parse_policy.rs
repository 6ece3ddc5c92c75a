//! Property: any bytes, read as text, go through `Policy::parse` for every policy kind,
//! `Policy::from_value` and `parse_case_line` without panicking (`tests/it/gen.rs`,
//! `check_parse`).
#![no_main]

#[path = "../../tests/it/gen.rs"]
mod r#gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    r#gen::check_parse(data);
});
