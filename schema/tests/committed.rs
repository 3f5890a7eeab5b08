//! The committed files under `schema/generated/` are what the declarations generate, and
//! the reference model is released through 2018.2.2: the reference model's CLI `check`
//! passes on a clean clone.

use std::process::Command;

#[test]
fn check_passes_on_the_committed_files() {
    let output = Command::new(env!("CARGO_BIN_EXE_schema"))
        .args(["check", "--released-through", "2018.2.2"])
        .output()
        .expect("the schema binary runs");
    assert!(
        output.status.success(),
        "`cargo run -p schema -- check` fails; run `cargo run -p schema -- generate` and commit:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("20 files"), "{stdout}");
    assert!(stdout.contains("2018.2.2 is released"), "{stdout}");
}

#[test]
fn diff_names_the_fields_a_version_added() {
    let output = Command::new(env!("CARGO_BIN_EXE_schema"))
        .args([
            "diff",
            "3.16.1",
            "2018.2.2",
            "--payload",
            "usage-statistics",
        ])
        .output()
        .expect("the schema binary runs");
    assert!(output.status.success());
    let added: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| line.trim().split(':').next().unwrap().to_owned())
        .collect();
    assert_eq!(
        added,
        [
            "added field `communitySteps`",
            "added field `cloudAccounts`",
            "added field `builtInWorkerCustomAccount`",
            "added field `workers`",
        ]
    );
}
