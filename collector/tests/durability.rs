//! Durability: under steady load, the collector process is killed with SIGKILL and
//! restarted on the same database; every request that got a 2xx is stored.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use client::Consent;
use common::{Db, runtime};
use metrics_core::Version;

/// Starts the collector binary on a free loopback port; returns it and its base URL.
fn start(database_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
            "--admin-listen",
            "127.0.0.1:0",
            // Four threads flood from one address with one installation id.
            "--rate-per-address",
            "0",
            "--rate-per-installation",
            "0",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the collector binary");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();
    (child, url)
}

/// The update check `version` sends, opted in, with the reference sample.
fn sample_body(version: &Version) -> String {
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e".parse().unwrap();
    client::payload::<schema::UpdateCheck>(
        version,
        id,
        Consent::UpdatesAndUsage,
        schema::sample_statistics,
    )
    .unwrap()
}

fn killed_under_load(db: &Db) {
    let url = db.url();
    let (mut child, endpoint) = start(&url);
    let version = Version::parse("2018.2.2").unwrap();
    let body = sample_body(&version);

    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = (0..4)
        .map(|_| {
            let (acked, stop, endpoint, body) =
                (acked.clone(), stop.clone(), endpoint.clone(), body.clone());
            std::thread::spawn(move || {
                let agent = common::agent();
                let mut attempted = 0;
                // Bounded: at most 2000 requests per thread.
                while !stop.load(Ordering::Relaxed) && attempted < 2000 {
                    attempted += 1;
                    let doc = uuid::Uuid::new_v4();
                    let url = format!("{endpoint}/submit/update-check/2018.2.2/{doc}");
                    if let Ok(r) = agent.post(&url).send(body.as_bytes())
                        && r.status().is_success()
                    {
                        acked.lock().unwrap().push(doc);
                    }
                }
                attempted
            })
        })
        .collect();

    // Kill once enough requests were acknowledged (or after 30 s at most).
    let started = Instant::now();
    while acked.lock().unwrap().len() < 150 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    child.wait().expect("the killed collector");
    stop.store(true, Ordering::Relaxed);
    let attempted: usize = loaders.into_iter().map(|t| t.join().unwrap()).sum();
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 150,
        "only {} acknowledged before the kill",
        acked.len()
    );

    // Restart on the same database: it opens, and every acknowledged payload is there.
    let (mut child, endpoint) = start(&url);
    let (status, _) = common::get(&format!("{endpoint}/health"));
    assert_eq!(status, 200);
    let rt = runtime();
    let store = rt
        .block_on(collector::Store::open_existing(&url, &schema::models()))
        .unwrap();
    let stored = rt.block_on(store.document_ids()).unwrap();
    let missing: Vec<_> = acked.iter().filter(|id| !stored.contains(id)).collect();
    eprintln!(
        "{}: {} attempted, {} acknowledged, {} stored, {} acknowledged but missing",
        store.kind(),
        attempted,
        acked.len(),
        stored.len(),
        missing.len()
    );
    assert!(missing.is_empty(), "acknowledged but lost: {missing:?}");
    // At most the requests in flight at the kill were stored without an answer.
    assert!(stored.len() >= acked.len() && stored.len() <= attempted);
    // Every stored payload is complete: its leaf columns hold what was sent.
    for id in &stored {
        let values = rt
            .block_on(store.leaf_values("update-check", *id))
            .unwrap()
            .expect("stored");
        assert!(
            values.iter().filter(|(_, v)| v.is_some()).count() > 20,
            "{values:?}"
        );
    }
    rt.block_on(store.close());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn sigkill_under_load_loses_nothing_acknowledged_sqlite() {
    killed_under_load(&Db::sqlite());
}

#[test]
fn sigkill_under_load_loses_nothing_acknowledged_postgres() {
    let rt = runtime();
    let db = Db::postgres(&rt);
    killed_under_load(&db);
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits() {
    use std::io::{Read as _, Write as _};

    let db = Db::sqlite();
    let url = db.url();
    let (mut child, endpoint) = start(&url);
    let version = Version::parse("3.2.0").unwrap();
    let body = sample_body(&version);
    let doc = uuid::Uuid::new_v4();
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /submit/update-check/3.2.0/{doc} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let (head, tail) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    std::thread::sleep(Duration::from_millis(300));
    // The server is shutting down, and still takes the rest of the body.
    stream.write_all(tail).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    // It exits by itself, cleanly, and does not accept new requests.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "still running");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    assert!(std::net::TcpStream::connect(addr).is_err());

    let rt = runtime();
    let store = rt
        .block_on(collector::Store::open_existing(&url, &schema::models()))
        .unwrap();
    assert_eq!(rt.block_on(store.document_ids()).unwrap(), vec![doc]);
    rt.block_on(store.close());
}

/// The durability settings in force on the connection that writes: a mutation to
/// `synchronous=OFF` (or `synchronous_commit=off`) fails here, whatever the OS caches.
fn durability_settings(server: common::Server, expected: &[(&str, &str)]) {
    let settings = server.rt.block_on(server.store.durability()).unwrap();
    let settings: Vec<(&str, &str)> = settings
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(settings, expected);
}

#[test]
fn the_writer_commits_with_full_synchronous_sqlite() {
    durability_settings(
        common::Server::sqlite(),
        &[("synchronous", "2"), ("journal_mode", "wal")],
    );
}

#[test]
fn the_writer_commits_with_synchronous_commit_postgres() {
    durability_settings(common::Server::postgres(), &[("synchronous_commit", "on")]);
}

/// Posts the sample in a thread; the channel gets the status when it is answered.
fn post_in_background(server: &common::Server, doc: uuid::Uuid) -> std::sync::mpsc::Receiver<u16> {
    let version = Version::parse("2018.2.2").unwrap();
    let body = sample_body(&version);
    let url = server.url("update-check", "2018.2.2", &doc.to_string());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (status, _) = common::post(&url, &[], body.as_bytes());
        let _ = tx.send(status);
    });
    rx
}

/// Another connection that holds the writer back: SQLite's write lock (the batch cannot
/// write, nor commit); on PostgreSQL, an advisory lock that a deferred constraint trigger
/// waits for at COMMIT, so that the rows are written and only the commit is held.
enum Holder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Holder {
    async fn take(url: &str) -> Holder {
        use sqlx::Connection as _;
        if url.starts_with("sqlite") {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut c)
                .await
                .unwrap();
            Holder::Sqlite(c)
        } else {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            for statement in [
                "CREATE FUNCTION hold_commit() RETURNS trigger AS $$ BEGIN PERFORM pg_advisory_lock_shared(4242); PERFORM pg_advisory_unlock_shared(4242); RETURN NULL; END $$ LANGUAGE plpgsql",
                "CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON update_check DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()",
                "SELECT pg_advisory_lock(4242)",
            ] {
                sqlx::raw_sql(statement).execute(&mut c).await.unwrap();
            }
            Holder::Postgres(c)
        }
    }

    async fn release(self) {
        match self {
            Holder::Sqlite(mut c) => {
                sqlx::query("ROLLBACK").execute(&mut c).await.unwrap();
            }
            Holder::Postgres(mut c) => {
                sqlx::query("SELECT pg_advisory_unlock(4242)")
                    .execute(&mut c)
                    .await
                    .unwrap();
            }
        }
    }
}

/// While another connection holds the lock the commit needs, the commit cannot happen: no
/// 2xx until it is released (a 2xx sent before the commit fails here every time).
fn a_held_commit_gets_no_answer_until_released(server: common::Server) {
    let rt = runtime();
    let doc = uuid::Uuid::new_v4();
    let holder = rt.block_on(Holder::take(&server.db.url()));
    let answer = post_in_background(&server, doc);
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        answer.try_recv().is_err(),
        "answered while the lock was held"
    );
    rt.block_on(holder.release());
    assert_eq!(answer.recv_timeout(Duration::from_secs(20)).unwrap(), 201);
    assert!(
        server
            .rt
            .block_on(server.store.document_ids())
            .unwrap()
            .contains(&doc)
    );
}

#[test]
fn a_held_commit_gets_no_answer_until_released_sqlite() {
    a_held_commit_gets_no_answer_until_released(common::Server::sqlite());
}

#[test]
fn a_held_commit_gets_no_answer_until_released_postgres() {
    a_held_commit_gets_no_answer_until_released(common::Server::postgres());
}

/// A write that fails (a failpoint trigger) is a 503, so that the client retries, and
/// nothing of it is stored; once the failure is gone, the same request is stored.
fn a_failed_commit_is_a_503_and_stores_nothing(server: common::Server) {
    let url = server.db.url();
    let sqlite = url.starts_with("sqlite");
    let rt = runtime();
    let failpoint = if sqlite {
        vec![
            "CREATE TRIGGER failpoint BEFORE INSERT ON update_check BEGIN SELECT RAISE(ABORT, 'failpoint'); END",
        ]
    } else {
        // Raised at COMMIT: a deferred constraint trigger.
        vec![
            "CREATE FUNCTION failpoint() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'failpoint'; END $$ LANGUAGE plpgsql",
            "CREATE CONSTRAINT TRIGGER failpoint AFTER INSERT ON update_check DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION failpoint()",
        ]
    };
    let run = |statements: &[&str]| {
        let url = url.clone();
        let statements: Vec<String> = statements.iter().map(|s| (*s).to_owned()).collect();
        rt.block_on(async move {
            if url.starts_with("sqlite") {
                let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                    .await
                    .unwrap();
                for s in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s))
                        .execute(&mut c)
                        .await
                        .unwrap();
                }
            } else {
                let mut c = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                    .await
                    .unwrap();
                for s in statements {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(s))
                        .execute(&mut c)
                        .await
                        .unwrap();
                }
            }
        })
    };
    run(&failpoint);
    let doc = uuid::Uuid::new_v4();
    let status = post_in_background(&server, doc)
        .recv_timeout(Duration::from_secs(20))
        .unwrap();
    assert_eq!(status, 503);
    assert!(
        server
            .rt
            .block_on(server.store.document_ids())
            .unwrap()
            .is_empty()
    );
    run(&["DROP TRIGGER failpoint ON update_check"][..(!sqlite) as usize]);
    if sqlite {
        run(&["DROP TRIGGER failpoint"]);
    }
    let status = post_in_background(&server, doc)
        .recv_timeout(Duration::from_secs(20))
        .unwrap();
    assert_eq!(status, 201, "the retry is stored");
    assert_eq!(
        server.rt.block_on(server.store.document_ids()).unwrap(),
        [doc]
    );
}

#[test]
fn a_failed_commit_is_a_503_and_stores_nothing_sqlite() {
    a_failed_commit_is_a_503_and_stores_nothing(common::Server::sqlite());
}

#[test]
fn a_failed_commit_is_a_503_and_stores_nothing_postgres() {
    a_failed_commit_is_a_503_and_stores_nothing(common::Server::postgres());
}
