//! Sending one payload: HTTP(S) POST with a timeout, retried only on timeouts, 408 and 5xx,
//! with exponential backoff and a cap.

use std::time::Duration;

use metrics_core::Version;

/// How to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The wait after the first failed attempt; doubled after each.
    pub initial_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            timeout: Duration::from_secs(10),
            max_attempts: 4,
            initial_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// What became of a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    /// The collector answered 2xx.
    Accepted {
        /// The status.
        status: u16,
        /// Attempts made.
        attempts: u32,
    },
    /// The collector refused it (a 4xx other than 408): logged and dropped, never retried.
    Dropped {
        /// The status.
        status: u16,
    },
    /// Every attempt failed, or the failure is not worth retrying (no collector there).
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        error: String,
    },
}

enum Attempt {
    Done(SendOutcome),
    Retry(String),
}

/// Posts `body` to `{endpoint}/submit/{payload}/{version}/{document_id}`. The same document
/// id is used on every attempt, so a retry of a request the collector did store is counted
/// as a resend, not stored twice.
pub fn send(
    endpoint: &str,
    payload: &str,
    version: &Version,
    document_id: uuid::Uuid,
    body: &str,
    retry: &Retry,
) -> SendOutcome {
    let url = format!(
        "{}/submit/{payload}/{version}/{}",
        endpoint.trim_end_matches('/'),
        document_id.hyphenated()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(retry.timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let mut backoff = retry.initial_backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let error = match attempt(&agent, &url, body, attempts) {
            Attempt::Done(outcome) => return outcome,
            Attempt::Retry(error) => error,
        };
        if attempts >= retry.max_attempts {
            tracing::warn!(%url, attempts, %error, "update check not sent: giving up until the next check");
            return SendOutcome::GaveUp { attempts, error };
        }
        let wait = jitter(backoff);
        tracing::info!(%url, attempts, %error, wait_ms = wait.as_millis() as u64, "update check failed: retrying");
        std::thread::sleep(wait);
        backoff = (backoff * 2).min(retry.max_backoff);
    }
}

fn attempt(agent: &ureq::Agent, url: &str, body: &str, attempts: u32) -> Attempt {
    match agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
    {
        Ok(response) => {
            let status = response.status().as_u16();
            match status {
                200..=299 => Attempt::Done(SendOutcome::Accepted { status, attempts }),
                408 | 500..=599 => Attempt::Retry(format!("HTTP {status}")),
                _ => {
                    tracing::warn!(%url, status, "the collector refused the update check: dropped");
                    Attempt::Done(SendOutcome::Dropped { status })
                }
            }
        }
        Err(ureq::Error::Timeout(t)) => Attempt::Retry(format!("timeout ({t})")),
        Err(ureq::Error::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
            Attempt::Retry(format!("timeout ({e})"))
        }
        Err(e) => {
            tracing::warn!(%url, error = %e, "update check not sent");
            Attempt::Done(SendOutcome::GaveUp {
                attempts,
                error: e.to_string(),
            })
        }
    }
}

/// `d` plus or minus up to a quarter of it, so that clients do not retry in step.
pub(crate) fn jitter(d: Duration) -> Duration {
    let quarter = d / 4;
    let spread = quarter.as_millis() as u64;
    if spread == 0 {
        return d;
    }
    (d - quarter) + Duration::from_millis(fastrand::u64(0..=2 * spread))
}
