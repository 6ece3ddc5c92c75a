//! The allowed-region formula of one policy set for one action, before any request model:
//! the statements whose `Action`/`NotAction` admits the action, per gate, each a conjunction of
//! atoms (its resource clause and its conditions, deduplicated across statements), and the
//! concrete evaluation of that formula on a request ([`Formula::admits`]).
//!
//! The formula is faithful for every request of the action, modelled or not: a request is
//! allowed iff no deny term holds, the request is not cross-account (S-27), and every gate (each
//! SCP level, identity, the boundary if set, the session policy if given) has an allow term that
//! holds. Concrete evaluation resolves policy variables the way the compiled engine does for an
//! audit: from the request's own context first, then from the principal's.
//!
//! INVARIANT (same selection as the engines): a statement is in the formula iff its action
//! clause admits the action (`ActionPattern::matches` on the lowercased service and name, XOR
//! `NotAction`); statements without a resource clause (trust policies) never apply.

use std::collections::HashMap;
use std::sync::Arc;

use super::domain::MatchSet;
use super::err::AnalyzeError;
use super::keys::{CondAtom, Test};
use super::strings::Matcher;
use crate::catalog::{ActionInfo, Catalog};
use crate::condition::{Condition, Values};
use crate::eval::{Context, ContextEntry, Layer, MatchedStatement, Request};
use crate::hash::FastHash;
use crate::policy::{Effect, Policy, PolicySet, ResourceClause, ResourcePattern};

/// An atom of the formula: one statement part that a request satisfies or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum AtomKind {
    /// A `Resource`/`NotResource` clause.
    Resource(ResourceClause),
    /// One condition.
    Condition(Condition),
}

impl AtomKind {
    /// The lowercase keys of the policy variables it reads.
    pub(crate) fn variable_keys(&self) -> Vec<String> {
        let mut out: Vec<String> = match self {
            AtomKind::Resource(r) => r
                .patterns
                .iter()
                .flat_map(|p| match p {
                    ResourcePattern::Arn(t) => t.variables().map(|v| v.key_lower.clone()).collect(),
                    ResourcePattern::Any => Vec::new(),
                })
                .collect(),
            AtomKind::Condition(c) => c.variables().map(|v| v.key_lower.clone()).collect(),
        };
        out.sort();
        out.dedup();
        out
    }
}

/// An atom with what can be worked out before any request.
#[derive(Debug, Clone)]
pub(crate) struct Atom {
    /// The atom.
    pub(crate) kind: AtomKind,
    /// For atoms without variables: the resolved form.
    pub(crate) fixed: Option<Arc<Resolved>>,
}

/// An atom with its variables resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Resolved {
    /// A resource clause: the union of its patterns (`None` = `*`), and `NotResource`.
    Resource {
        /// The patterns; an ARN pattern that matches nothing is left out.
        pats: Vec<Option<Matcher>>,
        /// `NotResource`.
        negated: bool,
    },
    /// A condition.
    Cond(CondAtom),
}

impl Resolved {
    /// Resolves `kind` with `lookup` for variables.
    pub(crate) fn of<'a>(
        kind: &AtomKind,
        lookup: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> Resolved {
        match kind {
            AtomKind::Resource(clause) => Resolved::Resource {
                pats: clause
                    .patterns
                    .iter()
                    .filter_map(|p| match p {
                        ResourcePattern::Any => Some(None),
                        ResourcePattern::Arn(t) => t
                            .resolve_glob(lookup)
                            .and_then(|g| Matcher::arn(&g))
                            .map(Some),
                    })
                    .collect(),
                negated: clause.negated,
            },
            AtomKind::Condition(c) => Resolved::Cond(cond_atom(c, lookup)),
        }
    }

    /// Truth of a resolved resource clause on `resource`.
    pub(crate) fn resource_holds(pats: &[Option<Matcher>], negated: bool, resource: &str) -> bool {
        pats.iter()
            .any(|p| p.as_ref().is_none_or(|m| m.matches(resource)))
            != negated
    }
}

/// A condition with its values resolved.
pub(crate) fn cond_atom<'a>(
    c: &Condition,
    lookup: impl Fn(&str) -> Option<&'a str> + Copy,
) -> CondAtom {
    let test = match &c.values {
        Values::Null(tests) => Test::Null(tests.clone()),
        _ => match MatchSet::of(c, lookup) {
            Some(m) => Test::Match(m),
            None => Test::Null(Vec::new()),
        },
    };
    CondAtom {
        op: c.op,
        key_lower: c.key_lower.clone(),
        test,
    }
}

thread_local! {
    static RESOLVED: std::cell::RefCell<HashMap<AtomKind, Arc<Resolved>, FastHash>> =
        std::cell::RefCell::new(HashMap::default());
}

/// The resolved form of an atom without variables, remembered per thread (policies repeat
/// their resource and condition blocks across actions and principals).
fn resolved_fixed(kind: &AtomKind) -> Arc<Resolved> {
    if let Some(r) = RESOLVED.with(|m| m.borrow().get(kind).cloned()) {
        return r;
    }
    let r = Arc::new(Resolved::of(kind, |_| None));
    RESOLVED.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() > 1 << 14 {
            m.clear();
        }
        m.insert(kind.clone(), Arc::clone(&r));
    });
    r
}

/// One statement: the conjunction of its atoms.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// Which statement.
    pub(crate) stmt: MatchedStatement,
    /// Its JSON pointer in its policy.
    pub(crate) pointer: String,
    /// Indexes into [`Formula::atoms`].
    pub(crate) atoms: Vec<u32>,
}

/// One gate: a layer's allow terms (one must hold) and deny terms (none may hold).
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    /// The layer.
    pub(crate) layer: Layer,
    /// Allow statements that admit the action.
    pub(crate) allows: Vec<Term>,
    /// Deny statements that admit the action.
    pub(crate) denies: Vec<Term>,
}

impl Gate {
    /// SCP levels are the organization's guardrails.
    pub(crate) fn is_guardrail(&self) -> bool {
        matches!(self.layer, Layer::Scp(_))
    }
}

/// The allowed-region formula of a policy set for one action (see the module docs).
#[derive(Debug, Clone)]
pub struct Formula {
    pub(crate) action: String,
    pub(crate) action_lower: String,
    pub(crate) wildcard_only: bool,
    pub(crate) atoms: Vec<Atom>,
    pub(crate) gates: Vec<Gate>,
}

fn idx(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

impl Formula {
    /// Selects the statements of `set` that admit `action`, per gate.
    pub(crate) fn build(set: &PolicySet, action: &ActionInfo) -> Formula {
        let service = action.service.to_ascii_lowercase();
        let name = action.name.to_ascii_lowercase();
        let mut atoms: Vec<Atom> = Vec::new();
        let mut index: HashMap<AtomKind, u32, FastHash> = HashMap::default();
        let mut intern = |kind: AtomKind| -> u32 {
            if let Some(&i) = index.get(&kind) {
                return i;
            }
            let i = idx(atoms.len());
            let fixed = kind
                .variable_keys()
                .is_empty()
                .then(|| resolved_fixed(&kind));
            index.insert(kind.clone(), i);
            atoms.push(Atom { kind, fixed });
            i
        };
        let mut layers: Vec<(Layer, &[Policy])> = Vec::new();
        for (level, policies) in set.scps.iter().enumerate() {
            layers.push((Layer::Scp(idx(level)), policies));
        }
        layers.push((Layer::Identity, &set.identity));
        if let Some(b) = &set.boundary {
            layers.push((Layer::Boundary, b));
        }
        if let Some(s) = &set.session {
            layers.push((Layer::Session, std::slice::from_ref(s)));
        }
        let mut gates = Vec::with_capacity(layers.len());
        for (layer, policies) in layers {
            let mut gate = Gate {
                layer,
                allows: Vec::new(),
                denies: Vec::new(),
            };
            for (pi, policy) in policies.iter().enumerate() {
                for st in &policy.statements {
                    if !st.action.applies_to(&service, &name) {
                        continue;
                    }
                    let Some(res) = &st.resource else { continue };
                    let mut ids = vec![intern(AtomKind::Resource(res.clone()))];
                    ids.extend(
                        st.conditions
                            .iter()
                            .map(|c| intern(AtomKind::Condition(c.clone()))),
                    );
                    ids.sort_unstable();
                    ids.dedup();
                    let term = Term {
                        stmt: MatchedStatement {
                            layer,
                            policy: idx(pi),
                            statement: idx(st.index),
                            sid: st.sid.clone(),
                            effect: st.effect,
                        },
                        pointer: st.pointer.clone(),
                        atoms: ids,
                    };
                    match st.effect {
                        Effect::Allow => gate.allows.push(term),
                        Effect::Deny => gate.denies.push(term),
                    }
                }
            }
            gates.push(gate);
        }
        Formula {
            action: action.full_name(),
            action_lower: format!("{service}:{name}"),
            wildcard_only: action.is_wildcard_only(),
            atoms,
            gates,
        }
    }

    /// `service:Action` as the catalog spells it.
    pub(crate) fn action(&self) -> &str {
        &self.action
    }

    #[cfg(test)]
    /// Number of distinct atoms.
    pub(crate) fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    #[cfg(test)]
    /// Number of statements that admit the action, over every gate.
    pub(crate) fn statement_count(&self) -> usize {
        self.gates
            .iter()
            .map(|g| g.allows.len() + g.denies.len())
            .sum()
    }

    /// True when the formula allows `request` made by the principal whose own context entries
    /// are `principal` (as `CompiledSet::evaluate_as` decides it). Fails when the request is for
    /// another action.
    pub fn admits(
        &self,
        request: &Request,
        principal: &Context,
        catalog: &Catalog,
    ) -> Result<bool, AnalyzeError> {
        let conc = Concrete::new(self, request, principal, catalog)?;
        Ok(conc.allowed(self))
    }
}

/// A request as the formula's atoms read it.
pub(crate) struct Concrete<'a> {
    request: &'a Request,
    principal: &'a Context,
    catalog: &'a Catalog,
    resource: &'a str,
    cache: std::cell::RefCell<HashMap<u32, bool>>,
}

impl<'a> Concrete<'a> {
    pub(crate) fn new(
        f: &Formula,
        request: &'a Request,
        principal: &'a Context,
        catalog: &'a Catalog,
    ) -> Result<Concrete<'a>, AnalyzeError> {
        if request.action_lower() != f.action_lower {
            return Err(AnalyzeError::OtherAction {
                formula: f.action.clone(),
                request: request.action().to_owned(),
            });
        }
        Ok(Concrete {
            request,
            principal,
            catalog,
            resource: if f.wildcard_only {
                "*"
            } else {
                request.resource.as_str()
            },
            cache: std::cell::RefCell::new(HashMap::new()),
        })
    }

    fn entry(&self, key_lower: &str) -> Option<&'a ContextEntry> {
        self.request
            .context
            .get(key_lower)
            .or_else(|| self.principal.get(key_lower))
    }

    fn multivalued(&self, e: &ContextEntry) -> bool {
        e.is_list || self.catalog.is_multivalued(&e.key_lower)
    }

    fn variable(&self, key_lower: &str) -> Option<&'a str> {
        let e = self.entry(key_lower)?;
        if self.multivalued(e) {
            return None;
        }
        e.values.first().map(String::as_str)
    }

    /// Truth of atom `i`.
    pub(crate) fn atom(&self, f: &Formula, i: u32) -> bool {
        if let Some(&v) = self.cache.borrow().get(&i) {
            return v;
        }
        let Some(atom) = f.atoms.get(i as usize) else {
            return false;
        };
        let resolved;
        let r = match &atom.fixed {
            Some(r) => r.as_ref(),
            None => {
                resolved = Resolved::of(&atom.kind, |k| self.variable(k));
                &resolved
            }
        };
        let v = match r {
            Resolved::Resource { pats, negated } => {
                Resolved::resource_holds(pats, *negated, self.resource)
            }
            Resolved::Cond(c) => match self.entry(&c.key_lower) {
                None => c.holds_on(false, false, &[]),
                Some(e) => c.holds_on(true, self.multivalued(e), &e.values),
            },
        };
        self.cache.borrow_mut().insert(i, v);
        v
    }

    /// Truth of a term.
    pub(crate) fn term(&self, f: &Formula, t: &Term) -> bool {
        t.atoms.iter().all(|&a| self.atom(f, a))
    }

    /// True when the request is cross-account (S-27).
    pub(crate) fn cross_account(&self) -> bool {
        self.request.is_cross_account_for(self.resource)
    }

    /// The formula's decision.
    pub(crate) fn allowed(&self, f: &Formula) -> bool {
        let denied = f
            .gates
            .iter()
            .any(|g| g.denies.iter().any(|t| self.term(f, t)));
        !denied
            && !self.cross_account()
            && f.gates
                .iter()
                .all(|g| g.allows.iter().any(|t| self.term(f, t)))
    }
}
