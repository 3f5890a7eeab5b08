//! The update-check client a product embeds: asks for consent first, keeps a random
//! installation id, builds the payload of its version with one pure function, and sends it
//! every 8 hours from a background thread that never blocks or crashes the product.
//!
//! The product brings its own payload: an envelope struct (`#[derive(Metrics)]`) holding
//! the version, the installation id and optional statistics, which implements
//! [`Envelope`]:
//!
//! ```no_run
//! use client::{Envelope, Reporter, Settings};
//! use metrics_core::{InstallationId, Metrics, Version};
//!
//! /// Sent every 8 hours.
//! #[derive(Metrics)]
//! #[metrics(name = "heartbeat", rename_all = "camelCase")]
//! pub struct Heartbeat {
//!     /// The product version
//!     pub version: Version,
//!     /// A random id made at installation
//!     pub installation_id: InstallationId,
//!     /// The usage statistics, when the user opted in
//!     pub usage: Option<Usage>,
//! }
//!
//! /// Usage statistics.
//! #[derive(Metrics)]
//! pub struct Usage {
//!     /// The number of projects
//!     pub projects: u64,
//! }
//!
//! impl Envelope for Heartbeat {
//!     type Statistics = Usage;
//!     fn new(version: Version, installation_id: InstallationId, usage: Option<Usage>) -> Self {
//!         Heartbeat { version, installation_id, usage }
//!     }
//! }
//!
//! let settings = Settings::new("https://metrics.example.com", Version::parse("1.2.0").unwrap(), "/var/lib/product");
//! // Runs until the handle is dropped or stopped; statistics are gathered only when the
//! // user opted in to usage statistics.
//! let handle = Reporter::<Heartbeat>::new(settings, || Usage { projects: 3 }).spawn();
//! # drop(handle);
//! ```
//!
//! With the `cli` feature, [`cli::run`] is a command line for it (consent, preview, send,
//! run) in one line of a product's `main.rs`.

#[cfg(feature = "cli")]
pub mod cli;
mod consent;
mod id;
mod payload;
mod reporter;
mod send;

pub use consent::{Consent, ConsentRecord, Resolved, do_not_track, resolve};
pub use id::{IdError, installation_id};
pub use payload::{Envelope, payload};
pub use reporter::{CheckOutcome, PREVIEW_ENV, Reporter, ReporterHandle, Settings};
pub use send::{Retry, SendOutcome, send, send_with};
