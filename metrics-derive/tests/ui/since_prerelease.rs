use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
    /// The thing under test.
    #[since("3.4.0-beta.1")]
    pub field: u64,
}

fn main() {}
