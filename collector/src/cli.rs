//! The collector's command line, for any product's payloads: `serve`, `report`, `ddl` and
//! `fleet`. A vendor's `main.rs` names its payload types and where its DDL files live:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     collector::cli::run(
//!         schema::models(),
//!         concat!(env!("CARGO_MANIFEST_DIR"), "/../schema/generated/storage"),
//!     )
//! }
//! ```

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use clap::{Parser, Subcommand, ValueEnum};
use metrics_core::{Limits, Model};

use crate::report::{Options, Window, render_text};
use crate::storage::layout::{Dialect, Table, ddl};
use crate::{Collector, Store, shutdown_signal};

/// Receives payloads, validates each at its claimed version, stores it; reports per
/// installation.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve `POST /submit/{payload}/{version}/{document_id}` and `GET /health` publicly,
    /// and the report page on the admin listener.
    Serve(Serve),
    /// Installations per version, the weekly trend, each metric's distribution across
    /// installations and the rejections, for a window (default: the last 7 days).
    Report(Report),
    /// Write (or `--check`) the DDL of the storage, one file per database.
    Ddl(Ddl),
    /// Fill a database with a generated fleet (for trying the report, and measuring it).
    Fleet(Fleet),
}

#[derive(Parser, Debug)]
struct Serve {
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, env = "COLLECTOR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The database: `sqlite://PATH` (created on first start) or
    /// `postgres://USER:PASSWORD@HOST/DB`.
    #[arg(
        long,
        env = "COLLECTOR_DATABASE_URL",
        default_value = "sqlite://metrics.db"
    )]
    database_url: String,
    /// The largest body, in bytes, before and after gzip decompression (413 above).
    #[arg(long, env = "COLLECTOR_MAX_BODY_BYTES", default_value_t = Limits::default().max_bytes)]
    max_body_bytes: usize,
    /// How long a client may take to send its body, e.g. `30s` (408 after that).
    #[arg(long, env = "COLLECTOR_BODY_TIMEOUT", default_value = "30s")]
    body_timeout: humantime::Duration,
    /// Log format.
    #[arg(long, env = "COLLECTOR_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Answer 2xx without decoding or storing (the load benchmark's baseline).
    #[arg(long, env = "COLLECTOR_NOOP")]
    noop: bool,
    /// Where the admin side (the report page, `/report.json`) listens: only operators reach
    /// it. Anywhere but loopback, it needs --admin-token.
    #[arg(long, env = "COLLECTOR_ADMIN_LISTEN", default_value = "127.0.0.1:9090")]
    admin_listen: SocketAddr,
    /// The token every admin request must carry (HTTP Basic password, or `Authorization:
    /// Bearer`); required when --admin-listen is not loopback.
    #[arg(long, env = "COLLECTOR_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Groups of fewer installations than this show no figures on the admin side.
    #[arg(long, env = "COLLECTOR_MIN_GROUP_SIZE", default_value_t = crate::admin::DEFAULT_MIN_GROUP)]
    min_group_size: u64,
    /// Submissions per minute from one source address (0: no limit); over it, 429 with
    /// Retry-After, before the body is read.
    #[arg(long, env = "COLLECTOR_RATE_PER_ADDRESS", default_value_t = 120)]
    rate_per_address: u32,
    /// The burst allowed per source address.
    #[arg(long, env = "COLLECTOR_BURST_PER_ADDRESS", default_value_t = 60)]
    burst_per_address: u32,
    /// Submissions per hour of one installation id (0: no limit); over it, 429 with
    /// Retry-After, before anything is stored.
    #[arg(long, env = "COLLECTOR_RATE_PER_INSTALLATION", default_value_t = 12)]
    rate_per_installation: u32,
    /// The burst allowed per installation.
    #[arg(long, env = "COLLECTOR_BURST_PER_INSTALLATION", default_value_t = 6)]
    burst_per_installation: u32,
    /// A load balancer (address or network, `10.0.0.0/8`) whose X-Forwarded-For gives the
    /// client's address; repeatable, comma-separated in the variable. Without one, the
    /// header is never believed.
    #[arg(long, env = "COLLECTOR_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// The most connections open at once (default: the open-file limit less 64).
    #[arg(long, env = "COLLECTOR_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// The slowest a body may arrive, in bytes per second after 2 s (408 below it).
    #[arg(long, env = "COLLECTOR_MIN_BODY_RATE", default_value_t = 1024)]
    min_body_rate: u32,
    /// The most violations answered and kept for one rejected body (the total is counted).
    #[arg(long, env = "COLLECTOR_MAX_VIOLATIONS", default_value_t = 100)]
    max_violations: usize,
    /// The most rejected submissions kept (the oldest are dropped, and counted).
    #[arg(long, env = "COLLECTOR_REJECTED_MAX_ROWS", default_value_t = 10_000)]
    rejected_max_rows: u64,
    /// How long rejected submissions are kept, e.g. `14days`.
    #[arg(long, env = "COLLECTOR_REJECTED_MAX_AGE", default_value = "14days")]
    rejected_max_age: humantime::Duration,
}

#[derive(Parser, Debug)]
struct Report {
    /// The database to read (never created): `sqlite://PATH` or `postgres://...`.
    #[arg(
        long,
        env = "COLLECTOR_DATABASE_URL",
        default_value = "sqlite://metrics.db"
    )]
    database_url: String,
    /// The window's start, a UTC date (`2026-11-01`) or RFC 3339 time.
    #[arg(long, value_parser = parse_time, requires = "until", conflicts_with = "weeks")]
    since: Option<SystemTime>,
    /// The window's end (excluded), a UTC date or RFC 3339 time.
    #[arg(long, value_parser = parse_time, requires = "since")]
    until: Option<SystemTime>,
    /// The window: the last N weeks (default: the last 7 days).
    #[arg(long)]
    weeks: Option<u32>,
    /// How many calendar weeks the weekly trend covers.
    #[arg(long, default_value_t = 8)]
    trend_weeks: u32,
    /// Only this payload (repeatable; default: every payload).
    #[arg(long)]
    payload: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Parser, Debug)]
struct Ddl {
    /// Where the files are (default: next to the model's JSON schemas).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Fail when a file differs from what the declarations give, instead of writing it.
    #[arg(long)]
    check: bool,
}

#[derive(Parser, Debug)]
struct Fleet {
    /// The database to fill (created if missing, as by `serve`).
    #[arg(long, env = "COLLECTOR_DATABASE_URL")]
    database_url: String,
    /// How many installations.
    #[arg(long, default_value_t = 10_000)]
    installations: u32,
    /// Over how many weeks, ending now.
    #[arg(long, default_value_t = 8)]
    weeks: u32,
    /// Update checks per installation per day.
    #[arg(long, default_value_t = 3)]
    checks_per_day: u32,
    /// The seed of the generator (the same seed gives the same fleet).
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

/// A UTC date (`2026-11-01`) or an RFC 3339 time.
fn parse_time(text: &str) -> Result<SystemTime, String> {
    let full = if text.len() == 10 {
        format!("{text}T00:00:00Z")
    } else {
        text.to_owned()
    };
    humantime::parse_rfc3339_weak(&full)
        .map_err(|e| format!("`{text}` is not a date (2026-11-01) or RFC 3339 time: {e}"))
}

/// Runs the command line of the process on `models`; `ddl_dir` is where `ddl` writes and
/// checks the DDL files unless `--dir` says otherwise.
pub fn run(models: Vec<Model>, ddl_dir: impl AsRef<Path>) -> ExitCode {
    run_from(std::env::args_os(), models, ddl_dir)
}

/// [`run`] with explicit arguments (the first one is the program name).
pub fn run_from(
    args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>,
    models: Vec<Model>,
    ddl_dir: impl AsRef<Path>,
) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Command::Ddl(args) = &cli.command {
        return finish(ddl_command(args, &models, ddl_dir.as_ref()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    finish(runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => run_serve(args, models).await,
            Command::Report(args) => run_report(args, models).await,
            Command::Fleet(args) => run_fleet(args, models).await,
            Command::Ddl(_) => unreachable!("handled above"),
        }
    }))
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout; a closed pipe (`collector report | head`) ends quietly.
fn print(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the output: {e}")),
    }
}

async fn run_serve(args: Serve, models: Vec<Model>) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match args.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }

    // Refused before anything is opened: an admin side off loopback without a token.
    let admin = crate::admin::AdminConfig {
        token: args.admin_token.clone(),
        min_group: args.min_group_size,
    };
    admin.check(args.admin_listen)?;
    let store = if args.noop {
        None
    } else {
        let options = crate::StoreOptions {
            rejected_rows: args.rejected_max_rows,
            rejected_age: Duration::from(args.rejected_max_age),
        };
        let store = Store::connect_with(&args.database_url, &models, &options)
            .await
            .map_err(|e| format!("cannot open the database `{}`: {e}", args.database_url))?;
        Some(store)
    };
    let limits = Limits {
        max_bytes: args.max_body_bytes,
        ..Limits::default()
    };
    let rates = crate::RateLimits {
        per_address: crate::Rate::per_minute(args.rate_per_address, args.burst_per_address),
        per_installation: crate::Rate::per_hour(
            args.rate_per_installation,
            args.burst_per_installation,
        ),
    };
    let app = Collector::new(models, store.clone())
        .limits(limits)
        .body_timeout(Duration::from(args.body_timeout))
        .min_body_rate(args.min_body_rate)
        .max_violations(args.max_violations)
        .rate_limits(rates)
        .trusted_proxies(crate::TrustedProxies::new(args.trusted_proxy.clone()))
        .router();
    let serve_options = crate::ServeOptions {
        max_connections: args
            .max_connections
            .unwrap_or_else(crate::server::default_max_connections),
        ..crate::ServeOptions::default()
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    // One shutdown signal for both listeners.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let admin_task = match &store {
        Some(store) => {
            let admin_listener = tokio::net::TcpListener::bind(args.admin_listen)
                .await
                .map_err(|e| {
                    format!(
                        "cannot listen on {} (--admin-listen): {e}",
                        args.admin_listen
                    )
                })?;
            let admin_addr = admin_listener.local_addr().map_err(|e| e.to_string())?;
            tracing::info!(%admin_addr, token = admin.token.is_some(), "admin side listening");
            let router = crate::admin::router(store.clone(), admin);
            // A few connections: operators, within the descriptors kept aside.
            let options = crate::ServeOptions {
                max_connections: crate::admin::MAX_CONNECTIONS,
                ..crate::ServeOptions::default()
            };
            let task = tokio::spawn(crate::serve_with(
                admin_listener,
                router,
                until_stopped(stopped.clone()),
                options,
            ));
            Some((admin_addr, task))
        }
        None => None,
    };
    tracing::info!(%addr, database = store.as_ref().map_or("none", Store::kind), "listening");
    // A line on stdout for scripts and tests that start it on port 0, then the admin one;
    // a reader that stopped reading is no reason to stop serving.
    let mut lines = format!("listening on http://{addr}\n");
    if let Some((admin_addr, _)) = &admin_task {
        lines.push_str(&format!("admin on http://{admin_addr}\n"));
    }
    let _ = print(&lines);
    tracing::info!(max_connections = serve_options.max_connections, "serving");
    crate::serve_with(listener, app, until_stopped(stopped), serve_options)
        .await
        .map_err(|e| e.to_string())?;
    if let Some((_, task)) = admin_task {
        let _ = task.await;
    }
    if let Some(store) = store {
        store.close().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn run_report(args: Report, models: Vec<Model>) -> Result<(), String> {
    for name in &args.payload {
        if !models.iter().any(|m| m.name() == name) {
            let names: Vec<&str> = models.iter().map(Model::name).collect();
            return Err(format!(
                "unknown payload `{name}`; the payloads are {}",
                names.join(", ")
            ));
        }
    }
    let window = match (args.since, args.until, args.weeks) {
        (Some(since), Some(until), _) if since < until => Window { since, until },
        (Some(_), Some(_), _) => return Err("--since must be before --until".to_owned()),
        (_, _, Some(0)) => return Err("--weeks must be at least 1".to_owned()),
        (_, _, Some(weeks)) if weeks > 520 => {
            return Err("--weeks is at most 520 (ten years)".to_owned());
        }
        (_, _, Some(weeks)) => Window::days_before(SystemTime::now(), 7 * u64::from(weeks)),
        _ => Window::last_week(),
    };
    let store = Store::open_existing(&args.database_url, &models)
        .await
        .map_err(|e| format!("cannot read the database `{}`: {e}", args.database_url))?;
    let options = Options {
        window,
        trend_weeks: args.trend_weeks.max(1),
        payloads: args.payload,
    };
    let report = store.report(&options).await.map_err(|e| e.to_string())?;
    store.close().await;
    if args.json {
        let mut text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        text.push('\n');
        print(&text)
    } else {
        print(&render_text(&report))
    }
}

/// The DDL files: `sqlite.sql` and `postgres.sql`.
fn ddl_files(models: &[Model]) -> Vec<(&'static str, String)> {
    let tables: Vec<Table> = models.iter().copied().map(Table::of).collect();
    vec![
        ("postgres.sql", ddl(&tables, Dialect::Postgres)),
        ("sqlite.sql", ddl(&tables, Dialect::Sqlite)),
    ]
}

fn ddl_command(args: &Ddl, models: &[Model], default_dir: &Path) -> Result<(), String> {
    let dir = args.dir.as_deref().unwrap_or(default_dir);
    let files = ddl_files(models);
    if args.check {
        let stale: Vec<String> = files
            .iter()
            .filter(|(name, text)| {
                std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str())
            })
            .map(|(name, _)| dir.join(name).display().to_string())
            .collect();
        if !stale.is_empty() {
            return Err(format!(
                "the storage DDL differs from the declarations: {}; run `collector ddl` and commit",
                stale.join(", ")
            ));
        }
        return print(&format!(
            "the storage DDL in {} is up to date\n",
            dir.display()
        ));
    }
    let mut batch = metrics_core::atomic_file::Batch::default();
    for (name, text) in &files {
        batch
            .stage(&dir.join(name), text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", dir.join(name).display()))?;
    }
    batch
        .commit()
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    print(&format!(
        "wrote {} and {}\n",
        dir.join(files[0].0).display(),
        dir.join(files[1].0).display()
    ))
}

async fn run_fleet(args: Fleet, models: Vec<Model>) -> Result<(), String> {
    let store = Store::connect(&args.database_url, &models)
        .await
        .map_err(|e| format!("cannot open the database `{}`: {e}", args.database_url))?;
    let spec = crate::fleet::FleetSpec {
        installations: args.installations,
        weeks: args.weeks,
        checks_per_day: args.checks_per_day,
        seed: args.seed,
        until: SystemTime::now(),
    };
    let started = std::time::Instant::now();
    let summary = crate::fleet::generate(&store, &models, &spec, |done, total| {
        eprint!("\r{done} of {total} submissions");
    })
    .await
    .map_err(|e| e.to_string())?;
    eprintln!();
    store.close().await;
    print(&format!(
        "stored {} submissions of {} installations in {:.1} s\n",
        summary.submissions,
        summary.installations,
        started.elapsed().as_secs_f64()
    ))
}
