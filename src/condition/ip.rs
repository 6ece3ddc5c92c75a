//! IP address condition values: IPv4 and IPv6 CIDR blocks (S-12).
//!
//! INVARIANT (families apart): a v4 network never contains a v6 address and the other way round.

use std::net::IpAddr;

/// A CIDR block. Host bits beyond the prefix are cleared when parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Cidr {
    v6: bool,
    network: u128,
    prefix: u8,
}

fn to_bits(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a))),
        IpAddr::V6(a) => (true, u128::from(a)),
    }
}

fn mask(v6: bool, prefix: u8) -> u128 {
    let width = if v6 { 128 } else { 32 };
    if prefix == 0 {
        0
    } else {
        let full = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        full & !((1u128 << (width - u32::from(prefix))).wrapping_sub(1))
    }
}

impl Cidr {
    /// Parses `address` or `address/prefix`.
    pub(crate) fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 3 {
                    return None;
                }
                (a, Some(p.parse::<u8>().ok()?))
            }
            None => (text, None),
        };
        let (v6, bits) = to_bits(addr.parse::<IpAddr>().ok()?);
        let width = if v6 { 128 } else { 32 };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return None;
        }
        Some(Cidr {
            v6,
            network: bits & mask(v6, prefix),
            prefix,
        })
    }

    /// True when `addr` lies in this block.
    pub(crate) fn contains(&self, addr: IpAddr) -> bool {
        let (v6, bits) = to_bits(addr);
        v6 == self.v6 && bits & mask(v6, self.prefix) == self.network
    }

    /// True for an IPv6 block.
    pub(crate) fn is_v6(&self) -> bool {
        self.v6
    }

    /// The network address bits (IPv4 in the low 32 bits).
    pub(crate) fn network(&self) -> u128 {
        self.network
    }

    /// The prefix length.
    pub(crate) fn prefix(&self) -> u8 {
        self.prefix
    }
}

/// Parses a request value as a single address (a CIDR is not an address).
pub(crate) fn parse_request_ip(text: &str) -> Option<IpAddr> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let ip = |s: &str| parse_request_ip(s).unwrap();
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains(ip("203.0.113.7")));
        assert!(!c.contains(ip("203.0.114.7")));
        assert!(
            Cidr::parse("203.0.113.5")
                .unwrap()
                .contains(ip("203.0.113.5"))
        );
        assert!(
            !Cidr::parse("203.0.113.5")
                .unwrap()
                .contains(ip("203.0.113.6"))
        );
        assert!(Cidr::parse("10.0.0.1/8").unwrap().contains(ip("10.9.9.9")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("1.2.3.4")));
        assert!(!Cidr::parse("0.0.0.0/0").unwrap().contains(ip("::1")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::5")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("::ffff:1.2.3.4")));
        for bad in [
            "",
            "1.2.3",
            "1.2.3.4/33",
            "::/129",
            "1.2.3.4/",
            "1.2.3.4/-1",
            "x",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }
}
