//! The generated file set of some payloads, rendered in memory: one schema per change point
//! plus the baseline, the index (each schema's SHA-1, to spot hand edits, and each
//! payload's newest released version) and the disclosure page. Byte-for-byte deterministic.

use std::collections::BTreeMap;

use metrics_core::{Model, SchemaVersion, Sha1Digest, Version};
use serde::{Deserialize, Serialize};

/// The index file: every payload, its schema files and its release record.
pub const INDEX: &str = "index.json";

/// The disclosure page, generated from the declarations.
pub const DOCS: &str = "DISCLOSURE.md";

/// Relative path (with `/`) to file contents.
pub type FileSet = BTreeMap<String, String>;

/// The path of a payload's schema file (`usage-statistics/3.2.0.json`,
/// `usage-statistics/baseline.json`).
pub fn schema_path(payload: &str, schema: &SchemaVersion) -> String {
    format!("{payload}/{schema}.json")
}

/// Pretty JSON with a final newline, as every generated file is written.
pub fn to_json_text(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    text.push('\n');
    text
}

/// `index.json`: per payload, its schema files with their SHA-1, and the newest released
/// version (every change point up to it is frozen history; later ones are drafts).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// One entry per payload, in the order the payloads were given.
    pub payloads: Vec<IndexEntry>,
}

/// One payload in the index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexEntry {
    /// The payload's name.
    pub name: String,
    /// Its doc comment.
    pub description: String,
    /// The newest released version: `release VERSION` records it, and every schema up to
    /// it is frozen. `None` when nothing is released yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<Version>,
    /// The baseline schema file, when the payload has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<IndexFile>,
    /// One schema file per change point, ascending.
    pub versions: Vec<IndexFile>,
}

/// A schema file in the index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexFile {
    /// The change point (absent for the baseline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<Version>,
    /// The path, relative to the index.
    pub file: String,
    /// The SHA-1 of its contents as written.
    pub sha1: String,
}

impl Index {
    /// The entry of `payload`.
    pub fn entry(&self, payload: &str) -> Option<&IndexEntry> {
        self.payloads.iter().find(|entry| entry.name == payload)
    }

    /// The newest released version of `payload`.
    pub fn released(&self, payload: &str) -> Option<&Version> {
        self.entry(payload)?.released.as_ref()
    }
}

impl IndexEntry {
    /// Every file the entry lists, the baseline first.
    pub fn files(&self) -> impl Iterator<Item = &IndexFile> {
        self.baseline.iter().chain(&self.versions)
    }
}

/// Whether the schema `schema` of a payload released through `released` is released.
pub fn is_released(schema: &SchemaVersion, released: Option<&Version>) -> bool {
    match (schema, released) {
        (_, None) => false,
        (SchemaVersion::Baseline, Some(_)) => true,
        (SchemaVersion::At(version), Some(released)) => version.release() <= released.release(),
    }
}

/// Every generated file of `models`: the schemas, the index (with each payload's release
/// record from `releases`) and the disclosure page.
pub fn render_all(models: &[Model], releases: &BTreeMap<String, Version>) -> FileSet {
    let mut files = FileSet::new();
    let mut index = Index::default();
    for model in models {
        let mut entry = IndexEntry {
            name: model.name().to_owned(),
            description: model.description().to_owned(),
            released: releases.get(model.name()).cloned(),
            baseline: None,
            versions: Vec::new(),
        };
        for (schema, probe) in SchemaVersion::list(&model.versions()) {
            let path = schema_path(model.name(), &schema);
            let text = to_json_text(&model.schema_at(&probe));
            let file = IndexFile {
                version: schema.version().cloned(),
                file: path.clone(),
                sha1: Sha1Digest::of(&text).to_string(),
            };
            match schema {
                SchemaVersion::Baseline => entry.baseline = Some(file),
                SchemaVersion::At(_) => entry.versions.push(file),
            }
            files.insert(path, text);
        }
        index.payloads.push(entry);
    }
    files.insert(INDEX.to_owned(), to_json_text(&index));
    files.insert(DOCS.to_owned(), crate::docs::render_docs(models));
    files
}
