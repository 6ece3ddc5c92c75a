//! The `gaad_load` fuzz property, shared by the fuzz target (`fuzz/fuzz_targets/gaad_load.rs`
//! includes this file) and `cargo test` (which replays kept crashers and runs it on generated
//! inputs): any bytes go through GAAD loading and grouping without panicking, and what comes out
//! is consistent.
//!
//! Input bytes are used two ways: as the document text itself (raw robustness), and as the
//! choices of a generator that writes a GAAD document of roles, users, groups and managed
//! policies with realistic and broken parts (percent-encoded documents, wrong types, missing and
//! repeated entries, invalid policies), so the fuzzer reaches the loader's inner paths quickly.

use arbitrary::{Result as ArbResult, Unstructured};
use serde_json::{Value, json};

use iamc::Catalog;
use iamc::audit::evaluation_groups;
use iamc::audit::{ManagedPolicyDir, load_gaad_text};
use iamc::policy::Policy;

const ACCOUNT: &str = "123456789012";

fn pick<'a>(u: &mut Unstructured<'_>, from: &[&'a str]) -> ArbResult<&'a str> {
    u.choose(from).copied()
}

/// A policy document: usually valid, sometimes broken in one place.
fn policy(u: &mut Unstructured<'_>) -> ArbResult<Value> {
    let n = u.int_in_range(0..=3)?;
    let mut statements = Vec::new();
    for _ in 0..n {
        let mut st = serde_json::Map::new();
        st.insert(
            "Effect".into(),
            json!(pick(u, &["Allow", "Deny", "allow"])?),
        );
        let action = pick(
            u,
            &[
                "sagemaker:*",
                "sagemaker:CreateTrainingJob",
                "iam:PassRole",
                "sts:AssumeRole",
                "*",
                "s3:GetObject,PutObject",
                "bad",
            ],
        )?;
        st.insert(
            (if u.ratio(1, 5)? {
                "NotAction"
            } else {
                "Action"
            })
            .into(),
            json!(action),
        );
        let resource = pick(
            u,
            &[
                "*",
                "arn:aws:sagemaker:*:123456789012:training-job/*",
                "arn:aws:iam::123456789012:role/${aws:username}",
                "not-an-arn",
            ],
        )?;
        st.insert("Resource".into(), json!(resource));
        if u.ratio(1, 3)? {
            let op = pick(
                u,
                &[
                    "StringEquals",
                    "StringLike",
                    "NumericLessThan",
                    "Bool",
                    "Null",
                    "Nope",
                ],
            )?;
            let key = pick(
                u,
                &[
                    "aws:PrincipalTag/team",
                    "aws:username",
                    "sagemaker:InstanceTypes",
                    "aws:SourceIp",
                ],
            )?;
            let value = pick(
                u,
                &["ml", "${aws:PrincipalTag/team}", "3600", "true", "x y"],
            )?;
            st.insert("Condition".into(), json!({ op: { key: value } }));
        }
        statements.push(Value::Object(st));
    }
    let mut doc = json!({"Version": "2012-10-17", "Statement": statements});
    if u.ratio(1, 10)? {
        doc = json!({"Statement": "oops"});
    }
    Ok(doc)
}

/// A document as GAAD holds it: an object, or percent-encoded text, or something wrong.
fn document(u: &mut Unstructured<'_>) -> ArbResult<Value> {
    let doc = policy(u)?;
    Ok(match u.int_in_range(0..=9)? {
        0..=5 => doc,
        6..=7 => Value::String(percent_encode(&doc.to_string())),
        8 => Value::String("%E2%28%A1".into()),
        _ => json!(42),
    })
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn tags(u: &mut Unstructured<'_>) -> ArbResult<Value> {
    let mut tags = Vec::new();
    for _ in 0..u.int_in_range(0..=2)? {
        tags.push(json!({"Key": pick(u, &["team", "env", "Team"])?, "Value": pick(u, &["ml", "fraud", ""])?}));
    }
    Ok(Value::Array(tags))
}

/// A GAAD document driven by `u`.
pub fn gaad(u: &mut Unstructured<'_>) -> ArbResult<Value> {
    let mut policies = Vec::new();
    let managed_names = ["Shared", "Boundary", "Missing"];
    for name in &managed_names[..2] {
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy/{name}");
        let doc = document(u)?;
        let default = u.ratio(4, 5)?;
        policies.push(json!({
            "PolicyName": name, "Arn": arn, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": default}],
        }));
    }
    if u.ratio(1, 6)? {
        let again = policies[0].clone();
        policies.push(again);
    }
    let attach = |u: &mut Unstructured<'_>| -> ArbResult<Value> {
        let mut list = Vec::new();
        for _ in 0..u.int_in_range(0..=2)? {
            let name = pick(u, &managed_names)?;
            list.push(json!({"PolicyName": name, "PolicyArn": format!("arn:aws:iam::{ACCOUNT}:policy/{name}")}));
        }
        Ok(Value::Array(list))
    };
    let mut groups = Vec::new();
    for g in 0..u.int_in_range(0..=2)? {
        groups.push(json!({
            "GroupName": format!("g{g}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:group/g{g}"),
            "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(u)?}],
            "AttachedManagedPolicies": attach(u)?,
        }));
    }
    let mut roles = Vec::new();
    for r in 0..u.int_in_range(0..=4)? {
        let name = if u.ratio(1, 8)? {
            "r0".to_owned()
        } else {
            format!("r{r}")
        };
        let mut role = json!({
            "RoleName": name, "Path": pick(u, &["/", "/aws-service-role/", "/ml/"])?,
            "Arn": format!("arn:aws:iam::{ACCOUNT}:role/{name}"), "RoleId": format!("AROA{r}"),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": document(u)?}],
            "AttachedManagedPolicies": attach(u)?,
            "Tags": tags(u)?,
        });
        if u.ratio(1, 3)? {
            role["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": format!("arn:aws:iam::{ACCOUNT}:policy/{}", pick(u, &managed_names)?)});
        }
        if u.ratio(1, 10)? {
            role["RolePolicyList"] = json!("not a list");
        }
        roles.push(role);
    }
    let mut users = Vec::new();
    for i in 0..u.int_in_range(0..=3)? {
        let group_list: Vec<String> = (0..u.int_in_range(0..=2)?)
            .map(|g| format!("g{g}"))
            .collect();
        users.push(json!({
            "UserName": format!("u{i}"), "Arn": format!("arn:aws:iam::{ACCOUNT}:user/u{i}"),
            "UserId": format!("AIDA{i}"), "Path": "/", "GroupList": group_list,
            "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(u)?}],
            "AttachedManagedPolicies": attach(u)?, "Tags": tags(u)?,
        }));
    }
    let mut doc = json!({
        "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies,
    });
    if u.ratio(1, 12)? {
        doc["RoleDetailList"] = json!({"not": "an array"});
    }
    Ok(doc)
}

/// The property: loading and grouping never panic; on success every principal has a JSON pointer
/// into the document, is in at most one group, in one exactly when it has no errors, and every
/// error renders.
pub fn gaad_load(data: &[u8]) -> Result<(), String> {
    let raw = String::from_utf8_lossy(data).into_owned();
    check_text(&raw)?;
    let mut u = Unstructured::new(data);
    if let Ok(doc) = gaad(&mut u) {
        check_text(&doc.to_string())?;
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), String> {
    let account = match load_gaad_text(text, "fuzz.json", &ManagedPolicyDir::default()) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.to_string();
            return Ok(());
        }
    };
    let root: Value =
        serde_json::from_str(text).map_err(|e| format!("loaded invalid JSON: {e}"))?;
    for e in &account.errors {
        let _ = e.to_string();
    }
    let catalog = Catalog::sagemaker_default();
    let scp = Policy::allow_all();
    for scps in [Vec::new(), vec![vec![scp]]] {
        let groups = evaluation_groups(&account, &scps, catalog);
        let mut seen = vec![0usize; account.principals.len()];
        for g in &groups {
            if g.is_empty() || !g.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!("group members not ascending: {g:?}"));
            }
            for &m in g {
                *seen.get_mut(m).ok_or(format!("member {m} out of range"))? += 1;
            }
        }
        for (p, n) in account.principals.iter().zip(&seen) {
            for e in p.errors.iter().chain(&p.warnings) {
                let _ = e.to_string();
            }
            let want = usize::from(p.errors.is_empty());
            if *n != want {
                return Err(format!(
                    "{} is in {n} groups with {} errors",
                    p.arn,
                    p.errors.len()
                ));
            }
            if root.pointer(&p.pointer).is_none() {
                return Err(format!(
                    "{}: pointer {} is not in the document",
                    p.arn, p.pointer
                ));
            }
        }
    }
    Ok(())
}

/// Runs the property on `n` generated inputs (`cargo test` does a few hundred).
#[allow(
    dead_code,
    reason = "cargo test runs it; the fuzz target includes this file without it"
)]
pub fn run_generated(n: usize, seed: u64) -> Result<(), String> {
    let mut state = seed;
    let (mut loaded, mut principals) = (0usize, 0usize);
    for i in 0..n {
        let bytes: Vec<u8> = (0..512)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect();
        gaad_load(&bytes).map_err(|e| format!("input {i} (seed {seed}): {e}"))?;
        let mut u = Unstructured::new(&bytes);
        if let Ok(doc) = gaad(&mut u)
            && let Ok(a) = load_gaad_text(&doc.to_string(), "g.json", &ManagedPolicyDir::default())
        {
            loaded += 1;
            principals += a.principals.len();
        }
    }
    // The generator must reach the loader's inner paths, not stop at the first byte.
    if n >= 100 && (loaded * 2 < n || principals < n) {
        return Err(format!(
            "generator too weak: {loaded} of {n} documents loaded, {principals} principals"
        ));
    }
    Ok(())
}
