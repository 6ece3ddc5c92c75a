//! `coverage.csv`: one row per principal × action, RFC 4180 (CRLF line ends, fields quoted when
//! they hold `,`, `"`, CR or LF, quotes doubled; a field that starts like a spreadsheet formula
//! gets a leading `'`).
//!
//! The last columns come from the exact analysis: `approximate` (`true` when the class is the
//! sampled one) and `condition` (the readable condition of a `Conditional` cell).
//!
//! INVARIANT (nothing silent): a principal with `status: error` gets exactly one row, with class
//! `Error`, empty action columns and its error messages in `deciding_keys`.

use crate::audit::model::{AuditResult, Status};

/// The header row's fields.
pub const HEADER: [&str; 12] = [
    "account",
    "principal",
    "type",
    "arn",
    "action",
    "access_level",
    "allowed",
    "total",
    "class",
    "deciding_keys",
    "approximate",
    "condition",
];

/// Renders the whole CSV.
pub fn render(result: &AuditResult) -> String {
    let cells: usize = result
        .accounts
        .iter()
        .flat_map(|a| &a.principals)
        .map(|p| p.actions.len().max(1))
        .sum();
    let mut out = String::with_capacity(64 + cells * 120);
    let appended: Result<(), std::convert::Infallible> = render_in_pieces(result, |piece| {
        out.push_str(piece);
        Ok(())
    });
    match appended {
        Ok(()) => out,
        Err(never) => match never {},
    }
}

/// Renders the CSV in pieces of about a megabyte, handing each to `sink` (a file writer, so a
/// large account's CSV is never whole in memory). The pieces concatenate to [`render`]'s text.
pub fn render_in_pieces<E>(
    result: &AuditResult,
    mut sink: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    const PIECE: usize = 1 << 20;
    let mut out = String::with_capacity(PIECE + (PIECE >> 2));
    row(&mut out, HEADER);
    for account in &result.accounts {
        for p in &account.principals {
            if out.len() >= PIECE {
                sink(&out)?;
                out.clear();
            }
            if p.status == Status::Error {
                let messages: Vec<&str> = p.errors.iter().map(|e| e.message.as_str()).collect();
                let fields = [
                    account.id.as_str(),
                    &p.name,
                    &p.kind,
                    &p.arn,
                    "",
                    "",
                    "",
                    "",
                    "Error",
                    &messages.join("; "),
                    "",
                    "",
                ];
                row(&mut out, fields);
                continue;
            }
            for a in p.actions.iter() {
                let (allowed, total) = (a.allowed.to_string(), a.total.to_string());
                let fields = [
                    account.id.as_str(),
                    &p.name,
                    &p.kind,
                    &p.arn,
                    &a.action,
                    a.access_level.as_str(),
                    &allowed,
                    &total,
                    a.class.as_str(),
                    &a.deciding_keys.join("; "),
                    if a.approximate { "true" } else { "false" },
                    condition(a),
                ];
                row(&mut out, fields);
            }
        }
    }
    sink(&out)
}

/// The readable condition of a `Conditional` cell.
fn condition(a: &crate::audit::model::ActionCoverage) -> &str {
    a.condition.as_ref().map_or("", |c| c.text.as_str())
}

/// Appends one record and its CRLF.
fn row<const N: usize>(out: &mut String, fields: [&str; N]) {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        field(out, f);
    }
    out.push_str("\r\n");
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
    use super::field;

    #[test]
    fn quotes_only_when_needed() {
        let q = |s: &str| {
            let mut o = String::new();
            field(&mut o, s);
            o
        };
        assert_eq!(q("plain"), "plain");
        assert_eq!(q("a,b"), "\"a,b\"");
        assert_eq!(q("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(q("two\nlines"), "\"two\nlines\"");
        assert_eq!(q(""), "");
    }

    #[test]
    fn formulas_are_text() {
        let q = |s: &str| {
            let mut o = String::new();
            field(&mut o, s);
            o
        };
        assert_eq!(q("=cmd"), "'=cmd");
        assert_eq!(q("+1"), "'+1");
        assert_eq!(q("-1"), "'-1");
        assert_eq!(q("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(q("=a,b"), "\"'=a,b\"");
        assert_eq!(q("a=b"), "a=b");
    }
}
