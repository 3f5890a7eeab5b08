//! The `Metrics` trait: a payload type, its field table, its versions, views and schemas.

use schemars::Schema;
use serde::Serializer;
use serde::ser::SerializeStruct;

use crate::decode::{self, Decoded, Limits, Violations};
use crate::field::Field;
use crate::schema;
use crate::value::{MetricValue, Versioned};
use crate::version::{Release, Version};

/// A payload declared with `#[derive(Metrics)]`.
///
/// Every method is derived from the field table, so that the payload, its schema and its
/// documentation cannot disagree.
pub trait Metrics: MetricValue + Sized + 'static {
    /// The payload's name (`#[metrics(name = ...)]`, default the kebab-case type name).
    const NAME: &'static str;
    /// The struct's doc comment.
    const DESCRIPTION: &'static str;
    /// The product's first release, when declared (`#[metrics(first_release = "1.0")]`):
    /// fields without `#[since]` are documented as sent from it. It gates nothing.
    const FIRST_RELEASE: Option<Version> = None;
    /// The JSON key of the field that holds the payload's own version, which
    /// [`Metrics::decode_self_versioned`] reads: the field marked `#[metrics(version)]`, or
    /// else a field named `version` of type `Version`.
    const VERSION_KEY: Option<&'static str> = None;

    /// The fields, in declaration order.
    fn fields() -> &'static [Field];

    /// The versions at which the payload's shape changes, ascending, including the changes
    /// of nested structs and enum variants. A version below the first one gets the
    /// baseline: the fields without `#[since]`.
    fn versions() -> Vec<Version> {
        let mut out = Vec::new();
        Self::metric_change_points(&mut out);
        schema::normalize(out)
    }

    /// A `serde::Serialize` view of the payload as `version` sends it: exactly the fields
    /// with `since <= version < until`, in declaration order, nested values gated alike.
    /// Pre-releases are gated as the release they precede.
    fn at(&self, version: &Version) -> Versioned<'_, Self> {
        Versioned::new(self, version)
    }

    /// The JSON Schema (draft 2020-12) of the payload `version` sends.
    fn schema_at(version: &Version) -> Schema {
        schema::root_schema::<Self>(version)
    }

    /// Decodes and validates a payload sent by `version`, with the default [`Limits`].
    ///
    /// Accepts exactly what `Self::schema_at(version)` allows (and rejects duplicate keys);
    /// otherwise returns every violation found, each with a JSON pointer, the rule and
    /// the version context. See [`Decoded`] for telling absent fields from zero.
    ///
    /// ```
    /// use metrics_core::{Metrics, Version};
    ///
    /// #[derive(Metrics, Debug)]
    /// struct Stats {
    ///     /// The number of projects
    ///     projects: u64,
    ///     /// The number of tenants
    ///     #[since("3.4")]
    ///     tenants: u64,
    /// }
    ///
    /// let v32 = Version::parse("3.2").unwrap();
    /// let ok = Stats::decode(&v32, br#"{"projects": 3}"#).unwrap();
    /// assert!(ok.is_absent("/tenants"));
    ///
    /// let err = Stats::decode(&v32, br#"{"projects": 3, "tenants": 0}"#).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`/tenants`: not part of stats 3.2.0, added in 3.4.0 [additionalProperties]"
    /// );
    /// ```
    fn decode(version: &Version, bytes: &[u8]) -> Result<Decoded<Self>, Violations> {
        decode::decode_with(version, bytes, &Limits::DEFAULT)
    }

    /// [`Metrics::decode`] within `limits`.
    fn decode_with(
        version: &Version,
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<Decoded<Self>, Violations> {
        decode::decode_with(version, bytes, limits)
    }

    /// Decodes a payload that names its own version in a top-level field (the update-check
    /// envelope's `"version"`; see [`Metrics::VERSION_KEY`]): that field is read first, then
    /// the payload is decoded and validated for that version. A missing or malformed version
    /// is a violation at that field's pointer; a payload type that declares no version field
    /// gets one violation that says how to declare it.
    fn decode_self_versioned(bytes: &[u8], limits: &Limits) -> Result<Decoded<Self>, Violations> {
        decode::decode_self_versioned(Self::VERSION_KEY, bytes, limits)
    }
}

/// The type a `#[metrics(version)]` field must have: [`Version`], the payload's own version,
/// which decides the schema [`Metrics::decode_self_versioned`] checks it against.
#[diagnostic::on_unimplemented(
    message = "the field marked `#[metrics(version)]` is a `{Self}`, not a `metrics_core::Version`",
    label = "not a `Version`",
    note = "`#[metrics(version)]` marks the field that holds the payload's own version, which decides its schema: declare it as `metrics_core::Version`"
)]
pub trait VersionField {}

impl VersionField for Version {}

/// Serializes a struct's fields that exist at a release. The derive computes, from its
/// constants, which fields exist and how many, then calls [`StructWriter::field`] once per
/// field in declaration order.
pub struct StructWriter<S: SerializeStruct> {
    state: S,
    release: Release,
}

impl<S: SerializeStruct> StructWriter<S> {
    /// Starts a struct of `len` entries.
    #[inline]
    pub fn begin<Ser: Serializer<SerializeStruct = S, Ok = S::Ok, Error = S::Error>>(
        serializer: Ser,
        name: &'static str,
        len: usize,
        release: Release,
    ) -> Result<Self, S::Error> {
        let state = serializer.serialize_struct(name, len)?;
        Ok(StructWriter { state, release })
    }

    /// Writes the field `key` if it is `present` at the release.
    #[inline(always)]
    pub fn field<V: MetricValue>(
        &mut self,
        key: &'static str,
        present: bool,
        value: &V,
    ) -> Result<(), S::Error> {
        if present {
            V::serialize_field(&mut self.state, key, value, self.release)
        } else {
            self.state.skip_field(key)
        }
    }

    /// Ends the struct.
    #[inline]
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state.end()
    }
}

/// Whether `since <= release < until`, from constants the derive emits.
#[inline(always)]
pub const fn in_range(release: Release, since: Release, until: Option<Release>) -> bool {
    !release.const_lt(&since)
        && match until {
            Some(until) => release.const_lt(&until),
            None => true,
        }
}
