//! The `iamc` command: a thin wrapper over [`iamc::cli::run`].

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // An interrupted audit removes its staging directory, so the old reports stay as they were.
    iamc::report::install_signal_cleanup();
    iamc::cli::run()
}
