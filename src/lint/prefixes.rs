//! Every AWS service prefix, for the `unknown-service` lint: a prefix neither the catalog nor
//! this list has is not an AWS service (or one newer than the list).
//!
//! `data/lint/service-prefixes.txt` is one prefix per line, generated from the service list a
//! registry package bundles (see the header of that file); facts only.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::catalog::Catalog;

const LIST: &str = include_str!("../../data/lint/service-prefixes.txt");

fn known() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// True when `prefix` (lowercase) is an AWS service prefix: in the catalog or in the list.
pub fn is_known(prefix: &str, catalog: &Catalog) -> bool {
    catalog.service(prefix).is_some() || known().contains(prefix)
}

/// The known prefixes closest to `prefix` (edit distance at most 2), for a did-you-mean.
pub fn closest(prefix: &str, catalog: &Catalog) -> Option<String> {
    let candidates = known()
        .iter()
        .map(|p| (*p).to_owned())
        .chain(catalog.services().map(|s| s.prefix.clone()));
    super::actions::closest_name(prefix, candidates, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_the_common_services() {
        let c = Catalog::sagemaker_default();
        for p in [
            "s3",
            "ec2",
            "iam",
            "sts",
            "kms",
            "logs",
            "ecr",
            "sagemaker",
            "cloudwatch",
        ] {
            assert!(is_known(p, c), "{p}");
        }
        assert!(!is_known("s3x", c));
        assert!(known().len() > 300);
        assert_eq!(closest("sagemakr", c).as_deref(), Some("sagemaker"));
    }
}
