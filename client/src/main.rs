//! `update-check`: the reference client. Choose consent, preview the payload, send one check
//! or run the checks every 8 hours, against a collector.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use client::{CheckOutcome, Consent, ConsentRecord, Reporter, SendOutcome, Settings};
use metrics_core::Version;

/// The reference update-check client (its usage statistics are the reference model's sample).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// The collector's base URL.
    #[arg(
        long,
        env = "UPDATE_CHECK_ENDPOINT",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    endpoint: String,
    /// The product version to report as (the payload is the one it sends).
    #[arg(
        long,
        env = "UPDATE_CHECK_PRODUCT_VERSION",
        default_value = "2018.2.2",
        global = true
    )]
    product_version: Version,
    /// Where the consent record and the installation id are kept.
    #[arg(
        long,
        env = "UPDATE_CHECK_DATA_DIR",
        default_value = "update-check-data",
        global = true
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Record the user's choice.
    Consent {
        /// off, updates, or updates-and-usage.
        #[arg(value_enum)]
        choice: Choice,
    },
    /// Print the payload a check would send now, without sending it.
    Preview,
    /// Send one check now (prints the payload instead when UPDATE_CHECK_PREVIEW is set).
    Send,
    /// Check now and then every interval until stopped.
    Run {
        /// Time between checks.
        #[arg(long, default_value = "8h")]
        interval: humantime::Duration,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Choice {
    Off,
    Updates,
    UpdatesAndUsage,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let settings = Settings::new(cli.endpoint, cli.product_version, cli.data_dir);
    match cli.command {
        Command::Consent { choice } => {
            let consent = match choice {
                Choice::Off => Consent::Off,
                Choice::Updates => Consent::Updates,
                Choice::UpdatesAndUsage => Consent::UpdatesAndUsage,
            };
            let record = ConsentRecord {
                consent,
                consent_version: settings.consent_version,
            };
            if let Err(e) = record.save(&settings.consent_path()) {
                eprintln!(
                    "update-check: cannot save {}: {e}",
                    settings.consent_path().display()
                );
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Command::Preview => match Reporter::new(settings, schema::sample_statistics).preview() {
            Ok(Some(body)) => {
                println!("{body}");
                ExitCode::SUCCESS
            }
            Ok(None) => {
                eprintln!(
                    "update-check: consent is off (or DO_NOT_TRACK is set): nothing would be sent; run `update-check consent updates-and-usage`"
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("update-check: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Send => report(Reporter::new(settings, schema::sample_statistics).check_once()),
        Command::Run { interval } => {
            let mut settings = settings;
            settings.interval = interval.into();
            settings.jitter = settings.interval / 16;
            let _handle = Reporter::new(settings, schema::sample_statistics).spawn();
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
    }
}

fn report(outcome: CheckOutcome) -> ExitCode {
    match outcome {
        CheckOutcome::Off { ask } => {
            eprintln!(
                "update-check: consent is off{}: nothing sent",
                if ask {
                    " (the user has not chosen yet)"
                } else {
                    ""
                }
            );
            ExitCode::SUCCESS
        }
        CheckOutcome::Previewed(_) => ExitCode::SUCCESS,
        CheckOutcome::Sent(SendOutcome::Accepted { status, attempts }) => {
            eprintln!("update-check: sent (HTTP {status}, {attempts} attempt(s))");
            ExitCode::SUCCESS
        }
        CheckOutcome::Sent(other) => {
            eprintln!("update-check: not sent: {other:?}");
            ExitCode::FAILURE
        }
        CheckOutcome::NoId(e) => {
            eprintln!("update-check: {e}");
            ExitCode::FAILURE
        }
    }
}
