use metrics_core::Metrics;

/// The operating system.
#[derive(Metrics)]
pub enum Os {
    /// Linux.
    Linux,
    /// Windows.
    Windows,
}

fn main() {}
