//! The extended embedded catalog: the default (SageMaker, `iam:PassRole`, global keys) plus the
//! services SageMaker policies commonly name, complete (`data/catalog/services/*.json`, written
//! by `scripts/convert-services.py`, gzipped into the binary by `build.rs`), and the list of every
//! AWS service prefix (`data/catalog/service-prefixes.json`).
//!
//! The default catalog ([`Catalog::sagemaker_default`]) is untouched by this module: audits,
//! whose request space and compiled plans span every catalog action, keep using it. The extended
//! one ([`Catalog::aws_default`]) is for questions about policies (`check`, `lint`): is this
//! action, key or resource ARN one AWS knows.
//!
//! INVARIANT (lazy): nothing here is decompressed or parsed before the first call that needs it,
//! and then only once per process.

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde::Deserialize;

use super::{Catalog, CatalogError, LoadedCatalog, Service, aws_json};

mod generated {
    include!(concat!(env!("OUT_DIR"), "/catalog_services.rs"));
}

/// Label prefix and suffix of an embedded service file (`embedded data/catalog/services/s3.json`).
const LABEL_PREFIX: &str = "embedded data/catalog/services/";
const LABEL_SUFFIX: &str = ".json";

/// The service prefix an embedded label stands for.
fn prefix_of(label: &str) -> &str {
    label
        .strip_prefix(LABEL_PREFIX)
        .and_then(|l| l.strip_suffix(LABEL_SUFFIX))
        .unwrap_or(label)
}

/// Decompresses one embedded file.
fn decode(label: &str, gz: &[u8]) -> Result<String, CatalogError> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .map_err(|error| CatalogError::Io {
            path: label.to_owned(),
            error,
        })?;
    Ok(text)
}

/// Decompresses and parses one embedded service file.
fn parse_service(label: &str, gz: &[u8]) -> Result<Service, CatalogError> {
    let text = decode(label, gz)?;
    match aws_json::parse(&text, label)? {
        aws_json::Parsed::Service(service) => Ok(*service),
        aws_json::Parsed::GlobalKeys(_) => Err(CatalogError::Invalid {
            file: label.to_owned(),
            pointer: String::new(),
            message: "an embedded service file holds no service".to_owned(),
        }),
    }
}

impl Catalog {
    /// The extended embedded catalog: [`Catalog::sagemaker_default`] plus the embedded services
    /// ([`Catalog::embedded_service_prefixes`]: the complete `iam` service, which replaces the
    /// default's `iam:PassRole`-only subset with identical PassRole facts, and `sts`, `s3`, `kms`,
    /// `ecr`, `logs`, `cloudwatch`, `ec2`, …), decompressed and parsed once, on first use.
    ///
    /// Decisions made with it follow the same rules as with the default; what changes is that
    /// more actions are known (so wildcard-only ones such as `s3:ListAllMyBuckets` are
    /// authorized against `*`, S-28) and more keys are typed. Audits keep the default catalog.
    /// The embedded data is tested to parse; should it ever fail, this is the default catalog
    /// rather than a panic.
    pub fn aws_default() -> &'static Catalog {
        static EXTENDED: OnceLock<Catalog> = OnceLock::new();
        EXTENDED.get_or_init(|| {
            let mut catalog = Catalog::default_owned();
            match catalog.add_embedded_services() {
                Ok(_) => catalog,
                Err(_) => Catalog::default_owned(),
            }
        })
    }

    /// A copy of [`Catalog::aws_default`], to extend with more files (`--catalog`): files loaded
    /// later replace embedded services with the same prefix.
    pub fn aws_default_owned() -> Catalog {
        Catalog::aws_default().clone()
    }

    /// Prefixes of the services [`add_embedded_services`](Self::add_embedded_services) adds, in
    /// order, without decompressing anything.
    pub fn embedded_service_prefixes() -> impl Iterator<Item = &'static str> {
        generated::SERVICES
            .iter()
            .map(|(label, _)| prefix_of(label))
    }

    /// Adds every embedded service to this catalog (decompressed and parsed in parallel),
    /// replacing services with the same prefix. On error nothing is added.
    pub fn add_embedded_services(&mut self) -> Result<LoadedCatalog, CatalogError> {
        let services = generated::SERVICES
            .par_iter()
            .map(|(label, gz)| parse_service(label, gz))
            .collect::<Result<Vec<_>, _>>()?;
        let loaded = LoadedCatalog {
            services: services.iter().map(|s| s.prefix.clone()).collect(),
            actions: services.iter().map(|s| s.actions.len()).sum(),
            global_keys: 0,
        };
        self.insert_services(services);
        Ok(loaded)
    }

    #[cfg(test)]
    /// Adds the embedded service `prefix` (any case), replacing one with the same prefix;
    /// `Ok(None)` when no such service is embedded.
    pub(crate) fn add_embedded_service(
        &mut self,
        prefix: &str,
    ) -> Result<Option<LoadedCatalog>, CatalogError> {
        let Some((label, gz)) = generated::SERVICES
            .iter()
            .find(|(label, _)| prefix_of(label).eq_ignore_ascii_case(prefix))
        else {
            return Ok(None);
        };
        let service = parse_service(label, gz)?;
        let loaded = LoadedCatalog {
            services: vec![service.prefix.clone()],
            actions: service.actions.len(),
            global_keys: 0,
        };
        self.insert_service(service);
        Ok(Some(loaded))
    }
}

/// `data/catalog/service-prefixes.json` (iamc's own layout, like the global-key file):
/// `{"Services": [{"Name": "s3", "ServiceName": "Amazon S3"}, …]}`.
#[derive(Deserialize)]
struct PrefixFile {
    #[serde(rename = "Services")]
    services: Vec<PrefixEntry>,
}

#[derive(Deserialize)]
struct PrefixEntry {
    #[serde(rename = "Name")]
    name: String,
}

/// Every AWS service prefix (lowercase), from the embedded list; empty should the embedded
/// list ever fail to parse (it is tested to parse).
pub(crate) fn aws_service_prefixes() -> &'static BTreeSet<String> {
    static PREFIXES: OnceLock<BTreeSet<String>> = OnceLock::new();
    PREFIXES.get_or_init(|| {
        serde_json::from_str::<PrefixFile>(include_str!("../../data/catalog/service-prefixes.json"))
            .map(|f| {
                f.services
                    .into_iter()
                    .map(|e| e.name.to_ascii_lowercase())
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// True when `prefix` (any case) is the prefix of an AWS service (see [`aws_service_prefixes`]).
pub(crate) fn is_aws_service_prefix(prefix: &str) -> bool {
    aws_service_prefixes().contains(&prefix.to_ascii_lowercase())
}
