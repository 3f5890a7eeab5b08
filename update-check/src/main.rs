//! `update-check`: the reference client. Choose consent, preview the payload, send one check
//! or run the checks every 8 hours, against a collector; its usage statistics are the
//! reference model's sample.

use std::process::ExitCode;

use client::Settings;
use metrics_core::Version;

fn main() -> ExitCode {
    let defaults = Settings::new(
        "http://127.0.0.1:8080",
        Version::parse("2018.2.2").expect("a version"),
        "update-check-data",
    );
    client::cli::run::<schema::UpdateCheck>(defaults, schema::sample_statistics)
}
