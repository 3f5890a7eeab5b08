//! The installation id: a random GUID created once and kept in a file.

use std::fmt;
use std::io;
use std::path::Path;

use metrics_core::InstallationId;

/// Why no installation id could be kept.
#[derive(Debug)]
pub struct IdError {
    path: std::path::PathBuf,
    source: io::Error,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot store the installation id in {}: {}",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for IdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The installation id kept in `path`, created on first use. A corrupt or unreadable file
/// is replaced with a new id (and a warning). An error only when the new id cannot be
/// written: then nothing should be sent, or every check would count a new installation.
pub fn installation_id(path: &Path) -> Result<InstallationId, IdError> {
    match std::fs::read_to_string(path) {
        Ok(text) => match text.trim().parse::<InstallationId>() {
            Ok(id) => return Ok(id),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "corrupt installation id file: replacing it with a new id");
            }
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "unreadable installation id file: replacing it with a new id");
        }
    }
    let id = InstallationId::random();
    metrics_core::atomic_file::write(path, format!("{id}\n").as_bytes()).map_err(|source| {
        IdError {
            path: path.to_owned(),
            source,
        }
    })?;
    Ok(id)
}
