//! `MetricValue`: the closed set of types a metric may have, and their exact schemas.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::Schema;
use serde::Serializer;
use serde::ser::SerializeMap;

use crate::enums::{MetricEnum, variant_exists};
use crate::schema::SchemaContext;
use crate::types::{Bytes, InstallationId, Percent, Sha1Digest};
use crate::version::{Release, Version};

/// A type that may be the value of a metric: an aggregate (count, flag, percentage, size,
/// duration, hash, closed enum), or a nested `#[derive(Metrics)]` struct.
///
/// The set is closed on purpose: free text (names, paths, URLs, descriptions) must never be
/// sent, so `String`, `&str`, `PathBuf`, signed integers and floats have no impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a usage metric: only aggregates may be metrics",
    label = "not an aggregate metric value",
    note = "a metric is a count (u8, u16, u32, u64, usize), a flag (bool), a `Percent`, a `Bytes` size, a `std::time::Duration`, a `Sha1Digest`, an `Option` of one of these, a nested `#[derive(Metrics)]` struct, a `#[derive(MetricEnum)]` enum, or a `BTreeMap` keyed by such an enum",
    note = "free text (names, paths, URLs, descriptions) and signed or floating-point numbers are never sent: send a count of the items, or a `Percent`, instead"
)]
pub trait MetricValue {
    /// The earliest `#[since]` inside this type (for nested structs), checked at compile time
    /// against the since of the field that holds it.
    #[doc(hidden)]
    const EARLIEST_SINCE: Option<Release> = None;

    /// The JSON Schema of this value at `cx.release()`.
    fn metric_schema(cx: &mut SchemaContext) -> Schema;

    /// Pushes the versions at which this type's shape changes (nested structs, enum variants).
    fn metric_change_points(out: &mut Vec<Version>) {
        let _ = out;
    }

    /// Serializes the value as it is sent at `release`.
    fn serialize_metric<S: Serializer>(
        &self,
        release: Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error>;
}

/// A value seen at one release: the `serde::Serialize` view that [`crate::Metrics::at`]
/// returns. It emits exactly what exists at that release.
pub struct Versioned<'a, T: ?Sized> {
    value: &'a T,
    release: Release,
}

impl<'a, T: ?Sized> Versioned<'a, T> {
    /// Views `value` as it is sent by `version` (gated as its release).
    pub fn new(value: &'a T, version: &Version) -> Self {
        Versioned {
            value,
            release: version.release(),
        }
    }

    pub(crate) fn at_release(value: &'a T, release: Release) -> Self {
        Versioned { value, release }
    }

    /// The release this view is gated as.
    pub fn release(&self) -> Release {
        self.release
    }

    /// The viewed value.
    pub fn value(&self) -> &'a T {
        self.value
    }
}

impl<T: MetricValue + ?Sized> serde::Serialize for Versioned<'_, T> {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize_metric(self.release, serializer)
    }
}

fn unsigned_schema(max: u64) -> Schema {
    schemars::json_schema!({ "type": "integer", "minimum": 0, "maximum": max })
}

macro_rules! unsigned_metric {
    ($($ty:ty),*) => {$(
        impl MetricValue for $ty {
            fn metric_schema(_: &mut SchemaContext) -> Schema {
                unsigned_schema(<$ty>::MAX as u64)
            }

            #[inline]
            fn serialize_metric<S: Serializer>(&self, _: Release, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u64(*self as u64)
            }
        }
    )*};
}

unsigned_metric!(u8, u16, u32, u64, usize);

/// Plain values that serialize the same at every release, through their `Serialize` impl.
macro_rules! plain_metric {
    ($($ty:ty => $schema:expr),* $(,)?) => {$(
        impl MetricValue for $ty {
            fn metric_schema(_: &mut SchemaContext) -> Schema {
                $schema
            }

            #[inline]
            fn serialize_metric<S: Serializer>(&self, _: Release, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(self, serializer)
            }
        }
    )*};
}

plain_metric! {
    bool => schemars::json_schema!({ "type": "boolean" }),
    Percent => schemars::json_schema!({
        "type": "number",
        "minimum": 0,
        "maximum": 100,
        "$comment": "a percentage, 0 to 100"
    }),
    Bytes => schemars::json_schema!({
        "type": "integer",
        "minimum": 0,
        "maximum": u64::MAX,
        "$comment": "a size in bytes"
    }),
    Sha1Digest => schemars::json_schema!({
        "type": "string",
        "pattern": Sha1Digest::PATTERN,
        "$comment": "a SHA-1 digest, 40 lowercase hexadecimal digits"
    }),
    InstallationId => schemars::json_schema!({
        "type": "string",
        "format": "uuid",
        "pattern": InstallationId::PATTERN,
        "$comment": "a random installation GUID, lowercase hyphenated"
    }),
    Version => schemars::json_schema!({
        "type": "string",
        "pattern": crate::types::SEMVER_PATTERN,
        "$comment": "a product version, semver"
    }),
}

impl MetricValue for Duration {
    fn metric_schema(_: &mut SchemaContext) -> Schema {
        schemars::json_schema!({
            "type": "integer",
            "minimum": 0,
            "maximum": u64::MAX,
            "$comment": "a duration in whole milliseconds"
        })
    }

    #[inline]
    fn serialize_metric<S: Serializer>(
        &self,
        _: Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(crate::types::duration_millis(self))
    }
}

impl<T: MetricValue> MetricValue for Option<T> {
    const EARLIEST_SINCE: Option<Release> = T::EARLIEST_SINCE;

    fn metric_schema(cx: &mut SchemaContext) -> Schema {
        let inner = T::metric_schema(cx);
        schemars::json_schema!({ "anyOf": [inner, { "type": "null" }] })
    }

    fn metric_change_points(out: &mut Vec<Version>) {
        T::metric_change_points(out);
    }

    #[inline]
    fn serialize_metric<S: Serializer>(
        &self,
        release: Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => serializer.serialize_some(&Versioned::at_release(value, release)),
            None => serializer.serialize_none(),
        }
    }
}

impl<K: MetricEnum + MetricValue + Ord, V: MetricValue> MetricValue for BTreeMap<K, V> {
    const EARLIEST_SINCE: Option<Release> = V::EARLIEST_SINCE;

    fn metric_schema(cx: &mut SchemaContext) -> Schema {
        let keys = K::metric_schema(cx);
        let values = V::metric_schema(cx);
        schemars::json_schema!({
            "type": "object",
            "propertyNames": keys,
            "additionalProperties": values
        })
    }

    fn metric_change_points(out: &mut Vec<Version>) {
        K::metric_change_points(out);
        V::metric_change_points(out);
    }

    fn serialize_metric<S: Serializer>(
        &self,
        release: Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let exists = |key: &K| variant_exists(key, release);
        let len = if K::ALWAYS {
            self.len()
        } else {
            self.keys().filter(|key| exists(key)).count()
        };
        let mut map = serializer.serialize_map(Some(len))?;
        for (key, value) in self.iter().filter(|(key, _)| exists(key)) {
            map.serialize_entry(
                &Versioned::at_release(key, release),
                &Versioned::at_release(value, release),
            )?;
        }
        map.end()
    }
}
