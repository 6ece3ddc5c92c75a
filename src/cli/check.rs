//! `iamc check`: one request from flags against policy files, explained for people or as JSON.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::eval::{Decision, Explanation, Request};
use crate::policy::lint::lint;
use crate::policy::{PolicyKind, PolicySet};

use super::out::outln;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable explanation.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `iamc check`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Examples:
  iamc check --policy examples/policies/data-scientist.json \\
      --action sagemaker:CreateTrainingJob \\
      --resource arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-1 \\
      --context sagemaker:InstanceTypes=ml.m5.xlarge --context aws:RequestTag/team=ml

  iamc check --policy id.json --boundary boundary.json \\
      --scp-level root.json --scp-level ou-ml.json,account.json \\
      --action sagemaker:ListTrainingJobs --format json

",
    super::exit_status_help!()))]
pub struct CheckArgs {
    /// Identity-based policy file (inline or managed); repeatable.
    #[arg(long, value_name = "FILE")]
    policy: Vec<PathBuf>,
    /// Permissions boundary policy file; repeatable (a boundary is then set).
    #[arg(long, value_name = "FILE")]
    boundary: Vec<PathBuf>,
    /// One SCP level: comma-separated policy files attached at that level. Repeat once per level,
    /// from the organization root down to the account; every level must allow.
    #[arg(long = "scp-level", value_name = "FILE[,FILE...]")]
    scp_level: Vec<String>,
    /// Session policy file.
    #[arg(long = "session-policy", value_name = "FILE")]
    session_policy: Option<PathBuf>,
    /// The action, `service:Action` (any case).
    #[arg(long)]
    action: String,
    /// The resource ARN; `*` (the default) for actions with no resource type.
    #[arg(long, default_value = "*")]
    resource: String,
    /// The calling principal's ARN (enables the cross-account check).
    #[arg(long)]
    principal: Option<String>,
    /// The account that owns the resource (default: the resource ARN's account).
    #[arg(long)]
    account: Option<String>,
    /// A request context value, `KEY=VALUE`; repeat a key to make it multivalued.
    #[arg(long, value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// A context key given as an empty list (`aws:TagKeys=` gives one empty string instead).
    #[arg(long = "context-empty-list", value_name = "KEY")]
    context_empty_list: Vec<String>,
    /// Extra service reference JSON file (AWS's format); repeatable.
    #[arg(long, value_name = "FILE")]
    catalog: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The evaluator.
    #[arg(long, value_enum, default_value_t = super::Engine::Compiled)]
    engine: super::Engine,
}

struct Settings {
    policies: PolicySet,
    sources: Vec<(String, String)>,
    request: Request,
    catalog: Catalog,
    format: Format,
    engine: super::Engine,
}

fn settings(args: CheckArgs) -> Result<Settings, Error> {
    let catalog = super::load_catalog(&args.catalog)?;
    let mut policies = PolicySet::default();
    let mut sources = Vec::new();
    for (i, p) in args.policy.iter().enumerate() {
        policies
            .identity
            .push(super::read_policy_file(p, PolicyKind::Identity)?);
        sources.push((format!("identity[{i}]"), p.display().to_string()));
    }
    if !args.boundary.is_empty() {
        let mut b = Vec::new();
        for (i, p) in args.boundary.iter().enumerate() {
            b.push(super::read_policy_file(p, PolicyKind::Boundary)?);
            sources.push((format!("boundary[{i}]"), p.display().to_string()));
        }
        policies.boundary = Some(b);
    }
    for (l, level) in super::scp_levels(&args.scp_level).iter().enumerate() {
        let mut out = Vec::new();
        for (i, f) in level.iter().enumerate() {
            out.push(super::read_policy_file(f, PolicyKind::Scp)?);
            sources.push((format!("scps[{l}][{i}]"), f.display().to_string()));
        }
        policies.scps.push(out);
    }
    if let Some(p) = &args.session_policy {
        policies.session = Some(super::read_policy_file(p, PolicyKind::Session)?);
        sources.push(("session".to_owned(), p.display().to_string()));
    }
    let mut request = Request::new(&args.action, &args.resource)
        .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
    request.principal = args.principal;
    request.account = args.account;
    for kv in &args.context {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(Error::Usage(format!("`--context {kv}` must be KEY=VALUE")));
        };
        request.context.push_value(k, v.to_owned());
    }
    for k in &args.context_empty_list {
        request
            .context
            .insert(k, crate::eval::ContextValue::Multi(Vec::new()))
            .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
    }
    Ok(Settings {
        policies,
        sources,
        request,
        catalog,
        format: args.format,
        engine: args.engine,
    })
}

pub fn run(args: CheckArgs) -> Result<ExitCode, Error> {
    let s = settings(args)?;
    let ex = s.engine.explain(&s.policies, &s.request, &s.catalog)?;
    let warnings = warnings(&s);
    let mut out = super::out::stdout();
    match s.format {
        Format::Json => {
            let v = serde_json::json!({
                "action": s.request.action(),
                "resource": s.request.resource,
                "decision": ex.outcome.decision,
                "explain": ex,
                "warnings": warnings,
            });
            outln!(out, "{v}")?;
        }
        Format::Text => {
            out.text(&render_text(&s, &ex))?;
            if !warnings.is_empty() {
                outln!(out, "  warnings:")?;
                for w in &warnings {
                    outln!(out, "    {w}")?;
                }
            }
        }
    }
    out.finish()?;
    Ok(super::status::of(
        false,
        ex.outcome.decision != Decision::Allowed,
    ))
}

/// Catalog warnings for every policy, prefixed with its file.
fn warnings(s: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    for (label, policy) in s.policies.labelled() {
        let file = s
            .sources
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(label.as_str(), |(_, f)| f.as_str());
        for w in lint(policy, &s.catalog) {
            out.push(format!("{file} {w}"));
        }
    }
    out
}

fn render_text(s: &Settings, ex: &Explanation) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} (decided by {})",
        ex.outcome.decision, ex.outcome.decided_by
    );
    let _ = writeln!(o, "  action:   {}", s.request.action());
    let _ = writeln!(o, "  resource: {}", s.request.resource);
    if ex.evaluated_resource != s.request.resource {
        let _ = writeln!(
            o,
            "            evaluated against `{}`: the action supports no resource type",
            ex.evaluated_resource
        );
    }
    if ex.matched.is_empty() {
        let _ = writeln!(o, "  matched statements: none");
    } else {
        let _ = writeln!(o, "  matched statements:");
        for m in &ex.matched {
            let label = match &m.layer {
                crate::eval::Layer::Scp(l) => format!("scps[{l}][{}]", m.policy),
                crate::eval::Layer::Session => "session".to_owned(),
                other => format!("{other}[{}]", m.policy),
            };
            let file = s
                .sources
                .iter()
                .find(|(l, _)| *l == label)
                .map_or("", |(_, f)| f.as_str());
            let sid = m
                .sid
                .as_deref()
                .map(|x| format!(" Sid `{x}`"))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "    {:<5} {label} {file} statement {}{sid}",
                m.effect.as_str(),
                m.statement
            );
        }
    }
    if !ex.missing_keys.is_empty() {
        let _ = writeln!(
            o,
            "  condition keys missing from the request: {}",
            ex.missing_keys.join(", ")
        );
    }
    o
}
