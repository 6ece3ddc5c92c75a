//! Requests: the action, the resource and the request context a decision is made for, and what
//! every engine derives from them once: prepared requests (`prepared`), interned condition-key
//! ids (`keys`), ARN segment offsets ([`arn`]) and which keys AWS sends with a request
//! (`sent`).
//!
//! This is the leaf that `compile`, `eval`, `analyze` and `audit` all read, so none of them has to
//! import another to talk about a request.
//!
//! INVARIANT (lowercase keys): context keys are stored with their Unicode lowercase form, and two
//! keys that differ only in case are refused (S-20), so lookups never depend on spelling.

pub mod arn;
pub(crate) mod keys;
pub(crate) mod prepared;
pub(crate) mod sent;

pub use prepared::{PreparedBatch, PreparedContext, PreparedRequest, Preparer};

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::policy::err::excerpt;
use crate::policy::pattern::split_arn;

/// A request that cannot be evaluated as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    /// The request field at fault (`action`, `context`, …).
    pub(crate) field: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field `{}`: {}", self.field, self.message)
    }
}

impl std::error::Error for RequestError {}

fn req_err(field: &str, message: impl Into<String>) -> RequestError {
    RequestError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// A context value: one string, or a list for a multivalued key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContextValue {
    /// A single value.
    Single(String),
    /// A list of values; the key is multivalued even with one element (S-3).
    Multi(Vec<String>),
}

/// One context key with its values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContextEntry {
    /// The key as given.
    pub key: String,
    /// The key in lowercase.
    pub(crate) key_lower: String,
    /// The values (one for a single value).
    pub values: Vec<String>,
    /// True when the request gave a list.
    pub is_list: bool,
}

impl ContextEntry {
    /// The entry's value as it was given: a list, or its single value.
    pub(crate) fn value(&self) -> ContextValue {
        if self.is_list {
            ContextValue::Multi(self.values.clone())
        } else {
            ContextValue::Single(self.values.first().cloned().unwrap_or_default())
        }
    }

    /// True when the entry is a null data set: every value is the empty string, or there is
    /// none (S-8).
    pub(crate) fn is_null_set(&self) -> bool {
        self.values.iter().all(String::is_empty)
    }

    /// The values seen by `ForAllValues`/`ForAnyValue` (empty for a null data set).
    pub(crate) fn set_values(&self) -> &[String] {
        if self.is_null_set() {
            &[]
        } else {
            &self.values
        }
    }
}

/// The request context: keys and values, keys case-insensitive.
#[derive(Debug, Clone, Default)]
pub struct Context {
    entries: Vec<ContextEntry>,
    /// Lowercase key → index in `entries`.
    index: HashMap<String, usize>,
}

impl PartialEq for Context {
    fn eq(&self, other: &Context) -> bool {
        self.entries == other.entries
    }
}

impl Eq for Context {}

impl Hash for Context {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.entries.hash(state);
    }
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// Adds a key. A key already present in another case is an error (S-20).
    pub fn insert(&mut self, key: &str, value: ContextValue) -> Result<(), RequestError> {
        if key.is_empty() {
            return Err(req_err("context", "empty context key"));
        }
        let key_lower = key.to_lowercase();
        if let Some(prev) = self
            .index
            .get(&key_lower)
            .and_then(|i| self.entries.get(*i))
        {
            return Err(req_err(
                "context",
                format!(
                    "keys `{}` and `{key}` differ only in case; context keys are case-insensitive",
                    prev.key
                ),
            ));
        }
        let (values, is_list) = match value {
            ContextValue::Single(v) => (vec![v], false),
            ContextValue::Multi(v) => (v, true),
        };
        self.index.insert(key_lower.clone(), self.entries.len());
        self.entries.push(ContextEntry {
            key: key.to_owned(),
            key_lower,
            values,
            is_list,
        });
        Ok(())
    }

    /// Looks a key up by its lowercase form.
    pub fn get(&self, key_lower: &str) -> Option<&ContextEntry> {
        self.index.get(key_lower).and_then(|i| self.entries.get(*i))
    }

    /// All entries, in insertion order.
    pub fn entries(&self) -> &[ContextEntry] {
        &self.entries
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request {
    action: String,
    /// Lowercase `service:name`.
    action_lower: String,
    /// Length of the service prefix in `action_lower`.
    service_len: usize,
    /// The resource ARN, or `*` for actions with no resource type.
    pub resource: String,
    /// The calling principal's ARN, if known.
    pub principal: Option<String>,
    /// The account that owns the resource, if given (else taken from the resource ARN).
    pub account: Option<String>,
    /// The request context.
    pub context: Context,
}

impl Request {
    /// A request for `action` (`service:Name`, any case) on `resource` (S-22).
    pub fn new(action: &str, resource: &str) -> Result<Request, RequestError> {
        let Some((service, name)) = action.split_once(':') else {
            return Err(req_err(
                "action",
                format!("`{}` is not of the form `service:Action`", excerpt(action)),
            ));
        };
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if !valid(service) || !valid(name) {
            return Err(req_err(
                "action",
                format!("`{}` is not a valid action name", excerpt(action)),
            ));
        }
        if resource.is_empty() {
            return Err(req_err(
                "resource",
                "empty resource; use `*` for actions with no resource type",
            ));
        }
        Ok(Request {
            action: action.to_owned(),
            action_lower: action.to_ascii_lowercase(),
            service_len: service.len(),
            resource: resource.to_owned(),
            principal: None,
            account: None,
            context: Context::new(),
        })
    }

    /// The action as given.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The action's service prefix, lowercase.
    pub(crate) fn service_lower(&self) -> &str {
        self.action_lower.get(..self.service_len).unwrap_or("")
    }

    /// The action's name, lowercase.
    pub(crate) fn name_lower(&self) -> &str {
        self.action_lower.get(self.service_len + 1..).unwrap_or("")
    }

    /// The action, lowercase: `service:name`.
    pub fn action_lower(&self) -> &str {
        &self.action_lower
    }

    /// The account that owns the resource: `account` if given, else the resource ARN's account.
    pub(crate) fn resource_account(&self) -> Option<&str> {
        if let Some(a) = &self.account {
            return Some(a);
        }
        split_arn(&self.resource)
            .and_then(|p| p.get(4).copied())
            .filter(|a| !a.is_empty())
    }

    /// The principal's account, from its ARN.
    pub fn principal_account(&self) -> Option<&str> {
        self.principal
            .as_deref()
            .and_then(split_arn)
            .and_then(|p| p.get(4).copied())
            .filter(|a| !a.is_empty())
    }

    /// True when principal and resource accounts are both known and differ (S-27), for the resource
    /// actually evaluated (`*` for wildcard-only actions, whose resource account is then only the
    /// `account` field, S-28).
    pub(crate) fn is_cross_account_for(&self, evaluated_resource: &str) -> bool {
        let resource_account = match &self.account {
            Some(a) => Some(a.as_str()),
            None => split_arn(evaluated_resource)
                .and_then(|p| p.get(4).copied())
                .filter(|a| !a.is_empty()),
        };
        match (self.principal_account(), resource_account) {
            (Some(p), Some(r)) => p != r,
            _ => false,
        }
    }
}
