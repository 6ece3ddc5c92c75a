//! `iamc check`: one request from flags, against policy files or against a principal of a GAAD
//! file (its policies, boundary and principal context, as AWS's simulate-principal-policy does),
//! explained down to the condition for people or as JSON.

mod formula;
mod principal;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::catalog::Catalog;
use crate::error::Error;
use crate::eval::{ContextValue, Decision, Request};
use crate::lint::{Level, lint_policy};
use crate::policy::{PolicyKind, PolicySet};

use super::out::outln;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A readable explanation.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `iamc check`.
#[derive(Debug, Args)]
#[command(after_help = concat!("\
Examples:
  iamc check --gaad examples/account.json --principal DataScientist \\
      --action sagemaker:CreateTrainingJob \\
      --resource arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-1 \\
      --context sagemaker:InstanceTypes=ml.m5.xlarge --context aws:RequestTag/team=ml \\
      --scp-level examples/scp-root.json

  iamc check --policy id.json --boundary boundary.json \\
      --scp-level root.json --scp-level ou-ml.json,account.json \\
      --action sagemaker:ListTrainingJobs --format json

With --gaad, the principal's inline and attached policies (managed: the default version; users:
their groups' too), its permissions boundary and its principal keys (aws:PrincipalArn,
aws:PrincipalAccount, aws:PrincipalType, aws:userid, aws:PrincipalTag/*, aws:username for
users) come from the file, and the request is made by its session. aws:RequestedRegion and
aws:ResourceAccount come from the resource ARN. --context overrides any of them. A denial names
the layer, the statement and the condition (operator, key, policy values, request values) that
decided it; for an implicit deny, the nearest statements of each gate and what failed.

",
    super::exit_status_help!()))]
pub(crate) struct CheckArgs {
    /// `aws iam get-account-authorization-details` output file(s) holding the principal;
    /// repeatable. Needs --principal; excludes --policy and --boundary.
    #[arg(long, value_name = "GAAD_FILE")]
    gaad: Vec<PathBuf>,
    /// Directory of AWS managed policy documents (`<PolicyName>.json`) for policies a GAAD file
    /// attaches but does not include.
    #[arg(long = "managed-policies", value_name = "DIR")]
    managed_policies: Option<PathBuf>,
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
    /// With --gaad: the principal, by ARN or by its unique role or user name. Without: the
    /// calling principal's ARN (enables the cross-account check; a user ARN sets aws:username).
    #[arg(long, value_name = "ARN|NAME")]
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
    /// Also show the exact analysis of the action for these policies and principal keys: its
    /// class over every request AWS can send, the condition under which it is allowed (the
    /// organization's guardrails and the principal's own part) and an allowed and a denied
    /// request, each confirmed by the engine.
    #[arg(long)]
    explain: bool,
}

/// Where a policy of the set came from, for explanations: its label in the set
/// (`identity[0]`), what it is (`inline:Name`, a file), its file and JSON pointer there.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub(crate) label: String,
    pub(crate) what: String,
    pub(crate) file: String,
    pub(crate) pointer: String,
}

/// Where a context value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// `--context`.
    Given,
    /// The principal (GAAD file or `--principal` ARN).
    Principal,
    /// The resource ARN.
    Resource,
}

impl Origin {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Origin::Given => "given",
            Origin::Principal => "principal",
            Origin::Resource => "resource ARN",
        }
    }
}

/// The validated settings of one check.
pub(crate) struct Settings {
    pub(crate) policies: PolicySet,
    pub(crate) sources: Vec<Source>,
    pub(crate) request: Request,
    /// Context keys (as written) and where their values came from, in order.
    pub(crate) origins: Vec<(String, Origin)>,
    /// The principal, as described for people (`role DataScientist (arn…) from FILE`).
    pub(crate) principal: Option<String>,
    /// Remarks about the setup (an SCP not applied to a service-linked role).
    pub(crate) notes: Vec<String>,
    pub(crate) catalog: Catalog,
    format: Format,
    engine: super::Engine,
    explain: bool,
}

impl Settings {
    /// The source of policy `policy` of `layer`.
    pub(crate) fn source(&self, label: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.label == label)
    }
}

fn settings(args: CheckArgs) -> Result<Settings, Error> {
    let catalog = super::load_extended_catalog(&args.catalog)?;
    let mut request = Request::new(&args.action, &args.resource)
        .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
    request.account = args.account.clone();
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for kv in &args.context {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(Error::Usage(format!("`--context {kv}` must be KEY=VALUE")));
        };
        match given.iter_mut().find(|(g, _)| g.eq_ignore_ascii_case(k)) {
            Some((_, values)) => values.push(v.to_owned()),
            None => given.push((k.to_owned(), vec![v.to_owned()])),
        }
    }
    let mut policies = PolicySet::default();
    let mut sources = Vec::new();
    let mut derived: Vec<(String, String, Origin)> = Vec::new();
    let mut notes = Vec::new();
    let mut principal_text = None;
    let mut apply_scps = true;
    if args.gaad.is_empty() {
        for (i, p) in args.policy.iter().enumerate() {
            policies
                .identity
                .push(super::read_policy_file(p, PolicyKind::Identity)?);
            sources.push(file_source(format!("identity[{i}]"), p));
        }
        if !args.boundary.is_empty() {
            let mut b = Vec::new();
            for (i, p) in args.boundary.iter().enumerate() {
                b.push(super::read_policy_file(p, PolicyKind::Boundary)?);
                sources.push(file_source(format!("boundary[{i}]"), p));
            }
            policies.boundary = Some(b);
        }
        if let Some(arn) = &args.principal {
            for (k, v) in principal::keys_of_arn(arn) {
                derived.push((k, v, Origin::Principal));
            }
            request.principal = Some(arn.clone());
        }
    } else {
        if !args.policy.is_empty() || !args.boundary.is_empty() {
            return Err(Error::Usage(
                "`--gaad` takes the principal's policies and boundary from the file; it cannot be combined with `--policy` or `--boundary`".to_owned(),
            ));
        }
        let Some(wanted) = &args.principal else {
            return Err(Error::Usage(
                "`--gaad` needs `--principal ARN|NAME`: which principal of the file to simulate"
                    .to_owned(),
            ));
        };
        let found = principal::find(&args.gaad, args.managed_policies.clone(), wanted)?;
        let p = &found.principal;
        for (i, d) in p.identity.iter().enumerate() {
            policies.identity.push((*d.policy).clone());
            sources.push(Source {
                label: format!("identity[{i}]"),
                what: d.label.to_string(),
                file: d.file.to_string(),
                pointer: d.pointer.to_string(),
            });
        }
        if let Some(d) = &p.boundary {
            policies.boundary = Some(vec![(*d.policy).clone()]);
            sources.push(Source {
                label: "boundary[0]".to_owned(),
                what: d.label.to_string(),
                file: d.file.to_string(),
                pointer: d.pointer.to_string(),
            });
        }
        for e in p.context().entries() {
            derived.push((
                e.key.clone(),
                e.values.first().cloned().unwrap_or_default(),
                Origin::Principal,
            ));
        }
        request.principal = Some(p.session_arn());
        principal_text = Some(format!(
            "{} {} ({}) from {}, calling as {}",
            p.kind.as_str(),
            p.name,
            p.arn,
            found.file,
            p.session_arn()
        ));
        if p.service_linked && !args.scp_level.is_empty() {
            apply_scps = false;
            notes.push(format!(
                "`{}` is a service-linked role: SCPs do not restrict it, so --scp-level is not applied",
                p.arn
            ));
        }
    }
    if apply_scps {
        for (l, level) in super::scp_levels(&args.scp_level).iter().enumerate() {
            let mut out = Vec::new();
            for (i, f) in level.iter().enumerate() {
                out.push(super::read_policy_file(f, PolicyKind::Scp)?);
                sources.push(file_source(format!("scps[{l}][{i}]"), f));
            }
            policies.scps.push(out);
        }
    }
    if let Some(p) = &args.session_policy {
        policies.session = Some(super::read_policy_file(p, PolicyKind::Session)?);
        sources.push(file_source("session".to_owned(), p));
    }
    for (k, v) in principal::keys_of_resource(&request) {
        derived.push((k, v, Origin::Resource));
    }
    // Given values first, then what was derived, unless given.
    let mut origins = Vec::new();
    for (k, values) in given {
        let value = if values.len() == 1 {
            ContextValue::Single(values.into_iter().next().unwrap_or_default())
        } else {
            ContextValue::Multi(values)
        };
        request
            .context
            .insert(&k, value)
            .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
        origins.push((k, Origin::Given));
    }
    for k in &args.context_empty_list {
        request
            .context
            .insert(k, ContextValue::Multi(Vec::new()))
            .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
        origins.push((k.clone(), Origin::Given));
    }
    for (k, v, origin) in derived {
        if request.context.get(&k.to_lowercase()).is_some() {
            continue;
        }
        request
            .context
            .insert(&k, ContextValue::Single(v))
            .map_err(|e| Error::Usage(format!("invalid request: {e}")))?;
        origins.push((k, origin));
    }
    Ok(Settings {
        policies,
        sources,
        request,
        origins,
        principal: principal_text,
        notes,
        catalog,
        format: args.format,
        engine: args.engine,
        explain: args.explain,
    })
}

fn file_source(label: String, path: &std::path::Path) -> Source {
    Source {
        label,
        what: "file".to_owned(),
        file: path.display().to_string(),
        pointer: String::new(),
    }
}

pub(crate) fn run(args: CheckArgs) -> Result<ExitCode, Error> {
    let s = settings(args)?;
    let ex = s.engine.explain(&s.policies, &s.request, &s.catalog)?;
    let trace = crate::eval::trace::trace(&s.policies, &s.request, &s.catalog);
    let warnings = warnings(&s);
    let analysis = if s.explain {
        Some(formula::explain(&s)?)
    } else {
        None
    };
    let mut out = super::out::stdout();
    match s.format {
        Format::Json => {
            let mut v = render::json(&s, &ex, &trace, &warnings);
            if let (Some(a), Some(obj)) = (&analysis, v.as_object_mut()) {
                obj.insert("analysis".to_owned(), formula::json(a));
            }
            outln!(out, "{v}")?;
        }
        Format::Text => {
            let mut t = render::text(&s, &ex, &trace, &warnings);
            if let Some(a) = &analysis {
                t.push_str(&formula::text(a));
            }
            out.text(&t)?;
        }
    }
    out.finish()?;
    Ok(super::status::of(
        false,
        ex.outcome.decision != Decision::Allowed,
    ))
}

/// The request's action unknown to a service the catalog holds (with a did-you-mean), then
/// every policy's lint warnings, prefixed with where the policy came from.
fn warnings(s: &Settings) -> Vec<String> {
    let mut out = Vec::new();
    let (service, name) = (s.request.service_lower(), s.request.name_lower());
    if !crate::lint::prefixes::is_known(service, &s.catalog) {
        out.push(format!(
            "`{}`: `{service}` is not an AWS service prefix",
            s.request.action()
        ));
    } else if s.catalog.holds_all_of(service) && s.catalog.action(s.request.action()).is_none() {
        let hint = crate::lint::actions::did_you_mean_action(service, name, &s.catalog)
            .map(|a| format!(" (did you mean `{a}`?)"))
            .unwrap_or_default();
        out.push(format!(
            "`{}` is not an action of `{service}` in the catalog{hint}; it is decided by pattern matching alone (S-29)",
            s.request.action()
        ));
    }
    for (label, policy) in s.policies.labelled() {
        let kind = if label.starts_with("scps") {
            PolicyKind::Scp
        } else if label.starts_with("boundary") {
            PolicyKind::Boundary
        } else if label == "session" {
            PolicyKind::Session
        } else {
            PolicyKind::Identity
        };
        let whence = s.source(&label).map_or(label.clone(), render::describe);
        for f in lint_policy(policy, kind, &s.catalog) {
            if f.level() == Level::Warning {
                out.push(format!("{whence} {f}"));
            }
        }
    }
    out
}
