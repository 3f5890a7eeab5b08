//! The CLI's promises, through the built binary of a small test model in several states
//! (`src/bin/evolving-model.rs`): released versions are frozen, legitimate evolution adds a
//! file, every bad input gets a clear message, a non-zero exit and leaves nothing half-written.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// Runs the test model in `state` with `args`.
fn cli(state: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_evolving-model"))
        .env("EVOLVING_MODEL", state)
        .args(args)
        .output()
        .expect("the test model binary runs")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(state: &str, command: &str, dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec![command, "--dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let output = cli(state, &args);
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

impl Run {
    #[track_caller]
    fn succeeds(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    fn fails(self) -> Self {
        assert_eq!(
            self.code,
            Some(1),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.starts_with("error: "), "{}", self.stderr);
        self
    }

    #[track_caller]
    fn says(self, text: &str) -> Self {
        let all = format!("{}{}", self.stdout, self.stderr);
        assert!(all.contains(text), "expected {text:?} in:\n{all}");
        self
    }

    #[track_caller]
    fn does_not_say(self, text: &str) -> Self {
        let all = format!("{}{}", self.stdout, self.stderr);
        assert!(!all.contains(text), "unexpected {text:?} in:\n{all}");
        self
    }
}

/// Every file under `dir` (relative path to contents), temporary files included.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// A directory holding the generated files of the released state `v1`.
fn released() -> (TempDir, PathBuf) {
    released_state("v1")
}

/// A directory holding the generated files of `state`, as released.
fn released_state(state: &str) -> (TempDir, PathBuf) {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    run(state, "generate", &dir, &[])
        .succeeds()
        .says(" written, 0 unchanged, 0 removed");
    (temp, dir)
}

#[test]
fn generated_files_pass_check_and_a_second_generate_writes_nothing() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    run("v1", "generate", &dir, &[])
        .succeeds()
        .says("5 files in")
        .says("5 written");
    let files: Vec<String> = contents(&dir).into_keys().collect();
    assert_eq!(
        files,
        [
            "DISCLOSURE.md",
            "index.json",
            "stats/1.2.0.json",
            "stats/1.4.0.json",
            "stats/baseline.json"
        ]
    );
    run("v1", "check", &dir, &[]).succeeds().says("5 files");
    run("v1", "generate", &dir, &[])
        .succeeds()
        .says("0 written, 5 unchanged, 0 removed");
}

/// Generates state `state` over the released files; returns (added, changed) files.
fn evolve(state: &str) -> (Vec<String>, Vec<String>, TempDir, PathBuf) {
    evolve_from("v1", state)
}

fn evolve_from(released_as: &str, state: &str) -> (Vec<String>, Vec<String>, TempDir, PathBuf) {
    let (temp, dir) = released_state(released_as);
    let before = contents(&dir);
    run(state, "check", &dir, &[])
        .fails()
        .says("missing")
        .does_not_say("history");
    run(state, "generate", &dir, &[]).succeeds();
    run(state, "check", &dir, &[]).succeeds();
    let after = contents(&dir);
    let added = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect();
    let changed = before
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(v))
        .map(|(k, _)| k.clone())
        .collect();
    (added, changed, temp, dir)
}

#[test]
fn a_new_field_with_a_new_since_adds_one_version_file() {
    let (added, changed, _temp, dir) = evolve("added");
    assert_eq!(added, ["stats/2.0.0.json"]);
    // Only what lists the versions changes beside it; no released schema does.
    assert_eq!(changed, ["DISCLOSURE.md", "index.json"]);
    let schema = fs::read_to_string(dir.join("stats/2.0.0.json")).unwrap();
    assert!(schema.contains("\"foo\""));
}

#[test]
fn until_retires_a_field_by_adding_a_version() {
    let (added, changed, _temp, dir) = evolve("retired");
    assert_eq!(added, ["stats/2.0.0.json"]);
    assert_eq!(changed, ["DISCLOSURE.md", "index.json"]);
    let schema = fs::read_to_string(dir.join("stats/2.0.0.json")).unwrap();
    assert!(!schema.contains("\"channels\""));
    assert!(
        fs::read_to_string(dir.join("DISCLOSURE.md"))
            .unwrap()
            .contains("| The number of channels | 1.2, removed in 2.0 |")
    );
}

#[test]
fn rewording_a_doc_comment_is_not_a_history_change() {
    let (temp, dir) = released();
    run("reworded", "check", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: descriptions or comments differ (the payload does not)")
        .does_not_say("history");
    run("reworded", "generate", &dir, &[])
        .succeeds()
        .says("released files with new descriptions (their payloads are unchanged):\n  stats/1.2.0.json\n  stats/1.4.0.json\n  stats/baseline.json");
    run("reworded", "check", &dir, &[]).succeeds();
    drop(temp);
}

/// `check` and `generate` both refuse `state`, with `messages`; nothing changes on disk,
/// until `--allow-history-change` rewrites it and says so.
fn refused(state: &str, messages: &[&str]) {
    refused_from("v1", state, messages);
}

fn refused_from(released_as: &str, state: &str, messages: &[&str]) {
    let (_temp, dir) = released_state(released_as);
    let before = contents(&dir);
    let mut check = run(state, "check", &dir, &[])
        .fails()
        .says("history changes (released payloads would change):")
        .says("--allow-history-change");
    for message in messages {
        check = check.says(message);
    }
    let mut generate = run(state, "generate", &dir, &[])
        .fails()
        .says("refusing to change released versions")
        .says("nothing was written");
    for message in messages {
        generate = generate.says(message);
    }
    assert_eq!(contents(&dir), before, "a refused generate changes nothing");

    run(state, "generate", &dir, &["--allow-history-change"])
        .succeeds()
        .says("history rewritten (--allow-history-change):")
        .says(messages[0]);
    run(state, "check", &dir, &[]).succeeds();
    assert_ne!(contents(&dir), before);
}

#[test]
fn changing_the_since_of_a_released_field_is_refused() {
    refused(
        "since-later",
        &[
            "stats 1.2.0: field `channels` (integer (max 4294967295)) would disappear (its since is now 1.3.0)",
            "stats 1.2.0: the released version would lose its schema file (stats/1.2.0.json)",
        ],
    );
}

#[test]
fn moving_a_since_earlier_into_released_history_is_refused() {
    refused(
        "since-earlier",
        &[
            "stats baseline: field `channels` (with since 1.1.0) would appear in what product version 1.1.0 sends (the released baseline payload)",
        ],
    );
}

#[test]
fn deleting_a_released_field_is_refused() {
    refused(
        "deleted",
        &[
            "stats 1.2.0: field `channels` (integer (max 4294967295)) would disappear (no field is declared as `channels` any more: renamed or deleted?)",
            "stats 1.4.0: field `channels`",
        ],
    );
}

#[test]
fn renaming_a_released_field_is_refused() {
    refused(
        "renamed",
        &[
            "stats 1.2.0: field `channels` (integer (max 4294967295)) would disappear",
            "stats 1.2.0: a new field `streams` with since 1.2.0 would change the released 1.2.0 payload; give it a since later than the newest released version (1.4.0)",
        ],
    );
}

#[test]
fn changing_the_type_of_a_released_field_is_refused() {
    refused(
        "retyped",
        &[
            "stats 1.2.0: field `channels` changed type from integer (max 4294967295) to integer (max 18446744073709551615)",
        ],
    );
}

#[test]
fn deleting_a_nested_released_field_is_refused() {
    refused(
        "nested-deleted",
        &[
            "stats 1.4.0: field `tenancy.tenants` (integer (max 18446744073709551615)) would disappear",
        ],
    );
}

#[test]
fn a_new_field_with_a_released_since_is_refused() {
    refused(
        "new-in-old",
        &[
            "stats 1.2.0: a new field `foo` with since 1.2.0 would change the released 1.2.0 payload; give it a since later than the newest released version (1.4.0)",
        ],
    );
}

#[test]
fn a_new_enum_variant_with_a_new_since_adds_one_version_file() {
    let (added, changed, _temp, dir) = evolve_from("enum-v1", "enum-new-variant");
    assert_eq!(added, ["steps/2.0.0.json"]);
    assert_eq!(changed, ["DISCLOSURE.md", "index.json"]);
    let schema = fs::read_to_string(dir.join("steps/2.0.0.json")).unwrap();
    assert!(schema.contains("\"d\""));
}

#[test]
fn a_new_enum_variant_dated_in_released_history_is_refused() {
    refused_from(
        "enum-v1",
        "enum-backdated",
        &[
            "steps 1.2.0: field `steps (keys)` would accept new values `d` in the released 1.2.0 payload; give a new variant a since later than the newest released version (1.2.0)",
        ],
    );
}

#[test]
fn deleting_a_released_enum_variant_is_refused() {
    refused_from(
        "enum-v1",
        "enum-removed",
        &[
            "steps baseline: field `steps (keys)` would no longer accept `b` in the released baseline payload",
            "steps 1.2.0: field `steps (keys)` would no longer accept `b`",
        ],
    );
}

#[test]
fn a_hand_edited_schema_file_is_named() {
    let (_temp, dir) = released();
    let path = dir.join("stats/1.2.0.json");
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replace("4294967295", "65535");
    fs::write(&path, edited).unwrap();
    let before = contents(&dir);
    run("v1", "check", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: edited by hand")
        .says("stats 1.2.0: field `channels` changed type from integer (max 65535) to integer (max 4294967295)");
    run("v1", "generate", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: edited by hand");
    assert_eq!(contents(&dir), before);
    run("v1", "generate", &dir, &["--allow-history-change"])
        .succeeds()
        .says("overwrote stats/1.2.0.json: edited by hand");
    run("v1", "check", &dir, &[]).succeeds();
}

#[test]
fn a_deleted_released_file_is_named_not_taken_for_a_new_version() {
    let (_temp, dir) = released();
    fs::remove_file(dir.join("stats/1.2.0.json")).unwrap();
    let before = contents(&dir);
    run("v1", "check", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: listed in index.json but missing")
        .does_not_say("would appear");
    run("v1", "generate", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: listed in index.json but missing");
    assert_eq!(contents(&dir), before);
    run("v1", "generate", &dir, &["--allow-history-change"]).succeeds();
    run("v1", "check", &dir, &[]).succeeds();
}

#[test]
fn an_unparsable_schema_file_is_named() {
    let (_temp, dir) = released();
    fs::write(dir.join("stats/1.4.0.json"), "{ \"type\": ").unwrap();
    let before = contents(&dir);
    run("v1", "check", &dir, &[])
        .fails()
        .says("stats/1.4.0.json: not valid JSON (EOF while parsing");
    run("v1", "generate", &dir, &[])
        .fails()
        .says("stats/1.4.0.json: not valid JSON");
    assert_eq!(contents(&dir), before);
}

#[test]
fn a_stale_docs_page_is_named_with_the_line_that_differs() {
    let (_temp, dir) = released();
    let path = dir.join("DISCLOSURE.md");
    let page = fs::read_to_string(&path).unwrap();
    fs::write(&path, page.replace("| <1.2 |", "| 1.0 |")).unwrap();
    run("v1", "check", &dir, &[])
        .fails()
        .says("stale files (run `generate` and commit):")
        .says("DISCLOSURE.md: line 11: committed `| The number of projects | 1.0 |`, generated `| The number of projects | <1.2 |`")
        .does_not_say("history");
    fs::remove_file(dir.join("index.json")).unwrap();
    run("v1", "check", &dir, &[])
        .fails()
        .says("index.json: missing");
}

#[test]
fn a_missing_schema_directory_is_an_error_for_check() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("nowhere");
    run("v1", "check", &dir, &[])
        .fails()
        .says("does not exist; run `generate` to create it");
    assert!(!dir.exists());
}

#[test]
fn a_schema_directory_that_is_a_file_is_an_error() {
    let temp = TempDir::new().unwrap();
    let file = temp.path().join("generated");
    fs::write(&file, "not a directory").unwrap();
    for command in ["check", "generate", "docs"] {
        run("v1", command, &file, &[])
            .fails()
            .says("is not a directory");
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "not a directory");
}

#[test]
fn an_unwritable_output_leaves_nothing_half_written() {
    // Root ignores permission bits, so block the writes structurally: the directory of the
    // model's schema files is a regular file. The page and the index could be written, and
    // must not be.
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("stats"), "in the way").unwrap();
    run("v1", "generate", &dir, &[])
        .fails()
        .says("cannot create")
        .says("nothing was written");
    let left: Vec<String> = contents(&dir).into_keys().collect();
    assert_eq!(left, ["stats"], "no file and no temporary file is left");

    // A directory that cannot be created at all.
    let below_a_file = dir.join("stats").join("generated");
    run("v1", "generate", &below_a_file, &[])
        .fails()
        .says("cannot create");
    run(
        "v1",
        "docs",
        &dir,
        &["--out", below_a_file.join("page.md").to_str().unwrap()],
    )
    .fails()
    .says("cannot create")
    .says("nothing was written");
    assert_eq!(contents(&dir).len(), 1);
}

#[test]
fn diff_lists_added_removed_and_changed_fields() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path();
    let text = run("v1", "diff", dir, &["1.2", "1.4"]).succeeds().stdout;
    assert_eq!(
        text,
        "stats 1.2.0 -> 1.4.0:\n  added field `tenancy`: object `tenancy` with fields `tenants`, `tags`\n"
    );
    let text = run("retired", "diff", dir, &["baseline", "2.0"])
        .succeeds()
        .stdout;
    assert_eq!(
        text,
        "stats baseline -> 2.0.0:\n  added field `tenancy`: object `tenancy` with fields `tenants`, `tags`\n"
    );
    let text = run("retired", "diff", dir, &["1.4", "2.0"])
        .succeeds()
        .stdout;
    assert_eq!(
        text,
        "stats 1.4.0 -> 2.0.0:\n  removed field `channels`: integer (max 4294967295)\n"
    );
    let json = run("v1", "diff", dir, &["baseline", "1.2", "--format", "json"])
        .succeeds()
        .stdout;
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "from": "baseline",
            "to": "1.2.0",
            "models": [{
                "name": "stats",
                "changes": [{
                    "change": "added",
                    "field": "channels",
                    "type": "integer (max 4294967295)",
                    "description": "The number of channels",
                    "since": "1.2.0",
                }],
            }],
        })
    );
}

#[test]
fn diff_rejects_unknown_versions_and_payloads() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path();
    run("v1", "diff", dir, &["1.3", "1.4"])
        .fails()
        .says("unknown version 1.3;")
        .says("stats: baseline, 1.2.0, 1.4.0");
    run("v1", "diff", dir, &["1.2", "9.9"])
        .fails()
        .says("unknown version 9.9;");
    run("v1", "diff", dir, &["one", "1.4"])
        .fails()
        .says("invalid version `one`");
    run("v1", "diff", dir, &["1.2", "1.4", "--model", "nope"])
        .fails()
        .says("unknown payload `nope`; the payloads are stats");
}

#[test]
fn docs_writes_the_page_generate_writes() {
    let (temp, dir) = released();
    let out = temp.path().join("page.md");
    run("v1", "docs", &dir, &["--out", out.to_str().unwrap()])
        .succeeds()
        .says("wrote");
    assert_eq!(
        fs::read(&out).unwrap(),
        fs::read(dir.join("DISCLOSURE.md")).unwrap()
    );
}

#[test]
fn two_payloads_with_one_name_are_refused() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    run("twins", "generate", &dir, &[])
        .fails()
        .says("two payloads are named `stats`")
        .says("#[metrics(name = ");
    assert!(!dir.exists(), "nothing is written");
}
