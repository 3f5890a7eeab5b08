//! Decoding by version: each class of bad input gets a violation with its pointer, rule and
//! message; absent fields are told apart from zero; limits hold; nothing panics.

use std::collections::BTreeMap;

use metrics_core::{Limits, MetricEnum, Metrics, Model, Percent, Version, Violations};
use schema::{UpdateCheck, UsageStatistics};
use serde_json::{Value, json};

/// A small model with a retired field and gated enum variants.
#[derive(Metrics, Debug)]
#[metrics(rename_all = "camelCase")]
struct Small {
    /// Count
    count: u8,
    #[until("2.0")]
    /// Old flag
    old_flag: bool,
    #[since("2.0")]
    /// Kind
    kind: Kind,
    #[since("2.0")]
    /// Per kind
    per_kind: BTreeMap<Kind, u16>,
    /// Ratio
    ratio: Percent,
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

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

/// The reference sample as `version` sends it, as a JSON value to edit.
fn sample(version: &str) -> Value {
    serde_json::to_value(schema::sample_statistics().at(&v(version))).unwrap()
}

fn reject(version: &str, payload: &Value) -> Violations {
    let bytes = serde_json::to_vec(payload).unwrap();
    match UsageStatistics::decode(&v(version), &bytes) {
        Ok(_) => panic!("accepted at {version}: {payload}"),
        Err(errors) => errors,
    }
}

/// The only violation, as (pointer, rule, message).
fn only(errors: &Violations) -> (&str, &str, &str) {
    assert_eq!(errors.len(), 1, "{errors}");
    let first = errors.iter().next().unwrap();
    (&first.pointer, first.rule, &first.message)
}

fn small(version: &str, payload: &str) -> Result<Small, Violations> {
    Small::decode(&v(version), payload.as_bytes()).map(|decoded| decoded.into_value())
}

fn small_err(version: &str, payload: &str) -> Violations {
    small(version, payload).err().unwrap()
}

#[test]
fn the_sample_decodes_at_every_version_and_round_trips() {
    let stats = schema::sample_statistics();
    for version in [
        "1.0",
        "2.6",
        "3.2",
        "3.4.0-rc.1",
        "3.12",
        "2018.2.2",
        "2030.1",
    ] {
        let version = v(version);
        let bytes = serde_json::to_vec(&stats.at(&version)).unwrap();
        let decoded = UsageStatistics::decode(&version, &bytes).unwrap();
        assert_eq!(decoded.version(), &version);
        let again = serde_json::to_vec(&decoded.value().at(&version)).unwrap();
        assert_eq!(again, bytes, "at {version}");
    }
}

#[test]
fn absent_at_the_version_is_not_zero() {
    let decoded =
        UsageStatistics::decode(&v("3.2"), &serde_json::to_vec(&sample("3.2")).unwrap()).unwrap();
    // The placeholder is zero, but the version does not have the field.
    assert_eq!(decoded.value().multi_tenancy.tenants, 0);
    assert!(decoded.is_absent("/multiTenancy"));
    assert!(decoded.is_absent("/multiTenancy/tenants"));
    assert!(decoded.is_absent("/workers"));
    assert!(!decoded.is_absent("/channels"));
    assert!(!decoded.is_absent("/releasesAndDeployments/releases"));
    assert!(!decoded.is_absent("/noSuchField"));
    assert_eq!(
        decoded.absent(),
        [
            "/multiTenancy",
            "/certificates",
            "/timeToFirstDeployment",
            "/usesLetsEncrypt",
            "/usesGuestAccount",
            "/communitySteps",
            "/cloudAccounts",
            "/builtInWorkerCustomAccount",
            "/workers"
        ]
    );
    // A zero that was sent is present.
    let mut payload = sample("3.4");
    payload["multiTenancy"]["tenants"] = json!(0);
    let decoded =
        UsageStatistics::decode(&v("3.4"), &serde_json::to_vec(&payload).unwrap()).unwrap();
    assert_eq!(decoded.value().multi_tenancy.tenants, 0);
    assert!(!decoded.is_absent("/multiTenancy/tenants"));

    // Through the envelope: nested fields of an optional struct.
    let check = schema::sample_update_check(v("3.2.1"));
    let bytes = serde_json::to_vec(&check.at(&v("3.2.1"))).unwrap();
    let decoded = UpdateCheck::decode_self_versioned(&bytes, &Limits::default()).unwrap();
    assert_eq!(decoded.version(), &v("3.2.1"));
    assert!(decoded.is_absent("/usageStatistics/multiTenancy"));
    assert!(!decoded.is_absent("/usageStatistics/channels"));
}

#[test]
fn missing_field() {
    let mut payload = sample("3.4");
    payload["multiTenancy"]
        .as_object_mut()
        .unwrap()
        .remove("tenantTags");
    let errors = reject("3.4", &payload);
    assert_eq!(
        only(&errors),
        (
            "/multiTenancy",
            "required",
            "missing field \"tenantTags\", required in multi-tenancy 3.4.0"
        )
    );
}

#[test]
fn extra_field() {
    let mut payload = sample("3.4");
    payload["hostname"] = json!("build-01");
    let errors = reject("3.4", &payload);
    assert_eq!(
        only(&errors),
        (
            "/hostname",
            "additionalProperties",
            "unknown field \"hostname\": not part of usage-statistics 3.4.0"
        )
    );
}

#[test]
fn field_from_a_later_version() {
    let payload = sample("3.4");
    let errors = reject("3.2", &payload);
    assert_eq!(
        only(&errors),
        (
            "/multiTenancy",
            "additionalProperties",
            "not part of usage-statistics 3.2.0, added in 3.4.0"
        )
    );
    assert_eq!(
        errors.to_string(),
        "`/multiTenancy`: not part of usage-statistics 3.2.0, added in 3.4.0 [additionalProperties]"
    );
}

#[test]
fn retired_field() {
    let payload = r#"{"count":1,"oldFlag":true,"kind":"alpha","perKind":{},"ratio":1}"#;
    let errors = small_err("2.0", payload);
    assert_eq!(
        only(&errors),
        (
            "/oldFlag",
            "additionalProperties",
            "not part of small 2.0.0, removed in 2.0.0"
        )
    );
    assert!(small("1.9", r#"{"count":1,"oldFlag":true,"ratio":1}"#).is_ok());
}

#[test]
fn wrong_type_and_null() {
    let mut payload = sample("3.4");
    payload["machines"] = json!("912");
    payload["usesLetsEncrypt"] = json!(1); // not in 3.4: reported as such, not as a type error
    payload["releasesAndDeployments"] = json!([1, 2]);
    payload["projects"] = Value::Null;
    let errors = reject("3.4", &payload);
    let found: Vec<(&str, &str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.rule, e.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "/machines",
                "type",
                "expected an integer from 0 to 18446744073709551615, found the string \"912\""
            ),
            (
                "/projects",
                "type",
                "expected an integer from 0 to 18446744073709551615, found null"
            ),
            (
                "/releasesAndDeployments",
                "type",
                "expected an object (releases-and-deployments), found an array"
            ),
            (
                "/usesLetsEncrypt",
                "additionalProperties",
                "not part of usage-statistics 3.4.0, added in 3.15.0"
            ),
        ]
    );
    // `null` where it is allowed.
    let mut payload = sample("3.12");
    payload["timeToFirstDeployment"] = Value::Null;
    let bytes = serde_json::to_vec(&payload).unwrap();
    let decoded = UsageStatistics::decode(&v("3.12"), &bytes).unwrap();
    assert_eq!(decoded.value().time_to_first_deployment, None);
}

#[test]
fn negative_and_too_large_counts() {
    let errors = small_err("1.0", r#"{"count":-3,"oldFlag":true,"ratio":1}"#);
    assert_eq!(
        only(&errors),
        (
            "/count",
            "minimum",
            "the number -3 is below the minimum of 0"
        )
    );
    let errors = small_err("1.0", r#"{"count":256,"oldFlag":true,"ratio":1}"#);
    assert_eq!(
        only(&errors),
        (
            "/count",
            "maximum",
            "the number 256 is above the maximum of 255"
        )
    );
    // Integral floats are integers, as in JSON Schema; fractions are not.
    assert_eq!(
        small("1.0", r#"{"count":2.0,"oldFlag":true,"ratio":1}"#)
            .unwrap()
            .count,
        2
    );
    let errors = small_err("1.0", r#"{"count":2.5,"oldFlag":true,"ratio":1}"#);
    assert_eq!(only(&errors).1, "type");
    // Past u64: serde_json reads a float, compared exactly with the maximum.
    let mut payload = sample("2.6");
    payload["users"] = serde_json::from_str("18446744073709551616").unwrap();
    let errors = reject("2.6", &payload);
    assert_eq!(
        only(&errors),
        (
            "/users",
            "maximum",
            "the number 18446744073709551616 is above the maximum of 18446744073709551615"
        )
    );
    payload["users"] = json!(u64::MAX);
    let bytes = serde_json::to_vec(&payload).unwrap();
    assert_eq!(
        UsageStatistics::decode(&v("2.6"), &bytes)
            .unwrap()
            .value()
            .users,
        u64::MAX
    );
}

#[test]
fn out_of_range_percent() {
    for (ratio, rule, message) in [
        (
            "100.5",
            "maximum",
            "the number 100.5 is above the maximum of 100",
        ),
        (
            "-0.5",
            "minimum",
            "the number -0.5 is below the minimum of 0",
        ),
        (
            "\"50%\"",
            "type",
            "expected a percentage, a number from 0 to 100, found the string \"50%\"",
        ),
    ] {
        let errors = small_err(
            "1.0",
            &format!(r#"{{"count":1,"oldFlag":true,"ratio":{ratio}}}"#),
        );
        assert_eq!(only(&errors), ("/ratio", rule, message));
    }
    let ok = small("1.0", r#"{"count":1,"oldFlag":true,"ratio":100}"#).unwrap();
    assert_eq!(ok.ratio.get(), 100.0);
    // Every form of a number, in both reads alone: the same verdict and the same value.
    for (ratio, value) in [
        ("0", Some(0.0)),
        ("-0", Some(0.0)),
        ("-0.0", Some(0.0)),
        ("100", Some(100.0)),
        ("1e2", Some(100.0)),
        ("99.5", Some(99.5)),
        ("5E-1", Some(0.5)),
        ("100.000001", None),
        ("-1", None),
        ("1e3", None),
        ("18446744073709551615", None),
        ("-9223372036854775808", None),
        ("true", None),
    ] {
        let payload = format!(r#"{{"count":1,"oldFlag":true,"ratio":{ratio}}}"#);
        let (accepted, validated) = both_reads("1.0", payload.as_bytes());
        let ratio_of = |small: &Small| small.ratio.get().to_bits();
        let value = value.map(f64::to_bits);
        assert_eq!(accepted.as_ref().map(ratio_of), value, "{ratio}: accepting");
        assert_eq!(
            validated.ok().as_ref().map(ratio_of),
            value,
            "{ratio}: validating"
        );
    }
}

#[test]
fn bad_hash() {
    let mut payload = sample("2.6");
    payload["licenseSerialHash"] = json!("A9993E364706816ABA3E25717850C26C9CD0D89D");
    let errors = reject("2.6", &payload);
    assert_eq!(
        only(&errors),
        (
            "/licenseSerialHash",
            "pattern",
            "the string \"A9993E364706816ABA3E25717850C26C9CD0D89D\" is not a SHA-1 digest (40 lowercase hex digits) (pattern `^[0-9a-f]{40}$`)"
        )
    );
}

#[test]
fn bad_enum_values_and_map_keys() {
    let errors = small_err(
        "2.0",
        r#"{"count":1,"kind":"delta","perKind":{},"ratio":1}"#,
    );
    assert_eq!(
        only(&errors),
        (
            "/kind",
            "enum",
            "\"delta\" is not a kind (expected one of \"alpha\", \"gamma\")"
        )
    );
    // A variant of a later version.
    let errors = small_err("2.0", r#"{"count":1,"kind":"beta","perKind":{},"ratio":1}"#);
    assert_eq!(
        only(&errors),
        (
            "/kind",
            "enum",
            "\"beta\" is not a kind of small 2.0.0: added in 2.5.0 (expected one of \"alpha\", \"gamma\")"
        )
    );
    // A retired variant as a map key.
    let errors = small_err(
        "2.5",
        r#"{"count":1,"kind":"beta","perKind":{"alpha":1,"gamma":2},"ratio":1}"#,
    );
    assert_eq!(
        only(&errors),
        (
            "/perKind/gamma",
            "propertyNames",
            "\"gamma\" is not a kind key of small 2.5.0: removed in 2.5.0 (expected one of \"alpha\", \"beta\")"
        )
    );
    let mut payload = sample("3.4");
    payload["deploymentSteps"]["deploy-to-k8s"] = json!(1);
    payload["deploymentSteps"]["run-script"] = json!(-1);
    let errors = reject("3.4", &payload);
    let pointers: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.rule))
        .collect();
    assert_eq!(
        pointers,
        [
            ("/deploymentSteps/run-script", "minimum"),
            ("/deploymentSteps/deploy-to-k8s", "propertyNames"),
        ]
    );
}

/// Names past ASCII and with JSON's escaped characters, as keys and enum names.
#[derive(Metrics, Debug)]
struct Unusual {
    /// Accented
    #[metrics(rename = "d\u{e9}j\u{e0}")]
    accented: u8,
    /// Quoted
    #[metrics(rename = "say \"hi\"")]
    quoted: u8,
    /// Back slash
    #[metrics(rename = "back\\slash")]
    back_slash: u8,
    /// Wide
    wide: BTreeMap<Script, u8>,
}

#[derive(MetricEnum, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Script {
    /// Kanji
    #[metrics(rename = "\u{65e5}\u{672c}")]
    Kanji,
    /// An emoji
    #[metrics(rename = "\u{1f600}")]
    Emoji,
}

/// Both reads, alone: the accepting one (`None` when it does not take the payload) and the
/// validating one.
fn both_reads(version: &str, bytes: &[u8]) -> (Option<Small>, Result<Small, Violations>) {
    use metrics_core::__private::{read_accepting, read_validating};
    let limits = Limits::default();
    (
        read_accepting::<Small>(&v(version), bytes, &limits).map(|d| d.into_value()),
        read_validating::<Small>(&v(version), bytes, &limits).map(|d| d.into_value()),
    )
}

/// The accepting read matches keys and enum names as raw bytes (serde_json then checks
/// neither UTF-8 nor control characters): escapes still spell a name, and whatever the
/// validating read rejects in a name, the accepting read does not take.
#[test]
fn names_are_matched_as_json_strings() {
    // Escapes in a key, an enum value and a map key spell the name.
    let escaped = br#"{"co\u0075nt":1,"kind":"\u0061lpha","perKind":{"g\u0061mma":2},"ratio":1}"#;
    let (accepted, validated) = both_reads("2.0", escaped);
    let accepted = accepted.expect("the accepting read takes escaped names");
    let validated = validated.unwrap();
    for value in [&accepted, &validated] {
        assert_eq!(value.count, 1);
        assert_eq!(value.kind, Kind::Alpha);
        assert_eq!(value.per_kind, BTreeMap::from([(Kind::Gamma, 2)]));
    }
    // What the validating read rejects in a name: invalid UTF-8, an unescaped control
    // character, a lone surrogate; in a key, an enum value and a map key.
    let cases: [(&str, Vec<u8>); 9] = [
        (
            "key, invalid UTF-8",
            b"{\"count\xff\":1,\"kind\":\"alpha\",\"perKind\":{},\"ratio\":1}".to_vec(),
        ),
        (
            "key, control character",
            b"{\"count\n\":1,\"kind\":\"alpha\",\"perKind\":{},\"ratio\":1}".to_vec(),
        ),
        (
            "key, lone surrogate",
            br#"{"count\ud800":1,"kind":"alpha","perKind":{},"ratio":1}"#.to_vec(),
        ),
        (
            "enum value, invalid UTF-8",
            b"{\"count\":1,\"kind\":\"alpha\xff\",\"perKind\":{},\"ratio\":1}".to_vec(),
        ),
        (
            "enum value, control character",
            b"{\"count\":1,\"kind\":\"al\tpha\",\"perKind\":{},\"ratio\":1}".to_vec(),
        ),
        (
            "enum value, lone surrogate",
            br#"{"count":1,"kind":"alpha\udc00","perKind":{},"ratio":1}"#.to_vec(),
        ),
        (
            "map key, invalid UTF-8",
            b"{\"count\":1,\"kind\":\"alpha\",\"perKind\":{\"\xffgamma\":2},\"ratio\":1}".to_vec(),
        ),
        (
            "map key, control character",
            b"{\"count\":1,\"kind\":\"alpha\",\"perKind\":{\"gamma\x01\":2},\"ratio\":1}".to_vec(),
        ),
        (
            "map key, lone surrogate",
            br#"{"count":1,"kind":"alpha","perKind":{"\ud800gamma":2},"ratio":1}"#.to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let (accepted, validated) = both_reads("2.0", &bytes);
        // Rejected as malformed JSON, not only as an unknown name (which any damage to a
        // name would give): the validating read checks the string itself.
        let errors = validated.err().unwrap_or_else(|| panic!("{what}: taken"));
        assert!(
            errors.iter().any(|e| e.rule == "syntax"),
            "{what}: {errors}"
        );
        assert!(accepted.is_none(), "{what}: the accepting read takes it");
    }
    // Names past ASCII, with quotes and back slashes: as serde_json writes them, and with
    // every character escaped (`\uXXXX`, a surrogate pair past the first plane).
    use metrics_core::__private::{read_accepting, read_validating};
    let value = Unusual {
        accented: 1,
        quoted: 2,
        back_slash: 3,
        wide: BTreeMap::from([(Script::Kanji, 4), (Script::Emoji, 5)]),
    };
    let version = v("1.0");
    let written = serde_json::to_string(&value.at(&version)).unwrap();
    let escape = |name: &str| -> String {
        name.encode_utf16()
            .map(|unit| format!("\\u{unit:04x}"))
            .collect()
    };
    let mut escaped = written.clone();
    for (name, as_written) in [
        ("d\u{e9}j\u{e0}", "d\u{e9}j\u{e0}"),
        ("say \"hi\"", r#"say \"hi\""#),
        ("back\\slash", r"back\\slash"),
        ("\u{65e5}\u{672c}", "\u{65e5}\u{672c}"),
        ("\u{1f600}", "\u{1f600}"),
    ] {
        assert!(escaped.contains(as_written), "{as_written} in {escaped}");
        escaped = escaped.replace(as_written, &escape(name));
    }
    assert!(
        escaped.is_ascii() && escaped.contains(r"\ud83d\ude00"),
        "{escaped}"
    );
    let limits = Limits::default();
    for text in [&written, &escaped] {
        let accepted = read_accepting::<Unusual>(&version, text.as_bytes(), &limits)
            .unwrap_or_else(|| panic!("the accepting read does not take {text}"));
        let validated = read_validating::<Unusual>(&version, text.as_bytes(), &limits).unwrap();
        for decoded in [accepted.value(), validated.value()] {
            let numbers = (decoded.accented, decoded.quoted, decoded.back_slash);
            assert_eq!(numbers, (1, 2, 3), "{text}");
            assert_eq!(decoded.wide, value.wide, "{text}");
        }
    }
}

/// A `MetricEnum` written by hand (the derive rejects such a name), whose one variant's name
/// has a control character: the lookups' defaults.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Spaced;

impl MetricEnum for Spaced {
    const NAME: &'static str = "spaced";
    const DESCRIPTION: &'static str = "A name with a line break.";
    fn variants() -> &'static [metrics_core::Variant] {
        static VARIANTS: [metrics_core::Variant; 1] = [metrics_core::Variant::new(
            "a\nb",
            "Spaced",
            metrics_core::Availability::new(None, None),
            "The only one.",
        )];
        &VARIANTS
    }
    fn variant_index(&self) -> usize {
        0
    }
    fn from_variant_index(index: usize) -> Option<Self> {
        (index == 0).then_some(Spaced)
    }
}

impl metrics_core::MetricValue for Spaced {
    type Itself = Self;
    fn metric_schema(cx: &mut metrics_core::SchemaContext) -> metrics_core::__private::Schema {
        metrics_core::__private::enum_schema::<Self>(cx)
    }
    fn serialize_metric<S: serde::Serializer>(
        &self,
        release: metrics_core::Release,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        metrics_core::__private::serialize_enum(self, release, serializer)
    }
    fn decode_metric<'de, D: serde::Deserializer<'de>>(
        cx: &mut metrics_core::__private::DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        metrics_core::__private::decode_enum::<D, Self>(cx, deserializer)
    }
    fn decode_accept<'de, D: serde::Deserializer<'de>>(
        cx: &mut metrics_core::__private::DecodeCx<'_>,
        deserializer: D,
    ) -> Result<Self, D::Error> {
        metrics_core::__private::accept_enum::<D, Self>(cx, deserializer)
    }
    fn absent_value() -> Option<Self> {
        Some(Spaced)
    }
    fn shape() -> metrics_core::Shape {
        metrics_core::Shape::Enum {
            name: Self::NAME,
            variants: Self::variants,
        }
    }
}

/// Holds the hand-written enum as a value and as a map key.
#[derive(Metrics, Debug)]
struct HoldsSpaced {
    /// The value
    value: Spaced,
    /// Per value
    per_value: BTreeMap<Spaced, u8>,
}

/// A hand-written enum's name with a control character: its escaped form is the name (as the
/// schema says), the raw character is not, in either read.
#[test]
fn a_hand_written_enum_name_with_a_control_character() {
    use metrics_core::__private::{read_accepting, read_validating};
    let (limits, version) = (Limits::default(), v("1.0"));
    let escaped = br#"{"value":"a\nb","per_value":{"a\nb":1}}"#;
    assert_eq!(
        escaped.as_slice(),
        serde_json::to_vec(
            &HoldsSpaced {
                value: Spaced,
                per_value: BTreeMap::from([(Spaced, 1)])
            }
            .at(&version)
        )
        .unwrap()
    );
    for raw in [
        b"{\"value\":\"a\nb\",\"per_value\":{}}".as_slice(),
        b"{\"value\":\"a\\nb\",\"per_value\":{\"a\nb\":1}}".as_slice(),
    ] {
        let text = String::from_utf8_lossy(raw);
        assert!(
            read_accepting::<HoldsSpaced>(&version, raw, &limits).is_none(),
            "{text}"
        );
        assert!(
            read_validating::<HoldsSpaced>(&version, raw, &limits).is_err(),
            "{text}"
        );
    }
    // The accepting read cannot tell the escape from the raw character, so it leaves the
    // payload to the validating read, which takes it.
    assert!(read_accepting::<HoldsSpaced>(&version, escaped, &limits).is_none());
    let decoded = HoldsSpaced::decode(&version, escaped).unwrap();
    assert_eq!(decoded.value().per_value, BTreeMap::from([(Spaced, 1)]));
}

#[test]
fn wrong_top_level_type() {
    for (payload, found) in [
        ("[]", "an array"),
        ("null", "null"),
        ("42", "the number 42"),
        ("\"stats\"", "the string \"stats\""),
    ] {
        let errors = UsageStatistics::decode(&v("3.4"), payload.as_bytes())
            .err()
            .unwrap();
        assert_eq!(
            only(&errors),
            (
                "",
                "type",
                format!("expected an object (usage-statistics), found {found}").as_str()
            )
        );
    }
}

#[test]
fn every_violation_is_reported() {
    let mut payload = sample("3.4");
    payload["environments"] = json!(-1);
    payload["cpu"] = json!(250);
    payload["licenseSerialHash"] = json!("nope");
    payload.as_object_mut().unwrap().shift_remove("users");
    payload["multiTenancy"]["tenants"] = json!(true);
    let errors = reject("3.4", &payload);
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/environments",
            "/licenseSerialHash",
            "/cpu",
            "/multiTenancy/tenants",
            ""
        ]
    );
    assert_eq!(errors.iter().last().unwrap().rule, "required");
    // One line each, and a JSON array of {pointer, rule, message}.
    assert_eq!(errors.to_string().lines().count(), 5);
    let json = serde_json::to_value(&errors).unwrap();
    assert_eq!(json[1]["pointer"], "/licenseSerialHash");
    assert_eq!(json[1]["rule"], "pattern");
    assert!(json[1]["message"].as_str().unwrap().contains("\"nope\""));
}

fn syntax(bytes: &[u8]) -> (String, String) {
    let errors = UsageStatistics::decode(&v("3.4"), bytes).err().unwrap();
    let last = errors.iter().last().unwrap();
    (
        last.rule.to_owned(),
        format!("{} {}", last.pointer, last.message),
    )
}

#[test]
fn malformed_json_stops_with_a_syntax_violation() {
    let full = serde_json::to_vec(&sample("3.4")).unwrap();
    // Truncated anywhere.
    for cut in [0, 1, 10, full.len() / 2, full.len() - 1] {
        let (rule, text) = syntax(&full[..cut]);
        assert_eq!(rule, "syntax", "cut at {cut}: {text}");
        assert!(text.contains("malformed JSON: EOF while parsing"), "{text}");
    }
    // The pointer says where reading stopped.
    let (_, text) = syntax(br#"{"environments": 1, "machines": tru"#);
    assert!(
        text.starts_with("/machines malformed JSON: EOF while parsing a value"),
        "{text}"
    );
    let (_, text) = syntax(br#"{"environments": 1, "machines": {"a": [1, x]}}"#);
    assert!(
        text.starts_with("/machines malformed JSON: expected value"),
        "{text}"
    );
    // Invalid UTF-8 inside a string.
    let (rule, text) = syntax(b"{\"environments\": 1, \"ma\xffchines\": 1}");
    assert_eq!(rule, "syntax");
    assert!(text.contains("invalid unicode code point"), "{text}");
    // NaN-like tokens are not JSON.
    for token in ["NaN", "Infinity", "-Infinity", "nan"] {
        let (rule, text) = syntax(format!(r#"{{"environments": {token}}}"#).as_bytes());
        assert_eq!(rule, "syntax", "{token}: {text}");
        assert!(text.starts_with("/environments malformed JSON"), "{text}");
    }
    // A number past f64.
    let (rule, text) = syntax(br#"{"environments": 1e400}"#);
    assert_eq!(rule, "syntax");
    assert!(text.contains("number out of range"), "{text}");
    // Trailing data.
    let mut trailing = full.clone();
    trailing.extend_from_slice(b" {}");
    let (rule, text) = syntax(&trailing);
    assert_eq!(rule, "syntax");
    assert!(text.contains("trailing characters"), "{text}");
}

#[test]
fn payload_size_is_bounded() {
    let limits = Limits::default();
    assert_eq!(limits.max_bytes, 64 * 1024);
    // A 10 MB string: rejected before parsing.
    let huge = format!(r#"{{"licenseSerialHash": "{}"}}"#, "a".repeat(10 << 20));
    let errors = UsageStatistics::decode(&v("3.4"), huge.as_bytes())
        .err()
        .unwrap();
    assert_eq!(
        only(&errors),
        (
            "",
            "limit",
            format!(
                "the payload is {} bytes, over the limit of 65536 bytes",
                huge.len()
            )
            .as_str()
        )
    );
    // With the limit raised, it is read (borrowed, not copied) and rejected by its pattern,
    // the message showing only its start.
    let roomy = Limits {
        max_bytes: 16 << 20,
        ..Limits::default()
    };
    let errors = UsageStatistics::decode_with(&v("3.4"), huge.as_bytes(), &roomy)
        .err()
        .unwrap();
    let hash = errors.iter().next().unwrap();
    assert_eq!(
        (hash.pointer.as_str(), hash.rule),
        ("/licenseSerialHash", "pattern")
    );
    assert!(hash.message.len() < 200, "{}", hash.message);
    // A smaller configured limit.
    let tight = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let bytes = serde_json::to_vec(&sample("3.4")).unwrap();
    let errors = UsageStatistics::decode_with(&v("3.4"), &bytes, &tight)
        .err()
        .unwrap();
    assert_eq!(only(&errors).1, "limit");
}

#[test]
fn nesting_depth_is_bounded() {
    let deep = format!(r#"{{"extra": {}1{}}}"#, "[".repeat(100), "]".repeat(100));
    let errors = UsageStatistics::decode(&v("3.4"), deep.as_bytes())
        .err()
        .unwrap();
    let last = errors.iter().last().unwrap();
    assert_eq!(
        (last.pointer.as_str(), last.rule, last.message.as_str()),
        (
            "/extra",
            "limit",
            "nested deeper than the limit of 32 levels"
        )
    );
    // Deeper than serde_json's own recursion limit too: still our limit, no stack overflow.
    let deeper = format!(
        r#"{{"extra": {}1{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let roomy = Limits {
        max_bytes: 1 << 20,
        ..Limits::default()
    };
    let errors = UsageStatistics::decode_with(&v("3.4"), deeper.as_bytes(), &roomy)
        .err()
        .unwrap();
    assert_eq!(errors.iter().last().unwrap().rule, "limit");
    // A tighter depth applies to the model's own nesting.
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let bytes = serde_json::to_vec(&sample("3.4")).unwrap();
    let errors = UsageStatistics::decode_with(&v("3.4"), &bytes, &shallow)
        .err()
        .unwrap();
    let first = errors.iter().next().unwrap();
    assert_eq!(
        (first.pointer.as_str(), first.rule),
        ("/deploymentSteps", "limit")
    );
}

#[test]
fn map_entries_are_bounded() {
    let keys: Vec<String> = (0..5000).map(|i| format!(r#""k{i}": 0"#)).collect();
    let wide = format!("{{{}}}", keys.join(","));
    let errors = UsageStatistics::decode(&v("3.4"), wide.as_bytes())
        .err()
        .unwrap();
    let last = errors.iter().last().unwrap();
    assert_eq!(
        (last.pointer.as_str(), last.rule, last.message.as_str()),
        ("", "limit", "more than 1024 entries, the limit")
    );
    // Arrays count too.
    let long = format!(r#"{{"x": [{}]}}"#, vec!["0"; 5000].join(","));
    let errors = UsageStatistics::decode(&v("3.4"), long.as_bytes())
        .err()
        .unwrap();
    let last = errors.iter().last().unwrap();
    assert_eq!((last.pointer.as_str(), last.rule), ("/x", "limit"));
    // A struct's own fields count: a valid payload of three fields is over a limit of two
    // (the accepting read, which does not count a struct's entries, must not take it).
    let payload = br#"{"count":1,"oldFlag":true,"ratio":1}"#;
    let tight = Limits {
        max_map_entries: 2,
        ..Limits::default()
    };
    assert!(Small::decode_with(&v("1.0"), payload, &Limits::default()).is_ok());
    let errors = Small::decode_with(&v("1.0"), payload, &tight)
        .err()
        .unwrap();
    assert_eq!(
        only(&errors),
        ("", "limit", "more than 2 entries, the limit")
    );
}

#[test]
fn the_envelope_names_its_version() {
    let limits = Limits::default();
    let cases: [(&[u8], &str, &str, &str); 5] = [
        (
            b"{\"installationId\": \"x\"}",
            "",
            "required",
            "missing field `version`",
        ),
        (
            b"{\"version\": \"3.x\"}",
            "/version",
            "pattern",
            "\"3.x\" is not a version",
        ),
        (
            b"{\"version\": 3.4}",
            "/version",
            "type",
            "expected a version string, found a number",
        ),
        (b"[]", "", "type", "expected an object (update-check)"),
        (
            b"{\"version\": \"3.4",
            "",
            "syntax",
            "not JSON: EOF while parsing",
        ),
    ];
    for (bytes, pointer, rule, message) in cases {
        let errors = UpdateCheck::decode_self_versioned(bytes, &limits)
            .err()
            .unwrap();
        let first = errors.iter().next().unwrap();
        assert_eq!(
            (first.pointer.as_str(), first.rule),
            (pointer, rule),
            "{errors}"
        );
        assert!(first.message.starts_with(message), "{errors}");
    }
    // The version decides the schema: a 3.2 client must not send 3.4's fields.
    let check = schema::sample_update_check(v("3.4"));
    let mut payload = serde_json::to_value(check.at(&v("3.4"))).unwrap();
    payload["version"] = json!("3.2.0");
    let bytes = serde_json::to_vec(&payload).unwrap();
    let errors = UpdateCheck::decode_self_versioned(&bytes, &limits)
        .err()
        .unwrap();
    assert_eq!(
        errors.to_string(),
        "`/usageStatistics/multiTenancy`: not part of usage-statistics 3.2.0, added in 3.4.0 [additionalProperties]"
    );
    // An invalid version, then the key again: a validator keeps the last value (which may
    // be valid), so the repeat is named too. (Found by a seed of the differential test.)
    let repeated = br#"{"version": -1, "installationId": "x", "version": "3.4.0"}"#;
    let errors = UpdateCheck::decode_self_versioned(repeated, &limits)
        .err()
        .unwrap();
    let found: Vec<(&str, &str)> = errors
        .iter()
        .map(|e| (e.pointer.as_str(), e.rule))
        .collect();
    assert_eq!(found, [("/version", "type"), ("/version", "duplicateKey")]);
}

#[test]
fn model_decodes_type_erased() {
    let model = Model::of::<UsageStatistics>();
    let limits = Limits::default();
    let bytes = serde_json::to_vec(&sample("3.2")).unwrap();
    let value = model.decode(&v("3.2"), &bytes, &limits).unwrap();
    assert_eq!(value, sample("3.2"));
    let errors = model.decode(&v("2.6"), &bytes, &limits).err().unwrap();
    assert_eq!(only(&errors).0, "/channels");

    let check = schema::sample_update_check(v("3.12"));
    let bytes = serde_json::to_vec(&check.at(&v("3.12"))).unwrap();
    let (version, value) = Model::of::<UpdateCheck>()
        .decode_self_versioned(&bytes, &limits)
        .unwrap();
    assert_eq!(version, v("3.12"));
    assert_eq!(value["usageStatistics"]["certificates"], 23);
}

/// A heartbeat whose own version is in `productVersion`, declared as such.
#[derive(Metrics, Debug)]
#[metrics(rename_all = "camelCase")]
struct Heartbeat {
    /// The running product's version
    #[metrics(version)]
    product_version: Version,
    /// The number of agents
    #[since("2.0")]
    agents: u32,
}

#[test]
fn a_declared_version_field_decides_the_schema() {
    assert_eq!(Heartbeat::VERSION_KEY, Some("productVersion"));
    assert_eq!(
        UpdateCheck::VERSION_KEY,
        Some("version"),
        "a field named `version`"
    );
    let limits = Limits::default();
    let new =
        Heartbeat::decode_self_versioned(br#"{"productVersion":"2.1.0","agents":4}"#, &limits)
            .unwrap();
    assert_eq!(new.version(), &Version::new(2, 1, 0));
    assert_eq!(new.value().agents, 4);
    let errors =
        Heartbeat::decode_self_versioned(br#"{"productVersion":"1.9.0","agents":4}"#, &limits)
            .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "`/agents`: not part of heartbeat 1.9.0, added in 2.0.0 [additionalProperties]"
    );
    let missing = Heartbeat::decode_self_versioned(br#"{"version":"2.1.0"}"#, &limits).unwrap_err();
    assert_eq!(missing.iter().next().unwrap().rule, "required");
    assert!(
        missing
            .to_string()
            .contains("missing field `productVersion`"),
        "{missing}"
    );
}

#[test]
fn a_payload_without_a_version_field_says_how_to_declare_one() {
    let errors = Small::decode_self_versioned(br#"{"count":1}"#, &Limits::default()).unwrap_err();
    let violation = errors.iter().next().unwrap();
    assert_eq!(violation.rule, "version");
    assert!(
        violation
            .message
            .contains("mark the `Version` field that holds its version with `#[metrics(version)]`"),
        "{violation}"
    );
}
