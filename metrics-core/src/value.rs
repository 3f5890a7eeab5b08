//! `MetricValue`: the closed set of types a metric may have, and their exact schemas.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::Schema;
use serde::Serializer;
use serde::de::Deserializer;
use serde::ser::{SerializeMap, SerializeStruct};

use crate::decode::{self, DecodeCx};
use crate::enums::MetricEnum;
use crate::schema::SchemaContext;
use crate::shape::Shape;
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
    note = "a metric is a count (u8, u16, u32, u64, usize), a flag (bool), a `Percent`, a `Bytes` size, a `std::time::Duration`, a `Sha1Digest`, an `InstallationId`, a `Version`, an `Option` of one of these, a nested `#[derive(Metrics)]` struct, a `#[derive(MetricEnum)]` enum, or a `BTreeMap` keyed by such an enum",
    note = "free text (names, paths, URLs, descriptions) and signed or floating-point numbers are never sent: send a count of the items, or a `Percent`, instead"
)]
pub trait MetricValue {
    /// `Self`. The derive names every field type `T` as `<T as MetricValue>::Itself`: when
    /// `T` is not a metric, rustc reports the failed bound once, at the field's type (with
    /// the message above), and the generated uses of it stay silent.
    #[doc(hidden)]
    type Itself: MetricValue;

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

    /// Writes `value` as the struct field `key` at `release`. Types whose `Serialize` impl
    /// sends what [`MetricValue::serialize_metric`] sends at every release pass themselves,
    /// as plain serde code would; the others pass a [`Versioned`] view.
    #[doc(hidden)]
    #[inline(always)]
    fn serialize_field<S: SerializeStruct>(
        state: &mut S,
        key: &'static str,
        value: &Self,
        release: Release,
    ) -> Result<(), S::Error> {
        state.serialize_field(key, &Versioned::at_release(value, release))
    }

    /// Writes `value` as the map entry `key` at `release` (see
    /// [`MetricValue::serialize_field`]).
    #[doc(hidden)]
    #[inline(always)]
    fn serialize_entry<M: SerializeMap>(
        map: &mut M,
        key: &'static str,
        value: &Self,
        release: Release,
    ) -> Result<(), M::Error> {
        // Key and value apart: serde_json marks these two `#[inline]`, not `serialize_entry`.
        map.serialize_key(key)?;
        map.serialize_value(&Versioned::at_release(value, release))
    }

    /// Reads a value as sent at `cx.release()`, validating it against this type's schema
    /// at that release: `Ok(None)` when a violation was recorded in `cx`, `Err` on
    /// malformed JSON or a limit. Implemented for every metric type and by the derives.
    #[doc(hidden)]
    fn decode_metric<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error>
    where
        Self: Sized,
    {
        let _ = cx;
        let _ = deserializer;
        Err(serde::de::Error::custom(
            "this metric type cannot be decoded: derive it with #[derive(Metrics)]",
        ))
    }

    /// Reads a value that is valid at `cx.release()`, as plain serde reads it, recording
    /// nothing: `Err` on anything else, after which the payload is read again with
    /// [`MetricValue::decode_metric`], which says what is wrong. Must accept nothing that
    /// `decode_metric` rejects. The default accepts nothing.
    #[doc(hidden)]
    fn decode_accept<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error>
    where
        Self: Sized,
    {
        let _ = cx;
        let _ = deserializer;
        Err(serde::de::Error::custom("no accepting read"))
    }

    /// [`MetricValue::decode_accept`] into `slot`, which is `None`: a value is stored where
    /// its struct's reader keeps it, not returned through the reads' layers. The same
    /// contract: `Ok` only for a value `decode_metric` accepts, and then with `slot` holding
    /// it (a `None` slot would read as the absent field's placeholder); on `Err` the slot
    /// may hold anything.
    #[doc(hidden)]
    #[inline(always)]
    fn decode_accept_into<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
        slot: &mut Option<Self>,
    ) -> Result<(), D::Error>
    where
        Self: Sized,
    {
        *slot = Some(Self::decode_accept(cx, deserializer)?);
        Ok(())
    }

    /// The placeholder a decoded struct holds for a field its version does not have.
    #[doc(hidden)]
    fn absent_value() -> Option<Self>
    where
        Self: Sized,
    {
        None
    }

    /// The fields of a nested `#[derive(Metrics)]` struct (through `Option`), for
    /// [`crate::Decoded::is_absent`].
    #[doc(hidden)]
    fn nested_fields() -> Option<&'static [crate::Field]> {
        None
    }

    /// What this type is, as data: its unit, or how it is built from other metric types.
    fn shape() -> Shape;
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
            type Itself = Self;

            fn metric_schema(_: &mut SchemaContext) -> Schema {
                unsigned_schema(<$ty>::MAX as u64)
            }

            #[inline]
            fn serialize_metric<S: Serializer>(&self, _: Release, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_u64(*self as u64)
            }

            #[inline(always)]
            fn serialize_field<S: SerializeStruct>(state: &mut S, key: &'static str, value: &Self, _: Release) -> Result<(), S::Error> {
                state.serialize_field(key, value)
            }

            #[inline(always)]
            fn serialize_entry<M: SerializeMap>(map: &mut M, key: &'static str, value: &Self, _: Release) -> Result<(), M::Error> {
                map.serialize_key(key)?;
                map.serialize_value(value)
            }

            #[inline]
            fn decode_metric<'de, D: Deserializer<'de>>(cx: &mut DecodeCx<'_>, deserializer: D) -> Result<Option<Self>, D::Error> {
                // The range check makes the cast exact.
                Ok(decode::decode_unsigned(cx, deserializer, <$ty>::MAX as u64)?.map(|v| v as $ty))
            }

            #[inline]
            fn decode_accept<'de, D: Deserializer<'de>>(_: &mut DecodeCx<'_>, deserializer: D) -> Result<Self, D::Error> {
                // serde's visitor of the type checks its range.
                decode::accept_typed(deserializer)
            }

            fn absent_value() -> Option<Self> {
                Some(0)
            }

            fn shape() -> Shape {
                Shape::Count { max: <$ty>::MAX as u64 }
            }
        }
    )*};
}

unsigned_metric!(u8, u16, u32, u64, usize);

/// Plain values that serialize the same at every release, through their `Serialize` impl.
macro_rules! plain_metric {
    ($($ty:ty => $shape:expr, $schema:expr, decode: |$cx:ident, $de:ident| $decode:expr, accept: |$ade:ident| $accept:expr, $(accept_into: |$ide:ident, $slot:ident| $accept_into:expr,)? absent: $absent:expr;)*) => {$(
        impl MetricValue for $ty {
            type Itself = Self;

            fn metric_schema(_: &mut SchemaContext) -> Schema {
                $schema
            }

            #[inline]
            fn serialize_metric<S: Serializer>(&self, _: Release, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(self, serializer)
            }

            #[inline(always)]
            fn serialize_field<S: SerializeStruct>(state: &mut S, key: &'static str, value: &Self, _: Release) -> Result<(), S::Error> {
                state.serialize_field(key, value)
            }

            #[inline(always)]
            fn serialize_entry<M: SerializeMap>(map: &mut M, key: &'static str, value: &Self, _: Release) -> Result<(), M::Error> {
                map.serialize_key(key)?;
                map.serialize_value(value)
            }

            #[inline]
            fn decode_metric<'de, D: Deserializer<'de>>($cx: &mut DecodeCx<'_>, $de: D) -> Result<Option<Self>, D::Error> {
                $decode
            }

            #[inline]
            fn decode_accept<'de, D: Deserializer<'de>>(_: &mut DecodeCx<'_>, $ade: D) -> Result<Self, D::Error> {
                $accept
            }

            $(
            #[inline(always)]
            fn decode_accept_into<'de, D: Deserializer<'de>>(_: &mut DecodeCx<'_>, $ide: D, $slot: &mut Option<Self>) -> Result<(), D::Error> {
                $accept_into
            }
            )?

            fn absent_value() -> Option<Self> {
                Some($absent)
            }

            fn shape() -> Shape {
                $shape
            }
        }
    )*};
}

plain_metric! {
    bool => Shape::Flag, schemars::json_schema!({ "type": "boolean" }),
        decode: |cx, de| decode::decode_bool(cx, de),
        accept: |de| decode::accept_typed(de),
        absent: false;
    Percent => Shape::Percent, schemars::json_schema!({
        "type": "number",
        "minimum": 0,
        "maximum": 100,
        "$comment": "a percentage, 0 to 100"
    }),
        decode: |cx, de| Ok(decode::decode_percent(cx, de)?.and_then(|v| Percent::new(v).ok())),
        accept: |de| {
            let mut slot = None;
            decode::accept_percent_into(de, &mut slot)?;
            decode::accepted(slot)
        },
        accept_into: |de, slot| decode::accept_percent_into(de, slot),
        absent: Percent::default();
    Bytes => Shape::Bytes, schemars::json_schema!({
        "type": "integer",
        "minimum": 0,
        "maximum": u64::MAX,
        "$comment": "a size in bytes"
    }),
        decode: |cx, de| Ok(decode::decode_unsigned(cx, de, u64::MAX)?.map(Bytes)),
        accept: |de| decode::accept_typed(de).map(Bytes),
        absent: Bytes(0);
    Sha1Digest => Shape::Sha1, schemars::json_schema!({
        "type": "string",
        "pattern": Sha1Digest::PATTERN,
        "$comment": "a SHA-1 digest, 40 lowercase hexadecimal digits"
    }),
        decode: |cx, de| decode::decode_pattern(
            cx,
            de,
            "a SHA-1 digest (40 lowercase hex digits)",
            Sha1Digest::PATTERN,
            Sha1Digest::parse_hex,
        ),
        accept: |de| decode::accept_pattern(de, Sha1Digest::parse_hex),
        accept_into: |de, slot| decode::accept_pattern_into(de, slot, decode::stored(Sha1Digest::parse_hex)),
        absent: Sha1Digest::default();
    InstallationId => Shape::InstallationId, schemars::json_schema!({
        "type": "string",
        "format": "uuid",
        "pattern": InstallationId::PATTERN,
        "$comment": "a random installation GUID, lowercase hyphenated"
    }),
        decode: |cx, de| decode::decode_pattern(
            cx,
            de,
            "an installation id (a lowercase hyphenated UUID)",
            InstallationId::PATTERN,
            InstallationId::parse_hyphenated,
        ),
        accept: |de| decode::accept_pattern(de, InstallationId::parse_hyphenated),
        accept_into: |de, slot| decode::accept_pattern_into(de, slot, decode::stored(InstallationId::parse_hyphenated)),
        absent: InstallationId::from(uuid::Uuid::nil());
    Version => Shape::Version, schemars::json_schema!({
        "type": "string",
        "pattern": crate::types::SEMVER_PATTERN,
        "$comment": "a product version, semver"
    }),
        decode: |cx, de| decode::decode_pattern(
            cx,
            de,
            "a semver version (MAJOR.MINOR.PATCH)",
            crate::types::SEMVER_PATTERN,
            decode::strict_version,
        ),
        accept: |de| decode::accept_pattern(de, decode::strict_version),
        accept_into: |de, slot| decode::accept_pattern_into(de, slot, decode::strict_version_into),
        absent: Version::new(0, 0, 0);
}

impl MetricValue for Duration {
    type Itself = Self;

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

    #[inline]
    fn decode_metric<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(decode::decode_unsigned(cx, deserializer, u64::MAX)?.map(Duration::from_millis))
    }

    #[inline]
    fn decode_accept<'de, D: Deserializer<'de>>(
        _: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        decode::accept_typed(deserializer).map(Duration::from_millis)
    }

    fn absent_value() -> Option<Self> {
        Some(Duration::ZERO)
    }

    fn shape() -> Shape {
        Shape::Milliseconds
    }
}

impl<T: MetricValue> MetricValue for Option<T> {
    type Itself = Self;

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

    #[inline]
    fn decode_metric<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        decode::decode_option::<D, T>(cx, deserializer)
    }

    #[inline]
    fn decode_accept<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        decode::accept_option::<D, T>(cx, deserializer)
    }

    #[inline(always)]
    fn decode_accept_into<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
        slot: &mut Option<Self>,
    ) -> Result<(), D::Error> {
        decode::accept_option_into::<D, T>(cx, deserializer, slot)
    }

    fn absent_value() -> Option<Self> {
        Some(None)
    }

    fn nested_fields() -> Option<&'static [crate::Field]> {
        T::nested_fields()
    }

    fn shape() -> Shape {
        Shape::Optional(T::shape)
    }
}

/// The key of a `BTreeMap` metric: a `#[derive(MetricEnum)]` enum that also derives `Ord`
/// (with `PartialEq`, `Eq` and `PartialOrd`, which `Ord` needs), so that the map orders
/// its keys, and the payload sends them in a fixed order.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of a `BTreeMap` metric: a key is a `#[derive(MetricEnum)]` enum that also derives `PartialEq, Eq, PartialOrd, Ord`",
    label = "not a map key",
    note = "keys are a closed set of names, kept in order: declare `{Self}` as a fieldless enum with `#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]`, or add the derives it lacks (a `BTreeMap` orders its keys with `Ord`)"
)]
pub trait MapKey: MetricEnum + MetricValue + Ord {}

#[diagnostic::do_not_recommend]
impl<K: MetricEnum + MetricValue + Ord> MapKey for K {}

impl<K: MapKey, V: MetricValue> MetricValue for BTreeMap<K, V> {
    type Itself = Self;

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
        // Keys whose variant does not exist at the release are not sent. The length is given
        // only to a format that is not human-readable (a heuristic for "needs it": JSON
        // delimits a map; a compact format may not); for those, the derive looks up the few
        // variants the release lacks instead of counting every entry.
        let len = if serializer.is_human_readable() {
            None
        } else {
            Some(self.len() - K::unsent_keys(release, |key| self.contains_key(key)))
        };
        let mut map = serializer.serialize_map(len)?;
        for (key, value) in self {
            if let Some(name) = key.name_at(release) {
                V::serialize_entry(&mut map, name, value, release)?;
            }
        }
        map.end()
    }

    fn decode_metric<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        decode::decode_map::<D, K, V>(cx, deserializer)
    }

    fn decode_accept<'de, D: Deserializer<'de>>(
        cx: &mut DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        decode::accept_map::<D, K, V>(cx, deserializer)
    }

    fn absent_value() -> Option<Self> {
        Some(BTreeMap::new())
    }

    fn shape() -> Shape {
        Shape::Map {
            key: K::NAME,
            keys: K::variants,
            values: V::shape,
        }
    }
}
