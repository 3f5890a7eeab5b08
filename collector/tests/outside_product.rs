//! A product outside the workspace (`examples/fleet-console`) builds both ends from its
//! own declarations (its own envelope, version field, nested struct and enum map), each
//! binary a few lines. Its client sends to its collector on loopback at two versions, and
//! the collector stores and reports what each version sent.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the product's binaries (in `target/external`, shared with the other crate outside
/// the workspace); the path of one.
fn binaries() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["build", "--quiet", "--bins", "--manifest-path"])
        .arg(root().join("examples/fleet-console/Cargo.toml"))
        .arg("--target-dir")
        .arg(root().join("target/external"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the outside product does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    root().join("target/external/debug")
}

fn run(binary: &Path, args: &[&str]) -> String {
    let output = Command::new(binary).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}:\n{}{}",
        binary.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A stored heartbeat: its version, agents, alert rules and capacity dashboards.
type Row = (String, Option<i64>, Option<i64>, Option<i64>);

#[test]
fn an_outside_product_runs_its_client_against_its_collector() {
    let bin = binaries();
    let (check, collector) = (bin.join("heartbeat-check"), bin.join("heartbeat-collector"));

    // Its storage DDL, committed beside it, is what its declarations give.
    run(&collector, &["ddl", "--check"]);

    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("console.db").display());
    let mut server = Command::new(&collector)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ])
        .args(["--database-url", &database])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let data = dir.path().join("console-data");
    let data = data.to_str().unwrap();
    run(
        &check,
        &["--data-dir", data, "consent", "updates-and-usage"],
    );
    let preview = run(
        &check,
        &["--data-dir", data, "--product-version", "1.1.0", "preview"],
    );
    assert!(
        preview.contains("\"consoleVersion\":\"1.1.0\""),
        "{preview}"
    );
    assert!(
        !preview.contains("alertRules"),
        "1.1 does not send alert rules: {preview}"
    );
    for version in ["1.1.0", "1.2.0"] {
        run(
            &check,
            &[
                "--data-dir",
                data,
                "--endpoint",
                &endpoint,
                "--product-version",
                version,
                "send",
            ],
        );
    }

    // What was stored, as its collector reports it: one console, at its newest version.
    let report = run(
        &collector,
        &["report", "--json", "--database-url", &database],
    );
    server.kill().unwrap();
    server.wait().unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let heartbeat = &report["payloads"][0];
    assert_eq!(heartbeat["name"], "heartbeat");
    assert_eq!(heartbeat["submissions"], 2);
    assert_eq!(heartbeat["installations"], 1);
    assert_eq!(heartbeat["versions"][0]["version"], "1.2.0");
    let metric = |name: &str| {
        heartbeat["metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == name)
            .unwrap_or_else(|| panic!("no metric {name}: {heartbeat}"))
            .clone()
    };
    assert_eq!(metric("usage.agents")["stats"]["max"], 930);
    assert_eq!(metric("usage.alertRules")["stats"]["max"], 41);
    assert_eq!(metric("usage.storage.retentionSet")["stats"]["yes"], 1);
    assert_eq!(metric("usage.dashboards.capacity")["stats"]["total"], 1);

    // Both rows, each as its version sent it (1.1 had no alert rules, no capacity key).
    let rows: Vec<Row> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&database).await.unwrap();
        sqlx::query_as(
            "SELECT version, usage__agents, usage__alert_rules, usage__dashboards__capacity \
                 FROM heartbeat ORDER BY received_at",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    });
    assert_eq!(
        rows,
        [
            ("1.1.0".to_owned(), Some(930), None, None),
            ("1.2.0".to_owned(), Some(930), Some(41), Some(1)),
        ]
    );
}
