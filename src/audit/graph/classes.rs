//! Target classes: roles (or users) that no policy can tell apart for a set of actions, so that
//! an edge decision is made once per actor and class rather than once per actor and target.
//!
//! Two targets are in one class when every resource pattern of every statement (any layer, any
//! actor) that can apply to one of the actions matches both or neither, with principal variables
//! instantiated for every value the actors have, and when they carry the same value for every
//! tag those statements' conditions read (`aws:ResourceTag/…`, `iam:ResourceTag/…`).
//!
//! INVARIANT (exact classes): a graph request on a target depends on the target only through
//! its ARN and its tags, so the decision for a class's first target holds for every target of
//! the class.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::audit::passrole::target_distinctions;
use crate::policy::PolicySet;
use crate::policy::glob::{Glob, Template};
use crate::policy::pattern::arn_glob_matches;

/// Instantiations of one pattern's variables at most (beyond, the unresolved pattern stands in
/// and classes may merge targets a policy tells apart; no realistic policy set comes near).
const MAX_INSTANTIATIONS: usize = 4096;

/// One target: its ARN and tags.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'t> {
    /// The ARN.
    pub(crate) arn: &'t str,
    /// Its tags (`Key`, `Value`).
    pub(crate) tags: &'t [(String, String)],
}

/// Targets in classes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Classes {
    /// Target index → class.
    pub(crate) class_of: Vec<u32>,
}

impl Classes {
    /// The class of target `i` (0 when out of range).
    pub(crate) fn of(&self, i: usize) -> u32 {
        self.class_of.get(i).copied().unwrap_or(0)
    }
}

/// Every instantiation of `t`'s variables over `values`, as globs (the unresolved form too,
/// which matches nothing when a variable has no value).
fn instantiations(t: &Template, values: &BTreeMap<String, BTreeSet<String>>) -> Vec<Glob> {
    let vars: Vec<String> = t
        .variables()
        .map(|v| v.key_lower.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out: Vec<Glob> = t.resolve_glob(|_| None).into_iter().collect();
    if vars.is_empty() {
        return out;
    }
    let lists: Vec<Vec<&str>> = vars
        .iter()
        .map(|k| {
            values
                .get(k)
                .map(|s| s.iter().map(String::as_str).collect())
                .unwrap_or_default()
        })
        .collect();
    let total = lists
        .iter()
        .map(|l| l.len().max(1))
        .fold(1usize, usize::saturating_mul)
        .min(MAX_INSTANTIATIONS);
    for n in 0..total {
        let mut rest = n;
        let mut pick: HashMap<&str, &str> = HashMap::new();
        for (k, l) in vars.iter().zip(&lists) {
            let len = l.len().max(1);
            if let Some(v) = l.get(rest % len) {
                pick.insert(k.as_str(), v);
            }
            rest /= len;
        }
        out.extend(t.resolve_glob(|k| pick.get(k).copied()));
    }
    out
}

/// Splits `targets` into classes for `actions` (`service:Action`) over every statement of `sets`.
pub(crate) fn classify(
    targets: &[Target<'_>],
    sets: &[&PolicySet],
    actions: &[&str],
    principal_values: &BTreeMap<String, BTreeSet<String>>,
) -> Classes {
    let wanted: Vec<(String, String)> = actions
        .iter()
        .filter_map(|a| a.split_once(':'))
        .map(|(s, n)| (s.to_ascii_lowercase(), n.to_ascii_lowercase()))
        .collect();
    let (patterns, tag_keys) = target_distinctions(sets, |st| {
        wanted.iter().any(|(s, n)| st.action.applies_to(s, n))
    });
    let mut globs: Vec<Glob> = Vec::new();
    for text in &patterns {
        globs.extend(instantiations(
            &Template::parse(text, true),
            principal_values,
        ));
    }
    let mut index: HashMap<(Vec<bool>, Vec<Option<String>>), u32> = HashMap::new();
    let mut class_of = Vec::with_capacity(targets.len());
    for t in targets {
        let tags: BTreeMap<String, &str> = t
            .tags
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.as_str()))
            .collect();
        let signature = (
            globs.iter().map(|g| arn_glob_matches(g, t.arn)).collect(),
            tag_keys
                .iter()
                .map(|k| tags.get(k).map(|v| (*v).to_owned()))
                .collect(),
        );
        let next = u32::try_from(index.len()).unwrap_or(u32::MAX);
        class_of.push(*index.entry(signature).or_insert(next));
    }
    Classes { class_of }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Policy, PolicyKind};

    #[test]
    fn targets_split_by_pattern_variable_and_tag() {
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::1:role/team-${aws:PrincipalTag/team}-*"},
              {"Effect":"Deny","Action":"sts:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}},
              {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:iam::1:role/other"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let set = PolicySet::identity(vec![p]);
        let mut values = BTreeMap::new();
        values.insert(
            "aws:principaltag/team".to_owned(),
            ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect(),
        );
        let prod = vec![("env".to_owned(), "prod".to_owned())];
        let none: Vec<(String, String)> = Vec::new();
        let targets = [
            Target {
                arn: "arn:aws:iam::1:role/team-a-1",
                tags: &none,
            },
            Target {
                arn: "arn:aws:iam::1:role/team-a-2",
                tags: &none,
            },
            Target {
                arn: "arn:aws:iam::1:role/team-c-1",
                tags: &none,
            },
            Target {
                arn: "arn:aws:iam::1:role/team-a-3",
                tags: &prod,
            },
            Target {
                arn: "arn:aws:iam::1:role/other",
                tags: &none,
            },
            Target {
                arn: "arn:aws:iam::1:role/unrelated",
                tags: &none,
            },
        ];
        let c = classify(&targets, &[&set], &["sts:AssumeRole"], &values);
        let k: Vec<u32> = (0..targets.len()).map(|i| c.of(i)).collect();
        assert_eq!(k[0], k[1], "same team, same tags");
        assert_ne!(k[0], k[2], "another team's variable value");
        assert_ne!(k[0], k[3], "the tag a condition reads");
        // `role/other` is only named by a statement for another action.
        assert_eq!(k[4], k[5]);
    }
}
