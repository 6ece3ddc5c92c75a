//! The exact analysis on hand-written policy sets: every domain, combinations across statements
//! and layers, thin non-empty slivers (with witnesses the engine confirms inside `analyze`) and
//! provably empty access.

use iamc::analyze::{Analysis, AnalysisConfig, Analyzer, Class};
use iamc::eval::{Context, ContextValue, Request};
use iamc::{Catalog, Policy, PolicyKind, PolicySet};
use serde_json::{Value, json};

pub const ACCOUNT: &str = "111122223333";

pub fn policy(v: Value, kind: PolicyKind) -> Policy {
    Policy::from_value(&v, kind).unwrap()
}

/// A policy document with `statements`.
pub fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub struct Set {
    pub identity: Vec<Value>,
    pub boundary: Option<Vec<Value>>,
    pub scps: Vec<Vec<Value>>,
    pub session: Option<Value>,
}

impl Set {
    pub fn identity(statements: Value) -> Set {
        Set {
            identity: vec![doc(statements)],
            boundary: None,
            scps: Vec::new(),
            session: None,
        }
    }

    pub fn boundary(mut self, statements: Value) -> Set {
        self.boundary = Some(vec![doc(statements)]);
        self
    }

    pub fn scp(mut self, statements: Value) -> Set {
        self.scps.push(vec![doc(statements)]);
        self
    }

    pub fn session(mut self, statements: Value) -> Set {
        self.session = Some(doc(statements));
        self
    }

    pub fn build(&self) -> PolicySet {
        PolicySet {
            identity: self
                .identity
                .iter()
                .map(|v| policy(v.clone(), PolicyKind::Identity))
                .collect(),
            boundary: self.boundary.as_ref().map(|b| {
                b.iter()
                    .map(|v| policy(v.clone(), PolicyKind::Boundary))
                    .collect()
            }),
            scps: self
                .scps
                .iter()
                .map(|l| {
                    l.iter()
                        .map(|v| policy(v.clone(), PolicyKind::Scp))
                        .collect()
                })
                .collect(),
            session: self
                .session
                .as_ref()
                .map(|v| policy(v.clone(), PolicyKind::Session)),
        }
    }
}

pub fn principal(entries: &[(&str, &str)]) -> Context {
    let mut c = Context::new();
    for (k, v) in entries {
        c.insert(k, ContextValue::Single((*v).to_owned())).unwrap();
    }
    c
}

pub fn analyze_with(set: &Set, ctx: &Context, action: &str) -> Analysis {
    let analyzer = Analyzer::new(Catalog::sagemaker_default(), AnalysisConfig::new(ACCOUNT));
    let a = analyzer
        .analyze_set(&set.build(), ctx, action)
        .unwrap_or_else(|e| panic!("{action}: {e}"));
    check_witnesses(&a, ctx);
    a
}

pub fn analyze(set: &Set, action: &str) -> Analysis {
    analyze_with(set, &Context::new(), action)
}

/// Witness obligations: non-Never exact cells have an allowed witness, non-Always exact cells a
/// denied one; the formula agrees with them (the engine already confirmed them).
pub fn check_witnesses(a: &Analysis, ctx: &Context) {
    let catalog = Catalog::sagemaker_default();
    if a.exact && a.class != Class::Never {
        let w = a.allowed_witness.as_ref().expect("allowed witness");
        assert!(
            a.formula.admits(w, ctx, catalog).unwrap(),
            "allowed witness not admitted"
        );
    }
    if a.exact && a.class != Class::Always {
        let w = a.denied_witness.as_ref().expect("denied witness");
        assert!(
            !a.formula.admits(w, ctx, catalog).unwrap(),
            "denied witness admitted"
        );
    }
}

pub fn value<'a>(r: &'a Request, key: &str) -> Option<&'a [String]> {
    r.context
        .get(&key.to_lowercase())
        .map(|e| e.values.as_slice())
}

fn exact(a: &Analysis, class: Class) {
    assert!(a.exact, "{}: not exact: {:?}", a.action, a.approximate);
    assert_eq!(a.class, class, "{}: worlds {:?}", a.action, a.worlds);
}

const CTJ: &str = "sagemaker:CreateTrainingJob";

#[test]
fn kms_key_sliver_is_conditional() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"ArnLike": {"sagemaker:VolumeKmsKeyArn": "arn:aws:kms:*:*:key/abc?-*"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*-x*"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let w = a.allowed_witness.unwrap();
    let key = &value(&w, "sagemaker:VolumeKmsKeyArn").unwrap()[0];
    assert!(
        key.starts_with("arn:aws:kms:") && key.contains(":key/abc") && !key.contains("-x"),
        "{key}"
    );
}

#[test]
fn kms_key_without_a_sliver_is_never() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"ArnLike": {"sagemaker:VolumeKmsKeyArn": "arn:aws:kms:*:*:key/abc?-x*"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*-x*"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
}

#[test]
fn instance_types_identity_and_boundary_meet() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"ForAnyValue:StringLike": {"sagemaker:InstanceTypes": "ml.p*"}}}
    ]))
    .boundary(json!([
        {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*",
         "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": "*.24xlarge"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let w = a.allowed_witness.unwrap();
    let types = value(&w, "sagemaker:InstanceTypes").unwrap();
    assert_eq!(types.len(), 1);
    assert!(
        types[0].starts_with("ml.p") && types[0].ends_with(".24xlarge"),
        "{types:?}"
    );
}

#[test]
fn scp_region_limit_is_always_within_guardrails() {
    let set = Set::identity(json!([{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]))
        .scp(json!([
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}
        ]));
    for action in [CTJ, "sagemaker:ListTrainingJobs", "sagemaker:AddTags"] {
        let a = analyze(&set, action);
        exact(&a, Class::Conditional);
        assert_eq!(a.own.class, Class::Always, "{action}");
        assert!(a.own.exact);
        assert_eq!(a.guardrails.class, Class::Conditional);
        assert!(a.always_within_guardrails());
        let allowed = a.allowed_witness.unwrap();
        let region = &value(&allowed, "aws:RequestedRegion").unwrap()[0];
        assert!(region == "us-east-1" || region == "eu-west-1");
        let denied = a.denied_witness.unwrap();
        let region = &value(&denied, "aws:RequestedRegion").unwrap()[0];
        assert!(region != "us-east-1" && region != "eu-west-1");
    }
}

#[test]
fn unconditioned_allow_is_always_and_missing_allow_is_never() {
    let set =
        Set::identity(json!([{"Effect": "Allow", "Action": "sagemaker:Create*", "Resource": "*"}]));
    exact(&analyze(&set, CTJ), Class::Always);
    exact(
        &analyze(&set, "sagemaker:DescribeTrainingJob"),
        Class::Never,
    );
}

#[test]
fn resource_patterns_per_segment() {
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ,
        "Resource": "arn:aws:sagemaker:*:111122223333:training-job/team-*"}]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert!(
        a.allowed_witness
            .unwrap()
            .resource
            .contains(":training-job/team-")
    );
    // Another account never matches own-account resources.
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ,
        "Resource": "arn:aws:sagemaker:*:444455556666:training-job/*"}]));
    exact(&analyze(&set, CTJ), Class::Never);
    // Every own-account ARN of every resource type of the action.
    let set = Set::identity(
        json!([{"Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:*:*:*"}]),
    );
    exact(&analyze(&set, CTJ), Class::Always);
    // A short pattern (S-13b).
    let set = Set::identity(
        json!([{"Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:us-east-1:*"}]),
    );
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert!(
        a.allowed_witness
            .unwrap()
            .resource
            .starts_with("arn:aws:sagemaker:us-east-1:111122223333:")
    );
}

#[test]
fn resource_region_meets_scp_region() {
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ,
        "Resource": "arn:aws:sagemaker:us-*:*:training-job/*"}]))
    .scp(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ,
        "Resource": "arn:aws:sagemaker:*-west-?:*:training-job/*"}]))
    .scp(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotLike": {"aws:RequestedRegion": "eu-*"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let w = a.allowed_witness.unwrap();
    assert!(
        w.resource.starts_with("arn:aws:sagemaker:eu-west-"),
        "{}",
        w.resource
    );
    assert_eq!(
        value(&w, "aws:RequestedRegion").unwrap()[0],
        w.resource.split(':').nth(3).unwrap()
    );
}

#[test]
fn not_resource_and_not_action() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sagemaker:*", "NotResource": "arn:aws:sagemaker:*:*:training-job/prod-*"}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert!(
        a.allowed_witness
            .unwrap()
            .resource
            .contains("training-job/prod-")
    );
    exact(&analyze(&set, "sagemaker:ListTrainingJobs"), Class::Never);
    exact(&analyze(&set, "iam:PassRole"), Class::Never);
}

#[test]
fn principal_variables_are_constants() {
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}]));
    let ml = principal(&[("aws:PrincipalTag/team", "ml")]);
    let a = analyze_with(&set, &ml, CTJ);
    exact(&a, Class::Conditional);
    assert_eq!(
        value(a.allowed_witness.as_ref().unwrap(), "aws:RequestTag/team").unwrap(),
        ["ml"]
    );
    // Without the tag the variable has no value: nothing matches.
    exact(&analyze(&set, CTJ), Class::Never);
    // Conditions on principal keys are constants.
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml"}}}]));
    exact(&analyze_with(&set, &ml, CTJ), Class::Always);
    exact(&analyze(&set, CTJ), Class::Never);
}

#[test]
fn request_variables_are_decided_by_concrete_witnesses() {
    // `${aws:RequestTag/team}` relates two request keys: no exact procedure, but a witness
    // that passes the concrete check proves each side.
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/owner": "${aws:RequestTag/team}"}}}]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let w = a.allowed_witness.unwrap();
    assert_eq!(
        value(&w, "aws:RequestTag/owner"),
        value(&w, "aws:RequestTag/team")
    );
    // When no concrete witness is found, the answer is inexact and conservative: the owner
    // must equal the team and differ from it.
    let set = Set::identity(json!([{"Effect": "Allow", "Action": CTJ, "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestTag/owner": "${aws:RequestTag/team}"},
                      "StringNotEquals": {"aws:RequestTag/owner": "${aws:RequestTag/team}"}}}]));
    let a = analyze(&set, CTJ);
    assert!(!a.exact);
    assert_eq!(a.class, Class::Conditional);
    assert!(!a.approximate.is_empty());
    assert!(a.allowed_witness.is_none());
}

#[test]
fn numbers_dates_ips_booleans() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"NumericLessThan": {"sagemaker:MaxRuntimeInSeconds": "100"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": "60"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let v: f64 = value(
        a.allowed_witness.as_ref().unwrap(),
        "sagemaker:MaxRuntimeInSeconds",
    )
    .unwrap()[0]
        .parse()
        .unwrap();
    assert!(v > 60.0 && v < 100.0);
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"NumericLessThan": {"sagemaker:MaxRuntimeInSeconds": "60"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"NumericLessThanEquals": {"sagemaker:MaxRuntimeInSeconds": "60"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);

    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                       "NumericGreaterThan": {"aws:EpochTime": "1893455990"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let w = a.allowed_witness.unwrap();
    assert_eq!(value(&w, "aws:EpochTime").unwrap(), ["1893455991"]);
    assert_eq!(
        value(&w, "aws:CurrentTime").unwrap(),
        ["2029-12-31T23:59:51Z"]
    );

    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/9", "10.128.0.0/9"]}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert_eq!(
        value(a.allowed_witness.as_ref().unwrap(), "aws:SourceIp").unwrap(),
        ["2001:db8::10"]
    );

    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert_eq!(
        value(a.denied_witness.as_ref().unwrap(), "aws:SecureTransport").unwrap(),
        ["false"]
    );
    assert_eq!(
        value(a.allowed_witness.as_ref().unwrap(), "aws:SecureTransport").unwrap(),
        ["true"]
    );
    // Both booleans denied: never.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": ["false", "true"]}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
}

#[test]
fn null_ifexists_and_set_operators() {
    // Present and all values approved, or absent.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
                       "StringEqualsIfExists": {"aws:RequestTag/team": "ml"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let d = a.denied_witness.unwrap();
    let bad_tags =
        value(&d, "aws:TagKeys").is_some_and(|v| v.iter().any(|t| t != "team" && t != "env"));
    let bad_team = value(&d, "aws:RequestTag/team").is_some_and(|v| v[0] != "ml");
    assert!(bad_tags || bad_team, "{d:?}");
    // A deny on any value outside the list, with Null false: the empty/absent set is allowed.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*"},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": ["ml.t3.*", "ml.m5.*"]}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    let d = value(
        a.denied_witness.as_ref().unwrap(),
        "sagemaker:InstanceTypes",
    )
    .unwrap();
    assert!(
        d.iter()
            .any(|t| !t.starts_with("ml.t3.") && !t.starts_with("ml.m5."))
    );
    // Plain operators on a multivalued key never hold (S-3): an allow that needs one is never.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"StringLike": {"sagemaker:InstanceTypes": "*"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
    // Null: the key must be absent, and a deny on absence: never.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"Null": {"sagemaker:VolumeKmsKeyArn": "true"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"Null": {"sagemaker:VolumeKmsKeyArn": "true"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
}

#[test]
fn keys_the_action_never_gets_are_absent() {
    // `sagemaker:InstanceTypes` does not apply to DescribeTrainingJob: the allow never holds,
    // and a deny on it never applies.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": "sagemaker:DescribeTrainingJob", "Resource": "*",
         "Condition": {"ForAnyValue:StringLike": {"sagemaker:InstanceTypes": "*"}}}
    ]));
    exact(
        &analyze(&set, "sagemaker:DescribeTrainingJob"),
        Class::Never,
    );
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": "sagemaker:DescribeTrainingJob", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringLike": {"sagemaker:VolumeKmsKeyArn": "*"}}}
    ]));
    exact(
        &analyze(&set, "sagemaker:DescribeTrainingJob"),
        Class::Always,
    );
}

#[test]
fn layers_gate_each_other() {
    let allow = json!([{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"}]);
    // A boundary without an allow for the action.
    let set = Set::identity(allow.clone())
        .boundary(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    exact(&analyze(&set, CTJ), Class::Never);
    // Two SCP levels: the second limits to training jobs.
    let set = Set::identity(allow.clone())
        .scp(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
        .scp(json!([{"Effect": "Allow", "Action": "sagemaker:*TrainingJob*", "Resource": "*"}]));
    exact(&analyze(&set, CTJ), Class::Always);
    exact(&analyze(&set, "sagemaker:CreateEndpoint"), Class::Never);
    // A session policy that allows only a tagged resource.
    let set = Set::identity(allow).session(
        json!([{"Effect": "Allow", "Action": "sagemaker:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}}]),
    );
    let a = analyze(&set, "sagemaker:DescribeTrainingJob");
    exact(&a, Class::Conditional);
    assert_eq!(
        value(a.allowed_witness.as_ref().unwrap(), "aws:ResourceTag/env").unwrap(),
        ["dev"]
    );
}

#[test]
fn wildcard_only_actions_are_authorized_against_star() {
    let set = Set::identity(json!([{"Effect": "Allow", "Action": "sagemaker:List*",
        "Resource": "arn:aws:sagemaker:*:*:training-job/*"}]));
    exact(&analyze(&set, "sagemaker:ListTrainingJobs"), Class::Never);
    let set =
        Set::identity(json!([{"Effect": "Allow", "Action": "sagemaker:List*", "Resource": "*"}]));
    let a = analyze(&set, "sagemaker:ListTrainingJobs");
    exact(&a, Class::Always);
    assert_eq!(a.allowed_witness.unwrap().resource, "*");
}

#[test]
fn conditions_read_naturally() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:*:*:training-job/*",
         "Condition": {"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.t3.*", "ml.m5.*"]},
                       "StringEquals": {"aws:RequestTag/team": "${aws:PrincipalTag/team}"}}}
    ]))
    .scp(json!([
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "sagemaker:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}
    ]));
    let a = analyze_with(&set, &principal(&[("aws:PrincipalTag/team", "ml")]), CTJ);
    exact(&a, Class::Conditional);
    eprintln!(
        "{}\n{}\n{}",
        a.condition.all.text, a.condition.guardrails.text, a.condition.own.text
    );
    assert_eq!(
        a.condition.guardrails.text,
        "aws:RequestedRegion ∈ {us-east-1, eu-west-1}"
    );
    assert_eq!(
        a.condition.own.text,
        "on training-job: sagemaker:InstanceTypes ⊆ ml.t3.*|ml.m5.* ∧ aws:RequestTag/team = ml; on reserved-capacity, training-plan: never"
    );
    let json = serde_json::to_value(&a.condition).unwrap();
    assert_eq!(
        json["guardrails"]["by_resource_type"][0]["formula"]["op"],
        "condition"
    );
}

fn contributions(set: &Set, action: &str) -> Vec<(String, iamc::analyze::Contribution)> {
    use iamc::Compiler;
    let analyzer = Analyzer::new(Catalog::sagemaker_default(), AnalysisConfig::new(ACCOUNT));
    let ps = set.build();
    let arena = bumpalo::Bump::new();
    let compiled = Compiler::new(&arena, Catalog::sagemaker_default())
        .compile(&ps)
        .unwrap();
    analyzer
        .statements(&ps, &Context::new(), action, &compiled)
        .unwrap()
        .into_iter()
        .map(|v| {
            if v.contribution == iamc::analyze::Contribution::Effective {
                assert!(v.witness.is_some());
            }
            (v.statement.sid.clone().unwrap_or_default(), v.contribution)
        })
        .collect()
}

#[test]
fn dead_redundant_and_effective_statements() {
    use iamc::analyze::Contribution::{Dead, Effective, Redundant};
    let set = Set::identity(json!([
        {"Sid": "Jobs", "Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:*:*:training-job/*"},
        {"Sid": "TeamJobs", "Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:*:*:training-job/team-*"},
        {"Sid": "NeverKey", "Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEquals": {"sagemaker:ModelArn": "x"}}},
        {"Sid": "OnlyUsEast", "Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}},
        {"Sid": "EuWest", "Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    ]));
    let got = contributions(&set, CTJ);
    assert_eq!(
        got,
        [
            ("Jobs".to_owned(), Effective),
            ("TeamJobs".to_owned(), Redundant),
            ("NeverKey".to_owned(), Dead),
            ("OnlyUsEast".to_owned(), Effective),
            ("EuWest".to_owned(), Dead),
        ]
    );
    // Two identical allows: each is redundant given the other.
    let set = Set::identity(json!([
        {"Sid": "A", "Effect": "Allow", "Action": CTJ, "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "sagemaker:Create*", "Resource": "*"}
    ]));
    assert_eq!(
        contributions(&set, CTJ),
        [("A".to_owned(), Redundant), ("B".to_owned(), Redundant)]
    );
    // A boundary that allows nothing makes every identity allow dead.
    let set =
        Set::identity(json!([{"Sid": "A", "Effect": "Allow", "Action": CTJ, "Resource": "*"}]))
            .boundary(json!([{"Sid": "S3", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    assert_eq!(contributions(&set, CTJ), [("A".to_owned(), Dead)]);
}

/// S-45: a Numeric key only carries numbers, a String key any text; an ARN key only ARNs.
#[test]
fn s34_values_follow_the_key_type() {
    let split = |key: &str| {
        Set::identity(json!([
            {"Effect": "Allow", "Action": CTJ, "Resource": "*", "Condition": {"Null": {key: "false"}}},
            {"Effect": "Deny", "Action": CTJ, "Resource": "*", "Condition": {"NumericLessThan": {key: "100"}}},
            {"Effect": "Deny", "Action": CTJ, "Resource": "*", "Condition": {"NumericGreaterThanEquals": {key: "100"}}}
        ]))
    };
    // Every number is below 100 or not.
    exact(
        &analyze(&split("sagemaker:MaxRuntimeInSeconds"), CTJ),
        Class::Never,
    );
    // A tag value may be text no number operator matches.
    let a = analyze(&split("aws:RequestTag/size"), CTJ);
    exact(&a, Class::Conditional);
    let v = &value(a.allowed_witness.as_ref().unwrap(), "aws:RequestTag/size").unwrap()[0];
    assert!(v.parse::<f64>().is_err(), "{v}");
    // An ARN key never carries a non-ARN.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"Null": {"sagemaker:VolumeKmsKeyArn": "false"},
                       "StringNotLike": {"sagemaker:VolumeKmsKeyArn": "arn:*:*:*:*:*"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
    // Bool keys are `true` or `false`: denying both denies everything (see also
    // `numbers_dates_ips_booleans`); a Date key is whole seconds.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                       "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:01Z"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
}

/// S-46: always-present keys are never absent; principal keys never come from the request.
#[test]
fn s35_always_present_and_principal_keys() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"Null": {"aws:RequestedRegion": "true"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"Null": {"aws:SourceIp": "true"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Conditional);
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEquals": {"aws:username": "bob"}}}
    ]));
    exact(
        &analyze_with(&set, &principal(&[("aws:username", "bob")]), CTJ),
        Class::Always,
    );
    exact(
        &analyze_with(&set, &principal(&[("aws:username", "alice")]), CTJ),
        Class::Never,
    );
}

/// S-48: own account and partition; the region of the ARN is the requested region.
#[test]
fn s37_partition_account_and_region() {
    let set = Set::identity(
        json!([{"Effect": "Allow", "Action": CTJ, "Resource": "arn:aws-cn:sagemaker:*:*:*"}]),
    );
    exact(&analyze(&set, CTJ), Class::Never);
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Always);
    // The resource names us-west-2, the request must come from there.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "arn:aws:sagemaker:us-west-2:*:*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
    ]));
    exact(&analyze(&set, CTJ), Class::Never);
    // A role ARN names no region: the requested region is free.
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::*:role/*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}}
    ]));
    let a = analyze(&set, "iam:PassRole");
    exact(&a, Class::Conditional);
    assert_eq!(
        a.allowed_witness.unwrap().resource,
        format!("arn:aws:iam::{ACCOUNT}:role/example")
    );
}

/// S-49: negations are written as IAM twins only where exactly equivalent.
#[test]
fn s38_twins_only_where_equivalent() {
    let set = Set::identity(json!([
        {"Effect": "Allow", "Action": CTJ, "Resource": "*"},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestTag/env": "prod"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"StringEqualsIfExists": {"aws:RequestTag/team": "x"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"NumericLessThan": {"sagemaker:MaxRuntimeInSeconds": "10"}}},
        {"Effect": "Deny", "Action": CTJ, "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}
    ]));
    let a = analyze(&set, CTJ);
    exact(&a, Class::Conditional);
    assert_eq!(
        a.condition.all.text,
        "aws:RequestTag/env ≠ prod ∧ ¬(aws:RequestTag/team = x (if present)) ∧ ¬(sagemaker:MaxRuntimeInSeconds < 10) ∧ aws:CurrentTime ≤ 2030-01-01T00:00:00Z"
    );
}
