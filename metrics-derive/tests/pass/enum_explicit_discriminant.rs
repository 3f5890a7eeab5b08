//! Explicit discriminants are allowed (a `#[repr(u8)]` enum stored elsewhere may also be a
//! metric) and do not change what is sent: the variant's name.

use metrics_core::{MetricEnum, Metrics, Version};

/// The operating system.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Os {
    /// Linux.
    Linux = 1,
    /// Windows.
    Windows = 7,
}

/// Usage statistics.
#[derive(Metrics)]
pub struct Usage {
    /// The server's operating system.
    pub os: Os,
}

fn main() {
    let version = Version::parse("1.0").unwrap();
    let json = serde_json::to_string(&Usage { os: Os::Windows }.at(&version)).unwrap();
    assert_eq!(json, r#"{"os":"Windows"}"#);
    assert_eq!(Os::Windows as u8, 7);
}
