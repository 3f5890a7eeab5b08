use metrics_core::Metrics;

/// Usage statistics: three mistakes, all reported by one build.
#[derive(Metrics)]
pub struct Usage {
    /// A malformed version.
    #[since("3.x")]
    pub environments: u64,
    /// An unknown key.
    #[metrics(renamed = "agents")]
    pub agents: u64,
    /// Free text.
    pub server_name: String,
}

/// The type is still usable: no follow-on errors where it is used.
fn schema_of_usage() -> &'static str {
    <Usage as Metrics>::NAME
}

fn main() {
    let _ = schema_of_usage();
}
