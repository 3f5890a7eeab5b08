//! One small model per metric shape, each beside the plain `#[derive(Serialize,
//! Deserialize)]` structs a user would otherwise write for the same JSON: one with every
//! field (the version where all are sent) and one with half of them (the version where the
//! other half is gated off). The per-shape benchmarks (`benches/serialize.rs`,
//! `benches/decode.rs`) measure each model against its plain structs; `tests/shapes.rs`
//! checks that both sides produce and read the same bytes, so that they do the same work.
//!
//! Each model has eight fields `f0`..`f7` of the shape; the odd ones are gated: added in
//! 2.0 (`#[since("2.0")]`: 1.0 sends half, 2.0 all), or for [`Retired`] removed in 2.0
//! (`#[until("2.0")]`: 1.0 sends all, 2.0 half).

use std::collections::BTreeMap;
use std::time::Duration;

use metrics_core::{Bytes, InstallationId, MetricEnum, Metrics, Percent, Sha1Digest, Version};
use serde::{Deserialize, Serialize};

/// The version at which a shape's model sends every field, and the one at which it sends
/// half of them.
pub struct Versions {
    /// Every field is sent.
    pub all: Version,
    /// The gated half is not sent.
    pub half: Version,
}

/// A shape's model and its plain mirrors.
pub trait Shape: Metrics + Sized {
    /// The plain struct with every field.
    type Full: Serialize + for<'de> Deserialize<'de>;
    /// The plain struct with the fields sent at [`Versions::half`].
    type Half: Serialize + for<'de> Deserialize<'de>;
    /// The shape's name in benchmark and test output.
    const LABEL: &'static str;
    /// Where all and half of the fields are sent.
    fn gates() -> Versions;
    /// A sample value.
    fn sample() -> Self;
    /// The same values in the plain struct with every field.
    fn full(&self) -> Self::Full;
    /// The values sent at [`Versions::half`], in the plain struct of those fields.
    fn half(&self) -> Self::Half;
}

fn since_versions() -> Versions {
    Versions {
        all: Version::new(2, 0, 0),
        half: Version::new(1, 0, 0),
    }
}

/// Declares a shape: the model (`$ours`, eight fields of `$ty`, the odd ones with `$gate`),
/// its plain mirrors (`$full`, `$half`, fields of `$plain` with the serde attributes
/// `$serde`), the sample (`$value(i)` for field `i`) and the conversion of a value to the
/// plain one (`$convert(&value, half)`; `half` is true for the half struct).
macro_rules! shape {
    (
        $(#[$doc:meta])*
        $ours:ident, $full:ident, $half:ident, $label:literal:
        $ty:ty => $plain:ty, half $plain_half:ty $(, as #[$serde:meta])?;
        gate #[$gate:meta], versions $versions:expr,
        value $value:expr,
        convert $convert:expr,
        convert_half $convert_half:expr $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Metrics, Clone, Debug)]
        pub struct $ours {
            /// Field 0
            pub f0: $ty,
            /// Field 1
            #[$gate]
            pub f1: $ty,
            /// Field 2
            pub f2: $ty,
            /// Field 3
            #[$gate]
            pub f3: $ty,
            /// Field 4
            pub f4: $ty,
            /// Field 5
            #[$gate]
            pub f5: $ty,
            /// Field 6
            pub f6: $ty,
            /// Field 7
            #[$gate]
            pub f7: $ty,
        }

        #[doc = concat!("The plain mirror of [`", stringify!($ours), "`] with every field.")]
        #[derive(Serialize, Deserialize, Debug)]
        #[allow(missing_docs)]
        pub struct $full {
            $(#[$serde])? pub f0: $plain,
            $(#[$serde])? pub f1: $plain,
            $(#[$serde])? pub f2: $plain,
            $(#[$serde])? pub f3: $plain,
            $(#[$serde])? pub f4: $plain,
            $(#[$serde])? pub f5: $plain,
            $(#[$serde])? pub f6: $plain,
            $(#[$serde])? pub f7: $plain,
        }

        #[doc = concat!("The plain mirror of [`", stringify!($ours), "`] with the fields sent at the half version.")]
        #[derive(Serialize, Deserialize, Debug)]
        #[allow(missing_docs)]
        pub struct $half {
            $(#[$serde])? pub f0: $plain_half,
            $(#[$serde])? pub f2: $plain_half,
            $(#[$serde])? pub f4: $plain_half,
            $(#[$serde])? pub f6: $plain_half,
        }

        impl Shape for $ours {
            type Full = $full;
            type Half = $half;
            const LABEL: &'static str = $label;

            fn gates() -> Versions {
                $versions
            }

            fn sample() -> Self {
                let value = $value;
                $ours {
                    f0: value(0),
                    f1: value(1),
                    f2: value(2),
                    f3: value(3),
                    f4: value(4),
                    f5: value(5),
                    f6: value(6),
                    f7: value(7),
                }
            }

            fn full(&self) -> $full {
                let convert = $convert;
                $full {
                    f0: convert(&self.f0),
                    f1: convert(&self.f1),
                    f2: convert(&self.f2),
                    f3: convert(&self.f3),
                    f4: convert(&self.f4),
                    f5: convert(&self.f5),
                    f6: convert(&self.f6),
                    f7: convert(&self.f7),
                }
            }

            fn half(&self) -> $half {
                let convert = $convert_half;
                $half {
                    f0: convert(&self.f0),
                    f2: convert(&self.f2),
                    f4: convert(&self.f4),
                    f6: convert(&self.f6),
                }
            }
        }
    };
}

fn same<T: Clone>(value: &T) -> T {
    value.clone()
}

shape! {
    /// Counts (`u64`, numbers of various lengths).
    Counts, CountsPlain, CountsPlainHalf, "counts":
    u64 => u64, half u64;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| 7u64.pow(i as u32 * 3),
    convert same,
    convert_half same,
}

shape! {
    /// Flags.
    Flags, FlagsPlain, FlagsPlainHalf, "bool":
    bool => bool, half bool;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| i.is_multiple_of(3),
    convert same,
    convert_half same,
}

shape! {
    /// Percentages (plain: `f64`).
    Percents, PercentsPlain, PercentsPlainHalf, "Percent":
    Percent => f64, half f64;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| Percent::ratio(i * 7 + 1, 60),
    convert |p: &Percent| p.get(),
    convert_half |p: &Percent| p.get(),
}

shape! {
    /// Sizes in bytes (plain: `u64`).
    Sizes, SizesPlain, SizesPlainHalf, "Bytes":
    Bytes => u64, half u64;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| Bytes::mib(i * 300 + 17),
    convert |b: &Bytes| b.0,
    convert_half |b: &Bytes| b.0,
}

shape! {
    /// Durations, sent as milliseconds (plain: the `Duration` with a `serialize_with`).
    Durations, DurationsPlain, DurationsPlainHalf, "Duration":
    Duration => Duration, half Duration,
        as #[serde(serialize_with = "millis", deserialize_with = "from_millis")];
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| Duration::from_millis(i * 86_413 + 250),
    convert same,
    convert_half same,
}

shape! {
    /// Optional durations, one in three `None` (plain: `Option<Duration>` with a
    /// `serialize_with`).
    OptionalDurations, OptionalDurationsPlain, OptionalDurationsPlainHalf, "Option<Duration>":
    Option<Duration> => Option<Duration>, half Option<Duration>,
        as #[serde(serialize_with = "option_millis", deserialize_with = "option_from_millis")];
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| (i % 3 != 2).then(|| Duration::from_millis(i * 86_413 + 250)),
    convert same,
    convert_half same,
}

shape! {
    /// SHA-1 digests (plain: the hex `String`).
    Digests, DigestsPlain, DigestsPlainHalf, "Sha1Digest":
    Sha1Digest => String, half String;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| Sha1Digest::of(i.to_le_bytes()),
    convert |d: &Sha1Digest| d.to_string(),
    convert_half |d: &Sha1Digest| d.to_string(),
}

shape! {
    /// Installation ids (plain: `uuid::Uuid`).
    Ids, IdsPlain, IdsPlainHalf, "InstallationId":
    InstallationId => uuid::Uuid, half uuid::Uuid;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| InstallationId::from(uuid::Uuid::from_u64_pair(i.wrapping_mul(0x9e37_79b9_7f4a_7c15), !i)),
    convert |id: &InstallationId| *id.as_uuid(),
    convert_half |id: &InstallationId| *id.as_uuid(),
}

shape! {
    /// Versions, one in four a pre-release (plain: `semver::Version`).
    ProductVersions, ProductVersionsPlain, ProductVersionsPlainHalf, "Version":
    Version => semver::Version, half semver::Version;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| if i % 4 == 3 {
        Version::parse(&format!("3.{i}.0-beta.{i}")).unwrap()
    } else {
        Version::new(2018, i, 2)
    },
    convert |v: &Version| v.as_semver().clone(),
    convert_half |v: &Version| v.as_semver().clone(),
}

/// A closed enum with a variant added in 2.0.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "kebab-case")]
pub enum Kind {
    /// A
    DeployPackage,
    /// B
    RunScript,
    /// C
    ManualIntervention,
    /// D, added in 2.0
    #[since("2.0")]
    AzureWebApp,
}

/// The plain serde enum of [`Kind`].
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum PlainKind {
    DeployPackage,
    RunScript,
    ManualIntervention,
    AzureWebApp,
}

fn plain_kind(kind: &Kind) -> PlainKind {
    match kind {
        Kind::DeployPackage => PlainKind::DeployPackage,
        Kind::RunScript => PlainKind::RunScript,
        Kind::ManualIntervention => PlainKind::ManualIntervention,
        Kind::AzureWebApp => PlainKind::AzureWebApp,
    }
}

const KINDS: [Kind; 4] = [
    Kind::DeployPackage,
    Kind::RunScript,
    Kind::ManualIntervention,
    Kind::AzureWebApp,
];

shape! {
    /// Enum values (the variant added in 2.0 only in gated fields).
    Kinds, KindsPlain, KindsPlainHalf, "MetricEnum":
    Kind => PlainKind, half PlainKind;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| if i % 2 == 1 { KINDS[(i as usize / 2) % 4] } else { KINDS[(i as usize / 2) % 3] },
    convert plain_kind,
    convert_half plain_kind,
}

fn plain_map(map: &BTreeMap<Kind, u64>, at: &Version) -> BTreeMap<PlainKind, u64> {
    map.iter()
        .filter(|(k, _)| k.variant().availability().exists_at(at.release()))
        .map(|(k, v)| (plain_kind(k), *v))
        .collect()
}

shape! {
    /// Counts keyed by an enum with a variant added in 2.0, every variant a key.
    Maps, MapsPlain, MapsPlainHalf, "BTreeMap<MetricEnum, u64>":
    BTreeMap<Kind, u64> => BTreeMap<PlainKind, u64>, half BTreeMap<PlainKind, u64>;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| KINDS.iter().enumerate().map(|(n, k)| (*k, i * 1000 + n as u64 * 37)).collect::<BTreeMap<_, _>>(),
    convert |map: &BTreeMap<Kind, u64>| plain_map(map, &since_versions().all),
    convert_half |map: &BTreeMap<Kind, u64>| plain_map(map, &since_versions().half),
}

/// A nested struct with two of its four fields added in 2.0.
#[derive(Metrics, Clone, Debug)]
pub struct Inner {
    /// A
    pub a: u64,
    /// B
    #[since("2.0")]
    pub b: u64,
    /// C
    pub c: u64,
    /// D
    #[since("2.0")]
    pub d: bool,
}

/// The plain mirror of [`Inner`] with every field.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[allow(missing_docs)]
pub struct PlainInner {
    pub a: u64,
    pub b: u64,
    pub c: u64,
    pub d: bool,
}

/// The plain mirror of [`Inner`] at 1.0.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[allow(missing_docs)]
pub struct PlainInnerHalf {
    pub a: u64,
    pub c: u64,
}

fn inner(i: u64) -> Inner {
    Inner {
        a: i * 31,
        b: i * 1_000_003,
        c: 17,
        d: i.is_multiple_of(2),
    }
}

fn plain_inner(inner: &Inner) -> PlainInner {
    PlainInner {
        a: inner.a,
        b: inner.b,
        c: inner.c,
        d: inner.d,
    }
}

fn plain_inner_half(inner: &Inner) -> PlainInnerHalf {
    PlainInnerHalf {
        a: inner.a,
        c: inner.c,
    }
}

shape! {
    /// Nested structs with gated fields.
    Nested, NestedPlain, NestedPlainHalf, "nested struct":
    Inner => PlainInner, half PlainInnerHalf;
    gate #[since("2.0")], versions since_versions(),
    value inner,
    convert plain_inner,
    convert_half plain_inner_half,
}

shape! {
    /// Optional nested structs with gated fields, one `None`.
    OptionalNested, OptionalNestedPlain, OptionalNestedPlainHalf, "Option<nested struct>":
    Option<Inner> => Option<PlainInner>, half Option<PlainInnerHalf>;
    gate #[since("2.0")], versions since_versions(),
    value |i: u64| (i != 4).then(|| inner(i)),
    convert |i: &Option<Inner>| i.as_ref().map(plain_inner),
    convert_half |i: &Option<Inner>| i.as_ref().map(plain_inner_half),
}

shape! {
    /// Counts, the odd ones retired in 2.0 with `#[until]`.
    Retired, RetiredPlain, RetiredPlainHalf, "field retired with #[until]":
    u64 => u64, half u64;
    gate #[until("2.0")], versions Versions { all: Version::new(1, 0, 0), half: Version::new(2, 0, 0) },
    value |i: u64| 7u64.pow(i as u32 * 3),
    convert same,
    convert_half same,
}

fn millis<S: serde::Serializer>(value: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(value.as_millis()).unwrap_or(u64::MAX))
}

fn from_millis<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    Ok(Duration::from_millis(u64::deserialize(d)?))
}

fn option_millis<S: serde::Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(d) => s.serialize_some(&u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        None => s.serialize_none(),
    }
}

fn option_from_millis<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
}

/// Something done with each shape in turn (a benchmark group, a test).
pub trait ShapeVisitor {
    /// Called once per shape.
    fn visit<T: Shape>(&mut self);
}

/// Calls `visitor` with every shape, in the benchmark tables' order, the reference sample
/// last.
pub fn visit_all(visitor: &mut impl ShapeVisitor) {
    visitor.visit::<Counts>();
    visitor.visit::<Flags>();
    visitor.visit::<Percents>();
    visitor.visit::<Sizes>();
    visitor.visit::<Durations>();
    visitor.visit::<OptionalDurations>();
    visitor.visit::<Digests>();
    visitor.visit::<Ids>();
    visitor.visit::<ProductVersions>();
    visitor.visit::<Kinds>();
    visitor.visit::<Maps>();
    visitor.visit::<Nested>();
    visitor.visit::<OptionalNested>();
    visitor.visit::<Retired>();
    visitor.visit::<schema::UsageStatistics>();
}
