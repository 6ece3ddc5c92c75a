//! The command-line interface: clap argument structs, each turned into a validated settings struct
//! and run against the library. clap lives only in this module.

mod audit;
mod check;
mod diff;
mod eval;
mod requests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::policy::{Policy, PolicyKind};

/// iamc: an exact, compiled IAM policy decision engine for bulk access audits of Amazon SageMaker.
#[derive(Debug, Parser)]
#[command(name = "iamc", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide one request against policy files (exit 0 allowed, 2 denied, 1 error).
    Check(Box<check::CheckArgs>),
    /// Evaluate JSONL cases (one JSON line out per case line in).
    Eval(eval::EvalArgs),
    /// Audit every principal of accounts (GAAD files) against synthetic SageMaker requests.
    Audit(Box<audit::AuditArgs>),
    /// Print the synthetic request space of an account as JSONL.
    Requests(requests::RequestsArgs),
    /// Compare two versions of an account or policy over one request space (exit 2 on new
    /// access).
    Diff(Box<diff::DiffArgs>),
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Eval(args) => eval::run(args),
        Command::Audit(args) => audit::run(*args),
        Command::Requests(args) => requests::run(args),
        Command::Diff(args) => diff::run(*args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`iamc requests … | head`): stop quietly, as other tools do.
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("iamc: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Which evaluator decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Engine {
    /// The compiled engine (arena, action plans, condition programs).
    Compiled,
    /// The reference evaluator: AWS's documented logic written plainly.
    Reference,
}

impl Engine {
    /// Decides and explains one request.
    fn explain(
        self,
        set: &crate::policy::PolicySet,
        request: &crate::eval::Request,
        catalog: &Catalog,
    ) -> Result<crate::eval::Explanation, Error> {
        match self {
            Engine::Reference => Ok(crate::eval::reference::explain(set, request, catalog)),
            Engine::Compiled => crate::eval::compiled::explain(set, request, catalog)
                .map_err(|e| Error::Usage(e.to_string())),
        }
    }
}

/// The default catalog extended with `--catalog` files, in order.
/// `--scp-level FILE,FILE,…` values, one level each, in order (empty names skipped).
fn scp_levels(levels: &[String]) -> Vec<Vec<PathBuf>> {
    levels
        .iter()
        .map(|l| {
            l.split(',')
                .filter(|f| !f.is_empty())
                .map(PathBuf::from)
                .collect()
        })
        .collect()
}

fn load_catalog(files: &[PathBuf]) -> Result<Catalog, Error> {
    let mut catalog = Catalog::default_owned();
    for f in files {
        catalog.load_file(f)?;
    }
    Ok(catalog)
}

/// Reads and validates a policy file.
fn read_policy_file(path: &Path, kind: PolicyKind) -> Result<Policy, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::read(path, e))?;
    Policy::parse(&text, kind).map_err(|error| Error::Policy {
        source_name: format!("`{}`", path.display()),
        error,
    })
}
