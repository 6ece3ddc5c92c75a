//! Policy lints: what is valid IAM (or stored by IAM) but probably not what the author meant,
//! found without a request, against the [`Catalog`]. `iamc lint` reports them per file and
//! `iamc check` prints them beside a decision; a lint never changes a decision.
//!
//! Each [`Rule`] has one id, one [`Level`] and one place that decides it: [`document`] (Version,
//! Sid), [`actions`] (unknown services and actions, never-matching entries, resources that fit
//! none of an action's resource types), [`resources`] (ARN syntax), [`conditions`] (keys, key
//! types, set qualifiers, conditions that can never hold). [`report`] renders findings as text,
//! JSON and SARIF.
//!
//! INVARIANT (no catalog noise): a finding that says something does not exist (service, action,
//! key, resource type) is only made for a service the catalog holds completely
//! ([`Catalog::holds_all_of`]) or for the global `aws:` keys; a partial service (the embedded
//! `iam` subset) or a service the catalog lacks yields no such finding. Unknown service prefixes
//! are judged against the list of every AWS prefix ([`prefixes`]) as well.

pub(crate) mod actions;
pub(crate) mod conditions;
pub(crate) mod document;
pub(crate) mod names;
pub(crate) mod prefixes;
pub(crate) mod report;
pub(crate) mod resources;

use std::fmt;

use crate::catalog::Catalog;
use crate::policy::{Policy, PolicyKind};

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Level {
    /// The document cannot be used: not JSON, or IAM refuses it.
    Error,
    /// Probably a bug: something never matches, never holds, or does not exist.
    Warning,
    /// Style and hygiene: legal and working, but worth a look.
    Note,
}

impl Level {
    /// `error`, `warning` or `note` (SARIF's level names).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($( $name:ident => $id:literal, $level:ident, $doc:literal; )*) => {
        /// What a finding is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) enum Rule {
            $( #[doc = $doc] $name, )*
        }

        impl Rule {
            #[cfg(test)]
            /// Every rule, in the order the README lists them.
            pub(crate) const ALL: &'static [Rule] = &[ $( Rule::$name, )* ];

            /// The rule's id (`unknown-action`).
            pub(crate) fn id(self) -> &'static str {
                match self { $( Rule::$name => $id, )* }
            }

            /// The rule's level.
            pub(crate) fn level(self) -> Level {
                match self { $( Rule::$name => Level::$level, )* }
            }

            /// One sentence on what the rule finds.
            pub(crate) fn description(self) -> &'static str {
                match self { $( Rule::$name => $doc, )* }
            }
        }
    };
}

rules! {
    UnreadableFile => "unreadable-file", Error,
        "The file cannot be read.";
    InvalidJson => "invalid-json", Error,
        "The file is not JSON.";
    InvalidPolicy => "invalid-policy", Error,
        "IAM refuses the document: a missing or unknown element, an unknown operator, a value of the wrong type.";
    NoVersion => "no-version", Note,
        "The policy has no `Version`: policy variables are then literal text.";
    OldVersion => "old-version", Note,
        "`Version` is `2008-10-17`: policy variables are then literal text.";
    DuplicateSid => "duplicate-sid", Warning,
        "Two statements share a `Sid` (IAM refuses this in identity policies).";
    InvalidSid => "invalid-sid", Warning,
        "A `Sid` holds characters other than letters and digits (IAM refuses this in identity policies).";
    UnknownService => "unknown-service", Warning,
        "An action names a service prefix AWS does not have.";
    UnknownAction => "unknown-action", Warning,
        "An action (or action pattern) matches no action of a service the catalog holds.";
    ActionNeverMatches => "action-never-matches", Warning,
        "An action entry IAM stores but that matches no action: a comma, whitespace, an empty name (S-34).";
    WildcardOnlyAction => "wildcard-only-action", Warning,
        "An action with no resource types is granted only on `*`, which this statement's `Resource` does not name (S-28).";
    ResourceMismatch => "resource-mismatch", Warning,
        "A `Resource` entry fits none of the resource types of the statement's actions, or an action is given none of its resource types.";
    MalformedArn => "malformed-arn", Warning,
        "A `Resource` entry is not a well-formed ARN: too few segments, an unknown partition, a bad region or account.";
    ResourceStar => "resource-star", Note,
        "An `Allow` grants actions that have resource types on `Resource: *`.";
    UnknownConditionKey => "unknown-condition-key", Warning,
        "A condition key that neither the global keys nor its service's keys have.";
    KeyNotForAction => "key-not-for-action", Warning,
        "A service condition key none of the statement's actions supports, so it is never in the request.";
    KeyTypeMismatch => "key-type-mismatch", Warning,
        "An operator of one type compares a key of another (a date operator on an IP address).";
    StringOperatorOnArnKey => "string-operator-on-arn-key", Note,
        "A string operator compares an ARN-typed key; an ARN operator matches it segment by segment.";
    MultivaluedKeyWithoutSet => "multivalued-key-without-set", Warning,
        "A multivalued key compared without `ForAllValues:`/`ForAnyValue:`: the condition is always false (S-3).";
    SetOperatorOnSingleValuedKey => "set-operator-on-single-valued-key", Warning,
        "`ForAllValues:`/`ForAnyValue:` on a single-valued key: `ForAllValues` then holds when the key is missing.";
    AlwaysFalseCondition => "always-false-condition", Warning,
        "Conditions of one statement that no request satisfies together, so the statement never applies.";
    MfaConditionPattern => "mfa-condition-pattern", Warning,
        "`aws:MultiFactorAuthPresent` tested in a way that misses requests without the key (long-term credentials).";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One lint finding in one policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The rule.
    pub(crate) rule: Rule,
    /// JSON pointer of the element (`""` for the whole document).
    pub(crate) pointer: String,
    /// What is wrong, naming the element's text.
    pub(crate) message: String,
}

impl Finding {
    /// A finding of `rule` at `pointer`.
    pub(crate) fn new(
        rule: Rule,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The rule's level.
    pub(crate) fn level(&self) -> Level {
        self.rule.level()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "at {at}: {} [{}]", self.message, self.rule)
    }
}

/// Lints a policy document given as text: an [`Rule::InvalidJson`] or [`Rule::InvalidPolicy`]
/// finding when it cannot be read, else every finding of [`lint_policy`].
pub(crate) fn lint_text(text: &str, kind: PolicyKind, catalog: &Catalog) -> Vec<Finding> {
    match Policy::parse(text, kind) {
        Ok(policy) => lint_policy(&policy, kind, catalog),
        Err(e) => {
            let rule = if e.message.starts_with("invalid JSON") {
                Rule::InvalidJson
            } else {
                Rule::InvalidPolicy
            };
            vec![Finding::new(rule, e.pointer, e.message)]
        }
    }
}

/// Lints a validated policy used as `kind`, in document order (then by rule).
pub(crate) fn lint_policy(policy: &Policy, kind: PolicyKind, catalog: &Catalog) -> Vec<Finding> {
    let mut out = Vec::new();
    document::lint(policy, kind, &mut out);
    for st in &policy.statements {
        actions::lint(st, catalog, &mut out);
        resources::lint(st, &mut out);
        conditions::lint(st, catalog, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(Rule, String)> {
        lint_text(text, PolicyKind::Identity, Catalog::sagemaker_default())
            .into_iter()
            .map(|f| (f.rule, f.pointer))
            .collect()
    }

    #[test]
    fn catalog_mismatches() {
        let r = rules(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["sagemaker:CreateTrainingJob","sagemaker:CreateWidget"],"Resource":"*",
               "Condition":{"StringLike":{"sagemaker:InstanceTypes":"ml.m5.*"},"DateLessThan":{"aws:SourceIp":"2020-01-01"},
                            "ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-1"}}},
              {"Effect":"Allow","Action":"sagemaker:ListTrainingJobs","Resource":"arn:aws:sagemaker:*:*:training-job/*"}]}"#,
        );
        for (rule, pointer) in [
            (Rule::UnknownAction, "/Statement/0/Action/1"),
            (
                Rule::MultivaluedKeyWithoutSet,
                "/Statement/0/Condition/StringLike/sagemaker:InstanceTypes",
            ),
            (
                Rule::KeyTypeMismatch,
                "/Statement/0/Condition/DateLessThan/aws:SourceIp",
            ),
            (
                Rule::SetOperatorOnSingleValuedKey,
                "/Statement/0/Condition/ForAllValues:StringEquals/aws:PrincipalOrgID",
            ),
            (Rule::WildcardOnlyAction, "/Statement/1/Action"),
            (Rule::ResourceStar, "/Statement/0/Resource"),
        ] {
            assert!(
                r.contains(&(rule, pointer.to_owned())),
                "{rule} at {pointer}: {r:?}"
            );
        }
        assert_eq!(r.len(), 6, "{r:?}");
    }

    /// Under the default catalog, which holds only `iam:PassRole` of `iam` (a partial
    /// service), other `iam` actions are not called unknown.
    #[test]
    fn partial_services_are_not_called_unknown() {
        let r = rules(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":["iam:ChangePassword","iam:GetUser","iam:List*"],"Resource":"arn:aws:iam::*:user/${aws:username}",
               "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::111122223333:policy/b"}}}]}"#,
        );
        assert!(r.is_empty(), "{r:?}");
        assert!(
            Catalog::sagemaker_default()
                .service("iam")
                .is_some_and(|s| s.is_partial())
        );
        assert!(!Catalog::sagemaker_default().holds_all_of("iam"));
        assert!(Catalog::aws_default().holds_all_of("iam"));
    }

    #[test]
    fn unreadable_documents_are_one_error() {
        assert_eq!(rules("{").first().map(|r| r.0), Some(Rule::InvalidJson));
        assert_eq!(
            rules(r#"{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}"#)
                .first()
                .map(|r| r.0),
            Some(Rule::InvalidPolicy)
        );
    }

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        assert!(
            ids.iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        );
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
    }
}
