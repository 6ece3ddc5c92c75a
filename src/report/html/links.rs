//! Links out of the page: the AWS documentation of an action (its row in the Service
//! Authorization Reference) and the public write-ups of an escalation path. Links are plain
//! `<a href>`: the page loads nothing from the network.

use crate::audit::findings::paths::PATHS;

/// The Service Authorization Reference.
const SAR: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/";

/// The AWS documentation of `service:Action`: its row of the actions table of the service's
/// Service Authorization Reference page (`#amazonsagemaker-CreateModel`), for SageMaker and
/// IAM actions; `None` for other services and for names that are not plain action names.
pub(super) fn action_doc(action: &str) -> Option<String> {
    let (service, name) = action.split_once(':')?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (page, anchor) = match service.to_ascii_lowercase().as_str() {
        "sagemaker" => ("list_amazonsagemaker.html", "amazonsagemaker"),
        "iam" => (
            "list_awsidentityandaccessmanagementiam.html",
            "awsidentityandaccessmanagementiam",
        ),
        _ => return None,
    };
    Some(format!("{SAR}{page}#{anchor}-{name}"))
}

/// The page prefixes of the services [`action_doc`] links, for the script (which builds the
/// same links for the actions it renders): `(service, page URL with '#anchor-')`.
pub(super) fn action_doc_prefixes() -> [(&'static str, String); 2] {
    [
        (
            "sagemaker",
            format!("{SAR}list_amazonsagemaker.html#amazonsagemaker-"),
        ),
        (
            "iam",
            format!(
                "{SAR}list_awsidentityandaccessmanagementiam.html#awsidentityandaccessmanagementiam-"
            ),
        ),
    ]
}

/// HackTricks Cloud's SageMaker pages (privilege escalation, persistence, post-exploitation).
const HACKTRICKS: &str = "https://cloud.hacktricks.wiki/en/pentesting-cloud/aws-security/";

/// The public write-ups of a finding's rule: for the SageMaker paths, the sources their table
/// row names (pathfinding.cloud's path page, HackTricks Cloud's SageMaker page of the kind);
/// for an over-broad `iam:PassRole`, AWS's page on passing roles. `(label, url)` pairs.
pub(super) fn write_ups(rule: &str) -> Vec<(String, String)> {
    if rule == "over-broad-passrole" {
        return vec![(
            "AWS: passing a role".to_owned(),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html"
                .to_owned(),
        )];
    }
    let Some(def) = PATHS.iter().find(|d| d.id == rule) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(at) = def.source.find("pathfinding.cloud ") {
        let id: String = def
            .source
            .get(at + "pathfinding.cloud ".len()..)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !id.is_empty() {
            out.push((
                format!("pathfinding.cloud {id}"),
                format!("https://pathfinding.cloud/paths/{id}"),
            ));
        }
    }
    if def.source.contains("HackTricks") {
        let (label, page) = if def.source.contains("HackTricks persistence") {
            (
                "HackTricks: SageMaker persistence",
                "aws-persistence/aws-sagemaker-persistence/index.html",
            )
        } else if def.source.contains("HackTricks post-exploitation") {
            (
                "HackTricks: SageMaker post-exploitation",
                "aws-post-exploitation/aws-sagemaker-post-exploitation/index.html",
            )
        } else {
            (
                "HackTricks: SageMaker privilege escalation",
                "aws-privilege-escalation/aws-sagemaker-privesc/index.html",
            )
        };
        out.push((label.to_owned(), format!("{HACKTRICKS}{page}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_links_name_the_row() {
        assert_eq!(
            action_doc("sagemaker:CreateNotebookInstance").as_deref(),
            Some(
                "https://docs.aws.amazon.com/service-authorization/latest/reference/\
                 list_amazonsagemaker.html#amazonsagemaker-CreateNotebookInstance"
            )
        );
        assert!(action_doc("iam:PassRole").is_some_and(|u| u.ends_with(
            "list_awsidentityandaccessmanagementiam.html#awsidentityandaccessmanagementiam-PassRole"
        )));
        assert_eq!(action_doc("s3:GetObject"), None);
        assert_eq!(action_doc("sagemaker:Create*"), None);
        assert_eq!(action_doc("sagemaker:\"><x>"), None);
        for (service, prefix) in action_doc_prefixes() {
            let u = action_doc(&format!("{service}:X")).unwrap();
            assert_eq!(u, format!("{prefix}X"));
        }
    }

    #[test]
    fn every_path_has_a_write_up() {
        for def in PATHS {
            let ups = write_ups(def.id);
            assert!(!ups.is_empty(), "{}", def.id);
            assert!(
                ups.iter().all(|(_, u)| u.starts_with("https://")),
                "{ups:?}"
            );
        }
        let row1 = write_ups("sagemaker-notebook-passrole");
        assert_eq!(row1[0].1, "https://pathfinding.cloud/paths/sagemaker-001");
        assert!(write_ups("over-broad-write-wildcard").is_empty());
    }
}
