//! Action and resource patterns: how `Action`/`NotAction` and `Resource`/`NotResource` entries are
//! represented and matched (the readable reference matchers; the compiled engine has its own).
//!
//! INVARIANT (ARN splitting): an ARN has six segments, split at its first five colons; the sixth
//! (resource) segment keeps any further colons. Policy ARN patterns are split the same way after
//! variables are substituted.

use super::glob::{Glob, Template};

/// Splits an ARN into its six segments at its first five colons; `None` when it has fewer than
/// five colons (it is not an ARN).
pub(crate) fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    Some(parts)
}

/// Byte offset at which segment `index` (0-based) of `arn` starts.
fn segment_offset(arn: &str, index: usize) -> Option<usize> {
    if index == 0 {
        return Some(0);
    }
    arn.match_indices(':').nth(index - 1).map(|(i, _)| i + 1)
}

/// One entry of `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActionPattern {
    /// `"*"`: every action.
    Any,
    /// `service:name`, both lowercased; `name` may hold wildcards.
    Service {
        /// Service prefix, lowercase, never a wildcard.
        service: String,
        /// Action name pattern, lowercase.
        name: Glob,
    },
    /// An entry IAM stores but that names no action and never matches one (S-34): a comma or
    /// whitespace anywhere (`s3:GetObject,PutObject`, `s3:GetBucket `), an empty name
    /// (`s3:`), or a name character no action name has (`$`, `{`, `.`, …; `${*}` in `Action` is
    /// such literal text, S-36). Kept as written, for lints and explanations.
    Never(String),
}

/// Characters of action names (and the wildcards).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*' | '?')
}

impl ActionPattern {
    /// Parses an action entry. Returns a message when IAM refuses it (S-21): no colon, several
    /// colons, an empty prefix, a wildcard or a character other than letters, digits and `-` in
    /// the prefix. Entries IAM stores that can never match are [`ActionPattern::Never`] (S-34).
    pub(crate) fn parse(text: &str) -> Result<ActionPattern, String> {
        let shown = super::err::excerpt(text);
        if text == "*" {
            return Ok(ActionPattern::Any);
        }
        let Some((service, name)) = text.split_once(':') else {
            return Err(format!(
                "action `{shown}` must be `*` or `service:ActionName`"
            ));
        };
        if name.contains(':') {
            return Err(format!(
                "action `{shown}` has more than one `:`; an action is `service:ActionName`"
            ));
        }
        let loose = |c: char| c.is_whitespace() || c == ',';
        let service_core: String = service.chars().filter(|c| !loose(*c)).collect();
        if service_core.is_empty() {
            return Err(format!("action `{shown}` has an empty service prefix"));
        }
        if service.contains(['*', '?']) {
            return Err(format!(
                "action `{shown}` has a wildcard in its service prefix, which IAM does not allow"
            ));
        }
        if !service_core
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(format!(
                "action `{shown}` has an invalid service prefix `{}`",
                super::err::excerpt(service)
            ));
        }
        if text.contains(loose) || name.is_empty() || !name.chars().all(is_name_char) {
            return Ok(ActionPattern::Never(text.to_owned()));
        }
        Ok(ActionPattern::Service {
            service: service.to_ascii_lowercase(),
            name: Glob::pattern(&name.to_ascii_lowercase()),
        })
    }

    /// Matches a request action already split and lowercased.
    pub(crate) fn matches(&self, service: &str, name: &str) -> bool {
        match self {
            ActionPattern::Any => true,
            ActionPattern::Service {
                service: s,
                name: n,
            } => s == service && n.matches(name),
            ActionPattern::Never(_) => false,
        }
    }

    /// Why a [`ActionPattern::Never`] entry never matches, for lints and explanations; `None`
    /// for the other entries.
    pub(crate) fn never_reason(&self) -> Option<String> {
        let ActionPattern::Never(text) = self else {
            return None;
        };
        let name = text.split_once(':').map_or("", |(_, n)| n);
        Some(if text.contains(',') {
            "holds a comma (IAM reads one action per string)".to_owned()
        } else if let Some(c) = text.chars().find(|c| c.is_whitespace()) {
            format!(
                "holds whitespace ({}), which no action name has",
                match c {
                    ' ' => "a space".to_owned(),
                    '\t' => "a tab".to_owned(),
                    '\n' => "a line break".to_owned(),
                    other => format!("U+{:04X}", u32::from(other)),
                }
            )
        } else if name.is_empty() {
            "has an empty action name".to_owned()
        } else if name.contains("${") {
            "holds `${…}`, which IAM does not substitute in `Action` (S-36)".to_owned()
        } else {
            match name.chars().find(|c| !is_name_char(*c)) {
                Some(c) => format!("holds `{c}`, which no action name has"),
                None => "names no action".to_owned(),
            }
        })
    }
}

impl std::fmt::Display for ActionPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionPattern::Any => f.write_str("*"),
            ActionPattern::Service { service, name } => write!(f, "{service}:{name}"),
            ActionPattern::Never(text) => f.write_str(text),
        }
    }
}

/// One entry of `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum ResourcePattern {
    /// `"*"`: every resource, including the request resource `*`.
    Any,
    /// An ARN pattern, possibly with variables in its resource segment.
    Arn(Template),
}

impl ResourcePattern {
    /// Parses a resource entry (S-16). `variables` is true under `Version: 2012-10-17`.
    pub(crate) fn parse(text: &str, variables: bool) -> Result<ResourcePattern, String> {
        let shown = super::err::excerpt(text);
        if text == "*" {
            return Ok(ResourcePattern::Any);
        }
        if !text.starts_with("arn:") {
            return Err(format!(
                "resource `{shown}` must be `*` or an ARN starting with `arn:`"
            ));
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        if let Some(service) = parts.get(2) {
            let is_last_of_short = parts.len() == 3;
            if service.contains(['*', '?']) && !(is_last_of_short && service.ends_with('*')) {
                return Err(format!(
                    "resource `{shown}` has a wildcard in its service segment, which IAM does not allow"
                ));
            }
        }
        let template = Template::parse(text, variables);
        if variables && variable_before_resource_segment(&template) {
            return Err(format!(
                "resource `{shown}` uses a policy variable outside its resource segment; IAM allows variables only after the fifth colon"
            ));
        }
        Ok(ResourcePattern::Arn(template))
    }
}

impl std::fmt::Display for ResourcePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResourcePattern::Any => f.write_str("*"),
            ResourcePattern::Arn(t) => write!(f, "{t}"),
        }
    }
}

/// True when a variable appears before the fifth colon of the template's text.
fn variable_before_resource_segment(t: &Template) -> bool {
    use super::glob::Piece;
    let mut colons = 0usize;
    for p in t.pieces() {
        match p {
            Piece::Pattern(s) | Piece::Literal(s) => colons += s.matches(':').count(),
            Piece::Var(_) => {
                if colons < 5 {
                    return true;
                }
            }
        }
    }
    false
}

/// Matches an ARN against a resolved ARN glob, segment by segment (S-13b, S-14).
///
/// The glob is split at the colons of its literal text, at most six parts. With six parts each
/// part matches its segment (the sixth may contain colons). With fewer, the last part must end in
/// `*`, and it matches the rest of the request ARN from its segment on, colons included.
pub fn arn_glob_matches(pattern: &Glob, arn: &str) -> bool {
    let Some(req) = split_arn(arn) else {
        return false;
    };
    let parts = pattern.split_at_colons();
    let Some((last, head)) = parts.split_last() else {
        return false;
    };
    for (p, seg) in head.iter().zip(req.iter()) {
        if !p.matches(seg) {
            return false;
        }
    }
    if parts.len() == 6 {
        return req.get(5).is_some_and(|seg| last.matches(seg));
    }
    if !last.ends_with_star() {
        return false;
    }
    match segment_offset(arn, head.len()) {
        Some(off) => arn.get(off..).is_some_and(|rest| last.matches(rest)),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, arn: &str) -> bool {
        arn_glob_matches(&Glob::pattern(p), arn)
    }

    #[test]
    fn arn_matching() {
        let app = "arn:aws:sagemaker:us-east-1:111122223333:app/d-abc/alice/jupyterlab/default";
        assert!(m("arn:aws:sagemaker:us-east-1:111122223333:*/*", app));
        assert!(m("arn:aws:sagemaker:us-east-1:111122223333:app/*", app));
        assert!(m("arn:aws:sagemaker:us-east-1:*", app));
        assert!(!m("arn:aws:sagemaker:us-east-1", app));
        assert!(!m("arn:aws:sagemaker:us-west-*:111122223333:*", app));
        assert!(m("*", app));
        assert!(!m(
            "arn:aws:sagemaker:*:111122223333:finance/*",
            "arn:aws:sagemaker:us-east-2:999999999999:x/abc:111122223333:finance/d"
        ));
        assert!(m(
            "arn:aws:logs:*:*:log-group:foo:*",
            "arn:aws:logs:us-east-1:1:log-group:foo:log-stream:x"
        ));
        assert!(!m("arn:aws:sagemaker:*:*:*", "*"));
        assert!(!m(
            "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/NB1",
            "arn:aws:sagemaker:us-east-1:111122223333:notebook-instance/nb1"
        ));
    }

    #[test]
    fn resource_validation() {
        assert!(ResourcePattern::parse("arn:aws:sage*:us-east-1:1:x", true).is_err());
        assert!(ResourcePattern::parse("arn:aws:*", true).is_ok());
        assert!(ResourcePattern::parse("notanarn", true).is_err());
        assert!(
            ResourcePattern::parse("arn:aws:iam::${aws:PrincipalAccount}:role/x", true).is_err()
        );
        assert!(
            ResourcePattern::parse("arn:aws:iam::${aws:PrincipalAccount}:role/x", false).is_ok()
        );
        assert!(ResourcePattern::parse("arn:aws:s3:::b/${aws:username}/*", true).is_ok());
    }

    #[test]
    fn action_validation() {
        assert!(ActionPattern::parse("sage*:Create*").is_err());
        assert!(ActionPattern::parse("sagemaker").is_err());
        assert!(ActionPattern::parse("s3:GetObject,s3:PutObject").is_err());
        assert!(ActionPattern::parse(":GetObject").is_err());
        assert!(ActionPattern::parse(" :GetObject").is_err());
        assert!(ActionPattern::parse("s3.x:GetObject").is_err());
        let p = ActionPattern::parse("SageMaker:Create?rainingJob").unwrap();
        assert!(p.matches("sagemaker", "createtrainingjob"));
    }

    #[test]
    fn stored_but_never_matching_actions() {
        for (text, reason) in [
            ("s3:GetObject,PutObject", "comma"),
            ("s3:GetBucket ", "a space"),
            (" s3:GetObject", "a space"),
            ("s3:Get\tObject", "a tab"),
            ("sagemaker:Create Job", "a space"),
            ("sagemaker:", "empty action name"),
            ("sagemaker:List${*}", "`${…}`"),
            ("sagemaker:Describe.Model", "`.`"),
        ] {
            let p = ActionPattern::parse(text).unwrap();
            assert_eq!(p, ActionPattern::Never(text.to_owned()));
            assert!(!p.matches("s3", "getobject"));
            assert!(!p.matches("sagemaker", "createjob"));
            assert_eq!(p.to_string(), text);
            let why = p.never_reason().unwrap();
            assert!(why.contains(reason), "{text}: {why}");
        }
        assert_eq!(
            ActionPattern::parse("s3:Get*").unwrap().never_reason(),
            None
        );
    }
}
