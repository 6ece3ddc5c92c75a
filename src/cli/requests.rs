//! `iamc requests`: the synthetic request space of an account as JSONL (the case format without
//! policies), so users and tests can inspect what an audit evaluates.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::{Map, Value, json};

use crate::audit::load::{ManagedPolicyDir, load_gaad};
use crate::audit::space::{GenConfig, Mentions, generate_action};
use crate::error::Error;

use super::out::{self, outln};

/// Arguments of `iamc requests`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Example:
  iamc requests examples/account.json --action sagemaker:CreateTrainingJob --variants 20

Prints one JSON line per synthetic request (the case format without policies).

",
    super::exit_status_help!()))]
pub(crate) struct RequestsArgs {
    /// The GAAD file whose policies the values are drawn from.
    #[arg(value_name = "GAAD_FILE")]
    file: PathBuf,
    /// Synthetic requests per action.
    #[arg(long, default_value_t = 1000)]
    variants: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only this action (`service:Action`, any case); repeatable.
    #[arg(long, value_name = "ACTION")]
    action: Vec<String>,
    /// Directory of AWS managed policy documents (see `iamc audit`).
    #[arg(long = "managed-policies", value_name = "DIR")]
    managed_policies: Option<PathBuf>,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
}

pub(crate) fn run(args: RequestsArgs) -> Result<ExitCode, Error> {
    let catalog = super::load_catalog(&args.catalog)?;
    let account = load_gaad(&args.file, &ManagedPolicyDir(args.managed_policies))?;
    let mut mentions = Mentions::default();
    for p in &account.principals {
        for d in p.identity.iter().chain(p.boundary.iter()) {
            mentions.add_policy(&d.policy);
        }
        mentions.add_principal_context(&p.context());
    }
    let cfg = GenConfig {
        seed: args.seed,
        variants: args.variants,
        ..GenConfig::default()
    };
    let targets: Vec<String> = account.roles.iter().map(|r| r.arn.clone()).collect();
    let mut wanted = Vec::new();
    for a in &args.action {
        match catalog.action_id(a) {
            Some(id) => wanted.push(id),
            None => {
                return Err(Error::Usage(format!(
                    "`{a}` is not an action of the catalog"
                )));
            }
        }
    }
    let ids: Vec<_> = if wanted.is_empty() {
        catalog.actions_with_ids().map(|(id, _)| id).collect()
    } else {
        wanted
    };
    let mut out = out::stdout();
    for id in ids {
        let Some(reqs) = generate_action(&catalog, id, &account.id, &cfg, &mentions, &targets)
        else {
            continue;
        };
        for (i, r) in reqs.requests.iter().enumerate() {
            let mut ctx = Map::new();
            for e in r.context.entries() {
                let v = if e.is_list {
                    Value::from(e.values.clone())
                } else {
                    Value::from(e.values.first().cloned().unwrap_or_default())
                };
                ctx.insert(e.key.clone(), v);
            }
            let line = json!({
                "id": format!("{}#{i}", reqs.action),
                "action": reqs.action,
                "resource": r.resource,
                "principal": r.principal,
                "context": ctx,
            });
            outln!(out, "{line}")?;
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
