//! The questions the data is collected for, answered per installation, never per
//! submission, the same way on SQLite and PostgreSQL: installations per version, upgrades,
//! resends, exact values through the table, the views and `report --json`, a path version
//! that disagrees with the body, and a database created by an older model.

mod common;

use std::time::{Duration, SystemTime};

use collector::report::{Options, Stats, Window};
use collector::{Store, Stored, Submission};
use common::{Db, Server, post, runtime, submission};
use metrics_core::{InstallationId, Metrics, Model, Version};
use schema::{UpdateCheck, sample_statistics};
use serde_json::Value;
use tokio::runtime::Runtime;
use uuid::Uuid;

/// A fixed "now": reports of these tests cover the week before it.
fn now() -> SystemTime {
    humantime::parse_rfc3339("2026-11-27T12:00:00Z").unwrap()
}

fn hours_ago(hours: u64) -> SystemTime {
    now() - Duration::from_secs(hours * 3600)
}

fn options() -> Options {
    Options {
        window: Window::days_before(now(), 7),
        trend_weeks: 2,
        payloads: vec!["update-check".to_owned()],
    }
}

fn installation(n: u8) -> InstallationId {
    format!("00000000-0000-4000-8000-0000000000{n:02}")
        .parse()
        .unwrap()
}

/// An update check of `installation` at `version`, with the sample statistics changed by
/// `edit`, as the collector would store it when received at `at`.
fn check(
    installation: InstallationId,
    version: &str,
    at: SystemTime,
    edit: impl FnOnce(&mut schema::UsageStatistics),
) -> Submission {
    let version = Version::parse(version).unwrap();
    let mut statistics = sample_statistics();
    edit(&mut statistics);
    let payload = UpdateCheck {
        version: version.clone(),
        installation_id: installation,
        usage_statistics: Some(statistics),
    };
    submission(&payload, &version, at)
}

fn open(db: &Db, rt: &Runtime) -> Store {
    rt.block_on(Store::connect(&db.url(), &schema::models()))
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.url()))
}

fn store_all(store: &Store, rt: &Runtime, submissions: Vec<Submission>) {
    for submission in submissions {
        rt.block_on(store.accept(submission)).unwrap();
    }
}

fn metric<'r>(
    report: &'r collector::report::PayloadReport,
    name: &str,
) -> &'r collector::report::MetricRow {
    report
        .metrics
        .iter()
        .find(|m| m.metric == name)
        .unwrap_or_else(|| panic!("no metric {name}"))
}

fn installations_not_submissions(db: Db) {
    let rt = runtime();
    let store = open(&db, &rt);
    let (a, b) = (installation(1), installation(2));
    let resent = check(b, "2018.2.2", hours_ago(5), |s| s.machines = 100);
    store_all(
        &store,
        &rt,
        vec![
            check(a, "2018.2.2", hours_ago(30), |s| s.machines = 910),
            check(a, "2018.2.2", hours_ago(22), |s| s.machines = 911),
            check(a, "2018.2.2", hours_ago(14), |s| s.machines = 912),
            resent.clone(),
            // A resend of B's check: counted as a resend, never as a report.
            resent,
            // Outside the window.
            check(installation(3), "2018.2.2", hours_ago(24 * 8), |_| {}),
        ],
    );
    let report = rt.block_on(store.report(&options())).unwrap();
    let update = &report.payloads[0];
    assert_eq!(update.installations, 2, "A and B, whatever their checks");
    assert_eq!(update.submissions, 4);
    assert_eq!(update.versions.len(), 1);
    assert_eq!(update.versions[0].version, "2018.2.2");
    assert_eq!(update.versions[0].installations, Some(2));
    assert_eq!(update.versions[0].share, Some(1.0));
    let machines = metric(update, "usageStatistics.machines");
    assert_eq!(machines.reported, Some(2));
    // Each installation's latest report: A's 912 (not 910 + 911 + 912), B's 100.
    match &machines.stats {
        Stats::Count {
            min, max, total, ..
        } => {
            assert_eq!((*min, *max, *total), (Some(100), Some(912), Some(1012)));
        }
        other => panic!("{other:?}"),
    }
    rt.block_on(store.close());
}

fn an_upgrade_counts_once_at_the_newest_version(db: Db) {
    let rt = runtime();
    let store = open(&db, &rt);
    let (upgrader, downgrader) = (installation(4), installation(5));
    store_all(
        &store,
        &rt,
        vec![
            check(upgrader, "3.16.1", hours_ago(100), |s| s.machines = 10),
            check(upgrader, "2018.2.2", hours_ago(50), |s| s.machines = 11),
            check(downgrader, "2018.2.2", hours_ago(60), |s| s.machines = 20),
            check(downgrader, "3.16.1", hours_ago(40), |s| s.machines = 21),
        ],
    );
    let report = rt.block_on(store.report(&options())).unwrap();
    let update = &report.payloads[0];
    assert_eq!(update.installations, 2);
    let versions: Vec<(&str, u64)> = update
        .versions
        .iter()
        .map(|v| (v.version.as_str(), v.installations.unwrap()))
        .collect();
    // Each counted once, at the newest version it reported.
    assert_eq!(versions, [("2018.2.2", 2)]);
    assert_eq!(update.release_lines[0].release_line, "2018.2");
    // Metrics come from each one's latest report.
    match &metric(update, "usageStatistics.machines").stats {
        Stats::Count { min, max, .. } => assert_eq!((*min, *max), (Some(11), Some(21))),
        other => panic!("{other:?}"),
    }
    // The weekly trend counts each installation once per week.
    let weekly: u64 = update.weekly.iter().filter_map(|w| w.installations).sum();
    assert!((2..=4).contains(&weekly), "{:?}", update.weekly);
    for week in &update.weekly {
        assert!(week.installations.unwrap() <= 2, "{week:?}");
    }
    rt.block_on(store.close());
}

/// Rows of `sql` (every column cast to text by the query) on the database at `url`.
fn rows(rt: &Runtime, url: &str, sql: &'static str) -> Vec<(String, String, String)> {
    rt.block_on(async {
        if url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::query_as(sql).fetch_all(&pool).await.unwrap()
        }
    })
}

/// The rows of the weekly view: (week, version, installations), in order.
fn weekly_view(rt: &Runtime, url: &str) -> Vec<(String, String, String)> {
    rows(
        rt,
        url,
        "SELECT CAST(week AS TEXT), version, CAST(installations AS TEXT) FROM update_check_weekly ORDER BY 1, 2",
    )
}

/// `rows` as [`rows`] returns them.
fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// Runs `sql` on the database at `url`.
fn execute(rt: &Runtime, url: &str, sql: &'static str) {
    rt.block_on(async {
        if url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        } else {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        }
    });
}

/// A time of the week of [`now`] (Monday 2026-11-23) or of the week before it.
fn at(day: &str) -> SystemTime {
    humantime::parse_rfc3339(&format!("{day}T10:00:00Z")).unwrap()
}

fn the_weekly_trend_counts_each_installation_once_a_week(db: Db) {
    let rt = runtime();
    let store = open(&db, &rt);
    let (six, seven, eight) = (installation(6), installation(7), installation(8));
    let once = check(eight, "2018.2.2", at("2026-11-17"), |_| {});
    let mut resent = once.clone();
    resent.received_at = at("2026-11-24");
    let submissions = vec![
        // The week before: six goes up, then back down; newest is what counts.
        check(six, "3.16.1", at("2026-11-17"), |_| {}),
        check(six, "2018.2.2", at("2026-11-18"), |_| {}),
        check(six, "3.16.1", at("2026-11-19"), |_| {}),
        once,
        // This week: a pre-release is newer than the release before it ...
        check(six, "2018.3.0-rc.1", at("2026-11-24"), |_| {}),
        check(six, "2018.2.2", at("2026-11-25"), |_| {}),
        // ... and older than its own release.
        check(seven, "2018.3.0", at("2026-11-24"), |_| {}),
        check(seven, "2018.3.0-rc.1", at("2026-11-25"), |_| {}),
    ];
    // All at once: the writers take them in multi-row inserts, in any order.
    rt.block_on(async {
        let mut all = tokio::task::JoinSet::new();
        for submission in submissions {
            let store = store.clone();
            all.spawn(async move { store.accept(submission).await });
        }
        while let Some(stored) = all.join_next().await {
            stored.unwrap().unwrap();
        }
    });
    // A resend, received this week, of a check of the week before: not a check now.
    store_all(&store, &rt, vec![resent]);
    let report = rt.block_on(store.report(&options())).unwrap();
    let weekly: Vec<(&str, Vec<(&str, u64)>)> = report.payloads[0]
        .weekly
        .iter()
        .map(|w| {
            (
                w.week.as_str(),
                w.release_lines
                    .iter()
                    .map(|(line, n)| (line.as_str(), *n))
                    .collect(),
            )
        })
        .collect();
    let expected = vec![
        ("2026-11-16", vec![("2018.2", 2)]),
        ("2026-11-23", vec![("2018.3", 2)]),
    ];
    assert_eq!(weekly, expected);
    // The window ends on a Friday: its week is the week so far.
    let partial: Vec<bool> = report.payloads[0]
        .weekly
        .iter()
        .map(|w| w.partial)
        .collect();
    assert_eq!(partial, [false, true]);
    // The terminal report marks it, and says what the mark means.
    let text = collector::report::render_text(&report);
    assert!(text.contains("2026-11-23*"), "{text}");
    assert!(
        text.contains(collector::report::PARTIAL_WEEK_NOTE),
        "{text}"
    );
    // A window that ends two hours into a week (before most installations have checked
    // in): the trend ends with the week before, whole, never with a fall to nearly zero.
    let monday_morning = Options {
        window: Window::days_before(humantime::parse_rfc3339("2026-11-30T02:00:00Z").unwrap(), 7),
        ..options()
    };
    let early = rt.block_on(store.report(&monday_morning)).unwrap();
    let weeks: Vec<(&str, bool)> = early.payloads[0]
        .weekly
        .iter()
        .map(|w| (w.week.as_str(), w.partial))
        .collect();
    assert_eq!(weeks, [("2026-11-16", false), ("2026-11-23", false)]);
    let text = collector::report::render_text(&early);
    assert!(
        !text.contains(collector::report::PARTIAL_WEEK_NOTE),
        "{text}"
    );
    let by_version = owned(&[
        ("2026-11-16", "2018.2.2", "2"),
        ("2026-11-23", "2018.3.0", "1"),
        ("2026-11-23", "2018.3.0-rc.1", "1"),
    ]);
    assert_eq!(weekly_view(&rt, &db.url()), by_version);
    rt.block_on(store.close());

    // A database of an older collector, whose rows predate the weeks table: a report
    // says what to do, and the collector fills the table from the rows at start.
    execute(
        &rt,
        &db.url(),
        "DROP VIEW update_check_weekly; DROP TABLE update_check_weeks",
    );
    let refused = rt
        .block_on(Store::open_existing(&db.url(), &schema::models()))
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("update_check_weeks") && refused.contains("`collector serve`"),
        "{refused}"
    );
    let store = open(&db, &rt);
    assert_eq!(weekly_view(&rt, &db.url()), by_version);
    let again = rt.block_on(store.report(&options())).unwrap();
    assert_eq!(
        serde_json::to_value(&again.payloads[0].weekly).unwrap(),
        serde_json::to_value(&report.payloads[0].weekly).unwrap()
    );
    rt.block_on(store.close());

    // One statement that inserts several checks of one installation in one week (as a
    // writer's multi-row insert may): the newest version is kept, whatever the order.
    execute(
        &rt,
        &db.url(),
        "INSERT INTO update_check (document_id, installation_id, version_sent, version, version_major, version_minor, version_patch, version_pre, received_at, body) VALUES \
         ('00000000-0000-4000-8000-000000000a01', '00000000-0000-4000-8000-000000000009', '3.16.1', '3.16.1', 3, 16, 1, NULL, '2026-11-24T10:00:00.000Z', '{}'), \
         ('00000000-0000-4000-8000-000000000a02', '00000000-0000-4000-8000-000000000009', '2018.3.0', '2018.3.0', 2018, 3, 0, NULL, '2026-11-24T11:00:00.000Z', '{}'), \
         ('00000000-0000-4000-8000-000000000a03', '00000000-0000-4000-8000-000000000009', '2018.3.0-rc.1', '2018.3.0-rc.1', 2018, 3, 0, '!1rc!0111', '2026-11-24T12:00:00.000Z', '{}')",
    );
    let kept = "SELECT CAST(week AS TEXT), version, CAST(installation_id AS TEXT) FROM update_check_weeks WHERE version_major = 2018 AND version_minor = 3 ORDER BY 3";
    let kept: Vec<(String, String)> = rows(&rt, &db.url(), kept)
        .into_iter()
        .map(|(week, version, _)| (week, version))
        .collect();
    assert_eq!(
        kept,
        [
            ("2026-11-23", "2018.3.0-rc.1"),
            ("2026-11-23", "2018.3.0"),
            ("2026-11-23", "2018.3.0"),
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

/// The versions of the report, newest first, with their installations.
fn versions(report: &collector::report::Report) -> Vec<(String, u64)> {
    report.payloads[0]
        .versions
        .iter()
        .map(|v| (v.version.clone(), v.installations.unwrap_or(0)))
        .collect()
}

fn pre_releases_compare_as_semver_does(db: Db) {
    let rt = runtime();
    let store = open(&db, &rt);
    let (one, two, three, four) = (
        installation(1),
        installation(2),
        installation(3),
        installation(4),
    );
    store_all(
        &store,
        &rt,
        vec![
            // rc.10 is newer than rc.2 (numbers compare by value), whatever came last.
            check(one, "2018.3.0-rc.10", at("2026-11-24"), |_| {}),
            check(one, "2018.3.0-rc.2", at("2026-11-25"), |_| {}),
            check(two, "2018.3.0-rc.2", at("2026-11-24"), |_| {}),
            // beta.11 is newer than beta.2 and older than any rc.
            check(three, "2018.3.0-beta.11", at("2026-11-24"), |_| {}),
            check(four, "2018.3.0-beta.2", at("2026-11-24"), |_| {}),
            check(four, "2018.3.0-beta", at("2026-11-25"), |_| {}),
        ],
    );
    let expected: Vec<(String, u64)> = [
        ("2018.3.0-rc.10", 1),
        ("2018.3.0-rc.2", 1),
        ("2018.3.0-beta.11", 1),
        ("2018.3.0-beta.2", 1),
    ]
    .map(|(v, n)| (v.to_owned(), n))
    .to_vec();
    let report = rt.block_on(store.report(&options())).unwrap();
    assert_eq!(versions(&report), expected);
    let by_week = owned(&[
        ("2026-11-23", "2018.3.0-beta.11", "1"),
        ("2026-11-23", "2018.3.0-beta.2", "1"),
        ("2026-11-23", "2018.3.0-rc.10", "1"),
        ("2026-11-23", "2018.3.0-rc.2", "1"),
    ]);
    assert_eq!(weekly_view(&rt, &db.url()), by_week);
    rt.block_on(store.close());

    // A database of a collector that stored pre-releases as written, and so took rc.2 for
    // the newer (its text is greater): rewritten at start, once, the week chosen again, and
    // then read as above.
    execute(
        &rt,
        &db.url(),
        "UPDATE update_check SET version_pre = substr(version, 10) WHERE version_pre IS NOT NULL;          UPDATE update_check_weeks SET version_pre = substr(version, 10) WHERE version_pre IS NOT NULL; UPDATE update_check_weeks SET version = '2018.3.0-rc.2', version_pre = 'rc.2' WHERE version = '2018.3.0-rc.10';          DELETE FROM collector_counters WHERE name = 'pre_release_order'",
    );
    let stored =
        "SELECT version, version_pre, '' FROM update_check WHERE version = '2018.3.0-rc.10'";
    assert_eq!(rows(&rt, &db.url(), stored)[0].1, "rc.10");
    let store = open(&db, &rt);
    assert_eq!(rows(&rt, &db.url(), stored)[0].1, "!1rc!01210");
    let again = rt.block_on(store.report(&options())).unwrap();
    assert_eq!(versions(&again), expected);
    assert_eq!(weekly_view(&rt, &db.url()), by_week);
    // Once: the pass leaves its marker, so a later start does not rewrite again.
    let marker = "SELECT name, '', '' FROM collector_counters WHERE name = 'pre_release_order'";
    assert_eq!(rows(&rt, &db.url(), marker).len(), 1);
    rt.block_on(store.close());
}

#[test]
fn pre_releases_compare_as_semver_does_sqlite() {
    pre_releases_compare_as_semver_does(Db::sqlite());
}

#[test]
fn pre_releases_compare_as_semver_does_postgres() {
    pre_releases_compare_as_semver_does(Db::postgres(&runtime()));
}

#[test]
fn the_weekly_trend_counts_each_installation_once_a_week_sqlite() {
    the_weekly_trend_counts_each_installation_once_a_week(Db::sqlite());
}

#[test]
fn the_weekly_trend_counts_each_installation_once_a_week_postgres() {
    the_weekly_trend_counts_each_installation_once_a_week(Db::postgres(&runtime()));
}

const BEYOND_F64: u64 = (1 << 53) + 1;

fn values_read_back_exactly(db: Db) {
    let rt = runtime();
    let store = open(&db, &rt);
    let big = check(installation(6), "2018.2.2", hours_ago(3), |s| {
        s.environments = u64::MAX;
        s.machines = BEYOND_F64;
    });
    let id = big.document_id;
    store_all(&store, &rt, vec![big]);

    // The table.
    let values = rt
        .block_on(store.leaf_values("update-check", id))
        .unwrap()
        .unwrap();
    let value = |name: &str| values.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(
        value("usage_statistics__environments"),
        Some(Stored::Count(u64::MAX))
    );
    assert_eq!(
        value("usage_statistics__machines"),
        Some(Stored::Count(BEYOND_F64))
    );

    // The views (the report's window is fixed; the views look at the last 7 days, so this
    // check is against a row received now).
    let fresh = check(installation(7), "2018.2.2", SystemTime::now(), |s| {
        s.environments = u64::MAX;
        s.machines = BEYOND_F64;
    });
    store_all(&store, &rt, vec![fresh]);
    let view = "SELECT CAST(usage_statistics__environments AS TEXT), CAST(usage_statistics__machines AS TEXT) \
                FROM update_check_latest_7d";
    let url = db.url();
    let rows: Vec<(String, String)> = rt.block_on(async {
        if url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            sqlx::query_as(view).fetch_all(&pool).await.unwrap()
        } else {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            sqlx::query_as(view).fetch_all(&pool).await.unwrap()
        }
    });
    assert!(!rows.is_empty());
    for row in rows {
        assert_eq!(row, (u64::MAX.to_string(), BEYOND_F64.to_string()));
    }

    // The report, as JSON.
    let report = rt.block_on(store.report(&options())).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    assert!(json.contains("\"max\":18446744073709551615"), "{json}");
    assert!(json.contains("\"max\":9007199254740993"), "{json}");
    rt.block_on(store.close());

    // `collector report --json`, the binary a person runs.
    if db.url().starts_with("sqlite") {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_collector"))
            .args([
                "report",
                "--json",
                "--database-url",
                &db.url(),
                "--since",
                "2026-11-20",
                "--until",
                "2026-11-28",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("\"max\": 18446744073709551615"), "{stdout}");
        assert!(stdout.contains("\"max\": 9007199254740993"), "{stdout}");
    }
}

#[test]
fn installations_not_submissions_sqlite() {
    installations_not_submissions(Db::sqlite());
}

#[test]
fn installations_not_submissions_postgres() {
    installations_not_submissions(Db::postgres(&runtime()));
}

#[test]
fn an_upgrade_counts_once_at_the_newest_version_sqlite() {
    an_upgrade_counts_once_at_the_newest_version(Db::sqlite());
}

#[test]
fn an_upgrade_counts_once_at_the_newest_version_postgres() {
    an_upgrade_counts_once_at_the_newest_version(Db::postgres(&runtime()));
}

#[test]
fn values_read_back_exactly_sqlite() {
    values_read_back_exactly(Db::sqlite());
}

#[test]
fn values_read_back_exactly_postgres() {
    values_read_back_exactly(Db::postgres(&runtime()));
}

#[test]
fn both_databases_give_the_same_report_on_the_same_fleet() {
    let rt = runtime();
    let spec = collector::fleet::FleetSpec {
        installations: 60,
        weeks: 3,
        checks_per_day: 2,
        seed: 7,
        until: now(),
    };
    let mut reports = Vec::new();
    for db in [Db::sqlite(), Db::postgres(&rt)] {
        let store = open(&db, &rt);
        let summary = rt
            .block_on(collector::fleet::generate(
                &store,
                &schema::models(),
                &spec,
                |_, _| {},
            ))
            .unwrap();
        assert!(
            summary.submissions > 1000 && summary.installations >= 55,
            "{summary:?}"
        );
        let options = Options {
            window: Window::days_before(now(), 7),
            trend_weeks: 3,
            payloads: Vec::new(),
        };
        let report = rt.block_on(store.report(&options)).unwrap();
        rt.block_on(store.close());
        reports.push(serde_json::to_value(&report).unwrap());
    }
    assert_eq!(reports[0], reports[1], "SQLite and PostgreSQL disagree");
    // And the report says something: installations, several versions, weeks, metrics.
    let update = &reports[0]["payloads"][0];
    assert!(update["installations"].as_u64().unwrap() >= 50, "{update}");
    assert!(
        update["versions"].as_array().unwrap().len() >= 2,
        "{update}"
    );
    assert_eq!(update["weekly"].as_array().unwrap().len(), 3, "{update}");
    let machines = update["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == "usageStatistics.machines")
        .unwrap();
    assert!(machines["reported"].as_u64().unwrap() > 30, "{machines}");
    assert_eq!(machines["stats"]["kind"], "count");
}

/// The path's version decides the schema; a body that says otherwise is refused.
fn a_path_version_that_disagrees_with_the_body_is_a_400(server: Server) {
    // The update check without statistics: its shape is the same at every version, so only
    // the version it names disagrees.
    let check = |version: &str| {
        let v = Version::parse(version).unwrap();
        let mut payload = schema::sample_update_check(v.clone());
        payload.usage_statistics = None;
        serde_json::to_string(&payload.at(&v)).unwrap()
    };
    let id = Uuid::new_v4().to_string();
    let (status, text) = post(
        &server.url("update-check", "2018.2.2", &id),
        &[],
        check("3.4.0").as_bytes(),
    );
    assert_eq!(status, 400, "{text}");
    let violations: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(violations[0]["pointer"], "/version");
    assert_eq!(violations[0]["rule"], "version");
    assert!(
        violations[0]["message"]
            .as_str()
            .unwrap()
            .contains("the payload says it was sent by 3.4.0, but it was posted as 2018.2.2"),
        "{text}"
    );
    assert!(
        server
            .rt
            .block_on(server.store.document_ids())
            .unwrap()
            .is_empty()
    );
    let rejected = server.rt.block_on(server.store.rejected()).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].rules, ["version"]);

    // Build metadata is not a version of its own: stored normalized, in one group.
    for build in ["b17", "b18"] {
        let id = Uuid::new_v4();
        let sent = format!("2018.2.2+{build}");
        let (status, text) = post(
            &server.url("update-check", &sent, &id.to_string()),
            &[],
            check(&sent).as_bytes(),
        );
        assert_eq!(status, 201, "{text}");
        assert_eq!(
            server
                .rt
                .block_on(server.store.version(id))
                .unwrap()
                .as_deref(),
            Some("2018.2.2")
        );
    }
    // A pre-release is kept, and shown as such.
    let id = Uuid::new_v4();
    let (status, _) = post(
        &server.url("update-check", "2018.3.0-beta.1", &id.to_string()),
        &[],
        check("2018.3.0-beta.1").as_bytes(),
    );
    assert_eq!(status, 201);
    let mut options = options();
    options.window = Window::days_before(SystemTime::now() + Duration::from_secs(60), 1);
    let report = server.rt.block_on(server.store.report(&options)).unwrap();
    let versions: Vec<&str> = report.payloads[0]
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(
        versions,
        ["2018.3.0-beta.1"],
        "one installation, at its newest version"
    );
    assert_eq!(report.payloads[0].submissions, 3);
}

#[test]
fn a_path_version_that_disagrees_with_the_body_is_a_400_sqlite() {
    a_path_version_that_disagrees_with_the_body_is_a_400(Server::sqlite());
}

#[test]
fn a_path_version_that_disagrees_with_the_body_is_a_400_postgres() {
    a_path_version_that_disagrees_with_the_body_is_a_400(Server::postgres());
}

mod older {
    use metrics_core::{InstallationId, Metrics, Version};

    /// A heartbeat as released first.
    #[derive(Metrics)]
    #[metrics(name = "heartbeat", rename_all = "camelCase")]
    pub struct Heartbeat {
        /// The version
        pub version: Version,
        /// The installation
        pub installation_id: InstallationId,
        /// The number of agents
        pub agents: u32,
    }
}

mod newer {
    use metrics_core::{InstallationId, Metrics, Version};

    /// A heartbeat, with a metric added in 2.0.
    #[derive(Metrics)]
    #[metrics(name = "heartbeat", rename_all = "camelCase")]
    pub struct Heartbeat {
        /// The version
        pub version: Version,
        /// The installation
        pub installation_id: InstallationId,
        /// The number of agents
        pub agents: u32,
        /// The number of build queues
        #[since("2.0")]
        pub build_queues: u64,
    }
}

fn heartbeat<T: Metrics>(value: &T, version: &Version) -> Submission {
    submission(value, version, SystemTime::now())
}

fn an_older_database_gains_the_new_columns(db: Db) {
    let rt = runtime();
    let v1 = Version::new(1, 0, 0);
    let old_store = rt
        .block_on(Store::connect(
            &db.url(),
            &[Model::of::<older::Heartbeat>()],
        ))
        .unwrap();
    let old = heartbeat(
        &older::Heartbeat {
            version: v1.clone(),
            installation_id: installation(8),
            agents: 3,
        },
        &v1,
    );
    let old_id = old.document_id;
    rt.block_on(old_store.accept(old)).unwrap();
    rt.block_on(old_store.close());

    // The newer model opens the same database and adds its column.
    let v2 = Version::new(2, 0, 0);
    let store = rt
        .block_on(Store::connect(
            &db.url(),
            &[Model::of::<newer::Heartbeat>()],
        ))
        .unwrap();
    let new = heartbeat(
        &newer::Heartbeat {
            version: v2.clone(),
            installation_id: installation(8),
            agents: 4,
            build_queues: 2,
        },
        &v2,
    );
    let new_id = new.document_id;
    rt.block_on(store.accept(new)).unwrap();
    let read = |id| {
        rt.block_on(store.leaf_values("heartbeat", id))
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        read(old_id),
        [
            ("agents".to_owned(), Some(Stored::Count(3))),
            ("build_queues".to_owned(), None)
        ]
    );
    assert_eq!(
        read(new_id),
        [
            ("agents".to_owned(), Some(Stored::Count(4))),
            ("build_queues".to_owned(), Some(Stored::Count(2)))
        ]
    );
    rt.block_on(store.close());
    // And the older model still opens it (a column it does not know is left alone).
    let again = rt
        .block_on(Store::open_existing(
            &db.url(),
            &[Model::of::<older::Heartbeat>()],
        ))
        .unwrap();
    rt.block_on(again.close());
}

#[test]
fn an_older_database_gains_the_new_columns_sqlite() {
    an_older_database_gains_the_new_columns(Db::sqlite());
}

#[test]
fn an_older_database_gains_the_new_columns_postgres() {
    an_older_database_gains_the_new_columns(Db::postgres(&runtime()));
}

mod replaced {
    use metrics_core::{InstallationId, Metrics, Version};

    /// A heartbeat whose team count was widened in 2.1: the old field retired, a new one
    /// under the same JSON key.
    #[derive(Metrics)]
    #[metrics(name = "teams-heartbeat", rename_all = "camelCase")]
    pub struct Heartbeat {
        /// The version
        pub version: Version,
        /// The installation
        pub installation_id: InstallationId,
        /// The number of teams, up to 65535
        #[until("2.1")]
        pub teams: u16,
        /// The number of teams
        #[since("2.1")]
        #[metrics(rename = "teams")]
        pub teams_wide: u32,
    }
}

fn fields_that_share_a_key_share_a_column(db: Db) {
    let rt = runtime();
    let store = rt
        .block_on(Store::connect(
            &db.url(),
            &[Model::of::<replaced::Heartbeat>()],
        ))
        .unwrap();
    let table = &store.tables()[0];
    assert_eq!(
        table
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["teams"]
    );
    let mut ids = Vec::new();
    for (n, version, teams) in [(1, "2.0.0", 7u32), (2, "2.1.0", 70_000)] {
        let version = Version::parse(version).unwrap();
        let value = replaced::Heartbeat {
            version: version.clone(),
            installation_id: installation(30 + n),
            teams: teams as u16,
            teams_wide: teams,
        };
        let mut submission = heartbeat(&value, &version);
        submission.payload = "teams-heartbeat".to_owned();
        submission.received_at = hours_ago(2);
        ids.push(submission.document_id);
        rt.block_on(store.accept(submission)).unwrap();
    }
    let read = |id| {
        rt.block_on(store.leaf_values("teams-heartbeat", id))
            .unwrap()
            .unwrap()
    };
    assert_eq!(read(ids[0]), [("teams".to_owned(), Some(Stored::Count(7)))]);
    assert_eq!(
        read(ids[1]),
        [("teams".to_owned(), Some(Stored::Count(70_000)))]
    );
    // Both versions count for the one metric.
    let report = rt
        .block_on(store.report(&Options {
            window: Window::days_before(now(), 7),
            trend_weeks: 1,
            payloads: Vec::new(),
        }))
        .unwrap();
    let teams = &report.payloads[0].metrics[0];
    assert_eq!((teams.applicable, teams.reported), (Some(2), Some(2)));
    assert_eq!(
        teams.since.as_deref(),
        Some("2.1.0"),
        "the newest field describes it"
    );
    rt.block_on(store.close());
}

#[test]
fn fields_that_share_a_key_share_a_column_sqlite() {
    fields_that_share_a_key_share_a_column(Db::sqlite());
}

#[test]
fn fields_that_share_a_key_share_a_column_postgres() {
    fields_that_share_a_key_share_a_column(Db::postgres(&runtime()));
}

/// A collector starting while a session reads one of the views (a long query in psql or
/// Grafana): the start's migration would lock the tables against every other collector's
/// writes while it waits, so it gives up after a few seconds with an error that says so.
#[test]
fn a_start_behind_a_long_query_gives_up_and_says_why_postgres() {
    let rt = runtime();
    let db = Db::postgres(&rt);
    rt.block_on(open(&db, &rt).close());
    rt.block_on(async {
        let mut reader = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url())
            .await
            .unwrap();
        sqlx::raw_sql("BEGIN; SELECT COUNT(*) FROM update_check_weekly")
            .execute(&mut reader)
            .await
            .unwrap();
        let (url, models) = (db.url(), schema::models());
        let start = Store::connect(&url, &models);
        let refused = tokio::time::timeout(Duration::from_secs(30), start)
            .await
            .expect("the start gives up within seconds, not waiting for the query to end")
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("another session has held a lock") && refused.contains("start again"),
            "{refused}"
        );
        sqlx::raw_sql("COMMIT").execute(&mut reader).await.unwrap();
        // Once it ends, the collector starts.
        Store::connect(&db.url(), &schema::models())
            .await
            .unwrap()
            .close()
            .await;
    });
}
