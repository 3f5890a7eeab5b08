//! The collector: receives payloads over HTTP, checks each body against the schema of
//! exactly the version it claims, stores it in tables compiled from the declarations
//! (SQLite or PostgreSQL), and reports per installation what the data is collected for.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use collector::{Collector, Store, serve, shutdown_signal};
//!
//! let models = schema::models();
//! let store = Store::connect("sqlite://metrics.db", &models).await?;
//! let app = Collector::new(models, Some(store)).router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! serve(listener, app, shutdown_signal()).await?;
//! # Ok(()) }
//! ```

pub mod admin;
pub mod cli;
pub mod fleet;
pub mod guard;
pub mod report;
pub mod server;
pub mod storage;

pub use guard::{Rate, RateLimits, TrustedProxies};
pub use metrics_core::{Limits, Violation, Violations};
pub use server::{
    Collector, HEADER_READ_TIMEOUT, ServeOptions, VIOLATIONS_TOTAL, serve, serve_with,
    shutdown_signal,
};
pub use storage::{
    Outcome, RejectedRow, Rejection, Store, StoreError, StoreOptions, Stored, Submission,
};
