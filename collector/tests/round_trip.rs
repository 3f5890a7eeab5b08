//! Client → collector → database → query, at every version of the reference model, against
//! SQLite and PostgreSQL.

mod common;

use client::{Consent, Retry, SendOutcome};
use common::Server;
use metrics_core::{Metrics, Version};
use schema::UpdateCheck;
use serde_json::Value;

/// Every schema of the reference model: a version below the first change point (the
/// baseline), each change point, and a pre-release (gated as its release).
fn versions() -> Vec<Version> {
    let mut versions = vec![Version::parse("2.5.0").unwrap()];
    versions.extend(UpdateCheck::versions());
    versions.push(Version::parse("3.4.0-beta.2").unwrap());
    versions
}

fn retry() -> Retry {
    Retry {
        max_attempts: 1,
        ..Retry::default()
    }
}

/// What a leaf holds in a payload, the way the query sums it.
fn expected(payload: &Value, pointer: &str) -> Option<f64> {
    match payload.pointer(pointer)? {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn round_trip(server: &Server) {
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap();
    let mut sent = Vec::new();
    for version in versions() {
        let body = client::payload(
            &version,
            id,
            Consent::UpdatesAndUsage,
            schema::sample_statistics,
        )
        .expect("consent is on");
        // Two installations per version, to see the sums add up.
        for _ in 0..2 {
            let doc = uuid::Uuid::new_v4();
            let outcome = client::send(
                &server.endpoint(),
                "update-check",
                &version,
                doc,
                &body,
                &retry(),
            );
            assert_eq!(
                outcome,
                SendOutcome::Accepted {
                    status: 201,
                    attempts: 1
                },
                "at {version}"
            );
            let stored = server.rt.block_on(server.store.body(doc)).unwrap();
            let stored: Value = serde_json::from_str(&stored.expect("stored")).unwrap();
            assert_eq!(stored, serde_json::from_str::<Value>(&body).unwrap());
        }
        sent.push((version, serde_json::from_str::<Value>(&body).unwrap()));
    }
    // An installation that only checks for updates: its statistics are NULL, not zero.
    let updates_only = Version::parse("2018.2.2").unwrap();
    let body = client::payload(&updates_only, id, Consent::Updates, || {
        panic!("statistics gathered without consent")
    })
    .unwrap();
    let doc = uuid::Uuid::new_v4();
    let outcome = client::send(
        &server.endpoint(),
        "update-check",
        &updates_only,
        doc,
        &body,
        &retry(),
    );
    assert!(
        matches!(outcome, SendOutcome::Accepted { .. }),
        "{outcome:?}"
    );

    let rows = server.rt.block_on(server.store.daily()).unwrap();
    let leaves = collector::leaf_paths(&schema::models()[0]);
    assert!(leaves.len() > 30, "{leaves:?}");
    for (version, payload) in &sent {
        let key = version.to_string();
        let of_version: Vec<_> = rows.iter().filter(|r| r.version == key).collect();
        // One row per leaf of the model, whether this version has it or not.
        let mut metrics: Vec<_> = of_version.iter().map(|r| r.metric.clone()).collect();
        metrics.sort();
        let mut all = leaves.clone();
        all.sort();
        assert_eq!(metrics, all, "at {version}");
        for row in of_version {
            let (submissions, reported, sum) = if key == "2018.2.2" {
                // Two opted-in payloads and the updates-only one.
                let value = expected(payload, &row.metric);
                (3, 2 * i64::from(value.is_some()), value.map(|v| 2.0 * v))
            } else {
                let value = expected(payload, &row.metric);
                (2, 2 * i64::from(value.is_some()), value.map(|v| 2.0 * v))
            };
            assert_eq!(row.payload, "update-check");
            assert_eq!(row.submissions, submissions, "{key} {}", row.metric);
            assert_eq!(row.reported, reported, "{key} {}", row.metric);
            assert_eq!(row.sum, sum, "{key} {}", row.metric);
        }
    }

    // Spot checks against the model's history, independent of the payloads above.
    let sum = |version: &str, metric: &str| {
        rows.iter()
            .find(|r| r.version == version && r.metric == metric)
            .unwrap_or_else(|| panic!("no row for {version} {metric}"))
            .sum
    };
    assert_eq!(sum("2.5.0", "/usageStatistics/environments"), Some(12.0));
    assert_eq!(
        sum("2.5.0", "/usageStatistics/memory"),
        None,
        "memory is from 2.6 on"
    );
    assert_eq!(
        sum("2.6.0", "/usageStatistics/memory"),
        Some(2.0 * 1536.0 * 1024.0 * 1024.0)
    );
    assert_eq!(sum("2.6.0", "/usageStatistics/channels"), None);
    assert_eq!(sum("3.2.0", "/usageStatistics/channels"), Some(424.0));
    assert_eq!(
        sum("3.4.0-beta.2", "/usageStatistics/multiTenancy/tenants"),
        Some(128.0)
    );
    assert_eq!(
        sum("3.12.0", "/usageStatistics/timeToFirstDeployment"),
        Some(2.0 * 8_220_000.0)
    );
    assert_eq!(sum("3.15.0", "/usageStatistics/usesLetsEncrypt"), Some(2.0));
    assert_eq!(sum("2018.2.2", "/usageStatistics/workers"), Some(24.0));
    assert_eq!(
        sum("2018.2.2", "/usageStatistics/communitySteps/notification"),
        Some(28.0)
    );
    assert_eq!(
        sum(
            "2018.2.2",
            "/usageStatistics/deploymentSteps/deploy-windows-service"
        ),
        None
    );

    // The same rows through the HTTP endpoint.
    let (status, text) = common::get(&format!("{}/stats", server.endpoint()));
    assert_eq!(status, 200);
    let over_http: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(over_http.len(), rows.len());
}

#[test]
fn round_trip_at_every_version_sqlite() {
    round_trip(&Server::sqlite());
}

#[test]
fn round_trip_at_every_version_postgres() {
    round_trip(&Server::postgres());
}
