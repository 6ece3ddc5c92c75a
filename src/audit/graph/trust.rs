//! Role trust policies as resource-based policies: which statements admit a principal
//! (`Principal` / `NotPrincipal` matching of ARNs, account ids and roots, `*`, role-session ARNs,
//! unique ids and federated providers), and what the policy decides for the principal's request,
//! conditions included (S-34, S-35, S-36).
//!
//! A statement that admits the principal is kept, without its principal, with `Resource: *`
//! (the role is the resource), and the kept statements are decided by the reference evaluator
//! as one policy: an explicit deny wins, else an applying `Allow` admits. How the allowing
//! statement named the principal decides whether the principal's identity policies must also
//! allow the request ([`Admit`]).

use crate::catalog::Catalog;
use crate::eval::{Context, Decision, Request};
use crate::policy::{Effect, Policy, PolicySet, PrincipalClause, ResourceClause, ResourcePattern};

/// How a trust statement names the principal it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Admit {
    /// By its own ARN, role-session ARN, unique id or federated provider: in the same account
    /// the trust policy alone grants.
    Exact,
    /// `"*"` (or a `NotPrincipal` that leaves it out): every principal; alone in the same
    /// account, like a named principal (S-35).
    Star,
    /// Its account (`"AWS": "N"` or `arn:aws:iam::N:root`): delegated to the account, whose
    /// identity policies must also allow.
    Account,
}

/// Who asks to assume a role, as a trust policy sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who<'w> {
    /// The user or role ARN (for a federated node: the provider).
    pub(crate) arn: &'w str,
    /// Its account.
    pub(crate) account: &'w str,
    /// Its unique id (`AIDA…`, `AROA…`); empty when unknown.
    pub(crate) id: &'w str,
    /// For roles: the role name that its session ARNs carry.
    pub(crate) role_name: Option<&'w str>,
    /// For federated nodes: a SAML or OIDC provider, matched against `Federated` entries only.
    pub(crate) federated: bool,
}

impl Who<'_> {
    /// The session ARN prefix of a role (`arn:aws:sts::N:assumed-role/NAME/`).
    fn session_prefix(&self) -> Option<String> {
        self.role_name
            .map(|n| format!("arn:aws:sts::{}:assumed-role/{n}/", self.account))
    }

    /// How one principal value names this principal, and a note (the session name a
    /// role-session ARN asks for).
    fn matches(&self, kind: &str, value: &str) -> Option<(Admit, Option<String>)> {
        if self.federated {
            return (kind == "Federated" && value == self.arn).then_some((Admit::Exact, None));
        }
        if kind != "AWS" {
            return None;
        }
        if value == "*" {
            return Some((Admit::Star, None));
        }
        if value == self.account || value == format!("arn:aws:iam::{}:root", self.account) {
            return Some((Admit::Account, None));
        }
        if value == self.arn || (!self.id.is_empty() && value == self.id) {
            return Some((Admit::Exact, None));
        }
        let session = self.session_prefix()?;
        let name = value.strip_prefix(&session)?;
        (!name.is_empty()).then(|| (Admit::Exact, Some(format!("as role session `{name}`"))))
    }
}

/// How a statement's `Principal`/`NotPrincipal` admits `who`, if it does.
pub(crate) fn admits(clause: &PrincipalClause, who: &Who<'_>) -> Option<(Admit, Option<String>)> {
    let best = match &clause.entries {
        None => Some((Admit::Star, None)),
        Some(entries) => entries
            .iter()
            .flat_map(|(kind, values)| values.iter().filter_map(|v| who.matches(kind, v)))
            .min_by_key(|(a, _)| *a),
    };
    if clause.negated {
        // `NotPrincipal`: everyone the list does not name.
        return match best {
            Some(_) => None,
            None => Some((Admit::Star, None)),
        };
    }
    best
}

/// The statements of a trust policy that admit one principal, as a policy the reference
/// evaluator decides.
#[derive(Debug, Clone)]
pub(crate) struct Applicable {
    /// The admitting statements without principals, `Resource: *`, original indexes kept.
    pub(crate) policy: Policy,
    /// The same policy as an identity set, for the reference evaluator.
    set: PolicySet,
    /// Per kept statement (by original index): how it admits, and a note.
    pub(crate) admits: Vec<(usize, Admit, Option<String>)>,
}

impl Applicable {
    /// The admitting statements that allow `action` (candidates for conditions to satisfy).
    pub(crate) fn allows<'p>(
        &'p self,
        action: &str,
    ) -> impl Iterator<Item = &'p crate::policy::Statement> + 'p {
        let (svc, name) = action.split_once(':').unwrap_or(("", ""));
        let (svc, name) = (svc.to_ascii_lowercase(), name.to_ascii_lowercase());
        self.policy
            .statements
            .iter()
            .filter(move |s| s.effect == Effect::Allow && s.action.applies_to(&svc, &name))
    }
}

/// The statements of `trust` that admit `who`.
pub(crate) fn applicable(trust: &Policy, who: &Who<'_>) -> Applicable {
    let mut statements = Vec::new();
    let mut out = Vec::new();
    for st in &trust.statements {
        let Some(clause) = &st.principal else {
            continue;
        };
        let Some((admit, note)) = admits(clause, who) else {
            continue;
        };
        let mut kept = st.clone();
        kept.principal = None;
        kept.resource = Some(ResourceClause {
            negated: false,
            single: true,
            patterns: vec![ResourcePattern::Any],
        });
        out.push((st.index, admit, note));
        statements.push(kept);
    }
    let policy = Policy {
        version: trust.version,
        id: None,
        statements,
    };
    Applicable {
        set: PolicySet::identity(vec![policy.clone()]),
        policy,
        admits: out,
    }
}

/// What a trust policy decides for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrustVerdict {
    /// A `Deny` statement applied.
    pub(crate) denied: bool,
    /// The applying `Allow` that names the principal most directly: (statement index, how it
    /// admits, note).
    pub(crate) allowed_by: Option<(usize, Admit, Option<String>)>,
}

impl TrustVerdict {
    /// Allowed by the trust policy.
    pub(crate) fn admitted(&self) -> Option<&(usize, Admit, Option<String>)> {
        if self.denied {
            None
        } else {
            self.allowed_by.as_ref()
        }
    }
}

/// Decides `request` (its context already carries the principal's keys) against the admitting
/// statements.
pub(crate) fn decide(app: &Applicable, request: &Request, catalog: &Catalog) -> TrustVerdict {
    if app.policy.statements.is_empty() {
        return TrustVerdict {
            denied: false,
            allowed_by: None,
        };
    }
    let ex = crate::eval::reference::explain(&app.set, request, catalog);
    let denied = ex.outcome.decision == Decision::ExplicitlyDenied;
    let allowed_by = ex
        .matched
        .iter()
        .filter(|m| m.effect == Effect::Allow)
        .filter_map(|m| {
            app.admits
                .iter()
                .find(|(i, _, _)| u32::try_from(*i).ok() == Some(m.statement))
                .cloned()
        })
        .min_by_key(|(_, a, _)| *a);
    TrustVerdict { denied, allowed_by }
}

/// `request` with the principal's keys added where the request has none: a trust policy is
/// evaluated on the caller's whole request context.
pub(crate) fn with_principal(request: &Request, principal: &Context) -> Request {
    let mut r = request.clone();
    for e in principal.entries() {
        if r.context.get(&e.key_lower).is_none() {
            let v = e.value();
            let _ = r.context.insert(&e.key, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::ContextValue;
    use crate::policy::PolicyKind;

    fn trust(text: &str) -> Policy {
        Policy::parse(text, PolicyKind::Trust).unwrap()
    }

    const ACCT: &str = "111122223333";

    fn user() -> Who<'static> {
        Who {
            arn: "arn:aws:iam::111122223333:user/alice",
            account: ACCT,
            id: "AIDAEXAMPLEALICE",
            role_name: None,
            federated: false,
        }
    }

    fn role() -> Who<'static> {
        Who {
            arn: "arn:aws:iam::111122223333:role/ops/Deployer",
            account: ACCT,
            id: "AROAEXAMPLEDEPLOY",
            role_name: Some("Deployer"),
            federated: false,
        }
    }

    fn admit_of(text: &str, who: &Who<'_>) -> Option<Admit> {
        let p = trust(text);
        let st = p.statements.first().unwrap();
        admits(st.principal.as_ref().unwrap(), who).map(|(a, _)| a)
    }

    fn doc(principal: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
        )
    }

    #[test]
    fn principal_forms() {
        let cases: &[(&str, Option<Admit>, Option<Admit>)] = &[
            (
                r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
                Some(Admit::Exact),
                None,
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:role/ops/Deployer"}"#,
                None,
                Some(Admit::Exact),
            ),
            (r#"{"AWS":"AIDAEXAMPLEALICE"}"#, Some(Admit::Exact), None),
            (
                r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/Deployer/ci"}"#,
                None,
                Some(Admit::Exact),
            ),
            // A session ARN names the role by name, never by path.
            (
                r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/ops/Deployer/ci"}"#,
                None,
                None,
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
                Some(Admit::Account),
                Some(Admit::Account),
            ),
            (
                r#"{"AWS":"111122223333"}"#,
                Some(Admit::Account),
                Some(Admit::Account),
            ),
            (r#"{"AWS":"arn:aws:iam::444455556666:root"}"#, None, None),
            (r#"{"AWS":"*"}"#, Some(Admit::Star), Some(Admit::Star)),
            (r#""*""#, Some(Admit::Star), Some(Admit::Star)),
            (r#"{"Service":"sagemaker.amazonaws.com"}"#, None, None),
            (
                r#"{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/alice"]}"#,
                Some(Admit::Exact),
                Some(Admit::Account),
            ),
            (
                r#"{"AWS":"arn:aws:iam::111122223333:user/alice-admin"}"#,
                None,
                None,
            ),
        ];
        for (principal, for_user, for_role) in cases {
            let d = doc(principal);
            assert_eq!(admit_of(&d, &user()), *for_user, "user: {principal}");
            assert_eq!(admit_of(&d, &role()), *for_role, "role: {principal}");
        }
    }

    #[test]
    fn not_principal_admits_everyone_it_does_not_name() {
        let d = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(admit_of(d, &user()), None);
        assert_eq!(admit_of(d, &role()), Some(Admit::Star));
    }

    #[test]
    fn federated_providers_match_federated_entries_only() {
        let who = Who {
            arn: "arn:aws:iam::111122223333:saml-provider/Corp",
            account: ACCT,
            id: "",
            role_name: None,
            federated: true,
        };
        let d = doc(r#"{"Federated":"arn:aws:iam::111122223333:saml-provider/Corp"}"#);
        assert_eq!(admit_of(&d, &who), Some(Admit::Exact));
        assert_eq!(admit_of(&d, &user()), None);
        let d = doc(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#);
        assert_eq!(admit_of(&d, &who), None);
    }

    fn request(ctx: &[(&str, &str)]) -> Request {
        let mut r = Request::new("sts:AssumeRole", "arn:aws:iam::111122223333:role/T").unwrap();
        for (k, v) in ctx {
            r.context
                .insert(k, ContextValue::Single((*v).to_owned()))
                .unwrap();
        }
        r
    }

    #[test]
    fn conditions_and_denies_decide() {
        let catalog = Catalog::sagemaker_default();
        let t = trust(
            r#"{"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole",
               "Condition":{"StringEquals":{"sts:ExternalId":"x-1"}}},
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole",
               "Condition":{"StringEquals":{"aws:PrincipalTag/team":"ml"}}},
              {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole",
               "Condition":{"StringEquals":{"aws:SourceIdentity":"blocked"}}}]}"#,
        );
        let app = applicable(&t, &user());
        assert_eq!(app.admits.len(), 3);
        // No external id, no tag: nothing allows.
        assert_eq!(decide(&app, &request(&[]), catalog).admitted(), None);
        // The external id admits through the account.
        let v = decide(&app, &request(&[("sts:ExternalId", "x-1")]), catalog);
        assert_eq!(v.admitted().map(|a| a.1), Some(Admit::Account));
        // The principal tag admits by ARN, which wins over the account.
        let v = decide(
            &app,
            &request(&[("sts:ExternalId", "x-1"), ("aws:PrincipalTag/team", "ml")]),
            catalog,
        );
        assert_eq!(v.admitted().map(|a| (a.0, a.1)), Some((1, Admit::Exact)));
        // A deny that applies wins.
        let v = decide(
            &app,
            &request(&[("sts:ExternalId", "x-1"), ("aws:SourceIdentity", "blocked")]),
            catalog,
        );
        assert!(v.denied);
        assert_eq!(v.admitted(), None);
        // The role is not admitted by the user's statement.
        let app = applicable(&t, &role());
        assert_eq!(app.admits.len(), 2);
    }

    #[test]
    fn trust_for_another_action_does_not_admit() {
        let catalog = Catalog::sagemaker_default();
        let t = trust(
            &doc(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#)
                .replace("sts:AssumeRole\"", "sts:AssumeRoleWithSAML\""),
        );
        let app = applicable(&t, &user());
        assert_eq!(decide(&app, &request(&[]), catalog).admitted(), None);
    }
}
