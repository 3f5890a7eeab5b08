//! A released field replaced by one of a wider type under the same JSON key: the old one
//! retired with `#[until]`, the new one added with `#[since]` at the same version. Each
//! version sends, describes and decodes exactly one of them.

use metrics_core::{Metrics, Version};

/// Usage statistics.
#[derive(Metrics, Debug)]
#[metrics(first_release = "1.0")]
pub struct Usage {
    /// The number of projects
    pub projects: u64,
    /// The number of teams, up to 65535
    #[until("2.1")]
    pub teams: u16,
    /// The number of teams
    #[since("2.1")]
    #[metrics(rename = "teams")]
    pub teams_wide: u32,
}

fn main() {
    let v20 = Version::parse("2.0").unwrap();
    let v21 = Version::parse("2.1").unwrap();
    let usage = Usage {
        projects: 3,
        teams: 7,
        teams_wide: 70_000,
    };
    let json = |v: &Version| serde_json::to_string(&usage.at(v)).unwrap();
    assert_eq!(json(&v20), r#"{"projects":3,"teams":7}"#);
    assert_eq!(json(&v21), r#"{"projects":3,"teams":70000}"#);
    assert_eq!(Usage::versions(), [v21.clone()]);

    let max = |v: &Version| Usage::schema_at(v).to_value()["properties"]["teams"]["maximum"].clone();
    assert_eq!(max(&v20), 65535);
    assert_eq!(max(&v21), 4294967295u64);

    let old = Usage::decode(&v20, br#"{"projects":3,"teams":7}"#).unwrap();
    assert_eq!(old.value().teams, 7);
    assert!(old.is_absent("/teams") == false);
    let wide = Usage::decode(&v21, br#"{"projects":3,"teams":70000}"#).unwrap();
    assert_eq!(wide.value().teams_wide, 70_000);
    assert!(wide.absent().is_empty());
    let too_big = Usage::decode(&v20, br#"{"projects":3,"teams":70000}"#).unwrap_err();
    assert_eq!(too_big.iter().next().unwrap().rule, "maximum");
    assert_eq!(Usage::FIRST_RELEASE, Some(Version::new(1, 0, 0)));
}
