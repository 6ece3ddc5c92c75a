//! The `report_render` fuzz property, shared by the fuzz target
//! (`fuzz/fuzz_targets/report_render.rs` includes this file and `gen_gaad.rs`) and `cargo test`
//! (which replays kept crashers and runs it on generated inputs): whatever account the bytes
//! describe, the audit's reports render and each is well-formed for the tool that reads it.
//!
//! The bytes drive the GAAD generator of `gen_gaad.rs`; then some names, tags and policy names
//! are replaced by hostile text (markup, quotes, commas, line breaks, spreadsheet formulas,
//! bidirectional controls, policy-variable syntax). The account is audited with a small request
//! space, and every report is rendered in memory:
//! - `coverage.csv`, `coverage-cells.csv`, `coverage-actions.csv`: RFC 4180 parses back, every
//!   record has the header's width, no cell starts with a character a spreadsheet would read as a
//!   formula, within a spreadsheet's row and column limits, and every principal × action cell
//!   (class, approximate, allowed, total, access level, deciding keys, condition) is recovered
//!   from them exactly ([`check_csv_lossless`]);
//! - `coverage.json`, `summary.json`, `findings.json`: JSON; every principal's cells and
//!   pass-role list are recovered from `coverage.json`'s tables ([`check_coverage_json_lossless`])
//!   and every finding, with its principal details, from `findings.json`
//!   ([`check_findings_lossless`]);
//! - `findings.sarif`: the SARIF 2.1.0 structure code scanning requires (rules, rule indexes,
//!   levels, messages, artifact indexes, 1-based regions, fingerprints);
//! - `report.html` (with the policy texts of the file): no injected markup survives unescaped,
//!   `<script>` elements are balanced and hold no `</` or `<!--`, the page data is JSON with no
//!   `<` left in it.

use std::collections::{HashMap, HashSet};

use arbitrary::{Result as ArbResult, Unstructured};
use serde_json::Value;

use iamc::Catalog;
use iamc::audit::GenConfig;
use iamc::audit::{AuditConfig, run_audit_accounts};
use iamc::audit::{AuditResult, Class, Status};
use iamc::audit::{ManagedPolicyDir, load_gaad_text};
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
    check_csv_lossless(
        &result,
        &csv::render(&result),
        &csv::render_cells(&result),
        &csv::render_actions(&result),
    )?;
    for (name, rendered) in [
        ("coverage.json", json::coverage(&result)),
        ("summary.json", json::summary_with(&result, &extras)),
        ("findings.json", findings::render(&result, &extras)),
    ] {
        let text = rendered.map_err(|e| format!("{name}: render: {e}"))?;
        serde_json::from_str::<Value>(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
        match name {
            "coverage.json" => check_coverage_json_lossless(&result, &text)?,
            "findings.json" => check_findings_lossless(&result, &text)?,
            _ => {}
        }
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

/// Parses one CSV report and checks it: widths, formula cells, spreadsheet limits. Returns the
/// records, header first.
pub fn check_csv(name: &str, text: &str) -> Result<Vec<Vec<String>>, String> {
    let records = parse_csv(text).map_err(|e| format!("{name}: {e}"))?;
    let Some(header) = records.first() else {
        return Err(format!("{name}: no header"));
    };
    if records.len() > csv::MAX_ROWS || header.len() > csv::MAX_COLUMNS {
        return Err(format!(
            "{name}: {} rows × {} columns, more than a spreadsheet opens",
            records.len(),
            header.len()
        ));
    }
    for (i, r) in records.iter().enumerate() {
        if r.len() != header.len() {
            return Err(format!(
                "{name}: record {i} has {} fields, the header {}",
                r.len(),
                header.len()
            ));
        }
        if let Some(cell) = r
            .iter()
            .find(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
        {
            return Err(format!(
                "{name}: record {i}: `{cell}` would be read as a formula"
            ));
        }
    }
    Ok(records)
}

/// A field as written before the formula protection (`'=x` → `=x`).
fn unprotect(field: &str) -> &str {
    match field.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => field,
    }
}

/// Every principal × action cell of `result` is recovered exactly from the three CSVs (the
/// class and `approximate` from `coverage.csv`; allowed, total, deciding keys and condition from
/// `coverage-cells.csv` or, for a cell it does not list, from the documented defaults and
/// `coverage-actions.csv`; the access level from `coverage-actions.csv`), and every principal has
/// its row.
pub fn check_csv_lossless(
    result: &AuditResult,
    matrix: &str,
    cells: &str,
    actions: &str,
) -> Result<(), String> {
    let matrix = check_csv("coverage.csv", matrix)?;
    let cells = check_csv("coverage-cells.csv", cells)?;
    let actions = check_csv("coverage-actions.csv", actions)?;
    let fixed = csv::MATRIX_HEADER.len();
    let header = &matrix[0];
    if header[..fixed.min(header.len())] != csv::MATRIX_HEADER[..] {
        return Err(format!("coverage.csv: header {header:?}"));
    }
    if cells[0] != csv::CELLS_HEADER || actions[0] != csv::ACTIONS_HEADER {
        return Err("coverage-cells.csv or coverage-actions.csv: wrong header".into());
    }
    let column: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .skip(fixed)
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    let listed: HashMap<(&str, &str, &str), &Vec<String>> = cells[1..]
        .iter()
        .map(|r| ((r[0].as_str(), r[1].as_str(), r[2].as_str()), r))
        .collect();
    let defaults: HashMap<(&str, &str), &Vec<String>> = actions[1..]
        .iter()
        .map(|r| ((r[0].as_str(), r[1].as_str()), r))
        .collect();
    let principals: usize = result.accounts.iter().map(|a| a.principals.len()).sum();
    if matrix.len() != principals + 1 {
        return Err(format!(
            "coverage.csv: {} rows for {principals} principals",
            matrix.len() - 1
        ));
    }
    // One row per principal, in result order (an ARN listed twice in a GAAD file has two).
    let mut rows = matrix[1..].iter();
    for account in &result.accounts {
        for p in &account.principals {
            let who = format!("coverage.csv: {} {}", account.id, p.arn);
            let row = rows.next().ok_or(format!("{who}: no row"))?;
            if row[0] != account.id
                || unprotect(&row[1]) != p.name
                || unprotect(&row[2]) != p.kind
                || unprotect(&row[3]) != p.arn
            {
                return Err(format!("{who}: account, name, type or ARN {:?}", &row[..4]));
            }
            let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
            if unprotect(&row[6]) != messages.join("; ") {
                return Err(format!("{who}: errors `{}`", row[6]));
            }
            if p.status == Status::Error {
                if row[5] != "error" || row[fixed..].iter().any(|c| !c.is_empty()) {
                    return Err(format!("{who}: an error row with cells"));
                }
                continue;
            }
            let group = p.group.map(|g| g.to_string()).unwrap_or_default();
            if row[5] != "ok" || row[4] != group {
                return Err(format!("{who}: status `{}` group `{}`", row[5], row[4]));
            }
            let mut seen = 0;
            for a in p.actions.iter() {
                let at = format!("{who} {}", a.action);
                let i = column
                    .get(a.action.as_str())
                    .ok_or(format!("{at}: no column"))?;
                seen += 1;
                let (class, approximate) =
                    csv::parse_class_code(&row[*i]).ok_or(format!("{at}: code `{}`", row[*i]))?;
                let d = defaults
                    .get(&(account.id.as_str(), a.action.as_str()))
                    .ok_or(format!("{at}: not in coverage-actions.csv"))?;
                let default_total: u64 = d[3].parse().map_err(|e| format!("{at}: {e}"))?;
                let recovered = match listed.get(&(account.id.as_str(), group.as_str(), &a.action))
                {
                    Some(c) => (
                        c[3].clone(),
                        c[4] == "true",
                        c[5].parse::<u64>().map_err(|e| format!("{at}: {e}"))?,
                        c[6].parse::<u64>().map_err(|e| format!("{at}: {e}"))?,
                        unprotect(&c[7]).to_owned(),
                        unprotect(&c[8]).to_owned(),
                    ),
                    None => (
                        class.as_str().to_owned(),
                        false,
                        if class == Class::Always {
                            default_total
                        } else {
                            0
                        },
                        default_total,
                        String::new(),
                        String::new(),
                    ),
                };
                let expected = (
                    a.class.as_str().to_owned(),
                    a.approximate,
                    a.allowed,
                    a.total,
                    a.deciding_keys.join("; "),
                    a.condition
                        .as_ref()
                        .map_or(String::new(), |c| c.text.clone()),
                );
                if (class, approximate) != (a.class, a.approximate) || recovered != expected {
                    return Err(format!(
                        "{at}: recovered {recovered:?}, result {expected:?}"
                    ));
                }
                if d[2] != a.access_level.as_str() {
                    return Err(format!("{at}: access level `{}`", d[2]));
                }
            }
            let filled = row[fixed..].iter().filter(|c| !c.is_empty()).count();
            if filled != seen {
                return Err(format!("{who}: {filled} cells for {seen} actions"));
            }
        }
    }
    Ok(())
}

/// Every principal's cells and pass-role list, recovered from `coverage.json`'s group and table
/// indexes, equal the in-memory ones.
pub fn check_coverage_json_lossless(result: &AuditResult, text: &str) -> Result<(), String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("coverage.json: {e}"))?;
    if doc["format_version"] != json::FORMAT_VERSION {
        return Err("coverage.json: no format_version 2".into());
    }
    for (i, account) in result.accounts.iter().enumerate() {
        let a = &doc["accounts"][i];
        let groups = a["groups"].as_array().ok_or("coverage.json: no groups")?;
        for (j, p) in account.principals.iter().enumerate() {
            let who = format!("coverage.json: {}", p.arn);
            if a["principals"][j]["arn"] != p.arn.as_str() {
                return Err(format!("{who}: not at index {j}"));
            }
            let Some(g) = p.group else { continue };
            let doc_group = groups
                .iter()
                .find(|d| d["group"] == g)
                .ok_or(format!("{who}: no group {g}"))?;
            if !doc_group["members"]
                .as_array()
                .is_some_and(|m| m.iter().any(|m| m == p.arn.as_str()))
            {
                return Err(format!("{who}: not a member of group {g}"));
            }
            let cells: Vec<Value> = doc_group["actions"]
                .as_array()
                .ok_or(format!("{who}: no actions"))?
                .iter()
                .map(|k| a["cells"][k.as_u64().unwrap_or(u64::MAX) as usize].clone())
                .collect();
            let want = serde_json::to_value(&*p.actions).map_err(|e| e.to_string())?;
            if Value::Array(cells) != want {
                return Err(format!("{who}: cells differ"));
            }
            let list =
                &a["passrole_lists"][doc_group["passrole"].as_u64().unwrap_or(u64::MAX) as usize];
            if *list != serde_json::to_value(&*p.passrole).map_err(|e| e.to_string())? {
                return Err(format!("{who}: pass-role list differs"));
            }
        }
    }
    Ok(())
}

/// Every finding of `findings.json` (unsuppressed, then suppressed, each in result order) equals
/// the in-memory one, its principal details recovered from `detail_groups`.
pub fn check_findings_lossless(result: &AuditResult, text: &str) -> Result<(), String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("findings.json: {e}"))?;
    if doc["format_version"] != json::FORMAT_VERSION {
        return Err("findings.json: no format_version 2".into());
    }
    let mut shown: Vec<&Value> = doc["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .collect();
    shown.extend(doc["suppressed"].as_array().ok_or("no suppressed")?.iter());
    let (suppressed, open): (Vec<_>, Vec<_>) =
        result.findings.iter().partition(|f| f.suppressed.is_some());
    if shown.len() != result.findings.len() {
        return Err("findings.json: not every finding".into());
    }
    for (f, v) in open.into_iter().chain(suppressed).zip(shown) {
        let mut v = v.clone();
        let mut details = Vec::new();
        if let Some(groups) = v
            .as_object_mut()
            .and_then(|o| o.shift_remove("detail_groups"))
        {
            for g in groups.as_array().ok_or("detail_groups is not a list")? {
                for p in g["principals"].as_array().ok_or("no principals")? {
                    let mut d = serde_json::Map::new();
                    d.insert("principal".into(), p.clone());
                    d.insert("severity".into(), g["severity"].clone());
                    d.insert("message".into(), g["message"].clone());
                    if let Some(w) = g.get("witness") {
                        d.insert("witness".into(), w.clone());
                    }
                    details.push(Value::Object(d));
                }
            }
        }
        let mut want = serde_json::to_value(f).map_err(|e| e.to_string())?;
        let mut want_details = want
            .as_object_mut()
            .and_then(|o| o.shift_remove("principal_details"))
            .and_then(|d| d.as_array().cloned())
            .unwrap_or_default();
        let key = |d: &Value| d["principal"].as_str().unwrap_or("").to_owned();
        want_details.sort_by_key(key);
        details.sort_by_key(key);
        if v != want || details != want_details {
            return Err(format!("findings.json: finding {} differs", f.fingerprint));
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

/// Runs the property on `n` pseudo-random inputs from `seed` (for `cargo test`; the fuzz target,
/// which includes this file, does not call it).
#[allow(dead_code)]
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
