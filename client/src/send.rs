//! Sending one payload: HTTP(S) POST with a timeout, never following redirects, retried on
//! timeouts, refused or reset connections, 408, 429 and 5xx, with exponential backoff, a
//! cap, jitter and the collector's `Retry-After`.

use std::time::{Duration, SystemTime};

use metrics_core::Version;

/// How to retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry {
    /// How long one attempt may take, connection included.
    pub timeout: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// The backoff after the first failed attempt; doubled after each further one.
    pub initial_backoff: Duration,
    /// The longest wait between attempts: it caps the backoff with its jitter, and a
    /// collector's `Retry-After`.
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

impl Retry {
    /// The backoff after `failed` failed attempts (`1` after the first one), before jitter:
    /// `initial_backoff` doubled `failed - 1` times, at most `max_backoff`.
    ///
    /// ```
    /// use std::time::Duration;
    /// let retry = client::Retry::default(); // 2 s doubling, at most 60 s
    /// let secs: Vec<u64> = (1..=7).map(|n| retry.backoff(n).as_secs()).collect();
    /// assert_eq!(secs, [2, 4, 8, 16, 32, 60, 60]);
    /// ```
    pub fn backoff(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1);
        let factor = 2u32.checked_pow(doublings).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(Duration::MAX)
            .min(self.max_backoff)
    }

    /// The wait before the next attempt after `failed` failed attempts: the
    /// [`backoff`](Retry::backoff) plus or minus a quarter of it, so that clients do not
    /// retry in step (`random`, in `0.0..=1.0`, picks the point: `0.0` is 75 %, `1.0` is
    /// 125 %); at least the collector's `Retry-After` when it sent one; never more than
    /// `max_backoff`. A pure function: `send` passes a random number.
    pub fn wait(&self, failed: u32, retry_after: Option<Duration>, random: f64) -> Duration {
        let backoff = self.backoff(failed);
        let jittered = backoff.mul_f64(0.75 + 0.5 * random.clamp(0.0, 1.0));
        jittered
            .max(retry_after.unwrap_or(Duration::ZERO))
            .min(self.max_backoff)
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
    /// The collector refused it (a 4xx other than 408 and 429): logged and dropped, never
    /// retried.
    Dropped {
        /// The status.
        status: u16,
    },
    /// The endpoint answered with a redirect (3xx). Redirects are never followed (a POST
    /// would lose its body, and the payload would go to a host the user did not agree to);
    /// nothing was delivered, and it is not retried: the endpoint is misconfigured.
    Redirected {
        /// The status.
        status: u16,
        /// The `Location` it pointed to, if any.
        location: Option<String>,
    },
    /// Every attempt failed, or the failure is not worth retrying.
    GaveUp {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        error: String,
    },
}

enum Attempt {
    Done(SendOutcome),
    Retry {
        error: String,
        retry_after: Option<Duration>,
    },
}

/// Posts `body` to `{endpoint}/submit/{payload}/{version}/{document_id}`. The same document
/// id is used on every attempt, so a retry of a request the collector did store is counted
/// as a resend, not stored twice. Waits between attempts on this thread.
pub fn send(
    endpoint: &str,
    payload: &str,
    version: &Version,
    document_id: uuid::Uuid,
    body: &str,
    retry: &Retry,
) -> SendOutcome {
    send_with(
        endpoint,
        payload,
        version,
        document_id,
        body,
        retry,
        &mut std::thread::sleep,
    )
}

/// As [`send`], waiting between attempts with `sleep` (called with each
/// [`Retry::wait`]) instead of sleeping the thread.
pub fn send_with(
    endpoint: &str,
    payload: &str,
    version: &Version,
    document_id: uuid::Uuid,
    body: &str,
    retry: &Retry,
    sleep: &mut dyn FnMut(Duration),
) -> SendOutcome {
    let url = format!(
        "{}/submit/{payload}/{version}/{}",
        endpoint.trim_end_matches('/'),
        document_id.hyphenated()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(retry.timeout))
        .http_status_as_error(false)
        // With 0, ureq returns a 3xx as it is.
        .max_redirects(0)
        .build()
        .into();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (error, retry_after) = match attempt(&agent, &url, body, attempts) {
            Attempt::Done(outcome) => return outcome,
            Attempt::Retry { error, retry_after } => (error, retry_after),
        };
        if attempts >= retry.max_attempts {
            tracing::warn!(%url, attempts, %error, "update check not sent: giving up until the next check");
            return SendOutcome::GaveUp { attempts, error };
        }
        let wait = retry.wait(attempts, retry_after, fastrand::f64());
        tracing::info!(%url, attempts, %error, wait_ms = wait.as_millis() as u64, "update check failed: retrying");
        sleep(wait);
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
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            };
            match status {
                200..=299 => Attempt::Done(SendOutcome::Accepted { status, attempts }),
                300..=399 => {
                    let location = header("Location");
                    tracing::warn!(%url, status, location = location.as_deref().unwrap_or("(none)"), "the endpoint redirects: not followed, update check not sent; fix the endpoint");
                    Attempt::Done(SendOutcome::Redirected { status, location })
                }
                408 | 429 | 500..=599 => Attempt::Retry {
                    error: format!("HTTP {status}"),
                    retry_after: match status {
                        429 | 503 => header("Retry-After")
                            .and_then(|v| parse_retry_after(&v, SystemTime::now())),
                        _ => None,
                    },
                },
                _ => {
                    tracing::warn!(%url, status, "the collector refused the update check: dropped");
                    Attempt::Done(SendOutcome::Dropped { status })
                }
            }
        }
        Err(ureq::Error::Timeout(t)) => Attempt::Retry {
            error: format!("timeout ({t})"),
            retry_after: None,
        },
        Err(ureq::Error::Io(e)) if transient(e.kind()) => Attempt::Retry {
            error: e.to_string(),
            retry_after: None,
        },
        Err(ureq::Error::ConnectionFailed) => Attempt::Retry {
            error: "connection failed".to_owned(),
            retry_after: None,
        },
        Err(e) => {
            tracing::warn!(%url, error = %e, "update check not sent");
            Attempt::Done(SendOutcome::GaveUp {
                attempts,
                error: e.to_string(),
            })
        }
    }
}

/// The I/O failures worth retrying: the collector is restarting or the network dropped the
/// connection (as a timeout is).
fn transient(kind: std::io::ErrorKind) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        kind,
        TimedOut
            | ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | NotConnected
            | BrokenPipe
            | UnexpectedEof
    )
}

/// A `Retry-After` value: delay-seconds, or an HTTP date (a date in the past is no wait).
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits to fit: as long as possible (the cap applies anyway).
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        for bad in ["", "-5", "1.5", "soon", "Wed, 32 Oct 2015 07:28:00 GMT"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }
}
