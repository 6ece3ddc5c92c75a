//! `iamc audit`: every principal of one or more accounts against the synthetic SageMaker request
//! space; coverage reports written atomically into `--out`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::audit::load::ManagedPolicyDir;
use crate::audit::model::Severity;
use crate::audit::run::{AuditConfig, run_audit};
use crate::audit::suppress::Suppressions;
use crate::error::Error;

use super::out::{self, outln};

/// Arguments of `iamc audit`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Example:
  iamc audit examples/account.json --scp-level examples/scp-root.json --out report/
  iamc audit dev.json prod.json --scp-level root.json --scp-level 444455556666=prod-ou.json --out report/

Writes coverage.csv, coverage-cells.csv, coverage-actions.csv, coverage.json, summary.json,
report.html, findings.json and findings.sarif into --out, all eight replaced together (or, on
any failure, none). Prints a
one-line summary on standard output; progress, the files written, warnings and errors go to
standard error (--quiet keeps only warnings and errors). When a principal cannot be evaluated,
the rest of the audit still completes, the reports say which and why, and the status is 1;
an input that cannot be read or is not a GAAD document stops the audit before any work.

Limits: --variants 1 to 10000, --threads 0 to 1024.

",
    super::exit_status_help!()))]
pub(crate) struct AuditArgs {
    /// `aws iam get-account-authorization-details` output files, one per account.
    #[arg(required = true, value_name = "GAAD_FILE")]
    files: Vec<PathBuf>,
    /// Directory for the reports (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// One SCP level: comma-separated policy files attached at that level; repeat per level,
    /// from the organization root down to the account. `FILE,…` applies to every account
    /// audited; `ACCOUNT=FILE,…` (a 12-digit account id) to that account only, after the
    /// levels of every account.
    #[arg(long = "scp-level", value_name = "[ACCOUNT=]FILE[,FILE...]")]
    scp_level: Vec<String>,
    /// Directory of AWS managed policy documents (`<PolicyName>.json`) for policies a GAAD file
    /// attaches but does not include.
    #[arg(long = "managed-policies", value_name = "DIR")]
    managed_policies: Option<PathBuf>,
    /// Synthetic requests per action (1 to 10000).
    ///
    /// The one cap of each account's request space: coverage evaluates every request of an
    /// action, and the detectors read the first 400 of the same requests (all when fewer).
    #[arg(long, default_value_t = 1000)]
    variants: usize,
    /// Seed of the request generator (same seed, same requests, same reports).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Worker threads (0 = one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Only audit actions of this service prefix (repeatable; default: every catalog action).
    #[arg(long, value_name = "PREFIX")]
    service: Vec<String>,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
    /// Only audit this principal: a role or user ARN, or a name; repeatable. The other
    /// principals are still read (they are pass-role and escalation targets) but not reported.
    #[arg(long, value_name = "ARN|NAME")]
    principal: Vec<String>,
    /// No progress line, no summary; only warnings and errors (on standard error).
    #[arg(long, short)]
    quiet: bool,
    /// CloudTrail log file (JSON or gzipped JSON, as delivered) or directory of them (every
    /// `*.json` and `*.json.gz` under it); repeatable. Adds unused-access findings and writes a
    /// proven minimal policy per principal to `--out`/minimal-policies/.
    #[arg(long, value_name = "FILE_OR_DIR")]
    cloudtrail: Vec<PathBuf>,
    /// Suppressions file (`{"suppressions": [{"principal", "rule", "reason", ...}]}`): matching
    /// findings are marked suppressed with the reason, not dropped.
    #[arg(long, value_name = "FILE")]
    suppressions: Option<PathBuf>,
    /// Exit 2 when an unsuppressed finding at or above this severity remains.
    #[arg(long = "fail-on", value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FailOn {
    /// Critical findings only.
    Critical,
    /// High or critical.
    High,
    /// Medium or above.
    Medium,
    /// Any finding.
    Low,
}

impl FailOn {
    fn severity(self) -> Severity {
        match self {
            FailOn::Critical => Severity::Critical,
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

pub(crate) fn run(args: AuditArgs) -> Result<ExitCode, Error> {
    let catalog = super::load_catalog(&args.catalog)?;
    let generator = super::generator(args.seed, args.variants)?;
    let suppressions = args
        .suppressions
        .as_deref()
        .map(Suppressions::load)
        .transpose()?;
    let (scp_levels, account_scp_levels) = super::scp_levels_by_account(&args.scp_level);
    let cfg = AuditConfig {
        gaad_files: args.files,
        scp_levels,
        account_scp_levels,
        graph: true,
        managed_dir: ManagedPolicyDir(args.managed_policies),
        generator,
        threads: args.threads,
        progress: !args.quiet,
        principals: args.principal,
        services: args.service,
        cloudtrail: args.cloudtrail,
        shared_space: None,
    };
    // `--out` is checked (and its staging directory made) before any work, so a bad output
    // directory fails in a moment, not after the audit; nothing replaces the old reports until
    // every new one is written.
    let out = crate::report::ReportDir::prepare(&args.out)?;
    // An unknown `--service` or a size over its limit is a usage error (`Error::is_usage`).
    let mut result = run_audit(&cfg, &catalog)?;
    let policies = crate::report::minimal::write_minimal_policies(&mut result, &out)?;
    let extras = crate::report::Extras {
        suppressions: suppressions.map(|s| s.apply(&mut result.findings)),
    };
    // The reports render in parallel on as many threads as the audit used.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(result.stats.threads.max(1))
        .build()
        .map_err(|e| Error::Input(format!("cannot start the report threads: {e}")))?;
    let progress = crate::audit::progress::Progress::new(!args.quiet);
    progress.phase("reports", None);
    // The spreadsheet-size warnings are counted beside the reports.
    let (written, limits) = pool.install(|| {
        rayon::join(
            || crate::report::write_reports(&result, &extras, &out),
            || crate::report::csv::limit_warnings(&result),
        )
    });
    let written = written?;
    out.commit()?;
    progress.finish();
    let s = &result.stats;
    let mut err = out::stderr();
    if !args.quiet {
        outln!(
            err,
            "iamc audit: {} accounts, {} principals ({} with errors), {} groups, {} actions, {} requests, {} decisions ({} evaluated, the rest shared by groups with the same statements for the action) in {:.2} s ({:.0} decisions/s, {} threads)",
            result.accounts.len(),
            s.principals,
            s.principals_with_errors,
            s.groups,
            s.actions,
            s.requests,
            s.decisions,
            s.engine_decisions,
            s.evaluation_seconds,
            s.decisions_per_second,
            s.threads
        )?;
        for f in written.iter().chain(&policies) {
            outln!(err, "  wrote {}", f.display())?;
        }
    }

    let counts = crate::report::findings::FindingCounts::of(&result.findings);
    let mut warnings = extras.warnings();
    warnings.extend(limits);
    for w in warnings {
        outln!(err, "iamc audit: warning: {w}")?;
    }
    if !result.policy_warnings.is_empty() {
        let principals: std::collections::BTreeSet<&str> = result
            .policy_warnings
            .iter()
            .flat_map(|w| w.principals.iter().map(String::as_str))
            .collect();
        outln!(
            err,
            "iamc audit: warning: {} lint warning(s) on policies of {} principal(s); see summary.json (`policy_warnings`) or report.html",
            result.policy_warnings.len(),
            principals.len()
        )?;
    }
    for e in &result.errors {
        outln!(err, "iamc audit: error: {e}")?;
    }
    let failing = args.fail_on.map_or(0, |t| counts.at_or_above(t.severity()));
    if let Some(t) = args.fail_on.filter(|_| failing > 0) {
        outln!(
            err,
            "iamc audit: {failing} unsuppressed finding(s) at or above `{}` (--fail-on)",
            t.severity().as_str()
        )?;
    }
    // The one-line summary (and the least-privilege proof, with `--cloudtrail`), on standard
    // output.
    if !args.quiet {
        let mut stdout = out::stdout();
        if let Some(lp) = &result.least_privilege {
            stdout.text(&crate::audit::cloudtrail::summary_text(lp))?;
        }
        // It starts with the statements to fix first.
        outln!(
            stdout,
            "iamc audit: {}; {} principals ({} with errors); reports in {}",
            counts.line(),
            s.principals,
            s.principals_with_errors,
            args.out.display()
        )?;
        stdout.finish()?;
    }
    let status = super::status::of(!result.errors.is_empty(), failing > 0);
    // The result is the largest value the process holds, and the process ends next: it is left
    // for the operating system to take back whole (freeing 10,000 roles' result one allocation
    // at a time took about 0.4 s, on one thread, after the reports were written).
    std::mem::forget(result);
    Ok(status)
}
