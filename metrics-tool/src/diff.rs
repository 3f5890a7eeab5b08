//! What changed between two schemas of a payload, field by field: the fields added,
//! removed and changed (nested fields named by path). This module is the one place that
//! walks JSON Schemas (following `$ref`s into `$defs`); the rest of the tooling reads the
//! declarations.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// Where a change is: a field's JSON keys from the payload's root, and for a map, whether
/// its keys or its values changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    keys: Vec<String>,
    part: Option<Part>,
}

/// The part of a map field a change is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// The set of keys a map allows.
    Keys,
    /// The values of a map.
    Values,
}

impl FieldPath {
    /// The path of these JSON keys.
    pub fn new<S: Into<String>>(keys: impl IntoIterator<Item = S>) -> Self {
        FieldPath {
            keys: keys.into_iter().map(Into::into).collect(),
            part: None,
        }
    }

    /// The JSON keys from the root.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// Whether the change is about a map's keys or values.
    pub fn part(&self) -> Option<Part> {
        self.part
    }

    /// The JSON pointer of the field (`/multiTenancy/tenants`), the map's own for a part.
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for key in &self.keys {
            out.push('/');
            out.push_str(&key.replace('~', "~0").replace('/', "~1"));
        }
        out
    }

    fn child(&self, key: &str) -> Self {
        let mut keys = self.keys.clone();
        keys.push(key.to_owned());
        FieldPath { keys, part: None }
    }

    fn with_part(&self, part: Part) -> Self {
        FieldPath {
            keys: self.keys.clone(),
            part: Some(part),
        }
    }
}

/// As people read it: `multiTenancy.tenants`, `deploymentSteps (keys)`.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.keys.join("."))?;
        match self.part {
            Some(Part::Keys) => f.write_str(" (keys)"),
            Some(Part::Values) => f.write_str(" (values)"),
            None => Ok(()),
        }
    }
}

/// Serialized as a JSON pointer (the map's own for a change of its keys or values, which
/// [`Change`] names in `part`).
impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.pointer())
    }
}

/// One difference between two schemas of a payload.
///
/// As JSON: `{"change": "added", "field": "/multiTenancy/tenants", ...}`, with `"part":
/// "keys"` (or `"values"`) when the change is about a map's keys (or values).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A field that only the newer schema has.
    Added {
        /// The field.
        field: FieldPath,
        /// Its type, in words.
        ty: String,
        /// The first paragraph of its description.
        description: Option<String>,
        /// Its since, from the schema's `$comment` (`added in 3.2.0`).
        since: Option<String>,
    },
    /// A field that only the older schema has.
    Removed {
        /// The field.
        field: FieldPath,
        /// Its type, in words.
        ty: String,
        /// Its since in the older schema, from its `$comment`.
        since: Option<String>,
    },
    /// A field whose type differs.
    Changed {
        /// The field.
        field: FieldPath,
        /// The older type, in words.
        from: String,
        /// The newer type, in words.
        to: String,
    },
    /// Values of a closed enum (a field's values, or a map's keys) that only the newer schema allows.
    ValuesAdded {
        /// The field.
        field: FieldPath,
        /// The values.
        values: Vec<String>,
    },
    /// Values of a closed enum that only the older schema allows.
    ValuesRemoved {
        /// The field.
        field: FieldPath,
        /// The values.
        values: Vec<String>,
    },
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        let kind = match self {
            Change::Added { .. } => "added",
            Change::Removed { .. } => "removed",
            Change::Changed { .. } => "changed",
            Change::ValuesAdded { .. } => "values-added",
            Change::ValuesRemoved { .. } => "values-removed",
        };
        map.serialize_entry("change", kind)?;
        let field = self.field();
        map.serialize_entry("field", &field.pointer())?;
        if let Some(part) = field.part() {
            map.serialize_entry("part", &part)?;
        }
        match self {
            Change::Added {
                ty,
                description,
                since,
                ..
            } => {
                map.serialize_entry("type", ty)?;
                if let Some(description) = description {
                    map.serialize_entry("description", description)?;
                }
                if let Some(since) = since {
                    map.serialize_entry("since", since)?;
                }
            }
            Change::Removed { ty, since, .. } => {
                map.serialize_entry("type", ty)?;
                if let Some(since) = since {
                    map.serialize_entry("since", since)?;
                }
            }
            Change::Changed { from, to, .. } => {
                map.serialize_entry("from", from)?;
                map.serialize_entry("to", to)?;
            }
            Change::ValuesAdded { values, .. } | Change::ValuesRemoved { values, .. } => {
                map.serialize_entry("values", values)?;
            }
        }
        map.end()
    }
}

impl Change {
    /// The field the change is about.
    pub fn field(&self) -> &FieldPath {
        match self {
            Change::Added { field, .. }
            | Change::Removed { field, .. }
            | Change::Changed { field, .. }
            | Change::ValuesAdded { field, .. }
            | Change::ValuesRemoved { field, .. } => field,
        }
    }
}

/// As `diff` prints it: `added field `x`: integer (max 255)`.
impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added { field, ty, .. } => write!(f, "added field `{field}`: {ty}"),
            Change::Removed { field, ty, .. } => write!(f, "removed field `{field}`: {ty}"),
            Change::Changed { field, from, to } => {
                write!(f, "changed field `{field}`: from {from} to {to}")
            }
            Change::ValuesAdded { field, values, .. } => {
                write!(f, "field `{field}` allows new values {}", quoted(values))
            }
            Change::ValuesRemoved { field, values, .. } => {
                write!(f, "field `{field}` no longer allows {}", quoted(values))
            }
        }
    }
}

pub(crate) fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The changes from the root schema `old` to the root schema `new` (each resolves its own
/// `$ref`s into its `$defs`). Annotations (`description`, `title`, `$comment`, `$id`) are
/// not changes: only what a payload may contain is.
pub fn diff_schemas(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    let roots = Roots { old, new };
    roots.compare(&FieldPath::default(), old, new, &mut out, 0);
    out
}

/// Whether two root schemas accept the same payloads, annotations aside.
pub fn same_payload(old: &Value, new: &Value) -> bool {
    diff_schemas(old, new).is_empty()
}

/// A schema's type in words: `integer (max 4294967295)`, `one of `a`, `b``, `object `x``.
pub fn describe_type(root: &Value, schema: &Value) -> String {
    describe(root, schema, 0)
}

/// The property schema at `path` in a root schema (following `$ref`s and the non-null
/// branch of `Option`s), with its annotations (`$comment`, `description`).
pub fn property_at<'a>(root: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    let mut schema = root;
    let mut property = None;
    for key in path.keys() {
        let mut object = follow(root, schema);
        if let Some(inner) = nullable_inner(object.as_object()?) {
            object = follow(root, inner);
        }
        let next = object.get("properties")?.get(key)?;
        property = Some(next);
        schema = next;
    }
    property
}

/// The schema a `$ref` chain ends at.
fn follow<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    for _ in 0..MAX_DEPTH {
        match ref_name(schema).and_then(|name| root.get("$defs")?.get(name)) {
            Some(target) => schema = target,
            None => break,
        }
    }
    schema
}

/// The version a property was added in, from its `$comment` (`...; added in 3.2.0`).
pub fn added_in(property: &Value) -> Option<String> {
    let comment = property.get("$comment")?.as_str()?;
    let (_, rest) = comment.split_once("added in ")?;
    Some(rest.split(';').next().unwrap_or(rest).trim().to_owned())
}

struct Roots<'a> {
    old: &'a Value,
    new: &'a Value,
}

const MAX_DEPTH: usize = 32;

/// The keywords that describe rather than constrain.
const ANNOTATIONS: [&str; 6] = [
    "description",
    "title",
    "$comment",
    "$id",
    "$schema",
    "$defs",
];

/// Follows `$ref`s into the root's `$defs`, and drops annotations.
fn resolve(root: &Value, schema: &Value) -> Map<String, Value> {
    let mut out = follow(root, schema)
        .as_object()
        .cloned()
        .unwrap_or_default();
    for key in ANNOTATIONS {
        out.shift_remove(key);
    }
    out
}

/// The name a `$ref` points to, if any.
fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
}

/// The non-null branch of `anyOf: [X, {type: null}]`.
fn nullable_inner(schema: &Map<String, Value>) -> Option<&Value> {
    let branches = schema.get("anyOf")?.as_array()?;
    let [inner, null] = branches.as_slice() else {
        return None;
    };
    (null.get("type") == Some(&Value::from("null"))).then_some(inner)
}

fn enum_values(schema: &Map<String, Value>) -> Option<Vec<String>> {
    let values = schema.get("enum")?.as_array()?;
    Some(
        values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect(),
    )
}

fn is_struct(schema: &Map<String, Value>) -> bool {
    schema.contains_key("properties")
}

fn is_map(schema: &Map<String, Value>) -> bool {
    schema.contains_key("propertyNames")
}

/// The first paragraph of a property's description (one line per paragraph, as the
/// derives write descriptions).
fn summary(property: &Value) -> Option<String> {
    let description = property.get("description")?.as_str()?;
    Some(description.lines().next().unwrap_or("").trim().to_owned())
}

impl Roots<'_> {
    fn compare(
        &self,
        path: &FieldPath,
        old: &Value,
        new: &Value,
        out: &mut Vec<Change>,
        depth: usize,
    ) {
        let (a, b) = (resolve(self.old, old), resolve(self.new, new));
        if depth > MAX_DEPTH {
            return;
        }
        let before = out.len();
        if is_struct(&a) && is_struct(&b) {
            self.compare_structs(path, &a, &b, out, depth);
            // Constraints beside the properties (additionalProperties, ...).
            let strip = |m: &Map<String, Value>| {
                let mut m = m.clone();
                m.shift_remove("properties");
                m.shift_remove("required");
                m
            };
            if strip(&a) != strip(&b) {
                self.changed(path, old, new, out);
            }
            return;
        }
        if let (Some(x), Some(y)) = (nullable_inner(&a), nullable_inner(&b)) {
            return self.compare(path, x, y, out, depth + 1);
        }
        if let (Some(x), Some(y)) = (enum_values(&a), enum_values(&b)) {
            let added: Vec<String> = y.iter().filter(|v| !x.contains(v)).cloned().collect();
            let removed: Vec<String> = x.iter().filter(|v| !y.contains(v)).cloned().collect();
            if !removed.is_empty() {
                out.push(Change::ValuesRemoved {
                    field: path.clone(),
                    values: removed,
                });
            }
            if !added.is_empty() {
                out.push(Change::ValuesAdded {
                    field: path.clone(),
                    values: added,
                });
            }
            let rest = |m: &Map<String, Value>| {
                let mut m = m.clone();
                m.shift_remove("enum");
                m
            };
            if rest(&a) != rest(&b) {
                self.changed(path, old, new, out);
            }
            return;
        }
        if is_map(&a) && is_map(&b) {
            let null = Value::Null;
            let part =
                |m: &Map<String, Value>, key: &str| m.get(key).cloned().unwrap_or(null.clone());
            self.compare(
                &path.with_part(Part::Keys),
                &part(&a, "propertyNames"),
                &part(&b, "propertyNames"),
                out,
                depth + 1,
            );
            self.compare(
                &path.with_part(Part::Values),
                &part(&a, "additionalProperties"),
                &part(&b, "additionalProperties"),
                out,
                depth + 1,
            );
            // The keys' enum renamed (another `$ref` name) is not a change: compare inlined.
            if out.len() == before
                && inline(self.old, old, depth + 1) != inline(self.new, new, depth + 1)
            {
                self.changed(path, old, new, out);
            }
            return;
        }
        if inline(self.old, old, 0) != inline(self.new, new, 0) {
            self.changed(path, old, new, out);
        }
    }

    fn changed(&self, path: &FieldPath, old: &Value, new: &Value, out: &mut Vec<Change>) {
        let (from, mut to) = (describe(self.old, old, 0), describe(self.new, new, 0));
        if from == to {
            to.push_str(" (with other constraints)");
        }
        out.push(Change::Changed {
            field: path.clone(),
            from,
            to,
        });
    }

    fn compare_structs(
        &self,
        path: &FieldPath,
        a: &Map<String, Value>,
        b: &Map<String, Value>,
        out: &mut Vec<Change>,
        depth: usize,
    ) {
        let empty = Map::new();
        let pa = a
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let pb = b
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (key, old) in pa {
            let field = path.child(key);
            match pb.get(key) {
                Some(new) => self.compare(&field, old, new, out, depth + 1),
                None => out.push(Change::Removed {
                    ty: describe(self.old, old, 0),
                    since: added_in(old),
                    field,
                }),
            }
        }
        for (key, new) in pb {
            if !pa.contains_key(key) {
                out.push(Change::Added {
                    field: path.child(key),
                    ty: describe(self.new, new, 0),
                    description: summary(new),
                    since: added_in(new),
                });
            }
        }
        let required = |m: &Map<String, Value>| {
            let mut keys: Vec<String> = m
                .get("required")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(|k| k.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            keys.sort();
            keys
        };
        let (ra, rb) = (required(a), required(b));
        for key in pa.keys().filter(|k| pb.contains_key(*k)) {
            if ra.contains(key) != rb.contains(key) {
                let field = path.child(key);
                let (from, to) = if ra.contains(key) {
                    ("required", "optional")
                } else {
                    ("optional", "required")
                };
                out.push(Change::Changed {
                    field,
                    from: from.to_owned(),
                    to: to.to_owned(),
                });
            }
        }
    }
}

/// A schema with every `$ref` inlined and annotations dropped: plain data to compare.
fn inline(root: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match schema {
        Value::Object(_) => Value::Object(
            resolve(root, schema)
                .into_iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        // Keys are names, not schemas.
                        "properties" => Value::Object(
                            v.as_object()
                                .into_iter()
                                .flatten()
                                .map(|(name, s)| (name.clone(), inline(root, s, depth + 1)))
                                .collect(),
                        ),
                        _ => inline(root, &v, depth + 1),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline(root, v, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

fn number(value: Option<&Value>) -> Option<String> {
    value.filter(|v| v.is_number()).map(Value::to_string)
}

fn describe(root: &Value, schema: &Value, depth: usize) -> String {
    let name = ref_name(schema).map(str::to_owned);
    let s = resolve(root, schema);
    if depth > MAX_DEPTH {
        return "a recursive type".to_owned();
    }
    if let Some(inner) = nullable_inner(&s) {
        return format!("{} or null", describe(root, inner, depth + 1));
    }
    if let Some(values) = enum_values(&s) {
        let set = format!("one of {}", quoted(&values));
        return match name {
            Some(name) => format!("enum `{name}` ({set})"),
            None => set,
        };
    }
    if is_struct(&s) {
        let fields: Vec<&String> = s
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        let fields = fields
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return match name {
            Some(name) => format!("object `{name}` with fields {fields}"),
            None => format!("object with fields {fields}"),
        };
    }
    if is_map(&s) {
        let null = Value::Null;
        let keys = describe(root, s.get("propertyNames").unwrap_or(&null), depth + 1);
        let values = describe(
            root,
            s.get("additionalProperties").unwrap_or(&null),
            depth + 1,
        );
        return format!("map from {keys} to {values}");
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => return Value::Object(s).to_string(),
    };
    let mut details = Vec::new();
    let (min, max) = (number(s.get("minimum")), number(s.get("maximum")));
    match (ty.as_str(), min.as_deref(), max) {
        ("integer", Some("0") | None, Some(max)) => details.push(format!("max {max}")),
        (_, Some(min), Some(max)) => details.push(format!("{min} to {max}")),
        (_, Some(min), None) => details.push(format!("min {min}")),
        (_, None, Some(max)) => details.push(format!("max {max}")),
        _ => {}
    }
    if let Some(format) = s.get("format").and_then(Value::as_str) {
        details.push(format!("format {format}"));
    }
    if let Some(pattern) = s.get("pattern").and_then(Value::as_str) {
        details.push(format!("matching `{pattern}`"));
    }
    if details.is_empty() {
        ty
    } else {
        format!("{ty} ({})", details.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(properties: Value, defs: Value) -> Value {
        json!({
            "$id": "urn:x",
            "type": "object",
            "properties": properties,
            "required": [],
            "additionalProperties": false,
            "$defs": defs,
        })
    }

    fn u(max: u64) -> Value {
        json!({ "type": "integer", "minimum": 0, "maximum": max, "description": "n" })
    }

    #[test]
    fn names_added_removed_and_retyped_fields() {
        let old = root(json!({ "a": u(255), "b": u(7) }), json!({}));
        let new = root(
            json!({ "a": u(4294967295), "c": { "type": "boolean", "description": "Whether\nmore", "$comment": "added in 3.2.0" } }),
            json!({}),
        );
        let changes = diff_schemas(&old, &new);
        let text: Vec<String> = changes.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "changed field `a`: from integer (max 255) to integer (max 4294967295)",
                "removed field `b`: integer (max 7)",
                "added field `c`: boolean",
            ]
        );
        assert!(matches!(
            &changes[2],
            Change::Added { since: Some(s), description: Some(d), .. } if s == "3.2.0" && d == "Whether"
        ));
    }

    #[test]
    fn follows_refs_into_nested_structs_and_enums() {
        let tenancy = |fields: Value| json!({ "title": "t", "type": "object", "properties": fields, "required": [], "additionalProperties": false });
        let old = root(
            json!({ "m": { "$ref": "#/$defs/t" }, "k": { "$ref": "#/$defs/e" } }),
            json!({ "t": tenancy(json!({ "tenants": u(9) })), "e": { "type": "string", "enum": ["a", "b"] } }),
        );
        let new = root(
            json!({ "m": { "$ref": "#/$defs/t" }, "k": { "$ref": "#/$defs/e" } }),
            json!({ "t": tenancy(json!({})), "e": { "type": "string", "enum": ["a", "c"] } }),
        );
        let text: Vec<String> = diff_schemas(&old, &new)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            text,
            [
                "removed field `m.tenants`: integer (max 9)",
                "field `k` no longer allows `b`",
                "field `k` allows new values `c`",
            ]
        );
    }

    #[test]
    fn annotations_are_not_changes() {
        let old = root(json!({ "a": u(9) }), json!({}));
        let mut new = old.clone();
        new["properties"]["a"]["description"] = "reworded".into();
        new["$id"] = "urn:y".into();
        assert!(same_payload(&old, &new));
        new["additionalProperties"] = true.into();
        assert_eq!(diff_schemas(&old, &new).len(), 1);
    }

    #[test]
    fn describes_types_in_words() {
        let r = json!({ "$defs": { "e": { "type": "string", "enum": ["x", "y"] } } });
        let cases = [
            (
                json!({ "anyOf": [u(5), { "type": "null" }] }),
                "integer (max 5) or null",
            ),
            (
                json!({ "type": "number", "minimum": 0, "maximum": 100 }),
                "number (0 to 100)",
            ),
            (
                json!({ "type": "string", "pattern": "^a$" }),
                "string (matching `^a$`)",
            ),
            (
                json!({ "type": "object", "propertyNames": { "$ref": "#/$defs/e" }, "additionalProperties": u(3) }),
                "map from enum `e` (one of `x`, `y`) to integer (max 3)",
            ),
        ];
        for (schema, words) in cases {
            assert_eq!(describe_type(&r, &schema), words);
        }
    }
}
