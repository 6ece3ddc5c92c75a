//! The `report_render` fuzz property, shared by the fuzz target
//! (`fuzz/fuzz_targets/report_render.rs` includes this file and `gen_gaad.rs`) and `cargo test`
//! (which replays kept crashers and runs it on generated inputs): whatever account the bytes
//! describe, the audit's reports render and each is well-formed for the tool that reads it.
//!
//! The bytes drive the GAAD generator of `gen_gaad.rs`; then some names, tags and policy names
//! are replaced by hostile text (markup, quotes, commas, line breaks, spreadsheet formulas,
//! bidirectional controls, policy-variable syntax). The account is audited with a small request
//! space, and every report is rendered in memory:
//! - `coverage.csv`: RFC 4180 parses back, every record has the header's width, no cell starts
//!   with a character a spreadsheet would read as a formula;
//! - `coverage.json`, `summary.json`, `findings.json`: JSON;
//! - `findings.sarif`: the SARIF 2.1.0 structure code scanning requires (rules, rule indexes,
//!   levels, messages, artifact indexes, 1-based regions, fingerprints);
//! - `report.html` (with the policy texts of the file): no injected markup survives unescaped,
//!   `<script>` elements are balanced and hold no `</` or `<!--`, the page data is JSON with no
//!   `<` left in it.

use std::collections::{HashMap, HashSet};

use arbitrary::{Result as ArbResult, Unstructured};
use serde_json::Value;

use iamc::Catalog;
use iamc::audit::load::{ManagedPolicyDir, load_gaad_text};
use iamc::audit::run::{AuditConfig, run_audit_accounts};
use iamc::audit::space::GenConfig;
use iamc::report::{Extras, csv, findings, html, json, sarif};

/// Text that must reach every report escaped. `<x-probe` never appears raw in the HTML.
const HOSTILE: &[&str] = &[
    "<x-probe a=\"1\">",
    "</script><x-probe>",
    "a,\"b\"\r\nc",
    "=HYPERLINK(\"http://x\")",
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tlead",
    "\u{202e}gnp.exe",
    "]]>&amp;<!--",
    "${aws:username}",
    "ünï 𝔘 \u{0}",
    "'quoted'",
];

fn hostile(u: &mut Unstructured<'_>) -> ArbResult<String> {
    let a = u.choose(HOSTILE)?;
    Ok(if u.ratio(1, 3)? {
        format!("ml{a}")
    } else {
        (*a).to_owned()
    })
}

/// Replaces some names, tag values and policy names of `doc` by hostile text (ARNs follow the
/// names they contain).
fn poison(u: &mut Unstructured<'_>, doc: &mut Value) -> ArbResult<()> {
    for (list, name, arn_kind) in [
        ("RoleDetailList", "RoleName", "role"),
        ("UserDetailList", "UserName", "user"),
    ] {
        let Some(items) = doc.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for item in items {
            if u.ratio(1, 2)? {
                let n = hostile(u)?;
                item["Arn"] = Value::String(format!("arn:aws:iam::123456789012:{arn_kind}/{n}"));
                item[name] = Value::String(n);
            }
            if let Some(tags) = item.get_mut("Tags").and_then(Value::as_array_mut) {
                for t in tags {
                    if u.ratio(1, 2)? {
                        t["Value"] = Value::String(hostile(u)?);
                    }
                }
            }
            for key in ["RolePolicyList", "UserPolicyList"] {
                if let Some(ps) = item.get_mut(key).and_then(Value::as_array_mut) {
                    for p in ps {
                        if u.ratio(1, 2)? {
                            p["PolicyName"] = Value::String(hostile(u)?);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// The property for one input.
pub fn report_render(data: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let Ok(mut doc) = crate::gen_gaad::gaad(&mut u) else {
        return Ok(());
    };
    if poison(&mut u, &mut doc).is_err() {
        return Ok(());
    }
    let file = "acct \"<x-probe>\",1.json";
    let text = doc.to_string();
    // Whole-file errors are the loader's property (`gaad_load`); here only accounts that load.
    let Ok(account) = load_gaad_text(&text, file, &ManagedPolicyDir::default()) else {
        return Ok(());
    };
    let cfg = AuditConfig {
        generator: GenConfig {
            variants: 2,
            ..GenConfig::default()
        },
        threads: 1,
        graph: true,
        ..AuditConfig::default()
    };
    let catalog = Catalog::sagemaker_default();
    let result = match run_audit_accounts(&cfg, catalog, vec![account]) {
        Ok(r) => r,
        // An audit refusing the input (no principal at all) is the loud-failure property's.
        Err(_) => return Ok(()),
    };
    let extras = Extras::default();
    check_csv(&csv::render(&result))?;
    for (name, rendered) in [
        ("coverage.json", json::coverage(&result)),
        ("summary.json", json::summary_with(&result, &extras)),
        ("findings.json", findings::render(&result, &extras)),
    ] {
        let text = rendered.map_err(|e| format!("{name}: render: {e}"))?;
        serde_json::from_str::<Value>(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
    }
    let texts: HashMap<String, String> = [(file.to_owned(), text)].into();
    let sources = sarif::Sources::from_texts(&result, &texts);
    let log = sarif::render(&result, &extras, &sources)
        .map_err(|e| format!("findings.sarif: render: {e}"))?;
    let log: Value =
        serde_json::from_str(&log).map_err(|e| format!("findings.sarif: not JSON: {e}"))?;
    check_sarif(&log).map_err(|e| format!("findings.sarif: {e}"))?;
    check_html(&html::render_with_texts(&result, &extras, &texts))
        .map_err(|e| format!("report.html: {e}"))?;
    Ok(())
}

/// Parses RFC 4180 text (CRLF records, `"` quoting); an error for anything malformed.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match c {
            '"' if at_start && field.is_empty() => {
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(c) => field.push(c),
                        None => return Err("unterminated quoted field".into()),
                    }
                }
                match chars.peek() {
                    Some(',') | Some('\r') | None => {}
                    other => return Err(format!("text after a closing quote: {other:?}")),
                }
                at_start = false;
            }
            '"' => return Err(format!("bare quote in field `{field}`")),
            ',' => {
                record.push(std::mem::take(&mut field));
                at_start = true;
            }
            '\r' => {
                if chars.next() != Some('\n') {
                    return Err("CR without LF".into());
                }
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                at_start = true;
            }
            '\n' => return Err("LF without CR outside quotes".into()),
            c => {
                field.push(c);
                at_start = false;
            }
        }
    }
    if !field.is_empty() || !record.is_empty() {
        return Err("last record without CRLF".into());
    }
    Ok(records)
}

fn check_csv(text: &str) -> Result<(), String> {
    let records = parse_csv(text).map_err(|e| format!("coverage.csv: {e}"))?;
    let Some(header) = records.first() else {
        return Err("coverage.csv: no header".into());
    };
    for (i, r) in records.iter().enumerate() {
        if r.len() != header.len() {
            return Err(format!(
                "coverage.csv: record {i} has {} fields, the header {}",
                r.len(),
                header.len()
            ));
        }
        if let Some(cell) = r
            .iter()
            .find(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
        {
            return Err(format!(
                "coverage.csv: record {i}: `{cell}` would be read as a formula"
            ));
        }
    }
    Ok(())
}

/// What code scanning requires of a SARIF 2.1.0 log.
pub fn check_sarif(log: &Value) -> Result<(), String> {
    let want = |ok: bool, what: &str| if ok { Ok(()) } else { Err(what.to_owned()) };
    want(log["version"] == "2.1.0", "version is not 2.1.0")?;
    want(log["$schema"].is_string(), "no $schema")?;
    let runs = log["runs"].as_array().ok_or("no runs")?;
    want(runs.len() == 1, "not one run")?;
    let run = &runs[0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("no rules")?;
    let mut ids = HashSet::new();
    for r in rules {
        let id = r["id"].as_str().ok_or("rule without id")?;
        want(ids.insert(id), "duplicate rule id")?;
        want(
            r["shortDescription"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "rule without short description",
        )?;
    }
    let artifacts = run["artifacts"].as_array().map_or(0, Vec::len);
    let levels = ["none", "note", "warning", "error"];
    for res in run["results"].as_array().ok_or("no results array")? {
        let idx = res["ruleIndex"]
            .as_u64()
            .ok_or("result without ruleIndex")? as usize;
        want(idx < rules.len(), "ruleIndex out of range")?;
        want(
            res["ruleId"] == rules[idx]["id"],
            "ruleId is not its rule's",
        )?;
        want(
            res["level"].as_str().is_some_and(|l| levels.contains(&l)),
            "bad level",
        )?;
        want(
            res["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "empty message",
        )?;
        if let Some(fps) = res["partialFingerprints"].as_object() {
            want(fps.values().all(Value::is_string), "non-string fingerprint")?;
        }
        for l in res["locations"].as_array().ok_or("no locations")? {
            let phys = &l["physicalLocation"];
            let art = &phys["artifactLocation"];
            want(art["uri"].is_string(), "location without uri")?;
            if let Some(ai) = art["index"].as_u64() {
                want((ai as usize) < artifacts, "artifact index out of range")?;
            }
            let region = &phys["region"];
            if !region.is_null() {
                want(
                    region["startLine"].as_u64().is_some_and(|n| n >= 1),
                    "startLine below 1",
                )?;
                if !region["startColumn"].is_null() {
                    want(
                        region["startColumn"].as_u64().is_some_and(|n| n >= 1),
                        "startColumn below 1",
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn check_html(page: &str) -> Result<(), String> {
    if let Some(at) = page.find("<x-probe") {
        let mut from = at.saturating_sub(80);
        while !page.is_char_boundary(from) {
            from -= 1;
        }
        let context: String = page.get(from..).unwrap_or("").chars().take(200).collect();
        return Err(format!("injected markup is not escaped: …{context}…"));
    }
    let opened = page.matches("<script").count();
    let closed = page.matches("</script>").count();
    if opened != closed {
        return Err(format!("{opened} <script> elements but {closed} closed"));
    }
    // Inside `<script>` elements nothing may end the element early or open a comment, and
    // the page data is JSON.
    let mut rest = page;
    while let Some(at) = rest.find("<script") {
        let body = rest.get(at..).unwrap_or("");
        let open_end = body.find('>').ok_or("unterminated <script> tag")? + 1;
        let len = body
            .get(open_end..)
            .and_then(|b| b.find("</script>"))
            .ok_or("<script> not closed")?;
        let text = body.get(open_end..open_end + len).unwrap_or("");
        if text.contains("<!--") || text.contains("</") {
            return Err("`<!--` or `</` inside a <script> element".into());
        }
        if body.starts_with("<script type=\"application/json\"") {
            serde_json::from_str::<Value>(text)
                .map_err(|e| format!("the page data is not JSON: {e}"))?;
            if text.contains('<') {
                return Err("markup characters in the page data".into());
            }
        }
        rest = body.get(open_end + len..).unwrap_or("");
    }
    if !page.trim_end().ends_with("</html>") {
        return Err("the page does not end with </html>".into());
    }
    Ok(())
}

/// Runs the property on `n` pseudo-random inputs from `seed` (for `cargo test`).
pub fn run_generated(n: usize, seed: u64) -> Result<usize, String> {
    let mut state = seed;
    let mut audited = 0;
    for i in 0..n {
        let bytes: Vec<u8> = (0..768)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (state >> 56) as u8
            })
            .collect();
        report_render(&bytes).map_err(|e| format!("input {i} (seed {seed}): {e}"))?;
        let mut u = Unstructured::new(&bytes);
        if let Ok(doc) = crate::gen_gaad::gaad(&mut u)
            && load_gaad_text(&doc.to_string(), "g.json", &ManagedPolicyDir::default()).is_ok()
        {
            audited += 1;
        }
    }
    Ok(audited)
}
