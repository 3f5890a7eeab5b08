//! The reference collector: the command line of `collector::cli` for the reference model's
//! payloads, with its storage DDL next to the model's JSON schemas.

use std::process::ExitCode;

fn main() -> ExitCode {
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the collector crate is inside the workspace");
    collector::cli::run(schema::models(), workspace.join("schema/generated/storage"))
}
