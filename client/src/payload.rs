//! The payload: one pure function from version, id, consent and statistics to the bytes sent.

use metrics_core::{InstallationId, Metrics, Version};
use schema::{UpdateCheck, UsageStatistics};

/// The update check `version` sends, as JSON, or `None` when `consent` is off. The
/// statistics are gathered (`statistics` is called) only when the user opted in to them.
pub fn payload(
    version: &Version,
    installation_id: InstallationId,
    consent: crate::Consent,
    statistics: impl FnOnce() -> UsageStatistics,
) -> Option<String> {
    if !consent.sends() {
        return None;
    }
    let check = UpdateCheck {
        version: version.clone(),
        installation_id,
        usage_statistics: consent.includes_usage().then(statistics),
    };
    Some(serde_json::to_string(&check.at(version)).expect("a payload serializes"))
}
