use metrics_core::{MetricEnum, Metrics};

/// Usage statistics.
#[derive(Metrics)]
#[metrics(first_release = "2.0")]
pub struct Usage {
    /// The number of projects
    pub projects: u64,
    /// The number of channels
    #[since("1.4")]
    pub channels: u64,
}

/// Kinds.
#[derive(MetricEnum)]
#[metrics(first_release = "1.0")]
pub enum Kind {
    /// One
    One,
}

fn main() {}
