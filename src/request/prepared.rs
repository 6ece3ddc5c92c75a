//! Prepared requests: a request with everything a compiled evaluation needs worked out once —
//! the action's dense id, the evaluated resource and its ARN segments, interned key ids and a slot
//! table from id to entry, and every context value parsed as a number, date, boolean and IP
//! address. Entries keep a single value inline, so a request's context is one allocation, plus one
//! for each value that reads as a number, date or IP address (those forms sit behind a box).
//!
//! A prepared request is independent of any compiled set, so one preparation serves every
//! principal of an audit; evaluating it never allocates.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;

use crate::catalog::{ActionId, Catalog};
use crate::condition::{Decimal, Instant, boolean, ip};
use crate::request::Request;
use crate::request::arn::{PArn, arn_segments};
use crate::request::keys::{KeySlots, UNKNOWN, interned_count, key_hash, lookup_key_id};

/// One context value, parsed once every way a hot operator reads it (numbers, dates, booleans,
/// IP addresses). ARN and base64 forms are worked out when an ARN or binary operator reads the
/// value, so preparing a value allocates nothing unless it parses as a number, date or address.
///
/// Kept small (40 bytes): an audit decides millions of requests, so the bytes a decision reads
/// decide how many prepared requests stay in cache. The number, date and address forms are rare
/// (most values are names, ARNs, regions or booleans) and live behind one box.
#[derive(Debug, Clone)]
pub(crate) struct PValue<'r> {
    /// The text.
    pub(crate) text: Cow<'r, str>,
    /// The number, date and IP forms, when the text has any of them.
    typed: Option<Box<Typed>>,
    /// As a boolean (S-9).
    pub(crate) boolean: Option<bool>,
}

/// A value's rarer forms.
#[derive(Debug, Clone, Default)]
struct Typed {
    /// As a decimal (S-10).
    dec: Option<Decimal>,
    /// As an instant (S-11).
    date: Option<Instant>,
    /// As an IP address (S-12).
    ip: Option<IpAddr>,
}

impl<'r> PValue<'r> {
    fn new(text: Cow<'r, str>) -> PValue<'r> {
        // Decimals, epoch seconds and ISO dates start with a digit or a sign; IP addresses with a
        // hex digit or `:`. Most values (names, ARNs, regions) are none of them and skip the
        // parsers, which would refuse them anyway.
        let first = text.as_bytes().first().copied().unwrap_or(b' ');
        let numeric = first.is_ascii_digit() || first == b'+' || first == b'-';
        let typed = Typed {
            dec: if numeric { Decimal::parse(&text) } else { None },
            date: if numeric { Instant::parse(&text) } else { None },
            ip: if first.is_ascii_hexdigit() || first == b':' {
                ip::parse_request_ip(&text)
            } else {
                None
            },
        };
        let any = typed.dec.is_some() || typed.date.is_some() || typed.ip.is_some();
        PValue {
            typed: any.then(|| Box::new(typed)),
            boolean: boolean::parse_bool(&text),
            text,
        }
    }

    /// The value as a decimal (S-10).
    #[inline]
    pub(crate) fn dec(&self) -> Option<Decimal> {
        self.typed.as_ref().and_then(|t| t.dec)
    }

    /// The value as an instant (S-11).
    #[inline]
    pub(crate) fn date(&self) -> Option<Instant> {
        self.typed.as_ref().and_then(|t| t.date)
    }

    /// The value as an IP address (S-12).
    #[inline]
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.typed.as_ref().and_then(|t| t.ip)
    }

    /// The value as an ARN with its segments, if it is one (S-14).
    pub(crate) fn arn(&self) -> Option<PArn<'_>> {
        arn_segments(&self.text).map(|segs| PArn::new(&self.text, segs))
    }
}

/// An entry's values: one inline (the common case, so an entry and its value sit in the one
/// allocation that holds the request's entries), or a list.
#[derive(Debug, Clone)]
pub(crate) enum PValues<'r> {
    /// A single value.
    One(PValue<'r>),
    /// Any number of values.
    Many(Vec<PValue<'r>>),
}

/// One context key of a prepared request.
#[derive(Debug, Clone)]
pub(crate) struct PEntry<'r> {
    /// Interned id of the lowercase key, or [`UNKNOWN`] when no compiled set had interned it
    /// when the request was prepared (then the key is matched by name).
    pub(crate) id: u64,
    /// The lowercase key.
    pub(crate) key: Cow<'r, str>,
    /// Given as a list, or typed `ArrayOf…` in the catalog (S-3).
    pub(crate) multivalued: bool,
    /// Every value is the empty string, or there is none (S-8).
    pub(crate) null_set: bool,
    /// The values.
    pub(crate) values: PValues<'r>,
}

impl<'r> PEntry<'r> {
    /// Prepares `entry` under key id `id`, its text through `text`.
    fn new(
        id: u64,
        key: Cow<'r, str>,
        multivalued: bool,
        entry: &'r crate::request::ContextEntry,
        text: impl Fn(&'r String) -> Cow<'r, str>,
    ) -> PEntry<'r> {
        let values = match entry.values.as_slice() {
            [one] => PValues::One(PValue::new(text(one))),
            many => PValues::Many(many.iter().map(|v| PValue::new(text(v))).collect()),
        };
        PEntry {
            id,
            key,
            multivalued,
            null_set: entry.is_null_set(),
            values,
        }
    }

    /// The values, in order.
    #[inline]
    pub(crate) fn values(&self) -> &[PValue<'r>] {
        match &self.values {
            PValues::One(v) => std::slice::from_ref(v),
            PValues::Many(v) => v,
        }
    }

    /// The first value.
    #[inline]
    pub(crate) fn first(&self) -> Option<&PValue<'r>> {
        match &self.values {
            PValues::One(v) => Some(v),
            PValues::Many(v) => v.first(),
        }
    }
}

/// A request prepared for compiled evaluation. It borrows the request's text.
///
/// Laid out for the decision path: the fields every decision reads (catalog generation, action
/// id, key slots, entries, cross-account gate) come first, in the first 64 bytes, and the struct
/// starts on a cache line, so a decision on a request that is not in cache misses on one line
/// for them, not on the two or three they were spread over.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct PreparedRequest<'r> {
    /// Generation of the catalog the request was prepared with.
    pub(crate) catalog_generation: u64,
    /// Dense id in that catalog.
    pub(crate) action_id: Option<ActionId>,
    /// Entry index by key id.
    pub(crate) keys: KeySlots,
    /// Context entries, in request order.
    pub(crate) entries: Box<[PEntry<'r>]>,
    /// The cross-account gate (S-27).
    pub(crate) cross_account: bool,
    /// Lowercase `service:name`.
    pub(crate) action: &'r str,
    /// Length of the service prefix in `action`.
    pub(crate) service_len: usize,
    /// [`key_hash`] of `action`: where a compiled set keeps the plan of an action outside the
    /// catalog.
    pub(crate) action_hash: u64,
    /// The resource evaluated against (`*` for wildcard-only actions, S-28).
    pub(crate) resource: &'r str,
    /// `resource` split into its segments, when it is an ARN.
    pub(crate) resource_arn: Option<PArn<'r>>,
}

/// Context entries that belong to the principal rather than the request (`aws:PrincipalTag/…`,
/// `aws:username`, `aws:PrincipalArn`, …), prepared once per principal and consulted after the
/// request's own entries.
#[derive(Debug, Clone, Default)]
pub struct PreparedContext {
    pub(crate) entries: Vec<PEntry<'static>>,
    /// Entry index by key id.
    pub(crate) keys: KeySlots,
}

impl PreparedContext {
    /// Prepares a context (multivalued keys per `catalog`).
    pub fn new(context: &crate::request::Context, catalog: &Catalog) -> PreparedContext {
        let known = interned_count();
        let entries: Vec<PEntry<'static>> = context
            .entries()
            .iter()
            .map(|e| {
                into_owned(PEntry::new(
                    lookup_key_id(&e.key_lower).unwrap_or(UNKNOWN),
                    Cow::Borrowed(e.key_lower.as_str()),
                    e.is_list || catalog.is_multivalued(&e.key_lower),
                    e,
                    |v| Cow::Borrowed(v.as_str()),
                ))
            })
            .collect();
        let keys = KeySlots::new(entries.iter().map(|e| e.id), known);
        PreparedContext { entries, keys }
    }

    /// The entry for a key (interned id, name for keys unknown at preparation).
    #[inline]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<&PEntry<'static>> {
        let i = self
            .keys
            .find(id, key, &self.entries, |e| (e.id, e.key.as_ref()))?;
        self.entries.get(i)
    }
}

/// A prepared entry that owns its text.
fn into_owned(e: PEntry<'_>) -> PEntry<'static> {
    let value = |v: PValue<'_>| PValue {
        text: Cow::Owned(v.text.into_owned()),
        typed: v.typed,
        boolean: v.boolean,
    };
    PEntry {
        id: e.id,
        key: Cow::Owned(e.key.into_owned()),
        multivalued: e.multivalued,
        null_set: e.null_set,
        values: match e.values {
            PValues::One(v) => PValues::One(value(v)),
            PValues::Many(vs) => PValues::Many(vs.into_iter().map(value).collect()),
        },
    }
}

/// What compiled matching reads: a prepared request and, for audits, the principal's entries.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvalCtx<'r> {
    /// The request.
    pub(crate) req: &'r PreparedRequest<'r>,
    /// The principal's entries (none when the request carries everything).
    pub(crate) principal: Option<&'r PreparedContext>,
}

impl<'r> EvalCtx<'r> {
    /// A request decided for a principal whose own entries are `principal`.
    pub(crate) fn with_principal(
        req: &'r PreparedRequest<'r>,
        principal: &'r PreparedContext,
    ) -> Self {
        EvalCtx {
            req,
            principal: Some(principal),
        }
    }

    /// The context entry for a key: the request's, else the principal's.
    #[inline]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<&'r PEntry<'r>> {
        match self.req.entry(id, key) {
            Some(e) => Some(e),
            None => self.principal?.entry(id, key),
        }
    }

    /// A policy variable's value: single-valued keys only (S-17).
    #[inline]
    pub(crate) fn variable(&self, id: u64, key: &str) -> Option<&'r str> {
        let e = self.entry(id, key)?;
        if e.multivalued {
            return None;
        }
        e.first().map(|v| &*v.text)
    }

    /// The evaluated resource as an ARN, if it is one.
    #[inline]
    pub(crate) fn resource_arn(&self) -> Option<&'r PArn<'r>> {
        self.req.resource_arn.as_ref()
    }
}

/// Prepares many requests, caching what they share: the action's catalog lookups (consecutive
/// requests usually share their action) and each key's hash and multivalued flag.
pub struct Preparer<'c> {
    catalog: &'c Catalog,
    last_action: Option<(String, Option<ActionId>, bool, u64)>,
    keys: HashMap<String, (u64, bool)>,
    /// [`interned_count`] when `keys` was started: its ids are valid for requests whose
    /// watermark is this (see [`KeySlots`]).
    keys_known: u64,
}

impl<'c> Preparer<'c> {
    /// A preparer for `catalog`.
    pub fn new(catalog: &'c Catalog) -> Preparer<'c> {
        Preparer {
            catalog,
            last_action: None,
            keys: HashMap::new(),
            keys_known: 0,
        }
    }

    /// Prepares one request.
    pub fn prepare<'r>(&mut self, request: &'r Request) -> PreparedRequest<'r> {
        let catalog = self.catalog;
        // Keys interned since the cache was started may be cached as unknown: start again.
        let known = interned_count();
        if known != self.keys_known {
            self.keys.clear();
            self.keys_known = known;
        }
        let mut keys = std::mem::take(&mut self.keys);
        let prepared = self.prepare_with(request, known, |key| {
            Some(match keys.get(key) {
                Some(k) => *k,
                None => {
                    let k = (
                        lookup_key_id(key).unwrap_or(UNKNOWN),
                        catalog.is_multivalued(key),
                    );
                    keys.insert(key.to_owned(), k);
                    k
                }
            })
        });
        self.keys = keys;
        prepared
    }

    /// Prepares one request, resolving each lowercase key to its interned id and catalog
    /// multivalued flag with `key_info`, whose ids were looked up when [`interned_count`] was
    /// `known` or later.
    fn prepare_with<'r>(
        &mut self,
        request: &'r Request,
        known: u64,
        key_info: impl FnMut(&str) -> Option<(u64, bool)>,
    ) -> PreparedRequest<'r> {
        let catalog = self.catalog;
        let action = request.action_lower();
        let info = match &self.last_action {
            Some((a, id, w, h)) if a == action => (*id, *w, *h),
            _ => {
                let info = action_info(catalog, action);
                self.last_action = Some((action.to_owned(), info.0, info.1, info.2));
                info
            }
        };
        assemble(request, catalog, info, known, key_info)
    }
}

/// An action's catalog id, whether it is wildcard-only, and its hash.
fn action_info(catalog: &Catalog, action: &str) -> (Option<ActionId>, bool, u64) {
    let id = catalog.action_id(action);
    let wildcard_only = id
        .and_then(|id| catalog.action_by_id(id))
        .is_some_and(|a| a.is_wildcard_only());
    (id, wildcard_only, key_hash(action))
}

/// Builds a prepared request from its action's [`action_info`], keeping the context keys
/// `key_info` gives an id and multivalued flag for (ids looked up when [`interned_count`] was
/// `known` or later).
fn assemble<'r>(
    request: &'r Request,
    catalog: &Catalog,
    (action_id, wildcard_only, action_hash): (Option<ActionId>, bool, u64),
    known: u64,
    mut key_info: impl FnMut(&str) -> Option<(u64, bool)>,
) -> PreparedRequest<'r> {
    let resource: &'r str = if wildcard_only {
        "*"
    } else {
        &request.resource
    };
    let mut entries = Vec::with_capacity(request.context.len());
    for e in request.context.entries() {
        let Some((id, catalog_multi)) = key_info(&e.key_lower) else {
            continue;
        };
        entries.push(PEntry::new(
            id,
            Cow::Borrowed(&e.key_lower),
            e.is_list || catalog_multi,
            e,
            |v| Cow::Borrowed(v.as_str()),
        ));
    }
    let keys = KeySlots::new(entries.iter().map(|e| e.id), known);
    PreparedRequest {
        service_len: request.service_lower().len(),
        action: request.action_lower(),
        action_hash,
        action_id,
        catalog_generation: catalog.generation(),
        resource_arn: arn_segments(resource).map(|segs| PArn::new(resource, segs)),
        cross_account: request.is_cross_account_for(resource),
        resource,
        entries: entries.into_boxed_slice(),
        keys,
    }
}

impl<'r> PreparedRequest<'r> {
    /// Prepares `request` using `catalog` for action ids, wildcard-only actions and multivalued
    /// keys. To prepare many requests, a [`Preparer`] reuses the lookups.
    pub fn new(request: &'r Request, catalog: &Catalog) -> PreparedRequest<'r> {
        Self::new_with_keys(request, catalog, None, |key| {
            Some(lookup_key_id(key).unwrap_or(UNKNOWN))
        })
    }

    /// As [`new`](Self::new), keeping only the context keys (lowercase) `key_id` gives an
    /// interned id for: for a request decided by one compiled set, the keys that set reads,
    /// with the ids it interned.
    /// `action`: the action's catalog id and whether it is wildcard-only, when the caller
    /// knows them.
    pub(crate) fn new_with_keys(
        request: &'r Request,
        catalog: &Catalog,
        action: Option<(Option<ActionId>, bool)>,
        key_id: impl Fn(&str) -> Option<u64>,
    ) -> PreparedRequest<'r> {
        // One request: look the action up directly rather than filling caches nobody reuses.
        let name = request.action_lower();
        let info = match action {
            Some((id, wildcard_only)) => (id, wildcard_only, key_hash(name)),
            None => action_info(catalog, name),
        };
        assemble(request, catalog, info, interned_count(), |key| {
            key_id(key).map(|id| (id, catalog.is_multivalued(key)))
        })
    }

    /// The context entry for a key (interned id, name for keys unknown at preparation).
    #[inline]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<&PEntry<'r>> {
        let i = self
            .keys
            .find(id, key, &self.entries, |e| (e.id, e.key.as_ref()))?;
        self.entries.get(i)
    }

    /// A view for compiled matching, with no principal entries.
    pub(crate) fn ctx(&self) -> EvalCtx<'_> {
        EvalCtx {
            req: self,
            principal: None,
        }
    }

    /// The evaluated resource.
    pub fn resource(&self) -> &str {
        self.resource
    }

    /// The action's lowercase service prefix and name.
    pub(crate) fn action_parts(&self) -> (&str, &str) {
        let (s, n) = self
            .action
            .split_at(self.service_len.min(self.action.len()));
        (s, n.get(1..).unwrap_or(""))
    }

    /// The lowercase action.
    pub fn action(&self) -> &str {
        self.action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_parsers_would_have_refused() {
        // The first-byte checks in `PValue::new` only skip values the parsers refuse.
        let samples = [
            "",
            " 1",
            "x1",
            "+1",
            "-1.5",
            "1",
            "01.20",
            ".5",
            "2026-11-25T10:00:00Z",
            "2026",
            "1764064800",
            "-",
            "+",
            "::1",
            "fe80::1",
            "10.0.0.1",
            "a:b::",
            "g::1",
            "[::1]",
            "true",
            "False",
            "us-east-1",
            "arn:aws:s3:::b",
            "Ab::1",
            "1.2.3.4/8",
        ];
        for text in samples {
            let v = PValue::new(Cow::Borrowed(text));
            assert_eq!(v.dec(), Decimal::parse(text), "{text:?}");
            assert_eq!(v.date(), Instant::parse(text), "{text:?}");
            assert_eq!(v.ip(), ip::parse_request_ip(text), "{text:?}");
            assert_eq!(v.boolean, boolean::parse_bool(text), "{text:?}");
        }
        for b in 0..=255u8 {
            let text = format!("{}1:2::3", char::from(b));
            if !text.is_char_boundary(1) {
                continue;
            }
            let v = PValue::new(Cow::Borrowed(text.as_str()));
            assert_eq!(v.ip(), ip::parse_request_ip(&text), "{text:?}");
            assert_eq!(v.dec(), Decimal::parse(&text), "{text:?}");
            assert_eq!(v.date(), Instant::parse(&text), "{text:?}");
        }
    }
}
