use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// An integer instead of a string.
    #[since(3)]
    pub field: u64,
}

fn main() {}
