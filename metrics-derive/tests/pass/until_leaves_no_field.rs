//! `#[until]` may remove every field: from 2.0 on the payload is an empty object, which is
//! allowed (the type still describes the versions before).

use metrics_core::{Metrics, Version};

/// Usage statistics of a retired feature.
#[derive(Metrics)]
pub struct Legacy {
    /// Runs of the legacy importer.
    #[until("2.0")]
    pub imports: u64,
    /// Whether the legacy importer is enabled.
    #[since("1.5")]
    #[until("2.0")]
    pub enabled: bool,
}

fn main() {
    let stats = Legacy { imports: 3, enabled: true };
    let at = |v: &str| serde_json::to_string(&stats.at(&Version::parse(v).unwrap())).unwrap();
    assert_eq!(at("1.4"), r#"{"imports":3}"#);
    assert_eq!(at("1.5"), r#"{"imports":3,"enabled":true}"#);
    assert_eq!(at("2.0"), "{}");
}
