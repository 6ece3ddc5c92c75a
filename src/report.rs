//! Report writers: the [`AuditResult`] rendered as `coverage.csv`, `coverage.json`,
//! `summary.json`, `report.html`, `findings.json` and `findings.sarif`.
//!
//! Every renderer is a function of the result and the [`Extras`] (the suppressions applied):
//! [`csv::render`], [`json::coverage`], [`json::summary_with`], [`html::render_with`],
//! [`findings::render`], [`sarif::render`] (which also reads the input files, through
//! [`sarif::Sources`], to turn JSON pointers into lines and columns). [`write_all_with`] stages
//! all six in temporary files and only then renames them into place.
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
/// Each report is rendered and written to its temporary file as soon as it is ready (in
/// parallel on the current rayon pool, so only a few rendered reports are in memory at once);
/// the temporary files are renamed into place only when all six are staged, so a render or
/// write failure leaves every old report in place. A failure during the final renames stops at
/// that file (the files renamed before it stay, complete).
pub fn write_all_with(
    result: &AuditResult,
    extras: &Extras,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    use rayon::prelude::*;
    /// Stages one report at the given final path; returns the temporary file.
    type Stage<'x> = Box<dyn Fn(&Path) -> Result<PathBuf, ReportError> + Send + Sync + 'x>;
    fn rendered<'x>(
        render: impl Fn() -> Result<String, serde_json::Error> + Send + Sync + 'x,
    ) -> Stage<'x> {
        Box::new(move |path| {
            let text = render().map_err(|source| ReportError::Json {
                path: path.to_path_buf(),
                source,
            })?;
            stage(path, |w| w.write_all(text.as_bytes()))
        })
    }
    fs::create_dir_all(out_dir).map_err(|source| ReportError::Io {
        path: out_dir.to_path_buf(),
        source,
    })?;
    let sources = sarif::Sources::load(result);
    let sources = &sources;
    // In the order of the returned paths.
    let jobs: [(&str, Stage<'_>); 6] = [
        // The CSV is the largest report: streamed to its file in pieces.
        (
            COVERAGE_CSV,
            Box::new(|path| {
                stage(path, |w| {
                    csv::render_in_pieces(result, |piece| w.write_all(piece.as_bytes()))
                })
            }),
        ),
        (COVERAGE_JSON, rendered(|| json::coverage(result))),
        (
            SUMMARY_JSON,
            rendered(|| json::summary_with(result, extras)),
        ),
        (
            REPORT_HTML,
            rendered(|| Ok(html::render_with(result, extras))),
        ),
        (FINDINGS_JSON, rendered(|| findings::render(result, extras))),
        (
            FINDINGS_SARIF,
            rendered(|| sarif::render(result, extras, sources)),
        ),
    ];
    let staged: Vec<Result<(PathBuf, PathBuf), ReportError>> = jobs
        .par_iter()
        .map(|(name, stage_at)| {
            let path = out_dir.join(name);
            let tmp = stage_at(&path)?;
            Ok((tmp, path))
        })
        .collect();
    if staged.iter().any(Result::is_err) {
        let mut first = None;
        for s in staged {
            match s {
                // Best effort: these temporary files are ours.
                Ok((tmp, _)) => drop(fs::remove_file(&tmp)),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        return Err(first.unwrap_or_else(|| ReportError::Io {
            path: out_dir.to_path_buf(),
            source: std::io::Error::other("a report failed to render"),
        }));
    }
    let staged: Vec<(PathBuf, PathBuf)> = staged.into_iter().flatten().collect();
    let mut written = Vec::with_capacity(staged.len());
    let mut rest = staged.iter();
    for (tmp, path) in rest.by_ref() {
        if let Err(e) = commit(tmp, path) {
            for (tmp, _) in rest {
                let _ = fs::remove_file(tmp);
            }
            return Err(e);
        }
        written.push(path.clone());
    }
    sync_dir(out_dir);
    Ok(written)
}

/// Writes a new temporary file beside `path` with `write` (through a buffer), synced; returns
/// its path. On error the temporary file is removed and the error names `path`.
fn stage(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<PathBuf, ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let (tmp, file) = create_temp(path).map_err(io)?;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 20, file);
    let written = write(&mut buffered)
        .and_then(|()| buffered.flush())
        .and_then(|()| buffered.get_ref().sync_all());
    drop(buffered);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(tmp)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, synced and then
/// renamed into place. On error the temporary file is removed and the error names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = stage(path, |w| w.write_all(bytes))?;
    commit(&tmp, path)
}

/// Renames a staged temporary file over `path`; on failure removes it (best effort: the rename
/// did not happen, so `tmp` is ours and still there) and names `path`.
fn commit(tmp: &Path, path: &Path) -> Result<(), ReportError> {
    fs::rename(tmp, path).map_err(|source| {
        let _ = fs::remove_file(tmp);
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
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
