//! Values of one condition key: the set of request values a condition's positive comparison
//! accepts ([`MatchSet`], one per operator family), and the exact element-level decision
//! procedure: is there one value of the key's type that lies in some of these sets and outside
//! others ([`solve_elements`]), with a realistic witness.
//!
//! What AWS sends for a key depends on its catalog type ([`ValueType`], S-45): numbers for
//! `Numeric` keys, ISO 8601 date-times in whole seconds for `Date` keys, `true`/`false` for
//! `Bool`, addresses for `IPAddress`, well-formed ARNs for `ARN`, base64 for `Binary`, and any
//! text for `String` keys and keys the catalog does not type. A value an operator family cannot
//! parse never matches (S-31), so a text key under a numeric operator ranges over the numbers
//! plus one "unparseable" value; a typed key under another family's operator is decided
//! exactly where every value of the type is unparseable for that family, and by checking
//! concrete candidates otherwise.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::intervals::Intervals;
use super::strings::{Class, Matcher, Solved, StrLit, Tok, solve};
use crate::condition::{Condition, Decimal, Instant, OrdCmp, StrCmp, Values, binary, boolean, ip};

/// Numbers: decimals scaled by 10^18, magnitude below 10^20 (S-10).
const NUM_MAX: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000 - 1;
const NUM_MIN: i128 = -NUM_MAX;
const NUM_SCALE: i128 = 1_000_000_000_000_000_000;
const NANOS: i128 = 1_000_000_000;
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds: the dates ISO 8601 renders.
pub(crate) const SEC_MIN: i128 = -62_167_219_200;
/// See [`SEC_MIN`].
pub(crate) const SEC_MAX: i128 = 253_402_300_799;
const V4_MAX: u128 = 0xffff_ffff;
/// The value every family fails to parse, standing for all such texts.
pub(crate) const UNPARSEABLE: &str = "iamc-other";

/// The request values a condition's positive comparison accepts: the union over its policy
/// values, after variables are resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum MatchSet {
    /// String and ARN operators.
    Str(Vec<Matcher>),
    /// Numeric operators: scaled decimals.
    Num(Intervals<i128>),
    /// Date operators: instants in nanoseconds.
    Date(Intervals<i128>),
    /// IP operators.
    Ip {
        /// IPv4 addresses.
        v4: Intervals<u128>,
        /// IPv6 addresses.
        v6: Intervals<u128>,
    },
    /// `Bool`: which booleans match.
    Bool {
        /// `true` matches.
        t: bool,
        /// `false` matches.
        f: bool,
    },
    /// `BinaryEquals`: the decoded policy values.
    Bin(Vec<Vec<u8>>),
}

/// Operator family groups the element procedures tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Fam {
    Str,
    Num,
    Date,
    Ip,
    Bool,
    Bin,
}

fn ord_range(op: OrdCmp, p: i128) -> Intervals<i128> {
    match op {
        OrdCmp::Eq => Intervals::range(p, p),
        OrdCmp::Lt => p
            .checked_sub(1)
            .map_or(Intervals::empty(), |h| Intervals::range(i128::MIN, h)),
        OrdCmp::Le => Intervals::range(i128::MIN, p),
        OrdCmp::Gt => p
            .checked_add(1)
            .map_or(Intervals::empty(), |l| Intervals::range(l, i128::MAX)),
        OrdCmp::Ge => Intervals::range(p, i128::MAX),
    }
}

impl MatchSet {
    /// The set of `c` with variables resolved by `lookup`; `None` for `Null`. A value whose
    /// variable has no value and no default matches nothing.
    pub(crate) fn of<'a>(
        c: &Condition,
        lookup: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> Option<MatchSet> {
        let op = c.op.operator;
        Some(match &c.values {
            Values::Null(_) => return None,
            Values::String(ts) => MatchSet::Str(
                ts.iter()
                    .filter_map(|t| match op.str_cmp() {
                        StrCmp::Equals => t.resolve_string(lookup).map(|s| Matcher::literal(&s)),
                        StrCmp::EqualsIgnoreCase => {
                            t.resolve_string(lookup).map(|s| Matcher::ignore_case(&s))
                        }
                        StrCmp::Like => t.resolve_glob(lookup).map(|g| Matcher::glob(&g)),
                    })
                    .collect(),
            ),
            Values::Arn(ts) => MatchSet::Str(
                ts.iter()
                    .filter_map(|t| t.resolve_glob(lookup).and_then(|g| Matcher::arn(&g)))
                    .collect(),
            ),
            Values::Bool(ts) => {
                let vals: Vec<bool> = ts
                    .iter()
                    .filter_map(|t| {
                        t.resolve_string(lookup)
                            .and_then(|s| boolean::parse_bool(&s))
                    })
                    .collect();
                MatchSet::Bool {
                    t: vals.contains(&true),
                    f: vals.contains(&false),
                }
            }
            Values::Numeric(ds) => MatchSet::Num(ds.iter().fold(Intervals::empty(), |acc, d| {
                acc.union(&ord_range(op.ord_cmp(), d.scaled()))
            })),
            Values::Date(is) => MatchSet::Date(is.iter().fold(Intervals::empty(), |acc, i| {
                acc.union(&ord_range(op.ord_cmp(), i.nanos()))
            })),
            Values::Ip(cidrs) => {
                let (mut v4, mut v6) = (Intervals::empty(), Intervals::empty());
                for c in cidrs {
                    let host: u128 = if c.is_v6() {
                        u128::MAX.checked_shr(u32::from(c.prefix())).unwrap_or(0)
                    } else {
                        V4_MAX.checked_shr(u32::from(c.prefix())).unwrap_or(0)
                    };
                    let r = Intervals::range(c.network(), c.network() | host);
                    if c.is_v6() {
                        v6 = v6.union(&r);
                    } else {
                        v4 = v4.union(&r);
                    }
                }
                MatchSet::Ip { v4, v6 }
            }
            Values::Binary(bs) => MatchSet::Bin(bs.clone()),
        })
    }

    /// The family group.
    pub(crate) fn fam(&self) -> Fam {
        match self {
            MatchSet::Str(_) => Fam::Str,
            MatchSet::Num(_) => Fam::Num,
            MatchSet::Date(_) => Fam::Date,
            MatchSet::Ip { .. } => Fam::Ip,
            MatchSet::Bool { .. } => Fam::Bool,
            MatchSet::Bin(_) => Fam::Bin,
        }
    }

    /// Concrete membership of a request value, with the engine's parsing rules (S-31).
    pub(crate) fn contains(&self, v: &str) -> bool {
        match self {
            MatchSet::Str(ms) => ms.iter().any(|m| m.matches(v)),
            MatchSet::Num(s) => Decimal::parse(v).is_some_and(|d| s.contains(d.scaled())),
            MatchSet::Date(s) => Instant::parse(v).is_some_and(|i| s.contains(i.nanos())),
            MatchSet::Bool { t, f } => {
                boolean::parse_bool(v).is_some_and(|b| if b { *t } else { *f })
            }
            MatchSet::Ip { v4, v6 } => match ip::parse_request_ip(v) {
                Some(IpAddr::V4(a)) => v4.contains(u128::from(u32::from(a))),
                Some(IpAddr::V6(a)) => v6.contains(u128::from(a)),
                None => false,
            },
            MatchSet::Bin(bs) => binary::decode_base64(v).is_some_and(|b| bs.contains(&b)),
        }
    }
}

/// What AWS sends for a key, by its catalog type (S-45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ValueType {
    /// Any text (`String`, and keys the catalog does not type).
    Text,
    /// A well-formed ARN.
    Arn,
    /// A decimal number.
    Number,
    /// An ISO 8601 date-time in whole seconds (`YYYY-MM-DDTHH:MM:SSZ`).
    Date,
    /// `true` or `false`.
    Bool,
    /// An IPv4 or IPv6 address.
    Ip,
    /// Standard base64.
    Binary,
}

impl ValueType {
    /// From a catalog key type.
    pub(crate) fn of(ty: crate::catalog::KeyType) -> ValueType {
        use crate::catalog::KeyType as K;
        match ty {
            K::String | K::Unknown => ValueType::Text,
            K::Arn => ValueType::Arn,
            K::Numeric => ValueType::Number,
            K::Date => ValueType::Date,
            K::Bool => ValueType::Bool,
            K::IpAddress => ValueType::Ip,
            K::Binary => ValueType::Binary,
        }
    }

    /// True when `v` is a value of this type.
    pub(crate) fn admits(self, v: &str) -> bool {
        match self {
            ValueType::Text => true,
            ValueType::Arn => arn_shape().matches(v),
            ValueType::Number => Decimal::parse(v).is_some(),
            ValueType::Date => Instant::parse(v).is_some_and(|i| {
                i.nanos().rem_euclid(NANOS) == 0 && iso_seconds(i.nanos().div_euclid(NANOS)) == v
            }),
            ValueType::Bool => v == "true" || v == "false",
            ValueType::Ip => ip::parse_request_ip(v).is_some(),
            ValueType::Binary => binary::decode_base64(v).is_some(),
        }
    }

    /// True when no value of this type parses for `fam` (so such a comparison never matches).
    fn never_parses(self, fam: Fam) -> bool {
        use Fam as F;
        use ValueType as T;
        match (self, fam) {
            (T::Text, _) | (_, F::Str) => false,
            (T::Arn, _) => true,
            (T::Number, F::Num | F::Date | F::Bin) => false,
            (T::Number, _) => true,
            (T::Date, F::Date) => false,
            (T::Date, _) => true,
            (T::Ip, F::Ip) => false,
            (T::Ip, _) => true,
            (T::Bool, _) => false,
            (T::Binary, _) => false,
        }
    }
}

/// `arn:` partition `:` service `:` region `:` account `:` resource, partition and service
/// non-empty (S-45).
pub(crate) fn arn_shape() -> Matcher {
    let nc = |one: bool| {
        if one {
            vec![Tok::One(Class::NoColon), Tok::Many(Class::NoColon)]
        } else {
            vec![Tok::Many(Class::NoColon)]
        }
    };
    let mut toks: Vec<Tok> = "arn:".chars().map(Tok::Ch).collect();
    toks.extend(nc(true));
    toks.push(Tok::Ch(':'));
    toks.extend(nc(true));
    toks.push(Tok::Ch(':'));
    toks.extend(nc(false));
    toks.push(Tok::Ch(':'));
    toks.extend(nc(false));
    toks.push(Tok::Ch(':'));
    toks.push(Tok::Many(Class::Any));
    Matcher::Toks { toks, arn: false }
}

/// One element requirement: the value is (or is not) in a set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Elem<'a> {
    /// The set.
    pub(crate) set: &'a MatchSet,
    /// In (true) or not in (false).
    pub(crate) want: bool,
}

/// The answer of an element-level procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ElemVerdict {
    /// This value satisfies every requirement.
    Sat(String),
    /// No value of the type does.
    Unsat,
    /// Not decided (no exact procedure for this mix, or the budget ran out).
    Unknown,
}

/// How an element value is wanted beyond its requirements.
#[derive(Debug, Clone, Default)]
pub(crate) struct ElemDomain {
    /// The value must not be the empty string.
    pub(crate) nonempty: bool,
    /// Extra string literals on the value (`aws:RequestedRegion` is non-empty text without `:`).
    pub(crate) extra: Vec<StrLit>,
    /// Values tried first, in order (realistic witnesses), when they meet every requirement.
    pub(crate) prefer: Vec<String>,
    /// The time witnesses stay near, in epoch seconds.
    pub(crate) reference_time: i128,
}

/// Is there a value of type `ty` in `domain` meeting every requirement?
pub(crate) fn solve_elements(
    ty: ValueType,
    elems: &[Elem<'_>],
    domain: &ElemDomain,
    budget: &mut u64,
) -> ElemVerdict {
    if ty == ValueType::Bool {
        return first_candidate(
            ["true", "false"].iter().map(|s| (*s).to_owned()),
            elems,
            domain,
        );
    }
    let mut kept: Vec<Elem<'_>> = Vec::with_capacity(elems.len());
    for e in elems {
        if ty.never_parses(e.set.fam()) {
            if e.want {
                return ElemVerdict::Unsat;
            }
        } else {
            kept.push(*e);
        }
    }
    let mut fams: Vec<Fam> = kept.iter().map(|e| e.set.fam()).collect();
    fams.sort();
    fams.dedup();
    let text = ty == ValueType::Text && domain.extra.is_empty();
    let verdict = match (fams.as_slice(), ty) {
        ([], ValueType::Text | ValueType::Arn) if domain.prefer.is_empty() => {
            match first_candidate(default_values(ty, domain), &kept, domain) {
                ElemVerdict::Sat(v) => ElemVerdict::Sat(v),
                _ => solve_str(ty, &kept, domain, budget),
            }
        }
        ([] | [Fam::Str], ValueType::Text | ValueType::Arn) => solve_str(ty, &kept, domain, budget),
        ([], _) => first_candidate(default_values(ty, domain), &kept, domain),
        ([Fam::Num], ValueType::Number) => solve_num(&kept, false),
        ([Fam::Num], ValueType::Text) if text => solve_num(&kept, true),
        ([Fam::Date], ValueType::Date) => solve_date(&kept, false, domain.reference_time),
        ([Fam::Date], ValueType::Text) if text => solve_date(&kept, true, domain.reference_time),
        ([Fam::Ip], ValueType::Ip) => solve_ip(&kept, false),
        ([Fam::Ip], ValueType::Text) if text => solve_ip(&kept, true),
        ([Fam::Bool], ValueType::Text) if text => first_candidate(
            ["true", "false", UNPARSEABLE]
                .iter()
                .map(|s| (*s).to_owned()),
            &kept,
            domain,
        ),
        ([Fam::Bin], ValueType::Binary) => solve_bin(&kept, false),
        ([Fam::Bin], ValueType::Text) if text => solve_bin(&kept, true),
        _ => ElemVerdict::Unknown,
    };
    match verdict {
        ElemVerdict::Unknown => {
            let cands = candidates(ty, &kept, domain);
            match first_candidate(cands.into_iter(), &kept, domain) {
                ElemVerdict::Sat(v) => ElemVerdict::Sat(v),
                _ => ElemVerdict::Unknown,
            }
        }
        v => v,
    }
}

/// The first candidate of type-valid text that meets every requirement and the domain.
fn first_candidate(
    cands: impl Iterator<Item = String>,
    elems: &[Elem<'_>],
    domain: &ElemDomain,
) -> ElemVerdict {
    for v in cands {
        if domain.nonempty && v.is_empty() {
            continue;
        }
        if !domain.extra.iter().all(|l| l.holds(&v)) {
            continue;
        }
        if elems.iter().all(|e| e.set.contains(&v) == e.want) {
            return ElemVerdict::Sat(v);
        }
    }
    ElemVerdict::Unsat
}

fn default_values(ty: ValueType, domain: &ElemDomain) -> impl Iterator<Item = String> {
    let v: Vec<String> = match ty {
        ValueType::Text => vec!["iamc".to_owned()],
        ValueType::Arn => vec!["arn:aws:iam::111122223333:role/iamc".to_owned()],
        ValueType::Number => vec!["0".to_owned()],
        ValueType::Date => vec![iso_seconds(domain.reference_time)],
        ValueType::Bool => vec!["true".to_owned()],
        ValueType::Ip => vec!["203.0.113.10".to_owned(), "2001:db8::10".to_owned()],
        ValueType::Binary => vec!["aWFtYw==".to_owned()],
    };
    v.into_iter()
}

fn solve_str(
    ty: ValueType,
    elems: &[Elem<'_>],
    domain: &ElemDomain,
    budget: &mut u64,
) -> ElemVerdict {
    let mut lits: Vec<StrLit> = Vec::with_capacity(elems.len() + 3);
    for e in elems {
        if let MatchSet::Str(ms) = e.set {
            lits.push(StrLit::whole(ms.clone(), e.want));
        }
    }
    if ty == ValueType::Arn {
        lits.push(StrLit::whole(vec![arn_shape()], true));
    }
    if domain.nonempty {
        lits.push(StrLit::whole(vec![Matcher::non_empty()], true));
    }
    lits.extend(domain.extra.iter().cloned());
    if let Some(v) = domain
        .prefer
        .iter()
        .find(|v| lits.iter().all(|l| l.holds(v)))
    {
        return ElemVerdict::Sat(v.clone());
    }
    let all: Vec<&StrLit> = lits.iter().collect();
    match solve(&all, budget) {
        Solved::Sat(s) => ElemVerdict::Sat(s),
        Solved::Unsat => ElemVerdict::Unsat,
        Solved::GaveUp => ElemVerdict::Unknown,
    }
}

/// `{ s : s × unit ∈ set }` for integer `s`.
pub(crate) fn scale_down(set: &Intervals<i128>, unit: i128) -> Intervals<i128> {
    let mut out = Intervals::empty();
    for &(lo, hi) in set.ranges() {
        let l = lo.div_euclid(unit) + i128::from(lo.rem_euclid(unit) != 0);
        let h = hi.div_euclid(unit);
        out = out.union(&Intervals::range(l, h));
    }
    out
}

/// Intersects every requirement over `universe`; `Str`-free requirements only.
fn meet<T: super::intervals::Point>(
    elems: &[Elem<'_>],
    universe: Intervals<T>,
    lo: T,
    hi: T,
    get: impl Fn(&MatchSet) -> Option<Intervals<T>>,
) -> (Intervals<T>, bool) {
    let mut set = universe;
    // The unparseable value matches no set: it satisfies exactly the "not in" requirements.
    let mut unparseable_ok = true;
    for e in elems {
        let Some(s) = get(e.set) else { continue };
        if e.want {
            set = set.intersect(&s);
            unparseable_ok = false;
        } else {
            set = set.intersect(&s.complement_within(lo, hi));
        }
    }
    (set, unparseable_ok)
}

fn solve_num(elems: &[Elem<'_>], unparseable: bool) -> ElemVerdict {
    let (set, u_ok) = meet(
        elems,
        Intervals::range(NUM_MIN, NUM_MAX),
        i128::MIN,
        i128::MAX,
        |m| match m {
            MatchSet::Num(s) => Some(s.clone()),
            _ => None,
        },
    );
    match pick_decimal(&set) {
        Some(v) => ElemVerdict::Sat(render_decimal(v)),
        None if unparseable && u_ok => ElemVerdict::Sat(UNPARSEABLE.to_owned()),
        None => ElemVerdict::Unsat,
    }
}

/// The element with the fewest fraction digits, nearest to zero.
pub(crate) fn pick_decimal(set: &Intervals<i128>) -> Option<i128> {
    let mut unit = NUM_SCALE;
    loop {
        let mut best: Option<i128> = None;
        for &(lo, hi) in set.ranges() {
            let cand = if lo <= 0 && 0 <= hi {
                Some(0)
            } else if lo > 0 {
                let c = lo.div_euclid(unit) + i128::from(lo.rem_euclid(unit) != 0);
                c.checked_mul(unit).filter(|v| *v <= hi)
            } else {
                hi.div_euclid(unit).checked_mul(unit).filter(|v| *v >= lo)
            };
            if let Some(c) = cand
                && best.is_none_or(|b| c.unsigned_abs() < b.unsigned_abs())
            {
                best = Some(c);
            }
        }
        if best.is_some() || unit == 1 {
            return best;
        }
        unit /= 10;
    }
}

/// A scaled decimal as text (`3601`, `-1.5`).
pub(crate) fn render_decimal(v: i128) -> String {
    let abs = v.unsigned_abs();
    let int = abs / NUM_SCALE.unsigned_abs();
    let frac = abs % NUM_SCALE.unsigned_abs();
    let mut s = if v < 0 {
        format!("-{int}")
    } else {
        int.to_string()
    };
    if frac != 0 {
        let f = format!("{frac:018}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// Seconds that satisfy every date requirement (whole seconds within ISO 8601's years).
pub(crate) fn date_seconds(elems: &[Elem<'_>]) -> (Intervals<i128>, bool) {
    meet(
        elems,
        Intervals::range(SEC_MIN, SEC_MAX),
        i128::MIN,
        i128::MAX,
        |m| match m {
            MatchSet::Date(s) => Some(scale_down(s, NANOS)),
            _ => None,
        },
    )
}

fn solve_date(elems: &[Elem<'_>], unparseable: bool, reference: i128) -> ElemVerdict {
    let (set, u_ok) = date_seconds(elems);
    match set.nearest(reference, |a, b| a.abs_diff(b)) {
        Some(s) => ElemVerdict::Sat(iso_seconds(s)),
        None if unparseable && u_ok => ElemVerdict::Sat(UNPARSEABLE.to_owned()),
        None => ElemVerdict::Unsat,
    }
}

/// Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso_seconds(secs: i128) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i128::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

fn solve_ip(elems: &[Elem<'_>], unparseable: bool) -> ElemVerdict {
    let (v4, u4) = meet(elems, Intervals::range(0, V4_MAX), 0, V4_MAX, |m| match m {
        MatchSet::Ip { v4, .. } => Some(v4.clone()),
        _ => None,
    });
    let (v6, _) = meet(
        elems,
        Intervals::range(0, u128::MAX),
        0,
        u128::MAX,
        |m| match m {
            MatchSet::Ip { v6, .. } => Some(v6.clone()),
            _ => None,
        },
    );
    let prefer4 = [0xCB00_710A_u128, 0xC633_640A, 0x0A00_000A, 0xC000_020A];
    if let Some(a) = prefer4
        .iter()
        .find(|a| v4.contains(**a))
        .copied()
        .or_else(|| v4.ranges().first().map(|r| r.0))
    {
        return ElemVerdict::Sat(Ipv4Addr::from(u32::try_from(a).unwrap_or(0)).to_string());
    }
    let doc6 = 0x2001_0db8_0000_0000_0000_0000_0000_0010_u128;
    if let Some(a) = if v6.contains(doc6) {
        Some(doc6)
    } else {
        v6.ranges().first().map(|r| r.0)
    } {
        return ElemVerdict::Sat(Ipv6Addr::from(a).to_string());
    }
    if unparseable && u4 {
        return ElemVerdict::Sat(UNPARSEABLE.to_owned());
    }
    ElemVerdict::Unsat
}

fn solve_bin(elems: &[Elem<'_>], unparseable: bool) -> ElemVerdict {
    let mut must: Option<Vec<Vec<u8>>> = None;
    let mut not: Vec<&Vec<u8>> = Vec::new();
    for e in elems {
        let MatchSet::Bin(bs) = e.set else { continue };
        if e.want {
            must = Some(match must {
                None => bs.clone(),
                Some(m) => m.into_iter().filter(|b| bs.contains(b)).collect(),
            });
        } else {
            not.extend(bs.iter());
        }
    }
    match must {
        Some(m) => match m.into_iter().find(|b| !not.contains(&b)) {
            Some(b) => ElemVerdict::Sat(encode_base64(&b)),
            None => ElemVerdict::Unsat,
        },
        None => {
            if unparseable {
                return ElemVerdict::Sat(UNPARSEABLE.to_owned());
            }
            let fresh = (0u32..)
                .map(|i| format!("iamc{i}").into_bytes())
                .find(|b| !not.contains(&b));
            fresh.map_or(ElemVerdict::Unknown, |b| {
                ElemVerdict::Sat(encode_base64(&b))
            })
        }
    }
}

/// Standard base64 with padding.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    const ALPHA: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                let idx = ((n >> (18 - 6 * i)) & 63) as usize;
                out.push(char::from(ALPHA.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Concrete candidates for the mixes no exact procedure covers: values the requirements
/// mention, bent a little, filtered by the type.
fn candidates(ty: ValueType, elems: &[Elem<'_>], domain: &ElemDomain) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in elems {
        match e.set {
            MatchSet::Str(ms) => {
                for m in ms {
                    if let Some(s) = sample(m) {
                        out.push(s.to_uppercase());
                        out.push(format!("{s}x"));
                        out.push(s);
                    }
                }
            }
            MatchSet::Num(s) | MatchSet::Date(s) => {
                let unit = if matches!(e.set, MatchSet::Num(_)) {
                    NUM_SCALE
                } else {
                    NANOS
                };
                for &(lo, hi) in s.ranges() {
                    for v in [lo, hi, lo.saturating_sub(unit), hi.saturating_add(unit)] {
                        if matches!(e.set, MatchSet::Num(_)) {
                            out.push(render_decimal(v.clamp(NUM_MIN, NUM_MAX)));
                        } else {
                            let secs = v.div_euclid(NANOS).clamp(SEC_MIN, SEC_MAX);
                            out.push(iso_seconds(secs));
                            out.push(secs.to_string());
                        }
                    }
                }
            }
            MatchSet::Ip { v4, v6 } => {
                for &(lo, hi) in v4.ranges() {
                    for v in [
                        lo,
                        hi,
                        lo.saturating_sub(1),
                        hi.saturating_add(1).min(V4_MAX),
                    ] {
                        out.push(Ipv4Addr::from(u32::try_from(v).unwrap_or(0)).to_string());
                    }
                }
                for &(lo, hi) in v6.ranges() {
                    for v in [lo, hi, lo.saturating_sub(1), hi.saturating_add(1)] {
                        out.push(Ipv6Addr::from(v).to_string());
                    }
                }
            }
            MatchSet::Bool { .. } => out.extend(["true".to_owned(), "false".to_owned()]),
            MatchSet::Bin(bs) => out.extend(bs.iter().map(|b| encode_base64(b))),
        }
    }
    out.extend(default_values(ty, domain));
    out.extend([
        "".to_owned(),
        UNPARSEABLE.to_owned(),
        "0".to_owned(),
        "1".to_owned(),
    ]);
    out.retain(|v| ty.admits(v));
    out
}

/// A member of a matcher's language made by filling wildcards (`x`), if the fill is a member.
fn sample(m: &Matcher) -> Option<String> {
    let s: String = match m {
        Matcher::Lower { text } => text.iter().collect(),
        Matcher::Toks { toks, .. } => toks
            .iter()
            .filter_map(|t| match t {
                Tok::Ch(c) => Some(*c),
                Tok::One(_) => Some('x'),
                Tok::Many(_) => None,
            })
            .collect(),
    };
    m.matches(&s).then_some(s)
}

#[cfg(test)]
#[path = "domain_tests.rs"]
pub(crate) mod tests;
