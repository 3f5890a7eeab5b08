//! Test helpers (feature `testing`): [`assert_payload_snapshots!`](crate::assert_payload_snapshots)
//! snapshots a sample's payload at every version with insta, each validated against that
//! version's schema.
//!
//! Every version's snapshot is recorded before the assertion fails, so one run writes every
//! new or changed `.snap.new` file. Accept them with `cargo insta review` (from
//! `cargo install cargo-insta`), or with `INSTA_UPDATE=always cargo test` and a read of
//! the diff.

use metrics_core::{Metrics, SchemaVersion, Version};
use serde_json::Value;

#[doc(hidden)]
pub use insta;
#[doc(hidden)]
pub use metrics_core::Version as __Version;

/// A payload's JSON at every version of `T`: `(label, payload)` with the labels of the schema
/// files (`baseline`, `2.6.0`, ...), each checked against `T::schema_at` that version.
///
/// # Panics
///
/// When a payload does not serialize, or does not match its version's schema: the message
/// names the version and each violation.
pub fn validated_payloads<T: Metrics>(sample: impl Fn(&Version) -> Value) -> Vec<(String, Value)> {
    SchemaVersion::list(&T::versions())
        .into_iter()
        .map(|(schema, version)| {
            let label = schema.to_string();
            let payload = sample(&version);
            let schema = T::schema_at(&version).to_value();
            let validator = jsonschema::draft202012::new(&schema).unwrap_or_else(|e| {
                panic!(
                    "the {} {label} schema is not a valid JSON Schema: {e}",
                    T::NAME
                )
            });
            let errors: Vec<String> = validator
                .iter_errors(&payload)
                .map(|e| format!("at `{}`: {e}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "the {} payload at {label} does not match its schema:\n  {}",
                T::NAME,
                errors.join("\n  ")
            );
            (label, payload)
        })
        .collect()
}

/// The JSON `sample` sends at `version`.
///
/// # Panics
///
/// When it does not serialize (an enum variant that does not exist at `version`).
pub fn payload_json<T: Metrics>(sample: &T, version: &Version) -> Value {
    serde_json::to_value(sample.at(version)).unwrap_or_else(|e| {
        panic!(
            "the {} sample does not serialize at {version}: {e}",
            T::NAME
        )
    })
}

/// Snapshots a sample's payload at every version of its type, with insta, one snapshot per
/// version named `{name}@{version}` (`usage-statistics@baseline`, `usage-statistics@2.6.0`),
/// after validating each against that version's schema. Each snapshot's header says which
/// payload and version it holds.
///
/// Every snapshot is asserted before the macro fails, so one run writes every `.snap.new`;
/// the failure then lists the versions whose snapshots are new or changed. Accept them with
/// `cargo insta review`, or `INSTA_UPDATE=always cargo test` (then read the diff).
///
/// ```no_run
/// use metrics_core::{Metrics, Version};
///
/// /// The update check.
/// #[derive(Metrics)]
/// pub struct Check {
///     /// The version that sends it
///     pub version: Version,
///     /// The number of projects
///     #[since("2.6")]
///     pub projects: u64,
/// }
///
/// # fn main() {
/// // In a test: a sample value (named after the payload: `check@baseline`, `check@2.6.0`).
/// metrics_tool::assert_payload_snapshots!(Check { version: Version::new(2, 6, 0), projects: 4 });
/// // A sample built per version, with an explicit name.
/// metrics_tool::assert_payload_snapshots!("check-by-version", |version| Check {
///     version: version.clone(),
///     projects: 4,
/// });
/// # }
/// ```
#[macro_export]
macro_rules! assert_payload_snapshots {
    ($name:literal, |$version:ident| $sample:expr) => {
        $crate::__payload_snapshots!($crate::testing::__sample_fn(
            |$version: &$crate::testing::__Version| $sample,
            ::core::option::Option::Some($name)
        ))
    };
    (|$version:ident| $sample:expr) => {
        $crate::__payload_snapshots!($crate::testing::__sample_fn(
            |$version: &$crate::testing::__Version| $sample,
            ::core::option::Option::None
        ))
    };
    ($name:literal, $sample:expr) => {
        $crate::__payload_snapshots!($crate::testing::__sample_value(
            &$sample,
            ::core::option::Option::Some($name)
        ))
    };
    ($sample:expr) => {
        $crate::__payload_snapshots!($crate::testing::__sample_value(
            &$sample,
            ::core::option::Option::None
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __payload_snapshots {
    ($snapshots:expr) => {{
        let (name, payloads) = $snapshots;
        let mut failed = ::std::vec::Vec::new();
        let total = payloads.len();
        for (label, payload) in payloads {
            let settings = $crate::testing::__settings(name, &label);
            let asserted = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
                settings.bind(|| {
                    $crate::testing::insta::assert_json_snapshot!(
                        ::std::format!("{}@{}", name, label),
                        payload
                    );
                })
            }));
            if asserted.is_err() {
                failed.push(label);
            }
        }
        $crate::testing::__report(name, total, &failed);
    }};
}

/// The insta settings of one payload snapshot: a header that names the payload and version.
#[doc(hidden)]
pub fn __settings(name: &str, label: &str) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(format!("the {name} payload at {label}"));
    settings.set_omit_expression(true);
    settings
}

/// Fails, after every snapshot was asserted, naming the versions whose snapshots differ.
#[doc(hidden)]
#[track_caller]
pub fn __report(name: &str, total: usize, failed: &[String]) {
    if !failed.is_empty() {
        panic!(
            "{} of {total} payload snapshots of {name} are new or changed: {}. Review them with `cargo insta review`, or accept them with `INSTA_UPDATE=always cargo test` and read the diff",
            failed.len(),
            failed.join(", ")
        );
    }
}

/// The name and validated payloads of a sample built per version.
#[doc(hidden)]
pub fn __sample_fn<T: Metrics>(
    sample: impl Fn(&Version) -> T,
    name: Option<&'static str>,
) -> (&'static str, Vec<(String, Value)>) {
    let payloads = validated_payloads::<T>(|version| payload_json(&sample(version), version));
    (name.unwrap_or(T::NAME), payloads)
}

/// The name and validated payloads of one sample value.
#[doc(hidden)]
pub fn __sample_value<T: Metrics>(
    sample: &T,
    name: Option<&'static str>,
) -> (&'static str, Vec<(String, Value)>) {
    let payloads = validated_payloads::<T>(|version| payload_json(sample, version));
    (name.unwrap_or(T::NAME), payloads)
}
