//! The wire model: serde structs that mirror IAM policy JSON exactly as IAM stores it
//! (string-or-array everywhere IAM allows it, a single-object `Statement`, an optional `Version`).
//!
//! Nothing here interprets a value; [`super::validate`] turns a wire policy into the semantic model.
//! INVARIANT (nothing lost): objects keep their key order, and a key given twice is an error rather
//! than "last one wins", so a policy that reads two ways is refused instead of guessed at.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A whole policy document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WirePolicy {
    /// `Version`.
    #[serde(rename = "Version", default, deserialize_with = "present_string")]
    pub(crate) version: Option<String>,
    /// `Id`.
    #[serde(rename = "Id", default, deserialize_with = "present_string")]
    pub(crate) id: Option<String>,
    /// `Statement`, a single object or an array.
    #[serde(rename = "Statement")]
    pub(crate) statement: OneOrMany<WireStatement>,
}

/// One statement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireStatement {
    /// `Sid`.
    #[serde(rename = "Sid", default, deserialize_with = "present_string")]
    pub(crate) sid: Option<String>,
    /// `Effect`.
    #[serde(rename = "Effect")]
    pub(crate) effect: String,
    /// `Action`.
    #[serde(rename = "Action", default, deserialize_with = "present_list")]
    pub(crate) action: Option<StringList>,
    /// `NotAction`.
    #[serde(rename = "NotAction", default, deserialize_with = "present_list")]
    pub(crate) not_action: Option<StringList>,
    /// `Resource`.
    #[serde(rename = "Resource", default, deserialize_with = "present_list")]
    pub(crate) resource: Option<StringList>,
    /// `NotResource`.
    #[serde(rename = "NotResource", default, deserialize_with = "present_list")]
    pub(crate) not_resource: Option<StringList>,
    /// `Principal`.
    #[serde(rename = "Principal", default, deserialize_with = "present_principal")]
    pub(crate) principal: Option<WirePrincipal>,
    /// `NotPrincipal`.
    #[serde(
        rename = "NotPrincipal",
        default,
        deserialize_with = "present_principal"
    )]
    pub(crate) not_principal: Option<WirePrincipal>,
    /// `Condition`: operator → key → values.
    #[serde(rename = "Condition", default, deserialize_with = "present_condition")]
    pub(crate) condition: Option<OrderedMap<OrderedMap<ValueList>>>,
}

/// `Principal`/`NotPrincipal`: `"*"` or a map of principal type to principals.
#[derive(Debug)]
pub(crate) enum WirePrincipal {
    /// A bare string (IAM allows only `"*"`).
    Star(String),
    /// `{"AWS": …, "Service": …, "Federated": …, "CanonicalUser": …}`.
    Map(OrderedMap<StringList>),
}

impl<'de> Deserialize<'de> for WirePrincipal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WirePrincipal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`\"*\"` or an object of principal type to principals")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WirePrincipal, E> {
                Ok(WirePrincipal::Star(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<WirePrincipal, A::Error> {
                OrderedMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(WirePrincipal::Map)
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON value IAM allows as a single element or an array of them.
#[derive(Debug)]
pub(crate) enum OneOrMany<T> {
    /// A single element (the JSON had no array).
    One(T),
    /// An array.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// True when the JSON held a single element rather than an array.
    pub(crate) fn is_one(&self) -> bool {
        matches!(self, OneOrMany::One(_))
    }

    /// The elements, in order.
    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(v) => v,
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object or an array of objects")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(OneOrMany::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element()? {
                    out.push(t);
                }
                Ok(OneOrMany::Many(out))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A string or an array of strings (`Action`, `Resource`, principals, …).
#[derive(Debug, Clone)]
pub(crate) struct StringList {
    /// The strings, in order.
    pub(crate) items: Vec<String>,
    /// True when the JSON held a single string.
    pub(crate) was_single: bool,
}

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StringList, E> {
                Ok(StringList {
                    items: vec![v.to_owned()],
                    was_single: true,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringList, A::Error> {
                let mut items = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    items.push(s);
                }
                Ok(StringList {
                    items,
                    was_single: false,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Condition values: a string, number or boolean, or an array of them. Numbers and booleans are
/// kept as their JSON text (S-2): `3600.0000000000001` stays that, `1.0` stays `1.0`.
///
/// INVARIANT (exact numbers): the crate builds serde_json with `arbitrary_precision`, under which
/// a number that is not a 64-bit integer reaches a visitor as a one-entry map holding its exact
/// text ([`number_text`]); integers arrive as `u64`/`i64`, whose decimal form is their JSON text.
/// Policies are always read from text ([`super::validate::read_wire_value`] serializes a
/// `Value` first), so `visit_f64` is only a fallback for other deserializers.
#[derive(Debug, Clone)]
pub(crate) struct ValueList {
    /// The values as text.
    pub(crate) items: Vec<String>,
}

struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
                number_text(map, &self).map(Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for ValueList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean, or an array of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ValueList, E> {
                Ok(ValueList {
                    items: vec![v.to_owned()],
                })
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ValueList, E> {
                Ok(ValueList {
                    items: vec![v.to_string()],
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ValueList, E> {
                Ok(ValueList {
                    items: vec![v.to_string()],
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ValueList, E> {
                Ok(ValueList {
                    items: vec![v.to_string()],
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ValueList, E> {
                Ok(ValueList {
                    items: vec![v.to_string()],
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueList, A::Error> {
                number_text(map, &self).map(|n| ValueList { items: vec![n] })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueList, A::Error> {
                let mut items = Vec::new();
                while let Some(Scalar(s)) = seq.next_element::<Scalar>()? {
                    items.push(s);
                }
                Ok(ValueList { items })
            }
        }
        d.deserialize_any(V)
    }
}

/// The exact text of a JSON number that serde_json (`arbitrary_precision`) hands over as a map;
/// any other map (a JSON object where a value belongs) is the usual "invalid type" error.
fn number_text<'de, A: MapAccess<'de>>(
    map: A,
    expected: &dyn de::Expected,
) -> Result<String, A::Error> {
    serde_json::Number::deserialize(de::value::MapAccessDeserializer::new(map))
        .map(|n| n.to_string())
        .map_err(|_| de::Error::invalid_type(de::Unexpected::Map, expected))
}

/// A JSON object kept in source order; a key given twice is an error.
#[derive(Debug, Clone)]
pub(crate) struct OrderedMap<V> {
    /// The entries, in source order.
    pub(crate) entries: Vec<(String, V)>,
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format!(
                            "duplicate key `{key}` in one object; IAM policies must not repeat a key"
                        )));
                    }
                    let value = map.next_value_seed(PhantomSeed::<V>(PhantomData))?;
                    entries.push((key, value));
                }
                Ok(OrderedMap { entries })
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

struct PhantomSeed<V>(PhantomData<V>);

impl<'de, V: Deserialize<'de>> DeserializeSeed<'de> for PhantomSeed<V> {
    type Value = V;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V, D::Error> {
        V::deserialize(d)
    }
}

fn present_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

fn present_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StringList>, D::Error> {
    StringList::deserialize(d).map(Some)
}

fn present_principal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<WirePrincipal>, D::Error> {
    WirePrincipal::deserialize(d).map(Some)
}

#[allow(clippy::type_complexity)]
fn present_condition<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<OrderedMap<OrderedMap<ValueList>>>, D::Error> {
    OrderedMap::deserialize(d).map(Some)
}
