//! Property: any bytes, as GAAD text and as the choices of a GAAD document generator, load and
//! group without panicking, with every principal located in the document and grouped exactly
//! when it loaded without errors (`tests/it/gen_gaad.rs`, `gaad_load`).
#![no_main]

#[path = "../../tests/it/gen_gaad.rs"]
mod gen_gaad;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(report) = gen_gaad::gaad_load(data) {
        panic!("{report}");
    }
});
