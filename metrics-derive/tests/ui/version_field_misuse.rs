use metrics_core::{MetricEnum, Metrics, Version};

/// An update check.
#[derive(Metrics)]
pub struct Check {
    /// The product version
    #[metrics(version)]
    #[since("2.0")]
    pub product: Version,
    /// The agent version
    #[metrics(version)]
    pub agent: Version,
}

/// Kinds.
#[derive(MetricEnum)]
pub enum Kind {
    /// One
    #[metrics(version)]
    One,
}

fn main() {}
