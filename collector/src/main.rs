//! `collector serve`: the collector of the reference model; `collector query`: its per-version,
//! per-day counts and sums.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use collector::{Collector, Limits, Store, serve, shutdown_signal};

/// Receives update checks, validates each at its claimed version, stores it.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve `POST /submit/{payload}/{version}/{document_id}`, `GET /health`, `GET /stats`.
    Serve(Serve),
    /// Print per-version, per-day counts and sums of each metric.
    Query(Query),
}

#[derive(Parser, Debug)]
struct Serve {
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, env = "COLLECTOR_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// `sqlite://PATH` (created on first start) or `postgres://USER:PASSWORD@HOST/DB`.
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
}

#[derive(Parser, Debug)]
struct Query {
    /// The database to read, as for `serve`.
    #[arg(
        long,
        env = "COLLECTOR_DATABASE_URL",
        default_value = "sqlite://metrics.db"
    )]
    database_url: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => run_serve(args).await,
            Command::Query(args) => run_query(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("collector: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run_serve(args: Serve) -> Result<(), Box<dyn std::error::Error>> {
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

    let store = if args.noop {
        None
    } else {
        let store = Store::connect(&args.database_url)
            .await
            .map_err(|e| format!("cannot open the database `{}`: {e}", args.database_url))?;
        Some(store)
    };
    let limits = Limits {
        max_bytes: args.max_body_bytes,
        ..Limits::default()
    };
    let app = Collector::new(schema::models(), store.clone())
        .limits(limits)
        .body_timeout(Duration::from(args.body_timeout))
        .router();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = store.as_ref().map_or("none", Store::kind), "listening");
    // One line on stdout for scripts and tests that start it on port 0.
    println!("listening on http://{addr}");
    serve(listener, app, shutdown_signal()).await?;
    if let Some(store) = store {
        store.close().await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn run_query(args: Query) -> Result<(), Box<dyn std::error::Error>> {
    let store = Store::connect(&args.database_url)
        .await
        .map_err(|e| format!("cannot open the database `{}`: {e}", args.database_url))?;
    let rows = store.daily().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!(
        "{:<14} {:<10} {:<10} {:<52} {:>8} {:>8} {:>16}",
        "payload", "version", "day", "metric", "payloads", "reported", "sum"
    );
    for r in rows {
        let sum = r.sum.map_or_else(|| "NULL".to_owned(), |s| s.to_string());
        println!(
            "{:<14} {:<10} {:<10} {:<52} {:>8} {:>8} {:>16}",
            r.payload, r.version, r.day, r.metric, r.submissions, r.reported, sum
        );
    }
    Ok(())
}
