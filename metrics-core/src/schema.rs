//! JSON Schema (draft 2020-12) of a payload at one version: plain data built from the tables.

use schemars::Schema;
use serde_json::{Map, Value};

use crate::field::Field;
use crate::metrics::Metrics;
use crate::version::{Release, Version};

/// The dialect every generated schema declares.
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// What a schema is being built for: the release, and the `$defs` collected so far.
pub struct SchemaContext {
    release: Release,
    defs: Map<String, Value>,
    /// The type behind each definition name.
    owners: std::collections::BTreeMap<String, &'static str>,
}

impl SchemaContext {
    pub(crate) fn new(release: Release) -> Self {
        SchemaContext {
            release,
            defs: Map::new(),
            owners: std::collections::BTreeMap::new(),
        }
    }

    /// The release the schema describes.
    pub fn release(&self) -> Release {
        self.release
    }

    /// A `$ref` to the definition of the type `owner` (its `std::any::type_name`), under
    /// `name`, built by `build` the first time it is asked for. Two different types with the
    /// same name (`a::Counts` and `b::Counts`) get two definitions: the second is `name-2`.
    pub fn define(
        &mut self,
        name: &str,
        owner: &'static str,
        build: impl FnOnce(&mut Self) -> Schema,
    ) -> Schema {
        let mut key = name.to_owned();
        let mut n = 1;
        loop {
            match self.owners.get(&key) {
                Some(existing) if *existing == owner => {
                    return schemars::json_schema!({ "$ref": format!("#/$defs/{key}") });
                }
                Some(_) => {
                    n += 1;
                    key = format!("{name}-{n}");
                }
                None => break,
            }
        }
        self.owners.insert(key.clone(), owner);
        // A placeholder first, so that a recursive type refers to itself instead of looping.
        self.defs.insert(key.clone(), Value::Bool(true));
        let schema = build(self);
        self.defs.insert(key.clone(), schema.to_value());
        schemars::json_schema!({ "$ref": format!("#/$defs/{key}") })
    }
}

/// Which of a payload's schemas applies: the baseline (the fields without `#[since]`, sent
/// by the versions before the first change point), or the schema of a change point.
///
/// Ordered as the versions are: the baseline first. Displays as its schema file is named:
/// `baseline`, `3.2.0`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SchemaVersion {
    /// The schema before the first change point.
    Baseline,
    /// The schema from this change point up to the next one.
    At(Version),
}

impl SchemaVersion {
    /// The schema that applies at `version`, given the payload's change points (ascending):
    /// the newest change point at or before its release, else the baseline.
    pub fn in_force(versions: &[Version], version: &Version) -> Self {
        let release = version.release();
        match versions.iter().rev().find(|v| v.release() <= release) {
            Some(v) => SchemaVersion::At(v.clone()),
            None => SchemaVersion::Baseline,
        }
    }

    /// Every schema of a payload with these change points, each with a product version that
    /// sends it: the baseline (at the version just below the first change point, `2.5.0`
    /// below `2.6.0`; none when the first change point is `0.0.0`), then each change point.
    pub fn list(versions: &[Version]) -> Vec<(SchemaVersion, Version)> {
        let baseline = baseline_probe(versions).map(|v| (SchemaVersion::Baseline, v));
        baseline
            .into_iter()
            .chain(
                versions
                    .iter()
                    .map(|v| (SchemaVersion::At(v.clone()), v.clone())),
            )
            .collect()
    }

    /// The change point, `None` for the baseline.
    pub fn version(&self) -> Option<&Version> {
        match self {
            SchemaVersion::Baseline => None,
            SchemaVersion::At(version) => Some(version),
        }
    }

    /// Reads `baseline` or a version (`3.2` is `3.2.0`).
    pub fn parse(text: &str) -> Result<Self, crate::VersionError> {
        if text == "baseline" {
            return Ok(SchemaVersion::Baseline);
        }
        Version::parse(text).map(SchemaVersion::At)
    }
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaVersion::Baseline => f.write_str("baseline"),
            SchemaVersion::At(version) => write!(f, "{version}"),
        }
    }
}

/// A version that sends the baseline: just below the first change point; `None` when
/// there is no baseline (the first change point is `0.0.0`). With no change point at all,
/// every version sends the baseline (`0.0.0`).
fn baseline_probe(versions: &[Version]) -> Option<Version> {
    let Some(first) = versions.first() else {
        return Some(Version::new(0, 0, 0));
    };
    let (major, minor, patch) = (first.major(), first.minor(), first.patch());
    match (major, minor, patch) {
        (0, 0, 0) => None,
        (_, _, 1..) => Some(Version::new(major, minor, patch - 1)),
        (_, 1.., 0) => Some(Version::new(major, minor - 1, 0)),
        (_, 0, 0) => Some(Version::new(major - 1, 0, 0)),
    }
}

/// The stable `$id` of a payload's schema (`urn:metrics:usage-statistics:3.2.0`,
/// `urn:metrics:usage-statistics:baseline`).
pub fn schema_id(name: &str, schema: &SchemaVersion) -> String {
    format!("urn:metrics:{name}:{schema}")
}

/// The schema of `T`'s payload at `version`.
pub fn root_schema<T: Metrics>(version: &Version) -> Schema {
    let versions = T::versions();
    let effective = SchemaVersion::in_force(&versions, version);
    let release = effective
        .version()
        .map_or_else(|| version.release(), Version::release);
    let mut cx = SchemaContext::new(release);
    let body = object_schema(T::fields(), &mut cx);

    let mut root = Map::new();
    root.insert("$schema".into(), DIALECT.into());
    root.insert("$id".into(), schema_id(T::NAME, &effective).into());
    root.insert("title".into(), format!("{} {effective}", T::NAME).into());
    if !T::DESCRIPTION.is_empty() {
        root.insert("description".into(), T::DESCRIPTION.into());
    }
    root.insert("$comment".into(), applies_to(&effective).into());
    root.extend(body.to_value().as_object().cloned().unwrap_or_default());
    if !cx.defs.is_empty() {
        root.insert("$defs".into(), Value::Object(cx.defs));
    }
    Schema::from(root)
}

/// Says which product versions a schema applies to. It names no later version, so that a
/// released schema file stays unchanged when later versions are added (see `index.json`).
fn applies_to(effective: &SchemaVersion) -> String {
    match effective {
        SchemaVersion::At(v) => {
            format!("The payload of product versions from {v} up to the next version in the index.")
        }
        SchemaVersion::Baseline => {
            "The payload of product versions before the first version in the index.".to_owned()
        }
    }
}

/// The schema of a nested metrics struct: a `$ref` to its definition.
pub fn nested_schema<T: Metrics>(cx: &mut SchemaContext) -> Schema {
    cx.define(T::NAME, std::any::type_name::<T>(), |cx| {
        let mut schema = schemars::json_schema!({ "title": T::NAME });
        if !T::DESCRIPTION.is_empty() {
            schema.insert("description".into(), T::DESCRIPTION.into());
        }
        let body = object_schema(T::fields(), cx);
        if let Some(object) = schema.as_object_mut() {
            object.extend(body.to_value().as_object().cloned().unwrap_or_default());
        }
        schema
    })
}

/// `type: object` with the fields that exist at `cx.release()`, all required, nothing else.
fn object_schema(fields: &[Field], cx: &mut SchemaContext) -> Schema {
    let release = cx.release();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields
        .iter()
        .filter(|f| f.availability().exists_at(release))
    {
        properties.insert(field.key().to_owned(), property_schema(field, cx));
        required.push(Value::from(field.key()));
    }
    schemars::json_schema!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// A field's value schema, with its doc comment as `description` and the version that added
/// it as `$comment` (not the one that removes it: retiring a field leaves released files as
/// they are).
fn property_schema(field: &Field, cx: &mut SchemaContext) -> Value {
    let schema = (field.value.schema)(cx);
    let mut object = match schema.to_value() {
        Value::Object(object) => object,
        other => {
            let mut wrapper = Map::new();
            wrapper.insert("allOf".into(), Value::Array(vec![other]));
            wrapper
        }
    };
    let mut comments: Vec<String> = Vec::new();
    if let Some(Value::String(unit)) = object.shift_remove("$comment") {
        comments.push(unit);
    }
    if let Some(since) = field.since() {
        comments.push(format!("added in {since}"));
    }
    let mut out = Map::new();
    if !field.description().is_empty() {
        out.insert("description".into(), field.description().into());
    }
    if !comments.is_empty() {
        out.insert("$comment".into(), comments.join("; ").into());
    }
    out.extend(object);
    Value::Object(out)
}

/// The versions at which a struct's payload changes: its fields' since and until, and the
/// changes of their value types while the field exists.
pub fn struct_change_points(fields: &[Field], out: &mut Vec<Version>) {
    for field in fields {
        field.availability().push_bounds(out);
        let mut inner = Vec::new();
        (field.value.change_points)(&mut inner);
        out.extend(
            inner
                .into_iter()
                .filter(|v| field.availability().exists_at(v.release())),
        );
    }
}

/// Sorts and deduplicates change points.
pub(crate) fn normalize(mut versions: Vec<Version>) -> Vec<Version> {
    versions.sort();
    versions.dedup();
    versions
}
