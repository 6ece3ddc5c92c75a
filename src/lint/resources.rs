//! ARN syntax lints on `Resource`/`NotResource` entries, and the conversion of an entry into
//! the whole-ARN pattern [`crate::catalog::ArnFormat::overlaps`] reads.

use super::names::item_pointer;
use super::{Finding, Rule};
use crate::catalog::PatternToken;
use crate::policy::err::push_pointer;
use crate::policy::glob::{Piece, Template};
use crate::policy::{ResourcePattern, Statement};

/// Partitions AWS has.
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// An entry as a whole-ARN pattern, matched as the evaluator matches it (S-13b, S-16): `*` and
/// `?` stay inside their segment in the first five segments and run over `:` in the resource
/// part; a variable may stand for anything there. A short pattern (fewer than five colons) runs
/// over the rest of the ARN from its last segment when it ends in `*`, and matches nothing
/// otherwise (`None`).
pub(crate) fn pattern_tokens(t: &Template) -> Option<Vec<PatternToken>> {
    let mut out = Vec::new();
    let mut colons = 0usize;
    let mut last_segment_start = 0usize;
    let mut push_text = |s: &str, wild: bool, out: &mut Vec<PatternToken>, colons: &mut usize| {
        for c in s.chars() {
            let colon = *colons >= 5;
            match c {
                '*' if wild => out.push(PatternToken::AnyRun { colon }),
                '?' if wild => out.push(PatternToken::AnyByte { colon }),
                ':' if *colons < 5 => {
                    out.push(PatternToken::Byte(b':'));
                    *colons += 1;
                    last_segment_start = out.len();
                }
                c => {
                    let mut buf = [0u8; 4];
                    out.extend(c.encode_utf8(&mut buf).bytes().map(PatternToken::Byte));
                }
            }
        }
    };
    for piece in t.pieces() {
        match piece {
            Piece::Pattern(s) => push_text(s, true, &mut out, &mut colons),
            Piece::Literal(s) => push_text(s, false, &mut out, &mut colons),
            Piece::Var(_) => out.push(PatternToken::AnyRun { colon: true }),
        }
    }
    if colons < 5 {
        if !matches!(out.last(), Some(PatternToken::AnyRun { .. })) {
            return None;
        }
        for tok in out.iter_mut().skip(last_segment_start) {
            match tok {
                PatternToken::AnyRun { colon } | PatternToken::AnyByte { colon } => *colon = true,
                PatternToken::Byte(_) => {}
            }
        }
    }
    Some(out)
}

/// True when `s` is a literal (no wildcard) segment.
fn literal(s: &str) -> bool {
    !s.contains(['*', '?', '$'])
}

/// A region name: lowercase letters and digits in dash-separated parts, ending in a number
/// (`us-east-1`, `us-gov-west-1`, `eu-central-2`).
fn region_shaped(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Malformed ARNs in `Resource`/`NotResource`.
pub(crate) fn lint(st: &Statement, out: &mut Vec<Finding>) {
    let Some(clause) = &st.resource else {
        return;
    };
    let field = if clause.negated {
        "NotResource"
    } else {
        "Resource"
    };
    let base = push_pointer(&st.pointer, field);
    for (i, p) in clause.patterns.iter().enumerate() {
        let ResourcePattern::Arn(t) = p else {
            continue;
        };
        let text = p.to_string();
        let at = item_pointer(&base, clause.single, i);
        if let Some(why) = malformed(&text, t) {
            out.push(Finding::new(
                Rule::MalformedArn,
                at,
                format!("`{text}` {why}"),
            ));
        }
    }
}

/// Why `text` is not a well-formed ARN pattern, if it is not.
fn malformed(text: &str, t: &Template) -> Option<String> {
    if text.chars().any(char::is_whitespace) {
        return Some("holds whitespace, which no ARN has".to_owned());
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() < 6 {
        return match pattern_tokens(t) {
            None => Some(
                "has fewer than six `:`-separated segments and does not end in `*`, so it matches no ARN (S-13b)"
                    .to_owned(),
            ),
            Some(_) => None,
        };
    }
    let (partition, service, region, account, resource) = (
        parts.get(1).copied().unwrap_or(""),
        parts.get(2).copied().unwrap_or(""),
        parts.get(3).copied().unwrap_or(""),
        parts.get(4).copied().unwrap_or(""),
        parts.get(5).copied().unwrap_or(""),
    );
    if literal(partition) && !PARTITIONS.contains(&partition) {
        return Some(format!(
            "names the partition `{partition}`; AWS partitions are {}",
            PARTITIONS.join(", ")
        ));
    }
    if service.is_empty() {
        return Some("has an empty service segment".to_owned());
    }
    if literal(service) && service.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some(format!(
            "names the service `{service}` in upper case; ARN service segments are lower case"
        ));
    }
    if literal(region) && !region.is_empty() && !region_shaped(region) {
        return Some(format!(
            "names the region `{region}`, which is not a region name"
        ));
    }
    if literal(account)
        && !account.is_empty()
        && account != "aws"
        && !(account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(format!(
            "names the account `{account}`; an account id is 12 digits"
        ));
    }
    if resource.is_empty() {
        return Some("has an empty resource segment".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Option<String> {
        malformed(text, &Template::parse(text, true))
    }

    #[test]
    fn malformed_arns() {
        assert_eq!(
            why("arn:aws:sagemaker:us-east-1:111122223333:training-job/x"),
            None
        );
        assert_eq!(why("arn:aws:sagemaker:*:*:*"), None);
        assert_eq!(why("arn:aws:s3:::bucket/*"), None);
        assert_eq!(why("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(why("arn:aws:sagemaker:us-east-1:*"), None);
        assert_eq!(why("arn:aws:s3:::${aws:username}/*"), None);
        assert!(why("arn:aws:s3::bucket").unwrap().contains("six"));
        assert!(why("arn:amazon:s3:::b").unwrap().contains("partition"));
        assert!(
            why("arn:aws:sagemaker:useast1:111122223333:x/y")
                .unwrap()
                .contains("region")
        );
        assert!(
            why("arn:aws:sagemaker:us-east-1:1111:x/y")
                .unwrap()
                .contains("12 digits")
        );
        assert!(
            why("arn:aws:sagemaker:us-east-1:111122223333:")
                .unwrap()
                .contains("empty resource")
        );
        assert!(
            why("arn:aws:SageMaker:us-east-1:111122223333:x/y")
                .unwrap()
                .contains("lower case")
        );
        assert!(
            why("arn:aws:s3:::bucket /x")
                .unwrap()
                .contains("whitespace")
        );
    }

    #[test]
    fn tokens_follow_the_evaluator() {
        let t = |s: &str| pattern_tokens(&Template::parse(s, true));
        assert!(t("arn:aws:sagemaker:us-east-1").is_none());
        let short = t("arn:aws:sagemaker:us-*").unwrap();
        assert_eq!(short.last(), Some(&PatternToken::AnyRun { colon: true }));
        let full = t("arn:aws:sagemaker:*:*:*").unwrap();
        assert_eq!(full.get(18), Some(&PatternToken::AnyRun { colon: false }));
        assert_eq!(full.last(), Some(&PatternToken::AnyRun { colon: true }));
    }
}
