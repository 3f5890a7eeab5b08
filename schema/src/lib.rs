//! The reference model: the update check a deployment server sends every 8 hours, and the
//! usage statistics it carries when the user opted in, one field per row of the public
//! "Outbound requests" page, each with the version it appeared in.

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_core::{
    Bytes, InstallationId, MetricEnum, Metrics, Model, Percent, Sha1Digest, Version,
};

/// The update check: sent every 8 hours when "Automatically check for new Octopus releases"
/// is checked.
#[derive(Metrics)]
#[metrics(name = "update-check", rename_all = "camelCase")]
pub struct UpdateCheck {
    /// The current Octopus Deploy version number that you are running
    pub version: Version,
    /// A unique installation ID
    ///
    /// A GUID generated when Octopus is installed: a rough count of installations and the
    /// versions they run, nothing about who runs them.
    pub installation_id: InstallationId,
    /// Usage statistics, sent only when "Help improve Octopus by sending usage statistics"
    /// is checked; `null` otherwise.
    pub usage_statistics: Option<UsageStatistics>,
}

/// What the update-check client sends: this envelope, with the statistics only when the user
/// opted in to them.
impl client::Envelope for UpdateCheck {
    type Statistics = UsageStatistics;

    fn new(
        version: Version,
        installation_id: InstallationId,
        usage_statistics: Option<UsageStatistics>,
    ) -> Self {
        UpdateCheck {
            version,
            installation_id,
            usage_statistics,
        }
    }
}

/// Aggregate usage statistics: counts of items, never their names, descriptions or URIs.
#[derive(Metrics)]
#[metrics(name = "usage-statistics", rename_all = "camelCase")]
pub struct UsageStatistics {
    /// The number of environments that you have
    pub environments: u64,
    /// The number of machines and deployment targets that you have (including Listening Tentacles, Polling Tentacles, Offline package drops, Azure Web Apps, Azure Cloud Services and SSH connections)
    pub machines: u64,
    /// The number of projects that you have
    pub projects: u64,
    /// The number of each of the different types of deployment steps that you have
    pub deployment_steps: BTreeMap<StepType, u64>,
    /// The number of releases and deployments that you have done in the last 90 days
    pub releases_and_deployments: ReleasesAndDeployments,
    /// The number of users that you have
    pub users: u64,
    /// A SHA1 hash of your license key serial number
    #[since("2.6")]
    pub license_serial_hash: Sha1Digest,
    /// The amount of memory Octopus is using
    #[since("2.6")]
    pub memory: Bytes,
    /// The % of CPU Octopus is using on average
    #[since("2.6")]
    pub cpu: Percent,
    /// The number of channels you are using
    #[since("3.2")]
    pub channels: u64,
    /// Usage of multi-tenant features (number of tenants, number of tenant tags)
    #[since("3.4")]
    pub multi_tenancy: MultiTenancy,
    /// The number of certificates you have
    #[since("3.11.2")]
    pub certificates: u64,
    /// The time to your first deployment
    ///
    /// From installation to the first successful deployment; `null` until there is one.
    #[since("3.12")]
    pub time_to_first_deployment: Option<Duration>,
    /// Whether you are using LetsEncrypt
    #[since("3.15")]
    pub uses_lets_encrypt: bool,
    /// Whether you are using the guest account
    #[since("3.16.1")]
    pub uses_guest_account: bool,
    /// The number of each of the different community steps you have
    #[since("2018.2.2")]
    pub community_steps: BTreeMap<CommunityStep, u64>,
    /// The number of Azure accounts and AWS accounts
    #[since("2018.2.2")]
    pub cloud_accounts: CloudAccounts,
    /// Whether you have a custom account configured for the built-in worker
    #[since("2018.2.2")]
    pub built_in_worker_custom_account: bool,
    /// The number of non built-in workers you have
    #[since("2018.2.2")]
    pub workers: u64,
}

/// Releases created and deployments run in the last 90 days.
#[derive(Metrics)]
#[metrics(rename_all = "camelCase")]
pub struct ReleasesAndDeployments {
    /// Releases created in the last 90 days
    pub releases: u64,
    /// Deployments run in the last 90 days
    pub deployments: u64,
}

/// Multi-tenant features in use.
#[derive(Metrics)]
#[metrics(rename_all = "camelCase")]
pub struct MultiTenancy {
    /// The number of tenants
    pub tenants: u64,
    /// The number of tenant tags
    pub tenant_tags: u64,
}

/// Cloud accounts configured.
#[derive(Metrics)]
#[metrics(rename_all = "camelCase")]
pub struct CloudAccounts {
    /// The number of Azure accounts
    pub azure_accounts: u64,
    /// The number of AWS accounts
    pub aws_accounts: u64,
}

/// The built-in kinds of deployment step, the keys of the per-type step counts.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "kebab-case")]
pub enum StepType {
    /// Deploy a NuGet or other package
    DeployPackage,
    /// Run a PowerShell, Bash or other script
    RunScript,
    /// Wait for a person to approve
    ManualIntervention,
    /// Send an email
    SendEmail,
    /// Deploy to IIS
    DeployToIis,
    /// Deploy a Windows service
    DeployWindowsService,
    /// Deploy an Azure Web App
    AzureWebApp,
    /// Deploy an Azure Cloud Service
    AzureCloudService,
    /// Any other built-in step
    Other,
}

/// The community step templates counted by kind; templates outside the list count as
/// `other`, so no template name is ever sent.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "kebab-case")]
pub enum CommunityStep {
    /// Notification templates (Slack, Teams, HipChat, ...)
    Notification,
    /// Database templates (SQL Server, PostgreSQL, ...)
    Database,
    /// Web server templates (IIS, nginx, ...)
    WebServer,
    /// Cloud provider templates
    Cloud,
    /// Any other community template
    Other,
}

/// The models the `schema` CLI generates files for, with the samples below as the
/// disclosure page's example payloads.
pub fn models() -> Vec<Model> {
    vec![
        Model::of::<UpdateCheck>().with_example(|v| to_json(&sample_update_check(v.clone()), v)),
        Model::of::<UsageStatistics>().with_example(|v| to_json(&sample_statistics(), v)),
    ]
}

fn to_json<T: Metrics>(payload: &T, version: &Version) -> serde_json::Value {
    serde_json::to_value(payload.at(version)).expect("a metrics payload always serializes")
}

/// A sample with realistic numbers, for tests, snapshots and previews.
pub fn sample_statistics() -> UsageStatistics {
    UsageStatistics {
        environments: 6,
        machines: 912,
        projects: 148,
        deployment_steps: BTreeMap::from([
            (StepType::DeployPackage, 1_204),
            (StepType::RunScript, 873),
            (StepType::ManualIntervention, 41),
            (StepType::SendEmail, 95),
            (StepType::DeployToIis, 310),
            (StepType::AzureWebApp, 57),
        ]),
        releases_and_deployments: ReleasesAndDeployments {
            releases: 2_390,
            deployments: 7_815,
        },
        users: 87,
        license_serial_hash: Sha1Digest::of("OCTO-1234-5678-90AB"),
        memory: Bytes::mib(1_536),
        cpu: Percent::ratio(3, 25),
        channels: 212,
        multi_tenancy: MultiTenancy {
            tenants: 64,
            tenant_tags: 18,
        },
        certificates: 23,
        time_to_first_deployment: Some(Duration::from_secs(2 * 3600 + 17 * 60)),
        uses_lets_encrypt: true,
        uses_guest_account: false,
        community_steps: BTreeMap::from([
            (CommunityStep::Notification, 14),
            (CommunityStep::Database, 9),
            (CommunityStep::Other, 3),
        ]),
        cloud_accounts: CloudAccounts {
            azure_accounts: 5,
            aws_accounts: 2,
        },
        built_in_worker_custom_account: true,
        workers: 12,
    }
}

/// A sample update check by `version`, opted in to usage statistics.
pub fn sample_update_check(version: Version) -> UpdateCheck {
    UpdateCheck {
        version,
        installation_id: "7c9e6679-7425-40de-944b-e07fc1f90ae7"
            .parse()
            .expect("a valid installation id"),
        usage_statistics: Some(sample_statistics()),
    }
}
