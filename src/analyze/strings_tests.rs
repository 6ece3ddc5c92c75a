//! Tests of the string languages and the product search: concrete matching against the
//! reference matchers, and search answers against brute-force enumeration.

use super::*;
use crate::policy::pattern::arn_glob_matches;

const TEXTS: &[&str] = &[
    "",
    "a",
    "ab",
    "abc",
    "a:b",
    "aXb",
    "é",
    "ΟΔΟΣ",
    "οδος",
    "arn:aws:sagemaker:us-east-1:111122223333:training-job/x",
    "arn:aws:sagemaker:us-east-1:111122223333:app/d/u/t/n",
    "arn:aws:s3:::bucket/key",
    "arn:aws:logs:us-east-1:1:log-group:foo:log-stream:x",
    "arn:aws:iam::111122223333:role/a:b",
    "a:b:c:d:e",
    "a:b:c:d:e:f",
    "*",
    "ml.p4d.24xlarge",
];

const GLOBS: &[&str] = &[
    "",
    "*",
    "a*",
    "*b",
    "a?c",
    "?",
    "*:*",
    "a*b*c",
    "arn:aws:sagemaker:*:*:*",
    "arn:aws:sagemaker:us-east-1:*",
    "arn:aws:*",
    "arn:*",
    "arn:aws:s3:::*",
    "arn:aws:logs:*:*:log-group:foo:*",
    "arn:aws:iam::*:role/*",
    "arn:aws:sagemaker:*:*:training-job/*",
    "arn:aws:sagemaker:us-east-1",
    "a:b:c:d:e:f",
    "*:*:*:*:*:*",
    "?:*",
    "ml.p*",
    "*.24xlarge",
];

#[test]
fn glob_matcher_agrees_with_glob() {
    for g in GLOBS {
        let glob = Glob::pattern(g);
        let m = Matcher::glob(&glob);
        for t in TEXTS {
            assert_eq!(m.matches(t), glob.matches(t), "glob {g:?} on {t:?}");
        }
    }
}

#[test]
fn arn_matcher_agrees_with_arn_glob_matches() {
    for g in GLOBS {
        let glob = Glob::pattern(g);
        let m = Matcher::arn(&glob);
        for t in TEXTS {
            let want = arn_glob_matches(&glob, t);
            let got = m.as_ref().is_some_and(|m| m.matches(t));
            assert_eq!(got, want, "arn pattern {g:?} on {t:?}");
        }
    }
}

#[test]
fn ignore_case_matcher() {
    let m = Matcher::ignore_case("ALICE");
    assert!(m.matches("alice"));
    assert!(m.matches("AlIcE"));
    assert!(!m.matches("alice "));
    let g = Matcher::ignore_case("ΟΔΟΣ");
    assert!(!g.is_exact(), "sigma texts are left to concrete checks");
    let k = Matcher::ignore_case("K");
    // KELVIN SIGN lowercases to `k`.
    assert!(k.matches("\u{212A}"));
}

/// Every string over `alphabet` up to `len` characters.
fn all_strings(alphabet: &[char], len: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut frontier = vec![String::new()];
    for _ in 0..len {
        let mut next = Vec::new();
        for s in &frontier {
            for c in alphabet {
                let mut t = s.clone();
                t.push(*c);
                next.push(t);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

fn lit(m: Matcher, positive: bool) -> StrLit {
    StrLit::whole(vec![m], positive)
}

fn check(lits: &[StrLit], alphabet: &[char], len: usize) -> Solved {
    let refs: Vec<&StrLit> = lits.iter().collect();
    let mut budget = 1_000_000;
    let got = solve(&refs, &mut budget);
    let brute = all_strings(alphabet, len)
        .into_iter()
        .find(|s| lits.iter().all(|l| l.holds(s)));
    match (&got, &brute) {
        (Solved::Sat(s), _) => {
            assert!(
                lits.iter().all(|l| l.holds(s)),
                "witness {s:?} fails {lits:?}"
            );
            if let Some(b) = &brute {
                assert!(
                    s.chars().count() <= b.chars().count(),
                    "witness {s:?} longer than {b:?}"
                );
            }
        }
        (Solved::Unsat, None) => {}
        (Solved::Unsat, Some(b)) => panic!("unsat, but {b:?} satisfies {lits:?}"),
        (Solved::GaveUp, _) => panic!("gave up on {lits:?}"),
    }
    got
}

#[test]
fn search_agrees_with_brute_force() {
    let alphabet = ['a', 'b', 'x', ':', '/', 'A', 'é'];
    let pats = ["a*", "*b", "?", "*a*a*", "a?", "", "*:*", "x*x", "?:?"];
    for p in pats {
        for q in pats {
            for (pp, pq) in [(true, true), (true, false), (false, true), (false, false)] {
                let lits = [
                    lit(Matcher::glob(&Glob::pattern(p)), pp),
                    lit(Matcher::glob(&Glob::pattern(q)), pq),
                ];
                check(&lits, &alphabet, 4);
            }
        }
    }
}

#[test]
fn search_with_ignore_case_and_unions() {
    let alphabet = ['a', 'b', 'A', 'B', 'x'];
    let lits = [
        lit(Matcher::ignore_case("ab"), true),
        StrLit::whole(vec![Matcher::literal("ab"), Matcher::literal("AB")], false),
    ];
    let got = check(&lits, &alphabet, 3);
    assert!(
        matches!(got, Solved::Sat(ref s) if s == "aB" || s == "Ab"),
        "{got:?}"
    );
    let lits = [
        lit(Matcher::ignore_case("ab"), true),
        StrLit::whole(
            vec![
                Matcher::literal("ab"),
                Matcher::literal("AB"),
                Matcher::literal("aB"),
                Matcher::literal("Ab"),
            ],
            false,
        ),
    ];
    assert_eq!(check(&lits, &alphabet, 3), Solved::Unsat);
}

#[test]
fn the_kms_sliver() {
    // Allowed only with a key like `abc?-*`, denied any key like `*-x*`.
    let lits = [
        lit(Matcher::glob(&Glob::pattern("abc?-*")), true),
        lit(Matcher::glob(&Glob::pattern("*-x*")), false),
    ];
    let Solved::Sat(w) = check(&lits, &['a', 'b', 'c', 'x', '-'], 6) else {
        panic!("sliver not found")
    };
    assert!(w.starts_with("abc") && !w.contains("-x"), "{w}");
    // And `abc?-x*` only: empty.
    let lits = [
        lit(Matcher::glob(&Glob::pattern("abc?-x*")), true),
        lit(Matcher::glob(&Glob::pattern("*-x*")), false),
    ];
    assert_eq!(check(&lits, &['a', 'b', 'c', 'x', '-'], 7), Solved::Unsat);
}

#[test]
fn arn_literals_and_segments() {
    let fmt = Matcher::Toks {
        toks: "arn:aws:sagemaker:"
            .chars()
            .map(Tok::Ch)
            .chain([Tok::One(Class::NoColon), Tok::Many(Class::NoColon)])
            .chain(":111122223333:training-job/".chars().map(Tok::Ch))
            .chain([
                Tok::One(Class::NoColonNoSlash),
                Tok::Many(Class::NoColonNoSlash),
            ])
            .collect(),
        arn: false,
    };
    let allow = Matcher::arn(&Glob::pattern(
        "arn:aws:sagemaker:us-*:*:training-job/team-*",
    ))
    .unwrap();
    let region = StrLit {
        alts: vec![Matcher::literal("us-east-1"), Matcher::literal("eu-west-1")],
        positive: true,
        segment: Some(3),
    };
    let lits = [
        lit(fmt.clone(), true),
        lit(allow.clone(), true),
        region.clone(),
    ];
    let refs: Vec<&StrLit> = lits.iter().collect();
    let mut budget = 100_000;
    let Solved::Sat(w) = solve(&refs, &mut budget) else {
        panic!("no ARN found")
    };
    assert_eq!(
        w,
        "arn:aws:sagemaker:us-east-1:111122223333:training-job/team-"
    );
    // Region must be eu-west-1 and match `us-*`: empty.
    let region = StrLit {
        alts: vec![Matcher::literal("eu-west-1")],
        ..region
    };
    let lits = [lit(fmt, true), lit(allow, true), region];
    let refs: Vec<&StrLit> = lits.iter().collect();
    assert_eq!(solve(&refs, &mut budget), Solved::Unsat);
}

#[test]
fn short_arn_patterns_need_six_segments() {
    let short = Matcher::arn(&Glob::pattern("arn:aws:*")).unwrap();
    let lits = [lit(short, true)];
    let refs: Vec<&StrLit> = lits.iter().collect();
    let mut budget = 10_000;
    let Solved::Sat(w) = solve(&refs, &mut budget) else {
        panic!()
    };
    assert_eq!(w.matches(':').count(), 5, "{w}");
    assert!(arn_glob_matches(&Glob::pattern("arn:aws:*"), &w));
    assert!(Matcher::arn(&Glob::pattern("arn:aws:sagemaker:us-east-1")).is_none());
}

#[test]
fn budget_runs_out() {
    let lits = [
        lit(Matcher::glob(&Glob::pattern("*a?????????")), true),
        lit(Matcher::glob(&Glob::pattern("*b?????????")), true),
        lit(Matcher::glob(&Glob::pattern("*c?????????")), true),
    ];
    let refs: Vec<&StrLit> = lits.iter().collect();
    let mut budget = 3;
    assert_eq!(solve(&refs, &mut budget), Solved::GaveUp);
}
