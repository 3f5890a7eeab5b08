//! Shared fixtures of the integration tests and benchmarks: the reference sample as a plain
//! `#[derive(Serialize, Deserialize)]` struct, the baseline `at(v)` and `decode` are
//! measured against.

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_core::{Bytes, Limits, Metrics, Percent, Sha1Digest, Version};
use serde::{Deserialize, Serialize};

pub mod ratio;
pub mod shapes;

/// The reference usage statistics with the same fields and value types, serialized by plain
/// serde derive: no gating. Its JSON equals the newest version's payload.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainStatistics {
    pub environments: u64,
    pub machines: u64,
    pub projects: u64,
    pub deployment_steps: BTreeMap<PlainStep, u64>,
    pub releases_and_deployments: PlainReleases,
    pub users: u64,
    pub license_serial_hash: Sha1Digest,
    pub memory: Bytes,
    pub cpu: Percent,
    pub channels: u64,
    pub multi_tenancy: PlainTenancy,
    pub certificates: u64,
    #[serde(serialize_with = "millis", deserialize_with = "from_millis")]
    pub time_to_first_deployment: Option<Duration>,
    pub uses_lets_encrypt: bool,
    pub uses_guest_account: bool,
    pub community_steps: BTreeMap<PlainCommunityStep, u64>,
    pub cloud_accounts: PlainAccounts,
    pub built_in_worker_custom_account: bool,
    pub workers: u64,
}

/// The reference usage statistics as 3.2 sends them (10 of the 19 fields), by plain serde
/// derive.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainStatistics32 {
    pub environments: u64,
    pub machines: u64,
    pub projects: u64,
    pub deployment_steps: BTreeMap<PlainStep, u64>,
    pub releases_and_deployments: PlainReleases,
    pub users: u64,
    pub license_serial_hash: Sha1Digest,
    pub memory: Bytes,
    pub cpu: Percent,
    pub channels: u64,
}

#[derive(Serialize, Deserialize)]
pub struct PlainReleases {
    pub releases: u64,
    pub deployments: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainTenancy {
    pub tenants: u64,
    pub tenant_tags: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainAccounts {
    pub azure_accounts: u64,
    pub aws_accounts: u64,
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum PlainStep {
    DeployPackage,
    RunScript,
    ManualIntervention,
    SendEmail,
    DeployToIis,
    DeployWindowsService,
    AzureWebApp,
    AzureCloudService,
    Other,
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum PlainCommunityStep {
    Notification,
    Database,
    WebServer,
    Cloud,
    Other,
}

fn millis<S: serde::Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.serialize_some(&u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        None => s.serialize_none(),
    }
}

fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
}

/// The reference sample, copied field by field into the plain struct.
pub fn plain_sample() -> PlainStatistics {
    use schema::{CommunityStep, StepType};
    let s = schema::sample_statistics();
    let step = |t: StepType| match t {
        StepType::DeployPackage => PlainStep::DeployPackage,
        StepType::RunScript => PlainStep::RunScript,
        StepType::ManualIntervention => PlainStep::ManualIntervention,
        StepType::SendEmail => PlainStep::SendEmail,
        StepType::DeployToIis => PlainStep::DeployToIis,
        StepType::DeployWindowsService => PlainStep::DeployWindowsService,
        StepType::AzureWebApp => PlainStep::AzureWebApp,
        StepType::AzureCloudService => PlainStep::AzureCloudService,
        StepType::Other => PlainStep::Other,
    };
    let community = |c: CommunityStep| match c {
        CommunityStep::Notification => PlainCommunityStep::Notification,
        CommunityStep::Database => PlainCommunityStep::Database,
        CommunityStep::WebServer => PlainCommunityStep::WebServer,
        CommunityStep::Cloud => PlainCommunityStep::Cloud,
        CommunityStep::Other => PlainCommunityStep::Other,
    };
    PlainStatistics {
        environments: s.environments,
        machines: s.machines,
        projects: s.projects,
        deployment_steps: s
            .deployment_steps
            .iter()
            .map(|(k, v)| (step(*k), *v))
            .collect(),
        releases_and_deployments: PlainReleases {
            releases: s.releases_and_deployments.releases,
            deployments: s.releases_and_deployments.deployments,
        },
        users: s.users,
        license_serial_hash: s.license_serial_hash,
        memory: s.memory,
        cpu: s.cpu,
        channels: s.channels,
        multi_tenancy: PlainTenancy {
            tenants: s.multi_tenancy.tenants,
            tenant_tags: s.multi_tenancy.tenant_tags,
        },
        certificates: s.certificates,
        time_to_first_deployment: s.time_to_first_deployment,
        uses_lets_encrypt: s.uses_lets_encrypt,
        uses_guest_account: s.uses_guest_account,
        community_steps: s
            .community_steps
            .iter()
            .map(|(k, v)| (community(*k), *v))
            .collect(),
        cloud_accounts: PlainAccounts {
            azure_accounts: s.cloud_accounts.azure_accounts,
            aws_accounts: s.cloud_accounts.aws_accounts,
        },
        built_in_worker_custom_account: s.built_in_worker_custom_account,
        workers: s.workers,
    }
}

/// The reference sample as 3.2 sends it, in the plain struct of that version's fields.
pub fn plain_sample_32() -> PlainStatistics32 {
    let s = plain_sample();
    PlainStatistics32 {
        environments: s.environments,
        machines: s.machines,
        projects: s.projects,
        deployment_steps: s.deployment_steps,
        releases_and_deployments: s.releases_and_deployments,
        users: s.users,
        license_serial_hash: s.license_serial_hash,
        memory: s.memory,
        cpu: s.cpu,
        channels: s.channels,
    }
}

impl shapes::Shape for schema::UsageStatistics {
    type Full = PlainStatistics;
    type Half = PlainStatistics32;
    const LABEL: &'static str = "reference sample";

    fn gates() -> shapes::Versions {
        shapes::Versions {
            all: Version::new(2018, 2, 2),
            half: Version::new(3, 2, 0),
        }
    }

    fn sample() -> Self {
        schema::sample_statistics()
    }

    fn full(&self) -> PlainStatistics {
        plain_sample()
    }

    fn half(&self) -> PlainStatistics32 {
        plain_sample_32()
    }
}

/// `decode`'s two reads, alone, on `bytes` under `limits`: whether the accepting read takes
/// the payload, or what is wrong when it takes one that the validating read rejects or reads
/// as another value (for the differential and fuzz tests).
pub fn two_reads<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
) -> Result<bool, String> {
    use metrics_core::__private::{read_accepting, read_validating};
    let Some(accepted) = read_accepting::<T>(version, bytes, limits) else {
        return Ok(false);
    };
    let text = String::from_utf8_lossy(bytes);
    let validated = match read_validating::<T>(version, bytes, limits) {
        Ok(validated) => validated,
        Err(errors) => {
            return Err(format!(
                "at {version} with {limits:?}: the accepting read takes what the validating read rejects ({errors}): {text}"
            ));
        }
    };
    let (ours, theirs) = (
        serde_json::to_value(accepted.value().at(version)).unwrap(),
        serde_json::to_value(validated.value().at(version)).unwrap(),
    );
    if ours != theirs {
        return Err(format!(
            "at {version} with {limits:?}: the two reads give different values ({ours} and {theirs}): {text}"
        ));
    }
    Ok(true)
}
