//! Which concrete requests the request model covers: a request is *modelled* when AWS could
//! send it for the audited account as the model says (S-45 … S-49). [`Analyzer::model_request`]
//! completes a request with what AWS always adds (the keys always present, the region and
//! account tied to the ARN) and says whether the result is modelled; classes are claims about
//! modelled requests only, and the differential tests check them on exactly those.

use super::Analyzer;
use super::domain::{SEC_MAX, SEC_MIN, ValueType, iso_seconds};
use super::keys::{CURRENT_TIME, EPOCH_TIME, time_states};
use super::strings::segment_of;
use super::world::{REQUESTED_REGION, RESOURCE_ACCOUNT, ResourceDomain, worlds};
use crate::catalog::KeyType;
use crate::eval::{Context, ContextValue, Request};
use crate::request::sent::{ALWAYS_PRESENT, is_principal_key, key_applies};

fn epoch_of(v: &str) -> Option<i128> {
    let s: i128 = v.parse().ok()?;
    (s.to_string() == v && (SEC_MIN..=SEC_MAX).contains(&s)).then_some(s)
}

impl Analyzer<'_> {
    /// `request` completed as the model would send it (missing always-present keys added with
    /// values consistent with the rest, `aws:RequestedRegion` and `aws:ResourceAccount` tied to
    /// the ARN), or `None` when it is not a request the model covers: another action or
    /// account, a resource of none of the action's types, a key the action never gets or a
    /// principal key in the request, a value of the wrong type or shape.
    pub fn model_request(&self, request: &Request) -> Option<Request> {
        let cfg = self.config();
        let catalog = self.catalog;
        let info = catalog.action(request.action())?;
        if request.account.as_deref().is_some_and(|a| a != cfg.account)
            || request.principal_account() != Some(cfg.account.as_str())
        {
            return None;
        }
        let world = worlds(catalog, info, cfg)
            .into_iter()
            .find(|w| match &w.resource {
                ResourceDomain::Star => true,
                ResourceDomain::Arn { format, .. } => format.matches(&request.resource),
            })?;
        let (region_tied, account_named) = world.resource.ties();
        let applies = |k: &str| key_applies(catalog, info, world.rt, k);
        let arn_region = segment_of(&request.resource, 3).unwrap_or("").to_owned();
        let mut time: Option<i128> = None;
        for e in request.context.entries() {
            let k = e.key_lower.as_str();
            if is_principal_key(k) || !applies(k) || e.is_list != catalog.is_multivalued(k) {
                return None;
            }
            let ty = ValueType::of(catalog.key(k).map_or(KeyType::Unknown, |i| i.ty));
            let first = e.values.first().map_or("", String::as_str);
            match k {
                CURRENT_TIME | EPOCH_TIME => {
                    let s = if k == EPOCH_TIME {
                        epoch_of(first)?
                    } else {
                        let i = crate::condition::Instant::parse(first)?;
                        let s = i.nanos().div_euclid(1_000_000_000);
                        (iso_seconds(s) == first).then_some(s)?
                    };
                    if time.is_some_and(|t| t != s) {
                        return None;
                    }
                    time = Some(s);
                }
                REQUESTED_REGION => {
                    if first.is_empty()
                        || first.contains(':')
                        || (region_tied && first != arn_region)
                    {
                        return None;
                    }
                }
                RESOURCE_ACCOUNT if account_named && first != cfg.account => return None,
                _ => {
                    if !e.values.iter().all(|v| ty.admits(v)) {
                        return None;
                    }
                }
            }
        }
        let mut out = request.clone();
        let mut add = |name: &str, v: String| {
            if out.context.get(&name.to_lowercase()).is_none() {
                let _ = out.context.insert(name, ContextValue::Single(v));
            }
        };
        let (cur, ep) = time_states(time.unwrap_or(cfg.reference_time));
        let single = |s: super::keys::KeyState| match s {
            super::keys::KeyState::Single(v) => v,
            _ => String::new(),
        };
        for k in ALWAYS_PRESENT {
            if !applies(k) {
                continue;
            }
            match *k {
                REQUESTED_REGION => add(
                    "aws:RequestedRegion",
                    if region_tied {
                        arn_region.clone()
                    } else {
                        cfg.region.clone()
                    },
                ),
                CURRENT_TIME => add("aws:CurrentTime", single(cur.clone())),
                EPOCH_TIME => add("aws:EpochTime", single(ep.clone())),
                _ => add(k, "true".to_owned()),
            }
        }
        if account_named && applies(RESOURCE_ACCOUNT) {
            add("aws:ResourceAccount", cfg.account.clone());
        }
        Some(out)
    }
}

/// `request` with every principal key moved to a principal context (how an audit evaluates).
pub fn split_principal_keys(request: &Request) -> (Request, Context) {
    let mut own = request.clone();
    own.context = Context::new();
    let mut principal = Context::new();
    for e in request.context.entries() {
        let v = e.value();
        let target = if is_principal_key(&e.key_lower) {
            &mut principal
        } else {
            &mut own.context
        };
        // Keys of one context are distinct ignoring case.
        let _ = target.insert(&e.key, v);
    }
    (own, principal)
}
