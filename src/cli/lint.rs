//! `iamc lint`: policy files checked against the catalog without a request; findings as text,
//! JSON or SARIF.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::error::Error;
use crate::lint::report::{self, Counts, FileReport};
use crate::lint::{Finding, Rule, lint_text};
use crate::policy::PolicyKind;

use super::out::{self, outln};

/// Output format of `iamc lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// `FILE:LINE:COL: level[rule] message (at POINTER)`, one line per finding.
    Text,
    /// One JSON object: files, their findings (rule, level, pointer, line, column, message),
    /// counts.
    Json,
    /// A SARIF 2.1.0 log, each result located at the finding's JSON pointer.
    Sarif,
}

/// What the files are used as (it decides which elements are allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// Identity-based policies (inline or managed).
    Identity,
    /// Permissions boundaries.
    Boundary,
    /// Service control policies.
    Scp,
    /// Session policies.
    Session,
    /// Role trust policies.
    Trust,
}

impl Kind {
    fn policy_kind(self) -> PolicyKind {
        match self {
            Kind::Identity => PolicyKind::Identity,
            Kind::Boundary => PolicyKind::Boundary,
            Kind::Scp => PolicyKind::Scp,
            Kind::Session => PolicyKind::Session,
            Kind::Trust => PolicyKind::Trust,
        }
    }
}

/// Arguments of `iamc lint`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Examples:
  iamc lint examples/policies/*.json
  iamc lint --format sarif policies/*.json > lint.sarif

Levels: error (the file is not JSON or IAM refuses it), warning (something never matches,
never holds or does not exist), note (legal but worth a look). Warnings make the status 2,
errors 1; notes do not change it. The catalog is the extended one (SageMaker and 16 services
SageMaker policies name). Rules that say something does not exist (service, action, condition
key, resource type) speak only for services the catalog holds completely and for the global
aws: keys.

",
    super::exit_status_help!()))]
pub(crate) struct LintArgs {
    /// Policy files (JSON policy documents).
    #[arg(required = true, value_name = "POLICY")]
    files: Vec<PathBuf>,
    /// What the files are used as.
    #[arg(long, value_enum, default_value_t = Kind::Identity)]
    kind: Kind,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
}

pub(crate) fn run(args: LintArgs) -> Result<ExitCode, Error> {
    let catalog = super::load_extended_catalog(&args.catalog)?;
    let kind = args.kind.policy_kind();
    let files: Vec<FileReport> = args
        .files
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            match std::fs::read(path) {
                Err(e) => FileReport {
                    file,
                    text: None,
                    findings: vec![Finding::new(
                        Rule::UnreadableFile,
                        "",
                        format!("cannot read `{}`: {e}", path.display()),
                    )],
                },
                Ok(bytes) => match String::from_utf8(bytes) {
                    Err(e) => FileReport {
                        file,
                        text: None,
                        findings: vec![Finding::new(
                            Rule::InvalidJson,
                            "",
                            format!(
                                "not UTF-8 (invalid byte at offset {})",
                                e.utf8_error().valid_up_to()
                            ),
                        )],
                    },
                    Ok(text) => FileReport {
                        findings: lint_text(&text, kind, &catalog),
                        file,
                        text: Some(text),
                    },
                },
            }
        })
        .collect();
    let mut out = out::stdout();
    match args.format {
        Format::Text => out.text(&report::text(&files))?,
        Format::Json => outln!(out, "{}", report::json(&files))?,
        Format::Sarif => {
            let text = serde_json::to_string_pretty(&report::sarif(&files))
                .map_err(|e| Error::Input(format!("cannot serialize the SARIF log: {e}")))?;
            outln!(out, "{text}")?;
        }
    }
    out.finish()?;
    let c = Counts::of(&files);
    let mut err = out::stderr();
    outln!(
        err,
        "iamc lint: {} file{}: {} error{}, {} warning{}, {} note{}",
        files.len(),
        plural(files.len()),
        c.errors,
        plural(c.errors),
        c.warnings,
        plural(c.warnings),
        c.notes,
        plural(c.notes)
    )?;
    Ok(super::status::of(c.errors > 0, c.warnings > 0))
}

/// `"s"` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
