//! Capability probes: what a principal can do outside SageMaker, decided with the engine on a
//! fixed set of requests. This is the one home of the administrator-equivalence test: the
//! SageMaker pass-role paths (`findings/paths`) rate the roles they pass with it, and the graph
//! ([`super::graph`]) rates every principal a chain reaches.
//!
//! INVARIANT (decided by the engine): a probe holds only when the compiled engine allows its
//! request for the principal (boundary and SCPs included); nothing is decided by action names.

use crate::catalog::Catalog;
use crate::compile::CompiledSet;
use crate::eval::{Decision, PreparedRequest, Request};
use crate::request::prepared::PreparedContext;

/// Requests whose being allowed together makes a principal administrator-equivalent: IAM writes
/// on roles and users, role assumption, data (S3, KMS) and compute (EC2). `{account}` is the
/// principal's account, `{region}` the audit's region.
pub(crate) const ADMIN_PROBES: &[(&str, &str)] = &[
    (
        "iam:AttachRolePolicy",
        "arn:aws:iam::{account}:role/iamc-probe",
    ),
    (
        "iam:PutRolePolicy",
        "arn:aws:iam::{account}:role/iamc-probe",
    ),
    (
        "iam:CreateAccessKey",
        "arn:aws:iam::{account}:user/iamc-probe",
    ),
    ("sts:AssumeRole", "arn:aws:iam::{account}:role/iamc-probe"),
    ("s3:GetObject", "arn:aws:s3:::iamc-probe/object"),
    (
        "ec2:RunInstances",
        "arn:aws:ec2:{region}:{account}:instance/*",
    ),
    (
        "kms:Decrypt",
        "arn:aws:kms:{region}:{account}:key/iamc-probe",
    ),
];

/// What a principal can do, probed with the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Capability {
    /// Every probe allowed: administrator-equivalent.
    Admin,
    /// An IAM write or data access probe allowed.
    Privileged,
    /// None of the probes.
    Limited,
}

/// The administrator probes' requests in `account` and `region`, made by `principal` (a role
/// session ARN), with their actions.
pub(crate) fn admin_requests(
    account: &str,
    region: &str,
    principal: &str,
) -> Vec<(&'static str, Request)> {
    ADMIN_PROBES
        .iter()
        .filter_map(|(action, resource)| {
            let resource = resource
                .replace("{account}", account)
                .replace("{region}", region);
            let mut r = Request::new(action, &resource).ok()?;
            r.principal = Some(principal.to_owned());
            Some((*action, r))
        })
        .collect()
}

/// Rates the principal whose compiled set is `compiled` (with principal keys `context`) in
/// `account` with [`ADMIN_PROBES`] in `region`, each request made by a role session of that
/// account with no other context.
pub(crate) fn capability(
    compiled: &CompiledSet<'_>,
    context: &PreparedContext,
    account: &str,
    region: &str,
    catalog: &Catalog,
) -> Capability {
    let session = format!("arn:aws:sts::{account}:assumed-role/probe/probe");
    let allowed: Vec<bool> = admin_requests(account, region, &session)
        .iter()
        .map(|(_, r)| {
            compiled
                .evaluate_as(&PreparedRequest::new(r, catalog), context)
                .decision
                == Decision::Allowed
        })
        .collect();
    if !allowed.is_empty() && allowed.iter().all(|a| *a) {
        Capability::Admin
    } else if allowed.iter().any(|a| *a) {
        Capability::Privileged
    } else {
        Capability::Limited
    }
}
