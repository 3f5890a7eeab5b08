use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
#[since("3.4")]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
}

fn main() {}
