//! Real AWS data must load: every managed policy in `../shared/data/managed-policies/` and every
//! policy document inside the GAAD samples parses and validates.

use iamc::policy::{Policy, PolicyKind};

use crate::common::{files_with_ext, shared};

#[test]
fn every_managed_policy_parses() {
    let Some(shared) = shared() else { return };
    let files = files_with_ext(&shared.join("data/managed-policies"), "json");
    assert!(
        files.len() >= 271,
        "expected 271 managed policies, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut statements = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        match Policy::parse(&text, PolicyKind::Identity) {
            Ok(p) => statements += p.statements.len(),
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    eprintln!(
        "managed policies: {} files, {statements} statements",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Collects every policy document of a GAAD file: inline policies of users, groups and roles,
/// every managed-policy version, and trust policies, decoding percent-encoded strings.
fn gaad_documents(v: &serde_json::Value) -> Vec<(String, PolicyKind, String)> {
    fn doc_text(d: &serde_json::Value) -> String {
        match d {
            serde_json::Value::String(s) => percent_decode(s),
            other => other.to_string(),
        }
    }
    let mut out = Vec::new();
    for (list, inline) in [
        ("UserDetailList", "UserPolicyList"),
        ("GroupDetailList", "GroupPolicyList"),
        ("RoleDetailList", "RolePolicyList"),
    ] {
        for (i, e) in v[list].as_array().into_iter().flatten().enumerate() {
            for (j, p) in e[inline].as_array().into_iter().flatten().enumerate() {
                out.push((
                    format!("/{list}/{i}/{inline}/{j}"),
                    PolicyKind::Identity,
                    doc_text(&p["PolicyDocument"]),
                ));
            }
            if !e["AssumeRolePolicyDocument"].is_null() {
                out.push((
                    format!("/{list}/{i}/AssumeRolePolicyDocument"),
                    PolicyKind::Trust,
                    doc_text(&e["AssumeRolePolicyDocument"]),
                ));
            }
        }
    }
    for (i, p) in v["Policies"].as_array().into_iter().flatten().enumerate() {
        for (j, ver) in p["PolicyVersionList"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push((
                format!("/Policies/{i}/PolicyVersionList/{j}"),
                PolicyKind::Identity,
                doc_text(&ver["Document"]),
            ));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn every_gaad_sample_policy_parses() {
    let Some(shared) = shared() else { return };
    let files = files_with_ext(&shared.join("data/gaad-samples"), "json");
    assert!(
        files.len() >= 6,
        "expected 6 GAAD samples, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    let mut count = 0;
    for f in &files {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for (ptr, kind, text) in gaad_documents(&v) {
            count += 1;
            if let Err(e) = Policy::parse(&text, kind) {
                failures.push(format!("{} {ptr}: {e}", f.display()));
            }
        }
    }
    eprintln!("GAAD samples: {count} policy documents");
    // 286 documents: inline, trust and every managed-policy version of the six samples.
    assert_eq!(count, 286, "document count changed");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
