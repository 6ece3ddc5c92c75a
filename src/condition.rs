//! Condition operators and their qualifiers, and the validated form of one condition
//! (`operator → key → values`).
//!
//! Each operator family owns a file in `condition/` that parses its policy and request values and
//! compares one policy value with one request value. Missing-key, set-operator and NOR logic is the
//! evaluator's: it is the same for every family.
//!
//! INVARIANT (negated operators): every negated operator compares with its positive counterpart
//! (`StringNotLike` with `StringLike`, `NotIpAddress` with `IpAddress`); the evaluator applies NOR.

pub(crate) mod binary;
pub(crate) mod boolean;
pub(crate) mod date;
pub(crate) mod ip;
pub(crate) mod numeric;

use std::fmt;

pub use date::Instant;
pub(crate) use ip::Cidr;
pub(crate) use numeric::Decimal;

use crate::policy::err::excerpt;
use crate::policy::glob::Template;

/// The operator families of the IAM condition language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// `String…`
    String,
    /// `Numeric…`
    Numeric,
    /// `Date…`
    Date,
    /// `Bool`
    Bool,
    /// `BinaryEquals`
    Binary,
    /// `IpAddress`, `NotIpAddress`
    Ip,
    /// `Arn…`
    Arn,
    /// `Null`
    Null,
}

/// How a string operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StrCmp {
    /// Exact, case-sensitive.
    Equals,
    /// Equal after Unicode lowercasing (S-18).
    EqualsIgnoreCase,
    /// Case-sensitive glob with `*` and `?`.
    Like,
}

/// How a numeric or date operator compares the request value with the policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OrdCmp {
    /// request = policy
    Eq,
    /// request < policy
    Lt,
    /// request ≤ policy
    Le,
    /// request > policy
    Gt,
    /// request ≥ policy
    Ge,
}

impl OrdCmp {
    /// Applies the comparison to `request` and `policy`.
    pub(crate) fn holds<T: Ord>(self, request: &T, policy: &T) -> bool {
        match self {
            OrdCmp::Eq => request == policy,
            OrdCmp::Lt => request < policy,
            OrdCmp::Le => request <= policy,
            OrdCmp::Gt => request > policy,
            OrdCmp::Ge => request >= policy,
        }
    }
}

macro_rules! operators {
    ($( $name:ident => $text:literal, $family:ident, $negated:literal; )*) => {
        /// A condition operator without its qualifiers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Operator { $( $name, )* }

        impl Operator {
            /// Every operator.
            pub const ALL: &'static [Operator] = &[ $( Operator::$name, )* ];

            /// The operator's name as IAM spells it.
            pub fn name(self) -> &'static str {
                match self { $( Operator::$name => $text, )* }
            }

            /// The operator's family.
            pub fn family(self) -> Family {
                match self { $( Operator::$name => Family::$family, )* }
            }

            /// True for operators whose values are NORed (`…Not…`, `NotIpAddress`).
            pub(crate) fn is_negated(self) -> bool {
                match self { $( Operator::$name => $negated, )* }
            }
        }
    };
}

operators! {
    StringEquals => "StringEquals", String, false;
    StringNotEquals => "StringNotEquals", String, true;
    StringEqualsIgnoreCase => "StringEqualsIgnoreCase", String, false;
    StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase", String, true;
    StringLike => "StringLike", String, false;
    StringNotLike => "StringNotLike", String, true;
    NumericEquals => "NumericEquals", Numeric, false;
    NumericNotEquals => "NumericNotEquals", Numeric, true;
    NumericLessThan => "NumericLessThan", Numeric, false;
    NumericLessThanEquals => "NumericLessThanEquals", Numeric, false;
    NumericGreaterThan => "NumericGreaterThan", Numeric, false;
    NumericGreaterThanEquals => "NumericGreaterThanEquals", Numeric, false;
    DateEquals => "DateEquals", Date, false;
    DateNotEquals => "DateNotEquals", Date, true;
    DateLessThan => "DateLessThan", Date, false;
    DateLessThanEquals => "DateLessThanEquals", Date, false;
    DateGreaterThan => "DateGreaterThan", Date, false;
    DateGreaterThanEquals => "DateGreaterThanEquals", Date, false;
    Bool => "Bool", Bool, false;
    BinaryEquals => "BinaryEquals", Binary, false;
    IpAddress => "IpAddress", Ip, false;
    NotIpAddress => "NotIpAddress", Ip, true;
    ArnEquals => "ArnEquals", Arn, false;
    ArnLike => "ArnLike", Arn, false;
    ArnNotEquals => "ArnNotEquals", Arn, true;
    ArnNotLike => "ArnNotLike", Arn, true;
    Null => "Null", Null, false;
}

impl Operator {
    /// Looks an operator up by its exact name (S-1).
    pub(crate) fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The string comparison of a String-family operator.
    pub(crate) fn str_cmp(self) -> StrCmp {
        match self {
            Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
                StrCmp::EqualsIgnoreCase
            }
            Operator::StringLike | Operator::StringNotLike => StrCmp::Like,
            _ => StrCmp::Equals,
        }
    }

    /// The ordering comparison of a Numeric- or Date-family operator.
    pub(crate) fn ord_cmp(self) -> OrdCmp {
        match self {
            Operator::NumericLessThan | Operator::DateLessThan => OrdCmp::Lt,
            Operator::NumericLessThanEquals | Operator::DateLessThanEquals => OrdCmp::Le,
            Operator::NumericGreaterThan | Operator::DateGreaterThan => OrdCmp::Gt,
            Operator::NumericGreaterThanEquals | Operator::DateGreaterThanEquals => OrdCmp::Ge,
            _ => OrdCmp::Eq,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `ForAllValues:` or `ForAnyValue:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `ForAllValues:`: every request value must satisfy the operator.
    ForAllValues,
    /// `ForAnyValue:`: at least one request value must satisfy the operator.
    ForAnyValue,
}

/// An operator with its qualifiers, as written in a policy (`ForAnyValue:StringLikeIfExists`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QualifiedOperator {
    /// The base operator.
    pub operator: Operator,
    /// The set prefix, if any.
    pub set: Option<SetOp>,
    /// The `IfExists` suffix.
    pub if_exists: bool,
}

impl QualifiedOperator {
    /// Parses a full operator name. Returns a message when it is not an operator.
    pub(crate) fn parse(text: &str) -> Result<QualifiedOperator, String> {
        let (set, rest) = if let Some(r) = text.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else if let Some(r) = text.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else {
            (None, text)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let Some(operator) = Operator::from_name(base) else {
            return Err(unknown_operator(text));
        };
        if operator == Operator::Null && if_exists {
            return Err(format!(
                "`{}` is not a condition operator: `Null` has no `IfExists` form",
                excerpt(text)
            ));
        }
        if operator == Operator::Null && set.is_some() {
            return Err(format!(
                "`{}` is not a condition operator: `Null` takes no `ForAllValues:`/`ForAnyValue:` prefix",
                excerpt(text)
            ));
        }
        Ok(QualifiedOperator {
            operator,
            set,
            if_exists,
        })
    }
}

fn unknown_operator(text: &str) -> String {
    let shown = excerpt(text);
    let lower = text.to_ascii_lowercase();
    let prefix_lower = ["forallvalues:", "foranyvalue:"];
    let mut base = lower.as_str();
    let mut prefix = "";
    for (p, canon) in prefix_lower.iter().zip(["ForAllValues:", "ForAnyValue:"]) {
        if let Some(r) = base.strip_prefix(p) {
            base = r;
            prefix = canon;
        }
    }
    let (base, suffix) = match base.strip_suffix("ifexists") {
        Some(b) => (b, "IfExists"),
        None => (base, ""),
    };
    match Operator::ALL
        .iter()
        .find(|op| op.name().to_ascii_lowercase() == base)
    {
        Some(op) => format!(
            "unknown condition operator `{shown}` (operator names are case-sensitive: did you mean `{prefix}{}{suffix}`?)",
            op.name()
        ),
        None => format!("unknown condition operator `{shown}`"),
    }
}

impl fmt::Display for QualifiedOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.set {
            Some(SetOp::ForAllValues) => f.write_str("ForAllValues:")?,
            Some(SetOp::ForAnyValue) => f.write_str("ForAnyValue:")?,
            None => {}
        }
        f.write_str(self.operator.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

/// The parsed policy values of one condition, by family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Values {
    /// String operators: templates (variables resolved per request).
    String(Vec<Template>),
    /// Numeric operators.
    Numeric(Vec<Decimal>),
    /// Date operators.
    Date(Vec<Instant>),
    /// `Bool`: templates, parsed as booleans after variables are resolved.
    Bool(Vec<Template>),
    /// `BinaryEquals`: decoded bytes.
    Binary(Vec<Vec<u8>>),
    /// IP operators.
    Ip(Vec<Cidr>),
    /// ARN operators: templates, split into segments after variables are resolved.
    Arn(Vec<Template>),
    /// `Null`: `true` tests absence, `false` presence.
    Null(Vec<bool>),
}

/// One validated condition: an operator with qualifiers, one key and its values.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The operator and its qualifiers.
    pub op: QualifiedOperator,
    /// The condition key as written.
    pub key: String,
    /// The condition key in lowercase (S-20).
    pub(crate) key_lower: String,
    /// The policy values as written (JSON text of numbers and booleans).
    pub raw_values: Vec<String>,
    /// The parsed policy values.
    pub(crate) values: Values,
}

impl Condition {
    /// Validates one `operator → key → values` entry. `variables` is true under
    /// `Version: 2012-10-17`. Returns a message naming the bad value.
    pub(crate) fn parse(
        op: QualifiedOperator,
        key: &str,
        raw_values: Vec<String>,
        variables: bool,
    ) -> Result<Condition, String> {
        if key.is_empty() {
            return Err("empty condition key".to_owned());
        }
        if raw_values.is_empty() {
            return Err(format!(
                "condition key `{}` has no values; a condition that tests nothing is not allowed (S-2)",
                excerpt(key)
            ));
        }
        let bad = |kind: &str, v: &str| {
            format!(
                "`{}` is not a valid {kind} for `{}` on key `{}`",
                excerpt(v),
                op.operator,
                excerpt(key)
            )
        };
        let values = match op.operator.family() {
            Family::String => Values::String(
                raw_values
                    .iter()
                    .map(|v| Template::parse(v, variables))
                    .collect(),
            ),
            Family::Arn => Values::Arn(
                raw_values
                    .iter()
                    .map(|v| Template::parse(v, variables))
                    .collect(),
            ),
            Family::Bool => {
                let mut out = Vec::with_capacity(raw_values.len());
                for v in &raw_values {
                    let t = Template::parse(v, variables);
                    if !t.has_variables() && boolean::parse_bool(v).is_none() {
                        return Err(bad("boolean (`true` or `false`)", v));
                    }
                    out.push(t);
                }
                Values::Bool(out)
            }
            Family::Numeric => Values::Numeric(
                raw_values
                    .iter()
                    .map(|v| Decimal::parse(v).ok_or_else(|| bad("number", v)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Date => Values::Date(
                raw_values
                    .iter()
                    .map(|v| Instant::parse(v).ok_or_else(|| bad("date", v)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Binary => Values::Binary(
                raw_values
                    .iter()
                    .map(|v| binary::decode_base64(v).ok_or_else(|| bad("base64 value", v)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Ip => Values::Ip(
                raw_values
                    .iter()
                    .map(|v| Cidr::parse(v).ok_or_else(|| bad("IP address or CIDR", v)))
                    .collect::<Result<_, _>>()?,
            ),
            Family::Null => Values::Null(
                raw_values
                    .iter()
                    .map(|v| {
                        boolean::parse_bool(v)
                            .ok_or_else(|| bad("`Null` value (`true` or `false`)", v))
                    })
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(Condition {
            op,
            key: key.to_owned(),
            key_lower: key.to_lowercase(),
            raw_values,
            values,
        })
    }

    /// The request keys this condition reads: its key and any variables in its values.
    pub(crate) fn variables(&self) -> impl Iterator<Item = &crate::policy::glob::Variable> {
        let templates: &[Template] = match &self.values {
            Values::String(t) | Values::Bool(t) | Values::Arn(t) => t,
            _ => &[],
        };
        templates.iter().flat_map(Template::variables)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_operator_parsing() {
        let q = QualifiedOperator::parse("ForAnyValue:StringLikeIfExists").unwrap();
        assert_eq!(q.operator, Operator::StringLike);
        assert_eq!(q.set, Some(SetOp::ForAnyValue));
        assert!(q.if_exists);
        assert_eq!(q.to_string(), "ForAnyValue:StringLikeIfExists");
        let e = QualifiedOperator::parse("stringequals").unwrap_err();
        assert!(e.contains("did you mean `StringEquals`"), "{e}");
        assert!(QualifiedOperator::parse("StringLikee").is_err());
        assert!(QualifiedOperator::parse("NullIfExists").is_err());
        assert!(QualifiedOperator::parse("ForAllValues:Null").is_err());
        assert_eq!(Operator::ALL.len(), 27);
    }
}
