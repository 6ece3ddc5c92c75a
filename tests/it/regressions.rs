//! Replays every minimized fuzz crasher kept in `tests/regressions/<target>/` through the same
//! property its fuzz target checks (`fuzz/fuzz_targets/<target>.rs`), and every case line kept in
//! `tests/regressions/differential/*.jsonl` (differences found by `tests/it/differential.rs`)
//! through the engines, so a fixed bug stays fixed. An empty or absent directory checks nothing
//! and passes. Layout: `tests/regressions/README.md`.

use std::path::PathBuf;

use crate::common::{files_with_ext, repo};
use crate::r#gen;

/// The files kept for `target` (not READMEs or dotfiles), sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = repo().join("tests/regressions").join(target);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('.') && !n.ends_with(".md"))
        })
        .collect();
    out.sort();
    out
}

fn replay(target: &str, check: impl Fn(&[u8]) -> Result<(), String>) {
    let mut failures = Vec::new();
    let files = inputs(target);
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(())) => {}
            Ok(Err(report)) => failures.push(format!("{target}/{name}: {report}")),
            Err(_) => failures.push(format!("{target}/{name}: panicked")),
        }
    }
    eprintln!("regressions/{target}: {} inputs replayed", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn parse_policy_regressions() {
    replay("parse_policy", |data| {
        r#gen::check_parse(data);
        Ok(())
    });
}

#[test]
fn eval_differential_regressions() {
    replay("eval_differential", r#gen::eval_differential);
}

#[test]
fn glob_differential_regressions() {
    replay("glob_differential", r#gen::glob_differential);
}

#[test]
fn gaad_load_regressions() {
    replay("gaad_load", crate::gen_gaad::gaad_load);
}

#[test]
fn gaad_load_generated_inputs() {
    crate::gen_gaad::run_generated(300, 20261207).unwrap();
}

#[test]
fn report_render_regressions() {
    replay("report_render", crate::gen_report::report_render);
}

#[test]
fn report_render_generated_inputs() {
    let audited = crate::gen_report::run_generated(40, 20261207).unwrap();
    // The generator must reach the renderers, not stop at the loader.
    assert!(
        audited >= 10,
        "only {audited} of 40 generated accounts were audited"
    );
}

#[test]
fn analyze_differential_regressions() {
    replay("analyze_differential", |data| {
        let mut stats = crate::analyze_prop::PropStats::default();
        crate::analyze_prop::check_analysis(data, 4, &mut stats)
    });
}

#[test]
fn differential_case_regressions() {
    let files = files_with_ext(&repo().join("tests/regressions/differential"), "jsonl");
    let mut failures = Vec::new();
    let mut n = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            n += 1;
            let at = format!("{}:{}", f.display(), i + 1);
            match r#gen::check_case_line(line) {
                r#gen::EvalCheck::Invalid(e) => failures.push(format!("{at}: invalid case: {e}")),
                r#gen::EvalCheck::Differed(report) => failures.push(format!("{at}:\n{report}")),
                r#gen::EvalCheck::Agreed { case, explanation } => {
                    if let Some(want) = case.expect
                        && want != explanation.outcome.decision
                    {
                        failures.push(format!(
                            "{at}: expected {want}, every engine says {}",
                            explanation.outcome.decision
                        ));
                    }
                }
            }
        }
    }
    eprintln!("regressions/differential: {n} case lines replayed");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
