use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage;

fn main() {}
