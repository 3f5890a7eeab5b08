//! The binary as a user meets it: help, configuration errors, the reading commands.

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
    for command in ["serve", "report", "ddl", "fleet"] {
        assert!(out.contains(command), "{command} not in {out}");
    }
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
fn report_never_creates_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mistyped.db");
    let url = format!("sqlite://{}", path.display());
    let (ok, out, err) = collector(&["report", "--database-url", &url], &[]);
    assert!(!ok);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains(&format!("no database at {}", path.display()))
            && err.contains("collector serve"),
        "{err}"
    );
    assert!(
        !path.exists(),
        "a reading command created {}",
        path.display()
    );
}

#[test]
fn report_refuses_a_database_without_the_payload_tables() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    std::fs::File::create(&path).unwrap();
    let url = format!("sqlite://{}", path.display());
    let (ok, _, err) = collector(&["report", "--database-url", &url], &[]);
    assert!(!ok);
    assert!(err.contains("has no table `update_check`"), "{err}");
}

#[test]
fn the_committed_storage_ddl_is_what_the_declarations_give() {
    let (ok, out, err) = collector(&["ddl", "--check"], &[]);
    assert!(
        ok,
        "run `cargo run -p collector -- ddl` and commit schema/generated/storage:\n{err}"
    );
    assert!(out.contains("is up to date"), "{out}");
    // A stale file is named.
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, _) = collector(&["ddl", "--dir", dir.path().to_str().unwrap()], &[]);
    assert!(ok);
    std::fs::write(dir.path().join("sqlite.sql"), "-- edited\n").unwrap();
    let (ok, _, err) = collector(
        &["ddl", "--check", "--dir", dir.path().to_str().unwrap()],
        &[],
    );
    assert!(!ok);
    assert!(
        err.contains("sqlite.sql") && !err.contains("postgres.sql"),
        "{err}"
    );
}
