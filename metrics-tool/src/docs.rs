//! The disclosure page, Markdown generated from the declarations, written for the public:
//! per payload, a `Metric | Since` summary of its top-level fields, a table of every metric
//! (nested fields flattened, map keys listed) with its description, unit and versions, the
//! changes by version and an example payload per version. No type names on the page.

use std::fmt::Write;

use metrics_core::{Leaf, Model, SchemaVersion, Shape, Version};

/// A version as people write it: `3.2` for `3.2.0`, `3.11.2` as is.
pub fn short_version(version: &Version) -> String {
    if version.patch() == 0 && !version.is_prerelease() && version.as_semver().build.is_empty() {
        format!("{}.{}", version.major(), version.minor())
    } else {
        version.to_string()
    }
}

/// When something sent from the start is shown as sent: the declared first release
/// (`1.0`), else `<V` with V the first change point, else `always`.
fn from_the_start(model: &Model, versions: &[Version]) -> String {
    match (model.first_release(), versions.first()) {
        (Some(first), _) => short_version(&first),
        (None, Some(first)) => format!("<{}", short_version(first)),
        (None, None) => "always".to_owned(),
    }
}

/// The rows of a payload's `Metric | Since` table: each top-level field's summary (the first
/// paragraph of its doc comment) and its version: its `#[since]`, or for a field sent from
/// the start the first release when declared (`#[metrics(first_release = "1.0")]`), else
/// `<V` (V the first change point); `, removed in U` when it has an `#[until]`.
pub fn metric_rows(model: &Model) -> Vec<(String, String)> {
    let versions = model.versions();
    model
        .fields()
        .iter()
        .map(|field| {
            let mut since = match field.since() {
                Some(since) => short_version(since),
                None => from_the_start(model, &versions),
            };
            if let Some(until) = field.until() {
                write!(since, ", removed in {}", short_version(until)).unwrap();
            }
            (field.summary().to_owned(), since)
        })
        .collect()
}

/// One row of a payload's table of every metric.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailRow {
    /// The metric's path in the payload (`multiTenancy.tenants`).
    pub metric: String,
    /// What it is: its doc comment's first paragraph (for a map key: the map's, then the
    /// key's).
    pub description: String,
    /// Its unit in words (`count`, `bytes`, `yes/no`, `one of: ...`).
    pub unit: String,
    /// The version it was added in (or sent from the start, as in the summary).
    pub since: String,
    /// The version it was removed in, if it was.
    pub removed_in: Option<String>,
}

fn first_paragraph(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

fn leaf_description(leaf: &Leaf) -> String {
    match leaf.map_key {
        Some(variant) => {
            let map = leaf.context.last().copied().unwrap_or_default();
            let key = match first_paragraph(variant.description()) {
                "" => format!("`{}`", variant.name()),
                text => text.to_owned(),
            };
            format!("{}: {key}", first_paragraph(map))
        }
        None => first_paragraph(leaf.description).to_owned(),
    }
}

fn leaf_unit(leaf: &Leaf) -> String {
    leaf.shape
        .unit_in_words()
        .unwrap_or_else(|| "value".to_owned())
}

/// The rows of a payload's table of every metric: one per leaf, over all versions.
pub fn detail_rows(model: &Model) -> Vec<DetailRow> {
    let versions = model.versions();
    model
        .leaves()
        .iter()
        .map(|leaf| DetailRow {
            metric: leaf.label(),
            description: leaf_description(leaf),
            unit: leaf_unit(leaf),
            since: leaf
                .availability
                .since()
                .map_or_else(|| from_the_start(model, &versions), short_version),
            removed_in: leaf.availability.until().map(short_version),
        })
        .collect()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
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

/// The variants an enum-valued leaf can hold at `release`.
fn values_at(leaf: &Leaf, release: metrics_core::Release) -> Vec<&'static str> {
    let shape = match leaf.shape {
        Shape::Optional(inner) => inner(),
        shape => shape,
    };
    match shape {
        Shape::Enum { variants, .. } => variants()
            .iter()
            .filter(|v| v.availability().exists_at(release))
            .map(|v| v.name())
            .collect(),
        _ => Vec::new(),
    }
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What changed from the `before` release to the `after` release, in words.
fn changes(leaves: &[Leaf], before: &Version, after: &Version) -> Vec<String> {
    let (before, after) = (before.release(), after.release());
    let mut out = Vec::new();
    for leaf in leaves {
        let label = leaf.label();
        match (leaf.exists_at(before), leaf.exists_at(after)) {
            (false, true) => {
                let description = leaf_description(leaf);
                let unit = leaf_unit(leaf);
                out.push(if description.is_empty() {
                    format!("Added `{label}` ({unit})")
                } else {
                    format!("Added `{label}`: {description} ({unit})")
                });
            }
            (true, false) => out.push(format!("Removed `{label}`")),
            (true, true) => {
                let (old, new) = (values_at(leaf, before), values_at(leaf, after));
                let added: Vec<&str> = new.iter().copied().filter(|v| !old.contains(v)).collect();
                let removed: Vec<&str> = old.iter().copied().filter(|v| !new.contains(v)).collect();
                if !added.is_empty() {
                    out.push(format!("`{label}` may also be {}", quoted(&added)));
                }
                if !removed.is_empty() {
                    out.push(format!("`{label}` may no longer be {}", quoted(&removed)));
                }
            }
            (false, false) => {}
        }
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

    writeln!(w, "\n### Every metric\n").unwrap();
    w.push_str("| Metric | What it is | Unit | Since | Removed in |\n|---|---|---|---|---|\n");
    for row in detail_rows(model) {
        writeln!(
            w,
            "| `{}` | {} | {} | {} | {} |",
            cell(&row.metric),
            cell(&row.description),
            cell(&row.unit),
            cell(&row.since),
            cell(row.removed_in.as_deref().unwrap_or(""))
        )
        .unwrap();
    }

    let versions = model.versions();
    let listed = SchemaVersion::list(&versions);
    let leaves = model.leaves();
    if listed.len() > 1 {
        writeln!(w, "\n### Changes by version").unwrap();
        for pair in listed.windows(2) {
            let [(_, before), (_, after)] = pair else {
                continue;
            };
            writeln!(w, "\n#### {}\n", short_version(after)).unwrap();
            for line in changes(&leaves, before, after) {
                writeln!(w, "- {line}").unwrap();
            }
        }
    }

    let examples: Vec<(String, serde_json::Value)> = listed
        .iter()
        .filter_map(|(schema, version)| {
            let heading = match schema {
                SchemaVersion::Baseline => match (model.first_release(), versions.first()) {
                    (Some(first), Some(next)) => format!(
                        "From {} (before {})",
                        short_version(&first),
                        short_version(next)
                    ),
                    (None, Some(next)) => format!("Before {}", short_version(next)),
                    (_, None) => "Every version".to_owned(),
                },
                SchemaVersion::At(_) => format!("From {}", short_version(version)),
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
    use metrics_core::Version;

    #[test]
    fn versions_are_written_short_when_the_patch_is_zero() {
        let short = |s| short_version(&Version::parse(s).unwrap());
        assert_eq!(short("3.2.0"), "3.2");
        assert_eq!(short("3.11.2"), "3.11.2");
        assert_eq!(short("2018.2.2"), "2018.2.2");
        assert_eq!(short("3.4.0-beta.1"), "3.4.0-beta.1");
    }
}
