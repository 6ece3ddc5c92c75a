//! `findings.sarif` and `findings.json`: SARIF 2.1.0 structure (required fields, valid indexes),
//! stable fingerprints, regions that land on the statement's line, and — when the official schema
//! is cached and Python's `jsonschema` is importable — full schema validation through
//! `scripts/validate-sarif.sh`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use iamc::report::pointer::{self, LineIndex};
use serde_json::Value;

use crate::common::{repo, shared};

/// The fixture account: a role with a notebook pass-role path (statements on single lines), an
/// execution role, and a user whose policy is a percent-encoded string.
const FIXTURE: &str = "tests/data/suppress/account.json";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("sarif")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `iamc audit FIXTURE --out OUT` from the repository root; returns (exit code, stderr).
fn audit(out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .current_dir(repo())
        .args(["audit", FIXTURE, "--variants", "60", "--threads", "2"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    // The summary line is on stdout, warnings and errors on stderr: both are checked.
    (
        run.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&run.stderr),
            String::from_utf8_lossy(&run.stdout)
        ),
    )
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every structural rule of SARIF 2.1.0 iamc relies on, checked without the schema.
fn check_structure(log: &Value) {
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "iamc");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let mut ids = HashSet::new();
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(ids.insert(id), "duplicate rule {id}");
        assert!(!r["name"].as_str().unwrap().is_empty());
        for k in ["shortDescription", "fullDescription", "help"] {
            assert!(!r[k]["text"].as_str().unwrap().is_empty(), "{id} {k}");
        }
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level), "{level}");
        let score: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score));
        assert!(r["properties"]["tags"].as_array().unwrap().len() >= 2);
    }
    let artifacts = run["artifacts"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let mut used_rules = HashSet::new();
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert!(idx < rules.len(), "ruleIndex {idx} out of range");
        assert_eq!(res["ruleId"], rules[idx]["id"], "ruleIndex names its rule");
        used_rules.insert(idx);
        let level = res["level"].as_str().unwrap();
        assert!(["error", "warning", "note"].contains(&level));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let fp = res["partialFingerprints"]["iamc/v1"].as_str().unwrap();
        assert!(
            fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fp}"
        );
        let locs = res["locations"].as_array().unwrap();
        assert!(!locs.is_empty(), "every result has a location");
        for l in locs {
            let art = &l["physicalLocation"]["artifactLocation"];
            let ai = art["index"].as_u64().unwrap() as usize;
            assert!(ai < artifacts.len(), "artifact index {ai} out of range");
            assert_eq!(artifacts[ai]["location"]["uri"], art["uri"]);
            let region = &l["physicalLocation"]["region"];
            assert!(region["startLine"].as_u64().unwrap() >= 1);
            assert!(region["startColumn"].as_u64().unwrap() >= 1);
            let logical = &l["logicalLocations"][0];
            assert_eq!(logical["kind"], "principal");
            assert_eq!(
                logical["fullyQualifiedName"], res["properties"]["principal"],
                "logical location names the principal"
            );
        }
        let sup = res["suppressions"].as_array().unwrap();
        for s in sup {
            assert_eq!(s["kind"], "external");
            assert!(!s["justification"].as_str().unwrap().is_empty());
        }
    }
    assert_eq!(used_rules.len(), rules.len(), "every rule occurs");
}

/// Full validation with the official schema, or a printed SKIP saying how to enable it.
pub fn validate_with_schema(file: &Path) {
    let schema = repo().join("target/sarif-schema/sarif-2.1.0-rtm.5.json");
    let python = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !schema.is_file() || !python {
        eprintln!(
            "SKIP: SARIF schema validation ({}): run `scripts/validate-sarif.sh {}` once (needs npm \
             and pip) to cache the schema in target/sarif-schema/ and install jsonschema",
            if python {
                "schema not cached"
            } else {
                "python3 jsonschema not importable"
            },
            file.display()
        );
        return;
    }
    let out = Command::new("bash")
        .arg(repo().join("scripts/validate-sarif.sh"))
        .arg(file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("VALID"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The 1-based line and column of the first occurrence of `needle` in the fixture.
fn fixture_position(needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(repo().join(FIXTURE)).unwrap();
    let offset = text.find(needle).unwrap();
    let p = LineIndex::new(&text).position(offset);
    (p.line as u64, p.column as u64)
}

fn region_of(loc: &Value) -> (u64, u64) {
    let r = &loc["physicalLocation"]["region"];
    (
        r["startLine"].as_u64().unwrap(),
        r["startColumn"].as_u64().unwrap(),
    )
}

#[test]
fn sarif_is_structurally_valid_and_locates_statements() {
    let out = scratch("fixture");
    let (code, stderr) = audit(&out, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("findings:") || stderr.contains("finding:"),
        "{stderr}"
    );
    let log = read_json(&out.join("findings.sarif"));
    check_structure(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();

    // The pass-role path: both statements, each at the `{` of its line in the fixture.
    let path = results
        .iter()
        .find(|r| {
            r["ruleId"] == "sagemaker-notebook-passrole"
                && r["properties"]["principal"] == "arn:aws:iam::111122223333:role/ml-dev"
        })
        .expect("notebook pass-role path for ml-dev");
    assert_eq!(
        path["properties"]["targetRole"],
        "arn:aws:iam::111122223333:role/service-role/SageMakerExec"
    );
    let locs = path["locations"].as_array().unwrap();
    assert_eq!(
        locs[0]["physicalLocation"]["artifactLocation"]["uri"],
        FIXTURE
    );
    let regions: Vec<_> = locs.iter().map(region_of).collect();
    assert!(
        regions.contains(&fixture_position("{\"Sid\": \"Notebooks\"")),
        "{regions:?}"
    );
    assert!(
        regions.contains(&fixture_position("{\"Sid\": \"PassExec\"")),
        "{regions:?}"
    );
    // The region ends where the statement ends (same line: statements are one line each).
    let r = &locs[0]["physicalLocation"]["region"];
    assert_eq!(r["endLine"], r["startLine"]);
    assert!(path["properties"]["witness"]["action"].is_string());
    assert!(!path["properties"]["actions"].as_array().unwrap().is_empty());

    // carol's policy is a percent-encoded string: the region is that string.
    let carol = results
        .iter()
        .find(|r| r["properties"]["principal"] == "arn:aws:iam::111122223333:user/carol")
        .expect("a finding for carol");
    assert_eq!(
        region_of(&carol["locations"][0]),
        fixture_position("\"%7B%22Version")
    );

    // Severity → level and security-severity on the rules.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in rules {
        let score = r["properties"]["security-severity"].as_str().unwrap();
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        let expected = match score {
            "9.5" | "8.0" => "error",
            "5.0" => "warning",
            "2.0" => "note",
            other => panic!("unexpected security-severity {other}"),
        };
        assert_eq!(level, expected, "{}", r["id"]);
    }

    // findings.json agrees with the SARIF results.
    let fj = read_json(&out.join("findings.json"));
    assert_eq!(fj["iamc_version"], env!("CARGO_PKG_VERSION"));
    let n = fj["findings"].as_array().unwrap().len() + fj["suppressed"].as_array().unwrap().len();
    assert_eq!(n, results.len());
    assert_eq!(fj["counts"]["total"].as_u64().unwrap() as usize, n);
    let by_sev: u64 = fj["counts"]["by_severity"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(by_sev, fj["counts"]["unsuppressed"].as_u64().unwrap());
    for s in ["critical", "high", "medium", "low"] {
        assert!(fj["counts"]["by_severity"][s].is_u64(), "{s}");
    }
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["findings"], fj["counts"]);

    validate_with_schema(&out.join("findings.sarif"));
}

#[test]
fn fingerprints_and_output_are_stable_across_runs() {
    let a = scratch("stable-a");
    let b = scratch("stable-b");
    assert_eq!(audit(&a, &[]).0, Some(0));
    assert_eq!(audit(&b, &[]).0, Some(0));
    let fps = |dir: &Path| -> Vec<(String, String)> {
        read_json(&dir.join("findings.sarif"))["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["partialFingerprints"]["iamc/v1"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let (fa, fb) = (fps(&a), fps(&b));
    assert!(!fa.is_empty());
    assert_eq!(fa, fb);
    let unique: HashSet<_> = fa.iter().map(|(_, f)| f).collect();
    assert_eq!(unique.len(), fa.len(), "fingerprints are distinct");
    assert_eq!(
        std::fs::read(a.join("findings.sarif")).unwrap(),
        std::fs::read(b.join("findings.sarif")).unwrap(),
        "same inputs, same SARIF"
    );
}

/// Every statement pointer of a real account resolves exactly in its file.
#[test]
fn real_account_locations_resolve() {
    let Some(shared) = shared() else {
        return;
    };
    let gaad = shared.join("data/gaad-samples/cloudsplaining-example.json");
    let out = scratch("real");
    let run = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .arg("audit")
        .arg(&gaad)
        .arg("--managed-policies")
        .arg(shared.join("data/managed-policies"))
        .args(["--variants", "30", "--quiet", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(matches!(run.status.code(), Some(0 | 1)), "{stderr}");
    let log = read_json(&out.join("findings.sarif"));
    check_structure(&log);
    let fj = read_json(&out.join("findings.json"));
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in fj["findings"].as_array().unwrap() {
        for s in f["statements"].as_array().into_iter().flatten() {
            by_file
                .entry(s["file"].as_str().unwrap().to_owned())
                .or_default()
                .push(s["pointer"].as_str().unwrap().to_owned());
        }
    }
    let mut checked = 0;
    for (file, pointers) in by_file {
        let text = std::fs::read_to_string(&file).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        let ptrs: Vec<&str> = pointers.iter().map(String::as_str).collect();
        for (p, r) in ptrs.iter().zip(pointer::resolve_many(&text, &ptrs)) {
            let r = r.unwrap();
            // Object documents resolve exactly; percent-encoded ones stop at their string.
            assert!(r.exact() || r.is_string, "{file}#{p}: {r:?}");
            if r.exact() {
                let want = value.pointer(p).unwrap();
                let mut de = serde_json::Deserializer::from_str(&text[r.offset..]);
                let got = <Value as serde::Deserialize>::deserialize(&mut de).unwrap();
                assert_eq!(&got, want, "{file}#{p}");
            }
            checked += 1;
        }
    }
    eprintln!("{checked} statement locations checked");
    validate_with_schema(&out.join("findings.sarif"));
}
