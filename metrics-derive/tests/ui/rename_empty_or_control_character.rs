use metrics_core::{MetricEnum, Metrics};

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    #[metrics(rename = "environ\nments")]
    pub environments: u64,
    /// The number of machines.
    #[metrics(rename = "")]
    pub machines: u64,
}

/// A kind of runner.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Runner {
    /// A local runner.
    #[metrics(rename = "local\t")]
    Local,
}

fn main() {}
