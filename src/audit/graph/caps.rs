//! What every node can do: administrator-equivalence ([`crate::audit::probe`]) and a bit per
//! probe action, which is how the graph decides whether a principal a chain reaches holds more
//! than the principal itself (S-40).
//!
//! The probes are every action of the catalog (SageMaker and `iam:PassRole`) plus a fixed list of
//! IAM writes, role assumption, data, secrets and compute actions outside it. A probe holds for a
//! node when the engine allows some request for it in the node's account (the generic resource,
//! or one its statements name; conditions satisfied where the caller can satisfy them).

use super::decide::{Actor, Env, allowed_any, may_allow};
use super::decide::{base_request, generic_resource, worth_searching};
use crate::audit::probe::{self, Capability};
use crate::catalog::Catalog;
use crate::eval::{Decision, PreparedRequest, Request};

/// Probes outside the catalog: `(action, resource)`, `{account}` and `{region}` filled per node.
pub(crate) const OTHER_PROBES: &[(&str, &str)] = &[
    (
        "iam:PutRolePolicy",
        "arn:aws:iam::{account}:role/iamc-probe",
    ),
    (
        "iam:AttachRolePolicy",
        "arn:aws:iam::{account}:role/iamc-probe",
    ),
    (
        "iam:UpdateAssumeRolePolicy",
        "arn:aws:iam::{account}:role/iamc-probe",
    ),
    ("iam:CreateRole", "arn:aws:iam::{account}:role/iamc-probe"),
    (
        "iam:PutUserPolicy",
        "arn:aws:iam::{account}:user/iamc-probe",
    ),
    (
        "iam:AttachUserPolicy",
        "arn:aws:iam::{account}:user/iamc-probe",
    ),
    (
        "iam:CreateAccessKey",
        "arn:aws:iam::{account}:user/iamc-probe",
    ),
    (
        "iam:CreateLoginProfile",
        "arn:aws:iam::{account}:user/iamc-probe",
    ),
    ("iam:CreateUser", "arn:aws:iam::{account}:user/iamc-probe"),
    (
        "iam:AddUserToGroup",
        "arn:aws:iam::{account}:group/iamc-probe",
    ),
    (
        "iam:PutGroupPolicy",
        "arn:aws:iam::{account}:group/iamc-probe",
    ),
    (
        "iam:CreatePolicyVersion",
        "arn:aws:iam::{account}:policy/iamc-probe",
    ),
    ("sts:AssumeRole", "arn:aws:iam::{account}:role/iamc-probe"),
    ("s3:GetObject", "arn:aws:s3:::iamc-probe/object"),
    ("s3:PutObject", "arn:aws:s3:::iamc-probe/object"),
    ("s3:ListBucket", "arn:aws:s3:::iamc-probe"),
    (
        "kms:Decrypt",
        "arn:aws:kms:{region}:{account}:key/iamc-probe",
    ),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:{region}:{account}:secret:iamc-probe",
    ),
    (
        "ssm:GetParameter",
        "arn:aws:ssm:{region}:{account}:parameter/iamc-probe",
    ),
    (
        "ssm:SendCommand",
        "arn:aws:ec2:{region}:{account}:instance/iamc-probe",
    ),
    (
        "ec2:RunInstances",
        "arn:aws:ec2:{region}:{account}:instance/*",
    ),
    (
        "lambda:CreateFunction",
        "arn:aws:lambda:{region}:{account}:function:iamc-probe",
    ),
    (
        "lambda:UpdateFunctionCode",
        "arn:aws:lambda:{region}:{account}:function:iamc-probe",
    ),
    (
        "dynamodb:GetItem",
        "arn:aws:dynamodb:{region}:{account}:table/iamc-probe",
    ),
    (
        "cloudformation:CreateStack",
        "arn:aws:cloudformation:{region}:{account}:stack/iamc-probe/*",
    ),
    (
        "glue:CreateDevEndpoint",
        "arn:aws:glue:{region}:{account}:devEndpoint/iamc-probe",
    ),
    (
        "codebuild:CreateProject",
        "arn:aws:codebuild:{region}:{account}:project/iamc-probe",
    ),
];

/// One probe: an action and its resource template (`*`: the catalog's generic resource).
#[derive(Debug, Clone)]
pub(crate) struct Probe {
    /// `service:Action`.
    pub(crate) action: String,
    /// The resource, with `{account}` and `{region}` to fill.
    pub(crate) resource: String,
}

/// What a node can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caps {
    /// Administrator-equivalent (every administrator probe allowed).
    pub(crate) admin: bool,
    /// The account the probes were made in.
    pub(crate) account: String,
    /// One bit per probe.
    pub(crate) bits: Vec<u64>,
}

impl Caps {
    /// Whether probe `i` holds.
    pub(crate) fn has(&self, i: usize) -> bool {
        self.bits
            .get(i / 64)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// Number of probes that hold.
    pub(crate) fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when everything `other` can do, `self` can do too: `other` holds no probe, or both
    /// are in one account and `self` holds every probe `other` holds (and is
    /// administrator-equivalent if `other` is).
    pub(crate) fn contains(&self, other: &Caps) -> bool {
        if other.count() == 0 {
            return true;
        }
        if self.account != other.account || (other.admin && !self.admin) {
            return false;
        }
        other
            .bits
            .iter()
            .enumerate()
            .all(|(i, o)| o & !self.bits.get(i).copied().unwrap_or(0) == 0)
    }

    /// Probes `self` holds and `other` does not (all of them in another account).
    pub(crate) fn gained_over(&self, other: &Caps) -> Vec<usize> {
        let all = self.bits.len() * 64;
        (0..all)
            .filter(|i| self.has(*i) && (self.account != other.account || !other.has(*i)))
            .collect()
    }
}

/// The probes, in a fixed order: the fixed list, then every catalog action.
pub(crate) fn probes(catalog: &Catalog) -> Vec<Probe> {
    let mut out: Vec<Probe> = OTHER_PROBES
        .iter()
        .map(|(a, r)| Probe {
            action: (*a).to_owned(),
            resource: (*r).to_owned(),
        })
        .collect();
    for (_, a) in catalog.actions_with_ids() {
        let action = a.full_name();
        if !out.iter().any(|p| p.action.eq_ignore_ascii_case(&action)) {
            out.push(Probe {
                action,
                resource: "*".to_owned(),
            });
        }
    }
    out
}

/// The probes' requests on their generic resources in one account, with the base context.
pub(crate) struct BaseRequests {
    /// Per probe.
    pub(crate) requests: Vec<Option<Request>>,
}

impl BaseRequests {
    /// The base request of every probe in `account`.
    pub(crate) fn new(
        env: &Env,
        probes: &[Probe],
        account: &str,
        catalog: &Catalog,
    ) -> BaseRequests {
        BaseRequests {
            requests: probes
                .iter()
                .map(|p| {
                    let resource = fill(&p.resource, env, account);
                    let resource = generic_resource(catalog, env, &p.action, account, &resource);
                    base_request(env, &p.action, &resource)
                })
                .collect(),
        }
    }
}

fn fill(template: &str, env: &Env, account: &str) -> String {
    template
        .replace("{account}", account)
        .replace("{region}", &env.region)
}

/// Probes `actor`, with `base` the probes' requests in its account, prepared.
pub(crate) fn caps_of(
    actor: &Actor<'_>,
    env: &Env,
    probes: &[Probe],
    base: &[Option<PreparedRequest<'_>>],
    catalog: &Catalog,
) -> Caps {
    let admin = probe::capability(
        &actor.compiled,
        &actor.prepared,
        &actor.account,
        &env.region,
        catalog,
    ) == Capability::Admin;
    let mut bits = vec![0u64; probes.len().div_ceil(64)];
    for (i, p) in probes.iter().enumerate() {
        if !may_allow(&actor.set, &p.action) {
            continue;
        }
        let fast = base.get(i).and_then(Option::as_ref).is_some_and(|r| {
            actor.compiled.evaluate_as(r, &actor.prepared).decision == Decision::Allowed
        });
        let holds = fast
            || (worth_searching(&actor.set, &p.action)
                && allowed_any(
                    actor,
                    env,
                    &p.action,
                    &fill(&p.resource, env, &actor.account),
                    catalog,
                ));
        if holds && let Some(w) = bits.get_mut(i / 64) {
            *w |= 1u64 << (i % 64);
        }
    }
    Caps {
        admin,
        account: actor.account.clone(),
        bits,
    }
}
