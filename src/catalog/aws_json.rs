//! AWS's Service Authorization Reference JSON ("simplified service information for programmatic
//! access", e.g. `https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json`): serde structs
//! mirroring it, and the one conversion from those structs into catalog types.
//!
//! Two kinds of file are read:
//! - a **service file** (has `Name`): `Actions`, `ConditionKeys`, `Operations`, `Resources`;
//! - a **condition-key file** (no `Name`, no `Actions`, has `ConditionKeys`): global keys, in
//!   iamc's own `{"ConditionKeys": [{"Name", "Types"}]}` layout (AWS publishes no such file).
//!
//! Every member is optional except the `Name` of listed items; unknown members (AWS's
//! `SupportedBy`, `SDK`, iamc's `iamc:Source`/`iamc:Note`, …) are ignored. iamc adds one member
//! AWS's files lack: `"Required": true|false` on an action's `Resources` entries (absent =
//! unknown, [`ActionResource::required`](super::ActionResource) is `None`), and a top-level
//! `"iamc:Partial": true` for a file that holds only some of its service's actions.
//!
//! Mapping: access level from `Annotations.Properties` (IsPermissionManagement → Permissions
//! management, else IsTaggingOnly → Tagging, else IsWrite → Write, else IsList → List, else
//! Read; no annotations → Read); dependent actions from `Operations`: an operation whose
//! `AuthorizedActions` include an action of this service with the operation's own name makes the
//! other authorized actions dependents of that action.

use std::collections::HashMap;

use serde::Deserialize;
use serde_path_to_error::Segment;

use super::arn_format::ArnFormat;
use super::{
    AccessLevel, ActionInfo, ActionResource, CatalogError, KeyInfo, ResourceType, Service,
};
use crate::policy::err::push_token;

/// A whole file: a service file or a condition-key file.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AwsFile {
    /// The service prefix (`sagemaker`); absent in a condition-key file.
    #[serde(rename = "Name", default)]
    pub(crate) name: Option<String>,
    /// The service's actions.
    #[serde(rename = "Actions", default)]
    pub(crate) actions: Option<Vec<AwsAction>>,
    /// Condition keys: the service's, or global keys in a condition-key file.
    #[serde(rename = "ConditionKeys", default)]
    pub(crate) condition_keys: Option<Vec<AwsConditionKey>>,
    /// API operations and the actions they authorize.
    #[serde(rename = "Operations", default)]
    pub(crate) operations: Option<Vec<AwsOperation>>,
    /// The service's resource types.
    #[serde(rename = "Resources", default)]
    pub(crate) resources: Option<Vec<AwsResource>>,
    /// iamc extension: the file holds only some of the service's actions (iamc's embedded
    /// `iam.json`), so an action or key it lacks may still exist.
    #[serde(rename = "iamc:Partial", default)]
    pub(crate) partial: bool,
}

/// One entry of `Actions`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsAction {
    /// Action name as published (`CreateTrainingJob`).
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// Condition keys of the action, including those of its resource types' rows.
    #[serde(rename = "ActionConditionKeys", default)]
    pub(crate) action_condition_keys: Option<Vec<String>>,
    /// Access-level flags.
    #[serde(rename = "Annotations", default)]
    pub(crate) annotations: Option<AwsAnnotations>,
    /// Resource types the action can be scoped to, in published order.
    #[serde(rename = "Resources", default)]
    pub(crate) resources: Option<Vec<AwsActionResource>>,
}

/// `Annotations` of an action.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AwsAnnotations {
    /// The flags.
    #[serde(rename = "Properties", default)]
    pub(crate) properties: Option<AwsProperties>,
}

/// `Annotations.Properties` of an action: access-level flags.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub(crate) struct AwsProperties {
    /// List access.
    #[serde(rename = "IsList", default)]
    pub(crate) is_list: bool,
    /// Permissions management (also has `IsWrite`).
    #[serde(rename = "IsPermissionManagement", default)]
    pub(crate) is_permission_management: bool,
    /// Tagging (also has `IsWrite`).
    #[serde(rename = "IsTaggingOnly", default)]
    pub(crate) is_tagging_only: bool,
    /// Write access.
    #[serde(rename = "IsWrite", default)]
    pub(crate) is_write: bool,
}

impl AwsProperties {
    /// The access level these flags stand for.
    pub(crate) fn access_level(self) -> AccessLevel {
        if self.is_permission_management {
            AccessLevel::PermissionsManagement
        } else if self.is_tagging_only {
            AccessLevel::Tagging
        } else if self.is_write {
            AccessLevel::Write
        } else if self.is_list {
            AccessLevel::List
        } else {
            AccessLevel::Read
        }
    }
}

/// One entry of an action's `Resources`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsActionResource {
    /// Resource type name (refers to the file's `Resources[].Name`).
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// iamc extension: whether the resource type is required; absent in AWS's files.
    #[serde(rename = "Required", default)]
    pub(crate) required: Option<bool>,
}

/// One entry of `ConditionKeys`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsConditionKey {
    /// Key name as published (`aws:RequestTag/${TagKey}`).
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// Type names (`String`, `ArrayOfARN`, …); the first one counts.
    #[serde(rename = "Types", default)]
    pub(crate) types: Option<Vec<String>>,
}

/// One entry of `Operations`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsOperation {
    /// API operation name.
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// The actions the operation needs.
    #[serde(rename = "AuthorizedActions", default)]
    pub(crate) authorized_actions: Option<Vec<AwsAuthorizedAction>>,
}

/// One entry of an operation's `AuthorizedActions`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsAuthorizedAction {
    /// Action name.
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// Service prefix.
    #[serde(rename = "Service")]
    pub(crate) service: String,
}

/// One entry of `Resources`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AwsResource {
    /// Resource type name (`training-job`).
    #[serde(rename = "Name")]
    pub(crate) name: String,
    /// ARN formats with `${…}` placeholders.
    #[serde(rename = "ARNFormats", default)]
    pub(crate) arn_formats: Option<Vec<String>>,
    /// Condition keys that apply to the resource type.
    #[serde(rename = "ConditionKeys", default)]
    pub(crate) condition_keys: Option<Vec<String>>,
}

/// What a file turned out to hold.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A service file.
    Service(Box<Service>),
    /// A condition-key file.
    GlobalKeys(Vec<KeyInfo>),
}

/// Parses `text` (labelled `file` in errors) into a service or a list of global keys.
pub(crate) fn parse(text: &str, file: &str) -> Result<Parsed, CatalogError> {
    // Plain serde_json first (path tracking costs about a third of the time on large files);
    // only a failure is parsed again with paths, for the error's JSON pointer.
    let aws: AwsFile = match serde_json::from_str(text) {
        Ok(aws) => aws,
        Err(_) => return Err(json_error(text, file)),
    };
    let invalid = |pointer: String, message: String| CatalogError::Invalid {
        file: file.to_owned(),
        pointer,
        message,
    };
    match (&aws.name, &aws.actions, &aws.condition_keys) {
        (Some(_), _, _) => to_service(aws, &invalid).map(|s| Parsed::Service(Box::new(s))),
        (None, Some(_), _) => Err(invalid(
            "/Name".to_owned(),
            "service file has `Actions` but no `Name`".to_owned(),
        )),
        (None, None, Some(keys)) => keys
            .iter()
            .enumerate()
            .map(|(i, k)| to_key(k, &format!("/ConditionKeys/{i}"), &invalid))
            .collect::<Result<Vec<_>, _>>()
            .map(Parsed::GlobalKeys),
        (None, None, None) => Err(invalid(
            String::new(),
            "neither a service file (`Name`, `Actions`) nor a condition-key file \
             (`ConditionKeys`)"
                .to_owned(),
        )),
    }
}

/// The error of a text plain serde_json refused, located by serde_path_to_error.
fn json_error(text: &str, file: &str) -> CatalogError {
    let mut de = serde_json::Deserializer::from_str(text);
    let result: Result<AwsFile, _> = serde_path_to_error::deserialize(&mut de);
    let (pointer, message) = match result {
        Err(e) => (pointer_of(e.path()), e.inner().to_string()),
        Ok(_) => match de.end() {
            Err(e) => (String::new(), e.to_string()),
            // Both parsers accept what one refused: cannot happen; report it plainly.
            Ok(()) => (String::new(), "the JSON parser refused the text".to_owned()),
        },
    };
    CatalogError::Json {
        file: file.to_owned(),
        pointer,
        message,
    }
}

/// Converts a service file; all checks live here.
fn to_service(
    aws: AwsFile,
    invalid: &dyn Fn(String, String) -> CatalogError,
) -> Result<Service, CatalogError> {
    let partial = aws.partial;
    let raw_name = aws.name.unwrap_or_default();
    if raw_name.is_empty() || raw_name.contains([':', '*', '?']) || raw_name.trim() != raw_name {
        return Err(invalid(
            "/Name".to_owned(),
            format!("service prefix `{raw_name}` is empty or contains `:`, `*`, `?` or spaces"),
        ));
    }
    // INVARIANT (prefixes are lowercase): IAM matches service prefixes case-insensitively.
    let prefix = raw_name.to_ascii_lowercase();

    let mut resource_types: Vec<ResourceType> = Vec::new();
    let mut seen_resources: HashMap<String, usize> = HashMap::new();
    for (i, r) in aws.resources.unwrap_or_default().into_iter().enumerate() {
        let at = format!("/Resources/{i}");
        check_name(&r.name, "resource type", &format!("{at}/Name"), invalid)?;
        if let Some(first) = seen_resources.insert(r.name.clone(), i) {
            return Err(invalid(
                format!("{at}/Name"),
                format!(
                    "duplicate resource type `{}` (first at /Resources/{first})",
                    r.name
                ),
            ));
        }
        let mut formats = Vec::new();
        for (j, f) in r.arn_formats.unwrap_or_default().iter().enumerate() {
            let parsed = ArnFormat::parse(f)
                .map_err(|e| invalid(format!("{at}/ARNFormats/{j}"), e.to_string()))?;
            formats.push(parsed);
        }
        resource_types.push(ResourceType::from_compiled(
            r.name,
            formats,
            r.condition_keys.unwrap_or_default(),
        ));
    }

    let mut condition_keys = Vec::new();
    for (i, k) in aws.condition_keys.unwrap_or_default().iter().enumerate() {
        condition_keys.push(to_key(k, &format!("/ConditionKeys/{i}"), invalid)?);
    }

    let mut actions: Vec<ActionInfo> = Vec::new();
    let mut seen_actions: HashMap<String, usize> = HashMap::new();
    for (i, a) in aws.actions.unwrap_or_default().into_iter().enumerate() {
        let at = format!("/Actions/{i}");
        check_name(&a.name, "action", &format!("{at}/Name"), invalid)?;
        if let Some(first) = seen_actions.insert(a.name.to_ascii_lowercase(), i) {
            return Err(invalid(
                format!("{at}/Name"),
                format!("duplicate action `{}` (first at /Actions/{first})", a.name),
            ));
        }
        let mut resources = Vec::new();
        for (j, r) in a.resources.unwrap_or_default().into_iter().enumerate() {
            check_name(
                &r.name,
                "resource type",
                &format!("{at}/Resources/{j}/Name"),
                invalid,
            )?;
            resources.push(ActionResource {
                name: r.name,
                required: r.required,
            });
        }
        let access_level = a
            .annotations
            .and_then(|an| an.properties)
            .unwrap_or_default()
            .access_level();
        actions.push(ActionInfo {
            service: prefix.clone(),
            name: a.name,
            access_level,
            resources,
            condition_keys: a.action_condition_keys.unwrap_or_default(),
            dependent_actions: Vec::new(),
        });
    }

    for op in aws.operations.unwrap_or_default() {
        let authorized = op.authorized_actions.unwrap_or_default();
        let is_self = |x: &AwsAuthorizedAction| {
            x.service.eq_ignore_ascii_case(&prefix) && x.name.eq_ignore_ascii_case(&op.name)
        };
        if !authorized.iter().any(is_self) {
            continue;
        }
        let Some(&idx) = seen_actions.get(&op.name.to_ascii_lowercase()) else {
            continue;
        };
        let Some(action) = actions.get_mut(idx) else {
            continue;
        };
        for dep in authorized.iter().filter(|x| !is_self(x)) {
            let full = format!("{}:{}", dep.service.to_ascii_lowercase(), dep.name);
            if !action.dependent_actions.contains(&full) {
                action.dependent_actions.push(full);
            }
        }
    }

    let mut service = Service::new(prefix, actions, resource_types, condition_keys);
    service.partial = partial;
    Ok(service)
}

/// Converts one condition key.
fn to_key(
    k: &AwsConditionKey,
    at: &str,
    invalid: &dyn Fn(String, String) -> CatalogError,
) -> Result<KeyInfo, CatalogError> {
    check_name(&k.name, "condition key", &format!("{at}/Name"), invalid)?;
    let first = k.types.as_ref().and_then(|t| t.first()).map(String::as_str);
    Ok(KeyInfo::from_aws_type(k.name.clone(), first.unwrap_or("")))
}

/// Names must be non-empty and free of surrounding whitespace.
fn check_name(
    name: &str,
    what: &str,
    at: &str,
    invalid: &dyn Fn(String, String) -> CatalogError,
) -> Result<(), CatalogError> {
    if name.is_empty() || name.trim() != name {
        return Err(invalid(
            at.to_owned(),
            format!("{what} name `{name}` is empty or has surrounding whitespace"),
        ));
    }
    Ok(())
}

/// A serde_path_to_error path as a JSON pointer (`/Actions/3/Name`).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Seq { index } => push_token(&mut out, &index.to_string()),
            Segment::Map { key } => push_token(&mut out, key),
            Segment::Enum { variant } => push_token(&mut out, variant),
            Segment::Unknown => push_token(&mut out, "?"),
        }
    }
    out
}
