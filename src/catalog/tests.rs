//! Unit tests of the catalog: the embedded data, lookups, ARN-to-resource-type resolution and
//! loading AWS-format files.

use super::*;

fn default() -> &'static Catalog {
    Catalog::sagemaker_default()
}

#[test]
fn public_types_are_send_sync_clone_debug() {
    fn check<T: Send + Sync + Clone + fmt::Debug>() {}
    check::<Catalog>();
    check::<Service>();
    check::<ActionInfo>();
    check::<ResourceType>();
    check::<KeyInfo>();
    check::<ArnFormat>();
    check::<LoadedCatalog>();
    fn send_sync<T: Send + Sync>() {}
    send_sync::<CatalogError>();
}

#[test]
fn embedded_data_parses_with_expected_counts() {
    let catalog = Catalog::build_default().unwrap();
    let sm = catalog.service("sagemaker").unwrap();
    let iam = catalog.service("iam").unwrap();
    assert_eq!(sm.actions.len(), 460);
    assert_eq!(iam.actions.len(), 1);
    assert_eq!(sm.resource_types.len(), 74);
    assert_eq!(iam.resource_types.len(), 1);
    assert_eq!(sm.condition_keys.len(), 68);
    assert_eq!(catalog.global_keys().len(), 59);
    assert_eq!(catalog.services().count(), 2);
    // The static default is the same data.
    assert_eq!(
        default().services().map(|s| s.actions.len()).sum::<usize>(),
        461
    );
    assert_eq!(Catalog::default_owned().global_keys().len(), 59);
    // Every action's resource type is declared by its service.
    for s in catalog.services() {
        for a in &s.actions {
            for r in &a.resources {
                assert!(s.resource_type(&r.name).is_some(), "{} {}", a.name, r.name);
                assert!(r.required.is_some());
            }
        }
    }
}

#[test]
fn access_levels() {
    let level = |a: &str| default().action(a).unwrap().access_level;
    assert_eq!(level("sagemaker:AddTags"), AccessLevel::Tagging);
    assert_eq!(level("sagemaker:DeleteTags"), AccessLevel::Tagging);
    assert_eq!(level("sagemaker:ListTrainingJobs"), AccessLevel::List);
    assert_eq!(level("sagemaker:CreateTrainingJob"), AccessLevel::Write);
    assert_eq!(level("sagemaker:DescribeTrainingJob"), AccessLevel::Read);
    assert_eq!(level("iam:PassRole"), AccessLevel::Write);
    let sm = default().service("sagemaker").unwrap();
    let count = |l| sm.actions.iter().filter(|a| a.access_level == l).count();
    assert_eq!(count(AccessLevel::Write), 257);
    assert_eq!(count(AccessLevel::Read), 104);
    assert_eq!(count(AccessLevel::List), 97);
    assert_eq!(count(AccessLevel::Tagging), 2);
    assert_eq!(count(AccessLevel::PermissionsManagement), 0);
    assert_eq!(
        AccessLevel::PermissionsManagement.as_str(),
        "Permissions management"
    );
    assert_eq!(
        AccessLevel::parse("permissions MANAGEMENT"),
        Some(AccessLevel::PermissionsManagement)
    );
    assert!(AccessLevel::List < AccessLevel::Tagging);
}

#[test]
fn action_lookup_is_case_insensitive() {
    let a = default().action("SageMaker:describetrainingjob").unwrap();
    assert_eq!(a.name, "DescribeTrainingJob");
    assert_eq!(a.service, "sagemaker");
    assert_eq!(a.full_name(), "sagemaker:DescribeTrainingJob");
    assert!(default().action("sagemaker:NoSuchAction").is_none());
    assert!(default().action("s3:GetObject").is_none());
    assert!(default().action("sagemaker").is_none());
    assert!(default().service("SAGEMAKER").is_some());
}

#[test]
fn create_training_job_resources_and_dependents() {
    let a = default().action("sagemaker:CreateTrainingJob").unwrap();
    let names: Vec<_> = a.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["reserved-capacity", "training-job", "training-plan"]
    );
    let required: Vec<_> = a.resources.iter().map(|r| r.required).collect();
    assert_eq!(required, [Some(false), Some(true), Some(false)]);
    assert!(a.dependent_actions.iter().any(|d| d == "iam:PassRole"));
    assert!(a.dependent_actions.iter().any(|d| d == "sagemaker:AddTags"));
    assert!(
        !a.dependent_actions
            .iter()
            .any(|d| d == "sagemaker:CreateTrainingJob")
    );
    assert!(
        a.condition_keys
            .iter()
            .any(|k| k == "sagemaker:InstanceTypes")
    );
    assert!(!a.is_wildcard_only());
    let with_deps = default()
        .service("sagemaker")
        .unwrap()
        .actions
        .iter()
        .filter(|a| !a.dependent_actions.is_empty())
        .count();
    assert_eq!(with_deps, 74);
    // Per-resource-row keys are merged into the action's keys.
    let add_tags = default().action("sagemaker:AddTags").unwrap();
    assert!(
        add_tags
            .condition_keys
            .iter()
            .any(|k| k == "sagemaker:CurrentModelLifeCycleStage")
    );
}

#[test]
fn wildcard_only_actions() {
    let sm = default().service("sagemaker").unwrap();
    assert_eq!(
        sm.actions.iter().filter(|a| a.is_wildcard_only()).count(),
        96
    );
    assert!(
        default()
            .action("sagemaker:ListTrainingJobs")
            .unwrap()
            .is_wildcard_only()
    );
}

#[test]
fn key_lookup() {
    let c = default();
    let k = c.key("sagemaker:instancetypes").unwrap();
    assert_eq!(k.name, "sagemaker:InstanceTypes");
    assert_eq!(k.ty, KeyType::String);
    assert!(k.multivalued);
    assert!(c.is_multivalued("sagemaker:InstanceTypes"));
    assert!(c.is_multivalued("aws:TagKeys"));
    assert!(c.is_multivalued("AWS:tagkeys"));
    let tag = c.key("AWS:RequestTag/Team").unwrap();
    assert_eq!(tag.name, "aws:RequestTag/${TagKey}");
    assert_eq!(tag.ty, KeyType::String);
    assert!(!tag.multivalued);
    assert!(c.key("aws:RequestTag/").is_none());
    assert_eq!(c.key("aws:CurrentTime").unwrap().ty, KeyType::Date);
    assert_eq!(c.key("aws:sourceip").unwrap().ty, KeyType::IpAddress);
    assert_eq!(
        c.key("aws:PrincipalTag/dept").unwrap().name,
        "aws:PrincipalTag/${TagKey}"
    );
    assert_eq!(
        c.key("aws:MultiFactorAuthPresent").unwrap().ty,
        KeyType::Bool
    );
    assert_eq!(c.key("sagemaker:VolumeKmsKeyArn").unwrap().ty, KeyType::Arn);
    assert_eq!(c.key("iam:PassedToService").unwrap().ty, KeyType::String);
    assert_eq!(
        c.key("iam:ResourceTag/team").unwrap().name,
        "iam:ResourceTag/${TagKey}"
    );
    assert_eq!(c.key("ec2:RoleDelivery").unwrap().ty, KeyType::Numeric);
    // Exact names win over templates: the literal `sagemaker:ResourceTag/` key.
    assert_eq!(
        c.key("sagemaker:resourcetag/").unwrap().name,
        "sagemaker:ResourceTag/"
    );
    assert_eq!(
        c.key("sagemaker:ResourceTag/x").unwrap().name,
        "sagemaker:ResourceTag/${TagKey}"
    );
    let meta = c.key("sagemaker:CustomerMetadataProperties/owner").unwrap();
    assert_eq!(
        meta.name,
        "sagemaker:CustomerMetadataProperties/${MetadataKey}"
    );
    assert!(c.key("aws:NoSuchKey").is_none());
    assert!(c.key("nosuchservice:Key").is_none());
    assert!(!c.is_multivalued("aws:NoSuchKey"));
}

#[test]
fn key_types_parse() {
    let k = |t: &str| {
        let k = KeyInfo::from_aws_type("x:y".into(), t);
        (k.ty, k.multivalued)
    };
    assert_eq!(k("String"), (KeyType::String, false));
    assert_eq!(k("ArrayOfString"), (KeyType::String, true));
    assert_eq!(k("ARN"), (KeyType::Arn, false));
    assert_eq!(k("Arn"), (KeyType::Arn, false));
    assert_eq!(k("ArrayOfARN"), (KeyType::Arn, true));
    assert_eq!(k("Numeric"), (KeyType::Numeric, false));
    assert_eq!(k("Date"), (KeyType::Date, false));
    assert_eq!(k("Bool"), (KeyType::Bool, false));
    assert_eq!(k("Boolean"), (KeyType::Bool, false));
    assert_eq!(k("ArrayOfBool"), (KeyType::Bool, true));
    assert_eq!(k("IPAddress"), (KeyType::IpAddress, false));
    assert_eq!(k("IpAddress"), (KeyType::IpAddress, false));
    assert_eq!(k("Binary"), (KeyType::Binary, false));
    assert_eq!(k("Mystery"), (KeyType::Unknown, false));
    assert_eq!(k("ArrayOfMystery"), (KeyType::Unknown, true));
    assert_eq!(k(""), (KeyType::Unknown, false));
    assert_eq!(k("é"), (KeyType::Unknown, false));
}

#[test]
fn resource_type_for_arns() {
    let c = default();
    let rt = |action: &str, arn: &str| {
        c.resource_type_for(c.action(action).unwrap(), arn)
            .map(|r| r.name.as_str())
    };
    assert_eq!(
        rt(
            "sagemaker:CreateTrainingJob",
            "arn:aws:sagemaker:us-east-1:111122223333:training-job/my-job"
        ),
        Some("training-job")
    );
    assert_eq!(
        rt(
            "sagemaker:AddTags",
            "arn:aws:sagemaker:us-east-1:111122223333:app/d-abc/alice/JupyterServer/default"
        ),
        Some("app")
    );
    let export = "arn:aws:sagemaker:us-east-1:111122223333:model-card/x/export-job/y";
    assert_eq!(
        rt("sagemaker:DescribeModelCardExportJob", export),
        Some("model-card-export-job")
    );
    // AddTags lists `model-card` but not the export job: a `model-card/${ModelCardName}` format
    // must not claim the export job's ARN.
    assert_eq!(rt("sagemaker:AddTags", export), None);
    assert_eq!(rt("sagemaker:DescribeModelCard", export), None);
    assert_eq!(
        rt(
            "sagemaker:AddTags",
            "arn:aws:sagemaker:us-east-1:111122223333:model-card/x"
        ),
        Some("model-card")
    );
    assert_eq!(
        rt(
            "sagemaker:AddTags",
            "arn:aws:sagemaker:us-east-1:111122223333:device-fleet/f/device/d"
        ),
        Some("device")
    );
    assert_eq!(
        rt(
            "sagemaker:AddTags",
            "arn:aws:sagemaker:us-east-1:111122223333:edge-deployment/plan"
        ),
        Some("edge-deployment-plan")
    );
    // CreateTrainingJob cannot be scoped to an endpoint.
    assert_eq!(
        rt(
            "sagemaker:CreateTrainingJob",
            "arn:aws:sagemaker:us-east-1:111122223333:endpoint/e"
        ),
        None
    );
    assert_eq!(
        rt(
            "iam:PassRole",
            "arn:aws:iam::111122223333:role/service-role/AmazonSageMaker-ExecutionRole"
        ),
        Some("role")
    );
    assert_eq!(rt("sagemaker:ListTrainingJobs", "*"), None);
}

#[test]
fn every_sagemaker_resource_type_matches_its_own_rendered_arn() {
    let sm = default().service("sagemaker").unwrap();
    let fill = |name: &str| {
        Some(match name {
            "Partition" => "aws".to_owned(),
            "Region" => "us-east-1".to_owned(),
            "Account" => "111122223333".to_owned(),
            other => format!("x{}", other.len()),
        })
    };
    for r in &sm.resource_types {
        let arn = r.render_arn(&fill).unwrap();
        assert!(r.matches_arn(&arn), "{} {arn}", r.name);
        // Exactly one resource type claims each rendered ARN: formats do not overlap.
        let claimed: Vec<_> = sm
            .resource_types
            .iter()
            .filter(|o| o.matches_arn(&arn))
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(claimed, [r.name.as_str()], "{arn}");
    }
    let tj = sm.resource_type("training-job").unwrap();
    assert_eq!(
        tj.placeholders(),
        ["Partition", "Region", "Account", "TrainingJobName"]
    );
    assert_eq!(tj.render_arn(&|_| None), None);
}

const S3: &str = r#"{
  "Name": "s3",
  "Actions": [
    {"Name": "GetObject",
     "ActionConditionKeys": ["s3:ExistingObjectTag/${TagKey}", "s3:signatureversion"],
     "Annotations": {"Properties": {"IsList": false, "IsPermissionManagement": false,
                                    "IsTaggingOnly": false, "IsWrite": false}},
     "Resources": [{"Name": "object"}],
     "SupportedBy": {"IAM Access Analyzer Policy Generation": true}},
    {"Name": "ListAllMyBuckets",
     "Annotations": {"Properties": {"IsList": true}}},
    {"Name": "PutBucketPolicy",
     "Annotations": {"Properties": {"IsPermissionManagement": true, "IsWrite": true}},
     "Resources": [{"Name": "bucket"}]}
  ],
  "ConditionKeys": [
    {"Name": "s3:ExistingObjectTag/${TagKey}", "Types": ["String"]},
    {"Name": "s3:signatureversion", "Types": ["String"]},
    {"Name": "s3:ObjectCreationDate", "Types": ["Date"]}
  ],
  "Operations": [
    {"Name": "GetObject", "AuthorizedActions": [
      {"Name": "GetObject", "Service": "s3"},
      {"Name": "Decrypt", "Service": "KMS"}],
     "SDK": [{"Name": "s3", "Method": "get_object", "Package": "Boto3"}]},
    {"Name": "HeadObject", "AuthorizedActions": [{"Name": "GetObject", "Service": "s3"}]}
  ],
  "Resources": [
    {"Name": "bucket", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}"]},
    {"Name": "object", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"],
     "ConditionKeys": []}
  ],
  "Version": "v1.4"
}"#;

#[test]
fn load_another_service() {
    let mut c = Catalog::default_owned();
    let loaded = c.load_json(S3, "s3.json").unwrap();
    assert_eq!(
        loaded,
        LoadedCatalog {
            services: vec!["s3".into()],
            actions: 3,
            global_keys: 0
        }
    );
    assert_eq!(c.services().count(), 3);
    let get = c.action("S3:getobject").unwrap();
    assert_eq!(get.access_level, AccessLevel::Read);
    assert_eq!(
        get.resources,
        [ActionResource {
            name: "object".into(),
            required: None
        }]
    );
    assert_eq!(get.dependent_actions, ["kms:Decrypt"]);
    assert!(c.action("s3:ListAllMyBuckets").unwrap().is_wildcard_only());
    assert_eq!(
        c.action("s3:ListAllMyBuckets").unwrap().access_level,
        AccessLevel::List
    );
    assert_eq!(
        c.action("s3:PutBucketPolicy").unwrap().access_level,
        AccessLevel::PermissionsManagement
    );
    assert_eq!(c.key("s3:ObjectCreationDate").unwrap().ty, KeyType::Date);
    assert_eq!(
        c.key("s3:existingobjecttag/k").unwrap().name,
        "s3:ExistingObjectTag/${TagKey}"
    );
    // SageMaker is still there.
    assert!(c.action("sagemaker:CreateTrainingJob").is_some());
    // The default is untouched.
    assert!(default().service("s3").is_none());
    // `object` (an object key may contain `/`), not `bucket` (a bucket name cannot).
    let rt = c.resource_type_for(get, "arn:aws:s3:::my-bucket/a/b.txt");
    assert_eq!(rt.map(|r| r.name.as_str()), Some("object"));
    let bucket = c.service("s3").unwrap().resource_type("bucket").unwrap();
    assert!(!bucket.matches_arn("arn:aws:s3:::my-bucket/a/b.txt"));
    let put = c.action("s3:PutBucketPolicy").unwrap();
    assert_eq!(
        c.resource_type_for(put, "arn:aws:s3:::my-bucket")
            .map(|r| r.name.as_str()),
        Some("bucket")
    );
    // Replacing a service by prefix.
    let smaller = r#"{"Name": "S3", "Actions": [{"Name": "GetObject"}]}"#;
    c.load_json(smaller, "small.json").unwrap();
    assert_eq!(c.service("s3").unwrap().actions.len(), 1);
    assert_eq!(
        c.action("s3:GetObject").unwrap().access_level,
        AccessLevel::Read
    );
}

#[test]
fn load_global_keys_adds_and_replaces() {
    let mut c = Catalog::default_owned();
    let text = r#"{"ConditionKeys": [
        {"Name": "aws:NewKey", "Types": ["ArrayOfNumeric"]},
        {"Name": "AWS:SourceIp", "Types": ["String"]}]}"#;
    let loaded = c.load_json(text, "keys.json").unwrap();
    assert_eq!(loaded.global_keys, 2);
    assert!(loaded.services.is_empty());
    assert_eq!(c.global_keys().len(), 60);
    assert!(c.is_multivalued("aws:newkey"));
    assert_eq!(c.key("aws:SourceIp").unwrap().ty, KeyType::String);
}

#[test]
fn malformed_files_name_source_and_pointer() {
    let mut c = Catalog::empty();
    let bad = r#"{"Name": "s3", "Actions": [{"Name": "A"}, {"Name": 7}]}"#;
    let err = c.load_json(bad, "bad.json").unwrap_err();
    assert_eq!(err.file(), "bad.json");
    assert_eq!(err.pointer(), Some("/Actions/1/Name"));
    let msg = err.to_string();
    assert!(
        msg.contains("`bad.json`") && msg.contains("/Actions/1/Name"),
        "{msg}"
    );

    let err = c
        .load_json("{\"Name\": \"s3\", \"Actions\": [", "trunc.json")
        .unwrap_err();
    assert!(matches!(err, CatalogError::Json { .. }), "{err}");
    assert!(err.to_string().contains("`trunc.json`"));

    let err = c.load_json("{} {}", "two.json").unwrap_err();
    assert!(matches!(err, CatalogError::Json { .. }), "{err}");

    let err = c.load_json("{}", "empty.json").unwrap_err();
    assert!(matches!(err, CatalogError::Invalid { .. }), "{err}");
    assert_eq!(err.pointer(), Some(""));
    assert!(err.to_string().contains("at /:"), "{err}");

    let err = c
        .load_json(r#"{"Actions": []}"#, "noname.json")
        .unwrap_err();
    assert_eq!(err.pointer(), Some("/Name"));

    let dup = r#"{"Name": "x", "Actions": [{"Name": "A"}, {"Name": "a"}]}"#;
    let err = c.load_json(dup, "dup.json").unwrap_err();
    assert_eq!(err.pointer(), Some("/Actions/1/Name"));
    assert!(err.to_string().contains("duplicate action `a`"), "{err}");

    let arn = r#"{"Name": "x", "Resources": [{"Name": "r", "ARNFormats": ["ok", "arn:${X"]}]}"#;
    let err = c.load_json(arn, "arn.json").unwrap_err();
    assert_eq!(err.pointer(), Some("/Resources/0/ARNFormats/1"));

    let key = r#"{"ConditionKeys": [{"Name": ""}]}"#;
    let err = c.load_json(key, "key.json").unwrap_err();
    assert_eq!(err.pointer(), Some("/ConditionKeys/0/Name"));

    // Nothing was added by the failed loads.
    assert_eq!(c.services().count(), 0);
    assert!(c.global_keys().is_empty());
}

#[test]
fn load_file_reports_io_errors() {
    let mut c = Catalog::empty();
    let err = c
        .load_file(Path::new("/nonexistent/iamc-catalog.json"))
        .unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }));
    assert_eq!(err.file(), "/nonexistent/iamc-catalog.json");
    assert!(
        err.to_string()
            .starts_with("cannot read catalog file `/nonexistent/iamc-catalog.json`")
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/catalog/iam.json");
    let loaded = c.load_file(&path).unwrap();
    assert_eq!(loaded.services, ["iam"]);
    assert_eq!(loaded.actions, 1);
}
