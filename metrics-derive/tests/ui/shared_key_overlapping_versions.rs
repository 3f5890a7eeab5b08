use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of teams, up to 65535
    #[until("2.2")]
    pub teams: u16,
    /// The number of teams
    #[since("2.1")]
    #[metrics(rename = "teams")]
    pub teams_wide: u32,
}

fn main() {}
