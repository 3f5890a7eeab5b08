//! The console vendor's collector: serve, report, ddl, fleet for the heartbeat.

fn main() -> std::process::ExitCode {
    collector::cli::run(
        vec![metrics_core::Model::of::<fleet_console::Heartbeat>()],
        concat!(env!("CARGO_MANIFEST_DIR"), "/storage"),
    )
}
