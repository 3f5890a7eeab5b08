//! Group commit: one task owns the connection that writes. Requests hand it their rows and
//! wait; it takes everything that arrived while the previous commit was flushing, writes it
//! in one transaction, commits (one fsync for the batch), and only then answers each
//! request. A failed batch answers every request in it with the error (the server turns it
//! into a 503, so the clients retry); nothing of it is stored.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use super::layout::{Dialect, Kind, REJECTED, REJECTED_RULES, Table, quoted};
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
    Close(oneshot::Sender<()>),
}

/// The way to the writer task.
#[derive(Clone, Debug)]
pub(super) struct Handle {
    jobs: mpsc::Sender<Job>,
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
    pub(super) fn spawn(pool: Pool, tables: Arc<Vec<Table>>, dialect: Dialect) -> Handle {
        let (jobs, inbox) = mpsc::channel(4 * MAX_BATCH);
        let statements = Statements::new(&tables, dialect);
        tokio::spawn(run(pool, tables, statements, inbox));
        Handle { jobs }
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

    pub(super) async fn durability(&self) -> Result<Vec<(String, String)>, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Durability(reply))
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    pub(super) async fn close(&self) {
        let (reply, answer) = oneshot::channel();
        if self.jobs.send(Job::Close(reply)).await.is_ok() {
            let _ = answer.await;
        }
    }
}

/// The SQL of each write, built once.
struct Statements {
    /// Per table: the insert of a submission (a resend only counts).
    insert: Vec<String>,
    reject: String,
    reject_rule: String,
}

impl Statements {
    fn new(tables: &[Table], dialect: Dialect) -> Self {
        let pg = dialect == Dialect::Postgres;
        let param = |n: usize, cast: Option<&str>| match (pg, cast) {
            (true, Some(ty)) => format!("CAST(${n} AS {ty})"),
            _ => format!("${n}"),
        };
        let insert = tables
            .iter()
            .map(|table| {
                let mut names = vec!["document_id"];
                let mut values = vec![param(1, Some("UUID"))];
                if table.installation.is_some() {
                    names.push("installation_id");
                    values.push(param(values.len() + 1, Some("UUID")));
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
                    values.push(param(values.len() + 1, None));
                }
                names.push("received_at");
                values.push(param(values.len() + 1, Some("TIMESTAMPTZ")));
                names.push("body");
                values.push(param(values.len() + 1, None));
                let mut names: Vec<String> = names.into_iter().map(quoted).collect();
                for column in &table.columns {
                    names.push(quoted(&column.name));
                    let cast = match column.kind {
                        Kind::Count => Some("NUMERIC"),
                        Kind::Uuid => Some("UUID"),
                        _ => None,
                    };
                    values.push(param(values.len() + 1, cast));
                }
                let t = quoted(&table.name);
                format!(
                    "INSERT INTO {t} ({}) VALUES ({}) ON CONFLICT (document_id) DO UPDATE SET resends = {t}.resends + 1 RETURNING resends",
                    names.join(", "),
                    values.join(", ")
                )
            })
            .collect();
        Statements {
            insert,
            reject: format!(
                "INSERT INTO {REJECTED} (payload, claimed_version, document_id, received_at, body, violations, errors) VALUES ($1, $2, $3, {}, $5, $6, $7) RETURNING id",
                param(4, Some("TIMESTAMPTZ"))
            ),
            reject_rule: format!(
                "INSERT INTO {REJECTED_RULES} (rejected_id, rule) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            ),
        }
    }
}

async fn run(
    pool: Pool,
    tables: Arc<Vec<Table>>,
    statements: Statements,
    mut inbox: mpsc::Receiver<Job>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = inbox.recv().await {
        batch.push(first);
        // Everything that arrived while the previous commit was flushing.
        while batch.len() < MAX_BATCH {
            match inbox.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut close = None;
        let mut writes = Vec::new();
        for job in batch.drain(..) {
            match job {
                Job::Durability(reply) => {
                    let _ = reply.send(durability(&pool).await);
                }
                Job::Close(reply) => close = Some(reply),
                write => writes.push(write),
            }
        }
        if !writes.is_empty() {
            let result = write(&pool, &tables, &statements, &writes).await;
            answer(writes, result);
        }
        if let Some(reply) = close {
            on_pool!(&pool, |pool| pool.close().await);
            let _ = reply.send(());
            return;
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
                        let _ = reply.send(Ok(outcome.unwrap_or(Outcome::Stored)));
                    }
                    Job::Reject(_, reply) => {
                        let _ = reply.send(Ok(()));
                    }
                    Job::Durability(_) | Job::Close(_) => {}
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
                    Job::Durability(_) | Job::Close(_) => {}
                }
            }
        }
    }
}

async fn durability(pool: &Pool) -> Result<Vec<(String, String)>, StoreError> {
    Ok(match pool {
        Pool::Sqlite(pool) => {
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(pool)
                .await?;
            let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await?;
            vec![
                ("synchronous".to_owned(), synchronous.to_string()),
                ("journal_mode".to_owned(), journal),
            ]
        }
        Pool::Postgres(pool) => {
            let commit: String = sqlx::query_scalar("SHOW synchronous_commit")
                .fetch_one(pool)
                .await?;
            vec![("synchronous_commit".to_owned(), commit)]
        }
    })
}

/// Writes every job in one transaction: the outcome of each accept (`None` for a
/// rejection), or the error that rolled the batch back.
async fn write(
    pool: &Pool,
    tables: &[Table],
    statements: &Statements,
    jobs: &[Job],
) -> Result<Vec<Option<Outcome>>, StoreError> {
    // SQLite keeps a count up to i64::MAX as an INTEGER, above it as decimal TEXT (its
    // column is ANY); PostgreSQL casts the decimal text to NUMERIC.
    let sqlite = matches!(pool, Pool::Sqlite(_));
    on_pool!(pool, |pool| {
        let mut tx = pool.begin().await?;
        let mut outcomes = Vec::with_capacity(jobs.len());
        for job in jobs {
            match job {
                Job::Accept(submission, _) => {
                    let index = tables
                        .iter()
                        .position(|t| t.payload == submission.payload)
                        .ok_or_else(|| {
                            StoreError::new(format!("no table for payload {}", submission.payload))
                        })?;
                    let table = &tables[index];
                    let mut query =
                        sqlx::query(sqlx::AssertSqlSafe(statements.insert[index].as_str()))
                            .bind(submission.document_id.hyphenated().to_string());
                    if let Some(pointer) = &table.installation {
                        let id = submission
                            .value
                            .pointer(pointer)
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        query = query.bind(id);
                    }
                    let version = &submission.version;
                    let part = |n: u64| {
                        i64::try_from(n).map_err(|_| {
                            StoreError::new(format!(
                                "version {version}: a number above {}",
                                i64::MAX
                            ))
                        })
                    };
                    let pre = version.as_semver().pre.as_str();
                    query = query
                        .bind(submission.version_sent.clone())
                        .bind(normalized(version))
                        .bind(part(version.major())?)
                        .bind(part(version.minor())?)
                        .bind(part(version.patch())?)
                        .bind((!pre.is_empty()).then(|| pre.to_owned()))
                        .bind(timestamp(submission.received_at))
                        .bind(submission.body.clone());
                    for (column, value) in table.columns.iter().zip(table.values(&submission.value))
                    {
                        query = match column.kind {
                            Kind::Count => {
                                let n = value.and_then(Value::as_u64);
                                match (sqlite, n) {
                                    (true, Some(n)) if i64::try_from(n).is_ok() => {
                                        query.bind(Some(n as i64))
                                    }
                                    (_, n) => query.bind(n.map(|n| n.to_string())),
                                }
                            }
                            Kind::Flag => query.bind(value.and_then(Value::as_bool)),
                            Kind::Percent => query.bind(value.and_then(Value::as_f64)),
                            Kind::Text | Kind::Uuid => {
                                query.bind(value.and_then(Value::as_str).map(str::to_owned))
                            }
                        };
                    }
                    let resends: i64 = sqlx::Row::try_get(&query.fetch_one(&mut *tx).await?, 0)?;
                    outcomes.push(Some(if resends > 0 {
                        Outcome::Duplicate { resends }
                    } else {
                        Outcome::Stored
                    }));
                }
                Job::Reject(rejection, _) => {
                    let errors =
                        serde_json::to_string(&rejection.violations).map_err(StoreError::new)?;
                    let id: i64 = sqlx::Row::try_get(
                        &sqlx::query(sqlx::AssertSqlSafe(statements.reject.as_str()))
                            .bind(rejection.payload.clone())
                            .bind(rejection.claimed_version.clone())
                            .bind(rejection.document_id.hyphenated().to_string())
                            .bind(timestamp(rejection.received_at))
                            .bind(rejection.body.clone())
                            .bind(rejection.violations.len() as i64)
                            .bind(errors)
                            .fetch_one(&mut *tx)
                            .await?,
                        0,
                    )?;
                    let mut rules: Vec<&str> =
                        rejection.violations.iter().map(|v| v.rule).collect();
                    rules.sort_unstable();
                    rules.dedup();
                    for rule in rules {
                        sqlx::query(sqlx::AssertSqlSafe(statements.reject_rule.as_str()))
                            .bind(id)
                            .bind(rule)
                            .execute(&mut *tx)
                            .await?;
                    }
                    outcomes.push(None);
                }
                Job::Durability(_) | Job::Close(_) => outcomes.push(None),
            }
        }
        tx.commit().await?;
        Ok(outcomes)
    })
}

/// The version as stored: build metadata dropped, a pre-release kept.
pub(crate) fn normalized(version: &metrics_core::Version) -> String {
    let mut semver = version.as_semver().clone();
    semver.build = semver::BuildMetadata::EMPTY;
    semver.to_string()
}
