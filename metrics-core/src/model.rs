//! `Model`: a payload type seen through function pointers, for tools that handle many.

use schemars::Schema;

use crate::decode::{Limits, Violations};
use crate::field::Field;
use crate::metrics::Metrics;
use crate::version::Version;

/// A `Metrics` type as data: what the CLI, the docs and the history checks work on.
#[derive(Clone, Copy)]
pub struct Model {
    name: &'static str,
    description: &'static str,
    first_release: fn() -> Option<Version>,
    version_key: Option<&'static str>,
    fields: fn() -> &'static [Field],
    versions: fn() -> Vec<Version>,
    schema_at: fn(&Version) -> Schema,
    example: Option<fn(&Version) -> serde_json::Value>,
    decode: fn(&Version, &[u8], &Limits) -> Result<serde_json::Value, Violations>,
    decode_self_versioned: fn(&[u8], &Limits) -> Result<VersionedValue, Violations>,
}

/// A payload accepted by [`Model::decode_self_versioned`]: its version, and the payload as
/// that version sends it.
pub type VersionedValue = (Version, serde_json::Value);

impl Model {
    /// The model of `T`.
    pub fn of<T: Metrics>() -> Self {
        Model {
            name: T::NAME,
            description: T::DESCRIPTION,
            first_release: || T::FIRST_RELEASE,
            version_key: T::VERSION_KEY,
            fields: T::fields,
            versions: T::versions,
            schema_at: T::schema_at,
            example: None,
            decode: |version, bytes, limits| {
                let decoded = T::decode_with(version, bytes, limits)?;
                Ok(to_value(decoded.value(), version))
            },
            decode_self_versioned: |bytes, limits| {
                let decoded = T::decode_self_versioned(bytes, limits)?;
                let value = to_value(decoded.value(), decoded.version());
                Ok((decoded.version().clone(), value))
            },
        }
    }

    /// With an example payload for the disclosure page: `example(version)` is the JSON a
    /// sample sends at `version`, e.g. `|v| serde_json::to_value(sample().at(v)).unwrap()`.
    pub fn with_example(mut self, example: fn(&Version) -> serde_json::Value) -> Self {
        self.example = Some(example);
        self
    }

    /// The example payload at `version`, if the model has one.
    pub fn example(&self, version: &Version) -> Option<serde_json::Value> {
        self.example.map(|example| example(version))
    }

    /// The payload's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The payload type's doc comment.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The product's first release, when the payload declares it
    /// (`#[metrics(first_release = "1.0")]`).
    pub fn first_release(&self) -> Option<Version> {
        (self.first_release)()
    }

    /// The JSON key of the field that holds the payload's own version, if it has one (see
    /// [`Metrics::VERSION_KEY`]).
    pub fn version_key(&self) -> Option<&'static str> {
        self.version_key
    }

    /// The top-level fields, in declaration order.
    pub fn fields(&self) -> &'static [Field] {
        (self.fields)()
    }

    /// Every value the payload can carry over all its versions: nested fields flattened,
    /// enum-map keys expanded (see [`crate::leaves`]).
    pub fn leaves(&self) -> Vec<crate::Leaf> {
        crate::leaves(self.fields())
    }

    /// The change points, ascending.
    pub fn versions(&self) -> Vec<Version> {
        (self.versions)()
    }

    /// The schema at `version`.
    pub fn schema_at(&self, version: &Version) -> Schema {
        (self.schema_at)(version)
    }

    /// Decodes and validates a payload sent by `version` (see [`Metrics::decode_with`]):
    /// the accepted payload as that version sends it (absent fields are not in it).
    pub fn decode(
        &self,
        version: &Version,
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<serde_json::Value, Violations> {
        (self.decode)(version, bytes, limits)
    }

    /// Decodes a payload that names its own version in a top-level field (see
    /// [`Metrics::decode_self_versioned`]): the version, and the accepted payload.
    pub fn decode_self_versioned(
        &self,
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<VersionedValue, Violations> {
        (self.decode_self_versioned)(bytes, limits)
    }
}

/// A decoded value as `version` sends it. Serializing an accepted value cannot fail: every
/// enum variant in it exists at the version.
fn to_value<T: Metrics>(value: &T, version: &Version) -> serde_json::Value {
    serde_json::to_value(value.at(version)).unwrap_or(serde_json::Value::Null)
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model").field("name", &self.name).finish()
    }
}
