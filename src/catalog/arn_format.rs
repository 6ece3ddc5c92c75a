//! ARN formats of resource types, such as
//! `arn:${Partition}:sagemaker:${Region}:${Account}:training-job/${TrainingJobName}`: parsing,
//! matching a concrete ARN (to tell which resource type it is) and rendering one from values.
//!
//! Matching rules (what a placeholder may stand for):
//! - `${Partition}` matches a non-empty run without `:`; `${Region}` and `${Account}` match a
//!   possibly empty run without `:` (global services such as IAM leave the region empty);
//! - a name containing `Path` (e.g. `${RoleNameWithPath}`) matches a non-empty run without `:`,
//!   which may contain `/`; so do the names in [`SLASH_PLACEHOLDERS`], whose values AWS allows
//!   to contain `/` (S3 object keys, CloudWatch Logs group and stream names, ECR repository
//!   namespaces, Secrets Manager secret names, KMS alias names);
//! - any other `${Name}` matches a non-empty run without `:` and without `/`, so
//!   `model-card/${ModelCardName}` does not match `model-card/x/export-job/y`;
//! - literal text matches itself exactly (case-sensitive).
//!
//! INVARIANT (colon alignment): no placeholder matches `:`, so every `:` of a matching ARN is a
//! literal `:` of the format. The matcher therefore splits both at `:` and matches field by field
//! (resource field first, where formats of one service differ), each field by a small NFA
//! simulation over bytes: linear in the field length times the field's token count, no
//! backtracking, no recursion.

use super::err::ArnFormatError;

/// A parsed ARN format of a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArnFormat {
    /// The format as published.
    text: String,
    /// Literal text and placeholders, in order (for rendering).
    parts: Vec<Part>,
    /// Match tokens, one list per `:`-separated field.
    fields: Vec<Vec<Token>>,
}

/// One piece of a format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Placeholder(String),
}

/// Which bytes a placeholder may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Anything but `:`.
    NoColon,
    /// Anything but `:` and `/`.
    NoColonNoSlash,
}

impl Class {
    fn accepts(self, byte: u8) -> bool {
        match self {
            Class::NoColon => byte != b':',
            Class::NoColonNoSlash => byte != b':' && byte != b'/',
        }
    }
}

/// One NFA token. A non-empty placeholder is `One` followed by `Many`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Exactly this byte.
    Byte(u8),
    /// One byte of the class.
    One(Class),
    /// Zero or more bytes of the class.
    Many(Class),
}

impl ArnFormat {
    /// Parses a format. `${` must be closed by `}` around a non-empty name without `:`; a `$` not
    /// followed by `{` and a lone `}` are literal text.
    pub(crate) fn parse(text: &str) -> Result<ArnFormat, ArnFormatError> {
        let err = |reason: &'static str| ArnFormatError {
            format: text.to_owned(),
            reason,
        };
        let mut parts = Vec::new();
        let mut fields: Vec<Vec<Token>> = vec![Vec::new()];
        let mut literal = String::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${") {
                let Some((name, tail)) = after.split_once('}') else {
                    return Err(err("`${` without a closing `}`"));
                };
                if name.is_empty() {
                    return Err(err("empty placeholder `${}`"));
                }
                if name.contains([':', '$', '{']) {
                    return Err(err("placeholder name contains `:`, `$` or `{`"));
                }
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                if let Some(field) = fields.last_mut() {
                    field.extend(placeholder_tokens(name));
                }
                parts.push(Part::Placeholder(name.to_owned()));
                rest = tail;
                continue;
            }
            let mut chars = rest.chars();
            let Some(c) = chars.next() else { break };
            rest = chars.as_str();
            literal.push(c);
            if c == ':' {
                fields.push(Vec::new());
            } else if let Some(field) = fields.last_mut() {
                let mut buf = [0u8; 4];
                field.extend(c.encode_utf8(&mut buf).bytes().map(Token::Byte));
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        Ok(ArnFormat {
            text: text.to_owned(),
            parts,
            fields,
        })
    }

    /// The format as published.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// True when `arn` is an ARN of this format (see the module docs for the rules).
    pub(crate) fn matches(&self, arn: &str) -> bool {
        let arn_fields = arn.split(':');
        if arn_fields.clone().count() != self.fields.len() {
            return false;
        }
        // Resource part first: that is where formats of one service differ.
        arn_fields
            .rev()
            .zip(self.fields.iter().rev())
            .all(|(text, tokens)| match_field(tokens, text.as_bytes()))
    }

    #[cfg(test)]
    /// The placeholder names, in order of appearance (repeated names repeat).
    pub(crate) fn placeholders(&self) -> Vec<String> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Placeholder(name) => Some(name.clone()),
                Part::Literal(_) => None,
            })
            .collect()
    }

    /// Replaces each `${Name}` with `fill(Name)`; `None` when `fill` returns `None` for any name.
    /// Values are inserted as given (not checked against the matching rules).
    pub(crate) fn render(&self, fill: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let mut out = String::with_capacity(self.text.len());
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Placeholder(name) => out.push_str(&fill(name)?),
            }
        }
        Some(out)
    }
}

/// Placeholder names (besides `…Path…` ones) whose values may contain `/`, by the naming rules
/// of the services that use them: S3 object key names ("a prefix is a string of characters at
/// the beginning of the object key name", delimited by `/`), CloudWatch Logs log group and log
/// stream names (`/aws/sagemaker/TrainingJobs`, `job/algo-1-…`), ECR repository names with a
/// namespace (`project-a/nginx-web-app`), Secrets Manager secret names (`prod/db/password`),
/// and KMS alias names (`alias/aws/s3`). No SageMaker or `iam:PassRole` format uses these names,
/// so the default catalog matches exactly as before they were added.
pub(crate) const SLASH_PLACEHOLDERS: [&str; 6] = [
    "ObjectName",
    "LogGroupName",
    "LogStreamName",
    "RepositoryName",
    "SecretId",
    "Alias",
];

/// One element of an ARN pattern for [`ArnFormat::overlaps`]: how a policy `Resource` entry
/// (with its wildcards and variables) constrains the bytes of an ARN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatternToken {
    /// Exactly this byte.
    Byte(u8),
    /// Any one byte (`?`); `:` only when `colon` is true.
    AnyByte {
        /// Whether the byte may be `:`.
        colon: bool,
    },
    /// Any run of bytes, possibly empty (`*`, a variable); `:` only when `colon` is true.
    AnyRun {
        /// Whether the run may hold `:`.
        colon: bool,
    },
}

impl PatternToken {
    fn accepts(self, byte: u8) -> bool {
        match self {
            PatternToken::Byte(b) => b == byte,
            PatternToken::AnyByte { colon } | PatternToken::AnyRun { colon } => {
                colon || byte != b':'
            }
        }
    }
}

impl ArnFormat {
    /// True when some ARN of this format is matched by `pattern` (a whole-ARN pattern, fields
    /// and their `:` included): the intersection of the two languages is not empty. Linear in
    /// the product of the two lengths, no backtracking.
    pub(crate) fn overlaps(&self, pattern: &[PatternToken]) -> bool {
        let mut format: Vec<Token> = Vec::new();
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                format.push(Token::Byte(b':'));
            }
            format.extend(field.iter().copied());
        }
        let (nf, np) = (format.len(), pattern.len());
        let width = np + 1;
        let mut seen = vec![false; (nf + 1) * width];
        let mut stack = vec![(0usize, 0usize)];
        while let Some((i, j)) = stack.pop() {
            let Some(slot) = seen.get_mut(i * width + j) else {
                continue;
            };
            if *slot {
                continue;
            }
            *slot = true;
            if i == nf && j == np {
                return true;
            }
            let f = format.get(i).copied();
            let p = pattern.get(j).copied();
            // Empty moves: a `Many` or an `AnyRun` may stop.
            if let Some(Token::Many(_)) = f {
                stack.push((i + 1, j));
            }
            if let Some(PatternToken::AnyRun { .. }) = p {
                stack.push((i, j + 1));
            }
            let (Some(f), Some(p)) = (f, p) else {
                continue;
            };
            // One byte both accept: a literal byte decides, else any byte of the class
            // (`x` is in every class and every wildcard).
            let common = match (f, p) {
                (Token::Byte(b), p) => p.accepts(b),
                (Token::One(c) | Token::Many(c), PatternToken::Byte(b)) => c.accepts(b),
                (Token::One(_) | Token::Many(_), _) => true,
            };
            if !common {
                continue;
            }
            let ni = if matches!(f, Token::Many(_)) {
                i
            } else {
                i + 1
            };
            let nj = if matches!(p, PatternToken::AnyRun { .. }) {
                j
            } else {
                j + 1
            };
            stack.push((ni, nj));
        }
        false
    }
}

/// Tokens for one placeholder, by the rules in the module docs.
fn placeholder_tokens(name: &str) -> Vec<Token> {
    match name {
        "Region" | "Account" => vec![Token::Many(Class::NoColon)],
        "Partition" => vec![Token::One(Class::NoColon), Token::Many(Class::NoColon)],
        _ if name.contains("Path") || SLASH_PLACEHOLDERS.contains(&name) => {
            vec![Token::One(Class::NoColon), Token::Many(Class::NoColon)]
        }
        _ => vec![
            Token::One(Class::NoColonNoSlash),
            Token::Many(Class::NoColonNoSlash),
        ],
    }
}

/// NFA simulation: state `i` means "tokens before `i` are matched"; `tokens.len()` accepts.
fn match_field(tokens: &[Token], text: &[u8]) -> bool {
    let n = tokens.len();
    let mut current = vec![false; n + 1];
    let mut next = vec![false; n + 1];
    set(&mut current, 0);
    close(tokens, &mut current);
    for &byte in text {
        next.iter_mut().for_each(|s| *s = false);
        let mut any = false;
        for (i, token) in tokens.iter().enumerate() {
            if !current.get(i).copied().unwrap_or(false) {
                continue;
            }
            let target = match *token {
                Token::Byte(b) if b == byte => Some(i + 1),
                Token::One(class) if class.accepts(byte) => Some(i + 1),
                Token::Many(class) if class.accepts(byte) => Some(i),
                _ => None,
            };
            if let Some(t) = target {
                set(&mut next, t);
                any = true;
            }
        }
        if !any {
            return false;
        }
        close(tokens, &mut next);
        std::mem::swap(&mut current, &mut next);
    }
    current.get(n).copied().unwrap_or(false)
}

/// Epsilon closure: a `Many` token may match nothing. One ascending pass suffices because
/// epsilon moves only go forward.
fn close(tokens: &[Token], states: &mut [bool]) {
    for (i, token) in tokens.iter().enumerate() {
        if matches!(token, Token::Many(_)) && states.get(i).copied().unwrap_or(false) {
            set(states, i + 1);
        }
    }
}

fn set(states: &mut [bool], i: usize) {
    if let Some(s) = states.get_mut(i) {
        *s = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SM: &str = "arn:${Partition}:sagemaker:${Region}:${Account}:";

    fn fmt(rest: &str) -> ArnFormat {
        ArnFormat::parse(&format!("{SM}{rest}")).unwrap()
    }

    #[test]
    fn simple_match() {
        let f = fmt("training-job/${TrainingJobName}");
        assert!(f.matches("arn:aws:sagemaker:us-east-1:111122223333:training-job/my-job"));
        assert!(f.matches("arn:aws-cn:sagemaker:cn-north-1:111122223333:training-job/j"));
        assert!(!f.matches("arn:aws:sagemaker:us-east-1:111122223333:training-job/"));
        assert!(!f.matches("arn:aws:sagemaker:us-east-1:111122223333:training-job/a/b"));
        assert!(!f.matches("arn:aws:sagemaker:us-east-1:111122223333:Training-job/a"));
        assert!(!f.matches("arn:aws:sagemaker:us-east-1:111122223333:processing-job/a"));
        assert!(!f.matches("arn:aws:s3:us-east-1:111122223333:training-job/a"));
        assert!(!f.matches("arn::sagemaker:us-east-1:111122223333:training-job/a"));
        assert!(!f.matches("arn:aws:sagemaker:us-east-1:1111:2222:training-job/a"));
        assert!(!f.matches(""));
        // Region and Account may be empty.
        assert!(f.matches("arn:aws:sagemaker:::training-job/a"));
    }

    #[test]
    fn nested_formats() {
        let card = fmt("model-card/${ModelCardName}");
        let export = fmt("model-card/${ModelCardName}/export-job/${ExportJobName}");
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:model-card/x/export-job/y";
        assert!(!card.matches(arn));
        assert!(export.matches(arn));
        assert!(card.matches("arn:aws:sagemaker:us-east-1:111122223333:model-card/x"));
        assert!(!export.matches("arn:aws:sagemaker:us-east-1:111122223333:model-card/x"));

        let device = fmt("device-fleet/${Fleet}/device/${Device}");
        let fleet = fmt("device-fleet/${Fleet}");
        let arn = "arn:aws:sagemaker:us-east-1:111122223333:device-fleet/f1/device/d1";
        assert!(device.matches(arn));
        assert!(!fleet.matches(arn));
        assert!(
            !device.matches("arn:aws:sagemaker:us-east-1:111122223333:device-fleet/f1/device/")
        );
    }

    #[test]
    fn path_placeholder_may_contain_slash() {
        let role =
            ArnFormat::parse("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}").unwrap();
        assert!(role.matches("arn:aws:iam::111122223333:role/service-role/X"));
        assert!(role.matches("arn:aws:iam::111122223333:role/X"));
        assert!(!role.matches("arn:aws:iam::111122223333:role/"));
        assert!(!role.matches("arn:aws:iam:us-east-1:111122223333:role/X"));
        assert!(!role.matches("arn:aws:iam::111122223333:user/X"));
    }

    #[test]
    fn slash_placeholders_may_contain_slash() {
        let object = ArnFormat::parse("arn:${Partition}:s3:::${BucketName}/${ObjectName}").unwrap();
        assert!(object.matches("arn:aws:s3:::my-bucket/a/b.txt"));
        assert!(object.matches("arn:aws:s3:::my-bucket/k"));
        assert!(!object.matches("arn:aws:s3:::my-bucket/"));
        assert!(!object.matches("arn:aws:s3:::my-bucket"));
        let stream = ArnFormat::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        )
        .unwrap();
        assert!(stream.matches(
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/sagemaker/TrainingJobs:log-stream:job/algo-1"
        ));
        // Still no `:` inside a placeholder.
        assert!(!stream.matches("arn:aws:logs:us-east-1:111122223333:log-group:a:b:log-stream:c"));
        let secret = ArnFormat::parse(
            "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}",
        )
        .unwrap();
        assert!(secret.matches("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbC"));
        // Other names still stop at `/`.
        let bucket = ArnFormat::parse("arn:${Partition}:s3:::${BucketName}").unwrap();
        assert!(!bucket.matches("arn:aws:s3:::my-bucket/a"));
    }

    #[test]
    fn placeholders_and_render() {
        let f = fmt("app/${DomainId}/${UserProfileName}/${AppType}/${AppName}");
        assert_eq!(
            f.placeholders(),
            [
                "Partition",
                "Region",
                "Account",
                "DomainId",
                "UserProfileName",
                "AppType",
                "AppName"
            ]
        );
        let arn = f
            .render(&|name| {
                Some(match name {
                    "Partition" => "aws".to_owned(),
                    "Region" => "us-east-1".to_owned(),
                    "Account" => "111122223333".to_owned(),
                    other => other.to_lowercase(),
                })
            })
            .unwrap();
        assert_eq!(
            arn,
            "arn:aws:sagemaker:us-east-1:111122223333:app/domainid/userprofilename/apptype/appname"
        );
        assert!(f.matches(&arn));
        assert_eq!(
            f.render(&|name| (name != "AppType").then(|| "v".to_owned())),
            None
        );
        assert_eq!(
            f.as_str(),
            format!("{SM}app/${{DomainId}}/${{UserProfileName}}/${{AppType}}/${{AppName}}")
        );
    }

    #[test]
    fn parse_errors_and_literals() {
        assert!(ArnFormat::parse("arn:${Partition").is_err());
        assert!(ArnFormat::parse("arn:${}:x").is_err());
        assert!(ArnFormat::parse("arn:${a:b}").is_err());
        let f = ArnFormat::parse("arn:aws:x::$lit}/é/${Name}").unwrap();
        assert_eq!(f.placeholders(), ["Name"]);
        assert!(f.matches("arn:aws:x::$lit}/é/n"));
        assert!(!f.matches("arn:aws:x::$lit}/e/n"));
        let empty = ArnFormat::parse("").unwrap();
        assert!(empty.matches(""));
        assert!(!empty.matches("x"));
    }

    /// A whole-ARN pattern as a policy writes it: `*` and `?` stay inside their segment in the
    /// first five, cross `:` in the resource part.
    fn pat(text: &str) -> Vec<PatternToken> {
        let mut out = Vec::new();
        let mut colons = 0;
        for b in text.bytes() {
            let colon = colons >= 5;
            out.push(match b {
                b'*' => PatternToken::AnyRun { colon },
                b'?' => PatternToken::AnyByte { colon },
                b => PatternToken::Byte(b),
            });
            if b == b':' {
                colons += 1;
            }
        }
        out
    }

    #[test]
    fn overlaps_policy_patterns() {
        let job = fmt("training-job/${TrainingJobName}");
        assert!(job.overlaps(&pat("arn:aws:sagemaker:*:111122223333:training-job/*")));
        assert!(job.overlaps(&pat("arn:aws:sagemaker:us-east-1:1:training-job/churn-1")));
        assert!(job.overlaps(&pat("arn:*:sagemaker:*:*:*")));
        assert!(job.overlaps(&pat("arn:aws:sagemaker:*:*:*/*")));
        assert!(!job.overlaps(&pat("arn:aws:sagemaker:*:*:model/*")));
        assert!(!job.overlaps(&pat("arn:aws:s3:::bucket/*")));
        assert!(
            !job.overlaps(&pat("arn:aws:sagemaker:*:*:training-job/")),
            "names are never empty"
        );
        assert!(
            !job.overlaps(&pat("arn:aws:sagemaker:*:*:training-job/a/b")),
            "no `/` in a name"
        );
        assert!(
            !job.overlaps(&pat("arn:aws:sagemaker:us-east-1:training-job/x")),
            "five fields"
        );
        let role =
            ArnFormat::parse("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}").unwrap();
        assert!(role.overlaps(&pat("arn:aws:iam::111122223333:role/service-role/*")));
        assert!(
            !role.overlaps(&pat("arn:aws:iam:us-east-1:111122223333:role/x")),
            "IAM has no region"
        );
        assert!(!role.overlaps(&pat("arn:aws:iam::111122223333:user/x")));
        // A pattern `*` in a resource part may span a `:` the format has there.
        let stream = ArnFormat::parse(
            "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}",
        )
        .unwrap();
        assert!(stream.overlaps(&pat("arn:aws:logs:*:*:log-group:*")));
        assert!(!stream.overlaps(&pat("arn:aws:logs:*:*:log-group:g")));
    }

    #[test]
    fn long_inputs_do_not_blow_up() {
        let f = ArnFormat::parse("${A}${B}${C}${D}x").unwrap();
        let long = "a".repeat(10_000);
        assert!(!f.matches(&long));
        assert!(f.matches(&format!("{long}x")));
    }
}
