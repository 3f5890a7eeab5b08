//! Storage of accepted and rejected payloads: SQLite (embedded, the default) or PostgreSQL
//! (several collectors, one database), in tables compiled from the declarations
//! ([`layout`]). Every write goes through one writer task that commits what arrived while
//! the previous commit was flushing in one transaction (`writer`): a 2xx is sent only
//! after the row is durable, and concurrent requests share the fsync.

pub mod layout;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use metrics_core::{Model, Version, Violation};
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Row, SqlitePool};
use uuid::Uuid;

use self::layout::{COUNTERS, Dialect, Kind, REJECTED, REJECTED_RULES, Table, quoted};
pub use self::writer::Outcome;

/// Why the store could not do what was asked: the database's error, in words.
#[derive(Clone, Debug)]
pub struct StoreError {
    message: Arc<str>,
    /// PostgreSQL's lock_not_available (a lock waited for past `lock_timeout`).
    lock_timed_out: bool,
}

impl StoreError {
    pub(crate) fn new(message: impl std::fmt::Display) -> Self {
        StoreError {
            message: message.to_string().into(),
            lock_timed_out: false,
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let code = e.as_database_error().and_then(|d| d.code());
        StoreError {
            lock_timed_out: code.as_deref() == Some("55P03"),
            ..StoreError::new(e)
        }
    }
}

/// A connection pool of one of the two databases.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs the same code on whichever pool it is.
macro_rules! on_pool {
    ($pool:expr, |$p:ident| $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// An accepted payload, ready to store.
#[derive(Clone, Debug)]
pub struct Submission {
    /// The document id (primary key: a resend is counted, never stored twice).
    pub document_id: Uuid,
    /// The payload's name.
    pub payload: String,
    /// The version as sent (the path's, build metadata included).
    pub version_sent: String,
    /// The version it was decoded for.
    pub version: Version,
    /// When it was received.
    pub received_at: SystemTime,
    /// The body as received (after decompression).
    pub body: String,
    /// The payload as its version sends it (the decoder's output): leaf values are read
    /// from it.
    pub value: serde_json::Value,
}

/// A rejected body, kept with its violations.
#[derive(Clone, Debug)]
pub struct Rejection {
    /// The payload name from the path.
    pub payload: String,
    /// The claimed version from the path.
    pub claimed_version: String,
    /// The document id from the path.
    pub document_id: Uuid,
    /// When it was received.
    pub received_at: SystemTime,
    /// The body as received (after decompression).
    pub body: Vec<u8>,
    /// The violations kept (the first ones; see `total`).
    pub violations: Vec<Violation>,
    /// How many violations the body had in all.
    pub total: usize,
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
    /// How many violations the body had in all (`errors` keeps the first ones).
    pub violations: i64,
    /// The violations, as JSON.
    pub errors: String,
    /// The rules broken, each once, sorted.
    pub rules: Vec<String>,
}

/// A stored leaf value, read back as stored: exact.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Stored {
    /// A count, size or duration.
    Count(u64),
    /// A flag.
    Flag(bool),
    /// A percentage.
    Percent(f64),
    /// Text or a UUID.
    Text(String),
}

/// The SQLite file a `sqlite:` URL names (`None` for an in-memory database).
fn sqlite_path(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// How the store keeps its tables bounded.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// At most this many rejected submissions are kept (the oldest go first).
    pub rejected_rows: u64,
    /// Rejected submissions older than this are dropped.
    pub rejected_age: Duration,
}

impl Default for StoreOptions {
    /// 100,000 rejections, 30 days.
    fn default() -> Self {
        StoreOptions {
            rejected_rows: 100_000,
            rejected_age: Duration::from_secs(30 * 86_400),
        }
    }
}

/// How the store opens the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// Create it (and its tables) if missing, and write: `serve`.
    Serve,
    /// An existing database, read only: `report` and the other reading commands.
    Read,
}

/// The collector's database: the tables of its payloads, a read pool, and the writer.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) dialect: Dialect,
    pub(crate) tables: Arc<Vec<Table>>,
    pub(crate) read: Pool,
    writer: Option<writer::Handle>,
}

impl Store {
    /// Connects to `url` (`sqlite://PATH`, created if missing, or `postgres://...`), creates
    /// the tables of `models` if they are missing, adds the columns a newer model declares,
    /// and starts the writer. Needs a tokio runtime.
    pub async fn connect(url: &str, models: &[Model]) -> Result<Store, StoreError> {
        Self::connect_with(url, models, &StoreOptions::default()).await
    }

    /// [`Store::connect`] with `options`.
    pub async fn connect_with(
        url: &str,
        models: &[Model],
        options: &StoreOptions,
    ) -> Result<Store, StoreError> {
        Self::open(url, models, Open::Serve, options).await
    }

    /// Opens an existing database to read it: never creates one (a missing SQLite file or
    /// table is a clear error) and writes nothing.
    pub async fn open_existing(url: &str, models: &[Model]) -> Result<Store, StoreError> {
        Self::open(url, models, Open::Read, &StoreOptions::default()).await
    }

    async fn open(
        url: &str,
        models: &[Model],
        open: Open,
        store_options: &StoreOptions,
    ) -> Result<Store, StoreError> {
        let tables: Arc<Vec<Table>> = Arc::new(models.iter().copied().map(Table::of).collect());
        let (dialect, read, write) = if url.starts_with("postgres:")
            || url.starts_with("postgresql:")
        {
            // Every commit waits for the WAL flush: a 2xx means the row is on disk.
            let options = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
            let read = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.clone())
                .await?;
            // The writer's multi-row inserts: one prepared statement per table and row count.
            // No ping before each batch: that is a round trip per commit; a broken
            // connection fails its batch (503, the clients retry) and is replaced.
            let write = PgPoolOptions::new()
                // The one writer's connection (see `writer::Handle::spawn`).
                .max_connections(1)
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options.statement_cache_capacity(1024))
                .await?;
            (
                Dialect::Postgres,
                Pool::Postgres(read),
                Pool::Postgres(write),
            )
        } else if url.starts_with("sqlite:") {
            if open == Open::Read
                && let Some(path) = sqlite_path(url)
                && !path.exists()
            {
                return Err(StoreError::new(format!(
                    "no database at {}: it is created by `collector serve`; check the path or pass --database-url",
                    path.display()
                )));
            }
            // synchronous=FULL: a commit is on disk (fsync) before the 2xx, so an
            // acknowledged payload survives a killed process and a power loss alike.
            let base = SqliteConnectOptions::from_str(url)?
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let options = base
                .clone()
                .create_if_missing(open == Open::Serve)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full);
            // A reading command sets no pragma that writes (the journal mode is the file's).
            let read_options = match open {
                Open::Serve => options.clone(),
                Open::Read => base.read_only(true),
            };
            let read = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(read_options)
                .await?;
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .connect_with(options.statement_cache_capacity(1024))
                .await?;
            (Dialect::Sqlite, Pool::Sqlite(read), Pool::Sqlite(write))
        } else {
            return Err(StoreError::new(format!(
                "unsupported database URL `{url}`: use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
            )));
        };
        let writer = match open {
            Open::Serve => {
                migrate(&write, &tables, dialect).await.map_err(|e| {
                    if e.lock_timed_out {
                        StoreError::new(format!(
                            "the storage could not be brought up to date: another session has held a lock on one of its tables or views for over {MIGRATION_LOCK_TIMEOUT} (a long query?), and waiting longer would hold back every other collector's writes; nothing was changed: start again once it ends ({e})"
                        ))
                    } else {
                        e
                    }
                })?;
                let file = match dialect {
                    Dialect::Sqlite => sqlite_path(url).and_then(|path| {
                        let (device, inode) = writer::identity(&path)?;
                        Some((path, device, inode))
                    }),
                    Dialect::Postgres => None,
                };
                let settings = writer::WriterSettings {
                    rejected_rows: store_options.rejected_rows,
                    rejected_age: store_options.rejected_age,
                    file,
                };
                Some(writer::Handle::spawn(
                    write,
                    Arc::clone(&tables),
                    dialect,
                    settings,
                ))
            }
            Open::Read => {
                check_tables(&read, &tables, dialect).await?;
                on_pool!(&write, |pool| pool.close().await);
                None
            }
        };
        Ok(Store {
            dialect,
            tables,
            read,
            writer,
        })
    }

    /// Which database this is: `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        self.dialect.name()
    }

    /// The tables, compiled from the models.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    fn writer(&self) -> Result<&writer::Handle, StoreError> {
        self.writer
            .as_ref()
            .ok_or_else(|| StoreError::new("this store was opened to read only"))
    }

    /// Stores an accepted payload, or counts a resend of a stored document id; durable
    /// (committed) when this returns `Ok`.
    pub async fn accept(&self, submission: Submission) -> Result<Outcome, StoreError> {
        self.writer()?.accept(submission).await
    }

    /// Keeps a rejected body and its violations; durable when this returns `Ok`.
    pub async fn reject(&self, rejection: Rejection) -> Result<(), StoreError> {
        self.writer()?.reject(rejection).await
    }

    /// The durability settings of the connection that writes, as the database reports them:
    /// SQLite `synchronous` (2 is FULL) and `journal_mode`; PostgreSQL `synchronous_commit`.
    pub async fn durability(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.writer()?.durability().await
    }

    /// The stored document ids of every payload.
    pub async fn document_ids(&self) -> Result<Vec<Uuid>, StoreError> {
        let mut out = Vec::new();
        for table in self.tables.iter() {
            let sql = format!(
                "SELECT CAST(document_id AS TEXT) FROM {} ORDER BY received_at",
                quoted(&table.name)
            );
            let ids: Vec<String> = on_pool!(&self.read, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await?
            });
            for id in ids {
                out.push(Uuid::parse_str(&id).map_err(StoreError::new)?);
            }
        }
        Ok(out)
    }

    /// A stored document's envelope value (`resends`, `body`, `version`, ...) as text.
    async fn envelope(
        &self,
        document_id: Uuid,
        column: &str,
    ) -> Result<Option<String>, StoreError> {
        for table in self.tables.iter() {
            let sql = format!(
                "SELECT CAST({} AS TEXT) FROM {} WHERE document_id = {}",
                quoted(column),
                quoted(&table.name),
                self.cast_param(1, "UUID")
            );
            let found: Option<Option<String>> = on_pool!(&self.read, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(document_id.hyphenated().to_string())
                    .fetch_optional(pool)
                    .await?
            });
            if let Some(value) = found {
                return Ok(value);
            }
        }
        Ok(None)
    }

    /// The resend count of a stored document id.
    pub async fn resends(&self, document_id: Uuid) -> Result<Option<i64>, StoreError> {
        let text = self.envelope(document_id, "resends").await?;
        text.map(|t| t.parse().map_err(StoreError::new)).transpose()
    }

    /// The stored body of a document id, as received.
    pub async fn body(&self, document_id: Uuid) -> Result<Option<String>, StoreError> {
        self.envelope(document_id, "body").await
    }

    /// The normalized version a document id was stored with.
    pub async fn version(&self, document_id: Uuid) -> Result<Option<String>, StoreError> {
        self.envelope(document_id, "version").await
    }

    /// `$n`, cast to `ty` on PostgreSQL.
    pub(crate) fn cast_param(&self, n: usize, ty: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST(${n} AS {ty})"),
            Dialect::Sqlite => format!("${n}"),
        }
    }

    /// The stored leaf values of a document, by column name, exactly as stored (`None`
    /// where the payload did not have the leaf). `None` when the document is not stored.
    pub async fn leaf_values(
        &self,
        payload: &str,
        document_id: Uuid,
    ) -> Result<Option<Vec<(String, Option<Stored>)>>, StoreError> {
        let table = self.table(payload)?;
        let sql = format!(
            "SELECT {} FROM {} WHERE document_id = {}",
            select_leaves(table, self.dialect),
            quoted(&table.name),
            self.cast_param(1, "UUID")
        );
        let row = on_pool!(&self.read, |pool| {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(document_id.hyphenated().to_string())
                .fetch_optional(pool)
                .await?;
            match row {
                Some(row) => Some(read_leaves(&row, table, 0)?),
                None => None,
            }
        });
        Ok(row.map(|values| {
            table
                .columns
                .iter()
                .map(|c| c.name.clone())
                .zip(values)
                .collect()
        }))
    }

    pub(crate) fn table(&self, payload: &str) -> Result<&Table, StoreError> {
        self.tables
            .iter()
            .find(|t| t.payload == payload)
            .ok_or_else(|| StoreError::new(format!("no payload named `{payload}`")))
    }

    /// The stored rejections, oldest first.
    pub async fn rejected(&self) -> Result<Vec<RejectedRow>, StoreError> {
        let sql = format!(
            "SELECT id, payload, claimed_version, document_id, body, violations, errors FROM {REJECTED} ORDER BY id"
        );
        let rules_sql =
            format!("SELECT rejected_id, rule FROM {REJECTED_RULES} ORDER BY rejected_id, rule");
        on_pool!(&self.read, |pool| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(pool)
                .await?;
            let rules = sqlx::query(sqlx::AssertSqlSafe(rules_sql))
                .fetch_all(pool)
                .await?;
            let mut out = Vec::new();
            for r in &rows {
                let id: i64 = r.try_get(0)?;
                out.push(RejectedRow {
                    payload: r.try_get(1)?,
                    claimed_version: r.try_get(2)?,
                    document_id: r.try_get(3)?,
                    body: r.try_get(4)?,
                    violations: r.try_get(5)?,
                    errors: r.try_get(6)?,
                    rules: rules
                        .iter()
                        .filter(|rule| rule.try_get::<i64, _>(0).ok() == Some(id))
                        .map(|rule| rule.try_get(1))
                        .collect::<Result<_, _>>()?,
                });
            }
            Ok(out)
        })
    }

    /// The newest rejections of `payload` at `claimed_version` that broke `rule`, received
    /// in `window`: at most `limit`.
    pub async fn rejected_examples(
        &self,
        payload: &str,
        claimed_version: &str,
        rule: &str,
        window: crate::report::Window,
        limit: i64,
    ) -> Result<Vec<RejectedRow>, StoreError> {
        let window_sql = crate::report::window_sql(self.dialect, 4, 5, "r.");
        let sql = format!(
            "SELECT r.id, r.payload, r.claimed_version, r.document_id, r.body, r.violations, r.errors \
             FROM {REJECTED} AS r JOIN {REJECTED_RULES} AS rr ON rr.rejected_id = r.id \
             WHERE r.payload = $1 AND r.claimed_version = $2 AND rr.rule = $3 AND {window_sql} \
             ORDER BY r.id DESC LIMIT $6"
        );
        on_pool!(&self.read, |pool| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(payload)
                .bind(claimed_version)
                .bind(rule)
                .bind(timestamp(window.since))
                .bind(timestamp(window.until))
                .bind(limit)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(RejectedRow {
                        payload: r.try_get(1)?,
                        claimed_version: r.try_get(2)?,
                        document_id: r.try_get(3)?,
                        body: r.try_get(4)?,
                        violations: r.try_get(5)?,
                        errors: r.try_get(6)?,
                        rules: vec![rule.to_owned()],
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(StoreError::from)
        })
    }

    /// Whether the database can take a write now: a write transaction begins and is rolled
    /// back, through the writer (and for SQLite, the file is still the one opened).
    pub async fn health(&self) -> Result<(), StoreError> {
        self.writer()?.probe().await
    }

    /// How many old rejections were dropped to keep the table bounded.
    pub async fn rejected_dropped(&self) -> Result<i64, StoreError> {
        let sql = format!("SELECT value FROM {COUNTERS} WHERE name = 'rejected_dropped'");
        let value: Option<i64> = on_pool!(&self.read, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_optional(pool)
                .await?
        });
        Ok(value.unwrap_or(0))
    }

    /// Stops the writer (after the writes queued so far) and closes the pools.
    pub async fn close(&self) {
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        on_pool!(&self.read, |pool| pool.close().await);
    }
}

/// The select list of a table's leaf columns, each as one of TEXT (counts, text, UUIDs),
/// INTEGER (flags) or REAL (percentages), so that every value reads back exactly.
pub(crate) fn select_leaves(table: &Table, dialect: Dialect) -> String {
    if table.columns.is_empty() {
        return "NULL".to_owned();
    }
    table
        .columns
        .iter()
        .map(|c| {
            let name = quoted(&c.name);
            match (c.kind, dialect) {
                (Kind::Flag, Dialect::Postgres) => {
                    format!("CAST(CAST({name} AS INTEGER) AS BIGINT)")
                }
                (Kind::Flag | Kind::Percent, _) => name,
                (Kind::Count | Kind::Text | Kind::Uuid, _) => format!("CAST({name} AS TEXT)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The leaf values of a row selected with [`select_leaves`], from column `offset` on.
pub(crate) fn read_leaves<R: Row>(
    row: &R,
    table: &Table,
    offset: usize,
) -> Result<Vec<Option<Stored>>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let i = i + offset;
            Ok(match c.kind {
                Kind::Count => match row.try_get::<Option<String>, _>(i)? {
                    Some(text) => Some(Stored::Count(text.parse().map_err(|e| {
                        sqlx::Error::Decode(format!("{}: {e} in {text:?}", c.name).into())
                    })?)),
                    None => None,
                },
                Kind::Flag => row
                    .try_get::<Option<i64>, _>(i)?
                    .map(|v| Stored::Flag(v != 0)),
                Kind::Percent => row.try_get::<Option<f64>, _>(i)?.map(Stored::Percent),
                Kind::Text | Kind::Uuid => row.try_get::<Option<String>, _>(i)?.map(Stored::Text),
            })
        })
        .collect()
}

/// How long the start's migration waits for a lock on PostgreSQL before giving up.
const MIGRATION_LOCK_TIMEOUT: &str = "5s";

/// The row of the counters table present once every stored pre-release is in its sortable
/// form ([`layout::pre_release_order`]).
const PRE_RELEASE_MARK: &str = "pre_release_order";

/// Creates the tables, indices and views of `tables` if missing; adds the leaf columns a
/// newer model declares; refuses a column whose type differs from the declaration's.
async fn migrate(pool: &Pool, tables: &[Table], dialect: Dialect) -> Result<(), StoreError> {
    let statements = layout::statements(tables, dialect);
    // The same steps on either database, in one transaction; `$columns` gives the query of
    // a table's existing columns (name and type).
    macro_rules! migrate_in {
        ($tx:ident, $columns:expr) => {{
            for table in tables {
                sqlx::raw_sql(sqlx::AssertSqlSafe(layout::create_table(table, dialect)))
                    .execute(&mut *$tx)
                    .await?;
                let existing: Vec<(String, String)> = $columns(table).fetch_all(&mut *$tx).await?;
                for sql in add_columns(table, dialect, &existing)? {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut *$tx)
                        .await?;
                }
            }
            // A weekly table missing from an older database is filled from its rows.
            let mut backfills = Vec::new();
            for table in tables {
                let exists: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(table_exists(
                    dialect,
                    &table.weeks_table(),
                )))
                .fetch_one(&mut *$tx)
                .await?;
                backfills.extend(
                    (exists == 0)
                        .then(|| layout::backfill_weeks(table, dialect))
                        .flatten(),
                );
            }
            for statement in statements {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut *$tx)
                    .await?;
            }
            // Pre-releases stored by a collector before their sortable form: rewritten once,
            // in one statement per table (per 500 of them), and the weekly rows chosen among
            // them by their text chosen again from the rows.
            let marked: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM {COUNTERS} WHERE name = '{PRE_RELEASE_MARK}'"
            )))
            .fetch_one(&mut *$tx)
            .await?;
            if marked == 0 {
                let raw = format!(
                    "version_pre IS NOT NULL AND version_pre NOT LIKE '{}%'",
                    layout::PRE_RELEASE_ORDER
                );
                for table in tables {
                    let name = quoted(&table.name);
                    let old: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                        "SELECT DISTINCT version_pre FROM {name} WHERE {raw}"
                    )))
                    .fetch_all(&mut *$tx)
                    .await?;
                    for chunk in old.chunks(500) {
                        let cases: String = (0..chunk.len())
                            .map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2))
                            .collect();
                        let sql = format!(
                            "UPDATE {name} SET version_pre = CASE version_pre{cases} ELSE version_pre END WHERE {raw}"
                        );
                        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql));
                        for pre in chunk {
                            update = update.bind(pre.clone()).bind(layout::pre_release_order(pre));
                        }
                        update.execute(&mut *$tx).await?;
                    }
                    if let Some(backfill) = layout::backfill_weeks(table, dialect) {
                        let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DELETE FROM {} WHERE {raw}",
                            quoted(&table.weeks_table())
                        )))
                        .execute(&mut *$tx)
                        .await?
                        .rows_affected();
                        if deleted > 0 && !backfills.contains(&backfill) {
                            backfills.push(backfill);
                        }
                    }
                }
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO {COUNTERS} (name, value) VALUES ('{PRE_RELEASE_MARK}', 1)"
                )))
                .execute(&mut *$tx)
                .await?;
            }
            for statement in backfills {
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(&mut *$tx)
                    .await?;
            }
            $tx.commit().await?;
        }};
    }
    match pool {
        Pool::Sqlite(pool) => {
            let mut tx = pool.begin().await?;
            migrate_in!(tx, |table: &Table| sqlx::query_as(sqlx::AssertSqlSafe(
                format!("SELECT name, type FROM pragma_table_info('{}')", table.name)
            )));
        }
        Pool::Postgres(pool) => {
            // Collectors starting together: one creates the tables, the others wait.
            let mut tx = pool.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock(7361)")
                .execute(&mut *tx)
                .await?;
            // The DDL below locks the tables against writes until it commits: waiting long
            // for a lock (a report or a view's reader holding one) would stall every other
            // collector's writes too, so the start gives up instead.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'"
            )))
            .execute(&mut *tx)
            .await?;
            migrate_in!(tx, |table: &Table| sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1",
            )
            .bind(table.name.clone()));
        }
    }
    Ok(())
}

/// The `ALTER TABLE ... ADD COLUMN` statements that bring an existing table (with the
/// columns `existing`: name and type as the database reports them) to the declaration; an
/// error when an existing leaf column has another type.
fn add_columns(
    table: &Table,
    dialect: Dialect,
    existing: &[(String, String)],
) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    // A model that gained an installation id: its column is added (NULL for older rows).
    if table.installation.is_some() && !existing.iter().any(|(name, _)| name == "installation_id") {
        let ty = match dialect {
            Dialect::Postgres => "UUID",
            Dialect::Sqlite => "TEXT",
        };
        out.push(format!(
            "ALTER TABLE {} ADD COLUMN installation_id {ty}",
            quoted(&table.name)
        ));
    }
    for column in &table.columns {
        match existing.iter().find(|(name, _)| *name == column.name) {
            Some((_, ty)) => {
                let expected = table.reported_type(column, dialect);
                if !ty.eq_ignore_ascii_case(expected) {
                    return Err(StoreError::new(format!(
                        "column {}.{} is {ty} in the database, but the declaration of `{}` needs {expected}: a stored column is never retyped; declare the metric under another JSON key, or move the data by hand",
                        table.name, column.name, column.pointer
                    )));
                }
            }
            None => out.push(format!(
                "ALTER TABLE {} ADD COLUMN {} {}",
                quoted(&table.name),
                quoted(&column.name),
                column.kind.sql_type_for(dialect)
            )),
        }
    }
    Ok(out)
}

/// How many tables are called `name` (0 or 1).
fn table_exists(dialect: Dialect, name: &str) -> String {
    let name = name.replace('\'', "''");
    match dialect {
        Dialect::Sqlite => {
            format!("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'")
        }
        Dialect::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{name}'"
        ),
    }
}

/// A reading command's database must have the tables of its models.
async fn check_tables(pool: &Pool, tables: &[Table], dialect: Dialect) -> Result<(), StoreError> {
    for table in tables {
        let sql = table_exists(dialect, &table.name);
        let count: i64 = on_pool!(pool, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(pool)
                .await?
        });
        if count == 0 {
            return Err(StoreError::new(format!(
                "the database has no table `{}` for the payload {}: it was not created by `collector serve` for these payloads",
                table.name, table.payload
            )));
        }
        let columns = match dialect {
            Dialect::Sqlite => format!("SELECT name FROM pragma_table_info('{}')", table.name),
            Dialect::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'",
                table.name
            ),
        };
        let existing: Vec<String> = on_pool!(pool, |pool| {
            sqlx::query_scalar(sqlx::AssertSqlSafe(columns))
                .fetch_all(pool)
                .await?
        });
        let missing: Vec<&str> = table
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|name| !existing.iter().any(|e| e == name))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::new(format!(
                "the table `{}` lacks the columns {} that these payloads declare: the database was made by an older model; `collector serve` adds them at start",
                table.name,
                missing.join(", ")
            )));
        }
        if table.installation.is_some() {
            let sql = table_exists(dialect, &table.weeks_table());
            let count: i64 = on_pool!(pool, |pool| {
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(pool)
                    .await?
            });
            if count == 0 {
                return Err(StoreError::new(format!(
                    "the database has no table `{}` (each installation's version per week): it was made by an older collector; `collector serve` creates and fills it at start",
                    table.weeks_table()
                )));
            }
        }
    }
    Ok(())
}

/// A time as the database stores it: RFC 3339, UTC, milliseconds (sorts as text; PostgreSQL
/// casts it to `TIMESTAMPTZ`).
pub fn timestamp(time: SystemTime) -> String {
    humantime::format_rfc3339_millis(time).to_string()
}
