use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
    /// The thing under test.
    #[until("4.0")]
    #[until("4.1")]
    pub field: u64,
}

fn main() {}
