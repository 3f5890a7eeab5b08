use metrics_core::Metrics;

/// An update check.
#[derive(Metrics)]
pub struct Check {
    /// The build number
    #[metrics(version)]
    pub build: u64,
}

fn main() {}
