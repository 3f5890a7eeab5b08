//! A crate outside the workspace (`examples/fleet-agent`) depends on metrics-core by path,
//! declares its own model and tests its payloads and schemas: build and run those tests.

use std::path::Path;
use std::process::Command;

#[test]
fn a_crate_outside_the_workspace_gets_correct_payloads_and_schemas() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["test", "--quiet", "--manifest-path"])
        .arg(root.join("examples/fleet-agent/Cargo.toml"))
        .arg("--target-dir")
        .arg(root.join("target/external"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("test result: ok. 4 passed"),
        "the fleet-agent suite ran its 4 tests:\n{stdout}"
    );
}

#[test]
fn a_product_that_depends_on_metrics_core_alone_compiles_no_tooling() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "tree",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--manifest-path",
        ])
        .arg(root.join("examples/fleet-agent/Cargo.toml"))
        .output()
        .expect("cargo runs");
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(tree.contains("metrics-core v"), "{tree}");
    for tooling in ["metrics-tool", "clap", "insta", "jsonschema"] {
        assert!(
            !tree
                .lines()
                .any(|line| line.starts_with(&format!("{tooling} v"))),
            "{tooling} is in a product's build:\n{tree}"
        );
    }
}
