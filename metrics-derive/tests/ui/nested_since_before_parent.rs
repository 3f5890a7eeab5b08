use metrics_core::Metrics;

/// Statistics about agents.
#[derive(Metrics)]
pub struct AgentStats {
    /// The number of agents.
    pub agents: u64,
    /// The number of idle agents, added in 3.2.
    #[since("3.2")]
    pub idle: u64,
}

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
    /// Agent statistics, added in 3.4: `idle` inside it claims 3.2.
    #[since("3.4")]
    pub agents: AgentStats,
}

fn main() {}
