//! The update-check client a product embeds: asks for consent first, keeps a random
//! installation id, builds the payload of its version with one pure function, and sends it
//! every 8 hours from a background thread that never blocks or crashes the product.
//!
//! ```no_run
//! use client::{Reporter, Settings};
//! use metrics_core::Version;
//!
//! let settings = Settings::new("https://metrics.example.com", Version::parse("2018.2.2").unwrap(), "/var/lib/product");
//! // Runs until the handle is dropped or stopped; statistics are gathered only when the
//! // user opted in to usage statistics.
//! let handle = Reporter::new(settings, schema::sample_statistics).spawn();
//! # drop(handle);
//! ```

mod consent;
mod id;
mod payload;
mod reporter;
mod send;

pub use consent::{Consent, ConsentRecord, Resolved, do_not_track, resolve};
pub use id::{IdError, installation_id};
pub use payload::payload;
pub use reporter::{CheckOutcome, PREVIEW_ENV, Reporter, ReporterHandle, Settings};
pub use send::{Retry, SendOutcome, send};
