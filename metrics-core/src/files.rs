//! The generated file set of some models, rendered in memory: one schema per change point
//! plus the baseline, and an index. Byte-for-byte deterministic.

use std::collections::BTreeMap;

use serde_json::json;

use crate::model::Model;
use crate::version::Version;

/// The file name of the baseline schema (versions before the first change point).
pub const BASELINE: &str = "baseline";

/// The index file, listing every model and its version files.
pub const INDEX: &str = "index.json";

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

/// Every schema file and the index, for `models`.
pub fn render_schemas(models: &[Model]) -> FileSet {
    let mut files = FileSet::new();
    let mut index = Vec::new();
    for model in models {
        let versions = model.versions();
        // The baseline is the schema below the first change point.
        let below_first = Version::new(0, 0, 0);
        let baseline = match versions.first() {
            Some(first) if first.release() <= below_first.release() => None,
            _ => Some(schema_path(model.name(), None)),
        };
        if let Some(path) = &baseline {
            files.insert(path.clone(), to_json_text(&model.schema_at(&below_first)));
        }
        let mut listed = Vec::new();
        for version in &versions {
            let path = schema_path(model.name(), Some(version));
            files.insert(path.clone(), to_json_text(&model.schema_at(version)));
            listed.push(json!({ "version": version.to_string(), "file": path }));
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
