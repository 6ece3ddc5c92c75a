//! Reading a GAAD file without holding it whole. A tree of the whole document takes about ten
//! times its text, and even the text is as large as the file, so the file is read twice:
//!
//! 1. [`scan`] checks that the document is well-formed JSON and account authorization details,
//!    counts the entries of the four lists and keeps the raw text of `GroupDetailList` and
//!    `Policies`, which principals refer to (both stand after the users in AWS's output, and
//!    the managed policies after the roles);
//! 2. [`principals`] reads it again and hands each role and user entry, parsed on its own, to a
//!    callback while the next one is still unread.
//!
//! A key repeated in the top object counts once, with its last value, as when the document is
//! read as one object.

use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer as _};
use serde_json::Value;
use serde_json::de::{Deserializer, Read};
use serde_json::value::RawValue;

use super::PrincipalKind;

/// The four lists of a GAAD document.
pub(super) const GAAD_LISTS: [&str; 4] = [
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];
const USERS: usize = 0;
const GROUPS: usize = 1;
const ROLES: usize = 2;
const POLICIES: usize = 3;

/// What the first pass learns of a document.
pub(super) struct Top {
    /// The entries of `GroupDetailList`, raw.
    pub(super) groups: Vec<Box<RawValue>>,
    /// The entries of `Policies`, raw.
    pub(super) policies: Vec<Box<RawValue>>,
    /// How many entries `RoleDetailList` and `UserDetailList` have.
    pub(super) roles: usize,
    pub(super) users: usize,
    /// How often each of the four lists stands in the top object (its last value counts).
    occurrences: [usize; 4],
}

/// A list's value in the first pass: its entries (raw when kept, else only counted), or not an
/// array.
enum Scanned {
    Kept(Vec<Box<RawValue>>),
    Counted(usize),
    NotAnArray,
}

/// The keys of the top object besides the four lists that say what the document is instead.
#[derive(Default)]
struct OtherKeys {
    any: bool,
    statement: bool,
    logs: bool,
}

/// Reads the document once and refuses what is not account authorization details: invalid JSON,
/// not an object, none of the four lists, or one of them not an array; names what the document
/// looks like instead when it can. `again` reads it once more from the start, to tell invalid
/// JSON from valid JSON of another type. Errors are (pointer, message).
pub(super) fn scan<'de, R: Read<'de>>(
    mut de: Deserializer<R>,
    again: impl FnOnce() -> Result<(), serde_json::Error>,
) -> Result<Top, (String, String)> {
    let scanned = (&mut de)
        .deserialize_map(ScanTop)
        .and_then(|top| de.end().map(|()| top));
    let (top, not_array, other) = match scanned {
        Ok(scanned) => scanned,
        Err(e) if e.is_data() => {
            // The top is valid JSON of another type, or broken further on: say which.
            let message = match again() {
                Ok(()) => "not an account authorization details document: a GAAD file is a JSON \
                           object"
                    .to_owned(),
                Err(syntax) => invalid(&syntax),
            };
            return Err((String::new(), message));
        }
        Err(e) => return Err((String::new(), invalid(&e))),
    };
    if let Some(list) = GAAD_LISTS
        .iter()
        .zip(not_array)
        .find_map(|(list, bad)| bad.then_some(list))
    {
        return Err((format!("/{list}"), format!("`{list}` must be an array")));
    }
    if top.occurrences.iter().any(|n| *n > 0) {
        return Ok(top);
    }
    let looks_like = if other.statement {
        " (it looks like an IAM policy document: audit takes the output of `aws iam \
         get-account-authorization-details`; use `iamc check --policy` or `iamc lint` for a \
         policy)"
    } else if other.logs {
        " (it looks like CloudTrail logs: pass them with `--cloudtrail`)"
    } else if !other.any {
        " (it is an empty object)"
    } else {
        ""
    };
    Err((
        String::new(),
        format!(
            "not an account authorization details document: it has none of `UserDetailList`, \
             `GroupDetailList`, `RoleDetailList`, `Policies`{looks_like}"
        ),
    ))
}

/// The message for a document serde_json could not read.
fn invalid(e: &serde_json::Error) -> String {
    if e.is_io() {
        format!("cannot read: {e}")
    } else {
        format!("invalid JSON: {e}")
    }
}

/// A callback for each principal entry: its list, its index there and the entry.
pub(super) type OnEntry<'c> = dyn FnMut(PrincipalKind, usize, &Value) + 'c;

/// Reads a document whose first pass was `top` again, calling `entry` with each entry of
/// `RoleDetailList` and `UserDetailList` in the order they stand in the file. The first pass
/// only skipped these entries, so an error here is one that parsing them finds (a string that
/// is not UTF-8, a lone surrogate), or a file that changed in between.
pub(super) fn principals<'de, R: Read<'de>>(
    mut de: Deserializer<R>,
    top: &Top,
    entry: &mut OnEntry<'_>,
) -> Result<(), String> {
    let visitor = ReadTop {
        occurrences: top.occurrences,
        entry,
    };
    (&mut de)
        .deserialize_map(visitor)
        .and_then(|()| de.end())
        .map_err(|e| invalid(&e))
}

struct ScanTop;

impl<'de> Visitor<'de> for ScanTop {
    type Value = (Top, [bool; 4], OtherKeys);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = Top {
            groups: Vec::new(),
            policies: Vec::new(),
            roles: 0,
            users: 0,
            occurrences: [0; 4],
        };
        let mut not_array = [false; 4];
        let mut other = OtherKeys::default();
        while let Some(key) = map.next_key::<String>()? {
            other.any = true;
            let Some(list) = GAAD_LISTS.iter().position(|l| *l == key) else {
                other.statement |= key == "Statement";
                other.logs |= key == "Records" || key == "Events";
                // Read as raw text (and dropped): unlike skipping it, that checks that its
                // strings are UTF-8, as the lists' entries are checked when they are parsed.
                map.next_value::<Box<RawValue>>()?;
                continue;
            };
            if let Some(n) = top.occurrences.get_mut(list) {
                *n += 1;
            }
            let keep = list == GROUPS || list == POLICIES;
            let scanned = map.next_value_seed(ListSeed { keep })?;
            if let Some(bad) = not_array.get_mut(list) {
                *bad = matches!(scanned, Scanned::NotAnArray);
            }
            match (list, scanned) {
                (GROUPS, Scanned::Kept(items)) => top.groups = items,
                (POLICIES, Scanned::Kept(items)) => top.policies = items,
                (ROLES, Scanned::Counted(n)) => top.roles = n,
                (USERS, Scanned::Counted(n)) => top.users = n,
                (GROUPS, _) => top.groups = Vec::new(),
                (POLICIES, _) => top.policies = Vec::new(),
                (ROLES, _) => top.roles = 0,
                _ => top.users = 0,
            }
        }
        Ok((top, not_array, other))
    }
}

/// Reads a list's value in the first pass.
struct ListSeed {
    keep: bool,
}

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = Scanned;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Scanned, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = Scanned;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scanned, A::Error> {
        if self.keep {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<Box<RawValue>>()? {
                items.push(item);
            }
            Ok(Scanned::Kept(items))
        } else {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(Scanned::Counted(n))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scanned, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scanned::NotAnArray)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }

    fn visit_str<E>(self, _: &str) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }

    fn visit_unit<E>(self) -> Result<Scanned, E> {
        Ok(Scanned::NotAnArray)
    }
}

/// The second pass over the top object.
struct ReadTop<'c, 'f> {
    occurrences: [usize; 4],
    entry: &'c mut OnEntry<'f>,
}

impl<'de> Visitor<'de> for ReadTop<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the JSON object the first pass read")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = [0usize; 4];
        while let Some(key) = map.next_key::<String>()? {
            let list = GAAD_LISTS.iter().position(|l| *l == key);
            if let Some(n) = list.and_then(|l| seen.get_mut(l)) {
                *n += 1;
            }
            // Only the last value of a repeated key counts.
            let last = |l: usize| seen.get(l) == self.occurrences.get(l);
            match list {
                Some(ROLES) if last(ROLES) => map.next_value_seed(Entries {
                    kind: PrincipalKind::Role,
                    entry: &mut *self.entry,
                })?,
                Some(USERS) if last(USERS) => map.next_value_seed(Entries {
                    kind: PrincipalKind::User,
                    entry: &mut *self.entry,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Hands each entry of a principal list, parsed on its own, to a callback.
struct Entries<'c, 'f> {
    kind: PrincipalKind,
    entry: &'c mut OnEntry<'f>,
}

impl<'de> DeserializeSeed<'de> for Entries<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        while let Some(entry) = seq.next_element::<Value>()? {
            (self.entry)(self.kind, i, &entry);
            i += 1;
        }
        Ok(())
    }
}

/// Reads a whole document for its syntax alone.
pub(super) fn well_formed<'de, R: Read<'de>>(
    mut de: Deserializer<R>,
) -> Result<(), serde_json::Error> {
    IgnoredAny::deserialize(&mut de).and_then(|_| de.end())
}
