//! The questions a checker or linter asks a catalog about a policy: is this service prefix, this
//! action, this condition key known; which resource types (with ARN formats) does an action take,
//! and which of them does an ARN fit.
//!
//! Every answer tells "unknown" apart from "not covered": a catalog that does not hold a service
//! can say nothing about its actions or keys, so callers warn only where the catalog can know
//! ([`ActionLookup::UnknownAction`], [`KeyLookup::Unknown`]) and stay silent otherwise
//! ([`ActionLookup::ServiceNotHeld`], [`KeyLookup::NotCovered`]).
//!
//! ```rust
//! use iamc::catalog::{ActionLookup, Catalog, KeyLookup, KeyType, ResourceFit};
//!
//! let catalog = Catalog::aws_default();
//! assert!(matches!(catalog.lookup_action("sagemaker:DescribeTraningJob"), ActionLookup::UnknownAction(_)));
//! assert!(matches!(catalog.lookup_action("sns:Publish"), ActionLookup::ServiceNotHeld));
//! assert!(matches!(catalog.lookup_action("sagemakr:ListModels"), ActionLookup::UnknownService));
//! let ActionLookup::Known(get) = catalog.lookup_action("s3:getobject") else { unreachable!() };
//! assert!(matches!(
//!     catalog.check_resource(get, "arn:aws:s3:::my-bucket/data/part-0.csv"),
//!     ResourceFit::Fits(rt) if rt.name == "object"
//! ));
//! assert!(matches!(catalog.lookup_key("s3:max-keys"), KeyLookup::Known(k) if k.ty == KeyType::Numeric));
//! assert!(matches!(catalog.lookup_key("s3:MaxKeys"), KeyLookup::Unknown));
//! ```

use super::embedded::is_aws_service_prefix;
use super::{ActionInfo, ActionResource, Catalog, KeyInfo, ResourceType, Service, template_span};

/// What the catalog knows of a service prefix.
#[derive(Debug, Clone, Copy)]
pub enum ServiceStatus<'a> {
    /// The catalog holds the service: its actions and keys can be checked.
    Held(&'a Service),
    /// An AWS service prefix the catalog does not hold: nothing can be checked.
    NotHeld,
    /// Not an AWS service prefix (a typo such as `sagemakr`, or a service newer than the
    /// embedded prefix list).
    Unknown,
}

/// What the catalog knows of an action name.
#[derive(Debug, Clone, Copy)]
pub enum ActionLookup<'a> {
    /// The action exists.
    Known(&'a ActionInfo),
    /// The catalog holds the service but has no action of that name (misspelt, retired, or
    /// newer than the catalog).
    UnknownAction(&'a Service),
    /// An AWS service the catalog does not hold: the action may well exist.
    ServiceNotHeld,
    /// The prefix is not an AWS service prefix.
    UnknownService,
    /// Not of the form `service:Name` with both parts non-empty.
    Malformed,
}

/// What the catalog knows of a condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLookup<'a> {
    /// The key is known (service key, global key, or a key another service declares), with its
    /// type.
    Known(&'a KeyInfo),
    /// The key's prefix is `aws` or a service the catalog holds, and the key is not there.
    Unknown,
    /// The key belongs to a service the catalog does not hold (or has no `prefix:`), so the
    /// catalog cannot say.
    NotCovered,
}

/// Whether a concrete resource ARN fits an action's resource types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceFit<'a> {
    /// The action supports no resource types: AWS authorizes it against `*` whatever the
    /// request names (docs/SEMANTICS.md S-28).
    WildcardOnly,
    /// The ARN fits this resource type of the action (the first in the action's order).
    Fits(&'a ResourceType),
    /// The ARN fits none of the action's resource types; they are listed, in the action's order.
    NoFit(Vec<&'a ResourceType>),
}

impl Catalog {
    /// True when the catalog holds the service `prefix` (any case).
    pub fn has_service(&self, prefix: &str) -> bool {
        self.service(prefix).is_some()
    }

    /// What the catalog knows of the service `prefix` (any case): held, an AWS service it does
    /// not hold, or not an AWS service prefix at all (checked against the embedded list of every
    /// AWS service prefix).
    pub fn service_status(&self, prefix: &str) -> ServiceStatus<'_> {
        match self.service(prefix) {
            Some(service) => ServiceStatus::Held(service),
            None if is_aws_service_prefix(prefix) => ServiceStatus::NotHeld,
            None => ServiceStatus::Unknown,
        }
    }

    /// What the catalog knows of `action` (`service:Name`, any case; no wildcards: a pattern is
    /// matched against [`Service::actions`] by the caller).
    pub fn lookup_action(&self, action: &str) -> ActionLookup<'_> {
        let Some((prefix, name)) = action.split_once(':') else {
            return ActionLookup::Malformed;
        };
        if prefix.is_empty() || name.is_empty() {
            return ActionLookup::Malformed;
        }
        match self.service_status(prefix) {
            ServiceStatus::Held(service) => match service.action(name) {
                Some(info) => ActionLookup::Known(info),
                None => ActionLookup::UnknownAction(service),
            },
            ServiceStatus::NotHeld => ActionLookup::ServiceNotHeld,
            ServiceStatus::Unknown => ActionLookup::UnknownService,
        }
    }

    /// What the catalog knows of the condition key `key` (any case; `${…}` templates such as
    /// `aws:RequestTag/${TagKey}` match any tag key): its type when known (see
    /// [`Catalog::key`]); otherwise whether the catalog could have known it.
    pub fn lookup_key(&self, key: &str) -> KeyLookup<'_> {
        if let Some(info) = self.key(key) {
            return KeyLookup::Known(info);
        }
        match key.split_once(':') {
            Some((prefix, _)) if prefix.eq_ignore_ascii_case("aws") || self.has_service(prefix) => {
                KeyLookup::Unknown
            }
            _ => KeyLookup::NotCovered,
        }
    }

    /// True when `key` (any case) is a key `action` supports: one of the action's condition
    /// keys, a key of one of its resource types, or a global key. (Parliament's "unknown
    /// condition for action"; AWS ignores an unsupported key, so a condition on it only ever
    /// sees it absent.)
    pub fn action_supports_key(&self, action: &ActionInfo, key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        let named = |published: &String| key_name_matches(published, &lower);
        if action.condition_keys.iter().any(named) {
            return true;
        }
        if let Some(service) = self.service(&action.service)
            && action
                .resources
                .iter()
                .filter_map(|r| service.resource_type(&r.name))
                .any(|rt| rt.condition_keys.iter().any(named))
        {
            return true;
        }
        self.global_keys().iter().any(|k| named(&k.name))
    }

    /// The action's resource types in its order, each with its declaration (ARN formats,
    /// condition keys), `None` where the service does not declare it (never for embedded data).
    /// Empty for wildcard-only actions.
    pub fn action_resource_types<'a>(
        &'a self,
        action: &'a ActionInfo,
    ) -> Vec<(&'a ActionResource, Option<&'a ResourceType>)> {
        let service = self.service(&action.service);
        action
            .resources
            .iter()
            .map(|r| (r, service.and_then(|s| s.resource_type(&r.name))))
            .collect()
    }

    /// Whether the concrete ARN `arn` fits one of `action`'s resource types (ARN-format rules in
    /// `super::arn_format`).
    pub fn check_resource<'a>(&'a self, action: &ActionInfo, arn: &str) -> ResourceFit<'a> {
        if action.is_wildcard_only() {
            return ResourceFit::WildcardOnly;
        }
        let Some(service) = self.service(&action.service) else {
            return ResourceFit::NoFit(Vec::new());
        };
        let types: Vec<&ResourceType> = action
            .resources
            .iter()
            .filter_map(|r| service.resource_type(&r.name))
            .collect();
        match types.iter().find(|rt| rt.matches_arn(arn)) {
            Some(rt) => ResourceFit::Fits(rt),
            None => ResourceFit::NoFit(types),
        }
    }
}

/// True when the published key name `published` names `lower` (an ASCII-lowercase key): equal
/// ignoring case, or a template (`${TagKey}`, `<key>`) whose part matches a non-empty run.
fn key_name_matches(published: &str, lower: &str) -> bool {
    let published = published.to_ascii_lowercase();
    if published == lower {
        return true;
    }
    let Some((start, end)) = template_span(&published) else {
        return false;
    };
    let prefix = published.get(..start).unwrap_or("");
    let suffix = published.get(end + 1..).unwrap_or("");
    lower.len() > prefix.len() + suffix.len()
        && lower.starts_with(prefix)
        && lower.ends_with(suffix)
}
