//! The payload: the product's envelope, and one pure function from version, id, consent and
//! statistics to the bytes sent.

use metrics_core::{InstallationId, Metrics, Version};

/// The payload a product's update check sends: its own `#[derive(Metrics)]` struct holding
/// the product version, the installation id and, when the user opted in, the product's
/// usage statistics. The client builds it with [`Envelope::new`] and sends it as
/// `Metrics::at(version)` serializes it, to `/submit/{NAME}/{version}/{document id}`.
///
/// ```
/// use metrics_core::{InstallationId, Metrics, Version};
///
/// /// Sent every 8 hours.
/// #[derive(Metrics)]
/// #[metrics(name = "heartbeat", rename_all = "camelCase")]
/// pub struct Heartbeat {
///     /// The product version
///     pub version: Version,
///     /// A random id made at installation
///     pub installation_id: InstallationId,
///     /// The usage statistics, when the user opted in
///     pub usage: Option<Usage>,
/// }
///
/// /// Usage statistics.
/// #[derive(Metrics)]
/// pub struct Usage {
///     /// The number of projects
///     pub projects: u64,
/// }
///
/// impl client::Envelope for Heartbeat {
///     type Statistics = Usage;
///     fn new(version: Version, installation_id: InstallationId, usage: Option<Usage>) -> Self {
///         Heartbeat { version, installation_id, usage }
///     }
/// }
///
/// let id: InstallationId = "7c9e6679-7425-40de-944b-e07fc1f90ae7".parse().unwrap();
/// let body = client::payload::<Heartbeat>(
///     &Version::parse("1.2.0").unwrap(),
///     id,
///     client::Consent::Updates,
///     || panic!("gathered only when the user opted in to usage statistics"),
/// );
/// assert_eq!(
///     body.as_deref(),
///     Some(r#"{"version":"1.2.0","installationId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","usage":null}"#)
/// );
/// ```
pub trait Envelope: Metrics {
    /// The product's usage statistics: what is sent only when the user opted in to them.
    type Statistics;

    /// The envelope `version` sends for the installation `installation_id`, with the
    /// statistics when the user opted in to them (`None` otherwise).
    fn new(
        version: Version,
        installation_id: InstallationId,
        statistics: Option<Self::Statistics>,
    ) -> Self;
}

/// The envelope `E` that `version` sends, as JSON, or `None` when `consent` is off. The
/// statistics are gathered (`statistics` is called) only when the user opted in to them.
/// What this returns is exactly what is sent, and what a preview prints.
pub fn payload<E: Envelope>(
    version: &Version,
    installation_id: InstallationId,
    consent: crate::Consent,
    statistics: impl FnOnce() -> E::Statistics,
) -> Option<String> {
    if !consent.sends() {
        return None;
    }
    let envelope = E::new(
        version.clone(),
        installation_id,
        consent.includes_usage().then(statistics),
    );
    Some(serde_json::to_string(&envelope.at(version)).expect("a metrics payload serializes"))
}
