use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
#[metrics = "usage"]
pub struct Usage {
    /// The number of environments.
    #[metrics]
    pub environments: u64,
}

fn main() {}
