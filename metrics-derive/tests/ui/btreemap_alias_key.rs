use std::collections::BTreeMap;

use metrics_core::Metrics;

/// A plugin's name: the alias hides `String` from the derive's syntactic check.
type Plugin = String;

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// Jobs per plugin: one error, on the type, although the type is used four times in
    /// the generated code.
    #[since("3.4")]
    pub jobs: BTreeMap<Plugin, u64>,
}

fn main() {}
