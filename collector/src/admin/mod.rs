//! The admin side: what operators read, on a listener of its own (the public one takes
//! submissions and nothing else). `GET /` is the report page, `GET /report.json` the same
//! numbers as JSON, `GET /rejected` a few rejected submissions of a claimed version and
//! rule. Every response is bounded: a window of at most 26 weeks, aggregates only, at most
//! ten examples. Groups of fewer than k installations show no figures. Off loopback, every
//! request needs the admin token (HTTP Basic password, or `Authorization: Bearer`).

mod charts;
mod page;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;

use crate::report::{Options, Window};
use crate::storage::Store;

pub use page::WINDOWS;

/// The most connections the admin listener serves at once: operators are few, and its
/// descriptors come out of the margin the public listener leaves.
pub const MAX_CONNECTIONS: usize = 32;

/// The default of `k`: a group of fewer installations shows no figures.
pub const DEFAULT_MIN_GROUP: u64 = 5;

/// How the admin side is served.
#[derive(Clone, Debug)]
pub struct AdminConfig {
    /// The token every request must carry; `None` only on loopback.
    pub token: Option<String>,
    /// Groups of fewer than this many installations show no figures.
    pub min_group: u64,
}

impl AdminConfig {
    /// Checks that the admin side may listen on `addr`: anywhere but loopback, a token is
    /// required (and an empty one is no token).
    pub fn check(&self, addr: SocketAddr) -> Result<(), String> {
        if self.token.as_deref().is_some_and(str::is_empty) {
            return Err("the admin token is empty: give a long random one".to_owned());
        }
        if !addr.ip().is_loopback() && self.token.is_none() {
            return Err(format!(
                "refusing to serve the admin side on {addr} without a token: it shows what the fleet sends; set --admin-token (or COLLECTOR_ADMIN_TOKEN), or listen on 127.0.0.1"
            ));
        }
        Ok(())
    }
}

struct Admin {
    store: Store,
    /// The SHA-1 of the token: compared in constant time, whatever its length.
    token: Option<[u8; 20]>,
    min_group: u64,
    /// Reports computed at once: each holds one row per active installation.
    busy: Semaphore,
}

fn digest(text: &str) -> [u8; 20] {
    let hex = metrics_core::Sha1Digest::of(text).to_string();
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0);
    }
    out
}

/// The admin routes over `store`.
pub fn router(store: Store, config: AdminConfig) -> Router {
    let admin = Arc::new(Admin {
        store,
        token: config.token.as_deref().map(digest),
        min_group: config.min_group.max(1),
        busy: Semaphore::new(2),
    });
    Router::new()
        .route("/", get(report_page))
        .route("/report.json", get(report_json))
        .route("/rejected", get(rejected))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&admin),
            authorize,
        ))
        .with_state(admin)
}

/// The token a request carries: the password of HTTP Basic (what a browser sends after
/// its prompt), or a Bearer token (the scheme's name in any case).
fn presented(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credentials) = value.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(credentials.trim().to_owned());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let encoded = credentials;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    Some(
        text.split_once(':')
            .map_or(text.clone(), |(_, password)| password.to_owned()),
    )
}

/// Whether the request names the host as loopback (`localhost`, `127.0.0.1`, `[::1]`):
/// without a token the admin side answers only those, so that a web page cannot reach it
/// through a DNS name rebound to 127.0.0.1.
fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(name, _)| name),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

async fn authorize(State(admin): State<Arc<Admin>>, request: Request, next: Next) -> Response {
    let Some(expected) = admin.token else {
        if !loopback_host(request.headers()) {
            return (
                StatusCode::FORBIDDEN,
                "without a token, the admin side answers requests for localhost only\n",
            )
                .into_response();
        }
        return next.run(request).await;
    };
    let granted = presented(request.headers())
        .is_some_and(|token| bool::from(digest(&token).ct_eq(&expected)));
    if granted {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "the admin side needs the admin token (as the HTTP Basic password, or Authorization: Bearer)\n",
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"collector admin\", charset=\"UTF-8\""),
    );
    response
}

#[derive(Deserialize)]
struct WindowQuery {
    weeks: Option<u32>,
    payload: Option<String>,
}

/// Why an admin request is not answered: a status and a message in words.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, self.message).into_response()
    }
}

fn bad_request(message: String) -> Refusal {
    Refusal {
        status: StatusCode::BAD_REQUEST,
        message,
    }
}

impl Admin {
    fn options(&self, query: &WindowQuery) -> Result<(u32, Options), Refusal> {
        let weeks = query.weeks.unwrap_or(1);
        if !WINDOWS.contains(&weeks) {
            return Err(bad_request(format!(
                "weeks must be one of {WINDOWS:?}, not {weeks}\n"
            )));
        }
        let payloads = match &query.payload {
            Some(name) if !self.store.tables().iter().any(|t| t.payload == name) => {
                return Err(bad_request(format!("no payload named `{name}`\n")));
            }
            Some(name) => vec![name.clone()],
            None => Vec::new(),
        };
        Ok((
            weeks,
            Options {
                window: Window::days_before(this_hour(), 7 * u64::from(weeks)),
                trend_weeks: weeks.max(8),
                payloads,
            },
        ))
    }

    async fn report(&self, query: &WindowQuery) -> Result<(u32, crate::report::Report), Refusal> {
        let (weeks, options) = self.options(query)?;
        let _permit = self.busy.acquire().await.map_err(|_| unavailable())?;
        let report = self.store.report(&options).await.map_err(|e| {
            tracing::error!(error = %e, "the report failed");
            unavailable()
        })?;
        Ok((weeks, report.hide_small_groups(self.min_group)))
    }
}

/// The start of the current hour: the admin side's windows end there, so that two reads
/// a few minutes apart show the same figures (their difference cannot single out an
/// installation that just reported).
fn this_hour() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(now - now % 3600)
}

fn unavailable() -> Refusal {
    Refusal {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message: "the database is unavailable; try again later\n".to_owned(),
    }
}

async fn report_page(
    State(admin): State<Arc<Admin>>,
    Query(query): Query<WindowQuery>,
) -> Response {
    match admin.report(&query).await {
        Ok((weeks, report)) => Html(
            page::render(&report, weeks, admin.min_group, query.payload.as_deref()).into_string(),
        )
        .into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn report_json(
    State(admin): State<Arc<Admin>>,
    Query(query): Query<WindowQuery>,
) -> Response {
    match admin.report(&query).await {
        Ok((_, report)) => axum::Json(report).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

#[derive(Deserialize)]
struct Examples {
    payload: String,
    version: String,
    rule: String,
    weeks: Option<u32>,
}

/// How many examples `/rejected` shows.
const EXAMPLES: i64 = 10;

async fn rejected(State(admin): State<Arc<Admin>>, Query(query): Query<Examples>) -> Response {
    let window = WindowQuery {
        weeks: query.weeks,
        payload: Some(query.payload.clone()),
    };
    let (_, options) = match admin.options(&window) {
        Ok(options) => options,
        Err(refusal) => return refusal.into_response(),
    };
    let rows = admin
        .store
        .rejected_examples(
            &query.payload,
            &query.version,
            &query.rule,
            options.window,
            EXAMPLES,
        )
        .await;
    match rows {
        Ok(rows) => {
            Html(page::rejected(&query.payload, &query.version, &query.rule, &rows).into_string())
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "listing rejections failed");
            unavailable().into_response()
        }
    }
}
