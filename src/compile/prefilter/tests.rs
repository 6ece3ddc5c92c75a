//! The prefilter against the naive matchers: `Like` lists and ARN lists, thresholds, pieces.

use bumpalo::Bump;

use crate::compile::arn::{CArn, any_arn, arn_piece, build_arns};
use crate::compile::glob::{CGlob, TokBuf, tokenize_into};
use crate::compile::glob::{Searcher, Tok, any_like, build_like, literal_runs, required_piece};
use crate::compile::prefilter::{Ac, DEFAULT_MIN_PATTERNS, choose_pieces};
use crate::policy::glob::Glob;

fn token_bufs<'p>(pats: &[&'p str]) -> Vec<TokBuf<'p>> {
    pats.iter()
        .map(|p| {
            let mut b = TokBuf::default();
            tokenize_into(p, &mut b);
            b
        })
        .collect()
}

/// `pats` compiled into `arena` by `build_like` with prefilter threshold `min`.
fn compile_like<'a>(
    arena: &'a Bump,
    pats: &[&str],
    min: usize,
    searchers: &mut Vec<Searcher>,
) -> (&'a [CGlob<'a>], (u32, u32)) {
    let bufs = token_bufs(pats);
    let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
    build_like(arena, &toks, min, searchers)
}

/// Compiled with the prefilter (threshold 1) and without, against the naive glob.
fn check(pats: &[&str], texts: &[&str]) {
    let arena = Bump::new();
    let bufs = token_bufs(pats);
    let toks: Vec<&[Tok<'_>]> = bufs.iter().map(TokBuf::as_slice).collect();
    let mut searchers = Vec::new();
    let (globs, multi) = build_like(&arena, &toks, 1, &mut searchers);
    let has_piece = toks.iter().any(|t| required_piece(t).is_some());
    assert_eq!(multi.1 > 0, has_piece, "{pats:?}");
    let (plain, none) = build_like(&arena, &toks, usize::MAX, &mut searchers);
    assert_eq!(none, (0, 0));
    for t in texts {
        let naive = pats.iter().any(|p| Glob::pattern(p).matches(t));
        assert_eq!(
            any_like(globs, multi, t, &searchers),
            naive,
            "{pats:?} vs {t:?}"
        );
        assert_eq!(
            any_like(plain, none, t, &searchers),
            naive,
            "{pats:?} vs {t:?}"
        );
        // Each pattern alone, through a prefilter of one.
        for (i, p) in toks.iter().enumerate() {
            let mut s = Vec::new();
            let (g, m) = build_like(&arena, &[p], 1, &mut s);
            let want = Glob::pattern(pats[i]).matches(t);
            assert_eq!(any_like(g, m, t, &s), want, "{:?} vs {t:?}", pats[i]);
        }
    }
}

#[test]
fn pieces_are_longest_literal_runs() {
    let piece = |p: &str| {
        let mut b = TokBuf::default();
        tokenize_into(p, &mut b);
        required_piece(b.as_slice())
    };
    assert_eq!(piece("ab*cde?f"), Some("cde".to_owned()));
    assert_eq!(piece("abc"), Some("abc".to_owned()));
    assert_eq!(piece("*"), None);
    assert_eq!(piece("?*"), None);
    assert_eq!(piece(""), None);
    assert_eq!(piece("a?bb?c"), Some("bb".to_owned()));
    // Literal tokens side by side (template escapes) are one run.
    let toks = [Tok::Lit("a"), Tok::Lit("*b"), Tok::Star, Tok::Lit("xy")];
    assert_eq!(required_piece(&toks), Some("a*b".to_owned()));
}

#[test]
fn many_patterns_agree_with_naive() {
    let pats: Vec<String> = (0..40)
        .map(|i| format!("team-{i}-*"))
        .chain(["ml.?5.*large".into(), "*-prod".into(), "a?c".into()])
        .collect();
    let pats: Vec<&str> = pats.iter().map(String::as_str).collect();
    check(
        &pats,
        &[
            "team-3-x",
            "team-39-",
            "team-40-x",
            "ml.m5.xlarge",
            "ml.m5.large",
            "ml.mm5.large",
            "svc-prod",
            "prod",
            "abc",
            "aéc",
            "",
            "team-",
        ],
    );
}

#[test]
fn no_literal_patterns_are_always_tried() {
    check(&["?*", "abc", "abd", "x?y"], &["", "a", "abc", "xzy", "xy"]);
    check(&["*", "abc"], &["", "zzz"]);
    check(&["", "abc"], &["", "abc", "ab"]);
    check(&["???", "abcd"], &["abc", "ab", "éé€"]);
}

#[test]
fn overlapping_and_nested_pieces() {
    // `b` occurs only inside `abc`; `bcd` overlaps `abc`; `aa` overlaps itself.
    let pats = ["*abc*", "b", "*b*", "*bcd", "x*aa*", "ab*cd", "*c"];
    check(
        &pats,
        &[
            "abcd", "b", "abc", "xaaa", "xaa", "xa", "abcdcd", "bc", "zzz",
        ],
    );
    // Same piece in several patterns.
    check(
        &["a*key", "key*b", "*key*", "k?y", "key"],
        &["akey", "keyb", "key", "kxy", "ke", "xkeyx"],
    );
}

#[test]
fn unicode_pieces() {
    let pats = ["*Σ", "é?*", "日本*語", "*ü?ber*", "?€", "naïve", "na?ve"];
    check(
        &pats,
        &[
            "ΑΣ",
            "Σ",
            "éx",
            "é",
            "日本の語",
            "日本語",
            "xüxber",
            "über",
            "x€",
            "€",
            "naïve",
            "naive",
            "naéve",
            "",
        ],
    );
}

#[test]
fn case_sensitive() {
    check(
        &["Alice*", "*BOB", "carol", "Dave?", "eve", "f*", "g*", "h*"],
        &[
            "alice", "Alice1", "bob", "xBOB", "CAROL", "Dave!", "EVE", "F", "f",
        ],
    );
}

#[test]
fn groups_beyond_one_bitset() {
    let pats: Vec<String> = (0..1100).map(|i| format!("p{i}x*")).collect();
    let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
    let arena = Bump::new();
    let mut searchers = Vec::new();
    let (globs, multi) = compile_like(&arena, &refs, 8, &mut searchers);
    assert_eq!(multi.1, 3);
    for t in ["p0x", "p511x", "p512xy", "p1099x", "p1100x", "p5", "x"] {
        let naive = refs.iter().any(|p| Glob::pattern(p).matches(t));
        assert_eq!(any_like(globs, multi, t, &searchers), naive, "{t}");
    }
}

#[test]
fn long_literals_compile_fast_and_still_match() {
    let long: Vec<String> = (0..16)
        .map(|i| format!("*{}{i}*", "v".repeat(100 * 1024)))
        .collect();
    let pats: Vec<&str> = long.iter().map(String::as_str).collect();
    let start = std::time::Instant::now();
    let hit = format!("x{}7y", "v".repeat(100 * 1024));
    let miss = "v".repeat(100 * 1024);
    check(&pats[..9], &[&hit, &miss, "v7"]);
    assert!(start.elapsed().as_secs() < 10);
    assert_eq!(
        required_piece(&[Tok::Star, Tok::Lit(&"é".repeat(40))]).map(|p| p.len()),
        Some(32)
    );
    assert_eq!(
        required_piece(&[Tok::Lit(&format!("a{}", "é".repeat(40)))]).map(|p| p.len()),
        Some(31)
    );
}

#[test]
fn large_piece_sets_use_the_nfa() {
    // 200 pieces of 30 bytes: past `DFA_BYTES`, so the contiguous NFA scans.
    let pats: Vec<String> = (0..200)
        .map(|i| format!("*{i:03}-{}-{i:03}*", "q".repeat(22)))
        .collect();
    let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
    let arena = Bump::new();
    let mut searchers = Vec::new();
    let (globs, multi) = compile_like(&arena, &refs, 8, &mut searchers);
    assert!(matches!(
        &searchers[multi.0 as usize],
        Searcher::Multi(p) if matches!(p.ac, Ac::Nfa(_))
    ));
    let q = "q".repeat(22);
    for t in [
        format!("x199-{q}-199y"),
        format!("007-{q}-007"),
        format!("007-{q}-008"),
        format!("200-{q}-200"),
        String::new(),
    ] {
        let naive = refs.iter().any(|p| Glob::pattern(p).matches(&t));
        assert_eq!(any_like(globs, multi, &t, &searchers), naive, "{t}");
    }
}

/// ARN patterns through [`build_arns`]/[`any_arn`] (threshold 1) against the naive ARN glob.
fn check_arns(pats: &[&str], arns: &[&str]) {
    use crate::policy::pattern::arn_glob_matches;
    use crate::request::arn::{PArn, arn_segments};
    let arena = Bump::new();
    let mut searchers = Vec::new();
    let carns: Vec<CArn<'_>> = pats
        .iter()
        .map(|p| {
            let mut b = TokBuf::default();
            tokenize_into(p, &mut b);
            CArn::build(&arena, b.as_slice(), &mut searchers)
        })
        .collect();
    let multi = build_arns(carns.iter().map(Some), 1, &mut searchers);
    assert!(multi.1 > 0, "{pats:?}");
    for t in arns {
        let naive = pats.iter().any(|p| arn_glob_matches(&Glob::pattern(p), t));
        let got = arn_segments(t).is_some_and(|segs| {
            let arn = PArn::new(t, segs);
            any_arn(multi, carns.len(), t, &searchers, |i| {
                carns[i].matches(&arn, &searchers)
            })
        });
        assert_eq!(got, naive, "{pats:?} vs {t:?}");
    }
}

#[test]
fn arn_pieces_skip_the_literal_prefix() {
    let arena = Bump::new();
    let piece = |p: &str| {
        let mut b = TokBuf::default();
        tokenize_into(p, &mut b);
        arn_piece(&CArn::build(&arena, b.as_slice(), &mut Vec::new()))
    };
    let acct = "arn:aws:sagemaker:us-east-1:111122223333";
    assert_eq!(
        piece(&format!("{acct}:model/prod-*")),
        Some("model/prod-".into())
    );
    assert_eq!(
        piece("arn:aws:sagemaker:*:111122223333:model/*"),
        Some("111122223333".into())
    );
    assert_eq!(piece("arn:aws:s3:::*"), None);
    assert_eq!(piece("arn:aws:s3:::bucket-a*"), Some("bucket-a".into()));
    // Short patterns: the tail runs over the rest of the ARN.
    assert_eq!(
        piece("arn:aws:sagemaker:us-east-1:*team*"),
        Some("team".into())
    );
    assert_eq!(piece("arn:aws:iam::111122223333"), None);
}

#[test]
fn arn_lists_agree_with_naive() {
    let names: Vec<String> = (0..24)
        .map(|i| match i % 4 {
            0 => format!("arn:aws:sagemaker:us-east-1:111122223333:model/m{i}-*"),
            1 => format!("arn:aws:sagemaker:*:111122223333:endpoint/e{i}"),
            2 => format!("arn:aws:s3:::bucket-{i}/*"),
            _ => format!("arn:aws:sagemaker:us-east-1:*team{i}*"),
        })
        .chain([
            "arn:aws:iam::*:role/?".to_owned(),
            "arn:aws:iam::111122223333:role/a?min".to_owned(),
            "arn:aws:s3:::*".to_owned(),
            "arn:aws:iam::111122223333".to_owned(),
            "arn:aws:sts::*:assumed-role/r/*".to_owned(),
            "arn:aws:sagemaker:us-east-1:111122223333:model/é*Σ".to_owned(),
        ])
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let arns = [
        "arn:aws:sagemaker:us-east-1:111122223333:model/m4-x",
        "arn:aws:sagemaker:us-east-1:111122223333:model/m5-x",
        "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/e5",
        "arn:aws:sagemaker:eu-west-1:111122223333:endpoint/e5x",
        "arn:aws:s3:::bucket-6/k",
        "arn:aws:s3:::other/k",
        "arn:aws:sagemaker:us-east-1:1:x:team7:y",
        "arn:aws:sagemaker:us-east-1:111122223333:x/team71",
        "arn:aws:iam::444455556666:role/x",
        "arn:aws:iam::111122223333:role/admin",
        "arn:aws:iam::111122223333:",
        "arn:aws:sts::1:assumed-role/r/s",
        "arn:aws:sagemaker:us-east-1:111122223333:model/éxΣ",
        "arn:aws:sagemaker:us-east-1:111122223333:model/m0-",
        "not-an-arn",
        "arn:aws:sagemaker:us-east-1",
    ];
    check_arns(&refs, &arns);
    // Without the prefix-only pattern that always matches S3 ARNs.
    let fewer: Vec<&str> = refs
        .iter()
        .copied()
        .filter(|p| *p != "arn:aws:s3:::*")
        .collect();
    check_arns(&fewer, &arns);
}

#[test]
fn pieces_avoid_runs_the_list_shares() {
    let runs = |p: &str| {
        let mut b = TokBuf::default();
        tokenize_into(p, &mut b);
        let mut out = Vec::new();
        literal_runs(b.as_slice(), &mut out);
        out
    };
    let list: Vec<Vec<String>> = ["data-*-risk7-*", "data-*-churn1-*", "data-*", "ab*x"]
        .iter()
        .map(|p| runs(p))
        .collect();
    assert_eq!(list[0], ["data-", "-risk7-"]);
    let chosen = choose_pieces(&list);
    assert_eq!(chosen[0].as_deref(), Some("-risk7-"));
    assert_eq!(chosen[1].as_deref(), Some("-churn1-"));
    assert_eq!(chosen[2].as_deref(), Some("data-"));
    // Only short runs: the rarest of them.
    assert_eq!(chosen[3].as_deref(), Some("ab"));
    check(
        &[
            "data-*-risk7-*",
            "data-*-churn1-*",
            "data-*",
            "ab*x",
            "*-risk7-",
        ],
        &[
            "data-x-risk7-y",
            "data-",
            "abx",
            "ab",
            "x-risk7-",
            "data-churn1-",
        ],
    );
}

#[test]
fn below_threshold_keeps_the_loop() {
    let arena = Bump::new();
    let toks = [Tok::Lit("a"), Tok::Star];
    let mut searchers = Vec::new();
    let below = vec![&toks[..]; DEFAULT_MIN_PATTERNS - 1];
    let (_, multi) = build_like(&arena, &below, DEFAULT_MIN_PATTERNS, &mut searchers);
    assert_eq!(multi, (0, 0));
    let at = vec![&toks[..]; DEFAULT_MIN_PATTERNS];
    let (_, multi) = build_like(&arena, &at, DEFAULT_MIN_PATTERNS, &mut searchers);
    assert_eq!(multi.1, 1);
    // Patterns without a piece do not count.
    let mut mixed = below.clone();
    mixed.push(&[Tok::Star]);
    let (_, multi) = build_like(&arena, &mixed, DEFAULT_MIN_PATTERNS, &mut searchers);
    assert_eq!(multi, (0, 0));
}
