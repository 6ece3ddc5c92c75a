//! The command-line interface: clap argument structs, each turned into a validated settings struct
//! and run against the library. clap lives only in this module.

mod audit;
mod check;
mod diff;
mod eval;
mod lint;
mod out;
mod paths;
mod requests;
mod who_can;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::audit::space::GenConfig;
use crate::catalog::Catalog;
use crate::error::Error;
use crate::policy::{Policy, PolicyKind};

/// The exit status table every command's `--help` ends with (README "Exit status" says the same).
macro_rules! exit_status_help {
    () => {
        "Exit status (the same for every iamc command):
  0   clean: allowed (check), no warning (lint), no finding at --fail-on (audit),
      no access gained (diff), every case as its `expect` says (eval), no chain to more
      access (paths, who-can)
  2   found: denied (check), warnings (lint), an unsuppressed finding at or above
      --fail-on (audit), access gained (diff), a case decided against its `expect` (eval),
      a chain to more access (paths: a node holding more than the start; who-can: a
      principal that can only through a chain)
  1   input error: a file that cannot be read or used, a principal or case that could
      not be evaluated, output that cannot be written (a full disk)
  64  usage error: an unknown option, a missing or invalid argument (nothing ran)
  130 interrupted (SIGINT or SIGTERM): staging removed, earlier reports left as they were
When several apply, the most serious wins: 64, then 1, then 2. A reader that closes
standard output early (`iamc requests ... | head`) ends the command quietly with 0."
    };
}
pub(crate) use exit_status_help;

/// Exit statuses, the same for every command (see `exit_status_help`).
pub(crate) mod status {
    /// Clean: allowed, no warning, no finding at `--fail-on`, no access gained.
    pub(crate) const CLEAN: u8 = 0;
    /// An input error: something could not be read, evaluated or written.
    pub(crate) const INPUT: u8 = 1;
    /// Found: denied, warnings, findings at `--fail-on`, access gained, cases against `expect`.
    pub(crate) const FOUND: u8 = 2;
    /// A usage error: the command line cannot be used; nothing ran.
    pub(crate) const USAGE: u8 = 64;

    /// The status of a run that had `input_errors` and `found` things: the most serious wins.
    pub(crate) fn of(input_errors: bool, found: bool) -> std::process::ExitCode {
        std::process::ExitCode::from(if input_errors {
            INPUT
        } else if found {
            FOUND
        } else {
            CLEAN
        })
    }
}

/// iamc: an exact, compiled IAM policy decision engine for bulk access audits of Amazon SageMaker.
#[derive(Debug, Parser)]
#[command(name = "iamc", version, about, long_about = None, propagate_version = true,
    after_help = exit_status_help!())]
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
    /// Lint policy files against the catalog, without a request (exit 2 on warnings).
    Lint(lint::LintArgs),
    /// Audit every principal of accounts (GAAD files) against synthetic SageMaker requests.
    Audit(Box<audit::AuditArgs>),
    /// Print the synthetic request space of an account as JSONL.
    Requests(requests::RequestsArgs),
    /// Compare two versions of an account or policy over one request space (exit 2 on new
    /// access).
    Diff(Box<diff::DiffArgs>),
    /// Where a principal can get to: role assumption, IAM changes and SageMaker pass-role
    /// chains, across accounts.
    Paths(Box<paths::PathsArgs>),
    /// Every principal that can perform an action, directly or through a chain.
    WhoCan(Box<who_can::WhoCanArgs>),
}

/// Runs the command line and returns the process exit code (the table in
/// `exit_status_help`). Nothing here panics on a closed or full output stream.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    let result = match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Eval(args) => eval::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Audit(args) => audit::run(*args),
        Command::Requests(args) => requests::run(args),
        Command::Diff(args) => diff::run(*args),
        Command::Paths(args) => paths::run(*args),
        Command::WhoCan(args) => who_can::run(*args),
    };
    match result {
        Ok(code) => code,
        // The reader went away (`iamc requests … | head`): stop quietly, as other tools do.
        Err(e) if out::is_closed_pipe(&e) => ExitCode::from(status::CLEAN),
        Err(e) => {
            let code = if e.is_usage() {
                status::USAGE
            } else {
                status::INPUT
            };
            out::last_words(&format!("iamc: error: {e}\n"));
            ExitCode::from(code)
        }
    }
}

/// Prints clap's message (help and version on standard output, errors on standard error) and
/// returns its status: 0 for help and version, [`status::USAGE`] for a command line clap
/// refused (also when the message cannot be written: the most serious status wins), and
/// [`status::INPUT`] when help or version cannot be written (a full device).
fn clap_exit(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(status::USAGE);
    }
    match e.print() {
        Ok(()) => ExitCode::from(status::CLEAN),
        Err(io) if io.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(status::CLEAN),
        Err(io) => {
            out::last_words(&format!("iamc: error: {}\n", Error::write(out::STDOUT, io)));
            ExitCode::from(status::INPUT)
        }
    }
}

/// A decision with its explanation, when one is asked for.
type Decided = (crate::eval::Decision, Option<crate::eval::Explanation>);

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
            Engine::Compiled => Ok(crate::eval::compiled::explain(set, request, catalog)?),
        }
    }

    /// Decides (and with `explain`, explains) many requests, each against its own set, in
    /// order: the compiled engine stage by stage (`eval::compiled::decide_many`).
    fn decide_many(
        self,
        cases: &[(&crate::policy::PolicySet, &crate::eval::Request)],
        catalog: &Catalog,
        explain: bool,
    ) -> Vec<Result<Decided, Error>> {
        use crate::eval::{compiled, reference};
        // The explanation only when it is printed: deciding alone is cheaper in both engines.
        match self {
            Engine::Reference => cases
                .iter()
                .map(|(set, r)| {
                    Ok(if explain {
                        let ex = reference::explain(set, r, catalog);
                        (ex.outcome.decision, Some(ex))
                    } else {
                        (reference::evaluate(set, r, catalog).decision, None)
                    })
                })
                .collect(),
            Engine::Compiled => compiled::decide_many(cases, catalog, |c, p| {
                if explain {
                    let ex = c.explain(p);
                    (ex.outcome.decision, Some(ex))
                } else {
                    (c.evaluate_one(p).decision, None)
                }
            })
            .into_iter()
            .map(|d| d.map_err(Error::from))
            .collect(),
        }
    }
}

/// `--scp-level FILE,FILE,…` values, one level each, in order (empty names skipped).
fn scp_levels(levels: &[String]) -> Vec<Vec<PathBuf>> {
    levels.iter().map(|l| files_of(l)).collect()
}

fn files_of(level: &str) -> Vec<PathBuf> {
    level
        .split(',')
        .filter(|f| !f.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The SCP levels of every account, and of one account each.
type LevelsByAccount = (Vec<Vec<PathBuf>>, BTreeMap<String, Vec<Vec<PathBuf>>>);

/// `--scp-level` values of commands that read accounts: `FILE,…` is a level of every account,
/// `ACCOUNT=FILE,…` (a 12-digit account id, then `=`) a level of that account only; an account's
/// levels are the former, then its own, in the order given.
fn scp_levels_by_account(levels: &[String]) -> LevelsByAccount {
    let mut all = Vec::new();
    let mut own: BTreeMap<String, Vec<Vec<PathBuf>>> = BTreeMap::new();
    for l in levels {
        match l.split_once('=') {
            Some((account, files))
                if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
            {
                own.entry(account.to_owned())
                    .or_default()
                    .push(files_of(files));
            }
            _ => all.push(files_of(l)),
        }
    }
    (all, own)
}

/// The request generator of `--seed` and `--variants`; a usage error when `--variants` is 0.
fn generator(seed: u64, variants: usize) -> Result<GenConfig, Error> {
    if variants == 0 {
        return Err(Error::Usage("`--variants` must be at least 1".to_owned()));
    }
    Ok(GenConfig {
        seed,
        variants,
        ..GenConfig::default()
    })
}

/// The default catalog extended with `--catalog` files, in order.
fn load_catalog(files: &[PathBuf]) -> Result<Catalog, Error> {
    let mut catalog = Catalog::default_owned();
    for f in files {
        catalog.load_file(f)?;
    }
    Ok(catalog)
}

/// The extended catalog ([`Catalog::aws_default`]: 16 more services, complete) with `--catalog`
/// files, for checking and linting policies.
fn load_extended_catalog(files: &[PathBuf]) -> Result<Catalog, Error> {
    let mut catalog = Catalog::aws_default_owned();
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
