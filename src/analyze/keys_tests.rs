//! Tests of condition truth per key state (against the reference evaluator) and of the key-level
//! procedures (against brute force over states).

use super::*;
use crate::analyze::domain::tests::{allowed_under, cond, request};
use crate::condition::Condition;
use crate::eval::ContextValue;

fn atom(c: &Condition) -> CondAtom {
    let test = match MatchSet::of(c, |_| None) {
        Some(m) => Test::Match(m),
        None => match &c.values {
            crate::condition::Values::Null(t) => Test::Null(t.clone()),
            _ => unreachable!(),
        },
    };
    CondAtom {
        op: c.op,
        key_lower: c.key_lower.clone(),
        test,
    }
}

fn reference_holds(c: &Condition, state: &KeyState) -> bool {
    let mut r = request();
    match state {
        KeyState::Absent => {}
        KeyState::Single(v) => r
            .context
            .insert("custom:k", ContextValue::Single(v.clone()))
            .unwrap(),
        KeyState::List(vs) => r
            .context
            .insert("custom:k", ContextValue::Multi(vs.clone()))
            .unwrap(),
    }
    allowed_under(c, &r)
}

const OPS: &[&str] = &[
    "StringLike",
    "StringNotLike",
    "StringEquals",
    "StringLikeIfExists",
    "StringNotEqualsIfExists",
    "ForAllValues:StringLike",
    "ForAnyValue:StringLike",
    "ForAllValues:StringNotLike",
    "ForAnyValue:StringNotEquals",
    "ForAllValues:StringLikeIfExists",
    "ForAnyValue:StringLikeIfExists",
];

fn conditions() -> Vec<Condition> {
    let mut out = Vec::new();
    for op in OPS {
        for vals in [
            &["a*"][..],
            &["*b"],
            &["", "ab"],
            &["ml.p*"],
            &["*.24xlarge"],
        ] {
            out.push(cond(op, "custom:k", vals));
        }
    }
    out.push(cond("Null", "custom:k", &["true"]));
    out.push(cond("Null", "custom:k", &["false"]));
    out
}

fn states(multivalued: bool) -> Vec<KeyState> {
    let vals = [
        "",
        "a",
        "ab",
        "b",
        "x",
        "ml.p4d.24xlarge",
        "ml.p3",
        "c.24xlarge",
    ];
    let mut out = vec![KeyState::Absent];
    if multivalued {
        out.push(KeyState::List(Vec::new()));
        for a in vals {
            out.push(KeyState::List(vec![a.to_owned()]));
            for b in vals {
                out.push(KeyState::List(vec![a.to_owned(), b.to_owned()]));
            }
        }
    } else {
        out.extend(vals.iter().map(|v| KeyState::Single((*v).to_owned())));
    }
    out
}

#[test]
fn condition_truth_agrees_with_the_reference() {
    for c in conditions() {
        let a = atom(&c);
        for s in states(true).into_iter().chain(states(false)) {
            assert_eq!(
                a.holds(&s),
                reference_holds(&c, &s),
                "{} {:?} on {s:?}",
                c.op,
                c.raw_values
            );
        }
    }
}

#[test]
fn key_procedure_agrees_with_brute_force() {
    let conds = conditions();
    let atoms: Vec<CondAtom> = conds.iter().map(atom).collect();
    for multivalued in [false, true] {
        let model = KeyModel {
            ty: ValueType::Text,
            multivalued,
            can_be_absent: true,
            can_be_present: true,
            domain: ElemDomain::default(),
        };
        let universe = states(multivalued);
        let mut sat = 0;
        for (i, a) in atoms.iter().enumerate() {
            for b in atoms.iter().skip(i) {
                for (pa, pb) in [(true, true), (true, false), (false, true), (false, false)] {
                    let lits = [(a, pa), (b, pb)];
                    let mut budget = 100_000;
                    let got = solve_key(&model, &lits, &mut budget);
                    let brute = universe
                        .iter()
                        .find(|s| lits.iter().all(|(c, p)| c.holds(s) == *p));
                    match (&got, brute) {
                        (KeyVerdict::Sat(s), _) => {
                            assert!(
                                lits.iter().all(|(c, p)| c.holds(s) == *p),
                                "witness {s:?} fails"
                            );
                            sat += 1;
                        }
                        (KeyVerdict::Unsat, Some(s)) => panic!(
                            "{} {:?}={pa} ∧ {} {:?}={pb}: unsat, but {s:?} satisfies",
                            a.op, conds[i].raw_values, b.op, b.key_lower
                        ),
                        (KeyVerdict::Unsat, None) => {}
                        (KeyVerdict::Unknown, _) => panic!("undecided string literals"),
                    }
                }
            }
        }
        assert!(sat > 100);
    }
}

#[test]
fn instance_type_sliver() {
    // Identity: ForAllValues:StringLike ml.p*; boundary: ForAllValues:StringLike *.24xlarge;
    // both with the key present: one element meets both.
    let a = atom(&cond(
        "ForAllValues:StringLike",
        "sagemaker:instancetypes",
        &["ml.p*"],
    ));
    let b = atom(&cond(
        "ForAllValues:StringLike",
        "sagemaker:instancetypes",
        &["*.24xlarge"],
    ));
    let n = atom(&cond("Null", "sagemaker:instancetypes", &["false"]));
    let model = KeyModel {
        ty: ValueType::Text,
        multivalued: true,
        can_be_absent: true,
        can_be_present: true,
        domain: ElemDomain::default(),
    };
    let mut budget = 10_000;
    let got = solve_key(&model, &[(&a, true), (&b, true), (&n, true)], &mut budget);
    assert_eq!(
        got,
        KeyVerdict::Sat(KeyState::List(vec!["ml.p.24xlarge".to_owned()]))
    );
}

#[test]
fn time_keys_share_one_instant() {
    let after = atom(&cond(
        "DateGreaterThan",
        "aws:CurrentTime",
        &["2030-01-01T00:00:00Z"],
    ));
    let before = atom(&cond("NumericLessThan", "aws:EpochTime", &["1893456000"]));
    // 1893456000 = 2030-01-01T00:00:00Z: after 2030 by one, before 2030 by the other.
    assert_eq!(
        solve_time(&[(&after, true), (&before, true)], 0),
        KeyVerdict::Unsat
    );
    let got = solve_time(&[(&after, true), (&before, false)], 1_767_225_600);
    assert_eq!(got, KeyVerdict::Sat(1_893_456_001));
    let text = atom(&cond("StringLike", "aws:CurrentTime", &["2026-*"]));
    let got = solve_time(&[(&text, true)], 1_767_225_600);
    assert_eq!(got, KeyVerdict::Sat(1_767_225_600));
}
