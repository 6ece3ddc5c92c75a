//! Which condition keys AWS sends with a request: the model both the request space generator and
//! the exact analysis follow, so a sampled request and an analysed one mean the same thing.
//!
//! A request for an action carries the action's own keys, its resource type's keys and the global
//! keys (principal keys come from the principal, not the request). Some global keys are always
//! present ([`ALWAYS_PRESENT`]).

use crate::catalog::{ActionInfo, Catalog, ResourceType};

/// Keys whose presence depends on the action (listed per action or resource type in the
/// Service Authorization Reference), even though they have the `aws:` prefix.
fn is_action_scoped_global(key: &str) -> bool {
    key.starts_with("aws:requesttag/")
        || key == "aws:tagkeys"
        || key.starts_with("aws:resourcetag/")
}

/// Keys that belong to the principal and come from its context.
pub(crate) fn is_principal_key(key: &str) -> bool {
    key.starts_with("aws:principal") || key == "aws:username" || key == "aws:userid"
}

fn template_matches(published: &str, key_lower: &str) -> bool {
    let p = published.to_ascii_lowercase();
    match p.find("${") {
        Some(i) => {
            let (prefix, rest) = p.split_at(i);
            // A `${…}` placeholder at the end stands for any non-empty suffix.
            rest.ends_with('}') && key_lower.len() > prefix.len() && key_lower.starts_with(prefix)
        }
        None => p == key_lower,
    }
}

/// True when AWS sends `key` with requests for `action` on resource type `rt`.
pub(crate) fn key_applies(
    catalog: &Catalog,
    action: &ActionInfo,
    rt: Option<&ResourceType>,
    key: &str,
) -> bool {
    if is_principal_key(key) {
        return false;
    }
    let listed = action
        .condition_keys
        .iter()
        .any(|k| template_matches(k, key))
        || rt.is_some_and(|rt| rt.condition_keys.iter().any(|k| template_matches(k, key)));
    if listed {
        return true;
    }
    if key.starts_with("aws:") && !is_action_scoped_global(key) {
        return catalog
            .global_keys()
            .iter()
            .any(|k| template_matches(&k.name, key))
            || catalog.key(key).is_none();
    }
    false
}

/// Global keys AWS puts in every request context: the generator never leaves them out.
pub(crate) const ALWAYS_PRESENT: &[&str] = &[
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
];
