//! The exact analysis's property, shared by the differential test
//! (`tests/it/analyze_diff.rs`), the `analyze_differential` fuzz target and the regression
//! replays: for the random case `gen::case` builds from some bytes, the analysis of its policy
//! set for its action succeeds (every witness is confirmed by the compiled engine inside), and
//! on the case's request and on requests the audit's generator makes for the action, each as
//! given and as the request model completes it:
//! - the formula admits a request iff the compiled engine allows it;
//! - a modelled request is never allowed in a cell proved `Never`, never denied in one proved
//!   `Always`.
//!
//! This file uses only `iamc` and the generator, so the fuzz crate can include it.
#![allow(dead_code)]

use arbitrary::Unstructured;

use iamc::Catalog;
use iamc::analyze::{AnalysisConfig, Analyzer, Class, split_principal_keys};
use iamc::audit::{GenConfig, Mentions, generate_action};
use iamc::case::parse_case_line;
use iamc::compile::Compiler;
use iamc::eval::{Decision, PreparedRequest, Request};
use iamc::request::PreparedContext;

use crate::r#gen;

/// Counts of what the property saw.
#[derive(Debug, Default, Clone)]
pub struct PropStats {
    /// Cases analyzed.
    pub cells: u64,
    /// Cases skipped (invalid, or an action outside the catalog).
    pub skipped: u64,
    /// Cells decided exactly.
    pub exact: u64,
    /// Exact cells by class: Always, Conditional, Never.
    pub classes: [u64; 3],
    /// Formula-vs-engine comparisons.
    pub pairs: u64,
    /// Of which on modelled requests (class claims checked).
    pub modelled: u64,
    /// Modelled requests the engine allowed.
    pub modelled_allowed: u64,
}

fn show(r: &Request) -> String {
    let ctx: Vec<String> = r
        .context
        .entries()
        .iter()
        .map(|e| format!("{}={:?}", e.key, e.values))
        .collect();
    format!(
        "{} on {} by {:?} account {:?} [{}]",
        r.action(),
        r.resource,
        r.principal,
        r.account,
        ctx.join(", ")
    )
}

/// Checks the property for the case built from `data`, with `variants` generated requests.
pub fn check_analysis(data: &[u8], variants: usize, stats: &mut PropStats) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let line = r#gen::case(&mut u, "analyze").to_string();
    let Ok(case) = parse_case_line(&line) else {
        stats.skipped += 1;
        return Ok(());
    };
    let catalog = Catalog::sagemaker_default();
    let Some(action_id) = catalog.action_id(case.request.action()) else {
        stats.skipped += 1;
        return Ok(());
    };
    let (request, principal) = split_principal_keys(&case.request);
    let account = request
        .principal_account()
        .unwrap_or("111122223333")
        .to_owned();
    let mut cfg = AnalysisConfig::new(&account);
    if let Some(p) = &request.principal {
        cfg.principal_arn.clone_from(p);
    }
    cfg.budget = 50_000;
    let analyzer = Analyzer::new(catalog, cfg);
    let arena = bumpalo::Bump::new();
    let compiled = Compiler::new(&arena, catalog)
        .compile(&case.policies)
        .map_err(|e| format!("case: {line}\ncompile: {e}"))?;
    let analysis = analyzer
        .analyze(&case.policies, &principal, request.action(), &compiled)
        .map_err(|e| format!("case: {line}\nanalysis failed: {e}"))?;
    stats.cells += 1;
    if analysis.exact {
        stats.exact += 1;
        stats.classes[match analysis.class {
            Class::Always => 0,
            Class::Conditional => 1,
            Class::Never => 2,
        }] += 1;
    }

    // Witnesses are modelled requests, complete as AWS sends them.
    for w in analysis
        .allowed_witness
        .iter()
        .chain(analysis.denied_witness.iter())
    {
        let modelled = analyzer.model_request(w);
        if modelled.as_ref() != Some(w) {
            return Err(format!(
                "case: {line}
witness {} is not a complete modelled request (completed: {:?})",
                show(w),
                modelled.as_ref().map(show)
            ));
        }
    }

    let mut requests = vec![request.clone()];
    let mut mentions = Mentions::default();
    for (_, p) in case.policies.labelled() {
        mentions.add_policy(p);
    }
    mentions.add_principal_context(&principal);
    let gen_cfg = GenConfig {
        seed: data
            .iter()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b))),
        variants,
        ..GenConfig::default()
    };
    if variants > 0
        && let Some(generated) =
            generate_action(catalog, action_id, &account, &gen_cfg, &mentions, &[])
    {
        requests.extend(generated.requests);
    }
    let prepared_principal = PreparedContext::new(&principal, catalog);
    for r in &requests {
        let modelled = analyzer.model_request(r);
        for (m, req) in [(false, Some(r)), (true, modelled.as_ref())] {
            let Some(req) = req else { continue };
            let engine = compiled
                .evaluate_as(&PreparedRequest::new(req, catalog), &prepared_principal)
                .decision
                == Decision::Allowed;
            let admits = analysis
                .formula
                .admits(req, &principal, catalog)
                .map_err(|e| format!("case: {line}\nadmits failed: {e}"))?;
            stats.pairs += 1;
            if admits != engine {
                return Err(format!(
                    "case: {line}\nrequest: {}\nformula says {}, engine says {}",
                    show(req),
                    if admits { "allowed" } else { "denied" },
                    if engine { "allowed" } else { "denied" },
                ));
            }
            if m {
                stats.modelled += 1;
                stats.modelled_allowed += u64::from(engine);
                let wrong = analysis.exact
                    && ((analysis.class == Class::Never && engine)
                        || (analysis.class == Class::Always && !engine));
                if wrong {
                    return Err(format!(
                        "case: {line}\nmodelled request: {}\nclass {:?}, but the engine {}",
                        show(req),
                        analysis.class,
                        if engine { "allows it" } else { "denies it" },
                    ));
                }
            }
        }
    }
    Ok(())
}
