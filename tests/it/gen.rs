//! Random inputs for differential testing and fuzzing, and the properties they must satisfy.
//!
//! [`case`] turns an `arbitrary::Unstructured` into one case line in the JSONL case format
//! (`../shared/CASE-FORMAT.md`), so the case parser runs on every input. It draws from a small
//! fixed vocabulary so that policies and requests collide: the request (action, resource) is
//! chosen first, policy patterns are derived from it (kept, wildcarded, mutated), and request
//! context values are drawn from the values the policies mention (exact, mutated by one
//! character, case-changed, ±1, ±1 s, inside/outside a CIDR, …), so conditions go both ways.
//!
//! The properties ([`check_case_line`], [`check_parse`], [`check_glob`]) are shared by the
//! differential test (`tests/it/differential.rs`), the fuzz targets (`fuzz/fuzz_targets/`, which
//! include this file through `#[path]`) and the regression replays (`tests/it/regressions.rs`).
//! This file therefore uses only `iamc`, `arbitrary`, `serde_json` and `bumpalo`.
#![allow(dead_code)]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use bumpalo::Bump;
use serde_json::{Map, Value, json};

use iamc::Catalog;
use iamc::case::{Case, parse_case_line};
use iamc::compile::Compiler;
use iamc::compile::arn::{CArn, match_arn_toks};
use iamc::compile::arn::{any_arn, build_arns};
use iamc::compile::glob::{CGlob, Tok, TokBuf, match_toks, tokenize_into};
use iamc::compile::glob::{any_like, build_like};
use iamc::condition::{Family, Operator};
use iamc::eval::{
    Context, ContextEntry, ContextValue, Explanation, PreparedRequest, Request, compiled, reference,
};
use iamc::policy::glob::Glob;
use iamc::policy::pattern::arn_glob_matches;
use iamc::policy::{Policy, PolicyKind};
use iamc::request::PreparedContext;
use iamc::request::arn::{PArn, arn_segments};

// ---------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------

const ACCOUNTS: &[&str] = &["111122223333", "444455556666"];
const REGIONS: &[&str] = &["us-east-1", "us-west-2"];

/// Actions in the embedded catalog (`ListTrainingJobs` is wildcard-only, S-28).
const CATALOG_ACTIONS: &[&str] = &[
    "sagemaker:CreateTrainingJob",
    "sagemaker:DescribeTrainingJob",
    "sagemaker:ListTrainingJobs",
    "sagemaker:CreateApp",
    "sagemaker:CreatePresignedDomainUrl",
    "sagemaker:AddTags",
    "sagemaker:CreateEndpoint",
    "sagemaker:DeleteEndpoint",
    "iam:PassRole",
];

/// Actions outside the catalog: the compiled engine's DFA fallback decides them.
const OTHER_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "ec2:RunInstances",
    "ec2:DescribeInstances",
    "sagemaker:FrobnicateWidget",
    "execute-api:Invoke",
    "iam:GetRole",
];

/// Names used in resource ARNs and as variable values; `a*` and `co$t` exercise literal
/// substitution (S-17), the Greek words ignore-case (S-18).
const NAMES: &[&str] = &[
    "alice", "bob", "Alice", "job-1", "job-12", "team-a", "a*", "co$t", "é", "ΟΔΟΣ",
];

/// Condition keys with the family they are usually tested with. Some are multivalued in the
/// catalog (`aws:TagKeys`, `sagemaker:InstanceTypes`, `aws:CalledVia`, `sagemaker:ImageArns`).
const KEYS: &[(&str, Family)] = &[
    ("aws:username", Family::String),
    ("aws:PrincipalTag/team", Family::String),
    ("aws:RequestTag/env", Family::String),
    ("aws:ResourceTag/owner", Family::String),
    ("aws:TagKeys", Family::String),
    ("sagemaker:InstanceTypes", Family::String),
    ("aws:CalledVia", Family::String),
    ("custom:str", Family::String),
    ("aws:MultiFactorAuthAge", Family::Numeric),
    ("sagemaker:MaxRuntimeInSeconds", Family::Numeric),
    ("custom:num", Family::Numeric),
    ("aws:CurrentTime", Family::Date),
    ("aws:TokenIssueTime", Family::Date),
    ("aws:EpochTime", Family::Date),
    ("aws:SecureTransport", Family::Bool),
    ("aws:MultiFactorAuthPresent", Family::Bool),
    ("custom:flag", Family::Bool),
    ("custom:bin", Family::Binary),
    ("aws:SourceIp", Family::Ip),
    ("custom:ip", Family::Ip),
    ("aws:SourceArn", Family::Arn),
    ("aws:PrincipalArn", Family::Arn),
    ("sagemaker:ImageArns", Family::Arn),
    ("custom:acct", Family::String),
    ("custom:ΤΑΣ", Family::String),
];

/// Policy variables, as written in policies.
const VARIABLES: &[&str] = &[
    "${aws:username}",
    "${AWS:UserName}",
    "${aws:PrincipalTag/team}",
    "${aws:username, 'alice'}",
    "${aws:PrincipalTag/team,'team-a'}",
    "${custom:str}",
    "${custom:acct}",
];

/// Keys the variables read (lowercase).
const VARIABLE_KEYS: &[&str] = &[
    "aws:username",
    "aws:PrincipalTag/team",
    "custom:str",
    "custom:acct",
    "custom:flag",
];

const ESCAPES: &[&str] = &["${*}", "${?}", "${$}"];

const STRING_VALUES: &[&str] = &[
    "alice",
    "bob",
    "Alice",
    "team-a",
    "prod",
    "dev",
    "ml.m5.large",
    "ml.p3.2xlarge",
    "",
    "é",
    "ΟΔΟΣ",
    "οδος",
    "a*",
    "111122223333",
    "a",
    "aa",
    "aba",
];
const LIKE_VALUES: &[&str] = &[
    "a*",
    "*e*",
    "?ob",
    "ml.*",
    "ml.?3.*",
    "*",
    "team-*",
    "*-a",
    "al?ce",
    "*Σ",
    "??",
    "",
    "?l?i?c?e*?*?*?*?*?*?*?*?*?*?*?*?*",
    "al*ce",
    "a*a",
    "**",
    "*a*a*",
];
const VAR_STRING_VALUES: &[&str] = &[
    "${aws:username}",
    "${aws:username}*",
    "team-${aws:PrincipalTag/team}",
    "${aws:username, 'alice'}",
    "${*}",
    "a${?}",
    "${$}x",
    "${custom:str}",
    "${AWS:USERNAME}-*",
    // More pieces than the compiled engine keeps on the stack (8).
    "${aws:username}-${aws:username}-${aws:username}-${aws:username}-${aws:username}",
    // More tokens than a stack token buffer holds (24).
    "${aws:username}?*?*?*?*?*?*?*?*?*?*?*?*?*",
];
const NUMERIC_VALUES: &[&str] = &[
    "0",
    "1",
    "10",
    "3600",
    "3600.5",
    "-1.5",
    "0.1",
    "99999999999999999999",
    "+7",
];
const NUMERIC_REQUEST: &[&str] = &[
    "3599", "3601", "3600.0", "11", "9", "-1", "2", "abc", "1e3", "", "0.10", "-1.50", "007", "-0",
    "+0.0", " 1",
];
const DATE_VALUES: &[&str] = &[
    "2026-01-01T00:00:00Z",
    "2026-01-01",
    "1767225600",
    "2025-12-31T23:59:59Z",
    "2026-01-01T02:00:00+02:00",
    "2026-01-01T00:00:00.5Z",
    "2026",
    "2026-01",
];
const DATE_REQUEST: &[&str] = &[
    "1767225599",
    "1767225601",
    "2026-01-01T00:00:01Z",
    "2025-12-31T23:59:58Z",
    "1767225600.5",
    "2026-01-01 00:00:00",
    "2025-12-31T22:00:00-02:00",
    "yesterday",
    "",
    "2026",
    "2027",
];
const BOOL_VALUES: &[&str] = &["true", "false", "True", "FALSE"];
const BOOL_REQUEST: &[&str] = &["true", "false", "TRUE", "False", "yes", "", "1"];
const VAR_BOOL_VALUES: &[&str] = &[
    "${custom:flag}",
    "${aws:username}",
    "${custom:flag, 'true'}",
];
const BINARY_VALUES: &[&str] = &["aGVsbG8=", "aGVsbG8", "QUJD", "", "YQ=="];
const BINARY_REQUEST: &[&str] = &[
    "aGVsbG8=",
    "aGVsbG8",
    "aGVsbG9=",
    "YQ",
    "YQ==",
    "not base64!",
    "",
];
const IP_VALUES: &[&str] = &[
    "10.0.0.0/8",
    "10.1.2.3",
    "203.0.113.0/24",
    "2001:db8::/32",
    "::1",
    "0.0.0.0/0",
    "192.168.1.1/32",
    "10.1.2.3/16",
];
const IP_REQUEST: &[&str] = &[
    "10.1.2.3",
    "10.255.255.255",
    "11.0.0.0",
    "203.0.113.7",
    "203.0.114.1",
    "2001:db8::5",
    "2001:db9::1",
    "::1",
    "::ffff:10.1.2.3",
    "10.0.0.0/8",
    "not-an-ip",
    "",
    "192.168.1.1",
];
const ARN_VALUES: &[&str] = &[
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:iam::*:role/*",
    "arn:aws:sagemaker:us-east-1:*",
    "arn:aws:*",
    "arn:aws:sagemaker:us-east-1:111122223333:*/*",
    "arn:aws:iam::111122223333:role/a?min",
    "arn:aws:sts::111122223333:assumed-role/admin/*",
    "arn:aws:sagemaker:*:*:training-job/job-*",
    "*",
    "arn:aws:iam::111122223333",
];
const VAR_ARN_VALUES: &[&str] = &[
    "arn:aws:iam::111122223333:role/${aws:username}",
    "arn:aws:iam::${custom:acct}:role/*",
    "arn:aws:sagemaker:us-east-1:111122223333:training-job/${aws:username, 'job-1'}",
    "arn:aws:iam::111122223333:role/${*}",
];
const ARN_REQUEST: &[&str] = &[
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:iam::444455556666:role/admin",
    "arn:aws:iam::111122223333:role/alice",
    "arn:aws:sagemaker:us-east-1:111122223333:training-job/job-1",
    "arn:aws:iam::111122223333:role/admin:x",
    "arn:aws:iam::111122223333:role/*",
    "not-an-arn",
    "arn:aws:iam::111122223333",
    "",
];

fn family_of_key(key: &str) -> Family {
    KEYS.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map_or(Family::String, |(_, f)| *f)
}

fn request_vocab(f: Family) -> &'static [&'static str] {
    match f {
        Family::String | Family::Null => STRING_VALUES,
        Family::Numeric => NUMERIC_REQUEST,
        Family::Date => DATE_REQUEST,
        Family::Bool => BOOL_REQUEST,
        Family::Binary => BINARY_REQUEST,
        Family::Ip => IP_REQUEST,
        Family::Arn => ARN_REQUEST,
    }
}

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

/// A value a policy mentions for a key (lowercase), with the operator family it was tested with.
struct Mention {
    key: String,
    family: Family,
    value: String,
}

struct Gen<'u, 'd> {
    u: &'u mut Unstructured<'d>,
    /// The request action (canonical spelling; case-varied when written out).
    action: &'static str,
    /// The request resource.
    resource: String,
    /// Names used in the request resource (variables should often resolve to them).
    resource_names: Vec<String>,
    mentions: Vec<Mention>,
    /// Variable keys (lowercase) the policies read.
    var_keys: Vec<String>,
}

/// Generates one case line (a JSON object in the case format) with id `id`.
pub fn case(u: &mut Unstructured<'_>, id: &str) -> Value {
    let mut g = Gen {
        u,
        action: CATALOG_ACTIONS[0],
        resource: String::new(),
        resource_names: Vec::new(),
        mentions: Vec::new(),
        var_keys: Vec::new(),
    };
    g.case(id)
}

impl Gen<'_, '_> {
    // --- choice helpers: an exhausted input always gives the first (simplest) choice -----------

    fn below(&mut self, n: usize) -> usize {
        if n <= 1 || self.u.is_empty() {
            return 0;
        }
        self.u.choose_index(n).unwrap_or(0)
    }

    fn chance(&mut self, percent: u8) -> bool {
        if self.u.is_empty() {
            return false;
        }
        self.u.int_in_range(0u8..=99).is_ok_and(|x| x < percent)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        if total == 0 {
            return 0;
        }
        if self.u.is_empty() {
            // Exhausted input: the first possible choice.
            return weights.iter().position(|w| *w > 0).unwrap_or(0);
        }
        let mut x = self.u.int_in_range(0..=total - 1).unwrap_or(0);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        0
    }

    fn vary_case(&mut self, s: &str) -> String {
        match self.below(4) {
            0 => s.to_uppercase(),
            1 => s.to_lowercase(),
            _ => s
                .chars()
                .map(|c| {
                    if self.chance(30) {
                        if c.is_lowercase() {
                            c.to_uppercase().next().unwrap_or(c)
                        } else {
                            c.to_lowercase().next().unwrap_or(c)
                        }
                    } else {
                        c
                    }
                })
                .collect(),
        }
    }

    /// One character changed, added or dropped.
    fn mutate_char(&mut self, s: &str) -> String {
        let mut chars: Vec<char> = s.chars().collect();
        let fill = self.pick(&['x', 'a', '1', '-', 'é', 'Σ', '*', ':']);
        match self.below(3) {
            0 if !chars.is_empty() => {
                let i = self.below(chars.len());
                chars[i] = fill;
            }
            1 if !chars.is_empty() => {
                let i = self.below(chars.len());
                chars.remove(i);
            }
            _ => {
                let i = self.below(chars.len() + 1);
                chars.insert(i, fill);
            }
        }
        chars.into_iter().collect()
    }

    // --- the case ----------------------------------------------------------------------------

    fn case(&mut self, id: &str) -> Value {
        self.action = if self.chance(55) {
            self.pick(CATALOG_ACTIONS)
        } else {
            self.pick(OTHER_ACTIONS)
        };
        self.resource = self.target_resource();

        let mut out = Map::new();
        out.insert("id".into(), json!(id));

        // Policies first: they decide which context keys and values matter.
        let mut identity = Vec::new();
        let n_identity = self.weighted(&[50, 30, 10, 7, 3]);
        let n_identity = [1, 2, 3, 0, 4][n_identity];
        for _ in 0..n_identity {
            identity.push(self.policy());
        }
        let boundary = match self.weighted(&[55, 5, 40]) {
            0 => None,
            1 => Some(Vec::new()),
            _ => {
                let n = 1 + self.below(2);
                Some((0..n).map(|_| self.policy()).collect::<Vec<_>>())
            }
        };
        let levels = self.weighted(&[55, 25, 12, 8]);
        let mut scps = Vec::new();
        for _ in 0..levels {
            if self.chance(5) {
                scps.push(Value::Array(Vec::new()));
            } else {
                let n = 1 + self.below(2);
                scps.push(Value::Array((0..n).map(|_| self.scp()).collect()));
            }
        }
        let session = if self.chance(30) {
            Some(self.policy())
        } else {
            None
        };

        let action = if self.chance(30) {
            self.vary_case(self.action)
        } else {
            self.action.to_owned()
        };
        out.insert("action".into(), json!(action));
        out.insert("resource".into(), json!(self.resource));
        let (principal, account) = self.principal_and_account();
        if let Some(p) = principal {
            out.insert("principal".into(), json!(p));
        }
        if let Some(a) = account {
            out.insert("account".into(), json!(a));
        }
        let context = self.context();
        if !context.is_empty() || self.chance(10) {
            out.insert("context".into(), Value::Object(context));
        }
        if !identity.is_empty() || self.chance(70) {
            out.insert("identity".into(), Value::Array(identity));
        }
        if let Some(b) = boundary {
            out.insert("boundary".into(), Value::Array(b));
        }
        if !scps.is_empty() || self.chance(10) {
            out.insert("scps".into(), Value::Array(scps));
        }
        if let Some(s) = session {
            out.insert("session".into(), s);
        }
        if self.chance(4) {
            self.corrupt(&mut out);
        }
        Value::Object(out)
    }

    /// The account in the request's resource, or the first account when it names none.
    fn resource_account(&self) -> &'static str {
        let acct = self.resource.split(':').nth(4).unwrap_or("");
        ACCOUNTS
            .iter()
            .copied()
            .find(|a| *a == acct)
            .unwrap_or(ACCOUNTS[0])
    }

    fn principal_and_account(&mut self) -> (Option<String>, Option<String>) {
        let own = self.resource_account();
        let acct = if self.chance(88) {
            own
        } else {
            self.pick(ACCOUNTS)
        };
        let principal = match self.weighted(&[45, 25, 20, 10]) {
            0 => Some(format!("arn:aws:iam::{acct}:role/admin")),
            1 => Some(format!("arn:aws:sts::{acct}:assumed-role/admin/alice")),
            2 => Some(format!("arn:aws:iam::{acct}:user/bob")),
            _ => None,
        };
        let account = match self.weighted(&[85, 10, 5]) {
            0 => None,
            1 => Some(own.to_owned()),
            _ => Some(self.pick(ACCOUNTS).to_owned()),
        };
        (principal, account)
    }

    /// The resource the request names, built from the vocabulary.
    fn target_resource(&mut self) -> String {
        let service = self.action.split(':').next().unwrap_or("sagemaker");
        let service = match self.weighted(&[85, 15]) {
            0 => service,
            _ => self.pick(&["sagemaker", "iam", "s3", "ec2"]),
        };
        let partition = if self.chance(92) { "aws" } else { "aws-cn" };
        let region = self.pick(REGIONS);
        let account = self.pick(ACCOUNTS);
        let n1 = self.pick(NAMES);
        let n2 = self.pick(NAMES);
        self.resource_names = vec![n1.to_owned(), n2.to_owned()];
        match self.weighted(&[88, 8, 4]) {
            0 => {}
            1 => return "*".to_owned(),
            _ => {
                return self
                    .pick(&[
                        "not-an-arn",
                        "arn:aws:sagemaker:us-east-1",
                        "arn:aws:sagemaker:us-east-1:111122223333",
                    ])
                    .to_owned();
            }
        }
        let rest = match service {
            "sagemaker" => match self.below(6) {
                0 => format!("training-job/{n1}"),
                1 => format!("app/d-abc123/{n1}/jupyterlab/default"),
                2 => format!("user-profile/d-abc123/{n1}"),
                3 => format!("endpoint/{n1}"),
                4 => format!("training-job/{n1}:v1"),
                _ => format!("space/d-abc123/{n1}-{n2}"),
            },
            "iam" => match self.below(2) {
                0 => format!("role/{n1}"),
                _ => format!("role/service/{n1}"),
            },
            "s3" => return format!("arn:{partition}:s3:::bucket-a/{n1}/{n2}.csv"),
            "ec2" => format!("instance/i-0{n1}"),
            _ => format!("thing/{n1}"),
        };
        let region = if service == "iam" { "" } else { region };
        format!("arn:{partition}:{service}:{region}:{account}:{rest}")
    }

    // --- policies ----------------------------------------------------------------------------

    fn policy(&mut self) -> Value {
        self.policy_with(false)
    }

    fn scp(&mut self) -> Value {
        self.policy_with(true)
    }

    fn policy_with(&mut self, scp: bool) -> Value {
        let mut p = Map::new();
        let version = match self.weighted(&[70, 10, 20]) {
            0 => Some("2012-10-17"),
            1 => Some("2008-10-17"),
            _ => None,
        };
        if let Some(v) = version {
            p.insert("Version".into(), json!(v));
        }
        if self.chance(10) {
            p.insert("Id".into(), json!("policy-id"));
        }
        let vars = version == Some("2012-10-17");
        let n = [1, 2, 3, 4, 0][self.weighted(&[40, 30, 17, 10, 3])];
        let mut statements: Vec<Value> =
            (0..n).map(|i| self.statement(i == 0, scp, vars)).collect();
        if statements.len() == 1 && self.chance(20) {
            p.insert("Statement".into(), statements.remove(0));
        } else {
            p.insert("Statement".into(), Value::Array(statements));
        }
        Value::Object(p)
    }

    fn string_or_list(&mut self, mut items: Vec<String>) -> Value {
        if items.len() == 1 && self.chance(60) {
            json!(items.remove(0))
        } else {
            json!(items)
        }
    }

    fn statement(&mut self, first: bool, scp: bool, vars: bool) -> Value {
        let mut s = Map::new();
        if self.chance(30) {
            s.insert("Sid".into(), json!(self.pick(&["", "A", "B", "DenyAll"])));
        }
        let allow = if first {
            self.chance(if scp { 92 } else { 85 })
        } else {
            self.chance(55)
        };
        s.insert("Effect".into(), json!(if allow { "Allow" } else { "Deny" }));

        let n = [1, 2, 3][self.weighted(&[60, 28, 12])];
        let actions: Vec<String> = (0..n).map(|_| self.action_pattern(first)).collect();
        let key = if self.chance(15) {
            "NotAction"
        } else {
            "Action"
        };
        let actions = self.string_or_list(actions);
        s.insert(key.into(), actions);

        // Sometimes a long list, enough for the compiled engine's ARN prefilter (32 patterns)
        // (`*` is left out of those lists: it would make the statement match every resource.)
        let long = self.chance(10);
        let n = if long {
            32 + self.below(16)
        } else {
            [1, 2, 3][self.weighted(&[60, 28, 12])]
        };
        let mut resources: Vec<String> = (0..n).map(|_| self.resource_pattern(first)).collect();
        if long {
            resources.retain(|r| r != "*");
            if resources.is_empty() {
                resources.push("*".to_owned());
            }
        }
        let key = if self.chance(12) {
            "NotResource"
        } else {
            "Resource"
        };
        let resources = self.string_or_list(resources);
        s.insert(key.into(), resources);

        let nops = [0, 1, 2, 3][self.weighted(&[if first { 55 } else { 35 }, 35, 15, 8])];
        if nops > 0 || self.chance(5) {
            let mut block = Map::new();
            for _ in 0..nops {
                let (name, op) = self.qualified_operator();
                let nkeys = [1, 2, 3][self.weighted(&[65, 25, 10])];
                let mut keys = Map::new();
                for _ in 0..nkeys {
                    let (key, values) = self.condition_entry(op, vars);
                    keys.insert(key, values);
                }
                block.insert(name, Value::Object(keys));
            }
            s.insert("Condition".into(), Value::Object(block));
        }
        Value::Object(s)
    }

    /// Makes a case invalid: a policy IAM rejects, or a request the case format rejects.
    fn corrupt(&mut self, case: &mut Map<String, Value>) {
        let which = self.below(4);
        if which == 0 {
            let ctx = case
                .entry("context")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(ctx) = ctx {
                if self.chance(50) {
                    // Not a string (S-22).
                    ctx.insert("custom:num".into(), json!(5));
                } else {
                    // Two keys that differ only in case (S-20).
                    ctx.insert("custom:dup".into(), json!("x"));
                    ctx.insert("CUSTOM:DUP".into(), json!("y"));
                }
            }
            return;
        }
        let Some(Value::Array(identity)) = case.get_mut("identity") else {
            return;
        };
        let Some(Value::Object(policy)) = identity.first_mut() else {
            return;
        };
        if which == 1 {
            policy.insert("Version".into(), json!("2013-10-17"));
            return;
        }
        let statement = match policy.get_mut("Statement") {
            Some(Value::Array(list)) => list.first_mut(),
            Some(one) => Some(one),
            None => None,
        };
        if let Some(Value::Object(s)) = statement {
            self.corrupt_statement(s);
        }
    }

    /// Makes a statement invalid in one of the ways IAM rejects (S-2, S-16, S-21, S-24, S-26).
    fn corrupt_statement(&mut self, s: &mut Map<String, Value>) {
        match self.below(9) {
            0 => {
                s.insert("Effect".into(), json!("allow"));
            }
            1 => {
                s.insert(
                    "Condition".into(),
                    json!({"StringLikee": {"aws:username": "x"}}),
                );
            }
            2 => {
                s.insert(
                    "Condition".into(),
                    json!({"NumericLessThan": {"custom:num": "ten"}}),
                );
            }
            3 => {
                s.insert(
                    "Condition".into(),
                    json!({"NullIfExists": {"custom:num": "true"}}),
                );
            }
            4 => {
                s.remove("NotAction");
                s.insert("Action".into(), json!([]));
            }
            5 => {
                s.remove("NotResource");
                s.insert("Resource".into(), json!("bucket-a/*"));
            }
            6 => {
                s.remove("NotAction");
                s.insert("Action".into(), json!("sage*:CreateApp"));
            }
            7 => {
                s.remove("NotResource");
                s.insert("Resource".into(), json!("arn:aws:s?:::bucket-a/*"));
            }
            _ => {
                s.remove("NotResource");
                s.insert(
                    "Resource".into(),
                    json!("arn:aws:iam::${aws:username}:role/x"),
                );
            }
        }
    }

    // --- actions -----------------------------------------------------------------------------

    fn action_pattern(&mut self, first: bool) -> String {
        let target_weight = if first { 60 } else { 35 };
        match self.weighted(&[target_weight, 30, 10, 10]) {
            0 => {
                let a = self.action;
                self.mutate_action(a)
            }
            1 => {
                let a = if self.chance(50) {
                    self.pick(CATALOG_ACTIONS)
                } else {
                    self.pick(OTHER_ACTIONS)
                };
                self.mutate_action(a)
            }
            2 => "*".to_owned(),
            _ => {
                let svc = self.action.split(':').next().unwrap_or("s3");
                let svc = if self.chance(70) {
                    svc
                } else {
                    self.pick(&["sagemaker", "s3", "iam", "ec2"])
                };
                format!(
                    "{svc}:{}",
                    self.pick(&["*", "Create*", "*Job*", "List?*", "?*"])
                )
            }
        }
    }

    /// Keeps an action or wildcards part of its name; sometimes breaks the match.
    fn mutate_action(&mut self, action: &str) -> String {
        let (svc, name) = action.split_once(':').unwrap_or(("s3", action));
        let n = name.len();
        let name = match self.weighted(&[35, 12, 10, 10, 8, 8, 7, 5, 5]) {
            0 => name.to_owned(),
            1 => format!("{}*", &name[..self.below(n + 1)]),
            2 => format!("*{}", &name[self.below(n + 1)..]),
            3 => {
                let i = self.below(n);
                format!("{}?{}", &name[..i], &name[i + 1..])
            }
            4 => {
                let a = self.below(n + 1);
                let b = a + self.below(n - a + 1);
                format!("*{}*", &name[a..b])
            }
            5 => {
                let mut m = self.mutate_char(name);
                m.retain(|c| c.is_ascii_alphanumeric() || c == '*');
                if m.is_empty() { "X".to_owned() } else { m }
            }
            6 => format!("{name}?"),
            7 => format!("{name}*"),
            _ => format!("{}??*", &name[..self.below(n + 1)]),
        };
        let full = format!("{svc}:{name}");
        if self.chance(30) {
            self.vary_case(&full)
        } else {
            full
        }
    }

    // --- resources ---------------------------------------------------------------------------

    fn resource_pattern(&mut self, first: bool) -> String {
        let derived = if first { 60 } else { 45 };
        match self.weighted(&[derived, 18, 15, 12]) {
            0 if self.resource.starts_with("arn:") => {
                let r = self.resource.clone();
                self.derive_arn(&r)
            }
            0 | 1 => "*".to_owned(),
            2 => {
                let saved = (self.resource.clone(), self.resource_names.clone());
                let other = self.target_resource();
                (self.resource, self.resource_names) = saved;
                if other.starts_with("arn:") {
                    self.derive_arn(&other)
                } else {
                    "*".to_owned()
                }
            }
            _ => self
                .pick(&[
                    "arn:aws:*",
                    "arn:*",
                    "arn:aws:sagemaker:us-east-1:*",
                    "arn:aws:sagemaker:*:*:*",
                    "arn:aws:sagemaker:us-east-1:111122223333:*/*",
                    "arn:aws:sagemaker:us-east-1:111122223333",
                    "arn:aws:s3:::*",
                    "arn:aws:iam::*:role/*",
                    "arn:aws:sagemaker:*:111122223333:training-job/*",
                    "arn:aws:sagemaker:us-east-1:111122223333:*",
                    // Longer than the compiled engine's stack token buffer (24 tokens).
                    "arn:aws:sagemaker:us-east-1:111122223333:t?a?i?n?i?n?g?-?j?o?b?/?*?*?*",
                    "arn:aws:sagemaker:*:*:training-job/${aws:username}?*?*?*?*?*?*?*?*?*?*?*?*",
                ])
                .to_owned(),
        }
    }

    /// Derives an ARN pattern from an ARN: segments kept, wildcarded or changed, sometimes cut
    /// short (S-13b), variables and escapes in the resource segment.
    fn derive_arn(&mut self, arn: &str) -> String {
        let segs: Vec<&str> = arn.splitn(6, ':').collect();
        if segs.len() < 6 {
            return arn.to_owned();
        }
        let mut out: Vec<String> = Vec::with_capacity(6);
        out.push("arn".to_owned());
        out.push(match self.weighted(&[78, 10, 4, 4, 4]) {
            0 => segs[1].to_owned(),
            1 => "*".to_owned(),
            2 => "aws*".to_owned(),
            3 => "aws-cn".to_owned(),
            _ => "AWS".to_owned(),
        });
        out.push(if self.chance(95) {
            segs[2].to_owned()
        } else {
            self.pick(&["sagemaker", "s3", "iam", "SageMaker"])
                .to_owned()
        });
        out.push(match self.weighted(&[60, 20, 7, 5, 8]) {
            0 => segs[3].to_owned(),
            1 => "*".to_owned(),
            2 => "us-*".to_owned(),
            3 => "us-east-?".to_owned(),
            _ => self.pick(&["us-west-2", "", "US-EAST-1"]).to_owned(),
        });
        out.push(match self.weighted(&[60, 20, 10, 5, 5]) {
            0 => segs[4].to_owned(),
            1 => "*".to_owned(),
            2 => self.pick(ACCOUNTS).to_owned(),
            3 => "1111*".to_owned(),
            _ => "?".repeat(12),
        });
        let res = self.mutate_resource_segment(segs[5]);
        out.push(res);
        if self.chance(12) {
            // A short pattern: keep 2..=5 segments, the last ending in `*` (mostly).
            let keep = 2 + self.below(4);
            out.truncate(keep);
            if let Some(last) = out.last_mut()
                && !last.ends_with('*')
                && self.chance(90)
            {
                if self.chance(50) {
                    *last = "*".to_owned();
                } else {
                    last.push('*');
                }
            }
        }
        out.join(":")
    }

    fn mutate_resource_segment(&mut self, seg: &str) -> String {
        let parts: Vec<&str> = seg.split('/').collect();
        match self.weighted(&[25, 8, 5, 14, 48]) {
            0 => return seg.to_owned(),
            1 => return "*".to_owned(),
            2 => return "*/*".to_owned(),
            3 => return format!("{}/*", parts[0]),
            _ => {}
        }
        // Mutate one or two components.
        let mut parts: Vec<String> = parts.iter().map(|s| (*s).to_owned()).collect();
        let times = 1 + self.below(2);
        for _ in 0..times {
            let i = self.below(parts.len());
            let p = parts[i].clone();
            let chars: Vec<char> = p.chars().collect();
            let n = chars.len();
            let cut = |a: usize, b: usize| -> String { chars[a..b].iter().collect() };
            parts[i] = match self.weighted(&[10, 14, 8, 8, 22, 10, 8, 8, 6, 6]) {
                0 => "*".to_owned(),
                1 => format!("{}*", cut(0, self.below(n + 1))),
                2 => format!("*{}", cut(self.below(n + 1), n)),
                3 if n > 0 => {
                    let k = self.below(n);
                    format!("{}?{}", cut(0, k), cut(k + 1, n))
                }
                4 => {
                    // A variable, resolved per request (literal text without Version 2012).
                    let v = self.variable();
                    match self.below(3) {
                        0 => v,
                        1 => format!("{v}*"),
                        _ => format!("{}{v}", cut(0, self.below(n + 1))),
                    }
                }
                5 => {
                    // An escape instead of a character, or added.
                    let e = self.pick(ESCAPES);
                    let k = self.below(n + 1);
                    let replace = k < n && self.chance(50);
                    format!(
                        "{}{e}{}",
                        cut(0, k),
                        cut(if replace { k + 1 } else { k }, n)
                    )
                }
                6 => self.mutate_char(&p),
                7 => self.vary_case(&p),
                8 => p.replace('*', "${*}").replace('$', "${$}"),
                _ => format!("{p}:*"),
            };
        }
        parts.join("/")
    }

    /// A policy variable as written; records the key it reads.
    fn variable(&mut self) -> String {
        let v = self.pick(VARIABLES);
        self.note_variables(v);
        v.to_owned()
    }

    fn note_variables(&mut self, text: &str) {
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let inner = &after[..end];
            let key = inner.split(',').next().unwrap_or("").trim().to_lowercase();
            if !matches!(key.as_str(), "*" | "?" | "$" | "") && !self.var_keys.contains(&key) {
                self.var_keys.push(key);
            }
            rest = &after[end..];
        }
    }

    // --- conditions --------------------------------------------------------------------------

    /// An operator with its qualifiers: every operator × {plain, IfExists, ForAllValues:,
    /// ForAnyValue:} (and both prefixes with IfExists); Null only plain.
    fn qualified_operator(&mut self) -> (String, Operator) {
        let op = self.pick(Operator::ALL);
        if op == Operator::Null {
            return (op.name().to_owned(), op);
        }
        let (prefix, suffix) = match self.weighted(&[40, 15, 17, 17, 5, 6]) {
            0 => ("", ""),
            1 => ("", "IfExists"),
            2 => ("ForAllValues:", ""),
            3 => ("ForAnyValue:", ""),
            4 => ("ForAllValues:", "IfExists"),
            _ => ("ForAnyValue:", "IfExists"),
        };
        (format!("{prefix}{}{suffix}", op.name()), op)
    }

    fn condition_entry(&mut self, op: Operator, vars: bool) -> (String, Value) {
        let family = op.family();
        let key = if self.chance(80) && family != Family::Null {
            let fitting: Vec<&str> = KEYS
                .iter()
                .filter(|(_, f)| *f == family)
                .map(|(k, _)| *k)
                .collect();
            self.pick(&fitting)
        } else {
            self.pick(KEYS).0
        };
        let written = if self.chance(10) {
            self.vary_case(key)
        } else {
            key.to_owned()
        };
        let like = matches!(op, Operator::StringLike | Operator::StringNotLike);
        // Sometimes a long `Like` or ARN list, enough for the compiled engine's multi-pattern
        // prefilter (`compile::prefilter`, from 16 patterns with a literal piece by default, 32
        // for ARN patterns).
        let n = if like && self.chance(30) {
            16 + self.below(16)
        } else if family == Family::Arn && self.chance(30) {
            32 + self.below(16)
        } else {
            [1, 2, 3, 12][self.weighted(&[55, 30, 13, 2])]
        };
        let mut values: Vec<Value> = Vec::with_capacity(n);
        for _ in 0..n {
            let v = self.policy_value(op, vars);
            let text = match &v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if vars {
                self.note_variables(&text);
            }
            self.mentions.push(Mention {
                key: key.to_lowercase(),
                family,
                value: text,
            });
            values.push(v);
        }
        let value = if values.len() == 1 && self.chance(65) {
            values.remove(0)
        } else {
            Value::Array(values)
        };
        (written, value)
    }

    /// One policy value for `op`: valid for its family, with variables under Version 2012 in the
    /// families that take them; numbers and booleans sometimes as JSON numbers and booleans (S-2).
    fn policy_value(&mut self, op: Operator, vars: bool) -> Value {
        let with_var = vars && self.chance(22);
        match op.family() {
            Family::String => {
                let like = matches!(op, Operator::StringLike | Operator::StringNotLike);
                if with_var {
                    json!(self.pick(VAR_STRING_VALUES))
                } else if like && self.chance(70) {
                    if self.chance(40) {
                        json!(self.wildcarded())
                    } else {
                        json!(self.pick(LIKE_VALUES))
                    }
                } else if self.chance(20) {
                    json!(self.pick(NAMES))
                } else {
                    json!(self.pick(STRING_VALUES))
                }
            }
            Family::Numeric => {
                if self.chance(20) {
                    json!(self.pick(&[0, 1, 10, 3600, -2]))
                } else {
                    json!(self.pick(NUMERIC_VALUES))
                }
            }
            Family::Date => json!(self.pick(DATE_VALUES)),
            Family::Bool => {
                if with_var {
                    json!(self.pick(VAR_BOOL_VALUES))
                } else if self.chance(25) {
                    json!(self.chance(50))
                } else {
                    json!(self.pick(BOOL_VALUES))
                }
            }
            Family::Binary => json!(self.pick(BINARY_VALUES)),
            Family::Ip => json!(self.pick(IP_VALUES)),
            Family::Arn => {
                if with_var {
                    json!(self.pick(VAR_ARN_VALUES))
                } else {
                    json!(self.pick(ARN_VALUES))
                }
            }
            Family::Null => {
                if self.chance(30) {
                    json!(self.chance(50))
                } else {
                    json!(self.pick(&["true", "false", "TRUE"]))
                }
            }
        }
    }

    /// A `Like` pattern made from a string value: some characters turned into `?` or `*`,
    /// sometimes a `*` before or after (so lists of them share, nest and overlap literal pieces).
    fn wildcarded(&mut self) -> String {
        let base = if self.chance(50) {
            self.pick(STRING_VALUES)
        } else {
            self.pick(NAMES)
        };
        let mut out = String::new();
        if self.chance(30) {
            out.push('*');
        }
        for c in base.chars() {
            match self.weighted(&[80, 10, 10]) {
                0 => out.push(c),
                1 => out.push('?'),
                _ => out.push('*'),
            }
        }
        if self.chance(30) {
            out.push('*');
        }
        out
    }

    // --- the request context -----------------------------------------------------------------

    fn context(&mut self) -> Map<String, Value> {
        let mut keys: Vec<String> = Vec::new();
        let push = |keys: &mut Vec<String>, k: String| {
            if !keys.contains(&k) {
                keys.push(k);
            }
        };
        for i in 0..self.mentions.len() {
            let k = self.mentions[i].key.clone();
            push(&mut keys, k);
        }
        for i in 0..self.var_keys.len() {
            let k = self.var_keys[i].clone();
            push(&mut keys, k);
        }
        for _ in 0..self.below(3) {
            let k = self.pick(KEYS).0.to_lowercase();
            push(&mut keys, k);
        }
        if keys.len() > 1 && self.chance(50) {
            // Request order does not matter; shuffle a little.
            let i = self.below(keys.len());
            let k = keys.remove(i);
            keys.push(k);
        }
        let mut ctx = Map::new();
        for key in keys {
            if self.chance(15) {
                continue;
            }
            let written = if self.chance(20) {
                self.vary_case(&key)
            } else {
                key.clone()
            };
            let value = match self.weighted(&[68, 22, 4, 3, 2]) {
                0 => json!(self.context_value(&key)),
                1 => {
                    let n = 1 + self.below(3);
                    let vs: Vec<String> = (0..n).map(|_| self.context_value(&key)).collect();
                    json!(vs)
                }
                2 => json!(""),
                3 => json!([]),
                _ => json!([""]),
            };
            ctx.insert(written, value);
        }
        ctx
    }

    /// A value for a request key: mostly one a policy mentions for it (exact or mutated), else
    /// from its family's request vocabulary or another key's values.
    fn context_value(&mut self, key: &str) -> String {
        let is_var = self.var_keys.iter().any(|k| k == key);
        let own: Vec<usize> = (0..self.mentions.len())
            .filter(|&i| self.mentions[i].key == key)
            .collect();
        let choice = self.weighted(&[
            if own.is_empty() { 0 } else { 55 },
            if is_var { 35 } else { 0 },
            20,
            if self.mentions.is_empty() { 0 } else { 8 },
            8,
            4,
        ]);
        match choice {
            0 => {
                let i = own[self.below(own.len())];
                let (family, value) = (self.mentions[i].family, self.mentions[i].value.clone());
                let inst = self.instantiate(&value);
                self.mutate_value(family, &inst)
            }
            1 => {
                if self.chance(60) && !self.resource_names.is_empty() {
                    let i = self.below(self.resource_names.len());
                    self.resource_names[i].clone()
                } else {
                    self.pick(&[
                        "alice",
                        "bob",
                        "team-a",
                        "a*",
                        "",
                        "true",
                        "TRUE",
                        "yes",
                        "111122223333",
                        "job-1",
                    ])
                    .to_owned()
                }
            }
            2 => {
                let f = family_of_key(key);
                let f = if self.chance(80) {
                    f
                } else {
                    self.pick(&[Family::String, Family::Numeric, Family::Date, Family::Ip])
                };
                self.pick(request_vocab(f)).to_owned()
            }
            3 => {
                let i = self.below(self.mentions.len());
                let value = self.mentions[i].value.clone();
                self.instantiate(&value)
            }
            4 => self.pick(NAMES).to_owned(),
            _ => self
                .pick(&["*", "?", "${aws:username}", " ", "\u{0}"])
                .to_owned(),
        }
    }

    /// Turns a policy value into a request value it would match: variables replaced by names,
    /// escapes by their characters, wildcards by text (or kept literally, sometimes).
    fn instantiate(&mut self, value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${")
                && let Some(end) = after.find('}')
            {
                let inner = &after[..end];
                match inner {
                    "*" | "?" | "$" => out.push_str(inner),
                    _ => {
                        if self.chance(50) && !self.resource_names.is_empty() {
                            let i = self.below(self.resource_names.len());
                            out.push_str(&self.resource_names[i].clone());
                        } else {
                            out.push_str(self.pick(&["alice", "team-a", "111122223333", "true"]));
                        }
                    }
                }
                rest = &after[end + 1..];
                continue;
            }
            let c = rest.chars().next().unwrap_or(' ');
            match c {
                '*' if self.chance(85) => {
                    out.push_str(self.pick(&["", "x", "alice", "-a", "ab:c", "/"]));
                }
                '?' if self.chance(85) => out.push(self.pick(&['x', 'é', 'a', ':'])),
                _ => out.push(c),
            }
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    fn mutate_value(&mut self, family: Family, v: &str) -> String {
        if self.chance(50) {
            return v.to_owned();
        }
        if let Ok(n) = v.parse::<i64>()
            && self.chance(70)
        {
            let d = if self.chance(50) { 1 } else { -1 };
            return (n + d).to_string();
        }
        match self.below(6) {
            0 => self.mutate_char(v),
            1 => self.vary_case(v),
            2 => self.pick(request_vocab(family)).to_owned(),
            3 if family == Family::Numeric => format!("{v}.0"),
            3 if family == Family::Ip => {
                // Same network, another host; or just outside a /8.
                let stem: String = v.split('/').next().unwrap_or(v).to_owned();
                match stem.rsplit_once('.') {
                    Some((head, _)) => format!("{head}.{}", self.pick(&["0", "7", "255"])),
                    None => stem,
                }
            }
            3 if family == Family::Arn => v.replacen("111122223333", "444455556666", 1),
            _ => v.to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// What the evaluation property found for one case line.
pub enum EvalCheck {
    /// The line was rejected by the case parser; no engine ran.
    Invalid(String),
    /// Every evaluator agreed.
    Agreed {
        /// The parsed case.
        case: Box<Case>,
        /// The explanation every evaluator produced.
        explanation: Explanation,
    },
    /// Evaluators disagreed: a report with the case line and every explanation.
    Differed(String),
}

/// The embedded catalog, and a copy of it with another generation stamp: a request prepared
/// with the copy has no plan in a set compiled with the original, so even catalog actions take
/// the compiled engine's DFA fallback.
pub fn catalogs() -> (&'static Catalog, &'static Catalog) {
    static STALE: OnceLock<Catalog> = OnceLock::new();
    let catalog = Catalog::sagemaker_default();
    let stale = STALE.get_or_init(|| {
        let mut c = catalog.clone();
        c.add_global_keys(Vec::new());
        c
    });
    (catalog, stale)
}

/// Parses a case line and checks that the reference evaluator, the compiled convenience path
/// and the batch path (compile once, prepare once, `explain`, `evaluate`, `evaluate_batch`,
/// `evaluate_batch_par`, the principal overlay `explain_as`/`evaluate_as`, and the DFA fallback
/// for a request prepared with another catalog generation) produce equal explanations and
/// outcomes, all against the embedded catalog.
pub fn check_case_line(line: &str) -> EvalCheck {
    let (catalog, stale) = catalogs();
    let case = match parse_case_line(line) {
        Ok(c) => c,
        Err(e) => return EvalCheck::Invalid(e.message),
    };
    let reference = reference::explain(&case.policies, &case.request, catalog);
    let mut problems: Vec<String> = Vec::new();
    let show = |e: &Explanation| serde_json::to_string(e).unwrap_or_else(|e| e.to_string());

    match compiled::explain(&case.policies, &case.request, catalog) {
        Ok(e) if e == reference => {}
        Ok(e) => problems.push(format!("compiled::explain: {}", show(&e))),
        Err(e) => problems.push(format!("compiled::explain failed: {e}")),
    }
    let arena = Bump::new();
    match Compiler::new(&arena, catalog).compile(&case.policies) {
        Err(e) => problems.push(format!("Compiler::compile failed: {e}")),
        Ok(set) => {
            let prep = PreparedRequest::new(&case.request, catalog);
            let e = set.explain(&prep);
            if e != reference {
                problems.push(format!("CompiledSet::explain: {}", show(&e)));
            }
            let o = set.evaluate(&prep);
            if o != reference.outcome {
                problems.push(format!("CompiledSet::evaluate: {o:?}"));
            }
            let reqs = vec![prep.clone(), prep];
            let par = set.evaluate_batch_par(&reqs);
            if par.iter().any(|o| *o != reference.outcome) {
                problems.push(format!("CompiledSet::evaluate_batch_par: {par:?}"));
            }
            let mut serial = Vec::new();
            set.evaluate_batch(&reqs, &mut serial);
            if serial.iter().any(|o| *o != reference.outcome) {
                problems.push(format!("CompiledSet::evaluate_batch: {serial:?}"));
            }
            // The audit path: every other context key moved to a principal overlay, plus a
            // decoy copy of a request key that the request's own value must shadow.
            let (request, principal) = split_context(&case.request);
            let prep = PreparedRequest::new(&request, catalog);
            let principal = PreparedContext::new(&principal, catalog);
            let e = set.explain_as(&prep, &principal);
            if e != reference {
                problems.push(format!("CompiledSet::explain_as: {}", show(&e)));
            }
            let o = set.evaluate_as(&prep, &principal);
            if o != reference.outcome {
                problems.push(format!("CompiledSet::evaluate_as: {o:?}"));
            }
            // Outside the catalog generation: the glob matchers first, then the DFA.
            let prep = PreparedRequest::new(&case.request, stale);
            let e = set.explain(&prep);
            if e != reference {
                problems.push(format!(
                    "CompiledSet::explain (glob fallback): {}",
                    show(&e)
                ));
            }
            set.build_action_fallback();
            let e = set.explain(&prep);
            if e != reference {
                problems.push(format!("CompiledSet::explain (DFA fallback): {}", show(&e)));
            }
        }
    }
    if problems.is_empty() {
        EvalCheck::Agreed {
            case: Box::new(case),
            explanation: reference,
        }
    } else {
        EvalCheck::Differed(format!(
            "case: {line}\nreference: {}\n{}",
            show(&reference),
            problems.join("\n")
        ))
    }
}

/// Splits a request's context for the principal overlay: odd entries go to the principal's
/// context, which also gets a decoy value for the first request key (the request's entry wins).
fn split_context(request: &Request) -> (Request, Context) {
    let mut own = request.clone();
    own.context = Context::new();
    let mut principal = Context::new();
    let value = |e: &ContextEntry| {
        if e.is_list {
            ContextValue::Multi(e.values.clone())
        } else {
            ContextValue::Single(e.values.first().cloned().unwrap_or_default())
        }
    };
    for (i, e) in request.context.entries().iter().enumerate() {
        let target = if i % 2 == 1 {
            &mut principal
        } else {
            &mut own.context
        };
        // Keys are distinct ignoring case, so insertion cannot fail.
        let _ = target.insert(&e.key, value(e));
        if i == 0 {
            let _ = principal.insert(&e.key, ContextValue::Single("decoy".to_owned()));
        }
    }
    (own, principal)
}

/// The `eval_differential` property on raw fuzz bytes: generate a case, then
/// [`check_case_line`]. Returns the report on a difference.
pub fn eval_differential(data: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let line = case(&mut u, "fuzz").to_string();
    match check_case_line(&line) {
        EvalCheck::Differed(report) => Err(report),
        _ => Ok(()),
    }
}

/// The `parse_policy` property: any bytes, read as text, go through `Policy::parse` for every
/// policy kind, `Policy::from_value` when they are JSON, and `parse_case_line`, without a panic;
/// errors render to text.
pub fn check_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let kinds = [
        PolicyKind::Identity,
        PolicyKind::Boundary,
        PolicyKind::Scp,
        PolicyKind::Session,
        PolicyKind::Trust,
    ];
    for kind in kinds {
        if let Err(e) = Policy::parse(&text, kind) {
            let _ = e.to_string();
        }
    }
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        for kind in kinds {
            if let Err(e) = Policy::from_value(&value, kind) {
                let _ = e.to_string();
            }
        }
    }
    if let Err(e) = parse_case_line(&text) {
        let _ = e.to_string();
    }
}

/// A pattern made of pattern text (live `*`/`?`) and literal text (escapes and variable values,
/// whose `*`/`?` are not wildcards), and a text to match.
#[derive(Debug)]
pub struct GlobInput {
    /// `(literal, text)` pieces.
    pub pieces: Vec<(bool, String)>,
    /// The text matched against the pattern.
    pub text: String,
}

const GLOB_ALPHABET: &[char] = &['a', 'b', 'a', '*', '?', ':', '/', 'é', '*'];

impl GlobInput {
    /// Draws an input: short pieces over a small alphabet, and a text that is an instance of
    /// the pattern (possibly mutated), an ARN-shaped text, or random.
    pub fn generate(u: &mut Unstructured<'_>) -> GlobInput {
        let mut g = Gen {
            u,
            action: CATALOG_ACTIONS[0],
            resource: String::new(),
            resource_names: Vec::new(),
            mentions: Vec::new(),
            var_keys: Vec::new(),
        };
        let n = 1 + g.below(4);
        let mut pieces = Vec::with_capacity(n);
        for _ in 0..n {
            let literal = g.chance(20);
            let max = if g.chance(5) { 40 } else { 10 };
            let len = g.below(max);
            let s: String = (0..len).map(|_| g.pick(GLOB_ALPHABET)).collect();
            pieces.push((literal, s));
        }
        let text = match g.below(4) {
            0 | 1 => {
                let mut t = String::new();
                for (literal, s) in &pieces {
                    for c in s.chars() {
                        match c {
                            '*' if !literal => {
                                let run = g.below(4);
                                for _ in 0..run {
                                    t.push(g.pick(&['a', 'b', ':', '/']));
                                }
                            }
                            '?' if !literal => t.push(g.pick(&['a', 'é', ':'])),
                            c => t.push(c),
                        }
                    }
                }
                if g.chance(30) { g.mutate_char(&t) } else { t }
            }
            2 => {
                let segs: Vec<String> = (0..6 + g.below(2))
                    .map(|_| {
                        let len = g.below(4);
                        (0..len).map(|_| g.pick(&['a', 'b', 'é', '/'])).collect()
                    })
                    .collect();
                segs.join(":")
            }
            _ => {
                let len = g.below(16);
                (0..len).map(|_| g.pick(GLOB_ALPHABET)).collect()
            }
        };
        GlobInput { pieces, text }
    }

    /// The reference glob.
    pub fn glob(&self) -> Glob {
        let mut g = Glob::default();
        for (literal, s) in &self.pieces {
            if *literal {
                g.push_literal(s);
            } else {
                g.push_pattern(s);
            }
        }
        g
    }
}

/// The `glob_differential` property: the compiled glob (`CGlob` and `match_toks`) agrees with
/// the naive `Glob::matches`, and the compiled ARN matchers (`CArn`, `match_arn_toks`) agree with
/// `arn_glob_matches`.
pub fn check_glob(input: &GlobInput) -> Result<(), String> {
    let glob = input.glob();
    let text = input.text.as_str();
    let mut toks = TokBuf::default();
    for (literal, s) in &input.pieces {
        if *literal {
            toks.push(Tok::Lit(s));
        } else {
            tokenize_into(s, &mut toks);
        }
    }
    let toks = toks.as_slice();
    let arena = Bump::new();
    let mut searchers = Vec::new();

    let naive = glob.matches(text);
    let cglob = CGlob::build(&arena, toks, &mut searchers);
    let compiled = cglob.matches(text, &searchers);
    let direct = match_toks(toks, text, None);
    if naive != compiled || naive != direct {
        return Err(format!(
            "glob {input:?}: Glob::matches={naive} CGlob::matches={compiled} ({cglob:?}) match_toks={direct}"
        ));
    }

    // A list of patterns through the multi-pattern prefilter (threshold 1): the whole pattern,
    // each piece alone and each piece between stars, so their literal pieces nest and overlap.
    let mut lists: Vec<(TokBuf<'_>, Glob)> = Vec::new();
    for (literal, s) in &input.pieces {
        for wrapped in [false, true] {
            let (mut b, mut g) = (TokBuf::default(), Glob::default());
            if wrapped {
                b.push(Tok::Star);
                g.push_pattern("*");
            }
            if *literal {
                b.push(Tok::Lit(s));
                g.push_literal(s);
            } else {
                tokenize_into(s, &mut b);
                g.push_pattern(s);
            }
            if wrapped {
                b.push(Tok::Star);
                g.push_pattern("*");
            }
            lists.push((b, g));
        }
    }
    // Pieces of the text itself between stars: they match, and nest in and overlap the others.
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut subs: Vec<String> = Vec::new();
    for k in 0..chars.len().min(3) {
        let (start, _) = chars[k * chars.len() / 3];
        let end = chars
            .get(k + 2 + chars.len() / 2)
            .map_or(text.len(), |(i, _)| *i);
        subs.push(text[start..end.max(start)].to_owned());
    }
    for sub in &subs {
        let (mut b, mut g) = (TokBuf::default(), Glob::default());
        b.push(Tok::Star);
        b.push(Tok::Lit(sub));
        b.push(Tok::Star);
        g.push_pattern("*");
        g.push_literal(sub);
        g.push_pattern("*");
        lists.push((b, g));
    }
    let mut toks_list: Vec<&[Tok<'_>]> = vec![toks];
    let mut globs_list: Vec<&Glob> = vec![&glob];
    toks_list.extend(lists.iter().map(|(b, _)| b.as_slice()));
    globs_list.extend(lists.iter().map(|(_, g)| g));
    // Every suffix of the list, so a pattern the prefilter wrongly skips is not hidden by an
    // earlier one that matches.
    for k in 0..toks_list.len() {
        let naive = globs_list[k..].iter().any(|g| g.matches(text));
        let (globs, multi) = build_like(&arena, &toks_list[k..], 1, &mut searchers);
        let compiled = any_like(globs, multi, text, &searchers);
        if naive != compiled {
            return Err(format!(
                "like list {:?} on {text:?}: naive any={naive} prefiltered any={compiled} ({} \
                 prefilters)",
                &toks_list[k..],
                multi.1
            ));
        }
    }

    // The same lists as ARN patterns through the ARN prefilter.
    if let Some(segs) = arn_segments(text) {
        let parn = PArn::new(text, segs);
        for k in 0..toks_list.len() {
            let carns: Vec<CArn<'_>> = toks_list[k..]
                .iter()
                .map(|t| CArn::build(&arena, t, &mut searchers))
                .collect();
            let multi = build_arns(carns.iter().map(Some), 1, &mut searchers);
            let naive = globs_list[k..].iter().any(|g| arn_glob_matches(g, text));
            let compiled = any_arn(multi, carns.len(), text, &searchers, |i| {
                carns[i].matches(&parn, &searchers)
            });
            if naive != compiled {
                return Err(format!(
                    "arn list {:?} on {text:?}: naive any={naive} prefiltered any={compiled}",
                    &toks_list[k..]
                ));
            }
        }
    }

    let naive = arn_glob_matches(&glob, text);
    let carn = CArn::build(&arena, toks, &mut searchers);
    let (compiled, direct) = match arn_segments(text) {
        Some(segs) => {
            let parn = PArn::new(text, segs);
            (carn.matches(&parn, &searchers), match_arn_toks(toks, &parn))
        }
        None => (false, false),
    };
    if naive != compiled || naive != direct {
        return Err(format!(
            "arn {input:?}: arn_glob_matches={naive} CArn::matches={compiled} ({carn:?}) match_arn_toks={direct}"
        ));
    }
    Ok(())
}

/// The `glob_differential` property on raw fuzz bytes.
pub fn glob_differential(data: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    check_glob(&GlobInput::generate(&mut u))
}
