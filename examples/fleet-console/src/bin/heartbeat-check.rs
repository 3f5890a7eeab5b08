//! The console's heartbeat client: consent, preview, send, run every 8 hours.

fn main() -> std::process::ExitCode {
    let defaults = client::Settings::new(
        "http://127.0.0.1:8080",
        metrics_core::Version::new(1, 2, 0),
        "heartbeat-data",
    );
    client::cli::run::<fleet_console::Heartbeat>(defaults, fleet_console::gather_usage)
}
