//! The `iamc` command: a thin wrapper over [`iamc::cli::run`].

fn main() -> std::process::ExitCode {
    iamc::cli::run()
}
