//! Payloads of the reference sample at every version: snapshots, gating and validation.

use metrics_core::{Metrics, Version};
use schema::{UpdateCheck, UsageStatistics, sample_statistics, sample_update_check};
use serde_json::Value;

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

/// Each schema of the reference model with its label: `baseline` (at a version below the
/// first change point), then every change point, as the schema files are named.
fn labelled_versions() -> Vec<(String, Version)> {
    metrics_core::SchemaVersion::list(&UsageStatistics::versions())
        .into_iter()
        .map(|(schema, version)| (schema.to_string(), version))
        .collect()
}

fn snapshot_versions() -> Vec<Version> {
    labelled_versions().into_iter().map(|(_, v)| v).collect()
}

fn payload(version: &Version) -> Value {
    let check = sample_update_check(version.clone());
    serde_json::to_value(check.at(version)).unwrap()
}

#[test]
fn sample_payload_at_every_version() {
    // One snapshot per version (`update-check@baseline`, `update-check@2.6.0`, ...), each
    // validated against that version's schema; the sample reports the version it runs.
    metrics_tool::assert_payload_snapshots!(|version| sample_update_check(version.clone()));
}

#[test]
fn sample_statistics_at_every_version() {
    metrics_tool::assert_payload_snapshots!(sample_statistics());
}

#[test]
fn schema_at_every_version() {
    for (label, version) in labelled_versions() {
        insta::assert_json_snapshot!(
            format!("update-check-schema@{label}"),
            UpdateCheck::schema_at(&version)
        );
    }
}

fn statistic_keys(version: &Version) -> Vec<String> {
    let stats = sample_statistics();
    let value = serde_json::to_value(stats.at(version)).unwrap();
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn a_version_between_change_points_sends_what_the_previous_one_sends() {
    assert_eq!(statistic_keys(&v("3.3")), statistic_keys(&v("3.2")));
    assert_eq!(statistic_keys(&v("3.11.1")), statistic_keys(&v("3.4")));
    assert_ne!(statistic_keys(&v("3.11.2")), statistic_keys(&v("3.11.1")));
    assert_eq!(
        UsageStatistics::schema_at(&v("3.3.7")),
        UsageStatistics::schema_at(&v("3.2"))
    );
}

#[test]
fn a_prerelease_is_gated_as_the_release_it_precedes() {
    let beta = v("3.4.0-beta.2");
    assert!(statistic_keys(&beta).contains(&"multiTenancy".to_owned()));
    assert_eq!(statistic_keys(&beta), statistic_keys(&v("3.4")));
    assert_eq!(
        UsageStatistics::schema_at(&beta),
        UsageStatistics::schema_at(&v("3.4"))
    );
    // Build metadata changes nothing either.
    assert_eq!(
        statistic_keys(&v("3.4.0+build.9")),
        statistic_keys(&v("3.4"))
    );
}

#[test]
fn fields_appear_in_declaration_order_and_only_from_their_since() {
    let keys = statistic_keys(&v("2018.2.2"));
    let declared: Vec<&str> = UsageStatistics::fields().iter().map(|f| f.key()).collect();
    assert_eq!(keys, declared);
    let keys = statistic_keys(&v("2.6"));
    assert_eq!(keys.len(), 9);
    assert_eq!(keys.last().map(String::as_str), Some("cpu"));
    assert_eq!(statistic_keys(&v("1.0")).len(), 6);
}

#[test]
fn opting_out_sends_null_statistics() {
    let mut check = sample_update_check(v("3.4"));
    check.usage_statistics = None;
    let value = serde_json::to_value(check.at(&v("3.4"))).unwrap();
    assert_eq!(value["usageStatistics"], Value::Null);
    assert_eq!(
        value["installationId"],
        "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    );
}

fn validator(version: &Version) -> jsonschema::Validator {
    let schema = serde_json::to_value(UpdateCheck::schema_at(version)).unwrap();
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

#[test]
fn every_versions_payload_is_valid_against_its_schema() {
    for version in snapshot_versions() {
        let payload = payload(&version);
        let errors: Vec<String> = validator(&version)
            .iter_errors(&payload)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{version}: {errors:?}");
    }
}

fn statistics_validator(version: &Version) -> jsonschema::Validator {
    let schema = serde_json::to_value(UsageStatistics::schema_at(version)).unwrap();
    jsonschema::draft202012::new(&schema).expect("a valid draft 2020-12 schema")
}

#[test]
fn a_newer_payload_is_rejected_by_an_older_schema() {
    let versions = snapshot_versions();
    let stats = sample_statistics();
    for pair in versions.windows(2) {
        let (older, newer) = (&pair[0], &pair[1]);
        let newer_stats = serde_json::to_value(stats.at(newer)).unwrap();
        let errors: Vec<String> = statistics_validator(older)
            .iter_errors(&newer_stats)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("Additional properties are not allowed")),
            "the {older} schema must reject the {newer} payload: {errors:?}"
        );
        // The envelope too, and the older payload misses what the newer schema requires.
        assert!(
            !validator(older).is_valid(&payload(newer)),
            "{newer} under {older}"
        );
        assert!(
            !validator(newer).is_valid(&payload(older)),
            "{older} under {newer}"
        );
    }
}

#[test]
fn schemas_are_stable_and_self_describing() {
    let schema = serde_json::to_value(UpdateCheck::schema_at(&v("3.4"))).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["$id"], "urn:metrics:update-check:3.4.0");
    assert_eq!(schema["additionalProperties"], false);
    let stats = &schema["$defs"]["usage-statistics"];
    assert_eq!(stats["additionalProperties"], false);
    let properties: Vec<&String> = stats["properties"].as_object().unwrap().keys().collect();
    let required: Vec<&str> = stats["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(properties, required);
    assert_eq!(properties.len(), 11);
    assert_eq!(
        stats["properties"]["multiTenancy"]["description"],
        "Usage of multi-tenant features (number of tenants, number of tenant tags)"
    );
    assert_eq!(
        schema["$defs"]["multi-tenancy"]["description"],
        "Multi-tenant features in use."
    );
    assert_eq!(schema["$defs"]["step-type"]["enum"][0], "deploy-package");
    let baseline = serde_json::to_value(UpdateCheck::schema_at(&v("0.1"))).unwrap();
    assert_eq!(baseline["$id"], "urn:metrics:update-check:baseline");
}
