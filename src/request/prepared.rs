//! Prepared requests: a request with everything a compiled evaluation needs worked out once —
//! the action's dense id, the evaluated resource and its ARN segments, interned key ids and a slot
//! table from id to entry, and every context value parsed as a number, date, boolean and IP
//! address. Values are shared: a [`Preparer`] keeps one parsed [`PValue`] per distinct text, and
//! a request's context is three small arrays (slots, spans, pointers to values) plus the key
//! names, which only the slow path reads.
//!
//! A prepared request is independent of any compiled set, so one preparation serves every
//! principal of an audit; evaluating it never allocates.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::catalog::{ActionId, Catalog};
use crate::condition::{Decimal, Instant, boolean, ip};
use crate::hash::FastHash;
use crate::request::Request;
use crate::request::arn::{PArn, arn_segments};
use crate::request::keys::{KeySlots, UNKNOWN, interned_count, key_hash, lookup_key_id};

/// One distinct context value, parsed once every way a hot operator reads it (numbers, dates,
/// booleans, IP addresses). ARN and base64 forms are worked out when an ARN or binary operator
/// reads the value.
///
/// Shared: a [`Preparer`] keeps one `PValue` per distinct text and every request it prepares
/// points at it (an audit's requests repeat a few hundred values millions of times). So a
/// prepared request's context is a few small arrays of indexes and pointers, the values a
/// decision reads stay in cache, and each distinct text is parsed once.
#[derive(Debug)]
pub(crate) struct PValue {
    /// The text.
    text: Box<str>,
    /// As a boolean (S-9).
    boolean: Option<bool>,
    /// As a decimal (S-10).
    dec: Option<Decimal>,
    /// As an instant (S-11).
    date: Option<Instant>,
    /// As an IP address (S-12).
    ip: Option<IpAddr>,
}

impl PValue {
    fn new(text: &str) -> PValue {
        // Decimals, epoch seconds and ISO dates start with a digit or a sign; IP addresses with a
        // hex digit or `:`. Most values (names, ARNs, regions) are none of them and skip the
        // parsers, which would refuse them anyway.
        let first = text.as_bytes().first().copied().unwrap_or(b' ');
        let numeric = first.is_ascii_digit() || first == b'+' || first == b'-';
        PValue {
            boolean: boolean::parse_bool(text),
            dec: if numeric { Decimal::parse(text) } else { None },
            date: if numeric { Instant::parse(text) } else { None },
            ip: if first.is_ascii_hexdigit() || first == b':' {
                ip::parse_request_ip(text)
            } else {
                None
            },
            text: text.into(),
        }
    }

    /// The text.
    #[inline]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The value as a boolean (S-9).
    #[inline]
    pub(crate) fn boolean(&self) -> Option<bool> {
        self.boolean
    }

    /// The value as a decimal (S-10).
    #[inline]
    pub(crate) fn dec(&self) -> Option<Decimal> {
        self.dec
    }

    /// The value as an instant (S-11).
    #[inline]
    pub(crate) fn date(&self) -> Option<Instant> {
        self.date
    }

    /// The value as an IP address (S-12).
    #[inline]
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The value as an ARN with its segments, if it is one (S-14).
    pub(crate) fn arn(&self) -> Option<PArn<'_>> {
        arn_segments(&self.text).map(|segs| PArn::new(&self.text, segs))
    }
}

/// Distinct values seen by a [`Preparer`], by text.
#[derive(Debug, Default)]
struct ValuePool {
    by_text: HashMap<Shared, (), FastHash>,
}

/// A pooled value, hashed and compared by its text (so the pool is looked up with a `&str`).
#[derive(Debug, Clone)]
struct Shared(Arc<PValue>);

impl PartialEq for Shared {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Shared {}

impl std::hash::Hash for Shared {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.text.hash(state);
    }
}

impl std::borrow::Borrow<str> for Shared {
    fn borrow(&self) -> &str {
        &self.0.text
    }
}

/// More distinct values than this and the pool starts again (requests keep the values they
/// point at): a stream of unique values must not grow it without end.
const POOL_MAX: usize = 1 << 16;

impl ValuePool {
    /// The pooled value with `text`, added when new.
    fn get(&mut self, text: &str) -> Arc<PValue> {
        if let Some((v, ())) = self.by_text.get_key_value(text) {
            return Arc::clone(&v.0);
        }
        if self.by_text.len() >= POOL_MAX {
            self.by_text.clear();
        }
        let v = Arc::new(PValue::new(text));
        self.by_text.insert(Shared(Arc::clone(&v)), ());
        v
    }
}

/// Where one entry's values are in [`Entries`]' value array, and the two facts about the entry
/// every operator reads.
#[derive(Debug, Clone, Copy)]
struct Span {
    /// Index of the first value.
    start: u32,
    /// How many values.
    len: u32,
    /// Given as a list, or typed `ArrayOf…` in the catalog (S-3).
    multivalued: bool,
    /// Every value is the empty string, or there is none (S-8).
    null_set: bool,
}

/// One context entry, as a decision reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PEntry<'e> {
    /// Given as a list, or typed `ArrayOf…` in the catalog (S-3).
    pub(crate) multivalued: bool,
    /// Every value is the empty string, or there is none (S-8).
    pub(crate) null_set: bool,
    /// The values, in order.
    values: &'e [Arc<PValue>],
}

impl<'e> PEntry<'e> {
    /// The values, in order.
    #[inline]
    pub(crate) fn values(&self) -> &'e [Arc<PValue>] {
        self.values
    }

    /// The first value.
    #[inline]
    pub(crate) fn first(&self) -> Option<&'e PValue> {
        self.values.first().map(|v| &**v)
    }
}

/// The context entries of a prepared request or principal, as a decision reads them: a slot
/// table from key id to entry, each entry's [`Span`], and the values (pointers into the pool).
/// Each entry's key id and name, read only when a key was unknown at preparation, are kept
/// apart in [`Names`].
#[derive(Debug, Clone, Default)]
#[repr(C)]
pub(crate) struct Entries {
    /// Entry index by key id.
    keys: KeySlots,
    /// Per entry, in request order.
    spans: Box<[Span]>,
    /// Every entry's values, entry after entry.
    values: Box<[Arc<PValue>]>,
}

/// Per entry of an [`Entries`]: the interned key id ([`UNKNOWN`] when no compiled set had
/// interned it at preparation, then it is matched by name) and the lowercase key.
pub(crate) type Names<'r> = Box<[(u64, Cow<'r, str>)]>;

impl Entries {
    /// The entries of `context` that `key_info` gives an id and catalog multivalued flag for
    /// (ids looked up when [`interned_count`] was `known` or later), their values from `value`
    /// and their names from `key`.
    fn build<'c, 'r>(
        context: &'c crate::request::Context,
        known: u64,
        mut key_info: impl FnMut(&str) -> Option<(u64, bool)>,
        mut value: impl FnMut(&str) -> Arc<PValue>,
        key: impl Fn(&'c str) -> Cow<'r, str>,
    ) -> (Entries, Names<'r>) {
        let n = context.len();
        let mut spans = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let count: usize = context.entries().iter().map(|e| e.values.len()).sum();
        let mut values = Vec::with_capacity(count);
        for e in context.entries() {
            let Some((id, catalog_multi)) = key_info(&e.key_lower) else {
                continue;
            };
            let (Ok(start), Ok(len)) = (u32::try_from(values.len()), u32::try_from(e.values.len()))
            else {
                // Over four billion values: the rest of the context cannot be indexed. Unreachable
                // for a request that fits in memory as JSON.
                break;
            };
            values.extend(e.values.iter().map(|v| value(v)));
            spans.push(Span {
                start,
                len,
                multivalued: e.is_list || catalog_multi,
                null_set: e.is_null_set(),
            });
            names.push((id, key(&e.key_lower)));
        }
        let entries = Entries {
            keys: KeySlots::new(names.iter().map(|(id, _)| *id), known),
            spans: spans.into_boxed_slice(),
            values: values.into_boxed_slice(),
        };
        (entries, names.into_boxed_slice())
    }

    /// The entry for a key (interned id, name for keys unknown at preparation), the entries'
    /// names being `names`.
    #[inline(always)]
    pub(crate) fn get(
        &self,
        names: &[(u64, Cow<'_, str>)],
        id: u64,
        key: &str,
    ) -> Option<PEntry<'_>> {
        // One span per name: the count comes from the hot array, so the fast path never reads
        // the names (they sit in a cold cache line of the request).
        let i = self.keys.find(id, key, self.spans.len(), |i| {
            names
                .get(i)
                .map_or((UNKNOWN, ""), |(id, name)| (*id, name.as_ref()))
        })?;
        let s = self.spans.get(i)?;
        let start = s.start as usize;
        Some(PEntry {
            multivalued: s.multivalued,
            null_set: s.null_set,
            values: self
                .values
                .get(start..start + s.len as usize)
                .unwrap_or(&[]),
        })
    }
}

/// A request prepared for compiled evaluation. It borrows the request's text.
///
/// Laid out for the decision path: the fields every decision reads (catalog generation, action
/// id, entries, cross-account gate, the resource's segments) come first, in the first three cache
/// lines, and the struct starts on a line; the key names and the action's and resource's text
/// follow.
#[derive(Debug, Clone)]
#[repr(C, align(64))]
pub struct PreparedRequest<'r> {
    /// Generation of the catalog the request was prepared with.
    pub(crate) catalog_generation: u64,
    /// Dense id in that catalog.
    pub(crate) action_id: Option<ActionId>,
    /// Context entries.
    pub(crate) entries: Entries,
    /// The cross-account gate (S-27).
    pub(crate) cross_account: bool,
    /// `resource` split into its segments, when it is an ARN.
    pub(crate) resource_arn: Option<PArn<'r>>,
    /// The context entries' key ids and names.
    pub(crate) names: Names<'r>,
    /// Lowercase `service:name`.
    pub(crate) action: &'r str,
    /// Length of the service prefix in `action`.
    pub(crate) service_len: usize,
    /// [`key_hash`] of `action`: where a compiled set keeps the plan of an action outside the
    /// catalog.
    pub(crate) action_hash: u64,
    /// The resource evaluated against (`*` for wildcard-only actions, S-28).
    pub(crate) resource: &'r str,
}

/// Context entries that belong to the principal rather than the request (`aws:PrincipalTag/…`,
/// `aws:username`, `aws:PrincipalArn`, …), prepared once per principal and consulted after the
/// request's own entries.
#[derive(Debug, Clone, Default)]
pub struct PreparedContext {
    pub(crate) entries: Entries,
    pub(crate) names: Names<'static>,
}

impl PreparedContext {
    /// Prepares a context (multivalued keys per `catalog`).
    pub fn new(context: &crate::request::Context, catalog: &Catalog) -> PreparedContext {
        let (entries, names) = Entries::build(
            context,
            interned_count(),
            |key| {
                Some((
                    lookup_key_id(key).unwrap_or(UNKNOWN),
                    catalog.is_multivalued(key),
                ))
            },
            |v| Arc::new(PValue::new(v)),
            |key| Cow::Owned(key.to_owned()),
        );
        PreparedContext { entries, names }
    }

    /// The entry for a key (interned id, name for keys unknown at preparation).
    #[inline(always)]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<PEntry<'_>> {
        self.entries.get(&self.names, id, key)
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
    #[inline(always)]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<PEntry<'r>> {
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
        e.first().map(PValue::text)
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
    /// The distinct values of the requests prepared so far.
    values: ValuePool,
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
            values: ValuePool::default(),
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
        let mut values = std::mem::take(&mut self.values);
        let prepared = self.prepare_with(
            request,
            known,
            |v| values.get(v),
            |key| {
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
            },
        );
        self.keys = keys;
        self.values = values;
        prepared
    }

    /// Prepares one request, resolving each lowercase key to its interned id and catalog
    /// multivalued flag with `key_info`, whose ids were looked up when [`interned_count`] was
    /// `known` or later.
    fn prepare_with<'r>(
        &mut self,
        request: &'r Request,
        known: u64,
        value: impl FnMut(&str) -> Arc<PValue>,
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
        assemble(request, catalog, info, known, value, key_info)
    }
}

/// Requests prepared together and laid out grouped by action (in order of first appearance),
/// within an action by resource and then by context values, with each one's position in the
/// input. Deciding a batch in this layout walks one action's plan for many requests in a row,
/// over memory in order, and neighbours share their resource's segments and most of their
/// values, so the branches of the plan walk, the ARN tests and the conditions mostly repeat (an
/// audit's per-action request space is laid out much the same way);
/// [`CompiledSet::evaluate_grouped`] writes the outcomes back in input order.
///
/// [`CompiledSet::evaluate_grouped`]: crate::CompiledSet::evaluate_grouped
#[derive(Debug, Clone, Default)]
pub struct PreparedBatch<'r> {
    /// The prepared requests, grouped by action.
    pub(crate) requests: Vec<PreparedRequest<'r>>,
    /// `positions[i]`: where `requests[i]` is in the input.
    pub(crate) positions: Vec<usize>,
}

impl<'r> PreparedBatch<'r> {
    /// How many requests.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// For each prepared request, in the batch's layout, its position in the input.
    pub fn positions(&self) -> &[usize] {
        &self.positions
    }

    /// The prepared request at input position `i`, if any (a scan: for tests and reports, not
    /// for the decision path).
    pub fn get(&self, i: usize) -> Option<&PreparedRequest<'r>> {
        let at = self.positions.iter().position(|&p| p == i)?;
        self.requests.get(at)
    }
}

impl<'c> Preparer<'c> {
    /// Prepares `requests` as a [`PreparedBatch`]: grouped by action, then by resource and
    /// context, in memory in the order they will be decided.
    pub fn prepare_batch<'r>(&mut self, requests: &'r [Request]) -> PreparedBatch<'r> {
        let mut group_of: HashMap<&str, usize, FastHash> = HashMap::default();
        let groups: Vec<usize> = requests
            .iter()
            .map(|r| {
                let next = group_of.len();
                *group_of.entry(r.action_lower()).or_insert(next)
            })
            .collect();
        let mut positions: Vec<usize> = (0..requests.len()).collect();
        // Stable: input order among requests with the same action, resource and context.
        let key = |i: usize| {
            (
                groups.get(i).copied().unwrap_or(usize::MAX),
                requests.get(i).map(|r| r.resource.as_str()),
            )
        };
        let ctx = |i: usize| {
            requests
                .get(i)
                .into_iter()
                .flat_map(|r| r.context.entries().iter().map(|e| &e.values))
        };
        positions.sort_by(|&a, &b| key(a).cmp(&key(b)).then_with(|| ctx(a).cmp(ctx(b))));
        let requests = positions
            .iter()
            .filter_map(|&i| requests.get(i))
            .map(|r| self.prepare(r))
            .collect();
        PreparedBatch {
            requests,
            positions,
        }
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
/// `known` or later), each value from `value`.
fn assemble<'r>(
    request: &'r Request,
    catalog: &Catalog,
    (action_id, wildcard_only, action_hash): (Option<ActionId>, bool, u64),
    known: u64,
    value: impl FnMut(&str) -> Arc<PValue>,
    key_info: impl FnMut(&str) -> Option<(u64, bool)>,
) -> PreparedRequest<'r> {
    let resource: &'r str = if wildcard_only {
        "*"
    } else {
        &request.resource
    };
    let (entries, names) = Entries::build(&request.context, known, key_info, value, Cow::Borrowed);
    PreparedRequest {
        service_len: request.service_lower().len(),
        action: request.action_lower(),
        action_hash,
        action_id,
        catalog_generation: catalog.generation(),
        resource_arn: arn_segments(resource).map(|segs| PArn::new(resource, segs)),
        cross_account: request.is_cross_account_for(resource),
        resource,
        entries,
        names,
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
        assemble(
            request,
            catalog,
            info,
            interned_count(),
            |v| Arc::new(PValue::new(v)),
            |key| key_id(key).map(|id| (id, catalog.is_multivalued(key))),
        )
    }

    /// The context entry for a key (interned id, name for keys unknown at preparation).
    #[inline(always)]
    pub(crate) fn entry(&self, id: u64, key: &str) -> Option<PEntry<'_>> {
        self.entries.get(&self.names, id, key)
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
    fn a_preparer_shares_each_distinct_value() {
        use crate::request::ContextValue;
        let catalog = Catalog::sagemaker_default();
        let region = crate::request::keys::key_id("aws:requestedregion");
        let request = |resource: &str, value: &str| {
            let mut r = Request::new("sagemaker:CreateTrainingJob", resource).unwrap();
            r.context
                .insert(
                    "aws:RequestedRegion",
                    ContextValue::Single(value.to_owned()),
                )
                .unwrap();
            r
        };
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:training-job/a";
        let (a, b, c) = (
            request(arn, "us-east-1"),
            request(&arn.replace("/a", "/b"), "us-east-1"),
            request(arn, "eu-west-1"),
        );
        let value = |p: &PreparedRequest<'_>| {
            let e = p.entry(region, "aws:requestedregion").unwrap();
            Arc::clone(&e.values()[0])
        };
        let mut preparer = Preparer::new(catalog);
        let (pa, pb, pc) = (
            preparer.prepare(&a),
            preparer.prepare(&b),
            preparer.prepare(&c),
        );
        assert!(Arc::ptr_eq(&value(&pa), &value(&pb)));
        assert!(!Arc::ptr_eq(&value(&pa), &value(&pc)));
        assert_eq!(value(&pc).text(), "eu-west-1");
        // Without a preparer, nothing is shared, and the values read the same.
        let (qa, qb) = (
            PreparedRequest::new(&a, catalog),
            PreparedRequest::new(&b, catalog),
        );
        assert!(!Arc::ptr_eq(&value(&qa), &value(&qb)));
        assert_eq!(value(&qa).text(), value(&pa).text());
    }

    #[test]
    fn a_batch_is_grouped_by_action_then_resource() {
        let catalog = Catalog::sagemaker_default();
        let actions = [
            "sagemaker:CreateTrainingJob",
            "sagemaker:ListModels",
            "sagemaker:createtrainingjob",
            "s3:GetObject",
            "sagemaker:ListModels",
        ];
        let requests: Vec<Request> = actions
            .iter()
            .enumerate()
            .map(|(i, a)| Request::new(a, &format!("arn:aws:s3:::b/{i}")).unwrap())
            .chain([
                Request::new("sagemaker:CreateTrainingJob", "arn:aws:s3:::a").unwrap(),
                Request::new("s3:GetObject", "arn:aws:s3:::b/3").unwrap(),
            ])
            .chain(["z", "y"].map(|user| {
                let mut r = Request::new("s3:GetObject", "arn:aws:s3:::b/3").unwrap();
                r.context
                    .insert(
                        "aws:username",
                        crate::request::ContextValue::Single(user.to_owned()),
                    )
                    .unwrap();
                r
            }))
            .collect();
        let batch = Preparer::new(catalog).prepare_batch(&requests);
        // Actions in order of first appearance; by resource within one, then by context; input
        // order among equals.
        assert_eq!(batch.positions(), &[5, 0, 2, 1, 4, 3, 6, 8, 7]);
        for (i, r) in requests.iter().enumerate() {
            let p = batch.get(i).unwrap();
            assert_eq!(p.action(), r.action().to_lowercase());
        }
        assert_eq!(
            batch.get(3).unwrap().resource(),
            "arn:aws:s3:::b/3",
            "each prepared request is its own input's"
        );
        assert!(batch.get(9).is_none());
        assert!(Preparer::new(catalog).prepare_batch(&[]).is_empty());
    }

    #[test]
    fn a_full_pool_starts_again_and_keeps_handed_out_values() {
        let mut pool = ValuePool::default();
        let first = pool.get("v0");
        for i in 1..POOL_MAX {
            pool.get(&format!("v{i}"));
        }
        assert_eq!(pool.by_text.len(), POOL_MAX);
        assert!(Arc::ptr_eq(&first, &pool.get("v0")));
        let next = pool.get("new");
        assert_eq!(pool.by_text.len(), 1);
        assert_eq!(first.text(), "v0");
        assert!(Arc::ptr_eq(&next, &pool.get("new")));
        assert!(!Arc::ptr_eq(&first, &pool.get("v0")));
    }

    #[test]
    fn what_a_decision_reads_sits_in_three_cache_lines() {
        use std::mem::{offset_of, size_of};
        let end = |offset: usize, size: usize| offset + size;
        let hot = [
            end(
                offset_of!(PreparedRequest<'_>, catalog_generation),
                size_of::<u64>(),
            ),
            end(
                offset_of!(PreparedRequest<'_>, action_id),
                size_of::<Option<ActionId>>(),
            ),
            end(
                offset_of!(PreparedRequest<'_>, entries),
                size_of::<Entries>(),
            ),
            end(
                offset_of!(PreparedRequest<'_>, cross_account),
                size_of::<bool>(),
            ),
            end(
                offset_of!(PreparedRequest<'_>, resource_arn),
                size_of::<Option<PArn<'_>>>(),
            ),
        ];
        assert!(hot.iter().all(|&e| e <= 192), "{hot:?}");
        let cold = offset_of!(PreparedRequest<'_>, names);
        assert!(hot.iter().all(|&e| e <= cold), "{hot:?} {cold}");
        assert_eq!(std::mem::align_of::<PreparedRequest<'_>>(), 64);
        assert_eq!(size_of::<Span>(), 12);
    }

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
            let v = PValue::new(text);
            assert_eq!(v.dec(), Decimal::parse(text), "{text:?}");
            assert_eq!(v.date(), Instant::parse(text), "{text:?}");
            assert_eq!(v.ip(), ip::parse_request_ip(text), "{text:?}");
            assert_eq!(v.boolean(), boolean::parse_bool(text), "{text:?}");
        }
        for b in 0..=255u8 {
            let text = format!("{}1:2::3", char::from(b));
            if !text.is_char_boundary(1) {
                continue;
            }
            let v = PValue::new(&text);
            assert_eq!(v.ip(), ip::parse_request_ip(&text), "{text:?}");
            assert_eq!(v.dec(), Decimal::parse(&text), "{text:?}");
            assert_eq!(v.date(), Instant::parse(&text), "{text:?}");
        }
    }
}
