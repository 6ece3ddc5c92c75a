//! A set specialised to one request ([`Compiler::compile_for`](super::Compiler::compile_for)):
//! what can be decided about its statements while compiling, so one-off decisions (`iamc check`,
//! `iamc eval`) compile only what the decision can read.
//!
//! INVARIANT (only what cannot match is left out): a statement is dropped only when it cannot
//! apply to the request, a pattern only when it cannot match the request's resource or any of
//! its values for the condition's key, a condition's fixed operands only when the request lacks
//! its key (the condition is then decided by the operator alone). The decision, the matched statements and the missing keys
//! are then those of the whole set; `tests/it/differential.rs` checks it on random cases.

use bumpalo::Bump;

use super::arn::{CResPat, match_arn_toks};
use super::condition::Keep;
use super::glob::Searcher;
use super::glob::template_toks;
use crate::policy::glob::{Piece, Template};
use crate::policy::{ResourceClause, ResourcePattern, Statement};
use crate::request::Context;
use crate::request::arn::PArn;

/// The one request a set is specialised to ([`Compiler::compile_for`]).
pub(crate) struct OneRequest<'r> {
    /// Its action's catalog id.
    pub(crate) action_id: Option<crate::catalog::ActionId>,
    /// Whether its action is wildcard-only (decided on `*`).
    pub(crate) wildcard_only: bool,
    /// Lowercase service prefix of its action.
    pub(crate) service: &'r str,
    /// Lowercase action name.
    pub(crate) name: &'r str,
    /// The resource it is decided on.
    pub(crate) resource: &'r str,
    /// `resource` split into its segments, when it is an ARN.
    pub(crate) arn: Option<PArn<'r>>,
    /// Its context.
    pub(crate) context: &'r Context,
}

impl OneRequest<'_> {
    /// Which fixed operands a condition on `key_lower` needs for the one request: none when the
    /// request has no such key (the condition is then decided without reading them), else all
    /// but the ARN patterns that can match none of the request's values for it. One-off
    /// decisions have no principal context beyond the request's.
    pub(crate) fn operands_for(&self, key_lower: &str) -> Keep<impl Fn(&Template) -> bool + '_> {
        match self.context.get(key_lower) {
            Some(e) => Keep::Arns(move |t: &Template| e.values.iter().any(|v| could_match(t, v))),
            None => Keep::None,
        }
    }

    /// Decides a resource clause for the one request as far as compiling allows, putting what is
    /// left to decide at evaluation into `res` (empty on entry): `None` when the statement cannot
    /// apply, else whether `res` is negated. Patterns without variables are compiled and matched
    /// here, in order, up to the first that matches; patterns with policy variables (whose
    /// values the request's context gives) are kept for evaluation. A pattern whose leading
    /// literal text rules the resource out ([`could_match`]) is not compiled at all.
    pub(crate) fn resolve_resource<'a>(
        &self,
        arena: &'a Bump,
        clause: &ResourceClause,
        res: &mut Vec<CResPat<'a>>,
        searchers: &mut Vec<Searcher>,
    ) -> Option<bool> {
        let mut matched = false;
        for p in &clause.patterns {
            let t = match p {
                ResourcePattern::Any => {
                    matched = true;
                    break;
                }
                ResourcePattern::Arn(t) => t,
            };
            match fit(t, self.resource) {
                Fit::Never => continue,
                // Its literal prefix alone decides it (no variables: one piece of text).
                Fit::Whole if self.arn.is_some() => {
                    matched = true;
                    break;
                }
                Fit::Whole | Fit::Maybe => {}
            }
            if t.has_variables() {
                // Decided at evaluation, from the context: compiled into the set, with its
                // searchers among the set's.
                res.push(CResPat::build(arena, t, searchers));
                continue;
            }
            // Matched here, from its tokens, and dropped: nothing is built for one test.
            let toks = template_toks(t);
            if self
                .arn
                .as_ref()
                .is_some_and(|arn| match_arn_toks(toks.as_slice(), arn))
            {
                matched = true;
                break;
            }
        }
        match (matched, clause.negated) {
            // `Resource` matched: the clause holds whatever the rest says.
            (true, false) => {
                res.clear();
                res.push(CResPat::Any);
                Some(false)
            }
            // `NotResource` matched: the statement does not apply.
            (true, true) => None,
            // `Resource` with nothing left to match: the statement does not apply.
            (false, false) if res.is_empty() => None,
            (false, negated) => Some(negated),
        }
    }

    /// True when `st`'s `Action`/`NotAction` admits the request's action.
    pub(crate) fn admits_action(&self, st: &Statement) -> bool {
        let any = st
            .action
            .patterns
            .iter()
            .any(|p| p.matches(self.service, self.name));
        any != st.action.negated
    }
}

/// False only when ARN pattern `t` cannot match `resource` (a resource or an ARN condition's
/// request value), see [`fit`].
pub(crate) fn could_match(t: &Template, resource: &str) -> bool {
    fit(t, resource) != Fit::Never
}

/// What an ARN pattern's literal text tells about `resource` ([`fit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// It cannot match.
    Never,
    /// It matches, if `resource` is an ARN.
    Whole,
    /// The rest of the pattern decides.
    Maybe,
}

/// What ARN pattern `t` is known to do with `resource` from its text up to the first wildcard,
/// variable or escape. ARN patterns match segment by segment, case sensitively, and the first
/// five segments of an ARN hold no colon, so a literal run of the pattern (colons included) must
/// stand at the same place in the ARN: when it is not a prefix of `resource`, [`Fit::Never`]. A
/// pattern that is one piece of text and, past that prefix, has nothing or one final `*` is
/// decided by the prefix alone, [`Fit::Whole`]: with no wildcard the segments are equal exactly
/// when the texts are; with a final `*` the prefix fixes every segment before the one the star
/// ends, and the star takes the rest of the ARN (a short pattern's last segment runs over it). A
/// resource that is not an ARN matches no ARN pattern, which this does not tell.
pub(crate) fn fit(t: &Template, resource: &str) -> Fit {
    let single = t.pieces().len() == 1;
    let mut rest = resource.as_bytes();
    for piece in t.pieces() {
        let Piece::Pattern(text) = piece else {
            return Fit::Maybe;
        };
        // The literal run and the resource side by side, up to the first wildcard.
        let bytes = text.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'*' || b == b'?' {
                return if single && b == b'*' && i + 1 == bytes.len() {
                    Fit::Whole
                } else {
                    Fit::Maybe
                };
            }
            match rest.split_first() {
                Some((&r, after)) if r == b => rest = after,
                _ => return Fit::Never,
            }
        }
    }
    if single && rest.is_empty() {
        Fit::Whole
    } else {
        Fit::Maybe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(text: &str) -> Template {
        Template::parse(text, true)
    }

    #[test]
    fn a_literal_run_that_is_not_a_prefix_rules_the_resource_out() {
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:model/churn";
        assert!(could_match(&template("arn:aws:sagemaker:*:*:model/*"), arn));
        assert!(could_match(
            &template("arn:aws:sagemaker:us-east-1:111122223333:model/churn"),
            arn
        ));
        assert!(could_match(&template("*"), arn));
        assert!(could_match(&template("arn:aws:sagemaker:us-?ast-1:*"), arn));
        assert!(!could_match(
            &template("arn:aws:sagemaker:eu-west-1:*"),
            arn
        ));
        assert!(!could_match(&template("arn:aws:s3:::bucket/*"), arn));
        // S-15: ARN segments compare case-sensitively.
        assert!(!could_match(&template("arn:AWS:sagemaker:*"), arn));
        // A resource that is no ARN: said "no" only where the literal text rules it out.
        assert!(!could_match(&template("arn:aws:*"), "*"));
    }

    #[test]
    fn a_prefix_with_nothing_or_a_final_star_decides_alone() {
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:model/churn";
        let fit_of = |p: &str| fit(&template(p), arn);
        assert_eq!(fit_of(arn), Fit::Whole);
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/*"),
            Fit::Whole
        );
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:*"),
            Fit::Whole
        );
        // A short pattern whose last segment ends in `*` runs over the rest of the ARN.
        assert_eq!(fit_of("arn:aws:sagemaker:*"), Fit::Whole);
        assert_eq!(fit_of("arn:aws:sage*"), Fit::Whole);
        // Anything past the first wildcard, or text longer than the prefix: decided later.
        assert_eq!(fit_of("arn:aws:sagemaker:*:*:model/churn"), Fit::Maybe);
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/chur?"),
            Fit::Maybe
        );
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model"),
            Fit::Maybe
        );
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/churn*"),
            Fit::Whole
        );
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/churn/*"),
            Fit::Never
        );
        // Escapes and variables are more than one piece.
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/${aws:username}"),
            Fit::Maybe
        );
        assert_eq!(
            fit_of("arn:aws:sagemaker:us-east-1:111122223333:model/${*}"),
            Fit::Maybe
        );
        assert_eq!(fit_of("arn:aws:sagemaker:eu-west-1:*"), Fit::Never);
    }

    /// Where [`fit`] says `Whole`, the compiled matcher agrees, on ARNs with colons and empty
    /// segments too.
    #[test]
    fn whole_agrees_with_the_token_matcher() {
        use crate::compile::arn::match_arn_toks;
        use crate::compile::glob::template_toks;
        use crate::request::arn::{PArn, arn_segments};
        let arns = [
            "arn:aws:sagemaker:us-east-1:111122223333:model/churn",
            "arn:aws:s3:::bucket/key:with:colons",
            "arn:aws:s3:::",
            "arn:aws:iam::111122223333:role/a*b",
        ];
        let patterns = [
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::*",
            "arn:aws:s3:*",
            "arn:*",
            "arn:aws:s3:::bucket/key:with:colons",
            "arn:aws:s3:::bucket/key:with:*",
            "arn:aws:s3:::",
            "arn:aws:s3::",
            "arn:aws:s3::*",
            "arn:aws:iam::111122223333:role/a*",
            "arn:aws:sagemaker:us-east-1:111122223333:model/churn",
            "arn:aws:sagemaker:us-east-1:111122223333:model/c*",
            "arn:aws:sagemaker:us-east-1:111122223333",
            "arn:aws:sagemaker:us-east-1:111122223333*",
        ];
        for a in arns {
            let parsed = PArn::new(a, arn_segments(a).unwrap());
            for p in patterns {
                let t = template(p);
                let toks = template_toks(&t);
                let matches = match_arn_toks(toks.as_slice(), &parsed);
                match fit(&t, a) {
                    Fit::Whole => assert!(matches, "{p} on {a}"),
                    Fit::Never => assert!(!matches, "{p} on {a}"),
                    Fit::Maybe => {}
                }
            }
        }
    }

    #[test]
    fn variables_and_escapes_end_the_literal_run() {
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:user-profile/d-1/alice";
        let var =
            template("arn:aws:sagemaker:us-east-1:111122223333:user-profile/*/${aws:username}");
        assert!(could_match(&var, arn));
        let var_first = template("arn:aws:sagemaker:${aws:RequestedRegion}:*");
        assert!(could_match(&var_first, arn));
        let wrong_head = template("arn:aws:s3:${aws:RequestedRegion}:*");
        assert!(!could_match(&wrong_head, arn));
        let escape = template("arn:aws:sagemaker:us-east-1:111122223333:user-profile/${*}");
        assert!(could_match(&escape, arn));
    }
}

#[cfg(test)]
mod specialised {
    use crate::eval::{ContextValue, compiled, reference};
    use crate::{Catalog, Policy, PolicyKind, PolicySet, Request};

    /// A kept pattern with a policy variable whose head has a glob with a substring searcher,
    /// in a set that already holds another searcher: the pattern must use its own.
    #[test]
    fn a_kept_variable_pattern_uses_the_sets_searchers() {
        let policy = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Deny","Action":"sagemaker:DescribeModel","Resource":"*",
                 "Condition":{"StringLike":{"aws:username":"*zz*yy*"}}},
                {"Effect":"Allow","Action":"sagemaker:DescribeModel",
                 "Resource":"arn:aws:sagemaker:u*-ea*st-1:111122223333:model/${aws:username}"}
            ]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let set = PolicySet::identity(vec![policy]);
        let catalog = Catalog::sagemaker_default();
        let mut request = Request::new(
            "sagemaker:DescribeModel",
            "arn:aws:sagemaker:us-east-1:111122223333:model/alice",
        )
        .unwrap();
        request
            .context
            .insert("aws:username", ContextValue::Single("alice".into()))
            .unwrap();
        let by_reference = reference::explain(&set, &request, catalog);
        assert_eq!(by_reference.outcome.decision, crate::Decision::Allowed);
        assert_eq!(
            compiled::explain(&set, &request, catalog).unwrap(),
            by_reference
        );
    }

    /// Conditions on keys the request lacks compile without their fixed operands, yet decide,
    /// and name their keys and their values' variables as missing, as the whole set would.
    #[test]
    fn conditions_on_absent_keys_decide_and_report_as_the_whole_set() {
        let policy = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"sagemaker:CreateModel","Resource":"*",
                 "Condition":{"StringEquals":{"aws:ResourceTag/team":["ml","${aws:PrincipalTag/team}"]},
                              "NumericLessThan":{"aws:MultiFactorAuthAge":"3"}}},
                {"Effect":"Allow","Action":"sagemaker:CreateModel","Resource":"*",
                 "Condition":{"StringNotEqualsIfExists":{"aws:RequestTag/owner":"nobody"},
                              "ForAllValues:StringLike":{"aws:TagKeys":["team*"]},
                              "ArnNotLike":{"sagemaker:ModelArn":"arn:aws:sagemaker:*:*:model/x"}}},
                {"Effect":"Deny","Action":"sagemaker:CreateModel","Resource":"*",
                 "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}
            ]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let set = PolicySet::identity(vec![policy]);
        let catalog = Catalog::sagemaker_default();
        let request = Request::new(
            "sagemaker:CreateModel",
            "arn:aws:sagemaker:us-east-1:111122223333:model/churn",
        )
        .unwrap();
        let arena = bumpalo::Bump::new();
        let compiled = crate::compile::Compiler::new(&arena, catalog)
            .compile_for(&set, &request)
            .unwrap();
        for c in compiled.stmts.iter().flat_map(|st| st.conds) {
            let fixed = match c.vals {
                crate::compile::condition::CVals::Str { lits, globs, .. } => {
                    lits.len() + globs.len()
                }
                crate::compile::condition::CVals::Num { vals, .. } => vals.len(),
                crate::compile::condition::CVals::Ip { cidrs } => cidrs.len(),
                crate::compile::condition::CVals::Arn { pats, .. } => pats.len(),
                _ => 0,
            };
            assert_eq!(fixed, 0, "{} kept operands", c.key);
        }
        let by_reference = reference::explain(&set, &request, catalog);
        // Only the second statement applies: its conditions all hold on absent keys.
        assert_eq!(by_reference.outcome.decision, crate::Decision::Allowed);
        assert!(
            by_reference
                .missing_keys
                .iter()
                .any(|k| k == "aws:principaltag/team"),
            "{:?}",
            by_reference.missing_keys
        );
        assert_eq!(
            compiled::explain(&set, &request, catalog).unwrap(),
            by_reference
        );
        assert_eq!(
            compiled::evaluate(&set, &request, catalog).unwrap(),
            by_reference.outcome
        );
    }
}
