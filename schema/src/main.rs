//! The reference model's command line: `generate`, `check`, `release`, `diff` and `docs` of
//! its schema files.

use std::process::ExitCode;

fn main() -> ExitCode {
    metrics_tool::cli::run(
        concat!(env!("CARGO_MANIFEST_DIR"), "/generated"),
        &schema::models(),
    )
}
