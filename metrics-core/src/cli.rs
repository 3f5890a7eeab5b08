//! The generic command line a model crate's binary runs: `generate` and `check` the schema
//! files of its models.
//!
//! ```no_run
//! # use metrics_core::Model;
//! # fn models() -> Vec<Model> { Vec::new() }
//! fn main() -> std::process::ExitCode {
//!     metrics_core::cli::run(concat!(env!("CARGO_MANIFEST_DIR"), "/generated"), &models())
//! }
//! ```

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::files::{FileSet, render_schemas};
use crate::model::Model;

#[derive(Parser)]
#[command(about = "Generate and check the schema files of usage-metrics payloads")]
struct Cli {
    /// The directory of the generated files (default: the model crate's `generated/`).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write one schema file per version (plus the baseline) and the index.
    Generate,
    /// Regenerate in memory and compare with the files on disk; fail when they differ.
    Check,
}

/// Parses the process arguments and runs the command on `models`; `default_dir` is where
/// generated files live unless `--dir` says otherwise.
pub fn run(default_dir: impl AsRef<Path>, models: &[Model]) -> ExitCode {
    let cli = Cli::parse();
    let dir = cli
        .dir
        .unwrap_or_else(|| default_dir.as_ref().to_path_buf());
    let result = match cli.command {
        Command::Generate => generate(&dir, models),
        Command::Check => check(&dir, models),
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

/// The files `render_schemas` owns under `dir`: the index and each model's `*.json`.
fn files_on_disk(dir: &Path, models: &[Model]) -> Result<BTreeSet<String>, String> {
    let mut found = BTreeSet::new();
    if dir.join(crate::files::INDEX).is_file() {
        found.insert(crate::files::INDEX.to_owned());
    }
    for model in models {
        let model_dir = dir.join(model.name());
        if !model_dir.exists() {
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

fn generate(dir: &Path, models: &[Model]) -> Result<String, String> {
    let files = render_schemas(models);
    let stale: Vec<String> = files_on_disk(dir, models)?
        .into_iter()
        .filter(|path| !files.contains_key(path))
        .collect();
    let mut written = 0;
    for (path, contents) in &files {
        let target = dir.join(path);
        if fs::read_to_string(&target).ok().as_deref() == Some(contents.as_str()) {
            continue;
        }
        write_atomically(&target, contents)?;
        written += 1;
    }
    for path in &stale {
        fs::remove_file(dir.join(path))
            .map_err(|e| format!("cannot remove stale {}: {e}", dir.join(path).display()))?;
    }
    Ok(format!(
        "{} files in {}: {written} written, {} unchanged, {} removed",
        files.len(),
        dir.display(),
        files.len() - written,
        stale.len()
    ))
}

fn check(dir: &Path, models: &[Model]) -> Result<String, String> {
    let files: FileSet = render_schemas(models);
    let mut problems = Vec::new();
    for (path, contents) in &files {
        match fs::read_to_string(dir.join(path)) {
            Ok(on_disk) if &on_disk == contents => {}
            Ok(_) => problems.push(format!("{path}: differs from the declarations")),
            Err(_) => problems.push(format!("{path}: missing")),
        }
    }
    for path in files_on_disk(dir, models)? {
        if !files.contains_key(&path) {
            problems.push(format!("{path}: no longer generated"));
        }
    }
    if problems.is_empty() {
        Ok(format!(
            "{} files in {} are up to date",
            files.len(),
            dir.display()
        ))
    } else {
        Err(format!(
            "the generated files in {} are stale; run `generate` and commit:\n  {}",
            dir.display(),
            problems.join("\n  ")
        ))
    }
}

/// Writes `contents` to a temporary file beside `target`, syncs it, then renames it over
/// `target`: a reader never sees half a file.
pub(crate) fn write_atomically(target: &Path, contents: &str) -> Result<(), String> {
    let parent = target.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = parent.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, target)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}: {e}", target.display())
    })
}
