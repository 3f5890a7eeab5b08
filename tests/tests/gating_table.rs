//! The gating rules, pinned by a table written by hand from the rules, not by the code under
//! test: for each version (pre-releases at every boundary, releases and versions between
//! them), which keys are sent, which nested keys, which enum values and map keys exist. The
//! table is checked against what `at()` sends, what `schema_at()` describes and what
//! `decode` accepts (from payloads built from the table, never from `at()`).
//!
//! The rule: a field, variant or map key exists at a version when
//! `since <= release < until`, where the release drops pre-release and build metadata
//! (`3.0.0-beta.1` is gated as 3.0.0). Every mismatch is collected before the test fails,
//! so that one run shows each boundary that breaks.

use std::collections::BTreeMap;

use metrics_core::{MetricEnum, Metrics, Version};
use serde_json::{Map, Value, json};

/// The test model: a field added in 2.0, one removed in 3.0, a nested struct added in 2.5
/// (with a field of its own added in 4.0), an enum value and a map keyed by the enum, whose
/// variant `new` is added in 3.5.
#[derive(Metrics)]
#[metrics(name = "table", rename_all = "camelCase")]
struct Table {
    /// Always sent
    base: u64,
    /// Added in 2.0
    #[since("2.0")]
    added: u32,
    /// Removed in 3.0
    #[until("3.0")]
    retired: bool,
    /// Added in 2.5
    #[since("2.5")]
    inner: Inner,
    /// One kind
    kind: Kind,
    /// Counts by kind
    counts: BTreeMap<Kind, u64>,
}

/// Nested.
#[derive(Metrics)]
#[metrics(name = "inner")]
struct Inner {
    /// Sent with its parent
    a: u64,
    /// Added in 4.0
    #[since("4.0")]
    b: u64,
}

/// Kinds.
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
#[metrics(rename_all = "lowercase")]
enum Kind {
    /// Always
    Old,
    /// Added in 3.5
    #[since("3.5")]
    New,
}

/// One row of the table: at `version`, the top-level keys sent (in declaration order), the
/// keys of `inner` when it is sent, and the enum values (and map keys) that exist.
struct Row {
    version: &'static str,
    keys: &'static [&'static str],
    inner: &'static [&'static str],
    kinds: &'static [&'static str],
}

const BEFORE_2: &[&str] = &["base", "retired", "kind", "counts"];
const FROM_2: &[&str] = &["base", "added", "retired", "kind", "counts"];
const FROM_2_5: &[&str] = &["base", "added", "retired", "inner", "kind", "counts"];
const FROM_3: &[&str] = &["base", "added", "inner", "kind", "counts"];
const NONE: &[&str] = &[];
const A: &[&str] = &["a"];
const AB: &[&str] = &["a", "b"];
const OLD: &[&str] = &["old"];
const BOTH: &[&str] = &["old", "new"];

/// Written from the rule above, by hand: each pre-release is gated as the release it
/// precedes, so it sends what that release sends.
const TABLE: &[Row] = &[
    row("0.1.0", BEFORE_2, NONE, OLD),
    row("1.9.9", BEFORE_2, NONE, OLD),
    // `#[since("2.0")]`
    row("2.0.0-alpha.1", FROM_2, NONE, OLD),
    row("2.0.0-0", FROM_2, NONE, OLD),
    row("2.0.0", FROM_2, NONE, OLD),
    row("2.4.99", FROM_2, NONE, OLD),
    // the nested struct's `#[since("2.5")]`
    row("2.5.0-rc.1", FROM_2_5, A, OLD),
    row("2.5.0", FROM_2_5, A, OLD),
    row("2.9.9", FROM_2_5, A, OLD),
    // `#[until("3.0")]`
    row("3.0.0-beta.1", FROM_3, A, OLD),
    row("3.0.0", FROM_3, A, OLD),
    row("3.4.9", FROM_3, A, OLD),
    // the variant's (and map key's) `#[since("3.5")]`
    row("3.5.0-rc.1", FROM_3, A, BOTH),
    row("3.5.0+build.7", FROM_3, A, BOTH),
    row("3.5.0", FROM_3, A, BOTH),
    row("3.99.0", FROM_3, A, BOTH),
    // the nested field's `#[since("4.0")]`
    row("4.0.0-beta.1+build.2", FROM_3, AB, BOTH),
    row("4.0.0", FROM_3, AB, BOTH),
    row("2024.1.0", FROM_3, AB, BOTH),
];

const fn row(
    version: &'static str,
    keys: &'static [&'static str],
    inner: &'static [&'static str],
    kinds: &'static [&'static str],
) -> Row {
    Row {
        version,
        keys,
        inner,
        kinds,
    }
}

const ALL_KEYS: &[&str] = &["base", "added", "retired", "inner", "kind", "counts"];

fn sample(kind: Kind) -> Table {
    Table {
        base: 1,
        added: 2,
        retired: true,
        inner: Inner { a: 3, b: 4 },
        kind,
        counts: BTreeMap::from([(Kind::Old, 5), (Kind::New, 6)]),
    }
}

/// The value of `key` in a payload built from the table (never from `at()`).
fn value_of(key: &str, row: &Row) -> Value {
    match key {
        "base" => json!(1),
        "added" => json!(2),
        "retired" => json!(true),
        "inner" => Value::Object(
            row.inner
                .iter()
                .map(|k| (k.to_string(), json!(7)))
                .collect(),
        ),
        "kind" => json!("old"),
        "counts" => Value::Object(
            row.kinds
                .iter()
                .map(|k| (k.to_string(), json!(8)))
                .collect(),
        ),
        other => panic!("no key {other}"),
    }
}

fn payload(row: &Row) -> Map<String, Value> {
    row.keys
        .iter()
        .map(|key| (key.to_string(), value_of(key, row)))
        .collect()
}

fn keys(object: &Value) -> Vec<String> {
    object
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// What the schema's `$ref` at `pointer` points to.
fn resolve<'s>(schema: &'s Value, node: &'s Value) -> &'s Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => schema
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => node,
    }
}

/// The names an enum schema allows (`not: {}` allows none).
fn enum_names(schema: &Value) -> Vec<String> {
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

struct Mismatches(Vec<String>);

impl Mismatches {
    fn check<T: PartialEq + std::fmt::Debug>(&mut self, what: String, got: T, want: T) {
        if got != want {
            self.0
                .push(format!("{what}: got {got:?}, the table says {want:?}"));
        }
    }
}

fn sent(row: &Row, found: &mut Mismatches) {
    let version = Version::parse(row.version).unwrap();
    let at = |what: &str| format!("{} at() {what}", row.version);
    let sent = serde_json::to_value(sample(Kind::Old).at(&version)).unwrap();
    found.check(at("keys"), keys(&sent), strings(row.keys));
    found.check(
        at("inner keys"),
        keys(sent.get("inner").unwrap_or(&Value::Null)),
        strings(row.inner),
    );
    found.check(
        at("map keys"),
        keys(sent.get("counts").unwrap_or(&Value::Null)),
        strings(row.kinds),
    );
    let new_kind = serde_json::to_value(sample(Kind::New).at(&version));
    found.check(
        at("of the value `new`"),
        new_kind.ok().and_then(|v| v.get("kind").cloned()),
        row.kinds.contains(&"new").then(|| json!("new")),
    );
}

fn described(row: &Row, found: &mut Mismatches) {
    let version = Version::parse(row.version).unwrap();
    let at = |what: &str| format!("{} schema_at() {what}", row.version);
    let schema = Table::schema_at(&version).to_value();
    found.check(
        at("properties"),
        keys(&schema["properties"]),
        strings(row.keys),
    );
    found.check(
        at("required"),
        schema["required"].clone(),
        json!(strings(row.keys)),
    );
    let inner = resolve(&schema, &schema["properties"]["inner"]);
    found.check(
        at("inner properties"),
        keys(&inner["properties"]),
        strings(row.inner),
    );
    let kind = resolve(&schema, &schema["properties"]["kind"]);
    found.check(at("enum"), enum_names(kind), strings(row.kinds));
    let map_keys = resolve(&schema, &schema["properties"]["counts"]["propertyNames"]);
    found.check(at("map keys"), enum_names(map_keys), strings(row.kinds));
}

fn decoded(row: &Row, found: &mut Mismatches) {
    let version = Version::parse(row.version).unwrap();
    let mut accepts = |what: String, payload: Map<String, Value>, want: bool| {
        let bytes = serde_json::to_vec(&Value::Object(payload)).unwrap();
        let result = Table::decode(&version, &bytes);
        found.check(
            format!("{} decode {what}", row.version),
            result.is_ok(),
            want,
        );
    };
    accepts("the table's payload".into(), payload(row), true);
    for key in ALL_KEYS {
        let mut altered = payload(row);
        if row.keys.contains(key) {
            altered.shift_remove(*key);
            accepts(format!("without `{key}`"), altered, false);
        } else {
            // A key the version does not send, with a value it would have elsewhere.
            let full = Row {
                version: row.version,
                keys: ALL_KEYS,
                inner: A,
                kinds: OLD,
            };
            altered.insert(key.to_string(), value_of(key, &full));
            accepts(format!("with `{key}`"), altered, false);
        }
    }
    if row.keys.contains(&"inner") {
        let mut altered = payload(row);
        let with_b = !row.inner.contains(&"b");
        let inner = altered["inner"].as_object_mut().unwrap();
        if with_b {
            inner.insert("b".into(), json!(9));
        } else {
            inner.shift_remove("b");
        }
        let what = if with_b {
            "with inner `b`"
        } else {
            "without inner `b`"
        };
        accepts(what.into(), altered, false);
    }
    let has_new = row.kinds.contains(&"new");
    let mut new_value = payload(row);
    new_value.insert("kind".into(), json!("new"));
    accepts("with the value `new`".into(), new_value, has_new);
    let mut new_key = payload(row);
    new_key.insert("counts".into(), json!({ "new": 1 }));
    accepts("with the map key `new`".into(), new_key, has_new);
}

#[test]
fn the_hand_written_table_is_what_is_sent_described_and_accepted() {
    let mut found = Mismatches(Vec::new());
    for row in TABLE {
        sent(row, &mut found);
        described(row, &mut found);
        decoded(row, &mut found);
    }
    assert!(
        found.0.is_empty(),
        "{} mismatches with the table:\n{}",
        found.0.len(),
        found.0.join("\n")
    );
}

#[test]
fn the_table_has_a_pre_release_at_every_boundary() {
    // Each change point of the model (since, until, nested since, variant since) has a
    // pre-release row, and rows on both sides.
    let change_points: Vec<String> = Table::versions().iter().map(|v| v.to_string()).collect();
    assert_eq!(change_points, ["2.0.0", "2.5.0", "3.0.0", "3.5.0", "4.0.0"]);
    for point in &change_points {
        let release = Version::parse(point).unwrap();
        let pre = TABLE.iter().any(|row| {
            let v = Version::parse(row.version).unwrap();
            v.is_prerelease()
                && (v.major(), v.minor(), v.patch())
                    == (release.major(), release.minor(), release.patch())
        });
        assert!(pre, "no pre-release row for {point}");
    }
}

/// The mutant that this table must catch (`tests/mutants/prerelease-below-release.patch`)
/// still applies to the code it mutates (its context lines; whether it compiles is seen when
/// it is applied): a change there that breaks the patch fails here, not silently when
/// someone next tries it. While the mutant is applied, as its instructions say before
/// running this file, the patch reverses instead, and this test passes.
#[test]
fn the_mutant_still_applies() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let check = |reverse: bool| {
        let mut command = std::process::Command::new("git");
        command.args(["apply", "--check"]);
        if reverse {
            command.arg("-R");
        }
        command
            .arg("tests/mutants/prerelease-below-release.patch")
            .current_dir(&root)
            .output()
            .expect("git runs")
    };
    let forward = check(false);
    assert!(
        forward.status.success() || check(true).status.success(),
        "the mutant no longer applies; update its context lines: {}",
        String::from_utf8_lossy(&forward.stderr)
    );
}
