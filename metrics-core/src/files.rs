//! The generated file set of some models, rendered in memory: one schema per change point
//! plus the baseline, an index (with each schema's SHA-1, to spot hand edits) and the
//! disclosure page. Byte-for-byte deterministic.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::Model;
use crate::types::Sha1Digest;
use crate::version::Version;

/// The file name of the baseline schema (versions before the first change point).
pub const BASELINE: &str = "baseline";

/// The index file, listing every model and its version files.
pub const INDEX: &str = "index.json";

/// The disclosure page, generated from the declarations.
pub const DOCS: &str = "DISCLOSURE.md";

/// Relative path (with `/`) to file contents.
pub type FileSet = BTreeMap<String, String>;

/// The path of a model's schema file at a change point (`None`: the baseline).
pub fn schema_path(model: &str, version: Option<&Version>) -> String {
    match version {
        Some(v) => format!("{model}/{v}.json"),
        None => format!("{model}/{BASELINE}.json"),
    }
}

/// Pretty JSON with a final newline, as every generated file is written.
pub fn to_json_text(value: &impl serde::Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    text.push('\n');
    text
}

/// The version a baseline payload is shown at: just below the first change point (`2.5.0`
/// below `2.6.0`); `None` when there is no baseline (the first change point is `0.0.0`).
pub fn baseline_probe(versions: &[Version]) -> Option<Version> {
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

/// Each schema a model has, labelled as its file is named: `baseline` (at
/// [`baseline_probe`]) then each change point.
pub fn labelled_versions(versions: &[Version]) -> Vec<(String, Version)> {
    let baseline = baseline_probe(versions).map(|v| (BASELINE.to_owned(), v));
    baseline
        .into_iter()
        .chain(versions.iter().map(|v| (v.to_string(), v.clone())))
        .collect()
}

/// Every generated file: the schemas, the index and the disclosure page.
pub fn render_all(models: &[Model]) -> FileSet {
    let mut files = render_schemas(models);
    files.insert(DOCS.to_owned(), crate::docs::render_docs(models));
    files
}

/// Every schema file and the index, for `models`.
pub fn render_schemas(models: &[Model]) -> FileSet {
    let mut files = FileSet::new();
    let mut index = Vec::new();
    for model in models {
        let versions = model.versions();
        // The baseline is the schema below the first change point.
        let mut baseline = Value::Null;
        let mut listed = Vec::new();
        for (label, version) in labelled_versions(&versions) {
            let is_baseline = label == BASELINE;
            let path = schema_path(model.name(), (!is_baseline).then_some(&version));
            let text = to_json_text(&model.schema_at(&version));
            let sha1 = Sha1Digest::of(&text).to_string();
            if is_baseline {
                baseline = json!({ "file": path, "sha1": sha1 });
            } else {
                listed.push(json!({ "version": label, "file": path, "sha1": sha1 }));
            }
            files.insert(path, text);
        }
        index.push(json!({
            "name": model.name(),
            "description": model.description(),
            "baseline": baseline,
            "versions": listed,
        }));
    }
    files.insert(INDEX.to_owned(), to_json_text(&json!({ "models": index })));
    files
}
