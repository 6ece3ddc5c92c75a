//! The minimal policies of a CloudTrail comparison (`audit::cloudtrail`), one JSON file per
//! principal under `minimal-policies/` of the report directory, staged with the other reports.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::{ReportDir, ReportError};
use crate::audit::model::AuditResult;

/// The directory, under the report directory, that minimal policies are written to.
pub(crate) const MINIMAL_POLICIES_DIR: &str = "minimal-policies";

/// A file name part: the characters IAM names allow that are safe in file names.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes every minimal policy to `<out_dir>/minimal-policies/<account>-<principal-name>.json`,
/// atomically, and records each path in the results. Returns the paths written.
pub fn write_minimal_policies(
    result: &mut AuditResult,
    out: &ReportDir,
) -> Result<Vec<PathBuf>, ReportError> {
    let Some(lp) = result.least_privilege.as_mut() else {
        return Ok(Vec::new());
    };
    let dir = out.path().join(MINIMAL_POLICIES_DIR);
    let mut written = Vec::new();
    let mut names = BTreeSet::new();
    for p in lp.principals.iter_mut().filter(|p| !p.policy.is_null()) {
        if written.is_empty() {
            std::fs::create_dir_all(&dir).map_err(|source| ReportError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        let mut name = format!("{}-{}", file_safe(&p.account), file_safe(&p.name));
        if !names.insert(name.clone()) {
            name = format!("{name}-{}", p.kind);
            names.insert(name.clone());
        }
        let staged = dir.join(format!("{name}.json"));
        let path = out.final_path(&staged);
        let mut text =
            serde_json::to_string_pretty(&p.policy).map_err(|source| ReportError::Json {
                path: path.clone(),
                source,
            })?;
        text.push('\n');
        std::fs::write(&staged, text.as_bytes()).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        p.file = Some(path.display().to_string());
        written.push(path);
    }
    Ok(written)
}
