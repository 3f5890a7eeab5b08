use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of projects
    pub projects: u64,
    pub channels: u64,
}

fn main() {}
