//! Report writers: the [`AuditResult`] rendered as `coverage.csv`, `coverage-cells.csv`,
//! `coverage-actions.csv`, `coverage.json`, `summary.json`, `report.html`, `findings.json` and
//! `findings.sarif`.
//!
//! Every renderer is a function of the result and the [`Extras`] (the suppressions applied):
//! [`csv::render`], [`csv::render_cells`], [`csv::render_actions`], [`json::coverage`],
//! [`json::summary_with`], `html::render_with`, [`findings::render`], [`sarif::render`] (which
//! also reads the input files, through [`sarif::Sources`], to turn JSON pointers into lines and
//! columns). `write_reports` writes all eight into the staging directory of a [`ReportDir`],
//! which swaps them in as one set.
//!
//! INVARIANT (no partial files): the set of reports in an output directory changes as a whole
//! ([`ReportDir`]); a single file written alone (`write_atomic`) goes to a temporary file in
//! its final directory, synced, then renamed over the final name.

pub mod csv;
mod err;
pub mod findings;
pub mod html;
pub mod json;
pub mod minimal;
mod outdir;
pub mod pointer;
pub mod sarif;

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub use err::ReportError;

/// The version of the `coverage.json` and `findings.json` shapes: 2 since the cells and
/// pass-role lists are tables referenced by index (`accounts[].cells`,
/// `accounts[].passrole_lists`) and findings group their principals' details.
pub const FORMAT_VERSION: u32 = 2;
pub use outdir::{ReportDir, install_signal_cleanup};

use crate::audit::model::AuditResult;
use crate::audit::suppress::SuppressionOutcome;

/// File name of the CSV with one row per principal and one column per action.
pub(crate) const COVERAGE_CSV: &str = "coverage.csv";
/// File name of the CSV of the cells `coverage.csv`'s defaults do not describe.
pub(crate) const COVERAGE_CELLS_CSV: &str = "coverage-cells.csv";
/// File name of the CSV of the actions (access level, requests, principals by class).
pub(crate) const COVERAGE_ACTIONS_CSV: &str = "coverage-actions.csv";
/// File name of the whole result as JSON.
pub(crate) const COVERAGE_JSON: &str = "coverage.json";
/// File name of the counts, timings and errors as JSON.
pub(crate) const SUMMARY_JSON: &str = "summary.json";
/// File name of the self-contained HTML report.
pub(crate) const REPORT_HTML: &str = "report.html";
/// File name of the findings as JSON.
pub(crate) const FINDINGS_JSON: &str = "findings.json";
/// File name of the findings as SARIF 2.1.0.
pub(crate) const FINDINGS_SARIF: &str = "findings.sarif";

/// What the reports say beyond the [`AuditResult`].
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// The suppressions file applied to the findings, and what each entry matched.
    pub(crate) suppressions: Option<SuppressionOutcome>,
}

impl Extras {
    /// Warnings to report: suppression entries that matched nothing.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.suppressions
            .as_ref()
            .map(SuppressionOutcome::warnings)
            .unwrap_or_default()
    }
}

/// `write_all_with` without extras (no suppressions file).
pub fn write_all(result: &AuditResult, out_dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    write_all_with(result, &Extras::default(), out_dir)
}

/// Writes the eight reports into `out_dir` as one set: [`ReportDir::prepare`], `write_reports`,
/// [`ReportDir::commit`]. Returns the final paths.
pub(crate) fn write_all_with(
    result: &AuditResult,
    extras: &Extras,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let dir = ReportDir::prepare(out_dir)?;
    let written = write_reports(result, extras, &dir)?;
    dir.commit()?;
    Ok(written)
}

/// Renders the eight reports into the staging directory of `dir`. Returns their final paths, in
/// the order `coverage.csv`, `coverage-cells.csv`, `coverage-actions.csv`, `coverage.json`,
/// `summary.json`, `report.html`, `findings.json`, `findings.sarif`.
///
/// Each report is rendered and written as soon as it is ready (in parallel on the current rayon
/// pool, so only a few rendered reports are in memory at once). Nothing is visible at the target
/// until [`ReportDir::commit`]; a render or write failure names the report's final path.
pub(crate) fn write_reports(
    result: &AuditResult,
    extras: &Extras,
    dir: &ReportDir,
) -> Result<Vec<PathBuf>, ReportError> {
    use rayon::prelude::*;
    /// Writes one report into the staging directory; errors name `final_path`.
    type Job<'x> = Box<dyn Fn(&Path, &Path) -> Result<(), ReportError> + Send + Sync + 'x>;
    fn rendered<'x>(
        render: impl Fn() -> Result<String, serde_json::Error> + Send + Sync + 'x,
    ) -> Job<'x> {
        Box::new(move |staged, final_path| {
            let text = render().map_err(|source| ReportError::Json {
                path: final_path.to_path_buf(),
                source,
            })?;
            write_file(staged, final_path, |w| w.write_all(text.as_bytes()))
        })
    }
    let sources = sarif::Sources::load(result);
    let sources = &sources;
    // In the order of the returned paths.
    let jobs: [(&str, Job<'_>); 8] = [
        // The CSVs are streamed to their files in pieces.
        (
            COVERAGE_CSV,
            Box::new(|staged, final_path| {
                write_file(staged, final_path, |w| {
                    csv::render_in_pieces(result, |piece| w.write_all(piece.as_bytes()))
                })
            }),
        ),
        (
            COVERAGE_CELLS_CSV,
            Box::new(|staged, final_path| {
                write_file(staged, final_path, |w| {
                    csv::cells_in_pieces(result, |piece| w.write_all(piece.as_bytes()))
                })
            }),
        ),
        (
            COVERAGE_ACTIONS_CSV,
            Box::new(|staged, final_path| {
                write_file(staged, final_path, |w| {
                    csv::actions_in_pieces(result, |piece| w.write_all(piece.as_bytes()))
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
    // Longest first, each taken by the next free thread: on 10,000 roles `coverage.json` takes
    // 1.1 s, `report.html` 0.8 s, `coverage.csv` 0.6 s and the others 0.1 to 0.3 s, and a thread
    // that starts a long one last keeps the others waiting (rayon's own split did, by 0.4 s).
    const LONGEST_FIRST: [&str; 8] = [
        COVERAGE_JSON,
        REPORT_HTML,
        COVERAGE_CSV,
        COVERAGE_ACTIONS_CSV,
        SUMMARY_JSON,
        COVERAGE_CELLS_CSV,
        FINDINGS_JSON,
        FINDINGS_SARIF,
    ];
    let order: Vec<usize> = LONGEST_FIRST
        .iter()
        .filter_map(|name| jobs.iter().position(|(n, _)| n == name))
        .collect();
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, jobs.len());
    let mut done: Vec<(usize, Result<PathBuf, ReportError>)> = (0..workers)
        .into_par_iter()
        .with_max_len(1)
        .flat_map_iter(|_| {
            let mut mine = Vec::new();
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                let Some((name, job)) = jobs.get(i) else {
                    continue;
                };
                let final_path = dir.target().join(name);
                let written = job(&dir.path().join(name), &final_path).map(|()| final_path);
                mine.push((i, written));
            }
            mine
        })
        .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, written)| written).collect()
}

/// Creates `staged` and writes it through a buffer; errors name `final_path`.
fn write_file(
    staged: &Path,
    final_path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: final_path.to_path_buf(),
        source,
    };
    let file = File::create(staged).map_err(io)?;
    let mut buffered = std::io::BufWriter::with_capacity(1 << 20, file);
    write(&mut buffered)
        .and_then(|()| buffered.flush())
        .map_err(io)
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
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
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
pub(crate) fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
