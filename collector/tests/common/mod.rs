//! Test helpers: a collector on 127.0.0.1 in this process, a fresh PostgreSQL database per
//! test, and a raw HTTP client for the bodies a well-behaved client never sends.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime};

use collector::{Collector, Limits, Store, Submission};
use metrics_core::{Metrics, Model, Version};
use tokio::runtime::Runtime;

/// The PostgreSQL server of `.ci/services.d/postgres.sh`, or `METRICS_TEST_POSTGRES_URL`.
pub fn postgres_base_url() -> String {
    std::env::var("METRICS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://metrics:metrics@127.0.0.1:5432/metrics".to_owned())
}

/// Which database a test runs against.
pub enum Db {
    /// A new SQLite file in a temporary directory.
    Sqlite(tempfile::TempDir),
    /// A new PostgreSQL database, dropped at the end.
    Postgres { base: String, name: String },
}

impl Db {
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().expect("a temporary directory"))
    }

    /// A fresh database on the test PostgreSQL server; fails (does not skip) when the server
    /// is unreachable.
    pub fn postgres(rt: &Runtime) -> Db {
        let base = postgres_base_url();
        let name = format!("metrics_test_{}", uuid::Uuid::new_v4().simple());
        rt.block_on(async {
            let admin = sqlx::PgPool::connect(&base).await.unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is not reachable at {base}: {e}\n\
                     run `.ci/services` (installs and starts it), or set METRICS_TEST_POSTGRES_URL"
                )
            });
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect(
                    "CREATE DATABASE (the role needs CREATEDB; see .ci/services.d/postgres.sh)",
                );
            admin.close().await;
        });
        Db::Postgres { base, name }
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}", dir.path().join("metrics.db").display()),
            Db::Postgres { base, name } => {
                let (server, _) = base
                    .rsplit_once('/')
                    .expect("a database URL with a database");
                format!("{server}/{name}")
            }
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Db::Postgres { base, name } = self {
            let (base, name) = (base.clone(), name.clone());
            // Best effort, on a runtime of its own (the test's may be gone).
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                rt.block_on(async {
                    if let Ok(admin) = sqlx::PgPool::connect(&base).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// A collector of the reference model serving on 127.0.0.1 from a runtime of its own.
pub struct Server {
    pub rt: Runtime,
    pub addr: SocketAddr,
    pub store: Store,
    pub db: Db,
}

impl Server {
    pub fn start(db: Db, rt: Runtime) -> Server {
        Self::start_with(db, rt, Limits::default(), Duration::from_secs(30))
    }

    pub fn start_with(db: Db, rt: Runtime, limits: Limits, body_timeout: Duration) -> Server {
        Self::start_with_timeouts(db, rt, limits, body_timeout, collector::HEADER_READ_TIMEOUT)
    }

    pub fn start_with_timeouts(
        db: Db,
        rt: Runtime,
        limits: Limits,
        body_timeout: Duration,
        header_timeout: Duration,
    ) -> Server {
        let store = rt
            .block_on(Store::connect(&db.url(), &schema::models()))
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.url()));
        // Tests post many checks of one installation from one address: no rate limits here
        // (tests/abuse.rs has its own).
        let app = Collector::new(schema::models(), Some(store.clone()))
            .limits(limits)
            .body_timeout(body_timeout)
            .rate_limits(collector::RateLimits::none())
            .router();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        rt.spawn(collector::serve_with(
            listener,
            app,
            std::future::pending(),
            collector::ServeOptions {
                header_timeout,
                ..collector::ServeOptions::default()
            },
        ));
        Server {
            rt,
            addr,
            store,
            db,
        }
    }

    pub fn sqlite() -> Server {
        Server::start(Db::sqlite(), runtime())
    }

    pub fn postgres() -> Server {
        let rt = runtime();
        let db = Db::postgres(&rt);
        Server::start(db, rt)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self, payload: &str, version: &str, id: &str) -> String {
        format!("http://{}/submit/{payload}/{version}/{id}", self.addr)
    }
}

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A plain HTTP client that reports every status instead of failing on 4xx/5xx.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// POSTs `body` with extra headers; the status and the response body.
pub fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let mut req = agent().post(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut response = req.send(body).expect("a response");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, text)
}

/// Writes `request` as raw bytes, `then` lets the test write more, and returns the status
/// line the server answered (or an empty string when it closed without one).
pub fn raw(addr: SocketAddr, request: &[u8], then: impl FnOnce(&mut TcpStream)) -> String {
    let mut stream = TcpStream::connect(addr).expect("a connection");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("a read timeout");
    stream.write_all(request).expect("the request");
    then(&mut stream);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    text.lines().next().unwrap_or_default().to_owned()
}

/// GETs `url`; the status and the response body.
pub fn get(url: &str) -> (u16, String) {
    let mut response = agent().get(url).call().expect("a response");
    let status = response.status().as_u16();
    (
        status,
        response.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// `value` as `version` sends it, decoded by its model, as the server hands it to the store
/// when it arrives at `at` (a new document id).
pub fn submission<T: Metrics>(value: &T, version: &Version, at: SystemTime) -> Submission {
    let model = Model::of::<T>();
    let body = serde_json::to_string(&value.at(version)).unwrap();
    let decoded = model
        .decode(version, body.as_bytes(), &metrics_core::Limits::default())
        .unwrap();
    Submission {
        document_id: uuid::Uuid::new_v4(),
        payload: model.name().to_owned(),
        version_sent: version.to_string(),
        version: version.clone(),
        received_at: at,
        body,
        value: decoded,
    }
}
