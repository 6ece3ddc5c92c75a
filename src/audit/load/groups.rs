//! The parts of a GAAD file that are not principals but that the graph stage needs: IAM groups
//! (which users can join or whose policies can be changed) and the stored non-default versions
//! of customer managed policies (which `iam:SetDefaultPolicyVersion` can switch to).

use std::collections::BTreeMap;

use serde_json::Value;
use serde_json::value::RawValue;

use super::{IamGroup, Loader, Owner, PolicyVersion, element, list_at, str_at};
use crate::policy::PolicyKind;

impl Loader<'_> {
    /// Every group of `GroupDetailList` with its policies (problems are reported by members).
    pub(super) fn iam_groups(&mut self, list: &[Box<RawValue>]) -> Vec<IamGroup> {
        let mut out = Vec::new();
        for (gi, raw) in list.iter().enumerate() {
            let g = &*self.group_tree(gi, raw);
            let Some(name) = str_at(g, "GroupName") else {
                continue;
            };
            let (mut policies, mut errors) = (Vec::new(), Vec::new());
            self.identity_policies(
                g,
                &format!("/GroupDetailList/{gi}"),
                "GroupPolicyList",
                &mut Owner {
                    label_prefix: &format!("group:{name}/"),
                    docs: &mut policies,
                    errors: &mut errors,
                    who: "",
                },
            );
            out.push(IamGroup {
                name: name.to_owned(),
                arn: str_at(g, "Arn").unwrap_or("").to_owned(),
                policies,
                complete: errors.is_empty(),
            });
        }
        out
    }

    /// Non-default versions of customer managed policies that parse (AWS managed policies
    /// cannot be changed by the account, so theirs are left out).
    pub(super) fn other_versions(
        &self,
        list: &[Box<RawValue>],
    ) -> BTreeMap<String, Vec<PolicyVersion>> {
        let mut out: BTreeMap<String, Vec<PolicyVersion>> = BTreeMap::new();
        for (i, raw) in list.iter().enumerate() {
            let p = &element(raw);
            let Some(arn) = str_at(p, "Arn") else {
                continue;
            };
            if arn.starts_with("arn:aws:iam::aws:") {
                continue;
            }
            let default_id = str_at(p, "DefaultVersionId");
            for (j, v) in list_at(p, "PolicyVersionList").iter().enumerate() {
                let is_default = v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true)
                    || (default_id.is_some() && str_at(v, "VersionId") == default_id);
                let Some(doc) = v.get("Document").filter(|_| !is_default) else {
                    continue;
                };
                let pointer = format!("/Policies/{i}/PolicyVersionList/{j}/Document");
                if let Ok((policy, _)) = self.document(doc, &pointer, PolicyKind::Identity) {
                    out.entry(arn.to_owned()).or_default().push(PolicyVersion {
                        version: str_at(v, "VersionId").unwrap_or("").to_owned(),
                        policy,
                        pointer,
                    });
                }
            }
        }
        out
    }
}
