//! The progress bar: one indicatif line on stderr, only when asked for and stderr is a terminal,
//! that follows the audit through its phases (loading, grouping, coverage, pass-role reach,
//! findings, reports). A phase with a known amount of work shows a bar and an estimate; one
//! without shows a spinner and the elapsed time.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A phased progress line (nothing at all when disabled or stderr is not a terminal).
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    /// A progress line on stderr when `enabled` and stderr is a terminal.
    pub(crate) fn new(enabled: bool) -> Progress {
        use std::io::IsTerminal;
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        Progress(Some(ProgressBar::new(0)))
    }

    /// Starts a phase named `name`: a bar over `total` steps, or a spinner when `total` is `None`.
    pub(crate) fn phase(&self, name: &str, total: Option<u64>) {
        let Some(bar) = &self.0 else {
            return;
        };
        let template = match total {
            Some(_) => "{elapsed_precise} {msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
            None => "{elapsed_precise} {msg:>9} {spinner}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name.to_owned());
        bar.set_position(0);
        match total {
            Some(n) => {
                bar.disable_steady_tick();
                bar.set_length(n);
            }
            None => bar.enable_steady_tick(Duration::from_millis(120)),
        }
    }

    /// Advances the current phase by `n` steps.
    pub(crate) fn inc(&self, n: u64) {
        if let Some(b) = &self.0 {
            b.inc(n);
        }
    }

    /// Clears the line.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
