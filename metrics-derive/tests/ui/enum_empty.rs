use metrics_core::MetricEnum;

/// No value at all.
#[derive(MetricEnum)]
pub enum Never {}

fn main() {}
