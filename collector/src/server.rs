//! The HTTP side: `POST /submit/{payload}/{claimed_version}/{document_id}`, `GET /health`,
//! and serving with a graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::io::Read as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt as _;
use metrics_core::{Limits, Model, Version, Violation};
use serde_json::json;
use uuid::Uuid;

use crate::storage::{Outcome, Rejection, Store, StoreError, Submission};

/// The collector: the models it accepts, where it stores them, and its limits.
#[derive(Clone, Debug)]
pub struct Collector {
    models: HashMap<&'static str, Model>,
    store: Option<Store>,
    decode_without_store: bool,
    limits: Limits,
    body_timeout: Duration,
}

impl Collector {
    /// Accepts `models` and stores them in `store`. Without a store (`None`) it answers 2xx
    /// without decoding or storing: the baseline of the load benchmark.
    pub fn new(models: Vec<Model>, store: Option<Store>) -> Self {
        Collector {
            models: models.into_iter().map(|m| (m.name(), m)).collect(),
            store,
            decode_without_store: false,
            limits: Limits::default(),
            body_timeout: Duration::from_secs(30),
        }
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
/// flight before returning.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, HEADER_READ_TIMEOUT).await
}

/// How long a client may take to send its request line and headers (the body has its own
/// timeout, [`Collector::body_timeout`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// [`serve`] with a given header read timeout: a client that dribbles its headers is
/// disconnected after `header_timeout`, so that slow clients cannot hold connections open.
/// On `shutdown`, stops accepting and waits for the requests in flight (up to 30 s).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    header_timeout: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;
    use hyper_util::service::TowerToHyperService;

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin or exit.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(router.clone());
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
                let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    if let Err(e) = connection.await {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
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
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let response = handle(&app, &payload, &claimed, &document_id, &headers, body).await;
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
    let Ok(document_id) = Uuid::parse_str(document_id) else {
        return error(
            StatusCode::BAD_REQUEST,
            format!("`{document_id}` is not a document id: send a UUID"),
        );
    };
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

    let raw = match read_body(body, max, app.body_timeout).await {
        Ok(raw) => raw,
        Err(BodyError::TooLarge) => return too_large(max),
        Err(BodyError::Timeout) => {
            return error(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body took longer than {:?}", app.body_timeout),
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
            let errors = serde_json::to_string(&violations).expect("violations serialize");
            let rejection = Rejection {
                payload: payload.to_owned(),
                claimed_version: claimed.to_owned(),
                document_id,
                received_at,
                body: bytes,
                violations,
            };
            if let Err(e) = store.reject(rejection).await {
                return storage_down(&e);
            }
            (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "application/json")],
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

/// Decompresses at most `max` bytes: a gzip bomb stops at `max + 1`.
fn gunzip(raw: &[u8], max: usize) -> Result<Vec<u8>, GunzipError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(GunzipError::Corrupt)?;
    if out.len() > max {
        return Err(GunzipError::TooLarge);
    }
    Ok(out)
}

async fn health(State(app): State<Arc<Collector>>) -> Response {
    match &app.store {
        None => axum::Json(json!({ "status": "ok", "database": "none" })).into_response(),
        Some(store) => match store.ping().await {
            Ok(()) => {
                axum::Json(json!({ "status": "ok", "database": store.kind() })).into_response()
            }
            Err(e) => error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the database does not answer: {e}"),
            ),
        },
    }
}
