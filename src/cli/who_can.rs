//! `iamc who-can`: every principal that can perform an action, with its own policies or through
//! the shortest chain to a principal that can.

use std::process::ExitCode;

use clap::Args;

use super::out::outln;
use super::paths::{GraphInputs, print_answer, write_chain};
use crate::error::Error;

/// Arguments of `iamc who-can`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Example:
  iamc who-can iam:PutRolePolicy examples/account.json
  iamc who-can sagemaker:CreateTrainingJob examples/account.json \\
      --resource arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-1 --format json

Lists direct principals first, then by the length of their chain. Without --resource, a principal
counts when the engine allows the action on some resource of its own account (a generic ARN, or
one its statements name); with it, on that resource (resources of another account are not
reachable from an identity policy alone). For sts:AssumeRole on a role of the input, the role's
trust policy decides, as for the graph's edges. Found (status 2): some principal can only
through a chain. A principal that could not be evaluated is an input error (status 1), and the
answer is still printed.

",
    super::exit_status_help!()))]
pub(crate) struct WhoCanArgs {
    /// The action (`service:Action`).
    #[arg(value_name = "ACTION")]
    action: String,
    #[command(flatten)]
    inputs: GraphInputs,
    /// The resource ARN (default: any resource of the principal's account).
    #[arg(long, value_name = "ARN")]
    resource: Option<String>,
}

pub(crate) fn run(args: WhoCanArgs) -> Result<ExitCode, Error> {
    let loaded = args.inputs.load()?;
    let answer = loaded.with_graph(|g| g.who_can(&args.action, args.resource.as_deref()))?;
    print_answer(args.inputs.format, &answer, |out, answer| {
        let on = answer
            .resource
            .as_deref()
            .map_or_else(String::new, |r| format!(" on {r}"));
        outln!(
            out,
            "{}{on}: {} principal(s)",
            answer.action,
            answer.principals.len()
        )?;
        for e in &answer.principals {
            if e.directly {
                outln!(out, "  {}  directly", e.principal)?;
            } else {
                outln!(
                    out,
                    "  {}  as {} in {} hop(s)",
                    e.principal,
                    e.via,
                    e.chain.len()
                )?;
                write_chain(out, &e.chain, "     ")?;
            }
        }
        Ok(())
    })?;
    let found = answer.principals.iter().any(|e| !e.directly);
    loaded.finish("who-can", found)
}
