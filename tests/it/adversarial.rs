//! Adversarial inputs: glob blow-up patterns, huge policies, deep JSON nesting, 10 MB strings,
//! many values and keys, huge numbers, dates, CIDRs and base64. Each test shows the work is
//! bounded in time (a generous wall-clock bound, debug build, two cores shared with the other
//! tests) and, where an answer is checkable, that the reference and compiled engines give it.
//!
//! Run with `cargo test --test it adversarial -- --nocapture` to see the measured times.

use std::cell::Cell;
use std::time::{Duration, Instant};

use bumpalo::Bump;
use iamc::case::parse_case_line;
use iamc::catalog::Catalog;
use iamc::compile::Compiler;
use iamc::eval::{ContextValue, Decision, PreparedRequest, Request, reference};
use iamc::policy::{Policy, PolicyKind, PolicySet};
use serde_json::json;

/// The bound for one step (parse, compile, prepare, one evaluation) over small inputs (100 KB
/// strings, glob blow-ups, nesting). Generous: a debug build on a two-core machine that other
/// work may load fivefold; a backtracking or quadratic matcher takes minutes to hours here.
const STEP: Duration = Duration::from_secs(10);
/// The bound for one step over large inputs (10 MB strings, 100k statements or values, 10k
/// keys): linear work takes 0.5-3 s there unloaded, quadratic work would take hours.
const LARGE: Duration = Duration::from_secs(60);

thread_local! {
    /// The step bound of the test running on this thread.
    static BOUND: Cell<Duration> = const { Cell::new(STEP) };
}

/// While alive, steps of the running test are bounded by [`LARGE`] instead of [`STEP`].
struct LargeInputs;

impl LargeInputs {
    fn enter() -> LargeInputs {
        BOUND.with(|b| b.set(LARGE));
        LargeInputs
    }
}

impl Drop for LargeInputs {
    fn drop(&mut self) {
        BOUND.with(|b| b.set(STEP));
    }
}

fn step() -> Duration {
    BOUND.with(Cell::get)
}
/// Ten megabytes.
const TEN_MB: usize = 10 << 20;
const ACCOUNT: &str = "111122223333";

/// Runs `f`, prints how long it took under `label`, and fails when it took `bound` or longer.
fn timed<T>(label: &str, bound: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!(
        "adversarial: {label}: {:.1} ms",
        took.as_secs_f64() * 1000.0
    );
    assert!(took < bound, "{label} took {took:?}; bound {bound:?}");
    out
}

/// Parses an identity policy from JSON text, timed.
fn parse(label: &str, text: &str) -> Policy {
    timed(&format!("{label}: parse"), step(), || {
        Policy::parse(text, PolicyKind::Identity).unwrap()
    })
}

/// Parses a policy that must be refused, timed; returns the error as displayed.
fn parse_err(label: &str, text: &str, kind: PolicyKind) -> String {
    timed(&format!("{label}: parse (refused)"), step(), || {
        Policy::parse(text, kind).unwrap_err().to_string()
    })
}

/// Decides `req` with the reference and the compiled engine (compile, prepare, evaluate and
/// explain, each timed), checks that they agree on the outcome and the explanation, and returns
/// the decision.
fn decide(label: &str, set: &PolicySet, req: &Request) -> Decision {
    let catalog = Catalog::sagemaker_default();
    let want = timed(&format!("{label}: reference explain"), step(), || {
        reference::explain(set, req, catalog)
    });
    let arena = Bump::new();
    let compiled = timed(&format!("{label}: compile"), step(), || {
        Compiler::new(&arena, catalog).compile(set).unwrap()
    });
    let prepared = timed(&format!("{label}: prepare"), step(), || {
        PreparedRequest::new(req, catalog)
    });
    let got = timed(&format!("{label}: compiled evaluate"), step(), || {
        compiled.evaluate(&prepared)
    });
    // Outside the catalog, the first evaluation matched actions by glob; build the fallback
    // DFA (bounded like everything else) and evaluate again through it.
    if catalog.action_id(req.action_lower()).is_none() {
        timed(&format!("{label}: build the fallback DFA"), step(), || {
            compiled.build_action_fallback()
        });
    }
    let again = timed(&format!("{label}: compiled evaluate again"), step(), || {
        compiled.evaluate(&prepared)
    });
    let explained = timed(&format!("{label}: compiled explain"), step(), || {
        compiled.explain(&prepared)
    });
    assert_eq!(got, want.outcome, "{label}: compiled vs reference");
    assert_eq!(again, got, "{label}: second evaluation");
    assert_eq!(explained, want, "{label}: explanations");
    got.decision
}

fn identity(policies: Vec<Policy>) -> PolicySet {
    PolicySet::identity(policies)
}

fn request(action: &str, resource: &str) -> Request {
    Request::new(action, resource).unwrap()
}

fn with_context(mut req: Request, entries: &[(&str, ContextValue)]) -> Request {
    for (k, v) in entries {
        req.context.insert(k, v.clone()).unwrap();
    }
    req
}

fn single(s: &str) -> ContextValue {
    ContextValue::Single(s.to_owned())
}

/// A one-statement policy document.
fn doc(effect: &str, action: serde_json::Value, resource: serde_json::Value) -> serde_json::Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": effect, "Action": action, "Resource": resource }]
    })
}

/// A one-statement `Allow *` document with a condition block.
fn cond_doc(condition: serde_json::Value) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*", "Condition": condition
        }]
    })
    .to_string()
}

fn training_job(name: &str) -> String {
    format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/{name}")
}

// ---------------------------------------------------------------------------------------------
// Glob blow-up patterns.

/// `*a*a*a*a*a*a*a*a*b` and variants with `?`: exponential for a backtracking matcher.
const BLOWUP: [&str; 4] = [
    "*a*a*a*a*a*a*a*a*b",
    "*a?a*a?a*a?a*a?a*b",
    "*?a*?a*?a*?a*?a*?a*?a*?b",
    "a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b*",
];

#[test]
fn glob_blowup_in_action_patterns() {
    let long = "a".repeat(100_000);
    for pat in BLOWUP {
        let p = parse(
            &format!("Action sagemaker:{pat}"),
            &doc("Allow", json!(format!("sagemaker:{pat}")), json!("*")).to_string(),
        );
        let set = identity(vec![p]);
        // Non-catalog actions: 100k `a`s (no match), and with a `b` (a match).
        let miss = request(&format!("sagemaker:{long}"), "*");
        assert_eq!(
            decide(&format!("Action {pat} vs 100k a"), &set, &miss),
            Decision::ImplicitlyDenied
        );
        let hit = request(&format!("sagemaker:{long}b"), "*");
        assert_eq!(
            decide(&format!("Action {pat} vs 100k a + b"), &set, &hit),
            Decision::Allowed
        );
        // A catalog action through the same pattern.
        let cat = request("sagemaker:CreateTrainingJob", &training_job("j"));
        decide(&format!("Action {pat} vs catalog"), &set, &cat);
    }
    // NotAction with the same patterns: the negation of the above.
    let p = parse(
        "NotAction",
        &json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "NotAction": BLOWUP.map(|p| format!("sagemaker:{p}")),
            "Resource": "*"
        }]})
        .to_string(),
    );
    let set = identity(vec![p]);
    assert_eq!(
        decide(
            "NotAction blow-ups vs 100k a",
            &set,
            &request(&format!("sagemaker:{long}"), "*")
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            "NotAction blow-ups vs 100k a + b",
            &set,
            &request(&format!("sagemaker:{long}b"), "*")
        ),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn dfa_state_blowup_in_action_patterns() {
    // `.*a.{N}$` needs 2^N DFA states: the compiled engine's fallback DFA must give up at its
    // size limit and fall back to globs, in bounded time.
    let pat = format!("sagemaker:*a{}", "?".repeat(24));
    let p = parse(
        "Action *a?{24}",
        &doc("Allow", json!(pat), json!("*")).to_string(),
    );
    let set = identity(vec![p]);
    let long = "b".repeat(100_000);
    let hit = request(&format!("sagemaker:{long}a{}", "c".repeat(24)), "*");
    assert_eq!(
        decide("Action *a?{24} vs 100k (match)", &set, &hit),
        Decision::Allowed
    );
    let miss = request(&format!("sagemaker:{long}a{}", "c".repeat(25)), "*");
    assert_eq!(
        decide("Action *a?{24} vs 100k (no match)", &set, &miss),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn glob_blowup_in_resource_arns() {
    let prefix = format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/");
    let long = "a".repeat(100 * 1024);
    let miss = request("sagemaker:CreateTrainingJob", &format!("{prefix}{long}"));
    let hit = request("sagemaker:CreateTrainingJob", &format!("{prefix}{long}b"));
    for pat in BLOWUP {
        let full = format!("arn:aws:sagemaker:*:*:training-job/{pat}");
        let set = identity(vec![parse(
            &format!("Resource {pat}"),
            &doc("Allow", json!("sagemaker:*"), json!(full)).to_string(),
        )]);
        assert_eq!(
            decide(&format!("Resource {pat} vs 100 KB"), &set, &miss),
            Decision::ImplicitlyDenied
        );
        assert_eq!(
            decide(&format!("Resource {pat} vs 100 KB + b"), &set, &hit),
            Decision::Allowed
        );
        // NotResource, denying everything but the pattern.
        let set = identity(vec![
            parse(
                "allow all",
                &doc("Allow", json!("*"), json!("*")).to_string(),
            ),
            parse(
                &format!("NotResource {pat}"),
                &json!({"Version": "2012-10-17", "Statement": [{
                    "Effect": "Deny", "Action": "sagemaker:*", "NotResource": full
                }]})
                .to_string(),
            ),
        ]);
        assert_eq!(
            decide(&format!("NotResource {pat} vs 100 KB"), &set, &miss),
            Decision::ExplicitlyDenied
        );
    }
    // Short patterns (fewer than six segments) run over the rest of the ARN, colons included.
    let colons = format!("{prefix}{}", "a:".repeat(50 * 1024));
    for pat in [
        "arn:aws:*a*a*a*a*a*a*a*a*c*",
        "arn:aws:sagemaker:*a?a*a?a*a?a*c*",
    ] {
        let set = identity(vec![parse(
            &format!("short Resource {pat}"),
            &doc("Allow", json!("sagemaker:*"), json!(pat)).to_string(),
        )]);
        assert_eq!(
            decide(
                &format!("short Resource {pat} vs 100 KB of colons"),
                &set,
                &request("sagemaker:CreateTrainingJob", &colons)
            ),
            Decision::ImplicitlyDenied
        );
    }
}

#[test]
fn glob_blowup_in_string_like_and_arn_like_conditions() {
    let long = "a".repeat(100 * 1024);
    let arn_long = format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:training-job/{long}");
    for pat in BLOWUP {
        let cases = [
            (
                "StringLike",
                "aws:RequestTag/team",
                pat.to_owned(),
                long.clone(),
            ),
            (
                "StringLike (variable)",
                "aws:RequestTag/team",
                format!("${{aws:username}}{pat}"),
                long.clone(),
            ),
            (
                "ArnLike",
                "aws:SourceArn",
                format!("arn:aws:sagemaker:*:*:training-job/{pat}"),
                arn_long.clone(),
            ),
            (
                "ArnLike (variable)",
                "aws:SourceArn",
                format!("arn:aws:sagemaker:*:*:training-job/${{aws:username}}{pat}"),
                arn_long.clone(),
            ),
        ];
        for (what, key, value, ctx) in cases {
            let op = what.split(' ').next().unwrap();
            for set_op in ["", "ForAnyValue:", "ForAllValues:"] {
                let text = cond_doc(json!({ format!("{set_op}{op}"): { key: value } }));
                let set = identity(vec![parse(&format!("{set_op}{what} {pat}"), &text)]);
                let ctx_value = if set_op.is_empty() {
                    single(&ctx)
                } else {
                    ContextValue::Multi(vec![ctx.clone(), ctx.clone()])
                };
                let req = with_context(
                    request("sagemaker:CreateTrainingJob", &training_job("j")),
                    &[(key, ctx_value), ("aws:username", single("a"))],
                );
                assert_eq!(
                    decide(&format!("{set_op}{what} {pat} vs 100 KB"), &set, &req),
                    Decision::ImplicitlyDenied
                );
            }
        }
    }
}

#[test]
fn long_literal_chunks_match_as_fast_as_the_reference() {
    // src/compile/glob.rs `find_chunk`: when a long middle chunk (here 10 KB of `a` then `?b`)
    // almost matches at every position, each failed candidate restarts the aho-corasick search
    // one character further, which rescans the whole lead literal: O(text × chunk) through the
    // automaton, ~0.67 s per decision unloaded in debug, against ~22 ms for the reference's
    // memcmp-based loop. (The module's INVARIANT says O(text × chunks); it is × chunk length.)
    // IAM caps a managed policy at 6,144 characters, so real policies stay far below this.
    let chunk = "a".repeat(10 * 1024);
    let text = "a".repeat(100 * 1024);
    let set = identity(vec![parse(
        "10 KB chunk",
        &cond_doc(json!({"StringLike": {"aws:RequestTag/team": format!("*{chunk}?b*")}})),
    )]);
    let req = with_context(
        request("sagemaker:CreateTrainingJob", &training_job("j")),
        &[("aws:RequestTag/team", single(&text))],
    );
    assert_eq!(
        decide("StringLike 10 KB chunk vs 100 KB", &set, &req),
        Decision::ImplicitlyDenied
    );
    // Load-independent: compare the engines' best of three.
    let catalog = Catalog::sagemaker_default();
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(&set).unwrap();
    let prepared = PreparedRequest::new(&req, catalog);
    let best = |f: &dyn Fn()| {
        (0..3)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let reference_time = best(&|| {
        reference::evaluate(&set, &req, catalog);
    });
    let compiled_time = best(&|| {
        compiled.evaluate(&prepared);
    });
    eprintln!("adversarial: 10 KB chunk: reference {reference_time:?}, compiled {compiled_time:?}");
    assert!(
        compiled_time <= reference_time * 4 + Duration::from_millis(20),
        "compiled {compiled_time:?} vs reference {reference_time:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// A huge policy.

/// 100,000 statements of the shapes real policies use, in one document.
fn huge_policy_text(n: usize) -> String {
    let statements: Vec<serde_json::Value> = (0..n)
        .map(|i| match i % 5 {
            0 => json!({
                "Sid": format!("Describe{i}"), "Effect": "Allow",
                "Action": ["sagemaker:Describe*", "sagemaker:List*"],
                "Resource": format!("arn:aws:sagemaker:*:{ACCOUNT}:training-job/job-{i}")
            }),
            1 => json!({
                "Effect": "Allow", "Action": "sagemaker:CreateTrainingJob",
                "Resource": format!("arn:aws:sagemaker:*:{ACCOUNT}:training-job/team-{i}-*"),
                "Condition": {"StringEquals": {"aws:RequestTag/team": format!("team-{i}")}}
            }),
            2 => json!({
                "Effect": "Deny", "Action": format!("sagemaker:Delete*"),
                "Resource": format!("arn:aws:sagemaker:*:*:model/protected-{i}*")
            }),
            3 => json!({
                "Effect": "Allow", "Action": format!("sagemaker:Custom{i}*"),
                "Resource": "*"
            }),
            _ => json!({
                "Effect": "Allow", "Action": "sagemaker:InvokeEndpoint",
                "Resource": format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:endpoint/ep-{i}"),
                "Condition": {"IpAddress": {"aws:SourceIp": format!("10.{}.{}.0/24", (i >> 8) & 255, i & 255)}}
            }),
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[test]
fn policy_with_100k_statements() {
    let _large = LargeInputs::enter();
    let text = huge_policy_text(100_000);
    eprintln!("adversarial: 100k statements: {} bytes of JSON", text.len());
    let policy = timed("100k statements: parse", LARGE, || {
        Policy::parse(&text, PolicyKind::Identity).unwrap()
    });
    assert_eq!(policy.statements.len(), 100_000);
    let set = identity(vec![policy]);
    let catalog = Catalog::sagemaker_default();
    let arena = Bump::new();
    let mut compiled = None;
    let info = allocation_counter::measure(|| {
        compiled = Some(timed("100k statements: compile", LARGE, || {
            Compiler::new(&arena, catalog).compile(&set).unwrap()
        }));
    });
    let compiled = compiled.unwrap();
    eprintln!(
        "adversarial: 100k statements: compile peak heap {} MB, arena {} MB, memory_usage {} MB, report {:?}",
        info.bytes_max >> 20,
        arena.allocated_bytes() >> 20,
        compiled.memory_usage() >> 20,
        compiled.report()
    );
    let cases = [
        (
            "catalog action, condition holds",
            with_context(
                request("sagemaker:CreateTrainingJob", &training_job("team-99996-x")),
                &[("aws:RequestTag/team", single("team-99996"))],
            ),
            Decision::Allowed,
        ),
        (
            "catalog action, explicit deny",
            request(
                "sagemaker:DeleteModel",
                &format!("arn:aws:sagemaker:us-east-1:{ACCOUNT}:model/protected-99997x"),
            ),
            Decision::ExplicitlyDenied,
        ),
        (
            "catalog action, no statement applies",
            request("sagemaker:DescribeTrainingJob", &training_job("job-7")),
            Decision::ImplicitlyDenied,
        ),
        (
            "non-catalog action, allowed",
            request("sagemaker:Custom99998Thing", "*"),
            Decision::Allowed,
        ),
        (
            "non-catalog action, no statement applies",
            request("sagemaker:Custom7Thing", "*"),
            Decision::ImplicitlyDenied,
        ),
    ];
    for (what, req, expect) in cases {
        let label = format!("100k statements, {what}");
        let want = timed(&format!("{label}: reference"), step(), || {
            reference::evaluate(&set, &req, catalog)
        });
        let prepared = PreparedRequest::new(&req, catalog);
        let got = timed(
            &format!("{label}: compiled (first, builds the fallback)"),
            LARGE,
            || compiled.evaluate(&prepared),
        );
        let again = timed(&format!("{label}: compiled"), step(), || {
            compiled.evaluate(&prepared)
        });
        assert_eq!(got, want, "{label}");
        assert_eq!(again, got, "{label}");
        assert_eq!(got.decision, expect, "{label}");
    }
}

// ---------------------------------------------------------------------------------------------
// Deeply nested JSON.

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_objects(depth: usize) -> String {
    format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
}

/// What a message about nested JSON may say: the typed wire model refuses most nesting at its
/// first level; serde_json's recursion limit (128) stops the rest.
const CLEAR: [&str; 6] = [
    "recursion limit exceeded",
    "missing field",
    "invalid type",
    "unknown field",
    "invalid JSON",
    "a string or an array of strings",
];

#[test]
fn deeply_nested_json_is_refused_without_stack_overflow() {
    const DEPTH: usize = 100_000;
    let deep = nested(DEPTH);
    let deep_obj = nested_objects(DEPTH);
    let stmt = |cond: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{cond}}}]}}"#
        )
    };
    let docs = [
        (
            "in a condition value",
            stmt(&format!(r#"{{"StringEquals":{{"aws:username":{deep}}}}}"#)),
        ),
        (
            "as a condition block",
            stmt(&format!(
                r#"{{"StringEquals":{{"aws:username":{deep_obj}}}}}"#
            )),
        ),
        ("as Statement", format!(r#"{{"Statement":{deep}}}"#)),
        (
            "as Statement (objects)",
            format!(r#"{{"Statement":{deep_obj}}}"#),
        ),
        (
            "in Action",
            format!(r#"{{"Statement":[{{"Effect":"Allow","Action":{deep},"Resource":"*"}}]}}"#),
        ),
        (
            "in Principal",
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"*","Principal":{deep_obj}}}]}}"#
            ),
        ),
        (
            "in an unknown field",
            format!(r#"{{"Statement":[],"Extra":{deep}}}"#),
        ),
        ("as the document", deep.clone()),
        ("as the document (objects)", deep_obj.clone()),
    ];
    for (what, text) in &docs {
        for kind in [PolicyKind::Identity, PolicyKind::Trust] {
            let e = parse_err(&format!("100k nesting {what}"), text, kind);
            let head: String = e.chars().take(300).collect();
            eprintln!("adversarial: 100k nesting {what}: {head}");
            assert!(e.len() < 1000, "{what}: message of {} bytes", e.len());
            assert!(e.starts_with("at /"), "{what}: {e}");
            assert!(CLEAR.iter().any(|c| e.contains(c)), "{what}: {e}");
        }
    }
    // Unclosed nesting, as a truncated file would have.
    let e = parse_err(
        "100k unclosed [",
        &format!(r#"{{"Statement":{}"#, "[".repeat(DEPTH)),
        PolicyKind::Identity,
    );
    assert!(CLEAR.iter().any(|c| e.contains(c)), "{e}");

    // The case-line reader: policies are kept raw and parsed later; every other field is read
    // by serde as it comes.
    let case = |extra: &str| {
        format!(r#"{{"id":"deep","action":"sagemaker:ListModels","resource":"*",{extra}}}"#)
    };
    let lines = [
        ("in identity", case(&format!(r#""identity":[{deep}]"#))),
        ("as identity", case(&format!(r#""identity":{deep}"#))),
        (
            "in an identity policy",
            case(&format!(
                r#""identity":[{{"Statement":[{{"Effect":"Allow","Action":{deep},"Resource":"*"}}]}}]"#
            )),
        ),
        ("in scps", case(&format!(r#""scps":[[{deep_obj}]]"#))),
        ("in boundary", case(&format!(r#""boundary":{deep}"#))),
        ("in session", case(&format!(r#""session":{deep_obj}"#))),
        ("in context", case(&format!(r#""context":{{"k":{deep}}}"#))),
        ("in an unknown field", case(&format!(r#""note":{deep}"#))),
        ("in id", format!(r#"{{"id":{deep}}}"#)),
        ("as the line", deep.clone()),
        ("as the line (objects)", deep_obj.clone()),
    ];
    for (what, line) in &lines {
        let r = timed(&format!("case line, 100k nesting {what}"), step(), || {
            parse_case_line(line)
        });
        match r {
            Ok(c) => {
                // Only an ignored field may hold the nesting.
                assert_eq!(*what, "in an unknown field", "{what}: accepted");
                assert!(c.policies.identity.is_empty());
            }
            Err(e) => {
                if line.starts_with(r#"{"id":"deep""#) {
                    assert_eq!(e.id.as_deref(), Some("deep"), "{what}");
                }
                let head: String = e.message.chars().take(300).collect();
                eprintln!("adversarial: case line, 100k nesting {what}: {head}");
                assert!(
                    e.message.len() < 1000,
                    "{what}: message of {} bytes",
                    e.message.len()
                );
                assert!(
                    CLEAR.iter().any(|c| e.message.contains(c)),
                    "{what}: {}",
                    e.message
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 10 MB strings.

#[test]
fn ten_mb_sid() {
    let _large = LargeInputs::enter();
    let sid = "S".repeat(TEN_MB);
    let text = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow", "Action": "sagemaker:*", "Resource": "*"
    }]})
    .to_string();
    let set = identity(vec![parse("10 MB Sid", &text)]);
    assert_eq!(
        decide(
            "10 MB Sid",
            &set,
            &request("sagemaker:CreateTrainingJob", &training_job("j"))
        ),
        Decision::Allowed
    );
}

#[test]
fn ten_mb_action_name() {
    let _large = LargeInputs::enter();
    let name = "a".repeat(TEN_MB);
    // A 10 MB action pattern, against catalog actions (the compiled plan index). Non-catalog
    // actions against it: see `ten_mb_action_pattern_fallback_build_is_bounded` (ignored).
    let set = identity(vec![parse(
        "10 MB action",
        &doc(
            "Allow",
            json!([format!("sagemaker:{name}"), "sagemaker:List*"]),
            json!("*"),
        )
        .to_string(),
    )]);
    assert_eq!(
        decide(
            "10 MB action pattern, catalog request action",
            &set,
            &request("sagemaker:ListModels", "*")
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            "10 MB action pattern, catalog request action (no match)",
            &set,
            &request("sagemaker:CreateTrainingJob", &training_job("j"))
        ),
        Decision::ImplicitlyDenied
    );
    // A 10 MB request action against wildcard patterns (the fallback DFA).
    let set = identity(vec![parse(
        "sagemaker:*a",
        &doc(
            "Allow",
            json!(["sagemaker:*a", "sagemaker:a*b"]),
            json!("*"),
        )
        .to_string(),
    )]);
    assert_eq!(
        decide(
            "10 MB request action vs sagemaker:*a",
            &set,
            &request(&format!("sagemaker:{name}"), "*")
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            "10 MB request action vs sagemaker:*a (no match)",
            &set,
            &request(&format!("sagemaker:{name}c"), "*")
        ),
        Decision::ImplicitlyDenied
    );
    // A 10 MB action IAM refuses (two colons) is refused with a clear, short message.
    let e = parse_err(
        "10 MB invalid action",
        &doc("Allow", json!(format!("sagemaker:{name}:x")), json!("*")).to_string(),
        PolicyKind::Identity,
    );
    assert!(
        e.starts_with("at /Statement/0/Action: action `sagemaker:aaa"),
        "{}",
        &e[..200]
    );
    assert!(e.ends_with("has more than one `:`; an action is `service:ActionName`"));
    assert!(e.len() < 1000);
    // A 10 MB action IAM stores but that never matches (S-34) parses, in bounded time.
    let never = parse(
        "10 MB never-matching action",
        &doc("Allow", json!(format!("sagemaker:{name}!")), json!("*")).to_string(),
    );
    assert!(matches!(
        never.statements[0].action.patterns[0],
        iamc::policy::ActionPattern::Never(_)
    ));
    let e = Request::new(&format!("sagemaker:{name}!"), "*").unwrap_err();
    assert!(e.message.ends_with("is not a valid action name"));
}

#[test]
fn ten_mb_resource_arn() {
    let _large = LargeInputs::enter();
    let seg = "r".repeat(TEN_MB);
    let arn = training_job(&seg);
    let cases = [
        (arn.clone(), Decision::Allowed),
        (
            format!("arn:aws:sagemaker:*:{ACCOUNT}:training-job/{seg}"),
            Decision::Allowed,
        ),
        (
            format!("arn:aws:sagemaker:*:*:training-job/*{}", &seg[..1000]),
            Decision::Allowed,
        ),
        (
            format!("arn:aws:sagemaker:*:*:training-job/{}*r", &seg[..1000]),
            Decision::Allowed,
        ),
        (format!("{arn}x"), Decision::ImplicitlyDenied),
    ];
    for (i, (pat, expect)) in cases.into_iter().enumerate() {
        let set = identity(vec![parse(
            &format!("10 MB Resource #{i}"),
            &doc("Allow", json!("sagemaker:*"), json!(pat)).to_string(),
        )]);
        assert_eq!(
            decide(
                &format!("10 MB Resource #{i}"),
                &set,
                &request("sagemaker:CreateTrainingJob", &arn)
            ),
            expect
        );
    }
}

#[test]
fn ten_mb_condition_and_context_values() {
    let _large = LargeInputs::enter();
    let big = "v".repeat(TEN_MB);
    let arn = training_job(&big);
    let req = with_context(
        request("sagemaker:CreateTrainingJob", &training_job("j")),
        &[
            ("aws:RequestTag/team", single(&big)),
            ("aws:SourceArn", single(&arn)),
            (
                "sagemaker:InstanceTypes",
                ContextValue::Multi(vec![big.clone(), "ml.m5.large".to_owned()]),
            ),
        ],
    );
    let half = &big[..TEN_MB / 2];
    let cases = [
        (
            json!({"StringEquals": {"aws:RequestTag/team": big}}),
            Decision::Allowed,
        ),
        (
            json!({"StringNotEquals": {"aws:RequestTag/team": big}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"StringEqualsIgnoreCase": {"aws:RequestTag/team": big.to_uppercase()}}),
            Decision::Allowed,
        ),
        (
            json!({"StringLike": {"aws:RequestTag/team": format!("{half}*")}}),
            Decision::Allowed,
        ),
        (
            json!({"StringLike": {"aws:RequestTag/team": format!("?{half}*")}}),
            Decision::Allowed,
        ),
        (
            json!({"StringLike": {"aws:RequestTag/team": format!("*{}", &big[..1000])}}),
            Decision::Allowed,
        ),
        // A long middle chunk costs O(len²) to compile: see
        // `long_middle_literal_compiles_in_bounded_time` (ignored).
        (
            json!({"StringLike": {"aws:RequestTag/team": format!("*{}*x*", &big[..1000])}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"ArnEquals": {"aws:SourceArn": arn}}),
            Decision::Allowed,
        ),
        (
            json!({"ArnLike": {"aws:SourceArn": format!("arn:aws:sagemaker:*:*:training-job/{half}*")}}),
            Decision::Allowed,
        ),
        (
            json!({"ForAnyValue:StringEquals": {"sagemaker:InstanceTypes": big}}),
            Decision::Allowed,
        ),
        (
            json!({"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.*", format!("{half}*")]}}),
            Decision::Allowed,
        ),
        // Not numbers, dates, booleans or IPs: those operators do not hold.
        (
            json!({"NumericGreaterThan": {"aws:RequestTag/team": 0}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"DateGreaterThan": {"aws:RequestTag/team": "2020-01-01"}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"Bool": {"aws:RequestTag/team": true}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"IpAddress": {"aws:RequestTag/team": "0.0.0.0/0"}}),
            Decision::ImplicitlyDenied,
        ),
        (
            json!({"Null": {"aws:RequestTag/team": false}}),
            Decision::Allowed,
        ),
    ];
    for (i, (cond, expect)) in cases.into_iter().enumerate() {
        let op = cond.as_object().unwrap().keys().next().unwrap().clone();
        let label = format!("10 MB value #{i} {op}");
        let set = identity(vec![parse(&label, &cond_doc(cond))]);
        assert_eq!(decide(&label, &set, &req), expect, "{label}");
    }
}

#[test]
fn ten_mb_policy_variable_default() {
    let _large = LargeInputs::enter();
    let big = "d".repeat(TEN_MB);
    let texts = [
        (
            "Resource",
            doc(
                "Allow",
                json!("sagemaker:*"),
                json!(format!(
                    "arn:aws:sagemaker:*:*:training-job/${{aws:username, '{big}'}}"
                )),
            )
            .to_string(),
        ),
        (
            "StringEquals",
            cond_doc(
                json!({"StringEquals": {"aws:RequestTag/team": format!("${{aws:username, '{big}'}}")}}),
            ),
        ),
        (
            "StringLike",
            cond_doc(
                json!({"StringLike": {"aws:RequestTag/team": format!("${{aws:username, '{big}'}}*")}}),
            ),
        ),
    ];
    for (what, text) in texts {
        let set = identity(vec![parse(&format!("10 MB default in {what}"), &text)]);
        // The default applies: the resource and the tag are the 10 MB value.
        let req = with_context(
            request("sagemaker:CreateTrainingJob", &training_job(&big)),
            &[("aws:RequestTag/team", single(&big))],
        );
        assert_eq!(
            decide(&format!("10 MB default in {what}, key absent"), &set, &req),
            Decision::Allowed
        );
        // The key is present: its value replaces the default.
        let req = with_context(
            request("sagemaker:CreateTrainingJob", &training_job(&big)),
            &[
                ("aws:RequestTag/team", single(&big)),
                ("aws:username", single("bob")),
            ],
        );
        assert_eq!(
            decide(&format!("10 MB default in {what}, key present"), &set, &req),
            Decision::ImplicitlyDenied
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Many values and keys.

#[test]
fn many_condition_values() {
    let _large = LargeInputs::enter();
    const N: usize = 100_000;
    let strs: Vec<String> = (0..N).map(|i| format!("team-{i:06}")).collect();
    let likes: Vec<String> = (0..N).map(|i| format!("team-{i:06}-*")).collect();
    let arns: Vec<String> = (0..N)
        .map(|i| format!("arn:aws:sagemaker:*:*:training-job/j-{i}-*"))
        .collect();
    let nums: Vec<String> = (0..N).map(|i| format!("{i}.5")).collect();
    let cidrs: Vec<String> = (0..N)
        .map(|i| format!("10.{}.{}.0/24", (i >> 8) & 255, i & 255))
        .collect();
    let dates: Vec<String> = (0..N).map(|i| format!("{}", 1_600_000_000 + i)).collect();
    let b64: Vec<String> = (0..N).map(|i| format!("{i:08}")).collect();
    let cases = [
        (
            "StringEquals",
            "aws:RequestTag/team",
            json!(strs),
            "team-099999",
            "team-1",
        ),
        (
            "StringEqualsIgnoreCase",
            "aws:RequestTag/team",
            json!(strs),
            "TEAM-099999",
            "team-1",
        ),
        (
            "StringLike",
            "aws:RequestTag/team",
            json!(likes),
            "team-099999-x",
            "team-1",
        ),
        (
            "ArnLike",
            "aws:SourceArn",
            json!(arns),
            "arn:aws:sagemaker:us-east-1:1:training-job/j-99999-x",
            "arn:aws:sagemaker:us-east-1:1:training-job/j-x",
        ),
        (
            "NumericEquals",
            "sagemaker:MaxRuntimeInSeconds",
            json!(nums),
            "99999.5",
            "1",
        ),
        (
            "IpAddress",
            "aws:SourceIp",
            json!(cidrs),
            "10.134.159.7",
            "192.0.2.1",
        ),
        (
            "DateEquals",
            "aws:CurrentTime",
            json!(dates),
            "1600099999",
            "1",
        ),
        (
            "BinaryEquals",
            "aws:RequestTag/bin",
            json!(b64),
            "00099999",
            "AAAA",
        ),
    ];
    for (op, key, values, yes, no) in cases {
        let label = format!("100k values {op}");
        let set = identity(vec![parse(
            &label,
            &cond_doc(json!({ op: { key: values } })),
        )]);
        for (v, expect) in [(yes, Decision::Allowed), (no, Decision::ImplicitlyDenied)] {
            let req = with_context(
                request("sagemaker:CreateTrainingJob", &training_job("j")),
                &[(key, single(v))],
            );
            assert_eq!(decide(&format!("{label} vs {v}"), &set, &req), expect);
        }
    }
    // 100k request values for a multivalued key, against a set operator.
    let set = identity(vec![parse(
        "ForAllValues:StringLike",
        &cond_doc(
            json!({"ForAllValues:StringLike": {"sagemaker:InstanceTypes": ["ml.*", "local*"]}}),
        ),
    )]);
    let many: Vec<String> = (0..N).map(|i| format!("ml.m5.{i}xlarge")).collect();
    let mut bad = many.clone();
    bad.push("p4d.24xlarge".to_owned());
    for (vals, expect) in [(many, Decision::Allowed), (bad, Decision::ImplicitlyDenied)] {
        let req = with_context(
            request("sagemaker:CreateTrainingJob", &training_job("j")),
            &[("sagemaker:InstanceTypes", ContextValue::Multi(vals))],
        );
        assert_eq!(decide("100k request values", &set, &req), expect);
    }
}

#[test]
fn many_context_keys() {
    let _large = LargeInputs::enter();
    const N: usize = 10_000;
    let keys: Vec<String> = (0..N).map(|i| format!("aws:RequestTag/k{i}")).collect();
    let mut cond = serde_json::Map::new();
    for k in keys.iter().step_by(100) {
        cond.insert(k.clone(), json!("v"));
    }
    let set = identity(vec![parse(
        "10k context keys",
        &cond_doc(json!({ "StringEquals": cond })),
    )]);
    let req = timed("10k context keys: build request", step(), || {
        let mut req = request("sagemaker:CreateTrainingJob", &training_job("j"));
        for k in &keys {
            req.context.insert(k, single("v")).unwrap();
        }
        req
    });
    assert_eq!(decide("10k context keys", &set, &req), Decision::Allowed);
    let mut other = req.clone();
    other
        .context
        .insert("aws:RequestTag/extra", single("v"))
        .unwrap();
    // The same keys through the case-line reader.
    let ctx: serde_json::Map<String, serde_json::Value> =
        keys.iter().map(|k| (k.clone(), json!("v"))).collect();
    let line = json!({
        "id": "many-keys", "action": "sagemaker:CreateTrainingJob",
        "resource": training_job("j"), "context": ctx,
        "identity": [serde_json::from_str::<serde_json::Value>(&cond_doc(json!({ "StringEquals": cond }))).unwrap()]
    })
    .to_string();
    let case = timed("10k context keys: case line", step(), || {
        parse_case_line(&line).unwrap()
    });
    assert_eq!(case.request.context.len(), N);
    assert_eq!(
        decide(
            "10k context keys (case line)",
            &case.policies,
            &case.request
        ),
        Decision::Allowed
    );
    // A duplicate, in another case, is still found among 10k keys.
    let e = other
        .context
        .insert("AWS:REQUESTTAG/K9999", single("v"))
        .unwrap_err();
    assert!(e.message.contains("differ only in case"), "{e}");
}

#[test]
fn many_condition_keys_in_one_block() {
    let _large = LargeInputs::enter();
    const N: usize = 10_000;
    let mut cond = serde_json::Map::new();
    for i in 0..N {
        cond.insert(format!("aws:RequestTag/k{i}"), json!("v"));
    }
    let set = identity(vec![parse(
        "10k condition keys",
        &cond_doc(json!({ "StringEqualsIfExists": cond })),
    )]);
    let req = with_context(
        request("sagemaker:CreateTrainingJob", &training_job("j")),
        &[("aws:RequestTag/k9999", single("v"))],
    );
    assert_eq!(decide("10k condition keys", &set, &req), Decision::Allowed);
}

// ---------------------------------------------------------------------------------------------
// Huge numbers, dates, CIDRs and base64.

/// Parses a one-condition policy that must be refused; checks the message names the place and
/// the kind of value.
fn refused(label: &str, op: &str, key: &str, value: serde_json::Value, kind: &str) -> String {
    let e = parse_err(
        label,
        &cond_doc(json!({ op: { key: value } })),
        PolicyKind::Identity,
    );
    let pointer = format!(
        "at /Statement/0/Condition/{op}/{}: ",
        key.replace('/', "~1")
    );
    assert!(
        e.starts_with(&pointer),
        "{label}: {}",
        &e[..e.len().min(300)]
    );
    assert!(
        e.contains(kind),
        "{label}: {}",
        &e[e.len().saturating_sub(300)..]
    );
    eprintln!("adversarial: {label}: message of {} bytes", e.len());
    e
}

#[test]
fn huge_numbers_dates_cidrs_and_base64() {
    let _large = LargeInputs::enter();
    let digits = "9".repeat(TEN_MB);
    let zeros = "0".repeat(TEN_MB);
    let key = "sagemaker:MaxRuntimeInSeconds";
    // Invalid: clear errors, in bounded time.
    refused(
        "10 MB number",
        "NumericEquals",
        key,
        json!(digits),
        "is not a valid number",
    );
    refused(
        "10 MB fraction",
        "NumericEquals",
        key,
        json!(format!("1.{digits}")),
        "is not a valid number",
    );
    refused(
        "10 MB date",
        "DateEquals",
        "aws:CurrentTime",
        json!(digits),
        "is not a valid date",
    );
    refused(
        "10 MB ISO date tail",
        "DateEquals",
        "aws:CurrentTime",
        json!(format!("2020-01-01T00:00:00{digits}")),
        "is not a valid date",
    );
    refused(
        "10 MB CIDR",
        "IpAddress",
        "aws:SourceIp",
        json!(format!("10.0.0.{digits}")),
        "is not a valid IP address or CIDR",
    );
    refused(
        "10 MB CIDR prefix",
        "IpAddress",
        "aws:SourceIp",
        json!(format!("10.0.0.0/{digits}")),
        "is not a valid IP address or CIDR",
    );
    refused(
        "10 MB IPv6",
        "IpAddress",
        "aws:SourceIp",
        json!("1:".repeat(TEN_MB / 2)),
        "is not a valid IP address or CIDR",
    );
    refused(
        "10 MB Bool",
        "Bool",
        "aws:SecureTransport",
        json!(digits),
        "is not a valid boolean",
    );
    let mut bad64 = "QUJD".repeat(TEN_MB / 4);
    bad64.push('$');
    refused(
        "10 MB invalid base64",
        "BinaryEquals",
        "aws:RequestTag/bin",
        json!(bad64),
        "is not a valid base64 value",
    );
    // A JSON number (not a string) with 10 MB of digits: serde reads it as a float.
    let raw = format!(
        r#"{{"Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"NumericEquals":{{"{key}":{digits}}}}}}}]}}"#
    );
    let e = parse_err("10 MB JSON number", &raw, PolicyKind::Identity);
    eprintln!("adversarial: 10 MB JSON number: {}", &e[..e.len().min(300)]);
    assert!(e.len() < 1000, "message of {} bytes", e.len());

    // Valid but huge: leading zeros, padded base64.
    let req = |k: &str, v: &str| {
        with_context(
            request("sagemaker:CreateTrainingJob", &training_job("j")),
            &[(k, single(v))],
        )
    };
    let set = identity(vec![parse(
        "10 MB of leading zeros",
        &cond_doc(json!({"NumericLessThanEquals": {key: format!("{zeros}3600")}})),
    )]);
    assert_eq!(
        decide("10 MB of leading zeros", &set, &req(key, "3600")),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            "10 MB of leading zeros, request too",
            &set,
            &req(key, &format!("{zeros}3601"))
        ),
        Decision::ImplicitlyDenied
    );
    assert_eq!(
        decide("10 MB number in the request", &set, &req(key, &digits)),
        Decision::ImplicitlyDenied
    );
    let set = identity(vec![parse(
        "10 MB epoch in the request",
        &cond_doc(json!({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})),
    )]);
    assert_eq!(
        decide(
            "10 MB date in the request",
            &set,
            &req("aws:CurrentTime", &digits)
        ),
        Decision::ImplicitlyDenied
    );
    let set = identity(vec![parse(
        "IpAddress",
        &cond_doc(json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})),
    )]);
    assert_eq!(
        decide(
            "10 MB IP in the request",
            &set,
            &req("aws:SourceIp", &digits)
        ),
        Decision::ImplicitlyDenied
    );
    // A negated operator over an unparsable value: only agreement is checked.
    let set = identity(vec![parse(
        "NotIpAddress",
        &cond_doc(json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})),
    )]);
    decide(
        "10 MB IP in the request, NotIpAddress",
        &set,
        &req("aws:SourceIp", &digits),
    );
    let good64 = "QUJD".repeat(TEN_MB / 4);
    let set = identity(vec![parse(
        "10 MB base64",
        &cond_doc(json!({"BinaryEquals": {"aws:RequestTag/bin": good64}})),
    )]);
    assert_eq!(
        decide("10 MB base64", &set, &req("aws:RequestTag/bin", &good64)),
        Decision::Allowed
    );
    assert_eq!(
        decide(
            "10 MB base64, one quantum shorter",
            &set,
            &req("aws:RequestTag/bin", &good64[4..])
        ),
        Decision::ImplicitlyDenied
    );
}

#[test]
fn ten_mb_action_pattern_fallback_build_is_bounded() {
    // src/eval/compiled.rs `build_fallback`: every action pattern becomes a regex, and the
    // thompson NFA for a 10 MB literal is built (no NFA size limit) before the DFA size limit
    // can refuse it; `matched_patterns` pays this on the first non-catalog request.
    let name = "a".repeat(TEN_MB);
    let set = identity(vec![parse(
        "10 MB action (fallback)",
        &doc("Allow", json!(format!("sagemaker:{name}")), json!("*")).to_string(),
    )]);
    let catalog = Catalog::sagemaker_default();
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(&set).unwrap();
    let req = request(&format!("sagemaker:{name}"), "*");
    let want = reference::evaluate(&set, &req, catalog);
    let prepared = PreparedRequest::new(&req, catalog);
    let mut outcome = None;
    let start = Instant::now();
    let info = allocation_counter::measure(|| outcome = Some(compiled.evaluate(&prepared)));
    let took = start.elapsed();
    eprintln!(
        "adversarial: 10 MB action pattern: first non-catalog evaluate: {took:?}, peak heap {} MB",
        info.bytes_max >> 20
    );
    assert_eq!(outcome, Some(want));
    assert_eq!(want.decision, Decision::Allowed);
    assert!(took < step(), "first non-catalog evaluate took {took:?}");
    assert!(
        info.bytes_max < 256 << 20,
        "peak heap {} MB",
        info.bytes_max >> 20
    );
}

#[test]
fn long_middle_literal_compiles_in_bounded_time() {
    // src/compile/glob.rs `CGlob::build` makes one `memchr::memmem::Finder` per middle chunk,
    // built in microseconds. An aho-corasick DFA over one long pattern (what an earlier version
    // built) grows with the square of its length (10 KB: 0.2-0.8 s, 100 KB: 76 s, 5 MB: does not
    // finish), which is also why the list prefilter (src/compile/prefilter.rs) cuts its pieces to
    // 32 bytes.
    let lit = "v".repeat(100 * 1024);
    let set = identity(vec![parse(
        "100 KB middle literal",
        &cond_doc(json!({"StringLike": {"aws:RequestTag/team": format!("*{lit}*x*")}})),
    )]);
    let req = with_context(
        request("sagemaker:CreateTrainingJob", &training_job("j")),
        &[("aws:RequestTag/team", single(&format!("{lit}x")))],
    );
    assert_eq!(
        decide("100 KB middle literal", &set, &req),
        Decision::Allowed
    );
}

#[test]
fn many_condition_keys_parse_in_bounded_time() {
    let _large = LargeInputs::enter();
    // src/policy/wire.rs `OrderedMap::deserialize` scans every earlier key for each new one
    // (`entries.iter().any(..)`): 10k keys take ~1 s (debug), 100k about 100 times that. The
    // case reader's `context` map and `Context::insert` (src/eval/request.rs) scan the same way.
    const N: usize = 100_000;
    let mut cond = serde_json::Map::new();
    for i in 0..N {
        cond.insert(format!("aws:RequestTag/k{i}"), json!("v"));
    }
    let text = cond_doc(json!({ "StringEqualsIfExists": cond }));
    let set = identity(vec![parse("100k condition keys", &text)]);
    let req = request("sagemaker:CreateTrainingJob", &training_job("j"));
    assert_eq!(decide("100k condition keys", &set, &req), Decision::Allowed);
}

#[test]
fn error_messages_for_huge_values_stay_short() {
    // src/condition.rs `Condition::parse` (`bad`), src/policy/pattern.rs (actions, resources)
    // and src/eval/request.rs `Request::new` put the value in backticks whatever its size;
    // a CLI user gets 10 MB on the terminal. Expected: the value shortened (e.g. its first
    // 100 characters and its length).
    let digits = "9".repeat(TEN_MB);
    let key = "sagemaker:MaxRuntimeInSeconds";
    let mut long = Vec::new();
    for (op, value) in [
        ("NumericEquals", digits.clone()),
        ("DateEquals", digits.clone()),
        ("IpAddress", digits.clone()),
        ("Bool", digits.clone()),
        ("BinaryEquals", format!("{digits}$")),
    ] {
        let e = Policy::parse(
            &cond_doc(json!({ op: { key: value } })),
            PolicyKind::Identity,
        )
        .unwrap_err()
        .to_string();
        long.push((op, e.len()));
    }
    let e = Policy::parse(
        &doc("Allow", json!(format!("sagemaker:{digits}:x")), json!("*")).to_string(),
        PolicyKind::Identity,
    )
    .unwrap_err();
    long.push(("Action", e.to_string().len()));
    let e = Request::new(&format!("sagemaker:{digits}!"), "*").unwrap_err();
    long.push(("Request::new", e.to_string().len()));
    long.retain(|(_, len)| *len > 1000);
    assert!(long.is_empty(), "messages over 1,000 bytes: {long:?}");
}

#[test]
fn fallback_matcher_for_a_managed_policy_builds_fast() {
    // The fallback DFA over the principal's ~190 action patterns (`sagemaker:.*$`,
    // `s3:getobject$`, …) must be built with anchored starts only: determinizing an unanchored
    // start for `MatchKind::All` patterns took ~9 s (debug) and 31 MB, then hit the size limit.
    let set = crate::alloc::principal();
    let catalog = Catalog::sagemaker_default();
    let arena = Bump::new();
    let compiled = Compiler::new(&arena, catalog).compile(&set).unwrap();
    let req = request("s3:GetObject", "arn:aws:s3:::my-sagemaker-bucket/train.csv");
    let want = reference::evaluate(&set, &req, catalog);
    let prepared = PreparedRequest::new(&req, catalog);
    let start = Instant::now();
    let info = allocation_counter::measure(|| {
        compiled.build_action_fallback();
        assert_eq!(compiled.evaluate(&prepared), want);
    });
    let took = start.elapsed();
    eprintln!(
        "adversarial: first non-catalog decision for AmazonSageMakerFullAccess: {took:?}, peak heap {} MB",
        info.bytes_max >> 20
    );
    assert!(
        took < Duration::from_secs(1),
        "first non-catalog decision took {took:?}"
    );
}
