//! The coverage as three CSV files a spreadsheet opens (RFC 4180: CRLF line ends, fields quoted
//! when they hold `,`, `"`, CR or LF, quotes doubled; a field that starts like a spreadsheet
//! formula gets a leading `'`):
//!
//! - `coverage.csv` ([`render`]): one row per principal, one column per action holding the cell's
//!   class as a code (`class_code`: `A` Always, `C` Conditional, `N` Never, with `~` appended
//!   when the class is the sampled one, `approximate`), after the columns [`MATRIX_HEADER`];
//! - `coverage-cells.csv` ([`render_cells`]): one row per evaluation group × action cell the
//!   defaults below do not describe (every `Conditional` or approximate cell, and any other whose
//!   counts differ from the defaults), with its counts, deciding keys and readable condition;
//! - `coverage-actions.csv` ([`render_actions`]): one row per account × action: its access level,
//!   its number of requests (`total`) and how many principals have each class.
//!
//! INVARIANT (nothing lost, stated once): a cell of `coverage.csv` that has no row in
//! `coverage-cells.csv` (keyed by account, group and action) is exact (`approximate` false), has
//! no deciding keys and no condition, its `total` is the action's `total` in
//! `coverage-actions.csv`, and its `allowed` is that `total` when it is `A` and 0 when it is `N`.
//! So every field of the old one-row-per-cell CSV is recoverable, while the sizes grow with the
//! principals (one row each) and the groups (their non-default cells), not their product.
//!
//! Within a spreadsheet's limits for up to 1,048,575 principals and 16,377 actions; beyond them
//! the files are still complete and [`limit_warnings`] says so (in `summary.json` and on
//! standard error).
//!
//! INVARIANT (nothing silent): a principal with `status: error` gets its row, with `status`
//! `error`, no group, empty action columns and its error messages in `errors`.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::hash::FastHash;

use crate::audit::model::{AccountResult, ActionCoverage, AuditResult, Class, Status};

/// The columns of `coverage.csv` before the action columns (one per action, named
/// `service:Action`).
pub const MATRIX_HEADER: [&str; 7] = [
    "account",
    "principal",
    "type",
    "arn",
    "group",
    "status",
    "errors",
];

/// The header of `coverage-cells.csv`.
pub const CELLS_HEADER: [&str; 9] = [
    "account",
    "group",
    "action",
    "class",
    "approximate",
    "allowed",
    "total",
    "deciding_keys",
    "condition",
];

/// The header of `coverage-actions.csv`.
pub const ACTIONS_HEADER: [&str; 7] = [
    "account",
    "action",
    "access_level",
    "total",
    "principals_always",
    "principals_conditional",
    "principals_never",
];

/// The most rows a spreadsheet opens (header included).
pub const MAX_ROWS: usize = 1_048_576;
/// The most columns a spreadsheet opens.
pub const MAX_COLUMNS: usize = 16_384;

/// The code of a class in `coverage.csv`: `A`, `C` or `N`, followed by `~` when the class is the
/// sampled one (the exact analysis could not decide the cell).
pub(crate) fn class_code(class: Class, approximate: bool) -> &'static str {
    match (class, approximate) {
        (Class::Always, false) => "A",
        (Class::Conditional, false) => "C",
        (Class::Never, false) => "N",
        (Class::Always, true) => "A~",
        (Class::Conditional, true) => "C~",
        (Class::Never, true) => "N~",
    }
}

/// The class and `approximate` flag of a `class_code`; `None` for anything else.
pub fn parse_class_code(code: &str) -> Option<(Class, bool)> {
    let (letter, approximate) = match code.strip_suffix('~') {
        Some(l) => (l, true),
        None => (code, false),
    };
    let class = match letter {
        "A" => Class::Always,
        "C" => Class::Conditional,
        "N" => Class::Never,
        _ => return None,
    };
    Some((class, approximate))
}

/// Every action of the result, in catalog order (the order of the first principal that has
/// them; an action only some principals have follows, in their order): the action columns.
pub(crate) fn actions(result: &AuditResult) -> Vec<&str> {
    let mut seen: HashSet<&str, FastHash> = HashSet::default();
    let mut out = Vec::new();
    // Principals of one evaluation group share their cells: each list is read once.
    let mut lists: HashSet<*const Vec<ActionCoverage>, FastHash> = HashSet::default();
    for p in result.accounts.iter().flat_map(|a| &a.principals) {
        if !lists.insert(std::sync::Arc::as_ptr(&p.actions)) {
            continue;
        }
        for a in p.actions.iter() {
            if seen.insert(&a.action) {
                out.push(a.action.as_str());
            }
        }
    }
    out
}

/// Warnings for CSVs a spreadsheet cannot open whole (more than [`MAX_ROWS`] rows or
/// [`MAX_COLUMNS`] columns: a million principals, or more than 16,377 actions from extra
/// `--catalog` services); the files are still complete.
pub fn limit_warnings(result: &AuditResult) -> Vec<String> {
    let columns = MATRIX_HEADER.len() + actions(result).len();
    let rows = 1 + result
        .accounts
        .iter()
        .map(|a| a.principals.len())
        .sum::<usize>();
    // A group's cell is at most one row of `coverage-cells.csv`: the rows are counted (which
    // reads every cell) only when there could be too many.
    let groups: Vec<_> = result.accounts.iter().map(groups).collect();
    let most = 1 + groups
        .iter()
        .flat_map(|g| g.values())
        .map(|cells| cells.len())
        .sum::<usize>();
    let mut cell_rows = 1;
    if most > MAX_ROWS {
        for groups in &groups {
            let defaults = action_defaults(groups);
            for cells in groups.values() {
                cell_rows += cells
                    .iter()
                    .filter(|a| !is_default_cell(a, defaults.get(&a.action).map_or(0, |d| d.1)))
                    .count();
            }
        }
    }
    let mut warnings = Vec::new();
    for (name, rows, columns) in [
        ("coverage.csv", rows, columns),
        ("coverage-cells.csv", cell_rows, CELLS_HEADER.len()),
    ] {
        if rows > MAX_ROWS || columns > MAX_COLUMNS {
            warnings.push(format!(
                "`{name}` has {rows} rows and {columns} columns, more than a spreadsheet opens \
                 ({MAX_ROWS} rows, {MAX_COLUMNS} columns); audit fewer principals (`--principal`) \
                 or services (`--service`), or read `coverage.json`"
            ));
        }
    }
    warnings
}

/// Renders `coverage.csv` whole.
pub fn render(result: &AuditResult) -> String {
    whole(|sink| render_in_pieces(result, sink))
}

/// Renders `coverage-cells.csv` whole.
pub fn render_cells(result: &AuditResult) -> String {
    whole(|sink| cells_in_pieces(result, sink))
}

/// Renders `coverage-actions.csv` whole.
pub fn render_actions(result: &AuditResult) -> String {
    whole(|sink| actions_in_pieces(result, sink))
}

/// Collects the pieces of a renderer into one string.
fn whole(
    render: impl FnOnce(
        &mut dyn FnMut(&str) -> Result<(), std::convert::Infallible>,
    ) -> Result<(), std::convert::Infallible>,
) -> String {
    let mut out = String::new();
    let appended = render(&mut |piece: &str| {
        out.push_str(piece);
        Ok(())
    });
    match appended {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

/// Pieces of about a megabyte: a large account's CSV is never whole in memory.
const PIECE: usize = 1 << 20;

/// Renders `coverage.csv` in pieces of about a megabyte, handing each to `sink` (a file writer).
/// The pieces concatenate to [`render`]'s text.
pub(crate) fn render_in_pieces<E>(
    result: &AuditResult,
    mut sink: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let columns = actions(result);
    let index: HashMap<&str, usize, FastHash> =
        columns.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let mut out = String::with_capacity(PIECE + (PIECE >> 2));
    row(
        &mut out,
        MATRIX_HEADER.iter().copied().chain(columns.iter().copied()),
    );
    // Each cell list's codes, written once as the row's tail (members of a group share their
    // list, and a group's members are not next to each other).
    let mut tails: HashMap<*const Vec<ActionCoverage>, String, FastHash> = HashMap::default();
    for account in &result.accounts {
        for p in &account.principals {
            if out.len() >= PIECE {
                sink(&out)?;
                out.clear();
            }
            if p.status == Status::Error {
                let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
                let messages = messages.join("; ");
                let fixed = [
                    account.id.as_str(),
                    &p.name,
                    &p.kind,
                    &p.arn,
                    "",
                    "error",
                    &messages,
                ];
                row(
                    &mut out,
                    fixed
                        .into_iter()
                        .chain(std::iter::repeat_n("", columns.len())),
                );
                continue;
            }
            let tail = tails
                .entry(std::sync::Arc::as_ptr(&p.actions))
                .or_insert_with(|| {
                    let mut codes: Vec<&str> = vec![""; columns.len()];
                    for a in p.actions.iter() {
                        if let Some(slot) =
                            index.get(a.action.as_str()).and_then(|i| codes.get_mut(*i))
                        {
                            *slot = class_code(a.class, a.approximate);
                        }
                    }
                    let mut tail = String::new();
                    for c in codes {
                        tail.push(',');
                        field(&mut tail, c);
                    }
                    tail
                });
            let group = p.group.map(|g| g.to_string()).unwrap_or_default();
            // Warnings that did not stop the evaluation (an invalid trust policy).
            let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
            let messages = messages.join("; ");
            let fixed = [
                account.id.as_str(),
                &p.name,
                &p.kind,
                &p.arn,
                &group,
                "ok",
                &messages,
            ];
            fields(&mut out, fixed);
            out.push_str(tail);
            out.push_str("\r\n");
        }
    }
    sink(&out)
}

/// The evaluation groups of an account, each with the cells of its first member, by index.
fn groups(account: &AccountResult) -> BTreeMap<usize, &[ActionCoverage]> {
    let mut groups = BTreeMap::new();
    for p in &account.principals {
        if let (Some(g), Status::Ok) = (p.group, p.status) {
            groups.entry(g).or_insert(p.actions.as_slice());
        }
    }
    groups
}

/// Per action of an account: its access level and its default `total` (the most common among
/// the groups' cells; ties go to the smaller).
fn action_defaults(
    groups: &BTreeMap<usize, &[ActionCoverage]>,
) -> HashMap<String, (crate::catalog::AccessLevel, u64)> {
    let mut totals: HashMap<&str, (crate::catalog::AccessLevel, BTreeMap<u64, usize>), FastHash> =
        HashMap::default();
    for cells in groups.values() {
        for a in cells.iter() {
            let e = totals
                .entry(&a.action)
                .or_insert_with(|| (a.access_level, BTreeMap::new()));
            *e.1.entry(a.total).or_default() += 1;
        }
    }
    totals
        .into_iter()
        .map(|(action, (level, counts))| {
            let mut best = (0u64, 0usize);
            for (total, n) in counts {
                if n > best.1 {
                    best = (total, n);
                }
            }
            (action.to_owned(), (level, best.0))
        })
        .collect()
}

/// Whether the defaults of `coverage-cells.csv` describe `a` fully (so it has no row there).
pub(crate) fn is_default_cell(a: &ActionCoverage, default_total: u64) -> bool {
    let allowed = match a.class {
        Class::Always => default_total,
        Class::Never => 0,
        Class::Conditional => return false,
    };
    !a.approximate
        && a.total == default_total
        && a.allowed == allowed
        && a.deciding_keys.is_empty()
        && a.condition.is_none()
}

/// Renders `coverage-cells.csv` in pieces of about a megabyte, handing each to `sink`.
pub(crate) fn cells_in_pieces<E>(
    result: &AuditResult,
    mut sink: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let mut out = String::with_capacity(PIECE + (PIECE >> 2));
    row(&mut out, CELLS_HEADER);
    for account in &result.accounts {
        let groups = groups(account);
        let defaults = action_defaults(&groups);
        for (g, cells) in &groups {
            let group = g.to_string();
            for a in cells.iter() {
                let default_total = defaults.get(&a.action).map_or(0, |d| d.1);
                if is_default_cell(a, default_total) {
                    continue;
                }
                if out.len() >= PIECE {
                    sink(&out)?;
                    out.clear();
                }
                let (allowed, total) = (a.allowed.to_string(), a.total.to_string());
                row(
                    &mut out,
                    [
                        account.id.as_str(),
                        &group,
                        &a.action,
                        a.class.as_str(),
                        if a.approximate { "true" } else { "false" },
                        &allowed,
                        &total,
                        &a.deciding_keys.join("; "),
                        a.condition.as_ref().map_or("", |c| c.text.as_str()),
                    ],
                );
            }
        }
    }
    sink(&out)
}

/// Renders `coverage-actions.csv` in pieces of about a megabyte, handing each to `sink`.
pub(crate) fn actions_in_pieces<E>(
    result: &AuditResult,
    mut sink: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let columns = actions(result);
    let mut out = String::with_capacity(PIECE);
    row(&mut out, ACTIONS_HEADER);
    for account in &result.accounts {
        let defaults = action_defaults(&groups(account));
        // Principals by action and class (evaluated principals only). Principals of one
        // evaluation group share their list of cells: each list is read once, counted as many
        // times as it is shared.
        let mut lists: HashMap<*const Vec<ActionCoverage>, (&[ActionCoverage], u64), FastHash> =
            HashMap::default();
        for p in account.principals.iter().filter(|p| p.status == Status::Ok) {
            lists
                .entry(std::sync::Arc::as_ptr(&p.actions))
                .or_insert((p.actions.as_slice(), 0))
                .1 += 1;
        }
        let mut counts: HashMap<&str, [u64; 3], FastHash> = HashMap::default();
        for (cells, sharing) in lists.into_values() {
            for a in cells {
                let slot = match a.class {
                    Class::Always => 0,
                    Class::Conditional => 1,
                    Class::Never => 2,
                };
                if let Some(n) = counts.entry(&a.action).or_default().get_mut(slot) {
                    *n += sharing;
                }
            }
        }
        for action in &columns {
            let Some((level, total)) = defaults.get(*action) else {
                continue;
            };
            if out.len() >= PIECE {
                sink(&out)?;
                out.clear();
            }
            let [always, conditional, never] = counts.get(action).copied().unwrap_or_default();
            row(
                &mut out,
                [
                    account.id.as_str(),
                    action,
                    level.as_str(),
                    &total.to_string(),
                    &always.to_string(),
                    &conditional.to_string(),
                    &never.to_string(),
                ],
            );
        }
    }
    sink(&out)
}

/// Appends one record and its CRLF.
fn row<'f>(out: &mut String, values: impl IntoIterator<Item = &'f str>) {
    fields(out, values);
    out.push_str("\r\n");
}

/// Appends fields separated by commas, without ending the row.
fn fields<'f>(out: &mut String, values: impl IntoIterator<Item = &'f str>) {
    for (i, f) in values.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
}

/// Appends one field, quoted when RFC 4180 requires it. A field a spreadsheet would read as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a CR: a role may be named `=cmd`) gets a
/// leading `'`, which spreadsheets show as text.
fn field(out: &mut String, f: &str) {
    let formula = f.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if f.contains([',', '"', '\r', '\n']) {
        out.push('"');
        if formula {
            out.push('\'');
        }
        for c in f.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        if formula {
            out.push('\'');
        }
        out.push_str(f);
    }
}

#[cfg(test)]
mod tests {
    use super::{class_code, field, parse_class_code};
    use crate::audit::model::Class;

    /// `s` as one CSV field.
    fn q(s: &str) -> String {
        let mut o = String::new();
        field(&mut o, s);
        o
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(q("plain"), "plain");
        assert_eq!(q("a,b"), "\"a,b\"");
        assert_eq!(q("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(q("two\nlines"), "\"two\nlines\"");
        assert_eq!(q(""), "");
    }

    #[test]
    fn formulas_are_text() {
        assert_eq!(q("=cmd"), "'=cmd");
        assert_eq!(q("+1"), "'+1");
        assert_eq!(q("-1"), "'-1");
        assert_eq!(q("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(q("=a,b"), "\"'=a,b\"");
        assert_eq!(q("a=b"), "a=b");
    }

    #[test]
    fn class_codes_round_trip() {
        for class in [Class::Always, Class::Conditional, Class::Never] {
            for approximate in [false, true] {
                let code = class_code(class, approximate);
                assert_eq!(parse_class_code(code), Some((class, approximate)), "{code}");
            }
        }
        assert_eq!(parse_class_code("Always"), None);
        assert_eq!(parse_class_code(""), None);
    }
}
