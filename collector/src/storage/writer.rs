//! Group commit: one task owns the connection that writes. Requests hand it their rows and
//! wait; it takes everything that arrived while the previous commit was flushing, writes it
//! in one transaction, commits (one fsync for the batch), and only then answers each
//! request. A failed batch answers every request in it with the error (the server turns it
//! into a 503, so the clients retry); nothing of it is stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::sync::{Mutex, mpsc, oneshot};

use sqlx::pool::PoolConnection;

use super::layout::{
    COUNTERS, Dialect, Kind, REJECTED, REJECTED_RULES, Table, pre_release_order, quoted,
};
use super::{Pool, Rejection, StoreError, Submission, on_pool, timestamp};

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

/// The most rows one transaction takes.
const MAX_BATCH: usize = 512;

enum Job {
    Accept(
        Box<Submission>,
        oneshot::Sender<Result<Outcome, StoreError>>,
    ),
    Reject(Box<Rejection>, oneshot::Sender<Result<(), StoreError>>),
    Durability(oneshot::Sender<Result<Vec<(String, String)>, StoreError>>),
    /// Whether a write could be committed now (rolled back).
    Probe(oneshot::Sender<Result<(), StoreError>>),
    /// No more jobs: the writer finishes what is queued and stops.
    Close,
}

/// The way to the writer tasks.
#[derive(Clone, Debug)]
pub(super) struct Handle {
    jobs: mpsc::Sender<Job>,
    pool: Pool,
    task: Arc<Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

fn gone() -> StoreError {
    StoreError::new("the database writer has stopped")
}

impl Handle {
    /// Starts the collector's one writer task on `pool`: for SQLite, which has one writer at
    /// a time, and for PostgreSQL too, where one writer whose batch grows with the load
    /// stores more than several (measured with the load benchmark on 2 cores: 0.32–0.38×
    /// the no-op server with one, 0.25–0.34× with two, 0.27–0.28× with four; more, smaller
    /// commits cost the database more per row). Several collectors sharing a database
    /// commit side by side.
    pub(super) fn spawn(
        pool: Pool,
        tables: Arc<Vec<Table>>,
        dialect: Dialect,
        settings: WriterSettings,
    ) -> Handle {
        let (jobs, inbox) = mpsc::channel(4 * MAX_BATCH);
        let statements = Statements::new(&tables, dialect);
        let task = tokio::spawn(run(pool.clone(), tables, statements, inbox, settings));
        Handle {
            jobs,
            pool,
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    pub(super) async fn accept(&self, submission: Submission) -> Result<Outcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Accept(Box::new(submission), reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    pub(super) async fn reject(&self, rejection: Rejection) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Reject(Box::new(rejection), reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    pub(super) async fn probe(&self) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Probe(reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    pub(super) async fn durability(&self) -> Result<Vec<(String, String)>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Durability(reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Lets the writer finish what is queued, then closes the pool.
    pub(super) async fn close(&self) {
        let _ = self.jobs.send(Job::Close).await;
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
        on_pool!(&self.pool, |pool| pool.close().await);
    }
}

/// The most rows one `INSERT` statement carries. More rows per statement means fewer round
/// trips, but a statement over 16 KiB leaves sqlx's PostgreSQL socket (without
/// `TCP_NODELAY`) in several writes, and the last one waits for the delayed ACK of the
/// others: eight rows of a typical payload stay under that.
const ROWS_PER_STATEMENT: usize = 8;

/// The SQL of each write: built once per table and row count, then reused (and prepared
/// once per connection by sqlx's statement cache).
struct Statements {
    dialect: Dialect,
    /// Per table: the quoted name, its column list, and the cast of each column's parameter.
    tables: Vec<(String, String, Vec<Option<&'static str>>)>,
    inserts: HashMap<(usize, usize), String>,
    reject: String,
    reject_rule: String,
    prune_rows: String,
    prune_age: String,
    count_dropped: String,
}

impl Statements {
    fn new(tables: &[Table], dialect: Dialect) -> Self {
        let pg = dialect == Dialect::Postgres;
        let tables = tables
            .iter()
            .map(|table| {
                let mut names = vec!["document_id"];
                let mut casts = vec![Some("UUID")];
                if table.installation.is_some() {
                    names.push("installation_id");
                    casts.push(Some("UUID"));
                }
                for name in [
                    "version_sent",
                    "version",
                    "version_major",
                    "version_minor",
                    "version_patch",
                    "version_pre",
                ] {
                    names.push(name);
                    casts.push(None);
                }
                names.push("received_at");
                casts.push(Some("TIMESTAMPTZ"));
                names.push("body");
                casts.push(None);
                let mut names: Vec<String> = names.into_iter().map(quoted).collect();
                for column in &table.columns {
                    names.push(quoted(&column.name));
                    casts.push(match column.kind {
                        Kind::Count => Some("NUMERIC"),
                        Kind::Uuid => Some("UUID"),
                        _ => None,
                    });
                }
                if !pg {
                    casts.iter_mut().for_each(|cast| *cast = None);
                }
                (quoted(&table.name), names.join(", "), casts)
            })
            .collect();
        let param = |n: usize, cast: Option<&str>| match (pg, cast) {
            (true, Some(ty)) => format!("CAST(${n} AS {ty})"),
            _ => format!("${n}"),
        };
        Statements {
            dialect,
            tables,
            inserts: HashMap::new(),
            reject: format!(
                "INSERT INTO {REJECTED} (payload, claimed_version, document_id, received_at, body, violations, errors) VALUES ($1, $2, $3, {}, $5, $6, $7) RETURNING id",
                param(4, Some("TIMESTAMPTZ"))
            ),
            reject_rule: format!(
                "INSERT INTO {REJECTED_RULES} (rejected_id, rule) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ),
            prune_rows: format!(
                "DELETE FROM {REJECTED} WHERE id <= (SELECT id FROM {REJECTED} ORDER BY id DESC LIMIT 1 OFFSET $1)"
            ),
            prune_age: format!(
                "DELETE FROM {REJECTED} WHERE received_at < {}",
                param(1, Some("TIMESTAMPTZ"))
            ),
            count_dropped: format!(
                "UPDATE {COUNTERS} SET value = value + $1 WHERE name = 'rejected_dropped'"
            ),
        }
    }

    /// The insert of `rows` submissions of table `index`, with distinct document ids: a
    /// resend only counts. Returns each row's document id and resend count.
    fn insert(&mut self, index: usize, rows: usize) -> &str {
        let (dialect, tables) = (self.dialect, &self.tables);
        self.inserts.entry((index, rows)).or_insert_with(|| {
            let (table, names, casts) = &tables[index];
            let mut n = 0;
            let values: Vec<String> = (0..rows)
                .map(|_| {
                    let row: Vec<String> = casts
                        .iter()
                        .map(|cast| {
                            n += 1;
                            match (dialect, cast) {
                                (Dialect::Postgres, Some(ty)) => format!("CAST(${n} AS {ty})"),
                                (Dialect::Postgres, None) => format!("${n}"),
                                // SQLite looks a named parameter up by a linear scan, per
                                // parameter: anonymous ones keep a many-row insert linear.
                                (Dialect::Sqlite, _) => "?".to_owned(),
                            }
                        })
                        .collect();
                    format!("({})", row.join(", "))
                })
                .collect();
            format!(
                "INSERT INTO {table} ({names}) VALUES {} ON CONFLICT (document_id) DO UPDATE SET resends = {table}.resends + 1 RETURNING CAST(document_id AS TEXT), resends",
                values.join(", ")
            )
        })
    }
}

/// A value to bind, owned, whatever the database.
enum Bind {
    Text(String),
    OptionalText(Option<String>),
    Integer(i64),
    OptionalInteger(Option<i64>),
    OptionalFloat(Option<f64>),
    OptionalFlag(Option<bool>),
}

/// The values of one submission's row, in the table's column order.
fn row(table: &Table, submission: &Submission, sqlite: bool) -> Result<Vec<Bind>, StoreError> {
    let mut out = vec![Bind::Text(submission.document_id.hyphenated().to_string())];
    if table.installation.is_some() {
        let id = table.installation_id(&submission.value);
        out.push(Bind::OptionalText(id.map(str::to_owned)));
    }
    let version = &submission.version;
    let part = |n: u64| {
        i64::try_from(n)
            .map(Bind::Integer)
            .map_err(|_| StoreError::new(format!("version {version}: a number above {}", i64::MAX)))
    };
    let pre = version.as_semver().pre.as_str();
    out.push(Bind::Text(submission.version_sent.clone()));
    out.push(Bind::Text(normalized(version)));
    out.push(part(version.major())?);
    out.push(part(version.minor())?);
    out.push(part(version.patch())?);
    out.push(Bind::OptionalText(
        (!pre.is_empty()).then(|| pre_release_order(pre)),
    ));
    out.push(Bind::Text(timestamp(submission.received_at)));
    out.push(Bind::Text(submission.body.clone()));
    let release = submission.version.release();
    for (column, value) in table
        .columns
        .iter()
        .zip(table.values(&submission.value, release))
    {
        out.push(match column.kind {
            // SQLite keeps a count up to i64::MAX as an INTEGER, above it as decimal TEXT
            // (its column is ANY); PostgreSQL casts the decimal text to NUMERIC.
            Kind::Count => match (sqlite, value.and_then(Value::as_u64)) {
                (true, Some(n)) if i64::try_from(n).is_ok() => {
                    Bind::OptionalInteger(Some(n as i64))
                }
                (_, n) => Bind::OptionalText(n.map(|n| n.to_string())),
            },
            Kind::Flag => Bind::OptionalFlag(value.and_then(Value::as_bool)),
            Kind::Percent => Bind::OptionalFloat(value.and_then(Value::as_f64)),
            Kind::Text | Kind::Uuid => {
                Bind::OptionalText(value.and_then(Value::as_str).map(str::to_owned))
            }
        });
    }
    Ok(out)
}

/// One writer: takes what is queued (up to [`MAX_BATCH`]), writes it in one transaction,
/// answers, and again; stops when the queue is closed and empty.
async fn run(
    pool: Pool,
    tables: Arc<Vec<Table>>,
    mut statements: Statements,
    mut inbox: mpsc::Receiver<Job>,
    settings: WriterSettings,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    // The writer's own connection, kept from batch to batch (a pooled connection taken
    // and given back per batch costs two more round trips); dropped after any error, so
    // that the next batch starts on a fresh one.
    let mut held: Option<Held> = None;
    loop {
        match inbox.recv().await {
            Some(first) => batch.push(first),
            None => return,
        }
        // Everything that arrived while the previous commit was flushing.
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if batch.iter().any(|job| matches!(job, Job::Close)) {
            // Accept nothing more; what is queued is still written.
            inbox.close();
        }
        // Each operation on the writer's connection; after an error, the next one starts on
        // a fresh connection.
        macro_rules! on_connection {
            (|$connection:ident| $operation:expr) => {{
                let result = async {
                    let $connection = hold(&pool, &mut held).await?;
                    $operation.await
                }
                .await;
                if result.is_err() {
                    held = None;
                }
                result
            }};
        }
        let mut writes = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Durability(reply) => {
                    let _ = reply.send(on_connection!(|connection| durability(connection)));
                }
                Job::Probe(reply) => {
                    let result = async {
                        settings.check_file()?;
                        on_connection!(|connection| probe(connection))
                    }
                    .await;
                    let _ = reply.send(result);
                }
                Job::Close => {}
                write => writes.push(write),
            }
        }
        if !writes.is_empty() {
            let result = async {
                settings.check_file()?;
                on_connection!(|connection| write(
                    connection,
                    &tables,
                    &mut statements,
                    &settings,
                    &writes
                ))
            }
            .await;
            answer(writes, result);
        }
    }
}

/// Answers each job of a batch with its outcome, or all with the batch's error.
fn answer(jobs: Vec<Job>, result: Result<Vec<Option<Outcome>>, StoreError>) {
    match result {
        Ok(outcomes) => {
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                match job {
                    Job::Accept(_, reply) => {
                        let _ = reply.send(outcome.ok_or_else(|| {
                            StoreError::new("the database returned no row for a stored submission")
                        }));
                    }
                    Job::Reject(_, reply) => {
                        let _ = reply.send(Ok(()));
                    }
                    Job::Durability(_) | Job::Probe(_) | Job::Close => {}
                }
            }
        }
        Err(error) => {
            tracing::error!(%error, rows = jobs.len(), "a batch failed to commit; nothing of it is stored");
            for job in jobs {
                match job {
                    Job::Accept(_, reply) => {
                        let _ = reply.send(Err(error.clone()));
                    }
                    Job::Reject(_, reply) => {
                        let _ = reply.send(Err(error.clone()));
                    }
                    Job::Durability(_) | Job::Probe(_) | Job::Close => {}
                }
            }
        }
    }
}

/// A writer's connection.
enum Held {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(PoolConnection<sqlx::Postgres>),
}

/// Runs the same code on whichever connection it is.
macro_rules! on_held {
    ($held:expr, |$c:ident| $body:expr) => {
        match $held {
            Held::Sqlite($c) => $body,
            Held::Postgres($c) => $body,
        }
    };
}

/// The writer's connection: the one it holds, or a new one from the pool.
async fn hold<'a>(pool: &Pool, held: &'a mut Option<Held>) -> Result<&'a mut Held, StoreError> {
    let connection = match held.take() {
        Some(connection) => connection,
        None => match pool {
            Pool::Sqlite(pool) => Held::Sqlite(pool.acquire().await?),
            Pool::Postgres(pool) => Held::Postgres(pool.acquire().await?),
        },
    };
    Ok(held.insert(connection))
}

async fn durability(connection: &mut Held) -> Result<Vec<(String, String)>, StoreError> {
    Ok(match connection {
        Held::Sqlite(connection) => {
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **connection)
                .await?;
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&mut **connection)
                .await?;
            vec![
                ("synchronous".to_owned(), synchronous.to_string()),
                ("journal_mode".to_owned(), journal),
            ]
        }
        Held::Postgres(connection) => {
            let commit: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(&mut **connection)
                .await?;
            vec![("synchronous_commit".to_owned(), commit)]
        }
    })
}

/// Binds `values` to `query`, in order.
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut query = $query;
        for value in $values {
            query = match value {
                Bind::Text(v) => query.bind(v),
                Bind::OptionalText(v) => query.bind(v),
                Bind::Integer(v) => query.bind(v),
                Bind::OptionalInteger(v) => query.bind(v),
                Bind::OptionalFloat(v) => query.bind(v),
                Bind::OptionalFlag(v) => query.bind(v),
            };
        }
        query
    }};
}

/// Writes every job in one transaction: the outcome of each accept (`None` for a
/// rejection), or the error that rolled the batch back. The submissions of a table go in
/// multi-row inserts, each with distinct document ids (a document sent twice in one batch
/// goes in a later insert, and counts as a resend).
async fn write(
    connection: &mut Held,
    tables: &[Table],
    statements: &mut Statements,
    settings: &WriterSettings,
    jobs: &[Job],
) -> Result<Vec<Option<Outcome>>, StoreError> {
    let sqlite = matches!(connection, Held::Sqlite(_));
    // The inserts: (table, job indices), each with distinct document ids.
    let mut inserts: Vec<(usize, Vec<usize>)> = Vec::new();
    // Rows go in in one order, whoever writes them (by table, calendar week, installation,
    // time and document), the order in which the weeks trigger locks the rows it updates:
    // the writers of collectors sharing a PostgreSQL database then take those locks in the
    // same order, also across
    // the statements of a batch that spans a Monday, and never deadlock on them.
    let mut accepted: Vec<(usize, u64, &str, usize, &Submission)> = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        let Job::Accept(submission, _) = job else {
            continue;
        };
        let table = tables
            .iter()
            .position(|t| t.payload == submission.payload)
            .ok_or_else(|| {
                StoreError::new(format!("no table for payload {}", submission.payload))
            })?;
        let installation = tables[table]
            .installation_id(&submission.value)
            .unwrap_or("");
        let week = super::layout::calendar_week(submission.received_at);
        accepted.push((table, week, installation, index, submission));
    }
    accepted.sort_by_key(|&(table, week, installation, _, submission)| {
        (
            table,
            week,
            installation,
            submission.received_at,
            submission.document_id,
        )
    });
    for (table, _, _, index, submission) in accepted {
        let fits = inserts.iter_mut().find(|(t, rows)| {
            *t == table
                && rows.len() < ROWS_PER_STATEMENT
                && !rows.iter().any(|&i| matches!(&jobs[i], Job::Accept(other, _) if other.document_id == submission.document_id))
        });
        match fits {
            Some((_, rows)) => rows.push(index),
            None => inserts.push((table, vec![index])),
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; jobs.len()];
    macro_rules! insert {
        ($executor:expr, $table:expr, $rows:expr) => {{
            let (table, rows): (usize, &Vec<usize>) = ($table, $rows);
            let mut values = Vec::new();
            for &index in rows {
                if let Job::Accept(submission, _) = &jobs[index] {
                    values.extend(row(&tables[table], submission, sqlite)?);
                }
            }
            let sql = statements.insert(table, rows.len());
            let query = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), values);
            let returned = query.fetch_all($executor).await?;
            for record in &returned {
                let id: String = sqlx::Row::try_get(record, 0)?;
                let resends: i64 = sqlx::Row::try_get(record, 1)?;
                let id = uuid::Uuid::parse_str(&id).map_err(StoreError::new)?;
                let index = rows
                    .iter()
                    .copied()
                    .find(|&i| matches!(&jobs[i], Job::Accept(s, _) if s.document_id == id));
                if let Some(index) = index {
                    outcomes[index] = Some(if resends > 0 {
                        Outcome::Duplicate { resends }
                    } else {
                        Outcome::Stored
                    });
                }
            }
        }};
    }
    // One insert and nothing else (the usual batch): the statement commits on its own,
    // without the round trips of BEGIN and COMMIT; anything more runs in a transaction.
    let alone = inserts.len() == 1 && jobs.iter().all(|job| matches!(job, Job::Accept(..)));
    on_held!(connection, |connection| {
        if alone {
            let (table, rows) = &inserts[0];
            insert!(&mut **connection, *table, rows);
            return Ok(outcomes);
        }
        let mut tx = sqlx::Connection::begin(&mut **connection).await?;
        for (table, rows) in &inserts {
            insert!(&mut *tx, *table, rows);
        }
        for job in jobs {
            let Job::Reject(rejection, _) = job else {
                continue;
            };
            let errors = serde_json::to_string(&rejection.violations).map_err(StoreError::new)?;
            let id: i64 = sqlx::Row::try_get(
                &sqlx::query(sqlx::AssertSqlSafe(statements.reject.as_str()))
                    .bind(rejection.payload.clone())
                    .bind(rejection.claimed_version.clone())
                    .bind(rejection.document_id.hyphenated().to_string())
                    .bind(timestamp(rejection.received_at))
                    .bind(rejection.body.clone())
                    .bind(rejection.total as i64)
                    .bind(errors)
                    .fetch_one(&mut *tx)
                    .await?,
                0,
            )?;
            let mut rules: Vec<&str> = rejection.violations.iter().map(|v| v.rule).collect();
            rules.sort_unstable();
            rules.dedup();
            for rule in rules {
                sqlx::query(sqlx::AssertSqlSafe(statements.reject_rule.as_str()))
                    .bind(id)
                    .bind(rule)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        if jobs.iter().any(|job| matches!(job, Job::Reject(..))) {
            // The table of rejections is bounded: the oldest go first, and are counted.
            let by_rows = sqlx::query(sqlx::AssertSqlSafe(statements.prune_rows.as_str()))
                .bind(i64::try_from(settings.rejected_rows).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            let cutoff = SystemTime::now() - settings.rejected_age;
            let by_age = sqlx::query(sqlx::AssertSqlSafe(statements.prune_age.as_str()))
                .bind(timestamp(cutoff))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if by_rows + by_age > 0 {
                sqlx::query(sqlx::AssertSqlSafe(statements.count_dropped.as_str()))
                    .bind((by_rows + by_age) as i64)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    });
    Ok(outcomes)
}

/// The version as stored: build metadata dropped, a pre-release kept.
pub(crate) fn normalized(version: &metrics_core::Version) -> String {
    let mut semver = version.as_semver().clone();
    semver.build = semver::BuildMetadata::EMPTY;
    semver.to_string()
}

/// What the writer keeps to: the bound of the rejections table, and for SQLite the file
/// they write to.
#[derive(Debug)]
pub(super) struct WriterSettings {
    /// At most this many rejections are kept.
    pub rejected_rows: u64,
    /// Rejections older than this are dropped.
    pub rejected_age: Duration,
    /// The SQLite file and its identity (device, inode) when it was opened.
    pub file: Option<(std::path::PathBuf, u64, u64)>,
}

/// The identity (device, inode) of a file.
pub(super) fn identity(path: &std::path::Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|_| (0, 0))
    }
}

impl WriterSettings {
    /// An SQLite file removed or replaced under the running collector would take the
    /// writes to a file nobody will open again: refuse them (the clients retry later).
    fn check_file(&self) -> Result<(), StoreError> {
        let Some((path, device, inode)) = &self.file else {
            return Ok(());
        };
        match identity(path) {
            Some(found) if found == (*device, *inode) => Ok(()),
            Some(_) => Err(StoreError::new(format!(
                "the database file {} was replaced while the collector ran: nothing is stored until it is restarted",
                path.display()
            ))),
            None => Err(StoreError::new(format!(
                "the database file {} was removed while the collector ran: nothing is stored until it is restarted",
                path.display()
            ))),
        }
    }
}

/// Whether a write could be committed now on the writer's connection: a write transaction
/// can begin (then it is rolled back). The caller has checked the file.
async fn probe(connection: &mut Held) -> Result<(), StoreError> {
    match connection {
        Held::Sqlite(connection) => {
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut **connection)
                .await?;
            sqlx::query("ROLLBACK").execute(&mut **connection).await?;
        }
        Held::Postgres(connection) => {
            let mut tx = sqlx::Connection::begin(&mut **connection).await?;
            // Assigns a transaction id: fails where nothing can be written (a standby).
            sqlx::query("SELECT pg_current_xact_id()")
                .execute(&mut *tx)
                .await?;
            tx.rollback().await?;
        }
    }
    Ok(())
}
