//! The compiler: a principal's policy set becomes an immutable [`CompiledSet`] in a bumpalo arena,
//! evaluated through `&self` from any number of threads.
//!
//! What compiling buys (see DESIGN.md):
//! - **Action plans, on demand** (`plan`): an action's *plan* (per layer, the deny and allow
//!   statements whose `Action`/`NotAction` admit it) is built the first time a decision asks for
//!   it, from the set's action patterns of that service; identical plans are stored once. Compiling
//!   therefore costs what the policies hold, not what the catalog holds. Actions outside the
//!   catalog are matched by glob, then by a regex-automata DFA over the set's action patterns.
//! - **Resource matchers** per statement: literal, prefix, suffix and general globs per ARN segment,
//!   all linear in the ARN length.
//! - **Condition programs** with pre-parsed operands, keys identified by interned id.
//!
//! INVARIANT (no Bump inside): a compiled set holds `&'a [T]` slices into the arena, owned
//! searchers and its plan tables (`OnceLock`s, a `Mutex` taken only while a plan is built), never
//! the `Bump` itself (which is `!Sync`), so it is `Send + Sync`.

pub mod arn;
pub(crate) mod condition;
pub mod glob;
mod one;
pub(crate) mod plan;
pub(crate) mod prefilter;
pub(crate) mod template;
pub(crate) mod text;

use std::collections::HashMap;
use std::sync::OnceLock;

use bumpalo::Bump;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::hash::FastHash;
use crate::policy::Layer;
use crate::policy::glob::GlobTok;
use crate::policy::{ActionPattern, Effect, PolicySet, ResourcePattern};
use crate::request::Request;
use arn::CResPat;
use condition::CCond;
use glob::{CGlob, Searcher, Tok, TokBuf};
use plan::Plans;

/// A policy set too large to index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// More statements, policies or patterns than 32-bit ids can number.
    #[error("policy set too large to compile: {0}")]
    TooLarge(&'static str),
}

/// One distinct `service:pattern` action entry of a set (lowercase).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CActPat<'a> {
    /// The service prefix.
    pub(crate) service: &'a str,
    /// The name pattern as text.
    pub(crate) name_text: &'a str,
    /// The compiled name pattern.
    pub(crate) name: CGlob<'a>,
}

/// One compiled statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CStmt<'a> {
    /// Index into the set's layer slots.
    pub(crate) slot: u32,
    /// Policy index within the layer (level for SCPs).
    pub(crate) policy: u32,
    /// Statement index within the policy.
    pub(crate) index: u32,
    /// `Allow` or `Deny`.
    pub(crate) effect: Effect,
    /// `Sid`.
    pub(crate) sid: Option<&'a str>,
    /// `NotAction`.
    pub(crate) act_negated: bool,
    /// The clause holds `"*"`.
    pub(crate) act_any: bool,
    /// Indexes of the clause's `service:pattern` entries in the set's distinct patterns.
    pub(crate) act_pats: &'a [u32],
    /// `NotResource`.
    pub(crate) res_negated: bool,
    /// The clause holds `"*"` (so it matches every resource).
    pub(crate) res_any: bool,
    /// The resource entries.
    pub(crate) res: &'a [CResPat<'a>],
    /// When `res` is sorted by the first byte of each entry's resource segment, those bytes
    /// (see [`arn::index_by_lead`]); else empty.
    pub(crate) res_leads: &'a [u8],
    /// Prefilters over `res` (first index in the set's searchers, count; count 0: none).
    pub(crate) res_multi: (u32, u32),
    /// The conditions (ANDed).
    pub(crate) conds: &'a [CCond<'a>],
    /// Keys the conditions read (condition keys and variables in values), for explanations.
    pub(crate) reads: &'a [(u64, &'a str)],
}

/// Counts describing a compiled set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CompileReport {
    /// Policies compiled.
    pub(crate) policies: usize,
    /// Statements compiled.
    pub statements: usize,
    /// Distinct `service:pattern` action entries.
    pub(crate) action_patterns: usize,
    /// Resource entries.
    pub(crate) resource_patterns: usize,
    /// Conditions.
    pub(crate) conditions: usize,
    /// Distinct condition keys read.
    pub(crate) condition_keys: usize,
    /// Distinct action plans built so far (plans are built when a decision first needs them).
    pub(crate) plans: usize,
    /// Catalog actions the plan table indexes.
    pub(crate) catalog_actions: usize,
}

/// The non-catalog action matcher, built on first use.
pub(crate) enum Fallback {
    /// A multi-pattern DFA: pattern id = index in `act_pats`.
    Dfa(Box<regex_automata::dfa::dense::DFA<Vec<u32>>>),
    /// The DFA was too large: match each compiled glob.
    Globs,
}

/// A compiled policy set.
pub struct CompiledSet<'a> {
    pub(crate) slots: &'a [Layer],
    pub(crate) stmts: &'a [CStmt<'a>],
    pub(crate) act_pats: &'a [CActPat<'a>],
    /// The distinct services of `act_pats`, sorted, each with the indexes of its patterns.
    pub(crate) services: &'a [(&'a str, &'a [u32])],
    pub(crate) plans: Plans,
    /// Every context key a decision can read (conditions' keys and every variable), lowercase,
    /// sorted.
    pub(crate) read_keys: &'a [(&'a str, u64)],
    pub(crate) catalog_generation: u64,
    pub(crate) searchers: Vec<Searcher>,
    pub(crate) fallback: OnceLock<Fallback>,
    /// Fallback decisions made before the DFA was built (see `DFA_AFTER` in `eval::compiled`).
    pub(crate) fallback_calls: std::sync::atomic::AtomicU32,
    /// Compiled for one request ([`Compiler::compile_for`]): its action's catalog id and
    /// whether it is wildcard-only (for preparing the request). Every statement admits that
    /// action, so the statements are its plan and none is built.
    pub(crate) specialised: Option<(Option<crate::catalog::ActionId>, bool)>,
    report: CompileReport,
}

impl std::fmt::Debug for CompiledSet<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledSet")
            .field("report", &self.report)
            .finish_non_exhaustive()
    }
}

/// Compiles policy sets into an arena, against one catalog.
pub struct Compiler<'a> {
    arena: &'a Bump,
    catalog: &'a Catalog,
    prefilter_min: usize,
}

fn id(n: usize, what: &'static str) -> Result<u32, CompileError> {
    u32::try_from(n).map_err(|_| CompileError::TooLarge(what))
}

impl<'a> Compiler<'a> {
    /// A compiler allocating into `arena`, indexing `catalog`'s actions.
    pub fn new(arena: &'a Bump, catalog: &'a Catalog) -> Compiler<'a> {
        Compiler {
            arena,
            catalog,
            prefilter_min: prefilter::DEFAULT_MIN_PATTERNS,
        }
    }

    /// Sets how many variable-free `StringLike` patterns (with a literal piece) a condition needs
    /// before it gets an Aho-Corasick prefilter (default
    /// `DEFAULT_MIN_PATTERNS`; `usize::MAX` never builds one).
    /// `Resource` lists and ARN conditions need `ARN_FACTOR` times as
    /// many fixed ARN patterns.
    /// Decisions are the same either way; only their speed differs.
    pub fn prefilter_min(mut self, patterns: usize) -> Compiler<'a> {
        self.prefilter_min = patterns;
        self
    }

    /// Compiles one principal's policy set.
    pub fn compile(&self, set: &PolicySet) -> Result<CompiledSet<'a>, CompileError> {
        self.compile_statements(set, 0..self.catalog.action_count(), None)
    }

    /// Compiles the set specialised to one request (see `one`): a set that decides and explains
    /// that request exactly as the whole set would, for one-off decisions that should not pay for
    /// the rest of the policies. Only statements whose `Action`/`NotAction` admits the request's
    /// action are compiled (their action clause is then known to admit it and is not compiled);
    /// `Resource` lists are decided while compiling where no policy variable is involved
    /// ([`one::OneRequest::resolve_resource`]); ARN-condition operands that can match none of the
    /// request's values are left out. What is dropped cannot apply to this request, so the
    /// decision, the matched statements and the missing keys are those of the whole set.
    pub(crate) fn compile_for(
        &self,
        set: &PolicySet,
        request: &Request,
    ) -> Result<CompiledSet<'a>, CompileError> {
        let id = self.catalog.action_id(request.action_lower());
        // The resource a decision is made on (`*` for wildcard-only actions, S-28), as
        // `PreparedRequest` computes it.
        let wildcard_only = id
            .and_then(|id| self.catalog.action_by_id(id))
            .is_some_and(|a| a.is_wildcard_only());
        let resource = if wildcard_only {
            "*"
        } else {
            request.resource.as_str()
        };
        let only = one::OneRequest {
            action_id: id,
            wildcard_only,
            service: request.service_lower(),
            name: request.name_lower(),
            resource,
            arn: crate::request::arn::arn_segments(resource)
                .map(|segs| crate::request::arn::PArn::new(resource, segs)),
            context: &request.context,
        };
        // The statements are the action's plan (`evaluate_one`): no plan table.
        self.compile_statements(set, 0..0, Some(&only))
    }

    /// Compiles the statements of `set` (all, or those that can apply to `only`'s request; their
    /// layer, policy and statement numbers stay those of the whole set), with a plan table for
    /// catalog action ids `plan_ids`.
    fn compile_statements(
        &self,
        set: &PolicySet,
        plan_ids: std::ops::Range<usize>,
        only: Option<&one::OneRequest<'_>>,
    ) -> Result<CompiledSet<'a>, CompileError> {
        let arena = self.arena;
        let layers = set.layers();

        let mut searchers = Vec::new();
        // Distinct `service:pattern` entries, keyed by the policy's own pattern (no copies).
        // Sized for every action entry up front: growing it was a tenth of compiling a set.
        let entries: usize = match only {
            // Specialised to one request, no action pattern is compiled.
            Some(_) => 0,
            None => layers
                .iter()
                .flat_map(|(_, ps)| ps.iter())
                .flat_map(|p| p.statements.iter())
                .map(|st| st.action.patterns.len())
                .sum(),
        };
        let mut pat_index: HashMap<(&str, &crate::policy::glob::Glob), u32, FastHash> =
            HashMap::with_capacity_and_hasher(entries, FastHash::default());
        let mut act_pats = bumpalo::collections::Vec::<CActPat<'a>>::new_in(arena);
        let mut stmts = bumpalo::collections::Vec::<CStmt<'a>>::new_in(arena);
        let mut report = CompileReport::default();
        let mut keys: Vec<(&'a str, u64)> = Vec::new();
        // Per-statement scratch, reused (the arena gets exact-size copies).
        let mut pats: Vec<u32> = Vec::new();
        let mut res: Vec<CResPat<'a>> = Vec::new();
        let mut conds: Vec<CCond<'a>> = Vec::new();
        let mut reads: Vec<(u64, &'a str)> = Vec::new();

        for (slot, (_, policies)) in layers.iter().enumerate() {
            for (pi, policy) in policies.iter().enumerate() {
                report.policies += 1;
                for st in &policy.statements {
                    if only.is_some_and(|o| !o.admits_action(st)) {
                        continue;
                    }
                    pats.clear();
                    // Specialised to one request, the action clause is known to admit its action.
                    let mut any = only.is_some();
                    let act_patterns = match only {
                        Some(_) => &[][..],
                        None => &st.action.patterns[..],
                    };
                    for p in act_patterns {
                        let (service, name) = match p {
                            ActionPattern::Any => {
                                any = true;
                                continue;
                            }
                            // Matches no action (S-34): contributes nothing.
                            ActionPattern::Never(_) => continue,
                            ActionPattern::Service { service, name } => (service, name),
                        };
                        let idx = match pat_index.get(&(service.as_str(), name)) {
                            Some(i) => *i,
                            None => {
                                let i = id(act_pats.len(), "action patterns")?;
                                let mut buf = TokBuf::default();
                                let mut text = bumpalo::collections::String::new_in(arena);
                                for t in name.toks() {
                                    let (tok, s) = match t {
                                        GlobTok::Lit(s) => (Tok::Lit(s.as_str()), s.as_str()),
                                        GlobTok::One => (Tok::One, "?"),
                                        GlobTok::Star => (Tok::Star, "*"),
                                    };
                                    buf.push(tok);
                                    text.push_str(s);
                                }
                                act_pats.push(CActPat {
                                    service: arena.alloc_str(service),
                                    name_text: text.into_bump_str(),
                                    name: CGlob::build(arena, buf.as_slice(), &mut searchers),
                                });
                                pat_index.insert((service.as_str(), name), i);
                                i
                            }
                        };
                        pats.push(idx);
                    }
                    res.clear();
                    let mut res_leads: &'a [u8] = &[];
                    let res_negated = match &st.resource {
                        Some(r) => {
                            let negated = match only {
                                None => {
                                    res.extend(r.patterns.iter().map(|p| match p {
                                        ResourcePattern::Any => CResPat::Any,
                                        ResourcePattern::Arn(t) => {
                                            CResPat::build(arena, t, &mut searchers)
                                        }
                                    }));
                                    r.negated
                                }
                                Some(o) => {
                                    match o.resolve_resource(arena, r, &mut res, &mut searchers) {
                                        // The statement cannot apply to the one request.
                                        None => continue,
                                        Some(negated) => negated,
                                    }
                                }
                            };
                            report.resource_patterns += res.len();
                            // A set compiled for one request tries each list once: not worth
                            // indexing.
                            if only.is_none() {
                                res_leads = arn::index_by_lead(arena, &mut res);
                            }
                            arn::share_prefixes(&mut res);
                            negated
                        }
                        // Trust policies only: no resource clause matches nothing here.
                        None => false,
                    };
                    let res_multi = arn::build_arns(
                        res.iter().map(|r| match r {
                            CResPat::Arn(a) => Some(a),
                            _ => None,
                        }),
                        self.prefilter_min,
                        &mut searchers,
                    );
                    conds.clear();
                    for c in &st.conditions {
                        let min = self.prefilter_min;
                        conds.push(match only {
                            None => CCond::build(arena, c, min, &mut searchers),
                            Some(o) => CCond::build_keeping(
                                arena,
                                c,
                                min,
                                &mut searchers,
                                o.operands_for(&c.key_lower),
                            ),
                        });
                    }
                    conds.sort_by_key(CCond::cost);
                    reads.clear();
                    for c in &conds {
                        reads.push((c.id, c.key));
                        reads.extend(c.variables());
                    }
                    keys.extend(reads.iter().map(|&(id, k)| (k, id)));
                    keys.extend(
                        res.iter()
                            .flat_map(|r| r.variables())
                            .map(|(id, k)| (k, id)),
                    );
                    report.conditions += conds.len();
                    stmts.push(CStmt {
                        slot: id(slot, "layers")?,
                        policy: id(pi, "policies")?,
                        index: id(st.index, "statements")?,
                        effect: st.effect,
                        sid: st.sid.as_deref().map(|s| &*arena.alloc_str(s)),
                        act_negated: only.is_none() && st.action.negated,
                        act_any: any,
                        act_pats: arena.alloc_slice_copy(&pats),
                        res_negated,
                        res_any: res.iter().any(|r| matches!(r, CResPat::Any)),
                        res: arena.alloc_slice_copy(&res),
                        res_leads,
                        res_multi,
                        conds: arena.alloc_slice_copy(&conds),
                        reads: arena.alloc_slice_copy(&reads),
                    });
                }
            }
        }
        id(stmts.len(), "statements")?;
        report.statements = stmts.len();
        report.action_patterns = act_pats.len();
        // Equal names have equal ids (interned).
        keys.sort_unstable();
        keys.dedup();
        let mut read_ids: Vec<u64> = stmts
            .iter()
            .flat_map(|st| st.reads.iter().map(|(id, _)| *id))
            .collect();
        read_ids.sort_unstable();
        read_ids.dedup();
        report.condition_keys = read_ids.len();

        report.catalog_actions = self.catalog.action_count();
        let act_pats = act_pats.into_bump_slice();
        let mut by_service: Vec<(&'a str, u32)> = act_pats
            .iter()
            .zip(0u32..)
            .map(|(p, i)| (p.service, i))
            .collect();
        by_service.sort_unstable();
        let services = bumpalo::collections::Vec::from_iter_in(
            by_service.chunk_by(|a, b| a.0 == b.0).map(|group| {
                let service = group.first().map_or("", |(s, _)| *s);
                let ids = arena.alloc_slice_fill_iter(group.iter().map(|(_, i)| *i));
                (service, &*ids)
            }),
            arena,
        );
        Ok(CompiledSet {
            slots: arena.alloc_slice_fill_iter(layers.iter().map(|(l, _)| *l)),
            stmts: stmts.into_bump_slice(),
            act_pats,
            services: services.into_bump_slice(),
            plans: Plans::new(plan_ids),
            read_keys: arena.alloc_slice_copy(&keys),
            catalog_generation: self.catalog.generation(),
            searchers,
            fallback: OnceLock::new(),
            fallback_calls: std::sync::atomic::AtomicU32::new(0),
            specialised: only.map(|o| (o.action_id, o.wildcard_only)),
            report,
        })
    }
}

impl<'a> CompiledSet<'a> {
    /// Counts describing the set (`plans`: the distinct plans built so far).
    pub fn report(&self) -> CompileReport {
        CompileReport {
            plans: self.plans.distinct(),
            ..self.report.clone()
        }
    }

    /// Bytes this set uses: its arena data, the plans built so far, owned searchers and, once
    /// built, the fallback DFA.
    pub fn memory_usage(&self) -> usize {
        use std::mem::size_of_val;
        let mut n = size_of_val(self) + size_of_val(self.slots) + size_of_val(self.stmts);
        n += size_of_val(self.act_pats) + size_of_val(self.services);
        n += self
            .services
            .iter()
            .map(|(s, ids)| s.len() + size_of_val(*ids))
            .sum::<usize>();
        for p in self.act_pats {
            n += p.service.len() + p.name_text.len() + glob_bytes(&p.name);
        }
        n += self.plans.memory_usage();
        for s in self.stmts {
            n += size_of_val(s.act_pats)
                + size_of_val(s.res)
                + size_of_val(s.conds)
                + size_of_val(s.reads);
            n += s.sid.map_or(0, str::len);
            for r in s.res {
                n += res_bytes(r);
            }
            for c in s.conds {
                n += cond_bytes(c);
            }
        }
        n += self
            .searchers
            .iter()
            .map(Searcher::memory_usage)
            .sum::<usize>();
        if let Some(Fallback::Dfa(d)) = self.fallback.get() {
            n += d.memory_usage();
        }
        n
    }
}

fn glob_bytes(g: &CGlob<'_>) -> usize {
    match g {
        CGlob::Any => 0,
        CGlob::Exact(a) | CGlob::Prefix(a) | CGlob::Suffix(a) | CGlob::Contains(a) => a.len(),
        CGlob::PrefixSuffix(a, b) | CGlob::PrefixContains(a, b) => a.len() + b.len(),
        CGlob::General { toks, .. } => {
            std::mem::size_of_val(*toks)
                + toks
                    .iter()
                    .map(|t| {
                        if let glob::Tok::Lit(s) = t {
                            s.len()
                        } else {
                            0
                        }
                    })
                    .sum::<usize>()
        }
    }
}

fn arn_bytes(a: &arn::CArn<'_>) -> usize {
    match a {
        arn::CArn::Full { prefix, segs, .. } => {
            prefix.len()
                + std::mem::size_of_val(*segs)
                + segs.iter().map(|c| glob_bytes(&c.glob)).sum::<usize>()
        }
        arn::CArn::Short {
            prefix, head, tail, ..
        } => {
            prefix.len()
                + std::mem::size_of_val(*head)
                + head.iter().map(|c| glob_bytes(&c.glob)).sum::<usize>()
                + glob_bytes(tail)
        }
        arn::CArn::Never => 0,
    }
}

fn template_bytes(t: &template::CTemplate<'_>) -> usize {
    std::mem::size_of_val(t.pieces)
        + t.pieces
            .iter()
            .map(|p| match p {
                template::CPiece::Pat(s) | template::CPiece::Lit(s) => s.len(),
                template::CPiece::Var { key, default, .. } => {
                    key.len() + default.map_or(0, str::len)
                }
            })
            .sum::<usize>()
}

fn res_bytes(r: &CResPat<'_>) -> usize {
    match r {
        CResPat::Any => 0,
        CResPat::Arn(a) => arn_bytes(a),
        CResPat::ArnVar { head, tail } => {
            std::mem::size_of_val(*head)
                + head.iter().map(glob_bytes).sum::<usize>()
                + template_bytes(tail)
        }
    }
}

fn cond_bytes(c: &CCond<'_>) -> usize {
    use condition::CVals;
    let templ = |ts: &[template::CTemplate<'_>]| {
        std::mem::size_of_val(ts) + ts.iter().map(template_bytes).sum::<usize>()
    };
    c.key.len()
        + match c.vals {
            CVals::Str {
                lits,
                globs,
                templ: t,
                ..
            } => {
                // Prefilters are counted with the set's searchers.
                std::mem::size_of_val(lits)
                    + lits.iter().map(|s| s.len()).sum::<usize>()
                    + std::mem::size_of_val(globs)
                    + globs.iter().map(glob_bytes).sum::<usize>()
                    + templ(t)
            }
            CVals::Num { vals, .. } => std::mem::size_of_val(vals),
            CVals::Date { vals, .. } => std::mem::size_of_val(vals),
            CVals::Bool { templ: t, .. } => templ(t),
            CVals::Bin { vals } => {
                std::mem::size_of_val(vals) + vals.iter().map(|b| b.len()).sum::<usize>()
            }
            CVals::Ip { cidrs } => std::mem::size_of_val(cidrs),
            CVals::Arn { pats, templ: t, .. } => {
                std::mem::size_of_val(pats) + pats.iter().map(arn_bytes).sum::<usize>() + templ(t)
            }
            CVals::Null { .. } => 0,
        }
}
