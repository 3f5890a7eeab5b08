//! A user's own model: a fleet agent's heartbeat, with `#[since]`, `#[until]`, nested
//! structs, closed enums whose variants come and go, and maps keyed by them.

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_core::{MetricEnum, Metrics, Percent};

/// What a fleet agent reports each day.
#[derive(Metrics)]
#[metrics(name = "heartbeat", rename_all = "snake_case")]
pub struct Heartbeat {
    /// Hosts managed
    pub hosts: u32,
    /// Jobs by runner kind
    #[since("1.2")]
    pub jobs_by_runner: BTreeMap<Runner, u64>,
    /// The runner most jobs used
    #[since("1.2")]
    pub main_runner: Runner,
    /// Disk use
    #[since("1.5")]
    pub disk: Disk,
    /// Replaced by `disk` in 1.5, removed in 2.0
    #[since("1.1")]
    #[until("2.0")]
    pub disk_full_percent: Percent,
    /// Uptime of the agent
    #[metrics(rename = "up")]
    pub uptime: Option<Duration>,
}

/// Disk use of the agent's cache.
#[derive(Metrics)]
pub struct Disk {
    /// Percent used
    pub used: Percent,
    /// Files in the cache
    #[since("1.7")]
    pub files: u64,
}

/// Where jobs run.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "lowercase")]
pub enum Runner {
    /// On the host
    Shell,
    /// In a container
    Docker,
    /// In a pod; supported from 1.4
    #[since("1.4")]
    Kubernetes,
    /// A VM runner, dropped in 1.6
    #[until("1.6")]
    Vm,
}
