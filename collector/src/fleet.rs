//! A realistic fleet, generated for any model from its declarations: installations that
//! check a few times a day over some weeks, start on versions spread along an upgrade curve
//! and upgrade over time, mostly opted in to statistics, with counts on a long tail (a few
//! installations have 900+ machines). For trying the report and measuring it. Every payload
//! is decoded by the model before it is stored, so the fleet is valid by construction.

use std::time::{Duration, SystemTime};

use metrics_core::{Field, Model, Release, Shape, Version};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::storage::{Store, StoreError, Submission};

/// What to generate.
#[derive(Clone, Debug)]
pub struct FleetSpec {
    /// How many installations.
    pub installations: u32,
    /// Over how many weeks, ending at `until`.
    pub weeks: u32,
    /// Update checks per installation per day (when its machine is on).
    pub checks_per_day: u32,
    /// The generator's seed: the same seed gives the same fleet.
    pub seed: u64,
    /// The end of the period.
    pub until: SystemTime,
}

/// What was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FleetSummary {
    /// Submissions stored.
    pub submissions: u64,
    /// Installations that sent at least one.
    pub installations: u64,
}

/// One installation's lasting traits.
struct Installation {
    id: Uuid,
    /// How big it is: counts scale with it (log-normal, a long tail).
    size: f64,
    /// Whether it sends usage statistics (optional structs).
    opted_in: bool,
    /// The index of its version in the release list.
    version: usize,
    /// The day it was installed (may be before the period) and the day it stopped.
    first_day: i64,
    last_day: i64,
}

/// A number in `[0, 1)` that depends on a text only: the same metric behaves the same way
/// across installations.
fn trait_of(text: &str) -> f64 {
    let digest = metrics_core::Sha1Digest::of(text).to_string();
    u32::from_str_radix(&digest[..8], 16).unwrap_or(0) as f64 / f64::from(u32::MAX)
}

/// A standard normal number (Box-Muller).
fn normal(rng: &mut fastrand::Rng) -> f64 {
    let (u, v) = (rng.f64().max(f64::MIN_POSITIVE), rng.f64());
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

struct Generator<'a> {
    rng: fastrand::Rng,
    installation: &'a Installation,
    release: Release,
}

impl Generator<'_> {
    fn fields(&mut self, fields: &'static [Field], path: &str) -> Value {
        let mut object = Map::new();
        for field in fields {
            if !field.availability().exists_at(self.release) {
                continue;
            }
            let here = format!("{path}/{}", field.key());
            let value = self.value(field.shape(), &here);
            object.insert(field.key().to_owned(), value);
        }
        Value::Object(object)
    }

    fn count(&mut self, path: &str, max: u64) -> u64 {
        // Metrics differ in magnitude (0.05x to 20x the installation's size), and vary a
        // little from check to check.
        let scale = (trait_of(path) * 6.0 - 3.0).exp();
        let value = self.installation.size * scale * (1.0 + 0.05 * normal(&mut self.rng));
        (value.max(0.0).round() as u64).min(max)
    }

    fn value(&mut self, shape: Shape, path: &str) -> Value {
        let installation = self.installation;
        match shape {
            Shape::Count { max } => Value::from(self.count(path, max)),
            Shape::Flag => Value::from(self.rng.f64() < 0.1 + 0.6 * trait_of(path)),
            Shape::Percent => {
                let share = (self.rng.f64().powi(3) * 100.0 * 10.0).round() / 10.0;
                Value::from(share)
            }
            Shape::Bytes => Value::from(self.count(path, u64::MAX).saturating_mul(4 << 20)),
            Shape::Milliseconds => Value::from(self.count(path, u64::MAX).saturating_mul(60_000)),
            Shape::Sha1 => {
                Value::from(metrics_core::Sha1Digest::of(installation.id.as_bytes()).to_string())
            }
            Shape::InstallationId => Value::from(installation.id.hyphenated().to_string()),
            Shape::Version => Value::from(self.release.to_version().to_string()),
            Shape::Enum { variants, .. } => {
                let names: Vec<&str> = variants()
                    .iter()
                    .filter(|v| v.availability().exists_at(self.release))
                    .map(|v| v.name())
                    .collect();
                match names.len() {
                    0 => Value::Null,
                    n => Value::from(names[self.rng.usize(..n)]),
                }
            }
            Shape::Optional(inner) => {
                let inner = inner();
                let present = match inner {
                    // Usage statistics and the like: sent when the user opted in.
                    Shape::Struct { .. } => installation.opted_in,
                    _ => self.rng.f64() < 0.9,
                };
                if present {
                    self.value(inner, path)
                } else {
                    Value::Null
                }
            }
            Shape::Struct { fields, .. } => self.fields(fields(), path),
            Shape::Map { keys, values, .. } => {
                let mut object = Map::new();
                for variant in keys() {
                    if !variant.availability().exists_at(self.release) {
                        continue;
                    }
                    let here = format!("{path}/{}", variant.name());
                    if self.rng.f64() < 0.2 + 0.75 * trait_of(&here) {
                        object.insert(variant.name().to_owned(), self.value(values(), &here));
                    }
                }
                Value::Object(object)
            }
        }
    }
}

/// The first of `models` that names its own version and carries an installation id: the
/// update check the fleet sends.
fn envelope(models: &[Model]) -> Option<Model> {
    models.iter().copied().find(|model| {
        model.version_key().is_some()
            && model
                .leaves()
                .iter()
                .any(|l| l.keys.len() == 1 && matches!(l.shape, Shape::InstallationId))
    })
}

/// Generates the fleet of `spec` and stores it in `store`, reporting progress as
/// `(done, total)` now and then.
pub async fn generate(
    store: &Store,
    models: &[Model],
    spec: &FleetSpec,
    mut progress: impl FnMut(u64, u64),
) -> Result<FleetSummary, StoreError> {
    let model = envelope(models).ok_or_else(|| {
        StoreError::new(
            "no payload names its own version and carries an installation id: a fleet sends update checks",
        )
    })?;
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    // The releases: the baseline's version and each change point, oldest first.
    let releases: Vec<Version> = metrics_core::SchemaVersion::list(&model.versions())
        .into_iter()
        .map(|(_, version)| version)
        .collect();
    let days = i64::from(spec.weeks.max(1)) * 7;
    let last = releases.len() - 1;
    let mut installations: Vec<Installation> = (0..spec.installations)
        .map(|_| {
            // Most run one of the newest releases; some lag far behind.
            let lag = (rng.f64().powi(2) * releases.len() as f64) as usize;
            let first_day = if rng.f64() < 0.85 {
                -1
            } else {
                rng.i64(0..days)
            };
            let last_day = if rng.f64() < 0.05 {
                rng.i64(first_day.max(0)..days)
            } else {
                days
            };
            Installation {
                id: uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes()).into_uuid(),
                // Log-normal sizes: the median installation has ~12 machines, a few 900+.
                size: (2.5 + 1.4 * normal(&mut rng)).exp(),
                opted_in: rng.f64() < 0.8,
                version: last.saturating_sub(lag),
                first_day,
                last_day,
            }
        })
        .collect();

    let until = spec.until;
    let start = until - Duration::from_secs(days as u64 * 86_400);
    let total = installations.len() as u64 * days as u64 * u64::from(spec.checks_per_day);
    let mut done = 0u64;
    let mut stored = 0u64;
    let mut active = std::collections::BTreeSet::new();
    let mut inflight = tokio::task::JoinSet::new();
    for day in 0..days {
        for (index, installation) in installations.iter_mut().enumerate() {
            // Upgrades: now and then, to the next release or straight to the newest.
            if day % 7 == 0 && installation.version < last && rng.f64() < 0.25 {
                installation.version = if rng.bool() {
                    last
                } else {
                    installation.version + 1
                };
            }
            if day < installation.first_day || day > installation.last_day || rng.f64() < 0.1 {
                done += u64::from(spec.checks_per_day);
                continue;
            }
            let version = releases[installation.version].clone();
            for check in 0..spec.checks_per_day {
                done += 1;
                let seconds = day as u64 * 86_400
                    + u64::from(check) * 86_400 / u64::from(spec.checks_per_day.max(1))
                    + rng.u64(0..3_600);
                let received_at = start + Duration::from_secs(seconds);
                if received_at >= until {
                    continue;
                }
                let mut generator = Generator {
                    rng: fastrand::Rng::with_seed(rng.u64(..)),
                    installation,
                    release: version.release(),
                };
                let value = generator.fields(model.fields(), "");
                let body = serde_json::to_string(&value).expect("JSON serializes");
                let value = model
                    .decode(&version, body.as_bytes(), &metrics_core::Limits::default())
                    .map_err(|e| StoreError::new(format!("a generated payload is invalid: {e}")))?;
                let submission = Submission {
                    document_id: uuid::Builder::from_random_bytes(rng.u128(..).to_le_bytes())
                        .into_uuid(),
                    payload: model.name().to_owned(),
                    version_sent: version.to_string(),
                    version: version.clone(),
                    received_at,
                    body,
                    value,
                };
                active.insert(index);
                let store = store.clone();
                inflight.spawn(async move { store.accept(submission).await });
                // Enough in flight for the writer to batch, bounded in memory.
                while inflight.len() >= 2048 {
                    if let Some(result) = inflight.join_next().await {
                        result.map_err(StoreError::new)??;
                        stored += 1;
                    }
                }
            }
        }
        progress(done, total);
    }
    while let Some(result) = inflight.join_next().await {
        result.map_err(StoreError::new)??;
        stored += 1;
    }
    progress(total, total);
    Ok(FleetSummary {
        submissions: stored,
        installations: active.len() as u64,
    })
}
