use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage(pub u64, pub bool);

fn main() {}
