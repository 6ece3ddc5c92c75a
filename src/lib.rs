//! iamc: a compiled IAM policy decision engine for bulk access audits of Amazon SageMaker.
//!
//! Data flows one way: [`policy`] (JSON → validated model) → [`compile`] (a principal's
//! [`PolicySet`] → an immutable, `Send + Sync` [`CompiledSet`] in an arena) → [`eval`]
//! (decisions and explanations). [`catalog`] describes the service surface (actions, resource
//! types, condition keys) that validation, compilation and evaluation consult.
//!
//! Two engines decide alike: [`eval::reference`] is AWS's documented evaluation logic written
//! out plainly (the specification), and [`CompiledSet::evaluate`] is the fast one, deciding a
//! [`PreparedRequest`] without allocating.
//!
//! The public modules hold what the `iamc` command, these examples, the integration tests, the
//! benches and the fuzz targets use; everything else is crate-private (DESIGN.md, section 9,
//! "Public surface").
//!
//! # Deciding one request
//!
//! ```rust
//! use iamc::eval::{ContextValue, compiled, reference};
//! use iamc::{Catalog, Decision, Policy, PolicyKind, PolicySet, Request};
//!
//! let policy = Policy::parse(
//!     r#"{
//!         "Version": "2012-10-17",
//!         "Statement": [{
//!             "Effect": "Allow",
//!             "Action": "sagemaker:CreateTrainingJob",
//!             "Resource": "arn:aws:sagemaker:*:111122223333:training-job/*",
//!             "Condition": {"Bool": {"sagemaker:NetworkIsolation": "true"}}
//!         }]
//!     }"#,
//!     PolicyKind::Identity,
//! )?;
//! let set = PolicySet::identity(vec![policy]);
//! let catalog = Catalog::sagemaker_default();
//!
//! let mut request = Request::new(
//!     "sagemaker:CreateTrainingJob",
//!     "arn:aws:sagemaker:us-east-1:111122223333:training-job/churn",
//! )?;
//! request
//!     .context
//!     .insert("sagemaker:NetworkIsolation", ContextValue::Single("true".into()))?;
//!
//! let by_reference = reference::evaluate(&set, &request, catalog);
//! let by_compiled = compiled::evaluate(&set, &request, catalog)?;
//! assert_eq!(by_reference, by_compiled);
//! assert_eq!(by_compiled.decision, Decision::Allowed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Compiling once, deciding many
//!
//! ```rust
//! use iamc::{Catalog, Compiler, Decision, Policy, PolicyKind, PolicySet, PreparedRequest, Request};
//!
//! let catalog = Catalog::sagemaker_default();
//! let policy = Policy::parse(
//!     r#"{"Version": "2012-10-17", "Statement": [
//!         {"Effect": "Allow", "Action": "sagemaker:Describe*", "Resource": "*"},
//!         {"Effect": "Deny", "Action": "sagemaker:DescribeModel",
//!          "Resource": "arn:aws:sagemaker:*:*:model/secret-*"}
//!     ]}"#,
//!     PolicyKind::Identity,
//! )?;
//! let set = PolicySet::identity(vec![policy]);
//!
//! // The arena owns the compiled data; the compiled set borrows it.
//! let arena = bumpalo::Bump::new();
//! let compiled = Compiler::new(&arena, catalog).compile(&set)?;
//!
//! let requests = ["public-model", "secret-model"]
//!     .iter()
//!     .map(|name| {
//!         let arn = format!("arn:aws:sagemaker:us-east-1:111122223333:model/{name}");
//!         Request::new("sagemaker:DescribeModel", &arn)
//!     })
//!     .collect::<Result<Vec<_>, _>>()?;
//! // A prepared request (action id, ARN segments, parsed context values) borrows its request,
//! // is made once and serves every compiled set.
//! let prepared: Vec<PreparedRequest> = requests
//!     .iter()
//!     .map(|request| PreparedRequest::new(request, catalog))
//!     .collect();
//!
//! let decisions: Vec<Decision> = compiled
//!     .evaluate_batch_par(&prepared)
//!     .iter()
//!     .map(|outcome| outcome.decision)
//!     .collect();
//! assert_eq!(decisions, [Decision::Allowed, Decision::ExplicitlyDenied]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![warn(unreachable_pub)]

pub mod analyze;
pub mod audit;
pub mod case;
pub mod catalog;
pub mod cli;
pub mod compile;
pub mod condition;
pub(crate) mod error;
pub mod eval;
mod hash;
pub(crate) mod lint;
pub mod policy;
pub mod report;
pub mod request;

pub use catalog::Catalog;
pub use compile::{CompiledSet, Compiler};
pub use eval::{Decision, Explanation, Layer, Outcome};
pub use policy::{Policy, PolicyKind, PolicySet};
pub use request::{PreparedRequest, Request};
