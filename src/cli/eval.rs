//! `iamc eval`: JSONL cases in, one JSON line per case out (`../shared/CASE-FORMAT.md`).

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use crate::case::parse_case_line;
use crate::catalog::Catalog;
use crate::error::Error;

/// Arguments of `iamc eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// JSONL case file, or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    cases: PathBuf,
    /// Add an `explain` object: the statements that matched per layer, the deciding layer and the
    /// condition keys missing from the request.
    #[arg(long)]
    explain: bool,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
    /// The evaluator.
    #[arg(long, value_enum, default_value_t = super::Engine::Compiled)]
    engine: super::Engine,
}

struct Settings {
    input: Option<PathBuf>,
    explain: bool,
    catalog: Catalog,
    engine: super::Engine,
}

pub fn run(args: EvalArgs) -> Result<ExitCode, Error> {
    let settings = Settings {
        input: (args.cases.as_os_str() != "-").then_some(args.cases),
        explain: args.explain,
        catalog: super::load_catalog(&args.catalog)?,
        engine: args.engine,
    };
    let reader: Box<dyn BufRead> = match &settings.input {
        Some(path) => Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(|e| Error::read(path, e))?,
        )),
        None => Box::new(std::io::stdin().lock()),
    };
    let name = settings
        .input
        .as_ref()
        .map_or_else(|| "<stdin>".to_owned(), |p| p.display().to_string());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let (mut cases, mut errors, mut mismatches) = (0usize, 0usize, Vec::new());
    for (n, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| Error::Usage(format!("cannot read `{name}`: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        cases += 1;
        let value = match parse_case_line(&line) {
            Ok(case) => {
                match settings
                    .engine
                    .explain(&case.policies, &case.request, &settings.catalog)
                {
                    Err(e) => {
                        errors += 1;
                        json!({"id": case.id, "error": e.to_string()})
                    }
                    Ok(ex) => {
                        let decision = ex.outcome.decision;
                        if case.expect.is_some_and(|e| e != decision) {
                            mismatches.push(case.id.clone());
                        }
                        if settings.explain {
                            json!({"id": case.id, "decision": decision, "explain": ex})
                        } else {
                            json!({"id": case.id, "decision": decision})
                        }
                    }
                }
            }
            Err(e) => {
                errors += 1;
                // The id names the case; without one, the line number does.
                let message = match &e.id {
                    Some(_) => e.message,
                    None => format!("line {}: {}", n + 1, e.message),
                };
                json!({"id": e.id, "error": message})
            }
        };
        writeln!(out, "{value}").map_err(|e| Error::write("<stdout>", e))?;
    }
    out.flush().map_err(|e| Error::write("<stdout>", e))?;
    eprintln!(
        "iamc eval: {cases} case{}, {errors} error{}, {} disagree{} with `expect`{}",
        plural(cases),
        plural(errors),
        mismatches.len(),
        if mismatches.len() == 1 { "s" } else { "" },
        if mismatches.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                mismatches
                    .iter()
                    .take(20)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else if !mismatches.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `"s"` unless `n` is one.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
