use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
#[metrics(rename_al = "camelCase")]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
}

fn main() {}
