//! Durable file replacement, shared by the tooling (schema files) and the client (consent,
//! installation id): each file is written to a temporary file beside it, synced, renamed
//! over its target, and the directory is synced, so that a reader or a crash sees the old
//! contents or the new, never a partial write.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes` durably (see the module docs); creates missing directories.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut batch = Batch::default();
    batch.stage(path, bytes)?;
    batch.commit()
}

/// Several files replaced together: every file is first written and synced beside its
/// target ([`Batch::stage`]); only when all were written are they renamed into place
/// ([`Batch::commit`]). A failure while staging leaves nothing behind (the temporary files
/// and the directories created for them are removed). Each rename is atomic, the set is
/// not: a failure in the middle of [`Batch::commit`] (a full disk cannot cause one, a
/// concurrent writer can) leaves the files renamed so far replaced.
#[derive(Default)]
pub struct Batch {
    staged: Vec<(PathBuf, PathBuf)>,
    created_dirs: Vec<PathBuf>,
}

impl Batch {
    /// Writes `bytes` to a synced temporary file beside `target`.
    pub fn stage(&mut self, target: &Path, bytes: &[u8]) -> io::Result<()> {
        let dir = parent(target);
        create_dirs(dir, &mut self.created_dirs)?;
        let temporary = temporary_path(target)?;
        // Recorded first, so that a failed write is cleaned up too.
        self.staged.push((temporary.clone(), target.to_path_buf()));
        let mut file = File::options()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    }

    /// Renames every staged file over its target, then syncs their directories so that the
    /// renames are durable.
    pub fn commit(mut self) -> io::Result<()> {
        let staged = std::mem::take(&mut self.staged);
        self.created_dirs.clear();
        let mut dirs: Vec<&Path> = Vec::new();
        for (temporary, target) in &staged {
            if let Err(e) = fs::rename(temporary, target) {
                for (temporary, _) in &staged {
                    let _ = fs::remove_file(temporary);
                }
                return Err(e);
            }
            let dir = parent(target);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        for dir in dirs {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

impl Drop for Batch {
    /// A batch dropped without [`Batch::commit`] leaves nothing behind.
    fn drop(&mut self) {
        for (temporary, _) in &self.staged {
            let _ = fs::remove_file(temporary);
        }
        for dir in self.created_dirs.iter().rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// `create_dir_all`, remembering which directories it created.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(up) = dir.parent() {
        create_dirs(up, created)?;
    }
    fs::create_dir(dir)?;
    created.push(dir.to_path_buf());
    Ok(())
}

/// A temporary name beside `target`, unique in this process too (two threads writing one
/// target never share a temporary file).
fn temporary_path(target: &Path) -> io::Result<PathBuf> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = target
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file path is needed"))?;
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(target.with_file_name(format!(
        ".{}.{}.{n}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("atomic-file-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_and_replaces_creating_directories() {
        let dir = scratch("replace");
        let path = dir.join("a/b/file.txt");
        write(&path, b"one").unwrap();
        write(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.join("a/b")).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_stage_leaves_nothing_behind() {
        let dir = scratch("failed");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("blocker"), "a file where a directory is needed").unwrap();
        let mut batch = Batch::default();
        batch.stage(&dir.join("new/one.txt"), b"1").unwrap();
        assert!(batch.stage(&dir.join("blocker/two.txt"), b"2").is_err());
        drop(batch);
        let left: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            ["blocker"],
            "the staged file and its new directory are gone"
        );
        fs::remove_dir_all(dir).unwrap();
    }
}
