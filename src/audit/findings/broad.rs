//! Placeholder: filled in by its detector.

use super::{FindingsInput, GroupFinding};

/// Runs the detector.
pub fn run(_input: &FindingsInput<'_, '_>) -> Vec<GroupFinding> {
    Vec::new()
}
