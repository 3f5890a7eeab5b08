//! What the data is collected for, per installation, never per submission: how many
//! installations run which versions (in a window and week by week), how each metric is
//! distributed across them (each installation's latest report in the window), and what was
//! rejected. The database selects one row per installation; percentiles are computed here,
//! the same way for SQLite and PostgreSQL.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use metrics_core::{Release, Shape};
use serde::Serialize;
use sqlx::Row as _;

use crate::storage::layout::{
    Column, Dialect, Kind, REJECTED, REJECTED_RULES, Table, calendar_week, newest_version_first,
    quoted, week_of,
};
use crate::storage::{
    Pool, Store, StoreError, Stored, on_pool, read_leaves, select_leaves, timestamp,
};

/// The time range a report covers: `since <= received < until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// The start (included).
    pub since: SystemTime,
    /// The end (excluded).
    pub until: SystemTime,
}

impl Window {
    /// The `days` days before `until`.
    pub fn days_before(until: SystemTime, days: u64) -> Window {
        Window {
            since: until - Duration::from_secs(days * 86_400),
            until,
        }
    }

    /// The last 7 days.
    pub fn last_week() -> Window {
        Window::days_before(SystemTime::now(), 7)
    }
}

/// What to report.
#[derive(Clone, Debug)]
pub struct Options {
    /// The window of the per-version and per-metric figures.
    pub window: Window,
    /// How many calendar weeks (Monday, UTC) the weekly trend covers, ending with the week
    /// of the window's end (whole weeks: the last one holds what arrived in it so far).
    pub trend_weeks: u32,
    /// Only these payloads (all when empty).
    pub payloads: Vec<String>,
}

impl Options {
    /// The last 7 days, and a trend of 8 weeks.
    pub fn last_week() -> Options {
        Options {
            window: Window::last_week(),
            trend_weeks: 8,
            payloads: Vec::new(),
        }
    }
}

/// The report: per payload.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The window, as RFC 3339 times.
    pub since: String,
    /// The end of the window (excluded).
    pub until: String,
    /// Per payload.
    pub payloads: Vec<PayloadReport>,
}

/// The report of one payload.
#[derive(Clone, Debug, Serialize)]
pub struct PayloadReport {
    /// The payload's name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Whether figures count installations (the payload has an installation id); when
    /// not, they count submissions.
    pub per_installation: bool,
    /// Submissions received in the window (resends are not submissions).
    pub submissions: u64,
    /// Installations active in the window.
    pub installations: u64,
    /// Active installations per version, each at the newest version it reported.
    pub versions: Vec<VersionRow>,
    /// The same per release line (`major.minor`).
    pub release_lines: Vec<LineRow>,
    /// Active installations per calendar week and release line.
    pub weekly: Vec<WeekRow>,
    /// Per leaf metric, across active installations (each one's latest report).
    pub metrics: Vec<MetricRow>,
    /// Rejected submissions in the window, per claimed version and rule.
    pub rejected: Vec<RejectedCount>,
}

/// Installations at one version. In a report with small groups hidden
/// ([`Report::hide_small_groups`]), the figures of a version with fewer than k
/// installations are `None`.
#[derive(Clone, Debug, Serialize)]
pub struct VersionRow {
    /// The version (normalized: no build metadata).
    pub version: String,
    /// Its release line, `major.minor`.
    pub release_line: String,
    /// Installations whose newest version in the window it is.
    pub installations: Option<u64>,
    /// Their share of the active installations.
    pub share: Option<f64>,
    /// The first day (UTC) a submission of this version arrived in the window.
    pub first_seen: Option<String>,
    /// The last day (UTC) one arrived in the window.
    pub last_seen: Option<String>,
}

/// Installations on one release line.
#[derive(Clone, Debug, Serialize)]
pub struct LineRow {
    /// `major.minor`.
    pub release_line: String,
    /// Installations.
    pub installations: Option<u64>,
    /// Share of the active installations.
    pub share: Option<f64>,
}

/// One calendar week of the trend.
#[derive(Clone, Debug, Serialize)]
pub struct WeekRow {
    /// Its Monday (UTC), `YYYY-MM-DD`.
    pub week: String,
    /// Installations active that week.
    pub installations: Option<u64>,
    /// Per release line, each installation at the newest version it reported that week
    /// (lines with fewer than k installations left out when small groups are hidden).
    pub release_lines: BTreeMap<String, u64>,
    /// How many release lines were left out as small groups.
    #[serde(skip_serializing_if = "is_zero")]
    pub hidden_lines: usize,
    /// The week had not ended when the window did: it is counted whole, as far as submissions
    /// have arrived (for a window that ends now, the week so far).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
}

impl WeekRow {
    /// The week's Monday, marked `*` when the week is partial.
    pub fn label(&self) -> String {
        format!("{}{}", self.week, if self.partial { "*" } else { "" })
    }
}

/// What the `*` of a partial week means, under the weekly table and chart.
pub const PARTIAL_WEEK_NOTE: &str = "* the week had not ended when the window did: counted whole, as far as submissions have arrived";

/// Whether the last of `weeks` (the only one that can be) is partial.
pub fn ends_in_partial_week(weeks: &[WeekRow]) -> bool {
    weeks.last().is_some_and(|week| week.partial)
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One bucket of a histogram: installations whose value is in `from..=to`.
#[derive(Clone, Debug, Serialize)]
pub struct Bucket {
    /// The smallest value of the bucket.
    pub from: f64,
    /// The largest value of the bucket.
    pub to: f64,
    /// Installations (`None` when fewer than k and small groups are hidden).
    pub installations: Option<u64>,
}

/// The distribution of one leaf metric.
#[derive(Clone, Debug, Serialize)]
pub struct MetricRow {
    /// Its path (`usageStatistics.machines`).
    pub metric: String,
    /// Its JSON pointer.
    pub pointer: String,
    /// For one key of an enum-keyed map: the map (`usageStatistics.deploymentSteps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map: Option<String>,
    /// The first paragraph of its doc comment (for a map key: the map's and the key's).
    pub description: String,
    /// The version it was added in (`None`: sent from the start).
    pub since: Option<String>,
    /// Its unit in words.
    pub unit: String,
    /// How its figures read (a count, a size, a duration).
    #[serde(skip)]
    pub measure: Measure,
    /// Installations whose latest report could carry it (its version has it, and for a
    /// nested metric, the payload sent the object it is in).
    pub applicable: Option<u64>,
    /// Installations whose latest report carries it (`None` when fewer than k and small
    /// groups are hidden).
    pub reported: Option<u64>,
    /// The distribution.
    pub stats: Stats,
    /// For counts and percentages: installations per bucket, on a log scale for counts
    /// (0, 1, 2-3, 4-7, ...), by tens for percentages.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub histogram: Vec<Bucket>,
}

/// A distribution, by kind of metric.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Stats {
    /// A count, size or duration (nearest-rank percentiles). With small groups hidden, a
    /// figure that is one installation's own (the min, the max, a percentile whose rank is
    /// the first or the last) and the sum are `None`.
    Count {
        /// The smallest value.
        min: Option<u64>,
        /// The median.
        p50: Option<u64>,
        /// The 90th percentile.
        p90: Option<u64>,
        /// The 99th percentile.
        p99: Option<u64>,
        /// The largest value.
        max: Option<u64>,
        /// The sum.
        total: Option<u128>,
    },
    /// One key of an enum-keyed map.
    MapKey {
        /// The share of installations that sent the map with this key.
        share: f64,
        /// The sum of its values (`None` with small groups hidden).
        total: Option<u128>,
    },
    /// A flag.
    Flag {
        /// Installations whose flag is true.
        yes: u64,
        /// Their share of those that reported it.
        share: f64,
    },
    /// A percentage (nearest-rank percentiles; hidden as for counts).
    Percent {
        /// The smallest value.
        min: Option<f64>,
        /// The median.
        p50: Option<f64>,
        /// The 90th percentile.
        p90: Option<f64>,
        /// The 99th percentile.
        p99: Option<f64>,
        /// The largest value.
        max: Option<f64>,
    },
    /// A closed enum: the share of each value.
    Values {
        /// Installations per value, most frequent first.
        values: Vec<(String, u64)>,
    },
    /// Nothing reported, or values that have no distribution (digests).
    None,
    /// Fewer than k installations reported it: nothing is shown.
    Hidden,
}

/// Rejected submissions of one claimed version that broke one rule.
#[derive(Clone, Debug, Serialize)]
pub struct RejectedCount {
    /// The version the path claimed.
    pub claimed_version: String,
    /// The rule (a JSON Schema keyword, `duplicateKey`, `limit`, `syntax`, `version`).
    pub rule: String,
    /// Rejected submissions.
    pub submissions: u64,
}

/// `p` (0..=100) of sorted `values`, nearest rank.
fn percentile<T: Copy>(sorted: &[T], p: u32) -> T {
    let n = sorted.len();
    let rank = (u64::from(p) * n as u64).div_ceil(100).max(1) as usize;
    sorted[rank.min(n) - 1]
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The window condition on `received_at`, with the since and until parameters `$a`, `$b`.
pub(crate) fn window_sql(dialect: Dialect, a: usize, b: usize, prefix: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(
            "{prefix}received_at >= CAST(${a} AS TIMESTAMPTZ) AND {prefix}received_at < CAST(${b} AS TIMESTAMPTZ)"
        ),
        Dialect::Sqlite => format!("{prefix}received_at >= ${a} AND {prefix}received_at < ${b}"),
    }
}

/// A day (`YYYY-MM-DD`, UTC) of a time column.
fn day(dialect: Dialect, expression: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("to_char({expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"),
        Dialect::Sqlite => format!("substr({expression}, 1, 10)"),
    }
}

impl Store {
    /// The report of `options` (see the module docs).
    pub async fn report(&self, options: &Options) -> Result<Report, StoreError> {
        let mut payloads = Vec::new();
        for table in self.tables.iter() {
            if !options.payloads.is_empty() && !options.payloads.iter().any(|p| p == table.payload)
            {
                continue;
            }
            payloads.push(self.payload_report(table, options).await?);
        }
        Ok(Report {
            since: timestamp(options.window.since),
            until: timestamp(options.window.until),
            payloads,
        })
    }

    async fn payload_report(
        &self,
        table: &Table,
        options: &Options,
    ) -> Result<PayloadReport, StoreError> {
        let (since, until) = (
            timestamp(options.window.since),
            timestamp(options.window.until),
        );
        let dialect = self.dialect;
        let t = quoted(&table.name);
        let window = window_sql(dialect, 1, 2, "");
        let per_installation = table.installation.is_some();
        // Who is counted: an installation, or (without an installation id) a submission.
        let who = if per_installation {
            "installation_id"
        } else {
            "document_id"
        };

        let totals = format!("SELECT COUNT(*), COUNT(DISTINCT {who}) FROM {t} WHERE {window}");
        let totals = async {
            let totals: (i64, i64) = on_pool!(&self.read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(totals))
                    .bind(&since)
                    .bind(&until)
                    .fetch_one(pool)
                    .await?
            });
            Ok::<_, StoreError>(totals)
        };
        let newest = newest_version_first(dialect);

        let versions_sql = format!(
            "SELECT n.version, n.version_major, n.version_minor, n.installations, s.first_seen, s.last_seen FROM (\
                SELECT version, version_major, version_minor, version_patch, version_pre, COUNT(*) AS installations FROM (\
                    SELECT version, version_major, version_minor, version_patch, version_pre, \
                        ROW_NUMBER() OVER (PARTITION BY {who} ORDER BY {newest}) AS newest \
                    FROM {t} WHERE {window}) AS x WHERE newest = 1 \
                GROUP BY version, version_major, version_minor, version_patch, version_pre) AS n \
             JOIN (SELECT version, {} AS first_seen, {} AS last_seen FROM {t} WHERE {window} GROUP BY version) AS s \
             ON s.version = n.version \
             ORDER BY n.version_major DESC, n.version_minor DESC, n.version_patch DESC, (n.version_pre IS NULL) DESC, n.version_pre{} DESC",
            day(dialect, "MIN(received_at)"),
            day(dialect, "MAX(received_at)"),
            match dialect {
                Dialect::Postgres => " COLLATE \"C\"",
                Dialect::Sqlite => "",
            },
        );
        let versions = async {
            let rows: Vec<(String, i64, i64, i64, String, String)> = on_pool!(&self.read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(versions_sql))
                    .bind(&since)
                    .bind(&until)
                    .fetch_all(pool)
                    .await?
            });
            Ok::<_, StoreError>(rows)
        };
        let rejected_sql = format!(
            "SELECT r.claimed_version, rr.rule, COUNT(*) FROM {REJECTED} AS r JOIN {REJECTED_RULES} AS rr ON rr.rejected_id = r.id \
             WHERE r.payload = $3 AND {} GROUP BY r.claimed_version, rr.rule ORDER BY COUNT(*) DESC, r.claimed_version, rr.rule",
            window_sql(dialect, 1, 2, "r.")
        );
        let rejected = async {
            let rows: Vec<(String, String, i64)> = on_pool!(&self.read, |pool| {
                sqlx::query_as(sqlx::AssertSqlSafe(rejected_sql))
                    .bind(&since)
                    .bind(&until)
                    .bind(table.payload)
                    .fetch_all(pool)
                    .await?
            });
            Ok::<_, StoreError>(rows)
        };
        // The queries run together, on the pool's connections.
        let ((submissions, installations), rows, weekly, metrics, rejected) = tokio::try_join!(
            totals,
            versions,
            self.weekly(table, options),
            self.metrics(table, &since, &until),
            rejected,
        )?;
        let installations = installations as u64;
        let versions: Vec<VersionRow> = rows
            .into_iter()
            .map(
                |(version, major, minor, count, first_seen, last_seen)| VersionRow {
                    version,
                    release_line: format!("{major}.{minor}"),
                    installations: Some(count as u64),
                    share: Some(share(count as u64, installations)),
                    first_seen: Some(first_seen),
                    last_seen: Some(last_seen),
                },
            )
            .collect();
        let mut lines: Vec<(String, u64)> = Vec::new();
        for row in &versions {
            let count = row.installations.unwrap_or(0);
            match lines.iter_mut().find(|(line, _)| *line == row.release_line) {
                Some((_, n)) => *n += count,
                None => lines.push((row.release_line.clone(), count)),
            }
        }
        let release_lines = lines
            .into_iter()
            .map(|(release_line, n)| LineRow {
                release_line,
                installations: Some(n),
                share: Some(share(n, installations)),
            })
            .collect();

        Ok(PayloadReport {
            name: table.payload.to_owned(),
            description: table.model.description().to_owned(),
            per_installation,
            submissions: submissions as u64,
            installations,
            versions,
            release_lines,
            weekly,
            metrics,
            rejected: rejected
                .into_iter()
                .map(|(claimed_version, rule, n)| RejectedCount {
                    claimed_version,
                    rule,
                    submissions: n as u64,
                })
                .collect(),
        })
    }

    /// Active installations per calendar week and release line, for the trend's weeks.
    async fn weekly(&self, table: &Table, options: &Options) -> Result<Vec<WeekRow>, StoreError> {
        let dialect = self.dialect;
        // The Monday of the trend's last week, and `trend_weeks` weeks back from it. The
        // last week is the one a day before the window's end falls in: a week that began
        // hours ago, before most installations have checked in, is not drawn as a fall.
        let until = options.window.until;
        let until_secs = until
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let day_before = until
            .checked_sub(Duration::from_secs(86_400))
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // Week `w` begins on day `7w - 3` (1970-01-01 was a Thursday).
        let monday = (calendar_week(day_before) * 7).saturating_sub(3);
        let first = monday.saturating_sub(7 * u64::from(options.trend_weeks.max(1) - 1));
        let date = |day: u64| {
            timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86_400))[..10].to_owned()
        };
        let week_text = match dialect {
            Dialect::Postgres => "to_char(week, 'YYYY-MM-DD')",
            Dialect::Sqlite => "week",
        };
        let sql = match table.installation {
            // Each installation's newest version per week, as the trigger keeps it.
            Some(_) => format!(
                "SELECT {week_text} AS week, version_major, version_minor, COUNT(*) FROM {} \
                 WHERE week >= {} AND week <= {} \
                 GROUP BY week, version_major, version_minor ORDER BY week",
                quoted(&table.weeks_table()),
                self.cast_param(1, "DATE"),
                self.cast_param(2, "DATE"),
            ),
            // Every submission counts on its own.
            None => format!(
                "SELECT {week_text} AS week, version_major, version_minor, COUNT(*) FROM (\
                    SELECT {} AS week, version_major, version_minor FROM {} \
                    WHERE received_at >= {} AND received_at < {}) AS x \
                 GROUP BY week, version_major, version_minor ORDER BY week",
                week_of(dialect, "received_at"),
                quoted(&table.name),
                self.cast_param(1, "TIMESTAMPTZ"),
                self.cast_param(2, "TIMESTAMPTZ"),
            ),
        };
        // Whole calendar weeks, for both kinds of payload: the weekly table holds a week's
        // newest version, so a trend week never ends at `until`.
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(first * 86_400);
        let end = SystemTime::UNIX_EPOCH + Duration::from_secs((monday + 7) * 86_400);
        let rows: Vec<(String, i64, i64, i64)> = on_pool!(&self.read, |pool| {
            let query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            let query = if table.installation.is_some() {
                query.bind(date(first)).bind(date(monday))
            } else {
                query.bind(timestamp(since)).bind(timestamp(end))
            };
            query.fetch_all(pool).await?
        });
        // The last week is partial when the window ended before it did.
        let partial_week = (until_secs < (monday + 7) * 86_400).then(|| date(monday));
        let mut weeks: Vec<WeekRow> = Vec::new();
        for (week, major, minor, count) in rows {
            if weeks.last().is_none_or(|w| w.week != week) {
                weeks.push(WeekRow {
                    partial: partial_week.as_ref() == Some(&week),
                    week,
                    installations: Some(0),
                    release_lines: BTreeMap::new(),
                    hidden_lines: 0,
                });
            }
            let row = weeks.last_mut().expect("pushed above");
            *row.installations.get_or_insert(0) += count as u64;
            *row.release_lines
                .entry(format!("{major}.{minor}"))
                .or_default() += count as u64;
        }
        Ok(weeks)
    }

    /// The distribution of each leaf metric across the latest report of each installation
    /// active in the window.
    async fn metrics(
        &self,
        table: &Table,
        since: &str,
        until: &str,
    ) -> Result<Vec<MetricRow>, StoreError> {
        let dialect = self.dialect;
        let t = quoted(&table.name);
        let window = window_sql(dialect, 1, 2, "");
        // Each installation's latest report: found through the window's index, then read.
        let which = match &table.installation {
            Some(_) => format!(
                "document_id IN (SELECT document_id FROM (\
                    SELECT document_id, ROW_NUMBER() OVER (PARTITION BY installation_id ORDER BY received_at DESC, document_id) AS latest \
                    FROM {t} WHERE {window}) AS x WHERE latest = 1)"
            ),
            None => window,
        };
        let sql = format!(
            "SELECT version_major, version_minor, version_patch, {} FROM {t} WHERE {which}",
            select_leaves(table, dialect)
        );
        let rows: Vec<(Release, Vec<Option<Stored>>)> = match &self.read {
            Pool::Sqlite(pool) => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(since)
                    .bind(until)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            release(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                            read_leaves(row, table, 3)?,
                        ))
                    })
                    .collect::<Result<_, sqlx::Error>>()?
            }
            Pool::Postgres(pool) => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(since)
                    .bind(until)
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            release(row.try_get(0)?, row.try_get(1)?, row.try_get(2)?),
                            read_leaves(row, table, 3)?,
                        ))
                    })
                    .collect::<Result<_, sqlx::Error>>()?
            }
        };
        Ok(table
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| metric_row(table, index, column, &rows))
            .collect())
    }
}

fn release(major: i64, minor: i64, patch: i64) -> Release {
    Release::new(major as u64, minor as u64, patch as u64)
}

/// The doc comment's first paragraph.
fn summary(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

fn metric_row(
    table: &Table,
    index: usize,
    column: &Column,
    rows: &[(Release, Vec<Option<Stored>>)],
) -> MetricRow {
    let leaf = column.leaf();
    let top = leaf.keys.first().copied();
    // Columns under the same top-level field: when one has a value, the payload sent the
    // object this metric is in.
    let siblings: Vec<usize> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.leaf().keys.first().copied() == top)
        .map(|(i, _)| i)
        .collect();
    let applicable: Vec<&Vec<Option<Stored>>> = rows
        .iter()
        .filter(|(release, values)| {
            column.exists_at(*release)
                && (leaf.keys.len() == 1 || siblings.iter().any(|&i| values[i].is_some()))
        })
        .map(|(_, values)| values)
        .collect();
    let values: Vec<&Stored> = applicable
        .iter()
        .filter_map(|v| v[index].as_ref())
        .collect();
    let reported = values.len() as u64;
    let mut histogram = Vec::new();
    let stats = if values.is_empty() {
        Stats::None
    } else {
        match column.kind {
            Kind::Count => {
                let mut counts: Vec<u64> = values
                    .iter()
                    .filter_map(|v| match v {
                        Stored::Count(n) => Some(*n),
                        _ => None,
                    })
                    .collect();
                counts.sort_unstable();
                let total = counts.iter().map(|&n| u128::from(n)).sum();
                if leaf.map_key.is_some() {
                    Stats::MapKey {
                        share: share(reported, applicable.len() as u64),
                        total: Some(total),
                    }
                } else {
                    histogram = log_histogram(&counts);
                    Stats::Count {
                        min: Some(counts[0]),
                        p50: Some(percentile(&counts, 50)),
                        p90: Some(percentile(&counts, 90)),
                        p99: Some(percentile(&counts, 99)),
                        max: Some(counts[counts.len() - 1]),
                        total: Some(total),
                    }
                }
            }
            Kind::Flag => {
                let yes = values
                    .iter()
                    .filter(|v| matches!(v, Stored::Flag(true)))
                    .count() as u64;
                Stats::Flag {
                    yes,
                    share: share(yes, reported),
                }
            }
            Kind::Percent => {
                let mut numbers: Vec<f64> = values
                    .iter()
                    .filter_map(|v| match v {
                        Stored::Percent(x) => Some(*x),
                        _ => None,
                    })
                    .collect();
                numbers.sort_by(f64::total_cmp);
                histogram = (0..10)
                    .map(|tenth| {
                        let (from, to) = (f64::from(tenth) * 10.0, f64::from(tenth) * 10.0 + 10.0);
                        let n = numbers
                            .iter()
                            .filter(|&&x| x >= from && (x < to || (tenth == 9 && x <= to)))
                            .count();
                        Bucket {
                            from,
                            to,
                            installations: Some(n as u64),
                        }
                    })
                    .collect();
                Stats::Percent {
                    min: Some(numbers[0]),
                    p50: Some(percentile(&numbers, 50)),
                    p90: Some(percentile(&numbers, 90)),
                    p99: Some(percentile(&numbers, 99)),
                    max: Some(numbers[numbers.len() - 1]),
                }
            }
            Kind::Text if matches!(inner_shape(leaf.shape), Shape::Enum { .. }) => {
                let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
                for value in &values {
                    if let Stored::Text(text) = value {
                        *counts.entry(text.as_str()).or_default() += 1;
                    }
                }
                let mut values: Vec<(String, u64)> =
                    counts.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
                values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Stats::Values { values }
            }
            Kind::Text | Kind::Uuid => Stats::None,
        }
    };
    let description = match leaf.map_key {
        Some(variant) => {
            let key = match summary(variant.description()) {
                "" => variant.name().to_owned(),
                text => text.to_owned(),
            };
            format!(
                "{}: {key}",
                summary(leaf.context.last().copied().unwrap_or_default())
            )
        }
        None => summary(leaf.description).to_owned(),
    };
    MetricRow {
        metric: leaf.label(),
        pointer: leaf.pointer.clone(),
        map: leaf
            .map_key
            .map(|_| leaf.keys[..leaf.keys.len() - 1].join(".")),
        description,
        since: leaf.availability.since().map(ToString::to_string),
        unit: leaf.shape.unit_in_words().unwrap_or_default(),
        measure: Measure::of(leaf.shape),
        applicable: Some(applicable.len() as u64),
        reported: Some(reported),
        stats,
        histogram,
    }
}

/// Installations per power-of-two bucket of sorted counts: 0, 1, 2-3, 4-7, ...
fn log_histogram(sorted: &[u64]) -> Vec<Bucket> {
    let Some(&max) = sorted.last() else {
        return Vec::new();
    };
    let mut buckets = vec![Bucket {
        from: 0.0,
        to: 0.0,
        installations: Some(sorted.partition_point(|&n| n == 0) as u64),
    }];
    // Sorted: the values up to a bound are a prefix, so a bucket is the difference of two.
    let up_to = |bound: u64| sorted.partition_point(|&v| v <= bound);
    for exponent in 0..64 {
        let from = 1u64 << exponent;
        if from > max {
            break;
        }
        let to = if exponent == 63 {
            u64::MAX
        } else {
            (from << 1) - 1
        };
        let n = (up_to(to) - up_to(from - 1)) as u64;
        buckets.push(Bucket {
            from: from as f64,
            to: to as f64,
            installations: Some(n),
        });
    }
    buckets
}

impl Report {
    /// The report with every group of fewer than `k` installations hidden, so that one
    /// installation's numbers cannot be read off it: small versions, release lines and
    /// weekly cells, metrics and enum values reported by fewer than `k`, histogram
    /// buckets under `k`, flags set (or not set) by fewer than `k`, and the extremes (min,
    /// max) of every distribution, which are one installation's own figures. Percentiles
    /// of `k` or more installations stay.
    pub fn hide_small_groups(mut self, k: u64) -> Report {
        let small = |n: Option<u64>| n.is_some_and(|n| n < k);
        for payload in &mut self.payloads {
            let versions: Vec<Option<u64>> = payload
                .versions
                .iter()
                .map(|row| row.installations)
                .collect();
            for index in hidden_cells(&versions, k) {
                let row = &mut payload.versions[index];
                row.installations = None;
                row.share = None;
                row.first_seen = None;
                row.last_seen = None;
            }
            let lines: Vec<Option<u64>> = payload
                .release_lines
                .iter()
                .map(|l| l.installations)
                .collect();
            for index in hidden_cells(&lines, k) {
                payload.release_lines[index].installations = None;
                payload.release_lines[index].share = None;
            }
            for week in &mut payload.weekly {
                if small(week.installations) {
                    week.installations = None;
                }
                let counts: Vec<Option<u64>> =
                    week.release_lines.values().map(|n| Some(*n)).collect();
                let hide = hidden_cells(&counts, k);
                let names: Vec<String> = week.release_lines.keys().cloned().collect();
                for index in &hide {
                    week.release_lines.remove(&names[*index]);
                }
                week.hidden_lines += hide.len();
            }
            for metric in &mut payload.metrics {
                metric.hide_small_groups(k);
            }
        }
        self
    }
}

/// The cells of a group to hide: those under `k`, and when that leaves exactly one hidden,
/// the next smallest too, so that no hidden cell is the total less the shown ones.
fn hidden_cells(counts: &[Option<u64>], k: u64) -> Vec<usize> {
    let mut hidden: Vec<usize> = (0..counts.len())
        .filter(|&i| counts[i].is_some_and(|n| n < k))
        .collect();
    if hidden.len() == 1 {
        let next = (0..counts.len())
            .filter(|i| !hidden.contains(i))
            .filter_map(|i| Some((counts[i]?, i)))
            .min();
        if let Some((_, i)) = next {
            hidden.push(i);
        }
    }
    hidden
}

/// Whether the nearest rank of percentile `p` of `n` values is the first or the last: the
/// value is then one installation's own figure.
fn extreme_rank(p: u32, n: u64) -> bool {
    let rank = (u64::from(p) * n).div_ceil(100).max(1);
    rank == 1 || rank == n
}

impl MetricRow {
    fn hide_small_groups(&mut self, k: u64) {
        let small = |n: Option<u64>| n.is_some_and(|n| n < k);
        if small(self.reported) {
            self.reported = None;
            self.stats = Stats::Hidden;
            self.histogram.clear();
            return;
        }
        let reported = self.reported.unwrap_or(0);
        // How many could report it but did not: a small difference is a small group.
        if let Some(applicable) = self.applicable
            && applicable > reported
            && applicable - reported < k
        {
            self.applicable = None;
        }
        // The buckets at both ends under k go (their bounds would tell the extremes);
        // those in between under k are hidden.
        while self
            .histogram
            .first()
            .is_some_and(|b| small(b.installations))
        {
            self.histogram.remove(0);
        }
        while self
            .histogram
            .last()
            .is_some_and(|b| small(b.installations))
        {
            self.histogram.pop();
        }
        for bucket in &mut self.histogram {
            if small(bucket.installations) {
                bucket.installations = None;
            }
        }
        let keep = |p: u32, value: &mut Option<u64>| {
            if extreme_rank(p, reported) {
                *value = None;
            }
        };
        let keep_float = |p: u32, value: &mut Option<f64>| {
            if extreme_rank(p, reported) {
                *value = None;
            }
        };
        match &mut self.stats {
            Stats::Count {
                min,
                p50,
                p90,
                p99,
                max,
                total,
            } => {
                *min = None;
                *max = None;
                *total = None;
                keep(50, p50);
                keep(90, p90);
                keep(99, p99);
            }
            Stats::Percent {
                min,
                p50,
                p90,
                p99,
                max,
            } => {
                *min = None;
                *max = None;
                keep_float(50, p50);
                keep_float(90, p90);
                keep_float(99, p99);
            }
            Stats::Flag { yes, .. } => {
                if *yes < k || reported - *yes < k {
                    self.stats = Stats::Hidden;
                }
            }
            Stats::Values { values } => {
                let counts: Vec<Option<u64>> = values.iter().map(|(_, n)| Some(*n)).collect();
                let hide = hidden_cells(&counts, k);
                let mut index = 0;
                values.retain(|_| {
                    index += 1;
                    !hide.contains(&(index - 1))
                });
            }
            Stats::MapKey { total, .. } => *total = None,
            Stats::None | Stats::Hidden => {}
        }
    }
}

fn inner_shape(shape: Shape) -> Shape {
    match shape {
        Shape::Optional(inner) => inner(),
        shape => shape,
    }
}

/// `1234567` as `1.2M`, `912` as is: numbers a reader takes in at a glance.
fn compact(n: u128) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..10_000 => format!("{:.1}k", n as f64 / 1e3),
        10_000..1_000_000 => format!("{}k", n / 1_000),
        1_000_000..10_000_000 => format!("{:.1}M", n as f64 / 1e6),
        10_000_000..1_000_000_000 => format!("{}M", n / 1_000_000),
        _ => format!("{:.1}G", n as f64 / 1e9),
    }
}

pub(crate) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// How a metric's figures read: a count as a number, a size in bytes and a duration in
/// milliseconds in the units a reader thinks in (`255 MiB`, `9.0 min`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Measure {
    /// A count.
    #[default]
    Count,
    /// A size in bytes.
    Bytes,
    /// A duration in milliseconds.
    Milliseconds,
}

impl Measure {
    /// The measure of a metric of `shape` (or of an `Option` of it).
    pub fn of(shape: Shape) -> Measure {
        match inner_shape(shape) {
            Shape::Bytes => Measure::Bytes,
            Shape::Milliseconds => Measure::Milliseconds,
            _ => Measure::Count,
        }
    }

    /// `n` at a glance: `1.2k` (a count), `255 MiB`, `9.0 min`.
    pub fn compact(self, n: u128) -> String {
        match self {
            Measure::Count => compact(n),
            Measure::Bytes => {
                const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
                if n < 1024 {
                    return format!("{n} B");
                }
                let mut value = n as f64 / 1024.0;
                let mut unit = 0;
                // The unit of the figure as shown: 1,048,575 bytes are 1.0 MiB, not 1024 KiB.
                while value >= 1023.5 && unit < UNITS.len() - 1 {
                    value /= 1024.0;
                    unit += 1;
                }
                format!("{} {}", tenths(value), UNITS[unit])
            }
            Measure::Milliseconds => {
                if n < 1_000 {
                    return format!("{n} ms");
                }
                // Each unit while its figure, as shown, stays below the next one's.
                let ms = n as f64;
                let (seconds, minutes, hours) = (ms / 1e3, ms / 6e4, ms / 3.6e6);
                if seconds < 59.5 {
                    format!("{} s", tenths(seconds))
                } else if minutes < 59.5 {
                    format!("{} min", tenths(minutes))
                } else if hours < 47.5 {
                    format!("{} h", tenths(hours))
                } else {
                    format!("{} d", tenths(ms / 8.64e7))
                }
            }
        }
    }
}

/// One decimal below 10 (`2.5`), none from 10 on (`35`).
fn tenths(x: f64) -> String {
    if x < 9.95 {
        format!("{x:.1}")
    } else {
        format!("{x:.0}")
    }
}

fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The release lines of a weekly trend, most installations over its weeks first (then by
/// name): the order the terminal table and the page's chart show them in.
pub(crate) fn release_lines_by_size(weeks: &[WeekRow]) -> Vec<String> {
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for week in weeks {
        for (line, n) in &week.release_lines {
            *totals.entry(line).or_default() += n;
        }
    }
    let mut totals: Vec<(&str, u64)> = totals.into_iter().collect();
    // Stable, and the map is in name order: equal totals stay by name.
    totals.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    totals
        .into_iter()
        .map(|(line, _)| line.to_owned())
        .collect()
}

/// The report as text for a terminal: per payload, one screen.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for payload in &report.payloads {
        let who = if payload.per_installation {
            "installations"
        } else {
            "submissions"
        };
        let _ = writeln!(
            out,
            "{} — {} active {who} ({} submissions), {} to {}",
            payload.name,
            payload.installations,
            payload.submissions,
            &report.since[..10],
            &report.until[..10]
        );
        if payload.installations == 0 {
            let _ = writeln!(out, "  nothing received in this window\n");
            continue;
        }
        let _ = writeln!(
            out,
            "\nVersions ({who} at the newest version each reported)"
        );
        let _ = writeln!(
            out,
            "  {:<22} {:>13} {:>7}  {:<10} {:<10}",
            "version", who, "share", "first seen", "last seen"
        );
        let hidden = || "<k".to_owned();
        for row in payload.versions.iter().take(12) {
            let _ = writeln!(
                out,
                "  {:<22} {:>13} {:>7}  {:<10} {:<10}",
                cut(&row.version, 22),
                row.installations.map_or_else(hidden, |n| n.to_string()),
                row.share.map_or_else(hidden, percent),
                row.first_seen.clone().unwrap_or_default(),
                row.last_seen.clone().unwrap_or_default()
            );
        }
        if payload.versions.len() > 12 {
            let rest: u64 = payload.versions[12..]
                .iter()
                .filter_map(|r| r.installations)
                .sum();
            let _ = writeln!(
                out,
                "  {:<22} {:>13} {:>7}",
                format!("{} older versions", payload.versions.len() - 12),
                rest,
                percent(share(rest, payload.installations))
            );
        }
        let lines: Vec<String> = payload
            .release_lines
            .iter()
            .map(|l| {
                format!(
                    "{} {}",
                    l.release_line,
                    l.share.map_or_else(hidden, percent)
                )
            })
            .collect();
        let _ = writeln!(out, "  release lines: {}", cut(&lines.join(" · "), 100));

        if !payload.weekly.is_empty() {
            let mut shown = release_lines_by_size(&payload.weekly);
            shown.truncate(5);
            let _ = write!(
                out,
                "\nWeekly (active {who} per release line)\n  {:<11}{:>8}",
                "week of", "total"
            );
            for line in &shown {
                let _ = write!(out, " {:>9}", cut(line, 9));
            }
            let _ = writeln!(out, " {:>9}", "other");
            for week in &payload.weekly {
                let total = week.installations.unwrap_or(0);
                let _ = write!(out, "  {:<11}{total:>8}", week.label());
                let mut other = total;
                for line in &shown {
                    let n = week.release_lines.get(line).copied().unwrap_or(0);
                    other = other.saturating_sub(n);
                    let _ = write!(out, " {n:>9}");
                }
                let _ = writeln!(out, " {other:>9}");
            }
            if ends_in_partial_week(&payload.weekly) {
                let _ = writeln!(out, "  {PARTIAL_WEEK_NOTE}");
            }
        }

        let _ = writeln!(
            out,
            "\nMetrics (each {}'s latest report; reported / could report)",
            if payload.per_installation {
                "installation"
            } else {
                "submission"
            }
        );
        for metric in &payload.metrics {
            let count =
                |n: &Option<u64>| n.map_or_else(hidden, |n| metric.measure.compact(n.into()));
            let figures = match &metric.stats {
                Stats::Count {
                    min,
                    p50,
                    p90,
                    p99,
                    max,
                    ..
                } => format!(
                    "min {} p50 {} p90 {} p99 {} max {}",
                    count(min),
                    count(p50),
                    count(p90),
                    count(p99),
                    count(max)
                ),
                Stats::MapKey { share, total } => format!(
                    "{} have it, total {}",
                    percent(*share),
                    total.map_or_else(hidden, |n| metric.measure.compact(n))
                ),
                Stats::Flag { share, .. } => format!("yes {}", percent(*share)),
                Stats::Percent { p50, p90, p99, .. } => {
                    let show = |x: &Option<f64>| x.map_or_else(hidden, |x| format!("{x:.1}"));
                    format!("p50 {} p90 {} p99 {}", show(p50), show(p90), show(p99))
                }
                Stats::Values { values } => values
                    .iter()
                    .take(3)
                    .map(|(v, n)| {
                        format!("{v} {}", percent(share(*n, metric.reported.unwrap_or(0))))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                Stats::None => String::new(),
                Stats::Hidden => "fewer than k installations".to_owned(),
            };
            let _ = writeln!(
                out,
                "  {:<42} {:>6}/{:<6} {:<54} {}",
                cut(&metric.metric, 42),
                metric.reported.map_or_else(hidden, |n| n.to_string()),
                metric.applicable.map_or_else(hidden, |n| n.to_string()),
                cut(&figures, 54),
                cut(&metric.description, 36)
            );
        }
        if !payload.rejected.is_empty() {
            let _ = writeln!(out, "\nRejected (per claimed version and rule)");
            for row in payload.rejected.iter().take(8) {
                let _ = writeln!(
                    out,
                    "  {:<22} {:<22} {:>8}",
                    cut(&row.claimed_version, 22),
                    row.rule,
                    row.submissions
                );
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 50), 50);
        assert_eq!(percentile(&values, 90), 90);
        assert_eq!(percentile(&values, 99), 99);
        assert_eq!(percentile(&[7u64], 99), 7);
        assert_eq!(percentile(&[1u64, 2, 3], 50), 2);
        assert_eq!(percentile(&[1u64, 2], 50), 1);
        assert_eq!(percentile(&[1u64, 2, 3, 1000], 90), 1000);
    }

    #[test]
    fn histograms_have_power_of_two_buckets_up_to_the_largest_count() {
        let buckets = log_histogram(&[0, 1, 2, 3, 5, 900]);
        let bounds: Vec<(f64, f64, Option<u64>)> = buckets
            .iter()
            .map(|b| (b.from, b.to, b.installations))
            .collect();
        assert_eq!(
            bounds[..4],
            [
                (0.0, 0.0, Some(1)),
                (1.0, 1.0, Some(1)),
                (2.0, 3.0, Some(2)),
                (4.0, 7.0, Some(1))
            ]
        );
        assert_eq!(bounds.last(), Some(&(512.0, 1023.0, Some(1))));
        let top = log_histogram(&[u64::MAX]);
        assert_eq!(top.len(), 65);
        assert_eq!(top[64].installations, Some(1));
    }

    #[test]
    fn one_hidden_cell_takes_the_next_smallest_with_it() {
        let k = 5;
        // One under k: the next smallest goes too, so the hidden one is not total - shown.
        assert_eq!(
            hidden_cells(&[Some(40), Some(3), Some(9), Some(20)], k),
            [1, 2]
        );
        assert_eq!(
            hidden_cells(&[Some(40), Some(3), Some(2), Some(20)], k),
            [1, 2]
        );
        assert!(hidden_cells(&[Some(40), Some(9)], k).is_empty());
    }

    #[test]
    fn a_percentile_of_the_first_or_last_rank_is_one_installations_figure() {
        assert!(extreme_rank(99, 50), "p99 of 50 is the max");
        assert!(extreme_rank(99, 99), "p99 of 99 is the max");
        assert!(!extreme_rank(99, 100), "p99 of 100 is the 99th value");
        assert!(extreme_rank(90, 9), "p90 of 9 is the max");
        assert!(!extreme_rank(90, 10));
        assert!(!extreme_rank(50, 5));
    }

    fn count_metric(values: &[u64]) -> MetricRow {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        MetricRow {
            metric: "usage.machines".to_owned(),
            pointer: "/usage/machines".to_owned(),
            map: None,
            description: String::new(),
            since: None,
            unit: "count".to_owned(),
            measure: Measure::Count,
            applicable: Some(sorted.len() as u64 + 2),
            reported: Some(sorted.len() as u64),
            stats: Stats::Count {
                min: Some(sorted[0]),
                p50: Some(percentile(&sorted, 50)),
                p90: Some(percentile(&sorted, 90)),
                p99: Some(percentile(&sorted, 99)),
                max: sorted.last().copied(),
                total: Some(sorted.iter().map(|&n| u128::from(n)).sum()),
            },
            histogram: log_histogram(&sorted),
        }
    }

    #[test]
    fn a_distribution_shows_nothing_that_is_one_installations_own() {
        // 20 installations, one with 950 machines.
        let mut values: Vec<u64> = (1..=19).map(|i| 10 + i % 7).collect();
        values.push(950);
        let mut row = count_metric(&values);
        row.hide_small_groups(5);
        let Stats::Count {
            min,
            p50,
            p90,
            p99,
            max,
            total,
        } = row.stats
        else {
            panic!("{:?}", row.stats)
        };
        assert_eq!((min, max, total), (None, None, None));
        assert_eq!(p99, None, "p99 of 20 is the largest installation");
        assert!(p50.is_some() && p90.is_some());
        // No bucket holds fewer than 5, and none is left at either end to bound the max.
        assert!(
            row.histogram
                .iter()
                .all(|b| b.installations.is_none_or(|n| n >= 5))
        );
        assert!(
            row.histogram.last().unwrap().to < 950.0,
            "{:?}",
            row.histogram
        );
        // 2 could report it and did not: fewer than k, so "of how many" is hidden.
        assert_eq!(row.applicable, None);

        let mut few = count_metric(&[3, 4, 900]);
        few.hide_small_groups(5);
        assert!(matches!(few.stats, Stats::Hidden));
        assert_eq!(few.reported, None);
        assert!(few.histogram.is_empty());
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(compact(912), "912");
        assert_eq!(compact(1_234), "1.2k");
        assert_eq!(compact(123_456), "123k");
        assert_eq!(compact(1_234_567), "1.2M");
    }

    #[test]
    fn sizes_and_durations_read_in_their_units() {
        let bytes = |n| Measure::Bytes.compact(n);
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1_048_575), "1.0 MiB");
        assert_eq!(bytes(255 << 20), "255 MiB");
        assert_eq!(bytes(6_871_947_674), "6.4 GiB");
        assert_eq!(bytes(u128::from(u64::MAX)), "16 EiB");
        let ms = |n| Measure::Milliseconds.compact(n);
        assert_eq!(ms(850), "850 ms");
        assert_eq!(ms(1_500), "1.5 s");
        assert_eq!(ms(59_400), "59 s");
        assert_eq!(ms(59_999), "1.0 min");
        assert_eq!(ms(3_599_999), "1.0 h");
        assert_eq!(ms(172_799_999), "2.0 d");
        assert_eq!(ms(u128::from(u64::MAX)), "213503982335 d");
        assert_eq!(ms(60_000), "1.0 min");
        assert_eq!(ms(540_000), "9.0 min");
        assert_eq!(ms(2_100_000), "35 min");
        assert_eq!(ms(23_000_000), "6.4 h");
        assert_eq!(ms(172_800_000), "2.0 d");
        assert_eq!(Measure::Count.compact(1_234), "1.2k");
        assert_eq!(
            Measure::of(Shape::Optional(|| Shape::Milliseconds)),
            Measure::Milliseconds
        );
        assert_eq!(Measure::of(Shape::Count { max: 9 }), Measure::Count);
    }
}
