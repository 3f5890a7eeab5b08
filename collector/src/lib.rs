//! The collector: receives update checks over HTTP, checks each body against the schema of
//! exactly the version it claims, and stores it in SQLite or PostgreSQL.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use collector::{Collector, Store, serve, shutdown_signal};
//!
//! let store = Store::connect("sqlite://metrics.db").await?;
//! let app = Collector::new(schema::models(), Some(store)).router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app, shutdown_signal()).await?;
//! # Ok(()) }
//! ```

mod leaves;
mod server;
mod store;

pub use leaves::{leaf_paths, leaf_values};
pub use metrics_core::{Limits, Violation, Violations};
pub use server::{Collector, HEADER_READ_TIMEOUT, serve, serve_with, shutdown_signal};
pub use store::{Accepted, DailyRow, Outcome, Rejected, RejectedRow, Store};
