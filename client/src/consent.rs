//! Consent: off until the user chooses, forced off by `DO_NOT_TRACK`, asked again when the
//! product raises its consent version.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// What the user allowed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Consent {
    /// Nothing is sent; nothing touches the network.
    #[default]
    Off,
    /// The update check only: version and installation id.
    Updates,
    /// The update check with usage statistics.
    UpdatesAndUsage,
}

impl Consent {
    /// Whether an update check is sent at all.
    pub fn sends(self) -> bool {
        self != Consent::Off
    }

    /// Whether usage statistics are included.
    pub fn includes_usage(self) -> bool {
        self == Consent::UpdatesAndUsage
    }
}

/// The user's answer, as stored: the choice and the consent version it answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentRecord {
    /// The choice.
    pub consent: Consent,
    /// The product's consent version when the user chose; a higher one asks again.
    pub consent_version: u32,
}

impl ConsentRecord {
    /// The record in `path`; `None` when there is none or it cannot be read (then the
    /// consent is off and the user is asked).
    pub fn load(path: &Path) -> Option<ConsentRecord> {
        let text = std::fs::read(path).ok()?;
        match serde_json::from_slice(&text) {
            Ok(record) => Some(record),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "unreadable consent record: consent is off until the user chooses again");
                None
            }
        }
    }

    /// Stores the record in `path`, atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).expect("a consent record serializes");
        metrics_core::atomic_file::write(path, &json)
    }
}

/// The consent in force and whether to ask the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// What may be sent now.
    pub consent: Consent,
    /// Whether the product should ask the user (no answer yet, or an older consent version).
    pub ask: bool,
}

/// The consent in force, from the stored record, the product's current consent version and
/// `DO_NOT_TRACK`: off without a record, off when the record answered an older consent
/// version (and the user is asked again), off whenever `do_not_track` is set.
pub fn resolve(
    record: Option<&ConsentRecord>,
    consent_version: u32,
    do_not_track: bool,
) -> Resolved {
    if do_not_track {
        return Resolved {
            consent: Consent::Off,
            ask: false,
        };
    }
    match record {
        Some(r) if r.consent_version >= consent_version => Resolved {
            consent: r.consent,
            ask: false,
        },
        _ => Resolved {
            consent: Consent::Off,
            ask: true,
        },
    }
}

/// Whether the environment says not to track: `DO_NOT_TRACK=1` (or `true`).
pub fn do_not_track() -> bool {
    std::env::var("DO_NOT_TRACK")
        .is_ok_and(|v| v.trim() == "1" || v.trim().eq_ignore_ascii_case("true"))
}
