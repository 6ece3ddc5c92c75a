//! What loading an account produces: principals with their policies, tags and trust policies,
//! IAM groups and stored policy versions (re-exported by `load`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::audit::model::AuditError;
use crate::eval::{Context, ContextValue};
use crate::policy::Policy;

/// A role or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum PrincipalKind {
    /// An IAM role (audited as a role session).
    Role,
    /// An IAM user.
    User,
}

impl PrincipalKind {
    /// `role` or `user`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Role => "role",
            PrincipalKind::User => "user",
        }
    }
}

/// A policy document in force for a principal, with where it came from. Its strings are shared:
/// a managed policy's are the same for every principal it is attached to.
#[derive(Debug, Clone)]
pub struct PolicyDoc {
    /// Readable origin: `inline:Name`, `managed:arn`, `group:G/inline:Name`, `boundary:arn`.
    pub(crate) label: Arc<str>,
    /// Identity for grouping: the managed policy ARN, or a hash of the inline document.
    pub(crate) id: Arc<str>,
    /// The validated policy.
    pub policy: Arc<Policy>,
    /// The file the document is in.
    pub(crate) file: Arc<str>,
    /// JSON pointer of the document in that file (statement pointers continue it).
    pub(crate) pointer: Arc<str>,
}

/// One principal of an account.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account id.
    pub(crate) account: String,
    /// Role or user.
    pub(crate) kind: PrincipalKind,
    /// Role or user name.
    pub name: String,
    /// Its ARN.
    pub arn: String,
    /// Its IAM path.
    pub(crate) path: String,
    /// `RoleId`/`UserId`.
    pub(crate) id: String,
    /// Tags.
    pub(crate) tags: Vec<(String, String)>,
    /// Identity policies (inline, attached, and for users their groups').
    pub identity: Vec<PolicyDoc>,
    /// The permissions boundary.
    pub boundary: Option<PolicyDoc>,
    /// The trust policy (roles).
    pub(crate) trust: Option<Arc<Policy>>,
    /// Errors that stop evaluation.
    pub errors: Vec<AuditError>,
    /// Problems that do not (an invalid trust policy).
    pub warnings: Vec<AuditError>,
    /// A service-linked role (`/aws-service-role/` path): SCPs do not restrict it.
    pub service_linked: bool,
    /// JSON pointer of the principal in its file.
    pub pointer: String,
    /// For users: the names of the IAM groups it is in, in file order.
    pub(crate) groups: Vec<String>,
}

impl Principal {
    /// The request context AWS attaches for this principal: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`, `aws:username` (users),
    /// `aws:PrincipalTag/*`, `aws:PrincipalIsAWSService`.
    pub fn context(&self) -> Context {
        let mut c = Context::new();
        let mut put = |k: &str, v: String| {
            // Keys are distinct by construction; a tag key repeated in another case is skipped.
            let _ = c.insert(k, ContextValue::Single(v));
        };
        put("aws:PrincipalArn", self.arn.clone());
        put("aws:PrincipalAccount", self.account.clone());
        put("aws:PrincipalIsAWSService", "false".to_owned());
        match self.kind {
            PrincipalKind::Role => {
                put("aws:PrincipalType", "AssumedRole".to_owned());
                put("aws:userid", format!("{}:{SESSION_NAME}", self.id));
            }
            PrincipalKind::User => {
                put("aws:PrincipalType", "User".to_owned());
                put("aws:userid", self.id.clone());
                put("aws:username", self.name.clone());
            }
        }
        for (k, v) in &self.tags {
            put(&format!("aws:PrincipalTag/{k}"), v.clone());
        }
        c
    }

    /// The ARN a request by this principal carries (`assumed-role/NAME/iamc-audit` for roles).
    pub(crate) fn session_arn(&self) -> String {
        match self.kind {
            PrincipalKind::Role => format!(
                "arn:aws:sts::{}:assumed-role/{}/{SESSION_NAME}",
                self.account, self.name
            ),
            PrincipalKind::User => self.arn.clone(),
        }
    }
}

/// The session name audited role sessions use.
pub(crate) const SESSION_NAME: &str = "iamc-audit";

/// A role of the account, as an `iam:PassRole` target.
#[derive(Debug, Clone)]
pub(crate) struct RoleTarget {
    /// Its ARN.
    pub(crate) arn: String,
    /// Its trust policy admits `sagemaker.amazonaws.com`.
    pub(crate) trusts_sagemaker: bool,
}

/// One loaded GAAD file.
#[derive(Debug, Clone)]
pub struct Account {
    /// The account id.
    pub id: String,
    /// The file.
    pub(crate) file: String,
    /// Roles then users, in file order.
    pub principals: Vec<Principal>,
    /// Every role (pass-role targets).
    pub(crate) roles: Vec<RoleTarget>,
    /// Problems with the file itself or with entries that are not principals.
    pub errors: Vec<AuditError>,
    /// The IAM groups (`GroupDetailList`), with their policies.
    pub(crate) groups: Vec<IamGroup>,
    /// Customer managed policies' versions other than the default, by policy ARN (what
    /// `iam:SetDefaultPolicyVersion` can switch to).
    pub(crate) other_versions: BTreeMap<String, Vec<PolicyVersion>>,
}

/// An IAM group and the policies its members get.
#[derive(Debug, Clone)]
pub(crate) struct IamGroup {
    /// The group name.
    pub(crate) name: String,
    /// Its ARN.
    pub(crate) arn: String,
    /// Its inline and attached policies, labelled `group:NAME/…` as in its members' sets.
    pub(crate) policies: Vec<PolicyDoc>,
    /// False when one of its policies is missing or invalid (its members report why).
    pub(crate) complete: bool,
}

/// A stored, non-default version of a customer managed policy.
#[derive(Debug, Clone)]
pub(crate) struct PolicyVersion {
    /// `VersionId` (`v1`, …).
    pub(crate) version: String,
    /// The validated document.
    pub(crate) policy: Arc<Policy>,
    /// JSON pointer of the document in the account file.
    pub(crate) pointer: String,
}

/// Where AWS managed policies missing from a GAAD file's `Policies` list can be found:
/// a directory of `<PolicyName>.json` documents (such as `../shared/data/managed-policies`).
#[derive(Debug, Clone, Default)]
pub struct ManagedPolicyDir(pub Option<PathBuf>);
