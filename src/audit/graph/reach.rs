//! Walking the graph: breadth-first from one node (the shortest chain to everything it reaches;
//! cycles are visited once), and breadth-first backwards from a set of nodes (the shortest chain
//! from every node to the nearest of them).

use std::collections::{HashSet, VecDeque};

use super::Graph;
use crate::audit::model::Hop;

/// Scratch space for walks from one node, reused across walks (one per worker).
pub(crate) struct Walk {
    /// Nodes reached by the last walk, nearest first (the start left out).
    pub(crate) order: Vec<u32>,
    stamp: Vec<u32>,
    generation: u32,
    /// Per node: (node it was reached from, index of the edge in that node's list).
    parent: Vec<(u32, u32)>,
    queue: VecDeque<u32>,
    /// Actors whose shared edges the walk has followed.
    expanded: HashSet<u32>,
}

impl Walk {
    /// Scratch for a graph of `nodes` nodes.
    pub(crate) fn new(nodes: usize) -> Walk {
        Walk {
            order: Vec::new(),
            stamp: vec![0; nodes],
            generation: 0,
            parent: vec![(0, 0); nodes],
            queue: VecDeque::new(),
            expanded: HashSet::new(),
        }
    }

    fn seen(&self, n: u32) -> bool {
        self.stamp.get(n as usize) == Some(&self.generation)
    }

    fn mark(&mut self, n: u32, parent: (u32, u32)) {
        if let Some(s) = self.stamp.get_mut(n as usize) {
            *s = self.generation;
        }
        if let Some(p) = self.parent.get_mut(n as usize) {
            *p = parent;
        }
    }

    /// Walks from `start` over `g`'s edges. An actor's shared edges are followed from the
    /// first of its nodes the walk reaches (from a later one they lead nowhere new).
    pub(crate) fn run(&mut self, g: &Graph<'_>, start: u32) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.iter_mut().for_each(|s| *s = u32::MAX);
            self.generation = 1;
        }
        self.order.clear();
        self.queue.clear();
        self.mark(start, (start, 0));
        self.queue.push_back(start);
        self.expanded.clear();
        while let Some(n) = self.queue.pop_front() {
            let own = g.out.get(n as usize).map_or(&[][..], Vec::as_slice);
            let actor = g.node_actor.get(n as usize).copied().flatten();
            let shared = match actor {
                Some(a) if self.expanded.insert(a) => {
                    g.shared.get(a as usize).map_or(&[][..], Vec::as_slice)
                }
                _ => &[][..],
            };
            let offset = own.len();
            let all = own
                .iter()
                .enumerate()
                .chain(shared.iter().enumerate().map(|(i, e)| (offset + i, e)));
            for (i, e) in all {
                if e.to == n || self.seen(e.to) {
                    continue;
                }
                self.mark(e.to, (n, u32::try_from(i).unwrap_or(u32::MAX)));
                self.order.push(e.to);
                self.queue.push_back(e.to);
            }
        }
    }

    /// The first edge (its index at `start`) of the last walk's chain to `target`, and the
    /// chain's length.
    pub(crate) fn first_hop(&self, start: u32, target: u32) -> Option<(u32, usize)> {
        let mut cur = target;
        let mut hops = 0usize;
        while self.seen(cur) {
            let &(from, edge) = self.parent.get(cur as usize)?;
            hops += 1;
            if from == start {
                return Some((edge, hops));
            }
            cur = from;
            if hops > self.stamp.len() {
                break;
            }
        }
        None
    }

    /// The edges from the last walk's start to `target`, in order, as (from, edge index).
    pub(crate) fn path(&self, start: u32, target: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut cur = target;
        while cur != start && self.seen(cur) {
            let Some(&(from, edge)) = self.parent.get(cur as usize) else {
                break;
            };
            out.push((from, edge));
            cur = from;
            if out.len() > self.stamp.len() {
                break;
            }
        }
        out.reverse();
        out
    }
}

/// For every node, the first edge of a shortest chain to one of `goals` (`None`: a goal itself,
/// or no chain) and the chain's length (`u32::MAX`: none).
pub(crate) fn toward(g: &Graph<'_>, goals: &[bool]) -> (Vec<Option<(u32, u32)>>, Vec<u32>) {
    let n = g.nodes.len();
    // Predecessors through own edges, and through actors' shared edges: target → actors.
    let mut rev: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
    for (from, edges) in g.out.iter().enumerate() {
        let Ok(from) = u32::try_from(from) else {
            continue;
        };
        for (i, e) in edges.iter().enumerate() {
            if let Some(list) = rev.get_mut(e.to as usize) {
                list.push((from, u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
    }
    let mut rev_shared: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
    for (actor, edges) in g.shared.iter().enumerate() {
        let Ok(actor) = u32::try_from(actor) else {
            continue;
        };
        for (i, e) in edges.iter().enumerate() {
            if let Some(list) = rev_shared.get_mut(e.to as usize) {
                list.push((actor, u32::try_from(i).unwrap_or(u32::MAX)));
            }
        }
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); g.shared.len()];
    for (node, a) in g.node_actor.iter().enumerate() {
        if let (Some(a), Ok(node)) = (a, u32::try_from(node))
            && let Some(m) = members.get_mut(*a as usize)
        {
            m.push(node);
        }
    }
    let mut next: Vec<Option<(u32, u32)>> = vec![None; n];
    let mut dist = vec![u32::MAX; n];
    let mut queue = VecDeque::new();
    for (i, goal) in goals.iter().enumerate() {
        if *goal && let (Some(d), Ok(i)) = (dist.get_mut(i), u32::try_from(i)) {
            *d = 0;
            queue.push_back(i);
        }
    }
    // Actors whose members were all reached through a shared edge already.
    let mut done = vec![false; members.len()];
    while let Some(v) = queue.pop_front() {
        let dv = dist
            .get(v as usize)
            .copied()
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let mut reach = |from: u32, edge: u32, queue: &mut VecDeque<u32>| {
            let Some(d) = dist.get_mut(from as usize) else {
                return;
            };
            if *d != u32::MAX {
                return;
            }
            *d = dv;
            if let Some(x) = next.get_mut(from as usize) {
                *x = Some((from, edge));
            }
            queue.push_back(from);
        };
        for &(from, edge) in rev.get(v as usize).map_or(&[][..], Vec::as_slice) {
            reach(from, edge, &mut queue);
        }
        for &(actor, i) in rev_shared.get(v as usize).map_or(&[][..], Vec::as_slice) {
            if done.get(actor as usize) != Some(&false) {
                continue;
            }
            let mut all = true;
            for &m in members.get(actor as usize).map_or(&[][..], Vec::as_slice) {
                if m == v {
                    // An edge to itself is skipped: another target may still reach it.
                    all = false;
                    continue;
                }
                let own = g.out.get(m as usize).map_or(0, Vec::len);
                let index = u32::try_from(own + i as usize).unwrap_or(u32::MAX);
                reach(m, index, &mut queue);
            }
            if let Some(flag) = done.get_mut(actor as usize) {
                *flag = all;
            }
        }
    }
    (next, dist)
}

impl Graph<'_> {
    /// A chain of (from, edge index) as report hops.
    pub(crate) fn hops(&self, path: &[(u32, u32)]) -> Vec<Hop> {
        path.iter()
            .filter_map(|&(from, i)| {
                let e = self.edge(from, i)?;
                Some(Hop {
                    from: self.nodes.get(from as usize)?.label.clone(),
                    to: self.nodes.get(e.to as usize)?.label.clone(),
                    kind: e.kind.as_str().to_owned(),
                    actions: e.info.actions.clone(),
                    statements: e.info.statements.clone(),
                    conditions: e.info.conditions.clone(),
                })
            })
            .collect()
    }

    /// The chain from `from` along first edges `next` (from [`toward`]) to a goal.
    pub(crate) fn follow(&self, next: &[Option<(u32, u32)>], from: u32) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        let mut cur = from;
        while let Some(Some((f, i))) = next.get(cur as usize) {
            out.push((*f, *i));
            let Some(e) = self.edge(*f, *i) else { break };
            cur = e.to;
            if out.len() > self.nodes.len() {
                break;
            }
        }
        out
    }
}
