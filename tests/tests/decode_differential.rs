//! Differential tests: `T::decode` accepts a payload if and only if the `jsonschema` crate
//! finds it valid against `T::schema_at(version)`. Valid payloads are generated at every
//! version of the reference model (and of a test model with `#[until]` fields and gated
//! enum variants), then mutated: missing, extra, later or retired fields, wrong types,
//! negative or too large counts, out-of-range percents, bad hashes, bad enum values and
//! keys, null, wrong top-level type, truncation, and duplicate keys spliced into the bytes.
//! `PROPTEST_CASES` raises the count; a failure prints its seed, and `PROPTEST_SEED`
//! replays it.
//!
//! `decode` reads a payload with a fast accepting read, then, if that does not take it, with
//! the validating read: each case also checks that whatever the first takes, the second
//! accepts with the same value, and that the first takes every unmutated payload.
//!
//! The one deliberate difference, a duplicate key: the decoder rejects every payload with
//! one, where `jsonschema` (reading a `Value`, which keeps the last value) may accept it;
//! when `jsonschema` accepts, the decoder's violations name the duplicate. Hand-written cases
//! are at the end.

mod seeded;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics_core::{
    Bytes, InstallationId, Limits, MetricEnum, Metrics, Percent, Sha1Digest, Version,
};
use proptest::prelude::*;
use schema::{
    CloudAccounts, CommunityStep, MultiTenancy, ReleasesAndDeployments, StepType, UpdateCheck,
    UsageStatistics,
};
use seeded::Seeded;
use serde_json::Value;

// ----- a second model: retired fields, gated variants, small integer types -----

/// A test model with what the reference model lacks: `#[until]`, gated enum variants,
/// `u8`/`u16`/`u32` ranges, an optional nested struct.
#[derive(Metrics, Debug)]
#[metrics(rename_all = "camelCase")]
struct Legacy {
    /// Count
    count: u8,
    #[until("2.0")]
    /// Old flag
    old_flag: bool,
    #[since("1.5")]
    #[until("3.0")]
    /// Mid
    mid: u16,
    #[since("2.0")]
    /// Kinds
    kinds: BTreeMap<Kind, u32>,
    #[since("2.0")]
    /// Kind
    kind: Kind,
    /// Ratio
    ratio: Percent,
    /// Maybe
    maybe: Option<Inner>,
    /// Inner
    inner: Inner,
}

#[derive(Metrics, Debug)]
struct Inner {
    /// A
    a: u64,
    #[since("2.5")]
    /// B
    b: Option<u32>,
}

#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "kebab-case")]
enum Kind {
    Alpha,
    #[since("2.5")]
    Beta,
    #[until("2.5")]
    Gamma,
}

const LEGACY_VERSIONS: &[&str] = &["1.0", "1.5", "1.9.9", "2.0", "2.4.9", "2.5", "3.0", "3.1"];

/// Every change point of the reference model, versions between them and a pre-release.
const REFERENCE_VERSIONS: &[&str] = &[
    "1.0",
    "2.6",
    "3.0",
    "3.2",
    "3.4.0-beta.1",
    "3.4",
    "3.11.2",
    "3.12",
    "3.15",
    "3.16.1",
    "2018.2.2",
    "2019.1",
];

// ----- generators of valid values -----

fn count() -> impl Strategy<Value = u64> + Clone {
    prop_oneof![0u64..1000, any::<u64>(), Just(u64::MAX)]
}

fn percent() -> impl Strategy<Value = Percent> {
    prop_oneof![
        (0.0f64..=100.0).prop_map(|p| Percent::new(p).unwrap()),
        Just(Percent::new(0.0).unwrap()),
        Just(Percent::new(100.0).unwrap()),
    ]
}

fn enum_map<
    K: MetricEnum + Ord + Copy + std::fmt::Debug + 'static,
    V: std::fmt::Debug + Clone + 'static,
>(
    variants: Vec<K>,
    value: impl Strategy<Value = V> + Clone + 'static,
) -> impl Strategy<Value = BTreeMap<K, V>> {
    proptest::collection::vec((proptest::sample::select(variants), value), 0..6)
        .prop_map(|entries| entries.into_iter().collect())
}

/// A generated value of a reference-model type, shown by its newest payload.
struct Sample<T>(T);

impl<T: Metrics> std::fmt::Debug for Sample<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let newest = Version::new(9999, 0, 0);
        match serde_json::to_string(&self.0.at(&newest)) {
            Ok(json) => f.write_str(&json),
            Err(error) => write!(f, "<{error}>"),
        }
    }
}

/// Every value of a closed enum, in declaration order.
fn every<E: MetricEnum>() -> Vec<E> {
    (0..E::variants().len())
        .filter_map(E::from_variant_index)
        .collect()
}

fn statistics() -> impl Strategy<Value = Sample<UsageStatistics>> {
    // Every variant, from the enums' own tables: a new variant is covered without a
    // change here.
    let steps = every::<StepType>();
    let community = every::<CommunityStep>();
    (
        (
            count(),
            count(),
            count(),
            enum_map(steps, count()),
            count(),
            count(),
        ),
        (
            any::<[u8; 8]>(),
            count(),
            percent(),
            count(),
            count(),
            count(),
            count(),
        ),
        (
            proptest::option::of(count()),
            any::<bool>(),
            any::<bool>(),
            enum_map(community, count()),
            count(),
            count(),
            any::<bool>(),
            count(),
        ),
    )
        .prop_map(|(a, b, c)| {
            Sample(UsageStatistics {
                environments: a.0,
                machines: a.1,
                projects: a.2,
                deployment_steps: a.3,
                releases_and_deployments: ReleasesAndDeployments {
                    releases: a.4,
                    deployments: a.5,
                },
                users: b.1,
                license_serial_hash: Sha1Digest::of(b.0),
                memory: Bytes(b.3),
                cpu: b.2,
                channels: b.4,
                multi_tenancy: MultiTenancy {
                    tenants: b.5,
                    tenant_tags: b.6,
                },
                certificates: c.7,
                time_to_first_deployment: c.0.map(Duration::from_millis),
                uses_lets_encrypt: c.1,
                uses_guest_account: c.2,
                community_steps: c.3,
                cloud_accounts: CloudAccounts {
                    azure_accounts: c.4,
                    aws_accounts: c.5,
                },
                built_in_worker_custom_account: c.6,
                workers: b.1 / 2,
            })
        })
}

fn legacy_at(version: &Version) -> impl Strategy<Value = Legacy> + use<> {
    let kinds: Vec<Kind> = [Kind::Alpha, Kind::Beta, Kind::Gamma]
        .into_iter()
        .filter(|k| k.variant().availability().exists_at(version.release()))
        .collect();
    let inner =
        || (any::<u64>(), proptest::option::of(any::<u32>())).prop_map(|(a, b)| Inner { a, b });
    (
        any::<u8>(),
        any::<bool>(),
        any::<u16>(),
        enum_map(kinds.clone(), any::<u32>()),
        proptest::sample::select(kinds),
        percent(),
        proptest::option::of(inner()),
        inner(),
    )
        .prop_map(
            |(count, old_flag, mid, kinds, kind, ratio, maybe, inner)| Legacy {
                count,
                old_flag,
                mid,
                kinds,
                kind,
                ratio,
                maybe,
                inner,
            },
        )
}

// ----- mutations -----

/// Values that break some field's schema (and a few that satisfy it: `1.0` is an integer).
const ODD_VALUES: &[&str] = &[
    "-1",
    "1.5",
    "1.0",
    "1e3",
    "-0.0",
    "0",
    "255",
    "256",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "100000000000000000000000",
    "1e20",
    "100",
    "100.0",
    "100.5",
    "101",
    "0.25",
    "-5",
    "-1e400000000000000000000000000000000000000",
    "\"x\"",
    "\"\"",
    "\"12\"",
    "true",
    "false",
    "null",
    "[]",
    "[1]",
    "{}",
    "{\"a\":1}",
    "\"a9993e364706816aba3e25717850c26c9cd0d89d\"",
    "\"A9993E364706816ABA3E25717850C26C9CD0D89D\"",
    "\"a9993e364706816aba3e25717850c26c9cd0d89\"",
    "\"a9993e364706816aba3e25717850c26c9cd0d89d\\n\"",
    "\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"",
    "\"7C9E6679-7425-40DE-944B-E07FC1F90AE7\"",
    "\"7c9e66797425-40de-944b-e07fc1f90ae7a\"",
    "\"3.4.0\"",
    "\"3.4\"",
    "\"01.2.3\"",
    "\"1.2.3-beta.01\"",
    "\"1.2.3-beta.1+build.01\"",
    "\"99999999999999999999.0.0\"",
    "\"9999999999999999999.0.0\"",
    "\"deploy-package\"",
    "\"cloud\"",
    "\"alpha\"",
    "\"beta\"",
    "\"gamma\"",
    "\"nope\"",
];

/// Keys that are not, or not always, fields or map keys.
const ODD_KEYS: &[&str] = &[
    "extra",
    "",
    "deploy-package",
    "run-script",
    "other",
    "cloud",
    "alpha",
    "beta",
    "gamma",
    "Alpha",
    "tenants",
    "multiTenancy",
    "oldFlag",
    "mid",
    "b",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// Remove the `n`-th key of the `at`-th object.
    Remove { at: usize, n: usize },
    /// Add a key taken from the same object in another version's payload.
    Borrow { at: usize, other: usize, n: usize },
    /// Add an odd key with an odd value.
    AddOdd { at: usize, key: usize, value: usize },
    /// Replace the `at`-th value (any node) with an odd value.
    Replace { at: usize, value: usize },
    /// Replace the whole payload with a scalar or array.
    TopLevel { value: usize },
    /// Cut the serialized bytes.
    Truncate { at: usize },
    /// Repeat the `n`-th entry of the `at`-th object in the bytes, with the same value or an
    /// odd one (a `Value` cannot hold a repeated key: this edits the text).
    Duplicate {
        at: usize,
        n: usize,
        value: Option<usize>,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = || 0usize..1000;
    prop_oneof![
        2 => (n(), n()).prop_map(|(at, n)| Mutation::Remove { at, n }),
        2 => (n(), n(), n()).prop_map(|(at, other, n)| Mutation::Borrow { at, other, n }),
        2 => (n(), n(), n()).prop_map(|(at, key, value)| Mutation::AddOdd { at, key, value }),
        5 => (n(), n()).prop_map(|(at, value)| Mutation::Replace { at, value }),
        1 => n().prop_map(|value| Mutation::TopLevel { value }),
        1 => n().prop_map(|at| Mutation::Truncate { at }),
        2 => (n(), n(), proptest::option::of(n()))
            .prop_map(|(at, n, value)| Mutation::Duplicate { at, n, value }),
    ]
}

/// The JSON pointers of every node of `value`, objects first.
fn nodes(value: &Value, pointer: String, objects: &mut Vec<String>, all: &mut Vec<String>) {
    all.push(pointer.clone());
    if let Value::Object(map) = value {
        objects.push(pointer.clone());
        for (key, child) in map {
            let escaped = key.replace('~', "~0").replace('/', "~1");
            nodes(child, format!("{pointer}/{escaped}"), objects, all);
        }
    }
}

fn odd(index: usize) -> Value {
    serde_json::from_str(ODD_VALUES[index % ODD_VALUES.len()])
        .unwrap_or_else(|_| Value::String("unparsable".into()))
}

/// A repeated entry to write: in the object at `object`, after its `index`-th entry, the
/// same key again with `value` (or the same value).
struct Splice {
    object: String,
    index: usize,
    value: Option<Value>,
}

/// Applies `mutations` to `payload`; `others` are the same value at other versions (their
/// fields are later or retired ones here). Returns the bytes to decode, and the JSON pointer
/// of the key written twice, if a duplicate was spliced in.
fn mutate(
    mut payload: Value,
    others: &[Value],
    mutations: &[Mutation],
) -> (Vec<u8>, Option<String>) {
    let mut truncate = None;
    let mut splice = None;
    for mutation in mutations {
        let (mut objects, mut all) = (Vec::new(), Vec::new());
        nodes(&payload, String::new(), &mut objects, &mut all);
        if objects.is_empty() {
            // Replaced by a scalar or array: nothing left to edit.
            objects.push("/nowhere".to_owned());
        }
        match *mutation {
            Mutation::Remove { at, n } => {
                if let Some(Value::Object(map)) = payload.pointer_mut(&objects[at % objects.len()])
                    && !map.is_empty()
                {
                    let key = map.keys().nth(n % map.len()).unwrap().clone();
                    map.shift_remove(&key);
                }
            }
            Mutation::Borrow { at, other, n } => {
                let pointer = objects[at % objects.len()].clone();
                let source = others[other % others.len()].pointer(&pointer).cloned();
                if let (Some(Value::Object(source)), Some(Value::Object(map))) =
                    (source, payload.pointer_mut(&pointer))
                    && !source.is_empty()
                {
                    let (key, value) = source.iter().nth(n % source.len()).unwrap();
                    map.insert(key.clone(), value.clone());
                }
            }
            Mutation::AddOdd { at, key, value } => {
                if let Some(Value::Object(map)) = payload.pointer_mut(&objects[at % objects.len()])
                {
                    map.insert(ODD_KEYS[key % ODD_KEYS.len()].to_owned(), odd(value));
                }
            }
            Mutation::Replace { at, value } => {
                if let Some(node) = payload.pointer_mut(&all[at % all.len()]) {
                    *node = odd(value);
                }
            }
            Mutation::TopLevel { value } => {
                let candidates = ["1", "\"x\"", "[]", "null", "true", "[{}]"];
                payload = serde_json::from_str(candidates[value % candidates.len()]).unwrap();
            }
            Mutation::Truncate { at } => truncate = Some(at),
            Mutation::Duplicate { at, n, value } => {
                splice = Some(Splice {
                    object: objects[at % objects.len()].clone(),
                    index: n,
                    value: value.map(odd),
                })
            }
        }
    }
    let mut bytes = Vec::new();
    let mut duplicated = None;
    write(&payload, "", splice.as_ref(), &mut duplicated, &mut bytes);
    if let Some(at) = truncate {
        bytes.truncate(at % bytes.len().max(1));
    }
    (bytes, duplicated)
}

/// Writes `value` as JSON, repeating the entry `splice` names (its pointer goes to
/// `duplicated`).
fn write(
    value: &Value,
    pointer: &str,
    splice: Option<&Splice>,
    duplicated: &mut Option<String>,
    out: &mut Vec<u8>,
) {
    let Value::Object(map) = value else {
        out.extend(serde_json::to_vec(value).unwrap());
        return;
    };
    let repeat = splice
        .filter(|s| s.object == pointer && !map.is_empty())
        .map(|s| (s.index % map.len(), s));
    out.push(b'{');
    for (index, (key, child)) in map.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let child_pointer = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        out.extend(serde_json::to_vec(key).unwrap());
        out.push(b':');
        write(child, &child_pointer, splice, duplicated, out);
        if let Some((at, splice)) = repeat
            && at == index
        {
            out.push(b',');
            out.extend(serde_json::to_vec(key).unwrap());
            out.push(b':');
            out.extend(serde_json::to_vec(splice.value.as_ref().unwrap_or(child)).unwrap());
            *duplicated = Some(child_pointer);
        }
    }
    out.push(b'}');
}

// ----- the oracle -----

/// `jsonschema`'s verdict on `bytes` against `T::schema_at(version)`; `None` when the bytes
/// are not JSON at all. Validators are compiled once per schema.
fn oracle<T: Metrics>(version: &Version, bytes: &[u8]) -> Option<bool> {
    type Cache = Mutex<HashMap<(String, String), &'static jsonschema::Validator>>;
    static VALIDATORS: OnceLock<Cache> = OnceLock::new();
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let schema = T::schema_at(version);
    let id = schema.get("$id").unwrap().as_str().unwrap().to_owned();
    let validator = *VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((T::NAME.to_owned(), id))
        .or_insert_with(|| {
            Box::leak(Box::new(
                jsonschema::draft202012::new(&schema.to_value()).unwrap(),
            ))
        });
    Some(validator.is_valid(&value))
}

/// The decoder and `jsonschema` agree on `bytes`, but for a key written twice
/// (`duplicated`): the decoder rejects it always, and when `jsonschema` (which keeps the last
/// value) finds the payload valid, the decoder's violations name that key.
fn check_agreement<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    duplicated: Option<&str>,
    decoded: Result<(), metrics_core::Violations>,
) -> Result<(), TestCaseError> {
    let text = String::from_utf8_lossy(bytes);
    match (oracle::<T>(version, bytes), duplicated) {
        (None, _) => prop_assert!(
            decoded.is_err(),
            "not JSON, but accepted at {version}: {text}"
        ),
        (Some(valid), Some(pointer)) => {
            let Err(errors) = decoded else {
                return Err(TestCaseError::fail(format!(
                    "at {version}: the key {pointer} is repeated, but the decoder accepts: {text}"
                )));
            };
            prop_assert!(
                !valid
                    || errors
                        .iter()
                        .any(|v| v.rule == "duplicateKey" && v.pointer == pointer),
                "at {}: jsonschema accepts the last value of the repeated key {}, and the decoder rejects without naming it: {}: {}",
                version,
                pointer,
                errors,
                text
            );
        }
        (Some(valid), None) => {
            let accepted = decoded.is_ok();
            prop_assert_eq!(
                accepted,
                valid,
                "at {}: decoder {} ({:?}), jsonschema says {}: {}",
                version,
                if accepted { "accepts" } else { "rejects" },
                decoded.err().map(|e| e.to_string()),
                if valid { "valid" } else { "invalid" },
                text
            );
        }
    }
    Ok(())
}

/// `decode`'s two reads agree on `bytes`: what the accepting read takes, the validating read
/// accepts with the same value; and an unmutated payload is taken by the accepting read
/// (a valid payload is read once, with the default limits).
fn check_reads<T: Metrics>(
    version: &Version,
    bytes: &[u8],
    unmutated: bool,
) -> Result<(), TestCaseError> {
    let taken = metrics_tests::two_reads::<T>(version, bytes, &Limits::default())
        .map_err(TestCaseError::fail)?;
    prop_assert!(
        taken || !unmutated,
        "at {}: a valid payload is not taken by the accepting read: {}",
        version,
        String::from_utf8_lossy(bytes)
    );
    Ok(())
}

fn versions(list: &[&str]) -> Vec<Version> {
    list.iter().map(|v| Version::parse(v).unwrap()).collect()
}

#[test]
fn usage_statistics_decoder_agrees_with_jsonschema() {
    let versions = versions(REFERENCE_VERSIONS);
    let strategy = (
        statistics(),
        proptest::sample::select(versions.clone()),
        proptest::collection::vec(mutation(), 0..3),
    );
    let (accepted, rejected) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let duplicates = std::cell::Cell::new(0);
    let mut seeded = Seeded::new("PROPTEST_CASES", 3000);
    let result = seeded
        .runner
        .run(&strategy, |(Sample(stats), version, mutations)| {
            let payload = serde_json::to_value(stats.at(&version)).unwrap();
            let others: Vec<Value> = versions
                .iter()
                .map(|v| serde_json::to_value(stats.at(v)).unwrap())
                .collect();
            let (bytes, duplicated) = mutate(payload, &others, &mutations);
            let decoded = UsageStatistics::decode(&version, &bytes).map(|_| ());
            check_reads::<UsageStatistics>(&version, &bytes, mutations.is_empty())?;
            if mutations.is_empty() {
                prop_assert!(decoded.is_ok(), "{:?}", decoded.as_ref().err());
            }
            let tally = if decoded.is_ok() {
                &accepted
            } else {
                &rejected
            };
            tally.set(tally.get() + 1);
            if duplicated.is_some() {
                duplicates.set(duplicates.get() + 1);
            }
            check_agreement::<UsageStatistics>(&version, &bytes, duplicated.as_deref(), decoded)
        });
    seeded.check(result);
    // Both verdicts were exercised in earnest, and duplicates were spliced in.
    let (accepted, rejected) = (accepted.get(), rejected.get());
    assert!(accepted > 300 && rejected > 300, "{accepted} / {rejected}");
    let duplicates = duplicates.get();
    assert!(
        duplicates * 20 > accepted + rejected,
        "{duplicates} duplicates"
    );
}

#[test]
fn legacy_model_decoder_agrees_with_jsonschema() {
    let versions = versions(LEGACY_VERSIONS);
    let strategy = proptest::sample::select(versions.clone()).prop_flat_map(|version| {
        (
            legacy_at(&version),
            Just(version),
            proptest::collection::vec(mutation(), 0..3),
        )
    });
    let mut seeded = Seeded::new("PROPTEST_CASES", 2000);
    let result = seeded
        .runner
        .run(&strategy, |(legacy, version, mutations)| {
            let payload = serde_json::to_value(legacy.at(&version)).unwrap();
            // Other versions' payloads of the same value, where every variant is sendable.
            let others: Vec<Value> = versions
                .iter()
                .filter_map(|v| serde_json::to_value(legacy.at(v)).ok())
                .collect();
            let (bytes, duplicated) = mutate(payload, &others, &mutations);
            let decoded = Legacy::decode(&version, &bytes).map(|_| ());
            check_reads::<Legacy>(&version, &bytes, mutations.is_empty())?;
            if mutations.is_empty() {
                prop_assert!(decoded.is_ok(), "{:?}", decoded.as_ref().err());
            }
            check_agreement::<Legacy>(&version, &bytes, duplicated.as_deref(), decoded)
        });
    seeded.check(result);
}

#[test]
fn update_check_decodes_by_its_own_version() {
    let versions = versions(REFERENCE_VERSIONS);
    let strategy = (
        statistics(),
        proptest::option::weighted(0.8, Just(())),
        proptest::sample::select(versions.clone()),
        proptest::collection::vec(mutation(), 0..3),
    );
    let mut seeded = Seeded::new("PROPTEST_CASES", 1500);
    let result = seeded.runner.run(
        &strategy,
        |(Sample(stats), opted_in, version, mutations)| {
            let check = UpdateCheck {
                version: version.clone(),
                installation_id: InstallationId::random(),
                usage_statistics: opted_in.map(|()| stats),
            };
            let payload = serde_json::to_value(check.at(&version)).unwrap();
            let others: Vec<Value> = versions
                .iter()
                .map(|v| serde_json::to_value(check.at(v)).unwrap())
                .collect();
            let (bytes, duplicated) = mutate(payload, &others, &mutations);
            let decoded = UpdateCheck::decode_self_versioned(&bytes, &Limits::default());
            // The version the payload claims decides the schema; without a valid claim
            // there is no schema to be valid against.
            let claimed = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("version")?.as_str().map(str::to_owned))
                .and_then(|v| serde_json::from_value::<Version>(Value::String(v)).ok());
            match claimed {
                Some(claimed) if oracle::<UpdateCheck>(&claimed, &bytes).is_some() => {
                    if let Ok(decoded) = &decoded {
                        prop_assert_eq!(decoded.version(), &claimed);
                    }
                    check_agreement::<UpdateCheck>(
                        &claimed,
                        &bytes,
                        duplicated.as_deref(),
                        decoded.map(|_| ()),
                    )
                }
                _ => {
                    // Not JSON, or not an object with a version string: no schema applies.
                    prop_assert!(decoded.is_err());
                    Ok(())
                }
            }
        },
    );
    seeded.check(result);
}

/// A version as a metric value: checked against the schema's semver pattern.
#[derive(Metrics)]
struct Build {
    /// Version
    version: Version,
}

/// Version-like strings: numbers with and without leading zeros, many digits, pre-release
/// and build identifiers, stray characters.
fn version_like() -> impl Strategy<Value = String> {
    let number = prop_oneof![
        2 => Just("0".to_owned()),
        1 => Just("00".to_owned()),
        1 => Just("01".to_owned()),
        6 => (1u64..1000).prop_map(|n| n.to_string()),
        1 => Just("9999999999999999999".to_owned()),
        1 => Just("10000000000000000000".to_owned()),
        1 => Just("18446744073709551616".to_owned()),
    ];
    let identifier = prop_oneof![
        4 => number.clone(),
        4 => Just("beta".to_owned()),
        1 => Just("0a".to_owned()),
        1 => Just("-".to_owned()),
        1 => Just("".to_owned()),
        1 => Just("r\u{e9}".to_owned()),
        1 => Just("x y".to_owned()),
    ];
    let dotted = |part: BoxedStrategy<String>, len: std::ops::Range<usize>| {
        proptest::collection::vec(part, len).prop_map(|parts| parts.join("."))
    };
    let core = prop_oneof![
        4 => dotted(number.clone().boxed(), 3..4),
        1 => dotted(number.boxed(), 1..5),
    ];
    let noise = prop_oneof![
        12 => Just(""),
        1 => Just(" "),
        1 => Just("\n"),
        1 => Just("v"),
    ];
    (
        core,
        proptest::option::of(dotted(identifier.clone().boxed(), 1..3)),
        proptest::option::of(dotted(identifier.boxed(), 1..3)),
        noise,
    )
        .prop_map(|(core, pre, build, noise)| {
            let mut text = core;
            if let Some(pre) = pre {
                text = format!("{text}-{pre}");
            }
            if let Some(build) = build {
                text = format!("{text}+{build}");
            }
            match noise {
                "v" => format!("v{text}"),
                noise => format!("{text}{noise}"),
            }
        })
}

#[test]
fn versions_are_checked_exactly_as_the_schema_pattern() {
    let version = Version::new(1, 0, 0);
    let (accepted, total) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let mut seeded = Seeded::new("PROPTEST_CASES", 2000);
    let result = seeded.runner.run(&version_like(), |text| {
        total.set(total.get() + 1);
        let bytes = format!(r#"{{"version": "{text}"}}"#).into_bytes();
        let decoded = Build::decode(&version, &bytes);
        if let Ok(decoded) = &decoded {
            accepted.set(accepted.get() + 1);
            prop_assert_eq!(decoded.value().version.to_string(), text.clone());
        }
        check_agreement::<Build>(&version, &bytes, None, decoded.map(|_| ()))
    });
    seeded.check(result);
    // Both sides were exercised: each verdict on at least 5% of the cases.
    let (accepted, total) = (accepted.get(), total.get());
    assert!(
        accepted * 20 > total && (total - accepted) * 20 > total,
        "{accepted} of {total}"
    );
}

// ----- the deliberate difference: duplicate keys -----

#[test]
fn duplicate_keys_are_rejected_where_jsonschema_keeps_the_last_value() {
    let version = Version::parse("2.0").unwrap();
    let legacy =
        r#"{"count":1,"mid":2,"kinds":{},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1}}"#;
    assert!(Legacy::decode(&version, legacy.as_bytes()).is_ok());
    let cases = [
        (
            r#"{"count":1,"count":2,"mid":2,"kinds":{},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1}}"#,
            "/count",
        ),
        (
            r#"{"count":1,"mid":2,"kinds":{"alpha":1,"alpha":2},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1}}"#,
            "/kinds/alpha",
        ),
        (
            r#"{"count":1,"mid":2,"kinds":{},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1,"a":1}}"#,
            "/inner/a",
        ),
        // A map key whose first value is invalid and whose repeat is valid (found by the
        // differential test): the repeat is reported too, since a validator keeps the last.
        (
            r#"{"count":1,"mid":2,"kinds":{"alpha":5000000000,"alpha":2},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1}}"#,
            "/kinds/alpha",
        ),
        // Repeating a field the version does not have: reported as that, then the repeat.
        (
            r#"{"count":1,"mid":2,"kinds":{},"kind":"alpha","ratio":5,"maybe":null,"inner":{"a":1},"oldFlag":true,"oldFlag":true}"#,
            "/oldFlag",
        ),
    ];
    for (payload, pointer) in cases {
        let errors = Legacy::decode(&version, payload.as_bytes()).err().unwrap();
        let duplicate = errors
            .iter()
            .find(|v| v.rule == "duplicateKey")
            .unwrap_or_else(|| panic!("{payload}: {errors}"));
        assert_eq!(duplicate.pointer, pointer, "{errors}");
        assert!(duplicate.message.contains("more than once"), "{errors}");
    }
    // A generic validator sees only the last value: the first four are valid to it.
    for (payload, _) in &cases[..4] {
        assert_eq!(oracle::<Legacy>(&version, payload.as_bytes()), Some(true));
    }
}
