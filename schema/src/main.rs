//! The reference model's command line: `generate` and `check` its schema files.

use std::process::ExitCode;

fn main() -> ExitCode {
    metrics_core::cli::run(
        concat!(env!("CARGO_MANIFEST_DIR"), "/generated"),
        &schema::models(),
    )
}
