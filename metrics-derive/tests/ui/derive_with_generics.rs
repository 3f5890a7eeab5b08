use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage<T> {
    /// The number of environments.
    pub environments: T,
}

fn main() {}
