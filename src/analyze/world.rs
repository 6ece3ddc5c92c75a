//! The request model: what AWS can send for one action on one resource type (a *world*), how
//! each atom of a formula reads in that world (a constant, a literal on one solver variable, or
//! an opaque relation between request keys), and the per-variable decision procedures with a
//! cache.
//!
//! Solver variables: the resource ARN (tied to `aws:RequestedRegion` when the ARN format names
//! the region, S-48), the request time (`aws:CurrentTime` and `aws:EpochTime`, S-47), and every
//! other key the action may get. Principal keys are constants from the principal's context;
//! keys the action never gets are absent (S-46).
//!
//! INVARIANT (sound folding): an atom is folded to a constant only when the other polarity is
//! proved unsatisfiable in the world; undecided atoms stay literals, and atoms that relate two
//! request keys stay opaque, so the search only ever relaxes, never guesses.

use std::collections::HashMap;

use super::AnalysisConfig;
use super::domain::{ElemDomain, MatchSet, ValueType};
use super::formula::{AtomKind, Formula, Resolved};
use super::keys::{
    CURRENT_TIME, CondAtom, EPOCH_TIME, KeyModel, KeyState, KeyVerdict, Test, solve_key, solve_time,
};
use super::strings::{Class, Matcher, Solved, StrLit, Tok, segment_of, solve};
use crate::catalog::{ActionInfo, Catalog, KeyType, ResourceType};
use crate::eval::{Context, ContextEntry};
use crate::hash::FastHash;
use crate::policy::ResourcePattern;
use crate::request::sent::{ALWAYS_PRESENT, is_principal_key, key_applies};

thread_local! {
    static APPLIES: std::cell::RefCell<HashMap<String, bool, FastHash>> =
        std::cell::RefCell::new(HashMap::default());
}

/// `key_applies`, remembered per thread (it scans the action's, the resource type's and the
/// global key lists).
pub(crate) fn applies(
    catalog: &Catalog,
    action: &ActionInfo,
    rt: Option<&ResourceType>,
    key: &str,
) -> bool {
    let memo_key = format!(
        "{}\u{0}{}:{}\u{0}{}\u{0}{key}",
        catalog.generation(),
        action.service,
        action.name,
        rt.map_or("", |r| r.name.as_str())
    );
    if let Some(v) = APPLIES.with(|m| m.borrow().get(&memo_key).copied()) {
        return v;
    }
    let v = key_applies(catalog, action, rt, key);
    APPLIES.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 1 << 16 {
            m.clear();
        }
        m.insert(memo_key, v);
    });
    v
}

/// Commercial AWS regions, tried first for witness regions.
pub(crate) const REAL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-south-1",
    "ap-south-2",
    "ap-east-1",
    "sa-east-1",
    "me-south-1",
    "me-central-1",
    "il-central-1",
    "af-south-1",
    "mx-central-1",
];

pub(crate) const REQUESTED_REGION: &str = "aws:requestedregion";
pub(crate) const RESOURCE_ACCOUNT: &str = "aws:resourceaccount";

/// What the resource of a request is in one world.
#[derive(Debug, Clone)]
pub(crate) enum ResourceDomain {
    /// Wildcard-only actions are authorized against `*` (S-28).
    Star,
    /// ARNs of one catalog format, in the audited partition and account.
    Arn {
        /// The format as published.
        text: String,
        /// The format's language.
        format: Matcher,
        /// The format's region segment is `${Region}`: `aws:RequestedRegion` equals it.
        region_tied: bool,
        /// The format's account segment is `${Account}`: `aws:ResourceAccount` equals it.
        account_named: bool,
    },
}

impl ResourceDomain {
    /// Whether the format's region segment is `${Region}` (`aws:RequestedRegion` equals it) and
    /// whether its account segment is `${Account}` (`aws:ResourceAccount` equals it); neither
    /// for `*`.
    pub(crate) fn ties(&self) -> (bool, bool) {
        match self {
            ResourceDomain::Star => (false, false),
            ResourceDomain::Arn {
                region_tied,
                account_named,
                ..
            } => (*region_tied, *account_named),
        }
    }
}

/// One world: a resource type (format) of the action.
#[derive(Debug, Clone)]
pub(crate) struct World<'c> {
    /// The resource type (`None` for `*`).
    pub(crate) rt: Option<&'c ResourceType>,
    /// Its name (`*` for wildcard-only actions).
    pub(crate) name: String,
    /// The resource domain.
    pub(crate) resource: ResourceDomain,
}

/// The format's language with the partition and account filled in; `${Region}` is any
/// non-empty text without `:`; other placeholders follow `catalog::arn_format`'s rules.
fn format_matcher(text: &str, cfg: &AnalysisConfig) -> Matcher {
    let mut toks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("${")
            && let Some((name, tail)) = after.split_once('}')
        {
            match name {
                "Partition" => toks.extend(cfg.partition.chars().map(Tok::Ch)),
                "Account" => toks.extend(cfg.account.chars().map(Tok::Ch)),
                "Region" => toks.extend([Tok::One(Class::NoColon), Tok::Many(Class::NoColon)]),
                _ if name.contains("Path") => {
                    toks.extend([Tok::One(Class::NoColon), Tok::Many(Class::NoColon)]);
                }
                _ => toks.extend([
                    Tok::One(Class::NoColonNoSlash),
                    Tok::Many(Class::NoColonNoSlash),
                ]),
            }
            rest = tail;
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            toks.push(Tok::Ch(c));
        }
        rest = chars.as_str();
    }
    Matcher::Toks { toks, arn: false }
}

/// The worlds of an action: one per ARN format of each of its resource types, or `*` (S-48).
pub(crate) fn worlds<'c>(
    catalog: &'c Catalog,
    action: &ActionInfo,
    cfg: &AnalysisConfig,
) -> Vec<World<'c>> {
    if action.is_wildcard_only() {
        return vec![World {
            rt: None,
            name: "*".to_owned(),
            resource: ResourceDomain::Star,
        }];
    }
    let mut out = Vec::new();
    let service = catalog.service(&action.service);
    for r in &action.resources {
        let Some(rt) = service.and_then(|s| s.resource_type(&r.name)) else {
            continue;
        };
        for f in &rt.arn_formats {
            let segs: Vec<&str> = f.splitn(6, ':').collect();
            out.push(World {
                rt: Some(rt),
                name: rt.name.clone(),
                resource: ResourceDomain::Arn {
                    text: f.clone(),
                    format: format_matcher(f, cfg),
                    region_tied: segs.get(3) == Some(&"${Region}"),
                    account_named: segs.get(4) == Some(&"${Account}"),
                },
            });
        }
    }
    if out.is_empty() {
        // No format known: any ARN of the service in the audited partition and account.
        let text = format!(
            "arn:${{Partition}}:{}:${{Region}}:${{Account}}:${{Resource}}",
            action.service
        );
        out.push(World {
            rt: None,
            name: "(any)".to_owned(),
            resource: ResourceDomain::Arn {
                format: format_matcher(&text, cfg),
                text,
                region_tied: true,
                account_named: true,
            },
        });
    }
    out
}

/// A solver variable of a world.
#[derive(Debug, Clone)]
pub(crate) enum SVar {
    /// The resource ARN (and the tied region).
    Resource,
    /// The request time.
    Time,
    /// One request key.
    Key {
        /// As first spelled in a policy.
        name: String,
        /// What the request may carry.
        model: KeyModel,
    },
}

/// How a literal on a solver variable reads.
#[derive(Debug, Clone)]
pub(crate) enum VarLit {
    /// A resource clause: the union of its ARN patterns, and `NotResource`.
    Resource {
        /// The patterns (none is `*`: clauses with `*` are constants).
        alts: Vec<Matcher>,
        /// `NotResource`.
        negated: bool,
    },
    /// A condition on `aws:RequestedRegion`, tied to the resource's region segment.
    Region(CondAtom),
    /// A condition on a key or a time key.
    Cond(CondAtom),
}

/// How an atom reads in a world.
#[derive(Debug, Clone)]
pub(crate) enum AtomModel {
    /// The same for every request of the world.
    Const(bool),
    /// A literal on one solver variable.
    Var(u32, VarLit),
    /// A relation between request keys (a request-side policy variable): not decided.
    Opaque,
}

/// A solver variable's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// The resource ARN.
    Resource(String),
    /// The request time, epoch seconds.
    Time(i128),
    /// A key's state.
    Key(KeyState),
}

/// A per-variable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// This value satisfies the literals.
    Sat(Value),
    /// No value does.
    Unsat,
    /// Not decided.
    Unknown,
}

/// One literal: atom index and polarity.
pub(crate) type Lit = (u32, bool);

/// Whether the action gets the keys every witness may carry (`key_applies`, worked out once).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FixedKeys {
    pub(crate) region: bool,
    pub(crate) current_time: bool,
    pub(crate) epoch_time: bool,
    pub(crate) secure_transport: bool,
    pub(crate) resource_account: bool,
}

/// A world with its solver variables, atom readings and cache.
pub(crate) struct WorldCtx<'c> {
    pub(crate) world: World<'c>,
    pub(crate) fixed: FixedKeys,
    pub(crate) svars: Vec<SVar>,
    pub(crate) atoms: Vec<AtomModel>,
    pub(crate) cfg: &'c AnalysisConfig,
    cache: HashMap<(u32, bool, Vec<Lit>), Verdict, FastHash>,
}

fn entry_state(e: Option<&ContextEntry>, catalog: &Catalog) -> KeyState {
    match e {
        None => KeyState::Absent,
        Some(e) if e.is_list || catalog.is_multivalued(&e.key_lower) => {
            KeyState::List(e.values.clone())
        }
        Some(e) => KeyState::Single(e.values.first().cloned().unwrap_or_default()),
    }
}

impl<'c> WorldCtx<'c> {
    /// Reads every atom of `f` in `world`.
    pub(crate) fn new(
        f: &Formula,
        world: World<'c>,
        catalog: &'c Catalog,
        action: &ActionInfo,
        principal: &Context,
        cfg: &'c AnalysisConfig,
        budget: &mut u64,
    ) -> WorldCtx<'c> {
        let rt0 = world.rt;
        let ap = |k: &str| applies(catalog, action, rt0, k);
        let fixed = FixedKeys {
            region: ap(REQUESTED_REGION),
            current_time: ap(CURRENT_TIME),
            epoch_time: ap(EPOCH_TIME),
            secure_transport: ap("aws:securetransport"),
            resource_account: ap(RESOURCE_ACCOUNT),
        };
        let mut ctx = WorldCtx {
            fixed,
            svars: Vec::new(),
            atoms: Vec::with_capacity(f.atoms.len()),
            cfg,
            cache: HashMap::default(),
            world,
        };
        let rt = ctx.world.rt;
        let (region_tied, account_named) = ctx.world.resource.ties();
        let star = matches!(ctx.world.resource, ResourceDomain::Star);
        if !star {
            ctx.svars.push(SVar::Resource);
        }
        let applies = |k: &str| applies(catalog, action, rt, k);
        let account_tied = |k: &str| k == RESOURCE_ACCOUNT && account_named && applies(k);
        // A request-side key whose value a policy variable could read.
        let presentable = |k: &str| {
            !is_principal_key(k)
                && !account_tied(k)
                && (k == CURRENT_TIME
                    || k == EPOCH_TIME
                    || k == REQUESTED_REGION
                    || (applies(k) && !catalog.is_multivalued(k)))
        };
        let lookup = |k: &str| -> Option<&str> {
            if is_principal_key(k) {
                let e = principal.get(k)?;
                if e.is_list || catalog.is_multivalued(k) {
                    return None;
                }
                return e.values.first().map(String::as_str);
            }
            if account_tied(k) {
                return Some(cfg.account.as_str());
            }
            None
        };
        let mut key_svar: HashMap<String, u32> = HashMap::new();
        for atom in &f.atoms {
            if atom.kind.variable_keys().iter().any(|k| presentable(k)) {
                ctx.atoms.push(AtomModel::Opaque);
                continue;
            }
            let resolved = match &atom.fixed {
                Some(r) => (**r).clone(),
                None => Resolved::of(&atom.kind, lookup),
            };
            let model = match resolved {
                Resolved::Resource { pats, negated } => {
                    let any = match &atom.kind {
                        AtomKind::Resource(c) => {
                            c.patterns.iter().any(|p| matches!(p, ResourcePattern::Any))
                        }
                        AtomKind::Condition(_) => false,
                    };
                    if star || any {
                        AtomModel::Const(any != negated)
                    } else {
                        AtomModel::Var(
                            0,
                            VarLit::Resource {
                                alts: pats.into_iter().flatten().collect(),
                                negated,
                            },
                        )
                    }
                }
                Resolved::Cond(c) => {
                    let k = c.key_lower.clone();
                    if is_principal_key(&k) {
                        AtomModel::Const(c.holds(&entry_state(principal.get(&k), catalog)))
                    } else if !applies(&k) {
                        AtomModel::Const(c.holds(&KeyState::Absent))
                    } else if account_tied(&k) {
                        AtomModel::Const(c.holds(&KeyState::Single(cfg.account.clone())))
                    } else if k == REQUESTED_REGION && region_tied {
                        AtomModel::Var(0, VarLit::Region(c))
                    } else if k == CURRENT_TIME || k == EPOCH_TIME {
                        let i = *key_svar.entry("#time".to_owned()).or_insert_with(|| {
                            ctx.svars.push(SVar::Time);
                            u32::try_from(ctx.svars.len() - 1).unwrap_or(u32::MAX)
                        });
                        AtomModel::Var(i, VarLit::Cond(c))
                    } else {
                        let name = match &atom.kind {
                            AtomKind::Condition(cond) => cond.key.clone(),
                            AtomKind::Resource(_) => k.clone(),
                        };
                        let i = *key_svar.entry(k.clone()).or_insert_with(|| {
                            ctx.svars.push(SVar::Key {
                                model: key_model(catalog, &k, cfg),
                                name,
                            });
                            u32::try_from(ctx.svars.len() - 1).unwrap_or(u32::MAX)
                        });
                        AtomModel::Var(i, VarLit::Cond(c))
                    }
                }
            };
            ctx.atoms.push(model);
        }
        // Fold atoms whose other polarity is impossible in this world.
        for i in 0..ctx.atoms.len() {
            let Some(AtomModel::Var(s, _)) = ctx.atoms.get(i) else {
                continue;
            };
            let s = *s;
            let a = u32::try_from(i).unwrap_or(u32::MAX);
            let pos = ctx.check(s, &[(a, true)], budget);
            let neg = ctx.check(s, &[(a, false)], budget);
            let folded = match (pos, neg) {
                (Verdict::Unsat, _) => Some(false),
                (_, Verdict::Unsat) => Some(true),
                _ => None,
            };
            if let (Some(v), Some(slot)) = (folded, ctx.atoms.get_mut(i)) {
                *slot = AtomModel::Const(v);
            }
        }
        ctx
    }

    /// The solver variable an atom reads, if any.
    pub(crate) fn svar_of(&self, atom: u32) -> Option<u32> {
        match self.atoms.get(atom as usize) {
            Some(AtomModel::Var(s, _)) => Some(*s),
            _ => None,
        }
    }

    /// Decides the literals of one solver variable (sorted, deduplicated), with a cache.
    pub(crate) fn check(&mut self, svar: u32, lits: &[Lit], budget: &mut u64) -> Verdict {
        self.cached(svar, lits, false, budget)
    }

    /// As [`check`](Self::check), with a realistic value (the audited region first, then a
    /// real region, for a resource ARN): for witnesses.
    pub(crate) fn realize(&mut self, svar: u32, lits: &[Lit], budget: &mut u64) -> Verdict {
        if !matches!(self.svars.get(svar as usize), Some(SVar::Resource)) {
            return self.check(svar, lits, budget);
        }
        self.cached(svar, lits, true, budget)
    }

    fn cached(&mut self, svar: u32, lits: &[Lit], prefer: bool, budget: &mut u64) -> Verdict {
        let key = (svar, prefer, lits.to_vec());
        if let Some(v) = self.cache.get(&key) {
            return v.clone();
        }
        let v = self.decide(svar, lits, prefer, budget);
        // An answer cut short by the budget is not cached: a later, larger budget may decide it.
        if v != Verdict::Unknown || *budget > 0 {
            self.cache.insert(key, v.clone());
        }
        v
    }

    fn var_lits(&self, lits: &[Lit]) -> Vec<(&VarLit, bool)> {
        lits.iter()
            .filter_map(|(a, p)| match self.atoms.get(*a as usize) {
                Some(AtomModel::Var(_, l)) => Some((l, *p)),
                _ => None,
            })
            .collect()
    }

    fn decide(&self, svar: u32, lits: &[Lit], prefer: bool, budget: &mut u64) -> Verdict {
        let vl = self.var_lits(lits);
        let conds: Vec<(&CondAtom, bool)> = vl
            .iter()
            .filter_map(|(l, p)| match l {
                VarLit::Cond(c) => Some((c, *p)),
                _ => None,
            })
            .collect();
        match self.svars.get(svar as usize) {
            None => Verdict::Unknown,
            Some(SVar::Time) => match solve_time(&conds, self.cfg.reference_time) {
                KeyVerdict::Sat(s) => Verdict::Sat(Value::Time(s)),
                KeyVerdict::Unsat => Verdict::Unsat,
                KeyVerdict::Unknown => Verdict::Unknown,
            },
            Some(SVar::Key { model, .. }) => match solve_key(model, &conds, budget) {
                KeyVerdict::Sat(s) => Verdict::Sat(Value::Key(s)),
                KeyVerdict::Unsat => Verdict::Unsat,
                KeyVerdict::Unknown => Verdict::Unknown,
            },
            Some(SVar::Resource) => self.decide_resource(&vl, prefer, budget),
        }
    }

    fn decide_resource(&self, vl: &[(&VarLit, bool)], prefer: bool, budget: &mut u64) -> Verdict {
        let ResourceDomain::Arn {
            format,
            region_tied,
            text,
            ..
        } = &self.world.resource
        else {
            return Verdict::Unknown;
        };
        if !vl.iter().any(|(l, _)| matches!(l, VarLit::Resource { .. })) {
            return self.decide_region(text, *region_tied, vl, prefer, budget);
        }
        let mut lits = vec![StrLit::whole(vec![format.clone()], true)];
        let mut relaxed: Vec<(&CondAtom, bool)> = Vec::new();
        for (l, pol) in vl {
            match l {
                VarLit::Resource { alts, negated } => {
                    lits.push(StrLit::whole(alts.clone(), *pol != *negated))
                }
                VarLit::Region(c) => match &c.test {
                    // The region is present and non-empty.
                    Test::Null(tests) => {
                        if tests.iter().any(|&absent| !absent) != *pol {
                            return Verdict::Unsat;
                        }
                    }
                    Test::Match(MatchSet::Str(ms)) => lits.push(StrLit {
                        alts: ms.clone(),
                        positive: *pol != c.op.operator.is_negated(),
                        segment: Some(3),
                    }),
                    Test::Match(_) => relaxed.push((c, *pol)),
                },
                VarLit::Cond(_) => {}
            }
        }
        let region_is = |rs: &[&str]| StrLit {
            alts: rs.iter().map(|r| Matcher::literal(r)).collect(),
            positive: true,
            segment: Some(3),
        };
        let mut prefs: Vec<StrLit> = Vec::new();
        if *region_tied && prefer {
            prefs.push(region_is(&[self.cfg.region.as_str()]));
            prefs.push(region_is(REAL_REGIONS));
        }
        let base: Vec<&StrLit> = lits.iter().collect();
        let mut found = None;
        for p in &prefs {
            let mut all = base.clone();
            all.push(p);
            if let Solved::Sat(s) = solve(&all, budget) {
                found = Some(s);
                break;
            }
        }
        let answer = match found {
            Some(s) => Solved::Sat(s),
            None => solve(&base, budget),
        };
        match answer {
            Solved::Sat(s) => {
                if relaxed.is_empty() {
                    return Verdict::Sat(Value::Resource(s));
                }
                let region = KeyState::Single(segment_of(&s, 3).unwrap_or("").to_owned());
                if relaxed.iter().all(|(c, p)| c.holds(&region) == *p) {
                    Verdict::Sat(Value::Resource(s))
                } else {
                    Verdict::Unknown
                }
            }
            Solved::Unsat => Verdict::Unsat,
            Solved::GaveUp => Verdict::Unknown,
        }
    }
}

impl WorldCtx<'_> {
    /// The resource literals are only about the region: decide the region alone (any other
    /// part of the ARN is free), and render the format around it.
    fn decide_region(
        &self,
        text: &str,
        region_tied: bool,
        vl: &[(&VarLit, bool)],
        prefer: bool,
        budget: &mut u64,
    ) -> Verdict {
        if !region_tied {
            return Verdict::Sat(Value::Resource(render_format(
                text,
                self.cfg,
                &self.cfg.region,
            )));
        }
        let mut lits = vec![StrLit::whole(
            vec![Matcher::Toks {
                toks: vec![Tok::One(Class::NoColon), Tok::Many(Class::NoColon)],
                arn: false,
            }],
            true,
        )];
        let mut relaxed: Vec<(&CondAtom, bool)> = Vec::new();
        for (l, pol) in vl {
            if let VarLit::Region(c) = l {
                match &c.test {
                    Test::Null(tests) => {
                        if tests.iter().any(|&absent| !absent) != *pol {
                            return Verdict::Unsat;
                        }
                    }
                    Test::Match(MatchSet::Str(ms)) => lits.push(StrLit::whole(
                        ms.clone(),
                        *pol != c.op.operator.is_negated(),
                    )),
                    Test::Match(_) => relaxed.push((c, *pol)),
                }
            }
        }
        let base: Vec<&StrLit> = lits.iter().collect();
        let found = prefer
            .then(|| {
                std::iter::once(self.cfg.region.as_str())
                    .chain(REAL_REGIONS.iter().copied())
                    .find(|r| base.iter().all(|l| l.holds(r)))
            })
            .flatten();
        let answer = match found {
            Some(s) => Solved::Sat(s.to_owned()),
            None => solve(&base, budget),
        };
        match answer {
            Solved::Sat(region) => {
                let state = KeyState::Single(region.clone());
                if relaxed.iter().all(|(c, p)| c.holds(&state) == *p) {
                    Verdict::Sat(Value::Resource(render_format(text, self.cfg, &region)))
                } else {
                    Verdict::Unknown
                }
            }
            Solved::Unsat => Verdict::Unsat,
            Solved::GaveUp => Verdict::Unknown,
        }
    }
}

/// An ARN of a format: the audited partition and account, `region`, `example` for names.
fn render_format(text: &str, cfg: &AnalysisConfig, region: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 2..).unwrap_or("");
        match after.split_once('}') {
            Some((name, tail)) => {
                out.push_str(match name {
                    "Partition" => &cfg.partition,
                    "Account" => &cfg.account,
                    "Region" => region,
                    _ => "example",
                });
                rest = tail;
            }
            None => {
                out.push_str(rest.get(i..).unwrap_or(""));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// What a request may carry for `key` (lowercase) that the action gets (S-46).
fn key_model(catalog: &Catalog, key: &str, cfg: &AnalysisConfig) -> KeyModel {
    let ty = ValueType::of(catalog.key(key).map_or(KeyType::Unknown, |k| k.ty));
    let mut domain = ElemDomain {
        reference_time: cfg.reference_time,
        ..ElemDomain::default()
    };
    if key == REQUESTED_REGION {
        domain.extra.push(StrLit::whole(
            vec![Matcher::Toks {
                toks: vec![Tok::One(Class::NoColon), Tok::Many(Class::NoColon)],
                arn: false,
            }],
            true,
        ));
        domain.prefer.push(cfg.region.clone());
        domain
            .prefer
            .extend(REAL_REGIONS.iter().map(|r| (*r).to_owned()));
    }
    KeyModel {
        ty,
        multivalued: catalog.is_multivalued(key),
        can_be_absent: !ALWAYS_PRESENT.contains(&key),
        can_be_present: true,
        domain,
    }
}
