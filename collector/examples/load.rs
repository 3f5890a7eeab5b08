//! Load benchmark: N concurrent clients send a bounded number of update checks to a collector
//! on 127.0.0.1, which answers 2xx without decoding or storing (the baseline), or only
//! validates, or validates and stores in SQLite, or in PostgreSQL; storing with the rate
//! limits off and at their defaults. Each request comes from its own installation and, as
//! a load balancer (127.0.0.1, trusted) says in X-Forwarded-For, its own address, so that
//! the limits cost what they cost without refusing anything. Prints throughput and
//! p50/p99 latency per mode, and the throughput as a ratio to the baseline.
//!
//! ```sh
//! .ci/services   # PostgreSQL, for the third mode
//! cargo run --release -p collector --example load -- --clients 16 --requests 4000
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use client::Consent;
use collector::{Collector, Store};
use metrics_core::Version;

#[derive(Parser, Debug)]
struct Args {
    /// Concurrent clients (threads, each with a keep-alive connection).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Requests per mode, in all.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// The PostgreSQL server (a fresh database is created and dropped); `none` to skip.
    #[arg(
        long,
        env = "METRICS_TEST_POSTGRES_URL",
        default_value = "postgres://metrics:metrics@127.0.0.1:5432/metrics"
    )]
    postgres_url: String,
}

struct Figures {
    throughput: f64,
    p50: Duration,
    p99: Duration,
}

fn main() {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let version = Version::parse("2018.2.2").unwrap();
    // One body per request, each of its own installation.
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..args.requests)
            .map(|_| {
                client::payload::<schema::UpdateCheck>(
                    &version,
                    uuid::Uuid::new_v4().into(),
                    Consent::UpdatesAndUsage,
                    schema::sample_statistics,
                )
                .unwrap()
            })
            .collect(),
    );

    let dir = tempfile::tempdir().expect("a temporary directory");
    let sqlite_url = format!("sqlite://{}", dir.path().join("load.db").display());
    let pg_db = format!("metrics_load_{}", uuid::Uuid::new_v4().simple());
    let pg_url = (args.postgres_url != "none").then(|| {
        rt.block_on(async {
            let admin = sqlx::PgPool::connect(&args.postgres_url)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL at {}: {e} (run .ci/services, or --postgres-url none)",
                        args.postgres_url
                    )
                });
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {pg_db}")))
                .execute(&admin)
                .await
                .expect("CREATE DATABASE");
            admin.close().await;
        });
        let (server, _) = args.postgres_url.rsplit_once('/').expect("a database URL");
        format!("{server}/{pg_db}")
    });

    println!(
        "{} clients, {} requests per mode, body {} bytes, payload update-check 2018.2.2\n",
        args.clients,
        args.requests,
        bodies[0].len()
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>14}",
        "mode", "req/s", "p50 ms", "p99 ms", "throughput ×"
    );
    let limited = collector::RateLimits::default();
    let unlimited = collector::RateLimits::none();
    let mut modes: Vec<(&str, Option<String>, collector::RateLimits)> = vec![
        ("2xx, no decoding, no storage", None, unlimited),
        (
            "decode, no storage",
            Some("decode-only".to_owned()),
            unlimited,
        ),
        (
            "decode + SQLite (WAL, sync=FULL)",
            Some(sqlite_url.clone()),
            unlimited,
        ),
        (
            "decode + SQLite, default limits",
            Some(format!("{sqlite_url}-limited")),
            limited,
        ),
    ];
    if let Some(url) = &pg_url {
        modes.push(("decode + PostgreSQL", Some(url.clone()), unlimited));
        modes.push((
            "decode + PostgreSQL, default limits",
            Some(url.clone()),
            limited,
        ));
    }
    let mut baseline = None;
    for (name, url, limits) in modes {
        let (app, store) = match url.as_deref() {
            None => (Collector::new(schema::models(), None), None),
            Some("decode-only") => (Collector::decode_only(schema::models()), None),
            Some(u) => {
                let store = rt
                    .block_on(Store::connect(u, &schema::models()))
                    .expect("the database");
                (
                    Collector::new(schema::models(), Some(store.clone())),
                    Some(store),
                )
            }
        };
        let app = app
            .rate_limits(limits)
            .trusted_proxies(collector::TrustedProxies::new(vec![
                "127.0.0.1/32".parse().unwrap(),
            ]))
            .router();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = rt.spawn(collector::serve(listener, app, async {
            let _ = stopped.await;
        }));
        if baseline.is_none() {
            // A warm-up round (threads, connections, allocator), not measured: the
            // baseline is the mode every other is compared with.
            drive(
                &format!("http://{addr}"),
                &bodies,
                args.clients,
                args.requests / 2,
            );
        }
        let stored_before = store
            .as_ref()
            .map_or(0, |s| rt.block_on(s.document_ids()).unwrap().len());
        let f = drive(
            &format!("http://{addr}"),
            &bodies,
            args.clients,
            args.requests,
        );
        let _ = stop.send(());
        let _ = rt.block_on(server);
        if let Some(store) = &store {
            let stored = rt.block_on(store.document_ids()).unwrap().len() - stored_before;
            assert_eq!(stored, args.requests, "every request stored once");
            rt.block_on(store.close());
        }
        let base = *baseline.get_or_insert(f.throughput);
        println!(
            "{:<34} {:>10.0} {:>10.2} {:>10.2} {:>14.2}",
            name,
            f.throughput,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.throughput / base
        );
    }

    if pg_url.is_some() {
        rt.block_on(async {
            if let Ok(admin) = sqlx::PgPool::connect(&args.postgres_url).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"
                )))
                .execute(&admin)
                .await;
            }
        });
    }
}

/// `requests` POSTs from `clients` threads, each of its own installation and address;
/// every one must get a 2xx.
fn drive(endpoint: &str, bodies: &Arc<Vec<String>>, clients: usize, requests: usize) -> Figures {
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let n = requests / clients + usize::from(i < requests % clients);
            let (endpoint, bodies) = (endpoint.to_owned(), bodies.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut latencies = Vec::with_capacity(n);
                for j in 0..n {
                    let url = format!(
                        "{endpoint}/submit/update-check/2018.2.2/{}",
                        uuid::Uuid::new_v4()
                    );
                    let k = j * clients + i;
                    let address = format!("10.{}.{}.{}", (k >> 16) & 255, (k >> 8) & 255, k & 255);
                    let t = Instant::now();
                    let response = agent
                        .post(&url)
                        .header("X-Forwarded-For", address)
                        .send(bodies[k % bodies.len()].as_bytes())
                        .expect("a 2xx");
                    assert!(response.status().is_success());
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    all.sort_unstable();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    Figures {
        throughput: all.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}
