//! The tooling around `metrics-core` declarations, for a model crate's binary and tests; a
//! product that only sends payloads does not need it.
//!
//! - [`files`]: the generated file set (one JSON Schema per change point, the index with its
//!   release record, the disclosure page), rendered in memory;
//! - [`history`]: the released record on disk, and how the declarations would change it;
//! - [`diff`]: field-by-field differences between two schemas;
//! - [`docs`]: the disclosure page;
//! - [`cli`]: `generate`, `check`, `release`, `diff`, `docs`, the command line a model crate's
//!   `main.rs` runs with [`cli::run`];
//! - `testing` (feature `testing`): `assert_payload_snapshots!`, insta snapshots of a sample
//!   at every version.

pub mod cli;
pub mod diff;
pub mod docs;
pub mod files;
pub mod history;
#[cfg(feature = "testing")]
pub mod testing;
