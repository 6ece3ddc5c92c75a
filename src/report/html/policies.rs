//! The policy documents the findings name, each included once in the page, and where each
//! responsible statement is inside it, so the page can show a finding's policy text with its
//! statement highlighted.
//!
//! A statement is named by its file and JSON pointer (`/RoleDetailList/2/RolePolicyList/0/
//! PolicyDocument/Statement/1`). Its document is the pointer up to the last `Statement` token;
//! the document's text is read from the file's text with [`pointer::resolve_many`] (one pass per
//! file), percent-decoded when the GAAD file holds it as a string, and pretty-printed (source key
//! order). The statement's range is found again in the pretty text with [`pointer::resolve`] and
//! given in UTF-16 code units, the unit of JavaScript string indexes.
//!
//! Documents with the same text are one entry, labelled with every policy name that has it.
//! INVARIANT (bounded): at most [`MAX_TEXT`] bytes of documents; the statements of documents
//! past the budget (and of files that could not be read, or pointers that no longer resolve)
//! have no entry, and the page says the text is not available.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use crate::audit::load::percent_decode;
use crate::audit::model::{Finding, StatementRef};
use crate::report::pointer;

/// Budget of document text in one page.
const MAX_TEXT: usize = 4 << 20;

/// One document.
#[derive(Debug, Default)]
pub(super) struct Doc {
    /// The policies that have this text (`inline:Name`, `managed:arn`, …), sorted.
    pub(crate) names: BTreeSet<String>,
    /// The file it was read from (the first one).
    pub(crate) file: String,
    /// Pretty-printed JSON.
    pub(crate) text: String,
}

/// Of one file: document pointer → the (statement pointer, policy name)s asked for in it.
type ByDocument<'s> = HashMap<&'s str, Vec<(&'s str, &'s str)>>;

/// Every document of the statements asked for, and where each statement is.
#[derive(Debug, Default)]
pub(super) struct Docs {
    /// Each document once.
    pub(crate) list: Vec<Doc>,
    /// `(file, statement pointer)` → (document index, start, end) in UTF-16 code units.
    pub(crate) at: HashMap<(String, String), (usize, usize, usize)>,
}

/// Splits a statement pointer into its document's pointer and the statement's pointer inside
/// the document (`/Statement/1`, or `/Statement` for a single statement object).
fn split(ptr: &str) -> Option<(&str, &str)> {
    let mut from = ptr.len();
    loop {
        let at = ptr.get(..from)?.rfind("/Statement")?;
        let after = ptr.get(at + "/Statement".len()..)?;
        if after.is_empty() || after.starts_with('/') {
            return Some((ptr.get(..at)?, ptr.get(at..)?));
        }
        from = at;
    }
}

/// The document at `[offset, end)` of a file's text, parsed (a percent-encoded string is
/// decoded and parsed again) and pretty-printed.
fn document(slice: &str) -> Option<String> {
    let v: Value = serde_json::from_str(slice).ok()?;
    let v = match v {
        Value::String(s) => {
            let decoded = percent_decode(&s).unwrap_or(s);
            serde_json::from_str(&decoded).ok()?
        }
        v => v,
    };
    if !v.is_object() {
        return None;
    }
    serde_json::to_string_pretty(&v).ok()
}

/// UTF-16 length of `text[..byte]` (the whole text when `byte` is past it or not a boundary).
fn utf16_at(text: &str, byte: usize) -> usize {
    text.get(..byte).unwrap_or(text).encode_utf16().count()
}

impl Docs {
    /// Reads the documents of `statements` from the file texts `text_of` gives.
    pub(super) fn collect<'s>(
        statements: impl IntoIterator<Item = &'s StatementRef>,
        text_of: &dyn Fn(&str) -> Option<&'s str>,
    ) -> Docs {
        let mut wanted: BTreeMap<&str, ByDocument<'_>> = BTreeMap::new();
        for s in statements {
            if let Some((doc, _)) = split(&s.pointer) {
                wanted
                    .entry(s.file.as_str())
                    .or_default()
                    .entry(doc)
                    .or_default()
                    .push((s.pointer.as_str(), s.policy.as_str()));
            }
        }
        let mut docs = Docs::default();
        let mut by_text: HashMap<String, usize> = HashMap::new();
        let mut budget = MAX_TEXT;
        for (file, by_doc) in wanted {
            let Some(text) = text_of(file) else {
                continue;
            };
            let mut ptrs: Vec<&str> = by_doc.keys().copied().collect();
            ptrs.sort_unstable();
            for (doc_ptr, r) in ptrs.iter().zip(pointer::resolve_many(text, &ptrs)) {
                let Some(r) = r.filter(pointer::Resolved::exact) else {
                    continue;
                };
                let Some(pretty) = r
                    .end
                    .and_then(|end| text.get(r.offset..end))
                    .and_then(document)
                else {
                    continue;
                };
                let idx = match by_text.get(&pretty) {
                    Some(&i) => i,
                    None => {
                        if pretty.len() > budget {
                            continue;
                        }
                        budget -= pretty.len();
                        docs.list.push(Doc {
                            file: file.to_owned(),
                            text: pretty.clone(),
                            ..Doc::default()
                        });
                        by_text.insert(pretty, docs.list.len() - 1);
                        docs.list.len() - 1
                    }
                };
                let Some(doc) = docs.list.get_mut(idx) else {
                    continue;
                };
                for &(st_ptr, name) in by_doc.get(doc_ptr).map_or(&[][..], Vec::as_slice) {
                    doc.names.insert(name.to_owned());
                    let Some((_, rel)) = split(st_ptr) else {
                        continue;
                    };
                    let Some(sr) = pointer::resolve(&doc.text, rel).filter(|r| r.exact()) else {
                        continue;
                    };
                    let start = utf16_at(&doc.text, sr.offset);
                    let end = sr.end.map_or(start, |e| utf16_at(&doc.text, e));
                    docs.at
                        .insert((file.to_owned(), st_ptr.to_owned()), (idx, start, end));
                }
            }
        }
        docs
    }

    /// Where a statement is, if its document is included.
    pub(super) fn of(&self, s: &StatementRef) -> Option<(usize, usize, usize)> {
        self.at.get(&(s.file.clone(), s.pointer.clone())).copied()
    }
}

/// Every statement a finding names: its own and its chain's hops'.
pub(super) fn statements_of(f: &Finding) -> impl Iterator<Item = &StatementRef> {
    f.statements
        .iter()
        .chain(f.chain.iter().flat_map(|h| h.statements.iter()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(file: &str, pointer: &str, policy: &str) -> StatementRef {
        StatementRef {
            policy: policy.into(),
            file: file.into(),
            pointer: pointer.into(),
            statement: "#0".into(),
            effect: "Allow".into(),
        }
    }

    #[test]
    fn splits_at_the_last_statement_token() {
        assert_eq!(
            split("/RoleDetailList/2/RolePolicyList/0/PolicyDocument/Statement/1"),
            Some((
                "/RoleDetailList/2/RolePolicyList/0/PolicyDocument",
                "/Statement/1"
            ))
        );
        assert_eq!(split("/Statement"), Some(("", "/Statement")));
        assert_eq!(split("/a/Statements/0"), None);
        assert_eq!(
            split("/Statement/0/StatementX"),
            Some(("", "/Statement/0/StatementX"))
        );
    }

    #[test]
    fn finds_documents_once_and_highlights_statements() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22\
                       %3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
        let gaad = format!(
            r#"{{"RoleDetailList":[
              {{"RolePolicyList":[{{"PolicyName":"P","PolicyDocument":{{"Statement":[
                 {{"Sid":"ünï","Effect":"Allow","Action":"a:b","Resource":"*"}},
                 {{"Sid":"Two","Effect":"Deny","Action":"a:c","Resource":"*"}}]}}}}]}},
              {{"RolePolicyList":[{{"PolicyName":"Q","PolicyDocument":{{"Statement":[
                 {{"Sid":"ünï","Effect":"Allow","Action":"a:b","Resource":"*"}},
                 {{"Sid":"Two","Effect":"Deny","Action":"a:c","Resource":"*"}}]}}}}]}},
              {{"RolePolicyList":[{{"PolicyName":"E","PolicyDocument":"{encoded}"}}]}}]}}"#
        );
        let sts = [
            st(
                "g.json",
                "/RoleDetailList/0/RolePolicyList/0/PolicyDocument/Statement/1",
                "inline:P",
            ),
            st(
                "g.json",
                "/RoleDetailList/1/RolePolicyList/0/PolicyDocument/Statement/1",
                "inline:Q",
            ),
            st(
                "g.json",
                "/RoleDetailList/2/RolePolicyList/0/PolicyDocument/Statement",
                "inline:E",
            ),
            st(
                "g.json",
                "/RoleDetailList/9/RolePolicyList/0/PolicyDocument/Statement/0",
                "inline:Gone",
            ),
            st("missing.json", "/Statement/0", "scp"),
        ];
        let docs = Docs::collect(&sts, &|f| (f == "g.json").then_some(gaad.as_str()));
        assert_eq!(
            docs.list.len(),
            2,
            "P and Q have the same text: one document"
        );
        let (i, s, e) = docs.of(&sts[0]).unwrap();
        assert_eq!(docs.of(&sts[1]), Some((i, s, e)));
        let doc = &docs.list[i];
        assert_eq!(
            doc.names.iter().collect::<Vec<_>>(),
            ["inline:P", "inline:Q"]
        );
        let utf16: Vec<u16> = doc.text.encode_utf16().collect();
        let shown = String::from_utf16(&utf16[s..e]).unwrap();
        assert!(shown.starts_with('{') && shown.ends_with('}'), "{shown}");
        assert!(
            shown.contains("\"Two\"") && !shown.contains("ünï"),
            "{shown}"
        );
        let (j, s, e) = docs.of(&sts[2]).unwrap();
        let utf16: Vec<u16> = docs.list[j].text.encode_utf16().collect();
        let shown = String::from_utf16(&utf16[s..e]).unwrap();
        assert!(shown.contains("\"s3:*\""), "decoded: {shown}");
        assert!(docs.of(&sts[3]).is_none() && docs.of(&sts[4]).is_none());
    }
}
