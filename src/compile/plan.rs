//! Action plans, built on demand: for one action, per layer slot, the deny and allow statements
//! whose action clause admits it. A compiled set builds an action's plan the first time a decision
//! asks for it, so compiling costs what the policies hold, not what the catalog holds.
//!
//! Plans of catalog actions live in a table indexed by the action's dense id (one
//! [`OnceLock`] per action); plans of actions outside the catalog in a small table keyed by the
//! action's name. Identical plans are stored once. Building takes a lock (the set's table of
//! distinct plans); reading a built plan is one atomic load.
//!
//! INVARIANT (plans decide, explanations do not read them): a plan keeps only what can change the
//! decision. A statement that always applies (no condition, `Resource: "*"`) replaces the rest of
//! its slot's list, and a slot whose allow always applies is not checked at all; slots keep their
//! order, so the deciding layer is the one AWS's order names. Within a slot, statements are
//! checked cheapest first (only whether some deny, or some allow, of the slot applies matters).
//! Explanations list matched statements from the statements themselves.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{CStmt, CompiledSet};
use crate::hash::FastHash;
use crate::policy::Effect;

/// Which of a set's action patterns match an action: a bitset, inline for up to 512 patterns.
pub(crate) struct PatSet {
    inline: [u64; 8],
    spill: Vec<u64>,
}

impl PatSet {
    /// An empty set over `n` patterns (allocates only above 512).
    pub(crate) fn new(n: usize) -> PatSet {
        let spill = if n > 512 {
            vec![0; n.div_ceil(64)]
        } else {
            Vec::new()
        };
        PatSet {
            inline: [0; 8],
            spill,
        }
    }

    fn words(&mut self) -> &mut [u64] {
        if self.spill.is_empty() {
            &mut self.inline
        } else {
            &mut self.spill
        }
    }

    /// Adds pattern `i`.
    pub(crate) fn insert(&mut self, i: usize) {
        if let Some(w) = self.words().get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }

    /// True when pattern `i` is in the set.
    pub(crate) fn contains(&self, i: usize) -> bool {
        let words: &[u64] = if self.spill.is_empty() {
            &self.inline
        } else {
            &self.spill
        };
        words.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// True when statement `st`'s action clause admits an action whose matching patterns are `pats`.
pub(crate) fn admits(st: &CStmt<'_>, pats: &PatSet) -> bool {
    let any = st.act_any || st.act_pats.iter().any(|p| pats.contains(*p as usize));
    any != st.act_negated
}

/// One action's plan: the statements a decision on it may evaluate, in the order it evaluates
/// them.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Plan {
    /// Deny statements with their slot, by slot: the first that applies decides.
    deny: Box<[(u32, u32)]>,
    /// The slots whose allow must be checked, in slot order, each with its statements as a range
    /// of `allow_ids`. A slot with no allow statement ends the list (it denies whatever reaches
    /// it); a slot with a statement that always applies is left out.
    allow: Box<[(u32, u32, u32)]>,
    /// Allow statements, slot after slot.
    allow_ids: Box<[u32]>,
}

impl Plan {
    /// Deny statements and their slots, in evaluation order.
    #[inline]
    pub(crate) fn denies(&self) -> &[(u32, u32)] {
        &self.deny
    }

    /// The slots whose allow statements must be checked, in order, with those statements.
    #[inline]
    pub(crate) fn allows(&self) -> impl Iterator<Item = (usize, &[u32])> {
        self.allow.iter().map(|&(slot, s, e)| {
            let ids = self.allow_ids.get(s as usize..e as usize).unwrap_or(&[]);
            (slot as usize, ids)
        })
    }

    /// Heap bytes.
    fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.deny)
            + std::mem::size_of_val(&*self.allow)
            + std::mem::size_of_val(&*self.allow_ids)
            + 2 * std::mem::size_of::<usize>()
    }
}

/// Entries of the table of plans for actions outside the catalog (keyed by name); decisions on
/// further such actions match the set's patterns every time, without allocating.
const OTHER_ACTIONS: usize = 64;

/// How many places of that table an action may take (linear probing from its hash).
const PROBES: usize = 8;

/// A plan kept for an action outside the catalog, with the action's name.
type Named = (Box<str>, Arc<Plan>);

/// A compiled set's plans.
pub(crate) struct Plans {
    /// Per catalog action id, from `first_id` on.
    by_action: Box<[OnceLock<Arc<Plan>>]>,
    /// The catalog action id of `by_action[0]`.
    first_id: usize,
    /// Actions outside the catalog (or prepared with another catalog), by name; allocated on
    /// first use.
    others: OnceLock<Box<[OnceLock<Named>]>>,
    /// Distinct plans, so identical plans are stored once.
    distinct: Mutex<HashSet<Arc<Plan>, FastHash>>,
}

impl Plans {
    /// Empty tables for catalog action ids `ids` (the whole catalog, or none for a set compiled
    /// for one request, whose statements are its action's plan; plans it is still asked for
    /// are kept by name).
    pub(crate) fn new(ids: std::ops::Range<usize>) -> Plans {
        Plans {
            first_id: ids.start,
            by_action: ids.map(|_| OnceLock::new()).collect(),
            others: OnceLock::new(),
            distinct: Mutex::new(HashSet::default()),
        }
    }

    /// Distinct plans built so far.
    pub(crate) fn distinct(&self) -> usize {
        self.distinct
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Heap bytes of the tables and the plans built so far.
    pub(crate) fn memory_usage(&self) -> usize {
        let mut n = std::mem::size_of_val(&*self.by_action);
        if let Some(others) = self.others.get() {
            n += std::mem::size_of_val(&**others);
            for (name, _) in others.iter().filter_map(OnceLock::get) {
                n += name.len();
            }
        }
        let distinct = self.distinct.lock().unwrap_or_else(PoisonError::into_inner);
        n += distinct.iter().map(|p| p.bytes()).sum::<usize>();
        n + distinct.capacity() * std::mem::size_of::<Arc<Plan>>()
    }

    /// The plan of catalog action `id`, built by `build` on first use; `None` for an id the
    /// table does not cover.
    #[inline]
    pub(crate) fn catalog(&self, id: usize, build: impl FnOnce() -> Plan) -> Option<&Plan> {
        let slot = self.by_action.get(id.checked_sub(self.first_id)?)?;
        Some(match slot.get() {
            Some(p) => p,
            None => slot.get_or_init(|| self.intern(build())),
        })
    }

    /// The plan of the action named `action` (outside the catalog), built by `build` on first
    /// use; `None` once the table is full (the caller then decides without a plan).
    pub(crate) fn other(
        &self,
        action: &str,
        hash: u64,
        build: impl FnOnce() -> Plan,
    ) -> Option<&Plan> {
        let others = self
            .others
            .get_or_init(|| (0..OTHER_ACTIONS).map(|_| OnceLock::new()).collect());
        let n = others.len();
        let start = usize::try_from(hash % n as u64).unwrap_or(0);
        let mut build = Some(build);
        for k in 0..PROBES.min(n) {
            let slot = others.get((start + k) % n)?;
            let (name, plan) = match slot.get() {
                Some(e) => e,
                None => {
                    let b = build.take()?;
                    slot.get_or_init(|| (action.into(), self.intern(b())))
                }
            };
            if &**name == action {
                return Some(plan);
            }
            // Lost a race for this place, or it holds another action: the plan built (if any)
            // is dropped and the search goes on.
            build.as_ref()?;
        }
        None
    }

    fn intern(&self, plan: Plan) -> Arc<Plan> {
        let mut distinct = self.distinct.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(p) = distinct.get(&plan) {
            return Arc::clone(p);
        }
        let p = Arc::new(plan);
        distinct.insert(Arc::clone(&p));
        p
    }
}

/// True when a statement applies to every request its action clause admits: no condition and
/// `Resource: "*"`.
fn always_applies(st: &CStmt<'_>) -> bool {
    st.res_any && !st.res_negated && st.conds.is_empty()
}

/// A rough rank of what checking a statement costs: its resource entries and its conditions
/// (see `CCond::cost`). A plan checks a slot's statements cheapest first: within a slot only
/// whether some deny applies and whether some allow applies decides (the deciding layer is the
/// slot's), so their order changes the work, never the outcome.
fn cost(st: &CStmt<'_>) -> u32 {
    let res = if st.res_any {
        0
    } else if st.res_multi.1 > 0 || !st.res_leads.is_empty() {
        4
    } else {
        st.res
            .iter()
            .map(|r| match r {
                super::arn::CResPat::ArnVar { .. } => 6,
                _ => 2,
            })
            .sum()
    };
    let conds: u32 = st.conds.iter().map(|c| u32::from(c.cost()) + 1).sum();
    res + conds
}

impl CompiledSet<'_> {
    /// Builds the plan of an action whose matching patterns are `pats`.
    pub(crate) fn build_plan(&self, pats: &PatSet) -> Plan {
        // (slot, allow?, cost, statement), in slot order, then deny before allow, then the
        // cheapest statement first.
        let mut admitted: Vec<(u32, bool, u32, u32)> = Vec::new();
        for (i, st) in self.stmts.iter().enumerate() {
            if let (true, Ok(i)) = (admits(st, pats), u32::try_from(i)) {
                admitted.push((st.slot, st.effect == Effect::Allow, cost(st), i));
            }
        }
        admitted.sort_unstable();
        let always = |i: u32| self.stmts.get(i as usize).is_some_and(always_applies);
        let mut deny = Vec::new();
        let mut allow = Vec::new();
        let mut allow_ids: Vec<u32> = Vec::new();
        let mut allow_open = true;
        for slot in 0..u32::try_from(self.slots.len()).unwrap_or(u32::MAX) {
            let group = |effect: bool| {
                admitted
                    .iter()
                    .filter(move |&&(s, e, _, _)| s == slot && e == effect)
                    .map(|&(_, _, _, i)| i)
            };
            match group(false).find(|&i| always(i)) {
                Some(i) => deny.push((slot, i)),
                None => deny.extend(group(false).map(|i| (slot, i))),
            }
            if !allow_open || group(true).any(always) {
                continue;
            }
            let start = u32::try_from(allow_ids.len()).unwrap_or(u32::MAX);
            allow_ids.extend(group(true));
            let end = u32::try_from(allow_ids.len()).unwrap_or(u32::MAX);
            allow.push((slot, start, end));
            // Nothing past a slot without allow statements is ever checked.
            allow_open = end > start;
        }
        Plan {
            deny: deny.into_boxed_slice(),
            allow: allow.into_boxed_slice(),
            allow_ids: allow_ids.into_boxed_slice(),
        }
    }
}
