//! Server side: decoding a payload for a claimed version, validating it in the same pass.
//!
//! A payload is accepted if and only if it is valid against `T::schema_at(version)` (the
//! differential tests hold the decoder to this), with one deliberate difference: a
//! duplicate key in an object is rejected (`duplicateKey`), where a generic validator keeps
//! the last value. The bytes are read by serde_json's `Deserializer::from_slice`, through a
//! visitor per type that checks types, ranges, patterns, enum variants and the version
//! gating while it reads; no `serde_json::Value` tree is built. A valid payload is read
//! once, by the accepting read (typed reads, nothing recorded; it leaves a struct with more
//! fields than `Limits::max_map_entries` to the other read); a payload it does not take is
//! read again by the validating read, which records every violation.

use std::fmt;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::field::Field;
use crate::metrics::Metrics;
use crate::version::{Release, Version};

mod runtime;

pub use runtime::{
    DecodeCx, DecodeFields, FieldReader, ReadMode, accept_enum, accept_struct, accept_struct_into,
    decode_enum, decode_struct, decode_unsigned,
};
pub(crate) use runtime::{
    accept_map, accept_option, accept_option_into, accept_pattern, accept_pattern_into,
    accept_percent_into, accept_typed, accepted, decode_bool, decode_map, decode_option,
    decode_pattern, decode_percent, stored,
};

/// Bounds on what a decoder reads, checked before or while reading: input over a limit is
/// rejected with a `limit` violation, never buffered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload, in bytes (default 64 KiB). Checked before parsing.
    pub max_bytes: usize,
    /// The deepest nesting of objects and arrays (default 32; the root object is depth 1).
    pub max_depth: usize,
    /// The most entries in one object or array (default 1024).
    pub max_map_entries: usize,
}

impl Limits {
    /// The defaults, as a constant (`Limits::default()`).
    pub const DEFAULT: Limits = Limits {
        max_bytes: 64 * 1024,
        max_depth: 32,
        max_map_entries: 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// One reason a payload is rejected.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Where: a JSON pointer (RFC 6901) into the payload; `""` is the payload itself.
    pub pointer: String,
    /// The rule broken, named after the JSON Schema keyword where there is one:
    /// `type`, `required`, `additionalProperties`, `propertyNames`, `minimum`, `maximum`,
    /// `pattern`, `enum`; and `duplicateKey`, `limit`, `syntax` (malformed JSON, stops
    /// decoding), `version` (the path's version disagrees with the payload's own, or the
    /// payload type declares no version field).
    pub rule: &'static str,
    /// What is wrong, with the version context where the version decides.
    pub message: String,
}

impl Violation {
    fn new(pointer: String, rule: &'static str, message: String) -> Self {
        Violation {
            pointer,
            rule,
            message,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "(root): {} [{}]", self.message, self.rule)
        } else {
            write!(f, "`{}`: {} [{}]", self.pointer, self.message, self.rule)
        }
    }
}

/// Every violation found in a rejected payload (at least one), in reading order.
///
/// Serializes as a JSON array of `{pointer, rule, message}`; displays one per line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// The violations, in reading order.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true for a `Violations` returned by a decoder.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violations as a vector.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }

    fn single(pointer: &str, rule: &'static str, message: String) -> Self {
        Violations(vec![Violation::new(pointer.to_owned(), rule, message)])
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, violation) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            fmt::Display::fmt(violation, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl From<Vec<Violation>> for Violations {
    /// Violations found elsewhere (a server's own checks), reported the same way.
    fn from(violations: Vec<Violation>) -> Self {
        Violations(violations)
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for Violations {
    type Item = Violation;
    type IntoIter = std::vec::IntoIter<Violation>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// An accepted payload: the value, the version it was decoded for, and which fields that
/// version does not have.
///
/// A field the version does not send holds a placeholder (0, `false`, empty, the first
/// variant) in [`Decoded::value`]: ask [`Decoded::is_absent`] before reading it, so that
/// "absent at this version" is never mistaken for zero.
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    value: T,
    version: Version,
}

impl<T: Metrics> Decoded<T> {
    /// The decoded value (absent fields hold placeholders; see [`Decoded::is_absent`]).
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The decoded value.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The version the payload was decoded for.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// The JSON pointers of the fields the version does not have, outermost only (when
    /// `/multiTenancy` is absent, `/multiTenancy/tenants` is not listed), following nested
    /// structs and `Option`s of them (the list depends on the version, not on whether an
    /// optional struct was `null`). Fields inside map values are not listed.
    pub fn absent(&self) -> Vec<String> {
        let mut out = Vec::new();
        absent_fields(T::fields(), self.version.release(), "", &mut out);
        out
    }

    /// Whether the field at `pointer` (e.g. `"/usageStatistics/multiTenancy"`) is absent at
    /// the version: the field, or a struct field it is inside of, is not part of that
    /// version's payload. `false` for a field that exists, and for a pointer that names no
    /// field of the model.
    pub fn is_absent(&self, pointer: &str) -> bool {
        let release = self.version.release();
        let Some(rest) = pointer.strip_prefix('/') else {
            return false;
        };
        let mut fields = T::fields();
        for segment in rest.split('/') {
            let key = unescape(segment);
            // Two fields may share a key in versions that do not overlap: take the one sent.
            let mut named = fields.iter().filter(|f| f.key() == key).peekable();
            if named.peek().is_none() {
                return false;
            }
            let Some(field) = named.find(|f| f.availability().exists_at(release)) else {
                return true;
            };
            match (field.value.nested_fields)() {
                Some(nested) => fields = nested,
                None => fields = &[],
            }
        }
        false
    }
}

fn absent_fields(fields: &[Field], release: Release, prefix: &str, out: &mut Vec<String>) {
    for (index, field) in fields.iter().enumerate() {
        let mut pointer = prefix.to_owned();
        push_segment(&mut pointer, field.key());
        if !field.availability().exists_at(release) {
            // A key shared with a field sent at this release is not absent; listed once.
            let shared = |(i, other): (usize, &Field)| {
                i != index
                    && other.key() == field.key()
                    && (other.availability().exists_at(release) || i < index)
            };
            if !fields.iter().enumerate().any(shared) {
                out.push(pointer);
            }
        } else if let Some(nested) = (field.value.nested_fields)() {
            absent_fields(nested, release, &pointer, out);
        }
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

pub(crate) fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    for c in key.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

fn segment(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 1);
    push_segment(&mut out, key);
    out
}

/// Decodes `bytes` as `T` sent by `version`. See [`Metrics::decode_with`].
///
/// Two reads: the accepting one first, which takes a valid payload as plain serde would;
/// anything it does not take is read again by the validating one, which says what is wrong.
pub(crate) fn decode_with<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Decoded<T>, Violations> {
    accept_or(version, bytes, limits, Ok, || {
        read_validating(version, bytes, limits)
    })
}

/// The accepting read alone (`decode`'s first): the value of a payload valid at `version`,
/// read with typed reads and nothing recorded; `None` for anything it does not take. It
/// takes nothing that [`read_validating`] rejects.
#[doc(hidden)]
pub fn read_accepting<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
) -> Option<Decoded<T>> {
    accept_or(version, bytes, limits, Some, || None)
}

/// The accepting read, handing what it takes to `accepted` and calling `otherwise` when it
/// takes nothing. Always inlined, with the two closures: returning the value through an
/// `Option` first costs a copy of the whole struct more (measured).
#[inline(always)]
fn accept_or<T: Metrics, R>(
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
    accepted: impl FnOnce(Decoded<T>) -> R,
    otherwise: impl FnOnce() -> R,
) -> R {
    if bytes.len() <= limits.max_bytes {
        // The accepting read records nothing, so its context never holds an allocation:
        // it is not dropped (which would check its empty buffers).
        let mut cx = std::mem::ManuallyDrop::new(DecodeCx::new(version, T::NAME, limits));
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        // Into a slot, stored inside the read: returned by it, the value was loaded back
        // for the copy into `Decoded` right after its stores, and the loads stalled.
        let mut slot = None;
        let read = T::decode_accept_into(&mut cx, &mut deserializer, &mut slot);
        debug_assert!(cx.holds_nothing(), "the accepting read recorded something");
        if read.is_ok()
            && deserializer.end().is_ok()
            && let Some(value) = slot
        {
            return accepted(Decoded {
                value,
                version: copy_version(version),
            });
        }
    }
    otherwise()
}

/// The validating read alone (`decode`'s second): every violation, or the value.
#[doc(hidden)]
#[inline(never)]
pub fn read_validating<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Decoded<T>, Violations> {
    check_size(bytes, limits)?;
    let mut cx = DecodeCx::new(version, T::NAME, limits);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // Matched in place, so that the (large) value is moved once, into `Decoded`.
    let error = match T::decode_metric(&mut cx, &mut deserializer) {
        Ok(value) => match deserializer.end() {
            Ok(()) => match value {
                Some(value) if cx.violations.is_empty() => {
                    return Ok(Decoded {
                        value,
                        version: copy_version(version),
                    });
                }
                Some(_) => return Err(Violations(cx.violations)),
                None => {
                    if cx.violations.is_empty() {
                        // Only a type without generated decoding gets here.
                        let message = format!("{} has no decoder", T::NAME);
                        cx.violations
                            .push(Violation::new(String::new(), "type", message));
                    }
                    return Err(Violations(cx.violations));
                }
            },
            Err(error) => error,
        },
        Err(error) => error,
    };
    cx.fatal(&error);
    Err(Violations(cx.violations))
}

/// `version.clone()`, without the calls that clone empty pre-release and build identifiers.
#[inline]
fn copy_version(version: &Version) -> Version {
    if version.is_prerelease() || !version.as_semver().build.is_empty() {
        version.clone()
    } else {
        Version::new(version.major(), version.minor(), version.patch())
    }
}

#[inline]
fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), Violations> {
    if bytes.len() > limits.max_bytes {
        return Err(Violations::single(
            "",
            "limit",
            format!(
                "the payload is {} bytes, over the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    Ok(())
}

/// Decodes a payload that names its own version in a top-level `key` field (the update
/// check's `"version"`): reads that field first, then decodes the whole payload for it.
pub(crate) fn decode_self_versioned<T: Metrics>(
    key: Option<&str>,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Decoded<T>, Violations> {
    let Some(key) = key else {
        return Err(Violations::single(
            "",
            "version",
            format!(
                "the {} payload declares no version field, so its version must be given: decode it with `decode(&version, bytes)`, or mark the `Version` field that holds its version with `#[metrics(version)]`",
                T::NAME
            ),
        ));
    };
    check_size(bytes, limits)?;
    let version = claimed_version::<T>(key, bytes)?;
    decode_with::<T>(&version, bytes, limits)
}

/// Finds the top-level `key` and parses it as a version, stopping as soon as it is read.
fn claimed_version<T: Metrics>(key: &str, bytes: &[u8]) -> Result<Version, Violations> {
    struct Scan<'k> {
        key: &'k str,
        found: Option<Result<Version, Violation>>,
        /// Whether the key appears again after an invalid first value (a validator would
        /// keep the last one, which may be valid: the violation must name the repeat).
        repeated: bool,
        not_object: bool,
    }
    struct ScanVisitor<'s, 'k>(&'s mut Scan<'k>);
    impl<'de> Visitor<'de> for ScanVisitor<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key_seed(KeyEquals(self.0.key))? {
                if key {
                    let pointer = segment(self.0.key);
                    let found = match map.next_value::<serde_json::Value>() {
                        Ok(serde_json::Value::String(text)) => strict_version(&text)
                            .ok_or_else(|| {
                                Violation::new(
                                    pointer,
                                    "pattern",
                                    format!(
                                        "\"{}\" is not a version (MAJOR.MINOR.PATCH, semver); the payload's version decides its schema",
                                        truncate(&text)
                                    ),
                                )
                            }),
                        Ok(other) => Err(Violation::new(
                            pointer,
                            "type",
                            format!(
                                "expected a version string, found {}",
                                json_type(&other)
                            ),
                        )),
                        Err(error) => return Err(error),
                    };
                    let invalid = found.is_err();
                    self.0.found = Some(found);
                    if invalid {
                        // Read on for a repeat of the key (what stops this read is not
                        // reported: the payload is rejected for the version either way).
                        while let Some(again) = map.next_key_seed(KeyEquals(self.0.key))? {
                            if again {
                                self.0.repeated = true;
                                break;
                            }
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    // Stop reading: the rest is decoded once the version is known.
                    return Err(A::Error::custom("found"));
                }
                map.next_value::<IgnoredAny>()?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
            self.0.not_object = true;
            Err(A::Error::custom("not an object"))
        }
    }

    let mut scan = Scan {
        key,
        found: None,
        repeated: false,
        not_object: false,
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result = deserializer.deserialize_any(ScanVisitor(&mut scan));
    match (scan.found, result) {
        (Some(Ok(version)), _) => Ok(version),
        (Some(Err(violation)), _) if scan.repeated => {
            let pointer = violation.pointer.clone();
            Err(Violations(vec![
                violation,
                Violation::new(pointer, "duplicateKey", runtime::repeated_key(key)),
            ]))
        }
        (Some(Err(violation)), _) => Err(Violations(vec![violation])),
        (None, Err(error)) if !scan.not_object && !error.is_data() => Err(Violations::single(
            "",
            "syntax",
            format!("not JSON: {error}"),
        )),
        (None, Ok(())) => Err(Violations::single(
            "",
            "required",
            format!(
                "missing field `{key}`: the {} payload names its version, which decides its schema",
                T::NAME
            ),
        )),
        (None, Err(_)) => Err(Violations::single(
            "",
            "type",
            format!("expected an object ({})", T::NAME),
        )),
    }
}

struct KeyEquals<'k>(&'k str);

impl<'de> DeserializeSeed<'de> for KeyEquals<'_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeyEquals<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// Parses a version string exactly as the schema's semver pattern allows it: the semver
/// grammar (no leading zeros, no empty identifiers, no `v` prefix or whitespace) that
/// `semver::Version::parse` implements, with numbers of at most 19 digits.
pub(crate) fn strict_version(text: &str) -> Option<Version> {
    let mut slot = None;
    strict_version_into(text, &mut slot);
    slot
}

/// [`strict_version`] into `slot`, for the accepting read: whether `text` is a version (the
/// slot is left as it is when not).
#[inline]
pub(crate) fn strict_version_into(text: &str, slot: &mut Option<Version>) -> bool {
    const MAX: u64 = 9_999_999_999_999_999_999;
    match semver::Version::parse(text) {
        Ok(version) if version.major <= MAX && version.minor <= MAX && version.patch <= MAX => {
            *slot = Some(Version::from(version));
            true
        }
        _ => false,
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// At most 64 characters of untrusted text, for messages.
fn truncate(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_pattern_matches_the_schema_pattern() {
        let regex = regex_lite(crate::types::SEMVER_PATTERN);
        for text in [
            "3.4.0",
            "0.0.0",
            "3.4.0-beta.2+build.7",
            "1.0.0-0a.00a",
            "1.0.0-01",
            "1.0.0+001",
            "01.0.0",
            "1.0",
            "1.0.0-",
            "1.0.0+",
            "1.0.0-a..b",
            "1.0.0--",
            "1.0.0-0-",
            "1.0.0-x.7.z.92",
            "1.0.0+build.-",
            "1.0.0+001.0a",
            "1.0.0-beta+",
            "1.0.0+a+b",
            "1.0.0-beta-+x",
            "1.2",
            "1.2.3.4",
            "1.2.3a",
            "+1.2.3",
            "1.2.-3",
            "18446744073709551615.0.0",
            "18446744073709551616.0.0",
            "0.9999999999999999999.0",
            "0.0.10000000000000000000",
            "1.0.0-9999999999999999999999999",
            "1.0.0-é",
            "9999999999999999999.0.0",
            "10000000000000000000.0.0",
            " 1.0.0",
            "1.0.0\n",
            "v1.0.0",
        ] {
            assert_eq!(
                strict_version(text).is_some(),
                regex(text),
                "{text:?} against the pattern"
            );
        }
    }

    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
        let schema = serde_json::json!({ "type": "string", "pattern": pattern });
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        move |text| validator.is_valid(&serde_json::Value::from(text))
    }
}
