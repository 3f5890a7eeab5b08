//! The CLI's promises, through the built binary of a small test model in several states
//! (`src/bin/evolving-model.rs`): drafts change freely until `release` freezes them, released
//! versions are frozen, legitimate evolution adds a file, each history change is reported
//! once with the fix, every bad input gets a clear message, a non-zero exit and leaves
//! nothing half-written.

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

/// A directory holding the generated files of the state `v1`, released through 1.4.
fn released() -> (TempDir, PathBuf) {
    released_state("v1", "1.4")
}

/// A directory holding the generated files of `state`, released through `version`.
fn released_state(state: &str, version: &str) -> (TempDir, PathBuf) {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    run(state, "generate", &dir, &[])
        .succeeds()
        .says(" written, 0 unchanged, 0 removed")
        .says("nothing is released yet");
    run(state, "release", &dir, &[version])
        .succeeds()
        .says(&format!(" released through {}: ", full(version)));
    (temp, dir)
}

/// `1.4` as the CLI prints it: `1.4.0`.
fn full(version: &str) -> String {
    if version.matches('.').count() == 1 {
        format!("{version}.0")
    } else {
        version.to_owned()
    }
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
    evolve_from("v1", "1.4", state)
}

fn evolve_from(
    released_as: &str,
    version: &str,
    state: &str,
) -> (Vec<String>, Vec<String>, TempDir, PathBuf) {
    let (temp, dir) = released_state(released_as, version);
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
    refused_from("v1", "1.4", state, messages);
}

fn refused_from(released_as: &str, version: &str, state: &str, messages: &[&str]) {
    let (_temp, dir) = released_state(released_as, version);
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
            "stats 1.2.0: field `channels`: since changed from 1.2.0 to 1.3.0, which would change the released 1.2.0 payload; a released field keeps its since: restore `#[since(\"1.2\")]`",
        ],
    );
    // One finding, not one per symptom (the lost file is explained by the since).
    let (_temp, dir) = released();
    run("since-later", "check", &dir, &[])
        .fails()
        .does_not_say("would disappear")
        .does_not_say("lose its schema file");
}

#[test]
fn a_since_moved_to_a_later_version_that_sorts_earlier_as_text_is_named() {
    refused(
        "since-1.10",
        &[
            "stats 1.2.0, 1.4.0: field `channels`: since changed from 1.2.0 to 1.10.0, which would change the released 1.2.0, 1.4.0 payloads; a released field keeps its since: restore `#[since(\"1.2\")]`",
        ],
    );
}

#[test]
fn moving_a_since_earlier_into_released_history_is_refused() {
    refused(
        "since-earlier",
        &[
            "stats baseline: field `channels`: since changed from 1.2.0 to 1.1.0, which would change what 1.1.0 sends (the released baseline payload); a released field keeps its since: restore `#[since(\"1.2\")]`",
        ],
    );
}

#[test]
fn deleting_a_released_field_is_refused() {
    refused(
        "deleted",
        &[
            "stats 1.2.0, 1.4.0: field `channels` (integer (max 4294967295)) would disappear from the released 1.2.0, 1.4.0 payloads: no field is declared as `channels` any more (renamed or deleted?); a released field stays declared: retire it with `#[until(\"...\")]`, a version after the newest released one (1.4.0)",
        ],
    );
}

#[test]
fn renaming_a_released_field_is_refused() {
    refused(
        "renamed",
        &[
            "stats 1.2.0, 1.4.0: field `channels` would disappear and a new field `streams` with the same type and since would appear in the released 1.2.0, 1.4.0 payloads: renamed? keep the JSON key with `#[metrics(rename = \"channels\")]` on the field now sent as `streams`",
        ],
    );
}

#[test]
fn changing_the_type_of_a_released_field_is_refused() {
    refused(
        "retyped",
        &[
            "stats 1.2.0, 1.4.0: field `channels` changed type from integer (max 4294967295) to integer (max 18446744073709551615), but the released 1.2.0, 1.4.0 payloads send integer (max 4294967295); a released field keeps its type. To send the new type, retire this field with `#[until(\"X.Y\")]` and declare a new one with `#[since(\"X.Y\")]` and `#[metrics(rename = \"channels\")]` (two fields may share a JSON key in versions that do not overlap)",
        ],
    );
}

#[test]
fn the_migration_a_type_change_needs_adds_a_draft_under_the_same_key() {
    // The released field retired at 2.0, a wider field with the same JSON key from 2.0 on.
    let (added, changed, _temp, dir) = evolve("retyped-migrated");
    assert_eq!(added, ["stats/2.0.0.json"]);
    assert_eq!(changed, ["DISCLOSURE.md", "index.json"]);
    let schema: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("stats/2.0.0.json")).unwrap()).unwrap();
    assert_eq!(
        schema["properties"]["channels"]["maximum"],
        serde_json::json!(u64::MAX)
    );
    let page = fs::read_to_string(dir.join("DISCLOSURE.md")).unwrap();
    assert!(
        page.contains(
            "| The number of channels | 1.2, removed in 2.0 |\n| The number of channels | 2.0 |"
        ),
        "{page}"
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
            "stats 1.2.0, 1.4.0: a new field `foo` with since 1.2.0 would change the released 1.2.0, 1.4.0 payloads; give it a since later than the newest released version (1.4.0)",
        ],
    );
}

#[test]
fn a_new_enum_variant_with_a_new_since_adds_one_version_file() {
    let (added, changed, _temp, dir) = evolve_from("enum-v1", "1.2", "enum-new-variant");
    assert_eq!(added, ["steps/2.0.0.json"]);
    assert_eq!(changed, ["DISCLOSURE.md", "index.json"]);
    let schema = fs::read_to_string(dir.join("steps/2.0.0.json")).unwrap();
    assert!(schema.contains("\"d\""));
}

#[test]
fn a_new_enum_variant_dated_in_released_history_is_refused() {
    refused_from(
        "enum-v1",
        "1.2",
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
        "1.2",
        "enum-removed",
        &[
            "steps baseline, 1.2.0: field `steps (keys)` would no longer accept `b` in the released baseline, 1.2.0 payloads; a released variant stays declared: retire it with `#[until(\"...\")]`, a version after the newest released one (1.2.0)",
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
        .does_not_say("history changes");
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
        .says("stats/1.2.0.json: listed in index.json as released, but missing")
        .does_not_say("history changes");
    run("v1", "generate", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: listed in index.json as released, but missing");
    assert_eq!(contents(&dir), before);
    run("v1", "generate", &dir, &["--allow-history-change"]).succeeds();
    run("v1", "check", &dir, &[]).succeeds();
}

#[test]
fn a_truncated_schema_file_is_reported_once_as_damaged() {
    let (_temp, dir) = released();
    let path = dir.join("stats/1.2.0.json");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, &text[..text.len() / 2]).unwrap();
    let check = run("v1", "check", &dir, &[])
        .fails()
        .says("stats/1.2.0.json: not valid JSON (EOF while parsing")
        .does_not_say("history changes")
        .does_not_say("edited by hand")
        .does_not_say("stale files");
    assert_eq!(
        check.stderr.matches("stats/1.2.0.json").count(),
        2,
        "{}",
        check.stderr
    );
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
            "payloads": [{
                "name": "stats",
                "from": "baseline",
                "to": "1.2.0",
                "changes": [{
                    "change": "added",
                    "field": "/channels",
                    "type": "integer (max 4294967295)",
                    "description": "The number of channels",
                    "since": "1.2.0",
                }],
            }],
        })
    );
}

#[test]
fn diff_takes_any_two_versions_resolved_to_the_schema_in_force() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path();
    // 1.0 sends the baseline and 1.10 sends what 1.4 sends: neither is a change point.
    let text = run("v1", "diff", dir, &["1.0", "1.10"]).succeeds().stdout;
    assert_eq!(
        text,
        "stats 1.0.0 (schema baseline) -> 1.10.0 (schema 1.4.0):\n  added field `channels`: integer (max 4294967295)\n  added field `tenancy`: object `tenancy` with fields `tenants`, `tags`\n"
    );
    let text = run("v1", "diff", dir, &["1.2.5", "1.3"]).succeeds().stdout;
    assert_eq!(
        text,
        "stats 1.2.5 (schema 1.2.0) -> 1.3.0 (schema 1.2.0):\n  no changes\n"
    );
    // Map keys and nested fields are plain pointers, the part of a map named beside them.
    let json = run(
        "enum-new-variant",
        "diff",
        dir,
        &["1.9", "2.0", "--format", "json"],
    )
    .succeeds()
    .stdout;
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["payloads"][0]["changes"],
        serde_json::json!([{ "change": "values-added", "field": "/steps", "part": "keys", "values": ["d"] }])
    );
    assert_eq!(value["payloads"][0]["from"], "1.2.0");
}

#[test]
fn diff_rejects_malformed_versions_and_unknown_payloads() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path();
    run("v1", "diff", dir, &["one", "1.4"])
        .fails()
        .says("invalid version `one`")
        .says("or `baseline`");
    run("v1", "diff", dir, &["1.2", "1.4", "--payload", "nope"])
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

/// Every schema file of `stats` in `dir`, as `version` labels.
fn schema_files(dir: &Path) -> Vec<String> {
    contents(dir)
        .into_keys()
        .filter_map(|path| {
            Some(
                path.strip_prefix("stats/")?
                    .strip_suffix(".json")?
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_release_cycle_drafts_change_freely_until_released() {
    // 1.4 is released.
    let (_temp, dir) = released();
    let frozen = fs::read(dir.join("stats/1.4.0.json")).unwrap();

    // Two pull requests add fields to the draft 2.0: no flag needed, and the draft file is
    // rewritten by the second.
    run("draft-a", "generate", &dir, &[])
        .succeeds()
        .says("drafts (after the newest released version; written freely until `release VERSION` freezes them):\n  stats: 2.0.0");
    run("draft-a", "check", &dir, &[]).succeeds();
    let first_draft = fs::read_to_string(dir.join("stats/2.0.0.json")).unwrap();
    run("draft-ab", "check", &dir, &[])
        .fails()
        .says("stale files")
        .does_not_say("history");
    run("draft-ab", "generate", &dir, &[])
        .succeeds()
        .says("3 written")
        .does_not_say("history rewritten");
    let second_draft = fs::read_to_string(dir.join("stats/2.0.0.json")).unwrap();
    assert!(!first_draft.contains("featureB") && second_draft.contains("featureB"));
    run("draft-ab", "check", &dir, &[]).succeeds();

    // A pipeline that expects 2.0 to be released fails until it is.
    run("draft-ab", "check", &dir, &["--released-through", "2.0"])
        .fails()
        .says("not released:\n  index.json: stats 2.0.0 is not released (the newest released version is 1.4.0); run `release 2.0` and commit index.json");

    // `release` freezes 2.0.
    run("draft-ab", "release", &dir, &["2.0"])
        .succeeds()
        .says("stats released through 2.0.0: baseline, 1.2.0, 1.4.0, 2.0.0 frozen");
    run("draft-ab", "check", &dir, &["--released-through", "2.0"])
        .succeeds()
        .says("2.0.0 is released");
    let index: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["payloads"][0]["released"], "2.0.0");

    // A third field for 2.0 is now a history change.
    let before = contents(&dir);
    run("draft-abc", "generate", &dir, &[])
        .fails()
        .says("stats 2.0.0: a new field `featureC` with since 2.0.0 would change the released 2.0.0 payload; give it a since later than the newest released version (2.0.0)");
    assert_eq!(contents(&dir), before);

    // A field for 2.1 is a new draft.
    run("draft-next", "generate", &dir, &[])
        .succeeds()
        .says("drafts (after the newest released version; written freely until `release VERSION` freezes them):\n  stats: 2.1.0");
    assert_eq!(
        schema_files(&dir),
        ["1.2.0", "1.4.0", "2.0.0", "2.1.0", "baseline"]
    );
    assert_eq!(fs::read(dir.join("stats/1.4.0.json")).unwrap(), frozen);

    // A draft that is given up is deleted without a flag; a release cannot be taken back.
    run("draft-ab", "generate", &dir, &[])
        .succeeds()
        .says("1 removed");
    assert_eq!(schema_files(&dir), ["1.2.0", "1.4.0", "2.0.0", "baseline"]);
    run("draft-ab", "release", &dir, &["1.4"])
        .fails()
        .says("1.4.0 is before what is released already (stats is released through 2.0.0); a release cannot be taken back");
    run(
        "draft-ab",
        "release",
        &dir,
        &["1.4", "--allow-history-change"],
    )
    .succeeds();
    run("draft-abc", "generate", &dir, &[]).succeeds();
}

#[test]
fn a_draft_version_file_can_be_deleted_and_regenerated() {
    let (_temp, dir) = released();
    run("draft-a", "generate", &dir, &[]).succeeds();
    fs::remove_file(dir.join("stats/2.0.0.json")).unwrap();
    run("draft-a", "check", &dir, &[])
        .fails()
        .says("stats/2.0.0.json: missing")
        .does_not_say("damaged");
    run("draft-a", "generate", &dir, &[])
        .succeeds()
        .says("1 written");
}

#[test]
fn release_takes_a_release_version() {
    let (_temp, dir) = released();
    run("v1", "release", &dir, &["1.5.0-beta.1"])
        .fails()
        .says("`1.5.0-beta.1` is not a release: a pre-release sends what 1.5.0 sends");
    run("v1", "release", &dir, &["soon"])
        .fails()
        .says("invalid version `soon`");
    run("v1", "release", &dir, &["1.4"])
        .succeeds()
        .says("stats already released through 1.4.0");
}

#[test]
fn release_refuses_history_changes_like_generate() {
    let (_temp, dir) = released();
    let before = contents(&dir);
    run("new-in-old", "release", &dir, &["2.0"])
        .fails()
        .says("refusing to change released versions")
        .says("a new field `foo` with since 1.2.0");
    assert_eq!(contents(&dir), before);
}

#[test]
fn check_prints_json_findings_for_ci_annotations() {
    let (_temp, dir) = released();
    let ok = run("v1", "check", &dir, &["--format", "json"]).succeeds();
    let value: serde_json::Value = serde_json::from_str(&ok.stdout).unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(value["findings"], serde_json::json!([]));

    fs::write(dir.join("stats/baseline.json"), "{").unwrap();
    let failed = run("renamed", "check", &dir, &["--format", "json"]);
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let value: serde_json::Value = serde_json::from_str(&failed.stdout).unwrap();
    assert_eq!(value["ok"], false);
    let findings = value["findings"].as_array().unwrap();
    let kinds: Vec<&str> = findings
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["damaged", "history", "stale", "stale", "stale", "stale"],
        "{findings:#?}"
    );
    assert_eq!(findings[0]["file"], "stats/baseline.json");
    assert_eq!(findings[1]["file"], "stats/1.2.0.json");
    assert_eq!(findings[1]["payload"], "stats");
    assert_eq!(findings[1]["field"], "/channels");
    assert_eq!(
        findings[1]["versions"],
        serde_json::json!(["1.2.0", "1.4.0"])
    );
    assert!(
        findings[1]["message"]
            .as_str()
            .unwrap()
            .contains("renamed?")
    );
}

#[test]
fn the_first_release_is_shown_for_fields_sent_from_the_start() {
    let temp = TempDir::new().unwrap();
    let dir = temp.path().join("generated");
    run("first-release", "generate", &dir, &[]).succeeds();
    let page = fs::read_to_string(dir.join("DISCLOSURE.md")).unwrap();
    assert!(page.contains("| The number of projects | 1.0 |"), "{page}");
    assert!(
        page.contains("| `projects` | The number of projects | count | 1.0 |  |"),
        "{page}"
    );
    assert!(!page.contains("<1.2"), "{page}");
}

#[test]
fn a_released_payload_no_longer_declared_is_a_history_change() {
    let (_temp, dir) = released();
    let before = contents(&dir);
    // The `steps` payload only: `stats`, released through 1.4, is gone from the models.
    run("enum-v1", "check", &dir, &[])
        .fails()
        .says("stats 1.4.0: the payload `stats` is released through 1.4.0, but no model declares it any more (renamed or removed?)");
    run("enum-v1", "generate", &dir, &[])
        .fails()
        .says("refusing to change released versions");
    assert_eq!(contents(&dir), before);
}

#[test]
fn a_damaged_or_lost_index_does_not_lose_the_release_record() {
    let (_temp, dir) = released();
    // Damaged, but it still says what is released: the rewrite keeps the record.
    let index = fs::read_to_string(dir.join("index.json")).unwrap();
    fs::write(
        dir.join("index.json"),
        index.replace("\"payloads\"", "\"models\""),
    )
    .unwrap();
    run("v1", "check", &dir, &[])
        .fails()
        .says("index.json: not a valid index");
    run("v1", "generate", &dir, &["--allow-history-change"])
        .succeeds()
        .says("overwrote index.json");
    let rewritten: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(rewritten["payloads"][0]["released"], "1.4.0");
    run("v1", "check", &dir, &[]).succeeds();

    // Lost: not even the flag rewrites it blindly; `release` says what is released.
    fs::remove_file(dir.join("index.json")).unwrap();
    let before = contents(&dir);
    run("v1", "generate", &dir, &["--allow-history-change"])
        .fails()
        .says("the record of which versions are released")
        .says("release VERSION --allow-history-change");
    assert_eq!(contents(&dir), before);
    run("v1", "release", &dir, &["1.4", "--allow-history-change"])
        .succeeds()
        .says("stats released through 1.4.0");
    run("v1", "check", &dir, &["--released-through", "1.4"]).succeeds();
}
