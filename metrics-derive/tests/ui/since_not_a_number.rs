use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
    /// The thing under test.
    #[since("3.x")]
    pub field: u64,
}

fn main() {}
