//! Fallible output for the commands: standard output and standard error as [`Out`] streams
//! whose write errors are [`Error`]s naming the stream, never panics (`println!` and
//! `eprintln!` panic on a closed pipe or a full device).
//!
//! INVARIANT (nothing lost silently): standard output is buffered, so a command must call
//! [`Out::finish`] to see the errors of its last writes; dropping an unfinished stream flushes
//! it and ignores the error (only after another error already ended the command).

use std::fmt;
use std::io::Write;

use crate::error::Error;

/// The name errors give standard output.
pub(crate) const STDOUT: &str = "standard output";
/// The name errors give standard error.
pub(crate) const STDERR: &str = "standard error";

/// One output stream of the process.
pub(crate) struct Out {
    name: &'static str,
    w: Box<dyn Write>,
}

/// Buffered standard output.
pub(crate) fn stdout() -> Out {
    Out {
        name: STDOUT,
        w: Box::new(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout(),
        )),
    }
}

/// Unbuffered standard error (diagnostics appear when they are written).
pub(crate) fn stderr() -> Out {
    Out {
        name: STDERR,
        w: Box::new(std::io::stderr()),
    }
}

impl Out {
    /// Writes `text` as it is.
    pub(crate) fn text(&mut self, text: &str) -> Result<(), Error> {
        self.w
            .write_all(text.as_bytes())
            .map_err(|e| Error::write(self.name, e))
    }

    /// Writes formatted text and a newline (use through [`outln!`]).
    pub(crate) fn line(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error> {
        self.w
            .write_fmt(args)
            .and_then(|()| self.w.write_all(b"\n"))
            .map_err(|e| Error::write(self.name, e))
    }

    /// Flushes what is buffered; the stream stays usable.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        self.w.flush().map_err(|e| Error::write(self.name, e))
    }
}

/// True when `e` is a write to standard output or standard error whose reader went away
/// (`iamc requests … | head`): the command then ends quietly.
pub(crate) fn is_closed_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Writes a last message to standard error, ignoring every failure: used for the error that
/// ends the process, when there is nowhere left to report a failure to.
pub(crate) fn last_words(text: &str) {
    let mut e = std::io::stderr();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// `outln!(out, "format", args…)`: [`Out::line`] with `format_args!`.
macro_rules! outln {
    ($out:expr, $($arg:tt)*) => {
        $out.line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails like a full device.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::from_raw_os_error(28))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn write_errors_name_the_stream() {
        let mut out = Out {
            name: STDOUT,
            w: Box::new(Full),
        };
        let e = outln!(out, "x {}", 1).unwrap_err();
        assert!(
            e.to_string().starts_with("cannot write `standard output`"),
            "{e}"
        );
        assert!(!is_closed_pipe(&e));
        let e = out.text("y").unwrap_err();
        assert!(matches!(e, Error::Io { .. }));
        let pipe = Error::write(STDOUT, std::io::ErrorKind::BrokenPipe.into());
        assert!(is_closed_pipe(&pipe));
    }
}
