//! Prepared requests: a request with everything a compiled evaluation needs worked out once —
//! the action's dense id, the evaluated resource and its ARN segments, key hashes, and every context
//! value parsed as a number, date, boolean, IP address, base64 and ARN.
//!
//! A prepared request is independent of any compiled set, so one preparation serves every
//! principal of an audit; evaluating it never allocates.

use std::net::IpAddr;

use crate::catalog::{ActionId, Catalog};
use crate::compile::arn::{ArnSegs, PArn, arn_segments};
use crate::compile::keys::key_hash;
use crate::condition::{Decimal, Instant, binary, boolean, ip};
use crate::eval::request::Request;

/// One context value, parsed every way an operator might read it.
#[derive(Debug, Clone)]
pub struct PValue {
    /// The text.
    pub text: String,
    /// As a decimal (S-10).
    pub dec: Option<Decimal>,
    /// As an instant (S-11).
    pub date: Option<Instant>,
    /// As a boolean (S-9).
    pub boolean: Option<bool>,
    /// As an IP address (S-12).
    pub ip: Option<IpAddr>,
    /// As base64 bytes (S-13).
    pub bin: Option<Vec<u8>>,
    /// As an ARN (S-14).
    pub arn: Option<ArnSegs>,
}

impl PValue {
    fn new(text: &str) -> PValue {
        PValue {
            text: text.to_owned(),
            dec: Decimal::parse(text),
            date: Instant::parse(text),
            boolean: boolean::parse_bool(text),
            ip: ip::parse_request_ip(text),
            bin: binary::decode_base64(text),
            arn: arn_segments(text),
        }
    }
}

/// One context key of a prepared request.
#[derive(Debug, Clone)]
pub struct PEntry {
    /// Hash of the lowercase key.
    pub hash: u64,
    /// The lowercase key.
    pub key: String,
    /// Given as a list, or typed `ArrayOf…` in the catalog (S-3).
    pub multivalued: bool,
    /// A single empty string or an empty list (S-8).
    pub null_set: bool,
    /// The values.
    pub values: Vec<PValue>,
}

/// A request prepared for compiled evaluation.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// Lowercase `service:name`.
    pub(crate) action: String,
    /// Length of the service prefix in `action`.
    pub(crate) service_len: usize,
    /// Dense id in the catalog the request was prepared with.
    pub(crate) action_id: Option<ActionId>,
    /// Generation of that catalog.
    pub(crate) catalog_generation: u64,
    /// The resource evaluated against (`*` for wildcard-only actions, S-28).
    pub(crate) resource: String,
    /// Segments of `resource` when it is an ARN.
    pub(crate) resource_segs: Option<ArnSegs>,
    /// The cross-account gate (S-27).
    pub(crate) cross_account: bool,
    /// Context entries, in request order.
    pub(crate) entries: Vec<PEntry>,
}

/// Context entries that belong to the principal rather than the request (`aws:PrincipalTag/…`,
/// `aws:username`, `aws:PrincipalArn`, …), prepared once per principal and consulted after the
/// request's own entries.
#[derive(Debug, Clone, Default)]
pub struct PreparedContext {
    pub(crate) entries: Vec<PEntry>,
}

impl PreparedContext {
    /// No principal entries.
    pub fn empty() -> PreparedContext {
        PreparedContext::default()
    }

    /// Prepares a context (multivalued keys per `catalog`).
    pub fn new(context: &crate::eval::request::Context, catalog: &Catalog) -> PreparedContext {
        PreparedContext {
            entries: prepare_entries(context, catalog),
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn prepare_entries(context: &crate::eval::request::Context, catalog: &Catalog) -> Vec<PEntry> {
    context
        .entries()
        .iter()
        .map(|e| PEntry {
            hash: key_hash(&e.key_lower),
            key: e.key_lower.clone(),
            multivalued: e.is_list || catalog.is_multivalued(&e.key_lower),
            null_set: e.is_null_set(),
            values: e.values.iter().map(|v| PValue::new(v)).collect(),
        })
        .collect()
}

/// What compiled matching reads: a prepared request and, for audits, the principal's entries.
#[derive(Debug, Clone, Copy)]
pub struct EvalCtx<'r> {
    /// The request.
    pub req: &'r PreparedRequest,
    /// The principal's entries (empty when the request carries everything).
    pub principal: &'r [PEntry],
}

impl<'r> EvalCtx<'r> {
    /// The context entry for a key: the request's, else the principal's.
    #[inline]
    pub fn entry(&self, hash: u64, key: &str) -> Option<&'r PEntry> {
        let find = |entries: &'r [PEntry]| entries.iter().find(|e| e.hash == hash && e.key == key);
        find(&self.req.entries).or_else(|| find(self.principal))
    }

    /// A policy variable's value: single-valued keys only (S-17).
    #[inline]
    pub fn variable(&self, hash: u64, key: &str) -> Option<&'r str> {
        let e = self.entry(hash, key)?;
        if e.multivalued {
            return None;
        }
        e.values.first().map(|v| v.text.as_str())
    }

    /// The evaluated resource as an ARN, if it is one.
    #[inline]
    pub fn resource_arn(&self) -> Option<PArn<'r>> {
        self.req
            .resource_segs
            .map(|s| PArn::new(&self.req.resource, s))
    }
}

impl PreparedRequest {
    /// Prepares `request` using `catalog` for action ids, wildcard-only actions and multivalued
    /// keys.
    pub fn new(request: &Request, catalog: &Catalog) -> PreparedRequest {
        let action = format!("{}:{}", request.service_lower(), request.name_lower());
        let action_id = catalog.action_id(&action);
        let wildcard_only = action_id
            .and_then(|id| catalog.action_by_id(id))
            .is_some_and(|a| a.is_wildcard_only());
        let resource = if wildcard_only {
            "*".to_owned()
        } else {
            request.resource.clone()
        };
        let entries = prepare_entries(&request.context, catalog);
        PreparedRequest {
            service_len: request.service_lower().len(),
            action,
            action_id,
            catalog_generation: catalog.generation(),
            resource_segs: arn_segments(&resource),
            cross_account: request.is_cross_account_for(&resource),
            resource,
            entries,
        }
    }

    /// The context entry for a key (hash, then name to confirm).
    pub fn entry(&self, hash: u64, key: &str) -> Option<&PEntry> {
        self.entries.iter().find(|e| e.hash == hash && e.key == key)
    }

    /// A view for compiled matching, with no principal entries.
    pub fn ctx(&self) -> EvalCtx<'_> {
        EvalCtx {
            req: self,
            principal: &[],
        }
    }

    /// The evaluated resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The action's lowercase service prefix and name.
    pub fn action_parts(&self) -> (&str, &str) {
        let (s, n) = self
            .action
            .split_at(self.service_len.min(self.action.len()));
        (s, n.get(1..).unwrap_or(""))
    }

    /// The lowercase action.
    pub fn action(&self) -> &str {
        &self.action
    }
}
