//! The public HTTP side: `POST /submit/{payload}/{claimed_version}/{document_id}` and
//! `GET /health`, and serving with a connection cap and a graceful shutdown. A submission
//! is refused as early as it can be: by its path before the body is read, by its source
//! address's rate limit before the body is read, by a body too slow or too large while it
//! is read, by its installation's rate limit before it is stored.

use std::collections::HashMap;
use std::future::Future;
use std::io::Read as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use metrics_core::{Limits, Model, Version, Violation};
use serde_json::json;
use uuid::Uuid;

use crate::guard::{Limiters, RateLimits, TrustedProxies, bounded};
use crate::storage::{Outcome, Rejection, Store, StoreError, Submission};

/// A health probe's answer, and when it was taken.
type Probed = (Instant, Result<(), String>);

/// The collector: the models it accepts, where it stores them, and its limits.
#[derive(Clone, Debug)]
pub struct Collector {
    models: HashMap<&'static str, Model>,
    store: Option<Store>,
    decode_without_store: bool,
    limits: Limits,
    body_timeout: Duration,
    min_body_rate: u32,
    max_violations: usize,
    limiters: Arc<Limiters>,
    trusted: TrustedProxies,
    checks: Arc<AtomicU64>,
    /// The top-level key of each payload's installation id, if it has one.
    installations: HashMap<&'static str, String>,
    /// The last health probe and when it ran: one probe at a time, its answer kept 1 s.
    health: Arc<tokio::sync::Mutex<Option<Probed>>>,
}

impl Collector {
    /// Accepts `models` and stores them in `store`. Without a store (`None`) it answers 2xx
    /// without decoding or storing: the baseline of the load benchmark.
    pub fn new(models: Vec<Model>, store: Option<Store>) -> Self {
        Collector {
            installations: models
                .iter()
                .filter_map(|m| {
                    let table = crate::storage::layout::Table::of(*m);
                    Some((m.name(), table.installation?))
                })
                .collect(),
            health: Arc::new(tokio::sync::Mutex::new(None)),
            models: models.into_iter().map(|m| (m.name(), m)).collect(),
            store,
            decode_without_store: false,
            limits: Limits::default(),
            body_timeout: Duration::from_secs(30),
            min_body_rate: 1024,
            max_violations: 100,
            limiters: Arc::new(Limiters::new(RateLimits::default())),
            trusted: TrustedProxies::default(),
            checks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The rate limits per source address and per installation (default:
    /// [`RateLimits::default`]).
    pub fn rate_limits(mut self, limits: RateLimits) -> Self {
        self.limiters = Arc::new(Limiters::new(limits));
        self
    }

    /// The proxies whose `X-Forwarded-For` gives the client's address (default: none; the
    /// header is then never believed).
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted = proxies;
        self
    }

    /// The slowest a body may arrive, in bytes per second on average after a 2 s grace
    /// (default 1024): a client that dribbles its body is answered 408 long before the body
    /// timeout, and cannot extend it by sending one byte at a time.
    pub fn min_body_rate(mut self, bytes_per_second: u32) -> Self {
        self.min_body_rate = bytes_per_second.max(1);
        self
    }

    /// The most violations answered and kept for one rejected body (default 100; the total
    /// is counted apart).
    pub fn max_violations(mut self, max: usize) -> Self {
        self.max_violations = max.max(1);
        self
    }

    /// Decodes and answers (2xx or 400) without storing: for the load benchmark, which shows
    /// the cost of validation apart from storage.
    pub fn decode_only(models: Vec<Model>) -> Self {
        Collector {
            decode_without_store: true,
            ..Collector::new(models, None)
        }
    }

    /// The decoder's limits; `max_bytes` caps the body before and after decompression.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// How long a client may take to send its body (408 after that).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The routes.
    pub fn router(self) -> Router {
        Router::new()
            .route(
                "/submit/{payload}/{claimed_version}/{document_id}",
                post(submit),
            )
            .route("/health", get(health))
            .with_state(Arc::new(self))
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight before returning; with [`ServeOptions::default`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, ServeOptions::default()).await
}

/// How long a client may take to send its request line and headers (the body has its own
/// deadline, [`Collector::body_timeout`] and [`Collector::min_body_rate`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How connections are served.
#[derive(Clone, Copy, Debug)]
pub struct ServeOptions {
    /// A client that takes longer to send its request line and headers is disconnected.
    pub header_timeout: Duration,
    /// The most connections open at once; more wait in the listen backlog until one closes
    /// (so that the process never runs out of file descriptors).
    pub max_connections: usize,
}

/// File descriptors kept for everything but client connections: the database, log files,
/// the admin listener.
const DESCRIPTOR_MARGIN: u64 = 64;

impl Default for ServeOptions {
    /// A 10 s header timeout; connections up to the process's file descriptor limit less
    /// 64 (at least 16).
    fn default() -> Self {
        ServeOptions {
            header_timeout: HEADER_READ_TIMEOUT,
            max_connections: default_max_connections(),
        }
    }
}

/// The soft limit on open files, less a margin for everything else.
pub fn default_max_connections() -> usize {
    let soft = rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft);
    soft.saturating_sub(DESCRIPTOR_MARGIN).clamp(16, 1 << 20) as usize
}

/// [`serve`] with `options`: a client that dribbles its headers is disconnected after the
/// header timeout, and at most `max_connections` are open at once. Each request carries
/// its peer's address (`ConnectInfo<SocketAddr>`). On `shutdown`, stops accepting and
/// waits for the requests in flight (up to 30 s).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: ServeOptions,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // At the cap, stop accepting until a connection closes.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin or exit.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(
                    router.clone().layer(Extension(ConnectInfo(peer))),
                );
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(TokioTimer::new())
                    .header_read_timeout(options.header_timeout);
                let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    drop(slot);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    if tokio::time::timeout(Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after 30 s: closing them");
    }
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn submit(
    State(app): State<Arc<Collector>>,
    Path((payload, claimed, document_id)): Path<(String, String, String)>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |Extension(ConnectInfo(a))| {
        a.ip()
    });
    let client = app.trusted.client(peer, &headers);
    let response = handle(
        &app,
        client,
        &payload,
        &claimed,
        &document_id,
        &headers,
        body,
    )
    .await;
    tracing::info!(
        payload,
        version = claimed,
        document_id,
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "submit"
    );
    response
}

async fn handle(
    app: &Collector,
    client: IpAddr,
    payload: &str,
    claimed: &str,
    document_id: &str,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    // Everything the path says is checked before a byte of the body is read.
    let Some(model) = app.models.get(payload) else {
        let mut known: Vec<_> = app.models.keys().copied().collect();
        known.sort_unstable();
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "unknown payload `{payload}`; this collector accepts: {}",
                known.join(", ")
            ),
        );
    };
    let version = match Version::parse(claimed) {
        Ok(v) => v,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("`{claimed}` is not a version: {e}"),
            );
        }
    };
    // Stored as 64-bit signed numbers, so that versions sort as versions.
    if [version.major(), version.minor(), version.patch()]
        .iter()
        .any(|&n| i64::try_from(n).is_err())
    {
        return error(
            StatusCode::BAD_REQUEST,
            format!(
                "`{claimed}` is not a version this collector stores: its numbers must be at most {}",
                i64::MAX
            ),
        );
    }
    let Ok(document_id) = Uuid::parse_str(document_id) else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`{document_id}` is not a document id: send a UUID"),
        );
    };
    // A source address over its limit is refused before its body is read.
    if app.store.is_some() || app.decode_without_store {
        forget_idle_now_and_then(app);
        if let Err(wait) = app.limiters.check_address(client) {
            return too_many(wait, "this address sends too many submissions");
        }
    }
    let gzip = match headers.get(header::CONTENT_ENCODING).map(|v| v.to_str()) {
        None => false,
        Some(Ok(e)) if e.eq_ignore_ascii_case("gzip") => true,
        Some(Ok(e)) if e.eq_ignore_ascii_case("identity") => false,
        Some(_) => {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported Content-Encoding: send gzip or identity",
            );
        }
    };
    let max = app.limits.max_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return too_large(max);
    }

    // The body's deadline: the body timeout, or sooner for a small body, so that
    // dribbling it one byte at a time cannot hold the connection.
    let expected = declared.unwrap_or(max as u64);
    let deadline = (BODY_GRACE
        + Duration::from_secs_f64(expected as f64 / f64::from(app.min_body_rate)))
    .min(app.body_timeout);
    let raw = match read_body(body, max, deadline).await {
        Ok(raw) => raw,
        Err(BodyError::TooLarge) => return too_large(max),
        Err(BodyError::Timeout) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the body took longer than {deadline:?} (at least {} bytes per second)",
                    app.min_body_rate
                ),
            );
        }
        Err(BodyError::Broken(e)) => {
            return error(StatusCode::BAD_REQUEST, format!("the body broke off: {e}"));
        }
    };
    let bytes = if gzip {
        match gunzip(&raw, max) {
            Ok(bytes) => bytes,
            Err(GunzipError::TooLarge) => return too_large(max),
            Err(GunzipError::Corrupt(e)) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format!("the gzip body is corrupt: {e}"),
                );
            }
        }
    } else {
        raw
    };

    if app.store.is_none() && !app.decode_without_store {
        // The benchmark baseline: a 2xx without decoding or storing.
        return StatusCode::NO_CONTENT.into_response();
    }
    let received_at = std::time::SystemTime::now();
    let decoded = model
        .decode(&version, &bytes, &app.limits)
        .map_err(|violations| violations.into_vec())
        .and_then(
            |value| match own_version_disagrees(model, &value, &version) {
                Some(violation) => Err(vec![violation]),
                None => Ok(value),
            },
        );
    let Some(store) = &app.store else {
        return match decoded {
            Ok(_) => StatusCode::NO_CONTENT.into_response(),
            Err(violations) => (StatusCode::BAD_REQUEST, axum::Json(violations)).into_response(),
        };
    };

    match decoded {
        Ok(value) => {
            // An installation over its limit: refused before anything is written.
            let installation = app
                .installations
                .get(payload)
                .and_then(|key| value.get(key)?.as_str())
                .and_then(|id| Uuid::parse_str(id).ok());
            if let Some(id) = installation
                && let Err(wait) = app.limiters.check_installation(id)
            {
                return too_many(wait, "this installation sends too many submissions");
            }
            let submission = Submission {
                document_id,
                payload: payload.to_owned(),
                version_sent: claimed.to_owned(),
                version,
                received_at,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                value,
            };
            match store.accept(submission).await {
                Ok(Outcome::Stored) => (
                    StatusCode::CREATED,
                    axum::Json(
                        json!({ "documentId": document_id.to_string(), "status": "stored" }),
                    ),
                )
                    .into_response(),
                Ok(Outcome::Duplicate { resends }) => (
                    StatusCode::OK,
                    axum::Json(json!({
                        "documentId": document_id.to_string(),
                        "status": "duplicate",
                        "resends": resends,
                    })),
                )
                    .into_response(),
                Err(e) => storage_down(&e),
            }
        }
        Err(violations) => {
            let total = violations.len();
            let violations = bounded(violations, app.max_violations, bytes.len());
            let errors = serde_json::to_string(&violations).expect("violations serialize");
            let rejection = Rejection {
                payload: payload.to_owned(),
                claimed_version: claimed.to_owned(),
                document_id,
                received_at,
                body: bytes,
                violations,
                total,
            };
            if let Err(e) = store.reject(rejection).await {
                return storage_down(&e);
            }
            (
                StatusCode::BAD_REQUEST,
                [
                    (header::CONTENT_TYPE, "application/json".to_owned()),
                    (HeaderName::from_static(VIOLATIONS_TOTAL), total.to_string()),
                ],
                errors,
            )
                .into_response()
        }
    }
}

/// For a payload that names its own version: a violation when that version is not the
/// path's (build metadata aside), since the path's version chose the schema.
fn own_version_disagrees(
    model: &Model,
    value: &serde_json::Value,
    path: &Version,
) -> Option<Violation> {
    let key = model.version_key()?;
    let own = value.get(key)?.as_str()?;
    let own = Version::parse(own).ok()?;
    let same = own.as_semver().cmp_precedence(path.as_semver()) == std::cmp::Ordering::Equal;
    (!same).then(|| Violation {
        pointer: format!("/{key}"),
        rule: "version",
        message: format!(
            "the payload says it was sent by {own}, but it was posted as {path}: post it under /submit/{}/{own}/..., since the version decides the schema it is checked against",
            model.name()
        ),
    })
}

/// The header that says how many violations a rejected body had, when the response lists
/// fewer.
pub const VIOLATIONS_TOTAL: &str = "violations-total";

/// How long any body may take before the minimum rate applies.
const BODY_GRACE: Duration = Duration::from_secs(2);

/// Now and then (every 10,000 submissions), the rate limiters forget the keys that have
/// been idle long enough to be full again.
fn forget_idle_now_and_then(app: &Collector) {
    if app.checks.fetch_add(1, Ordering::Relaxed) % 10_000 == 9_999 {
        app.limiters.forget_idle();
    }
}

/// 429 with how long to wait (whole seconds, at least one).
fn too_many(wait: Duration, why: &str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = error(
        StatusCode::TOO_MANY_REQUESTS,
        format!("{why}; try again in {} s", seconds.max(1)),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

fn too_large(max: usize) -> Response {
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the body is larger than {max} bytes (before or after decompression)"),
    )
}

fn storage_down(e: &StoreError) -> Response {
    tracing::error!(error = %e, "the database failed; answering 503 so that the client retries");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database is unavailable; try again later",
    )
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken(axum::Error),
}

/// The whole body, at most `max` bytes, within `deadline`.
async fn read_body(mut body: Body, max: usize, deadline: Duration) -> Result<Vec<u8>, BodyError> {
    let read = async {
        let mut buf = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(BodyError::Broken)?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > max {
                    return Err(BodyError::TooLarge);
                }
                buf.extend_from_slice(&data);
            }
        }
        Ok(buf)
    };
    tokio::time::timeout(deadline, read)
        .await
        .map_err(|_| BodyError::Timeout)?
}

enum GunzipError {
    TooLarge,
    Corrupt(std::io::Error),
}

/// Decompresses every member of a gzip body, at most `max` bytes in all: a gzip bomb
/// stops at `max + 1`, and bytes after the last member that are not a member are an error.
fn gunzip(raw: &[u8], max: usize) -> Result<Vec<u8>, GunzipError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(GunzipError::Corrupt)?;
    if out.len() > max {
        return Err(GunzipError::TooLarge);
    }
    Ok(out)
}

/// Healthy means a write could be committed now: a write transaction begins and is rolled
/// back through the writers, within 5 s.
async fn health(State(app): State<Arc<Collector>>) -> Response {
    let Some(store) = &app.store else {
        return axum::Json(json!({ "status": "ok", "database": "none" })).into_response();
    };
    // One probe at a time, its answer kept for a second: a flood of GET /health costs
    // the writers one probe a second.
    let mut last = app.health.lock().await;
    let fresh = last
        .as_ref()
        .filter(|(at, _)| at.elapsed() < Duration::from_secs(1))
        .map(|(_, result)| result.clone());
    let result = match fresh {
        Some(result) => result,
        None => {
            let result = match tokio::time::timeout(Duration::from_secs(5), store.health()).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(format!("the database cannot take a write: {e}")),
                Err(_) => Err("the database did not take a write within 5 s".to_owned()),
            };
            *last = Some((Instant::now(), result.clone()));
            result
        }
    };
    drop(last);
    match result {
        Ok(()) => axum::Json(json!({ "status": "ok", "database": store.kind() })).into_response(),
        Err(message) => error(StatusCode::SERVICE_UNAVAILABLE, message),
    }
}
