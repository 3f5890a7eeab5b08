//! A command line for a product's update checks (feature `cli`): record the user's consent,
//! preview the payload, send one check, or run the checks every interval. A product's
//! `main.rs` names its envelope and how it gathers statistics:
//!
//! ```no_run
//! # use metrics_core::{InstallationId, Metrics, Version};
//! # /// Sent every 8 hours.
//! # #[derive(Metrics)]
//! # pub struct Heartbeat {
//! #     /// The product version
//! #     pub version: Version,
//! #     /// A random id
//! #     pub installation_id: InstallationId,
//! #     /// The usage, when opted in
//! #     pub usage: Option<Usage>,
//! # }
//! # /// Usage statistics.
//! # #[derive(Metrics)]
//! # pub struct Usage {
//! #     /// The number of projects
//! #     pub projects: u64,
//! # }
//! # impl client::Envelope for Heartbeat {
//! #     type Statistics = Usage;
//! #     fn new(version: Version, installation_id: InstallationId, usage: Option<Usage>) -> Self {
//! #         Heartbeat { version, installation_id, usage }
//! #     }
//! # }
//! # fn gather_usage() -> Usage { Usage { projects: 3 } }
//! fn main() -> std::process::ExitCode {
//!     let defaults = client::Settings::new(
//!         "https://metrics.example.com",
//!         Version::parse(env!("CARGO_PKG_VERSION")).unwrap(),
//!         "/var/lib/product",
//!     );
//!     client::cli::run::<Heartbeat>(defaults, gather_usage)
//! }
//! ```
//!
//! `--endpoint`, `--product-version` and `--data-dir` (or `UPDATE_CHECK_ENDPOINT`,
//! `UPDATE_CHECK_PRODUCT_VERSION`, `UPDATE_CHECK_DATA_DIR`) override the defaults given.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum};
use metrics_core::Version;

use crate::{CheckOutcome, Consent, ConsentRecord, Envelope, Reporter, SendOutcome, Settings};

#[derive(Parser, Debug)]
struct Cli {
    /// The collector's base URL.
    #[arg(long, env = "UPDATE_CHECK_ENDPOINT", global = true)]
    endpoint: String,
    /// The product version to report as (the payload is the one it sends).
    #[arg(long, env = "UPDATE_CHECK_PRODUCT_VERSION", global = true)]
    product_version: Version,
    /// Where the consent record and the installation id are kept.
    #[arg(long, env = "UPDATE_CHECK_DATA_DIR", global = true)]
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
        /// Time between checks (default 8h); each wait is the interval plus or minus a
        /// sixteenth of it.
        #[arg(long)]
        interval: Option<humantime::Duration>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Choice {
    Off,
    Updates,
    UpdatesAndUsage,
}

/// Runs the command line with the process's arguments: `consent`, `preview`, `send` or
/// `run` for the envelope `E`, with `defaults` for what the flags do not say (the endpoint,
/// version and data directory are flags; the consent version, interval and retries are
/// taken as given). Logs to stderr (`RUST_LOG` filters; default `info`).
pub fn run<E: Envelope>(
    defaults: Settings,
    statistics: impl Fn() -> E::Statistics + Send + 'static,
) -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let name = std::env::args_os()
        .next()
        .and_then(|arg0| {
            PathBuf::from(arg0)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| E::NAME.to_owned());
    let command = Cli::command()
        .name(name.clone())
        .version(env!("CARGO_PKG_VERSION"))
        .about(format!(
            "Update checks sending `{}`: record the user's consent, preview the payload, send one check, or run them every interval.",
            E::NAME
        ))
        // The product's defaults (a global argument cannot be required).
        .mut_arg("endpoint", |a| {
            a.required(false).default_value(defaults.endpoint.clone())
        })
        .mut_arg("product_version", |a| {
            a.required(false)
                .default_value(defaults.product_version.to_string())
        })
        .mut_arg("data_dir", |a| {
            a.required(false)
                .default_value(defaults.data_dir.display().to_string())
        });
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let settings = Settings {
        endpoint: cli.endpoint,
        product_version: cli.product_version,
        data_dir: cli.data_dir,
        ..defaults
    };
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
                    "{name}: cannot save {}: {e}",
                    settings.consent_path().display()
                );
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Command::Preview => match Reporter::<E>::new(settings, statistics).preview() {
            Ok(Some(body)) => {
                println!("{body}");
                ExitCode::SUCCESS
            }
            Ok(None) => {
                eprintln!(
                    "{name}: consent is off (or DO_NOT_TRACK is set): nothing would be sent; run `{name} consent updates-and-usage`"
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Send => report(&name, Reporter::<E>::new(settings, statistics).check_once()),
        Command::Run { interval } => {
            let mut settings = settings;
            if let Some(interval) = interval {
                settings.interval = interval.into();
                settings.jitter = settings.interval / 16;
            }
            let _handle = Reporter::<E>::new(settings, statistics).spawn();
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
    }
}

fn report(name: &str, outcome: CheckOutcome) -> ExitCode {
    match outcome {
        CheckOutcome::Off { ask } => {
            eprintln!(
                "{name}: consent is off{}: nothing sent",
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
            eprintln!("{name}: sent (HTTP {status}, {attempts} attempt(s))");
            ExitCode::SUCCESS
        }
        CheckOutcome::Sent(SendOutcome::Redirected { status, location }) => {
            eprintln!(
                "{name}: not sent: the endpoint answered HTTP {status}, a redirect to {}; redirects are not followed: point --endpoint at the collector itself",
                location.as_deref().unwrap_or("(no Location)")
            );
            ExitCode::FAILURE
        }
        CheckOutcome::Sent(SendOutcome::Dropped { status }) => {
            eprintln!("{name}: not sent: the collector refused it (HTTP {status})");
            ExitCode::FAILURE
        }
        CheckOutcome::Sent(SendOutcome::GaveUp { attempts, error }) => {
            eprintln!("{name}: not sent after {attempts} attempt(s): {error}");
            ExitCode::FAILURE
        }
        CheckOutcome::NoId(e) => {
            eprintln!("{name}: {e}");
            ExitCode::FAILURE
        }
    }
}
