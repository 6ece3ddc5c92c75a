//! Concrete resource ARNs of a resource type: generic ones in the audited account and region,
//! another region and another account, and ones built from the policies' own ARN patterns.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Concrete ARNs for `rt`: generic ones in the audited account and region, another region and
/// another account, and ones made from the policies' ARN patterns that fit the type.
pub(super) fn resource_candidates(
    rt: &ResourceType,
    service: &str,
    account: &str,
    cfg: &GenConfig,
    mentions: &Mentions,
    extra: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut push = |s: String| {
        if seen.insert(s.clone()) {
            out.push(s);
        }
    };
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.region, account, "iamc-example"),
    );
    for a in extra {
        if rt.matches_arn(a) {
            push(a.clone());
        }
    }
    for (i, pattern) in mentions.arns.get(service).into_iter().flatten().enumerate() {
        let Some(parts) = crate::policy::pattern::split_arn(pattern) else {
            continue;
        };
        let fix = |seg: &str, default: &str| {
            if seg.contains(['*', '?']) || seg.is_empty() {
                default.to_owned()
            } else {
                seg.to_owned()
            }
        };
        let region = match parts.get(3) {
            Some(&"") => String::new(),
            Some(r) => fix(r, &cfg.region),
            None => cfg.region.clone(),
        };
        // The resource part: a string matching both the policy's pattern (variables filled in)
        // and the resource type's format, when one exists.
        let resource_part = parts.get(5).copied().unwrap_or("");
        for pick in 0..instantiations(resource_part, mentions) {
            let wanted =
                instantiate_keep_wildcards(resource_part, mentions, pick.wrapping_add(i as u64));
            for format in rt.formats() {
                let Some(fparts) = crate::policy::pattern::split_arn(format.as_str()) else {
                    continue;
                };
                let format_glob = placeholders_to_star(fparts.get(5).copied().unwrap_or(""));
                let Some(name) = glob_witness(&wanted, &format_glob) else {
                    continue;
                };
                let arn = format!(
                    "arn:{}:{}:{}:{}:{}",
                    fix(parts.get(1).copied().unwrap_or(""), "aws"),
                    parts.get(2).copied().unwrap_or(""),
                    region,
                    fix(parts.get(4).copied().unwrap_or(""), account),
                    name,
                );
                if rt.matches_arn(&arn) {
                    push(arn);
                }
            }
        }
    }
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.other_region, account, "iamc-example"),
    );
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.region, &cfg.other_account, "iamc-example"),
    );
    out
}

pub(super) fn push_opt(push: &mut impl FnMut(String), s: Option<String>) {
    if let Some(s) = s {
        push(s);
    }
}
