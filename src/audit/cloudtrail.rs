//! CloudTrail-driven least privilege: which SageMaker actions each audited principal used, which
//! granted ones it never used (`unused-access` findings), and a minimal policy for it that the
//! engine proves allows every logged call and nothing the current policies do not.
//!
//! **Reading.** CloudTrail delivers JSON files `{"Records": [...]}`, usually gzipped; both are read,
//! gzip told by its magic bytes (not the name). The output of `aws cloudtrail lookup-events`
//! (`{"Events": [{"CloudTrailEvent": "<json>"}]}`) is read too. A directory stands for every
//! `*.json` and `*.json.gz` under it. A file or record that cannot be used is reported (file, JSON
//! pointer, message) and the rest is read.
//!
//! **Attribution.** A record counts when its `eventSource` is `sagemaker.amazonaws.com` and
//! `sagemaker:<eventName>` is a catalog action (other event names are counted as "not an IAM
//! action"). `userIdentity.type` `AssumedRole` is attributed to the role
//! `sessionContext.sessionIssuer.arn`, `IAMUser` to `userIdentity.arn`; other identity types
//! (root, AWS services, federated users) are counted, not attributed. A call refused with an
//! access-denied `errorCode` was attempted, not used: it is counted apart. A call that failed with
//! another error (validation, throttling, not found) passed authorization and counts as used.
//!
//! **What a logged request recovers** (anything else is absent from it):
//! - the resource: the first `resources[].ARN` of one of the action's resource types; else a
//!   request parameter that is such an ARN (`resourceArn`); else the action's first
//!   required resource type's ARN format filled from `requestParameters` (`${TrainingJobName}`
//!   from `trainingJobName`, `${Region}` from `awsRegion`, `${Account}` from
//!   `recipientAccountId`); `*` for wildcard-only actions; else `*`, and the action is listed in
//!   `resources_unknown`. One resource per call: optional extra resources (a training plan) are
//!   not recovered.
//! - `aws:RequestedRegion` from `awsRegion`; `aws:SourceIp` from `sourceIPAddress` when it is an
//!   IP address; `aws:SourceVpce` from `vpcEndpointId`; `aws:SecureTransport` true when
//!   `tlsDetails` is present; `aws:CurrentTime` and `aws:EpochTime` from `eventTime`;
//!   `aws:ViaAWSService` from `invokedBy`; `aws:MultiFactorAuthPresent` and `aws:TokenIssueTime`
//!   from `sessionContext.attributes` (absent for long-term user keys, as in AWS).
//! - for actions that take them: `aws:RequestTag/<key>` and `aws:TagKeys` from
//!   `requestParameters.tags`; `sagemaker:InstanceTypes` (from `resourceConfig.instanceType`,
//!   `instanceType`, `processingResources.clusterConfig.instanceType`, …), `NetworkIsolation`,
//!   `InterContainerTrafficEncryption`, `VpcSubnets`, `VpcSecurityGroupIds`,
//!   `MaxRuntimeInSeconds`, `RootAccess`, `DirectInternetAccess`, `VolumeKmsKeyArn`,
//!   `OutputKmsKeyArn` and `ModelApprovalStatus` from the obvious request fields (`KEY_SOURCES`);
//!   no default is invented for a field the request left out.
//! - `aws:ResourceTag/<key>` and `sagemaker:ResourceTag/<key>` of a resource whose tags an
//!   earlier logged call set (a create with tags, `AddTags`, `DeleteTags`), in event-time order;
//!   tags set before the logged period are unknown.
//! - requests the call needed without logging them: `iam:PassRole` on each role ARN the
//!   parameters name (`roleArn`, `executionRoleArn`, `defaultUserSettings.executionRole`, …)
//!   with `iam:PassedToService = sagemaker.amazonaws.com` and `iam:AssociatedResourceArn` = the
//!   call's resource, when the catalog lists `iam:PassRole` as a dependent action (or lists no
//!   dependent action for a write); and `sagemaker:AddTags` on the created resource with
//!   `sagemaker:TaggingAction = <eventName>` for a call with tags that the catalog lists it for,
//!   or that creates its resource and takes request tags (S-37).
//! - principal keys (`aws:PrincipalTag/…`, `aws:username`) come from the GAAD file, as in the audit.
//!
//! **Minimal policy.** The logged requests the current policies allow are grouped into one
//! statement per set of resources, where resources are generalised so the policy keeps working
//! (`generalise`): a create is allowed on the name prefix its logged names share
//! (`training-job/churn-xgb-*`) or on the type's `*` in the logged region and account, never on
//! a past name; the dependent `iam:PassRole` (on the roles passed, under `iam:PassedToService`)
//! and tag-on-create `AddTags` (under `sagemaker:TaggingAction`) get their own statements; and
//! where the current policies grant through a policy variable (`${aws:PrincipalTag/team}` in a
//! resource or a condition value), the minimal policy keeps the variable. It is then checked
//! with the engine, with the principal's boundary and SCPs (`verify`): every logged request and
//! every *fresh-name* request (the latest call of each generalised action on the next name of
//! its series, with the requests a create needs) that the current policies allow must be
//! allowed, and over the audit's request space for those actions, that space extended with the
//! policy's own ARNs and values, the logged and fresh requests and their neighbourhood (each
//! with one key the identity policies read changed), every request it allows the current
//! policies must allow too. A statement that allows a counterexample is narrowed: into one
//! statement per action with the keys the identity policies read pinned to the logged values,
//! then one statement per logged request, then one per logged request on its own resource;
//! what remains is reported (`minimal`).
//!
//! Reading and attribution live here, request reconstruction in `request`, resource patterns
//! and variables in `generalise`, minimal policies in `minimal`, their check in `verify`, the
//! printed summary in `summary`; `account_least_privilege` is the audit's hook, run per account
//! after findings.
//!
//! INVARIANT (proven, not assumed): `Proof::verified` is true only when the compiled engine found
//! no counterexample over every request checked and allowed every logged and fresh-name request
//! the current policies allow; it is a check over a finite request space, not a proof over all
//! requests.

mod generalise;
mod minimal;
mod request;
mod summary;
mod verify;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::findings::{FindingsInput, GroupView, fingerprint};
use super::load::Principal;
use super::model::{
    AccountResult, AuditError, Class, Finding, FindingKind, LeastPrivilege,
    PrincipalLeastPrivilege, Proof, Severity, TrailFile,
};
use crate::catalog::Catalog;
use crate::condition::Instant;
use crate::eval::Request;
use request::{Raw, TagMemory, build};

pub(crate) use summary::summary_text;

/// The `eventSource` of SageMaker's API.
pub(crate) const SAGEMAKER_SOURCE: &str = "sagemaker.amazonaws.com";

/// How the resource of a logged request was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResourceSource {
    /// From `resources[].ARN`.
    Logged,
    /// Built from `requestParameters`.
    Built,
    /// `*`: the action has no resource type.
    Wildcard,
    /// `*`: the resource could not be recovered.
    Unknown,
}

/// One request a logged SageMaker call made, or needed without logging it.
#[derive(Debug, Clone)]
pub struct TrailEvent {
    /// The CloudTrail file.
    pub file: String,
    /// JSON pointer of the record in the file.
    pub pointer: String,
    /// `eventTime`.
    pub(crate) time: String,
    /// The role or user ARN it is attributed to.
    pub principal: String,
    /// The reconstructed request (its principal is the caller's session or user ARN).
    pub request: Request,
    /// Where the resource came from.
    pub(crate) resource: ResourceSource,
    /// True for a request the call needed without logging it (`iam:PassRole`, `AddTags`).
    pub inferred: bool,
}

/// Everything read from the CloudTrail files.
#[derive(Debug, Clone, Default)]
pub struct TrailLog {
    /// Authorized SageMaker requests, in event-time order.
    pub events: Vec<TrailEvent>,
    /// Access-denied SageMaker calls per principal ARN.
    pub(crate) denied: BTreeMap<String, u64>,
    /// Indexes into `events` per principal ARN.
    pub(crate) by_principal: BTreeMap<String, Vec<usize>>,
    /// Counts, files and errors (no principals yet).
    pub(crate) summary: LeastPrivilege,
}

/// Expands directories into their `*.json` and `*.json.gz` files (recursively, sorted); other
/// paths are kept as given.
pub(crate) fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<AuditError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        if !p.is_dir() {
            out.push(p.clone());
            continue;
        }
        let mut found = Vec::new();
        let mut stack = vec![p.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) => {
                    errors.push(file_error(
                        &dir.display().to_string(),
                        "",
                        format!("cannot read directory: {e}"),
                    ));
                    continue;
                }
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".json") || n.ends_with(".json.gz"))
                {
                    found.push(path);
                }
            }
        }
        found.sort();
        out.extend(found);
    }
    (out, errors)
}

fn file_error(file: &str, pointer: &str, message: String) -> AuditError {
    AuditError {
        file: file.to_owned(),
        principal: None,
        pointer: pointer.to_owned(),
        message,
    }
}

/// Reads a file, gunzipping it when it starts with the gzip magic bytes.
fn read_json(path: &Path) -> Result<(Value, bool, u64), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = bytes.len() as u64;
    let gzip = bytes.starts_with(&[0x1f, 0x8b]);
    let text = if gzip {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| format!("cannot decompress gzip data: {e}"))?;
        out
    } else {
        bytes
    };
    let value = serde_json::from_slice(&text).map_err(|e| format!("invalid JSON: {e}"))?;
    Ok((value, gzip, size))
}

/// The records of a CloudTrail file, with their JSON pointers.
fn records(root: Value, file: &str, errors: &mut Vec<AuditError>) -> Vec<(String, Value)> {
    let Value::Object(mut map) = root else {
        errors.push(file_error(
            file,
            "",
            "a CloudTrail file must be a JSON object with a `Records` array".to_owned(),
        ));
        return Vec::new();
    };
    if let Some(records) = map.remove("Records") {
        let Value::Array(list) = records else {
            errors.push(file_error(
                file,
                "/Records",
                "`Records` must be an array".to_owned(),
            ));
            return Vec::new();
        };
        return list
            .into_iter()
            .enumerate()
            .map(|(i, r)| (format!("/Records/{i}"), r))
            .collect();
    }
    if let Some(Value::Array(list)) = map.remove("Events") {
        let mut out = Vec::new();
        for (i, e) in list.into_iter().enumerate() {
            let pointer = format!("/Events/{i}/CloudTrailEvent");
            match e.get("CloudTrailEvent").and_then(Value::as_str) {
                Some(text) => match serde_json::from_str(text) {
                    Ok(v) => out.push((pointer, v)),
                    Err(err) => errors.push(file_error(
                        file,
                        &pointer,
                        format!("invalid JSON in `CloudTrailEvent`: {err}"),
                    )),
                },
                None => errors.push(file_error(
                    file,
                    &pointer,
                    "event without a `CloudTrailEvent` string".to_owned(),
                )),
            }
        }
        return out;
    }
    errors.push(file_error(
        file,
        "",
        "a CloudTrail file must be a JSON object with a `Records` array".to_owned(),
    ));
    Vec::new()
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v str> {
    let mut cur = v;
    for k in path {
        cur = cur.get(*k)?;
    }
    cur.as_str()
}

/// Who made a call.
enum Identity {
    /// A role session or an IAM user: (role or user ARN, session or user ARN).
    Principal(String, String),
    /// Another identity type.
    Other(String),
}

fn identity(rec: &Value) -> Result<Identity, (String, String)> {
    let Some(ui) = rec.get("userIdentity").filter(|v| v.is_object()) else {
        return Err((
            "/userIdentity".to_owned(),
            "record without a `userIdentity` object".to_owned(),
        ));
    };
    let Some(kind) = str_at(ui, &["type"]) else {
        return Err((
            "/userIdentity/type".to_owned(),
            "`userIdentity` without a `type`".to_owned(),
        ));
    };
    match kind {
        "AssumedRole" => {
            let issuer = str_at(ui, &["sessionContext", "sessionIssuer", "arn"])
                .filter(|a| a.starts_with("arn:") && a.contains(":role/"))
                .ok_or_else(|| {
                    (
                        "/userIdentity/sessionContext/sessionIssuer/arn".to_owned(),
                        "an `AssumedRole` identity needs the role ARN in `sessionContext.sessionIssuer.arn`".to_owned(),
                    )
                })?;
            let session = str_at(ui, &["arn"]).unwrap_or(issuer);
            Ok(Identity::Principal(issuer.to_owned(), session.to_owned()))
        }
        "IAMUser" => {
            let arn = str_at(ui, &["arn"])
                .filter(|a| a.starts_with("arn:"))
                .ok_or_else(|| {
                    (
                        "/userIdentity/arn".to_owned(),
                        "an `IAMUser` identity needs `arn`".to_owned(),
                    )
                })?;
            Ok(Identity::Principal(arn.to_owned(), arn.to_owned()))
        }
        other => Ok(Identity::Other(other.to_owned())),
    }
}

/// True for an `errorCode` that says the call was not authorized.
fn is_access_denied(code: &str) -> bool {
    let c = code.to_ascii_lowercase();
    c.contains("accessdenied") || c.contains("unauthorized")
}

/// Reads CloudTrail files (and directories, see `expand`) and attributes SageMaker calls.
pub fn load(paths: &[PathBuf], catalog: &Catalog) -> TrailLog {
    let (files, mut errors) = expand(paths);
    let mut log = TrailLog::default();
    let mut raws = Vec::new();
    for (fi, path) in files.iter().enumerate() {
        let file = path.display().to_string();
        let (root, gzip, bytes) = match read_json(path) {
            Ok(r) => r,
            Err(message) => {
                errors.push(file_error(&file, "", message));
                log.summary.files.push(TrailFile {
                    path: file,
                    gzip: false,
                    bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
                    records: 0,
                });
                continue;
            }
        };
        let recs = records(root, &file, &mut errors);
        log.summary.files.push(TrailFile {
            path: file.clone(),
            gzip,
            bytes,
            records: recs.len() as u64,
        });
        log.summary.records += recs.len() as u64;
        for (ri, (pointer, rec)) in recs.into_iter().enumerate() {
            let mut bad = |sub: &str, message: String| {
                errors.push(file_error(&file, &format!("{pointer}{sub}"), message));
            };
            if !rec.is_object() {
                bad("", "a record must be a JSON object".to_owned());
                continue;
            }
            let Some(source) = str_at(&rec, &["eventSource"]) else {
                bad(
                    "/eventSource",
                    "record without an `eventSource` string".to_owned(),
                );
                continue;
            };
            if source != SAGEMAKER_SOURCE {
                log.summary.other_service_records += 1;
                continue;
            }
            log.summary.sagemaker_events += 1;
            let Some(name) = str_at(&rec, &["eventName"]) else {
                bad(
                    "/eventName",
                    "record without an `eventName` string".to_owned(),
                );
                continue;
            };
            let Some(action) = catalog.action(&format!("sagemaker:{name}")) else {
                *log.summary
                    .not_iam_actions
                    .entry(name.to_owned())
                    .or_default() += 1;
                continue;
            };
            let (principal, session) = match identity(&rec) {
                Ok(Identity::Principal(p, s)) => (p, s),
                Ok(Identity::Other(kind)) => {
                    *log.summary.unattributed.entry(kind).or_default() += 1;
                    continue;
                }
                Err((sub, message)) => {
                    bad(&sub, message);
                    continue;
                }
            };
            if str_at(&rec, &["errorCode"]).is_some_and(is_access_denied) {
                log.summary.access_denied += 1;
                *log.denied.entry(principal).or_default() += 1;
                continue;
            }
            let Some(time) = str_at(&rec, &["eventTime"]).map(str::to_owned) else {
                bad(
                    "/eventTime",
                    "record without an `eventTime` string".to_owned(),
                );
                continue;
            };
            raws.push(Raw {
                file: file.clone(),
                pointer: pointer.clone(),
                instant: Instant::parse(&time),
                time,
                order: (fi, ri),
                principal,
                session,
                action: action.full_name(),
                record: rec,
            });
        }
    }
    // Event-time order, so resource tags set by a call are known to the calls after it.
    raws.sort_by_key(|a| (a.instant, a.order));
    let mut tags = TagMemory::default();
    for raw in &raws {
        build(raw, catalog, &mut tags, &mut log.events, &mut errors);
    }
    for (i, e) in log.events.iter().enumerate() {
        log.by_principal
            .entry(e.principal.clone())
            .or_default()
            .push(i);
    }
    log.summary.errors = errors;
    log
}

/// For every principal of the account with logged SageMaker calls: used versus granted actions,
/// an `unused-access` finding, and its proven minimal policy. Findings are appended to
/// `findings` (kept in the order [`super::findings::account_findings`] gives), results to `out`.
pub(crate) fn account_least_privilege(
    input: &FindingsInput<'_, '_>,
    trail: &TrailLog,
    findings: &mut Vec<Finding>,
    out: &mut Vec<PrincipalLeastPrivilege>,
) {
    for (pi, p) in input.account.principals.iter().enumerate() {
        let events: Vec<&TrailEvent> = trail
            .by_principal
            .get(&p.arn)
            .into_iter()
            .flatten()
            .filter_map(|&i| trail.events.get(i))
            .collect();
        let denied = trail.denied.get(&p.arn).copied().unwrap_or(0);
        if events.is_empty() && denied == 0 {
            continue;
        }
        let group = input
            .group_of
            .get(pi)
            .copied()
            .flatten()
            .and_then(|g| input.groups.get(g));
        let result = principal_result(input, p, group, &events, denied);
        if let Some(f) = unused_finding(&result) {
            findings.push(f);
        }
        out.push(result);
    }
    crate::audit::findings::sort_findings(findings);
}

fn principal_result(
    input: &FindingsInput<'_, '_>,
    p: &Principal,
    group: Option<&GroupView<'_, '_>>,
    events: &[&TrailEvent],
    denied: u64,
) -> PrincipalLeastPrivilege {
    let calls: Vec<&&TrailEvent> = events.iter().filter(|e| !e.inferred).collect();
    let used: BTreeSet<String> = calls
        .iter()
        .map(|e| e.request.action().to_owned())
        .collect();
    let inferred: BTreeSet<String> = events
        .iter()
        .filter(|e| e.inferred)
        .map(|e| e.request.action().to_owned())
        .filter(|a| !used.contains(a))
        .collect();
    let resources_unknown: BTreeSet<String> = calls
        .iter()
        .filter(|e| e.resource == ResourceSource::Unknown)
        .map(|e| e.request.action().to_owned())
        .collect();
    let first = calls
        .iter()
        .map(|e| e.time.as_str())
        .min()
        .unwrap_or("")
        .to_owned();
    let last = calls
        .iter()
        .map(|e| e.time.as_str())
        .max()
        .unwrap_or("")
        .to_owned();
    let mut result = PrincipalLeastPrivilege {
        account: input.account.id.clone(),
        principal: p.arn.clone(),
        name: p.name.clone(),
        kind: p.kind.as_str().to_owned(),
        events: calls.len() as u64,
        access_denied: denied,
        period: (first, last),
        used: used.iter().cloned().collect(),
        inferred: inferred.iter().cloned().collect(),
        used_not_granted: Vec::new(),
        resources_unknown: resources_unknown.into_iter().collect(),
        granted: 0,
        unused: 0,
        unused_by_level: BTreeMap::new(),
        generalised: Vec::new(),
        variables: Vec::new(),
        policy: Value::Null,
        file: None,
        proof: Proof::default(),
    };
    let Some(group) = group else {
        result
            .proof
            .narrowing
            .push("not evaluated: the principal's policies have errors".to_owned());
        return result;
    };
    let sagemaker = |a: &str| a.to_ascii_lowercase().starts_with("sagemaker:");
    let is_used = |a: &str| {
        used.iter()
            .chain(&inferred)
            .any(|u| u.eq_ignore_ascii_case(a))
    };
    for c in group.coverage.iter().filter(|c| sagemaker(&c.action)) {
        if c.class == Class::Never {
            if used.iter().any(|u| u.eq_ignore_ascii_case(&c.action)) {
                result.used_not_granted.push(c.action.clone());
            }
            continue;
        }
        result.granted += 1;
        if !is_used(&c.action) {
            result.unused += 1;
            result
                .unused_by_level
                .entry(c.access_level)
                .or_default()
                .push(c.action.clone());
        }
    }
    if !events.is_empty() {
        let m = minimal::minimal_policy(input, group, p, events);
        result.policy = m.policy;
        result.proof = m.proof;
        result.generalised = m.generalised;
        result.variables = m.variables;
    }
    result
}

fn unused_finding(r: &PrincipalLeastPrivilege) -> Option<Finding> {
    if r.unused == 0 || r.events == 0 {
        return None;
    }
    let levels: Vec<String> = r
        .unused_by_level
        .iter()
        .map(|(level, actions)| format!("{} {}", level.as_str(), actions.len()))
        .collect();
    let mut f = Finding {
        account: r.account.clone(),
        principal: r.principal.clone(),
        actions: r.unused_by_level.values().flatten().cloned().collect(),
        ..Finding::new(
            "unused-access".to_owned(),
            FindingKind::UnusedAccess,
            Severity::Low,
            "granted SageMaker actions not used in the CloudTrail period".to_owned(),
            format!(
                "{} of {} granted SageMaker actions were not used in {} logged calls from {} to {} ({}); {} used",
                r.unused,
                r.granted,
                r.events,
                r.period.0,
                r.period.1,
                levels.join(", "),
                r.used.len()
            ),
        )
    };
    f.actions.sort();
    f.fingerprint = fingerprint(&f);
    Some(f)
}

/// The least-privilege section of the results: the trail's counts, the per-principal results,
/// and the calls of principals no audited account has.
pub(crate) fn finish(
    trail: &TrailLog,
    principals: Vec<PrincipalLeastPrivilege>,
    accounts: &[AccountResult],
) -> LeastPrivilege {
    let mut lp = trail.summary.clone();
    lp.principals = principals;
    let audited: BTreeSet<&str> = accounts
        .iter()
        .flat_map(|a| a.principals.iter().map(|p| p.arn.as_str()))
        .collect();
    for e in trail.events.iter().filter(|e| !e.inferred) {
        if !audited.contains(e.principal.as_str()) {
            *lp.unaudited.entry(e.principal.clone()).or_default() += 1;
        }
    }
    for (p, n) in &trail.denied {
        if !audited.contains(p.as_str()) {
            *lp.unaudited.entry(p.clone()).or_default() += n;
        }
    }
    lp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_error_codes() {
        assert!(is_access_denied("AccessDenied"));
        assert!(is_access_denied("AccessDeniedException"));
        assert!(is_access_denied("Client.UnauthorizedOperation"));
        assert!(!is_access_denied("ValidationException"));
    }
}
