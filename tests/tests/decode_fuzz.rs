//! A bounded fuzz run of the decoder, on stable: arbitrary bytes, and valid payloads with
//! byte-level damage (edits, cuts, splices). The decoder must never panic, and whatever it
//! accepts must be valid against the version's schema. `FUZZ_CASES=1000000` runs longer;
//! `fuzz/` holds the cargo-fuzz target for nightly.

use metrics_core::{Limits, Metrics, Version};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use schema::{UpdateCheck, UsageStatistics};
use serde_json::Value;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Bytes that look like JSON often enough to get past the first token.
fn json_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        any::<u8>().prop_map(|b| vec![b]),
        proptest::sample::select(vec![
            "{",
            "}",
            "[",
            "]",
            ":",
            ",",
            "\"",
            "null",
            "true",
            "-",
            "0",
            "1e",
            "9999999999999999999999",
            "\"version\"",
            "\"3.4.0\"",
            "\"environments\"",
            "\"deploymentSteps\"",
            "\"run-script\"",
            "\\u0000",
            "\\ud800",
            "\u{fffd}",
            " ",
            "1.5",
            "NaN",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ];
    proptest::collection::vec(token, 0..64).prop_map(|tokens| tokens.concat())
}

#[derive(Clone, Debug)]
enum Damage {
    Set(usize, u8),
    Insert(usize, u8),
    Cut(usize, usize),
    Splice(usize, usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let at = || 0usize..4096;
    prop_oneof![
        (at(), any::<u8>()).prop_map(|(a, b)| Damage::Set(a, b)),
        (
            at(),
            proptest::sample::select(b"{}[]\":,-0e.\\ \xff".to_vec())
        )
            .prop_map(|(a, b)| Damage::Insert(a, b)),
        (at(), 0usize..32).prop_map(|(a, n)| Damage::Cut(a, n)),
        (at(), at(), 0usize..64).prop_map(|(a, b, n)| Damage::Splice(a, b, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for damage in damages {
        let len = bytes.len().max(1);
        match *damage {
            Damage::Set(a, b) if !bytes.is_empty() => bytes[a % len] = b,
            Damage::Insert(a, b) => bytes.insert(a % (bytes.len() + 1), b),
            Damage::Cut(a, n) if !bytes.is_empty() => {
                let start = a % len;
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Damage::Splice(a, b, n) if !bytes.is_empty() => {
                let (from, to) = (a % len, b % len);
                let piece: Vec<u8> = bytes[from..(from + n).min(bytes.len())].to_vec();
                bytes.splice(to..to, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// Decodes `bytes` every way; what is accepted must be schema-valid JSON.
fn no_panic_and_sound(bytes: &[u8]) -> Result<(), TestCaseError> {
    let limits = Limits::default();
    for version in ["2.5", "3.4", "2018.2.2"] {
        let version = Version::parse(version).unwrap();
        if UsageStatistics::decode_with(&version, bytes, &limits).is_ok() {
            let value: Value = serde_json::from_slice(bytes).expect("accepted bytes are JSON");
            let schema = UsageStatistics::schema_at(&version).to_value();
            prop_assert!(jsonschema::draft202012::is_valid(&schema, &value));
        }
    }
    if let Ok(decoded) = UpdateCheck::decode_self_versioned(bytes, &limits) {
        let value: Value = serde_json::from_slice(bytes).expect("accepted bytes are JSON");
        let schema = UpdateCheck::schema_at(decoded.version()).to_value();
        prop_assert!(jsonschema::draft202012::is_valid(&schema, &value));
    }
    Ok(())
}

#[test]
fn arbitrary_bytes_never_panic() {
    let strategy = prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), json_soup()];
    runner()
        .run(&strategy, |bytes| no_panic_and_sound(&bytes))
        .unwrap();
}

#[test]
fn damaged_payloads_never_panic() {
    let version = Version::parse("3.4").unwrap();
    let payload =
        serde_json::to_vec(&schema::sample_update_check(version.clone()).at(&version)).unwrap();
    assert!(UpdateCheck::decode_self_versioned(&payload, &Limits::default()).is_ok());
    let strategy = proptest::collection::vec(damage(), 1..6);
    let accepted = std::cell::Cell::new(0);
    runner()
        .run(&strategy, |damages| {
            let bytes = apply(payload.clone(), &damages);
            if UpdateCheck::decode_self_versioned(&bytes, &Limits::default()).is_ok() {
                accepted.set(accepted.get() + 1);
            }
            no_panic_and_sound(&bytes)
        })
        .unwrap();
    // Some damage is harmless (inside a number, whitespace): the accept path ran too.
    assert!(accepted.get() > 0);
}
