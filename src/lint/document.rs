//! Document-level lints: `Version` and `Sid`.

use std::collections::HashMap;

use super::{Finding, Rule};
use crate::policy::err::push_pointer;
use crate::policy::{Policy, PolicyKind, Version};

/// `Version` absent or old; `Sid`s repeated or holding characters IAM refuses in identity
/// policies (letters and digits only; SCPs and resource policies are laxer).
pub(crate) fn lint(policy: &Policy, kind: PolicyKind, out: &mut Vec<Finding>) {
    let uses_variables = policy.statements.iter().any(|st| {
        st.conditions
            .iter()
            .any(|c| c.raw_values.iter().any(|v| v.contains("${")))
            || st
                .resource
                .as_ref()
                .is_some_and(|r| r.patterns.iter().any(|p| p.to_string().contains("${")))
    });
    let variables_note = if uses_variables {
        " and this policy writes `${…}`, which is then literal text"
    } else {
        ""
    };
    match policy.version {
        Version::Absent => out.push(Finding::new(
            Rule::NoVersion,
            "",
            format!(
                "no `Version`: policy variables are not substituted{variables_note}; write \"Version\": \"2012-10-17\""
            ),
        )),
        Version::V2008_10_17 => out.push(Finding::new(
            Rule::OldVersion,
            "/Version",
            format!(
                "`2008-10-17` does not substitute policy variables{variables_note}; use `2012-10-17`"
            ),
        )),
        Version::V2012_10_17 => {}
    }
    let strict_sid = matches!(
        kind,
        PolicyKind::Identity | PolicyKind::Boundary | PolicyKind::Session
    );
    let mut first: HashMap<&str, &str> = HashMap::new();
    for st in &policy.statements {
        let Some(sid) = st.sid.as_deref().filter(|s| !s.is_empty()) else {
            continue;
        };
        let at = push_pointer(&st.pointer, "Sid");
        if let Some(prev) = first.get(sid) {
            out.push(Finding::new(
                Rule::DuplicateSid,
                at.clone(),
                format!("`Sid` `{sid}` is also the `Sid` of {prev}; IAM requires them unique"),
            ));
        } else {
            first.insert(sid, &st.pointer);
        }
        if strict_sid && let Some(c) = sid.chars().find(|c| !c.is_ascii_alphanumeric()) {
            out.push(Finding::new(
                Rule::InvalidSid,
                at,
                format!(
                    "`Sid` `{sid}` holds `{c}`; IAM accepts only letters and digits in identity policies"
                ),
            ));
        }
    }
}
