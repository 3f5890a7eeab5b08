use std::collections::BTreeMap;

use metrics_core::{MetricEnum, Metrics};

/// Colors: a closed enum, but without `Ord`, which a map key needs.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    /// Red
    Red,
    /// Blue
    Blue,
}

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// Items per color: one error, naming the derive `Color` lacks.
    pub colors: BTreeMap<Color, u64>,
    /// Inside an `Option` too.
    pub maybe: Option<BTreeMap<Color, u32>>,
}

fn main() {}
