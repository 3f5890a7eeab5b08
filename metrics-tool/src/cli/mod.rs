//! The generic command line a model crate's binary runs: `generate`, `check`, `release`,
//! `diff` and `docs` for the schema files, release records and disclosure page of its
//! payloads. Argument parsing is in `args`; this module holds the commands.
//!
//! ```no_run
//! # use metrics_core::Model;
//! # fn models() -> Vec<Model> { Vec::new() }
//! fn main() -> std::process::ExitCode {
//!     metrics_tool::cli::run(concat!(env!("CARGO_MANIFEST_DIR"), "/generated"), &models())
//! }
//! ```
//!
//! Released versions are frozen: `release VERSION` records in `index.json` that every
//! change point up to VERSION is released, and from then on `generate` refuses to change or
//! delete their files (`check` says how the declarations would change them and how to fix
//! the declaration) unless `--allow-history-change` says the rewrite is deliberate. Change
//! points after the newest released version are drafts: written, rewritten and deleted
//! freely.

mod args;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use metrics_core::{Model, SchemaVersion, Version, atomic_file};
use serde_json::{Value, json};

use self::args::{Cli, Command, Format};
use crate::diff::diff_schemas;
use crate::docs::short_version;
use crate::files::{DOCS, FileSet, INDEX, is_released, render_all};
use crate::history::{Finding, Kind, history_findings, read_index, read_record};

/// Parses the process arguments and runs the command on `models`; `default_dir` is where
/// generated files live unless `--dir` says otherwise.
pub fn run(default_dir: impl AsRef<Path>, models: &[Model]) -> ExitCode {
    run_from(std::env::args_os(), default_dir, models)
}

/// What a command printed: on success, its report (stdout); on failure, an error message
/// (stderr, after `error: `) and what goes to stdout anyway (`check --format json`).
struct Failure {
    message: String,
    stdout: Option<String>,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure {
            message,
            stdout: None,
        }
    }
}

type Outcome = Result<String, Failure>;

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
        Command::Check {
            released_through,
            format,
        } => check(&dir, models, released_through.as_deref(), format),
        Command::Release {
            version,
            allow_history_change,
        } => release(&dir, models, &version, allow_history_change),
        Command::Diff {
            a,
            b,
            payload,
            format,
        } => diff(models, &a, &b, payload.as_deref(), format),
        Command::Docs { out } => docs(&dir, out.as_deref(), models),
    };
    match result {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if let Some(stdout) = failure.stdout {
                println!("{stdout}");
            }
            eprintln!("error: {}", failure.message);
            ExitCode::FAILURE
        }
    }
}

/// The release record of a damaged `index.json`, as far as it can be read: each payload's
/// `released`, in the index's current layout or the older one (`models`).
fn salvage_releases(dir: &Path) -> BTreeMap<String, Version> {
    let Some(value) = fs::read_to_string(dir.join(INDEX))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    else {
        return BTreeMap::new();
    };
    ["payloads", "models"]
        .iter()
        .filter_map(|key| value.get(key)?.as_array())
        .flatten()
        .filter_map(|entry| {
            let name = entry.get("name")?.as_str()?;
            let released = Version::parse(entry.get("released")?.as_str()?).ok()?;
            Some((name.to_owned(), released))
        })
        .collect()
}

/// Two payloads with one name would write one directory: say which, and how to tell them apart.
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

fn not_a_directory(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!(
            "the schema directory {} is not a directory; point --dir at a directory",
            dir.display()
        ));
    }
    Ok(())
}

/// The files the CLI owns under `dir`: the index, the page and each payload's `*.json`.
fn files_on_disk(dir: &Path, models: &[Model]) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for file in [INDEX, DOCS] {
        if dir.join(file).is_file() {
            found.push(file.to_owned());
        }
    }
    for model in models {
        let model_dir = dir.join(model.name());
        if !model_dir.is_dir() {
            continue;
        }
        let entries = fs::read_dir(&model_dir)
            .map_err(|e| format!("cannot read {}: {e}", model_dir.display()))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", model_dir.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                names.push(format!("{}/{name}", model.name()));
            }
        }
        names.sort();
        found.extend(names);
    }
    Ok(found)
}

/// The record on disk against the declarations.
struct State {
    /// Each payload's newest released version, as the index records it.
    releases: BTreeMap<String, Version>,
    damaged: Vec<Finding>,
    history: Vec<Finding>,
    /// The index is damaged or missing and the release record could not be read from it:
    /// a rewrite would forget what is released.
    record_lost: bool,
}

impl State {
    fn read(dir: &Path, models: &[Model]) -> Result<State, String> {
        let mut damaged = Vec::new();
        let index = match read_index(dir) {
            Ok(index) => index,
            Err(finding) => {
                damaged.push(*finding);
                None
            }
        };
        if index.is_none() && damaged.is_empty() {
            let orphans = files_on_disk(dir, models)?
                .into_iter()
                .any(|path| path.ends_with(".json") && path != INDEX);
            if orphans {
                damaged.push(Finding::file(
                    Kind::Damaged,
                    INDEX,
                    format!(
                        "missing, though schema files exist: it records which versions are released and each file's SHA-1; restore it (`git checkout -- {INDEX}`)"
                    ),
                ));
            }
        }
        let mut releases = BTreeMap::new();
        let mut history = Vec::new();
        for model in models {
            let (record, broken) = read_record(dir, model, index.as_ref());
            if let Some(released) = &record.released_through {
                releases.insert(model.name().to_owned(), released.clone());
            }
            history.extend(history_findings(model, &record));
            damaged.extend(broken);
        }
        // A damaged index may still say what is released: kept, so that a rewrite keeps it.
        let mut record_lost = false;
        if index.is_none() && !damaged.is_empty() {
            let salvaged = salvage_releases(dir);
            record_lost = salvaged.is_empty();
            for model in models {
                if let Some(released) = salvaged.get(model.name()) {
                    releases.insert(model.name().to_owned(), released.clone());
                }
            }
        }
        // A released payload no model declares any more: its record would be dropped.
        for entry in index.iter().flat_map(|index| &index.payloads) {
            let Some(released) = &entry.released else {
                continue;
            };
            if models.iter().any(|m| m.name() == entry.name) {
                continue;
            }
            history.push(Finding {
                payload: Some(entry.name.clone()),
                versions: vec![released.to_string()],
                ..Finding::file(
                    Kind::History,
                    INDEX,
                    format!(
                        "the payload `{}` is released through {released}, but no model declares it any more (renamed or removed?): a released payload stays declared, under its name (`#[metrics(name = \"{}\")]`)",
                        entry.name, entry.name
                    ),
                )
            });
        }
        Ok(State {
            releases,
            damaged,
            history,
            record_lost,
        })
    }

    fn frozen(&self) -> bool {
        !self.damaged.is_empty() || !self.history.is_empty()
    }

    /// The damaged files and history changes, as sections of a report.
    fn report(&self) -> String {
        let mut out = String::new();
        section(
            &mut out,
            "damaged files (the record cannot be trusted):",
            &self.damaged,
        );
        section(
            &mut out,
            "history changes (released payloads would change):",
            &self.history,
        );
        out
    }
}

fn section(out: &mut String, title: &str, findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    out.push_str(title);
    out.push('\n');
    for finding in findings {
        out.push_str(&format!("  {finding}\n"));
    }
}

/// Whether `path` (a schema file of one of `models`) is released according to `releases`.
fn released_file(path: &str, models: &[Model], releases: &BTreeMap<String, Version>) -> bool {
    let Some((payload, name)) = path.split_once('/') else {
        return false;
    };
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    if !models.iter().any(|m| m.name() == payload) {
        return false;
    }
    match SchemaVersion::parse(stem) {
        Ok(schema) => is_released(&schema, releases.get(payload)),
        Err(_) => false,
    }
}

/// Why `target` could not be written; nothing was (see [`atomic_file::Batch`]).
fn write_error(target: &Path, error: &std::io::Error) -> String {
    // A file where a directory is needed.
    let what = match error.kind() {
        std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::NotADirectory => "cannot create",
        _ => "cannot write",
    };
    format!("{what} {}: {error}; nothing was written", target.display())
}

/// What writing the rendered files changed.
struct Written {
    total: usize,
    changed: Vec<String>,
    removed: Vec<String>,
}

/// Writes `files` under `dir` (staged first, renamed into place once all are written) and
/// removes the files of `models` it no longer generates.
fn write_files(dir: &Path, models: &[Model], files: &FileSet) -> Result<Written, String> {
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
    let mut batch = atomic_file::Batch::default();
    for (path, contents) in &changed {
        let target = dir.join(path);
        batch
            .stage(&target, contents.as_bytes())
            .map_err(|e| write_error(&target, &e))?;
    }
    batch
        .commit()
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    for path in &removed {
        fs::remove_file(dir.join(path))
            .map_err(|e| format!("cannot remove stale {}: {e}", dir.join(path).display()))?;
    }
    Ok(Written {
        total: files.len(),
        changed: changed.into_iter().map(|(path, _)| path.clone()).collect(),
        removed,
    })
}

/// Writes the files and describes what was written: counts, drafts, reworded released
/// files, and with `--allow-history-change`, the history it overwrote.
fn write_and_report(
    dir: &Path,
    models: &[Model],
    state: &State,
    releases: &BTreeMap<String, Version>,
) -> Result<String, String> {
    let files = render_all(models, releases);
    let written = write_files(dir, models, &files)?;
    let mut message = format!(
        "{} files in {}: {} written, {} unchanged, {} removed",
        written.total,
        dir.display(),
        written.changed.len(),
        written.total - written.changed.len(),
        written.removed.len()
    );
    let mut drafts = Vec::new();
    for model in models {
        let schemas: Vec<String> = SchemaVersion::list(&model.versions())
            .into_iter()
            .map(|(schema, _)| schema)
            .filter(|schema| !is_released(schema, releases.get(model.name())))
            .map(|schema| schema.to_string())
            .collect();
        if releases.get(model.name()).is_none() {
            drafts.push(format!(
                "{}: every schema (nothing is released yet; record a release with `release VERSION`)",
                model.name()
            ));
        } else if !schemas.is_empty() {
            drafts.push(format!("{}: {}", model.name(), schemas.join(", ")));
        }
    }
    if !drafts.is_empty() {
        message.push_str(
            "\ndrafts (after the newest released version; written freely until `release VERSION` freezes them):",
        );
        for line in &drafts {
            message.push_str(&format!("\n  {line}"));
        }
    }
    // Released files whose payload is unchanged but whose descriptions changed.
    let reworded: Vec<&String> = written
        .changed
        .iter()
        .filter(|path| released_file(path, models, releases))
        .filter(|path| !state.history.iter().any(|c| &c.file == *path))
        .filter(|path| !state.damaged.iter().any(|d| &d.file == *path))
        .collect();
    if !reworded.is_empty() {
        message.push_str("\nreleased files with new descriptions (their payloads are unchanged):");
        for path in &reworded {
            message.push_str(&format!("\n  {path}"));
        }
    }
    if state.frozen() {
        message.push_str("\nhistory rewritten (--allow-history-change):");
        for finding in &state.damaged {
            message.push_str(&format!("\n  overwrote {finding}"));
        }
        for finding in &state.history {
            let verb = if written.removed.contains(&finding.file) {
                "removed"
            } else {
                "overwrote"
            };
            message.push_str(&format!("\n  {verb} {}: {finding}", finding.file));
        }
    }
    Ok(message)
}

fn refusal(dir: &Path, state: &State) -> Failure {
    Failure::from(format!(
        "refusing to change released versions in {}; nothing was written.\n{}\
         A released version is a record of what it sends: add a field with a since later \
         than the newest released version, retire one with #[until]. To rewrite history \
         deliberately, pass --allow-history-change.",
        dir.display(),
        state.report()
    ))
}

fn generate(dir: &Path, models: &[Model], allow_history_change: bool) -> Outcome {
    not_a_directory(dir)?;
    let state = State::read(dir, models)?;
    if state.frozen() && !allow_history_change {
        return Err(refusal(dir, &state));
    }
    if state.record_lost {
        return Err(Failure::from(format!(
            "{INDEX} in {} is missing or damaged, and with it the record of which versions are released; nothing was written. Restore it (`git checkout -- {INDEX}`), or write it anew saying what is released: `release VERSION --allow-history-change`",
            dir.display()
        )));
    }
    Ok(write_and_report(dir, models, &state, &state.releases)?)
}

/// A release version: `MAJOR.MINOR[.PATCH]`, no pre-release.
fn release_version(text: &str) -> Result<Version, String> {
    let version = Version::parse(text).map_err(|e| e.to_string())?;
    if version.is_prerelease() || !version.as_semver().build.is_empty() {
        let release = version.release().to_version();
        return Err(format!(
            "`{text}` is not a release: a pre-release sends what {release} sends, so releasing it would freeze {release} before it is final; release `{}` when it ships",
            short_version(&release)
        ));
    }
    Ok(version)
}

fn release(dir: &Path, models: &[Model], text: &str, allow_history_change: bool) -> Outcome {
    not_a_directory(dir)?;
    let version = release_version(text)?;
    let state = State::read(dir, models)?;
    let later: Vec<String> = state
        .releases
        .iter()
        .filter(|(_, released)| **released > version)
        .map(|(name, released)| format!("{name} is released through {released}"))
        .collect();
    if !later.is_empty() && !allow_history_change {
        return Err(Failure::from(format!(
            "{} is before what is released already ({}); a release cannot be taken back: its files are the record of what it sends. To lower the record deliberately, pass --allow-history-change",
            version,
            later.join(", ")
        )));
    }
    if state.frozen() && !allow_history_change {
        return Err(refusal(dir, &state));
    }
    let releases: BTreeMap<String, Version> = models
        .iter()
        .map(|model| {
            let current = state.releases.get(model.name());
            let released = match current {
                Some(current) if *current > version && !allow_history_change => current.clone(),
                _ => version.clone(),
            };
            (model.name().to_owned(), released)
        })
        .collect();
    let mut message = String::new();
    for model in models {
        let frozen: Vec<String> = SchemaVersion::list(&model.versions())
            .into_iter()
            .map(|(schema, _)| schema)
            .filter(|schema| is_released(schema, releases.get(model.name())))
            .map(|schema| schema.to_string())
            .collect();
        let was = state.releases.get(model.name());
        let verb = match was {
            Some(was) if *was == version => "already released through".to_owned(),
            // Only with --allow-history-change: said as the rewrite it is.
            Some(was) if *was > version => {
                format!("release record lowered (--allow-history-change) from {was} to")
            }
            _ => "released through".to_owned(),
        };
        message.push_str(&format!(
            "{} {verb} {version}: {} frozen\n",
            model.name(),
            if frozen.is_empty() {
                "no schema".to_owned()
            } else {
                frozen.join(", ")
            }
        ));
    }
    message.push_str(&write_and_report(dir, models, &state, &releases)?);
    Ok(message)
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

fn check(dir: &Path, models: &[Model], released_through: Option<&str>, format: Format) -> Outcome {
    not_a_directory(dir)?;
    if !dir.exists() {
        return Err(Failure::from(format!(
            "the schema directory {} does not exist; run `generate` to create it, or point --dir at it",
            dir.display()
        )));
    }
    let expected = released_through.map(release_version).transpose()?;
    let state = State::read(dir, models)?;
    let files = render_all(models, &state.releases);
    let damaged_files: Vec<&str> = state.damaged.iter().map(|d| d.file.as_str()).collect();
    let mut stale = Vec::new();
    for (path, contents) in &files {
        if damaged_files.contains(&path.as_str()) {
            continue;
        }
        let message = match fs::read_to_string(dir.join(path)) {
            Ok(on_disk) if &on_disk == contents => continue,
            Ok(on_disk) => what_differs(&on_disk, contents),
            Err(_) => "missing".to_owned(),
        };
        stale.push(Finding::file(Kind::Stale, path, message));
    }
    for path in files_on_disk(dir, models)? {
        if !files.contains_key(&path) && !damaged_files.contains(&path.as_str()) {
            stale.push(Finding::file(Kind::Stale, path, "no longer generated"));
        }
    }
    let mut not_released = Vec::new();
    if let Some(expected) = &expected {
        for model in models {
            let released = state.releases.get(model.name());
            if released.is_some_and(|released| released >= expected) {
                continue;
            }
            let newest = match released {
                Some(released) => format!("the newest released version is {released}"),
                None => "nothing is released".to_owned(),
            };
            not_released.push(Finding {
                payload: Some(model.name().to_owned()),
                ..Finding::file(
                    Kind::NotReleased,
                    INDEX,
                    format!(
                        "{} {expected} is not released ({newest}); run `release {}` and commit {INDEX}",
                        model.name(),
                        short_version(expected)
                    ),
                )
            })
        }
    }

    let findings: Vec<&Finding> = state
        .damaged
        .iter()
        .chain(&state.history)
        .chain(&stale)
        .chain(&not_released)
        .collect();
    if format == Format::Json {
        let document = json!({
            "dir": dir.display().to_string(),
            "ok": findings.is_empty(),
            "findings": findings,
        });
        let text = serde_json::to_string_pretty(&document).expect("JSON always serializes");
        if findings.is_empty() {
            return Ok(text);
        }
        return Err(Failure {
            message: format!(
                "{} finding(s) in {}; see the JSON on stdout",
                findings.len(),
                dir.display()
            ),
            stdout: Some(text),
        });
    }
    if findings.is_empty() {
        let mut message = format!("{} files in {} are up to date", files.len(), dir.display());
        if let Some(expected) = expected {
            message.push_str(&format!("; {expected} is released"));
        }
        return Ok(message);
    }
    let mut report = format!(
        "the generated files in {} disagree with the declarations:\n",
        dir.display()
    );
    report.push_str(&state.report());
    section(
        &mut report,
        "stale files (run `generate` and commit):",
        &stale,
    );
    section(&mut report, "not released:", &not_released);
    if state.frozen() {
        report.push_str(
            "`generate` refuses to change released versions; pass --allow-history-change to \
             rewrite them deliberately.",
        );
    }
    Err(Failure::from(report.trim_end().to_owned()))
}

fn docs(dir: &Path, out: Option<&Path>, models: &[Model]) -> Outcome {
    let target = match out {
        Some(out) => out.to_path_buf(),
        None => {
            not_a_directory(dir)?;
            dir.join(DOCS)
        }
    };
    let page = crate::docs::render_docs(models);
    atomic_file::write(&target, page.as_bytes()).map_err(|e| write_error(&target, &e))?;
    Ok(format!("wrote {}", target.display()))
}

/// A requested version, and per payload the schema in force at it.
struct Side {
    text: String,
    requested: SchemaVersion,
}

impl Side {
    fn parse(text: &str) -> Result<Self, String> {
        let requested = SchemaVersion::parse(text).map_err(|e| format!("{e}, or `baseline`"))?;
        Ok(Side {
            text: text.to_owned(),
            requested,
        })
    }

    /// The schema of `model` in force at this version, and a version that sends it; `None`
    /// for `baseline` when the payload has none.
    fn resolve(&self, model: &Model) -> Option<(SchemaVersion, Version)> {
        let versions = model.versions();
        match &self.requested {
            SchemaVersion::Baseline => SchemaVersion::list(&versions)
                .into_iter()
                .find(|(schema, _)| *schema == SchemaVersion::Baseline),
            SchemaVersion::At(version) => {
                Some((SchemaVersion::in_force(&versions, version), version.clone()))
            }
        }
    }

    /// `1.10.0 (schema 1.4.0)`, or just `1.4.0` when the version is its own change point.
    fn describe(&self, schema: &SchemaVersion) -> String {
        match &self.requested {
            SchemaVersion::At(version) if *schema != self.requested => {
                format!("{version} (schema {schema})")
            }
            requested => requested.to_string(),
        }
    }
}

fn diff(models: &[Model], a: &str, b: &str, only: Option<&str>, format: Format) -> Outcome {
    let (from, to) = (Side::parse(a)?, Side::parse(b)?);
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
    for model in chosen {
        let (Some((schema_a, va)), Some((schema_b, vb))) = (from.resolve(model), to.resolve(model))
        else {
            continue;
        };
        let changes = diff_schemas(
            &model.schema_at(&va).to_value(),
            &model.schema_at(&vb).to_value(),
        );
        results.push((model.name(), schema_a, schema_b, changes));
    }
    if results.is_empty() {
        return Err(Failure::from(format!(
            "no payload has a baseline (each starts at version 0.0.0); compare versions instead of `{}`",
            if from.text == "baseline" {
                &from.text
            } else {
                &to.text
            }
        )));
    }
    match format {
        Format::Json => {
            let payloads: Vec<Value> = results
                .iter()
                .map(|(name, schema_a, schema_b, changes)| {
                    json!({
                        "name": name,
                        "from": schema_a.to_string(),
                        "to": schema_b.to_string(),
                        "changes": changes,
                    })
                })
                .collect();
            let out = json!({
                "from": from.requested.to_string(),
                "to": to.requested.to_string(),
                "payloads": payloads,
            });
            Ok(serde_json::to_string_pretty(&out).expect("JSON always serializes"))
        }
        Format::Text => {
            let mut out = Vec::new();
            for (name, schema_a, schema_b, changes) in &results {
                out.push(format!(
                    "{name} {} -> {}:",
                    from.describe(schema_a),
                    to.describe(schema_b)
                ));
                if changes.is_empty() {
                    out.push("  no changes".to_owned());
                }
                out.extend(changes.iter().map(|c| format!("  {c}")));
            }
            Ok(out.join("\n"))
        }
    }
}
