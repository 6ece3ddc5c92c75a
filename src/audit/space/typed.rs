//! Values AWS can send for a key (S-45, S-52): the generator and its witnesses offer only values of
//! the key's catalog type (`true`/`false` for a `Bool` key, a well-formed ARN for an `ARN` key, a
//! decimal, an ISO 8601 date-time, an IP address, base64), a 12-digit account id for the account
//! keys and a real region for the region keys (both typed `String` in the catalog), and any text
//! for other `String` keys. Where a value must miss what a policy lists, [`other_value`] gives one
//! of the key's type that is not listed.

use crate::analyze::domain::ValueType;
use crate::catalog::{Catalog, KeyType};

/// Keys whose values are 12-digit account ids (lowercase).
const ACCOUNT_KEYS: &[&str] = &[
    "aws:resourceaccount",
    "aws:principalaccount",
    "aws:sourceaccount",
];

/// Keys whose values are region names (lowercase).
const REGION_KEYS: &[&str] = &["aws:requestedregion", "aws:sourceregion"];

/// Account ids tried for a value that must miss the listed ones.
const OTHER_ACCOUNTS: &[&str] = &["999999999999", "888888888888", "777777777777"];

/// The shape a key's values have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One of the catalog types.
    Typed(ValueType),
    /// A 12-digit account id.
    Account,
    /// A commercial region name.
    Region,
}

fn shape(catalog: &Catalog, key_lower: &str) -> Shape {
    if ACCOUNT_KEYS.contains(&key_lower) {
        return Shape::Account;
    }
    if REGION_KEYS.contains(&key_lower) {
        return Shape::Region;
    }
    Shape::Typed(ValueType::of(
        catalog.key(key_lower).map_or(KeyType::Unknown, |k| k.ty),
    ))
}

fn is_account(v: &str) -> bool {
    v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())
}

fn is_region(v: &str) -> bool {
    crate::analyze::world::REAL_REGIONS.contains(&v)
}

/// True when AWS can send `v` as a value of `key_lower`.
pub(crate) fn sendable(catalog: &Catalog, key_lower: &str, v: &str) -> bool {
    match shape(catalog, key_lower) {
        Shape::Account => is_account(v),
        Shape::Region => is_region(v),
        Shape::Typed(t) => t.admits(v),
    }
}

/// A value of `key_lower`'s type that is none of `avoid` (compared ignoring case), or `None`
/// when the type has no other value (`Bool` with both listed).
pub(crate) fn other_value(catalog: &Catalog, key_lower: &str, avoid: &[String]) -> Option<String> {
    let free = |v: &str| !avoid.iter().any(|a| a.eq_ignore_ascii_case(v));
    let first = |cands: &[&str]| cands.iter().find(|c| free(c)).map(|c| (*c).to_owned());
    match shape(catalog, key_lower) {
        Shape::Account => first(OTHER_ACCOUNTS),
        Shape::Region => first(crate::analyze::world::REAL_REGIONS),
        Shape::Typed(ValueType::Bool) => first(&["false", "true"]),
        Shape::Typed(ValueType::Arn) => first(&[
            "arn:aws:iam::999999999999:role/iamc-other",
            "arn:aws:iam::888888888888:role/iamc-other",
        ]),
        Shape::Typed(ValueType::Number) => first(&["0", "1", "2"]),
        Shape::Typed(ValueType::Date) => first(&["2026-01-01T00:00:00Z", "2025-01-01T00:00:00Z"]),
        Shape::Typed(ValueType::Ip) => first(&["192.0.2.1", "198.51.100.1"]),
        Shape::Typed(ValueType::Binary) => first(&["aWFtYy1vdGhlcg==", "aWFtYw=="]),
        Shape::Typed(ValueType::Text) => first(&["iamc-other", "iamc-other-2"]),
    }
}

/// A value of `key_lower`'s type for a key that must only be present.
pub(crate) fn present_value(catalog: &Catalog, key_lower: &str) -> String {
    match shape(catalog, key_lower) {
        Shape::Typed(ValueType::Text) => "iamc".to_owned(),
        _ => other_value(catalog, key_lower, &[]).unwrap_or_else(|| "iamc".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_key_type() {
        let c = Catalog::sagemaker_default();
        assert!(!sendable(c, "aws:multifactorauthpresent", "iamc-other"));
        assert!(sendable(c, "aws:multifactorauthpresent", "true"));
        assert!(!sendable(c, "aws:resourceaccount", "iamc-other"));
        assert!(sendable(c, "aws:resourceaccount", "123456789012"));
        assert!(!sendable(c, "aws:requestedregion", "iamc-other"));
        assert!(sendable(c, "aws:requestedregion", "eu-west-1"));
        assert!(sendable(c, "sagemaker:instancetypes", "iamc-other"));
        assert_eq!(
            other_value(c, "aws:multifactorauthpresent", &["true".to_owned()]).as_deref(),
            Some("false")
        );
        assert_eq!(
            other_value(
                c,
                "aws:multifactorauthpresent",
                &["true".to_owned(), "false".to_owned()]
            ),
            None
        );
        assert_eq!(present_value(c, "aws:resourceaccount"), "999999999999");
    }
}
