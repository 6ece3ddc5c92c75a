//! Sets of integers as sorted, disjoint closed intervals: the exact domain of numbers (decimals
//! scaled by 10^18), dates (whole seconds) and IP addresses (32- or 128-bit integers).
//!
//! INVARIANT (normal form): ranges are sorted, non-empty, and neither overlap nor touch, so two
//! equal sets have equal representations and emptiness is `ranges.is_empty()`.

/// An integer type intervals range over.
pub(crate) trait Point: Copy + Ord + std::fmt::Debug {
    /// The next value, if any.
    fn succ(self) -> Option<Self>;
    /// The previous value, if any.
    fn pred(self) -> Option<Self>;
}

impl Point for i128 {
    fn succ(self) -> Option<i128> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<i128> {
        self.checked_sub(1)
    }
}

impl Point for u128 {
    fn succ(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn pred(self) -> Option<u128> {
        self.checked_sub(1)
    }
}

/// A set of integers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Intervals<T> {
    ranges: Vec<(T, T)>,
}

impl<T: Point> Intervals<T> {
    /// The empty set.
    pub(crate) fn empty() -> Intervals<T> {
        Intervals { ranges: Vec::new() }
    }

    /// `[lo, hi]`, empty when `lo > hi`.
    pub(crate) fn range(lo: T, hi: T) -> Intervals<T> {
        if lo > hi {
            Intervals::empty()
        } else {
            Intervals {
                ranges: vec![(lo, hi)],
            }
        }
    }

    /// The ranges, sorted.
    pub(crate) fn ranges(&self) -> &[(T, T)] {
        &self.ranges
    }

    /// True when the set is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// True when `x` is in the set.
    pub(crate) fn contains(&self, x: T) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= x && x <= hi)
    }

    fn normalize(mut ranges: Vec<(T, T)>) -> Intervals<T> {
        ranges.retain(|(lo, hi)| lo <= hi);
        ranges.sort();
        let mut out: Vec<(T, T)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            if let Some(last) = out.last_mut() {
                let touches = last.1 >= lo || last.1.succ() == Some(lo);
                if touches {
                    if hi > last.1 {
                        last.1 = hi;
                    }
                    continue;
                }
            }
            out.push((lo, hi));
        }
        Intervals { ranges: out }
    }

    /// The union.
    pub(crate) fn union(&self, other: &Intervals<T>) -> Intervals<T> {
        let mut all = self.ranges.clone();
        all.extend(other.ranges.iter().copied());
        Intervals::normalize(all)
    }

    /// The intersection.
    pub(crate) fn intersect(&self, other: &Intervals<T>) -> Intervals<T> {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a0, a1)), Some(&(b0, b1))) = (self.ranges.get(i), other.ranges.get(j)) {
            let lo = a0.max(b0);
            let hi = a1.min(b1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a1 < b1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Intervals { ranges: out }
    }

    /// `[lo, hi]` minus this set.
    pub(crate) fn complement_within(&self, lo: T, hi: T) -> Intervals<T> {
        let mut out = Vec::new();
        let mut cur = Some(lo);
        for &(a, b) in &self.ranges {
            let Some(c) = cur else { break };
            if b < c {
                continue;
            }
            if a > hi {
                break;
            }
            if a > c
                && let Some(p) = a.pred()
            {
                out.push((c, p.min(hi)));
            }
            cur = b.succ();
        }
        if let Some(c) = cur
            && c <= hi
        {
            out.push((c, hi));
        }
        Intervals::normalize(out)
    }

    /// The element nearest to `target` (the smaller one on a tie).
    pub(crate) fn nearest(&self, target: T, dist: impl Fn(T, T) -> u128) -> Option<T> {
        let mut best: Option<(u128, T)> = None;
        for &(lo, hi) in &self.ranges {
            let x = target.clamp(lo, hi);
            let d = dist(x, target);
            if best.is_none_or(|(bd, bx)| d < bd || (d == bd && x < bx)) {
                best = Some((d, x));
            }
        }
        best.map(|(_, x)| x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(r: &[(i128, i128)]) -> Intervals<i128> {
        r.iter().fold(Intervals::empty(), |acc, &(a, b)| {
            acc.union(&Intervals::range(a, b))
        })
    }

    #[test]
    fn normal_form_and_operations() {
        let a = set(&[(0, 5), (6, 9), (20, 30)]);
        assert_eq!(a.ranges(), &[(0, 9), (20, 30)]);
        let b = set(&[(8, 22)]);
        assert_eq!(a.intersect(&b).ranges(), &[(8, 9), (20, 22)]);
        assert_eq!(
            a.complement_within(-5, 40).ranges(),
            &[(-5, -1), (10, 19), (31, 40)]
        );
        assert_eq!(a.complement_within(0, 9).ranges(), &[] as &[(i128, i128)]);
        assert!(Intervals::range(3i128, 2).is_empty());
        let full = Intervals::range(i128::MIN, i128::MAX);
        assert!(full.complement_within(i128::MIN, i128::MAX).is_empty());
        let d = |x: i128, y: i128| x.abs_diff(y);
        assert_eq!(a.nearest(14, d), Some(9));
        assert_eq!(a.nearest(15, d), Some(20));
        assert_eq!(a.nearest(16, d), Some(20));
        assert_eq!(a.nearest(3, d), Some(3));
    }

    #[test]
    fn complement_is_exact_on_a_small_universe() {
        let a = set(&[(1, 2), (5, 5), (7, 9)]);
        let c = a.complement_within(0, 10);
        for x in 0..=10 {
            assert_eq!(c.contains(x), !a.contains(x), "{x}");
        }
        let u: Intervals<u128> = Intervals::range(0, u128::MAX);
        assert!(u.complement_within(0, u128::MAX).is_empty());
        let v: Intervals<u128> = Intervals::range(5, u128::MAX);
        assert_eq!(v.complement_within(0, u128::MAX).ranges(), &[(0, 4)]);
    }
}
