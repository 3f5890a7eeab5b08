//! The client is for any product: it does not depend on the reference model, and a product
//! that embeds it without the command line builds no command-line parser.

use std::path::Path;
use std::process::Command;

/// The crates in `metrics-client`'s build (normal, build and dev dependencies) with `args`.
fn tree(args: &[&str]) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--edges", "normal,build,dev", "--prefix", "none"])
        .args(args)
        .arg("--manifest-path")
        .arg(manifest)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split(" v").next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_client_depends_on_no_model_and_no_tooling() {
    for features in [&[][..], &["--all-features"]] {
        let crates = tree(features);
        assert!(crates.iter().any(|c| c == "metrics-client"), "{crates:?}");
        assert!(crates.iter().any(|c| c == "metrics-core"), "{crates:?}");
        for unwanted in ["schema", "metrics-tool", "insta", "jsonschema"] {
            assert!(
                !crates.iter().any(|c| c == unwanted),
                "{unwanted} is in metrics-client's build ({features:?}): {crates:?}"
            );
        }
    }
    // The command line is a feature.
    let crates = tree(&[]);
    for cli in ["clap", "tracing-subscriber", "humantime"] {
        assert!(!crates.iter().any(|c| c == cli), "{cli}: {crates:?}");
    }
    assert!(tree(&["--features", "cli"]).iter().any(|c| c == "clap"));
}
