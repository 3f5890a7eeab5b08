use metrics_core::Metrics;

/// Raw bits.
#[derive(Metrics)]
pub union Bits {
    /// As an integer.
    pub int: u64,
    /// As a flag.
    pub flag: bool,
}

fn main() {}
