//! Sharing one action's evaluation between groups.
//!
//! The engine decides a request of one action from the statements whose `Action` or `NotAction`
//! applies to that action, layer by layer, and from the principal's values of the keys those
//! statements read (condition keys, and the policy variables of conditions and resources): the
//! grouping's rule ([`crate::audit::group`]) narrowed to one action. Groups that differ only in
//! statements for other actions therefore get the same decision on every request of this one,
//! so the coverage pass evaluates each action's requests once per distinct [`ActionKey`] and
//! gives the result to every group that has it. A 10,000-role account has about 13,000 such
//! keys over its 563,000 group × action cells.
//!
//! Statements are compared by content (their position in the policy included), never by a
//! hash of it, so two groups share only when the statements are the same.

use std::collections::HashMap;

use super::Group;
use crate::eval::Layer;
use crate::policy::Statement;

/// The statements of every group's set, each distinct one numbered once.
pub(crate) struct Statements<'g> {
    /// The distinct statements, by number.
    distinct: Vec<&'g Statement>,
    /// The lowercase keys each distinct statement reads.
    reads: Vec<Vec<String>>,
    /// Per group: its layers in evaluation order, each with its statements' numbers.
    layers: Vec<Vec<(Layer, Vec<u32>)>>,
}

/// What decides a group's requests of one action: per layer, the statements that apply to it,
/// and the principal's values of the keys they read (`None` for a key the principal lacks).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct ActionKey<'s> {
    layers: Vec<(Layer, Vec<u32>)>,
    principal: Vec<(&'s str, Option<Value<'s>>)>,
}

/// A principal's value of one key: its values, and whether it is a list.
type Value<'s> = (&'s [String], bool);

impl<'g> Statements<'g> {
    /// Numbers the statements of `groups`' sets.
    pub(crate) fn new(groups: &[&'g Group<'_>]) -> Statements<'g> {
        let mut number: HashMap<&'g Statement, u32> = HashMap::new();
        let mut distinct: Vec<&'g Statement> = Vec::new();
        let mut layers = Vec::with_capacity(groups.len());
        for g in groups {
            let mut mine: Vec<(Layer, Vec<u32>)> = Vec::new();
            for (layer, policies) in g.set.layers() {
                let ids = policies
                    .iter()
                    .flat_map(|p| &p.statements)
                    .map(|st| {
                        *number.entry(st).or_insert_with(|| {
                            distinct.push(st);
                            u32::try_from(distinct.len() - 1).unwrap_or(u32::MAX)
                        })
                    })
                    .collect();
                mine.push((layer, ids));
            }
            layers.push(mine);
        }
        let reads = distinct
            .iter()
            .map(|st| {
                let mut keys = std::collections::BTreeSet::new();
                crate::audit::group::statement_reads(st, &mut keys);
                keys.into_iter().collect()
            })
            .collect();
        Statements {
            distinct,
            reads,
            layers,
        }
    }

    /// Which distinct statements apply to `action` (`service:Name`).
    pub(crate) fn applying(&self, action: &str) -> Vec<bool> {
        let (service, name) = action.split_once(':').unwrap_or(("", action));
        let (service, name) = (service.to_ascii_lowercase(), name.to_ascii_lowercase());
        self.distinct
            .iter()
            .map(|st| st.action.applies_to(&service, &name))
            .collect()
    }

    /// The key of group `gi` (of the groups this was built from) for the action whose
    /// [`applying`](Self::applying) statements are `applies`.
    pub(crate) fn key<'s>(
        &'s self,
        gi: usize,
        group: &'s Group<'_>,
        applies: &[bool],
    ) -> ActionKey<'s> {
        let on = |id: &u32| applies.get(*id as usize).copied().unwrap_or(true);
        let layers: Vec<(Layer, Vec<u32>)> = self
            .layers
            .get(gi)
            .map(|ls| {
                ls.iter()
                    .map(|(layer, ids)| (*layer, ids.iter().copied().filter(on).collect()))
                    .collect()
            })
            .unwrap_or_default();
        let mut read: Vec<&str> = layers
            .iter()
            .flat_map(|(_, ids)| ids)
            .filter_map(|id| self.reads.get(*id as usize))
            .flatten()
            .map(String::as_str)
            .collect();
        read.sort_unstable();
        read.dedup();
        let principal = read
            .into_iter()
            .map(|k| {
                let value = group
                    .principal
                    .get(k)
                    .map(|e| (e.values.as_slice(), e.is_list));
                (k, value)
            })
            .collect();
        ActionKey { layers, principal }
    }
}

/// For each group, the index of the first group with the same key (itself when it is first).
pub(crate) fn representatives(keys: &[ActionKey<'_>]) -> Vec<usize> {
    let mut first: HashMap<&ActionKey<'_>, usize> = HashMap::new();
    keys.iter()
        .enumerate()
        .map(|(i, k)| *first.entry(k).or_insert(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::group::{Grouping, group_principals};
    use crate::audit::load::{ManagedPolicyDir, load_gaad_text};
    use crate::audit::space::{GenConfig, Mentions, generate_action};
    use crate::catalog::Catalog;
    use crate::compile::Compiler;

    /// Five roles: `a` and `b` tagged team=a and team=b with the same policy (a list statement
    /// and a create statement that reads the team tag), `c` with the list statement only, `d` as
    /// `c` under a boundary, `e` with the list statement under a `Sid`.
    const GAAD: &str = r#"{
      "RoleDetailList": [
        {"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a",
         "Tags": [{"Key": "team", "Value": "a"}],
         "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"},
           {"Effect": "Allow", "Action": "sagemaker:CreateModel", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}]}}]},
        {"RoleName": "b", "Arn": "arn:aws:iam::111122223333:role/b",
         "Tags": [{"Key": "team", "Value": "b"}],
         "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"},
           {"Effect": "Allow", "Action": "sagemaker:CreateModel", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}]}}]},
        {"RoleName": "c", "Arn": "arn:aws:iam::111122223333:role/c",
         "RolePolicyList": [{"PolicyName": "q", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"},
           {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]},
        {"RoleName": "d", "Arn": "arn:aws:iam::111122223333:role/d",
         "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
           "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/bound"},
         "RolePolicyList": [{"PolicyName": "q", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
           {"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"},
           {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}]},
        {"RoleName": "e", "Arn": "arn:aws:iam::111122223333:role/e",
         "RolePolicyList": [{"PolicyName": "r", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
           {"Sid": "Named", "Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"}]}}]}
      ],
      "Policies": [
        {"PolicyName": "bound", "Arn": "arn:aws:iam::111122223333:policy/bound",
         "DefaultVersionId": "v1",
         "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document":
           {"Statement": [{"Effect": "Allow", "Action": "sagemaker:ListModels", "Resource": "*"}]}}]}
      ]
    }"#;

    fn with_groups(f: impl FnOnce(&Grouping<'_>, &Mentions, &Catalog)) {
        let catalog = Catalog::sagemaker_default();
        let account = load_gaad_text(GAAD, "share.json", &ManagedPolicyDir(None)).unwrap();
        let arena = bumpalo::Bump::new();
        let compiler = Compiler::new(&arena, catalog);
        let mut mentions = Mentions::default();
        let grouping = group_principals(&account, &[], &[], &compiler, catalog, &mut mentions);
        assert!(grouping.principal_errors.iter().all(Vec::is_empty));
        assert_eq!(grouping.groups.len(), 5, "each role is its own group");
        f(&grouping, &mentions, catalog);
    }

    #[test]
    fn groups_share_an_action_when_its_statements_and_read_values_agree() {
        with_groups(|grouping, _, _| {
            let groups: Vec<&Group<'_>> = grouping.groups.iter().collect();
            let statements = Statements::new(&groups);
            let reps = |action: &str| {
                let applies = statements.applying(action);
                let keys: Vec<ActionKey<'_>> = groups
                    .iter()
                    .enumerate()
                    .map(|(i, g)| statements.key(i, g, &applies))
                    .collect();
                representatives(&keys)
            };
            // a, b and c have the same list statement and read nothing for it; d's boundary
            // is a layer of its own; e's statement is another (its `Sid`).
            assert_eq!(reps("sagemaker:ListModels"), [0, 0, 0, 3, 4]);
            // The create statement reads the team tag, which differs; c, d and e have no
            // statement for it, and d's boundary still sets it apart.
            assert_eq!(reps("sagemaker:CreateModel"), [0, 1, 2, 3, 2]);
            // Case does not matter in action names.
            assert_eq!(reps("SageMaker:listmodels"), [0, 0, 0, 3, 4]);
        });
    }

    /// Every group's counts and samples, shared or evaluated on its own, are the same.
    #[test]
    fn a_shared_evaluation_equals_each_groups_own() {
        with_groups(|grouping, mentions, catalog| {
            let groups: Vec<&Group<'_>> = grouping.groups.iter().collect();
            let statements = Statements::new(&groups);
            let cfg = GenConfig {
                variants: 40,
                ..GenConfig::default()
            };
            let mut shared_some = false;
            for action in [
                "sagemaker:ListModels",
                "sagemaker:CreateModel",
                "sagemaker:ListTrainingJobs",
                "sagemaker:DeleteModel",
            ] {
                let id = catalog.action_id(action).unwrap();
                let reqs =
                    generate_action(catalog, id, "111122223333", &cfg, mentions, &[]).unwrap();
                let (shared, evaluated, _) =
                    super::super::shared_evaluation(&groups, &statements, &reqs, catalog);
                let own = super::super::evaluate_action(&groups, &reqs, catalog);
                shared_some |= evaluated < (reqs.requests.len() * groups.len()) as u64;
                assert_eq!(shared.len(), own.len());
                for (s, o) in shared.iter().zip(&own) {
                    assert!(s.same_samples(o), "{action}: {s:?} vs {o:?}");
                    assert_eq!(
                        (s.other_allowed, s.other_total),
                        (o.other_allowed, o.other_total)
                    );
                }
            }
            assert!(shared_some, "some action was shared");
        });
    }

    /// The coverage pass's classes of alike cells are the groups with the same formula, each
    /// key computed on its own (groups that share an evaluation take their class from it).
    #[test]
    fn alike_cells_are_the_cells_with_the_same_formula() {
        with_groups(|grouping, mentions, catalog| {
            let cfg = GenConfig {
                variants: 40,
                ..GenConfig::default()
            };
            let analyzer = crate::analyze::Analyzer::new(
                catalog,
                crate::analyze::AnalysisConfig::new("111122223333"),
            );
            let names = [
                "sagemaker:ListModels",
                "sagemaker:CreateModel",
                "sagemaker:DeleteModel",
            ];
            let actions: Vec<crate::catalog::ActionId> = names
                .iter()
                .map(|a| catalog.action_id(a).unwrap())
                .collect();
            let space = crate::audit::space::RequestSpace::new(
                catalog,
                "111122223333",
                &cfg,
                mentions,
                &[],
            );
            let mut stats = crate::audit::model::Stats::default();
            let out = super::super::account_coverage(
                &grouping.groups,
                &[true; 5],
                &actions,
                &space,
                catalog,
                &analyzer,
                &mut stats,
                &crate::audit::progress::Progress::new(false),
            );
            assert!(out.errors.is_empty(), "{:?}", out.errors);
            assert!(stats.engine_decisions < stats.decisions);
            for (k, name) in names.iter().enumerate() {
                let keys: Vec<_> = grouping
                    .groups
                    .iter()
                    .map(|g| {
                        let f = analyzer.formula(&g.set, name).unwrap();
                        super::super::formula_key(&f, &g.principal)
                    })
                    .collect();
                // e's list statement differs from a's only by its `Sid`: another evaluation,
                // the same formula.
                if k == 0 {
                    assert_eq!(keys[4], keys[0]);
                }
                for i in 0..5 {
                    for j in 0..5 {
                        assert_eq!(
                            out.alike[i][k] == out.alike[j][k],
                            keys[i] == keys[j],
                            "{name}: groups {i} and {j}"
                        );
                    }
                }
            }
        });
    }
}
