//! Resource patterns and policy variables for minimal policies, and the fresh-name requests that
//! check a minimal policy still works for the next resource of the same kind.
//!
//! **Creates** (S-37). A logged call creates its resource when the action is `Write`-level, its
//! name is `Create<Noun>` without `Presigned`, and the resource's type is that noun
//! (`CreateTrainingJob` → `training-job`; `CreateTrial` → `experiment-trial`; a `V2` suffix
//! names the same type). `CreateModelCardExportJob` on a `model-card` and `CreateEndpoint` on
//! its `endpoint-config` use an existing resource: they are not creates of it. The tag-on-create
//! `AddTags` request of a create is part of that create.
//!
//! **Name patterns.** A resource ARN is its head (`arn:aws:sagemaker:us-east-1:111122223333:`,
//! kept as logged), its type's literal text (`training-job/`, from the catalog's ARN format) and
//! a name. The names of a type share a *prefix*: their longest common prefix, cut after its last
//! separator (`-`, `_`, `.`, `/`), without the trailing tokens that look generated (digits,
//! hex with a digit, dates such as `20260302T0900Z`), so `churn-xgb-2026-03-02-01` and
//! `churn-xgb-2026-03-02-02` share `churn-xgb-`, and one name alone gives its own stem. A
//! prefix needs [`MIN_PREFIX`] characters before its separator unless it holds a policy
//! variable (`${aws:PrincipalTag/team}-`); else the pattern is the type's `*`.
//! - a create is allowed on `<prefix>*` of the names it created, never on a past name;
//! - another action on a type the principal creates is allowed on that same pattern (it will
//!   describe or stop the next job it creates too), plus the logged names the pattern misses;
//! - another action on a type the principal does not create keeps its logged names when there
//!   is one, or when there are several without a shared prefix (up to [`MAX_NAMES`]; more
//!   become the type's `*`); several names sharing a prefix (a series, such as a pipeline's
//!   daily models) become that prefix;
//! - `iam:PassRole` keeps the roles passed.
//!
//! **Variables.** Where an `Allow` statement of the current identity policies names the action
//! through a variable in its resource (`training-job/${aws:PrincipalTag/team}-*`), the logged
//! names are matched against it, resolved for the principal; where every name holds the
//! variable's value at the same place and that place is kept in the pattern, the pattern keeps
//! the variable rather than the value. Condition values are treated alike: a logged value that a
//! variable of a current condition on the same key resolves to (`aws:RequestTag/team` =
//! `${aws:PrincipalTag/team}`) is written as that variable.
//!
//! **Fresh names.** For each action and pattern, the latest logged call again on the next name
//! of its series (`…-02` → `…-03`, a number not logged; `-2` appended to a name without a
//! trailing number), with the `iam:PassRole` (`iam:AssociatedResourceArn` set to the new ARN)
//! and `AddTags` requests of a create.

use std::collections::{BTreeMap, BTreeSet};

use super::TrailEvent;
use crate::catalog::{AccessLevel, ActionInfo, Catalog, ResourceType};
use crate::condition::Values;
use crate::policy::glob::{Piece, Template, Variable};
use crate::policy::pattern::split_arn;
use crate::policy::{Effect, PolicySet, ResourcePattern};
use crate::request::{Context, ContextValue, Request};

/// Characters at which a common name prefix is cut.
pub(crate) const SEPARATORS: [char; 4] = ['-', '_', '.', '/'];

/// Characters a prefix needs before its final separator, unless it holds a policy variable.
pub(crate) const MIN_PREFIX: usize = 3;

/// Distinct logged names of an action, without a shared prefix, above which its resources
/// become the type's `*`.
pub(crate) const MAX_NAMES: usize = 10;

/// How a request takes part in a minimal policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Part {
    /// A logged call.
    Call,
    /// The `iam:PassRole` a call needed.
    PassRole,
    /// The tag-on-create `sagemaker:AddTags` a create with tags needed.
    TagOnCreate,
}

/// The part an event plays.
pub(super) fn part_of(e: &TrailEvent) -> Part {
    if !e.inferred {
        Part::Call
    } else if e.request.action().eq_ignore_ascii_case("iam:PassRole") {
        Part::PassRole
    } else {
        Part::TagOnCreate
    }
}

/// Lowercase ASCII letters and digits of `s`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// True when `action` on a resource of type `rt` creates that resource (S-37).
pub(crate) fn creates(action: &ActionInfo, rt: &ResourceType) -> bool {
    let Some(noun) = action.name.strip_prefix("Create") else {
        return false;
    };
    if action.access_level != AccessLevel::Write || noun.contains("Presigned") {
        return false;
    }
    let mut noun = squash(noun);
    // `CreateAutoMLJobV2`: a version suffix names the same resource type.
    if let Some(v) = noun.rfind('v')
        && noun
            .get(v + 1..)
            .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    {
        noun.truncate(v);
    }
    !noun.is_empty() && squash(&rt.name).ends_with(&noun)
}

/// True for a name token that looks generated rather than chosen: it has a digit and is all
/// hex digits (counters, dates, hashes), or it is at least six characters, half of them digits
/// (`20260302T0900Z`).
fn generated(token: &str) -> bool {
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let len = token.chars().count();
    digits > 0 && (token.chars().all(|c| c.is_ascii_hexdigit()) || (len >= 6 && digits * 2 >= len))
}

/// A prefix shared by names: it ends with a separator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prefix {
    /// The prefix, ending with a separator.
    pub(crate) text: String,
    /// It has at least [`MIN_PREFIX`] characters before its separator.
    pub(crate) long_enough: bool,
}

/// The prefix the names share (see the module documentation); `None` when their common prefix
/// has no separator or only generated tokens.
pub(crate) fn common_prefix<'n>(names: impl IntoIterator<Item = &'n str>) -> Option<Prefix> {
    let mut it = names.into_iter();
    let first = it.next()?;
    let mut len = first.len();
    for n in it {
        let mut common = 0;
        for ((i, a), b) in first.char_indices().zip(n.chars()) {
            if i >= len || a != b {
                break;
            }
            common = i + a.len_utf8();
        }
        len = len.min(common);
    }
    let lcp = first.get(..len)?;
    let cut = lcp.rfind(SEPARATORS)?;
    // INVARIANT (ASCII separators): every separator is one byte, so `cut + 1` is a boundary.
    let mut prefix = lcp.get(..=cut)?;
    loop {
        let body = prefix.get(..prefix.len().saturating_sub(1)).unwrap_or("");
        let start = body.rfind(SEPARATORS).map_or(0, |i| i + 1);
        let token = body.get(start..).unwrap_or("");
        if token.is_empty() || !generated(token) {
            break;
        }
        if start == 0 {
            return None;
        }
        prefix = prefix.get(..start)?;
    }
    let long_enough = prefix.chars().count().saturating_sub(1) >= MIN_PREFIX;
    Some(Prefix {
        text: prefix.to_owned(),
        long_enough,
    })
}

/// The next name of a series not in `taken`: the trailing number counted up (width kept), or
/// `-2`, `-3`, … appended to a name without one.
pub(crate) fn next_name(name: &str, taken: &BTreeSet<&str>) -> String {
    let stem_len = name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (stem, digits) = name.split_at(stem_len);
    if let Ok(n) = digits.parse::<u128>() {
        let width = digits.len();
        for k in 1..=1_000u128 {
            let candidate = format!("{stem}{:0width$}", n.saturating_add(k));
            if !taken.contains(candidate.as_str()) {
                return candidate;
            }
        }
    }
    let mut k = 2u32;
    loop {
        let candidate = format!("{name}-{k}");
        if !taken.contains(candidate.as_str()) || k >= 10_000 {
            return candidate;
        }
        k += 1;
    }
}

/// Text for a policy's `Resource` or string condition value that matches `s` literally: `*`,
/// `?` and `${` escaped.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str("${*}"),
            '?' => out.push_str("${?}"),
            '$' if chars.peek() == Some(&'{') => out.push_str("${$}"),
            c => out.push(c),
        }
    }
    out
}

/// A resource ARN as head (through the fifth colon), the type's literal text and the name.
struct Parts<'a> {
    head: &'a str,
    ty: &'a str,
    name: &'a str,
}

/// Splits `arn` of type `rt`; `None` when its resource segment does not start with the type's
/// literal text or has no name after it.
fn parts<'a>(arn: &'a str, rt: &'a ResourceType) -> Option<Parts<'a>> {
    let format = rt.arn_formats.first()?;
    let segment = *split_arn(format)?.get(5)?;
    let ty = segment.split("${").next()?;
    let off = arn.match_indices(':').nth(4).map(|(i, _)| i + 1)?;
    let name = arn.get(off..)?.strip_prefix(ty)?;
    if ty.is_empty() || name.is_empty() {
        return None;
    }
    Some(Parts {
        head: arn.get(..off)?,
        ty,
        name,
    })
}

/// One token of a resource template's resource segment.
#[derive(Debug, Clone)]
enum Tok {
    Char(char),
    Star,
    One,
    /// A variable: its value for the principal, and its text in a policy.
    Var(Vec<char>, String),
}

/// How a variable is written in a policy.
fn shown(v: &Variable) -> String {
    match &v.default {
        Some(d) => format!("${{{}, '{d}'}}", v.key),
        None => format!("${{{}}}", v.key),
    }
}

/// The principal's single value of a key (`None` for lists and absent keys).
fn single<'c>(ctx: &'c Context, key_lower: &str) -> Option<&'c str> {
    ctx.get(key_lower)
        .filter(|e| !e.is_list)
        .and_then(|e| match e.values.as_slice() {
            [one] => Some(one.as_str()),
            _ => None,
        })
}

/// The resource segment of `t` as tokens, variables resolved for the principal; `None` without
/// variables, or with one the principal has no value for.
fn resource_toks(t: &Template, principal: &Context) -> Option<Vec<Tok>> {
    let mut colons = 0usize;
    let mut toks = Vec::new();
    let mut vars = false;
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) | Piece::Literal(s) => {
                let pattern = matches!(p, Piece::Pattern(_));
                for c in s.chars() {
                    if colons < 5 {
                        colons += usize::from(c == ':');
                        continue;
                    }
                    toks.push(match c {
                        '*' if pattern => Tok::Star,
                        '?' if pattern => Tok::One,
                        c => Tok::Char(c),
                    });
                }
            }
            Piece::Var(v) => {
                if colons < 5 {
                    return None;
                }
                let value = single(principal, &v.key_lower)
                    .map(str::to_owned)
                    .or_else(|| v.default.clone())?;
                toks.push(Tok::Var(value.chars().collect(), shown(v)));
                vars = true;
            }
        }
    }
    vars.then_some(toks)
}

/// Matches `text` from `at` against `toks`, recording `(start, end, token index)` of each
/// variable; `budget` bounds the backtracking.
fn capture(
    toks: &[(usize, Tok)],
    text: &[char],
    at: usize,
    spans: &mut Vec<(usize, usize, usize)>,
    budget: &mut u32,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let Some(((ti, tok), rest)) = toks.split_first() else {
        return at == text.len();
    };
    match tok {
        Tok::Char(c) => text.get(at) == Some(c) && capture(rest, text, at + 1, spans, budget),
        Tok::One => at < text.len() && capture(rest, text, at + 1, spans, budget),
        Tok::Star => (at..=text.len()).any(|k| capture(rest, text, k, spans, budget)),
        Tok::Var(value, _) => {
            let end = at + value.len();
            if text.get(at..end) != Some(value.as_slice()) {
                return false;
            }
            spans.push((at, end, *ti));
            if capture(rest, text, end, spans, budget) {
                return true;
            }
            spans.pop();
            false
        }
    }
}

/// The current policies' variables, resolved for the principal.
#[derive(Debug, Default)]
pub(super) struct Variables {
    /// Lowercase action → the resource segments (as tokens) of the `Allow` statements that name
    /// it through a variable.
    resources: BTreeMap<String, Vec<Vec<Tok>>>,
    /// Lowercase condition key → (the value a variable text resolves to, the text).
    values: BTreeMap<String, Vec<(String, String)>>,
}

impl Variables {
    /// The variables of `set`'s identity policies for the principal whose keys are `principal`,
    /// with resource templates for the lowercase `actions`.
    pub(super) fn of(
        set: &PolicySet,
        principal: &Context,
        actions: &BTreeSet<String>,
    ) -> Variables {
        let mut out = Variables::default();
        let lookup = |k: &str| single(principal, k);
        for st in set.identity.iter().flat_map(|p| &p.statements) {
            for c in &st.conditions {
                let Values::String(ts) = &c.values else {
                    continue;
                };
                for t in ts.iter().filter(|t| t.has_variables() && !t.has_wildcard()) {
                    if let Some(v) = t.resolve_string(lookup) {
                        let list = out.values.entry(c.key_lower.clone()).or_default();
                        let text = t.to_string();
                        if !list.iter().any(|(_, x)| *x == text) {
                            list.push((v, text));
                        }
                    }
                }
            }
            let Some(resource) = st.resource.as_ref().filter(|r| !r.negated) else {
                continue;
            };
            if st.effect != Effect::Allow || st.action.negated {
                continue;
            }
            for a in actions {
                let (service, name) = a.split_once(':').unwrap_or((a.as_str(), ""));
                if !st.action.patterns.iter().any(|p| p.matches(service, name)) {
                    continue;
                }
                for pat in &resource.patterns {
                    if let ResourcePattern::Arn(t) = pat
                        && let Some(toks) = resource_toks(t, principal)
                    {
                        out.resources.entry(a.clone()).or_default().push(toks);
                    }
                }
            }
        }
        out
    }

    /// A condition value as the minimal policy writes it: the current policies' variable text
    /// for `key` that resolves to `value`, else `value` escaped.
    pub(super) fn value(&self, key_lower: &str, value: &str) -> String {
        self.values
            .get(key_lower)
            .and_then(|list| list.iter().find(|(v, _)| v == value))
            .map_or_else(|| escape(value), |(_, text)| text.clone())
    }

    /// `kept` (a resource segment, or a prefix of one) for a policy: where the first template
    /// of `action` that matches every one of `segments` places its variables at the same
    /// offsets, inside `kept`, they are written as variables; the rest is escaped. Returns the
    /// text and whether a variable was kept.
    fn write(&self, action_lower: &str, kept: &str, segments: &[&str]) -> (String, bool) {
        let kept_chars: Vec<char> = kept.chars().collect();
        for toks in self.resources.get(action_lower).into_iter().flatten() {
            let toks: Vec<(usize, Tok)> = toks.iter().cloned().enumerate().collect();
            let mut common: Option<Vec<(usize, usize, usize)>> = None;
            let mut ok = !segments.is_empty();
            for seg in segments {
                let text: Vec<char> = seg.chars().collect();
                let mut spans = Vec::new();
                let mut budget = 20_000;
                if !capture(&toks, &text, 0, &mut spans, &mut budget)
                    || common.as_ref().is_some_and(|c| *c != spans)
                {
                    ok = false;
                    break;
                }
                common = Some(spans);
            }
            let spans: Vec<(usize, usize, usize)> = common
                .unwrap_or_default()
                .into_iter()
                .filter(|(_, end, _)| *end <= kept_chars.len())
                .collect();
            if !ok || spans.is_empty() {
                continue;
            }
            let mut out = String::new();
            let mut at = 0;
            for (start, end, ti) in &spans {
                let before: String = kept_chars.get(at..*start).unwrap_or(&[]).iter().collect();
                out.push_str(&escape(&before));
                if let Some((_, Tok::Var(_, text))) = toks.get(*ti) {
                    out.push_str(text);
                }
                at = *end;
            }
            let after: String = kept_chars.get(at..).unwrap_or(&[]).iter().collect();
            out.push_str(&escape(&after));
            return (out, true);
        }
        (escape(kept), false)
    }
}

/// The minimal policy's resources for the logged requests, and the fresh-name requests.
#[derive(Debug, Default)]
pub(super) struct Generalised {
    /// Per logged request (empty outside the basis): its resource, generalised.
    pub(super) resource: Vec<String>,
    /// Per logged request: its own resource (variables kept), for the last narrowing step.
    pub(super) exact: Vec<String>,
    /// Logged resource ARN → its pattern, for generalised resources (ARN-valued keys such as
    /// `iam:AssociatedResourceArn` are pinned to these with `ArnLike`).
    pub(super) arn_patterns: BTreeMap<String, String>,
    /// Fresh-name requests: calls and the requests their creates need.
    pub(super) fresh: Vec<Request>,
    /// Per generalised action and pattern: the lowercase action, the pattern, and a line for
    /// `PrincipalLeastPrivilege::generalised`.
    pub(super) notes: Vec<(String, String, String)>,
}

/// A logged request with a named resource of a known type.
struct Item<'e> {
    index: usize,
    action: String,
    part: Part,
    create: bool,
    rt: String,
    head: &'e str,
    ty: &'e str,
    name: &'e str,
}

impl Item<'_> {
    fn segment(&self) -> String {
        format!("{}{}", self.ty, self.name)
    }
}

/// A prefix as pattern text for `action` over `segments`: `<prefix>*` (variables kept), or the
/// type's `*` when the prefix is absent or too short without a variable.
fn prefix_pattern(
    vars: &Variables,
    action: &str,
    ty: &str,
    prefix: Option<&Prefix>,
    segments: &[&str],
) -> String {
    if let Some(p) = prefix {
        let (text, var) = vars.write(action, &format!("{ty}{}", p.text), segments);
        if p.long_enough || var {
            return format!("{text}*");
        }
    }
    format!("{}*", escape(ty))
}

/// Generalises the resources of the logged requests at `basis` (see the module documentation).
pub(super) fn generalise(
    catalog: &Catalog,
    events: &[&TrailEvent],
    basis: &[usize],
    vars: &Variables,
) -> Generalised {
    let mut g = Generalised {
        resource: vec![String::new(); events.len()],
        exact: vec![String::new(); events.len()],
        ..Generalised::default()
    };
    let mut items: Vec<Item<'_>> = Vec::new();
    for &i in basis {
        let Some(e) = events.get(i) else { continue };
        let r = &e.request;
        let own = if r.resource == "*" {
            "*".to_owned()
        } else {
            escape(&r.resource)
        };
        let resolved = catalog.action(r.action()).and_then(|a| {
            let rt = catalog.resource_type_for(a, &r.resource)?;
            Some((a, rt, parts(&r.resource, rt)?))
        });
        let Some((action, rt, p)) = resolved else {
            set(&mut g, i, own.clone(), own);
            continue;
        };
        let part = part_of(e);
        let lower = r.action_lower().to_owned();
        let segment = format!("{}{}", p.ty, p.name);
        let (written, _) = vars.write(&lower, &segment, &[&segment]);
        let exact = format!("{}{written}", p.head);
        if part == Part::PassRole {
            set(&mut g, i, exact.clone(), exact);
            continue;
        }
        set(&mut g, i, exact.clone(), exact);
        items.push(Item {
            index: i,
            action: lower,
            part,
            create: part == Part::TagOnCreate || creates(action, rt),
            rt: rt.name.clone(),
            head: p.head,
            ty: p.ty,
            name: p.name,
        });
    }
    // Names each type's creates created, and their prefix.
    let mut created: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut all_names: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for it in &items {
        all_names.entry(&it.rt).or_default().insert(it.name);
        if it.create {
            created.entry(&it.rt).or_default().insert(it.name);
        }
    }
    let create_prefix: BTreeMap<&str, Option<Prefix>> = created
        .iter()
        .map(|(rt, names)| (*rt, common_prefix(names.iter().copied())))
        .collect();
    let mut groups: BTreeMap<(&str, &str, bool), Vec<&Item<'_>>> = BTreeMap::new();
    for it in &items {
        groups
            .entry((&it.rt, &it.action, it.create))
            .or_default()
            .push(it);
    }
    for ((rt, action, create), members) in groups {
        let Some(ty) = members.first().map(|m| m.ty) else {
            continue;
        };
        let star = format!("{}*", escape(ty));
        let segments =
            |ms: &[&Item<'_>]| -> Vec<String> { ms.iter().map(|m| m.segment()).collect() };
        let (mut covered, mut rest): (Vec<&Item<'_>>, Vec<&Item<'_>>) = match create_prefix.get(rt)
        {
            None => (Vec::new(), members.clone()),
            Some(_) if create => (members.clone(), Vec::new()),
            Some(None) => (members.clone(), Vec::new()),
            Some(Some(p)) => members.iter().partition(|m| m.name.starts_with(&p.text)),
        };
        if !covered.is_empty() {
            let prefix = create_prefix.get(rt).and_then(Option::as_ref);
            let segs = segments(&covered);
            let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
            let pattern = prefix_pattern(vars, action, ty, prefix, &segs);
            if pattern == star {
                // The type's `*` covers every name.
                covered.append(&mut rest);
            }
            for m in &covered {
                generalised(&mut g, m, &pattern);
            }
        }
        let names: BTreeSet<&str> = rest.iter().map(|m| m.name).collect();
        if names.len() >= 2 {
            let prefix = common_prefix(names.iter().copied());
            let segs = segments(&rest);
            let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
            let pattern = prefix_pattern(vars, action, ty, prefix.as_ref(), &segs);
            if pattern != star || names.len() > MAX_NAMES {
                for m in &rest {
                    generalised(&mut g, m, &pattern);
                }
            }
        }
    }
    notes_and_fresh(&mut g, events, &items, &all_names);
    g
}

fn set(g: &mut Generalised, i: usize, resource: String, exact: String) {
    if let Some(slot) = g.resource.get_mut(i) {
        *slot = resource;
    }
    if let Some(slot) = g.exact.get_mut(i) {
        *slot = exact;
    }
}

fn generalised(g: &mut Generalised, m: &Item<'_>, pattern: &str) {
    let full = format!("{}{pattern}", m.head);
    if let Some(slot) = g.resource.get_mut(m.index) {
        slot.clone_from(&full);
    }
    g.arn_patterns
        .insert(format!("{}{}{}", m.head, m.ty, m.name), full);
}

/// `context` with `key` set to `value` (replacing any value it had).
fn with_value(context: &Context, key: &str, value: &str) -> Context {
    let lower = key.to_lowercase();
    let mut out = Context::new();
    for e in context.entries().iter().filter(|e| e.key_lower != lower) {
        let v = e.value();
        let _ = out.insert(&e.key, v);
    }
    let _ = out.insert(key, ContextValue::Single(value.to_owned()));
    out
}

/// The notes, and one fresh-name call per generalised (action, pattern), with the requests a
/// create needs.
fn notes_and_fresh(
    g: &mut Generalised,
    events: &[&TrailEvent],
    items: &[Item<'_>],
    all_names: &BTreeMap<&str, BTreeSet<&str>>,
) {
    /// The logged requests of one action that share a pattern.
    struct Series<'i, 'e> {
        names: BTreeSet<&'e str>,
        spelled: &'e str,
        part: Part,
        create: bool,
        /// The latest logged call (not a dependent request).
        latest: Option<&'i Item<'e>>,
    }
    let mut seen: BTreeMap<(String, String), Series<'_, '_>> = BTreeMap::new();
    for it in items {
        let (Some(pattern), Some(e)) = (g.resource.get(it.index), events.get(it.index)) else {
            continue;
        };
        if g.exact.get(it.index) == Some(pattern) {
            continue;
        }
        let s = seen
            .entry((it.action.clone(), pattern.clone()))
            .or_insert(Series {
                names: BTreeSet::new(),
                spelled: e.request.action(),
                part: it.part,
                create: it.create,
                latest: None,
            });
        s.names.insert(it.name);
        if it.part == Part::Call {
            s.latest = Some(it);
        }
    }
    for ((action, pattern), series) in &seen {
        let n = series.names.len();
        let line = format!(
            "{}: {pattern} ({n} logged name{}{})",
            series.spelled,
            if n == 1 { "" } else { "s" },
            match (series.part, series.create) {
                (Part::TagOnCreate, _) => ", tag on create",
                (_, true) => ", create",
                _ => "",
            }
        );
        g.notes.push((action.clone(), pattern.clone(), line));
        let create = &series.create;
        let Some(m) = series.latest else { continue };
        let Some(call) = events.get(m.index) else {
            continue;
        };
        let taken: BTreeSet<&str> = all_names.get(m.rt.as_str()).cloned().unwrap_or_default();
        let fresh_arn = format!("{}{}{}", m.head, m.ty, next_name(m.name, &taken));
        let mut r = call.request.clone();
        r.resource.clone_from(&fresh_arn);
        g.fresh.push(r);
        if !*create {
            continue;
        }
        for dep in events
            .iter()
            .filter(|d| d.inferred && d.file == call.file && d.pointer == call.pointer)
        {
            let mut r = dep.request.clone();
            match part_of(dep) {
                Part::PassRole => {
                    if r.context.get("iam:associatedresourcearn").is_some() {
                        r.context = with_value(&r.context, "iam:AssociatedResourceArn", &fresh_arn);
                    }
                }
                _ => r.resource.clone_from(&fresh_arn),
            }
            g.fresh.push(r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(names: &[&str]) -> Option<(String, bool)> {
        common_prefix(names.iter().copied()).map(|p| (p.text, p.long_enough))
    }

    #[test]
    fn prefixes_cut_at_separators_and_drop_generated_tokens() {
        let some = |s: &str, long: bool| Some((s.to_owned(), long));
        assert_eq!(
            prefix(&["churn-xgb-2026-03-02-01", "churn-xgb-2026-03-02-02"]),
            some("churn-xgb-", true)
        );
        // One name: its own stem, never the name itself.
        assert_eq!(
            prefix(&["churn-xgb-2026-03-09-01"]),
            some("churn-xgb-", true)
        );
        assert_eq!(
            prefix(&["pytorch-training-2026-03-02-09-00-05-123"]),
            some("pytorch-training-", true)
        );
        assert_eq!(
            prefix(&["fraud-gbm-a", "fraud-gmm-b"]),
            some("fraud-", true)
        );
        assert_eq!(
            prefix(&["job_3f2a9c1e", "job_77aa01bc"]),
            some("job_", true)
        );
        assert_eq!(prefix(&["run.20260302T0900Z.a"]), some("run.", true));
        // `v2` is chosen, not generated.
        assert_eq!(
            prefix(&["churn-v2-01", "churn-v2-02"]),
            some("churn-v2-", true)
        );
        assert_eq!(prefix(&["ml-a1", "ml-b2"]), some("ml-", false));
        assert_eq!(prefix(&["model1", "model2"]), None);
        assert_eq!(prefix(&["alpha-1", "beta-2"]), None);
        assert_eq!(prefix(&["2026-03-02-01"]), None);
        assert_eq!(prefix(&["d-abc/alice", "d-abc/bob"]), some("d-abc/", true));
    }

    #[test]
    fn next_names_count_up_and_skip_logged_ones() {
        let taken = BTreeSet::from(["churn-01", "churn-02"]);
        assert_eq!(next_name("churn-01", &taken), "churn-03");
        assert_eq!(next_name("churn-99", &taken), "churn-100");
        assert_eq!(next_name("carol-eda", &taken), "carol-eda-2");
    }

    #[test]
    fn creates_are_write_create_actions_of_their_own_type() {
        let catalog = Catalog::sagemaker_default();
        let is = |action: &str, arn: &str| {
            let a = catalog.action(action).unwrap();
            let rt = catalog.resource_type_for(a, arn).unwrap();
            creates(a, rt)
        };
        let arn = |rest: &str| format!("arn:aws:sagemaker:us-east-1:111122223333:{rest}");
        assert!(is("sagemaker:CreateTrainingJob", &arn("training-job/a")));
        assert!(is("sagemaker:CreateAutoMLJobV2", &arn("automl-job/a")));
        assert!(is("sagemaker:CreateTrial", &arn("experiment-trial/a")));
        assert!(is("sagemaker:CreateEndpoint", &arn("endpoint/a")));
        assert!(!is("sagemaker:CreateEndpoint", &arn("endpoint-config/a")));
        assert!(!is(
            "sagemaker:CreateModelCardExportJob",
            &arn("model-card/a")
        ));
        assert!(!is(
            "sagemaker:CreatePresignedNotebookInstanceUrl",
            &arn("notebook-instance/a")
        ));
        assert!(!is("sagemaker:DescribeTrainingJob", &arn("training-job/a")));
    }

    #[test]
    fn escapes_wildcards_and_variables() {
        assert_eq!(escape("a*b?c${d}"), "a${*}b${?}c${$}{d}");
        assert_eq!(escape("cost$"), "cost$");
    }

    fn vars(policy: &str, tags: &[(&str, &str)], action: &str) -> Variables {
        let p = crate::policy::Policy::parse(policy, crate::policy::PolicyKind::Identity).unwrap();
        let set = PolicySet {
            identity: vec![p],
            boundary: None,
            scps: Vec::new(),
            session: None,
        };
        let mut ctx = Context::new();
        for (k, v) in tags {
            ctx.insert(k, ContextValue::Single((*v).to_owned()))
                .unwrap();
        }
        Variables::of(&set, &ctx, &BTreeSet::from([action.to_owned()]))
    }

    #[test]
    fn variables_are_kept_where_the_names_hold_their_values() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Action":"sagemaker:CreateTrainingJob",
            "Resource":"arn:aws:sagemaker:*:1:training-job/${aws:PrincipalTag/team}-*",
            "Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"}}}]}"#;
        let v = vars(
            policy,
            &[("aws:PrincipalTag/team", "ml")],
            "sagemaker:createtrainingjob",
        );
        let segs = ["training-job/ml-churn-01", "training-job/ml-churn-02"];
        assert_eq!(
            v.write(
                "sagemaker:createtrainingjob",
                "training-job/ml-churn-",
                &segs
            ),
            (
                "training-job/${aws:PrincipalTag/team}-churn-".to_owned(),
                true
            )
        );
        // A short prefix is kept when it holds the variable.
        let p = common_prefix(["ml-a1", "ml-b2"]);
        assert_eq!(
            prefix_pattern(
                &v,
                "sagemaker:createtrainingjob",
                "training-job/",
                p.as_ref(),
                &["training-job/ml-a1", "training-job/ml-b2"]
            ),
            "training-job/${aws:PrincipalTag/team}-*"
        );
        // Without the variable, it is not.
        let none = vars(policy, &[], "sagemaker:createtrainingjob");
        assert_eq!(
            prefix_pattern(
                &none,
                "sagemaker:createtrainingjob",
                "training-job/",
                p.as_ref(),
                &["training-job/ml-a1", "training-job/ml-b2"]
            ),
            "training-job/*"
        );
        assert_eq!(
            v.value("aws:requesttag/team", "ml"),
            "${aws:PrincipalTag/team}"
        );
        assert_eq!(v.value("aws:requesttag/team", "risk"), "risk");
        assert_eq!(v.value("aws:requesttag/owner", "ml"), "ml");
    }

    #[test]
    fn a_variable_after_a_wildcard_is_kept_in_exact_names() {
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
            "Action":"sagemaker:CreatePresignedDomainUrl",
            "Resource":"arn:aws:sagemaker:*:1:user-profile/*/${aws:username}"}]}"#;
        let a = "sagemaker:createpresigneddomainurl";
        let v = vars(policy, &[("aws:username", "alice")], a);
        let seg = "user-profile/d-abc/alice";
        assert_eq!(
            v.write(a, seg, &[seg]),
            ("user-profile/d-abc/${aws:username}".to_owned(), true)
        );
        // The value elsewhere in the name is left alone.
        let seg = "user-profile/alice/bob";
        assert_eq!(v.write(a, seg, &[seg]), (seg.to_owned(), false));
    }
}
