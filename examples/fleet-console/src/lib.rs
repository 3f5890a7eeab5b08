//! The Fleet Console's usage metrics: a daily heartbeat that names its own version in
//! `consoleVersion`, carries the console's random id, and, when the administrator opted
//! in, what the console is used for.

use std::collections::BTreeMap;

use metrics_core::{Bytes, InstallationId, MetricEnum, Metrics, Version};

/// The Fleet Console's daily heartbeat.
#[derive(Metrics, Debug)]
#[metrics(name = "heartbeat", rename_all = "camelCase", first_release = "1.0")]
pub struct Heartbeat {
    /// The version of the console that sends it
    #[metrics(version)]
    pub console_version: Version,
    /// A random id of the console installation
    pub console_id: InstallationId,
    /// What the console is used for, sent only when the administrator opted in
    pub usage: Option<ConsoleUsage>,
}

/// What the console is used for: counts, never names.
#[derive(Metrics, Debug)]
#[metrics(rename_all = "camelCase")]
pub struct ConsoleUsage {
    /// The number of agents enrolled
    pub agents: u64,
    /// The number of dashboards of each kind
    pub dashboards: BTreeMap<DashboardKind, u32>,
    /// The storage the console uses
    pub storage: Storage,
    /// The number of alert rules
    #[since("1.2")]
    pub alert_rules: u32,
}

/// The storage the console uses.
#[derive(Metrics, Debug)]
#[metrics(rename_all = "camelCase")]
pub struct Storage {
    /// The bytes of metrics kept
    pub bytes: Bytes,
    /// Whether a retention period is set
    pub retention_set: bool,
}

/// The kinds of dashboard.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "kebab-case")]
pub enum DashboardKind {
    /// The fleet overview
    Overview,
    /// Alerts
    Alerts,
    /// Capacity planning
    #[since("1.2")]
    Capacity,
}

impl client::Envelope for Heartbeat {
    type Statistics = ConsoleUsage;

    fn new(version: Version, console_id: InstallationId, usage: Option<ConsoleUsage>) -> Self {
        Heartbeat {
            console_version: version,
            console_id,
            usage,
        }
    }
}

/// What a console gathers (here, fixed numbers).
pub fn gather_usage() -> ConsoleUsage {
    ConsoleUsage {
        agents: 930,
        dashboards: BTreeMap::from([
            (DashboardKind::Overview, 3),
            (DashboardKind::Alerts, 2),
            (DashboardKind::Capacity, 1),
        ]),
        storage: Storage {
            bytes: Bytes::mib(2048),
            retention_set: true,
        },
        alert_rules: 41,
    }
}
