//! The binary as a user meets it: help, configuration errors, the query command.

use std::process::Command;

fn collector(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_collector"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the collector binary");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_lists_the_commands_and_the_environment_variables() {
    let (ok, out, _) = collector(&["--help"], &[]);
    assert!(ok);
    assert!(out.contains("serve") && out.contains("query"), "{out}");
    let (ok, out, _) = collector(&["serve", "--help"], &[]);
    assert!(ok);
    for flag in [
        "--listen",
        "--database-url",
        "COLLECTOR_DATABASE_URL",
        "--max-body-bytes",
        "--body-timeout",
        "--log-format",
    ] {
        assert!(out.contains(flag), "{flag} not in {out}");
    }
}

#[test]
fn a_bad_database_url_is_a_clear_error() {
    let (ok, _, err) = collector(
        &["serve", "--listen", "127.0.0.1:0"],
        &[("COLLECTOR_DATABASE_URL", "mysql://x")],
    );
    assert!(!ok);
    assert!(
        err.contains("mysql://x") && err.contains("sqlite://"),
        "{err}"
    );
}

#[test]
fn query_prints_an_empty_table_for_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("q.db").display());
    let (ok, out, err) = collector(&["query", "--database-url", &url, "--json"], &[]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "[]");
}
