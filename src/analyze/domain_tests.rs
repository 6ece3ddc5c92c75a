//! Tests of match sets (against the reference evaluator) and of the element procedures
//! (against brute force over value lists).

use super::*;
use crate::condition::{Condition, QualifiedOperator};
use crate::eval::{ContextValue, Request, reference};
use crate::policy::{Policy, PolicySet};
use crate::{Catalog, Decision};

pub(crate) fn cond(op: &str, key: &str, values: &[&str]) -> Condition {
    Condition::parse(
        QualifiedOperator::parse(op).unwrap(),
        key,
        values.iter().map(|v| (*v).to_owned()).collect(),
        true,
    )
    .unwrap()
}

/// A `sagemaker:CreateTrainingJob` request on `*` with an empty context.
pub(crate) fn request() -> Request {
    Request::new("sagemaker:CreateTrainingJob", "*").unwrap()
}

/// True when the reference evaluator allows `r` under one allow-all statement with condition
/// `c`: whether `c` holds on `r`.
pub(crate) fn allowed_under(c: &Condition, r: &Request) -> bool {
    let mut p = Policy::allow_all();
    p.statements[0].conditions = vec![c.clone()];
    reference::evaluate(
        &PolicySet::identity(vec![p]),
        r,
        Catalog::sagemaker_default(),
    )
    .decision
        == Decision::Allowed
}

fn reference_holds(c: &Condition, key: &str, v: &str) -> bool {
    let mut r = request();
    r.context
        .insert(key, ContextValue::Single(v.to_owned()))
        .unwrap();
    allowed_under(c, &r)
}

const VALUES: &[&str] = &[
    "",
    "a",
    "abc",
    "ABC",
    "ml.p4d.24xlarge",
    "3600",
    "3600.5",
    "-1",
    "0",
    "1e3",
    "true",
    "TRUE",
    "false",
    "yes",
    "2026-01-01T00:00:00Z",
    "1767225600",
    "10.1.2.3",
    "203.0.113.7",
    "2001:db8::1",
    "aGVsbG8=",
    "QUJD",
    "arn:aws:iam::111122223333:role/x",
    "arn:aws:s3:::b",
    "ΟΔΟΣ",
    "οδος",
];

const CONDS: &[(&str, &[&str])] = &[
    ("StringEquals", &["abc", ""]),
    ("StringNotEquals", &["abc"]),
    ("StringEqualsIgnoreCase", &["abc", "οδοσ"]),
    ("StringNotEqualsIgnoreCase", &["ABC"]),
    ("StringLike", &["a*", "*.24xlarge"]),
    ("StringNotLike", &["?b?"]),
    ("NumericLessThan", &["3600"]),
    ("NumericGreaterThanEquals", &["0", "3600.5"]),
    ("NumericNotEquals", &["3600"]),
    ("NumericEquals", &["-1"]),
    ("DateGreaterThan", &["2025-12-31T23:59:59Z"]),
    ("DateLessThanEquals", &["1767225600"]),
    ("DateNotEquals", &["2026-01-01"]),
    ("Bool", &["true"]),
    ("Bool", &["false"]),
    ("BinaryEquals", &["aGVsbG8="]),
    ("IpAddress", &["10.0.0.0/8", "2001:db8::/32"]),
    ("NotIpAddress", &["203.0.113.0/24"]),
    ("ArnLike", &["arn:aws:iam::*:role/*"]),
    ("ArnNotEquals", &["arn:aws:s3:::*"]),
];

#[test]
fn match_sets_agree_with_the_reference() {
    for (op, vals) in CONDS {
        let c = cond(op, "custom:k", vals);
        let set = MatchSet::of(&c, |_| None).unwrap();
        for v in VALUES {
            let got = set.contains(v) != c.op.operator.is_negated();
            assert_eq!(
                got,
                reference_holds(&c, "custom:k", v),
                "{op} {vals:?} on {v:?}"
            );
        }
    }
}

/// Values of each type to brute-force over.
fn universe(ty: ValueType) -> Vec<String> {
    let mut out: Vec<String> = VALUES.iter().map(|s| (*s).to_owned()).collect();
    out.extend(
        [
            "3599",
            "3601",
            "3600.25",
            "10",
            "2025-12-31T23:59:59Z",
            "2026-01-01T00:00:01Z",
            "10.255.255.255",
            "11.0.0.0",
            "203.0.112.255",
            "a.24xlarge",
            "ab",
            "xbx",
            "arn:aws:iam::1:role/y",
            "aWFtYzA=",
        ]
        .iter()
        .map(|s| (*s).to_owned()),
    );
    out.retain(|v| ty.admits(v));
    out
}

#[test]
fn element_procedures_agree_with_brute_force() {
    let sets: Vec<(Condition, MatchSet)> = CONDS
        .iter()
        .map(|(op, vals)| {
            let c = cond(op, "custom:k", vals);
            let s = MatchSet::of(&c, |_| None).unwrap();
            (c, s)
        })
        .collect();
    let types = [
        ValueType::Text,
        ValueType::Arn,
        ValueType::Number,
        ValueType::Date,
        ValueType::Bool,
        ValueType::Ip,
        ValueType::Binary,
    ];
    let domain = ElemDomain {
        nonempty: true,
        reference_time: 1_767_225_600,
        ..ElemDomain::default()
    };
    let mut decided = 0;
    for ty in types {
        let uni = universe(ty);
        for (i, (_, a)) in sets.iter().enumerate() {
            for (j, (_, b)) in sets.iter().enumerate().skip(i) {
                for (wa, wb) in [(true, true), (true, false), (false, true), (false, false)] {
                    let elems = [Elem { set: a, want: wa }, Elem { set: b, want: wb }];
                    let mut budget = 100_000;
                    let got = solve_elements(ty, &elems, &domain, &mut budget);
                    let brute = uni.iter().find(|v| {
                        !v.is_empty() && elems.iter().all(|e| e.set.contains(v) == e.want)
                    });
                    match (&got, brute) {
                        (ElemVerdict::Sat(v), _) => {
                            assert!(ty.admits(v), "{ty:?}: witness {v:?} is not of the type");
                            assert!(
                                elems.iter().all(|e| e.set.contains(v) == e.want),
                                "{ty:?} {i}/{wa} {j}/{wb}: witness {v:?} fails"
                            );
                            decided += 1;
                        }
                        (ElemVerdict::Unsat, Some(v)) => {
                            panic!("{ty:?} {i}/{wa} {j}/{wb}: unsat but {v:?} satisfies")
                        }
                        (ElemVerdict::Unsat, None) => decided += 1,
                        (ElemVerdict::Unknown, _) => {}
                    }
                }
            }
        }
    }
    assert!(decided > 4_000, "only {decided} decided");
}

#[test]
fn witnesses_are_realistic() {
    let c = cond("NumericGreaterThan", "custom:k", &["3600"]);
    let s = MatchSet::of(&c, |_| None).unwrap();
    let d = ElemDomain {
        nonempty: true,
        reference_time: 1_767_225_600,
        ..ElemDomain::default()
    };
    let mut b = 1000;
    assert_eq!(
        solve_elements(
            ValueType::Number,
            &[Elem {
                set: &s,
                want: true
            }],
            &d,
            &mut b
        ),
        ElemVerdict::Sat("3601".to_owned())
    );
    let c = cond("NumericLessThan", "custom:k", &["0.5"]);
    let s2 = MatchSet::of(&c, |_| None).unwrap();
    let c = cond("NumericGreaterThan", "custom:k", &["0.25"]);
    let s3 = MatchSet::of(&c, |_| None).unwrap();
    assert_eq!(
        solve_elements(
            ValueType::Number,
            &[
                Elem {
                    set: &s2,
                    want: true
                },
                Elem {
                    set: &s3,
                    want: true
                }
            ],
            &d,
            &mut b
        ),
        ElemVerdict::Sat("0.3".to_owned())
    );
    let c = cond("DateGreaterThan", "custom:k", &["2030-01-01T00:00:00Z"]);
    let s4 = MatchSet::of(&c, |_| None).unwrap();
    assert_eq!(
        solve_elements(
            ValueType::Date,
            &[Elem {
                set: &s4,
                want: true
            }],
            &d,
            &mut b
        ),
        ElemVerdict::Sat("2030-01-01T00:00:01Z".to_owned())
    );
    let c = cond("IpAddress", "custom:k", &["10.0.0.0/8"]);
    let s5 = MatchSet::of(&c, |_| None).unwrap();
    assert_eq!(
        solve_elements(
            ValueType::Ip,
            &[Elem {
                set: &s5,
                want: true
            }],
            &d,
            &mut b
        ),
        ElemVerdict::Sat("10.0.0.10".to_owned())
    );
    assert_eq!(
        solve_elements(
            ValueType::Ip,
            &[Elem {
                set: &s5,
                want: false
            }],
            &d,
            &mut b
        ),
        ElemVerdict::Sat("203.0.113.10".to_owned())
    );
    assert_eq!(iso_seconds(0), "1970-01-01T00:00:00Z");
    assert_eq!(iso_seconds(SEC_MIN), "0000-01-01T00:00:00Z");
    assert_eq!(iso_seconds(SEC_MAX), "9999-12-31T23:59:59Z");
    assert_eq!(
        Instant::parse(&iso_seconds(SEC_MAX)).unwrap().nanos(),
        SEC_MAX * NANOS
    );
    assert_eq!(
        Instant::parse(&iso_seconds(SEC_MIN)).unwrap().nanos(),
        SEC_MIN * NANOS
    );
    for b in [&b""[..], b"a", b"ab", b"abc", b"hello"] {
        assert_eq!(binary::decode_base64(&encode_base64(b)).unwrap(), b);
    }
    assert_eq!(render_decimal(-1_500_000_000_000_000_000), "-1.5");
}
