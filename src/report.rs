//! Report writers: the [`AuditResult`] rendered as `coverage.csv`, `coverage.json`,
//! `summary.json`, `report.html`, `findings.json` and `findings.sarif`.
//!
//! Every renderer is a function of the result and the [`Extras`] (the suppressions applied):
//! [`csv::render`], [`json::coverage`], [`json::summary_with`], [`html::render_with`],
//! [`findings::render`], [`sarif::render`] (which also reads the input files, through
//! [`sarif::Sources`], to turn JSON pointers into lines and columns). [`write_all_with`] renders
//! all six first and only then writes them, each atomically.
//!
//! INVARIANT (no partial files): a report file is written to a temporary file in its final
//! directory, synced, then renamed over the final name, so a reader sees the old file or the
//! whole new one; on failure the temporary file is removed.

pub mod csv;
mod err;
pub mod findings;
pub mod html;
pub mod json;
pub mod pointer;
pub mod sarif;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use err::ReportError;

use crate::audit::model::AuditResult;
use crate::audit::suppress::SuppressionOutcome;

/// File name of the per principal × action CSV.
pub const COVERAGE_CSV: &str = "coverage.csv";
/// File name of the whole result as JSON.
pub const COVERAGE_JSON: &str = "coverage.json";
/// File name of the counts, timings and errors as JSON.
pub const SUMMARY_JSON: &str = "summary.json";
/// File name of the self-contained HTML report.
pub const REPORT_HTML: &str = "report.html";
/// File name of the findings as JSON.
pub const FINDINGS_JSON: &str = "findings.json";
/// File name of the findings as SARIF 2.1.0.
pub const FINDINGS_SARIF: &str = "findings.sarif";

/// What the reports say beyond the [`AuditResult`].
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The suppressions file applied to the findings, and what each entry matched.
    pub suppressions: Option<SuppressionOutcome>,
}

impl Extras {
    /// Warnings to report: suppression entries that matched nothing.
    pub fn warnings(&self) -> Vec<String> {
        self.suppressions
            .as_ref()
            .map(SuppressionOutcome::warnings)
            .unwrap_or_default()
    }
}

/// [`write_all_with`] without extras (no suppressions file).
pub fn write_all(result: &AuditResult, out_dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    write_all_with(result, &Extras::default(), out_dir)
}

/// Renders the six reports and writes them into `out_dir` (created if missing), each
/// atomically. Returns the paths written, in the order `coverage.csv`, `coverage.json`,
/// `summary.json`, `report.html`, `findings.json`, `findings.sarif`.
///
/// Nothing is written unless all six render; a write failure stops at that file (files
/// written before it stay, complete).
pub fn write_all_with(
    result: &AuditResult,
    extras: &Extras,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let path = |name: &str| out_dir.join(name);
    let json_err = |name: &str| {
        let p = path(name);
        move |source| ReportError::Json { path: p, source }
    };
    let sources = sarif::Sources::load(result);
    let files = [
        (path(COVERAGE_CSV), csv::render(result)),
        (
            path(COVERAGE_JSON),
            json::coverage(result).map_err(json_err(COVERAGE_JSON))?,
        ),
        (
            path(SUMMARY_JSON),
            json::summary_with(result, extras).map_err(json_err(SUMMARY_JSON))?,
        ),
        (path(REPORT_HTML), html::render_with(result, extras)),
        (
            path(FINDINGS_JSON),
            findings::render(result, extras).map_err(json_err(FINDINGS_JSON))?,
        ),
        (
            path(FINDINGS_SARIF),
            sarif::render(result, extras, &sources).map_err(json_err(FINDINGS_SARIF))?,
        ),
    ];
    fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::with_capacity(files.len());
    for (path, text) in files {
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    sync_dir(out_dir);
    Ok(written)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, synced and then
/// renamed into place. On error the temporary file is removed and the error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (tmp, mut file) = create_temp(path).map_err(io)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.flush())
        .and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&tmp, path)) {
        // Best effort: the rename did not happen, so `tmp` is ours and still there.
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Distinguishes temporary files of concurrent writers within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates `<name>.tmp.<pid>.<n>` beside `path`, never reusing an existing file.
fn create_temp(path: &Path) -> std::io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".to_owned());
    let mut last = None;
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_file_name(format!("{name}.tmp.{}.{n}", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary file name")))
}

/// Makes the renames durable where the platform allows syncing a directory (best effort: a
/// failure here loses no data that a reader could see).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
