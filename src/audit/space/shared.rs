//! One request space per audited account, shared by coverage and every detector.
//!
//! [`RequestSpace`] plans each action's requests on first use, at most once per account
//! ([`super::plan_action`]: the resource candidates, the requests planned from the policies'
//! statements and the dimensions of variation, everything the policies decide), with the run's
//! one cap (`--variants`). Every consumer's requests are made from that one plan, so they are
//! the same requests:
//!
//! - coverage reads the whole of each action ([`RequestSpace::requests`]): made from the plan,
//!   evaluated for every group, dropped;
//! - the detectors read a [`Sample`], a prefix of the whole ([`RequestSpace::sample`]), exactly
//!   what a generation at the smaller cap gives ([`ActionRequests::prefix_len`]): the first
//!   [`DETECTOR_PREFIX`] requests of an action are made once, on the first detector's demand,
//!   and shared by every detector, group and thread until the account is done.
//!
//! Memory: 461 actions × 1,000 requests do not fit next to a 10,000-role account's groups (held
//! at once they add about 300 MB even at 400 per action), while a plan is a few resources and
//! values. So the space holds plans, the detectors' prefixes of the actions they read, and the
//! whole of an action only while coverage evaluates it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use super::{ActionPlan, ActionRequests, GenConfig, Mentions, plan_action};
use crate::catalog::{ActionId, Catalog};
use crate::eval::Request;

/// Requests per action the detectors read (escalation paths, calls that will fail, over-broad
/// grants, privilege containment; dead statements read a shorter prefix): the first 400 of the
/// space, or all of them when `--variants` is smaller.
pub(crate) const DETECTOR_PREFIX: usize = 400;

/// One action's plan and detectors' prefix (`None`: the action has no requests).
#[derive(Default)]
struct Slot {
    plan: OnceLock<Option<ActionPlan>>,
    prefix: OnceLock<Option<Arc<ActionRequests>>>,
}

/// The synthetic requests of one account, per action, planned once and shared.
pub(crate) struct RequestSpace<'s> {
    catalog: &'s Catalog,
    account: &'s str,
    config: GenConfig,
    mentions: &'s Mentions,
    targets: &'s [String],
    /// Plans made so far (each action at most once).
    plans: AtomicUsize,
    slots: Vec<Slot>,
}

impl std::fmt::Debug for RequestSpace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestSpace")
            .field("account", &self.account)
            .field("cap", &self.config.variants)
            .field("plans", &self.plans())
            .finish_non_exhaustive()
    }
}

impl<'s> RequestSpace<'s> {
    /// The space of `account`: requests from `mentions`, with `targets` as extra resource
    /// candidates (the account's role ARNs), `generator.variants` requests per action (the one
    /// cap).
    pub(crate) fn new(
        catalog: &'s Catalog,
        account: &'s str,
        generator: &GenConfig,
        mentions: &'s Mentions,
        targets: &'s [String],
    ) -> Self {
        RequestSpace {
            catalog,
            account,
            config: generator.clone(),
            mentions,
            targets,
            plans: AtomicUsize::new(0),
            slots: (0..catalog.action_count())
                .map(|_| Slot::default())
                .collect(),
        }
    }

    /// The cap: requests per action (`--variants`; more when the policies plan more).
    pub(crate) fn cap(&self) -> usize {
        self.config.variants
    }

    /// How many actions were planned so far.
    pub(crate) fn plans(&self) -> usize {
        self.plans.load(Ordering::Relaxed)
    }

    /// `action`'s plan, made on first use (others asking for it meanwhile wait for it).
    fn plan(&self, action: ActionId) -> Option<&ActionPlan> {
        let slot = self.slots.get(action.get() as usize)?;
        slot.plan
            .get_or_init(|| {
                self.plans.fetch_add(1, Ordering::Relaxed);
                plan_action(
                    self.catalog,
                    action,
                    self.account,
                    &self.config,
                    self.mentions,
                    self.targets,
                )
            })
            .as_ref()
    }

    /// The whole of `action`'s requests (the cap), made from its plan for a caller that reads
    /// each action once (coverage) and drops them. `None` when the action has none.
    pub(crate) fn requests(&self, action: ActionId) -> Option<ActionRequests> {
        Some(self.plan(action)?.materialize(self.config.variants))
    }

    /// The first `n` requests of `action` (every planned one included): what a generation at
    /// cap `n` gives. Up to [`DETECTOR_PREFIX`], from the prefix made once and shared.
    pub(crate) fn sample(&self, action: ActionId, n: usize) -> Option<Sample> {
        let prefix = DETECTOR_PREFIX.min(self.config.variants);
        let requests = if n <= prefix {
            let slot = self.slots.get(action.get() as usize)?;
            slot.prefix
                .get_or_init(|| Some(Arc::new(self.plan(action)?.materialize(prefix))))
                .clone()?
        } else {
            Arc::new(self.plan(action)?.materialize(n.min(self.config.variants)))
        };
        let len = requests.prefix_len(n);
        Some(Sample { requests, len })
    }

    /// `action`'s first [`DETECTOR_PREFIX`] requests: the detectors' sample.
    pub(crate) fn detector_sample(&self, action: ActionId) -> Option<Sample> {
        self.sample(action, DETECTOR_PREFIX)
    }
}

/// A prefix of one action's requests in the space.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    requests: Arc<ActionRequests>,
    len: usize,
}

impl Sample {
    /// Dense id of the action in the catalog.
    pub(crate) fn action_id(&self) -> ActionId {
        self.requests.action_id
    }

    /// The requests.
    pub(crate) fn requests(&self) -> &[Request] {
        self.requests.requests.get(..self.len).unwrap_or_default()
    }

    /// Per request: true when it names a resource of the audited account (or `*`).
    pub(crate) fn own_account(&self) -> &[bool] {
        self.requests
            .own_account
            .get(..self.len)
            .unwrap_or_default()
    }

    /// Each request with whether it names a resource of the audited account.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Request, bool)> {
        self.requests()
            .iter()
            .zip(self.own_account().iter().copied())
    }

    /// The own-account requests.
    pub(crate) fn own(&self) -> impl Iterator<Item = &Request> {
        self.iter().filter(|(_, own)| *own).map(|(r, _)| r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::space::generate_action;
    use crate::policy::{Policy, PolicyKind};

    fn mentions() -> Mentions {
        let mut m = Mentions::default();
        let p = Policy::parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
                "Action":"sagemaker:CreateTrainingJob",
                "Resource":"arn:aws:sagemaker:*:*:training-job/team-a-*",
                "Condition":{"StringEquals":{"sagemaker:VolumeKmsKey":"k1"}}},
                {"Effect":"Allow","Action":"sagemaker:CreateTrainingJob","Resource":"*",
                "Condition":{"StringEquals":{"sagemaker:InstanceTypes":"ml.m5.large"}}}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        m.add_policy(&p);
        m
    }

    /// A sample at `n`, and the whole, are exactly generations at cap `n`: the detectors' old
    /// requests, coverage's.
    #[test]
    fn samples_are_the_smaller_generations() {
        let catalog = Catalog::sagemaker_default();
        let m = mentions();
        let targets = vec!["arn:aws:iam::111122223333:role/r1".to_owned()];
        let cfg = GenConfig {
            variants: 700,
            ..GenConfig::default()
        };
        let space = RequestSpace::new(catalog, "111122223333", &cfg, &m, &targets);
        let names = [
            "sagemaker:CreateTrainingJob",
            "iam:PassRole",
            "sagemaker:ListDomains",
        ];
        for name in names {
            let id = catalog.action_id(name).unwrap();
            let at = |n: usize| {
                let c = GenConfig {
                    variants: n,
                    ..cfg.clone()
                };
                generate_action(catalog, id, "111122223333", &c, &m, &targets).unwrap()
            };
            let whole = space.requests(id).unwrap();
            assert_eq!(whole.requests, at(700).requests, "{name}");
            for n in [1, 7, 120, 400, 401, 700, 5000] {
                let small = at(n.min(700));
                let s = space.sample(id, n).unwrap();
                assert_eq!(s.requests(), &small.requests[..], "{name} at {n}");
                assert_eq!(s.own_account(), &small.own_account[..], "{name} at {n}");
            }
        }
        // Planned statements come first and are kept at any cap.
        let id = catalog.action_id("sagemaker:CreateTrainingJob").unwrap();
        let one = space.sample(id, 1).unwrap();
        assert!(
            one.requests().len() >= 2,
            "the statements' planned requests"
        );
        assert_eq!(one.requests().len(), space.requests(id).unwrap().planned);
        assert_eq!(space.plans(), names.len(), "each action planned once");
    }
}
