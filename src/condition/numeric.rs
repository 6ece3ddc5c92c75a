//! Numeric condition values: exact decimals (S-10).
//!
//! INVARIANT (fixed point): a [`Decimal`] is the value × 10^18 in an `i128`, so comparison is integer
//! comparison and `3600`, `3600.0` and `+3600.000` are equal.

const SCALE_DIGITS: usize = 18;
const MAX_INT_DIGITS: usize = 20;
/// 10^20 × 10^18: magnitudes at or above 10^20 are rejected.
const LIMIT: i128 = 100_000_000_000_000_000_000_000_000_000_000_000_000;

/// An exact decimal number, stored as value × 10^18.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Decimal(i128);

impl Decimal {
    /// Parses `[+-]digits[.digits]` (no exponent, at most 18 fractional digits, magnitude below
    /// 10^20).
    pub(crate) fn parse(text: &str) -> Option<Decimal> {
        let (neg, body) = match text.as_bytes().first()? {
            b'-' => (true, text.get(1..)?),
            b'+' => (false, text.get(1..)?),
            _ => (false, text),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) if !i.is_empty() && !f.is_empty() => (i, f),
            Some(_) => return None,
            None if !body.is_empty() => (body, ""),
            None => return None,
        };
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let int = int.trim_start_matches('0');
        if int.len() > MAX_INT_DIGITS || frac.len() > SCALE_DIGITS {
            return None;
        }
        let mut v: i128 = 0;
        for b in int.bytes() {
            v = v.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
        }
        for i in 0..SCALE_DIGITS {
            let d = frac.as_bytes().get(i).map_or(0, |b| b - b'0');
            v = v.checked_mul(10)?.checked_add(i128::from(d))?;
        }
        if v >= LIMIT {
            return None;
        }
        Some(Decimal(if neg { -v } else { v }))
    }

    /// The scaled integer (value × 10^18).
    pub(crate) fn scaled(self) -> i128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals() {
        assert_eq!(Decimal::parse("3600"), Decimal::parse("3600.0"));
        assert_eq!(Decimal::parse("+3600"), Decimal::parse("3600.000"));
        assert!(Decimal::parse("-1.5") < Decimal::parse("0"));
        assert!(Decimal::parse("0.1") < Decimal::parse("0.10000000000000001"));
        for bad in [
            "",
            "-",
            "1e3",
            "1.",
            ".5",
            "abc",
            "1.0000000000000000001",
            "100000000000000000000",
            "0x10",
            " 1",
        ] {
            assert_eq!(Decimal::parse(bad), None, "{bad}");
        }
        assert!(Decimal::parse("99999999999999999999.999999999999999999").is_some());
    }
}
