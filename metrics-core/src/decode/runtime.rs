//! The runtime the derives' generated code calls: per metric type, the validating read
//! (`decode_metric`) and the accepting one (`decode_accept`), and the struct field reader
//! of both.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Limits, Violation, segment, truncate};
use crate::enums::MetricEnum;
use crate::metrics::Metrics;
use crate::value::MetricValue;
use crate::version::{Release, Version};

/// The state of one decode: the version, the limits, the violations found so far.
#[doc(hidden)]
pub struct DecodeCx<'v> {
    version: &'v Version,
    release: Release,
    payload: &'static str,
    limits: &'v Limits,
    depth: usize,
    pub(super) violations: Vec<Violation>,
    /// The text of the last unknown key (allocated only when there is one).
    unknown: String,
    /// Whether the violation of a fatal error (syntax, limit) has been recorded.
    fatal_recorded: bool,
}

impl<'v> DecodeCx<'v> {
    pub(super) fn new(version: &'v Version, payload: &'static str, limits: &'v Limits) -> Self {
        DecodeCx {
            version,
            release: version.release(),
            payload,
            limits,
            depth: 0,
            violations: Vec::new(),
            unknown: String::new(),
            fatal_recorded: false,
        }
    }

    /// Whether the context holds no allocation (nothing recorded, no unknown key kept): so
    /// it is after the accepting read, whose context is not dropped.
    pub(super) fn holds_nothing(&self) -> bool {
        self.violations.capacity() == 0 && self.unknown.capacity() == 0
    }

    /// The release being decoded for.
    #[inline]
    pub fn release(&self) -> Release {
        self.release
    }

    /// Records a violation at `pointer`, relative to the value being read.
    #[cold]
    fn violate(&mut self, pointer: String, rule: &'static str, message: String) {
        self.violations.push(Violation::new(pointer, rule, message));
    }

    /// Prefixes `/key` to the pointers of the violations recorded since `since`.
    #[cold]
    fn prefix(&mut self, since: usize, key: &str) {
        let head = segment(key);
        for violation in &mut self.violations[since..] {
            violation.pointer.insert_str(0, &head);
        }
    }

    /// Records the violation of a fatal error, once: the innermost reader that sees the
    /// error records it, the outer ones only prefix their key.
    #[cold]
    pub(super) fn fatal<E: fmt::Display>(&mut self, error: &E) {
        if !self.fatal_recorded {
            self.fatal_recorded = true;
            self.violate(String::new(), "syntax", format!("malformed JSON: {error}"));
        }
    }

    /// A fatal limit violation: recorded, and an error to stop reading.
    #[cold]
    fn limit<E: de::Error>(&mut self, message: String) -> E {
        self.fatal_recorded = true;
        self.violate(String::new(), "limit", message);
        E::custom("limit exceeded")
    }

    /// One level deeper, within the depth limit: over it, the validating read records a
    /// `limit` violation, the accepting read stops without a record.
    #[inline]
    fn enter<M: ReadMode, E: de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            if M::ACCEPT {
                return Err(not_accepted());
            }
            let message = format!(
                "nested deeper than the limit of {} levels",
                self.limits.max_depth
            );
            return Err(self.limit(message));
        }
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// One entry more in an object or array, within the entry limit (as [`DecodeCx::enter`]).
    #[inline]
    fn count_entry<M: ReadMode, E: de::Error>(&mut self, entries: &mut usize) -> Result<(), E> {
        *entries += 1;
        if *entries > self.limits.max_map_entries {
            if M::ACCEPT {
                return Err(not_accepted());
            }
            let message = format!(
                "more than {} entries, the limit",
                self.limits.max_map_entries
            );
            return Err(self.limit(message));
        }
        Ok(())
    }

    /// "usage-statistics 3.2.0": what the payload is checked against.
    fn at(&self, payload: &str) -> String {
        format!("{payload} {}", self.version)
    }
}

/// The message of a `duplicateKey` violation.
pub(super) fn repeated_key(key: &str) -> String {
    format!(
        "the key \"{key}\" appears more than once (ambiguous: rejected, where a JSON Schema validator would keep the last value)"
    )
}

/// Reads a value of type `T` with [`MetricValue::decode_metric`].
struct Seed<'a, 'v, T> {
    cx: &'a mut DecodeCx<'v>,
    _marker: std::marker::PhantomData<fn() -> T>,
}

impl<'a, 'v, T> Seed<'a, 'v, T> {
    fn new(cx: &'a mut DecodeCx<'v>) -> Self {
        Seed {
            cx,
            _marker: std::marker::PhantomData,
        }
    }
}

impl<'de, T: MetricValue> DeserializeSeed<'de> for Seed<'_, '_, T> {
    type Value = Option<T>;
    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Option<T>, D::Error> {
        T::decode_metric(self.cx, deserializer)
    }
}

/// How a struct's fields are read: validating or accepting (the two modes of this module).
#[doc(hidden)]
pub trait ReadMode {
    /// Whether this is the accepting read.
    const ACCEPT: bool;
}

/// The validating read: every violation is recorded, with its pointer, and reading goes on.
pub(crate) enum Validate {}

/// The accepting read, tried first: it takes a valid payload as plain serde would (typed
/// reads, no records), and stops at the first doubt, after which the validating read reads
/// the payload again and says what is wrong. It accepts nothing the validating read
/// rejects (the differential test checks the two reads against each other on every case,
/// and both, through `decode`, against the schema).
pub(crate) enum Accept {}

impl ReadMode for Validate {
    const ACCEPT: bool = false;
}

impl ReadMode for Accept {
    const ACCEPT: bool = true;
}

/// The error that ends an accepting read (its text is never shown: the validating read
/// runs next).
#[cold]
#[inline(never)]
fn not_accepted<E: de::Error>() -> E {
    E::custom("not accepted")
}

/// The value of an accepting read that found it (`None` is never accepted).
#[inline]
pub(crate) fn accepted<T, E: de::Error>(value: Option<T>) -> Result<T, E> {
    match value {
        Some(value) => Ok(value),
        None => Err(not_accepted()),
    }
}

/// Reads a value of type `T` with [`MetricValue::decode_accept`]; anything but a valid
/// value is an error.
struct AcceptSeed<'a, 'v, T> {
    cx: &'a mut DecodeCx<'v>,
    _marker: std::marker::PhantomData<fn() -> T>,
}

impl<'de, T: MetricValue> DeserializeSeed<'de> for AcceptSeed<'_, '_, T> {
    type Value = T;
    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::decode_accept(self.cx, deserializer)
    }
}

/// Reads a value of type `T` with [`MetricValue::decode_accept_into`], into `slot`.
struct AcceptInto<'a, 'v, T> {
    cx: &'a mut DecodeCx<'v>,
    slot: &'a mut Option<T>,
}

impl<'de, T: MetricValue> DeserializeSeed<'de> for AcceptInto<'_, '_, T> {
    type Value = ();
    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::decode_accept_into(self.cx, deserializer, self.slot)
    }
}

/// Reads the value of a map entry as `T`, prefixing `key` to the pointers of what it finds.
#[inline]
fn entry_value<'de, A: MapAccess<'de>, T: MetricValue>(
    cx: &mut DecodeCx<'_>,
    map: &mut A,
    key: &str,
) -> Result<Option<T>, A::Error> {
    let since = cx.violations.len();
    match map.next_value_seed(Seed::<T>::new(cx)) {
        Ok(value) => {
            if cx.violations.len() > since {
                cx.prefix(since, key);
            }
            Ok(value)
        }
        Err(error) => {
            cx.fatal(&error);
            cx.prefix(since, key);
            Err(error)
        }
    }
}

/// Skips the value of the entry `key`.
fn skip_value<'de, A: MapAccess<'de>>(
    cx: &mut DecodeCx<'_>,
    map: &mut A,
    key: &str,
) -> Result<(), A::Error> {
    let since = cx.violations.len();
    map.next_value_seed(Skip(cx)).inspect_err(|error| {
        cx.fatal(error);
        cx.prefix(since, key);
    })
}

/// Skips a value nobody will read (under an unknown or gated key, or of the wrong type),
/// within the depth and entry limits.
struct Skip<'a, 'v>(&'a mut DecodeCx<'v>);

impl<'de> DeserializeSeed<'de> for Skip<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let cx = self.0;
        cx.enter::<Validate, _>()?;
        let mut entries = 0;
        while map.next_key::<IgnoredAny>()?.is_some() {
            cx.count_entry::<Validate, _>(&mut entries)?;
            map.next_value_seed(Skip(cx))?;
        }
        cx.leave();
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let cx = self.0;
        cx.enter::<Validate, _>()?;
        let mut entries = 0;
        loop {
            cx.count_entry::<Validate, _>(&mut entries)?;
            if seq.next_element_seed(Skip(cx))?.is_none() {
                break;
            }
        }
        cx.leave();
        Ok(())
    }
}

/// What a JSON value is, for "expected X, found Y" messages.
#[derive(Clone, Copy)]
enum Found<'a> {
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str(&'a str),
    Null,
    Object,
    Array,
}

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::Bool(b) => write!(f, "the boolean {b}"),
            Found::Unsigned(n) => write!(f, "the number {n}"),
            Found::Signed(n) => write!(f, "the number {n}"),
            // An integral float is shown exactly (2^64, not 18446744073709552000).
            Found::Float(n) if n.fract() == 0.0 && n.abs() < 1e38 => {
                write!(f, "the number {}", *n as i128)
            }
            Found::Float(n) => write!(f, "the number {n}"),
            Found::Str(s) => write!(f, "the string \"{}\"", truncate(s)),
            Found::Null => f.write_str("null"),
            Found::Object => f.write_str("an object"),
            Found::Array => f.write_str("an array"),
        }
    }
}

/// The visitor of one scalar kind: `accept` gets each JSON value and returns the decoded
/// value, or records a violation and returns `None`. Objects and arrays are type errors,
/// skipped within the limits.
trait Scalar: Sized {
    type Out;
    /// "an integer from 0 to 255", for type errors.
    fn expected(&self) -> String;
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<Self::Out>;
}

struct ScalarVisitor<'a, 'v, S> {
    cx: &'a mut DecodeCx<'v>,
    scalar: S,
}

fn type_error<S: Scalar>(cx: &mut DecodeCx<'_>, scalar: &S, found: Found<'_>) {
    let message = format!("expected {}, found {found}", scalar.expected());
    cx.violate(String::new(), "type", message);
}

impl<'de, S: Scalar> Visitor<'de> for ScalarVisitor<'_, '_, S> {
    type Value = Option<S::Out>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.scalar.expected())
    }
    #[inline]
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Bool(v)))
    }
    #[inline]
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Signed(v)))
    }
    #[inline]
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Unsigned(v)))
    }
    #[inline]
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Float(v)))
    }
    #[inline]
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Str(v)))
    }
    #[inline]
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(self.scalar.accept(self.cx, Found::Null))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        type_error(self.cx, &self.scalar, Found::Object);
        Skip(self.cx).visit_map(map)?;
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        type_error(self.cx, &self.scalar, Found::Array);
        Skip(self.cx).visit_seq(seq)?;
        Ok(None)
    }
}

#[inline]
fn scalar<'de, D: de::Deserializer<'de>, S: Scalar>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
    scalar: S,
) -> Result<Option<S::Out>, D::Error> {
    deserializer.deserialize_any(ScalarVisitor { cx, scalar })
}

/// `type: integer, minimum: 0, maximum: max`, exactly as JSON Schema compares numbers: an
/// integral float (`3.0`, `1e3`) is an integer.
struct Unsigned {
    max: u64,
}

impl Scalar for Unsigned {
    type Out = u64;
    fn expected(&self) -> String {
        format!("an integer from 0 to {}", self.max)
    }
    #[inline(always)]
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<u64> {
        match found {
            Found::Unsigned(v) if v <= self.max => Some(v),
            _ => self.accept_slow(cx, found),
        }
    }
}

impl Unsigned {
    #[cold]
    #[inline(never)]
    fn accept_slow(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<u64> {
        let value = match found {
            Found::Unsigned(v) => v,
            Found::Signed(_) => {
                // serde_json yields i64 only for negative integers.
                cx.violate(
                    String::new(),
                    "minimum",
                    format!("{found} is below the minimum of 0"),
                );
                return None;
            }
            Found::Float(v) if v.fract() == 0.0 => {
                if v < 0.0 {
                    let message = format!("{found} is below the minimum of 0");
                    cx.violate(String::new(), "minimum", message);
                    return None;
                }
                // 2^64 and above are past every maximum; below it the cast is exact.
                if v >= 18_446_744_073_709_551_616.0 {
                    let message = format!("{found} is above the maximum of {}", self.max);
                    cx.violate(String::new(), "maximum", message);
                    return None;
                }
                v as u64
            }
            _ => {
                type_error(cx, &self, found);
                return None;
            }
        };
        if value > self.max {
            let message = format!("{found} is above the maximum of {}", self.max);
            cx.violate(String::new(), "maximum", message);
            return None;
        }
        Some(value)
    }
}

/// `type: number, minimum: 0, maximum: 100`.
struct PercentNumber;

impl Scalar for PercentNumber {
    type Out = f64;
    fn expected(&self) -> String {
        "a percentage, a number from 0 to 100".to_owned()
    }
    #[inline]
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<f64> {
        let value = match found {
            Found::Unsigned(v) => v as f64,
            Found::Signed(v) => v as f64,
            Found::Float(v) => v,
            _ => {
                type_error(cx, &self, found);
                return None;
            }
        };
        // u64 and i64 past 2^53 round, but never onto the range's bounds.
        if value < 0.0 {
            cx.violate(
                String::new(),
                "minimum",
                format!("{found} is below the minimum of 0"),
            );
            None
        } else if value > 100.0 {
            cx.violate(
                String::new(),
                "maximum",
                format!("{found} is above the maximum of 100"),
            );
            None
        } else {
            Some(value)
        }
    }
}

struct Boolean;

impl Scalar for Boolean {
    type Out = bool;
    fn expected(&self) -> String {
        "a boolean".to_owned()
    }
    #[inline]
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<bool> {
        match found {
            Found::Bool(b) => Some(b),
            _ => {
                type_error(cx, &self, found);
                None
            }
        }
    }
}

/// `type: string` with a pattern, checked by `parse`.
struct Pattern<F> {
    what: &'static str,
    pattern: &'static str,
    parse: F,
}

impl<T, F: FnOnce(&str) -> Option<T>> Scalar for Pattern<F> {
    type Out = T;
    fn expected(&self) -> String {
        format!("{}, a string", self.what)
    }
    #[inline]
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<T> {
        match found {
            Found::Str(s) => {
                let parsed = (self.parse)(s);
                if parsed.is_none() {
                    let message =
                        format!("{found} is not {} (pattern `{}`)", self.what, self.pattern);
                    cx.violate(String::new(), "pattern", message);
                }
                parsed
            }
            _ => {
                type_error(cx, &self, found);
                None
            }
        }
    }
}

/// Where a name stands among an enum's variants at a release.
enum Lookup {
    /// The variant's index.
    Exists(usize),
    /// A variant, but not at this release: the message says when it exists.
    Gated(String),
    /// No variant has this name.
    Unknown,
}

fn lookup_variant<E: MetricEnum>(name: &str, release: Release) -> Lookup {
    lookup_index::<E>(E::variant_by_name(name).unwrap_or(UNKNOWN), release)
}

#[inline]
fn lookup_index<E: MetricEnum>(index: usize, release: Release) -> Lookup {
    if index == UNKNOWN {
        Lookup::Unknown
    } else if variant_exists::<E>(index, release) {
        Lookup::Exists(index)
    } else {
        let variant = &E::variants()[index];
        Lookup::Gated(when(variant.since(), variant.until(), release))
    }
}

/// Whether variant `index` of `E` exists at `release`.
#[inline]
fn variant_exists<E: MetricEnum>(index: usize, release: Release) -> bool {
    E::ALWAYS || E::variants()[index].availability().exists_at(release)
}

/// For the accepting read: the index of the variant named by the raw bytes `name`, if it
/// exists at `release`.
#[inline]
fn raw_variant_at<E: MetricEnum>(name: &[u8], release: Release) -> Option<usize> {
    E::variant_by_raw_name(name).filter(|&index| variant_exists::<E>(index, release))
}

/// "added in 3.4.0" / "removed in 2019.1.0", for something that does not exist at `release`.
fn when(since: Option<&Version>, until: Option<&Version>, release: Release) -> String {
    match (since, until) {
        (Some(since), _) if since.release() > release => format!("added in {since}"),
        (_, Some(until)) => format!("removed in {until}"),
        _ => "not available".to_owned(),
    }
}

fn variant_names<E: MetricEnum>(release: Release) -> String {
    let names: Vec<String> = E::variants()
        .iter()
        .filter(|v| v.availability().exists_at(release))
        .map(|v| format!("\"{}\"", v.name()))
        .collect();
    names.join(", ")
}

struct EnumValue<E>(std::marker::PhantomData<E>);

impl<E: MetricEnum> Scalar for EnumValue<E> {
    type Out = E;
    fn expected(&self) -> String {
        format!("a {}, a string", E::NAME)
    }
    #[inline]
    fn accept(self, cx: &mut DecodeCx<'_>, found: Found<'_>) -> Option<E> {
        let Found::Str(name) = found else {
            type_error(cx, &self, found);
            return None;
        };
        match lookup_variant::<E>(name, cx.release) {
            Lookup::Exists(index) => E::from_variant_index(index),
            Lookup::Gated(when) => {
                let message = format!(
                    "\"{}\" is not a {} of {}: {when} (expected one of {})",
                    truncate(name),
                    E::NAME,
                    cx.at(cx.payload),
                    variant_names::<E>(cx.release),
                );
                cx.violate(String::new(), "enum", message);
                None
            }
            Lookup::Unknown => {
                let message = format!(
                    "\"{}\" is not a {} (expected one of {})",
                    truncate(name),
                    E::NAME,
                    variant_names::<E>(cx.release),
                );
                cx.violate(String::new(), "enum", message);
                None
            }
        }
    }
}

/// `decode_metric` of a count: `max` is the type's `MAX`.
#[inline]
pub fn decode_unsigned<'de, D: de::Deserializer<'de>>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
    max: u64,
) -> Result<Option<u64>, D::Error> {
    scalar(cx, deserializer, Unsigned { max })
}

#[inline]
pub(crate) fn decode_percent<'de, D: de::Deserializer<'de>>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<f64>, D::Error> {
    scalar(cx, deserializer, PercentNumber)
}

#[inline]
pub(crate) fn decode_bool<'de, D: de::Deserializer<'de>>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<bool>, D::Error> {
    scalar(cx, deserializer, Boolean)
}

#[inline]
pub(crate) fn decode_pattern<'de, D: de::Deserializer<'de>, T>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
    what: &'static str,
    pattern: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, D::Error> {
    scalar(
        cx,
        deserializer,
        Pattern {
            what,
            pattern,
            parse,
        },
    )
}

/// `decode_accept` of the types whose serde impl reads exactly their schema (counts, whose
/// visitors check the type's range; flags): the typed read.
#[inline]
pub(crate) fn accept_typed<'de, D: de::Deserializer<'de>, T: de::Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    T::deserialize(deserializer)
}

/// `decode_accept` of a string with a pattern, checked by `parse`.
#[inline]
pub(crate) fn accept_pattern<'de, D: de::Deserializer<'de>, T>(
    deserializer: D,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, D::Error> {
    let mut slot = None;
    accept_pattern_into(deserializer, &mut slot, stored(parse))?;
    accepted(slot)
}

/// `parse` as [`accept_pattern_into`] takes it: storing its value in the slot.
#[inline]
pub(crate) fn stored<T>(
    parse: impl FnOnce(&str) -> Option<T>,
) -> impl FnOnce(&str, &mut Option<T>) -> bool {
    |text, slot| {
        *slot = parse(text);
        slot.is_some()
    }
}

/// `decode_accept_into` of a `Percent`: the number as `f64::deserialize` reads it (an
/// integer converted), within `0..=100`; checked in the visitor, so that the field's value
/// read stays as small as a count's (and is inlined like one).
#[inline]
pub(crate) fn accept_percent_into<'de, D: de::Deserializer<'de>>(
    deserializer: D,
    slot: &mut Option<crate::types::Percent>,
) -> Result<(), D::Error> {
    struct PercentVisitor<'s>(&'s mut Option<crate::types::Percent>);
    impl PercentVisitor<'_> {
        #[inline]
        fn store<E: de::Error>(self, value: f64) -> Result<(), E> {
            *self.0 = crate::types::Percent::new(value).ok();
            if self.0.is_some() {
                Ok(())
            } else {
                Err(not_accepted())
            }
        }
    }
    impl Visitor<'_> for PercentVisitor<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a percentage")
        }
        #[inline]
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
            self.store(v)
        }
        #[inline]
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
            self.store(v as f64)
        }
        #[inline]
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
            self.store(v as f64)
        }
    }
    deserializer.deserialize_f64(PercentVisitor(slot))
}

/// `decode_accept_into` of a string with a pattern: `parse` stores the value in the slot and
/// says whether the string is one.
#[inline]
pub(crate) fn accept_pattern_into<'de, D: de::Deserializer<'de>, T>(
    deserializer: D,
    slot: &mut Option<T>,
    parse: impl FnOnce(&str, &mut Option<T>) -> bool,
) -> Result<(), D::Error> {
    struct PatternVisitor<'s, T, F>(&'s mut Option<T>, F);
    impl<T, F: FnOnce(&str, &mut Option<T>) -> bool> Visitor<'_> for PatternVisitor<'_, T, F> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        #[inline]
        fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
            if (self.1)(v, self.0) {
                Ok(())
            } else {
                Err(not_accepted())
            }
        }
    }
    deserializer.deserialize_str(PatternVisitor(slot, parse))
}

/// `decode_accept` of a `#[derive(MetricEnum)]` value: a variant the release has.
#[inline]
pub fn accept_enum<'de, D: de::Deserializer<'de>, E: MetricEnum>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<E, D::Error> {
    struct EnumVisitor<E>(Release, std::marker::PhantomData<E>);
    impl<E: MetricEnum> Visitor<'_> for EnumVisitor<E> {
        type Value = E;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a {}", E::NAME)
        }
        #[inline]
        fn visit_bytes<Er: de::Error>(self, v: &[u8]) -> Result<E, Er> {
            accepted(raw_variant_at::<E>(v, self.0).and_then(E::from_variant_index))
        }
        #[inline]
        fn visit_str<Er: de::Error>(self, v: &str) -> Result<E, Er> {
            self.visit_bytes(v.as_bytes())
        }
    }
    // As bytes, as keys are (see `AcceptKey`).
    deserializer.deserialize_bytes(EnumVisitor::<E>(cx.release, std::marker::PhantomData))
}

/// The visit methods of a visitor that expects an object (a struct or a map): any other
/// JSON value is a `type` violation (`self.wrong`); an array is skipped after its violation.
macro_rules! reject_other_types {
    ($expected:expr) => {
        fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
            self.wrong(Found::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            self.wrong(Found::Signed(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            self.wrong(Found::Unsigned(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            self.wrong(Found::Float(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            self.wrong(Found::Str(v))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            self.wrong(Found::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            let cx = self.0;
            let message = format!("expected {}, found an array", $expected);
            cx.violate(String::new(), "type", message);
            Skip(cx).visit_seq(seq)?;
            Ok(None)
        }
    };
}

/// `decode_metric` of a `#[derive(MetricEnum)]` value.
#[inline]
pub fn decode_enum<'de, D: de::Deserializer<'de>, E: MetricEnum>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<E>, D::Error> {
    scalar(cx, deserializer, EnumValue::<E>(std::marker::PhantomData))
}

/// `decode_metric` of an `Option`: `null` is `None`.
#[inline]
pub(crate) fn decode_option<'de, D: de::Deserializer<'de>, T: MetricValue>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    struct OptionVisitor<'a, 'v, T>(&'a mut DecodeCx<'v>, std::marker::PhantomData<T>);
    impl<'de, T: MetricValue> Visitor<'de> for OptionVisitor<'_, '_, T> {
        type Value = Option<Option<T>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a value or null")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Some(None))
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Some(None))
        }
        #[inline]
        fn visit_some<D: de::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            Ok(T::decode_metric(self.0, deserializer)?.map(Some))
        }
    }
    deserializer.deserialize_option(OptionVisitor::<T>(cx, std::marker::PhantomData))
}

/// `decode_accept` of an `Option`: [`accept_option_into`], taken out of its slot. (A
/// struct's fields are read into their slots; this is for a map's values.)
#[inline]
pub(crate) fn accept_option<'de, D: de::Deserializer<'de>, T: MetricValue>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    let mut slot = None;
    accept_option_into(cx, deserializer, &mut slot)?;
    accepted(slot)
}

/// `decode_accept_into` of an `Option`: `null`, or `T` read into the slot's inner one.
#[inline]
pub(crate) fn accept_option_into<'de, D: de::Deserializer<'de>, T: MetricValue>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
    slot: &mut Option<Option<T>>,
) -> Result<(), D::Error> {
    struct OptionVisitor<'a, 'v, T>(&'a mut DecodeCx<'v>, &'a mut Option<Option<T>>);
    impl<'de, T: MetricValue> Visitor<'de> for OptionVisitor<'_, '_, T> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a value or null")
        }
        fn visit_none<E>(self) -> Result<(), E> {
            *self.1 = Some(None);
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            *self.1 = Some(None);
            Ok(())
        }
        #[inline]
        fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            let inner = self.1.insert(None);
            T::decode_accept_into(self.0, deserializer, inner)
        }
    }
    deserializer.deserialize_option(OptionVisitor::<T>(cx, slot))
}

/// `decode_accept` of a `BTreeMap` keyed by a closed enum: variants the release has, each
/// at most once.
pub(crate) fn accept_map<'de, D, K, V>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<std::collections::BTreeMap<K, V>, D::Error>
where
    D: de::Deserializer<'de>,
    K: MetricEnum + Ord,
    V: MetricValue,
{
    struct MapVisitor<'a, 'v, K, V>(&'a mut DecodeCx<'v>, std::marker::PhantomData<(K, V)>);
    impl<'de, K: MetricEnum + Ord, V: MetricValue> Visitor<'de> for MapVisitor<'_, '_, K, V> {
        type Value = std::collections::BTreeMap<K, V>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object keyed by {}", K::NAME)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let cx = self.0;
            cx.enter::<Accept, _>()?;
            let mut out = std::collections::BTreeMap::new();
            let mut entries = 0;
            let release = cx.release;
            loop {
                let seed = AcceptKey(|name: &[u8]| raw_variant_at::<K>(name, release));
                let Some(index) = map.next_key_seed(seed)? else {
                    break;
                };
                cx.count_entry::<Accept, _>(&mut entries)?;
                let key = accepted(K::from_variant_index(index))?;
                let value = map.next_value_seed(AcceptSeed::<V> {
                    cx: &mut *cx,
                    _marker: std::marker::PhantomData,
                })?;
                if out.insert(key, value).is_some() {
                    return Err(not_accepted());
                }
            }
            cx.leave();
            Ok(out)
        }
    }
    deserializer.deserialize_map(MapVisitor::<K, V>(cx, std::marker::PhantomData))
}

/// `decode_metric` of a `BTreeMap` keyed by a closed enum: keys must be variants that exist
/// at the release, each at most once.
pub(crate) fn decode_map<'de, D, K, V>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<std::collections::BTreeMap<K, V>>, D::Error>
where
    D: de::Deserializer<'de>,
    K: MetricEnum + Ord,
    V: MetricValue,
{
    struct MapVisitor<'a, 'v, K, V>(&'a mut DecodeCx<'v>, std::marker::PhantomData<(K, V)>);
    impl<'de, K: MetricEnum + Ord, V: MetricValue> Visitor<'de> for MapVisitor<'_, '_, K, V> {
        type Value = Option<std::collections::BTreeMap<K, V>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object keyed by {}", K::NAME)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let cx = self.0;
            cx.enter::<Validate, _>()?;
            let since = cx.violations.len();
            let mut out = std::collections::BTreeMap::new();
            // The variants read (this read runs only on a rejected payload).
            let mut seen = Vec::new();
            let mut entries = 0;
            let mut unknown = String::new();
            loop {
                let seed = IndexKey {
                    find: K::variant_by_name,
                    unknown: &mut unknown,
                };
                let index = match map.next_key_seed(seed) {
                    Ok(Some(index)) => index,
                    Ok(None) => break,
                    Err(error) => {
                        cx.fatal(&error);
                        return Err(error);
                    }
                };
                cx.count_entry::<Validate, _>(&mut entries)?;
                let name: &str = match index {
                    UNKNOWN => &unknown,
                    index => K::variants()[index].name(),
                };
                match lookup_index::<K>(index, cx.release) {
                    Lookup::Exists(index) => {
                        let variant = K::variants()[index].name();
                        let value = entry_value::<A, V>(cx, &mut map, variant)?;
                        if let (Some(key), Some(value)) = (K::from_variant_index(index), value) {
                            out.insert(key, value);
                        }
                        // A repeat is reported whether or not the first value was valid.
                        if seen.contains(&index) {
                            cx.violate(segment(variant), "duplicateKey", repeated_key(variant));
                        } else {
                            seen.push(index);
                        }
                    }
                    other => {
                        let message = match other {
                            Lookup::Gated(when) => format!(
                                "\"{}\" is not a {} key of {}: {when} (expected one of {})",
                                truncate(name),
                                K::NAME,
                                cx.at(cx.payload),
                                variant_names::<K>(cx.release)
                            ),
                            _ => format!(
                                "\"{}\" is not a {} key (expected one of {})",
                                truncate(name),
                                K::NAME,
                                variant_names::<K>(cx.release)
                            ),
                        };
                        cx.violate(segment(name), "propertyNames", message);
                        skip_value(cx, &mut map, name)?;
                    }
                }
            }
            cx.leave();
            Ok(if cx.violations.len() > since {
                None
            } else {
                Some(out)
            })
        }
        reject_other_types!(format!("an object keyed by {}", K::NAME));
    }
    impl<K: MetricEnum, V> MapVisitor<'_, '_, K, V> {
        fn wrong<T, E>(self, found: Found<'_>) -> Result<Option<T>, E> {
            let message = format!("expected an object keyed by {}, found {found}", K::NAME);
            self.0.violate(String::new(), "type", message);
            Ok(None)
        }
    }
    deserializer.deserialize_any(MapVisitor::<K, V>(cx, std::marker::PhantomData))
}

/// `usize::MAX`: no field or variant has this key (its text is in the seed's `unknown`).
const UNKNOWN: usize = usize::MAX;

/// Reads an object key as the index `find` gives it; an unknown key's text goes to
/// `unknown`. Returning a plain index keeps the hot path free of owned strings.
struct IndexKey<'u, F> {
    find: F,
    unknown: &'u mut String,
}

impl<'de, F: FnOnce(&str) -> Option<usize>> DeserializeSeed<'de> for IndexKey<'_, F> {
    type Value = usize;
    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<F: FnOnce(&str) -> Option<usize>> Visitor<'_> for IndexKey<'_, F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    #[inline]
    fn visit_str<E>(self, v: &str) -> Result<usize, E> {
        match (self.find)(v) {
            Some(index) => Ok(index),
            None => {
                self.unknown.clear();
                self.unknown.push_str(v);
                Ok(UNKNOWN)
            }
        }
    }
}

/// Reads an object key as the index `find` gives it, for the accepting read: a key it does
/// not find ends the read. (Unlike [`IndexKey`], it keeps no unknown key: with that buffer
/// captured, serde_json's key reading is not inlined into the generated loop.)
struct AcceptKey<F>(F);

impl<'de, F: FnOnce(&[u8]) -> Option<usize>> DeserializeSeed<'de> for AcceptKey<F> {
    type Value = usize;
    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        // As raw bytes: serde_json then skips its UTF-8 check and its control-character
        // scan. Bytes equal to a known key are the string the validating read would read:
        // known keys are valid UTF-8 without control characters (the derive's `attr.rs`
        // rejects a `rename` with one), and a lone surrogate escape comes out as
        // `ED A0..BF xx`, never valid UTF-8. (See `MetricEnum::variant_by_raw_name`.)
        deserializer.deserialize_bytes(self)
    }
}

impl<F: FnOnce(&[u8]) -> Option<usize>> Visitor<'_> for AcceptKey<F> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    #[inline]
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        accepted((self.0)(v))
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.visit_bytes(v.as_bytes())
    }
}

/// A struct's fields, as the derive reads them: implemented by `#[derive(Metrics)]`.
#[doc(hidden)]
pub trait DecodeFields: Metrics {
    /// Reads the entries of the struct's object, with a [`FieldReader`] of mode `M`.
    fn decode_fields<'de, A: MapAccess<'de>, M: ReadMode>(
        cx: &mut DecodeCx<'_>,
        map: A,
    ) -> Result<Option<Self>, A::Error>;

    /// The index in [`Metrics::fields`] of the field with JSON key `key`; of two fields that
    /// share a key (in versions that do not overlap), the one `present` at the release, else
    /// the first.
    fn field_index(key: &[u8], present: &[bool]) -> Option<usize>;
}

/// `decode_metric` of a `#[derive(Metrics)]` struct: an object of its fields.
#[inline]
pub fn decode_struct<'de, D: de::Deserializer<'de>, T: DecodeFields>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    struct StructVisitor<'a, 'v, T>(&'a mut DecodeCx<'v>, std::marker::PhantomData<T>);
    impl<'de, T: DecodeFields> Visitor<'de> for StructVisitor<'_, '_, T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object ({})", T::NAME)
        }
        #[inline]
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            self.0.enter::<Validate, _>()?;
            // Returned as it comes (not unwrapped and wrapped again, which copies a large
            // struct once more); after an error the depth no longer matters.
            let value = T::decode_fields::<A, Validate>(self.0, map);
            self.0.leave();
            value
        }
        reject_other_types!(format!("an object ({})", T::NAME));
    }
    impl<T: Metrics> StructVisitor<'_, '_, T> {
        fn wrong<E>(self, found: Found<'_>) -> Result<Option<T>, E> {
            let message = format!("expected an object ({}), found {found}", T::NAME);
            self.0.violate(String::new(), "type", message);
            Ok(None)
        }
    }
    deserializer.deserialize_any(StructVisitor::<T>(cx, std::marker::PhantomData))
}

/// `decode_accept` of a `#[derive(Metrics)]` struct.
#[inline]
pub fn accept_struct<'de, D: de::Deserializer<'de>, T: DecodeFields>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
) -> Result<T, D::Error> {
    let mut slot = None;
    accept_struct_into(cx, deserializer, &mut slot)?;
    accepted(slot)
}

/// `decode_accept_into` of a `#[derive(Metrics)]` struct: its object, within the limits,
/// stored in the slot from inside the visitor (not returned through serde_json's layers).
#[inline]
pub fn accept_struct_into<'de, D: de::Deserializer<'de>, T: DecodeFields>(
    cx: &mut DecodeCx<'_>,
    deserializer: D,
    slot: &mut Option<T>,
) -> Result<(), D::Error> {
    struct StructVisitor<'a, 'v, T>(&'a mut DecodeCx<'v>, &'a mut Option<T>);
    impl<'de, T: DecodeFields> Visitor<'de> for StructVisitor<'_, '_, T> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an object ({})", T::NAME)
        }
        #[inline]
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
            let cx = self.0;
            cx.enter::<Accept, _>()?;
            // The accepting read takes each field once and stops at any other key, so it
            // reads no more entries than the struct has fields: the entry limit is only
            // checked (by the validating read) when it is lower than that.
            if T::fields().len() > cx.limits.max_map_entries {
                return Err(not_accepted());
            }
            *self.1 = Some(accepted(T::decode_fields::<A, Accept>(cx, map)?)?);
            cx.leave();
            Ok(())
        }
    }
    deserializer.deserialize_map(StructVisitor::<T>(cx, slot))
}

/// Reads a struct's keys for the generated `decode_fields`: finds each key's field, and
/// records unknown keys, fields the release does not have, duplicates and missing fields.
/// The hot path holds only the flags; everything a message needs is looked up when a
/// violation is recorded.
pub struct FieldReader<T, const N: usize, M> {
    marker: std::marker::PhantomData<(fn() -> T, M)>,
    /// Per field: whether the release has it (for [`DecodeFields::field_index`]).
    present: [bool; N],
    /// Per field: whether the release has it, and whether it was read (one byte, so that
    /// the hot path checks one flag).
    state: [FieldState; N],
    /// How many fields the release has that were not read yet. (Counted, not looked up in
    /// `state` at the end: that load spans the state's many small stores and stalls.)
    missing: usize,
    /// The entries read, for the entry limit (counted by the validating read only: see
    /// [`accept_struct_into`]).
    entries: usize,
    /// How many violations were recorded before this struct (validating read only).
    since: usize,
}

/// Where a field stands in the object being read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FieldState {
    /// The release does not have it (yet, or any more).
    Absent,
    /// The release has it; not read yet.
    Expected,
    /// Read (or, for an absent field, reported once).
    Seen,
}

impl<T: DecodeFields, const N: usize, M: ReadMode> FieldReader<T, N, M> {
    /// Starts reading the struct `T` whose fields exist at the release as `present` says.
    #[inline]
    pub fn new(cx: &DecodeCx<'_>, present: [bool; N]) -> Self {
        FieldReader {
            marker: std::marker::PhantomData,
            present,
            state: present.map(|present| {
                if present {
                    FieldState::Expected
                } else {
                    FieldState::Absent
                }
            }),
            missing: present.iter().filter(|present| **present).count(),
            entries: 0,
            // What the validating read records from here on is this struct's.
            since: if M::ACCEPT { 0 } else { cx.violations.len() },
        }
    }

    /// The index of the next field whose value is to be read with [`FieldReader::value`];
    /// `None` at the end. The validating read records other entries as violations and
    /// skips them; the accepting read stops at one.
    #[inline]
    pub fn next<'de, A: MapAccess<'de>>(
        &mut self,
        cx: &mut DecodeCx<'_>,
        map: &mut A,
    ) -> Result<Option<usize>, A::Error> {
        if M::ACCEPT {
            let present = &self.present;
            let seed = AcceptKey(|key: &[u8]| T::field_index(key, present));
            let Some(index) = map.next_key_seed(seed)? else {
                return Ok(None);
            };
            // Not counted: see `accept_struct_into`.
            return match self.state.get_mut(index) {
                Some(state @ FieldState::Expected) => {
                    *state = FieldState::Seen;
                    self.missing -= 1;
                    Ok(Some(index))
                }
                _ => Err(not_accepted()),
            };
        }
        loop {
            let present = &self.present;
            let seed = IndexKey {
                find: |key: &str| T::field_index(key.as_bytes(), present),
                unknown: &mut cx.unknown,
            };
            let index = match map.next_key_seed(seed) {
                Ok(Some(index)) => index,
                Ok(None) => return Ok(None),
                Err(error) => {
                    cx.fatal(&error);
                    return Err(error);
                }
            };
            cx.count_entry::<Validate, _>(&mut self.entries)?;
            if let Some(state @ FieldState::Expected) = self.state.get_mut(index) {
                *state = FieldState::Seen;
                self.missing -= 1;
                return Ok(Some(index));
            }
            self.reject(cx, map, index)?;
        }
    }

    /// Records why the entry `key` is not read, and skips its value.
    #[cold]
    #[inline(never)]
    fn reject<'de, A: MapAccess<'de>>(
        &mut self,
        cx: &mut DecodeCx<'_>,
        map: &mut A,
        index: usize,
    ) -> Result<(), A::Error> {
        let unknown = std::mem::take(&mut cx.unknown);
        let fields = T::fields();
        let name = match fields.get(index) {
            Some(field) => field.key(),
            None => &unknown,
        };
        match fields.get(index) {
            None => {
                let message = format!(
                    "unknown field \"{}\": not part of {}",
                    truncate(name),
                    cx.at(T::NAME)
                );
                cx.violate(segment(name), "additionalProperties", message);
            }
            Some(_) if self.state[index] == FieldState::Seen => {
                cx.violate(segment(name), "duplicateKey", repeated_key(name));
            }
            Some(field) => {
                // Reported once, so that a repeat is reported as a duplicate too.
                self.state[index] = FieldState::Seen;
                let message = format!(
                    "not part of {}, {}",
                    cx.at(T::NAME),
                    when(field.since(), field.until(), cx.release)
                );
                cx.violate(segment(name), "additionalProperties", message);
            }
        }
        let result = skip_value(cx, map, name);
        cx.unknown = unknown;
        result
    }

    /// Reads the value of field `index`, which [`FieldReader::next`] returned.
    ///
    /// Not `entry_value`: an accepted value returns without comparing the violation count
    /// (a value is `None` exactly when one was recorded), which on the field hot path is
    /// measured at 5% fewer instructions for a struct of counts.
    #[inline(always)]
    pub fn value<'de, A: MapAccess<'de>, V: MetricValue>(
        &mut self,
        cx: &mut DecodeCx<'_>,
        map: &mut A,
        index: usize,
        slot: &mut Option<V>,
    ) -> Result<(), A::Error> {
        if M::ACCEPT {
            let seed = AcceptInto::<V> {
                cx,
                slot: &mut *slot,
            };
            let read = map.next_value_seed(seed);
            debug_assert!(
                read.is_err() || slot.is_some(),
                "an accepted value not stored"
            );
            return read;
        }
        let since = cx.violations.len();
        match map.next_value_seed(Seed::<V>::new(cx)) {
            Ok(Some(value)) => {
                *slot = Some(value);
                Ok(())
            }
            // A value is `None` exactly when a violation was recorded in it.
            Ok(None) => {
                cx.prefix(since, T::fields()[index].key());
                Ok(())
            }
            Err(error) => {
                cx.fatal(&error);
                cx.prefix(since, T::fields()[index].key());
                Err(error)
            }
        }
    }

    /// Records the fields the release has that were not sent; whether the struct was read
    /// without any violation.
    #[inline]
    pub fn finish(&self, cx: &mut DecodeCx<'_>) -> bool {
        if M::ACCEPT {
            return self.missing == 0;
        }
        if self.missing > 0 {
            self.report_missing(cx);
        }
        cx.violations.len() == self.since
    }

    #[cold]
    #[inline(never)]
    fn report_missing(&self, cx: &mut DecodeCx<'_>) {
        for (index, field) in T::fields().iter().enumerate() {
            if self.state[index] == FieldState::Expected {
                let message = format!(
                    "missing field \"{}\", required in {}",
                    field.key(),
                    cx.at(T::NAME)
                );
                cx.violate(String::new(), "required", message);
            }
        }
    }
}
