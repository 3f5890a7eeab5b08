use metrics_core::MetricEnum;

/// Not an enum.
#[derive(MetricEnum)]
pub struct Os {
    /// A field.
    pub name: u64,
}

fn main() {}
