//! The disclosure page, Markdown generated from the declarations: per payload, a `Metric |
//! Since` table of its top-level fields, a changelog per version and an example payload per
//! version.

use std::fmt::Write;

use crate::diff::{Change, diff_schemas, quoted};
use crate::files::{BASELINE, labelled_versions};
use crate::model::Model;
use crate::version::Version;

/// A version as people write it: `3.2` for `3.2.0`, `3.11.2` as is.
pub fn short_version(version: &Version) -> String {
    if version.patch() == 0 && !version.is_prerelease() && version.as_semver().build.is_empty() {
        format!("{}.{}", version.major(), version.minor())
    } else {
        version.to_string()
    }
}

/// The rows of a model's `Metric | Since` table: each top-level field's summary (the first
/// line of its doc comment) and its version: its `#[since]`, or `<V` (V the first change
/// point) for a field present from the start; `, removed in U` when it has an `#[until]`.
pub fn metric_rows(model: &Model) -> Vec<(String, String)> {
    let versions = model.versions();
    model
        .fields()
        .iter()
        .map(|field| {
            let mut since = match (field.since(), versions.first()) {
                (Some(since), _) => short_version(since),
                (None, Some(first)) => format!("<{}", short_version(first)),
                (None, None) => "always".to_owned(),
            };
            if let Some(until) = field.until() {
                write!(since, ", removed in {}", short_version(until)).unwrap();
            }
            (field.summary().to_owned(), since)
        })
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// One changelog line.
fn change_line(change: &Change) -> String {
    match change {
        Change::Added {
            field,
            ty,
            description,
            ..
        } => match description {
            Some(d) if !d.is_empty() => format!("Added `{field}`: {d} ({ty})"),
            _ => format!("Added `{field}` ({ty})"),
        },
        Change::Removed { field, .. } => format!("Removed `{field}`"),
        Change::Changed { field, from, to } => format!("`{field}` changed from {from} to {to}"),
        Change::ValuesAdded { field, values } => {
            format!("`{field}` may also be {}", quoted(values))
        }
        Change::ValuesRemoved { field, values } => {
            format!("`{field}` may no longer be {}", quoted(values))
        }
    }
}

/// The whole disclosure page for `models`.
pub fn render_docs(models: &[Model]) -> String {
    let mut out = String::new();
    out.push_str("# What is sent\n\n");
    out.push_str(
        "<!-- Generated from the metric declarations by the `docs` (or `generate`) command; \
         do not edit by hand: `check` fails when this page and the declarations disagree. -->\n",
    );
    for model in models {
        render_model(model, &mut out);
    }
    out
}

fn render_model(model: &Model, out: &mut String) {
    let w = out;
    writeln!(w, "\n## {}\n", model.name()).unwrap();
    if !model.description().is_empty() {
        writeln!(w, "{}\n", model.description()).unwrap();
    }
    w.push_str("| Metric | Since |\n|---|---|\n");
    for (text, since) in metric_rows(model) {
        writeln!(w, "| {} | {} |", cell(&text), cell(&since)).unwrap();
    }

    let versions = model.versions();
    let labelled = labelled_versions(&versions);
    let schemas: Vec<serde_json::Value> = labelled
        .iter()
        .map(|(_, v)| model.schema_at(v).to_value())
        .collect();
    if labelled.len() > 1 {
        writeln!(w, "\n### Changes by version").unwrap();
        for (i, (_, version)) in labelled.iter().enumerate().skip(1) {
            writeln!(w, "\n#### {}\n", short_version(version)).unwrap();
            for change in diff_schemas(&schemas[i - 1], &schemas[i]) {
                writeln!(w, "- {}", change_line(&change)).unwrap();
            }
        }
    }

    let examples: Vec<(String, serde_json::Value)> = labelled
        .iter()
        .filter_map(|(label, version)| {
            let heading = if label == BASELINE {
                match versions.first() {
                    Some(first) => format!("Before {}", short_version(first)),
                    None => "Every version".to_owned(),
                }
            } else {
                format!("From {}", short_version(version))
            };
            Some((heading, model.example(version)?))
        })
        .collect();
    if !examples.is_empty() {
        writeln!(w, "\n### Example payloads").unwrap();
        for (heading, example) in examples {
            let json = serde_json::to_string_pretty(&example).expect("JSON always serializes");
            writeln!(w, "\n#### {heading}\n\n```json\n{json}\n```").unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::short_version;
    use crate::Version;

    #[test]
    fn versions_are_written_short_when_the_patch_is_zero() {
        let short = |s| short_version(&Version::parse(s).unwrap());
        assert_eq!(short("3.2.0"), "3.2");
        assert_eq!(short("3.11.2"), "3.11.2");
        assert_eq!(short("2018.2.2"), "2018.2.2");
        assert_eq!(short("3.4.0-beta.1"), "3.4.0-beta.1");
    }
}
