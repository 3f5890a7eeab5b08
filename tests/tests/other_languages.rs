//! The generated schemas serve clients and servers in any language: independent validators
//! outside Rust (Python's `jsonschema`, JavaScript's `ajv` in strict mode) accept every
//! schema, accept the reference sample at every version and reject it with an unknown field;
//! and they tell versions apart: each version's sample is rejected by the schema of the
//! version before it, and with an unknown key in a nested object, or a negative count.
//! Both are installed by `.ci/services`; a missing one fails the test, never skips it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::BTreeMap;

use metrics_core::SchemaVersion;
use metrics_tool::files::render_all;
use tempfile::TempDir;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The generated schemas and the sample payload of each version, in a temporary directory:
/// `schemas/{payload}/{version}.json` and `payloads/{payload}/{version}.json`.
fn schemas_and_payloads() -> (TempDir, PathBuf, PathBuf, usize) {
    let temp = TempDir::new().unwrap();
    let (schemas, payloads) = (temp.path().join("schemas"), temp.path().join("payloads"));
    let models = schema::models();
    let mut count = 0;
    for (path, contents) in render_all(&models, &BTreeMap::new()) {
        if path.ends_with(".json") && path.contains('/') {
            write(&schemas.join(&path), &contents);
            count += 1;
        }
    }
    for model in &models {
        for (schema, version) in SchemaVersion::list(&model.versions()) {
            let label = schema.to_string();
            let example = model
                .example(&version)
                .expect("the reference models have examples");
            let path = payloads.join(model.name()).join(format!("{label}.json"));
            write(&path, &serde_json::to_string_pretty(&example).unwrap());
        }
    }
    (temp, schemas, payloads, count)
}

fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

/// Runs `program args`, failing with `hint` when the program or its library is missing.
fn consumer(program: &str, args: &[&Path], hint: &str) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); {hint}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    match output.status.code() {
        Some(0) => stdout,
        Some(3) => panic!("{stderr}{hint}"),
        _ => panic!("{program} rejects the generated schemas:\n{stdout}{stderr}"),
    }
}

#[test]
fn python_jsonschema_accepts_every_schema_and_sample() {
    let (_temp, schemas, payloads, count) = schemas_and_payloads();
    let script = Path::new(REPO).join("tests/py/check_schemas.py");
    let out = consumer(
        "python3",
        &[&script, &schemas, &payloads],
        "the Python consumer is not installed: run .ci/services",
    );
    assert_eq!(count, 18);
    assert_eq!(out.trim(), expected_report(count));
}

#[test]
fn ajv_in_strict_mode_accepts_every_schema_and_sample() {
    let (_temp, schemas, payloads, count) = schemas_and_payloads();
    let script = Path::new(REPO).join("tests/js/check-schemas.mjs");
    let out = consumer(
        "node",
        &[&script, &schemas, &payloads],
        "ajv is not installed in tests/js: run .ci/services",
    );
    assert_eq!(out.trim(), expected_report(count));
}

/// What both consumers report for the reference model: every schema and sample, and the
/// version-specific rejections (every version but each payload's first has a previous one;
/// every sample has a nested object and a count).
fn expected_report(count: usize) -> String {
    let payloads = schema::models().len();
    format!(
        "schemas: {count} valid; payloads: {count} valid, {count} rejected when altered\n\
         by version: {} rejected by the previous version's schema; {count} rejected with an \
         unknown nested key; {count} rejected with a negative count",
        count - payloads
    )
}

#[test]
fn the_consumers_fail_on_a_broken_schema() {
    // The consumers are not rubber stamps: a schema with an unknown type is rejected by both.
    let (_temp, schemas, payloads, _) = schemas_and_payloads();
    let path = schemas.join("usage-statistics/3.2.0.json");
    let broken = fs::read_to_string(&path).unwrap().replacen(
        "\"type\": \"integer\"",
        "\"type\": \"count\"",
        1,
    );
    fs::write(&path, broken).unwrap();
    let py = Command::new("python3")
        .args([
            Path::new(REPO).join("tests/py/check_schemas.py").as_path(),
            &schemas,
            &payloads,
        ])
        .output()
        .expect("python3 runs; run .ci/services");
    assert_eq!(py.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&py.stderr)
            .contains("usage-statistics/3.2.0.json: not a valid draft 2020-12 schema")
    );
    let js = Command::new("node")
        .args([
            Path::new(REPO).join("tests/js/check-schemas.mjs").as_path(),
            &schemas,
            &payloads,
        ])
        .output()
        .expect("node runs; run .ci/services");
    assert_eq!(js.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&js.stderr)
            .contains("usage-statistics/3.2.0.json: rejected by ajv in strict mode")
    );
}

#[test]
fn the_consumers_fail_on_a_schema_that_accepts_too_much() {
    // The version-specific checks can fail: a 3.2.0 schema that allows any key and any
    // number is caught by both consumers on each count.
    let (_temp, schemas, payloads, _) = schemas_and_payloads();
    let path = schemas.join("usage-statistics/3.2.0.json");
    let lax = fs::read_to_string(&path)
        .unwrap()
        .replace(
            "\"additionalProperties\": false",
            "\"additionalProperties\": true",
        )
        .replace("\"minimum\": 0,", "");
    fs::write(&path, lax).unwrap();
    for (program, script) in [
        ("python3", "tests/py/check_schemas.py"),
        ("node", "tests/js/check-schemas.mjs"),
    ] {
        let output = Command::new(program)
            .args([Path::new(REPO).join(script).as_path(), &schemas, &payloads])
            .output()
            .unwrap_or_else(|e| panic!("{program} runs ({e}); run .ci/services"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{program}: {stderr}");
        for problem in [
            "usage-statistics/3.2.0.json: a payload with an unknown field is accepted",
            "usage-statistics/3.4.0.json: accepted by the older schema usage-statistics/3.2.0.json",
            "usage-statistics/3.2.0.json: a payload with an unknown nested key is accepted",
            "usage-statistics/3.2.0.json: a payload with a negative count is accepted",
        ] {
            assert!(
                stderr.contains(problem),
                "{program} does not report {problem:?}:\n{stderr}"
            );
        }
    }
}
