//! The reporter: one check (consent, id, payload, send or preview), and a background thread
//! that runs it every 8 hours with jitter.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use metrics_core::Version;

use crate::consent::{ConsentRecord, do_not_track, resolve};
use crate::payload::Envelope;
use crate::send::{Retry, SendOutcome, send};

/// When set (to anything but `0` or empty), a check prints its payload on stdout instead of
/// sending it.
pub const PREVIEW_ENV: &str = "UPDATE_CHECK_PREVIEW";

/// Where and how often to report.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The collector's base URL, `http://` or `https://`.
    pub endpoint: String,
    /// The product's version: the payload is the one this version sends.
    pub product_version: Version,
    /// Where `consent.json` and `installation-id` are kept.
    pub data_dir: PathBuf,
    /// The product's current consent version; a stored answer to an older one is asked again.
    pub consent_version: u32,
    /// The time between checks (8 hours).
    pub interval: Duration,
    /// Each wait is the interval plus or minus up to this much.
    pub jitter: Duration,
    /// Timeout and retries of one send.
    pub retry: Retry,
    /// Print the payload instead of sending it (default: from [`PREVIEW_ENV`]).
    pub preview: bool,
}

impl Settings {
    /// The defaults: every 8 hours, plus or minus 30 minutes; consent version 1; preview
    /// when [`PREVIEW_ENV`] is set.
    pub fn new(
        endpoint: impl Into<String>,
        product_version: Version,
        data_dir: impl Into<PathBuf>,
    ) -> Self {
        Settings {
            endpoint: endpoint.into(),
            product_version,
            data_dir: data_dir.into(),
            consent_version: 1,
            interval: Duration::from_secs(8 * 3600),
            jitter: Duration::from_secs(30 * 60),
            retry: Retry::default(),
            preview: std::env::var(PREVIEW_ENV).is_ok_and(|v| !v.is_empty() && v != "0"),
        }
    }

    /// The consent record's file.
    pub fn consent_path(&self) -> PathBuf {
        self.data_dir.join("consent.json")
    }

    /// The installation id's file.
    pub fn id_path(&self) -> PathBuf {
        self.data_dir.join("installation-id")
    }
}

/// What one check did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Consent is off: nothing was built or sent. `ask` says the user should be asked.
    Off {
        /// No answer yet, or an answer to an older consent version.
        ask: bool,
    },
    /// Preview: the payload was printed, not sent.
    Previewed(String),
    /// Sent (or tried to).
    Sent(SendOutcome),
    /// No installation id could be kept, so nothing was sent.
    NoId(String),
}

/// The product's update checks, each sending the product's envelope `E`.
pub struct Reporter<E: Envelope> {
    settings: Settings,
    statistics: Box<dyn Fn() -> E::Statistics + Send>,
}

impl<E: Envelope> Reporter<E> {
    /// A reporter that gathers statistics with `statistics`, only when the user opted in.
    pub fn new(
        settings: Settings,
        statistics: impl Fn() -> E::Statistics + Send + 'static,
    ) -> Self {
        Reporter {
            settings,
            statistics: Box::new(statistics),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The payload the next check would send, or `None` when consent is off.
    pub fn preview(&self) -> Result<Option<String>, crate::IdError> {
        let s = &self.settings;
        let resolved = resolve(
            ConsentRecord::load(&s.consent_path()).as_ref(),
            s.consent_version,
            do_not_track(),
        );
        if !resolved.consent.sends() {
            return Ok(None);
        }
        let id = crate::installation_id(&s.id_path())?;
        Ok(crate::payload::<E>(
            &s.product_version,
            id,
            resolved.consent,
            &self.statistics,
        ))
    }

    /// One check now, on this thread: nothing touches the network when consent is off.
    pub fn check_once(&self) -> CheckOutcome {
        let s = &self.settings;
        let resolved = resolve(
            ConsentRecord::load(&s.consent_path()).as_ref(),
            s.consent_version,
            do_not_track(),
        );
        if !resolved.consent.sends() {
            return CheckOutcome::Off { ask: resolved.ask };
        }
        let id = match crate::installation_id(&s.id_path()) {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(error = %e, "update check skipped");
                return CheckOutcome::NoId(e.to_string());
            }
        };
        let body = crate::payload::<E>(&s.product_version, id, resolved.consent, &self.statistics)
            .expect("consent is on");
        if s.preview {
            println!("{body}");
            return CheckOutcome::Previewed(body);
        }
        CheckOutcome::Sent(send(
            &s.endpoint,
            E::NAME,
            &s.product_version,
            uuid::Uuid::new_v4(),
            &body,
            &s.retry,
        ))
    }

    /// Runs a check now and then every interval (with jitter) on a background thread, until
    /// the handle is stopped or dropped. A panic in a check is logged, not propagated.
    pub fn spawn(self) -> ReporterHandle {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("update-check".into())
            .spawn(move || {
                loop {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        self.check_once()
                    }));
                    match outcome {
                        Ok(outcome) => tracing::debug!(?outcome, "update check"),
                        Err(_) => tracing::error!("the update check panicked; trying again later"),
                    }
                    let wait = wait(self.settings.interval, self.settings.jitter);
                    match stopped.recv_timeout(wait) {
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        _ => return,
                    }
                }
            })
            .expect("a thread for update checks");
        ReporterHandle {
            stop,
            thread: Some(thread),
        }
    }
}

/// `interval` plus or minus up to `spread`, uniformly.
fn wait(interval: Duration, spread: Duration) -> Duration {
    let spread_ms = spread.as_millis() as u64;
    interval.saturating_sub(spread) + Duration::from_millis(fastrand::u64(0..=2 * spread_ms))
}

/// The background thread of [`Reporter::spawn`].
pub struct ReporterHandle {
    stop: mpsc::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl ReporterHandle {
    /// Stops the checks and waits for a check in progress to end.
    pub fn stop(mut self) {
        let _ = self.stop.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ReporterHandle {
    fn drop(&mut self) {
        // Does not wait: dropping the handle must not block the product.
        let _ = self.stop.send(());
    }
}
