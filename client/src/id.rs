//! The installation id: a random GUID created once and kept in a file.

use std::fmt;
use std::io;
use std::path::Path;

use metrics_core::InstallationId;

/// Why no installation id could be read or kept.
#[derive(Debug)]
pub struct IdError {
    path: std::path::PathBuf,
    action: &'static str,
    source: io::Error,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} the installation id in {}: {}",
            self.action,
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

/// The installation id kept in `path`, created on first use.
///
/// Any spelling of a UUID is kept: upper or mixed case (a GUID written by another product),
/// braces, a `urn:uuid:` prefix or no hyphens; the file is rewritten in the normalized form
/// (lowercase, hyphenated) that the payload sends. Only a file that holds no UUID is replaced
/// with a new id (and a warning). An error when the file cannot be read (it may hold a valid
/// id) or the id cannot be written: then nothing should be sent, or the installation would be
/// counted as a new one.
pub fn installation_id(path: &Path) -> Result<InstallationId, IdError> {
    let error = |action, source| IdError {
        path: path.to_owned(),
        action,
        source,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim();
            match uuid::Uuid::parse_str(text) {
                Ok(uuid) => {
                    let id = InstallationId::from(uuid);
                    let normalized = id.to_string();
                    if text != normalized {
                        tracing::info!(path = %path.display(), was = text, now = %normalized, "installation id normalized");
                        write(path, id).map_err(|e| error("store", e))?;
                    }
                    return Ok(id);
                }
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "the installation id file holds no UUID: replacing it with a new id");
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(error("read", e)),
    }
    let id = InstallationId::random();
    write(path, id).map_err(|e| error("store", e))?;
    Ok(id)
}

fn write(path: &Path, id: InstallationId) -> io::Result<()> {
    metrics_core::atomic_file::write(path, format!("{id}\n").as_bytes())
}
