//! The public API as a user meets it: a glob import makes no call ambiguous, and generated
//! files are deterministic.

use metrics_core::*;

/// A small payload with every kind of member, to call each API through a glob import.
#[derive(Metrics)]
struct Probe {
    /// A count
    count: u64,
    /// A nested struct
    #[since("1.1")]
    inner: Inner,
    /// A map keyed by a closed enum
    #[since("1.2")]
    #[until("2.0")]
    kinds: std::collections::BTreeMap<Kind, u32>,
}

/// Inner counts
#[derive(Metrics)]
struct Inner {
    /// Items
    items: u8,
}

/// Kinds of things
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// One kind
    One,
    /// Another, from 1.3
    #[since("1.3")]
    Two,
}

#[test]
fn a_glob_import_leaves_no_call_ambiguous() {
    let probe = Probe {
        count: 3,
        inner: Inner { items: 1 },
        kinds: [(Kind::One, 1), (Kind::Two, 2)].into(),
    };
    let version = Version::parse("1.2.5").unwrap();
    // Each call names its method plainly: with `Metrics`, `MetricValue` and `MetricEnum` all
    // in scope, none is ambiguous (this file would not compile otherwise).
    assert_eq!(Probe::NAME, "probe");
    assert_eq!(Probe::fields().len(), 3);
    assert_eq!(
        Probe::versions(),
        ["1.1", "1.2", "1.3", "2.0"].map(|v| Version::parse(v).unwrap())
    );
    assert_eq!(
        serde_json::to_string(&probe.at(&version)).unwrap(),
        r#"{"count":3,"inner":{"items":1},"kinds":{"One":1}}"#
    );
    assert_eq!(
        Probe::schema_at(&version).get("$id").unwrap(),
        "urn:metrics:probe:1.2.0"
    );
    assert_eq!(Kind::Two.variant().name(), "Two");
    assert_eq!(Kind::variants().len(), 2);
    assert_eq!(Inner::DESCRIPTION, "Inner counts");
}

#[test]
fn generated_files_are_deterministic() {
    // Rendered twice in one process: any hash-map order would differ between the two (the
    // committed files are compared by `schema/tests/committed.rs` and by `check` in CI).
    let releases = std::collections::BTreeMap::new();
    let first = metrics_tool::files::render_all(&schema::models(), &releases);
    let second = metrics_tool::files::render_all(&schema::models(), &releases);
    assert_eq!(first.len(), 20);
    assert_eq!(first, second);
}

/// Declares a payload from inside a `macro_rules!` macro, as a user generating several
/// similar payloads would.
macro_rules! declare_counter {
    ($name:ident, $since:literal) => {
        /// A counter declared by a macro
        #[derive(Metrics)]
        struct $name {
            /// Always sent
            total: u64,
            /// Sent from the macro's version on
            #[since($since)]
            recent: u32,
        }
    };
}

declare_counter!(MacroCounter, "2.1");

#[test]
fn the_derive_works_inside_macro_rules() {
    let counter = MacroCounter {
        total: 9,
        recent: 4,
    };
    let at = |v: &str| serde_json::to_string(&counter.at(&Version::parse(v).unwrap())).unwrap();
    assert_eq!(at("2.0"), r#"{"total":9}"#);
    assert_eq!(at("2.1"), r#"{"total":9,"recent":4}"#);
}

mod a {
    /// Counts of kind a
    #[derive(metrics_core::Metrics)]
    pub struct Counts {
        /// x
        pub x: u64,
    }
}

mod b {
    /// Counts of kind b
    #[derive(metrics_core::Metrics)]
    pub struct Counts {
        /// y
        pub y: bool,
    }
}

/// Keys that all arrive in 2.0
#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Late {
    /// From 2.0
    #[since("2.0")]
    First,
}

/// Two nested types that share a name, and a map whose keys do not exist yet at 1.0.
#[derive(Metrics)]
struct Namesakes {
    /// a's counts
    left: a::Counts,
    /// b's counts
    right: b::Counts,
    /// Keyed by variants that arrive in 2.0
    late: std::collections::BTreeMap<Late, u64>,
}

#[test]
fn two_types_with_one_name_get_two_definitions() {
    let value = Namesakes {
        left: a::Counts { x: 1 },
        right: b::Counts { y: true },
        late: [(Late::First, 3)].into(),
    };
    for v in ["1.0", "2.0"] {
        let version = Version::parse(v).unwrap();
        let schema = serde_json::to_value(Namesakes::schema_at(&version)).unwrap();
        assert_eq!(schema["properties"]["left"]["$ref"], "#/$defs/counts");
        assert_eq!(schema["properties"]["right"]["$ref"], "#/$defs/counts-2");
        assert_eq!(
            schema["$defs"]["counts"]["required"],
            serde_json::json!(["x"])
        );
        assert_eq!(
            schema["$defs"]["counts-2"]["required"],
            serde_json::json!(["y"])
        );
        let payload = serde_json::to_value(value.at(&version)).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        assert!(validator.is_valid(&payload), "{v}: {payload}");
        let bytes = serde_json::to_vec(&payload).unwrap();
        assert!(Namesakes::decode(&version, &bytes).is_ok(), "{v}");
    }
}

#[test]
fn an_enum_with_no_variant_yet_accepts_nothing_without_an_empty_enum() {
    let schema =
        serde_json::to_value(Namesakes::schema_at(&Version::parse("1.0").unwrap())).unwrap();
    let late = &schema["$defs"]["late"];
    assert!(
        late.get("enum").is_none(),
        "strict validators refuse `enum: []`: {late}"
    );
    assert_eq!(late["not"], serde_json::json!({}));
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let with_key =
        serde_json::json!({"left": {"x": 1}, "right": {"y": true}, "late": {"First": 1}});
    assert!(!validator.is_valid(&with_key));
    let bytes = serde_json::to_vec(&with_key).unwrap();
    assert!(Namesakes::decode(&Version::parse("1.0").unwrap(), &bytes).is_err());
}
