//! Shared helpers for the integration tests.

use std::path::PathBuf;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared` (or `$IAMC_SHARED`), when present. Tests that need it skip with a printed reason
/// when it is absent: a user's clone has none.
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("..").join("shared"));
    if dir.join("data").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIP: {} is absent (set IAMC_SHARED to the shared data directory to run this test)",
            dir.display()
        );
        None
    }
}

/// Every file under `dir` with extension `ext`, sorted.
pub fn files_with_ext(dir: &std::path::Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}
