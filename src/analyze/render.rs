//! The readable "allowed only if …" of a cell: per world, the formula with every atom the
//! world decides folded away, statements absorbed by weaker ones dropped, negated atoms written
//! as their IAM twin where that is exactly equivalent, as a serializable expression
//! ([`Expr`]) and as text (`aws:RequestedRegion ∈ {us-east-1, eu-west-1} ∧
//! sagemaker:InstanceTypes ⊆ ml.t3.*|ml.m5.*`). Worlds with the same expression are shown once.
//!
//! Values show policy variables of the principal substituted; a variable that reads the request
//! stays `${…}`.

use serde::Serialize;

use super::formula::{AtomKind, Formula, Gate};
use super::world::{AtomModel, Lit, WorldCtx};
use crate::catalog::Catalog;
use crate::condition::{Operator, QualifiedOperator, SetOp, Values};
use crate::eval::Context;
use crate::policy::ResourcePattern;
use crate::policy::glob::{Piece, Template};
use crate::request::sent::ALWAYS_PRESENT;

/// A simplified formula.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(crate) enum Expr {
    /// Every request.
    True,
    /// No request.
    False,
    /// All of.
    And {
        /// The conjuncts.
        args: Vec<Expr>,
    },
    /// Any of.
    Or {
        /// The disjuncts.
        args: Vec<Expr>,
    },
    /// Not.
    Not {
        /// The negated expression.
        arg: Box<Expr>,
    },
    /// The resource matches (or, `not_resource`, matches none of) the patterns.
    Resource {
        /// ARN patterns, principal variables substituted.
        patterns: Vec<String>,
        /// `NotResource`.
        not_resource: bool,
    },
    /// One condition.
    Condition {
        /// The operator with qualifiers (`ForAllValues:StringLike`).
        operator: String,
        /// The key as written.
        key: String,
        /// The values, principal variables substituted.
        values: Vec<String>,
    },
}

fn render_template(t: &Template, principal: &Context, catalog: &Catalog) -> String {
    let mut out = String::new();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => out.push_str(s),
            Piece::Literal(s) => {
                out.push_str("${");
                out.push_str(s);
                out.push('}');
            }
            Piece::Var(v) => {
                let known = crate::request::sent::is_principal_key(&v.key_lower);
                let value = principal
                    .get(&v.key_lower)
                    .filter(|e| !e.is_list && !catalog.is_multivalued(&e.key_lower))
                    .and_then(|e| e.values.first());
                match (known, value, &v.default) {
                    (true, Some(x), _) => out.push_str(x),
                    (true, None, Some(d)) => out.push_str(d),
                    _ => out.push_str(&format!("${{{}}}", v.key)),
                }
            }
        }
    }
    out
}

fn atom_expr(kind: &AtomKind, principal: &Context, catalog: &Catalog) -> Expr {
    match kind {
        AtomKind::Resource(r) => Expr::Resource {
            patterns: r
                .patterns
                .iter()
                .map(|p| match p {
                    ResourcePattern::Any => "*".to_owned(),
                    ResourcePattern::Arn(t) => render_template(t, principal, catalog),
                })
                .collect(),
            not_resource: r.negated,
        },
        AtomKind::Condition(c) => {
            let values = match &c.values {
                Values::String(ts) | Values::Arn(ts) | Values::Bool(ts) => ts
                    .iter()
                    .map(|t| render_template(t, principal, catalog))
                    .collect(),
                _ => c.raw_values.clone(),
            };
            Expr::Condition {
                operator: c.op.to_string(),
                key: c.key.clone(),
                values,
            }
        }
    }
}

/// The IAM operator that is the exact negation of `op` on a present single value.
fn twin(op: Operator) -> Option<Operator> {
    use Operator as O;
    Some(match op {
        O::StringEquals => O::StringNotEquals,
        O::StringNotEquals => O::StringEquals,
        O::StringEqualsIgnoreCase => O::StringNotEqualsIgnoreCase,
        O::StringNotEqualsIgnoreCase => O::StringEqualsIgnoreCase,
        O::StringLike => O::StringNotLike,
        O::StringNotLike => O::StringLike,
        O::NumericEquals => O::NumericNotEquals,
        O::NumericNotEquals => O::NumericEquals,
        O::DateEquals => O::DateNotEquals,
        O::DateNotEquals => O::DateEquals,
        O::IpAddress => O::NotIpAddress,
        O::NotIpAddress => O::IpAddress,
        O::ArnEquals => O::ArnNotEquals,
        O::ArnNotEquals => O::ArnEquals,
        O::ArnLike => O::ArnNotLike,
        O::ArnNotLike => O::ArnLike,
        _ => return None,
    })
}

/// The ordering operator that negates `op` for one value of an always-present key.
fn ord_twin(op: Operator) -> Option<Operator> {
    use Operator as O;
    Some(match op {
        O::NumericLessThan => O::NumericGreaterThanEquals,
        O::NumericLessThanEquals => O::NumericGreaterThan,
        O::NumericGreaterThan => O::NumericLessThanEquals,
        O::NumericGreaterThanEquals => O::NumericLessThan,
        O::DateLessThan => O::DateGreaterThanEquals,
        O::DateLessThanEquals => O::DateGreaterThan,
        O::DateGreaterThan => O::DateLessThanEquals,
        O::DateGreaterThanEquals => O::DateLessThan,
        _ => return None,
    })
}

/// `¬e`, written as the IAM twin where that is exactly equivalent (S-49).
fn negate(e: Expr, catalog: &Catalog) -> Expr {
    match e {
        Expr::Resource {
            patterns,
            not_resource,
        } => Expr::Resource {
            patterns,
            not_resource: !not_resource,
        },
        Expr::Condition {
            operator,
            key,
            values,
        } => {
            let Ok(q) = QualifiedOperator::parse(&operator) else {
                return not(Expr::Condition {
                    operator,
                    key,
                    values,
                });
            };
            let lower = key.to_lowercase();
            let single = !catalog.is_multivalued(&lower);
            let always = ALWAYS_PRESENT.contains(&lower.as_str());
            let plain = q.set.is_none() && !q.if_exists;
            let flipped = if q.operator == Operator::Null {
                // `Null` with one value tests presence or absence: flip it.
                match values.as_slice() {
                    [v] => Some((
                        Operator::Null,
                        vec![
                            if v.eq_ignore_ascii_case("true") {
                                "false"
                            } else {
                                "true"
                            }
                            .to_owned(),
                        ],
                    )),
                    _ => None,
                }
            } else if !(plain && single) {
                None
            } else if let Some(t) = twin(q.operator) {
                Some((t, values.clone()))
            } else if always && values.len() == 1 {
                if q.operator == Operator::Bool {
                    let v = values
                        .first()
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                    Some((
                        Operator::Bool,
                        vec![if v { "false" } else { "true" }.to_owned()],
                    ))
                } else {
                    ord_twin(q.operator).map(|t| (t, values.clone()))
                }
            } else {
                None
            };
            match flipped {
                Some((op, values)) => Expr::Condition {
                    operator: op.name().to_owned(),
                    key,
                    values,
                },
                None => not(Expr::Condition {
                    operator,
                    key,
                    values,
                }),
            }
        }
        Expr::True => Expr::False,
        Expr::False => Expr::True,
        other => not(other),
    }
}

fn not(e: Expr) -> Expr {
    Expr::Not { arg: Box::new(e) }
}

/// Literals of an allow term after the world's constants; `None` when it is false there.
fn fold(ctx: &WorldCtx<'_>, atoms: &[u32]) -> Option<Vec<Lit>> {
    let mut out = Vec::new();
    for &a in atoms {
        match ctx.atoms.get(a as usize) {
            Some(AtomModel::Const(true)) => {}
            Some(AtomModel::Const(false)) => return None,
            _ => out.push((a, true)),
        }
    }
    Some(out)
}

fn and(mut args: Vec<Expr>) -> Expr {
    args.retain(|a| *a != Expr::True);
    if args.contains(&Expr::False) {
        return Expr::False;
    }
    match args.len() {
        0 => Expr::True,
        1 => args.pop().unwrap_or(Expr::True),
        _ => Expr::And { args },
    }
}

fn or(mut args: Vec<Expr>) -> Expr {
    args.retain(|a| *a != Expr::False);
    if args.contains(&Expr::True) {
        return Expr::True;
    }
    args.dedup();
    match args.len() {
        0 => Expr::False,
        1 => args.pop().unwrap_or(Expr::False),
        _ => Expr::Or { args },
    }
}

/// The simplified formula of the gates `keep` selects, in one world.
pub(crate) fn simplify(
    f: &Formula,
    ctx: &WorldCtx<'_>,
    keep: impl Fn(&Gate) -> bool,
    principal: &Context,
    catalog: &Catalog,
) -> Expr {
    let lit = |(a, p): Lit| {
        let e = f
            .atoms
            .get(a as usize)
            .map_or(Expr::True, |atom| atom_expr(&atom.kind, principal, catalog));
        if p { e } else { negate(e, catalog) }
    };
    let mut conj = Vec::new();
    for g in f.gates.iter().filter(|g| keep(g)) {
        let mut terms: Vec<Vec<Lit>> = g
            .allows
            .iter()
            .filter_map(|t| fold(ctx, &t.atoms))
            .collect();
        terms.sort_by_key(Vec::len);
        let mut kept: Vec<Vec<Lit>> = Vec::new();
        for t in terms {
            // A term that contains a kept term adds nothing (absorption).
            if !kept.iter().any(|k| k.iter().all(|l| t.contains(l))) {
                kept.push(t);
            }
        }
        conj.push(or(kept
            .into_iter()
            .map(|t| and(t.into_iter().map(lit).collect()))
            .collect()));
        for d in &g.denies {
            // A deny applies when all its atoms hold: its negation is any atom failing.
            let mut any_false = false;
            let mut lits = Vec::new();
            for &a in &d.atoms {
                match ctx.atoms.get(a as usize) {
                    Some(AtomModel::Const(true)) => {}
                    Some(AtomModel::Const(false)) => any_false = true,
                    _ => lits.push((a, false)),
                }
            }
            if !any_false {
                conj.push(or(lits.into_iter().map(lit).collect()));
            }
        }
    }
    and(conj)
}

fn values_text(op: &QualifiedOperator, values: &[String]) -> String {
    let sep = if op.operator.str_cmp() == crate::condition::StrCmp::Like
        || matches!(
            op.operator.family(),
            crate::condition::Family::Arn | crate::condition::Family::Ip
        ) {
        "|"
    } else {
        ", "
    };
    values.join(sep)
}

fn condition_text(operator: &str, key: &str, values: &[String]) -> String {
    let Ok(q) = QualifiedOperator::parse(operator) else {
        return format!("{key} {operator} {}", values.join(", "));
    };
    use Operator as O;
    if q.operator == O::Null {
        let absent = values.iter().any(|v| v.eq_ignore_ascii_case("true"));
        let present = values.iter().any(|v| v.eq_ignore_ascii_case("false"));
        return match (absent, present) {
            (true, false) => format!("{key} absent"),
            (false, true) => format!("{key} present"),
            _ => format!("{key} absent or present"),
        };
    }
    let many = values.len() > 1;
    let vals = values_text(&q, values);
    let set = |s: &str| {
        if many {
            format!("{{{s}}}")
        } else {
            s.to_owned()
        }
    };
    let (sym, shown) = match q.operator {
        O::StringEquals | O::NumericEquals | O::DateEquals | O::Bool | O::BinaryEquals => {
            (if many { "∈" } else { "=" }, set(&vals))
        }
        O::StringNotEquals | O::NumericNotEquals | O::DateNotEquals => {
            (if many { "∉" } else { "≠" }, set(&vals))
        }
        O::StringEqualsIgnoreCase => (if many { "∈ᵢ" } else { "=ᵢ" }, set(&vals)),
        O::StringNotEqualsIgnoreCase => (if many { "∉ᵢ" } else { "≠ᵢ" }, set(&vals)),
        O::StringLike | O::ArnLike | O::ArnEquals => ("~", vals.clone()),
        O::StringNotLike | O::ArnNotLike | O::ArnNotEquals => ("≁", vals.clone()),
        O::IpAddress => ("∈", vals.clone()),
        O::NotIpAddress => ("∉", vals.clone()),
        O::NumericLessThan | O::DateLessThan => ("<", vals.clone()),
        O::NumericLessThanEquals | O::DateLessThanEquals => ("≤", vals.clone()),
        O::NumericGreaterThan | O::DateGreaterThan => (">", vals.clone()),
        O::NumericGreaterThanEquals | O::DateGreaterThanEquals => ("≥", vals.clone()),
        O::Null => ("", vals.clone()),
    };
    let negated = q.operator.is_negated();
    let body = match q.set {
        None => format!("{key} {sym} {shown}"),
        Some(SetOp::ForAllValues) if !negated && matches!(sym, "~" | "∈" | "=") => {
            format!(
                "{key} ⊆ {}",
                if sym == "~" {
                    vals
                } else {
                    format!("{{{vals}}}")
                }
            )
        }
        Some(SetOp::ForAllValues) => format!("every {key} {sym} {shown}"),
        Some(SetOp::ForAnyValue) => format!("some {key} {sym} {shown}"),
    };
    if q.if_exists {
        format!("{body} (if present)")
    } else {
        body
    }
}

/// The text of an expression.
pub(crate) fn text(e: &Expr) -> String {
    match e {
        Expr::True => "always".to_owned(),
        Expr::False => "never".to_owned(),
        Expr::And { args } => args
            .iter()
            .map(|a| match a {
                Expr::Or { .. } => format!("({})", text(a)),
                _ => text(a),
            })
            .collect::<Vec<_>>()
            .join(" ∧ "),
        Expr::Or { args } => args
            .iter()
            .map(|a| match a {
                Expr::And { .. } => format!("({})", text(a)),
                _ => text(a),
            })
            .collect::<Vec<_>>()
            .join(" ∨ "),
        Expr::Not { arg } => format!("¬({})", text(arg)),
        Expr::Resource {
            patterns,
            not_resource,
        } => format!(
            "resource {} {}",
            if *not_resource { "≁" } else { "~" },
            patterns.join("|")
        ),
        Expr::Condition {
            operator,
            key,
            values,
        } => condition_text(operator, key, values),
    }
}

/// One simplified formula and the resource types it holds for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct WorldCondition {
    /// The resource types (`*` for wildcard-only actions).
    pub(crate) resource_types: Vec<String>,
    /// The readable text.
    pub(crate) text: String,
    /// The structured form.
    pub(crate) formula: Expr,
}

/// A part of a cell's formula, readable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartCondition {
    /// The readable text (per resource type when they differ).
    pub text: String,
    /// Per group of resource types with the same formula.
    pub(crate) by_resource_type: Vec<WorldCondition>,
}

/// The readable condition of a cell: the whole, and its guardrail and own parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellCondition {
    /// The whole formula.
    #[serde(flatten)]
    pub all: PartCondition,
    /// The SCP levels' part, the same for every principal under those SCPs.
    pub guardrails: PartCondition,
    /// The principal's own part (identity, boundary, session).
    pub own: PartCondition,
}

/// Groups per-world expressions by equal formula.
pub(crate) fn part_condition(per_world: Vec<(String, Expr)>) -> PartCondition {
    let mut groups: Vec<(Expr, Vec<String>)> = Vec::new();
    for (name, e) in per_world {
        match groups.iter_mut().find(|(g, _)| *g == e) {
            Some((_, names)) => {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            None => groups.push((e, vec![name])),
        }
    }
    // Where the action is never allowed reads best last.
    groups.sort_by_key(|(e, _)| *e == Expr::False);
    let whole = match groups.as_slice() {
        [(e, _)] => text(e),
        _ => groups
            .iter()
            .map(|(e, names)| format!("on {}: {}", names.join(", "), text(e)))
            .collect::<Vec<_>>()
            .join("; "),
    };
    PartCondition {
        text: whole,
        by_resource_type: groups
            .into_iter()
            .map(|(e, names)| WorldCondition {
                resource_types: names,
                text: text(&e),
                formula: e,
            })
            .collect(),
    }
}
