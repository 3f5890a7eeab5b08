use metrics_core::Metrics;

/// Usage statistics.
#[derive(Metrics)]
#[metrics(rename_all = "camelCase")]
pub struct Usage {
    /// Builds run by agents.
    pub agent_builds: u64,
    /// Builds run on the server, sent under a name that collides after renaming.
    #[metrics(rename = "agentBuilds")]
    pub server_builds: u64,
}

fn main() {}
