//! The generic command line a model crate's binary runs: `generate`, `check`, `diff` and
//! `docs` for the schema files and the disclosure page of its models.
//!
//! ```no_run
//! # use metrics_core::Model;
//! # fn models() -> Vec<Model> { Vec::new() }
//! fn main() -> std::process::ExitCode {
//!     metrics_core::cli::run(concat!(env!("CARGO_MANIFEST_DIR"), "/generated"), &models())
//! }
//! ```
//!
//! Released versions are frozen: the committed version files are the record of what each
//! version sends, and `generate` refuses to change or delete one (`check` says how it would
//! change) unless `--allow-history-change` says the rewrite is deliberate.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::diff::diff_schemas;
use crate::files::{DOCS, FileSet, INDEX, labelled_versions, render_all};
use crate::history::{DamagedFile, HistoryChange, history_changes, read_released};
use crate::model::Model;
use crate::version::Version;

#[derive(Parser)]
#[command(
    about = "Generate and check the schema files and disclosure page of usage-metrics payloads"
)]
struct Cli {
    /// The directory of the generated files (default: the model crate's `generated/`).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write one schema file per version (plus the baseline), the index and the disclosure
    /// page. Refuses to change or delete the file of a released version.
    Generate {
        /// Rewrite or delete released version files anyway, and say which.
        #[arg(long)]
        allow_history_change: bool,
    },
    /// Regenerate in memory and compare with the files on disk; fail when they differ,
    /// naming each file, and each released version whose payload would change.
    Check,
    /// The fields added, removed and changed from version A to version B (a change point
    /// or `baseline`), as declared.
    Diff {
        /// The older version.
        a: String,
        /// The newer version.
        b: String,
        /// Only this payload (default: every payload that has both versions).
        #[arg(long)]
        model: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Write the disclosure page (Markdown) generated from the declarations.
    Docs {
        /// Where to write it (default: `DISCLOSURE.md` in the generated directory).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Parses the process arguments and runs the command on `models`; `default_dir` is where
/// generated files live unless `--dir` says otherwise.
pub fn run(default_dir: impl AsRef<Path>, models: &[Model]) -> ExitCode {
    run_from(std::env::args_os(), default_dir, models)
}

/// [`run`] with explicit arguments (the first one is the program name).
pub fn run_from(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    default_dir: impl AsRef<Path>,
    models: &[Model],
) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let dir = cli
        .dir
        .unwrap_or_else(|| default_dir.as_ref().to_path_buf());
    if let Some(message) = duplicate_names(models) {
        eprintln!("error: {message}");
        return ExitCode::FAILURE;
    }
    let result = match cli.command {
        Command::Generate {
            allow_history_change,
        } => generate(&dir, models, allow_history_change),
        Command::Check => check(&dir, models),
        Command::Diff {
            a,
            b,
            model,
            format,
        } => diff(models, &a, &b, model.as_deref(), format),
        Command::Docs { out } => docs(&dir, out.as_deref(), models),
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The files the CLI owns under `dir`: the index, the page and each model's `*.json`.
fn files_on_disk(dir: &Path, models: &[Model]) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    for file in [INDEX, DOCS] {
        if dir.join(file).is_file() {
            found.insert(file.to_owned());
        }
    }
    for model in models {
        let model_dir = dir.join(model.name());
        if !model_dir.is_dir() {
            continue;
        }
        let entries = fs::read_dir(&model_dir)
            .map_err(|e| format!("cannot read {}: {e}", model_dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", model_dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                found.insert(format!("{}/{name}", model.name()));
            }
        }
    }
    Ok(found)
}

/// The record on disk: damaged files and the history changes the declarations would make.
fn history(dir: &Path, models: &[Model]) -> Result<(Vec<DamagedFile>, Vec<HistoryChange>), String> {
    let mut damaged = Vec::new();
    let mut changes = Vec::new();
    for model in models {
        let (released, broken) = read_released(dir, model)?;
        // A released file that was deleted is reported as damaged; the declarations did not
        // add a version there, so the history check's guess that they did is left out.
        let deleted: Vec<&str> = broken
            .iter()
            .filter(|d| !dir.join(&d.path).exists())
            .map(|d| d.path.as_str())
            .collect();
        changes.extend(
            history_changes(model, &released)
                .into_iter()
                .filter(|c| !deleted.contains(&c.path.as_str())),
        );
        damaged.extend(broken);
    }
    Ok((damaged, changes))
}

/// Two models with one name would write one directory: say which, and how to tell them apart.
fn duplicate_names(models: &[Model]) -> Option<String> {
    models.iter().enumerate().find_map(|(i, model)| {
        models[..i]
            .iter()
            .any(|earlier| earlier.name() == model.name())
            .then(|| {
                format!(
                    "two payloads are named `{}`: their schema files would overwrite each other; give one of them `#[metrics(name = \"...\")]`",
                    model.name()
                )
            })
    })
}

fn not_a_directory(dir: &Path) -> Option<String> {
    (dir.exists() && !dir.is_dir()).then(|| {
        format!(
            "the schema directory {} is not a directory; point --dir at a directory",
            dir.display()
        )
    })
}

fn generate(dir: &Path, models: &[Model], allow_history_change: bool) -> Result<String, String> {
    if let Some(message) = not_a_directory(dir) {
        return Err(message);
    }
    let files = render_all(models);
    let (damaged, changes) = history(dir, models)?;
    if !allow_history_change && (!damaged.is_empty() || !changes.is_empty()) {
        return Err(format!(
            "refusing to change released versions in {}; nothing was written.\n{}\
             A released version is a record of what it sends: add a field with a since later \
             than the newest released version, retire one with #[until]. To rewrite history \
             deliberately, pass --allow-history-change.",
            dir.display(),
            record_report(&damaged, &changes)
        ));
    }
    let removed: Vec<String> = files_on_disk(dir, models)?
        .into_iter()
        .filter(|path| !files.contains_key(path))
        .collect();
    let changed: Vec<(&String, &String)> = files
        .iter()
        .filter(|(path, contents)| {
            fs::read_to_string(dir.join(path)).ok().as_deref() != Some(contents.as_str())
        })
        .collect();
    // Released files whose payload is unchanged but whose descriptions changed (doc comments).
    let reworded: Vec<&String> = changed
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.contains('/') && dir.join(path).is_file())
        .filter(|path| !changes.iter().any(|c| &c.path == *path))
        .collect();
    write_all_atomically(dir, &changed)?;
    for path in &removed {
        fs::remove_file(dir.join(path))
            .map_err(|e| format!("cannot remove stale {}: {e}", dir.join(path).display()))?;
    }
    let mut message = format!(
        "{} files in {}: {} written, {} unchanged, {} removed",
        files.len(),
        dir.display(),
        changed.len(),
        files.len() - changed.len(),
        removed.len()
    );
    if !reworded.is_empty() {
        message.push_str("\nreleased files with new descriptions (their payloads are unchanged):");
        for path in &reworded {
            message.push_str(&format!("\n  {path}"));
        }
    }
    if !damaged.is_empty() || !changes.is_empty() {
        message.push_str("\nhistory rewritten (--allow-history-change):");
        for file in &damaged {
            message.push_str(&format!("\n  overwrote {file}"));
        }
        for change in &changes {
            let verb = if removed.contains(&change.path) {
                "removed"
            } else {
                "overwrote"
            };
            message.push_str(&format!("\n  {verb} {}: {change}", change.path));
        }
    }
    Ok(message)
}

/// The damaged files and history changes, as sections of a report.
fn record_report(damaged: &[DamagedFile], changes: &[HistoryChange]) -> String {
    let mut out = String::new();
    if !damaged.is_empty() {
        out.push_str("damaged files (the record cannot be trusted):\n");
        for file in damaged {
            out.push_str(&format!("  {file}\n"));
        }
    }
    if !changes.is_empty() {
        out.push_str("history changes (released payloads would change):\n");
        for change in changes {
            out.push_str(&format!("  {change}\n"));
        }
    }
    out
}

fn check(dir: &Path, models: &[Model]) -> Result<String, String> {
    if let Some(message) = not_a_directory(dir) {
        return Err(message);
    }
    if !dir.exists() {
        return Err(format!(
            "the schema directory {} does not exist; run `generate` to create it, or point --dir at it",
            dir.display()
        ));
    }
    let files: FileSet = render_all(models);
    let (damaged, changes) = history(dir, models)?;
    let mut stale = Vec::new();
    for (path, contents) in &files {
        match fs::read_to_string(dir.join(path)) {
            Ok(on_disk) if &on_disk == contents => {}
            Ok(on_disk) => stale.push(format!("{path}: {}", what_differs(&on_disk, contents))),
            Err(_) => stale.push(format!("{path}: missing")),
        }
    }
    for path in files_on_disk(dir, models)? {
        if !files.contains_key(&path) {
            stale.push(format!("{path}: no longer generated"));
        }
    }
    if damaged.is_empty() && changes.is_empty() && stale.is_empty() {
        return Ok(format!(
            "{} files in {} are up to date",
            files.len(),
            dir.display()
        ));
    }
    let mut report = format!(
        "the generated files in {} disagree with the declarations:\n",
        dir.display()
    );
    report.push_str(&record_report(&damaged, &changes));
    if !stale.is_empty() {
        report.push_str("stale files (run `generate` and commit):\n");
        for line in &stale {
            report.push_str(&format!("  {line}\n"));
        }
    }
    if !damaged.is_empty() || !changes.is_empty() {
        report.push_str(
            "`generate` refuses to change released versions; pass --allow-history-change to \
             rewrite them deliberately.",
        );
    }
    Err(report.trim_end().to_owned())
}

/// What differs between a committed file and the generated one, in a line.
fn what_differs(on_disk: &str, generated: &str) -> String {
    if let (Ok(old), Ok(new)) = (
        serde_json::from_str::<Value>(on_disk),
        serde_json::from_str::<Value>(generated),
    ) {
        if old.get("$schema").is_some() && new.get("$schema").is_some() {
            let changes = diff_schemas(&old, &new);
            if changes.is_empty() {
                return "descriptions or comments differ (the payload does not)".to_owned();
            }
            let words: Vec<String> = changes.iter().map(ToString::to_string).collect();
            return words.join("; ");
        }
        if old != new {
            return "differs from the declarations".to_owned();
        }
        return "formatting differs".to_owned();
    }
    let line = on_disk
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| on_disk.lines().count().min(generated.lines().count()));
    let committed = on_disk.lines().nth(line).unwrap_or("(end of file)");
    let expected = generated.lines().nth(line).unwrap_or("(end of file)");
    format!(
        "line {}: committed `{committed}`, generated `{expected}`",
        line + 1
    )
}

fn docs(dir: &Path, out: Option<&Path>, models: &[Model]) -> Result<String, String> {
    let target = match out {
        Some(out) => out.to_path_buf(),
        None => {
            if let Some(message) = not_a_directory(dir) {
                return Err(message);
            }
            dir.join(DOCS)
        }
    };
    let page = crate::docs::render_docs(models);
    write_atomically(&target, &page)?;
    Ok(format!("wrote {}", target.display()))
}

/// A version argument as a schema label: `baseline`, or a change point (`3.2` is `3.2.0`).
fn parse_label(text: &str) -> Result<String, String> {
    if text == crate::files::BASELINE {
        return Ok(text.to_owned());
    }
    Version::parse(text)
        .map(|v| v.to_string())
        .map_err(|e| format!("{e}, or `baseline`"))
}

fn diff(
    models: &[Model],
    a: &str,
    b: &str,
    only: Option<&str>,
    format: Format,
) -> Result<String, String> {
    let (la, lb) = (parse_label(a)?, parse_label(b)?);
    let chosen: Vec<&Model> = match only {
        Some(name) => {
            let model = models.iter().find(|m| m.name() == name).ok_or_else(|| {
                let names: Vec<&str> = models.iter().map(Model::name).collect();
                format!(
                    "unknown payload `{name}`; the payloads are {}",
                    names.join(", ")
                )
            })?;
            vec![model]
        }
        None => models.iter().collect(),
    };
    let mut results = Vec::new();
    let mut known = Vec::new();
    for model in chosen {
        let labelled = labelled_versions(&model.versions());
        let find = |label: &str| {
            labelled
                .iter()
                .find(|(l, _)| l == label)
                .map(|(_, v)| v.clone())
        };
        let labels: Vec<&str> = labelled.iter().map(|(l, _)| l.as_str()).collect();
        known.push((model.name(), labels.join(", ")));
        let (Some(va), Some(vb)) = (find(&la), find(&lb)) else {
            continue;
        };
        let changes = diff_schemas(
            &model.schema_at(&va).to_value(),
            &model.schema_at(&vb).to_value(),
        );
        results.push((model.name(), changes));
    }
    if results.is_empty() {
        let unknown: Vec<&str> = [a, b]
            .into_iter()
            .zip([&la, &lb])
            .filter(|(_, label)| {
                !known
                    .iter()
                    .any(|(_, labels)| labels.split(", ").any(|l| l == label.as_str()))
            })
            .map(|(text, _)| text)
            .collect();
        let what = if unknown.is_empty() {
            format!("no payload has both {a} and {b}")
        } else {
            format!("unknown version {}", unknown.join(" and "))
        };
        return Err(format!(
            "{what}; diff compares versions at which a payload changes (or `baseline`):\n  {}",
            known
                .iter()
                .map(|(name, labels)| format!("{name}: {labels}"))
                .collect::<Vec<_>>()
                .join("\n  ")
        ));
    }
    match format {
        Format::Json => {
            let models: Vec<Value> = results
                .iter()
                .map(|(name, changes)| json!({ "name": name, "changes": changes }))
                .collect();
            let out = json!({ "from": la, "to": lb, "models": models });
            Ok(serde_json::to_string_pretty(&out).expect("JSON always serializes"))
        }
        Format::Text => {
            let mut out = Vec::new();
            for (name, changes) in &results {
                out.push(format!("{name} {la} -> {lb}:"));
                if changes.is_empty() {
                    out.push("  no changes".to_owned());
                }
                out.extend(changes.iter().map(|c| format!("  {c}")));
            }
            Ok(out.join("\n"))
        }
    }
}

/// Writes every `(path, contents)` under `dir` so that a failure leaves nothing changed:
/// first each to a temporary file beside its target, then, only if all were written, renames
/// them over their targets.
fn write_all_atomically(dir: &Path, files: &[(&String, &String)]) -> Result<(), String> {
    let mut created_dirs = Vec::new();
    let mut temporaries: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| -> Result<(), String> {
        for (path, contents) in files {
            let target = dir.join(path);
            let parent = target.parent().unwrap_or(Path::new("."));
            create_dirs(parent, &mut created_dirs)?;
            let temporary = temporary_path(&target);
            temporaries.push((temporary.clone(), target.clone()));
            write_file(&temporary, contents)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        }
        Ok(())
    })();
    if let Err(message) = result {
        for (temporary, _) in &temporaries {
            let _ = fs::remove_file(temporary);
        }
        for created in created_dirs.iter().rev() {
            let _ = fs::remove_dir(created);
        }
        return Err(format!("{message}; nothing was written"));
    }
    for (temporary, target) in &temporaries {
        fs::rename(temporary, target)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    Ok(())
}

/// `create_dir_all`, remembering which directories it created.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), String> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent, created)?;
    }
    fs::create_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    created.push(dir.to_path_buf());
    Ok(())
}

fn temporary_path(target: &Path) -> PathBuf {
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()))
}

fn write_file(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// Writes `contents` to a temporary file beside `target`, syncs it, then renames it over
/// `target`: a reader never sees half a file.
pub(crate) fn write_atomically(target: &Path, contents: &str) -> Result<(), String> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let mut created = Vec::new();
    create_dirs(parent, &mut created).map_err(|e| format!("{e}; nothing was written"))?;
    let temporary = temporary_path(target);
    let result = write_file(&temporary, contents).and_then(|()| fs::rename(&temporary, target));
    result.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        for dir in created.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
        format!(
            "cannot write {}: {e}; nothing was written",
            target.display()
        )
    })
}
