//! The synthetic request space: for every catalog action, requests on realistic ARNs of each of
//! its resource types with contexts that vary what the audited policies condition on.
//!
//! Values come from what the policies mention ([`Mentions`]): each mentioned value, a value that
//! does not match it, and absence, so both sides of every condition are exercised. A request only
//! carries keys AWS would send for that action: the action's own keys, its resource type's keys,
//! and global keys (principal keys come from the principal, not the request).
//!
//! INVARIANT (deterministic): the space depends only on the catalog, the mentions, the account and
//! the seed, never on thread count or time.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::catalog::{AccessLevel, ActionId, ActionInfo, Catalog, ResourceType};
use crate::condition::{Cidr, Decimal, Family, Instant, Values};
use crate::eval::{ContextValue, Request};
use crate::policy::glob::{Piece, Template};
use crate::policy::{Policy, ResourcePattern};

/// What the audited policies mention, gathered once per account.
#[derive(Debug, Clone, Default)]
pub struct Mentions {
    /// Lowercase condition key → how it is used.
    pub keys: BTreeMap<String, KeyMention>,
    /// ARN patterns (as written) by service prefix.
    pub arns: BTreeMap<String, BTreeSet<String>>,
    /// Values of principal keys (`aws:principaltag/team` → `ml`), to instantiate variables.
    pub principal_values: BTreeMap<String, BTreeSet<String>>,
    /// Per statement with conditions: the conditions, to build a request that satisfies them all.
    pub statements: BTreeSet<StatementSpec>,
}

/// A statement with conditions, as much as the generator needs to build a request it applies to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatementSpec {
    /// `Effect: Deny`.
    pub deny: bool,
    /// Its conditions.
    pub conds: Vec<CondSpec>,
    /// Its `Resource` ARN patterns as written; empty for `*`, `NotResource` or none.
    pub resources: Vec<String>,
}

/// One condition, as much as the generator needs to satisfy it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CondSpec {
    /// The key as written.
    pub key: String,
    /// The operator with qualifiers, as written.
    pub op: String,
    /// The values as written.
    pub values: Vec<String>,
}

/// How one condition key is used.
#[derive(Debug, Clone, Default)]
pub struct KeyMention {
    /// The key as first spelled.
    pub spelled: String,
    /// Operator families it is compared with.
    pub families: BTreeSet<FamilyTag>,
    /// Policy values, as written.
    pub values: BTreeSet<String>,
    /// Read as a variable of a `Resource` pattern (`${sagemaker:DomainId}`): requests carry it
    /// for every action of its service.
    pub resource_variable: bool,
}

/// An orderable stand-in for [`Family`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FamilyTag {
    /// String operators.
    String,
    /// Numeric.
    Numeric,
    /// Date.
    Date,
    /// Bool.
    Bool,
    /// Binary.
    Binary,
    /// IP.
    Ip,
    /// ARN.
    Arn,
    /// Null.
    Null,
}

impl From<Family> for FamilyTag {
    fn from(f: Family) -> FamilyTag {
        match f {
            Family::String => FamilyTag::String,
            Family::Numeric => FamilyTag::Numeric,
            Family::Date => FamilyTag::Date,
            Family::Bool => FamilyTag::Bool,
            Family::Binary => FamilyTag::Binary,
            Family::Ip => FamilyTag::Ip,
            Family::Arn => FamilyTag::Arn,
            Family::Null => FamilyTag::Null,
        }
    }
}

impl Mentions {
    /// Adds what `policy` mentions.
    pub fn add_policy(&mut self, policy: &Policy) {
        for st in &policy.statements {
            if !st.conditions.is_empty() {
                let resources = match &st.resource {
                    Some(r)
                        if !r.negated
                            && r.patterns
                                .iter()
                                .all(|p| matches!(p, ResourcePattern::Arn(_))) =>
                    {
                        r.patterns
                            .iter()
                            .filter_map(|p| match p {
                                ResourcePattern::Arn(t) => Some(t.to_string()),
                                ResourcePattern::Any => None,
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                self.statements.insert(StatementSpec {
                    deny: st.effect == crate::policy::Effect::Deny,
                    conds: st
                        .conditions
                        .iter()
                        .map(|c| CondSpec {
                            key: c.key.clone(),
                            op: c.op.to_string(),
                            values: c.raw_values.clone(),
                        })
                        .collect(),
                    resources,
                });
            }
            for c in &st.conditions {
                let m = self.keys.entry(c.key_lower.clone()).or_default();
                if m.spelled.is_empty() {
                    m.spelled.clone_from(&c.key);
                }
                m.families.insert(c.op.operator.family().into());
                if !matches!(c.values, Values::Null(_)) {
                    m.values.extend(c.raw_values.iter().cloned());
                }
            }
            if let Some(r) = &st.resource {
                for p in &r.patterns {
                    if let ResourcePattern::Arn(t) = p {
                        // A request-key variable in a resource pattern is a key requests must
                        // carry, with the value the generator puts into the ARN (`iamc`, or the
                        // default).
                        for v in t.variables() {
                            if is_principal_key(&v.key_lower) {
                                continue;
                            }
                            let m = self.keys.entry(v.key_lower.clone()).or_default();
                            if m.spelled.is_empty() {
                                m.spelled.clone_from(&v.key);
                            }
                            m.families.insert(FamilyTag::String);
                            m.values
                                .insert(v.default.clone().unwrap_or_else(|| "iamc".to_owned()));
                            m.resource_variable = true;
                        }
                        let text = t.to_string();
                        if let Some(service) = text.split(':').nth(2) {
                            self.arns
                                .entry(service.to_ascii_lowercase())
                                .or_default()
                                .insert(text);
                        }
                    }
                }
            }
        }
    }

    /// Adds a principal's context values (tags, name), used to instantiate variables.
    pub fn add_principal_context(&mut self, ctx: &crate::eval::Context) {
        for e in ctx.entries() {
            if let Some(v) = e.values.first() {
                self.principal_values
                    .entry(e.key_lower.clone())
                    .or_default()
                    .insert(v.clone());
            }
        }
    }
}

/// Settings of the generator.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Seed of the pseudo-random choices.
    pub seed: u64,
    /// Requests per action.
    pub variants: usize,
    /// The region of own-account resources.
    pub region: String,
    /// Another region.
    pub other_region: String,
    /// Another account.
    pub other_account: String,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            seed: 1,
            variants: 1000,
            region: "us-east-1".to_owned(),
            other_region: "ap-southeast-2".to_owned(),
            other_account: "999999999999".to_owned(),
        }
    }
}

/// The requests of one action.
#[derive(Debug, Clone)]
pub struct ActionRequests {
    /// Dense id in the catalog.
    pub action_id: ActionId,
    /// `service:Action`.
    pub action: String,
    /// Its access level.
    pub access_level: AccessLevel,
    /// The requests.
    pub requests: Vec<Request>,
    /// Per request: true when it names a resource of the audited account (or `*`).
    pub own_account: Vec<bool>,
}

/// splitmix64: small, fast, good enough to pick options deterministically.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Keys whose presence depends on the action (listed per action or resource type in the
/// Service Authorization Reference), even though they have the `aws:` prefix.
fn is_action_scoped_global(key: &str) -> bool {
    key.starts_with("aws:requesttag/")
        || key == "aws:tagkeys"
        || key.starts_with("aws:resourcetag/")
}

/// Keys that belong to the principal and come from its context.
pub fn is_principal_key(key: &str) -> bool {
    key.starts_with("aws:principal") || key == "aws:username" || key == "aws:userid"
}

fn template_matches(published: &str, key_lower: &str) -> bool {
    let p = published.to_ascii_lowercase();
    match p.find("${") {
        Some(i) => {
            let (prefix, rest) = p.split_at(i);
            // A `${…}` placeholder at the end stands for any non-empty suffix.
            rest.ends_with('}') && key_lower.len() > prefix.len() && key_lower.starts_with(prefix)
        }
        None => p == key_lower,
    }
}

/// True when AWS sends `key` with requests for `action` on resource type `rt`.
pub fn key_applies(
    catalog: &Catalog,
    action: &ActionInfo,
    rt: Option<&ResourceType>,
    key: &str,
) -> bool {
    if is_principal_key(key) {
        return false;
    }
    let listed = action
        .condition_keys
        .iter()
        .any(|k| template_matches(k, key))
        || rt.is_some_and(|rt| rt.condition_keys.iter().any(|k| template_matches(k, key)));
    if listed {
        return true;
    }
    if key.starts_with("aws:") && !is_action_scoped_global(key) {
        return catalog
            .global_keys()
            .iter()
            .any(|k| template_matches(&k.name, key))
            || catalog.key(key).is_none();
    }
    false
}

/// How many instantiations of `text` to try: one per known value of the principal keys its
/// variables read (up to 8), so a team-scoped pattern is reached for every team.
fn instantiations(text: &str, mentions: &Mentions) -> u64 {
    let t = Template::parse(text, true);
    let n = t
        .variables()
        .filter_map(|v| mentions.principal_values.get(&v.key_lower))
        .map(BTreeSet::len)
        .max()
        .unwrap_or(1);
    n.clamp(1, 8) as u64
}

/// Replaces wildcards with concrete text so the value matches the pattern; variables take their
/// default or a mentioned principal value (the `pick`-th, cyclically).
fn instantiate(text: &str, mentions: &Mentions, pick: u64) -> String {
    let t = Template::parse(text, true);
    let mut out = String::new();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => {
                for c in s.chars() {
                    match c {
                        '*' => out.push('x'),
                        '?' => out.push('q'),
                        c => out.push(c),
                    }
                }
            }
            Piece::Literal(s) => out.push_str(s),
            Piece::Var(v) => {
                let values = mentions.principal_values.get(&v.key_lower);
                let chosen = values.and_then(|vs| {
                    let n = vs.len().max(1) as u64;
                    vs.iter().nth((pick % n) as usize)
                });
                match (chosen, &v.default) {
                    (Some(c), _) => out.push_str(c),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => out.push_str("iamc"),
                }
            }
        }
    }
    out
}

/// Fills variables (as [`instantiate`] does) but keeps `*` and `?` as wildcards.
fn instantiate_keep_wildcards(text: &str, mentions: &Mentions, pick: u64) -> String {
    let t = Template::parse(text, true);
    let mut out = String::new();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => out.push_str(s),
            // Escapes and values are literal; a literal `*`/`?` cannot be expressed here, so use
            // a character that no wildcard needs.
            Piece::Literal(s) => out.push_str(&s.replace(['*', '?'], "x")),
            Piece::Var(v) => {
                let values = mentions.principal_values.get(&v.key_lower);
                let chosen = values.and_then(|vs| {
                    let n = vs.len().max(1) as u64;
                    vs.iter().nth((pick % n) as usize)
                });
                let value = match (chosen, &v.default) {
                    (Some(c), _) => c.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => "iamc".to_owned(),
                };
                out.push_str(&value.replace(['*', '?'], "x"));
            }
        }
    }
    out
}

/// An ARN format's resource part with every `${…}` placeholder as `*`.
fn placeholders_to_star(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        out.push_str(rest.get(..i).unwrap_or(""));
        match rest.get(i..).and_then(|r| r.find('}')) {
            Some(j) => {
                // A placeholder is never empty.
                out.push_str("?*");
                rest = rest.get(i + j + 1..).unwrap_or("");
            }
            None => {
                rest = rest.get(i..).unwrap_or("");
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A short string matched by both globs (`*`, `?`), found by a breadth-first search over pairs of
/// positions; wildcards are filled with `x`. `None` when the globs share no string (or the search
/// gives up on very long patterns).
pub fn glob_witness(a: &str, b: &str) -> Option<String> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() * b.len() > 200_000 {
        return None;
    }
    let mut alphabet: Vec<char> = a
        .iter()
        .chain(b.iter())
        .copied()
        .filter(|c| *c != '*' && *c != '?')
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    // `x` first: where a wildcard meets a wildcard, the witness says `x`, never `/` or `:`.
    alphabet.retain(|c| *c != 'x');
    alphabet.insert(0, 'x');
    // Positions reachable from `i` without consuming (a `*` may match nothing).
    let closure = |p: &[char], i: usize| {
        let mut out = vec![i];
        let mut k = i;
        while p.get(k) == Some(&'*') {
            k += 1;
            out.push(k);
        }
        out
    };
    // Positions after consuming `c` from `i`.
    let steps = |p: &[char], i: usize, c: char| {
        let mut out = Vec::new();
        for k in closure(p, i) {
            match p.get(k) {
                Some('*') => out.push(k),
                Some('?') => out.push(k + 1),
                Some(&d) if d == c => out.push(k + 1),
                _ => {}
            }
        }
        out
    };
    let accepts = |p: &[char], i: usize| closure(p, i).contains(&p.len());
    let w = b.len() + 1;
    let mut parent: HashMap<(usize, usize), ((usize, usize), char)> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]);
    let mut seen = vec![false; (a.len() + 1) * w];
    if let Some(s) = seen.first_mut() {
        *s = true;
    }
    while let Some((i, j)) = queue.pop_front() {
        if accepts(&a, i) && accepts(&b, j) {
            let mut out = Vec::new();
            let mut cur = (i, j);
            while let Some(&(prev, c)) = parent.get(&cur) {
                out.push(c);
                cur = prev;
            }
            out.reverse();
            return Some(out.into_iter().collect());
        }
        for &c in &alphabet {
            for ni in steps(&a, i, c) {
                for nj in steps(&b, j, c) {
                    let Some(s) = seen.get_mut(ni * w + nj) else {
                        continue;
                    };
                    if !*s {
                        *s = true;
                        parent.insert((ni, nj), ((i, j), c));
                        queue.push_back((ni, nj));
                    }
                }
            }
        }
    }
    None
}

/// A context that satisfies every condition of a statement (keys that do not apply to the action
/// are left out), or `None` when it has no applicable key.
fn satisfying(
    spec: &[CondSpec],
    pick: u64,
    mentions: &Mentions,
    applies: &dyn Fn(&str) -> bool,
    multivalued: &dyn Fn(&str) -> bool,
) -> Option<Vec<(String, ContextValue)>> {
    use crate::condition::{Family, QualifiedOperator};
    let mut out: Vec<(String, ContextValue)> = Vec::new();
    let mut any = false;
    for c in spec {
        let lower = c.key.to_lowercase();
        if !applies(&lower) {
            continue;
        }
        any = true;
        let Ok(q) = QualifiedOperator::parse(&c.op) else {
            continue;
        };
        let first = c.values.first().cloned().unwrap_or_default();
        let value: Option<String> = match q.operator.family() {
            Family::Null => {
                let wants_absent = c.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
                if wants_absent {
                    out.retain(|(k, _)| k.to_lowercase() != lower);
                    continue;
                }
                if out.iter().any(|(k, _)| k.to_lowercase() == lower) {
                    continue;
                }
                Some("iamc".to_owned())
            }
            _ if q.operator.is_negated() => match q.operator.family() {
                Family::Ip => Cidr::parse(&first).and_then(|_| ip_options(&first).get(1).cloned()),
                _ => Some("iamc-other".to_owned()),
            },
            Family::String | Family::Arn => Some(instantiate(&first, mentions, pick)),
            Family::Bool => Some(first.to_ascii_lowercase()),
            Family::Numeric => match q.operator.ord_cmp() {
                crate::condition::OrdCmp::Lt => shift_decimal(&first, false),
                crate::condition::OrdCmp::Gt => shift_decimal(&first, true),
                _ => Some(first.clone()),
            },
            Family::Date => Instant::parse(&first).map(|t| {
                let delta = match q.operator.ord_cmp() {
                    crate::condition::OrdCmp::Lt => -1_000_000_000,
                    crate::condition::OrdCmp::Gt => 1_000_000_000,
                    _ => 0,
                };
                format_instant(t.offset(delta))
            }),
            Family::Ip => ip_options(&first).first().cloned(),
            Family::Binary => Some(first.clone()),
        };
        let Some(v) = value else { continue };
        let cv = if q.set.is_some() || multivalued(&lower) {
            ContextValue::Multi(vec![v])
        } else {
            ContextValue::Single(v)
        };
        out.retain(|(k, _)| k.to_lowercase() != lower);
        out.push((c.key.clone(), cv));
    }
    any.then_some(out)
}

/// Adds to `assignment` what makes a Deny with `conds` not apply: the first condition whose key
/// the assignment leaves free and that absence or one value falsifies. Nothing is added when
/// absence already does it, or when every condition's key is taken.
fn avoid_deny(
    assignment: &mut Vec<(String, ContextValue)>,
    conds: &[CondSpec],
    pick: u64,
    mentions: &Mentions,
    applies: &dyn Fn(&str) -> bool,
    multivalued: &dyn Fn(&str) -> bool,
) {
    use crate::condition::{Family, QualifiedOperator};
    for c in conds {
        let lower = c.key.to_lowercase();
        if !applies(&lower) || assignment.iter().any(|(k, _)| k.to_lowercase() == lower) {
            continue;
        }
        let Ok(q) = QualifiedOperator::parse(&c.op) else {
            continue;
        };
        let first = c.values.first().cloned().unwrap_or_default();
        let value: Option<String> = match q.operator.family() {
            Family::Null => {
                if c.values.iter().any(|v| v.eq_ignore_ascii_case("true")) {
                    Some("iamc".to_owned())
                } else {
                    return; // `Null false` fails when the key is absent
                }
            }
            // A negated operator holds when the key is absent (unless it is a set operator,
            // where ForAllValues holds and ForAnyValue fails): give it a listed value.
            _ if q.operator.is_negated() => match q.operator.family() {
                Family::Ip => ip_options(&first).first().cloned(),
                Family::String | Family::Arn => Some(instantiate(&first, mentions, pick)),
                _ => Some(first.clone()),
            },
            // A positive operator fails on absence, unless IfExists or ForAllValues.
            _ if !q.if_exists && q.set != Some(crate::condition::SetOp::ForAllValues) => return,
            _ => Some("iamc-other".to_owned()),
        };
        let Some(v) = value else { continue };
        let cv = if q.set.is_some() || multivalued(&lower) {
            ContextValue::Multi(vec![v])
        } else {
            ContextValue::Single(v)
        };
        assignment.push((c.key.clone(), cv));
        return;
    }
}

/// Global keys AWS puts in every request context: the generator never leaves them out.
pub(crate) const ALWAYS_PRESENT: &[&str] = &[
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
];

/// The audited region, offered for `aws:RequestedRegion` on actions without a regional ARN.
fn cfg_region_placeholder() -> String {
    GenConfig::default().region
}

/// The region of an ARN, when it has one.
fn region_of(resource: &str) -> Option<&str> {
    crate::policy::pattern::split_arn(resource)
        .and_then(|p| p.get(3).copied())
        .filter(|r| !r.is_empty())
}

/// Sets `aws:RequestedRegion` to the resource's region (AWS sends the region the call is made
/// in, which is the regional resource's), replacing any generated value; other keys are kept.
fn pin_region(req: &mut Request) {
    let Some(region) = region_of(&req.resource).map(str::to_owned) else {
        return;
    };
    let has = req.context.get("aws:requestedregion").is_some();
    if has {
        let mut ctx = crate::eval::Context::new();
        for e in req.context.entries() {
            if e.key_lower == "aws:requestedregion" {
                continue;
            }
            let v = if e.is_list {
                ContextValue::Multi(e.values.clone())
            } else {
                ContextValue::Single(e.values.first().cloned().unwrap_or_default())
            };
            let _ = ctx.insert(&e.key, v);
        }
        let _ = ctx.insert("aws:RequestedRegion", ContextValue::Single(region));
        req.context = ctx;
    }
}

/// One dimension of variation: a key and its options (`None` = absent).
#[derive(Debug, Clone)]
struct Dim {
    key: String,
    options: Vec<Option<ContextValue>>,
}

fn shift_decimal(text: &str, up: bool) -> Option<String> {
    let d = Decimal::parse(text)?;
    let one = 1_000_000_000_000_000_000i128;
    let v = if up {
        d.scaled().checked_add(one)?
    } else {
        d.scaled().checked_sub(one)?
    };
    let neg = v < 0;
    let abs = v.unsigned_abs();
    let int = abs / 1_000_000_000_000_000_000;
    let frac = abs % 1_000_000_000_000_000_000;
    let mut s = if neg {
        format!("-{int}")
    } else {
        int.to_string()
    };
    if frac != 0 {
        let f = format!("{frac:018}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    Some(s)
}

fn format_instant(i: Instant) -> String {
    let secs = i.nanos().div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // civil_from_days (inverse of the parser's days_from_civil)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

fn ip_options(cidr_text: &str) -> Vec<String> {
    let Some(c) = Cidr::parse(cidr_text) else {
        return Vec::new();
    };
    let width: u32 = if c.is_v6() { 128 } else { 32 };
    let size_bits = width - u32::from(c.prefix());
    let inside = c.network();
    let outside = if size_bits >= width {
        None
    } else {
        Some(inside.wrapping_add(1u128 << size_bits))
    };
    let render = |bits: u128| {
        if c.is_v6() {
            std::net::Ipv6Addr::from(bits).to_string()
        } else {
            std::net::Ipv4Addr::from(u32::try_from(bits & 0xffff_ffff).unwrap_or(0)).to_string()
        }
    };
    let mut out = vec![render(inside)];
    if let Some(o) = outside {
        out.push(render(o));
    }
    out
}

/// The single values to try for a key: every mentioned value made concrete, plus values that
/// miss it.
fn scalar_options(m: &KeyMention, mentions: &Mentions) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for v in &m.values {
        for f in &m.families {
            match f {
                FamilyTag::String | FamilyTag::Arn => {
                    for pick in 0..instantiations(v, mentions) {
                        let concrete = instantiate(v, mentions, pick);
                        if *f == FamilyTag::String {
                            out.insert(concrete.to_uppercase());
                        }
                        out.insert(concrete);
                    }
                }
                FamilyTag::Numeric => {
                    out.insert(v.clone());
                    out.extend(shift_decimal(v, true));
                    out.extend(shift_decimal(v, false));
                }
                FamilyTag::Date => {
                    if let Some(t) = Instant::parse(v) {
                        for delta in [-1_000_000_000i128, 0, 1_000_000_000] {
                            out.insert(format_instant(t.offset(delta)));
                        }
                    }
                }
                FamilyTag::Bool => {
                    out.insert("true".to_owned());
                    out.insert("false".to_owned());
                }
                FamilyTag::Ip => out.extend(ip_options(v)),
                FamilyTag::Binary => {
                    out.insert(v.clone());
                }
                FamilyTag::Null => {}
            }
        }
    }
    if m.families.contains(&FamilyTag::Arn) {
        out.insert("arn:aws:iam::999999999999:role/iamc-other".to_owned());
    }
    out.insert("iamc-other".to_owned());
    if m.families.iter().all(|f| *f == FamilyTag::Null) {
        out.insert("iamc".to_owned());
    }
    out.into_iter().collect()
}

fn dims_for(
    catalog: &Catalog,
    action: &ActionInfo,
    rt: Option<&ResourceType>,
    mentions: &Mentions,
) -> Vec<Dim> {
    let mut dims = Vec::new();
    for (key, m) in &mentions.keys {
        let own_service_variable =
            m.resource_variable && key.split(':').next() == Some(action.service.as_str());
        if !key_applies(catalog, action, rt, key) && !own_service_variable {
            continue;
        }
        let mut scalars = scalar_options(m, mentions);
        if key == "aws:requestedregion" {
            scalars.extend([cfg_region_placeholder(), "ap-southeast-2".to_owned()]);
            scalars.sort();
            scalars.dedup();
        }
        let multivalued = catalog.is_multivalued(key);
        // AWS sends these with every request: never absent.
        let mut options: Vec<Option<ContextValue>> = if ALWAYS_PRESENT.contains(&key.as_str()) {
            Vec::new()
        } else {
            vec![None]
        };
        if multivalued {
            let first = scalars.first().cloned().unwrap_or_default();
            let last = scalars.last().cloned().unwrap_or_default();
            options.push(Some(ContextValue::Multi(Vec::new())));
            for s in &scalars {
                options.push(Some(ContextValue::Multi(vec![s.clone()])));
            }
            options.push(Some(ContextValue::Multi(scalars.clone())));
            options.push(Some(ContextValue::Multi(vec![first, last])));
        } else {
            options.extend(scalars.into_iter().map(|s| Some(ContextValue::Single(s))));
        }
        // Spell the key as the policy did, sometimes in another case: keys are case-insensitive.
        let key_name = if key.contains('/') && mix(key.len() as u64).is_multiple_of(2) {
            m.spelled.to_uppercase()
        } else {
            m.spelled.clone()
        };
        dims.push(Dim {
            key: key_name,
            options,
        });
    }
    dims
}

/// Fills the non-resource placeholders of an ARN format.
fn render(
    rt: &ResourceType,
    partition: &str,
    region: &str,
    account: &str,
    name: &str,
) -> Option<String> {
    rt.render_arn(&|ph: &str| {
        Some(match ph {
            "Partition" => partition.to_owned(),
            "Region" => region.to_owned(),
            "Account" => account.to_owned(),
            p if p.ends_with("Id") && p.contains("Domain") => "d-iamcexample".to_owned(),
            _ => name.to_owned(),
        })
    })
}

/// Concrete ARNs for `rt`: generic ones in the audited account and region, another region and
/// another account, and ones made from the policies' ARN patterns that fit the type.
fn resource_candidates(
    rt: &ResourceType,
    service: &str,
    account: &str,
    cfg: &GenConfig,
    mentions: &Mentions,
    extra: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut push = |s: String| {
        if seen.insert(s.clone()) {
            out.push(s);
        }
    };
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.region, account, "iamc-example"),
    );
    for a in extra {
        if rt.matches_arn(a) {
            push(a.clone());
        }
    }
    for (i, pattern) in mentions.arns.get(service).into_iter().flatten().enumerate() {
        let Some(parts) = crate::policy::pattern::split_arn(pattern) else {
            continue;
        };
        let fix = |seg: &str, default: &str| {
            if seg.contains(['*', '?']) || seg.is_empty() {
                default.to_owned()
            } else {
                seg.to_owned()
            }
        };
        let region = match parts.get(3) {
            Some(&"") => String::new(),
            Some(r) => fix(r, &cfg.region),
            None => cfg.region.clone(),
        };
        // The resource part: a string matching both the policy's pattern (variables filled in)
        // and the resource type's format, when one exists.
        let resource_part = parts.get(5).copied().unwrap_or("");
        for pick in 0..instantiations(resource_part, mentions) {
            let wanted =
                instantiate_keep_wildcards(resource_part, mentions, pick.wrapping_add(i as u64));
            for format in rt.formats() {
                let Some(fparts) = crate::policy::pattern::split_arn(format.as_str()) else {
                    continue;
                };
                let format_glob = placeholders_to_star(fparts.get(5).copied().unwrap_or(""));
                let Some(name) = glob_witness(&wanted, &format_glob) else {
                    continue;
                };
                let arn = format!(
                    "arn:{}:{}:{}:{}:{}",
                    fix(parts.get(1).copied().unwrap_or(""), "aws"),
                    parts.get(2).copied().unwrap_or(""),
                    region,
                    fix(parts.get(4).copied().unwrap_or(""), account),
                    name,
                );
                if rt.matches_arn(&arn) {
                    push(arn);
                }
            }
        }
    }
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.other_region, account, "iamc-example"),
    );
    push_opt(
        &mut push,
        render(rt, "aws", &cfg.region, &cfg.other_account, "iamc-example"),
    );
    out
}

fn push_opt(push: &mut impl FnMut(String), s: Option<String>) {
    if let Some(s) = s {
        push(s);
    }
}

/// Generates the requests of one action.
pub fn generate_action(
    catalog: &Catalog,
    action_id: ActionId,
    account: &str,
    cfg: &GenConfig,
    mentions: &Mentions,
    pass_role_targets: &[String],
) -> Option<ActionRequests> {
    let action = catalog.action_by_id(action_id)?;
    let service = catalog.service(&action.service)?;
    let full = action.full_name();
    // (resource, resource type) candidates over every resource type of the action.
    let mut resources: Vec<(String, Option<&ResourceType>)> = Vec::new();
    if action.is_wildcard_only() {
        resources.push(("*".to_owned(), None));
    } else {
        for r in &action.resources {
            let Some(rt) = service.resource_type(&r.name) else {
                continue;
            };
            for arn in resource_candidates(
                rt,
                &action.service,
                account,
                cfg,
                mentions,
                pass_role_targets,
            ) {
                resources.push((arn, Some(rt)));
            }
        }
        if resources.is_empty() {
            resources.push(("*".to_owned(), None));
        }
    }
    let principal = format!(
        "arn:aws:sts::{account}:assumed-role/{}/{}",
        super::account::SESSION_NAME,
        super::account::SESSION_NAME
    );
    let mut requests = Vec::with_capacity(cfg.variants);
    let mut own_account = Vec::with_capacity(cfg.variants);
    let seed = mix(cfg.seed ^ mix(u64::from(action_id).wrapping_add(0x5eed)));
    // Per resource type: the dimensions, and requests that satisfy each conditioned statement
    // as a whole, paired with resources of that type its `Resource` matches (emitted first).
    struct PerType<'t> {
        name: Option<&'t str>,
        dims: Vec<Dim>,
    }
    let mut per_type: Vec<PerType<'_>> = Vec::new();
    let mut type_of: Vec<usize> = Vec::with_capacity(resources.len());
    let mut plan: Vec<(usize, Vec<(String, ContextValue)>)> = Vec::new();
    for (ri, (_, rt)) in resources.iter().enumerate() {
        let name = rt.map(|r| r.name.as_str());
        if let Some(i) = per_type.iter().position(|t| t.name == name) {
            type_of.push(i);
            continue;
        }
        let applies = |k: &str| key_applies(catalog, action, *rt, k);
        let multi = |k: &str| catalog.is_multivalued(k);
        // Resources of this type, in order (this one is the first).
        let of_type: Vec<usize> = resources
            .iter()
            .enumerate()
            .skip(ri)
            .filter(|(_, (_, t))| t.map(|r| r.name.as_str()) == name)
            .map(|(i, _)| i)
            .collect();
        for spec in &mentions.statements {
            let picks = spec
                .conds
                .iter()
                .filter_map(|c| c.values.first())
                .chain(spec.resources.iter())
                .map(|v| instantiations(v, mentions))
                .max()
                .unwrap_or(1);
            for pick in 0..picks {
                let Some(mut a) = satisfying(&spec.conds, pick, mentions, &applies, &multi) else {
                    continue;
                };
                // An allow is only reached past the account's guardrails: falsify one condition
                // of each conditioned Deny that the assignment leaves open.
                if !spec.deny {
                    for d in mentions.statements.iter().filter(|d| d.deny) {
                        avoid_deny(&mut a, &d.conds, pick, mentions, &applies, &multi);
                    }
                }
                // Up to two resources of the type the statement's Resource matches; the type's
                // first resource when it names none or matches none.
                let globs: Vec<crate::policy::glob::Glob> = spec
                    .resources
                    .iter()
                    .map(|r| {
                        crate::policy::glob::Glob::pattern(&instantiate_keep_wildcards(
                            r, mentions, pick,
                        ))
                    })
                    .collect();
                let mut paired: Vec<usize> = of_type
                    .iter()
                    .copied()
                    .filter(|i| {
                        resources.get(*i).is_some_and(|(arn, _)| {
                            globs
                                .iter()
                                .any(|g| crate::policy::pattern::arn_glob_matches(g, arn))
                        })
                    })
                    .take(2)
                    .collect();
                if paired.is_empty() {
                    paired.push(ri);
                }
                for r in paired {
                    if !plan.iter().any(|(pr, pa)| *pr == r && *pa == a) {
                        plan.push((r, a.clone()));
                    }
                }
            }
        }
        type_of.push(per_type.len());
        per_type.push(PerType {
            name,
            dims: dims_for(catalog, action, *rt, mentions),
        });
    }
    let mut base = Request::new(&full, "*").ok()?;
    base.principal = Some(principal);
    // Every planned request, then the generic ones up to `variants` in total.
    for (ri, assignment) in &plan {
        let Some((resource, _)) = resources.get(*ri) else {
            continue;
        };
        let mut req = base.clone();
        req.resource.clone_from(resource);
        for (k, v) in assignment {
            let _ = req.context.insert(k, v.clone());
        }
        pin_region(&mut req);
        own_account.push(is_own(resource, account));
        requests.push(req);
    }
    for i in 0..cfg.variants.saturating_sub(plan.len()) {
        let ri = i % resources.len();
        let (Some((resource, _)), Some(t)) = (
            resources.get(ri),
            type_of.get(ri).and_then(|t| per_type.get(*t)),
        ) else {
            break;
        };
        let mut req = base.clone();
        req.resource.clone_from(resource);
        let round = i / resources.len();
        for (di, dim) in t.dims.iter().enumerate() {
            let n = dim.options.len().max(1);
            // First rounds walk every option of every dimension; later rounds pick at random.
            let choice = if round == 0 {
                0
            } else if round <= n {
                (round + di) % n
            } else {
                (mix(seed ^ ((i as u64) << 16) ^ di as u64) % n as u64) as usize
            };
            if let Some(Some(v)) = dim.options.get(choice) {
                let _ = req.context.insert(&dim.key, v.clone());
            }
        }
        pin_region(&mut req);
        own_account.push(is_own(resource, account));
        requests.push(req);
    }
    Some(ActionRequests {
        action_id,
        action: full,
        access_level: action.access_level,
        requests,
        own_account,
    })
}

/// True when `resource` is `*`, has no account, or belongs to `account`.
fn is_own(resource: &str, account: &str) -> bool {
    match crate::policy::pattern::split_arn(resource).and_then(|p| p.get(4).copied()) {
        None => true,
        Some(a) => a.is_empty() || a == account,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn witnesses() {
        let w = glob_witness("*-job/team-fraud-*", "training-job/*").unwrap();
        assert!(
            crate::policy::glob::Glob::pattern("*-job/team-fraud-*").matches(&w),
            "{w}"
        );
        assert!(w.starts_with("training-job/"), "{w}");
        assert_eq!(glob_witness("notebook-instance/*", "training-job/*"), None);
        assert_eq!(glob_witness("a?c", "abc").as_deref(), Some("abc"));
        assert_eq!(
            placeholders_to_star("app/${DomainId}/${UserProfileName}/x"),
            "app/?*/?*/x"
        );
        // The last placeholder is not left empty (ARN formats need every part).
        let w = glob_witness(
            "user-profile/d-8x2k4m1q0z7a/*",
            &placeholders_to_star("user-profile/${DomainId}/${UserProfileName}"),
        );
        assert_eq!(w.as_deref(), Some("user-profile/d-8x2k4m1q0z7a/x"));
    }
}
