//! Instantiating policy text for the generator: principal variables replaced by the principals'
//! known values, and ARN-format placeholders turned into wildcards.

#[allow(clippy::wildcard_imports)]
use super::*;

/// splitmix64: small, fast, good enough to pick options deterministically.
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// How many instantiations of `text` to try: one per known value of the principal keys its
/// variables read (up to 8), so a team-scoped pattern is reached for every team.
pub(super) fn instantiations(text: &str, mentions: &Mentions) -> u64 {
    let t = Template::parse(text, true);
    let n = t
        .variables()
        .filter_map(|v| mentions.principal_values.get(&v.key_lower))
        .map(BTreeSet::len)
        .max()
        .unwrap_or(1);
    n.clamp(1, 8) as u64
}

/// Replaces wildcards with concrete text so the value matches the pattern; variables take their
/// default or a mentioned principal value (the `pick`-th, cyclically).
pub(super) fn instantiate(text: &str, mentions: &Mentions, pick: u64) -> String {
    let t = Template::parse(text, true);
    let mut out = String::new();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => {
                for c in s.chars() {
                    match c {
                        '*' => out.push('x'),
                        '?' => out.push('q'),
                        c => out.push(c),
                    }
                }
            }
            Piece::Literal(s) => out.push_str(s),
            Piece::Var(v) => {
                let values = mentions.principal_values.get(&v.key_lower);
                let chosen = values.and_then(|vs| {
                    let n = vs.len().max(1) as u64;
                    vs.iter().nth((pick % n) as usize)
                });
                match (chosen, &v.default) {
                    (Some(c), _) => out.push_str(c),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => out.push_str("iamc"),
                }
            }
        }
    }
    out
}

/// Fills variables (as [`instantiate`] does) but keeps `*` and `?` as wildcards.
pub(super) fn instantiate_keep_wildcards(text: &str, mentions: &Mentions, pick: u64) -> String {
    let t = Template::parse(text, true);
    let mut out = String::new();
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) => out.push_str(s),
            // Escapes and values are literal; a literal `*`/`?` cannot be expressed here, so use
            // a character that no wildcard needs.
            Piece::Literal(s) => out.push_str(&s.replace(['*', '?'], "x")),
            Piece::Var(v) => {
                let values = mentions.principal_values.get(&v.key_lower);
                let chosen = values.and_then(|vs| {
                    let n = vs.len().max(1) as u64;
                    vs.iter().nth((pick % n) as usize)
                });
                let value = match (chosen, &v.default) {
                    (Some(c), _) => c.clone(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => "iamc".to_owned(),
                };
                out.push_str(&value.replace(['*', '?'], "x"));
            }
        }
    }
    out
}

/// An ARN format's resource part with every `${…}` placeholder as `*`.
pub(super) fn placeholders_to_star(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find("${") {
        out.push_str(rest.get(..i).unwrap_or(""));
        match rest.get(i..).and_then(|r| r.find('}')) {
            Some(j) => {
                // A placeholder is never empty.
                out.push_str("?*");
                rest = rest.get(i + j + 1..).unwrap_or("");
            }
            None => {
                rest = rest.get(i..).unwrap_or("");
                break;
            }
        }
    }
    out.push_str(rest);
    out
}
