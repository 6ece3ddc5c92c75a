//! `iamc diff`: what two versions of an account (GAAD files) or of a policy allow differently, over
//! one shared request space; exit 2 when access is gained, so CI can require "no new access".

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::audit::diff::{DiffConfig, render_text, run_diff};
use crate::audit::load::ManagedPolicyDir;
use crate::error::Error;

use super::out::{self, outln};

/// Output format of `iamc diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// A readable table.
    Text,
    /// The whole diff as JSON.
    Json,
}

/// Arguments of `iamc diff`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Example:
  iamc diff old/account.json new/account.json --scp-level examples/scp-root.json

OLD and NEW are two GAAD files, or two policy files (each then the identity policy of one
synthetic role named `policy`). Both are audited against one request space (same seed, values
from both sides), then compared principal by principal (by ARN) and action by action.
Access is gained when a class went up, a conditional cell allows more, or a principal or
pass-role target was added with access. Findings (causes) are compared too: new, resolved,
or affecting more or fewer principals. Status 2 when access is gained or a finding is new,
unless an input error makes it 1.

",
    super::exit_status_help!()))]
pub(crate) struct DiffArgs {
    /// The old GAAD or policy file.
    #[arg(value_name = "OLD")]
    old: PathBuf,
    /// The new GAAD or policy file (same kind as OLD).
    #[arg(value_name = "NEW")]
    new: PathBuf,
    /// One SCP level applied to both sides: comma-separated policy files; repeat per level, root
    /// first.
    #[arg(long = "scp-level", value_name = "FILE[,FILE...]")]
    scp_level: Vec<String>,
    /// Directory of AWS managed policy documents (`<PolicyName>.json`).
    #[arg(long = "managed-policies", value_name = "DIR")]
    managed_policies: Option<PathBuf>,
    /// Synthetic requests per action.
    #[arg(long, default_value_t = 1000)]
    variants: usize,
    /// Seed of the request generator (both sides share it).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
    /// No progress line and no summary on standard error; errors are still printed.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: DiffArgs) -> Result<ExitCode, Error> {
    let catalog = super::load_catalog(&args.catalog)?;
    let generator = super::generator(args.seed, args.variants)?;
    let cfg = DiffConfig {
        old: args.old,
        new: args.new,
        scp_levels: super::scp_levels(&args.scp_level),
        managed_dir: ManagedPolicyDir(args.managed_policies),
        generator,
        threads: args.threads,
        progress: !args.quiet,
    };
    let diff = run_diff(&cfg, &catalog)?;
    let text = match args.format {
        Format::Text => render_text(&diff),
        Format::Json => {
            let mut t = serde_json::to_string_pretty(&diff)
                .map_err(|e| Error::Input(format!("cannot serialize the diff: {e}")))?;
            t.push('\n');
            t
        }
    };
    match &args.out {
        Some(path) => crate::report::write_atomic(path, text.as_bytes())?,
        None => {
            let mut out = out::stdout();
            out.text(&text)?;
            out.finish()?;
        }
    }
    let mut err = out::stderr();
    if !args.quiet && (args.out.is_some() || args.format == Format::Json) {
        // The readable result went elsewhere: say what it was.
        outln!(
            err,
            "iamc diff: {} gained, {} lost; findings: {} new, {} resolved",
            diff.gained,
            diff.lost,
            diff.new_findings,
            diff.resolved_findings
        )?;
    }
    for e in &diff.errors {
        outln!(err, "iamc diff: error: {e}")?;
    }
    Ok(super::status::of(
        !diff.errors.is_empty(),
        diff.gained > 0 || diff.new_findings > 0,
    ))
}
