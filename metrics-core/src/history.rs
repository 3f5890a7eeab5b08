//! Frozen history: the committed schema files of a model are the record of what each released
//! version sends. Reads them, spots hand edits, and tells, in words, how the declarations
//! would change a released payload.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::diff::{Change, diff_schemas, field_paths, quoted};
use crate::files::{BASELINE, INDEX, baseline_probe, schema_path};
use crate::model::Model;
use crate::types::Sha1Digest;
use crate::version::Version;

/// A model's committed schemas: `None` is the baseline, then each released version.
pub type Released = BTreeMap<Option<Version>, Value>;

/// The label of a released schema (`baseline`, `3.2.0`).
pub fn label(version: Option<&Version>) -> String {
    version.map_or_else(|| BASELINE.to_owned(), Version::to_string)
}

/// Why the committed files cannot be read as a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedFile {
    /// The file, relative to the schema directory.
    pub path: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for DamagedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

/// The released schemas of `model` under `dir` (none when its directory does not exist),
/// and the files that are damaged: unparsable JSON, or contents that differ from the SHA-1
/// the index recorded when `generate` wrote them (a hand edit).
pub fn read_released(dir: &Path, model: &Model) -> Result<(Released, Vec<DamagedFile>), String> {
    let mut released = Released::new();
    let mut damaged = Vec::new();
    let model_dir = dir.join(model.name());
    let checksums = recorded_checksums(dir, model.name());
    // A file the index lists is a released record: gone from disk is damage, not a new
    // version to write.
    for path in checksums.keys() {
        if !dir.join(path).is_file() {
            damaged.push(DamagedFile {
                path: path.clone(),
                problem: format!(
                    "listed in {INDEX} but missing: a released schema was deleted. Restore it \
                     (`git checkout -- {path}`), or rewrite it from the declarations with \
                     `generate --allow-history-change`"
                ),
            });
        }
    }
    if !model_dir.is_dir() {
        return Ok((released, damaged));
    }
    let entries = fs::read_dir(&model_dir)
        .map_err(|e| format!("cannot read {}: {e}", model_dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let Some(stem) = name.strip_suffix(".json") else {
            continue;
        };
        let version = if stem == BASELINE {
            None
        } else {
            match Version::parse(stem) {
                Ok(v) if v.to_string() == stem => Some(v),
                // Not a version file (`check` reports it as not generated).
                _ => continue,
            }
        };
        let path = schema_path(model.name(), version.as_ref());
        let text = fs::read_to_string(model_dir.join(&name))
            .map_err(|e| format!("cannot read {}: {e}", model_dir.join(&name).display()))?;
        if let Some(recorded) = checksums.get(&path)
            && *recorded != Sha1Digest::of(&text).to_string()
        {
            damaged.push(DamagedFile {
                path: path.clone(),
                problem: format!(
                    "edited by hand: its contents differ from the SHA-1 that {INDEX} recorded when \
                     `generate` wrote it. Restore it (`git checkout -- {path}`), or rewrite it from \
                     the declarations with `generate --allow-history-change`"
                ),
            });
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(value) if value.is_object() => {
                released.insert(version, value);
            }
            Ok(_) => damaged.push(DamagedFile {
                path,
                problem: "not a JSON Schema object; restore it from version control".to_owned(),
            }),
            Err(e) => damaged.push(DamagedFile {
                path,
                problem: format!(
                    "not valid JSON ({e}); restore it from version control, or rewrite it with \
                     `generate --allow-history-change`"
                ),
            }),
        }
    }
    Ok((released, damaged))
}

/// The SHA-1 per file of `model` that the index on disk recorded (empty if none).
fn recorded_checksums(dir: &Path, model: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(index) = fs::read_to_string(dir.join(INDEX))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    else {
        return out;
    };
    let entries = index["models"].as_array().into_iter().flatten();
    for entry in entries.filter(|m| m["name"] == model) {
        let baseline = std::iter::once(&entry["baseline"]);
        let versions = entry["versions"].as_array().into_iter().flatten();
        for file in baseline.chain(versions) {
            if let (Some(path), Some(sha1)) = (file["file"].as_str(), file["sha1"].as_str()) {
                out.insert(path.to_owned(), sha1.to_owned());
            }
        }
    }
    out
}

/// A change the declarations would make to a released payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryChange {
    /// The payload's name.
    pub model: String,
    /// The released schema that would change (`baseline`, `3.2.0`).
    pub version: String,
    /// What would change, in words.
    pub message: String,
    /// The file that would be rewritten or removed.
    pub path: String,
}

impl fmt::Display for HistoryChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.model, self.version, self.message)
    }
}

/// How the declarations of `model` would change its `released` payloads: for each released
/// version, its committed schema against the declared one (and whether its file would go);
/// for each new change point older than the newest released version, the released schema
/// that product version used to send against the declared one. Annotations (descriptions)
/// may change; what a payload contains may not.
pub fn history_changes(model: &Model, released: &Released) -> Vec<HistoryChange> {
    let mut out = Vec::new();
    let Some(newest) = released.keys().next_back().cloned() else {
        return out;
    };
    let newest_label = label(newest.as_ref());
    let versions = model.versions();
    let context = Context {
        model,
        newest: &newest_label,
        released,
    };

    for (version, old) in released {
        let here = label(version.as_ref());
        let path = schema_path(model.name(), version.as_ref());
        let probe = match version {
            Some(v) => Some(v.clone()),
            None => baseline_probe(&versions),
        };
        let still_generated = match version {
            Some(v) => versions.contains(v),
            None => probe.is_some(),
        };
        let probe = probe.unwrap_or_else(|| Version::new(0, 0, 0));
        let new = model.schema_at(&probe).to_value();
        let changes = diff_schemas(old, &new);
        for change in &changes {
            out.push(HistoryChange {
                model: model.name().to_owned(),
                version: here.clone(),
                message: context.words(change, &here, None),
                path: path.clone(),
            });
        }
        if !still_generated {
            out.push(HistoryChange {
                model: model.name().to_owned(),
                version: here.clone(),
                message: format!(
                    "the released version would lose its schema file ({path}): no declared \
                     field, variant or nested field changes at {here} any more"
                ),
                path: path.clone(),
            });
        }
    }

    // A new change point inside the released history changes what that product version sends.
    for version in &versions {
        let inside = newest.as_ref().is_some_and(|newest| version < newest);
        if !inside || released.contains_key(&Some(version.clone())) {
            continue;
        }
        let covering = released
            .keys()
            .rev()
            .find(|k| k.as_ref().is_none_or(|k| k < version))
            .cloned()
            .unwrap_or(None);
        let Some(old) = released.get(&covering) else {
            continue;
        };
        let covering_label = label(covering.as_ref());
        let new = model.schema_at(version).to_value();
        for change in diff_schemas(old, &new) {
            out.push(HistoryChange {
                model: model.name().to_owned(),
                version: covering_label.clone(),
                message: context.words(&change, &covering_label, Some(version)),
                path: schema_path(model.name(), Some(version)),
            });
        }
    }
    out
}

struct Context<'a> {
    model: &'a Model,
    newest: &'a str,
    released: &'a Released,
}

impl Context<'_> {
    /// The top-level field with this JSON key, if `field` is a top-level path.
    fn declared(&self, field: &str) -> Option<&'static crate::Field> {
        self.model.fields().iter().find(|f| f.key() == field)
    }

    /// Whether any released schema has this field path.
    fn was_released(&self, field: &str) -> bool {
        self.released
            .values()
            .any(|schema| field_paths(schema).iter().any(|p| p == field))
    }

    fn words(&self, change: &Change, released: &str, product: Option<&Version>) -> String {
        let payload = match product {
            Some(v) => format!("what product version {v} sends (the released {released} payload)"),
            None => format!("the released {released} payload"),
        };
        let fix = format!(
            "give it a since later than the newest released version ({})",
            self.newest
        );
        match change {
            Change::Added { field, since, .. } => {
                let since = match since {
                    Some(since) => format!("with since {since}"),
                    None => "without a since".to_owned(),
                };
                if self.was_released(field) {
                    format!(
                        "field `{field}` ({since}) would appear in {payload}, which did not send it; \
                         restore its since"
                    )
                } else {
                    format!("a new field `{field}` {since} would change {payload}; {fix}")
                }
            }
            Change::Removed { field, ty } => {
                let hint = match self.declared(field) {
                    Some(f) => match (f.since(), f.until()) {
                        (Some(since), _) if product.is_none() => {
                            format!(" (its since is now {since}); restore its since")
                        }
                        (_, Some(until)) => format!(
                            " (its until is now {until}); retire a field with an until later \
                             than the newest released version ({})",
                            self.newest
                        ),
                        _ => String::new(),
                    },
                    None if !field.contains('.') => format!(
                        " (no field is declared as `{field}` any more: renamed or deleted?); a \
                         released field stays declared, retire it with #[until]"
                    ),
                    None => String::new(),
                };
                format!("field `{field}` ({ty}) would disappear{hint}")
            }
            Change::Changed { field, from, to } => {
                format!("field `{field}` changed type from {from} to {to}")
            }
            Change::ValuesAdded { field, values } => format!(
                "field `{field}` would accept new values {} in {payload}; {}",
                quoted(values),
                fix.replace("give it", "give a new variant")
            ),
            Change::ValuesRemoved { field, values } => format!(
                "field `{field}` would no longer accept {} in {payload}",
                quoted(values)
            ),
        }
    }
}
