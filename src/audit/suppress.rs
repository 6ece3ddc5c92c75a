//! Suppressions: accepted findings, named in a JSON file, marked (never dropped) with the reason
//! someone gave for accepting them.
//!
//! ```json
//! {"suppressions": [
//!   {"principal": "arn:aws:iam::123456789012:role/ml-*", "rule": "sagemaker-*-passrole",
//!    "target_role": "arn:aws:iam::123456789012:role/SageMakerExec",
//!    "reason": "reviewed in SEC-1234: the execution role is scoped to one bucket"}
//! ]}
//! ```
//!
//! Findings are causes (a rule, the statements responsible, the target) with the principals they
//! affect. An entry names a cause by its `fingerprint` (as `findings.json` and SARIF show it), or
//! by `principal` and `rule`, or both. `reason` is required, and `principal` and `rule` are unless
//! `fingerprint` is given; `action` and `target_role` narrow the match. `principal`, `rule` and
//! `target_role` are globs (`*` any run of characters, `?` one), matched case-sensitively (ARNs
//! and rule ids are); `action` is a glob matched against each of the finding's actions ignoring
//! case (IAM action names are case-insensitive).
//!
//! A `principal` glob suppresses a cause for the principals it matches: when it matches only some
//! of a cause's principals, the cause is split into a suppressed finding for those (same
//! fingerprint, with the reason) and an open one for the others.
//!
//! INVARIANT (suppressions are accountable): every entry has a non-empty reason, the file holds no
//! field iamc does not know (a typo must not silently widen or void a suppression), every error
//! names the file and the JSON pointer of what is wrong, and entries that match nothing are
//! reported (`SuppressionOutcome::warnings`).

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::Finding;
use crate::policy::err::push_pointer;

/// The fields a suppression entry may have.
const FIELDS: [&str; 6] = [
    "fingerprint",
    "principal",
    "rule",
    "action",
    "target_role",
    "reason",
];

/// A suppressions file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    /// The file cannot be read.
    #[error("cannot read suppressions file `{file}`: {source}")]
    Io {
        /// The file.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error(
        "invalid suppressions file `{file}`: not JSON at line {line}, column {column}: {message}"
    )]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The file is JSON but not a valid suppressions file.
    #[error("invalid suppressions file `{file}` at {pointer}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// JSON pointer of what is wrong (`/` for the whole document).
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

/// One suppression entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    /// JSON pointer of the entry in its file (`/suppressions/2`).
    pub pointer: String,
    /// The fingerprint of the cause, if given (matched exactly).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fingerprint: Option<String>,
    /// Principal ARN glob (`*` when only a fingerprint is given).
    pub(crate) principal: String,
    /// Rule id glob (`*` when only a fingerprint is given).
    pub(crate) rule: String,
    /// Action glob (any of the finding's actions), if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) action: Option<String>,
    /// Target role ARN glob, if given (a finding without a target role never matches it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_role: Option<String>,
    /// Why the findings it matches are accepted.
    pub(crate) reason: String,
}

impl Suppression {
    /// Whether this entry matches `f` (for a cause: every one of its principals).
    pub(crate) fn matches(&self, f: &Finding) -> bool {
        self.matches_cause(f)
            && if f.principals.is_empty() {
                glob(&self.principal, &f.principal)
            } else {
                f.principals.iter().all(|p| glob(&self.principal, p))
            }
    }

    /// Whether this entry matches `f` apart from its principals.
    fn matches_cause(&self, f: &Finding) -> bool {
        self.fingerprint
            .as_deref()
            .is_none_or(|x| x == f.fingerprint)
            && glob(&self.rule, &f.rule)
            && self.action.as_deref().is_none_or(|a| {
                let a = a.to_ascii_lowercase();
                f.actions.iter().any(|x| glob(&a, &x.to_ascii_lowercase()))
            })
            && self
                .target_role
                .as_deref()
                .is_none_or(|t| f.target_role.as_deref().is_some_and(|r| glob(t, r)))
    }
}

/// A validated suppressions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressions {
    /// The file, as given.
    pub(crate) file: String,
    /// Its entries, in file order.
    pub entries: Vec<Suppression>,
}

/// One entry after [`Suppressions::apply`]: how many findings it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SuppressionUse {
    /// The entry.
    #[serde(flatten)]
    pub(crate) entry: Suppression,
    /// Findings it matched (a finding matched by several entries counts for each; its reason is
    /// the first entry's).
    pub(crate) matched: usize,
}

/// What applying a suppressions file did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct SuppressionOutcome {
    /// The file.
    pub(crate) file: String,
    /// Every entry with its match count, in file order.
    pub(crate) entries: Vec<SuppressionUse>,
    /// Findings suppressed by this file.
    pub(crate) suppressed: usize,
}

impl SuppressionOutcome {
    /// One warning per entry that matched nothing:
    /// ``suppression /suppressions/2 matched nothing (`file`)``.
    pub(crate) fn warnings(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|u| u.matched == 0)
            .map(|u| {
                format!(
                    "suppression {} matched nothing (`{}`)",
                    u.entry.pointer, self.file
                )
            })
            .collect()
    }
}

impl Suppressions {
    /// Reads and validates a suppressions file.
    pub fn load(path: &Path) -> Result<Suppressions, SuppressError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| SuppressError::Io {
            file: file.clone(),
            source,
        })?;
        Suppressions::parse(&text, &file)
    }

    /// Validates the text of a suppressions file; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Suppressions, SuppressError> {
        let value: Value = serde_json::from_str(text).map_err(|e| SuppressError::Syntax {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let invalid = |pointer: &str, message: String| SuppressError::Invalid {
            file: file.to_owned(),
            pointer: if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer.to_owned()
            },
            message,
        };
        let Value::Object(root) = &value else {
            return Err(invalid(
                "",
                format!(
                    "expected an object `{{\"suppressions\": [...]}}`, found {}",
                    kind(&value)
                ),
            ));
        };
        if let Some(k) = root.keys().find(|k| k.as_str() != "suppressions") {
            return Err(invalid(
                &push_pointer("", k),
                format!("unknown field `{k}` (expected only `suppressions`)"),
            ));
        }
        let list = match root.get("suppressions") {
            Some(Value::Array(list)) => list,
            Some(other) => {
                return Err(invalid(
                    "/suppressions",
                    format!("expected an array, found {}", kind(other)),
                ));
            }
            None => return Err(invalid("", "missing field `suppressions`".to_owned())),
        };
        let mut entries = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let pointer = format!("/suppressions/{i}");
            let Value::Object(obj) = item else {
                return Err(invalid(
                    &pointer,
                    format!("expected an object, found {}", kind(item)),
                ));
            };
            entries.push(entry(obj, &pointer).map_err(|(p, m)| invalid(&p, m))?);
        }
        Ok(Suppressions {
            file: file.to_owned(),
            entries,
        })
    }

    /// Marks every finding an entry matches with `suppressed = Some(reason)` (the first matching
    /// entry's reason; a finding already suppressed keeps its reason) and counts matches. A cause
    /// whose principals an entry matches only in part is first split (see the module docs).
    pub(crate) fn apply(&self, findings: &mut Vec<Finding>) -> SuppressionOutcome {
        let mut split = Vec::with_capacity(findings.len());
        for f in findings.drain(..) {
            split.extend(self.split(f));
        }
        *findings = split;
        let mut matched = vec![0usize; self.entries.len()];
        let mut suppressed = 0;
        for f in findings.iter_mut() {
            let mut hit = false;
            for (e, n) in self.entries.iter().zip(matched.iter_mut()) {
                if e.matches(f) {
                    *n += 1;
                    if !hit && f.suppressed.is_none() {
                        f.suppressed = Some(e.reason.clone());
                    }
                    hit = true;
                }
            }
            if hit {
                suppressed += 1;
            }
        }
        SuppressionOutcome {
            file: self.file.clone(),
            entries: self
                .entries
                .iter()
                .zip(matched)
                .map(|(e, matched)| SuppressionUse {
                    entry: e.clone(),
                    matched,
                })
                .collect(),
            suppressed,
        }
    }
}

impl Suppressions {
    /// `f` as one finding, or as one per reason its principals are suppressed with and one for
    /// the rest (in that order), when entries match only some of its principals.
    fn split(&self, f: Finding) -> Vec<Finding> {
        if f.principals.len() < 2 || f.suppressed.is_some() {
            return vec![f];
        }
        let reason_of = |p: &str| {
            self.entries
                .iter()
                .find(|e| e.matches_cause(&f) && glob(&e.principal, p))
                .map(|e| e.reason.clone())
        };
        let reasons: Vec<Option<String>> = f.principals.iter().map(|p| reason_of(p)).collect();
        if reasons.iter().all(Option::is_none) || reasons.iter().all(Option::is_some) {
            return vec![f];
        }
        let mut parts: Vec<(Option<String>, Vec<String>)> = Vec::new();
        for (p, r) in f.principals.iter().zip(reasons) {
            match parts.iter_mut().find(|(x, _)| *x == r) {
                Some((_, v)) => v.push(p.clone()),
                None => parts.push((r, vec![p.clone()])),
            }
        }
        parts.sort_by_key(|(r, _)| r.is_none());
        parts
            .into_iter()
            .map(|(_, principals)| {
                let mut g = f.clone();
                g.principal = principals.first().cloned().unwrap_or_default();
                g.principal_count = principals.len();
                g.principals = principals;
                g
            })
            .collect()
    }
}

/// One entry, or the pointer and message of what is wrong with it.
fn entry(obj: &Map<String, Value>, pointer: &str) -> Result<Suppression, (String, String)> {
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err((
            push_pointer(pointer, k),
            format!(
                "unknown field `{k}` (expected `principal`, `rule`, `reason`, and optionally \
                 `fingerprint`, `action`, `target_role`)"
            ),
        ));
    }
    let field = |name: &str, required: bool| -> Result<Option<String>, (String, String)> {
        let at = push_pointer(pointer, name);
        match obj.get(name) {
            None if required => Err((
                pointer.to_owned(),
                format!("missing field `{name}`{}", hint(name)),
            )),
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => {
                Err((at, format!("`{name}` must not be empty{}", hint(name))))
            }
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err((at, format!("expected a string, found {}", kind(other)))),
        }
    };
    let required = |name: &str| field(name, true).map(Option::unwrap_or_default);
    let fingerprint = field("fingerprint", false)?;
    // With a fingerprint, `principal` and `rule` only narrow the match.
    let glob_field = |name: &str| match fingerprint {
        Some(_) => field(name, false).map(|v| v.unwrap_or_else(|| "*".to_owned())),
        None => required(name),
    };
    Ok(Suppression {
        pointer: pointer.to_owned(),
        principal: glob_field("principal")?,
        rule: glob_field("rule")?,
        fingerprint,
        action: field("action", false)?,
        target_role: field("target_role", false)?,
        reason: required("reason")?,
    })
}

/// Extra guidance for a missing or empty field.
fn hint(name: &str) -> &'static str {
    match name {
        "reason" => ": every suppression must say why the finding is accepted",
        "principal" | "rule" => " (use `*` to match any, or name the cause by `fingerprint`)",
        _ => "",
    }
}

/// A JSON value's kind, for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Whether `text` matches `pattern`: `*` any run of characters (`/` and `:` included), `?` one
/// character, everything else literally.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Backtrack point: the last `*` seen and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("*", ""));
        assert!(glob("*", "arn:aws:iam::1:role/x"));
        assert!(glob(
            "arn:aws:iam::*:role/ml-*",
            "arn:aws:iam::1:role/ml-a/b"
        ));
        assert!(glob("sagemaker-?-x", "sagemaker-a-x"));
        assert!(!glob("sagemaker-?-x", "sagemaker-ab-x"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(!glob("abc", "ABC"));
        assert!(glob("**a**", "a"));
        assert!(!glob("", "a"));
        assert!(glob("", ""));
    }
}
