//! Runs every case of `tests/cases/**/*.jsonl` through every evaluator the crate has, under the
//! default and the extended catalog (or the one the case names), and checks each decision
//! against the case's `expect` (or, for `expect_error` cases, that the case is rejected with a
//! located error).

use std::collections::BTreeMap;

use bumpalo::Bump;
use iamc::case::parse_case_line;
use iamc::catalog::Catalog;
use iamc::compile::Compiler;
use iamc::eval::{Decision, PreparedRequest, compiled, reference};

use crate::common::{files_with_ext, repo};

/// An evaluator under test: name and decision function.
type Engine = (&'static str, fn(&iamc::case::Case, &Catalog) -> Decision);

fn engines() -> Vec<Engine> {
    vec![
        ("reference", |c, cat| {
            reference::evaluate(&c.policies, &c.request, cat).decision
        }),
        ("compiled", |c, cat| {
            compiled::evaluate(&c.policies, &c.request, cat)
                .unwrap()
                .decision
        }),
        ("batch", |c, cat| {
            let arena = Bump::new();
            let set = Compiler::new(&arena, cat).compile(&c.policies).unwrap();
            let reqs = vec![PreparedRequest::new(&c.request, cat); 3];
            let out = set.evaluate_batch_par(&reqs);
            assert!(out.windows(2).all(|w| w[0] == w[1]));
            out[0].decision
        }),
    ]
}

/// The catalogs a case is decided under. A case whose decision depends on which services the
/// catalog holds names its catalog in a `catalog` member (`"sagemaker"`: the default, what audits
/// use; `"aws"`: the extended one, [`Catalog::aws_default`]); readers of the shared case format
/// ignore the member. Every other case must decide alike under both.
fn catalogs_for(raw: &serde_json::Value) -> Result<Vec<(&'static str, &'static Catalog)>, String> {
    let sagemaker = ("sagemaker", Catalog::sagemaker_default());
    let aws = ("aws", Catalog::aws_default());
    match raw.get("catalog") {
        None => Ok(vec![sagemaker, aws]),
        Some(serde_json::Value::String(s)) if s == "sagemaker" => Ok(vec![sagemaker]),
        Some(serde_json::Value::String(s)) if s == "aws" => Ok(vec![aws]),
        Some(other) => Err(format!(
            "`catalog` must be \"sagemaker\" or \"aws\", not {other}"
        )),
    }
}

#[test]
fn case_suite_agrees_with_expect_on_every_engine() {
    let files = files_with_ext(&repo().join("tests/cases"), "jsonl");
    assert!(!files.is_empty(), "no case files under tests/cases");
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut total, mut errors_expected) = (0usize, 0usize);
    for file in &files {
        let rel = file.strip_prefix(repo()).unwrap().display().to_string();
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            total += 1;
            let raw: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{rel}:{}: not JSON: {e}", n + 1));
            let id = raw["id"].as_str().unwrap_or("").to_owned();
            if let Some(prev) = ids.insert(id.clone(), rel.clone()) {
                failures.push(format!(
                    "{rel}:{}: duplicate id `{id}` (also in {prev})",
                    n + 1
                ));
            }
            let why = raw["why"].as_str().unwrap_or("");
            if why.len() < 20 {
                failures.push(format!("{rel}:{}: `{id}` has no meaningful `why`", n + 1));
            }
            let expect_error = raw["expect_error"].as_bool().unwrap_or(false);
            match (parse_case_line(line), expect_error) {
                (Err(e), true) => {
                    errors_expected += 1;
                    if !e.message.contains(" at /") && !e.message.contains("field `") {
                        failures.push(format!(
                            "{rel}:{}: `{id}` error is not located: {}",
                            n + 1,
                            e.message
                        ));
                    }
                }
                (Ok(_), true) => failures.push(format!(
                    "{rel}:{}: `{id}` should be rejected but parsed",
                    n + 1
                )),
                (Err(e), false) => failures.push(format!(
                    "{rel}:{}: `{id}` does not parse: {}",
                    n + 1,
                    e.message
                )),
                (Ok(case), false) => {
                    let Some(expect) = case.expect else {
                        failures.push(format!("{rel}:{}: `{id}` has no `expect`", n + 1));
                        continue;
                    };
                    let catalogs = match catalogs_for(&raw) {
                        Ok(c) => c,
                        Err(e) => {
                            failures.push(format!("{rel}:{}: `{id}`: {e}", n + 1));
                            continue;
                        }
                    };
                    for (cat_name, catalog) in catalogs {
                        let want = reference::explain(&case.policies, &case.request, catalog);
                        let got =
                            compiled::explain(&case.policies, &case.request, catalog).unwrap();
                        if want != got {
                            failures.push(format!(
                                "{rel}:{}: `{id}` [{cat_name} catalog] explanations differ:\n  reference {want:?}\n  compiled  {got:?}",
                                n + 1
                            ));
                        }
                        // Under the extended catalog the compiled set above (checked against
                        // the reference) stands for the compiled and batch engines: they share
                        // the compiler, and compiling against ~3,300 actions per engine would
                        // triple the suite's time.
                        let engines = if cat_name == "sagemaker" {
                            engines()
                        } else {
                            engines()
                                .into_iter()
                                .filter(|(name, _)| *name == "reference")
                                .collect()
                        };
                        for (name, engine) in engines {
                            let got = engine(&case, catalog);
                            if got != expect {
                                failures.push(format!(
                                    "{rel}:{}: `{id}` [{name}, {cat_name} catalog] expected {expect}, got {got} -- {why}",
                                    n + 1
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    eprintln!(
        "case suite: {total} cases in {} files ({errors_expected} invalid-input cases)",
        files.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        total >= 300,
        "the suite must hold at least 300 cases, found {total}"
    );
}
