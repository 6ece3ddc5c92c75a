//! `iamc paths`: where a principal can get to (role assumption, IAM changes, SageMaker
//! pass-role), with the shortest chain to each node and what allows every hop. Also the inputs
//! and output helpers `iamc who-can` shares.

use std::path::PathBuf;
use std::process::ExitCode;

use bumpalo::Bump;
use clap::Args;

use crate::audit::graph::{Chain, Graph};
use crate::audit::load::{Account, ManagedPolicyDir, load_gaad};
use crate::audit::model::AuditError;
use crate::audit::run::{AuditConfig, ScpLevels, read_scps};
use crate::audit::space::GenConfig;
use crate::catalog::Catalog;
use crate::error::Error;

use super::out::{self, Out, outln};

/// Output format of the graph commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Readable text.
    Text,
    /// One JSON document.
    Json,
}

/// The inputs the graph commands read, as `iamc audit` does.
#[derive(Debug, Args)]
pub(crate) struct GraphInputs {
    /// `aws iam get-account-authorization-details` output files, one per account.
    #[arg(required = true, value_name = "GAAD_FILE")]
    files: Vec<PathBuf>,
    /// One SCP level (see `iamc audit --help`): `FILE,…` for every account, `ACCOUNT=FILE,…`
    /// for that account only; repeat per level, from the organization root down.
    #[arg(long = "scp-level", value_name = "[ACCOUNT=]FILE[,FILE...]")]
    scp_level: Vec<String>,
    /// Directory of AWS managed policy documents (`<PolicyName>.json`) for policies a GAAD file
    /// attaches but does not include.
    #[arg(long = "managed-policies", value_name = "DIR")]
    managed_policies: Option<PathBuf>,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(super) format: Format,
}

/// The loaded inputs of a graph command.
pub(super) struct Loaded {
    pub(super) catalog: Catalog,
    pub(super) accounts: Vec<Account>,
    pub(super) scps: ScpLevels,
    pub(super) cfg: AuditConfig,
    /// Problems that did not stop the answer (principals that could not be evaluated).
    pub(super) errors: Vec<AuditError>,
}

impl GraphInputs {
    /// Reads the catalog, the SCP levels and every GAAD file.
    pub(super) fn load(&self) -> Result<Loaded, Error> {
        let catalog = super::load_catalog(&self.catalog)?;
        let (scp_levels, account_scp_levels) = super::scp_levels_by_account(&self.scp_level);
        let cfg = AuditConfig {
            gaad_files: self.files.clone(),
            scp_levels,
            account_scp_levels,
            managed_dir: ManagedPolicyDir(self.managed_policies.clone()),
            generator: GenConfig::default(),
            threads: 0,
            progress: false,
            services: Vec::new(),
            cloudtrail: Vec::new(),
            principals: Vec::new(),
            shared_space: None,
            graph: true,
        };
        let scps = read_scps(&cfg, &mut Vec::new())?;
        let mut accounts = Vec::new();
        let mut errors = Vec::new();
        for f in &self.files {
            let a = load_gaad(f, &cfg.managed_dir)?;
            errors.extend(a.errors.iter().cloned());
            for p in &a.principals {
                errors.extend(p.errors.iter().cloned());
            }
            accounts.push(a);
        }
        for id in cfg.account_scp_levels.keys() {
            if !accounts.iter().any(|a| &a.id == id) {
                return Err(Error::Usage(format!(
                    "`--scp-level {id}=…` names account `{id}`, which no GAAD file holds"
                )));
            }
        }
        Ok(Loaded {
            catalog,
            accounts,
            scps,
            cfg,
            errors,
        })
    }
}

impl Loaded {
    /// Builds the graph and hands it to `answer`.
    pub(super) fn with_graph<T>(&self, answer: impl FnOnce(&Graph<'_>) -> T) -> T {
        let arena = Bump::new();
        let g = Graph::build(
            &arena,
            &self.accounts,
            &self.scps,
            &self.cfg,
            &self.catalog,
            crate::audit::graph::now(),
        );
        answer(&g)
    }

    /// Prints the loading errors on standard error; the exit status: 1 when there were any,
    /// else 2 when `found`, else 0.
    pub(super) fn finish(&self, command: &str, found: bool) -> Result<ExitCode, Error> {
        let mut err = out::stderr();
        for e in &self.errors {
            outln!(err, "iamc {command}: error: {e}")?;
        }
        Ok(super::status::of(!self.errors.is_empty(), found))
    }
}

/// Arguments of `iamc paths`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Example:
  iamc paths examples/account.json --from DataScientist
  iamc paths examples/account.json --from carol --to admin --format json

Prints every principal the starting one can become, nearest first, each with the shortest chain:
per hop its kind (assume-role, take-user, rewrite-trust, grant-permissions, set-default-version,
join-group, sagemaker-pass-role, federated-assume-role), the actions, the statements that allow it
(file and JSON pointer) and the conditions it needs. Found (status 2): a node listed holds more
than the starting principal. A principal that could not be evaluated is an input error (status
1), and the answer is still printed; an unknown principal is a usage error.

",
    super::exit_status_help!()))]
pub(crate) struct PathsArgs {
    #[command(flatten)]
    inputs: GraphInputs,
    /// The starting principal: its ARN, or its role or user name when that is unique.
    #[arg(long, value_name = "ARN|NAME")]
    from: String,
    /// Only the shortest chain to this principal (ARN or name), or to the nearest
    /// administrator-equivalent node (`admin`).
    #[arg(long, value_name = "ARN|NAME|admin")]
    to: Option<String>,
}

pub(crate) fn run(args: PathsArgs) -> Result<ExitCode, Error> {
    let loaded = args.inputs.load()?;
    let answer = loaded.with_graph(|g| g.paths(&args.from, args.to.as_deref()))?;
    print_answer(args.inputs.format, &answer, |out, answer| {
        let admin = if answer.from_admin {
            " (administrator-equivalent itself)"
        } else {
            ""
        };
        let what = match &answer.to {
            None => "principals",
            Some(t) if t == "admin" => "administrator-equivalent nodes",
            Some(_) => "chains to the principal asked for",
        };
        outln!(
            out,
            "{}{admin} reaches {} {what}{}",
            answer.from,
            answer.reached.len(),
            if answer.reached.is_empty() { "" } else { ":" }
        )?;
        for (i, r) in answer.reached.iter().enumerate() {
            let mut notes = vec![format!("{} hop(s)", r.chain.len())];
            if r.admin {
                notes.push("administrator-equivalent".to_owned());
            }
            match r.contained {
                Some(false) => notes.push("more access than the start".to_owned()),
                Some(true) => notes.push("no more access than the start".to_owned()),
                None => notes.push("not evaluated".to_owned()),
            }
            outln!(out, "{:>3}. {}  [{}]", i + 1, r.to, notes.join("; "))?;
            write_chain(out, &r.chain, "       ")?;
        }
        Ok(())
    })?;
    let found = answer.reached.iter().any(|r| r.contained == Some(false));
    loaded.finish("paths", found)
}

/// Prints a graph command's answer on standard output: one pretty JSON document, or the
/// command's `text` rendering.
pub(super) fn print_answer<T: serde::Serialize>(
    format: Format,
    answer: &T,
    text: impl FnOnce(&mut Out, &T) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut out = out::stdout();
    match format {
        Format::Json => {
            let json = serde_json::to_string_pretty(answer)
                .map_err(|e| Error::Input(format!("cannot render JSON: {e}")))?;
            outln!(out, "{json}")?;
        }
        Format::Text => text(&mut out, answer)?,
    }
    out.finish()
}

/// Writes a chain, one hop per line with its statements and conditions.
pub(super) fn write_chain(out: &mut Out, chain: &Chain, indent: &str) -> Result<(), Error> {
    for (k, h) in chain.iter().enumerate() {
        outln!(
            out,
            "{indent}{}. {}: {} -> {} ({})",
            k + 1,
            h.kind,
            h.from,
            h.to,
            h.actions.join(", ")
        )?;
        for s in &h.statements {
            outln!(
                out,
                "{indent}     {} {} of {} at {}#{}",
                s.effect,
                s.statement,
                s.policy,
                s.file,
                s.pointer
            )?;
        }
        for c in &h.conditions {
            outln!(out, "{indent}     if {c}")?;
        }
    }
    Ok(())
}
