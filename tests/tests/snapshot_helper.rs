//! `assert_payload_snapshots!` validates each payload against its version's schema before
//! snapshotting it: a payload that breaks its schema fails the test, naming the version.

use metrics_core::__private::Schema;
use metrics_core::{MetricValue, Metrics, Release, SchemaContext, Shape, Version};
use metrics_tool::testing::validated_payloads;
use serde::Serializer;

/// A value whose serializer disagrees with its schema, as a hand-written `MetricValue` could.
struct Liar(u32);

impl MetricValue for Liar {
    type Itself = Self;

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

    fn shape() -> Shape {
        Shape::Count {
            max: u64::from(u32::MAX),
        }
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

/// A payload with three schemas (baseline, 1.1, 1.2), for the snapshot-recording test.
#[derive(Metrics)]
#[metrics(name = "three-versions")]
struct ThreeVersions {
    /// The number of projects
    projects: u32,
    /// The number of channels
    #[since("1.1")]
    channels: u32,
    /// Whether it runs in a cluster
    #[since("1.2")]
    clustered: bool,
}

/// Run by `every_new_snapshot_is_written_in_one_run`, in a child process with its own
/// snapshot directory; fails because every snapshot is new.
#[test]
#[ignore = "run by every_new_snapshot_is_written_in_one_run"]
fn snapshots_of_a_new_payload() {
    let dir = std::env::var("SNAPSHOT_DIR").expect("run by the parent test");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        metrics_tool::assert_payload_snapshots!(ThreeVersions {
            projects: 3,
            channels: 2,
            clustered: true,
        });
    });
}

#[test]
fn every_new_snapshot_is_written_in_one_run() {
    let dir = tempfile::TempDir::new().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "snapshots_of_a_new_payload", "--ignored"])
        .env("SNAPSHOT_DIR", dir.path())
        .env("INSTA_UPDATE", "new")
        .env_remove("INSTA_FORCE_PASS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "new snapshots fail the test:\n{stdout}"
    );
    assert!(
        stdout.contains("3 of 3 payload snapshots of three-versions are new or changed: baseline, 1.1.0, 1.2.0. Review them with `cargo insta review`"),
        "{stdout}"
    );
    let mut written: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "three-versions@1.1.0.snap.new",
            "three-versions@1.2.0.snap.new",
            "three-versions@baseline.snap.new"
        ]
    );
    let header = std::fs::read_to_string(dir.path().join("three-versions@1.1.0.snap.new")).unwrap();
    assert!(
        header.contains("description: the three-versions payload at 1.1.0\n"),
        "{header}"
    );
    assert!(!header.contains("expression:"), "{header}");
}
