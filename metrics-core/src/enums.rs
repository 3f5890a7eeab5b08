//! Closed enums (`#[derive(MetricEnum)]`): fieldless, sent as strings, variants gated by version.

use schemars::Schema;
use serde::Serializer;

use crate::field::Variant;
use crate::schema::SchemaContext;
use crate::version::{Release, Version};

/// A closed set of named values, implemented by `#[derive(MetricEnum)]`.
///
/// Sent as the variant's name; its schema at a version is an `enum` of the variants that
/// exist then. Usable as a metric and as the key of a `BTreeMap` metric.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a closed metric enum: map keys and enum metrics must be `#[derive(MetricEnum)]` enums",
    label = "not a `#[derive(MetricEnum)]` enum",
    note = "free-text keys such as `String` could carry names or paths; declare the closed set of keys as a fieldless enum with `#[derive(MetricEnum)]`"
)]
pub trait MetricEnum: 'static {
    /// The enum's name in schemas (`#[metrics(name = ...)]`, default the kebab-case type name).
    const NAME: &'static str;
    /// The enum's doc comment.
    const DESCRIPTION: &'static str;
    /// Whether no variant has a since or until (set by the derive; skips the checks).
    #[doc(hidden)]
    const ALWAYS: bool = false;

    /// Every variant, in declaration order.
    fn variants() -> &'static [Variant];

    /// The index in [`MetricEnum::variants`] of this value.
    fn variant_index(&self) -> usize;

    /// This value's variant.
    fn variant(&self) -> &'static Variant {
        &Self::variants()[self.variant_index()]
    }

    /// The name this value is sent as at `release`; `None` when its variant does not exist
    /// then. The derive implements it with a `match` on constants.
    #[doc(hidden)]
    #[inline]
    fn name_at(&self, release: Release) -> Option<&'static str> {
        let variant = self.variant();
        variant
            .availability()
            .exists_at(release)
            .then(|| variant.name())
    }

    /// How many of the variants that do not exist at `release` `contains` finds (a map's
    /// keys that are not sent). The derive checks only the gated variants.
    #[doc(hidden)]
    fn unsent_keys(release: Release, mut contains: impl FnMut(&Self) -> bool) -> usize
    where
        Self: Sized,
    {
        (0..Self::variants().len())
            .filter(|&index| !Self::variants()[index].availability().exists_at(release))
            .filter_map(Self::from_variant_index)
            .filter(|key| contains(key))
            .count()
    }

    /// The index in [`MetricEnum::variants`] of the variant named `name` (serialized name).
    #[doc(hidden)]
    fn variant_by_name(name: &str) -> Option<usize> {
        Self::variants().iter().position(|v| v.name() == name)
    }

    /// [`MetricEnum::variant_by_name`] of a name as the accepting read takes it: serde_json's
    /// raw bytes of a JSON string, in which neither UTF-8 nor unescaped control characters
    /// are checked. A name equal to these bytes is the string the validating read would
    /// read, as long as the name has no control character (U+0000 to U+001F); the default
    /// never matches bytes with one. (Lone surrogate escapes come out as `ED A0..BF xx`,
    /// never valid UTF-8, so never a name.) The derive overrides both lookups with one match
    /// on bytes, and rejects a name with a control character.
    #[doc(hidden)]
    fn variant_by_raw_name(name: &[u8]) -> Option<usize> {
        if name.iter().any(|byte| *byte < b' ') {
            return None;
        }
        Self::variant_by_name(std::str::from_utf8(name).ok()?)
    }

    /// The value of the variant at `index` in [`MetricEnum::variants`] (set by the derive;
    /// decoding needs it).
    #[doc(hidden)]
    fn from_variant_index(index: usize) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = index;
        None
    }
}

/// The schema of an enum at `cx.release()`: a `$ref` to its definition, an `enum` of the
/// variants that exist then.
pub fn enum_schema<E: MetricEnum>(cx: &mut SchemaContext) -> Schema {
    cx.define(E::NAME, std::any::type_name::<E>(), |cx| {
        let release = cx.release();
        let names: Vec<&str> = E::variants()
            .iter()
            .filter(|v| v.availability().exists_at(release))
            .map(|v| v.name())
            .collect();
        let mut schema = if names.is_empty() {
            // No variant exists yet (or any more): nothing is accepted. `enum: []` would say
            // the same, but strict validators (ajv) refuse an empty `enum`.
            schemars::json_schema!({
                "title": E::NAME,
                "not": {},
                "$comment": "no variant exists at this version",
            })
        } else {
            schemars::json_schema!({
                "title": E::NAME,
                "type": "string",
                "enum": names,
            })
        };
        if !E::DESCRIPTION.is_empty() {
            schema.insert("description".into(), E::DESCRIPTION.into());
        }
        schema
    })
}

/// The versions at which an enum's set of variants changes.
pub fn enum_change_points<E: MetricEnum>(out: &mut Vec<Version>) {
    for variant in E::variants() {
        variant.availability().push_bounds(out);
    }
}

/// Serializes an enum value as its name; a variant that does not exist at `release` is an
/// error that names it.
#[inline]
pub fn serialize_enum<E: MetricEnum, S: Serializer>(
    value: &E,
    release: Release,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value.name_at(release) {
        Some(name) => serializer.serialize_str(name),
        None => Err(unsent_variant(value, release)),
    }
}

/// The error of serializing a value whose variant does not exist at `release`.
#[cold]
#[inline(never)]
fn unsent_variant<E: MetricEnum, Error: serde::ser::Error>(value: &E, release: Release) -> Error {
    let variant = value.variant();
    let when = match (variant.since(), variant.until()) {
        (Some(since), _) if since.release() > release => format!("it was added in {since}"),
        (_, Some(until)) => format!("it was removed in {until}"),
        _ => "it is not available".to_owned(),
    };
    Error::custom(format_args!(
        "{}::{} (\"{}\") cannot be sent at version {release}: {when}",
        E::NAME,
        variant.rust_name(),
        variant.name(),
    ))
}
