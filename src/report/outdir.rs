//! The output directory of an audit: its reports change together or not at all.
//!
//! [`ReportDir::prepare`] checks `--out` before any work is done (its parent can be written, and
//! an existing directory holds nothing but iamc's reports), removes what a killed earlier run
//! left behind, and creates a hidden staging directory beside it. Every report is written into
//! the staging directory; [`ReportDir::commit`] then swaps it in for the old directory with one
//! atomic exchange (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames, during which
//! the directory is briefly absent but never mixed) and removes the old reports. A run that fails
//! or is dropped before the commit removes its staging directory and leaves the old reports
//! untouched; SIGINT, SIGTERM and SIGHUP remove it too ([`install_signal_cleanup`]).
//!
//! INVARIANT (one set): a reader of `--out` sees the complete old set of reports or the complete
//! new one, never a mix, and never a partial file.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::ReportError;

/// The names iamc writes into an output directory: the eight reports and the minimal-policies
/// directory. Anything else in an existing `--out` is someone else's, and iamc refuses to
/// replace it.
pub(crate) const OWN_ENTRIES: &[&str] = &[
    super::COVERAGE_CSV,
    super::COVERAGE_CELLS_CSV,
    super::COVERAGE_ACTIONS_CSV,
    super::COVERAGE_JSON,
    super::SUMMARY_JSON,
    super::REPORT_HTML,
    super::FINDINGS_JSON,
    super::FINDINGS_SARIF,
    super::minimal::MINIMAL_POLICIES_DIR,
];

/// The infix of staging directory names: `.<name>.iamc-staging.<pid>`.
const STAGING: &str = ".iamc-staging.";

/// Staging directories of this process, removed by the signal handler.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Installs a handler for SIGINT, SIGTERM and SIGHUP (Ctrl-C on Windows) that removes every
/// staging directory of this process and exits with status 130. Call it once, from the binary;
/// a second call is a no-op.
pub fn install_signal_cleanup() {
    // An error here means a handler is installed already (by an earlier call); nothing to do.
    let _ = ctrlc::set_handler(|| {
        for dir in live().iter() {
            let _ = fs::remove_dir_all(dir);
        }
        std::process::exit(130);
    });
}

/// An output directory being written: reports go into `ReportDir::path` until
/// [`ReportDir::commit`] swaps them in.
#[derive(Debug)]
pub struct ReportDir {
    target: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl ReportDir {
    /// Checks `target` and creates the staging directory beside it.
    ///
    /// Fails, naming the path, when the parent directory cannot be created or written, when
    /// `target` exists but is not a directory, or when it holds entries iamc did not write
    /// (listed in the error). Staging directories and temporary report files that a killed earlier
    /// run left beside or inside `target` are removed first.
    pub fn prepare(target: &Path) -> Result<ReportDir, ReportError> {
        let io = |path: &Path, source| ReportError::Io {
            path: path.to_path_buf(),
            source,
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n != "." && n != "..")
            .ok_or_else(|| ReportError::OutDir {
                path: target.to_path_buf(),
                reason: "name a directory for the reports, such as `report/`".to_owned(),
            })?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| io(&parent, e))?;
        remove_stale(&parent, &name);
        match fs::symlink_metadata(target) {
            Ok(m) if m.is_dir() => check_own(target)?,
            Ok(_) => {
                return Err(ReportError::OutDir {
                    path: target.to_path_buf(),
                    reason: "it exists and is not a directory".to_owned(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(target, e)),
        }
        let staging = parent.join(format!(".{name}{STAGING}{}", std::process::id()));
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| io(&staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| io(target, e))?;
        live().push(staging.clone());
        Ok(ReportDir {
            target: target.to_path_buf(),
            staging,
            committed: false,
        })
    }

    /// Where to write the reports now.
    pub(crate) fn path(&self) -> &Path {
        &self.staging
    }

    /// Where the reports will be once committed.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// The final path of a file written at `staged` (inside `ReportDir::path`).
    pub(crate) fn final_path(&self, staged: &Path) -> PathBuf {
        match staged.strip_prefix(&self.staging) {
            Ok(rest) => self.target.join(rest),
            Err(_) => staged.to_path_buf(),
        }
    }

    /// Swaps the staged reports in for the old ones, then removes the old ones.
    pub fn commit(mut self) -> Result<(), ReportError> {
        let io = |source| ReportError::Io {
            path: self.target.clone(),
            source,
        };
        sync_tree(&self.staging);
        if fs::symlink_metadata(&self.target).is_ok() {
            // The old directory now sits at the staging path; remove it (best effort: a
            // failure leaves a hidden directory the next run removes).
            exchange(&self.staging, &self.target).map_err(io)?;
            let _ = fs::remove_dir_all(&self.staging);
        } else {
            fs::rename(&self.staging, &self.target).map_err(io)?;
        }
        if let Some(parent) = self.target.parent() {
            super::sync_dir(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            });
        }
        self.committed = true;
        live().retain(|p| p != &self.staging);
        Ok(())
    }
}

impl Drop for ReportDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.staging);
            live().retain(|p| p != &self.staging);
        }
    }
}

/// Refuses a directory that holds anything iamc does not write; removes temporary report files
/// (`<report>.tmp.<pid>.<n>`) an earlier version left there.
fn check_own(dir: &Path) -> Result<(), ReportError> {
    let entries = fs::read_dir(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut foreign = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        // The reports are files and the minimal policies a directory; anything else by those
        // names is not ours either.
        if OWN_ENTRIES.contains(&name.as_str())
            && is_dir == (name == super::minimal::MINIMAL_POLICIES_DIR)
        {
            continue;
        }
        if OWN_ENTRIES
            .iter()
            .any(|own| name.starts_with(&format!("{own}.tmp.")))
        {
            let _ = fs::remove_file(entry.path());
            continue;
        }
        foreign.push(name);
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let shown: Vec<String> = foreign.iter().take(5).map(|n| format!("`{n}`")).collect();
    let more = foreign.len().saturating_sub(shown.len());
    Err(ReportError::OutDir {
        path: dir.to_path_buf(),
        reason: format!(
            "it holds files iamc did not write ({}{}); reports replace the whole directory, so use \
             an empty or new directory, or one an earlier audit wrote",
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    })
}

/// Removes staging directories for `name` in `parent` whose process is gone.
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}{STAGING}");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file.strip_prefix(&prefix) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || !process_alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process with this id runs (Linux: `/proc/<pid>` exists). Elsewhere unknown, so
/// assumed alive and its staging directory left alone.
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

/// Exchanges two paths atomically where the platform can.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        // A file system without RENAME_EXCHANGE: fall back to two renames.
        Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {
            exchange_by_renames(a, b)
        }
        Err(e) => Err(e.into()),
    }
}

/// Exchanges two paths atomically where the platform can.
#[cfg(not(target_os = "linux"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    exchange_by_renames(a, b)
}

/// `b` → a side name, `a` → `b`, side name → `a`: `b` is briefly absent, never mixed.
fn exchange_by_renames(a: &Path, b: &Path) -> std::io::Result<()> {
    let side = a.with_extension("old");
    fs::rename(b, &side)?;
    if let Err(e) = fs::rename(a, b) {
        let _ = fs::rename(&side, b);
        return Err(e);
    }
    fs::rename(&side, a)
}

/// Syncs every file of a freshly written tree, then the directories (best effort).
fn sync_tree(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => sync_tree(&path),
            Ok(_) => {
                if let Ok(f) = fs::File::open(&path) {
                    let _ = f.sync_all();
                }
            }
            Err(_) => {}
        }
    }
    super::sync_dir(dir);
}
