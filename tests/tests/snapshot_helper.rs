//! `assert_payload_snapshots!` validates each payload against its version's schema before
//! snapshotting it: a payload that breaks its schema fails the test, naming the version.

use metrics_core::__private::Schema;
use metrics_core::testing::validated_payloads;
use metrics_core::{MetricValue, Metrics, Release, SchemaContext, Version};
use serde::Serializer;

/// A value whose serializer disagrees with its schema, as a hand-written `MetricValue` could.
struct Liar(u32);

impl MetricValue for Liar {
    fn metric_schema(_: &mut SchemaContext) -> Schema {
        schemars_schema()
    }

    fn serialize_metric<S: Serializer>(
        &self,
        _: Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{} things", self.0))
    }
}

fn schemars_schema() -> Schema {
    serde_json::from_value(serde_json::json!({ "type": "integer", "minimum": 0 })).unwrap()
}

/// A payload with an honest field and, from 2.0 on, a lying one.
#[derive(Metrics)]
#[metrics(name = "liar")]
#[allow(dead_code)]
struct WithLiar {
    /// Honest
    count: u32,
    /// Lies from 2.0 on
    #[since("2.0")]
    liar: Liar,
}

#[test]
#[should_panic(
    expected = "the liar payload at 2.0.0 does not match its schema:\n  at `/liar`: \"7 things\" is not of type \"integer\""
)]
fn a_payload_that_breaks_its_schema_fails_naming_the_version_and_the_field() {
    let sample = WithLiar {
        count: 1,
        liar: Liar(7),
    };
    validated_payloads::<WithLiar>(|version: &Version| {
        serde_json::to_value(sample.at(version)).unwrap()
    });
}
