//! TEMPORARY stand-in for the server-side decoder of `metrics-core` (the decoding issue),
//! with exactly its API: `Limits`, `Violation`, `Violations` and `decode`.
//!
//! The collector reaches the decoder only through this module. When `metrics-core` has
//! `Model::decode`, replace this whole file with:
//!
//! ```ignore
//! pub use metrics_core::{Limits, Violation, Violations};
//! pub fn decode(model: &Model, version: &Version, bytes: &[u8], limits: &Limits)
//!     -> Result<serde_json::Value, Violations> { model.decode(version, bytes, limits) }
//! ```
//!
//! and drop the `jsonschema` dependency of `collector/Cargo.toml`. Until then this parses
//! with `serde_json` and checks the document against `model.schema_at(version)`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use metrics_core::{Model, Version};
use serde::Serialize;
use serde::ser::SerializeSeq;
use serde_json::Value;

/// Bounds on what the decoder reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest document, in bytes.
    pub max_bytes: usize,
    /// The deepest nesting of objects and arrays.
    pub max_depth: usize,
    /// The most entries of one object.
    pub max_map_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 64 * 1024,
            max_depth: 32,
            max_map_entries: 1024,
        }
    }
}

/// One reason a document is not the payload of the claimed version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// A JSON pointer to the offending value (`""` for the whole document).
    pub pointer: String,
    /// The rule broken, such as `required` or `additionalProperties`.
    pub rule: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// Every violation found in one document (never empty when returned as an error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// The violations, in the order found.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn one(pointer: &str, rule: &'static str, message: String) -> Self {
        Violations(vec![Violation {
            pointer: pointer.to_owned(),
            rule,
            message,
        }])
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let at = if v.pointer.is_empty() {
                "/"
            } else {
                &v.pointer
            };
            write!(f, "{at}: {} ({})", v.message, v.rule)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

impl Serialize for Violations {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Entry<'a> {
            pointer: &'a str,
            rule: &'a str,
            message: &'a str,
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for v in &self.0 {
            seq.serialize_element(&Entry {
                pointer: &v.pointer,
                rule: v.rule,
                message: &v.message,
            })?;
        }
        seq.end()
    }
}

/// The document `bytes` checked against `model` at exactly `version`: the accepted payload
/// as that version sends it, or every violation.
pub fn decode(
    model: &Model,
    version: &Version,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Value, Violations> {
    if bytes.len() > limits.max_bytes {
        return Err(Violations::one(
            "",
            "maxBytes",
            format!(
                "the document has {} bytes, more than the limit of {}",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Violations::one("", "json", format!("not JSON: {e}")))?;
    check_shape(&value, "", 0, limits)?;
    let validator = validator(model, version);
    let mut found = Vec::new();
    for error in validator.iter_errors(&value) {
        flatten(&error, &mut found);
    }
    if found.is_empty() {
        Ok(value)
    } else {
        Err(Violations(found))
    }
}

/// An `anyOf` of an `Option` (`null` or a value) that fails names what is wrong inside the
/// value, not only that neither branch matched.
fn flatten(error: &jsonschema::ValidationError<'_>, out: &mut Vec<Violation>) {
    if let jsonschema::error::ValidationErrorKind::AnyOf { context } = error.kind() {
        let here = error.instance_path().as_str();
        let mut relevant = context.iter().filter(|branch| {
            !(branch.len() == 1
                && branch[0].kind().keyword() == "type"
                && branch[0].instance_path().as_str() == here)
        });
        if let (Some(only), None) = (relevant.next(), relevant.next()) {
            for inner in only {
                flatten(inner, out);
            }
            return;
        }
    }
    out.push(Violation {
        pointer: error.instance_path().as_str().to_owned(),
        rule: static_rule(error.kind().keyword()),
        message: error.to_string(),
    });
}

fn check_shape(
    value: &Value,
    pointer: &str,
    depth: usize,
    limits: &Limits,
) -> Result<(), Violations> {
    let children: Box<dyn Iterator<Item = (String, &Value)>> = match value {
        Value::Object(map) => {
            if map.len() > limits.max_map_entries {
                return Err(Violations::one(
                    pointer,
                    "maxMapEntries",
                    format!(
                        "{} entries, more than the limit of {}",
                        map.len(),
                        limits.max_map_entries
                    ),
                ));
            }
            Box::new(
                map.iter()
                    .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v)),
            )
        }
        Value::Array(items) => Box::new(items.iter().enumerate().map(|(i, v)| (i.to_string(), v))),
        _ => return Ok(()),
    };
    if depth >= limits.max_depth {
        return Err(Violations::one(
            pointer,
            "maxDepth",
            format!("nested deeper than the limit of {}", limits.max_depth),
        ));
    }
    for (key, child) in children {
        check_shape(child, &format!("{pointer}/{key}"), depth + 1, limits)?;
    }
    Ok(())
}

/// One compiled validator per model and schema (`$id` names the schema's effective version).
fn validator(model: &Model, version: &Version) -> Arc<jsonschema::Validator> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<jsonschema::Validator>>>> = OnceLock::new();
    let schema = model.schema_at(version);
    let key = match schema.get("$id").and_then(Value::as_str) {
        Some(id) => id.to_owned(),
        None => format!("{}:{version}", model.name()),
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache.lock().expect("validator cache").get(&key) {
        return v.clone();
    }
    let compiled = Arc::new(
        jsonschema::validator_for(schema.as_value()).expect("the model's schemas are valid"),
    );
    cache
        .lock()
        .expect("validator cache")
        .insert(key, compiled.clone());
    compiled
}

fn static_rule(keyword: &str) -> &'static str {
    const RULES: &[&str] = &[
        "additionalProperties",
        "anyOf",
        "const",
        "enum",
        "format",
        "maximum",
        "minimum",
        "pattern",
        "propertyNames",
        "required",
        "type",
        "oneOf",
        "maxLength",
        "minLength",
        "$ref",
    ];
    RULES
        .iter()
        .find(|r| **r == keyword)
        .copied()
        .unwrap_or("schema")
}
