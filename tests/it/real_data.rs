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

/// Every managed policy, as a principal's only identity policy, against requests for the actions
/// it mentions (catalog actions with realistic ARNs and contexts from the request generator, and
/// the other services' actions on `*` and on a made-up ARN): the compiled engine's explanation
/// equals the reference evaluator's on every request.
#[test]
fn managed_policies_agree_with_the_reference_on_generated_requests() {
    use iamc::audit::{GenConfig, Mentions, generate_action};
    use iamc::eval::reference;
    use iamc::{Catalog, PolicySet, Request};

    let Some(shared) = shared() else { return };
    let catalog = Catalog::sagemaker_default();
    let files = files_with_ext(&shared.join("data/managed-policies"), "json");
    let cfg = GenConfig {
        variants: 16,
        ..GenConfig::default()
    };
    let (mut requests, mut differences) = (0usize, Vec::new());
    for f in &files {
        let policy =
            Policy::parse(&std::fs::read_to_string(f).unwrap(), PolicyKind::Identity).unwrap();
        let mut mentions = Mentions::default();
        mentions.add_policy(&policy);
        // The actions the policy names, wildcards resolved against the catalog.
        let mut reqs: Vec<Request> = Vec::new();
        for st in &policy.statements {
            for p in &st.action.patterns {
                let iamc::policy::ActionPattern::Service { service, name } = p else {
                    continue;
                };
                let in_catalog: Vec<_> = catalog
                    .actions_with_ids()
                    .filter(|(_, a)| {
                        a.service == *service && name.matches(&a.name.to_ascii_lowercase())
                    })
                    .map(|(id, _)| id)
                    .take(6)
                    .collect();
                for id in in_catalog {
                    if let Some(g) =
                        generate_action(catalog, id, "111122223333", &cfg, &mentions, &[])
                    {
                        reqs.extend(g.requests);
                    }
                }
                if catalog.service(service).is_none() {
                    let concrete = name.to_string().replace(['*', '?'], "x");
                    for resource in [
                        "*",
                        &format!("arn:aws:{service}:us-east-1:111122223333:thing/x"),
                    ] {
                        if let Ok(mut r) = Request::new(&format!("{service}:{concrete}"), resource)
                        {
                            r.principal =
                                Some("arn:aws:sts::111122223333:assumed-role/r/s".to_owned());
                            reqs.push(r);
                        }
                    }
                }
            }
        }
        let set = PolicySet::identity(vec![policy]);
        let arena = bumpalo::Bump::new();
        let compiled_set = iamc::Compiler::new(&arena, catalog).compile(&set).unwrap();
        for r in &reqs {
            requests += 1;
            let want = reference::explain(&set, r, catalog);
            let got = compiled_set.explain(&iamc::PreparedRequest::new(r, catalog));
            if want != got && differences.len() < 10 {
                differences.push(format!(
                    "{}: {} on {}\n  reference {want:?}\n  compiled  {got:?}",
                    f.display(),
                    r.action(),
                    r.resource
                ));
            }
        }
    }
    eprintln!(
        "managed policies: {} policies, {requests} generated requests compared",
        files.len()
    );
    assert!(requests > 10_000, "too few requests generated: {requests}");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
