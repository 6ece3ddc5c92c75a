//! Reconstructing the requests of a logged SageMaker call: its resource (from `resources`, or
//! built from `requestParameters` and the catalog's ARN formats), the context keys a CloudTrail
//! record lets us recover, resource tags set by earlier calls, and the requests the call needed
//! without logging them (`iam:PassRole`, `sagemaker:AddTags`). What is recovered is listed in the
//! parent module's documentation.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{ResourceSource, SAGEMAKER_SOURCE, TrailEvent, file_error, str_at};
use crate::audit::model::AuditError;
use crate::catalog::{AccessLevel, ActionInfo, Catalog, ResourceType};
use crate::condition::Instant;
use crate::eval::{Context, ContextValue, Request};

/// A SageMaker call, attributed, before its request is built.
pub(super) struct Raw {
    pub(super) file: String,
    pub(super) pointer: String,
    pub(super) time: String,
    pub(super) instant: Option<Instant>,
    pub(super) order: (usize, usize),
    pub(super) principal: String,
    pub(super) session: String,
    pub(super) action: String,
    pub(super) record: Value,
}

/// Tags of resources as the logged calls set them, by ARN.
#[derive(Default)]
pub(super) struct TagMemory(BTreeMap<String, BTreeMap<String, String>>);

/// Tags from `tags`/`Tags`: a list of `{key, value}` (any case) or an object.
fn tags_of(v: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    match v {
        Some(Value::Array(list)) => {
            for t in list {
                let key = str_at(t, &["key"]).or_else(|| str_at(t, &["Key"]));
                let value = str_at(t, &["value"])
                    .or_else(|| str_at(t, &["Value"]))
                    .unwrap_or("");
                if let Some(k) = key {
                    out.push((k.to_owned(), value.to_owned()));
                }
            }
        }
        Some(Value::Object(map)) => {
            for (k, v) in map {
                if let Some(s) = v.as_str() {
                    out.push((k.clone(), s.to_owned()));
                }
            }
        }
        _ => {}
    }
    out
}

fn param<'v>(params: &'v Value, name: &str) -> Option<&'v Value> {
    params
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Where SageMaker condition keys are in `requestParameters` (paths of field names; `*` is
/// every element of a list).
pub(crate) const KEY_SOURCES: &[(&str, &[&[&str]])] = &[
    (
        "sagemaker:InstanceTypes",
        &[
            &["resourceConfig", "instanceType"],
            &["resourceConfig", "instanceGroups", "*", "instanceType"],
            &["instanceType"],
            &["processingResources", "clusterConfig", "instanceType"],
            &["productionVariants", "*", "instanceType"],
            &["transformResources", "instanceType"],
        ],
    ),
    ("sagemaker:NetworkIsolation", &[&["enableNetworkIsolation"]]),
    (
        "sagemaker:InterContainerTrafficEncryption",
        &[&["enableInterContainerTrafficEncryption"]],
    ),
    (
        "sagemaker:VpcSubnets",
        &[&["vpcConfig", "subnets", "*"], &["subnetId"]],
    ),
    (
        "sagemaker:VpcSecurityGroupIds",
        &[
            &["vpcConfig", "securityGroupIds", "*"],
            &["securityGroupIds", "*"],
        ],
    ),
    (
        "sagemaker:MaxRuntimeInSeconds",
        &[&["stoppingCondition", "maxRuntimeInSeconds"]],
    ),
    ("sagemaker:RootAccess", &[&["rootAccess"]]),
    (
        "sagemaker:DirectInternetAccess",
        &[&["directInternetAccess"]],
    ),
    (
        "sagemaker:VolumeKmsKeyArn",
        &[&["resourceConfig", "volumeKmsKeyId"], &["kmsKeyId"]],
    ),
    (
        "sagemaker:OutputKmsKeyArn",
        &[&["outputDataConfig", "kmsKeyId"]],
    ),
    ("sagemaker:ModelApprovalStatus", &[&["modelApprovalStatus"]]),
];

/// Every value at `path` under `v`.
fn values_at(v: &Value, path: &[&str], out: &mut Vec<String>) {
    let Some((first, rest)) = path.split_first() else {
        out.extend(scalar_text(v));
        return;
    };
    if *first == "*" {
        if let Some(list) = v.as_array() {
            for item in list {
                values_at(item, rest, out);
            }
        }
    } else if let Some(next) = param(v, first) {
        values_at(next, rest, out);
    }
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// The request parameter a resource-type placeholder is named after (`TrainingJobName` →
/// `trainingJobName`), with the few catalog names that differ from the API's.
fn placeholder_param(ph: &str) -> String {
    let name = match ph {
        "AutoMLJobJobName" => "AutoMLJobName",
        "MlflowTrackingServerName" => "TrackingServerName",
        "EdgeDeploymentPlanName" => "EdgeDeploymentPlanName",
        other => other,
    };
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// The action's resource types, required ones first.
fn resource_types<'c>(catalog: &'c Catalog, action: &ActionInfo) -> Vec<&'c ResourceType> {
    let Some(service) = catalog.service(&action.service) else {
        return Vec::new();
    };
    let mut rows: Vec<_> = action.resources.iter().collect();
    rows.sort_by_key(|r| r.required != Some(true));
    rows.iter()
        .filter_map(|r| service.resource_type(&r.name))
        .collect()
}

fn resource_of(
    rec: &Value,
    params: &Value,
    action: &ActionInfo,
    catalog: &Catalog,
    region: &str,
    account: &str,
) -> (String, ResourceSource) {
    if action.is_wildcard_only() {
        return ("*".to_owned(), ResourceSource::Wildcard);
    }
    let rts = resource_types(catalog, action);
    let logged = rec
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| str_at(r, &["ARN"]).or_else(|| str_at(r, &["arn"])));
    for arn in logged {
        if rts.iter().any(|rt| rt.matches_arn(arn)) {
            return (arn.to_owned(), ResourceSource::Logged);
        }
    }
    if let Some(map) = params.as_object() {
        for v in map.values() {
            if let Some(arn) = v.as_str().filter(|s| s.starts_with("arn:"))
                && rts.iter().any(|rt| rt.matches_arn(arn))
            {
                return (arn.to_owned(), ResourceSource::Built);
            }
        }
    }
    if !region.is_empty() && !account.is_empty() {
        for rt in &rts {
            let fill = |ph: &str| -> Option<String> {
                match ph {
                    "Partition" => Some(partition_of(region).to_owned()),
                    "Region" => Some(region.to_owned()),
                    "Account" => Some(account.to_owned()),
                    other => param(params, &placeholder_param(other)).and_then(scalar_text),
                }
            };
            if let Some(arn) = rt.render_arn(&fill)
                && rt.matches_arn(&arn)
            {
                return (arn, ResourceSource::Built);
            }
        }
    }
    ("*".to_owned(), ResourceSource::Unknown)
}

/// Context keys every request of the call carries.
fn base_context(rec: &Value, time: &str, instant: Option<Instant>) -> Context {
    let mut ctx = Context::new();
    let mut put = |k: &str, v: String| {
        let _ = ctx.insert(k, ContextValue::Single(v));
    };
    if let Some(region) = str_at(rec, &["awsRegion"]) {
        put("aws:RequestedRegion", region.to_owned());
    }
    if let Some(ip) =
        str_at(rec, &["sourceIPAddress"]).filter(|s| s.parse::<std::net::IpAddr>().is_ok())
    {
        put("aws:SourceIp", ip.to_owned());
    }
    if let Some(vpce) = str_at(rec, &["vpcEndpointId"]).filter(|s| !s.is_empty()) {
        put("aws:SourceVpce", vpce.to_owned());
    }
    if rec.get("tlsDetails").is_some_and(Value::is_object) {
        put("aws:SecureTransport", "true".to_owned());
    }
    put("aws:CurrentTime", time.to_owned());
    if let Some(t) = instant {
        put(
            "aws:EpochTime",
            t.nanos().div_euclid(1_000_000_000).to_string(),
        );
    }
    let via = str_at(rec, &["invokedBy"]).is_some_and(|s| s.ends_with(".amazonaws.com"));
    put("aws:ViaAWSService", via.to_string());
    if let Some(attrs) = rec
        .get("userIdentity")
        .and_then(|u| u.get("sessionContext"))
        .and_then(|s| s.get("attributes"))
    {
        if let Some(mfa) = attrs.get("mfaAuthenticated").and_then(scalar_text) {
            put("aws:MultiFactorAuthPresent", mfa.to_ascii_lowercase());
        }
        if let Some(created) = str_at(attrs, &["creationDate"]) {
            put("aws:TokenIssueTime", created.to_owned());
        }
    }
    ctx
}

/// True when the catalog lists `dependent` as needed by `action`.
fn depends_on(action: &ActionInfo, dependent: &str) -> bool {
    action
        .dependent_actions
        .iter()
        .any(|d| d.eq_ignore_ascii_case(dependent))
}

/// Role ARNs named by parameters whose name ends in `RoleArn` or `Role` (any case:
/// `roleArn`, `executionRoleArn`, `defaultUserSettings.executionRole`), up to three levels deep.
fn role_arns(v: &Value, depth: usize, out: &mut BTreeSet<String>) {
    let Some(map) = v.as_object() else {
        if let Some(list) = v.as_array() {
            for item in list {
                if depth > 0 {
                    role_arns(item, depth - 1, out);
                }
            }
        }
        return;
    };
    for (k, val) in map {
        let k = k.to_ascii_lowercase();
        if (k.ends_with("rolearn") || k.ends_with("role"))
            && let Some(arn) = val
                .as_str()
                .filter(|a| a.starts_with("arn:") && a.contains(":role/"))
        {
            out.insert(arn.to_owned());
        } else if depth > 0 {
            role_arns(val, depth - 1, out);
        }
    }
}

/// Builds the requests of one call (the call and the dependent requests it implies) and records
/// the tags it sets.
pub(super) fn build(
    raw: &Raw,
    catalog: &Catalog,
    tags: &mut TagMemory,
    out: &mut Vec<TrailEvent>,
    errors: &mut Vec<AuditError>,
) {
    let Some(action) = catalog.action(&raw.action) else {
        return;
    };
    let rec = &raw.record;
    let null = Value::Null;
    let params = rec.get("requestParameters").unwrap_or(&null);
    let region = str_at(rec, &["awsRegion"]).unwrap_or("");
    let account = str_at(rec, &["recipientAccountId"])
        .map(str::to_owned)
        .or_else(|| {
            crate::policy::pattern::split_arn(&raw.principal)
                .and_then(|p| p.get(4).map(|a| (*a).to_owned()))
        })
        .unwrap_or_default();
    let (resource, source) = resource_of(rec, params, action, catalog, region, &account);
    let base = base_context(rec, &raw.time, raw.instant);
    let rt = catalog.resource_type_for(action, &resource);
    let applies =
        |key: &str| crate::request::sent::key_applies(catalog, action, rt, &key.to_lowercase());
    let mut ctx = base.clone();
    let request_tags = tags_of(param(params, "tags"));
    if !request_tags.is_empty() && applies("aws:TagKeys") {
        for (k, v) in &request_tags {
            let _ = ctx.insert(
                &format!("aws:RequestTag/{k}"),
                ContextValue::Single(v.clone()),
            );
        }
        let _ = ctx.insert(
            "aws:TagKeys",
            ContextValue::Multi(request_tags.iter().map(|(k, _)| k.clone()).collect()),
        );
    }
    for (key, paths) in KEY_SOURCES {
        if !applies(key) {
            continue;
        }
        let mut values = Vec::new();
        for path in *paths {
            values_at(params, path, &mut values);
        }
        if key.ends_with("KmsKeyArn") {
            values.retain(|v| v.starts_with("arn:"));
        }
        let mut seen = BTreeSet::new();
        values.retain(|v| seen.insert(v.clone()));
        if values.is_empty() {
            continue;
        }
        let value = if catalog.is_multivalued(key) {
            ContextValue::Multi(values)
        } else if let [one] = values.as_slice() {
            ContextValue::Single(one.clone())
        } else {
            continue;
        };
        let _ = ctx.insert(key, value);
    }
    if let Some(known) = tags.0.get(&resource) {
        for (k, v) in known {
            for prefix in ["aws:ResourceTag/", "sagemaker:ResourceTag/"] {
                let key = format!("{prefix}{k}");
                if applies(&key) {
                    let _ = ctx.insert(&key, ContextValue::Single(v.clone()));
                }
            }
        }
    }
    let event = |request: Request, resource: ResourceSource, inferred: bool| TrailEvent {
        file: raw.file.clone(),
        pointer: raw.pointer.clone(),
        time: raw.time.clone(),
        principal: raw.principal.clone(),
        request,
        resource,
        inferred,
    };
    let make = |action: &str, resource: &str, ctx: Context| -> Option<Request> {
        let mut r = Request::new(action, resource).ok()?;
        r.principal = Some(raw.session.clone());
        r.context = ctx;
        Some(r)
    };
    let Some(call) = make(&raw.action, &resource, ctx) else {
        errors.push(file_error(
            &raw.file,
            &raw.pointer,
            format!(
                "cannot build a request for `{}` on `{resource}`",
                raw.action
            ),
        ));
        return;
    };
    out.push(event(call, source, false));
    // The catalog's dependent actions decide; for a write it knows none for (possibly newer
    // than the catalog's source), a role ARN in the parameters is passed all the same (S-37).
    if depends_on(action, "iam:PassRole")
        || (action.dependent_actions.is_empty() && action.access_level == AccessLevel::Write)
    {
        let mut roles = BTreeSet::new();
        role_arns(params, 3, &mut roles);
        for role in roles {
            let mut c = base.clone();
            let _ = c.insert(
                "iam:PassedToService",
                ContextValue::Single(SAGEMAKER_SOURCE.to_owned()),
            );
            if resource != "*" {
                let _ = c.insert(
                    "iam:AssociatedResourceArn",
                    ContextValue::Single(resource.clone()),
                );
            }
            if let Some(r) = make("iam:PassRole", &role, c) {
                out.push(event(r, ResourceSource::Built, true));
            }
        }
    }
    // Tags on create need `sagemaker:AddTags` under `sagemaker:TaggingAction` = the create
    // (Studio and the SDKs tag by default): where the catalog lists it, and for every create
    // that takes request tags (S-37).
    let tag_on_create = depends_on(action, "sagemaker:AddTags")
        || (applies("aws:TagKeys") && rt.is_some_and(|rt| super::generalise::creates(action, rt)));
    if tag_on_create && !request_tags.is_empty() && resource != "*" {
        let mut c = base.clone();
        for (k, v) in &request_tags {
            let _ = c.insert(
                &format!("aws:RequestTag/{k}"),
                ContextValue::Single(v.clone()),
            );
        }
        let _ = c.insert(
            "aws:TagKeys",
            ContextValue::Multi(request_tags.iter().map(|(k, _)| k.clone()).collect()),
        );
        let _ = c.insert(
            "sagemaker:TaggingAction",
            ContextValue::Single(action.name.clone()),
        );
        if let Some(r) = make("sagemaker:AddTags", &resource, c) {
            out.push(event(r, source, true));
        }
    }
    // Remember the tags this call leaves on its resource.
    let name = action.name.as_str();
    if name.starts_with("Create") && resource != "*" && !request_tags.is_empty() {
        tags.0
            .insert(resource.clone(), request_tags.into_iter().collect());
    } else if name == "AddTags" && resource != "*" {
        tags.0
            .entry(resource.clone())
            .or_default()
            .extend(request_tags);
    } else if name == "DeleteTags" && resource != "*" {
        let mut keys = Vec::new();
        values_at(params, &["tagKeys", "*"], &mut keys);
        if let Some(t) = tags.0.get_mut(&resource) {
            for k in keys {
                t.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_name_request_parameters() {
        assert_eq!(placeholder_param("TrainingJobName"), "trainingJobName");
        assert_eq!(placeholder_param("AutoMLJobJobName"), "autoMLJobName");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-east-1"), "aws");
    }

    #[test]
    fn training_job_arn_is_built_from_its_name() {
        let catalog = Catalog::sagemaker_default();
        let action = catalog.action("sagemaker:DescribeTrainingJob").unwrap();
        let params = serde_json::json!({"trainingJobName": "churn-1"});
        let (arn, src) = resource_of(
            &Value::Null,
            &params,
            action,
            catalog,
            "us-east-1",
            "111122223333",
        );
        assert_eq!(
            arn,
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn-1"
        );
        assert_eq!(src, ResourceSource::Built);
    }

    #[test]
    fn passed_roles_are_found_under_role_and_role_arn_parameters() {
        let params = serde_json::json!({
            "roleArn": "arn:aws:iam::1:role/a",
            "defaultUserSettings": {"executionRole": "arn:aws:iam::1:role/service-role/b"},
            "modelBiasJobInput": {"endpointInput": {"executionRoleArn": "arn:aws:iam::1:role/c"}},
            "assumedRole": "not-an-arn",
            "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"
        });
        let mut roles = BTreeSet::new();
        role_arns(&params, 3, &mut roles);
        assert_eq!(
            roles.into_iter().collect::<Vec<_>>(),
            [
                "arn:aws:iam::1:role/a",
                "arn:aws:iam::1:role/c",
                "arn:aws:iam::1:role/service-role/b"
            ]
        );
    }

    #[test]
    fn wildcard_only_actions_are_evaluated_on_star() {
        let catalog = Catalog::sagemaker_default();
        let action = catalog.action("sagemaker:ListTrainingJobs").unwrap();
        let (arn, src) = resource_of(
            &Value::Null,
            &Value::Null,
            action,
            catalog,
            "us-east-1",
            "1",
        );
        assert_eq!((arn.as_str(), src), ("*", ResourceSource::Wildcard));
    }
}
