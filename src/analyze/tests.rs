//! Unit tests of the analysis stage as a whole: statement selection, concrete evaluation,
//! worlds.

use super::*;
use crate::eval::ContextValue;
use crate::policy::{Policy, PolicyKind};

fn set(json: &str) -> PolicySet {
    PolicySet::identity(vec![Policy::parse(json, PolicyKind::Identity).unwrap()])
}

#[test]
fn formula_selects_statements_by_action_clause() {
    let s = set(r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:Create*", "Resource": "*"},
        {"Effect": "Allow", "NotAction": "sagemaker:CreateTrainingJob", "Resource": "*"},
        {"Effect": "Deny", "Action": "SageMaker:createtrainingjob", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    ]}"#);
    let analyzer = Analyzer::new(
        Catalog::sagemaker_default(),
        AnalysisConfig::new("111122223333"),
    );
    let f = analyzer.formula(&s, "sagemaker:CreateTrainingJob").unwrap();
    assert_eq!(f.statement_count(), 2);
    // The two `*` resource clauses are one atom; the condition is another.
    assert_eq!(f.atom_count(), 2);
    let f = analyzer.formula(&s, "sagemaker:DescribeModel").unwrap();
    assert_eq!(f.statement_count(), 1);
    assert!(matches!(
        analyzer.formula(&s, "sagemaker:NoSuchAction"),
        Err(AnalyzeError::UnknownAction(_))
    ));
}

#[test]
fn admits_reads_request_then_principal() {
    let s = set(r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sagemaker:CreateTrainingJob", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}
    ]}"#);
    let catalog = Catalog::sagemaker_default();
    let analyzer = Analyzer::new(catalog, AnalysisConfig::new("111122223333"));
    let f = analyzer.formula(&s, "sagemaker:CreateTrainingJob").unwrap();
    let mut principal = Context::new();
    principal
        .insert("aws:PrincipalTag/team", ContextValue::Single("ml".into()))
        .unwrap();
    let mut r = Request::new(
        "sagemaker:CreateTrainingJob",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/x",
    )
    .unwrap();
    r.context
        .insert("aws:RequestTag/team", ContextValue::Single("ml".into()))
        .unwrap();
    assert!(f.admits(&r, &principal, catalog).unwrap());
    assert!(!f.admits(&r, &Context::new(), catalog).unwrap());
    // A principal key in the request wins over the principal's context, as in the engine.
    r.context
        .insert(
            "aws:PrincipalTag/team",
            ContextValue::Single("other".into()),
        )
        .unwrap();
    assert!(!f.admits(&r, &principal, catalog).unwrap());
    let other = Request::new("sagemaker:DescribeModel", "*").unwrap();
    assert!(matches!(
        f.admits(&other, &principal, catalog),
        Err(AnalyzeError::OtherAction { .. })
    ));
}

#[test]
fn worlds_follow_resource_types() {
    let catalog = Catalog::sagemaker_default();
    let cfg = AnalysisConfig::new("111122223333");
    let ws = |a: &str| world::worlds(catalog, catalog.action(a).unwrap(), &cfg);
    assert_eq!(ws("sagemaker:ListTrainingJobs").len(), 1);
    assert_eq!(ws("sagemaker:ListTrainingJobs")[0].name, "*");
    let ctj: Vec<String> = ws("sagemaker:CreateTrainingJob")
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert!(ctj.contains(&"training-job".to_owned()), "{ctj:?}");
    assert!(ws("sagemaker:AddTags").len() > 50);
    // The format's language is exactly the catalog's, in the audited partition and account.
    let w = &ws("sagemaker:CreateTrainingJob")
        .into_iter()
        .find(|w| w.name == "training-job")
        .unwrap();
    let world::ResourceDomain::Arn { format, .. } = &w.resource else {
        panic!("not an ARN world")
    };
    let rt = w.rt.unwrap();
    for arn in [
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/x",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/",
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/a/b",
        "arn:aws:sagemaker::111122223333:training-job/x",
        "arn:aws:sagemaker:us-east-1:444455556666:training-job/x",
    ] {
        let same_account = arn.contains(":111122223333:");
        let non_empty_region = !arn.contains("sagemaker::");
        assert_eq!(
            format.matches(arn),
            rt.matches_arn(arn) && same_account && non_empty_region,
            "{arn}"
        );
    }
}
