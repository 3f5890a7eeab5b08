use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
#[metrics(name = "Usage Stats", rename_all = "camelcase")]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
}

fn main() {}
