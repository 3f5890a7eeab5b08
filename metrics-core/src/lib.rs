//! Declare usage metrics once; derive version-gated payloads, one JSON Schema per product
//! version, documentation and snapshot tests from that declaration.
//!
//! ```
//! use metrics_core::{Bytes, Metrics, Version};
//!
//! /// Usage statistics sent with the update check.
//! #[derive(Metrics)]
//! #[metrics(rename_all = "camelCase")]
//! pub struct UsageStatistics {
//!     /// The number of environments that you have
//!     pub environments: u64,
//!     /// The amount of memory the server is using
//!     #[since("2.6")]
//!     pub memory: Bytes,
//! }
//!
//! let stats = UsageStatistics { environments: 4, memory: Bytes(1 << 30) };
//! let old = serde_json::to_string(&stats.at(&Version::parse("2.5").unwrap())).unwrap();
//! assert_eq!(old, r#"{"environments":4}"#);
//! let new = serde_json::to_string(&stats.at(&Version::parse("2.6").unwrap())).unwrap();
//! assert_eq!(new, r#"{"environments":4,"memory":1073741824}"#);
//!
//! let schema = UsageStatistics::schema_at(&Version::parse("3.0").unwrap());
//! assert_eq!(schema.get("$id").unwrap(), "urn:metrics:usage-statistics:2.6.0");
//! ```
//!
//! # Gating rule
//!
//! A field exists at a version when `since <= release < until`, where `release` is the
//! version without pre-release and build metadata: a `3.4.0-beta.2` client sends the
//! fields added in 3.4.

pub mod atomic_file;
mod check;
mod decode;
mod enums;
mod field;
mod metrics;
mod model;
mod schema;
mod shape;
mod types;
mod value;
mod version;

#[doc(hidden)]
pub use check::{SentNoEarlierThanItsFields, Since};
pub use decode::{Decoded, Limits, Violation, Violations};
pub use enums::MetricEnum;
pub use field::{Availability, Field, Variant};
pub use metrics::{Metrics, VersionField};
pub use metrics_derive::{MetricEnum, Metrics};
pub use model::Model;
pub use schema::{DIALECT, SchemaContext, SchemaVersion, schema_id};
pub use shape::{Leaf, Shape, leaves};
pub use types::{Bytes, InstallationId, ParseIdError, Percent, PercentError, Sha1Digest};
pub use value::{MapKey, MetricValue, Versioned};
pub use version::{Release, Version, VersionError};

/// What the derives' generated code calls. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::decode::{
        DecodeCx, DecodeFields, FieldReader, ReadMode, accept_enum, accept_struct,
        accept_struct_into, decode_enum, decode_struct, read_accepting, read_validating,
    };
    pub use crate::enums::{enum_change_points, enum_schema, serialize_enum};
    pub use crate::metrics::{StructWriter, in_range};
    pub use crate::schema::{nested_schema, struct_change_points};
    pub use schemars::Schema;
    pub use serde;
    pub use std::vec::Vec;

    /// Whether `inner` (the earliest since inside a field's type) is before `parent` (the
    /// field's own since): the derive then fails compilation with a message on the since.
    pub const fn starts_before(inner: Option<crate::Release>, parent: crate::Release) -> bool {
        match inner {
            Some(inner) => inner.const_lt(&parent),
            None => false,
        }
    }

    /// The earliest of `releases` (`None` means "no constraint").
    pub const fn earliest(releases: &[Option<crate::Release>]) -> Option<crate::Release> {
        let mut earliest: Option<crate::Release> = None;
        let mut index = 0;
        while index < releases.len() {
            if let Some(release) = releases[index] {
                earliest = match earliest {
                    Some(current) if !release.const_lt(&current) => Some(current),
                    _ => Some(release),
                };
            }
            index += 1;
        }
        earliest
    }
}
