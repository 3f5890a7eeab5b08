use metrics_core::Metrics;

/// A name: the alias hides `String` from the derive's syntactic check.
type Name = String;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The number of environments.
    pub environments: u64,
    /// The server's name.
    pub name: Name,
}

fn main() {}
