use std::collections::BTreeMap;

use metrics_core::Metrics;

/// A plain enum used as a key: not a `#[derive(MetricEnum)]`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Color {
    /// Red
    Red,
}

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// Items per color.
    pub colors: BTreeMap<Color, u64>,
}

fn main() {}
