//! Date condition values: ISO 8601 (W3C profile) and epoch seconds, as instants (S-11).
//!
//! INVARIANT (one time line): an [`Instant`] is nanoseconds since 1970-01-01T00:00:00Z in an `i128`,
//! whatever form it was written in, so `1735689600` and `2025-01-01T00:00:00Z` are equal.

const NANOS: i128 = 1_000_000_000;

/// A point in time, in nanoseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(i128);

impl Instant {
    /// Nanoseconds since the Unix epoch.
    pub(crate) fn nanos(self) -> i128 {
        self.0
    }

    /// The instant `nanos` nanoseconds after the Unix epoch.
    pub(crate) fn from_nanos(nanos: i128) -> Instant {
        Instant(nanos)
    }

    /// This instant moved by `nanos`.
    pub(crate) fn offset(self, nanos: i128) -> Instant {
        Instant(self.0.saturating_add(nanos))
    }

    /// Parses an ISO 8601 date or date-time, or epoch seconds (digits only, optional sign and
    /// fraction).
    pub(crate) fn parse(text: &str) -> Option<Instant> {
        if is_epoch(text) {
            return parse_epoch(text);
        }
        parse_iso(text)
    }
}

fn is_epoch(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn parse_epoch(text: &str) -> Option<Instant> {
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (secs, frac) = match body.split_once('.') {
        Some((s, f)) if !s.is_empty() && !f.is_empty() => (s, f),
        Some(_) => return None,
        None => (body, ""),
    };
    if secs.len() > 15 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i128 = secs.parse().ok()?;
    let mut nanos: i128 = 0;
    for i in 0..9 {
        nanos = nanos * 10 + frac.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
    }
    let v = secs * NANOS + nanos;
    Some(Instant(if neg { -v } else { v }))
}

/// Reads exactly `n` ASCII digits at the front of `s`.
fn digits(s: &str, n: usize) -> Option<(i64, &str)> {
    let head = s.get(..n)?;
    if !head.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((head.parse().ok()?, s.get(n..)?))
}

fn expect(s: &str, c: char) -> Option<&str> {
    s.strip_prefix(c)
}

fn parse_iso(text: &str) -> Option<Instant> {
    let (year, rest) = digits(text, 4)?;
    let (month, day, rest) = if rest.is_empty() {
        (1, 1, rest)
    } else {
        let (month, rest) = digits(expect(rest, '-')?, 2)?;
        if rest.is_empty() {
            (month, 1, rest)
        } else {
            let (day, rest) = digits(expect(rest, '-')?, 2)?;
            (month, day, rest)
        }
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs_of_day: i64 = 0;
    let mut nanos: i128 = 0;
    let mut offset_secs: i64 = 0;
    if !rest.is_empty() {
        let rest = rest.strip_prefix(['T', 't', ' '])?;
        let (hour, rest) = digits(rest, 2)?;
        let (minute, mut rest) = digits(expect(rest, ':')?, 2)?;
        let mut second = 0;
        if let Some(r) = rest.strip_prefix(':') {
            let (s, r) = digits(r, 2)?;
            second = s;
            rest = r;
            if let Some(r) = rest.strip_prefix('.') {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 || n > 9 {
                    return None;
                }
                let frac = r.get(..n)?;
                for i in 0..9 {
                    nanos = nanos * 10 + frac.as_bytes().get(i).map_or(0, |b| i128::from(b - b'0'));
                }
                rest = r.get(n..)?;
            }
        }
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        secs_of_day = hour * 3600 + minute * 60 + second;
        match rest {
            "" | "Z" | "z" => {}
            _ => {
                let (sign, r) = match rest.as_bytes().first()? {
                    b'+' => (1, rest.get(1..)?),
                    b'-' => (-1, rest.get(1..)?),
                    _ => return None,
                };
                let (oh, r) = digits(r, 2)?;
                let r = r.strip_prefix(':').unwrap_or(r);
                let (om, r) = digits(r, 2)?;
                if !r.is_empty() || oh > 23 || om > 59 {
                    return None;
                }
                offset_secs = sign * (oh * 3600 + om * 60);
            }
        }
    }
    let days = days_from_civil(year, month, day);
    let secs = i128::from(days) * 86_400 + i128::from(secs_of_day) - i128::from(offset_secs);
    Some(Instant(secs * NANOS + nanos))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil-from-days inverse).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates() {
        let e = Instant::parse("1735689600").unwrap();
        assert_eq!(Instant::parse("2025-01-01T00:00:00Z"), Some(e));
        assert_eq!(Instant::parse("2025-01-01"), Some(e));
        assert_eq!(Instant::parse("2025-01-01 00:00:00+00:00"), Some(e));
        assert_eq!(Instant::parse("2025-01-01T02:00:00+02:00"), Some(e));
        assert_eq!(Instant::parse("2025-01-01T00:00Z"), Some(e));
        assert_eq!(Instant::parse("2025-01-01T00:00:00"), Some(e));
        assert!(Instant::parse("2025-01-01T00:00:00.5Z") > Some(e));
        assert_eq!(Instant::parse("0"), Some(Instant(0)));
        assert_eq!(Instant::parse("1970-01-01T00:00:00Z"), Some(Instant(0)));
        for bad in [
            "",
            "2025-13-01",
            "2025-02-30",
            "yesterday",
            "2025-01-01T25:00Z",
            "2025/01/01",
            "1.",
            "2025-01-01T00:00:00+2",
        ] {
            assert_eq!(Instant::parse(bad), None, "{bad}");
        }
        assert!(Instant::parse("2024-02-29").is_some());
    }
}
