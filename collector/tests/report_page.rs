//! The report page in a real browser: headless Chromium (Debian's, installed by
//! `.ci/services`) opens the admin page of a collector holding a generated fleet, and the
//! test checks what a person would see: the charts are there and carry data, the version
//! table's numbers are those of `collector report --json`, and a version run by one
//! installation shows no number. `UPDATE_SCREENSHOT=1` also writes `docs/report-page.png`.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use collector::admin::AdminConfig;
use collector::{Store, Submission};
use common::{Db, runtime};
use metrics_core::Version;
use serde_json::Value;

const CHROMIUM: &str = "chromium";

/// Runs headless Chromium on `url` with `args` (`--dump-dom`, `--screenshot=...`).
fn chromium(url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {CHROMIUM} ({e}); run `.ci/services`, which installs Debian's chromium"
            )
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A lone installation at 3.3.0, a version nobody else runs.
fn lone_installation(at: SystemTime) -> Submission {
    let version = Version::parse("3.3.0").unwrap();
    let mut check = schema::sample_update_check(version.clone());
    check.installation_id = "11111111-2222-4333-8444-555555555555".parse().unwrap();
    common::submission(&check, &version, at)
}

/// The rows of the version table: version, and the number shown (`None`: hidden).
fn version_rows(dom: &str) -> Vec<(String, Option<u64>, String)> {
    let table = dom
        .split_once("<table id=\"versions\">")
        .expect("the page has the version table")
        .1
        .split_once("</table>")
        .unwrap()
        .0;
    table
        .split("<tr data-version=\"")
        .skip(1)
        .map(|row| {
            let (version, rest) = row.split_once('"').unwrap();
            let number = rest
                .split_once("data-installations=\"")
                .and_then(|(_, r)| r.split_once('"'))
                .map(|(n, _)| n.parse().unwrap());
            let cells = rest.split_once("</tr>").map_or(rest, |(r, _)| r).to_owned();
            (version.to_owned(), number, cells)
        })
        .collect()
}

/// The markup of every `<figure class="chart" data-chart="{kind}" ...>`.
fn charts<'d>(dom: &'d str, kind: &str) -> Vec<&'d str> {
    dom.split(&format!("data-chart=\"{kind}\""))
        .skip(1)
        .map(|rest| rest.split_once("</figure>").map_or(rest, |(f, _)| f))
        .collect()
}

#[test]
fn the_report_page_shows_the_fleet_in_a_browser() {
    let rt = runtime();
    let db = Db::sqlite();
    let models = schema::models();
    let store = rt.block_on(Store::connect(&db.url(), &models)).unwrap();
    let until = SystemTime::now() - Duration::from_secs(3600);
    let spec = collector::fleet::FleetSpec {
        installations: 150,
        weeks: 3,
        checks_per_day: 2,
        seed: 11,
        until,
    };
    rt.block_on(collector::fleet::generate(
        &store,
        &models,
        &spec,
        |_, _| {},
    ))
    .unwrap();
    rt.block_on(store.accept(lone_installation(until))).unwrap();

    let router = collector::admin::router(
        store.clone(),
        AdminConfig {
            token: None,
            min_group: 5,
        },
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(collector::serve(listener, router, std::future::pending()));
    let url = format!("http://{addr}/?weeks=4");

    let dom = chromium(&url, &["--dump-dom"]);
    assert!(dom.contains("<h1>Usage report</h1>"), "{dom}");

    // The weekly chart: a filled area per release line, with a point per week.
    let weekly = charts(&dom, "weekly");
    assert_eq!(weekly.len(), 1, "one weekly chart for the update check");
    let polygons: Vec<&str> = weekly[0].split("<polygon").skip(1).collect();
    assert!(polygons.len() >= 2, "{}", weekly[0]);
    for polygon in &polygons {
        let points = polygon
            .split_once("points=\"")
            .unwrap()
            .1
            .split_once('"')
            .unwrap()
            .0;
        assert!(
            points.split(' ').count() >= 4,
            "an area through the weeks: {points}"
        );
    }
    // Histograms of counts, with bars.
    let histograms = charts(&dom, "histogram");
    assert!(histograms.len() >= 10, "{} histograms", histograms.len());
    for histogram in &histograms {
        // The background is one rect; the bars are more.
        assert!(histogram.matches("<rect").count() >= 3, "{histogram}");
    }
    // Enum maps as shares per key.
    assert!(charts(&dom, "shares").len() >= 2);

    // The version table equals `collector report --json` for the same window.
    let output = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "report",
            "--json",
            "--weeks",
            "4",
            "--payload",
            "update-check",
            "--database-url",
        ])
        .arg(db.url())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let exact: Vec<(String, u64)> = report["payloads"][0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_str().unwrap().to_owned(),
                v["installations"].as_u64().unwrap(),
            )
        })
        .collect();
    let shown = version_rows(&dom);
    assert_eq!(shown.len(), exact.len(), "{shown:?} vs {exact:?}");
    let mut hidden = 0;
    // With one small group hidden, the next smallest is hidden too (else the hidden one
    // would be the total less the others).
    let small = exact.iter().filter(|(_, n)| *n < 5).count();
    let companion = (small == 1).then(|| {
        exact
            .iter()
            .filter(|(_, n)| *n >= 5)
            .min_by_key(|(_, n)| *n)
            .map(|(v, _)| v.clone())
    });
    for ((version, number, cells), (exact_version, exact_number)) in shown.iter().zip(&exact) {
        assert_eq!(version, exact_version);
        if companion
            .as_ref()
            .is_some_and(|c| c.as_ref() == Some(version))
        {
            assert_eq!(
                *number, None,
                "{version} is hidden with the one small group"
            );
        } else if *exact_number >= 5 {
            assert_eq!(*number, Some(*exact_number), "{version}");
        } else {
            hidden += 1;
            assert_eq!(
                *number, None,
                "{version} has {exact_number} installations: hidden"
            );
            assert!(cells.contains("&lt;5"), "{version}: {cells}");
            assert!(
                !cells.contains(&format!(">{exact_number}<")),
                "{version}: {cells}"
            );
        }
    }
    // The lone installation's version is listed, with no number.
    let lone = shown
        .iter()
        .find(|(v, _, _)| v == "3.3.0")
        .expect("3.3.0 is listed");
    assert_eq!(lone.1, None);
    assert!(hidden >= 1);
    let total = report["payloads"][0]["installations"].as_u64().unwrap();
    assert!(
        dom.contains(&format!("data-installations=\"{total}\"")),
        "the total is shown"
    );

    // A screenshot with something on it (a blank page is a few kilobytes).
    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("report.png");
    chromium(
        &url,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,1500",
        ],
    );
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(
        size > 40_000,
        "the screenshot is nearly blank ({size} bytes)"
    );
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/report-page.png");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&png, &target).unwrap();
    }
    rt.block_on(store.close());
}
