//! Service prefixes for the `unknown-service` lint: a prefix neither the catalog nor the
//! embedded list of every AWS service prefix ([`crate::catalog::aws_service_prefixes`]) has is
//! not an AWS service (or one newer than the list).

use crate::catalog::{Catalog, aws_service_prefixes, is_aws_service_prefix};

/// Prefixes of services AWS has retired: gone from the Service Authorization Reference (and so
/// from the list) but still named by AWS managed policies in force today, e.g.
/// `AmazonSageMakerFullAccess` grants `elastic-inference:Connect`. Found by linting the 271 managed
/// policies of `../shared/data/managed-policies`; naming them is not a mistake.
pub(crate) const RETIRED: &[&str] = &[
    "codestar",
    "deepcomposer",
    "deeplens",
    "deepracer",
    "elastic-inference",
    "evidently",
    "iot1click",
    "iotevents",
    "sagemaker-groundtruth-synthetic",
];

/// True when `prefix` is an AWS service prefix: in the catalog, in the list, or retired.
pub(crate) fn is_known(prefix: &str, catalog: &Catalog) -> bool {
    catalog.service(prefix).is_some()
        || is_aws_service_prefix(prefix)
        || RETIRED.iter().any(|r| r.eq_ignore_ascii_case(prefix))
}

/// The known prefix closest to `prefix` (a few edits away), for a did-you-mean.
pub(crate) fn closest(prefix: &str, catalog: &Catalog) -> Option<String> {
    let candidates = aws_service_prefixes()
        .iter()
        .cloned()
        .chain(catalog.services().map(|s| s.prefix.clone()));
    super::names::closest_name(prefix, candidates, 2)
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
        assert!(
            is_known("elastic-inference", c),
            "retired, still in managed policies"
        );
        assert_eq!(closest("sagemakr", c).as_deref(), Some("sagemaker"));
    }
}
