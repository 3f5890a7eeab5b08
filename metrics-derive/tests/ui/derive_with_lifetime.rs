use metrics_core::{Metrics, Percent};

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage<'a> {
    /// The disk usage.
    pub disk: &'a Percent,
}

fn main() {}
