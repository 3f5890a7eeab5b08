//! Client → collector → database, at every version of the reference model, against SQLite
//! and PostgreSQL: the raw body is kept, every leaf column holds exactly what was sent (NULL
//! where the version lacks the leaf or the user did not opt in), the version is normalized.

mod common;

use client::{Consent, Retry, SendOutcome};
use collector::Stored;
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

/// What a column must hold for `payload`: the leaf's value as sent, `None` where the
/// payload does not have it.
fn expected(payload: &Value, pointer: &str) -> Option<Stored> {
    match payload.pointer(pointer)? {
        Value::Number(n) if n.is_u64() => Some(Stored::Count(n.as_u64().unwrap())),
        Value::Number(n) => Some(Stored::Percent(n.as_f64().unwrap())),
        Value::Bool(b) => Some(Stored::Flag(*b)),
        Value::String(s) => Some(Stored::Text(s.clone())),
        _ => None,
    }
}

/// Every leaf column of a stored document equals the value sent (or NULL).
fn assert_stored_exactly(server: &Server, doc: uuid::Uuid, payload: &Value) {
    let table = &server.store.tables()[0];
    let stored = server
        .rt
        .block_on(server.store.leaf_values("update-check", doc))
        .unwrap()
        .expect("stored");
    assert_eq!(stored.len(), table.columns.len());
    for (column, (name, value)) in table.columns.iter().zip(stored) {
        assert_eq!(name, column.name);
        assert_eq!(value, expected(payload, &column.pointer), "{name}");
    }
}

fn round_trip(server: &Server) {
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap();
    let mut sent = Vec::new();
    for version in versions() {
        let body = client::payload::<schema::UpdateCheck>(
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
            assert_eq!(
                stored.as_deref(),
                Some(body.as_str()),
                "the raw body is kept"
            );
            let value: Value = serde_json::from_str(&body).unwrap();
            assert_stored_exactly(server, doc, &value);
            let normalized = server.rt.block_on(server.store.version(doc)).unwrap();
            assert_eq!(normalized, Some(version.to_string()));
        }
        sent.push((version, serde_json::from_str::<Value>(&body).unwrap()));
    }
    // An installation that only checks for updates: its statistics are NULL, not zero.
    let updates_only = Version::parse("2018.2.2").unwrap();
    let body = client::payload::<schema::UpdateCheck>(&updates_only, id, Consent::Updates, || {
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

    // Its statistics are NULL, not zero.
    assert_stored_exactly(server, doc, &serde_json::from_str(&body).unwrap());
    let columns = server
        .rt
        .block_on(server.store.leaf_values("update-check", doc))
        .unwrap()
        .unwrap();
    assert!(columns.iter().all(|(_, value)| value.is_none()));

    // Spot checks against the model's history, independent of the payloads above.
    let value = |version: &str, column: &str| {
        let (_, payload) = sent.iter().find(|(v, _)| v.to_string() == version).unwrap();
        let pointer = &server.store.tables()[0]
            .columns
            .iter()
            .find(|c| c.name == column)
            .unwrap_or_else(|| panic!("no column {column}"))
            .pointer;
        expected(payload, pointer)
    };
    assert_eq!(
        value("2.5.0", "usage_statistics__environments"),
        Some(Stored::Count(6))
    );
    assert_eq!(
        value("2.5.0", "usage_statistics__memory"),
        None,
        "memory is from 2.6 on"
    );
    assert_eq!(
        value("2.6.0", "usage_statistics__memory"),
        Some(Stored::Count(1536 * 1024 * 1024))
    );
    assert_eq!(
        value("3.2.0", "usage_statistics__channels"),
        Some(Stored::Count(212))
    );
    assert_eq!(
        value("3.4.0-beta.2", "usage_statistics__multi_tenancy__tenants"),
        Some(Stored::Count(64))
    );
    assert_eq!(
        value("3.12.0", "usage_statistics__time_to_first_deployment"),
        Some(Stored::Count(8_220_000))
    );
    assert_eq!(
        value("3.15.0", "usage_statistics__uses_lets_encrypt"),
        Some(Stored::Flag(true))
    );
    assert_eq!(
        value(
            "2018.2.2",
            "usage_statistics__deployment_steps__deploy_windows_service"
        ),
        None,
        "a map key the sample does not send is NULL"
    );
}

#[test]
fn round_trip_at_every_version_sqlite() {
    round_trip(&Server::sqlite());
}

#[test]
fn round_trip_at_every_version_postgres() {
    round_trip(&Server::postgres());
}
