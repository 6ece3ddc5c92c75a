//! The options of each context key: mentioned values, values just outside them, absence, and the
//! rendering of a chosen combination into a request context.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The audited region, offered for `aws:RequestedRegion` on actions without a regional ARN.
pub(super) fn cfg_region_placeholder() -> String {
    GenConfig::default().region
}

/// The region of an ARN, when it has one.
pub(super) fn region_of(resource: &str) -> Option<&str> {
    crate::policy::pattern::split_arn(resource)
        .and_then(|p| p.get(3).copied())
        .filter(|r| !r.is_empty())
}

/// Sets `aws:RequestedRegion` to the resource's region (AWS sends the region the call is made
/// in, which is the regional resource's), replacing any generated value; other keys are kept.
pub(super) fn pin_region(req: &mut Request) {
    let Some(region) = region_of(&req.resource).map(str::to_owned) else {
        return;
    };
    let has = req.context.get("aws:requestedregion").is_some();
    if has {
        let mut ctx = crate::eval::Context::new();
        for e in req.context.entries() {
            if e.key_lower == "aws:requestedregion" {
                continue;
            }
            let v = e.value();
            let _ = ctx.insert(&e.key, v);
        }
        let _ = ctx.insert("aws:RequestedRegion", ContextValue::Single(region));
        req.context = ctx;
    }
}

/// One dimension of variation: a key and its options (`None` = absent).
#[derive(Debug, Clone)]
pub(super) struct Dim {
    pub(super) key: String,
    pub(super) options: Vec<Option<ContextValue>>,
}

pub(super) fn shift_decimal(text: &str, up: bool) -> Option<String> {
    let d = Decimal::parse(text)?;
    let one = 1_000_000_000_000_000_000i128;
    let v = if up {
        d.scaled().checked_add(one)?
    } else {
        d.scaled().checked_sub(one)?
    };
    Some(crate::analyze::domain::render_decimal(v))
}

/// An instant as `YYYY-MM-DDTHH:MM:SSZ`, in whole seconds (rounded down).
pub(crate) fn format_instant(i: Instant) -> String {
    crate::analyze::domain::iso_seconds(i.nanos().div_euclid(1_000_000_000))
}

pub(super) fn ip_options(cidr_text: &str) -> Vec<String> {
    let Some(c) = Cidr::parse(cidr_text) else {
        return Vec::new();
    };
    let width: u32 = if c.is_v6() { 128 } else { 32 };
    let size_bits = width - u32::from(c.prefix());
    let inside = c.network();
    let outside = if size_bits >= width {
        None
    } else {
        Some(inside.wrapping_add(1u128 << size_bits))
    };
    let render = |bits: u128| {
        if c.is_v6() {
            std::net::Ipv6Addr::from(bits).to_string()
        } else {
            std::net::Ipv4Addr::from(u32::try_from(bits & 0xffff_ffff).unwrap_or(0)).to_string()
        }
    };
    let mut out = vec![render(inside)];
    if let Some(o) = outside {
        out.push(render(o));
    }
    out
}

/// The single values to try for a key: every mentioned value made concrete, plus values that
/// miss it.
pub(super) fn scalar_options(m: &KeyMention, mentions: &Mentions) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for v in &m.values {
        for f in &m.families {
            match f {
                Family::String | Family::Arn => {
                    for pick in 0..instantiations(v, mentions) {
                        let concrete = instantiate(v, mentions, pick);
                        if *f == Family::String {
                            out.insert(concrete.to_uppercase());
                        }
                        out.insert(concrete);
                    }
                }
                Family::Numeric => {
                    out.insert(v.clone());
                    out.extend(shift_decimal(v, true));
                    out.extend(shift_decimal(v, false));
                }
                Family::Date => {
                    if let Some(t) = Instant::parse(v) {
                        for delta in [-1_000_000_000i128, 0, 1_000_000_000] {
                            out.insert(format_instant(t.offset(delta)));
                        }
                    }
                }
                Family::Bool => {
                    out.insert("true".to_owned());
                    out.insert("false".to_owned());
                }
                Family::Ip => out.extend(ip_options(v)),
                Family::Binary => {
                    out.insert(v.clone());
                }
                Family::Null => {}
            }
        }
    }
    if m.families.contains(&Family::Arn) {
        out.insert("arn:aws:iam::999999999999:role/iamc-other".to_owned());
    }
    out.insert("iamc-other".to_owned());
    if m.families.iter().all(|f| *f == Family::Null) {
        out.insert("iamc".to_owned());
    }
    out.into_iter().collect()
}

pub(super) fn dims_for(
    catalog: &Catalog,
    action: &ActionInfo,
    rt: Option<&ResourceType>,
    mentions: &Mentions,
) -> Vec<Dim> {
    let mut dims = Vec::new();
    for (key, m) in &mentions.keys {
        let own_service_variable =
            m.resource_variable && key.split(':').next() == Some(action.service.as_str());
        if !key_applies(catalog, action, rt, key) && !own_service_variable {
            continue;
        }
        let mut scalars = scalar_options(m, mentions);
        if key == "aws:requestedregion" {
            scalars.extend([cfg_region_placeholder(), "ap-southeast-2".to_owned()]);
        }
        // Only values AWS can send for the key's type, and one that misses every listed value
        // (S-52). The region placeholder is replaced by the audited region later.
        scalars
            .retain(|v| *v == cfg_region_placeholder() || super::typed::sendable(catalog, key, v));
        let listed: Vec<String> = m.values.iter().cloned().collect();
        scalars.extend(super::typed::other_value(catalog, key, &listed));
        if scalars.is_empty() {
            scalars.push(super::typed::present_value(catalog, key));
        }
        scalars.sort();
        scalars.dedup();
        let multivalued = catalog.is_multivalued(key);
        // AWS sends these with every request: never absent.
        let mut options: Vec<Option<ContextValue>> = if ALWAYS_PRESENT.contains(&key.as_str()) {
            Vec::new()
        } else {
            vec![None]
        };
        if multivalued {
            let first = scalars.first().cloned().unwrap_or_default();
            let last = scalars.last().cloned().unwrap_or_default();
            options.push(Some(ContextValue::Multi(Vec::new())));
            for s in &scalars {
                options.push(Some(ContextValue::Multi(vec![s.clone()])));
            }
            options.push(Some(ContextValue::Multi(scalars.clone())));
            options.push(Some(ContextValue::Multi(vec![first, last])));
        } else {
            options.extend(scalars.into_iter().map(|s| Some(ContextValue::Single(s))));
        }
        // Spell the key as the policy did, sometimes in another case: keys are case-insensitive.
        let key_name = if key.contains('/') && mix(key.len() as u64).is_multiple_of(2) {
            m.spelled.to_uppercase()
        } else {
            m.spelled.clone()
        };
        dims.push(Dim {
            key: key_name,
            options,
        });
    }
    dims
}

/// Fills the non-resource placeholders of an ARN format.
pub(super) fn render(
    rt: &ResourceType,
    partition: &str,
    region: &str,
    account: &str,
    name: &str,
) -> Option<String> {
    rt.render_arn(&|ph: &str| {
        Some(match ph {
            "Partition" => partition.to_owned(),
            "Region" => region.to_owned(),
            "Account" => account.to_owned(),
            p if p.ends_with("Id") && p.contains("Domain") => "d-iamcexample".to_owned(),
            _ => name.to_owned(),
        })
    })
}
