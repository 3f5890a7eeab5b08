//! A bounded fuzz run of the decoder, on stable: arbitrary bytes, and valid payloads at
//! several versions, some left valid (untouched, or with whitespace added between tokens),
//! most with byte-level damage (edits, cuts, splices). The decoder must never panic, and
//! whatever it accepts must be valid against the version's schema; both verdicts are
//! exercised in earnest, so "accepted implies valid" is checked on many accepted payloads.
//! `FUZZ_CASES=1000000` runs longer; a failure prints its seed, and `PROPTEST_SEED` replays
//! it; `fuzz/` holds the cargo-fuzz target for nightly.

mod seeded;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use metrics_core::{Limits, Metrics, Version};
use proptest::prelude::*;
use schema::{UpdateCheck, UsageStatistics};
use seeded::Seeded;
use serde_json::Value;

/// The versions the payloads are built at and decoded for.
const VERSIONS: &[&str] = &["2.5", "3.4", "3.12", "2018.2.2"];

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
    /// After the `n`-th digit of the text, one more digit: a number grows tenfold, a hex
    /// digest or id gets too long, a version a larger part; often still JSON.
    Digit(usize, u8),
    /// The `n`-th letter of the text in the other case: an enum value, key or hex digit that
    /// is no longer one.
    Case(usize),
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
        (at(), b'0'..=b'9').prop_map(|(a, d)| Damage::Digit(a, d)),
        at().prop_map(Damage::Case),
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
            Damage::Digit(n, digit) => {
                let digits: Vec<usize> = (0..bytes.len())
                    .filter(|&i| bytes[i].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    bytes.insert(digits[n % digits.len()] + 1, digit);
                }
            }
            Damage::Case(n) => {
                let letters: Vec<usize> = (0..bytes.len())
                    .filter(|&i| bytes[i].is_ascii_alphabetic())
                    .collect();
                if !letters.is_empty() {
                    let at = letters[n % letters.len()];
                    bytes[at] ^= 0x20;
                }
            }
            _ => {}
        }
    }
    bytes
}

/// `T::schema_at(version)` compiled once.
fn valid<T: Metrics>(version: &Version, value: &Value) -> bool {
    type Cache = Mutex<HashMap<(&'static str, Version), &'static jsonschema::Validator>>;
    static VALIDATORS: OnceLock<Cache> = OnceLock::new();
    let validator = *VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((T::NAME, version.clone()))
        .or_insert_with(|| {
            let schema = T::schema_at(version).to_value();
            Box::leak(Box::new(jsonschema::draft202012::new(&schema).unwrap()))
        });
    validator.is_valid(value)
}

/// Limits under which the two reads are compared: the default, and the tightest that the
/// samples meet (one entry per field of the widest struct, the sample's depth), and tighter
/// still.
fn compared_limits() -> [Limits; 3] {
    let fields = UsageStatistics::fields().len();
    let tight = |max_depth, max_map_entries| Limits {
        max_depth,
        max_map_entries,
        ..Limits::default()
    };
    [Limits::default(), tight(3, fields), tight(2, fields / 2)]
}

/// Decodes `bytes` every way; what is accepted must be schema-valid JSON, and the two reads
/// must agree under each of [`compared_limits`]. Returns how many decodings accepted.
fn no_panic_and_sound(bytes: &[u8]) -> Result<usize, TestCaseError> {
    let limits = Limits::default();
    let mut accepted = 0;
    for version in VERSIONS {
        let version = Version::parse(version).unwrap();
        for compared in &compared_limits() {
            metrics_tests::two_reads::<UsageStatistics>(&version, bytes, compared)
                .map_err(TestCaseError::fail)?;
        }
        if UsageStatistics::decode_with(&version, bytes, &limits).is_ok() {
            accepted += 1;
            let value: Value = serde_json::from_slice(bytes).expect("accepted bytes are JSON");
            prop_assert!(
                valid::<UsageStatistics>(&version, &value),
                "accepted at {}, invalid against its schema: {}",
                version,
                String::from_utf8_lossy(bytes)
            );
        }
    }
    if let Ok(decoded) = UpdateCheck::decode_self_versioned(bytes, &limits) {
        accepted += 1;
        let value: Value = serde_json::from_slice(bytes).expect("accepted bytes are JSON");
        prop_assert!(
            valid::<UpdateCheck>(decoded.version(), &value),
            "accepted at {}, invalid against its schema: {}",
            decoded.version(),
            String::from_utf8_lossy(bytes)
        );
    }
    Ok(accepted)
}

/// The sample payloads, each as sent by each version: usage statistics and update checks.
fn valid_payloads() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for version in VERSIONS {
        let version = Version::parse(version).unwrap();
        out.push(serde_json::to_vec(&schema::sample_statistics().at(&version)).unwrap());
        let check = schema::sample_update_check(version.clone());
        out.push(serde_json::to_vec(&check.at(&version)).unwrap());
        out.push(serde_json::to_vec_pretty(&check.at(&version)).unwrap());
    }
    out
}

/// Whitespace after the structural characters at `positions` (counted among them): the
/// payload stays the same JSON.
fn add_whitespace(bytes: &[u8], positions: &[(usize, u8)]) -> Vec<u8> {
    let structural: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b','))
        .map(|(i, _)| i)
        .collect();
    let mut out = bytes.to_vec();
    let mut at: Vec<(usize, u8)> = positions
        .iter()
        .map(|&(n, ws)| (structural[n % structural.len()] + 1, ws))
        .collect();
    at.sort();
    for (offset, (index, ws)) in at.into_iter().enumerate() {
        out.insert(index + offset, ws);
    }
    out
}

#[test]
fn arbitrary_bytes_never_panic() {
    let strategy = prop_oneof![proptest::collection::vec(any::<u8>(), 0..256), json_soup()];
    let mut seeded = Seeded::new("FUZZ_CASES", 3000);
    let result = seeded
        .runner
        .run(&strategy, |bytes| no_panic_and_sound(&bytes).map(|_| ()));
    seeded.check(result);
}

/// What is done to a valid payload.
#[derive(Clone, Debug)]
enum Treatment {
    Untouched,
    Whitespace(Vec<(usize, u8)>),
    Damaged(Vec<Damage>),
}

#[test]
fn damaged_and_valid_payloads_never_panic_and_what_is_accepted_is_valid() {
    let payloads = valid_payloads();
    for payload in &payloads {
        assert!(
            no_panic_and_sound(payload).unwrap() > 0,
            "a sample is rejected"
        );
    }
    let whitespace = proptest::sample::select(b" \t\n\r".to_vec());
    let treatment = prop_oneof![
        1 => Just(Treatment::Untouched),
        2 => proptest::collection::vec((0usize..4096, whitespace), 1..8)
            .prop_map(Treatment::Whitespace),
        7 => proptest::collection::vec(damage(), 1..6).prop_map(Treatment::Damaged),
    ];
    let strategy = (proptest::sample::select(payloads), treatment);
    let (accepted, total) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut seeded = Seeded::new("FUZZ_CASES", 3000);
    let result = seeded.runner.run(&strategy, |(payload, treatment)| {
        let bytes = match &treatment {
            Treatment::Untouched => payload,
            Treatment::Whitespace(at) => add_whitespace(&payload, at),
            Treatment::Damaged(damages) => apply(payload, damages),
        };
        let n = no_panic_and_sound(&bytes)?;
        if !matches!(treatment, Treatment::Damaged(_)) {
            // Valid JSON of a valid payload: some decoding accepts it.
            prop_assert!(n > 0, "rejected: {}", String::from_utf8_lossy(&bytes));
        }
        total.set(total.get() + 1);
        if n > 0 {
            accepted.set(accepted.get() + 1);
        }
        Ok(())
    });
    seeded.check(result);
    // Both verdicts in earnest: "accepted implies valid" ran on a fifth of the cases or more.
    let (accepted, total) = (accepted.get(), total.get());
    assert!(
        accepted * 5 >= total && (total - accepted) * 5 >= total,
        "{accepted} of {total} accepted"
    );
}

/// The reads are compared on both sides of the limits: the tight limits take every sample
/// in the accepting read; the tighter ones none there, and the newest sample in neither read
/// (older ones, with fewer fields, may be within them: the accepting read then leaves them
/// to the validating one, which counts what is sent).
#[test]
fn the_compared_limits_lie_on_both_sides_of_the_samples() {
    use metrics_core::__private::{read_accepting, read_validating};
    let [_, tight, tighter] = compared_limits();
    for version in VERSIONS {
        let version = Version::parse(version).unwrap();
        let bytes = serde_json::to_vec(&schema::sample_statistics().at(&version)).unwrap();
        assert!(read_accepting::<UsageStatistics>(&version, &bytes, &tight).is_some());
        assert!(read_accepting::<UsageStatistics>(&version, &bytes, &tighter).is_none());
        let validated = read_validating::<UsageStatistics>(&version, &bytes, &tighter);
        if version == Version::new(2018, 2, 2) {
            assert!(validated.is_err());
        }
    }
}
