//! Frozen history: the released schema files of a payload (every change point up to the
//! newest released version that `index.json` records) are the record of what released
//! versions send. Reads them, spots damaged files, and tells, per field and in words, how
//! the declarations would change a released payload and how to fix the declaration.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::Path;

use metrics_core::{Field, Model, SchemaVersion, Sha1Digest, Shape, Version};
use serde::Serialize;
use serde_json::Value;

use crate::diff::{Change, FieldPath, added_in, diff_schemas, property_at};
use crate::files::{INDEX, Index, is_released, schema_path};

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A file of the record cannot be trusted: deleted, edited by hand, not JSON.
    Damaged,
    /// The declarations would change what a released version sends.
    History,
    /// A generated file differs from what the declarations produce (run `generate`).
    Stale,
    /// The version a release pipeline expects is not recorded as released.
    NotReleased,
}

/// One problem `check` (and `generate`) reports, with the file it is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub kind: Kind,
    /// The file, relative to the schema directory.
    pub file: String,
    /// The payload, when the finding is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The released schemas it concerns (`baseline`, `1.2.0`), for history findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The field, a JSON pointer, for history findings about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Finding {
    /// A finding about a file.
    pub fn file(kind: Kind, file: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            kind,
            file: file.into(),
            payload: None,
            versions: Vec::new(),
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.payload) {
            (Kind::History, Some(payload)) => {
                write!(
                    f,
                    "{payload} {}: {}",
                    self.versions.join(", "),
                    self.message
                )
            }
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// The released record of one payload, as far as it can be trusted.
#[derive(Debug, Default)]
pub struct Record {
    /// The newest released version (`None`: nothing released; everything is a draft).
    pub released_through: Option<Version>,
    /// The released schemas whose files are intact.
    pub schemas: BTreeMap<SchemaVersion, Value>,
    /// The released schemas whose files are damaged: they take no part in the history
    /// check (each is reported once, as damaged).
    pub damaged: BTreeSet<SchemaVersion>,
}

/// Reads `index.json` in `dir`: `Ok(None)` when there is none; a damaged-file finding when
/// it cannot be read as an index.
pub fn read_index(dir: &Path) -> Result<Option<Index>, Box<Finding>> {
    let text = match fs::read_to_string(dir.join(INDEX)) {
        Ok(text) => text,
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(Box::new(Finding::file(
                Kind::Damaged,
                INDEX,
                format!("cannot be read ({e})"),
            )));
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Box::new(Finding::file(
            Kind::Damaged,
            INDEX,
            format!(
                "not a valid index ({e}): it records which versions are released; restore it \
                 (`git checkout -- {INDEX}`)"
            ),
        ))
    })
}

/// The released record of `model` under `dir`, and a finding per damaged released file: a
/// file the index lists that is missing, is not JSON, or differs from the SHA-1 the index
/// recorded when `generate` wrote it (a hand edit).
pub fn read_record(dir: &Path, model: &Model, index: Option<&Index>) -> (Record, Vec<Finding>) {
    let mut record = Record::default();
    let mut damaged = Vec::new();
    let Some(entry) = index.and_then(|index| index.entry(model.name())) else {
        return (record, damaged);
    };
    record.released_through = entry.released.clone();
    for file in entry.files() {
        let schema = match &file.version {
            Some(version) => SchemaVersion::At(version.clone()),
            None => SchemaVersion::Baseline,
        };
        if !is_released(&schema, record.released_through.as_ref()) {
            continue;
        }
        let path = schema_path(model.name(), &schema);
        let restore = format!(
            "restore it (`git checkout -- {path}`), or rewrite it from the declarations with \
             `generate --allow-history-change`"
        );
        let problem = match fs::read_to_string(dir.join(&path)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(format!(
                "listed in {INDEX} as released, but missing: a released schema was deleted; {restore}"
            )),
            Err(e) => Some(format!("cannot be read ({e}); {restore}")),
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Err(e) => Some(format!(
                    "not valid JSON ({e}): a released schema was damaged (truncated?); {restore}"
                )),
                Ok(value) if !value.is_object() => {
                    Some(format!("not a JSON Schema object; {restore}"))
                }
                Ok(_) if Sha1Digest::of(&text).to_string() != file.sha1 => Some(format!(
                    "edited by hand: its contents differ from the SHA-1 that {INDEX} recorded \
                     when `generate` wrote it; {restore}"
                )),
                Ok(value) => {
                    record.schemas.insert(schema.clone(), value);
                    None
                }
            },
        };
        if let Some(problem) = problem {
            record.damaged.insert(schema);
            damaged.push(Finding {
                payload: Some(model.name().to_owned()),
                ..Finding::file(Kind::Damaged, path, problem)
            });
        }
    }
    (record, damaged)
}

/// One raw difference between a released schema and the declarations.
struct Raw {
    /// The released schema that would change.
    schema: SchemaVersion,
    /// A declared change point inside the released history that has no file: what that
    /// product version would send now, against the released schema covering it.
    product: Option<Version>,
    change: Change,
}

impl Raw {
    /// How the changed payload is named: `the released 1.2.0 payload`, or for a new change
    /// point inside the history, `what 1.1.0 sends (the released baseline payload)`.
    fn phrase(&self) -> String {
        match &self.product {
            Some(product) => format!(
                "what {product} sends (the released {} payload)",
                self.schema
            ),
            None => format!("the released {} payload", self.schema),
        }
    }
}

/// How the declarations of `model` would change its released payloads, one finding per
/// field (or lost file), each saying how to fix the declaration. Nothing when nothing is
/// released. Damaged files take no part.
pub fn history_findings(model: &Model, record: &Record) -> Vec<Finding> {
    let Some(released_through) = &record.released_through else {
        return Vec::new();
    };
    let versions = model.versions();
    let listed = SchemaVersion::list(&versions);
    let probe_of = |schema: &SchemaVersion| {
        listed
            .iter()
            .find(|(s, _)| s == schema)
            .map(|(_, probe)| probe.clone())
    };
    let mut raw = Vec::new();
    let mut lost = Vec::new();
    for (schema, old) in &record.schemas {
        let probe = probe_of(schema);
        if probe.is_none() {
            lost.push(schema.clone());
        }
        let probe = probe.unwrap_or_else(|| match schema {
            SchemaVersion::At(version) => version.clone(),
            SchemaVersion::Baseline => Version::new(0, 0, 0),
        });
        let new = model.schema_at(&probe).to_value();
        raw.extend(diff_schemas(old, &new).into_iter().map(|change| Raw {
            schema: schema.clone(),
            product: None,
            change,
        }));
    }
    // A declared change point inside the released history changes what that version sends.
    for version in &versions {
        let schema = SchemaVersion::At(version.clone());
        if !is_released(&schema, Some(released_through))
            || record.schemas.contains_key(&schema)
            || record.damaged.contains(&schema)
        {
            continue;
        }
        let Some((covering, old)) = record.schemas.range(..schema.clone()).next_back() else {
            continue;
        };
        if record
            .damaged
            .range((
                std::ops::Bound::Excluded(covering),
                std::ops::Bound::Excluded(&schema),
            ))
            .next()
            .is_some()
        {
            // A damaged released file between the two: it, not `covering`, is what this
            // version sent; nothing trustworthy to compare with.
            continue;
        }
        let new = model.schema_at(version).to_value();
        raw.extend(diff_schemas(old, &new).into_iter().map(|change| Raw {
            schema: covering.clone(),
            product: Some(version.clone()),
            change,
        }));
    }
    Interpreter {
        model,
        record,
        released_through,
    }
    .findings(raw, lost)
}

struct Interpreter<'a> {
    model: &'a Model,
    record: &'a Record,
    released_through: &'a Version,
}

/// A version as an attribute takes it: `3.2` for `3.2.0`.
fn short(version: &str) -> String {
    version.strip_suffix(".0").unwrap_or(version).to_owned()
}

impl Interpreter<'_> {
    /// The since the released schemas give `path`: `Some(None)` for a field released
    /// without one, `None` when no released schema has the field.
    fn released_since(&self, path: &FieldPath) -> Option<Option<String>> {
        self.record
            .schemas
            .values()
            .find_map(|schema| property_at(schema, path).map(added_in))
    }

    /// The declared fields at `path` (two when a key is shared by fields in versions that
    /// do not overlap).
    fn declared(&self, path: &FieldPath) -> Vec<&'static Field> {
        let mut fields = self.model.fields();
        let Some((last, parents)) = path.keys().split_last() else {
            return Vec::new();
        };
        for key in parents {
            let nested = fields
                .iter()
                .filter(|f| f.key() == key)
                .find_map(|f| match f.shape() {
                    Shape::Struct { fields, .. } => Some(fields()),
                    Shape::Optional(inner) => match inner() {
                        Shape::Struct { fields, .. } => Some(fields()),
                        _ => None,
                    },
                    _ => None,
                });
            match nested {
                Some(nested) => fields = nested,
                None => return Vec::new(),
            }
        }
        fields.iter().filter(|f| f.key() == last).collect()
    }

    fn finding(&self, items: &[&Raw], field: &FieldPath, message: String) -> Finding {
        let mut versions: Vec<String> = Vec::new();
        for item in items {
            let label = item.schema.to_string();
            if !versions.contains(&label) {
                versions.push(label);
            }
        }
        let file = items.first().map_or_else(String::new, |item| {
            let schema = match &item.product {
                Some(product) => SchemaVersion::At(product.clone()),
                None => item.schema.clone(),
            };
            schema_path(self.model.name(), &schema)
        });
        Finding {
            kind: Kind::History,
            file,
            payload: Some(self.model.name().to_owned()),
            versions,
            field: Some(field.pointer()),
            message,
        }
    }

    /// The payloads a change touches, in words: `the released 1.2.0, 1.4.0 payloads`.
    fn payloads(items: &[&Raw]) -> String {
        let mut released: Vec<String> = Vec::new();
        let mut phrases: Vec<String> = Vec::new();
        for item in items {
            if item.product.is_some() {
                let phrase = item.phrase();
                if !phrases.contains(&phrase) {
                    phrases.push(phrase);
                }
            } else if !released.contains(&item.schema.to_string()) {
                released.push(item.schema.to_string());
            }
        }
        match released.len() {
            0 => {}
            1 => phrases.insert(0, format!("the released {} payload", released[0])),
            _ => phrases.insert(0, format!("the released {} payloads", released.join(", "))),
        }
        phrases.join(" and ")
    }

    fn findings(&self, raw: Vec<Raw>, lost: Vec<SchemaVersion>) -> Vec<Finding> {
        let newest = self.released_through;
        let later = format!("a version after the newest released one ({newest})");
        let mut out = Vec::new();
        let mut done: BTreeSet<FieldPath> = BTreeSet::new();

        // Renames: a field no longer declared, and a field never released with the same
        // type and since, in the same released payload and the same parent.
        for removed in &raw {
            let Change::Removed {
                field: old,
                ty,
                since,
                ..
            } = &removed.change
            else {
                continue;
            };
            if done.contains(old) || !self.declared(old).is_empty() {
                continue;
            }
            let partner = raw.iter().find_map(|added| match &added.change {
                Change::Added {
                    field: new,
                    ty: new_ty,
                    since: new_since,
                    ..
                } if added.schema == removed.schema
                    && new_ty == ty
                    && new_since == since
                    && new.keys().len() == old.keys().len()
                    && new.keys()[..new.keys().len() - 1] == old.keys()[..old.keys().len() - 1]
                    && self.released_since(new).is_none()
                    && !done.contains(new) =>
                {
                    Some(new.clone())
                }
                _ => None,
            });
            let Some(new) = partner else {
                continue;
            };
            let items: Vec<&Raw> = raw
                .iter()
                .filter(|r| r.change.field() == old || r.change.field() == &new)
                .collect();
            let key = old.keys().last().cloned().unwrap_or_default();
            let message = format!(
                "field `{old}` would disappear and a new field `{new}` with the same type and since would appear in {}: renamed? keep the JSON key with `#[metrics(rename = \"{key}\")]` on the field now sent as `{new}`",
                Self::payloads(&items)
            );
            out.push(self.finding(&items, old, message));
            done.insert(old.clone());
            done.insert(new);
        }

        let mut since_moves: Vec<String> = Vec::new();
        let mut paths: Vec<&FieldPath> = Vec::new();
        for item in &raw {
            let path = item.change.field();
            if !done.contains(path) && !paths.contains(&path) {
                paths.push(path);
            }
        }
        for path in paths {
            let items: Vec<&Raw> = raw.iter().filter(|r| r.change.field() == path).collect();
            let declared = self.declared(path);
            let released_since = self.released_since(path);
            let key = path.keys().last().cloned().unwrap_or_default();
            let moved = items
                .iter()
                .any(|i| matches!(i.change, Change::Added { .. } | Change::Removed { .. }));

            // The since moved: the field was released with one since, is declared with another.
            if let (true, Some(was), Some(first)) = (moved, &released_since, declared.first())
                && path.part().is_none()
                && !declared
                    .iter()
                    .any(|f| f.since().map(ToString::to_string) == *was)
            {
                let payloads = Self::payloads(&items);
                let now = first.since().map(ToString::to_string);
                let restore = match was {
                    Some(was) => format!("restore `#[since(\"{}\")]`", short(was)),
                    None => "remove the `#[since]`: it was sent from the start".to_owned(),
                };
                let message = format!(
                    "field `{path}`: since changed from {} to {}, which would change {payloads}; a released field keeps its since: {restore}",
                    was.as_deref().unwrap_or("none (sent from the start)"),
                    now.as_deref().unwrap_or("none (sent from the start)"),
                );
                if let Some(was) = was {
                    since_moves.push(was.clone());
                }
                out.push(self.finding(&items, path, message));
                continue;
            }

            let mut reported: Vec<usize> = Vec::new();
            for (index, item) in items.iter().enumerate() {
                if reported.contains(&index) {
                    continue;
                }
                // The same change in several released payloads is reported once, naming all.
                let same: Vec<&Raw> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, other)| same_kind(&other.change, &item.change))
                    .map(|(i, other)| {
                        reported.push(i);
                        *other
                    })
                    .collect();
                let payloads = Self::payloads(&same);
                let message = match &item.change {
                    Change::Removed { ty, .. } if declared.is_empty() => format!(
                        "field `{path}` ({ty}) would disappear from {payloads}: no field is declared as `{key}` any more (renamed or deleted?); a released field stays declared: retire it with `#[until(\"...\")]`, {later}"
                    ),
                    Change::Removed { ty, .. } => {
                        let until = declared.iter().find_map(|f| f.until());
                        match until {
                            Some(until) => format!(
                                "field `{path}` ({ty}) would disappear from {payloads}: its `#[until(\"{}\")]` is inside the released history; retire it in {later}",
                                short(&until.to_string())
                            ),
                            None => {
                                format!("field `{path}` ({ty}) would disappear from {payloads}")
                            }
                        }
                    }
                    Change::Added { since, .. } => match since {
                        Some(since) => format!(
                            "a new field `{path}` with since {since} would change {payloads}; give it a since later than the newest released version ({newest})"
                        ),
                        None => format!(
                            "a new field `{path}` without a since would change {payloads}; give it `#[since]` with {later}"
                        ),
                    },
                    Change::Changed { from, to, .. } => format!(
                        "field `{path}` changed type from {from} to {to}, but {payloads} send {from}; a released field keeps its type. To send the new type, retire this field with `#[until(\"X.Y\")]` and declare a new one with `#[since(\"X.Y\")]` and `#[metrics(rename = \"{key}\")]` (two fields may share a JSON key in versions that do not overlap), X.Y being {later}"
                    ),
                    Change::ValuesAdded { values, .. } => format!(
                        "field `{path}` would accept new values {} in {payloads}; give a new variant a since later than the newest released version ({newest})",
                        quoted(values)
                    ),
                    Change::ValuesRemoved { values, .. } => format!(
                        "field `{path}` would no longer accept {} in {payloads}; a released variant stays declared: retire it with `#[until(\"...\")]`, {later}",
                        quoted(values)
                    ),
                };
                out.push(self.finding(&same, path, message));
            }
        }

        for schema in lost {
            if since_moves.contains(&schema.to_string()) {
                continue;
            }
            let path = schema_path(self.model.name(), &schema);
            out.push(Finding {
                kind: Kind::History,
                file: path.clone(),
                payload: Some(self.model.name().to_owned()),
                versions: vec![schema.to_string()],
                field: None,
                message: format!(
                    "the released version would lose its schema file ({path}): no declared field, variant or nested field changes at {schema} any more"
                ),
            });
        }
        out
    }
}

fn same_kind(a: &Change, b: &Change) -> bool {
    match (a, b) {
        (Change::Removed { ty: x, .. }, Change::Removed { ty: y, .. }) => x == y,
        (Change::Added { since: x, .. }, Change::Added { since: y, .. }) => x == y,
        (Change::Changed { from: a, to: b, .. }, Change::Changed { from: c, to: d, .. }) => {
            a == c && b == d
        }
        (Change::ValuesAdded { values: x, .. }, Change::ValuesAdded { values: y, .. })
        | (Change::ValuesRemoved { values: x, .. }, Change::ValuesRemoved { values: y, .. }) => {
            x == y
        }
        _ => false,
    }
}

fn quoted(values: &[String]) -> String {
    crate::diff::quoted(values)
}
