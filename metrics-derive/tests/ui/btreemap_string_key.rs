use std::collections::BTreeMap;

use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// Jobs per plugin name.
    pub jobs: BTreeMap<String, u64>,
}

fn main() {}
