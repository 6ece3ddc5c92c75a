//! The principal of `iamc check`: found in GAAD files by ARN or unique name (ambiguity and
//! absence are errors listing candidates), and the context keys a principal ARN or a resource
//! ARN determine.

use std::path::PathBuf;

use crate::audit::load::{ManagedPolicyDir, Principal, load_gaad};
use crate::error::Error;
use crate::eval::Request;
use crate::policy::pattern::split_arn;

/// A principal found in a GAAD file.
pub(crate) struct Found {
    pub(crate) principal: Principal,
    pub(crate) file: String,
}

/// At most this many candidates are listed in an error.
const LIST: usize = 10;

/// The principal of `files` named `wanted`: a role or user ARN, or a role or user name that
/// only one principal has. A principal whose policies could not be loaded is an error naming
/// the file, the JSON pointer and the reason.
pub(crate) fn find(
    files: &[PathBuf],
    managed: Option<PathBuf>,
    wanted: &str,
) -> Result<Found, Error> {
    let dir = ManagedPolicyDir(managed);
    let mut all: Vec<Found> = Vec::new();
    for f in files {
        let account = load_gaad(f, &dir)?;
        for p in account.principals {
            all.push(Found {
                principal: p,
                file: account.file.clone(),
            });
        }
    }
    let by_arn = wanted.starts_with("arn:");
    let mut hits: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            if by_arn {
                f.principal.arn == wanted
            } else {
                f.principal.name == wanted
            }
        })
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() && !by_arn {
        // Names are case-sensitive in IAM, but a unique case-insensitive match is what was meant.
        hits = all
            .iter()
            .enumerate()
            .filter(|(_, f)| f.principal.name.eq_ignore_ascii_case(wanted))
            .map(|(i, _)| i)
            .collect();
    }
    match hits.as_slice() {
        [] => {
            let names = all.iter().map(|f| f.principal.name.clone());
            let hint = crate::lint::names::closest_name(wanted, names, 3)
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            Err(Error::Input(format!(
                "no principal `{wanted}` in {}{hint}; principals there: {}",
                file_list(files),
                candidates(all.iter())
            )))
        }
        [one] => {
            let found = all.swap_remove(*one);
            if let Some(e) = found.principal.errors.first() {
                return Err(Error::Input(format!(
                    "`{}` cannot be evaluated: {e}",
                    found.principal.arn
                )));
            }
            Ok(found)
        }
        many => Err(Error::Input(format!(
            "`{wanted}` names {} principals; give one ARN: {}",
            many.len(),
            candidates(many.iter().filter_map(|i| all.get(*i)))
        ))),
    }
}

fn file_list(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| format!("`{}`", f.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `role X (arn) in FILE, …`, at most [`LIST`] of them.
fn candidates<'a>(found: impl Iterator<Item = &'a Found>) -> String {
    let list: Vec<String> = found
        .map(|f| {
            format!(
                "{} `{}` ({}, {})",
                f.principal.kind.as_str(),
                f.principal.name,
                f.principal.arn,
                f.file
            )
        })
        .collect();
    if list.is_empty() {
        return "none".to_owned();
    }
    let more = list.len().saturating_sub(LIST);
    let mut s = list.into_iter().take(LIST).collect::<Vec<_>>().join("; ");
    if more > 0 {
        s.push_str(&format!("; and {more} more"));
    }
    s
}

/// The principal keys an ARN determines: `aws:PrincipalArn` (the role's ARN for a role
/// session), `aws:PrincipalAccount`, `aws:PrincipalType`, and `aws:username` for an IAM user.
pub(crate) fn keys_of_arn(arn: &str) -> Vec<(String, String)> {
    let Some(parts) = split_arn(arn) else {
        return Vec::new();
    };
    let (partition, service, account, resource) = (parts[1], parts[2], parts[4], parts[5]);
    let mut out = Vec::new();
    if !account.is_empty() {
        out.push(("aws:PrincipalAccount".to_owned(), account.to_owned()));
    }
    match (service, resource.split_once('/')) {
        ("iam", Some(("user", path_name))) => {
            out.push(("aws:PrincipalArn".to_owned(), arn.to_owned()));
            out.push(("aws:PrincipalType".to_owned(), "User".to_owned()));
            let name = path_name.rsplit('/').next().unwrap_or(path_name);
            out.push(("aws:username".to_owned(), name.to_owned()));
        }
        ("iam", Some(("role", _))) => {
            out.push(("aws:PrincipalArn".to_owned(), arn.to_owned()));
            out.push(("aws:PrincipalType".to_owned(), "AssumedRole".to_owned()));
        }
        ("sts", Some(("assumed-role", rest))) => {
            let role = rest.split('/').next().unwrap_or(rest);
            out.push((
                "aws:PrincipalArn".to_owned(),
                format!("arn:{partition}:iam::{account}:role/{role}"),
            ));
            out.push(("aws:PrincipalType".to_owned(), "AssumedRole".to_owned()));
        }
        _ => out.push(("aws:PrincipalArn".to_owned(), arn.to_owned())),
    }
    out
}

/// `aws:RequestedRegion` and `aws:ResourceAccount` from the resource ARN (and `--account`),
/// when it names them.
pub(crate) fn keys_of_resource(request: &Request) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(parts) = split_arn(&request.resource)
        && !parts[3].is_empty()
    {
        out.push(("aws:RequestedRegion".to_owned(), parts[3].to_owned()));
    }
    if let Some(account) = request.resource_account() {
        out.push(("aws:ResourceAccount".to_owned(), account.to_owned()));
    }
    out
}
