//! Storage of accepted and rejected payloads: SQLite (embedded, the default) or PostgreSQL
//! (several collectors, one database). The same SQL runs on both.
//!
//! Tables: `submissions` (one row per document id, the payload as its version sent it, a
//! resend counter), `metric_values` (one row per leaf metric of each submission, `NULL`
//! when the payload does not have it) and `rejected` (raw body and violations, to recover
//! from a schema bug later). A transaction commits before the collector answers 2xx.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use uuid::Uuid;

/// A connection pool to the database of the collector.
#[derive(Clone, Debug)]
pub enum Store {
    /// An SQLite file (WAL, `synchronous=FULL`).
    Sqlite(SqlitePool),
    /// A PostgreSQL database.
    Postgres(PgPool),
}

/// An accepted payload, ready to store.
#[derive(Debug)]
pub struct Accepted<'a> {
    /// The document id (primary key).
    pub document_id: Uuid,
    /// The payload name (`update-check`).
    pub payload: &'a str,
    /// The version it was sent at, as claimed and checked.
    pub version: &'a str,
    /// The payload as that version sends it.
    pub body: &'a serde_json::Value,
    /// Each leaf metric's value; `None` when the payload does not have it.
    pub values: &'a [(&'a str, Option<f64>)],
}

/// A rejected body, kept with its violations.
#[derive(Debug)]
pub struct Rejected<'a> {
    /// The payload name from the path.
    pub payload: &'a str,
    /// The claimed version from the path.
    pub claimed_version: &'a str,
    /// The document id from the path.
    pub document_id: Uuid,
    /// The body as received (after decompression).
    pub body: &'a [u8],
    /// The violations, as JSON.
    pub errors: &'a str,
}

/// Whether a submission was new or a resend of a stored document id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Stored now.
    Stored,
    /// Already stored; the resend was counted (`resends` is the count so far).
    Duplicate {
        /// How many times this document id was sent again.
        resends: i64,
    },
}

/// One row of the per-version, per-day summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DailyRow {
    /// The payload name.
    pub payload: String,
    /// The version the payloads were sent at.
    pub version: String,
    /// The UTC day received, `YYYY-MM-DD`.
    pub day: String,
    /// The leaf metric, a JSON pointer.
    pub metric: String,
    /// Payloads of this version that day.
    pub submissions: i64,
    /// Payloads that had a value for the metric.
    pub reported: i64,
    /// The sum of its values; `None` when no payload had it.
    pub sum: Option<f64>,
}

/// One stored rejection.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RejectedRow {
    /// The payload name from the path.
    pub payload: String,
    /// The claimed version from the path.
    pub claimed_version: String,
    /// The document id from the path.
    pub document_id: String,
    /// The body as received.
    pub body: Vec<u8>,
    /// The violations, as JSON.
    pub errors: String,
}

const SQLITE_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS submissions (
        document_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        version TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        resends INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS metric_values (
        document_id TEXT NOT NULL REFERENCES submissions(document_id),
        path TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (document_id, path))",
    "CREATE TABLE IF NOT EXISTS rejected (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        payload TEXT NOT NULL,
        claimed_version TEXT NOT NULL,
        document_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body BLOB NOT NULL,
        errors TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS submissions_version_day ON submissions (payload, version, received_at)",
];

const POSTGRES_SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS submissions (
        document_id TEXT PRIMARY KEY,
        payload TEXT NOT NULL,
        version TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        resends BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS metric_values (
        document_id TEXT NOT NULL REFERENCES submissions(document_id),
        path TEXT NOT NULL,
        value DOUBLE PRECISION,
        PRIMARY KEY (document_id, path))",
    "CREATE TABLE IF NOT EXISTS rejected (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        payload TEXT NOT NULL,
        claimed_version TEXT NOT NULL,
        document_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body BYTEA NOT NULL,
        errors TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS submissions_version_day ON submissions (payload, version, received_at)",
];

const INSERT_SUBMISSION: &str = "INSERT INTO submissions \
    (document_id, payload, version, received_at, body, resends) VALUES ($1, $2, $3, $4, $5, 0) \
    ON CONFLICT (document_id) DO UPDATE SET resends = submissions.resends + 1 \
    RETURNING resends";

const INSERT_REJECTED: &str = "INSERT INTO rejected \
    (payload, claimed_version, document_id, received_at, body, errors) \
    VALUES ($1, $2, $3, $4, $5, $6)";

const DAILY: &str = "SELECT s.payload, s.version, substr(s.received_at, 1, 10) AS day, m.path, \
    COUNT(*) AS submissions, COUNT(m.value) AS reported, SUM(m.value) AS total \
    FROM submissions s JOIN metric_values m ON m.document_id = s.document_id \
    GROUP BY s.payload, s.version, substr(s.received_at, 1, 10), m.path \
    ORDER BY s.payload, s.version, day, m.path";

/// Runs the same code on whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match $store {
            Store::Sqlite($pool) => $body,
            Store::Postgres($pool) => $body,
        }
    };
}

impl Store {
    /// Connects to `url` (`sqlite://PATH` or `sqlite:PATH`, created if missing; or
    /// `postgres://...`) and creates the tables if they are missing.
    pub async fn connect(url: &str) -> Result<Store, sqlx::Error> {
        let store = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Store::Postgres(pool)
        } else if url.starts_with("sqlite:") {
            // synchronous=FULL: a commit is on disk (fsync) before the 2xx, so an
            // acknowledged payload survives a killed process and a power loss alike.
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            Store::Sqlite(pool)
        } else {
            return Err(sqlx::Error::Configuration(
                format!("unsupported database URL `{url}`: use sqlite://PATH or postgres://...")
                    .into(),
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        match self {
            Store::Sqlite(pool) => {
                for statement in SQLITE_SCHEMA {
                    sqlx::query(*statement).execute(pool).await?;
                }
            }
            Store::Postgres(pool) => {
                // Collectors starting together: one creates the tables, the others wait.
                let mut tx = pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7361)")
                    .execute(&mut *tx)
                    .await?;
                for statement in POSTGRES_SCHEMA {
                    sqlx::query(*statement).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Which database this is: `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// Stores an accepted payload, or counts a resend of a stored document id; committed
    /// when this returns.
    pub async fn accept(&self, sub: &Accepted<'_>) -> Result<Outcome, sqlx::Error> {
        let id = sub.document_id.hyphenated().to_string();
        let body = sub.body.to_string();
        let now = now();
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await?;
            let resends: i64 = sqlx::query(INSERT_SUBMISSION)
                .bind(&id)
                .bind(sub.payload)
                .bind(sub.version)
                .bind(&now)
                .bind(&body)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if resends > 0 {
                tx.commit().await?;
                return Ok(Outcome::Duplicate { resends });
            }
            if !sub.values.is_empty() {
                let mut sql =
                    String::from("INSERT INTO metric_values (document_id, path, value) VALUES ");
                for i in 0..sub.values.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3));
                }
                // Only placeholders are formatted into the text; every value is bound.
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&id);
                for (path, value) in sub.values {
                    query = query.bind(*path).bind(*value);
                }
                query.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Outcome::Stored)
        })
    }

    /// Keeps a rejected body and its violations.
    pub async fn reject(&self, rej: &Rejected<'_>) -> Result<(), sqlx::Error> {
        let now = now();
        on_pool!(self, |pool| {
            sqlx::query(INSERT_REJECTED)
                .bind(rej.payload)
                .bind(rej.claimed_version)
                .bind(rej.document_id.hyphenated().to_string())
                .bind(&now)
                .bind(rej.body)
                .bind(rej.errors)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// Per payload, version, UTC day and leaf metric: how many payloads, how many had the
    /// metric, and its sum (`None` when none had it: the version lacks it).
    pub async fn daily(&self) -> Result<Vec<DailyRow>, sqlx::Error> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(DAILY).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(DailyRow {
                        payload: r.try_get(0)?,
                        version: r.try_get(1)?,
                        day: r.try_get(2)?,
                        metric: r.try_get(3)?,
                        submissions: r.try_get(4)?,
                        reported: r.try_get(5)?,
                        sum: r.try_get(6)?,
                    })
                })
                .collect()
        })
    }

    /// The stored document ids.
    pub async fn document_ids(&self) -> Result<Vec<Uuid>, sqlx::Error> {
        on_pool!(self, |pool| {
            let rows = sqlx::query("SELECT document_id FROM submissions")
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    let id: String = r.try_get(0)?;
                    Uuid::parse_str(&id).map_err(|e| sqlx::Error::Decode(Box::new(e)))
                })
                .collect()
        })
    }

    /// The resend count of a stored document id.
    pub async fn resends(&self, document_id: Uuid) -> Result<Option<i64>, sqlx::Error> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT resends FROM submissions WHERE document_id = $1")
                .bind(document_id.hyphenated().to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| r.try_get(0)).transpose()
        })
    }

    /// The stored body of a document id, as JSON text.
    pub async fn body(&self, document_id: Uuid) -> Result<Option<String>, sqlx::Error> {
        on_pool!(self, |pool| {
            let row = sqlx::query("SELECT body FROM submissions WHERE document_id = $1")
                .bind(document_id.hyphenated().to_string())
                .fetch_optional(pool)
                .await?;
            row.map(|r| r.try_get(0)).transpose()
        })
    }

    /// The stored rejections, oldest first.
    pub async fn rejected(&self) -> Result<Vec<RejectedRow>, sqlx::Error> {
        on_pool!(self, |pool| {
            let rows = sqlx::query(
                "SELECT payload, claimed_version, document_id, body, errors FROM rejected ORDER BY id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(RejectedRow {
                        payload: r.try_get(0)?,
                        claimed_version: r.try_get(1)?,
                        document_id: r.try_get(2)?,
                        body: r.try_get(3)?,
                        errors: r.try_get(4)?,
                    })
                })
                .collect()
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, |pool| {
            sqlx::query("SELECT 1").execute(pool).await?;
            Ok(())
        })
    }

    /// Closes the pool, waiting for its connections.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}

/// Now, UTC, RFC 3339 with milliseconds: sorts as text, its first 10 characters are the day.
fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
