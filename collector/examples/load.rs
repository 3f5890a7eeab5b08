//! Load benchmark: N concurrent clients send a bounded number of update checks to a collector
//! on 127.0.0.1, which answers 2xx without decoding or storing (the baseline), or only
//! validates, or validates and stores in SQLite, or in PostgreSQL; storing with the rate
//! limits off and at their defaults. Each request comes from its own installation and, as
//! a load balancer (127.0.0.1, trusted) says in X-Forwarded-For, its own address, so that
//! the limits cost what they cost without refusing anything. The modes take turns, round
//! after round (a 2-core machine's noise hits them all alike); prints per mode the median
//! throughput over the rounds, the p50/p99 latency over all its requests, the median
//! of its per-round ratios to the baseline with their range, and (on Linux) the machine's
//! busy CPU time per request and the share of the cores kept busy, every process counted
//! (the clients, the collector, PostgreSQL). `--only TEXT` runs the baseline and the modes
//! whose name contains TEXT.
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
    /// Requests per mode and round, in all.
    #[arg(long, default_value_t = 4000)]
    requests: usize,
    /// Rounds: each mode runs once per round, in turn.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// The PostgreSQL server (a fresh database is created and dropped); `none` to skip.
    #[arg(
        long,
        env = "METRICS_TEST_POSTGRES_URL",
        default_value = "postgres://metrics:metrics@127.0.0.1:5432/metrics"
    )]
    postgres_url: String,
    /// Run only the modes whose name contains this text (the baseline always runs).
    #[arg(long)]
    only: Option<String>,
}

/// One mode's run: its throughput and each request's latency.
struct Figures {
    throughput: f64,
    latencies: Vec<Duration>,
    /// The machine's busy CPU time over the run (every process: clients, collector,
    /// PostgreSQL), per request, and the share of the cores it kept busy.
    cpu: Option<(Duration, f64)>,
}

/// The machine's busy and total CPU time so far (Linux's `/proc/stat`), in clock ticks.
fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    let total: u64 = ticks.iter().take(8).sum();
    // idle and iowait are not busy.
    let idle = ticks.get(3)? + ticks.get(4)?;
    Some((total - idle, total))
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
        "{} clients, {} requests per mode and round, {} rounds, body {} bytes, payload update-check 2018.2.2\n",
        args.clients,
        args.requests,
        args.rounds,
        bodies[0].len()
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
            "decode, no storage, default limits",
            Some("decode-only".to_owned()),
            limited,
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
    if let Some(only) = &args.only {
        let mut index = 0;
        modes.retain(|(name, _, _)| {
            index += 1;
            index == 1 || name.contains(only.as_str())
        });
    }
    // A warm-up (threads, connections, allocator), not measured.
    run(&rt, &modes[0], &bodies, args.clients, args.requests / 2);
    // Per mode, per round.
    let mut runs: Vec<Vec<Figures>> = modes.iter().map(|_| Vec::new()).collect();
    for _ in 0..args.rounds.max(1) {
        for (mode, figures) in modes.iter().zip(&mut runs) {
            figures.push(run(&rt, mode, &bodies, args.clients, args.requests));
        }
    }

    println!(
        "{:<36} {:>8} {:>8} {:>8} {:>14} {:>12} {:>12} {:>6}",
        "mode", "req/s", "p50 ms", "p99 ms", "throughput ×", "range", "CPU µs/req", "busy"
    );
    for ((name, _, _), figures) in modes.iter().zip(&runs) {
        let ratios: Vec<f64> = figures
            .iter()
            .zip(&runs[0])
            .map(|(f, base)| f.throughput / base.throughput)
            .collect();
        let mut latencies: Vec<Duration> = figures
            .iter()
            .flat_map(|f| f.latencies.iter().copied())
            .collect();
        latencies.sort_unstable();
        let at = |q: f64| {
            latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)]
                .as_secs_f64()
                * 1e3
        };
        let (low, high) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), &r| (l.min(r), h.max(r)));
        let cpu: Vec<(Duration, f64)> = figures.iter().filter_map(|f| f.cpu).collect();
        let (per_request, busy) = if cpu.len() == figures.len() {
            (
                format!(
                    "{:.0}",
                    median(cpu.iter().map(|c| c.0.as_secs_f64() * 1e6).collect())
                ),
                format!("{:.0}%", median(cpu.iter().map(|c| c.1 * 100.0).collect())),
            )
        } else {
            ("n/a".to_owned(), "n/a".to_owned())
        };
        println!(
            "{:<36} {:>8.0} {:>8.2} {:>8.2} {:>14.2} {:>12} {:>12} {:>6}",
            name,
            median(figures.iter().map(|f| f.throughput).collect()),
            at(0.50),
            at(0.99),
            median(ratios),
            format!("{low:.2}–{high:.2}"),
            per_request,
            busy,
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

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One mode's run: a collector on 127.0.0.1 as the mode says, `requests` POSTs to it, and
/// (where it stores) a check that each was stored once.
fn run(
    rt: &tokio::runtime::Runtime,
    (_, url, limits): &(&str, Option<String>, collector::RateLimits),
    bodies: &Arc<Vec<String>>,
    clients: usize,
    requests: usize,
) -> Figures {
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
        .rate_limits(*limits)
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
    let stored_before = store
        .as_ref()
        .map_or(0, |s| rt.block_on(s.document_ids()).unwrap().len());
    let figures = drive(&format!("http://{addr}"), bodies, clients, requests);
    let _ = stop.send(());
    let _ = rt.block_on(server);
    if let Some(store) = &store {
        let stored = rt.block_on(store.document_ids()).unwrap().len() - stored_before;
        assert_eq!(stored, requests, "every request stored once");
        rt.block_on(store.close());
    }
    figures
}

/// `requests` POSTs from `clients` threads, each of its own installation and address;
/// every one must get a 2xx.
fn drive(endpoint: &str, bodies: &Arc<Vec<String>>, clients: usize, requests: usize) -> Figures {
    let started = Instant::now();
    let ticks_before = cpu_ticks();
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
    let latencies: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    let cpu = ticks_before
        .zip(cpu_ticks())
        .map(|((busy0, total0), (busy1, total1))| {
            let busy = busy1.saturating_sub(busy0);
            let share = busy as f64 / (total1.saturating_sub(total0)).max(1) as f64;
            // Ticks are 1/100 s (USER_HZ) on Linux.
            let per_request = Duration::from_secs_f64(busy as f64 / 100.0 / requests as f64);
            (per_request, share)
        });
    Figures {
        throughput: latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies,
        cpu,
    }
}
