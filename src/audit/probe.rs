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
/// principal's account.
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
        "arn:aws:ec2:us-east-1:{account}:instance/*",
    ),
    (
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:{account}:key/iamc-probe",
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

/// Rates the principal whose compiled set is `compiled` (with principal keys `context`) in
/// `account` with [`ADMIN_PROBES`], each request made by a role session of that account with no
/// other context.
pub(crate) fn capability(
    compiled: &CompiledSet<'_>,
    context: &PreparedContext,
    account: &str,
    catalog: &Catalog,
) -> Capability {
    let mut allowed = Vec::new();
    for (action, resource) in ADMIN_PROBES {
        let resource = resource.replace("{account}", account);
        let Ok(mut r) = Request::new(action, &resource) else {
            continue;
        };
        r.principal = Some(format!("arn:aws:sts::{account}:assumed-role/probe/probe"));
        let d = compiled.evaluate_as(&PreparedRequest::new(&r, catalog), context);
        allowed.push(d.decision == Decision::Allowed);
    }
    if !allowed.is_empty() && allowed.iter().all(|a| *a) {
        Capability::Admin
    } else if allowed.iter().any(|a| *a) {
        Capability::Privileged
    } else {
        Capability::Limited
    }
}
