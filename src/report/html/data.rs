//! The page's data: one JSON document in a `<script type="application/json">` element, from
//! which the script renders the principals table, the access matrix and a principal's details
//! when opened. Its size grows with evaluation groups (one cell string per distinct set of
//! cells) and principals (one short record each), never with principals × actions.
//!
//! Shape (keys kept short; documented in DESIGN.md §5):
//! - `levels`: access-level names in display order (Write first, List last); `cols`: one
//!   `[action, level index]` per matrix column, in that order; `doc`: the documentation URL
//!   prefix of each linked service (`{"sagemaker": "https://…#amazonsagemaker-"}`);
//! - `s`: a string table (conditions, deciding keys, policy names, roles); numbers below that
//!   name a string are indexes into it, `-1` for none;
//! - `g`: one entry per distinct cell set (the members of an evaluation group share theirs):
//!   `[cells, details, targets, number of targets]`, indexes into tables of parts that repeat
//!   across groups: `gc` cell strings (one letter per column: `a` Always, `c` Conditional, `n`
//!   Never, `x` not evaluated), `gd` lists of indexes into `gr`, the Conditional and approximate
//!   cells `[column, allowed, total, keys, conditions, condition, approximate reason]`, and `gt`
//!   lists of up to [`MAX_PASSROLE`] pass-role targets `[role, class letter, trusts SageMaker
//!   0/1]` (on the 10,000-role account 1,221 sets share 36 cell strings, 5,099 detail rows and 11
//!   target lists);
//! - `a`: accounts `[id, file]`;
//! - `p`: one record per principal: `n` name, `r` ARN (only when it is not
//!   `arn:aws:iam::<account>:<kind><path><name>`), `k` kind, `h` path (when not `/`), `a` account, `g` its
//!   cell set (`-1` when not evaluated), `q` evaluation group, `e` errors, `po` policies, `f` the
//!   findings affecting it, `v` unsuppressed critical/high/medium/low counts (its own severity
//!   in each cause), `u` suppressed count;
//! - `f`: one record per finding `[severity 0–3, rule, title, target role, shown as a row 0/1,
//!   suppressed 0/1]`;
//! - `docs`: the policy documents ([`super::policies`]) `[names, file, text]`.
//!
//! INVARIANT (escaping): the JSON is serialized by serde and every `<`, `>` and `&` in it (they
//! can only occur inside strings) is written as a `\u00XX` escape, so no `</script`, `<!--` or
//! markup can appear inside the element whatever the names say. The script puts data in the
//! page only through `textContent`, attribute setters and `createElement`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::links;
use super::policies::Docs;
use crate::audit::model::{
    ActionCoverage, AuditResult, Class, PassRoleTarget, PrincipalResult, Severity, Status,
};
use crate::catalog::AccessLevel;

/// Pass-role targets per cell set; coverage.json lists them all.
pub(super) const MAX_PASSROLE: usize = 100;

/// Access levels in display order: what changes things first.
pub(super) const LEVEL_ORDER: [AccessLevel; 5] = [
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
    AccessLevel::Tagging,
    AccessLevel::Read,
    AccessLevel::List,
];

/// Index of a level in [`LEVEL_ORDER`].
pub(super) fn level_rank(l: AccessLevel) -> usize {
    LEVEL_ORDER.iter().position(|x| *x == l).unwrap_or(0)
}

/// Index of a severity (0 critical … 3 low).
pub(super) fn severity_rank(s: Severity) -> usize {
    match s {
        Severity::Critical => 0,
        Severity::High => 1,
        Severity::Medium => 2,
        Severity::Low => 3,
    }
}

/// A string table.
#[derive(Default)]
struct Strings {
    list: Vec<String>,
    index: HashMap<String, i64>,
}

impl Strings {
    fn id(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = i64::try_from(self.list.len()).unwrap_or(i64::MAX);
        self.list.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }

    fn opt(&mut self, s: Option<&str>) -> i64 {
        s.map_or(-1, |s| self.id(s))
    }
}

/// A table of JSON values, each stored once (keyed by its text).
#[derive(Default)]
struct Interner {
    list: Vec<Value>,
    index: HashMap<String, usize>,
}

impl Interner {
    fn id(&mut self, v: Value) -> usize {
        let key = v.to_string();
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.list.push(v);
        self.index.insert(key, self.list.len() - 1);
        self.list.len() - 1
    }
}

/// The shared tables of the data: strings, and the parts of cell sets that repeat across groups.
#[derive(Default)]
struct Tables {
    strings: Strings,
    /// Cell strings.
    cells: Interner,
    /// Detail rows.
    rows: Interner,
    /// Lists of detail-row indexes.
    lists: Interner,
    /// Pass-role target lists.
    targets: Interner,
}

/// The matrix columns: every action any principal has, by [`LEVEL_ORDER`], then by name.
pub(super) fn columns(r: &AuditResult) -> Vec<(&str, AccessLevel)> {
    let mut seen: HashMap<&str, AccessLevel> = HashMap::new();
    // Members of a group share their cell list: each list is read once.
    let mut lists: std::collections::HashSet<*const Vec<ActionCoverage>> =
        std::collections::HashSet::new();
    for a in r
        .accounts
        .iter()
        .flat_map(|a| &a.principals)
        .filter(|p| lists.insert(Arc::as_ptr(&p.actions)))
        .flat_map(|p| p.actions.iter())
    {
        seen.entry(a.action.as_str()).or_insert(a.access_level);
    }
    let mut cols: Vec<(&str, AccessLevel)> = seen.into_iter().collect();
    cols.sort_by(|x, y| (level_rank(x.1), x.0).cmp(&(level_rank(y.1), y.0)));
    cols
}

fn class_letter(c: Class) -> char {
    match c {
        Class::Always => 'a',
        Class::Conditional => 'c',
        Class::Never => 'n',
    }
}

/// One cell set's record: `[cell string, detail list, target list, targets]`, the first three
/// indexes into the shared tables.
fn cell_set(
    actions: &[ActionCoverage],
    passrole: &[PassRoleTarget],
    col_index: &HashMap<&str, usize>,
    t: &mut Tables,
) -> Value {
    let mut letters = vec!['x'; col_index.len()];
    let mut details = Vec::new();
    for a in actions {
        let Some(&i) = col_index.get(a.action.as_str()) else {
            continue;
        };
        if let Some(slot) = letters.get_mut(i) {
            *slot = class_letter(a.class);
        }
        if a.class == Class::Conditional || a.approximate {
            let condition = a.condition.as_ref().map(|c| {
                if c.within_guardrails {
                    format!(
                        "Always, within the organization's guardrails: {}",
                        c.guardrails
                    )
                } else {
                    c.text.clone()
                }
            });
            let approx = if a.approximate {
                t.strings.id(a.approximate_reason.as_deref().unwrap_or(""))
            } else {
                -1
            };
            let keys = (!a.deciding_keys.is_empty()).then(|| a.deciding_keys.join(" "));
            let conds = (!a.conditions.is_empty()).then(|| a.conditions.join("\n"));
            let row = json!([
                i,
                a.allowed,
                a.total,
                t.strings.opt(keys.as_deref()),
                t.strings.opt(conds.as_deref()),
                t.strings.opt(condition.as_deref()),
                approx,
            ]);
            details.push(t.rows.id(row));
        }
    }
    let mut targets: Vec<&PassRoleTarget> = passrole.iter().collect();
    targets.sort_by_key(|x| !x.trusts_sagemaker);
    let list: Vec<Value> = targets
        .into_iter()
        .take(MAX_PASSROLE)
        .map(|x| {
            json!([
                t.strings.id(&x.role),
                class_letter(x.class).to_string(),
                u8::from(x.trusts_sagemaker)
            ])
        })
        .collect();
    let c = t.cells.id(Value::String(letters.into_iter().collect()));
    let d = t.lists.id(json!(details));
    let tl = t.targets.id(Value::Array(list));
    json!([c, d, tl, passrole.len()])
}

/// Finding indexes affecting each principal (by ARN), with the principal's own severity.
pub(super) fn findings_by_principal(r: &AuditResult) -> HashMap<&str, Vec<(usize, Severity)>> {
    let mut by: HashMap<&str, Vec<(usize, Severity)>> = HashMap::new();
    for (i, f) in r.findings.iter().enumerate() {
        if f.principals.is_empty() {
            by.entry(f.principal.as_str())
                .or_default()
                .push((i, f.severity));
        }
        // A cause's per-principal severities, indexed once (a cause may list thousands).
        let own: HashMap<&str, Severity> = f
            .principal_details
            .iter()
            .map(|d| (d.principal.as_str(), d.severity))
            .collect();
        for p in &f.principals {
            let sev = own.get(p.as_str()).copied().unwrap_or(f.severity);
            by.entry(p.as_str()).or_default().push((i, sev));
        }
    }
    by
}

/// The whole data document, serialized and escaped for a `<script>` element.
pub(super) fn render(r: &AuditResult, shown: &[bool], docs: &Docs) -> String {
    let cols = columns(r);
    let col_index: HashMap<&str, usize> =
        cols.iter().enumerate().map(|(i, (a, _))| (*a, i)).collect();
    let mut tables = Tables::default();
    let mut sets: Vec<Value> = Vec::new();
    // Members of a group share the `Arc`s of their cells and targets: one set per pair.
    let mut set_of: HashMap<(*const Vec<ActionCoverage>, *const Vec<PassRoleTarget>), usize> =
        HashMap::new();
    let by_principal = findings_by_principal(r);
    let mut principals = Vec::new();
    for (ai, account) in r.accounts.iter().enumerate() {
        for p in &account.principals {
            let set = if p.status == Status::Error {
                -1
            } else {
                let key = (Arc::as_ptr(&p.actions), Arc::as_ptr(&p.passrole));
                let i = match set_of.get(&key) {
                    Some(&i) => i,
                    None => {
                        sets.push(cell_set(&p.actions, &p.passrole, &col_index, &mut tables));
                        set_of.insert(key, sets.len() - 1);
                        sets.len() - 1
                    }
                };
                i64::try_from(i).unwrap_or(-1)
            };
            principals.push(principal(
                p,
                account.id.as_str(),
                ai,
                set,
                by_principal
                    .get(p.arn.as_str())
                    .map_or(&[][..], Vec::as_slice),
                r,
                &mut tables.strings,
            ));
        }
    }
    let findings: Vec<Value> = r
        .findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            json!([
                severity_rank(f.severity),
                f.rule,
                f.title,
                f.target_role.as_deref().unwrap_or(""),
                u8::from(shown.get(i).copied().unwrap_or(false)),
                u8::from(f.suppressed.is_some()),
            ])
        })
        .collect();
    let doc_prefixes: serde_json::Map<String, Value> = links::action_doc_prefixes()
        .into_iter()
        .map(|(s, u)| (s.to_owned(), Value::String(u)))
        .collect();
    let data = json!({
        "levels": LEVEL_ORDER.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        "cols": cols.iter().map(|(a, l)| json!([a, level_rank(*l)])).collect::<Vec<_>>(),
        "doc": doc_prefixes,
        "s": tables.strings.list,
        "gc": tables.cells.list,
        "gr": tables.rows.list,
        "gd": tables.lists.list,
        "gt": tables.targets.list,
        "g": sets,
        "a": r.accounts.iter().map(|a| json!([a.id, a.file])).collect::<Vec<_>>(),
        "p": principals,
        "f": findings,
        "docs": docs.list.iter().map(|d| json!([d.names, d.file, d.text])).collect::<Vec<_>>(),
    });
    escape_for_script(&data.to_string())
}

/// One principal's record.
fn principal(
    p: &PrincipalResult,
    account_id: &str,
    account: usize,
    set: i64,
    mine: &[(usize, Severity)],
    r: &AuditResult,
    strings: &mut Strings,
) -> Value {
    let mut v = [0usize; 4];
    let mut suppressed = 0usize;
    for &(i, s) in mine {
        if r.findings.get(i).is_some_and(|f| f.suppressed.is_some()) {
            suppressed += 1;
        } else if let Some(slot) = v.get_mut(severity_rank(s)) {
            *slot += 1;
        }
    }
    let mut rec = json!({
        "n": p.name,
        "k": p.kind,
        "a": account,
        "g": set,
        "v": v,
    });
    if let Some(obj) = rec.as_object_mut() {
        // The ARN only when it is not the usual one (another partition, say).
        if p.arn != format!("arn:aws:iam::{account_id}:{}{}{}", p.kind, p.path, p.name) {
            obj.insert("r".into(), json!(p.arn));
        }
        if p.path != "/" {
            obj.insert("h".into(), json!(p.path));
        }
        if let Some(g) = p.group {
            obj.insert("q".into(), json!(g));
        }
        if !p.errors.is_empty() {
            let e: Vec<String> = p.errors.iter().map(ToString::to_string).collect();
            obj.insert("e".into(), json!(e));
        }
        if !p.policies.is_empty() {
            let po: Vec<i64> = p.policies.iter().map(|s| strings.id(s)).collect();
            obj.insert("po".into(), json!(po));
        }
        if !mine.is_empty() {
            let f: Vec<usize> = mine.iter().map(|(i, _)| *i).collect();
            obj.insert("f".into(), json!(f));
        }
        if suppressed > 0 {
            obj.insert("u".into(), json!(suppressed));
        }
    }
    rec
}

/// JSON text made safe inside `<script type="application/json">`: `<`, `>` and `&` become
/// `\u003c`, `\u003e`, `\u0026` (valid JSON escapes: these characters only occur in strings).
pub(super) fn escape_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_text_has_no_markup() {
        let v = json!({"n": "</script><!--<x-probe a=\"1\">&amp;"});
        let s = escape_for_script(&v.to_string());
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn write_comes_before_list() {
        assert!(level_rank(AccessLevel::Write) < level_rank(AccessLevel::List));
        assert!(level_rank(AccessLevel::PermissionsManagement) < level_rank(AccessLevel::Read));
        let mut all: Vec<usize> = AccessLevel::ALL.into_iter().map(level_rank).collect();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4]);
    }
}
