//! Account loading: `aws iam get-account-authorization-details` (GAAD) files become principals
//! (roles and users) with their policy sets, tags and trust policies.
//!
//! Policy documents may be JSON objects (AWS CLI, boto3) or percent-encoded strings (other SDKs);
//! both are accepted in all five places GAAD has them. A user gets its groups' inline and attached
//! policies. Only the default version of a managed policy is in force.
//!
//! INVARIANT (nothing silent): a policy that is missing or invalid makes its principal an error,
//! with the file and the JSON pointer (continued into the policy document), and the principal is
//! still listed; the rest of the account loads.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::Deserializer;
use serde_json::Value;
use serde_json::value::RawValue;

use super::model::AuditError;

mod groups;
mod read;
mod types;
use crate::policy::err::push_pointer;
use crate::policy::{Policy, PolicyKind};
pub use types::{Account, ManagedPolicyDir};
pub(crate) use types::{
    IamGroup, PolicyDoc, PolicyVersion, Principal, PrincipalKind, RoleTarget, SESSION_NAME,
};

/// Percent-decodes a policy document string; `+` stays `+` (botocore's `unquote`).
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1), b.get(i + 2))
            && let (Some(h), Some(l)) = ((*h as char).to_digit(16), (*l as char).to_digit(16))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn fnv_hex(text: &str) -> String {
    format!("{:016x}", crate::request::keys::key_hash(text))
}

fn str_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn list_at<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Loads every principal of a GAAD file. A file that cannot be read or is not a JSON object is an
/// error; anything wrong inside it is reported per principal or per entry. The file is read twice
/// and never held whole: a tree of it would take about ten times its size.
pub fn load_gaad(path: &Path, managed: &ManagedPolicyDir) -> Result<Account, AuditError> {
    load(&Source::File(path), path.display().to_string(), managed)
}

/// Loads a GAAD document from its text; `file` names it in errors and reports.
pub fn load_gaad_text(
    text: &str,
    file: &str,
    managed: &ManagedPolicyDir,
) -> Result<Account, AuditError> {
    load(&Source::Text(text), file.to_owned(), managed)
}

/// Where a GAAD document is read from; each pass reads it from its start.
enum Source<'a> {
    Text(&'a str),
    File(&'a Path),
}

/// The reader of a file's passes: buffered, as serde_json reads a byte at a time.
fn open(path: &Path) -> std::io::Result<std::io::BufReader<std::fs::File>> {
    std::fs::File::open(path).map(|f| std::io::BufReader::with_capacity(1 << 16, f))
}

impl Source<'_> {
    /// The first pass ([`read::scan`]): errors are (pointer, message).
    fn scan(&self) -> Result<read::Top, (String, String)> {
        match self {
            Source::Text(text) => read::scan(Deserializer::from_str(text), || {
                read::well_formed(Deserializer::from_str(text))
            }),
            Source::File(path) => {
                let reader =
                    open(path).map_err(|e| (String::new(), format!("cannot read: {e}")))?;
                read::scan(Deserializer::from_reader(reader), || {
                    read::well_formed(Deserializer::from_reader(
                        open(path).map_err(serde_json::Error::io)?,
                    ))
                })
            }
        }
    }

    /// The second pass ([`read::principals`]).
    fn principals(&self, top: &read::Top, entry: &mut read::OnEntry<'_>) -> Result<(), String> {
        match self {
            Source::Text(text) => read::principals(Deserializer::from_str(text), top, entry),
            Source::File(path) => {
                let reader = open(path).map_err(|e| format!("cannot read: {e}"))?;
                read::principals(Deserializer::from_reader(reader), top, entry)
            }
        }
    }
}

/// Loads the GAAD document `source`, named `file` in errors and reports.
fn load(
    source: &Source<'_>,
    file: String,
    managed: &ManagedPolicyDir,
) -> Result<Account, AuditError> {
    let fail = |pointer: &str, message: String| AuditError {
        file: file.clone(),
        principal: None,
        pointer: pointer.to_owned(),
        message,
    };
    let top = source
        .scan()
        .map_err(|(pointer, message)| fail(&pointer, message))?;
    let mut loader = Loader::new(&file, &top, managed);
    let mut roles = Vec::with_capacity(top.roles);
    let mut users = Vec::with_capacity(top.users);
    source
        .principals(&top, &mut |kind, i, entry| match kind {
            PrincipalKind::Role => {
                roles.push(loader.role(entry, &format!("/RoleDetailList/{i}")));
            }
            PrincipalKind::User => {
                users.push(loader.user(entry, &format!("/UserDetailList/{i}")));
            }
        })
        .map_err(|message| fail("", message))?;
    // Roles first, then users, wherever the lists stand in the file.
    let mut principals = roles;
    principals.append(&mut users);
    let id = principals
        .iter()
        .find_map(|p| account_of(&p.arn))
        .or_else(|| loader.first_policy_account.clone())
        .unwrap_or_else(|| "unknown".to_owned());
    for p in &mut principals {
        if p.account.is_empty() {
            p.account.clone_from(&id);
        }
    }
    let roles = principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Role)
        .map(|p| RoleTarget {
            arn: p.arn.clone(),
            trusts_sagemaker: p
                .trust
                .as_ref()
                .is_some_and(|t| trusts_service(t, "sagemaker.amazonaws.com")),
        })
        .collect();
    duplicate_principals(&mut principals, &file);
    if principals.is_empty() {
        loader.file_errors.push(fail(
            "",
            "the document lists no roles and no users: there is nothing to audit (a GAAD file \
             written with `--filter Role User` or without a filter lists them)"
                .to_owned(),
        ));
    }
    let groups = loader.iam_groups(&top.groups);
    let other_versions = loader.other_versions(&top.policies);
    let errors = std::mem::take(&mut loader.file_errors);
    Ok(Account {
        id,
        file,
        principals,
        roles,
        errors,
        groups,
        other_versions,
    })
}

/// One entry of a list as a tree. The text was checked while the lists were read, so parsing it
/// again succeeds; were it not to, the entry would load as `null` and be reported as incomplete.
fn element(raw: &RawValue) -> Value {
    serde_json::from_str(raw.get()).unwrap_or(Value::Null)
}

/// A principal whose ARN an earlier entry of the file already has is an error naming both
/// places; the first stays.
fn duplicate_principals(principals: &mut [Principal], file: &str) {
    let mut first: HashMap<String, String> = HashMap::new();
    for p in principals.iter_mut() {
        match first.get(&p.arn) {
            Some(earlier) => p.errors.push(AuditError {
                file: file.to_owned(),
                principal: Some(p.arn.clone()),
                pointer: p.pointer.clone(),
                message: format!(
                    "`{}` is listed twice, at {earlier} and at {}: only the first is audited",
                    p.arn, p.pointer
                ),
            }),
            None => {
                first.insert(p.arn.clone(), p.pointer.clone());
            }
        }
    }
}

/// True when a trust policy has an `Allow` statement for `sts:AssumeRole` (or a wildcard) whose
/// principal admits `service`.
pub(crate) fn trusts_service(trust: &Policy, service: &str) -> bool {
    trust.statements.iter().any(|s| {
        s.effect == crate::policy::Effect::Allow
            && s.principal
                .as_ref()
                .is_some_and(|p| p.admits_service(service))
            && s.action.applies_to("sts", "assumerole")
    })
}

fn account_of(arn: &str) -> Option<String> {
    crate::policy::pattern::split_arn(arn)
        .and_then(|p| p.get(4).copied())
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
}

/// A loaded managed policy (policy, file, pointer) or where and why it failed.
type Loaded = Result<(Arc<Policy>, Arc<str>, Arc<str>), (String, String)>;

/// A parsed policy document, or where inside it and why parsing failed.
type ParsedDocument = Result<Arc<Policy>, (String, String)>;

struct Loader<'t> {
    file: String,
    managed_dir: &'t ManagedPolicyDir,
    /// Managed policies of the file by ARN: the entry's index in `Policies`, its raw text
    /// (parsed when a principal attaches it) and the pointer of its default document.
    managed: HashMap<String, (usize, &'t RawValue, String)>,
    /// The account of the first entry of `Policies` whose ARN names one.
    first_policy_account: Option<String>,
    cache: HashMap<(String, bool), Loaded>,
    /// Documents parsed so far by (kind, percent-encoded, text): the policy, or the pointer
    /// inside the document and the message of its failure.
    documents: std::cell::RefCell<HashMap<(PolicyKind, bool, String), ParsedDocument>>,
    /// Groups by name: the entry's index in `GroupDetailList` and its raw text.
    groups: HashMap<String, (usize, &'t RawValue)>,
    /// The file's name, shared by the documents it holds.
    file_name: Arc<str>,
    /// Labels and ids of documents, each text once: principals made from one template, and
    /// all those a managed policy is attached to, share theirs.
    names: HashSet<Arc<str>>,
    /// Groups parsed so far, by index (members of one group share it).
    group_trees: HashMap<usize, Rc<Value>>,
    file_errors: Vec<AuditError>,
}

/// Where the identity policies of one owner (a role, a user, or a group) go: the prefix of their
/// labels, the list of documents and the errors of the principal they count for, and that
/// principal's ARN (empty for a group read on its own).
pub(super) struct Owner<'o> {
    pub(super) label_prefix: &'o str,
    pub(super) docs: &'o mut Vec<PolicyDoc>,
    pub(super) errors: &'o mut Vec<AuditError>,
    pub(super) who: &'o str,
}

/// The default version's document of the managed policy entry `p` at `/Policies/{i}` and its
/// pointer, or the entry's pointer when no version is the default.
fn default_document(p: &Value, i: usize) -> (Option<&Value>, String) {
    let default_id = str_at(p, "DefaultVersionId");
    let versions = list_at(p, "PolicyVersionList");
    let pick = versions
        .iter()
        .position(|v| v.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
        .or_else(|| {
            versions
                .iter()
                .position(|v| default_id.is_some() && str_at(v, "VersionId") == default_id)
        });
    match pick {
        Some(j) => (
            versions.get(j).and_then(|v| v.get("Document")),
            format!("/Policies/{i}/PolicyVersionList/{j}/Document"),
        ),
        None => (None, format!("/Policies/{i}")),
    }
}

impl<'t> Loader<'t> {
    fn new(file: &str, top: &'t read::Top, managed_dir: &'t ManagedPolicyDir) -> Loader<'t> {
        let mut managed: HashMap<String, (usize, &RawValue, String)> = HashMap::new();
        let mut first_policy_account = None;
        let mut duplicates = Vec::new();
        for (i, raw) in top.policies.iter().enumerate() {
            let p = element(raw);
            let Some(arn) = str_at(&p, "Arn") else {
                continue;
            };
            if first_policy_account.is_none() {
                first_policy_account = account_of(arn);
            }
            if let Some((_, _, earlier)) = managed.get(arn) {
                duplicates.push(AuditError {
                    file: file.to_owned(),
                    principal: None,
                    pointer: format!("/Policies/{i}"),
                    message: format!(
                        "managed policy `{arn}` is listed twice, at {earlier} and at /Policies/{i}: \
                         the first is used"
                    ),
                });
                continue;
            }
            let pointer = default_document(&p, i).1;
            managed.insert(arn.to_owned(), (i, &**raw, pointer));
        }
        let mut groups = HashMap::new();
        for (i, raw) in top.groups.iter().enumerate() {
            if let Some(name) = str_at(&element(raw), "GroupName") {
                groups.insert(name.to_owned(), (i, &**raw));
            }
        }
        Loader {
            file: file.to_owned(),
            managed_dir,
            managed,
            first_policy_account,
            cache: HashMap::new(),
            documents: std::cell::RefCell::default(),
            groups,
            file_name: Arc::from(file),
            names: HashSet::new(),
            group_trees: HashMap::new(),
            file_errors: duplicates,
        }
    }

    /// The entry `raw` at `/GroupDetailList/{gi}` as a tree, parsed once for all its members.
    fn group_tree(&mut self, gi: usize, raw: &RawValue) -> Rc<Value> {
        Rc::clone(
            self.group_trees
                .entry(gi)
                .or_insert_with(|| Rc::new(element(raw))),
        )
    }

    /// `text` as a shared string, the one made before when there is one.
    fn shared(&mut self, text: String) -> Arc<str> {
        if let Some(known) = self.names.get(text.as_str()) {
            return Arc::clone(known);
        }
        let new: Arc<str> = Arc::from(text);
        self.names.insert(Arc::clone(&new));
        new
    }

    fn error(&self, principal: &str, pointer: &str, message: String) -> AuditError {
        AuditError {
            file: self.file.clone(),
            principal: (!principal.is_empty()).then(|| principal.to_owned()),
            pointer: pointer.to_owned(),
            message,
        }
    }

    /// Parses a policy document (object or percent-encoded string) at `pointer`. Identical
    /// documents (same text, form and kind: roles created from one template share their trust
    /// policy, often their inline policies too) are parsed once and share one [`Policy`]; a
    /// failure is reported at each place the document stands.
    fn document(
        &self,
        doc: &Value,
        pointer: &str,
        kind: PolicyKind,
    ) -> Result<(Arc<Policy>, String), (String, String)> {
        let (text, encoded) = match doc {
            Value::Object(_) => (doc.to_string(), false),
            Value::String(s) => match percent_decode(s) {
                Some(text) => (text, true),
                None => {
                    return Err((
                        pointer.to_owned(),
                        "percent-encoded policy document is not UTF-8".to_owned(),
                    ));
                }
            },
            _ => {
                return Err((
                    pointer.to_owned(),
                    "a policy document must be a JSON object or a percent-encoded string"
                        .to_owned(),
                ));
            }
        };
        let key = (kind, encoded, text);
        let cached = self.documents.borrow().get(&key).cloned();
        let parsed = match cached {
            Some(parsed) => parsed,
            None => {
                let parsed = if encoded {
                    Policy::parse(&key.2, kind)
                } else {
                    Policy::from_value(doc, kind)
                };
                let parsed = parsed.map(Arc::new).map_err(|e| {
                    let form = if encoded {
                        "invalid policy (percent-encoded document)"
                    } else {
                        "invalid policy"
                    };
                    (e.pointer, format!("{form}: {}", e.message))
                });
                self.documents
                    .borrow_mut()
                    .insert(key.clone(), parsed.clone());
                parsed
            }
        };
        match parsed {
            Ok(policy) => Ok((policy, key.2)),
            Err((inner, message)) => Err((format!("{pointer}{inner}"), message)),
        }
    }

    /// A managed policy by ARN, parsed once per kind.
    fn managed_policy(&mut self, arn: &str, boundary: bool) -> Loaded {
        let key = (arn.to_owned(), boundary);
        if let Some(r) = self.cache.get(&key) {
            return r.clone();
        }
        let kind = if boundary {
            PolicyKind::Boundary
        } else {
            PolicyKind::Identity
        };
        let result = match self.managed.get(arn) {
            Some(&(i, raw, _)) => {
                let entry = element(raw);
                match default_document(&entry, i) {
                    (Some(doc), pointer) => self
                        .document(doc, &pointer, kind)
                        .map(|(p, _)| (p, Arc::clone(&self.file_name), Arc::from(pointer))),
                    (None, pointer) => Err((
                        pointer,
                        format!("managed policy `{arn}` has no default version"),
                    )),
                }
            }
            None => self.load_from_managed_dir(arn, kind),
        };
        self.cache.insert(key, result.clone());
        result
    }

    fn load_from_managed_dir(&self, arn: &str, kind: PolicyKind) -> Loaded {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let missing = || {
            (
                String::new(),
                format!(
                    "attached policy `{arn}` is not in the file's `Policies` list; pass --managed-policies DIR with its document"
                ),
            )
        };
        let Some(dir) = &self.managed_dir.0 else {
            return Err(missing());
        };
        if !arn.starts_with("arn:aws:iam::aws:policy/") {
            return Err(missing());
        }
        let path = dir.join(format!("{name}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Err(missing());
        };
        Policy::parse(&text, kind)
            .map(|p| {
                (
                    Arc::new(p),
                    Arc::from(path.display().to_string()),
                    Arc::from(""),
                )
            })
            .map_err(|e| {
                (
                    e.pointer.clone(),
                    format!("invalid policy in `{}`: {}", path.display(), e.message),
                )
            })
    }

    /// The identity policies of a role, user or group at `pointer`: its inline policies (the list
    /// `inline_list`), then its `AttachedManagedPolicies`, added to `owner`.
    pub(super) fn identity_policies(
        &mut self,
        entry: &Value,
        pointer: &str,
        inline_list: &str,
        owner: &mut Owner<'_>,
    ) {
        self.inline(
            list_at(entry, inline_list),
            &format!("{pointer}/{inline_list}"),
            owner,
        );
        self.attached(
            list_at(entry, "AttachedManagedPolicies"),
            &format!("{pointer}/AttachedManagedPolicies"),
            owner,
        );
    }

    fn inline(&mut self, list: &[Value], base: &str, owner: &mut Owner<'_>) {
        for (j, p) in list.iter().enumerate() {
            let pointer = format!("{base}/{j}/PolicyDocument");
            let name = str_at(p, "PolicyName").unwrap_or("?");
            let Some(doc) = p.get("PolicyDocument") else {
                owner.errors.push(self.error(
                    owner.who,
                    &format!("{base}/{j}"),
                    "inline policy without `PolicyDocument`".to_owned(),
                ));
                continue;
            };
            match self.document(doc, &pointer, PolicyKind::Identity) {
                Ok((policy, text)) => {
                    let doc = PolicyDoc {
                        label: self.shared(format!("{}inline:{name}", owner.label_prefix)),
                        id: self.shared(format!("inline:{}", fnv_hex(&text))),
                        policy,
                        file: Arc::clone(&self.file_name),
                        pointer: Arc::from(pointer),
                    };
                    owner.docs.push(doc);
                }
                Err((ptr, msg)) => owner.errors.push(self.error(owner.who, &ptr, msg)),
            }
        }
    }

    fn attached(&mut self, list: &[Value], base: &str, owner: &mut Owner<'_>) {
        for (j, a) in list.iter().enumerate() {
            let Some(arn) = str_at(a, "PolicyArn") else {
                owner.errors.push(self.error(
                    owner.who,
                    &format!("{base}/{j}"),
                    "attached policy without `PolicyArn`".to_owned(),
                ));
                continue;
            };
            match self.managed_policy(arn, false) {
                Ok((policy, file, pointer)) => {
                    let doc = PolicyDoc {
                        label: self.shared(format!("{}managed:{arn}", owner.label_prefix)),
                        id: self.shared(format!("managed:{arn}")),
                        policy,
                        file,
                        pointer,
                    };
                    owner.docs.push(doc);
                }
                Err((ptr, msg)) => {
                    let ptr = if ptr.is_empty() {
                        format!("{base}/{j}")
                    } else {
                        ptr
                    };
                    owner.errors.push(self.error(owner.who, &ptr, msg));
                }
            }
        }
    }

    fn boundary(
        &mut self,
        e: &Value,
        base: &str,
        errors: &mut Vec<AuditError>,
        who: &str,
    ) -> Option<PolicyDoc> {
        let b = e.get("PermissionsBoundary")?;
        let pointer = push_pointer(base, "PermissionsBoundary");
        let Some(arn) = str_at(b, "PermissionsBoundaryArn") else {
            errors.push(self.error(
                who,
                &pointer,
                "permissions boundary without `PermissionsBoundaryArn`".to_owned(),
            ));
            return None;
        };
        match self.managed_policy(arn, true) {
            Ok((policy, file, pointer)) => Some(PolicyDoc {
                label: self.shared(format!("boundary:{arn}")),
                id: self.shared(format!("managed:{arn}")),
                policy,
                file,
                pointer,
            }),
            Err((ptr, msg)) => {
                let ptr = if ptr.is_empty() { pointer } else { ptr };
                errors.push(self.error(who, &ptr, msg));
                None
            }
        }
    }

    fn common(
        &self,
        e: &Value,
        pointer: &str,
        kind: PrincipalKind,
    ) -> (Principal, Vec<AuditError>) {
        let name_key = if kind == PrincipalKind::Role {
            "RoleName"
        } else {
            "UserName"
        };
        let id_key = if kind == PrincipalKind::Role {
            "RoleId"
        } else {
            "UserId"
        };
        let name = str_at(e, name_key).unwrap_or("").to_owned();
        let arn = str_at(e, "Arn").unwrap_or("").to_owned();
        let path = str_at(e, "Path").unwrap_or("/").to_owned();
        let mut errors = Vec::new();
        if name.is_empty() || arn.is_empty() {
            errors.push(self.error(
                &arn,
                pointer,
                format!("entry without `{name_key}` or `Arn`"),
            ));
        }
        let tags = list_at(e, "Tags")
            .iter()
            .filter_map(|t| {
                Some((
                    str_at(t, "Key")?.to_owned(),
                    str_at(t, "Value").unwrap_or("").to_owned(),
                ))
            })
            .collect();
        let p = Principal {
            account: account_of(&arn).unwrap_or_default(),
            kind,
            name,
            service_linked: path.starts_with("/aws-service-role/"),
            arn,
            path,
            id: str_at(e, id_key).unwrap_or("").to_owned(),
            tags,
            identity: Vec::new(),
            boundary: None,
            trust: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            pointer: pointer.to_owned(),
            groups: Vec::new(),
        };
        (p, errors)
    }

    fn role(&mut self, r: &Value, pointer: &str) -> Principal {
        let (mut p, mut errors) = self.common(r, pointer, PrincipalKind::Role);
        let who = p.arn.clone();
        let mut identity = Vec::new();
        self.identity_policies(
            r,
            pointer,
            "RolePolicyList",
            &mut Owner {
                label_prefix: "",
                docs: &mut identity,
                errors: &mut errors,
                who: &who,
            },
        );
        p.boundary = self.boundary(r, pointer, &mut errors, &who);
        if let Some(doc) = r.get("AssumeRolePolicyDocument") {
            match self.document(
                doc,
                &format!("{pointer}/AssumeRolePolicyDocument"),
                PolicyKind::Trust,
            ) {
                Ok((t, _)) => p.trust = Some(t),
                Err((ptr, msg)) => {
                    p.warnings
                        .push(self.error(&who, &ptr, format!("trust policy: {msg}")))
                }
            }
        }
        identity.shrink_to_fit();
        p.identity = identity;
        p.errors = errors;
        p
    }

    fn user(&mut self, u: &Value, pointer: &str) -> Principal {
        let (mut p, mut errors) = self.common(u, pointer, PrincipalKind::User);
        let who = p.arn.clone();
        let mut identity = Vec::new();
        self.identity_policies(
            u,
            pointer,
            "UserPolicyList",
            &mut Owner {
                label_prefix: "",
                docs: &mut identity,
                errors: &mut errors,
                who: &who,
            },
        );
        for (k, g) in list_at(u, "GroupList").iter().enumerate() {
            let Some(gname) = g.as_str() else {
                errors.push(self.error(
                    &who,
                    &format!("{pointer}/GroupList/{k}"),
                    "group name must be a string".to_owned(),
                ));
                continue;
            };
            let Some(&(gi, raw)) = self.groups.get(gname) else {
                errors.push(self.error(
                    &who,
                    &format!("{pointer}/GroupList/{k}"),
                    format!("group `{gname}` is not in `GroupDetailList`"),
                ));
                continue;
            };
            p.groups.push(gname.to_owned());
            let group = self.group_tree(gi, raw);
            self.identity_policies(
                &group,
                &format!("/GroupDetailList/{gi}"),
                "GroupPolicyList",
                &mut Owner {
                    label_prefix: &format!("group:{gname}/"),
                    docs: &mut identity,
                    errors: &mut errors,
                    who: &who,
                },
            );
        }
        p.boundary = self.boundary(u, pointer, &mut errors, &who);
        identity.shrink_to_fit();
        p.identity = identity;
        p.errors = errors;
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%7B%22a%22%3A1%7D").unwrap(), "{\"a\":1}");
        assert_eq!(percent_decode("a+b%2").unwrap(), "a+b%2");
    }
    /// Two roles made from one template: their identical documents are parsed once and shared,
    /// and a bad one is reported at each role's own pointer.
    #[test]
    fn identical_documents_are_shared_and_failures_reported_at_each_place() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let good = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:List*","Resource":"*"}]}"#;
        let bad = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:List*","Resource":"*","Condition":{"NoSuchOperator":{"aws:username":"x"}}}]}"#;
        let role = |name: &str| {
            format!(
                r#"{{"RoleName":"{name}","Arn":"arn:aws:iam::111122223333:role/{name}","AssumeRolePolicyDocument":{trust},"RolePolicyList":[{{"PolicyName":"good","PolicyDocument":{good}}},{{"PolicyName":"bad","PolicyDocument":{bad}}}],"AttachedManagedPolicies":[]}}"#
            )
        };
        let text = format!(
            r#"{{"UserDetailList":[],"GroupDetailList":[],"Policies":[],"RoleDetailList":[{},{}]}}"#,
            role("a"),
            role("b")
        );
        let account = load_gaad_text(&text, "two.json", &ManagedPolicyDir(None)).unwrap();
        let [a, b] = &account.principals[..] else {
            panic!("two principals expected");
        };
        let (ta, tb) = (a.trust.as_ref().unwrap(), b.trust.as_ref().unwrap());
        assert!(Arc::ptr_eq(ta, tb), "one parse of the shared trust policy");
        assert!(Arc::ptr_eq(&a.identity[0].policy, &b.identity[0].policy));
        for (i, p) in [a, b].iter().enumerate() {
            assert_eq!(p.identity.len(), 1, "the bad inline policy is not loaded");
            let [e] = &p.errors[..] else {
                panic!("one error per role: {:?}", p.errors);
            };
            assert!(
                e.pointer.starts_with(&format!(
                    "/RoleDetailList/{i}/RolePolicyList/1/PolicyDocument/Statement/0/Condition"
                )),
                "{}",
                e.pointer
            );
            assert!(e.message.starts_with("invalid policy: "), "{}", e.message);
        }
    }

    /// The top of the file is read without a tree: valid JSON of another type and broken JSON
    /// are told apart, a list that is not an array is named, and the managed policies and groups
    /// that entries refer to are found wherever they stand in the file.
    #[test]
    fn the_top_is_read_without_a_tree() {
        let dir = ManagedPolicyDir(None);
        let message = |text: &str| load_gaad_text(text, "t.json", &dir).unwrap_err().message;
        for text in ["[1,2]", "\"x\"", "12"] {
            assert!(
                message(text).ends_with("a GAAD file is a JSON object"),
                "{text}"
            );
        }
        for text in ["[1,2", "\"x\" y", "{\"RoleDetailList\":[}"] {
            assert!(message(text).starts_with("invalid JSON: "), "{text}");
        }
        let e = load_gaad_text(r#"{"Policies":{}}"#, "t.json", &dir).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.message.as_str()),
            ("/Policies", "`Policies` must be an array")
        );

        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:List*","Resource":"*"}]}"#;
        let policy = |arn: &str| {
            format!(
                r#"{{"PolicyName":"p","Arn":"{arn}","DefaultVersionId":"v2","PolicyVersionList":[{{"VersionId":"v1","Document":{{}}}},{{"VersionId":"v2","Document":{doc}}}]}}"#
            )
        };
        let arn = "arn:aws:iam::111122223333:policy/p";
        let text = format!(
            r#"{{"UserDetailList":[{{"UserName":"u","Arn":"arn:aws:iam::111122223333:user/u","GroupList":["g","g2"],"UserPolicyList":[],"AttachedManagedPolicies":[]}},{{"UserName":"v","Arn":"arn:aws:iam::111122223333:user/v","GroupList":["g"]}}],"GroupDetailList":[{{"GroupName":"g","Arn":"arn:aws:iam::111122223333:group/g","GroupPolicyList":[],"AttachedManagedPolicies":[{{"PolicyArn":"{arn}"}}]}}],"Policies":[{},{}]}}"#,
            policy(arn),
            policy(arn)
        );
        let account = load_gaad_text(&text, "t.json", &dir).unwrap();
        let [u, v] = &account.principals[..] else {
            panic!("two users expected");
        };
        for p in [u, v] {
            let [d] = &p.identity[..] else {
                panic!("the group's policy: {:?}", p.identity.len());
            };
            assert_eq!(&*d.pointer, "/Policies/0/PolicyVersionList/1/Document");
        }
        assert!(Arc::ptr_eq(&u.identity[0].policy, &v.identity[0].policy));
        let [e] = &u.errors[..] else {
            panic!("the missing group: {:?}", u.errors);
        };
        assert_eq!(e.pointer, "/UserDetailList/0/GroupList/1");
        assert!(v.errors.is_empty(), "{:?}", v.errors);
        let [dup] = &account.errors[..] else {
            panic!("the duplicate policy: {:?}", account.errors);
        };
        assert!(
            dup.message.contains(
                "listed twice, at /Policies/0/PolicyVersionList/1/Document and at /Policies/1"
            ),
            "{}",
            dup.message
        );
        assert_eq!(account.id, "111122223333");
    }

    /// A file is read in two passes and loads as its text does: roles before users wherever the
    /// lists stand, and a repeated key counts once, with its last value.
    #[test]
    fn a_file_loads_as_its_text() {
        let entry = |kind: &str, name: &str| {
            format!(
                r#"{{"{kind}Name":"{name}","Arn":"arn:aws:iam::111122223333:{}/{name}"}}"#,
                kind.to_lowercase()
            )
        };
        let text = format!(
            r#"{{"UserDetailList":[{}],"RoleDetailList":[{}],"Extra":{{"a":[1,{{"b":null}}]}},"RoleDetailList":[{},{}],"Policies":[]}}"#,
            entry("User", "u"),
            entry("Role", "old"),
            entry("Role", "a"),
            entry("Role", "b")
        );
        let path = std::env::temp_dir().join(format!("iamc-load-{}.json", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let dir = ManagedPolicyDir(None);
        let from_file = load_gaad(&path, &dir);
        std::fs::remove_file(&path).unwrap();
        let from_text = load_gaad_text(&text, &path.display().to_string(), &dir).unwrap();
        let names = |a: &Account| {
            a.principals
                .iter()
                .map(|p| (p.name.clone(), p.pointer.clone()))
                .collect::<Vec<_>>()
        };
        let expected = [
            ("a", "/RoleDetailList/0"),
            ("b", "/RoleDetailList/1"),
            ("u", "/UserDetailList/0"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(n, p)| ((*n).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(names(&from_text), expected);
        assert_eq!(names(&from_file.unwrap()), expected);
    }

    /// Text that is not UTF-8 or a lone surrogate is invalid JSON wherever it stands: in an
    /// entry the first pass only skipped, or under a key iamc does not read.
    #[test]
    fn bytes_that_are_not_text_are_invalid_json() {
        let dir = ManagedPolicyDir(None);
        let cases: [&[u8]; 3] = [
            b"{\"RoleDetailList\":[{\"RoleName\":\"\xff\"}]}",
            b"{\"X\":\"\xff\",\"RoleDetailList\":[]}",
            b"{\"UserDetailList\":[{\"UserName\":\"\\ud800\"}]}",
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let path =
                std::env::temp_dir().join(format!("iamc-utf8-{}-{i}.json", std::process::id()));
            std::fs::write(&path, bytes).unwrap();
            let loaded = load_gaad(&path, &dir);
            std::fs::remove_file(&path).unwrap();
            let e = loaded.err().unwrap_or_else(|| panic!("case {i} loaded"));
            assert!(
                e.message.starts_with("invalid JSON: "),
                "case {i}: {}",
                e.message
            );
        }
    }
}
