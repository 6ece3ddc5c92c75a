//! Witness requests: a model of the formula (one value per solver variable) made into a
//! `Request` as AWS would send it, and the check of a witness by the compiled engine.
//!
//! A witness carries the resource ARN, the calling principal's ARN, every key a solver variable
//! gave a value, and the keys AWS always sends (`aws:RequestedRegion` = the ARN's region when it
//! names one, `aws:CurrentTime`/`aws:EpochTime` at one instant, `aws:SecureTransport`), plus
//! `aws:ResourceAccount` = the audited account when the ARN names it (S-46 … S-48).

use std::collections::BTreeSet;

use super::err::AnalyzeError;
use super::formula::Formula;
use super::keys::{KeyState, time_states};
use super::strings::segment_of;
use super::world::{ResourceDomain, SVar, Value, WorldCtx};
use crate::catalog::{ActionInfo, Catalog};
use crate::compile::CompiledSet;
use crate::eval::{Context, ContextValue, Decision, PreparedRequest, Request};
use crate::request::prepared::PreparedContext;

fn put(req: &mut Request, seen: &mut BTreeSet<String>, name: &str, state: &KeyState) {
    let lower = name.to_lowercase();
    if !seen.insert(lower) {
        return;
    }
    let value = match state {
        KeyState::Absent => return,
        KeyState::Single(v) => ContextValue::Single(v.clone()),
        KeyState::List(vs) => ContextValue::Multi(vs.clone()),
    };
    // Keys are distinct ignoring case (`seen`), so insertion cannot fail.
    let _ = req.context.insert(name, value);
}

/// What a search and the witnesses it builds read besides the world.
pub(crate) struct Env<'a> {
    pub(crate) formula: &'a Formula,
    pub(crate) catalog: &'a Catalog,
    pub(crate) action: &'a ActionInfo,
    pub(crate) principal: &'a Context,
}

/// The request a model describes (`values[i]` for solver variable `i`).
pub(crate) fn build_request(
    ctx: &WorldCtx<'_>,
    values: &[Option<Value>],
    env: &Env<'_>,
) -> Result<Request, AnalyzeError> {
    let resource = match &ctx.world.resource {
        ResourceDomain::Star => "*".to_owned(),
        ResourceDomain::Arn { .. } => values
            .iter()
            .find_map(|v| match v {
                Some(Value::Resource(r)) => Some(r.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "*".to_owned()),
    };
    let mut req =
        Request::new(&env.formula.action, &resource).map_err(|e| AnalyzeError::Internal {
            action: env.formula.action.clone(),
            message: format!("cannot build a witness request: {e}"),
        })?;
    req.principal = Some(ctx.cfg.principal_arn.clone());
    let mut seen = BTreeSet::new();
    let mut time = ctx.cfg.reference_time;
    for (svar, value) in ctx.svars.iter().zip(values) {
        match (svar, value) {
            (SVar::Key { name, .. }, Some(Value::Key(state))) => {
                put(&mut req, &mut seen, name, state)
            }
            (SVar::Time, Some(Value::Time(s))) => time = *s,
            _ => {}
        }
    }
    let (region_tied, account_named) = ctx.world.resource.ties();
    if ctx.fixed.region {
        let region = if region_tied {
            segment_of(&resource, 3).unwrap_or("").to_owned()
        } else {
            ctx.cfg.region.clone()
        };
        put(
            &mut req,
            &mut seen,
            "aws:RequestedRegion",
            &KeyState::Single(region),
        );
    }
    let (cur, ep) = time_states(time);
    if ctx.fixed.current_time {
        put(&mut req, &mut seen, "aws:CurrentTime", &cur);
    }
    if ctx.fixed.epoch_time {
        put(&mut req, &mut seen, "aws:EpochTime", &ep);
    }
    if ctx.fixed.secure_transport {
        put(
            &mut req,
            &mut seen,
            "aws:SecureTransport",
            &KeyState::Single("true".to_owned()),
        );
    }
    if account_named && ctx.fixed.resource_account {
        put(
            &mut req,
            &mut seen,
            "aws:ResourceAccount",
            &KeyState::Single(ctx.cfg.account.clone()),
        );
    }
    Ok(req)
}

/// Decides `witness` with the compiled engine and checks it against `expect_allowed`.
pub(crate) fn confirm(
    compiled: &CompiledSet<'_>,
    principal: &Context,
    catalog: &crate::Catalog,
    witness: &Request,
    expect_allowed: bool,
) -> Result<(), AnalyzeError> {
    let prepared = PreparedRequest::new(witness, catalog);
    let outcome = compiled.evaluate_as(&prepared, &PreparedContext::new(principal, catalog));
    if (outcome.decision == Decision::Allowed) == expect_allowed {
        return Ok(());
    }
    let context: serde_json::Map<String, serde_json::Value> = witness
        .context
        .entries()
        .iter()
        .map(|e| {
            let v = if e.is_list {
                serde_json::json!(e.values)
            } else {
                serde_json::json!(e.values.first())
            };
            (e.key.clone(), v)
        })
        .collect();
    Err(AnalyzeError::WitnessDisagrees {
        action: witness.action().to_owned(),
        expected: if expect_allowed { "allowed" } else { "denied" },
        engine: outcome.decision.to_string(),
        resource: witness.resource.clone(),
        context: serde_json::Value::Object(context).to_string(),
    })
}
